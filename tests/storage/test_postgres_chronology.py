"""Issue 20 on a server, as the accounts' own roles: a chronology holds only what row-level security
lets the account read, and "also known to" comes from ``cspdesk_also_known_to``, which tells an
account only what the setting allows for its own panels — asked about other panels, or about a
person on none of its panels, it says nothing."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import make_url

from core.chronology_setup import make_known
from cspdesk.domain.enums import Role
from cspdesk.services.access import auth
from cspdesk.services.access.accounts import AccountService
from cspdesk.services.people.chronology import ChronologyService
from cspdesk.services.errors import NotFound
from cspdesk.services.people.known_to import AlsoKnownToService
from cspdesk.services.database.workspace import close_workspace, open_workspace
from cspdesk.storage.server_roles import role_name

pytestmark = pytest.mark.postgres
ADMIN_PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "FAILED_DELAY_STEP", 0.0)


def test_accounts_on_one_two_and_three_panels_through_their_own_roles(pg_url: str) -> None:
    created = auth.create_database(pg_url, admin_username="admin", admin_name="Ada", password=ADMIN_PASSWORD,
                                   partnership_name="Safer Testshire")
    close_workspace(created.ctx)
    owner = open_workspace(pg_url)
    known = make_known(owner)
    close_workspace(owner)
    intake = known.intake
    admin = auth.sign_in(pg_url, "admin", ADMIN_PASSWORD)
    accounts = {"one": {intake.marac}, "two": {intake.marac, intake.csvg},
                "three": {intake.marac, intake.csvg, intake.carm}, "socp": {intake.socp}}
    for name, panels in accounts.items():
        AccountService(admin).add_account(name, name.title(), Role.OFFICER, agency_id=None,
                                          panel_ids=frozenset(panels), temporary_password=f"{name} pass 1234")
    close_workspace(admin)

    expected = {
        "one": ({"MARAC-2026-0001"}, ("Testshire CARM", "Testshire CSVG")),
        "two": ({"MARAC-2026-0001", "CSVG-2026-0001"}, ("Testshire CARM",)),
        "three": ({"MARAC-2026-0001", "CSVG-2026-0001", "CARM-2026-0001"}, ()),
    }
    for name, (references, names) in expected.items():
        ctx = auth.sign_in(pg_url, name, f"{name} pass 1234")
        try:
            assert make_url(ctx.store.target.url).username == role_name(make_url(pg_url).database, name)
            chronology = ChronologyService(ctx).person(known.person)
            assert {e.case_reference for e in chronology.events} == references
            assert AlsoKnownToService(ctx).names(known.person) == names
        finally:
            close_workspace(ctx)

    socp = auth.sign_in(pg_url, "socp", "socp pass 1234")
    try:
        with pytest.raises(NotFound):  # row-level security: the person is not there for this role
            AlsoKnownToService(socp).names(known.person)
    finally:
        close_workspace(socp)

    # The function itself, as psql would call it with the account's password: other panels'
    # ids asked about are not taken on trust, and a person on none of the account's panels gets
    # nothing at all (no oracle).
    url = make_url(pg_url)
    with psycopg.connect(host=url.host, port=url.port, dbname=url.database, password="one pass 1234",
                         user=role_name(url.database, "one")) as con:
        ask = "SELECT * FROM cspdesk_also_known_to(%s, %s)"
        assert [r[0] for r in con.execute(ask, (known.person, [intake.marac]))] == ["Testshire CARM",
                                                                                  "Testshire CSVG"]
        assert con.execute(ask, (known.person, [intake.csvg, intake.carm])).fetchall() == []
        assert con.execute(ask, (known.other, [intake.marac, intake.carm])).fetchall() == []
