"""Two people change the same action at once: one is saved, the other is told, nothing is lost.

Two real processes (spawned interpreters with their own connections) on the same database. Each
reads the action at version N, waits for the other, then saves a different field.

- ``seen``: the version comes from what the form showed (read before the unit of work). On
  SQLite BEGIN IMMEDIATE queues the second writer, which then finds the version moved; on
  PostgreSQL the same check refuses it.
- ``race`` (PostgreSQL): both transactions read version N and both write; the second UPDATE waits
  for the first's row lock, matches no row, and the unit of work turns SQLAlchemy's
  StaleDataError into the same EditConflict.
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from sqlalchemy import func, select

from concurrent_edit import NEW_DUE, change_action, edit_in_process
from constants import DEMO_TODAY, TEST_KEY
from cspdesk.domain.enums import ActionStatus, Role
from cspdesk.services.audit.audit import AuditService
from cspdesk.services.concurrency import expect_version
from cspdesk.services.context import Actor
from cspdesk.services.errors import EditConflict
from cspdesk.services.database.workspace import close_workspace, open_workspace
from cspdesk.storage.models import Action, ActionUpdate, Case, UserAccount


def _users(ctx) -> dict[str, tuple[int, str, str]]:  # noqa: ANN001
    with ctx.reading() as s:
        return {u.username: (u.id, u.username, u.display_name) for u in s.scalars(select(UserAccount))}


def _open_action(ctx):  # noqa: ANN001, ANN202 - a row: id, version
    with ctx.reading() as s:
        return s.execute(select(Action.id, Action.version)
                         .where(Action.status == ActionStatus.OPEN, Action.due_date.is_not(None))
                         .order_by(Action.id).limit(1)).one()


@pytest.fixture
def server_demo_ctx(pg_demo_url: str):
    """The demo partnership on the server (for what only a server can show: a real race)."""
    ctx = open_workspace(pg_demo_url)
    ctx.today = lambda: DEMO_TODAY
    yield ctx
    close_workspace(ctx)


def test_two_processes_save_the_same_action(engine: str, demo_ctx, demo_target: str | Path) -> None:
    _two_processes_save_the_same_action(demo_ctx, demo_target, TEST_KEY.hex() if engine == "sqlite" else "",
                                        race=False)


@pytest.mark.postgres
def test_two_transactions_race_on_the_server(server_demo_ctx, pg_demo_url: str) -> None:
    """SQLite's BEGIN IMMEDIATE lets one writing transaction in at a time, so only a server has
    this race: both read version N inside their transactions, then both write."""
    _two_processes_save_the_same_action(server_demo_ctx, pg_demo_url, "", race=True)


def _two_processes_save_the_same_action(demo_ctx, demo_target: str | Path, key_hex: str, *, race: bool) -> None:  # noqa: ANN001
    users = _users(demo_ctx)
    sides = {"status": users["coord"], "due": users["officer.housing"]}
    action = _open_action(demo_ctx)
    with demo_ctx.reading() as s:
        logged_before = s.scalar(select(func.count()).select_from(ActionUpdate).where(ActionUpdate.action_id == action.id))

    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(2), spawn.Queue()
    procs = [
        spawn.Process(target=edit_in_process,
                      args=(str(demo_target), key_hex, sides[change][:2], action.id, change, race, barrier, results))
        for change in sides
    ]
    for p in procs:
        p.start()
    outcome = {}
    for _ in procs:
        change, result, version, message, fields, changed_by = results.get(timeout=120)
        outcome[change] = (result, version, message, fields, changed_by)
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0

    assert sorted(r[0] for r in outcome.values()) == ["conflict", "saved"], outcome
    winner = next(c for c, r in outcome.items() if r[0] == "saved")
    loser = next(c for c in outcome if c != winner)
    _, _, message, fields, changed_by = outcome[loser]
    # The loser is told plainly: which action, who changed it, which field, and what to do.
    assert message.startswith("Action ") and "after you opened it" in message
    assert sides[winner][2] in message and changed_by == (sides[winner][2],)
    assert fields == (("status",) if winner == "status" else ("due_date",))
    assert "Reload it to see their change, then make yours again." in message
    assert outcome[loser][1] == action.version + 1  # the version to re-apply on

    with demo_ctx.reading() as s:
        saved = s.get(Action, action.id)
        assert saved.version == action.version + 1
        # The winner's change is there and the loser's is not (nothing half-saved).
        assert (saved.status is ActionStatus.ONGOING) == (winner == "status")
        assert (saved.due_date == NEW_DUE) == (winner == "due")
        assert s.scalar(select(func.count()).select_from(ActionUpdate)
                        .where(ActionUpdate.action_id == action.id)) == logged_before + 1

    # Nothing is lost: the loser reloads (the version the conflict named) and applies theirs again.
    demo_ctx.actor = Actor(user_id=sides[loser][0], username=sides[loser][1], role=Role.COORDINATOR)
    change_action(demo_ctx, action.id, loser, outcome[loser][1])
    with demo_ctx.reading() as s:
        saved = s.get(Action, action.id)
        assert saved.status is ActionStatus.ONGOING and saved.due_date == NEW_DUE
        assert saved.version == action.version + 2
    demo_ctx.actor = Actor.local_owner()
    assert AuditService(demo_ctx).verify().ok  # two writers, one unbroken chain


def test_a_form_filled_from_an_older_version_is_refused(demo_ctx) -> None:
    """In one process: the version the form showed is checked, and the error names the record."""
    action = _open_action(demo_ctx)
    change_action(demo_ctx, action.id, "status", action.version)
    with pytest.raises(EditConflict) as err:
        change_action(demo_ctx, action.id, "due", action.version)
    assert err.value.entity == "action" and err.value.entity_id == action.id
    assert err.value.fields == ("status",) and err.value.current_version == action.version + 1
    assert "was changed by local" in str(err.value)
    with demo_ctx.reading() as s:
        assert s.get(Action, action.id).due_date != NEW_DUE


@pytest.mark.postgres
def test_a_stale_write_without_a_version_check_is_still_caught(server_demo_ctx) -> None:
    """A service that forgets expect_version still cannot overwrite: the UPDATE carries the version
    it read, and unit_of_work turns SQLAlchemy's StaleDataError into EditConflict naming the case.
    (On a server: on SQLite no other writer gets in while a unit of work is open.)"""
    demo_ctx = server_demo_ctx
    with demo_ctx.reading() as s:
        case_id, reference = s.execute(select(Case.id, Case.reference).order_by(Case.id).limit(1)).one()
    with pytest.raises(EditConflict) as err:
        with demo_ctx.unit_of_work() as s:
            case = s.get(Case, case_id)
            # Someone else saves the case meanwhile (another connection, committed first).
            with demo_ctx.store.engine.begin() as other:
                other.execute(Case.__table__.update().where(Case.id == case_id)
                              .values(summary="theirs", version=Case.version + 1))
            case.summary = "mine"
    assert err.value.entity == "case" and err.value.entity_id == case_id
    assert str(err.value).startswith(f"Case {reference} was changed by someone else")
    with demo_ctx.reading() as s:
        assert s.get(Case, case_id).summary == "theirs"


def test_expect_version_accepts_the_current_version(demo_ctx) -> None:
    action = _open_action(demo_ctx)
    with demo_ctx.unit_of_work() as s:
        a = s.get(Action, action.id)
        expect_version(s, a, action.version)  # no error
        expect_version(s, a, None)  # unknown: only a race is caught
