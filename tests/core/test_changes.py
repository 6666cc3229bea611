"""Lists refresh for others' changes: ChangeService.changes_since names what someone else changed."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from concurrent_edit import change_action
from constants import TEST_KEY
from cspdesk.services.referrals.cases import CaseService
from cspdesk.services.changes import ChangeService
from cspdesk.services.context import OpChanges
from cspdesk.services.database.workspace import close_workspace, open_workspace
from cspdesk.storage.models import Action, Case, Meeting


def test_changes_since_names_the_areas_someone_else_changed(engine: str, demo_ctx, demo_target: str | Path) -> None:
    watch = ChangeService(demo_ctx)
    first = watch.changes_since(None)
    assert first.changes == OpChanges.everything()  # the first look loads everything
    mark = first.mark
    assert not watch.changes_since(mark).changes  # nothing happened: nothing to refresh

    # Another user, another connection (another computer on a server).
    other = open_workspace(demo_target, key=TEST_KEY if engine == "sqlite" else None)
    try:
        with other.reading() as s:
            action_id, version = s.execute(select(Action.id, Action.version).order_by(Action.id).limit(1)).one()
            case_id = s.scalar(select(Case.id).order_by(Case.id).limit(1))
            meeting_id = s.scalar(select(Meeting.id).order_by(Meeting.id).limit(1))

        # Looking at a case changes nothing, though it is audited.
        CaseService(other).get_case(case_id)
        assert not watch.changes_since(mark).changes

        change_action(other, action_id, "status", version)
        seen = watch.changes_since(mark)
        assert seen.changes == OpChanges(actions=True, panels=True)
        assert not watch.changes_since(seen.mark).changes  # the new mark has it

        # A write that leaves no audit entry still shows (the version sums and updated_at move).
        with other.unit_of_work() as s:
            s.get(Case, case_id).summary = "changed by an import"
        after_case = watch.changes_since(seen.mark)
        assert after_case.changes == OpChanges(cases=True, panels=True)
        with other.unit_of_work() as s:
            s.get(Meeting, meeting_id).venue = "Room 2"
        assert watch.changes_since(after_case.mark).changes == OpChanges(meetings=True, panels=True)
    finally:
        close_workspace(other)


def test_our_own_writes_are_not_others_changes(engine: str, demo_ctx, demo_target: str | Path) -> None:
    """The poll after this account's own save reports nothing to reload; another account's save
    after it still shows (issue 23: the meeting's page reloaded for its own writes)."""
    from cspdesk.domain.enums import Role
    from cspdesk.services.context import Actor
    from cspdesk.storage.models import UserAccount

    with demo_ctx.reading() as s:
        accounts = dict(s.execute(select(UserAccount.username, UserAccount.id)).all())
        (first, v1), (second, v2) = s.execute(select(Action.id, Action.version).order_by(Action.id).limit(2)).all()
    demo_ctx.actor = Actor(accounts["coord"], "coord", Role.COORDINATOR)
    watch = ChangeService(demo_ctx)
    mark = watch.changes_since(None).mark

    change_action(demo_ctx, first, "status", v1)  # our own save
    ours = watch.changes_since(mark)
    assert not ours.changes

    other = open_workspace(demo_target, key=TEST_KEY if engine == "sqlite" else None,
                           actor=Actor(accounts["admin"], "admin", Role.ADMINISTRATOR))
    try:
        change_action(other, second, "status", v2)
    finally:
        close_workspace(other)
    assert watch.changes_since(ours.mark).changes == OpChanges(actions=True, panels=True)
