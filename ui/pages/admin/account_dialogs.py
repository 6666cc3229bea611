"""Adding and editing an account, and giving it a new temporary password.

Each dialog calls its service in ``accept()`` and stays open when the service refuses, with the
message under the field the :class:`ValidationError` names. ``result_value`` holds the
:class:`OpResult` once accepted.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.enums import Role
from cspdesk.services.access.accounts import AccountRow, AccountService
from cspdesk.services.context import ROLE_PERMISSIONS, OpResult, Permission
from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk_gui.pages.admin.common import FieldErrors, PasswordField, error_label, with_error

_PERMISSION_WORDS = {
    Permission.VIEW_CASES: "see cases",
    Permission.EDIT_CASES: "edit cases",
    Permission.RUN_MEETINGS: "run meetings",
    Permission.UPDATE_ACTIONS: "update actions",
}


def role_description(role: Role) -> str:
    """What a role may do, in words, from the permissions the services check."""
    if Permission.ADMINISTER in ROLE_PERMISSIONS[role]:
        return "Can do everything on every panel, and manage accounts, settings, retention and the audit trail."
    words = [w for p, w in _PERMISSION_WORDS.items() if p in ROLE_PERMISSIONS[role]]
    listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
    return f"Can {listed}, on their panels only."


def _form() -> QFormLayout:
    form = QFormLayout()
    # Every field takes the full width: a field's note wraps to the width it really has.
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
    form.setVerticalSpacing(10)
    return form


def _caption(text: str, buddy: QWidget, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setBuddy(buddy)
    return label


class AccountDialog(QDialog):
    """Add an account (``account`` None) or edit one. The user name is fixed once an account exists."""

    def __init__(
        self,
        service: AccountService,
        *,
        panels: Sequence[tuple[int, str]],
        agencies: Sequence[tuple[int, str]],
        account: AccountRow | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._account = account
        self.result_value: OpResult[AccountRow] | None = None
        adding = account is None
        self.setObjectName("accountDialog")
        self.setWindowTitle("Add an account" if adding else f"Edit {account.username}")
        self.setModal(True)
        self.setMinimumWidth(520)

        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        form = _form()

        self.username_edit = QLineEdit(self)
        self.username_edit.setObjectName("username")
        self.username_edit.setPlaceholderText("e.g. j.smith (letters, digits and . _ - @)")
        self.username_error = error_label(self)
        if not adding:
            self.username_edit.setText(account.username)
            self.username_edit.setReadOnly(True)
            self.username_edit.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            self.username_edit.setToolTip("A user name cannot be changed. Disable this account and add a new one instead.")
        form.addRow(_caption("&User name", self.username_edit, self),
                    with_error(self.username_edit, self.username_error, self))

        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("displayName")
        # No maxLength (nor on the user name): a QLineEdit cuts a pasted name silently; the service
        # refuses one over its limit with a message naming the field and the limit.
        self.name_edit.setPlaceholderText("Their full name, as it appears in minutes")
        self.name_error = error_label(self)
        form.addRow(_caption("&Name", self.name_edit, self), with_error(self.name_edit, self.name_error, self))

        self.role_combo = QComboBox(self)
        self.role_combo.setObjectName("role")
        for role in Role:
            self.role_combo.addItem(role.label, role)
        self.role_note = QLabel("", self)
        self.role_note.setObjectName("mutedText")
        self.role_note.setWordWrap(True)
        self.role_error = error_label(self)
        role_box = QWidget(self)
        role_column = QVBoxLayout(role_box)
        role_column.setContentsMargins(0, 0, 0, 0)
        role_column.setSpacing(3)
        role_column.addWidget(self.role_combo)
        role_column.addWidget(self.role_note)
        role_column.addWidget(self.role_error)
        role_box.setFocusProxy(self.role_combo)
        form.addRow(_caption("&Role", self.role_combo, self), role_box)

        self.agency_combo = QComboBox(self)
        self.agency_combo.setObjectName("agency")
        self.agency_combo.addItem("No agency", None)
        for agency_id, name in agencies:
            self.agency_combo.addItem(name, agency_id)
        if account is not None and account.agency_id is not None and self.agency_combo.findData(account.agency_id) < 0:
            # An agency no longer active still shows for the accounts that belong to it.
            self.agency_combo.addItem(account.agency or f"Agency {account.agency_id}", account.agency_id)
        self.agency_error = error_label(self)
        form.addRow(_caption("&Agency", self.agency_combo, self),
                    with_error(self.agency_combo, self.agency_error, self))

        self.panel_list = QListWidget(self)
        self.panel_list.setObjectName("panels")
        self.panel_list.setAccessibleName("Panels")
        self.panel_list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.panel_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        for panel_id, name in panels:
            item = QListWidgetItem(name, self.panel_list)
            item.setData(Qt.ItemDataRole.UserRole, panel_id)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable)
            checked = account is not None and panel_id in account.panel_ids
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        # Up to six panels show without scrolling (polished first, so rows are measured with the
        # stylesheet's padding).
        rows = max(min(len(panels), 6), 2)
        self.panel_list.ensurePolished()
        row_height = self.panel_list.sizeHintForRow(0) if panels else self.panel_list.fontMetrics().height() + 6
        self.panel_list.setFixedHeight(row_height * rows + 2 * self.panel_list.frameWidth() + 2)
        self.panel_list.setToolTip("Space ticks or unticks the panel under the cursor")
        self.panels_note = QLabel("They see the cases of the panels ticked here, and no others.", self)
        self.panels_note.setObjectName("mutedText")
        self.panels_note.setWordWrap(True)
        self.panels_error = error_label(self)
        panels_box = QWidget(self)
        panels_column = QVBoxLayout(panels_box)
        panels_column.setContentsMargins(0, 0, 0, 0)
        panels_column.setSpacing(3)
        if panels:
            panels_column.addWidget(self.panel_list)
        else:
            self.panel_list.hide()
            self.panels_note.setText("There are no panels yet; add them first to give people access to cases.")
        panels_column.addWidget(self.panels_note)
        panels_column.addWidget(self.panels_error)
        panels_box.setFocusProxy(self.panel_list)
        form.addRow(_caption("&Panels", self.panel_list, self), panels_box)

        self.password_field: PasswordField | None = None
        self.password_error = error_label(self)
        if adding:
            self.password_field = PasswordField(self)
            form.addRow(_caption("&Temporary password", self.password_field.edit, self),
                        with_error(self.password_field, self.password_error, self))
        layout.addLayout(form)

        self.general_error = error_label(self)
        layout.addWidget(self.general_error)
        self.errors = FieldErrors(self.general_error)
        self.errors.add("username", self.username_error, self.username_edit)
        self.errors.add("display_name", self.name_error, self.name_edit)
        self.errors.add("role", self.role_error, self.role_combo)
        self.errors.add("agency", self.agency_error, self.agency_combo)
        self.errors.add("panels", self.panels_error, self.panel_list)
        if self.password_field is not None:
            self.errors.add("temporary_password", self.password_error, self.password_field.edit)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Add account" if adding else "Save")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.role_combo.currentIndexChanged.connect(self._role_changed)
        if account is not None:
            self.name_edit.setText(account.display_name)
            self.role_combo.setCurrentIndex(self.role_combo.findData(account.role))
            self.agency_combo.setCurrentIndex(max(self.agency_combo.findData(account.agency_id), 0))
        else:
            self.role_combo.setCurrentIndex(self.role_combo.findData(Role.OFFICER))
        self._role_changed()
        (self.username_edit if adding else self.name_edit).setFocus()

    # -- reading the form --------------------------------------------------------------------

    def role(self) -> Role:
        # Qt hands back a StrEnum stored as item data as a plain str.
        return Role(self.role_combo.currentData())

    def panel_ids(self) -> frozenset[int]:
        return frozenset(
            int(item.data(Qt.ItemDataRole.UserRole))
            for item in (self.panel_list.item(n) for n in range(self.panel_list.count()))
            if item.checkState() == Qt.CheckState.Checked
        )

    def set_panel_checked(self, panel_id: int, checked: bool = True) -> None:
        for n in range(self.panel_list.count()):
            item = self.panel_list.item(n)
            if item.data(Qt.ItemDataRole.UserRole) == panel_id:
                item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def error_text(self) -> str:
        return self.errors.text()

    def _role_changed(self, *_args: object) -> None:
        role = self.role()
        self.role_note.setText(role_description(role))
        administrator = role is Role.ADMINISTRATOR
        # Administrators see every panel whatever is ticked; the ticks are kept for if the role changes.
        self.panel_list.setEnabled(not administrator)
        if self.panel_list.count():
            self.panels_note.setText(
                "Administrators see every panel." if administrator
                else "They see the cases of the panels ticked here, and no others."
            )
        if self.isVisible():
            self.adjustSize()  # a longer description may need another line

    def accept(self) -> None:
        self.errors.clear()
        agency_id = self.agency_combo.currentData()
        try:
            if self._account is None:
                assert self.password_field is not None
                self.result_value = self._service.add_account(
                    self.username_edit.text(), self.name_edit.text(), self.role(), agency_id=agency_id,
                    panel_ids=self.panel_ids(), temporary_password=self.password_field.text(),
                )
            else:
                self.result_value = self._service.update_account(
                    self._account.id, display_name=self.name_edit.text(), role=self.role(), agency_id=agency_id,
                    panel_ids=self.panel_ids(),
                )
        except ValidationError as exc:
            self.errors.show(exc.field, str(exc))
            return
        except ServiceError as exc:
            self.errors.show(None, str(exc))
            return
        super().accept()


class ResetPasswordDialog(QDialog):
    """A new temporary password for an account; resetting also unlocks and re-enables it."""

    def __init__(self, service: AccountService, account: AccountRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._account = account
        self.result_value: OpResult[AccountRow] | None = None
        self.setObjectName("resetPasswordDialog")
        self.setWindowTitle(f"Reset the password of {account.username}")
        self.setModal(True)
        self.setMinimumWidth(480)

        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        intro = QLabel(
            f"Give {account.display_name} ({account.username}) a new temporary password. "
            "Their old password stops working at once.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        if not account.is_active or account.locked:
            again = QLabel(
                "This also enables the account again." if not account.is_active else "This also unlocks the account.",
                self,
            )
            again.setWordWrap(True)
            layout.addWidget(again)

        form = _form()
        self.password_field = PasswordField(self)
        self.password_error = error_label(self)
        form.addRow(_caption("&Temporary password", self.password_field.edit, self),
                    with_error(self.password_field, self.password_error, self))
        layout.addLayout(form)
        self.general_error = error_label(self)
        layout.addWidget(self.general_error)
        self.errors = FieldErrors(self.general_error)
        self.errors.add("temporary_password", self.password_error, self.password_field.edit)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Reset password")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.password_field.edit.setFocus()

    def error_text(self) -> str:
        return self.errors.text()

    def accept(self) -> None:
        self.errors.clear()
        try:
            self.result_value = self._service.reset_password(self._account.id, self.password_field.text())
        except ValidationError as exc:
            self.errors.show(exc.field, str(exc))
            return
        except ServiceError as exc:
            self.errors.show(None, str(exc))
            return
        super().accept()
