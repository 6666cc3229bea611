"""Who is signed in to the main window, and their password: the status bar's name, the lock's
identity and idle interval, File → Change password…, and a temporary password's forced change."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt

from cspdesk.services.access.accounts import AccountService
from cspdesk_gui.operations import OnDatabaseThread


class AccountController(QObject):
    def __init__(self, window: Any) -> None:  # window: the MainWindow (importing it would be a cycle)
        super().__init__(window)
        self._window = window
        self.display_name = ""

    def read_account(self) -> None:
        """Who is signed in: the status bar, the lock screen and the idle interval."""
        window = self._window
        ctx = window.ctx
        actor = ctx.actor
        account = OnDatabaseThread(AccountService(ctx))
        me = account.me() if actor.user_id is not None else None
        self.display_name = me.display_name if me is not None else actor.username
        role = actor.role.label
        label = window.user_label
        if me is not None:
            label.setText(f"{me.display_name} · {role}")
            label.setToolTip(f"Signed in as {me.username} ({role})")
            identity = f"Signed in as {me.display_name} ({me.username}), {role}."
            minutes = account.security_settings().idle_lock_minutes
        else:
            # A database opened with its raw key (tests, tools): no account, so nothing to unlock with.
            label.setText(f"{actor.username} · {role}")
            label.setToolTip("Opened without an account")
            identity = f"Opened as {actor.username}."
            minutes = 10
        window.lock.configure(enabled=me is not None, idle_minutes=minutes, identity=identity)
        if not window.lock.is_locked():  # while locked every action stays off until unlocked
            for action in (window.lock_action, window.change_password_action):
                action.setEnabled(me is not None)

    def change_password(self, *, required: bool = False):  # noqa: ANN201 - ChangePasswordDialog
        """File → Change password…; with ``required`` (a temporary password) cancelling signs out."""
        from cspdesk_gui.dialogs.change_password import ChangePasswordDialog

        window = self._window
        dialog = ChangePasswordDialog(window.ctx, window, required=required)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.password_changed.connect(self._password_changed)
        if required:
            dialog.rejected.connect(window.sign_out)
        dialog.open()
        return dialog

    def _password_changed(self) -> None:
        self._window.statusBar().showMessage("Your password was changed.", 8000)

    def ask_for_new_password_if_needed(self) -> bool:
        """After signing in: a temporary password must be changed before the window is used."""
        ctx = self._window.ctx
        if ctx.actor.user_id is None:
            return False
        me = OnDatabaseThread(AccountService(ctx)).me()
        if me is None or not me.must_change_password:
            return False
        self.change_password(required=True)
        return True
