"""CARM contexts (issue 20) on a server, as the accounts' own roles: row-level security keeps a
context, its assessments, goals and responses to members of its CARM panel — a MARAC-only account
reads none of their rows even with SQL of its own."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest
from sqlalchemy import make_url, select

from core.chronology_setup import make_carm_map
from cspdesk.domain.enums import Role
from cspdesk.services.access import auth
from cspdesk.services.access.accounts import AccountService
from cspdesk.services.database.workspace import close_workspace, open_workspace
from cspdesk.services.errors import NotFound
from cspdesk.services.people.contexts import ContextService
from cspdesk.storage.models import Case
from cspdesk.storage.server_roles import role_name

pytestmark = pytest.mark.postgres
ADMIN_PASSWORD = "correct horse battery"
TABLES = ("carm_context", "context_assessment", "context_goal", "context_response")


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "FAILED_DELAY_STEP", 0.0)


def test_a_context_is_read_by_a_carm_account_and_not_by_a_marac_only_one(pg_url: str) -> None:
    created = auth.create_database(pg_url, admin_username="admin", admin_name="Ada", password=ADMIN_PASSWORD,
                                   partnership_name="Safer Testshire")
    close_workspace(created.ctx)
    owner = open_workspace(pg_url)
    carm = make_carm_map(owner)
    service = ContextService(owner)
    with owner.reading() as s:
        park_case = s.scalar(select(Case.id).where(Case.subject_location_id == carm.park))
    context_id = service.open_context(park_case).value.id
    service.add_assessment(context_id, assessed_on=date(2026, 5, 20), assessor="Youth worker",
                           what_happens="Recruitment after school")
    goal = service.add_goal(context_id, "Safe after school").value
    service.add_response(goal.id, agency_id=carm.known.intake.police, text="Patrols", due_date=date(2026, 7, 1))
    close_workspace(owner)
    intake = carm.known.intake
    admin = auth.sign_in(pg_url, "admin", ADMIN_PASSWORD)
    for name, panels in {"carm": {intake.carm}, "marac": {intake.marac}}.items():
        AccountService(admin).add_account(name, name.title(), Role.OFFICER, agency_id=None,
                                          panel_ids=frozenset(panels), temporary_password=f"{name} pass 1234")
    close_workspace(admin)

    ctx = auth.sign_in(pg_url, "carm", "carm pass 1234")
    try:
        detail = ContextService(ctx).get(context_id)
        assert detail.current.what_happens == "Recruitment after school"
        assert [r.text for r in detail.goals[0].responses] == ["Patrols"]
    finally:
        close_workspace(ctx)
    ctx = auth.sign_in(pg_url, "marac", "marac pass 1234")
    try:
        assert ContextService(ctx).list_contexts() == []
        with pytest.raises(NotFound):
            ContextService(ctx).get(context_id)
    finally:
        close_workspace(ctx)

    # The tables themselves, as psql would read them with each account's password.
    url = make_url(pg_url)
    counts = {}
    for name in ("carm", "marac"):
        with psycopg.connect(host=url.host, port=url.port, dbname=url.database, password=f"{name} pass 1234",
                             user=role_name(url.database, name)) as con:
            counts[name] = [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES]
    assert counts == {"carm": [1, 1, 1, 1], "marac": [0, 0, 0, 0]}
