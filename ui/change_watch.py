"""Lists refresh for others' changes: the window asks the database, on a short timer and when it
comes to the front, which lists someone else changed (``ChangeService.changes_since``) and hands
the answer to its pages as if it were its own change.

Only where others can change things: a server, or a file this window opened read-only (another
copy writes it). A file this window writes has no other writer, so nothing is polled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer

from cspdesk.services.changes import ChangeMark, ChangesSince, ChangeService
from cspdesk_gui.operations import OpCall, run_op

if TYPE_CHECKING:
    from cspdesk_gui.shell.window_protocol import ShellWindow

#: Every half minute, and whenever the window comes to the front.
POLL_INTERVAL_MS = 30_000


class ChangeWatch(QObject):
    def __init__(self, window: ShellWindow, interval_ms: int = POLL_INTERVAL_MS) -> None:
        super().__init__(window)
        self._window = window
        self._mark: ChangeMark | None = None
        self._call: OpCall | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    @property
    def has_mark(self) -> bool:
        return self._mark is not None

    def start(self) -> None:
        """Begin watching the window's database (again, after it changed), if others can change it."""
        self._mark = None
        if not ChangeService(self._window.ctx).others_can_change():
            self._timer.stop()
            return
        self._timer.start()
        self.poll()  # the first answer is only the mark to compare with

    def stop(self) -> None:
        self._timer.stop()

    def poll(self) -> None:
        """Ask now (off the GUI thread). Does nothing while a question is out, or the window is locked."""
        window = self._window
        if not self.active or (self._call is not None and self._call.is_running()) or window.lock.is_locked():
            return
        service, mark = ChangeService(window.ctx), self._mark
        self._call = run_op(lambda: service.changes_since(mark), self._answered, self._failed)

    def _answered(self, result: ChangesSince) -> None:
        first = self._mark is None
        self._mark = result.mark
        if not first and result.changes and self.active:
            self._window.apply_changes(result.changes)

    def _failed(self, exc: BaseException) -> None:
        # A server out of reach for a moment: the next tick asks again; saving will say so plainly.
        pass
