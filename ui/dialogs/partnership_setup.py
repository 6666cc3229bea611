"""Setting up a partnership: its name and protective marking.

:class:`PartnershipSetupDialog` names the partnership of an open database that has none yet
(:meth:`PartnershipService.set_up`); a new database is set up by the first-run wizard
(ui/dialogs/first_run_wizard.py). Each error is shown under the field the service names.
"""

from __future__ import annotations

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
from cspdesk.domain.marking import DEFAULT_MARKING, MARKINGS
from cspdesk.services.partnership.partnership import PartnershipInfo, PartnershipService
from cspdesk_gui.dialogs.forms import FieldErrors, error_label, with_error

#: The markings people choose from; any other text may be typed.

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
        # No maxLength: it would cut a pasted name silently; the service refuses one over 200
        # characters with a message.
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
