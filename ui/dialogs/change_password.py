"""Changing your own password: current, new, and the new one again.

With ``required`` (an administrator set a temporary password) the dialog says so, and its other
button is "Sign out": the window is not usable until the password is changed.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget
from shiboken6 import isValid

from cspdesk.services.access.accounts import AccountService
from cspdesk.services.access.auth import MIN_PASSWORD_LENGTH
from cspdesk.services.context import ServiceContext
from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk_gui.operations import run_op
from cspdesk_gui.dialogs.forms import FieldErrors, error_label, line_edit, make_primary, with_error
from cspdesk_gui.signals import emit


class ChangePasswordDialog(QDialog):
    """Calls :meth:`AccountService.change_password` (on a worker thread) and accepts when it is done."""

    #: The password was changed.
    password_changed = Signal()

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None, *, required: bool = False) -> None:
        super().__init__(parent)
        self._service = AccountService(ctx)
        self.required = required
        self._busy = False
        self.setObjectName("changePasswordDialog")
        self.setWindowTitle("Change your password")
        self.setModal(True)
        self.setMinimumWidth(500)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(10)
        heading = QLabel("Choose a new password" if required else "Change your password", self)
        heading.setObjectName("dialogHeading")
        layout.addWidget(heading)
        if required:
            text = (
                "Your password was set by an administrator. Choose one of your own before you go on: "
                f"at least {MIN_PASSWORD_LENGTH} characters, known only to you."
            )
        else:
            text = f"At least {MIN_PASSWORD_LENGTH} characters. A few unrelated words make a strong one."
        intro = QLabel(text, self)
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setVerticalSpacing(8)
        self.current_edit = line_edit(self, "currentPassword", "Current password", password=True)
        self.new_edit = line_edit(self, "newPassword", "New password", password=True)
        self.confirm_edit = line_edit(self, "confirmPassword", "Confirm the new password", password=True)
        labels = {name: error_label(self) for name in ("old_password", "new_password", "confirm")}
        for caption, edit, name in (
            ("C&urrent password" if not required else "&Temporary password", self.current_edit, "old_password"),
            ("&New password", self.new_edit, "new_password"),
            ("&Confirm new password", self.confirm_edit, "confirm"),
        ):
            label = QLabel(caption, self)
            label.setBuddy(edit)
            form.addRow(label, with_error(edit, labels[name], self))
        layout.addLayout(form)
        general = error_label(self)
        layout.addWidget(general)
        self.errors = FieldErrors(
            {
                "old_password": (self.current_edit, labels["old_password"]),
                "new_password": (self.new_edit, labels["new_password"]),
                "confirm": (self.confirm_edit, labels["confirm"]),
            },
            general,
            aliases={"password": "new_password"},
        )

        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton("Change password", QDialogButtonBox.ButtonRole.AcceptRole)
        make_primary(self.ok_button)
        self.ok_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(
            "Sign out" if required else "Cancel", QDialogButtonBox.ButtonRole.RejectRole
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.current_edit.setFocus()

    def error_text(self) -> str:
        return self.errors.text()

    def is_busy(self) -> bool:
        return self._busy

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (self.current_edit, self.new_edit, self.confirm_edit, self.ok_button):
            widget.setEnabled(not busy)

    def accept(self) -> None:
        if self._busy:
            return
        old, new = self.current_edit.text(), self.new_edit.text()
        if not old:
            self.errors.show("old_password", "Give your current password.")
            return
        if new != self.confirm_edit.text():
            self.errors.show("confirm", "The two new passwords are not the same.")
            return
        self.errors.clear()
        self._set_busy(True)
        service = self._service
        dialog = self

        def succeeded(_result: object) -> None:
            if not isValid(dialog):
                return
            dialog._set_busy(False)
            for edit in (dialog.current_edit, dialog.new_edit, dialog.confirm_edit):
                edit.clear()
            emit(dialog.password_changed)
            QDialog.accept(dialog)

        def failed(exc: BaseException) -> None:
            if not isValid(dialog):
                return
            dialog._set_busy(False)
            if isinstance(exc, ValidationError):
                dialog.errors.show(exc.field, str(exc))
            elif isinstance(exc, ServiceError):
                dialog.errors.show(None, str(exc))
            else:
                dialog.errors.show(None, f"The password could not be changed ({type(exc).__name__}).")

        run_op(lambda: service.change_password(old, new), succeeded, failed)
