"""The one runner for operations (ui/operations.py): one database thread, in order; results,
OpChanges and errors back on the GUI thread; progress shown only for slow operations."""

from __future__ import annotations

import gc
import threading
import time
from functools import partial

import pytest
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QProgressDialog, QWidget

from cspdesk.services.context import OpChanges
from cspdesk.services.errors import ValidationError
from cspdesk_gui import faults
from cspdesk_gui.operations import PROGRESS_DELAY_MS, Cancelled, Op, _GuiThreadCollector, database_thread, running_ops


def _wait_all(qtbot) -> None:  # noqa: ANN001
    qtbot.waitUntil(lambda: running_ops() == 0, timeout=10_000)


def test_operations_run_one_after_another_on_one_thread_not_the_gui_thread(qtbot) -> None:  # noqa: ANN001
    gui = threading.current_thread()
    ran: list[tuple[int, threading.Thread]] = []
    delivered: list[tuple[int, threading.Thread]] = []

    def work(n: int) -> int:
        time.sleep(0.02 if n == 0 else 0)  # the first is slowest: order must still hold
        ran.append((n, threading.current_thread()))
        return n

    for n in range(5):
        Op(lambda n=n: work(n)).success(lambda v: delivered.append((v, threading.current_thread()))).run()
    _wait_all(qtbot)
    assert [n for n, _t in ran] == [0, 1, 2, 3, 4]
    assert len({t for _n, t in ran}) == 1 and ran[0][1] is not gui
    assert [n for n, _t in delivered] == [0, 1, 2, 3, 4]
    assert all(t is gui for _n, t in delivered)
    assert database_thread().thread.isRunning()


def test_the_changes_come_back_after_the_result(qtbot) -> None:  # noqa: ANN001
    class Result:
        value = 7
        changes = OpChanges(cases=True)

    seen: list[object] = []
    Op(Result).success(lambda r: seen.append(r.value)).changes(seen.append).run()
    _wait_all(qtbot)
    assert seen == [7, OpChanges(cases=True)]


def test_a_refusal_is_shown_in_the_plain_message_box(qtbot) -> None:  # noqa: ANN001
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()

    def refuse() -> None:
        raise ValidationError("panel", "Choose the panel.")

    with qtbot.waitSignal(faults.reporter().fault_shown, timeout=5000) as shown:
        Op(refuse, parent=parent).run()
    assert shown.args == ["CSPDesk", "Choose the panel."]
    faults.reporter().box.close()


def test_a_bug_is_said_without_its_message(qtbot) -> None:  # noqa: ANN001
    failures: list[BaseException] = []

    def broken() -> None:
        raise KeyError("Ada Examplewood")

    Op(broken).failure(failures.append).run()
    _wait_all(qtbot)
    assert isinstance(failures[0], KeyError)
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    with qtbot.waitSignal(faults.reporter().fault_shown, timeout=5000) as shown:
        Op(broken, parent=parent).run()
    assert "Examplewood" not in shown.args[1]
    faults.reporter().box.close()


def test_progress_shows_only_when_the_operation_is_slow(qtbot) -> None:  # noqa: ANN001
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    Op(lambda: None, parent=parent).with_progress("Quick").run()
    _wait_all(qtbot)
    qtbot.wait(PROGRESS_DELAY_MS + 100)
    assert not [d for d in parent.findChildren(QProgressDialog) if d.isVisible()]

    release = threading.Event()
    call = Op(lambda: release.wait(10), parent=parent).with_progress("Backing up…").run()
    qtbot.waitUntil(lambda: any(d.isVisible() and d.labelText() == "Backing up…"
                                for d in parent.findChildren(QProgressDialog)), timeout=5000)
    release.set()
    _wait_all(qtbot)
    assert not call.is_running()
    qtbot.waitUntil(lambda: not [d for d in parent.findChildren(QProgressDialog) if d.isVisible()], timeout=5000)


def test_a_cancelled_operation_stops_at_its_next_report(qtbot) -> None:  # noqa: ANN001
    started = threading.Event()
    reports: list[int] = []
    failures: list[BaseException] = []

    def long(progress) -> None:  # noqa: ANN001
        for n in range(1000):
            started.set()
            progress(n // 10, "")
            time.sleep(0.005)

    call = Op(long).reporting_progress(lambda p, _m: reports.append(p)).failure(failures.append).run()
    assert started.wait(5)
    call.cancel()
    _wait_all(qtbot)
    assert isinstance(failures[0], Cancelled)
    assert len(reports) < 1000


def test_a_page_deleted_while_its_operation_ran_is_not_called(qtbot) -> None:  # noqa: ANN001
    page = QWidget()
    release = threading.Event()
    calls: list[object] = []

    class Receiver(QWidget):
        def done(self, value: object) -> None:
            calls.append(value)

    receiver = Receiver()
    Op(lambda: release.wait(10), parent=page).success(receiver.done).run()
    page.deleteLater()
    receiver.deleteLater()
    qtbot.wait(10)
    release.set()
    _wait_all(qtbot)
    assert calls == []


@pytest.fixture(autouse=True)
def _box_closed() -> None:
    yield
    box = faults.reporter().box
    if box is not None:
        from shiboken6 import isValid

        if isValid(box):
            box.close()


def test_run_and_wait_answers_from_the_database_thread_and_raises_its_errors(qtbot) -> None:  # noqa: ANN001
    from cspdesk_gui.operations import OnDatabaseThread, run_and_wait

    gui = threading.current_thread()
    assert run_and_wait(threading.current_thread) is not gui
    with pytest.raises(ValidationError, match="Choose the panel."):
        run_and_wait(lambda: (_ for _ in ()).throw(ValidationError("panel", "Choose the panel.")))

    class Service:
        def where(self) -> threading.Thread:
            return threading.current_thread()

        def now(self) -> threading.Thread:  # a clock: called where it is asked
            return threading.current_thread()

    service = OnDatabaseThread(Service())
    assert service.where() is not gui
    assert service.now() is gui
    # A service composed inside an operation calls straight through (no wait on its own thread).
    assert run_and_wait(service.where) is run_and_wait(threading.current_thread)


# -- the thread hazard: no QObject made, owned or freed on the database thread (issue 23) ---------


class _Held:
    """A reference cycle holding a QObject that runs a timer on the GUI thread (a closed dialog
    whose slots refer back to it is such a cycle)."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.start(60_000)
        self.me = self


def _destroyed_on(obj: QObject, threads: list[str]) -> None:
    # Direct: the slot runs on whichever thread deletes the object.
    obj.destroyed.connect(lambda *_: threads.append(threading.current_thread().name), Qt.ConnectionType.DirectConnection)


def test_garbage_of_the_gui_thread_is_not_collected_on_the_database_thread(qtbot) -> None:  # noqa: ANN001
    """Before: any allocation on the database thread could run Python's cycle collector there and
    free a closed window's widgets and timers on the wrong thread ("Timers cannot be stopped from
    another thread", once a crash)."""
    gui = threading.current_thread().name
    database_thread()  # running, as in the application
    threads: list[str] = []
    gc.collect()
    held = _Held()
    _destroyed_on(held.timer, threads)
    del held  # garbage now, only a collection frees it

    def allocate() -> int:
        # Enough new containers for the collector's youngest generation to be due many times over.
        return len([[n] for n in range(50_000)])

    Op(allocate).run()
    _wait_all(qtbot)
    qtbot.wait(_GuiThreadCollector.INTERVAL_MS * 2)
    gc.collect()  # here: by the collector's timer once enough was allocated, or now
    assert threads == [gui]


OPS = 40


def test_many_operations_with_collections_forced_on_both_threads_warn_nothing(qtbot) -> None:  # noqa: ANN001
    """Operations whose functions hold QObjects, their results and errors: whatever the order the two
    threads drop them in, and collections forced on both, every one is freed on the GUI thread and
    Qt warns of nothing (qt_log_level_fail = WARNING fails the test on a warning)."""
    gui = threading.current_thread().name
    threads: list[str] = []
    results: list[object] = []

    def collect(n: int) -> None:
        # A full collection costs ~0.5 s on a loaded machine: one in ten, the young generations otherwise.
        gc.collect(2 if n % 10 == 0 else 1)

    def work(n: int, _holding: QObject) -> int:
        collect(n)  # on the database thread
        if n % 7 == 0:
            raise ValidationError("panel", "Choose the panel.")
        return n

    def delivered(value: object) -> None:
        results.append(value)
        collect(len(results))  # on the GUI thread

    for n in range(OPS):
        holding = QTimer()  # only the operation's function holds it once this loop moves on
        holding.start(60_000)
        _destroyed_on(holding, threads)
        call = Op(partial(work, n, holding)).success(delivered).failure(delivered).run()
        _destroyed_on(call, threads)
        del holding, call
    qtbot.waitUntil(lambda: running_ops() == 0, timeout=60_000)
    qtbot.waitUntil(lambda: len(threads) == 2 * OPS, timeout=10_000)
    assert len(results) == OPS
    assert set(threads) == {gui}


def test_the_collector_collects_on_the_gui_thread_and_gives_collection_back(qtbot) -> None:  # noqa: ANN001
    from cspdesk_gui.operations import stop_database_thread

    database_thread()
    assert not gc.isenabled()  # automatic collection would run on whichever thread allocates
    seen: list[str] = []

    def noted(phase: str, _info: dict) -> None:
        if phase == "start":
            seen.append(threading.current_thread().name)

    gc.callbacks.append(noted)
    try:
        garbage = [[[] for _ in range(2000)]]  # enough allocations for the youngest generation to be due
        qtbot.waitUntil(lambda: bool(seen), timeout=5_000)
    finally:
        gc.callbacks.remove(noted)
    del garbage
    assert set(seen) == {threading.current_thread().name}
    stop_database_thread()
    assert gc.isenabled()
