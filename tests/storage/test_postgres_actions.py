"""The action tracker on a PostgreSQL server: ids aggregated with string_agg, natural plan-number
order (strpos), RAG filters and counts, grouping, status changes, the importer and export."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from core.referral_setup import make_intake
from cspdesk.domain.enums import ActionStatus, Rag
from cspdesk.domain.rules import rag
from cspdesk.services.access import auth
from cspdesk.services.records_io.action_import import ActionImportService
from cspdesk.services.actions.actions import ActionGroupBy, ActionQuery, ActionService, ActionSort, NewAction
from cspdesk.services.database.workspace import close_workspace

pytestmark = pytest.mark.postgres

SWALE = Path(__file__).parent.parent / "data" / "swale_2019_20_plan.xlsx"


def test_the_tracker_on_a_server(pg_url: str, tmp_path: Path) -> None:
    created = auth.create_database(pg_url, admin_username="admin", admin_name="Ada",
                                   password="correct horse battery", partnership_name="Safer Testshire")
    it = make_intake(created.ctx)
    ctx = it.ctx
    svc = ActionService(ctx)
    today = ctx.today()
    made = {}
    for number, status, days in [("1.10", ActionStatus.ONGOING, 30), ("1.2", ActionStatus.OPEN, -3),
                                 ("2.1", ActionStatus.ON_HOLD, 5), ("1.1", ActionStatus.COMPLETED, -40),
                                 ("A1", ActionStatus.OPEN, None)]:
        new = NewAction(panel_id=it.marac, text=f"Action {number}", number=number, status=status,
                        owner_agency_id=it.police if number != "2.1" else it.idva,
                        due_date=None if days is None else today + timedelta(days=days),
                        status_reason="Waiting" if status == ActionStatus.ON_HOLD else "",
                        completed_on=today if status == ActionStatus.COMPLETED else None)
        made[number] = svc.add_action(new).value
    by_number = svc.action_rows(svc.action_ids(ActionQuery(panel_id=it.marac, sort=ActionSort.NUMBER)))
    assert [r.number for r in by_number] == ["1.1", "1.2", "1.10", "2.1", "A1"]
    for value in Rag:
        ids = set(svc.action_ids(ActionQuery(panel_id=it.marac, rags=frozenset({value}))))
        assert ids == {r.id for r in by_number if rag(r.status, r.due_date, today) == value}
    counts = svc.rag_counts(ActionQuery(panel_id=it.marac))
    assert (counts.red, counts.amber, counts.green, counts.grey, counts.blue) == (1, 1, 1, 1, 1)
    assert counts.total == 5 and counts.overdue == 1
    grouped = svc.action_rows(svc.action_ids(ActionQuery(panel_id=it.marac, group_by=ActionGroupBy.AGENCY)))
    assert [r.owner_agency_id for r in grouped][-1] == it.police  # "Testshire IDVA…" before "Testshire Police"
    svc.bulk_update_status([made["1.2"].id, made["A1"].id], ActionStatus.ONGOING, "Started")
    assert {r.status for r in svc.action_rows([made["1.2"].id, made["A1"].id])} == {ActionStatus.ONGOING}

    imp = ActionImportService(ctx)
    table = imp.read(SWALE)
    report = imp.import_actions(it.csvg, table, imp.suggest_mapping(it.csvg, table).mapping).value
    assert report.imported == 33
    plan = svc.action_rows(svc.action_ids(ActionQuery(panel_id=it.csvg, group_by=ActionGroupBy.HEADING,
                                                      sort=ActionSort.NUMBER)))
    assert plan[0].number == "1.1" and plan[-1].number == "7.4"
    assert imp.export(ActionQuery(panel_id=it.csvg), tmp_path / "plan.xlsx").value == 33
    close_workspace(ctx)
