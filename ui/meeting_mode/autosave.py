"""Saving notes as they are typed: a crash or a killed process loses at most the last second.

Each change restarts a short quiet timer (``QUIET_MS``: a pause in typing saves at once); a second
timer, started by the first unsaved change and not restarted, caps the wait (``MAX_WAIT_MS``), so
someone typing without a pause is still saved every second. :meth:`NotesAutosaver.flush` saves what
is pending now (moving to another item, closing the window). A save that fails (the disk, the
lock) keeps the text pending and says so; the next change or flush tries again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from cspdesk.services.errors import ServiceError
from cspdesk_gui.signals import emit

QUIET_MS = 400
MAX_WAIT_MS = 1000


class NotesAutosaver(QObject):
    """Calls ``save(key, text)`` for the text last given to :meth:`changed`, debounced."""

    #: A save went through: the key and how long it took (seconds).
    saved = Signal(object, float)
    #: A save failed: the message to show (the text stays pending).
    failed = Signal(str)

    def __init__(self, save: Callable[[object, str], None], parent: QObject | None = None, *,
                 quiet_ms: int = QUIET_MS, max_wait_ms: int = MAX_WAIT_MS) -> None:
        super().__init__(parent)
        self._save = save
        self._pending: tuple[object, str] | None = None
        self._quiet = QTimer(self)
        self._quiet.setSingleShot(True)
        self._quiet.setInterval(quiet_ms)
        self._quiet.timeout.connect(self.flush)
        self._cap = QTimer(self)
        self._cap.setSingleShot(True)
        self._cap.setInterval(max_wait_ms)
        self._cap.timeout.connect(self.flush)

    def changed(self, key: object, text: str) -> None:
        """The text of ``key`` is now ``text`` (called on every keystroke)."""
        if self._pending is not None and self._pending[0] != key:
            self.flush()  # another item's text: never mix them up
        self._pending = (key, text)
        self._quiet.start()
        if not self._cap.isActive():
            self._cap.start()

    def has_pending(self) -> bool:
        return self._pending is not None

    def flush(self) -> bool:
        """Save what is pending now. True when nothing is left unsaved."""
        self._quiet.stop()
        self._cap.stop()
        if self._pending is None:
            return True
        key, text = self._pending
        started = time.perf_counter()
        try:
            self._save(key, text)
        except ServiceError as exc:
            emit(self.failed, str(exc))
            self._cap.start()  # try again in a second
            return False
        if self._pending == (key, text):
            self._pending = None
        emit(self.saved, key, time.perf_counter() - started)
        return self._pending is None
