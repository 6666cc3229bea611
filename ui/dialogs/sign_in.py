"""Signing in to a database, and getting back in with the recovery key.

Both dialogs call their service on a worker thread (argon2 takes a fifth of a second, and a wrong
password is slowed on purpose), so the window never freezes; the fields are disabled meanwhile.
On success they emit the signed-in :class:`ServiceContext` and accept; the receiver owns it (and
closes it with ``close_workspace``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk.services.database.workspace import is_server
from cspdesk_gui import preferences
from cspdesk_gui.operations import run_op
from cspdesk_gui.dialogs.forms import FieldErrors, error_label, line_edit, make_primary, with_error
from cspdesk_gui.signals import emit

if TYPE_CHECKING:  # SQLAlchemy loads on a thread after this window is up (cspdesk_gui.warm_up)
    from cspdesk.services.context import ServiceContext


def _describe(db: str | Path | None) -> str:
    if db is None:
        from cspdesk.services.database.workspace import default_database

        return str(default_database())
    text = str(db)
    if "://" in text:  # a server URL: never show its password
        from urllib.parse import urlsplit

        parts = urlsplit(text)
        host = parts.hostname or ""
        return f"{parts.scheme}://{host}{':' + str(parts.port) if parts.port else ''}{parts.path}"
    return text


def _split_hint(message: str) -> tuple[str, str]:
    """The service says "… not right. 2 more attempts before the account locks."; the second
    sentence goes on a line of its own."""
    if "more attempt" in message and ". " in message:
        first, rest = message.split(". ", 1)
        return first + ".", rest
    return message, ""


def _this_computer() -> str:
    import socket

    return socket.gethostname() or ""


def _is_context(value: object) -> bool:
    from cspdesk.services.context import ServiceContext

    return isinstance(value, ServiceContext)


def _close_quietly(ctx: ServiceContext) -> None:
    from cspdesk.services.database.workspace import close_workspace

    close_workspace(ctx)


class SignInDialog(QDialog):
    """User name and password for ``db``. ``ctx`` holds the signed-in context once accepted."""

    #: Signed in: the :class:`ServiceContext` (also in :attr:`ctx`).
    signed_in = Signal(object)
    #: A sign-in attempt was refused: the message shown.
    sign_in_failed = Signal(str)

    def __init__(
        self,
        db: str | Path | None,
        parent: QWidget | None = None,
        *,
        username: str | None = None,
        cancel_text: str = "Quit",
        notice: str = "",
    ) -> None:
        super().__init__(parent)
        self.db = db
        self.ctx: ServiceContext | None = None
        self._busy = False
        self.recovery_dialog: RecoveryDialog | None = None
        self.restore_dialog = None
        #: (user name, password) of the attempt refused because another copy has the file, kept
        #: only while "Open read-only" is offered.
        self._attempt: tuple[str, str] | None = None
        self.setObjectName("signInDialog")
        self.setWindowTitle("Sign in — CSPDesk")
        self.setMinimumWidth(460)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(10)
        heading = QLabel("Sign in to CSPDesk", self)
        heading.setObjectName("dialogHeading")
        layout.addWidget(heading)
        self.database_label = QLabel(f"Database: {_describe(db)}", self)
        self.database_label.setObjectName("mutedText")
        self.database_label.setWordWrap(True)
        self.database_label.setTextFormat(Qt.TextFormat.PlainText)
        self.database_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.database_label)
        self.notice_label = QLabel(notice, self)
        self.notice_label.setObjectName("signInNotice")
        self.notice_label.setWordWrap(True)
        self.notice_label.setTextFormat(Qt.TextFormat.PlainText)
        self.notice_label.setVisible(bool(notice))
        layout.addWidget(self.notice_label)
        layout.addSpacing(4)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setVerticalSpacing(10)
        self.username_edit = line_edit(self, "username", "User name")
        self.username_edit.setMaxLength(80)
        user_label = QLabel("&User name", self)
        user_label.setBuddy(self.username_edit)
        form.addRow(user_label, self.username_edit)

        self.password_edit = line_edit(self, "password", "Password", password=True)
        password_label = QLabel("&Password", self)
        password_label.setBuddy(self.password_edit)
        password_box = QWidget(self)
        column = QVBoxLayout(password_box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        column.addWidget(self.password_edit)
        self.error_label = error_label(self)
        self.error_label.setObjectName("fieldError")
        column.addWidget(self.error_label)
        self.hint_label = QLabel("", self)
        self.hint_label.setObjectName("attemptsHint")
        self.hint_label.setWordWrap(True)
        self.hint_label.hide()
        column.addWidget(self.hint_label)
        form.addRow(password_label, password_box)
        layout.addLayout(form)

        # Another copy of CSPDesk has the file: say so, and offer to look without changing anything.
        self.offer = QFrame(self)
        self.offer.setObjectName("readOnlyOffer")
        offer_layout = QVBoxLayout(self.offer)
        offer_layout.setContentsMargins(12, 10, 12, 10)
        offer_layout.setSpacing(8)
        self.offer_label = QLabel("", self.offer)
        self.offer_label.setObjectName("offerText")
        self.offer_label.setWordWrap(True)
        self.offer_label.setTextFormat(Qt.TextFormat.PlainText)
        offer_layout.addWidget(self.offer_label)
        offer_buttons = QHBoxLayout()
        offer_buttons.addStretch(1)
        self.read_only_button = QPushButton("&Open read-only", self.offer)
        self.read_only_button.setObjectName("openReadOnly")
        self.read_only_button.setAutoDefault(False)
        self.read_only_button.clicked.connect(self.open_read_only)
        offer_buttons.addWidget(self.read_only_button)
        self.offer_cancel_button = QPushButton("&Cancel", self.offer)
        self.offer_cancel_button.setAutoDefault(False)
        self.offer_cancel_button.clicked.connect(self._withdraw_offer)
        offer_buttons.addWidget(self.offer_cancel_button)
        offer_layout.addLayout(offer_buttons)
        self.offer.hide()
        layout.addWidget(self.offer)

        # The file is damaged (or gone): a backup can be put in its place from here.
        self.restore_button = QPushButton("Restore a &backup…", self)
        self.restore_button.setObjectName("restoreFromSignIn")
        self.restore_button.setAutoDefault(False)
        self.restore_button.clicked.connect(self.open_restore)
        self.restore_button.hide()
        restore_row = QHBoxLayout()
        restore_row.addWidget(self.restore_button)
        restore_row.addStretch(1)
        layout.addLayout(restore_row)

        layout.addSpacing(6)
        bottom = QHBoxLayout()
        self.recover_button = QPushButton("Forgotten? Use the recovery key…", self)
        self.recover_button.setObjectName("linkButton")
        self.recover_button.setAutoDefault(False)
        self.recover_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.recover_button.setToolTip("For an administrator, when no one who can reset passwords can sign in")
        self.recover_button.clicked.connect(self.open_recovery)
        # A server keeps no recovery key (its administrator resets passwords, or the server's DBA).
        self.recover_button.setVisible(not is_server(db))
        bottom.addWidget(self.recover_button)
        bottom.addStretch(1)
        self.buttons = QDialogButtonBox(self)
        self.sign_in_button = self.buttons.addButton("Sign in", QDialogButtonBox.ButtonRole.AcceptRole)
        make_primary(self.sign_in_button)
        self.sign_in_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(cancel_text, QDialogButtonBox.ButtonRole.RejectRole)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)

        remembered = username if username is not None else preferences.last_user()
        self.username_edit.setText(remembered)
        if remembered:
            self.password_edit.setFocus()
        else:
            self.username_edit.setFocus()

    # -- signing in ----------------------------------------------------------------------------

    def is_busy(self) -> bool:
        return self._busy

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (self.username_edit, self.password_edit, self.recover_button, self.sign_in_button,
                       self.read_only_button, self.offer_cancel_button, self.restore_button):
            widget.setEnabled(not busy)
        self.sign_in_button.setText("Signing in…" if busy else "Sign in")

    def error_text(self) -> str:
        """What the dialog says is wrong now (both lines), for tests and screen readers."""
        parts = [label.text() for label in (self.error_label, self.hint_label) if not label.isHidden()]
        return " ".join(p for p in parts if p)

    def _show_error(self, message: str) -> None:
        first, hint = _split_hint(message)
        self.error_label.setText(first)
        self.error_label.setVisible(bool(first))
        self.hint_label.setText(hint)
        self.hint_label.setVisible(bool(hint))

    def accept(self) -> None:
        """Sign in on a worker thread; the dialog closes only when that succeeds."""
        if self._busy:
            return
        username = self.username_edit.text().strip()
        password = self.password_edit.text()
        if not username:
            self._show_error("Give your user name.")
            self.username_edit.setFocus()
            return
        if not password:
            self._show_error("Give your password.")
            self.password_edit.setFocus()
            return
        self._show_error("")
        self._withdraw_offer()
        self.restore_button.hide()
        self._start(username, password, read_only=False)

    def open_read_only(self) -> None:
        """"Open read-only": the refused attempt again, without writing anything."""
        attempt = self._attempt
        if self._busy or attempt is None:
            return
        self._start(*attempt, read_only=True)

    def _withdraw_offer(self) -> None:
        self._attempt = None
        if not self.offer.isHidden():
            self.offer.hide()
            self.sign_in_button.setDefault(True)
            self._fit()

    def _fit(self) -> None:
        """Grow (or shrink) to what is shown now: a wrapped message needs its height."""
        layout = self.layout()
        layout.invalidate()
        layout.activate()
        self.resize(self.width(), max(self.heightForWidth(self.width()), self.sizeHint().height(),
                                      layout.totalHeightForWidth(self.width())))

    def is_offering_read_only(self) -> bool:
        return not self.offer.isHidden()

    def _start(self, username: str, password: str, *, read_only: bool) -> None:
        self._set_busy(True)
        self._attempt = (username, password)
        db = self.db

        def call() -> ServiceContext:
            from cspdesk.services.access.auth import sign_in

            return sign_in(db, username, password, read_only=read_only)

        dialog = self

        def succeeded(ctx: object) -> None:
            assert _is_context(ctx)
            if not isValid(dialog) or not dialog._busy:  # closed meanwhile: nobody will use it
                _close_quietly(ctx)
                return
            dialog._signed_in(ctx, username)

        def failed(exc: BaseException) -> None:
            if isValid(dialog):
                dialog._refused(exc)

        run_op(call, succeeded, failed)

    def _signed_in(self, ctx: ServiceContext, username: str) -> None:
        self._set_busy(False)
        self._withdraw_offer()
        self.ctx = ctx
        preferences.remember_user(username)
        self.password_edit.clear()
        emit(self.signed_in, ctx)
        super().accept()

    def _refused(self, exc: BaseException) -> None:
        from cspdesk.services.access.auth import AlreadyOpen
        from cspdesk.services.errors import DatabaseDamaged

        self._set_busy(False)
        message = str(exc) if isinstance(exc, ServiceError) else f"Signing in failed ({type(exc).__name__})."
        if isinstance(exc, AlreadyOpen) and self._attempt is not None:
            where = f"on {exc.host}" if exc.host else "on another computer or in another window"
            if exc.host and exc.host == _this_computer():
                where = "on this computer"
            since = f" since {exc.since}" if exc.since else ""
            self.offer_label.setText(
                f"Another copy of CSPDesk {where} has had this file open{since}, and only one copy at a time "
                "can make changes. You can open it read-only to look (nothing can be changed), or cancel and "
                "close the other copy first.")
            self.offer.show()
            self._show_error("")
            self.read_only_button.setDefault(True)  # Enter now opens it read-only, not the same refusal
            self.read_only_button.setFocus()
            self._fit()
            emit(self.sign_in_failed, message)
            return
        self._attempt = None
        self._show_error(message)
        self.restore_button.setVisible(isinstance(exc, DatabaseDamaged) and "://" not in str(self.db or ""))
        self._fit()
        self.password_edit.clear()
        self.password_edit.setFocus()
        emit(self.sign_in_failed, message)

    # -- a damaged file: restore a backup --------------------------------------------------------

    def open_restore(self):  # noqa: ANN201 - RestoreDialog
        from cspdesk_gui.dialogs.restore import RestoreDialog

        db = self.db
        if db is None:
            from cspdesk.services.database.workspace import default_database

            db = default_database()
        dialog = RestoreDialog(self, db=db, username=self.username_edit.text().strip())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.restored.connect(self._backup_restored)
        dialog.finished.connect(self._restore_closed)
        self.restore_dialog = dialog
        dialog.open()
        return dialog

    def _restore_closed(self, _result: int) -> None:
        self.restore_dialog = None

    def _backup_restored(self, info: object) -> None:
        from cspdesk_gui.dialogs.restore import restored_notice

        self.restore_button.hide()
        self._show_error("")
        self.notice_label.setText(restored_notice(info))  # type: ignore[arg-type]
        self.notice_label.show()
        self._fit()
        self.password_edit.setFocus()

    def reject(self) -> None:
        # A sign-in still running is abandoned: its context is closed when it arrives.
        self._busy = False
        self._attempt = None
        super().reject()

    # -- the recovery key ----------------------------------------------------------------------

    def open_recovery(self) -> RecoveryDialog:
        dialog = RecoveryDialog(self.db, self, username=self.username_edit.text().strip())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.recovered.connect(self._recovered)
        self.recovery_dialog = dialog
        dialog.finished.connect(self._recovery_closed)
        dialog.open()
        return dialog

    def _recovery_closed(self, _result: int) -> None:
        self.recovery_dialog = None

    def _recovered(self, ctx: object, username: str) -> None:
        assert _is_context(ctx)
        self._signed_in(ctx, username)


class RecoveryDialog(QDialog):
    """The recovery key, an administrator's user name and a new password: :func:`recover`."""

    #: The administrator is signed in with the new password: (context, user name).
    recovered = Signal(object, str)

    def __init__(self, db: str | Path | None, parent: QWidget | None = None, *, username: str = "") -> None:
        super().__init__(parent)
        self.db = db
        self.ctx: ServiceContext | None = None
        self._busy = False
        self.setObjectName("recoveryDialog")
        self.setWindowTitle("Use the recovery key")
        self.setMinimumWidth(520)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(10)
        heading = QLabel("Use the recovery key", self)
        heading.setObjectName("dialogHeading")
        layout.addWidget(heading)
        intro = QLabel(
            "The recovery key was shown once, when this database was set up. With it an administrator's "
            "account gets a new password, and is unlocked and enabled again. Other people's passwords "
            "are reset by an administrator, not here.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setVerticalSpacing(8)
        self.key_edit = line_edit(self, "recoveryKey", "Recovery key", monospace=True)
        self.key_edit.setPlaceholderText("XXXXX-XXXXX-XXXXX-XXXXX-XXXXX")
        self.username_edit = line_edit(self, "adminUsername", "Administrator's user name")
        self.username_edit.setText(username)
        self.password_edit = line_edit(self, "newPassword", "New password", password=True)
        self.password_edit.setPlaceholderText("At least 10 characters")
        self.confirm_edit = line_edit(self, "confirmPassword", "Confirm the new password", password=True)
        general = error_label(self)
        labels = {name: error_label(self) for name in ("recovery_key", "username", "new_password", "confirm")}
        for caption, edit, name in (
            ("Recovery &key", self.key_edit, "recovery_key"),
            ("Administrator's &user name", self.username_edit, "username"),
            ("&New password", self.password_edit, "new_password"),
            ("&Confirm new password", self.confirm_edit, "confirm"),
        ):
            label = QLabel(caption, self)
            label.setBuddy(edit)
            form.addRow(label, with_error(edit, labels[name], self))
        layout.addLayout(form)
        layout.addWidget(general)
        self.errors = FieldErrors(
            {
                "recovery_key": (self.key_edit, labels["recovery_key"]),
                "username": (self.username_edit, labels["username"]),
                "new_password": (self.password_edit, labels["new_password"]),
                "confirm": (self.confirm_edit, labels["confirm"]),
            },
            general,
            aliases={"password": "new_password"},
        )

        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton("Reset and sign in", QDialogButtonBox.ButtonRole.AcceptRole)
        make_primary(self.ok_button)
        self.ok_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.key_edit.setFocus()

    def error_text(self) -> str:
        return self.errors.text()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (self.key_edit, self.username_edit, self.password_edit, self.confirm_edit, self.ok_button):
            widget.setEnabled(not busy)

    def accept(self) -> None:
        if self._busy:
            return
        key = self.key_edit.text().strip()
        username = self.username_edit.text().strip()
        password = self.password_edit.text()
        if not key:
            self.errors.show("recovery_key", "Type the recovery key, with or without its dashes.")
            return
        if password != self.confirm_edit.text():
            self.errors.show("confirm", "The two new passwords are not the same.")
            return
        self.errors.clear()
        self._set_busy(True)
        db = self.db

        def call() -> ServiceContext:
            from cspdesk.services.access.auth import recover

            return recover(db, key, username, password)

        dialog = self

        def succeeded(ctx: object) -> None:
            assert _is_context(ctx)
            if not isValid(dialog) or not dialog._busy:
                _close_quietly(ctx)
                return
            dialog._set_busy(False)
            dialog.ctx = ctx
            emit(dialog.recovered, ctx, username)
            QDialog.accept(dialog)

        def failed(exc: BaseException) -> None:
            if not isValid(dialog):
                return
            dialog._set_busy(False)
            if isinstance(exc, ValidationError):
                dialog.errors.show(exc.field, str(exc))
            elif isinstance(exc, ServiceError) and "recovery key" in str(exc):
                dialog.errors.show("recovery_key", str(exc))
            else:
                dialog.errors.show(None, str(exc) if isinstance(exc, ServiceError) else "The account could not be recovered.")

        run_op(call, succeeded, failed)

    def reject(self) -> None:
        self._busy = False
        super().reject()

