"""One way to run an operation: a service call on the one database thread, its result back on the
GUI thread (in the spirit of Anki's ``CollectionOp`` / ``QueryOp``, ``qt/aqt/operations``).

::

    Op(lambda: CaseService(ctx).search(text), parent=self).success(self._show).run()

- **One database thread.** Every operation runs on a single worker thread (:class:`DatabaseThread`),
  in the order it was started, so the GUI thread never executes SQL and two operations never race.
  A session is opened per unit of work inside the service (SQLAlchemy's advice for a GUI: a session
  lives for one user action); the engines' pools hand connections across threads (SQLite is opened
  with ``check_same_thread=False``), and all statements run on this thread.
- **Progress where it takes long.** With :meth:`Op.with_progress`, a progress dialog appears only
  if the operation is still running after :data:`PROGRESS_DELAY_MS` (a quick call shows nothing).
  An operation given ``progress`` (:meth:`Op.reporting_progress`) reports ``(percent, message)``;
  :meth:`OpCall.cancel` makes its next report raise :class:`Cancelled`.
- **Errors in plain words.** A :class:`~cspdesk.services.errors.ServiceError` (and a bug) goes to
  the failure callback if one was given, else to :func:`cspdesk_gui.faults.show_fault` — the same box an
  uncaught refusal shows. Bugs are logged without their message (it may hold personal data).
- **What changed.** A result that carries ``changes`` (an :class:`OpChanges`, as every writing
  service returns) hands them to :meth:`Op.changes`' callback, after the success callback.

Hazard: the operation must not touch widgets (it runs on the database thread); callbacks run on the
GUI thread, and are not called once the ``parent`` given is deleted.
"""

from __future__ import annotations

import atexit
import functools
import gc
import itertools
import logging
import queue
import threading
import traceback
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from PySide6.QtCore import QCoreApplication, QEventLoop, QObject, QThread, QTimer, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget
from shiboken6 import isValid

from cspdesk.logs import safe_crash_report
from cspdesk.services.context import OpChanges
from cspdesk_gui.signals import emit

log = logging.getLogger(__name__)

#: A progress dialog appears only for operations still running after this long.
PROGRESS_DELAY_MS = 300

#: Operations started and not yet delivered, so none is garbage-collected mid-flight and tests can
#: wait for them.
_RUNNING: dict[int, OpCall] = {}
_KEYS = itertools.count(1)
#: Operations that have delivered, kept until control is back in the event loop: dropping the last
#: reference inside the call's own slot would delete the QObject Qt is still delivering to.
_RETIRED: set[OpCall] = set()


class Cancelled(Exception):  # reads as what happened, like KeyboardInterrupt
    """Raised inside a cancelled operation at its next progress report; handed to the failure callback."""

    def __init__(self) -> None:
        super().__init__("Cancelled.")


def is_expected(exc: BaseException) -> bool:
    """A refusal or a cancel: said to the person, not logged as a bug."""
    from cspdesk.services.errors import ServiceError

    return isinstance(exc, (ServiceError, Cancelled))


def changes_of(result: object) -> OpChanges | None:
    """The OpChanges a service's result carries (``result.changes``), if any."""
    changes = getattr(result, "changes", None)
    return changes if isinstance(changes, OpChanges) else None


# -- the database thread ---------------------------------------------------------------------------
#
# Thread hazard (issue 23): a QObject must be created, and deleted, on the thread it lives on. A
# QObject deleted on another thread — a widget or a timer whose last Python reference is dropped
# there, or which Python's cycle collector frees there — makes Qt warn "Timers cannot be stopped
# from another thread" and may crash the process. So:
# - the worker is a plain loop over a queue (no QObject lives on the database thread, no event
#   loop runs there), and what it runs is a plain :class:`_Job`, never a QObject;
# - the worker gives up every reference it holds (the job, the function, its result) before it
#   says the job is done, with an int that names it: the last reference to anything an operation
#   touched is dropped on the GUI thread, when the result is delivered;
# - Python's automatic cycle collection is switched off while the thread exists and done instead on
#   the GUI thread, from a timer (:class:`_GuiThreadCollector`, as pyqtgraph's GarbageCollector):
#   otherwise any allocation on the database thread may free a closed dialog's widgets there.
#   Hazard left: an explicit ``gc.collect()`` inside an operation still collects there.


class _Job:
    """One operation's work, as the database thread sees it: a plain object holding the function,
    and then its result or its exception (read on the GUI thread once the thread says it is done)."""

    __slots__ = ("key", "fn", "with_progress", "cancel", "done", "result", "error")

    def __init__(self, key: int, fn: Callable[..., Any], with_progress: bool) -> None:
        self.key = key
        self.fn: Callable[..., Any] | None = fn
        self.with_progress = with_progress
        self.cancel = threading.Event()
        self.done = threading.Event()
        self.result: object = None
        self.error: BaseException | None = None

    def execute(self, report: Callable[[int, int, str], None]) -> None:
        """On the database thread. ``report(key, percent, message)`` relays progress."""
        fn, key, cancel = self.fn, self.key, self.cancel

        def progress(percent: int, message: str) -> None:
            if cancel.is_set():
                raise Cancelled
            report(key, int(percent), str(message))

        try:
            if cancel.is_set() and self.with_progress:
                raise Cancelled
            assert fn is not None
            self.result = fn(progress) if self.with_progress else fn()
        except Exception as exc:  # noqa: BLE001 - handed to the GUI thread, which decides what to say
            if not is_expected(exc):
                log.error("an operation failed\n%s", safe_crash_report(exc))  # no message: it may hold personal data
            self.error = exc
        finally:
            del fn, progress


class _DatabaseQThread(QThread):
    """Runs each job put in its queue, in order, until it is handed None. No event loop runs here."""

    def __init__(self, relay: _Relay) -> None:
        super().__init__()
        self.jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self.ident: int | None = None
        self._finished = relay.job_finished
        self._reported = relay.job_reported

    def _report(self, key: int, percent: int, message: str) -> None:
        emit(self._reported, key, percent, message)

    def run(self) -> None:
        self.ident = threading.get_ident()
        while True:
            job = self.jobs.get()
            if job is None:
                return
            job.execute(self._report)
            key = job.key
            job.done.set()
            # Nothing of the job is held here once the GUI thread hears of it (see the hazard above).
            del job
            emit(self._finished, key)


class _GuiThreadCollector(QObject):
    """Python's cycle collector, run from a timer on the GUI thread instead of wherever an
    allocation happens to trigger it (the thresholds are gc's own)."""

    INTERVAL_MS = 500

    def __init__(self) -> None:
        super().__init__()
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(self.INTERVAL_MS)
        self._timer.timeout.connect(self.collect)
        self._timer.start()

    @Slot()
    def collect(self) -> None:
        counts, thresholds = gc.get_count(), gc.get_threshold()
        if counts[0] > thresholds[0]:
            generation = 0
            if counts[1] > thresholds[1]:
                generation = 2 if counts[2] > thresholds[2] else 1
            gc.collect(generation)

    def stop(self) -> None:
        self._timer.stop()
        if self._was_enabled:
            gc.enable()


class _Relay(QObject):
    """Lives on the GUI thread for the whole run (one, made with the first thread): the database
    thread's news comes back through its queued signals, and is still delivered after that thread
    has been stopped."""

    job_finished = Signal(int)  # a job's key, from the database thread
    job_reported = Signal(int, int, str)  # (key, percent, message), from the database thread

    def __init__(self) -> None:
        super().__init__()
        self.job_finished.connect(self._deliver)
        self.job_reported.connect(self._relay_progress)

    @Slot(int)
    def _deliver(self, key: int) -> None:
        call = _RUNNING.pop(key, None)
        if call is not None:
            call.deliver()

    @Slot(int, int, str)
    def _relay_progress(self, key: int, percent: int, message: str) -> None:
        call = _RUNNING.get(key)
        if call is not None:
            emit(call.progressed, percent, message)



class DatabaseThread(QObject):
    """The one thread every operation runs on (made on first use; :func:`database_thread`)."""

    def __init__(self) -> None:
        super().__init__()
        global _RELAY
        if _RELAY is None or not isValid(_RELAY):
            _RELAY = _Relay()
        self._collector = _GuiThreadCollector() if QCoreApplication.instance() is not None else None
        self.thread = _DatabaseQThread(_RELAY)
        self.thread.setObjectName("cspdesk-database")
        self.thread.start()

    def submit(self, call: OpCall) -> None:
        self.thread.jobs.put(call.job)

    def is_current(self) -> bool:
        return threading.get_ident() == self.thread.ident

    def stop(self) -> None:
        self.thread.jobs.put(None)
        self.thread.wait()
        if self._collector is not None:
            self._collector.stop()  # no other thread left: Python may collect where it likes again
            self._collector = None


_RELAY: _Relay | None = None


_THREAD: DatabaseThread | None = None
_EXIT_HOOKED = False


def database_thread() -> DatabaseThread:
    global _THREAD, _EXIT_HOOKED
    if _THREAD is None or not isValid(_THREAD) or not _THREAD.thread.isRunning():
        if _THREAD is not None and isValid(_THREAD):
            _THREAD.stop()  # a thread that ended on its own: give the collection back first
        _THREAD = DatabaseThread()
        if not _EXIT_HOOKED:
            # A QThread destroyed while it runs aborts the process: end it when the application
            # quits, and at the latest when Python exits (a tool that never ran app.exec()).
            _EXIT_HOOKED = True
            atexit.register(stop_database_thread)
            app = QCoreApplication.instance()
            if app is not None:
                app.aboutToQuit.connect(stop_database_thread)
    return _THREAD


def stop_database_thread() -> None:
    """End the thread (after :func:`finish_running_ops`); the next operation starts a new one."""
    global _THREAD
    wait_for_ops()
    if _THREAD is not None and isValid(_THREAD):
        _THREAD.stop()
    _THREAD = None


# -- one operation ---------------------------------------------------------------------------------


class OpCall(QObject):
    """One operation on its way: emits exactly one of ``succeeded(result)`` or ``failed(exception)``
    on the GUI thread, and ``progressed(percent, message)`` on the way if it reports progress.
    It lives on the GUI thread and never goes to the database thread: its :class:`_Job` does."""

    succeeded = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, str)

    def __init__(self, fn: Callable[..., Any], *, with_progress: bool = False) -> None:
        # No parent: the call outlives a dialog closed while it runs (a receiver that is gone is
        # simply not called), and is kept alive by _RUNNING until it has delivered.
        super().__init__()
        self.job = _Job(next(_KEYS), fn, with_progress)

    def start(self) -> OpCall:
        _RUNNING[self.job.key] = self
        database_thread().submit(self)
        return self

    def is_running(self) -> bool:
        return self.job.key in _RUNNING

    def cancel(self) -> None:
        """Ask the operation to stop at its next progress report (one without progress runs to the end)."""
        self.job.cancel.set()

    def cancel_requested(self) -> bool:
        return self.job.cancel.is_set()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until the operation has run (its result is still delivered through the event loop)."""
        return self.job.done.wait(timeout_s)

    def deliver(self) -> None:
        """On the GUI thread, once the job is done: hand on its result or its exception."""
        job = self.job
        result, error = job.result, job.error
        job.fn = job.result = job.error = None  # dropped here, on the GUI thread
        _RETIRED.add(self)
        # Dropping the last reference inside a slot of this object would delete the QObject Qt is
        # still delivering to: keep it until control is back in the event loop.
        QTimer.singleShot(0, partial(_RETIRED.discard, self))
        if error is not None:
            emit(self.failed, error)
            # The traceback's frames hold the operation's locals: let them go here, not wherever
            # the exception is dropped later (the text of the traceback is kept).
            traceback.clear_frames(error.__traceback__)
        else:
            emit(self.succeeded, result)


# -- building an operation -----------------------------------------------------------------------


class Op:
    """An operation to run: ``Op(fn, parent=widget).success(cb).failure(cb).changes(cb).run()``.

    ``fn()`` is the service call (``fn(progress)`` after :meth:`reporting_progress`). Callbacks run
    on the GUI thread, only while ``parent`` (if given) still exists."""

    def __init__(self, fn: Callable[..., Any], *, parent: QWidget | None = None) -> None:
        self._fn = fn
        self._parent = parent
        self._success: Callable[[Any], object] | None = None
        self._failure: Callable[[BaseException], object] | None = None
        self._changes: Callable[[OpChanges], object] | None = None
        self._progress_cb: Callable[[int, str], object] | None = None
        self._with_progress = False
        self._label: str | None = None

    def success(self, callback: Callable[[Any], object]) -> Op:
        self._success = callback
        return self

    def failure(self, callback: Callable[[BaseException], object]) -> Op:
        """Instead of :func:`cspdesk_gui.faults.show_fault` over ``parent``."""
        self._failure = callback
        return self

    def changes(self, callback: Callable[[OpChanges], object]) -> Op:
        """Called with the result's OpChanges (when it has them), after the success callback."""
        self._changes = callback
        return self

    def reporting_progress(self, callback: Callable[[int, str], object] | None = None) -> Op:
        """``fn`` takes a ``progress(percent, message)`` argument; reports go to ``callback``."""
        self._with_progress = True
        self._progress_cb = callback
        return self

    def with_progress(self, label: str) -> Op:
        """Show a progress dialog saying ``label`` if the operation takes over PROGRESS_DELAY_MS."""
        self._label = label
        return self

    def run(self) -> OpCall:
        call = OpCall(self._fn, with_progress=self._with_progress)
        parent = self._parent
        indicator = _DelayedProgress(parent, self._label, call) if self._label is not None else None

        def alive() -> bool:
            # A page deleted while its operation ran gets nothing (PySide would have disconnected
            # its bound methods; our closures hold them, so look).
            owners = [parent] + [getattr(cb, "__self__", None) for cb in (self._success, self._failure, self._changes)]
            return all(isValid(o) for o in owners if isinstance(o, QObject))

        def succeeded(result: object) -> None:
            if indicator is not None:
                indicator.finish()
            if not alive():
                return
            if self._success is not None:
                self._success(result)
            changes = changes_of(result)
            if changes is not None and self._changes is not None:
                self._changes(changes)

        def failed(exc: object) -> None:
            if indicator is not None:
                indicator.finish()
            if not alive():
                return
            assert isinstance(exc, BaseException)
            if self._failure is not None:
                self._failure(exc)
            elif not isinstance(exc, Cancelled):
                from cspdesk_gui.faults import show_fault

                show_fault(exc, parent)

        call.succeeded.connect(succeeded)
        call.failed.connect(failed)
        if self._progress_cb is not None:
            call.progressed.connect(self._progress_cb)
        if indicator is not None:
            call.progressed.connect(indicator.report)
        return call.start()


class _DelayedProgress(QObject):
    """A progress dialog over ``parent`` that appears only if the operation outlasts the delay."""

    def __init__(self, parent: QWidget | None, label: str, call: OpCall) -> None:
        super().__init__(parent)
        self._parent = parent
        self._label = label
        self._call = call
        self.dialog: QProgressDialog | None = None
        self._done = False
        QTimer.singleShot(PROGRESS_DELAY_MS, self, self._appear)

    def _appear(self) -> None:
        if self._done or (self._parent is not None and not isValid(self._parent)):
            return
        dialog = QProgressDialog(self._label, "", 0, 0, self._parent)
        dialog.setObjectName("operationProgress")
        dialog.setCancelButton(None)  # type: ignore[arg-type]
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.show()
        self.dialog = dialog

    def report(self, percent: int, message: str) -> None:
        if self.dialog is not None and isValid(self.dialog):
            self.dialog.setMaximum(100)
            self.dialog.setValue(max(0, min(100, percent)))
            if message:
                self.dialog.setLabelText(message)

    def finish(self) -> None:
        self._done = True
        if self.dialog is not None and isValid(self.dialog):
            self.dialog.close()
            self.dialog.deleteLater()
        self.dialog = None
        if isValid(self):
            self.deleteLater()


def run_op(
    fn: Callable[..., Any],
    on_success: Callable[[Any], object],
    on_failure: Callable[[BaseException], object] | None = None,
    *,
    parent: QWidget | None = None,
    on_progress: Callable[[int, str], object] | None = None,
    label: str | None = None,
) -> OpCall:
    """Shorthand for the common case: ``fn`` on the database thread, then one of the two callbacks
    (no ``on_failure``: the plain message over ``parent``). With ``on_progress``, ``fn`` takes a
    ``progress`` argument."""
    op = Op(fn, parent=parent).success(on_success)
    if on_failure is not None:
        op.failure(on_failure)
    if on_progress is not None:
        op.reporting_progress(on_progress)
    if label is not None:
        op.with_progress(label)
    return op.run()


def run_and_wait(fn: Callable[[], Any]) -> Any:
    """``fn()`` on the database thread, its result returned (or its exception raised) here.

    For a caller that cannot go on without the answer (a dialog built from what it reads, a save
    whose caller looks at what was saved). The window is not frozen while it waits: paints and
    timers go on; keys and clicks wait until the answer is in (``ExcludeUserInputEvents``), so
    nothing the person does runs half-way through. Prefer :class:`Op` with callbacks where the
    caller can be told later. Hazards: never call it from a model's ``data()`` or a paint (a nested
    event loop there repaints recursively); on the database thread itself (a service composing
    others) it simply calls ``fn``."""
    thread = database_thread()
    if thread.is_current():
        return fn()
    call = OpCall(fn)
    outcome: dict[str, object] = {}
    loop = QEventLoop()

    def succeeded(result: object) -> None:
        outcome["result"] = result
        loop.quit()

    def failed(exc: object) -> None:
        outcome["error"] = exc
        loop.quit()

    call.succeeded.connect(succeeded)
    call.failed.connect(failed)
    call.start()
    if not outcome:
        loop.exec(QEventLoop.ProcessEventsFlag.ExcludeUserInputEvents)
    error = outcome.get("error")
    if isinstance(error, BaseException):
        raise error
    return outcome.get("result")


class OnDatabaseThread:
    """A service whose every method runs on the database thread and answers here
    (:func:`run_and_wait`): ``self.service = OnDatabaseThread(MeetingService(ctx))`` moves a whole
    window's calls off the GUI thread without changing the code that makes them.

    ``direct`` names methods that touch no database (a clock) and are called as they are — they
    may be called from a model's ``data()``, where waiting is not allowed. The same hazards as
    :func:`run_and_wait`: not from ``data()`` or a paint."""

    def __init__(self, service: object, *, direct: Iterable[str] = ("now", "today")) -> None:
        self._service = service
        self._direct = frozenset(direct)

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._service, name)
        if name in self._direct or not callable(found):
            return found

        @functools.wraps(found)
        def on_database_thread(*args: object, **kwargs: object) -> object:
            return run_and_wait(lambda: found(*args, **kwargs))

        return on_database_thread


def finish_running_ops() -> None:
    """Ask every operation to stop (those that report progress stop at their next report) and wait
    for each to have run. For closing a window: no operation may outlive its database. Their
    results are still delivered, to whoever is left."""
    for call in list(_RUNNING.values()):
        call.cancel()
    for call in list(_RUNNING.values()):
        call.wait()


def wait_for_ops() -> None:
    """Block until every operation started has run (their results are delivered by the event loop)."""
    for call in list(_RUNNING.values()):
        call.wait()


def running_ops() -> int:
    """How many operations have not yet delivered their result (for tests)."""
    return len(_RUNNING)
