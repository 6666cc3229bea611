"""Changing the status of one action or of many at once, with one note.

The dialog asks only what the chosen status needs: a reason for On hold and Discontinued, the date
for Completed (today unless changed), and an optional note for the update log. It is built to be
used from the keyboard: it opens with the status already chosen (the key pressed in the list) and
the cursor in the first box that needs typing, and Enter saves.

It does not know the services: ``apply`` is called with the :class:`StatusChoice` and either returns
(the dialog accepts and emits ``status_applied`` with what it returned) or raises a
:class:`~cspdesk.services.errors.ServiceError`, shown under the field it names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.enums import ActionStatus
from cspdesk.domain.rules import ACTION_STATUSES_NEEDING_REASON
from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk_gui.dialogs.forms import FieldErrors, error_label, make_primary, with_error
from cspdesk_gui.signals import emit

#: One key per status, for the lists' keyboard shortcuts and the dialog's menu (letters, so they
#: work without a modifier while a list has the focus).
STATUS_KEYS: dict[ActionStatus, str] = {
    ActionStatus.OPEN: "O",
    ActionStatus.ONGOING: "G",
    ActionStatus.ON_HOLD: "H",
    ActionStatus.COMPLETED: "C",
    ActionStatus.DISCONTINUED: "D",
}


def status_for_key(text: str) -> ActionStatus | None:
    """The status whose key is ``text`` (any case), or None."""
    wanted = text.strip().upper()
    return next((s for s, key in STATUS_KEYS.items() if key == wanted), None) if wanted else None


@dataclass(frozen=True)
class StatusChoice:
    """What the dialog asks for: the new status, its reason or date where it needs one, a note."""

    status: ActionStatus
    reason: str = ""
    completed_on: date | None = None
    note: str = ""


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


class ActionStatusDialog(QDialog):
    """"Change status" for ``subject`` (an action's text, or "3 actions")."""

    #: The change was saved: whatever ``apply`` returned.
    status_applied = Signal(object)

    def __init__(
        self,
        subject: str,
        apply: Callable[[StatusChoice], object],
        *,
        today: date,
        status: ActionStatus | None = None,
        current: ActionStatus | None = None,
        many: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._apply = apply
        self._today = today
        self.result_value: object = None
        self.setObjectName("actionStatusDialog")
        self.setWindowTitle("Change status")
        self.setModal(True)
        self.setMinimumWidth(520)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(10)
        self.heading = QLabel("Change the status of " + subject if many else "Change status", self)
        self.heading.setObjectName("dialogHeading")
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        if not many:
            about = QLabel(subject, self)
            about.setObjectName("mutedText")
            about.setWordWrap(True)
            about.setTextFormat(Qt.TextFormat.PlainText)
            about.setMaximumHeight(about.fontMetrics().lineSpacing() * 3 + 4)
            layout.addWidget(about)
        elif subject:
            hint = QLabel("The same status and note go into each action's update log.", self)
            hint.setObjectName("mutedText")
            hint.setWordWrap(True)
            layout.addWidget(hint)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setVerticalSpacing(8)
        self.status_combo = QComboBox(self)
        self.status_combo.setObjectName("statusChoice")
        self.status_combo.setAccessibleName("New status")
        for s in ActionStatus:
            suffix = "  (now)" if s == current else ""
            self.status_combo.addItem(f"{s.label}{suffix}", s.value)
            self.status_combo.setItemData(
                self.status_combo.count() - 1, f"Key: {STATUS_KEYS[s]}", Qt.ItemDataRole.ToolTipRole
            )
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setObjectName("statusReason")
        self.reason_edit.setAccessibleName("Reason")
        self.reason_edit.setPlaceholderText("Why it is on hold or discontinued (required)")
        self.date_edit = QDateEdit(_qdate(today), self)
        self.date_edit.setObjectName("completedOn")
        self.date_edit.setAccessibleName("Completed on")
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("d MMM yyyy")
        self.date_edit.setMaximumDate(_qdate(today))
        self.note_edit = QLineEdit(self)
        self.note_edit.setObjectName("statusNote")
        self.note_edit.setAccessibleName("Note for the update log")
        self.note_edit.setPlaceholderText("What was done (goes into the update log)")

        labels = {name: error_label(self) for name in ("status", "reason", "completed_on", "note")}
        self._reason_caption = QLabel("&Reason", self)
        self._reason_caption.setBuddy(self.reason_edit)
        self._date_caption = QLabel("Completed &on", self)
        self._date_caption.setBuddy(self.date_edit)
        status_caption = QLabel("&Status", self)
        status_caption.setBuddy(self.status_combo)
        note_caption = QLabel("&Note", self)
        note_caption.setBuddy(self.note_edit)
        form.addRow(status_caption, with_error(self.status_combo, labels["status"], self))
        self._reason_row = with_error(self.reason_edit, labels["reason"], self)
        form.addRow(self._reason_caption, self._reason_row)
        self._date_row = with_error(self.date_edit, labels["completed_on"], self)
        form.addRow(self._date_caption, self._date_row)
        form.addRow(note_caption, with_error(self.note_edit, labels["note"], self))
        layout.addLayout(form)
        general = error_label(self)
        layout.addWidget(general)
        self.errors = FieldErrors(
            {
                "status": (self.status_combo, labels["status"]),
                "reason": (self.reason_edit, labels["reason"]),
                "completed_on": (self.date_edit, labels["completed_on"]),
                "note": (self.note_edit, labels["note"]),
            },
            general,
            aliases={"status_reason": "reason", "completed": "completed_on", "text": "note"},
        )

        self.buttons = QDialogButtonBox(self)
        self.ok_button = self.buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        make_primary(self.ok_button)
        self.ok_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.setTabOrder(self.status_combo, self.reason_edit)
        self.setTabOrder(self.reason_edit, self.date_edit)
        self.setTabOrder(self.date_edit, self.note_edit)
        self.status_combo.currentIndexChanged.connect(self._status_changed)
        first = status if status is not None else (current if current is not None else ActionStatus.ONGOING)
        self.set_status(first)

    # -- the status ------------------------------------------------------------------------

    def status(self) -> ActionStatus:
        return ActionStatus(self.status_combo.currentData())

    def set_status(self, status: ActionStatus) -> None:
        self.status_combo.setCurrentIndex(self.status_combo.findData(status.value))
        self._status_changed()

    def _status_changed(self, *_args: object) -> None:
        status = self.status()
        needs_reason = status in ACTION_STATUSES_NEEDING_REASON
        for widget in (self._reason_caption, self._reason_row):
            widget.setVisible(needs_reason)
        for widget in (self._date_caption, self._date_row):
            widget.setVisible(status == ActionStatus.COMPLETED)
        self.errors.clear()
        self.first_box().setFocus(Qt.FocusReason.OtherFocusReason)
        self.adjustSize()

    def first_box(self) -> QWidget:
        """Where the cursor goes for the chosen status: the reason when one is needed, else the note."""
        return self.reason_edit if self.status() in ACTION_STATUSES_NEEDING_REASON else self.note_edit

    def choice(self) -> StatusChoice:
        status = self.status()
        qd = self.date_edit.date()
        return StatusChoice(
            status=status,
            reason=self.reason_edit.text().strip() if status in ACTION_STATUSES_NEEDING_REASON else "",
            completed_on=date(qd.year(), qd.month(), qd.day()) if status == ActionStatus.COMPLETED else None,
            note=self.note_edit.text().strip(),
        )

    # -- saving ------------------------------------------------------------------------------

    def error_text(self) -> str:
        return self.errors.text()

    def accept(self) -> None:
        choice = self.choice()
        if choice.status in ACTION_STATUSES_NEEDING_REASON and not choice.reason:
            self.errors.show("reason", f"Say why the action is {choice.status.label.lower()}.")
            return
        self.errors.clear()
        try:
            result = self._apply(choice)
        except ValidationError as exc:
            self.errors.show(exc.field, str(exc))
            return
        except ServiceError as exc:
            self.errors.show(None, str(exc))
            return
        self.result_value = result
        emit(self.status_applied, result)
        super().accept()
