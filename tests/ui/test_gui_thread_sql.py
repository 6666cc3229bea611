"""No SQL on the GUI thread (issue 23): a ``before_cursor_execute`` listener notes the thread of every
statement while a test drives the main paths through the window, and each path is checked.

Paths still reading on the GUI thread are listed in :data:`NOT_YET_CONVERTED`, each with why; the
test fails if a path not listed runs a statement on the GUI thread, and also if a listed path no
longer does — so the list can only shrink.
"""

from __future__ import annotations

import threading
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event

from cspdesk.domain.enums import PanelType
from cspdesk.services.referrals.cases import CaseQuery, CaseService
from cspdesk.services.meetings.meetings import MeetingService
from cspdesk.services.partnership.panels import PanelService
from cspdesk_gui.main_window import Section

#: Paths that still execute SQL on the GUI thread, and why. Remove a path once it is converted.
NOT_YET_CONVERTED: dict[str, str] = {
    # Empty: the lists' rows (case list, search, tracker) are read on the database thread since
    # issue 23 (ui/models/paged.py). Add a path here only with the reason it cannot yet be moved.
}


class StatementThreads:
    """Counts, per path, the statements executed on the GUI thread."""

    def __init__(self) -> None:
        self.gui_thread = threading.current_thread()
        self.path: str | None = None
        self.on_gui: Counter[str] = Counter()
        self.elsewhere: Counter[str] = Counter()
        self.paths: list[str] = []
        #: Per path, where in ui/ the GUI-thread statements came from ("ui/x.py:12 f"): what to convert next.
        self.sources: dict[str, Counter[str]] = {}

    def before_cursor_execute(self, conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001, PLR0913 - SQLAlchemy's event signature
        if self.path is None:
            return
        if threading.current_thread() is self.gui_thread:
            self.on_gui[self.path] += 1
            self.sources.setdefault(self.path, Counter())[_ui_caller()] += 1
        else:
            self.elsewhere[self.path] += 1

    @contextmanager
    def driving(self, path: str) -> Iterator[None]:
        self.paths.append(path)
        self.path = path
        try:
            yield
        finally:
            self.path = None


def _ui_caller() -> str:
    """The innermost frame in the ui package that led to the statement."""
    for frame in reversed(traceback.extract_stack()):
        parts = Path(frame.filename).parts
        if "ui" in parts and "tests" not in parts:
            return f"{'/'.join(parts[parts.index('ui'):])}:{frame.lineno} {frame.name}"
    return "(not from ui/)"


@pytest.fixture
def statements(demo_ctx) -> Iterator[StatementThreads]:  # noqa: ANN001
    recorder = StatementThreads()
    engines = {id(e): e for e in (demo_ctx.store.engine, getattr(demo_ctx.store, "write_engine", None)) if e}
    for engine in engines.values():
        event.listen(engine, "before_cursor_execute", recorder.before_cursor_execute)
    yield recorder
    for engine in engines.values():
        event.remove(engine, "before_cursor_execute", recorder.before_cursor_execute)


def _settle(qtbot) -> None:  # noqa: ANN001
    """Let queued operations and debounce timers finish (their statements are counted too)."""
    from cspdesk_gui.operations import running_ops

    qtbot.wait(350)
    qtbot.waitUntil(lambda: running_ops() == 0, timeout=30_000)


def _scroll_to_the_end(qtbot, table) -> None:  # noqa: ANN001
    """Page down the list to its end (rows past the first page are read as they come into view)."""
    from PySide6.QtCore import Qt

    table.setFocus()
    table.setCurrentIndex(table.model().index(0, 0))
    for _ in range(3):
        qtbot.keyClick(table, Qt.Key.Key_PageDown)
    qtbot.keyClick(table, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)  # End alone: the row's last cell
    _settle(qtbot)


def test_the_main_paths_run_no_sql_on_the_gui_thread(qtbot, make_window, demo_ctx, statements, capsys, monkeypatch) -> None:  # noqa: ANN001
    panels = {p.panel_type: p.id for p in PanelService(demo_ctx).list_panels()}
    case_id = CaseService(demo_ctx).case_ids(CaseQuery(panel_id=panels[PanelType.MARAC]))[0]
    meeting_id = next(m.id for m in MeetingService(demo_ctx).list_meetings(panels[PanelType.MARAC])
                      if m.status.name in ("PLANNED", "IN_PROGRESS"))

    with statements.driving("open the main window"):
        window = make_window(demo_ctx)
        _settle(qtbot)
    cases = window.page(Section.CASES)
    with statements.driving("open the case list"):
        window.show_section(Section.CASES)
        _settle(qtbot)
        _scroll_to_the_end(qtbot, cases.table)
    with statements.driving("search"):
        cases.set_search_text("sm")
        _settle(qtbot)
    with statements.driving("open a case"):
        dialog = window.open_case(case_id)
        _settle(qtbot)
    dialog.close()
    with statements.driving("open the tracker"):
        window.show_section(Section.ACTIONS)
        _settle(qtbot)
        _scroll_to_the_end(qtbot, window.page(Section.ACTIONS).tracker.table)
    with statements.driving("open the meetings page"):
        window.show_section(Section.MEETINGS)
        _settle(qtbot)
    # A meeting planned for a later day asks before starting (a modal box would block the test).
    monkeypatch.setattr("cspdesk_gui.pages.admin.common.confirm", lambda *_a, **_k: True)
    with statements.driving("open meeting mode"):
        meeting = window.open_meeting_mode(meeting_id)
        _settle(qtbot)
    with statements.driving("move to the next meeting item"):
        meeting.next_item()
        _settle(qtbot)
    meeting.close()
    _settle(qtbot)
    cases.show_panel(panels[PanelType.CSVG])
    dialog = cases.new_referral(panels[PanelType.CSVG])
    dialog.subject_choice.button(1).setChecked(True)
    dialog.group_name.setText("The household at 9 Example Close")
    member = dialog.members.add_row()
    member.entry.given.setText("Ada")
    member.entry.family.setText("Examplewood")
    member.set_value("role", "Tenant")
    dialog.flag_boxes[next(iter(dialog.flag_boxes))].setChecked(True)
    dialog.risk_level.setCurrentIndex(1)
    dialog.presenting.setPlainText("Hoarding; fire risk; neighbours report ASB.")
    _settle(qtbot)  # the name search as the member was typed (ReferralDialog._find) is not the save
    with statements.driving("save a referral"), qtbot.waitSignal(dialog.referral_saved, timeout=10_000):
        dialog.save()
    _settle(qtbot)

    with capsys.disabled():
        print("\nstatements per path: on the GUI thread / on the database thread")
        for path in statements.paths:
            print(f"  {path:<32} {statements.on_gui[path]:>4} / {statements.elsewhere[path]:>4}")
            for where, n in statements.sources.get(path, Counter()).most_common(4):
                print(f"      {n:>4}  {where}")
    dirty = {p for p in statements.paths if statements.on_gui[p]}
    assert not dirty - NOT_YET_CONVERTED.keys(), f"SQL ran on the GUI thread in: {sorted(dirty - NOT_YET_CONVERTED.keys())}"
    converted = set(statements.paths) & NOT_YET_CONVERTED.keys() - dirty
    assert not converted, f"no longer run SQL on the GUI thread — take them off NOT_YET_CONVERTED: {sorted(converted)}"
    assert set(NOT_YET_CONVERTED) <= set(statements.paths), "every path listed is driven"
