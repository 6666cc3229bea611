"""The first run: no database yet. The welcome page offers to set up a partnership or to explore a
made-up one; either way the window ends signed in, and hands the context on.

* "Set up a partnership…" → :class:`FirstRunWizard` (the partnership, its first administrator,
  panels and agencies; :func:`create_database`) → the
  :class:`RecoveryKeyDialog`, shown once → ``database_ready(ctx)``.
* "Explore with demo data" → :func:`create_demo_database` on a worker thread, with progress →
  :class:`DemoAccountsDialog` (the accounts and their shared password) → ``database_ready(ctx)``,
  signed in as the demo administrator.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QMainWindow, QMessageBox, QProgressDialog, QWidget

from cspdesk.services.access.auth import DEMO_PASSWORD, CreatedDatabase
from cspdesk.services.context import ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk.services.database.workspace import close_workspace, default_database
from cspdesk_gui.operations import run_op
from cspdesk_gui.pages.welcome import WelcomePage
from cspdesk_gui.signals import emit
from cspdesk_gui.windows import bring_to_front, fit_to_screen


class FirstRunWindow(QMainWindow):
    """The welcome page on its own, for a database that does not exist yet."""

    #: The database exists and someone is signed in to it: the :class:`ServiceContext`, which the
    #: receiver now owns.
    database_ready = Signal(object)
    #: Demo data could not be written: the message shown.
    demo_failed = Signal(str)
    #: The window closed.
    closed = Signal()

    def __init__(self, db: str | Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self._pending: ServiceContext | None = None  # created, but not yet handed on
        self._handed_on = False
        self.setup_dialog = None
        self.recovery_key_dialog = None
        self.demo_accounts_dialog = None
        self.progress_dialog: QProgressDialog | None = None
        self._demo_running = False
        self._last_percent = 0
        self.setObjectName("firstRunWindow")
        self.setWindowTitle("CSPDesk — set up")
        fit_to_screen(self, 1200, 760)  # a council laptop's screen may be smaller
        self.welcome = WelcomePage(str(db if db is not None else default_database()), self, first_run=True)
        self.welcome.set_up_requested.connect(self.set_up_partnership)
        self.welcome.demo_requested.connect(self.load_demo)
        self.setCentralWidget(self.welcome)
        self.welcome.setFocus()

    # -- set up ----------------------------------------------------------------------------------

    def set_up_partnership(self) -> None:
        from cspdesk_gui.dialogs.first_run_wizard import FirstRunWizard

        if self.setup_dialog is not None:
            bring_to_front(self.setup_dialog)
            return
        dialog = FirstRunWizard(self.db, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.database_created.connect(self._database_created)
        dialog.demo_requested.connect(self.load_demo)
        dialog.finished.connect(self._setup_closed)
        self.setup_dialog = dialog
        dialog.open()

    def _setup_closed(self, _result: int) -> None:
        self.setup_dialog = None

    def _database_created(self, created: object) -> None:
        from cspdesk_gui.dialogs.recovery_key import RecoveryKeyDialog

        assert isinstance(created, CreatedDatabase)
        self._pending = created.ctx
        if created.recovery_key is None:  # a server database: its DBA recovers it, no key to show
            self._hand_on()
            return
        from cspdesk.services.partnership.partnership import PartnershipService
        from cspdesk.services.database.workspace import describe_database

        info = PartnershipService(created.ctx).get()
        dialog = RecoveryKeyDialog(
            created.recovery_key, describe_database(created.ctx), self, partnership=info.name if info else ""
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self._hand_on)
        self.recovery_key_dialog = dialog
        dialog.open()

    # -- demo data -------------------------------------------------------------------------------

    def is_loading_demo(self) -> bool:
        return self._demo_running

    def load_demo(self) -> None:
        if self._demo_running:
            return
        self._demo_running = True
        self._last_percent = 0
        self.welcome.set_busy(True)
        progress = QProgressDialog("Writing the demo partnership…", "", 0, 100, self)
        progress.setObjectName("demoProgress")
        progress.setWindowTitle("Explore with demo data")
        progress.setCancelButton(None)  # the generator cannot stop half-way
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.setMinimumWidth(420)
        progress.setValue(0)
        progress.show()
        self.progress_dialog = progress
        db = self.db

        def call(report):  # noqa: ANN001, ANN202 - (CreatedDatabase, list[DemoAccount])
            from cspdesk.services.access.auth import create_demo_database

            return create_demo_database(db, progress=report)

        run_op(call, self._demo_written, self._demo_refused, on_progress=self._demo_progress)

    def _demo_progress(self, percent: int, message: str) -> None:
        # A window-modal QProgressDialog runs queued events inside setValue(); never step back.
        percent = max(0, min(percent, 100))
        if percent < self._last_percent or self.progress_dialog is None:
            return
        self._last_percent = percent
        if message:
            self.progress_dialog.setLabelText(message)
        self.progress_dialog.setValue(percent)

    def _end_progress(self) -> None:
        self._demo_running = False
        if self.progress_dialog is not None:
            self.progress_dialog.close()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None
        self.welcome.set_busy(False)

    def _demo_written(self, result: object) -> None:
        from cspdesk_gui.dialogs.demo_accounts import DemoAccountsDialog

        self._end_progress()
        created, accounts = result  # type: ignore[misc]
        self._pending = created.ctx
        dialog = DemoAccountsDialog(accounts, DEMO_PASSWORD, self, signed_in_as=created.ctx.actor.username)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(self._demo_accounts_closed)
        self.demo_accounts_dialog = dialog
        dialog.open()

    def _demo_accounts_closed(self, _result: int) -> None:
        self._hand_on()

    def _demo_refused(self, exc: BaseException) -> None:
        self._end_progress()
        message = str(exc) if isinstance(exc, ServiceError) else f"The demo data could not be written ({type(exc).__name__})."
        emit(self.demo_failed, message)
        box = QMessageBox(QMessageBox.Icon.Warning, "Demo data", message, QMessageBox.StandardButton.Ok, self)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()

    # -- handing on ------------------------------------------------------------------------------

    def _hand_on(self) -> None:
        ctx, self._pending = self._pending, None
        if ctx is None or self._handed_on:
            return
        self._handed_on = True
        emit(self.database_ready, ctx)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self._demo_running:
            event.ignore()  # one transaction is being written; it ends in seconds
            return
        if self._pending is not None:  # created, but the person closed the window first
            close_workspace(self._pending)
            self._pending = None
        super().closeEvent(event)
        emit(self.closed)
