"""On a server, a MARAC case's orders, DVDS requests and transfers are kept to the account's panels
by PostgreSQL itself (migration 0026_orders's policies), as the case is (issue 19, part B)."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text

from cspdesk.domain.enums import PanelType
from test_postgres_rls import _demo_server, _facts, _fast, _psql  # noqa: F401 - the fixtures

pytestmark = pytest.mark.postgres

_ROWS = {
    "protective_order": ("INSERT INTO protective_order (case_id, kind, conditions, created_at, updated_at) "
                         "VALUES (:c, 'dapo', 'Walked', now(), now()) RETURNING id"),
    "dvds_request": ("INSERT INTO dvds_request (case_id, route, applicant, received_on, decision, created_at, "
                     "updated_at) VALUES (:c, 'right_to_ask', 'Walked', current_date, 'pending', now(), now()) "
                     "RETURNING id"),
    "case_transfer": ("INSERT INTO case_transfer (case_id, direction, other_marac, transferred_on, by_username, "
                      "pack_digest, signer_key, history, created_at) VALUES (:c, 'out', 'X MARAC', current_date, "
                      "'owner', '', '', '{}', now()) RETURNING id"),
}


def test_an_officer_reads_only_its_panels_orders_dvds_and_transfers(_demo_server: str) -> None:  # noqa: F811
    url = _demo_server
    f = _facts(url)
    owner = create_engine(url)
    made: dict[str, dict[str, int]] = {}
    try:
        with owner.begin() as conn:
            for table, sql in _ROWS.items():
                made[table] = {which: conn.scalar(text(sql), {"c": f[which]}) for which in ("marac_case", "csvg_case")}
        with _psql(url, "officer.idva") as con:  # MARAC only
            for table, ids in made.items():
                assert con.execute(f"SELECT id FROM {table} WHERE id = %s", (ids["marac_case"],)).fetchone(), table
                assert con.execute(f"SELECT id FROM {table} WHERE id = %s", (ids["csvg_case"],)).fetchone() is None
                assert con.execute(f"DELETE FROM {table} WHERE id = %s", (ids["csvg_case"],)).rowcount == 0
        assert f["panels"][PanelType.CSVG] != f["panels"][PanelType.MARAC]
    finally:
        with owner.begin() as conn:
            for table, ids in made.items():
                conn.execute(text(f"DELETE FROM {table} WHERE id IN (:a, :b)"),
                             {"a": ids["marac_case"], "b": ids["csvg_case"]})
        owner.dispose()
