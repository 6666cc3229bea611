"""Backups from the main window: File → Back up now, File → Restore a backup… (after which the
window closes to sign in again), and the automatic jobs (the daily backup, the backup on closing,
the full check of a large file) run by :class:`cspdesk_gui.auto_backup.BackupRunner`."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QMessageBox
from shiboken6 import isValid

from cspdesk_gui import faults
from cspdesk_gui.signals import emit
from cspdesk_gui.windows import bring_to_front


class BackupController(QObject):
    def __init__(self, window: Any, *, auto_backups: bool) -> None:  # window: the MainWindow
        super().__init__(window)
        self._window = window
        #: Daily and on-close backups and the background integrity check (the application turns
        #: them on; a window built on its own — tests, tools — does not).
        self.auto_backups = auto_backups
        self.runner = None
        #: What the sign-in dialog says when it opens after this window (a restore).
        self.sign_in_notice = ""
        self.restore_dialog = None
        self.skip_close_backup = False
        self._was_read_only = False

    def start(self, delay_ms: int | None = None) -> None:
        """The full check of a large file, and (in the application) the daily backup."""
        ctx = self._window.ctx
        if not (self.auto_backups or ctx.full_check_pending):
            return
        from cspdesk_gui.auto_backup import START_DELAY_MS, BackupRunner

        runner = BackupRunner(self._window, ctx)
        self.runner = runner
        runner.start(delay_ms=START_DELAY_MS if delay_ms is None else delay_ms, daily=self.auto_backups)

    def stop(self) -> None:
        if self.runner is not None:
            self.runner.stop()
            self.runner.deleteLater()
            self.runner = None

    def back_up_now(self, *, administer: bool) -> None:
        """File → Back up now: the Backups tab for administrators; otherwise straight away."""
        window = self._window
        if administer:
            window.show_section("admin")
            admin = window.page("admin")
            admin.show_backups()
            admin.backups_tab.back_up_now()
            return
        from cspdesk.services.database.backup import BackupService
        from cspdesk_gui.operations import run_op

        ctx = window.ctx
        window.statusBar().showMessage("Backing up…")
        run_op(lambda: BackupService(ctx).backup_now(),
                          lambda _info: window.statusBar().showMessage("Backup made.", 8000),
                          lambda exc: faults.show_fault(exc, window))

    def restore_backup(self, *, administer: bool):  # noqa: ANN201 - RestoreDialog | None
        """File → Restore a backup… (administrators): the window closes to sign in again after."""
        window = self._window
        if window.ctx.vault is None or not administer:
            QMessageBox.information(window, "Restore a backup", "Only an administrator can restore a backup, and "
                                    "only of a database file (a server's administrator restores a server).")
            return None
        if self.restore_dialog is not None and isValid(self.restore_dialog):
            bring_to_front(self.restore_dialog)
            return self.restore_dialog
        from cspdesk_gui.dialogs.restore import RestoreDialog

        dialog = RestoreDialog(window, ctx=window.ctx)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.restored.connect(self._restored)
        dialog.restore_failed.connect(self._restore_failed)
        self._was_read_only = window.ctx.read_only
        self.restore_dialog = dialog
        dialog.open()
        emit(window.restore_dialog_opened, dialog)
        return dialog

    def _restored(self, info: object) -> None:
        from cspdesk_gui.dialogs.restore import restored_notice

        self.sign_in_notice = restored_notice(info)  # type: ignore[arg-type]
        emit(self._window.database_restored, info)
        self._leave_after_restore()

    def _restore_failed(self, message: str) -> None:
        if self._window.ctx.read_only and not self._was_read_only:
            # The session was closed for the restore, which then failed: sign in again.
            self.sign_in_notice = message
            self._leave_after_restore()

    def _leave_after_restore(self) -> None:
        self.restore_dialog = None
        self.skip_close_backup = True
        self._window.signing_out = True
        QTimer.singleShot(0, self._window, self._window.close)  # once the dialog has closed

    def holds_close(self, close: Any) -> bool:
        """On closing: True if the backup on closing runs first (off the GUI thread, with a way to
        stop waiting) and calls ``close`` again when done; else stops the jobs."""
        runner = self.runner
        if self.auto_backups and runner is not None and not runner.ready_to_close():
            runner.close_after_backup(close, backup=not self.skip_close_backup)
            return True
        if runner is not None:
            runner.stop()
        return False
