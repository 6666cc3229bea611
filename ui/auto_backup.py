"""A window's work on its database file behind the scenes: the full integrity check of a large
file after the window shows, the daily backup, and the backup when the window closes.

All of it runs off the GUI thread (:mod:`cspdesk_gui.operations`, the database thread), one call at a time, with a small
progress bar in the status bar. Closing the window waits for the backup on closing, showing its
progress with a **Close without waiting** button: pressing it hides the window at once and stops
the backup at its next step (nothing of a stopped backup is kept; the database is untouched).
A backup on closing that fails (a full disk, a folder gone) is said in a message before the
window goes; a daily one that fails is said in the status bar.

What is due is the service's decision (:class:`~cspdesk.services.database.backup.BackupService`:
``backup_if_due``, ``backup_on_close`` and their settings); this class only schedules and reports.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QProgressBar, QProgressDialog
from shiboken6 import isValid

from cspdesk.services.database.backup import BackupCancelled, BackupInfo, BackupService, check_database_in_full
from cspdesk.services.context import ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk_gui.operations import OpCall, run_op
from cspdesk_gui.faults import show_fault
from cspdesk_gui.signals import emit

log = logging.getLogger(__name__)

#: After the window shows, wait this long before the first background job (the first screen
#: reads from the database meanwhile).
START_DELAY_MS = 4000
#: How often an open window asks whether the daily backup is due.
DAILY_POLL_MS = 60 * 60 * 1000
#: The progress dialog on closing appears only if the backup takes longer than this.
CLOSE_DIALOG_AFTER_MS = 400


class BackupRunner(QObject):
    """The background jobs of one :class:`~cspdesk_gui.main_window.MainWindow` (its ``ctx``)."""

    #: A backup was made: the :class:`BackupInfo`.
    backup_made = Signal(object)
    #: A backup failed or was stopped: the message (empty when stopped on purpose).
    backup_failed = Signal(str)
    #: The full check passed: the IntegrityReport.
    check_passed = Signal(object)
    #: The full check found damage: the message shown.
    check_failed = Signal(str)
    #: The window may close now (the backup on closing is done, skipped or stopped).
    close_ready = Signal()

    def __init__(self, window: QMainWindow, ctx: ServiceContext) -> None:
        super().__init__(window)
        self._window = window
        self.ctx = ctx
        self._call: OpCall | None = None
        self._running = ""
        self._queue: list[str] = []
        #: Set to stop the job running now (a new one per job).
        self._cancel = threading.Event()
        self._user_stopped = False
        self._closing = False
        self._close_done = False
        self._on_close: Callable[[], None] | None = None
        self.close_dialog: QProgressDialog | None = None
        self._close_dialog_timer: QTimer | None = None

        self.label = QLabel("", window)
        self.label.setObjectName("backgroundWork")
        self.label.hide()
        self.bar = QProgressBar(window)
        self.bar.setObjectName("backgroundProgress")
        self.bar.setRange(0, 100)
        self.bar.setTextVisible(False)
        self.bar.setFixedWidth(120)
        self.bar.setMaximumHeight(12)
        self.bar.hide()
        window.statusBar().addWidget(self.label)
        window.statusBar().addWidget(self.bar)

        self.daily_timer = QTimer(self)
        self.daily_timer.setInterval(DAILY_POLL_MS)
        self.daily_timer.timeout.connect(self.backup_if_due)

    # -- scheduling ---------------------------------------------------------------------------

    def start(self, *, delay_ms: int = START_DELAY_MS, daily: bool = True) -> None:
        """After the window shows: the full check if signing in did only part, then the daily
        backup if due, then every :data:`DAILY_POLL_MS` again."""
        if self.ctx.full_check_pending:
            self._queue.append("check")
        if daily:
            self._queue.append("daily")
            self.daily_timer.start()
        QTimer.singleShot(delay_ms, self, self._next)

    def is_busy(self) -> bool:
        return self._call is not None

    def running(self) -> str:
        """"check", "daily", "manual", "on_close" or ""."""
        return self._running

    def run_check(self) -> None:
        self._enqueue("check")

    def backup_if_due(self) -> None:
        self._enqueue("daily")

    def _enqueue(self, job: str) -> None:
        if job != self._running and job not in self._queue:
            self._queue.append(job)
        self._next()

    def _next(self) -> None:
        if self._call is not None or not self._queue or not isValid(self._window):
            return
        job = self._queue.pop(0)
        if self._closing and job != "on_close":
            self._next()
            return
        if job == "on_close" and self._user_stopped:
            self._job_done(job)
            return
        ctx = self.ctx
        cancel = self._cancel = threading.Event()
        if ctx.read_only and job != "check":
            self._job_done(job)
            return

        def progress_or_stop(report: Callable[[int, str], None]) -> Callable[[int, str], None]:
            def step(percent: int, message: str) -> None:
                if cancel.is_set():
                    raise BackupCancelled("The backup was stopped; nothing of it was kept.")
                report(percent, message)
            return step

        if job == "check":
            def call(report: Callable[[int, str], None]) -> object:
                report(0, "Checking the database file")
                return check_database_in_full(ctx)
        elif job == "daily":
            def call(report: Callable[[int, str], None]) -> object:
                return BackupService(ctx).backup_if_due(progress=progress_or_stop(report))
        else:
            def call(report: Callable[[int, str], None]) -> object:
                return BackupService(ctx).backup_on_close(progress=progress_or_stop(report))

        self._running = job
        self.label.setText("Checking the database file…" if job == "check" else "Backing up…")
        self.bar.setRange(0, 0 if job == "check" else 100)
        self.bar.setValue(0)
        self.label.show()
        self.bar.show()
        runner = self

        def succeeded(result: object) -> None:
            if isValid(runner):
                runner._succeeded(job, result)

        def failed(exc: BaseException) -> None:
            if isValid(runner):
                runner._failed(job, exc)

        def progressed(percent: int, message: str) -> None:
            if isValid(runner):
                runner._progressed(percent, message)

        self._call = run_op(call, succeeded, failed, on_progress=progressed)

    def _progressed(self, percent: int, message: str) -> None:
        if self._running != "check":
            self.bar.setValue(percent)
        if message:
            self.label.setText(message + "…")
        if self.close_dialog is not None and isValid(self.close_dialog):
            self.close_dialog.setValue(percent)

    def _succeeded(self, job: str, result: object) -> None:
        if job == "check":
            emit(self.check_passed, result)
        elif isinstance(result, BackupInfo):
            emit(self.backup_made, result)
            if isValid(self._window):
                self._window.statusBar().showMessage("Backup made.", 6000)
        self._job_done(job)

    def _failed(self, job: str, exc: BaseException) -> None:
        message = str(exc) if isinstance(exc, ServiceError) else "The backup could not be made."
        if job == "check":
            emit(self.check_failed, message)
            if not self._closing:
                show_fault(exc, self._window)
        elif isinstance(exc, BackupCancelled):
            emit(self.backup_failed, "")
        else:
            log.warning("an automatic backup failed (%s)", type(exc).__name__)
            emit(self.backup_failed, message)
            if isValid(self._window):
                if job == "on_close":
                    self._close_message = message  # said before the window goes (_finish_close)
                else:
                    self._window.statusBar().showMessage(f"The {'daily ' if job == 'daily' else ''}backup "
                                                         f"failed: {message}", 15000)
        self._job_done(job)

    def _job_done(self, job: str) -> None:
        self._call = None
        self._running = ""
        self.label.hide()
        self.bar.hide()
        if job == "on_close" or (self._closing and not self._queue):
            self._finish_close()
            return
        self._next()

    # -- closing ------------------------------------------------------------------------------

    _close_message = ""

    def ready_to_close(self) -> bool:
        return self._close_done

    def close_after_backup(self, then: Callable[[], None], *, backup: bool = True) -> None:
        """Make the backup on closing (if the service says one is due), then call ``then``.
        A job already running is stopped if it is a backup (a daily one would be made again)."""
        if self._closing:
            return
        self._closing = True
        self._on_close = then
        self.daily_timer.stop()
        self._queue = ["on_close"] if backup and not self.ctx.read_only else []
        if self._call is not None and self._running == "daily":
            self._cancel.set()  # stops at its next step; the one on closing follows
        if self._call is None:
            if not self._queue:
                self._finish_close()
                return
            self._next()
        self._close_dialog_timer = QTimer(self)
        self._close_dialog_timer.setSingleShot(True)
        self._close_dialog_timer.timeout.connect(self._show_close_dialog)
        self._close_dialog_timer.start(CLOSE_DIALOG_AFTER_MS)

    def _show_close_dialog(self) -> None:
        if self._close_done or not isValid(self._window):
            return
        dialog = QProgressDialog("Backing up before closing…", "Close without &waiting", 0, 100, self._window)
        dialog.setObjectName("closingBackup")
        dialog.setWindowTitle("CSPDesk")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(0)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self.stop_waiting)
        self.close_dialog = dialog
        dialog.show()

    def stop_waiting(self) -> None:
        """**Close without waiting**: the window goes at once; the backup stops at its next step."""
        self._user_stopped = True
        self._queue.clear()
        self._cancel.set()
        if isValid(self._window):
            self._window.hide()
        if self._call is None:
            self._finish_close()

    def _finish_close(self) -> None:
        if self._close_done:
            return
        if self._queue and self._call is None and not self._user_stopped:
            self._next()  # the daily backup stopped for closing: now the one on closing
            return
        self._close_done = True
        if self._close_dialog_timer is not None:
            self._close_dialog_timer.stop()
        if self.close_dialog is not None and isValid(self.close_dialog):
            self.close_dialog.canceled.disconnect(self.stop_waiting)
            self.close_dialog.close()
        self.close_dialog = None
        if self._close_message and not self._user_stopped and isValid(self._window) and self._window.isVisible():
            # Say so before the window goes (the database itself is safe); closing goes on after OK.
            box = QMessageBox(QMessageBox.Icon.Warning, "The backup on closing failed",
                              f"{self._close_message}\n\nThe database itself is safe; the next backup is made "
                              "when CSPDesk next opens.", QMessageBox.StandardButton.Ok, self._window)
            box.setObjectName("closingBackupFailed")
            box.setTextFormat(Qt.TextFormat.PlainText)
            box.setWindowModality(Qt.WindowModality.WindowModal)
            box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            box.finished.connect(self._close_now)
            self.failure_box = box
            box.show()
            return
        self._close_now()

    failure_box: QMessageBox | None = None

    def _close_now(self, *_args: object) -> None:
        self.failure_box = None
        then, self._on_close = self._on_close, None
        if then is not None:
            then()

    def close_message(self) -> str:
        """Why the backup on closing failed ("" if it did not)."""
        return self._close_message

    def stop(self) -> None:
        """Stop whatever runs and wait for it (the window is closing its database)."""
        self.daily_timer.stop()
        self._queue.clear()
        call = self._call
        if call is not None:
            self._cancel.set()
            call.wait()
