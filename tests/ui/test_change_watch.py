"""The window refreshes its lists for others' changes on a server (and leaves a file it writes alone)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from cspdesk.services.context import OpChanges
from cspdesk.services.database.workspace import close_workspace, open_workspace
from cspdesk.storage.models import Case


@pytest.mark.postgres
def test_others_changes_reach_the_window_on_a_server(qtbot, make_window, pg_demo_url: str) -> None:  # noqa: ANN001
    ctx = open_workspace(pg_demo_url)
    other = open_workspace(pg_demo_url)
    try:
        window = make_window(ctx, section="cases")
        watch = window.change_watch
        assert watch.active
        qtbot.waitUntil(lambda: watch.has_mark, timeout=10_000)

        # Nothing changed: a poll hands the pages nothing.
        with qtbot.assertNotEmitted(window.changes_applied, wait=300):
            watch.poll()
            qtbot.waitUntil(lambda: watch._call is not None and not watch._call.is_running(), timeout=10_000)

        # Someone at another desk changes a case.
        with other.unit_of_work() as s:
            case = s.scalars(select(Case).order_by(Case.id).limit(1)).one()
            case.summary = "Updated by a colleague"
        with qtbot.waitSignal(window.changes_applied, timeout=10_000) as blocker:
            watch.poll()
        assert blocker.args == [OpChanges(cases=True, panels=True)]
    finally:
        close_workspace(other)
        window.close()
        close_workspace(ctx)


def test_a_file_this_window_writes_is_not_polled(make_window, demo_ctx) -> None:  # noqa: ANN001
    window = make_window(demo_ctx)
    assert not window.change_watch.active
