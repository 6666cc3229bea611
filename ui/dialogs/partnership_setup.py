"""Set up a partnership in an empty database: its name and protective marking."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from cspdesk.services.context import OpResult, ServiceContext
from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk.services.partnership import DEFAULT_MARKING, PartnershipInfo, PartnershipService

#: The markings people choose from; any other text may be typed.
MARKINGS = ("OFFICIAL-SENSITIVE", "OFFICIAL")

_FIELD_NAMES = {"name": "Name", "protective_marking": "Protective marking"}


class PartnershipSetupDialog(QDialog):
    """On OK calls :meth:`PartnershipService.set_up`; stays open and names the field when the
    service refuses. ``result_value`` holds the :class:`OpResult` once accepted."""

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = PartnershipService(ctx)
        self.result_value: OpResult[PartnershipInfo] | None = None
        self.setWindowTitle("Set up a partnership")
        self.setModal(True)
        self.setMinimumWidth(480)

        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        intro = QLabel(
            "Name the Community Safety Partnership this database belongs to. The protective marking "
            "is printed at the top and bottom of every page CSPDesk prints.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("partnershipName")
        self.name_edit.setPlaceholderText("e.g. Maidstone Community Safety Partnership")
        self.name_edit.setMaxLength(200)
        self.name_error = self._error_label()
        form.addRow("&Name", self._with_error(self.name_edit, self.name_error))

        self.marking_combo = QComboBox(self)
        self.marking_combo.setObjectName("protectiveMarking")
        self.marking_combo.setEditable(True)
        self.marking_combo.addItems(MARKINGS)
        self.marking_combo.setCurrentText(DEFAULT_MARKING)
        self.marking_error = self._error_label()
        marking_label = QLabel("Protective &marking", self)
        marking_label.setBuddy(self.marking_combo)
        form.addRow(marking_label, self._with_error(self.marking_combo, self.marking_error))
        layout.addLayout(form)

        self.general_error = self._error_label()
        layout.addWidget(self.general_error)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Set up")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.name_edit.setFocus()

    def _with_error(self, field: QWidget, error: QLabel) -> QWidget:
        """The field with its error message right under it."""
        box = QWidget(self)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        column.addWidget(field)
        column.addWidget(error)
        return box

    def _error_label(self) -> QLabel:
        label = QLabel("", self)
        label.setObjectName("fieldError")
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.hide()
        return label

    def _show_error(self, field: str | None, message: str) -> None:
        for label in (self.name_error, self.marking_error, self.general_error):
            label.hide()
        if field == "name":
            self.name_error.setText(f"{_FIELD_NAMES['name']}: {message}")
            self.name_error.show()
            self.name_edit.setFocus()
            self.name_edit.selectAll()
        elif field == "protective_marking":
            self.marking_error.setText(f"{_FIELD_NAMES['protective_marking']}: {message}")
            self.marking_error.show()
            self.marking_combo.setFocus()
        else:
            self.general_error.setText(message)
            self.general_error.show()
        self.adjustSize()

    def error_text(self) -> str:
        """The message shown now (empty when none), for tests and screen readers."""
        for label in (self.name_error, self.marking_error, self.general_error):
            if not label.isHidden():
                return label.text()
        return ""

    def accept(self) -> None:
        try:
            self.result_value = self._service.set_up(self.name_edit.text(), self.marking_combo.currentText())
        except ValidationError as exc:
            self._show_error(exc.field, str(exc))
            return
        except ServiceError as exc:
            self._show_error(None, str(exc))
            return
        super().accept()
