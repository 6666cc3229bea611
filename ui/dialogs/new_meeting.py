"""Planning meetings: one-off, or recurring weekly, fortnightly or monthly on a weekday.

Opened with ``open()`` (never ``exec()``); on success ``result_value`` holds the service's
:class:`OpResult` (the new meetings' ids) and the dialog is accepted.
"""

from __future__ import annotations

from datetime import date, datetime, time

from PySide6.QtCore import QDate, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.schedule import Recurrence, describe_monthly, meeting_dates
from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk.services.meetings.meetings import MeetingService
from cspdesk.services.partnership.panels import PanelRow
from cspdesk_gui.dialogs.forms import error_label, make_primary
from cspdesk_gui.formatting import short_date
from cspdesk_gui.widgets.keyboard import make_typeable

#: Shown in the summary before "and N more".
_PREVIEW = 4


class NewMeetingDialog(QDialog):
    def __init__(self, service: MeetingService, panels: list[PanelRow], *, panel_id: int | None = None,
                 first_day: date | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newMeetingDialog")
        self.setWindowTitle("New meeting")
        self._service = service
        self.result_value = None
        layout = QVBoxLayout(self)
        form = QFormLayout()
        layout.addLayout(form)

        self.panel_combo = QComboBox(self)
        for p in panels:
            self.panel_combo.addItem(p.name, p.id)
        if panel_id is not None:
            self.panel_combo.setCurrentIndex(max(0, self.panel_combo.findData(panel_id)))
        form.addRow("&Panel", self.panel_combo)

        day = first_day or date.today()
        self.date_edit = QDateEdit(QDate(day.year, day.month, day.day), self)
        self.date_edit.setDisplayFormat("ddd d MMM yyyy")
        self.date_edit.setCalendarPopup(True)
        form.addRow("&Date", self.date_edit)
        self.time_edit = QTimeEdit(QTime(10, 0), self)
        self.time_edit.setDisplayFormat("HH:mm")
        form.addRow("&Starts at", self.time_edit)

        self.recurrence_combo = QComboBox(self)
        for r in Recurrence:
            self.recurrence_combo.addItem(r.label, r.value)
        form.addRow("&Repeats", self.recurrence_combo)
        self.count_spin = QSpinBox(self)
        self.count_spin.setRange(1, 104)
        self.count_spin.setValue(12)
        self.count_spin.setSuffix(" meetings")
        form.addRow("&How many", self.count_spin)
        self._form = form

        self.venue_edit = QLineEdit(self)
        self.venue_edit.setPlaceholderText("e.g. Swale House, Committee Room 2, or Microsoft Teams")
        form.addRow("&Venue", self.venue_edit)
        self.chair_combo = QComboBox(self)
        self.taker_combo = QComboBox(self)
        form.addRow("&Chair", self.chair_combo)
        form.addRow("&Minute-taker", self.taker_combo)
        for combo in (self.chair_combo, self.taker_combo):
            make_typeable(combo)  # a name typed in part ("szym") chooses the one member it names

        self.summary = QLabel("", self)
        self.summary.setObjectName("mutedText")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.error = error_label(self)
        layout.addWidget(self.error)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Plan")
        make_primary(ok)
        self.buttons.accepted.connect(self.plan)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.panel_combo.currentIndexChanged.connect(self._load_members)
        for signal in (self.date_edit.dateChanged, self.recurrence_combo.currentIndexChanged,
                       self.count_spin.valueChanged):
            signal.connect(self._update_summary)
        self._load_members()
        self._update_summary()
        self.resize(520, self.sizeHint().height())

    def _load_members(self) -> None:
        panel_id = self.panel_combo.currentData()
        for combo in (self.chair_combo, self.taker_combo):
            combo.clear()
            combo.addItem("Not set yet", None)
        if panel_id is None:
            return
        choices = self._service.panel_choices(int(panel_id))
        for m in choices.members:
            for combo in (self.chair_combo, self.taker_combo):
                combo.addItem(f"{m.name} ({m.agency})", m.id)

    def recurrence(self) -> Recurrence:
        return Recurrence(self.recurrence_combo.currentData())

    def _update_summary(self) -> None:
        recurrence = self.recurrence()
        # A one-off has no "How many" (it said "12 meetings" for one).
        self._form.setRowVisible(self.count_spin, recurrence is not Recurrence.ONE_OFF)
        first = self.date_edit.date().toPython()
        count = 1 if recurrence is Recurrence.ONE_OFF else self.count_spin.value()
        days = meeting_dates(first, recurrence, count)
        shown = ", ".join(short_date(d) for d in days[:_PREVIEW])
        more = f" and {len(days) - _PREVIEW} more" if len(days) > _PREVIEW else ""
        how = {
            Recurrence.ONE_OFF: "One meeting",
            Recurrence.WEEKLY: "Every week",
            Recurrence.FORTNIGHTLY: "Every other week",
            Recurrence.MONTHLY: f"On {describe_monthly(first)}",
        }[recurrence]
        self.summary.setText(f"{how}: {shown}{more}.")

    def plan(self) -> None:
        panel_id = self.panel_combo.currentData()
        if panel_id is None:
            self._show_error("Choose a panel.")
            return
        starts = datetime.combine(self.date_edit.date().toPython(), time(self.time_edit.time().hour(),
                                                                          self.time_edit.time().minute()))
        try:
            self.result_value = self._service.plan_meetings(
                int(panel_id), starts, recurrence=self.recurrence(),
                count=1 if self.recurrence() is Recurrence.ONE_OFF else self.count_spin.value(),
                venue=self.venue_edit.text(), chair_member_id=self.chair_combo.currentData(),
                minute_taker_member_id=self.taker_combo.currentData(),
            )
        except ValidationError as exc:
            self._show_error(str(exc))
            return
        except ServiceError as exc:
            self._show_error(str(exc))
            return
        self.accept()

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
