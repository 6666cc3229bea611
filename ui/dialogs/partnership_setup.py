"""Setting up a partnership: its name and protective marking.

Two forms of one dialog:

* :class:`PartnershipSetupDialog` names the partnership of an open database that has none yet
  (:meth:`PartnershipService.set_up`).
* :class:`DatabaseSetupDialog` is the first run: it also asks for the first administrator's name,
  user name and password, and creates the database with :func:`create_database` (on a worker
  thread: wrapping the key costs argon2 time). Its ``created`` holds the :class:`CreatedDatabase`.

Each error is shown under the field the service names.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from cspdesk.services.context import OpResult, ServiceContext
from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk.services.partnership import DEFAULT_MARKING, PartnershipInfo, PartnershipService
from ui.background import run_in_background
from ui.dialogs.forms import DIALOG_STYLE, FieldErrors, error_label, line_edit, make_primary, with_error
from ui.signals import emit

#: The markings people choose from; any other text may be typed.
MARKINGS = ("OFFICIAL-SENSITIVE", "OFFICIAL")

_FIELD_NAMES = {"name": "Name", "protective_marking": "Protective marking"}


class PartnershipSetupDialog(QDialog):
    """On OK calls :meth:`PartnershipService.set_up`; stays open and names the field when the
    service refuses. ``result_value`` holds the :class:`OpResult` once accepted."""

    def __init__(self, ctx: ServiceContext | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = PartnershipService(ctx) if ctx is not None else None
        self.result_value: OpResult[PartnershipInfo] | None = None
        self.setWindowTitle("Set up a partnership")
        self.setModal(True)
        self.setMinimumWidth(480)
        self.setStyleSheet(DIALOG_STYLE)

        self.main_layout = QVBoxLayout(self)
        self.main_layout.setContentsMargins(24, 20, 24, 16)
        self.main_layout.setSpacing(10)
        self.heading = QLabel("Set up a partnership", self)
        self.heading.setObjectName("dialogHeading")
        self.main_layout.addWidget(self.heading)
        self.intro = QLabel(
            "Name the Community Safety Partnership this database belongs to. The protective marking "
            "is printed at the top and bottom of every page CSPDesk prints.",
            self,
        )
        self.intro.setWordWrap(True)
        self.main_layout.addWidget(self.intro)

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.form.setVerticalSpacing(8)
        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("partnershipName")
        self.name_edit.setAccessibleName("Partnership name")
        self.name_edit.setPlaceholderText("e.g. Maidstone Community Safety Partnership")
        self.name_edit.setMaxLength(200)
        self.name_error = error_label(self)
        name_label = QLabel("&Name", self)
        name_label.setBuddy(self.name_edit)
        self.form.addRow(name_label, with_error(self.name_edit, self.name_error, self))

        self.marking_combo = QComboBox(self)
        self.marking_combo.setObjectName("protectiveMarking")
        self.marking_combo.setAccessibleName("Protective marking")
        self.marking_combo.setEditable(True)
        self.marking_combo.addItems(MARKINGS)
        self.marking_combo.setCurrentText(DEFAULT_MARKING)
        self.marking_error = error_label(self)
        marking_label = QLabel("Protective &marking", self)
        marking_label.setBuddy(self.marking_combo)
        self.form.addRow(marking_label, with_error(self.marking_combo, self.marking_error, self))
        self.main_layout.addLayout(self.form)

        self.general_error = error_label(self)
        self.main_layout.addWidget(self.general_error)
        self.errors = FieldErrors(
            {
                "name": (self.name_edit, self.name_error),
                "protective_marking": (self.marking_combo, self.marking_error),
            },
            self.general_error,
        )

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Set up")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.main_layout.addWidget(self.buttons)
        self.name_edit.setFocus()

    def _show_error(self, field: str | None, message: str) -> None:
        if field in _FIELD_NAMES and not message.startswith(_FIELD_NAMES[field]):
            message = f"{_FIELD_NAMES[field]}: {message}"
        self.errors.show(field, message)

    def error_text(self) -> str:
        """The message shown now (empty when none), for tests and screen readers."""
        return self.errors.text()

    def accept(self) -> None:
        assert self._service is not None
        try:
            self.result_value = self._service.set_up(self.name_edit.text(), self.marking_combo.currentText())
        except ValidationError as exc:
            self._show_error(exc.field, str(exc))
            return
        except ServiceError as exc:
            self._show_error(None, str(exc))
            return
        super().accept()


class DatabaseSetupDialog(PartnershipSetupDialog):
    """First run: the partnership, and its first administrator, in a new database ``db``.

    ``created`` holds the :class:`CreatedDatabase` (its context signed in as that administrator,
    and the recovery key to show once) after the dialog is accepted.
    """

    #: The database was created: the :class:`CreatedDatabase`.
    database_created = Signal(object)

    def __init__(self, db: str | Path | None, parent: QWidget | None = None) -> None:
        super().__init__(None, parent)
        self.db = db
        self.created = None
        self._busy = False
        self.setWindowTitle("Set up a partnership")
        self.setMinimumWidth(540)
        self.intro.setText(
            "Name the Community Safety Partnership this database belongs to, and create the first "
            "administrator's account — yours. The protective marking is printed at the top and "
            "bottom of every page CSPDesk prints."
        )

        rule = QFrame(self)
        rule.setFrameShape(QFrame.Shape.HLine)
        rule.setObjectName("formRule")
        self.form.addRow(rule)
        caption = QLabel("The first administrator", self)
        caption.setObjectName("sectionCaption")
        self.form.addRow(caption)

        self.admin_name_edit = line_edit(self, "adminName", "Administrator's full name")
        self.admin_name_edit.setPlaceholderText("e.g. Priya Shah")
        self.admin_name_edit.setMaxLength(200)
        self.username_edit = line_edit(self, "adminUsername", "User name")
        self.username_edit.setPlaceholderText("e.g. priya.shah")
        self.username_edit.setMaxLength(80)
        self.password_edit = line_edit(self, "password", "Password", password=True)
        self.password_edit.setPlaceholderText("At least 10 characters")
        self.confirm_edit = line_edit(self, "confirmPassword", "Confirm password", password=True)
        labels = {name: error_label(self) for name in ("admin_name", "admin_username", "password", "confirm")}
        for caption_text, edit, name in (
            ("&Full name", self.admin_name_edit, "admin_name"),
            ("&User name", self.username_edit, "admin_username"),
            ("&Password", self.password_edit, "password"),
            ("&Confirm password", self.confirm_edit, "confirm"),
        ):
            label = QLabel(caption_text, self)
            label.setBuddy(edit)
            self.form.addRow(label, with_error(edit, labels[name], self))
        self.errors = FieldErrors(
            {
                "name": (self.name_edit, self.name_error),
                "protective_marking": (self.marking_combo, self.marking_error),
                "admin_name": (self.admin_name_edit, labels["admin_name"]),
                "admin_username": (self.username_edit, labels["admin_username"]),
                "password": (self.password_edit, labels["password"]),
                "confirm": (self.confirm_edit, labels["confirm"]),
            },
            self.general_error,
            aliases={"username": "admin_username", "display_name": "admin_name"},
        )
        self.ok_button.setText("Create database")
        make_primary(self.ok_button)
        self.name_edit.setFocus()

    def is_busy(self) -> bool:
        return self._busy

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (self.name_edit, self.marking_combo, self.admin_name_edit, self.username_edit,
                       self.password_edit, self.confirm_edit, self.ok_button):
            widget.setEnabled(not busy)
        self.ok_button.setText("Creating…" if busy else "Create database")

    def accept(self) -> None:
        """Create the database on a worker thread; the dialog closes only when that succeeds."""
        if self._busy:
            return
        name = self.name_edit.text().strip()
        if not name:
            self._show_error("name", "Give the partnership's name.")
            return
        if self.password_edit.text() != self.confirm_edit.text():
            self._show_error("confirm", "The two passwords are not the same.")
            return
        self.errors.clear()
        self._set_busy(True)
        db = self.db
        values = {
            "admin_username": self.username_edit.text(),
            "admin_name": self.admin_name_edit.text(),
            "password": self.password_edit.text(),
            "partnership_name": name,
            "protective_marking": self.marking_combo.currentText().strip(),
        }

        def call():  # noqa: ANN202 - CreatedDatabase
            from cspdesk.services.auth import create_database

            return create_database(db, **values)

        dialog = self

        def succeeded(created: object) -> None:
            if not isValid(dialog) or not dialog._busy:  # closed meanwhile
                from cspdesk.services.workspace import close_workspace

                close_workspace(created.ctx)  # type: ignore[attr-defined]
                return
            dialog._set_busy(False)
            dialog.created = created
            dialog.password_edit.clear()
            dialog.confirm_edit.clear()
            emit(dialog.database_created, created)
            QDialog.accept(dialog)

        def failed(exc: BaseException) -> None:
            if not isValid(dialog):
                return
            dialog._set_busy(False)
            if isinstance(exc, ValidationError):
                dialog._show_error(exc.field, str(exc))
            elif isinstance(exc, ServiceError):
                dialog._show_error(None, str(exc))
            else:
                dialog._show_error(None, f"The database could not be created ({type(exc).__name__}).")

        run_in_background(call, succeeded, failed)

    def reject(self) -> None:
        self._busy = False
        super().reject()
