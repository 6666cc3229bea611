"""From start-up to the main window and back: which screen comes first, and what follows it.

* A database that exists → :class:`SignInDialog`; one that does not → :class:`FirstRunWindow`.
* Signed in → a temporary password is changed first (:class:`ChangePasswordDialog`) → the
  :class:`MainWindow`.
* Sign out → the window closes and its database is closed → the sign-in dialog again.
* The window closes otherwise (Quit), or the first screen is dismissed → ``finished(0)``.

Every screen is shown with ``show()``/``open()``, never ``exec()``: the flow is driven by
signals, so a test can follow it with qtbot and :func:`run_gui` with one event loop.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

from typing import TYPE_CHECKING

from cspdesk.services.database.workspace import close_workspace, database_exists
from cspdesk_gui import warm_up
from cspdesk_gui.signals import emit
from cspdesk_gui.windows import bring_to_front

if TYPE_CHECKING:  # SQLAlchemy and the services load after the first window (cspdesk_gui.warm_up)
    from cspdesk.services.context import ServiceContext


#: How long after the sign-in window is shown the warm-up begins (after its first paint).
WARM_UP_AFTER_MS = 150


class Startup(QObject):
    """Runs the screens for one database ``db`` (None: the default one)."""

    #: The main window was shown: the :class:`MainWindow`.
    window_opened = Signal(object)
    #: The sign-in dialog was shown: the :class:`SignInDialog`.
    sign_in_shown = Signal(object)
    #: A temporary password must be changed: the :class:`ChangePasswordDialog`.
    password_change_shown = Signal(object)
    #: There is no database yet: the :class:`FirstRunWindow`.
    first_run_shown = Signal(object)
    #: Nothing more to show: the exit code.
    finished = Signal(int)

    def __init__(self, db: str | Path | None, *, view: str | None = None, username: str | None = None,
                 auto_backups: bool = True, warms_up: bool = True) -> None:
        super().__init__()
        self.db = db
        #: Load what follows the sign-in window on a thread while it is up (cspdesk_gui.warm_up); off for
        #: a process that only looks at the first window and exits.
        self.warms_up = warms_up
        #: Daily and on-close backups in the windows it opens (off for screenshots and timings).
        self.auto_backups = auto_backups
        self.view = view
        self.username = username
        self.window = None
        self.sign_in_dialog = None
        self.password_dialog = None
        self.first_run_window = None
        self._finished = False
        self._stopping = False
        self._sign_in_db: str | Path | None = db
        self._pending: tuple[ServiceContext, str | Path | None] | None = None
        self.exit_code: int | None = None

    # -- the first screen -------------------------------------------------------------------------

    def start(self, ctx: ServiceContext | None = None) -> QWidget:
        """Show the first screen and return it: the main window for ``ctx`` (already signed in),
        else the sign-in dialog or the first-run window. Raises OpenFailed for a server that
        cannot be reached."""
        if ctx is not None:
            return self.open_session(ctx, self.db)
        if database_exists(self.db):
            return self.show_sign_in()
        return self.show_first_run()

    def show_sign_in(self, db: str | Path | None = None, *, username: str | None = None, notice: str = "") -> QWidget:
        from cspdesk_gui.dialogs.sign_in import SignInDialog

        target = db if db is not None else self.db
        dialog = SignInDialog(target, None, username=username if username is not None else self.username,
                              notice=notice)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # Bound methods, not lambdas, on dialogs that delete themselves (PySide6 6.12 crashes
        # when a lambda holding a QObject outlives the dialog).
        self._sign_in_db = target
        dialog.signed_in.connect(self._signed_in)
        dialog.rejected.connect(self._sign_in_dismissed)
        self.sign_in_dialog = dialog
        bring_to_front(dialog)
        if self.warms_up:
            # Once the window has been drawn: the thread's imports must not slow its first paint.
            QTimer.singleShot(WARM_UP_AFTER_MS, warm_up.start)
        emit(self.sign_in_shown, dialog)
        return dialog

    def _signed_in(self, ctx: object) -> None:
        from cspdesk.services.context import ServiceContext

        assert isinstance(ctx, ServiceContext)
        self.open_session(ctx, self._sign_in_db)

    def _sign_in_dismissed(self) -> None:
        self.sign_in_dialog = None
        self._finish(0)

    def show_first_run(self) -> QWidget:
        from cspdesk_gui.first_run import FirstRunWindow

        window = FirstRunWindow(self.db)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.database_ready.connect(self._first_run_done)
        window.closed.connect(self._first_run_closed)
        self.first_run_window = window
        window.show()
        emit(self.first_run_shown, window)
        return window

    def _first_run_done(self, ctx: object) -> None:
        from cspdesk.services.context import ServiceContext

        assert isinstance(ctx, ServiceContext)
        window, self.first_run_window = self.first_run_window, None
        self.open_session(ctx, self.db)
        if window is not None and isValid(window):
            window.close()

    def _first_run_closed(self) -> None:
        if self.first_run_window is not None:  # closed before a database was made
            self.first_run_window = None
            self._finish(0)

    # -- signed in ---------------------------------------------------------------------------------

    def open_session(self, ctx: ServiceContext, db: str | Path | None) -> QWidget:
        """Signed in: a temporary password is changed first, then the main window."""
        from cspdesk.services.access.accounts import AccountService

        self.sign_in_dialog = None
        me = AccountService(ctx).me() if ctx.actor.user_id is not None else None
        if me is not None and me.must_change_password:
            from cspdesk_gui.dialogs.change_password import ChangePasswordDialog

            dialog = ChangePasswordDialog(ctx, None, required=True)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            self._pending = (ctx, db)
            dialog.accepted.connect(self._password_changed)
            dialog.rejected.connect(self._password_refused)
            self.password_dialog = dialog
            bring_to_front(dialog)
            emit(self.password_change_shown, dialog)
            return dialog
        return self._open_window(ctx, db)

    def _password_changed(self) -> None:
        self.password_dialog = None
        ctx, db = self._pending
        self._pending = None
        self._open_window(ctx, db)

    def _password_refused(self) -> None:
        self.password_dialog = None
        ctx, db = self._pending
        self._pending = None
        close_workspace(ctx)
        if self._stopping:
            self._finish(0)
        else:
            self.show_sign_in(db)

    def _open_window(self, ctx: ServiceContext, db: str | Path | None) -> QWidget:
        warm_up.finish()  # never import the window's modules on two threads at once
        from cspdesk_gui.main_window import MainWindow, Section

        window = MainWindow(ctx, section=self.view or Section.PANELS, db=db, auto_backups=self.auto_backups)
        window.closed.connect(self._window_closed)
        self.window = window
        bring_to_front(window)
        emit(self.window_opened, window)
        return window

    def _window_closed(self) -> None:
        window, self.window = self.window, None
        if window is None:
            return
        close_workspace(window.ctx)
        signing_out = window.signing_out
        db = window.db if window.db is not None else self.db
        window.deleteLater()
        if signing_out and not self._stopping:
            # Signed out: the next person at a shared laptop starts from an empty form, not the last
            # user's name. (After a restore, which also signs out, the same person signs in again.)
            notice = window.sign_in_notice
            self.show_sign_in(db, username=None if notice else "", notice=notice)
        else:
            self._finish(0)

    # -- the end ---------------------------------------------------------------------------------

    def is_finished(self) -> bool:
        return self._finished

    def _finish(self, code: int) -> None:
        if self._finished:
            return
        self._finished = True
        self.exit_code = code
        emit(self.finished, code)

    def shutdown(self) -> None:
        """Close whatever is showing (and its database) and finish."""
        self._stopping = True
        if self.window is not None and isValid(self.window):
            self.window.auto_backups = False  # leaving now: no backup on closing to wait for
        for widget in (self.password_dialog, self.sign_in_dialog, self.window, self.first_run_window):
            if widget is not None and isValid(widget):
                widget.close()
        self._finish(0)
