"""Writing the demo partnership on a worker thread, with a progress dialog the window stays alive behind.

The demo generator reports ``progress(percent, message)`` from the worker thread; the worker turns
each call into a signal, which Qt queues to the GUI thread, so the dialog is only ever touched there.
"""

from __future__ import annotations

import logging

from cspdesk.logs import safe_crash_report
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from cspdesk.demo import DemoRefused
from cspdesk.services.context import ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk_gui.signals import emit

log = logging.getLogger(__name__)


class _DemoWorker(QObject):
    progressed = Signal(int, str)
    succeeded = Signal(object)  # DemoSummary
    failed = Signal(str)

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__()
        self._ctx = ctx

    @Slot()
    def run(self) -> None:
        try:
            # Imported here: the generator (and its name lists) is only needed on this path.
            from cspdesk.demo.generator import DemoScale, generate_demo

            summary = generate_demo(self._ctx.store, scale=DemoScale.SMALL, progress=self._progress)
        except (ServiceError, DemoRefused) as exc:  # DemoRefused: the database is not empty
            emit(self.failed, str(exc))
        except Exception as exc:  # noqa: BLE001 - whatever went wrong, the dialog must close and say so
            log.error("demo data generation failed\n%s", safe_crash_report(exc))  # no message: it may hold personal data
            emit(self.failed, f"The demo data could not be written ({type(exc).__name__}).")
        else:
            emit(self.succeeded, summary)

    def _progress(self, percent: int, message: str) -> None:
        emit(self.progressed, int(percent), str(message))


class DemoLoader(QObject):
    """Runs the demo generator once; emits ``loaded(summary)`` or ``failed(message)`` at the end.

    Hazard: the thread must end before the loader is destroyed; the main window calls :meth:`wait`
    when it closes.
    """

    progressed = Signal(int, str)
    loaded = Signal(object)
    failed = Signal(str)

    def __init__(self, ctx: ServiceContext, parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self._thread = QThread(self)
        self._thread.setObjectName("demo-data")
        self._worker = _DemoWorker(ctx)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progressed.connect(self._progressed)
        self._worker.succeeded.connect(self._succeeded)
        self._worker.failed.connect(self._failed)
        self._thread.finished.connect(self._worker.deleteLater)
        self._last_percent = 0

        self.dialog = QProgressDialog("Writing the demo partnership…", "", 0, 100, parent_widget)
        self.dialog.setObjectName("demoProgress")
        self.dialog.setWindowTitle("Explore with demo data")
        self.dialog.setCancelButton(None)  # the generator cannot stop half-way; it is one transaction
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setMinimumDuration(0)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.setMinimumWidth(420)

    def start(self) -> None:
        self.dialog.setValue(0)
        self.dialog.show()
        self._thread.start()

    def is_running(self) -> bool:
        return self._thread.isRunning()

    def wait(self) -> None:
        self._thread.quit()
        self._thread.wait()

    @Slot(int, str)
    def _progressed(self, percent: int, message: str) -> None:
        # A window-modal QProgressDialog runs queued events inside setValue(), so a later report
        # can arrive while this one is being shown; never step back.
        percent = max(0, min(percent, 100))
        if percent < self._last_percent:
            return
        self._last_percent = percent
        emit(self.progressed, percent, message)
        if message:
            self.dialog.setLabelText(message)
        self.dialog.setValue(percent)

    def _finish(self) -> None:
        self._thread.quit()
        self._thread.wait()
        self.dialog.close()
        self.dialog.deleteLater()

    @Slot(object)
    def _succeeded(self, summary: object) -> None:
        self._finish()
        emit(self.loaded, summary)

    @Slot(str)
    def _failed(self, message: str) -> None:
        self._finish()
        emit(self.failed, message)
