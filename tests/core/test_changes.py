"""Lists refresh for others' changes: ChangeService.changes_since names what someone else changed."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from concurrent_edit import change_action
from conftest import TEST_KEY
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
