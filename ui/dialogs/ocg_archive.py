"""Archiving an organised crime group: why, who approved it, and when (today unless changed).

Like the status dialog it does not know the services: ``apply(reason, approved_by, on)`` either
returns (the dialog accepts and emits ``archived`` with what it returned) or raises a
ServiceError, shown under the field it names.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate, QLocale, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk_gui.dialogs.forms import FieldErrors, error_label, make_primary, with_error
from cspdesk_gui.signals import emit

_UK = QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)


class OcgArchiveDialog(QDialog):
    #: The group was archived: whatever ``apply`` returned.
    archived = Signal(object)

    def __init__(
        self,
        group: str,
        apply: Callable[[str, str, date], object],
        *,
        today: date,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._apply = apply
        self.result_value: object = None
        self.setObjectName("ocgArchiveDialog")
        self.setWindowTitle("Archive an organised crime group")
        self.setModal(True)
        self.setMinimumWidth(520)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(10)
        heading = QLabel(f"Archive {group}", self)
        heading.setObjectName("dialogHeading")
        heading.setWordWrap(True)
        layout.addWidget(heading)
        intro = QLabel(
            "An archived group leaves the active list and is counted as archived in this period's "
            "return. Its 4P plan and history are kept.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.reason_edit = QPlainTextEdit(self)
        self.reason_edit.setObjectName("archiveReason")
        self.reason_edit.setAccessibleName("Reason for archiving")
        self.reason_edit.setPlaceholderText("e.g. Principal nominals convicted and imprisoned; no further intelligence")
        self.reason_edit.setTabChangesFocus(True)
        self.reason_edit.setFixedHeight(self.reason_edit.fontMetrics().lineSpacing() * 4 + 14)
        self.approved_edit = QLineEdit(self)
        self.approved_edit.setObjectName("archiveApprovedBy")
        self.approved_edit.setAccessibleName("Approved by")
        self.approved_edit.setPlaceholderText("Name and role, e.g. DCI Amy Clarke, SOCP chair")
        self.date_edit = QDateEdit(QDate(today.year, today.month, today.day), self)
        self.date_edit.setObjectName("archivedOn")
        self.date_edit.setLocale(_UK)
        self.date_edit.setDisplayFormat("d MMM yyyy")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setMaximumDate(QDate(today.year, today.month, today.day))
        labels = {name: error_label(self) for name in ("reason", "approved_by", "archived_on")}
        for caption, widget, name in (
            ("&Reason", self.reason_edit, "reason"),
            ("&Approved by", self.approved_edit, "approved_by"),
            ("Archived &on", self.date_edit, "archived_on"),
        ):
            label = QLabel(caption, self)
            label.setBuddy(widget)
            form.addRow(label, with_error(widget, labels[name], self))
        layout.addLayout(form)
        general = error_label(self)
        layout.addWidget(general)
        self.errors = FieldErrors(
            {
                "reason": (self.reason_edit, labels["reason"]),
                "approved_by": (self.approved_edit, labels["approved_by"]),
                "archived_on": (self.date_edit, labels["archived_on"]),
            },
            general,
        )
        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton("Archive", QDialogButtonBox.ButtonRole.AcceptRole)
        make_primary(self.ok_button)
        self.ok_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.reason_edit.setFocus()

    def error_text(self) -> str:
        return self.errors.text()

    def accept(self) -> None:
        reason = self.reason_edit.toPlainText().strip()
        approved = self.approved_edit.text().strip()
        if not reason:
            self.errors.show("reason", "Say why the group is being archived.")
            return
        if not approved:
            self.errors.show("approved_by", "Say who approved archiving the group.")
            return
        qd = self.date_edit.date()
        try:
            result = self._apply(reason, approved, date(qd.year(), qd.month(), qd.day()))
        except ValidationError as exc:
            self.errors.show(exc.field, str(exc))
            return
        except ServiceError as exc:
            self.errors.show(None, str(exc))
            return
        self.result_value = result
        emit(self.archived, result)
        super().accept()
