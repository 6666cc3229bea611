"""Opening another database from the main window (File → Open database…, Connect to a server…):
sign in to it, then the window shows it and closes the one it showed until now."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox

from cspdesk.services.context import ServiceContext
from cspdesk.services.database.workspace import OpenFailed, close_workspace, describe_database
from cspdesk_gui.signals import emit


class DatabaseSwitcher(QObject):
    def __init__(self, window: Any) -> None:  # window: the MainWindow (importing it would be a cycle)
        super().__init__(window)
        self._window = window
        self._opening_db: str | Path | None = None

    def choose_database(self) -> None:
        start = describe_database(self._window.ctx)
        folder = str(Path(start).parent) if "://" not in start else ""
        path, _filter = QFileDialog.getOpenFileName(
            self._window, "Open a CSPDesk database", folder, "CSPDesk databases (*.db);;All files (*)"
        )
        if path:
            self._window.open_database(path)

    def connect_to_server(self):  # noqa: ANN201 - ServerConnectionDialog
        """Ask where the server database is (opened, not exec()'d); then sign in to it as to a file."""
        from cspdesk_gui.dialogs.server_connection import ServerConnectionDialog

        window = self._window
        dialog = ServerConnectionDialog(window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: window.open_database(dialog.url) if dialog.url else None)
        dialog.open()
        return dialog

    def open_database(self, db: str | Path):  # noqa: ANN201 - SignInDialog | None
        """Sign in to another existing database; the window switches to it when that succeeds.
        Says why in a message box if there is nothing to open; returns the sign-in dialog."""
        from cspdesk.services.access.auth import database_exists
        from cspdesk_gui.dialogs.sign_in import SignInDialog

        window = self._window
        try:
            exists = database_exists(db)
        except OpenFailed as exc:
            QMessageBox.warning(window, "Open database", str(exc))
            return None
        if not exists:
            QMessageBox.warning(window, "Open database", f"There is no CSPDesk database at {db}.")
            return None
        dialog = SignInDialog(db, window, cancel_text="Cancel")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._opening_db = db
        dialog.signed_in.connect(self._signed_in_to_other)
        dialog.open()
        return dialog

    def _signed_in_to_other(self, ctx: object) -> None:
        assert isinstance(ctx, ServiceContext)
        self.switch_database(ctx, self._opening_db)

    def switch_database(self, new_ctx: ServiceContext, db: str | Path | None = None) -> None:
        """Show ``new_ctx`` (already signed in) in the window, closing the database shown until now."""
        window = self._window
        old, window.ctx = window.ctx, new_ctx
        window.db = db
        window.backup_jobs.stop()
        window.records.close_all()
        close_workspace(old)
        window.install_pages()
        window.backup_jobs.start()
        window.show_section("panels")
        window.change_watch.start()
        emit(window.database_opened, describe_database(new_ctx))
        window.account.ask_for_new_password_if_needed()
