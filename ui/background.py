"""Running one slow service call off the GUI thread: signing in (argon2, and the deliberate delay
after a wrong password), creating a database, writing the demo partnership.

The call runs on a thread of its own; its result, its exception or its progress reports come back
as signals, which Qt queues to the GUI thread, so widgets are only ever touched there.

A call that reports progress can be cancelled: after :meth:`BackgroundCall.cancel` its next
progress report raises :class:`Cancelled` inside the worker, so the call stops at the next point
where it said how far it had got, and ends with ``failed(Cancelled())``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import partial
from typing import Any

from cspdesk.logs import safe_crash_report
from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from ui.signals import emit

log = logging.getLogger(__name__)

#: Every call still running, so none is garbage-collected mid-flight and tests can wait for them.
_RUNNING: set[BackgroundCall] = set()
#: Calls that have delivered, kept until control is back in the event loop: dropping the last
#: reference inside the call's own slot would delete the QObject Qt is still delivering to.
_RETIRED: set[BackgroundCall] = set()


class Cancelled(Exception):  # reads as what happened, like KeyboardInterrupt
    """Raised inside a cancelled call at its next progress report; handed to ``failed``."""

    def __init__(self) -> None:
        super().__init__("Cancelled.")


class _Worker(QObject):
    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, str)

    def __init__(self, fn: Callable[..., Any], with_progress: bool) -> None:
        super().__init__()
        self._fn = fn
        self._with_progress = with_progress
        self.cancel_requested = threading.Event()

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn(self._progress) if self._with_progress else self._fn()
        except Exception as exc:  # noqa: BLE001 - handed to the GUI thread, which decides what to say
            if not _is_expected(exc):
                log.error("a background call failed\n%s", safe_crash_report(exc))  # no message: it may hold personal data
            emit(self.failed, exc)
        else:
            emit(self.succeeded, result)
        finally:
            # The thread ends with the call, whether or not anyone is still listening.
            QThread.currentThread().quit()

    def _progress(self, percent: int, message: str) -> None:
        if self.cancel_requested.is_set():
            raise Cancelled
        emit(self.progressed, int(percent), str(message))


def _is_expected(exc: BaseException) -> bool:
    from cspdesk.services.errors import ServiceError

    return isinstance(exc, (ServiceError, Cancelled))


class BackgroundCall(QObject):
    """``fn()`` (or ``fn(progress)`` with ``with_progress``) on a worker thread.

    Emits exactly one of ``succeeded(result)`` or ``failed(exception)`` on the GUI thread, after the
    thread has ended. Hazard: ``fn`` must not touch widgets.
    """

    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, str)

    def __init__(self, fn: Callable[..., Any], *, with_progress: bool = False) -> None:
        # No parent: the call outlives a dialog closed while it runs (a receiver that is gone is
        # simply not called), and is kept alive by _RUNNING until it has delivered.
        super().__init__()
        self._thread = QThread()
        self._thread.setObjectName("cspdesk-call")
        self._worker = _Worker(fn, with_progress)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progressed.connect(self._progressed)
        self._worker.succeeded.connect(self._succeeded)
        self._worker.failed.connect(self._failed)

    def start(self) -> BackgroundCall:
        _RUNNING.add(self)
        self._thread.start()
        return self

    def is_running(self) -> bool:
        return self in _RUNNING

    def cancel(self) -> None:
        """Ask the call to stop at its next progress report (calls without progress run to the end)."""
        self._worker.cancel_requested.set()

    def cancel_requested(self) -> bool:
        return self._worker.cancel_requested.is_set()

    def wait(self) -> None:
        """Block until the call has ended (its result is still delivered through the event loop)."""
        self._thread.quit()
        self._thread.wait()

    def _end(self) -> None:
        self._thread.quit()
        self._thread.wait()
        _RUNNING.discard(self)
        _RETIRED.add(self)
        QTimer.singleShot(0, partial(_RETIRED.discard, self))

    @Slot(int, str)
    def _progressed(self, percent: int, message: str) -> None:
        emit(self.progressed, percent, message)

    @Slot(object)
    def _succeeded(self, result: object) -> None:
        self._end()
        emit(self.succeeded, result)

    @Slot(object)
    def _failed(self, exc: object) -> None:
        self._end()
        emit(self.failed, exc)


def run_in_background(
    fn: Callable[..., Any],
    on_success: Callable[[Any], None],
    on_failure: Callable[[BaseException], None],
    *,
    on_progress: Callable[[int, str], None] | None = None,
) -> BackgroundCall:
    """Start ``fn`` on a worker thread and call one of the two callbacks on the GUI thread."""
    call = BackgroundCall(fn, with_progress=on_progress is not None)
    call.succeeded.connect(on_success)
    call.failed.connect(on_failure)
    if on_progress is not None:
        call.progressed.connect(on_progress)
    return call.start()


def finish_running_calls() -> None:
    """Ask every running call to stop (those that report progress stop at their next report) and
    wait for each to end. For closing a window: a thread must not outlive the window's database,
    nor be destroyed while it runs. Their results are still delivered, to whoever is left."""
    for call in list(_RUNNING):
        call.cancel()
        call.wait()


def running_calls() -> int:
    """How many background calls have not yet delivered their result (for tests)."""
    return len(_RUNNING)
