"""The window against a slow server (issue 23): PostgreSQL behind a loopback proxy adding 50 ms each
way. While a person types in the search, opens a case and moves between meeting-mode items, a
QTimer ticking every 10 ms records the longest gap in the event loop: the time the window froze.

The figures are printed (``-s``) beside the issue's goal (no stall over 50 ms), with the statements
each action sent *from the GUI thread* (each a round trip of 100 ms the window cannot draw in).
Each action is held to a budget of those statements — counted, not timed, so a loaded machine does
not make it flaky — and a change that adds one on the GUI thread fails here; the runner that moves
every service call off the GUI thread (issue 23, "one way to run an operation") brings them to 0.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from cspdesk.services.referrals.cases import CaseQuery, CaseService
from cspdesk.services.meetings.meetings import MeetingService
from cspdesk.services.database.workspace import close_workspace, open_workspace
from slow_link import DELAY_EACH_WAY, counting_statements, delay_proxy

pytestmark = pytest.mark.postgres

#: The issue's goal: the event loop never stalls longer than this.
GOAL = 0.05
ROUND_TRIP = 2 * DELAY_EACH_WAY
#: Statements each action still sends from the GUI thread today. Lower them as call sites move
#: onto the database thread; never raise them.
BUDGETS = {"search keystroke": 3, "opening a case": 12, "moving to the next item": 0}


class StallMeter:
    """The longest gap between ticks of a 10 ms timer while ``measure`` runs an action, and the
    statements the action sent from the GUI thread (``on_gui_thread``)."""

    def __init__(self, engine) -> None:  # noqa: ANN001
        self._engine = engine
        self.on_gui_thread = 0
        self._timer = QTimer()
        self._timer.setInterval(10)
        self._timer.timeout.connect(self._tick)
        self._last = time.perf_counter()
        self.longest = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.longest = max(self.longest, now - self._last)
        self._last = now

    def measure(self, qtbot, action: Callable[[], object], done: Callable[[], bool]) -> float:  # noqa: ANN001
        self._timer.start()
        QApplication.processEvents()
        self._last, self.longest = time.perf_counter(), 0.0
        gui = threading.current_thread()
        with counting_statements(self._engine, thread=gui) as statements:
            action()
            qtbot.waitUntil(done, timeout=30_000)
            qtbot.wait(50)  # what the action queued is delivered too
        self._timer.stop()
        self.on_gui_thread = len(statements)
        return self.longest


@pytest.fixture
def slow_ctx(pg_demo_url: str):
    with delay_proxy(pg_demo_url) as proxy:
        ctx = open_workspace(proxy.url(pg_demo_url))
        try:
            yield ctx
        finally:
            close_workspace(ctx)


def test_the_window_on_a_slow_server(slow_ctx, make_window, qtbot) -> None:  # noqa: ANN001
    from cspdesk_gui.main_window import Section
    from cspdesk_gui.meeting_mode import MeetingModeWindow

    window = make_window(slow_ctx)
    meter = StallMeter(slow_ctx.store.engine)
    stalls: dict[str, tuple[float, int]] = {}

    cases = window.page(Section.CASES)
    window.show_section(Section.CASES)
    qtbot.waitUntil(lambda: cases.model.is_loaded(), timeout=30_000)
    before = cases.model.query

    def type_a_letter() -> None:
        cases.search_box.setFocus()
        qtbot.keyClicks(cases.search_box, "s")
        cases._debounce.timeout.emit()  # as if the typing had paused  # noqa: SLF001

    stalls["search keystroke"] = (meter.measure(qtbot, type_a_letter, lambda: cases.model.query != before),
                                  meter.on_gui_thread)

    case_id = CaseService(slow_ctx).case_ids(CaseQuery())[0]
    opened: list[object] = []
    stalls["opening a case"] = (meter.measure(qtbot, lambda: opened.append(window.open_case(case_id)),
                                              lambda: bool(opened)), meter.on_gui_thread)
    if opened[0] is not None:
        opened[0].close()

    meetings = MeetingService(slow_ctx)
    meeting_id = next(m.id for m in meetings.list_meetings() if m.status.name in ("PLANNED", "IN_PROGRESS"))
    mode = MeetingModeWindow(slow_ctx, meeting_id)
    qtbot.addWidget(mode)
    mode.show()
    qtbot.waitUntil(lambda: mode._reading_ahead is None, timeout=30_000)  # noqa: SLF001
    stalls["moving to the next item"] = (meter.measure(qtbot, lambda: mode.go_to(1), lambda: mode.current_index == 1),
                                         meter.on_gui_thread)
    mode.settle()
    mode.close()

    over = {}
    for name, (seconds, on_gui) in stalls.items():
        print(f"\n{name:<26} longest stall {seconds * 1000:6.0f} ms  {on_gui:3d} statements on the GUI thread "
              f"(~{on_gui * ROUND_TRIP * 1000:.0f} ms of waiting; goal: no stall over {GOAL * 1000:.0f} ms)")
        if on_gui > BUDGETS[name]:
            over[name] = (on_gui, BUDGETS[name])
    assert not over, over
