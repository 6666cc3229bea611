"""Daily triage (issue 19, part C): a MARAC panel's triage meeting of a day and, for each referral,
one key per outcome — **M** To MARAC, **S** single-agency response, **N** no further action —
with the minute typed first (the service refuses an outcome without one).

Keyboard path: choose the panel and day (Alt+P, Alt+D), Enter or Alt+O opens the day's triage (made
if there is none); the list has the focus; type the minute (Alt+I), press Enter to go back to the
list, then M, S or N records the selected referral's outcome and moves to the next one undecided.
Save record… (Ctrl+P) writes the marked PDF. Opened from View → Daily triage… (Ctrl+Shift+T).
Every call goes to :class:`~cspdesk.services.meetings.triage.TriageService` on the database thread.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.enums import PanelType
from cspdesk.domain.triage import TRIAGE_KEYS, TriageOutcome
from cspdesk.services.context import ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk.services.meetings.triage import TriageDetail, TriageEntry, TriageService
from cspdesk.services.partnership.panels import PanelService
from cspdesk_gui.dialogs.footer import add_footer
from cspdesk_gui.models.triage import RecordTableModel, record_table_view
from cspdesk_gui.operations import OnDatabaseThread
from cspdesk_gui.signals import emit
from cspdesk_gui.windows import bring_to_front, fit_to_screen

OPEN_TRIAGE_KEYS = "Ctrl+Shift+T"

_COLUMNS = (
    ("Reference", lambda e: e.reference),
    ("Subject", lambda e: e.subject),
    ("Received", lambda e: f"{e.referral_date:%d %b %Y}"),
    ("Referred by", lambda e: e.referring_agency or "—"),
    ("Risk", lambda e: e.risk_level or "—"),
    ("Outcome", lambda e: (e.outcome.label + (f" (listed {e.listed_on})" if e.listed_on else ""))
     if e.outcome else "—"),
    ("Minute", lambda e: e.minute),
)


class TriageDialog(QDialog):
    #: A write changed something (the main window refreshes what shows it): the OpChanges.
    changes_made = Signal(object)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None, *, day: date | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("triageDialog")
        self.setWindowTitle("Daily triage")
        self.setModal(False)
        self.service = OnDatabaseThread(TriageService(ctx))
        self.detail: TriageDetail | None = None
        fit_to_screen(self, 1100, 620)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.panel_combo = QComboBox(self)
        self.panel_combo.setObjectName("triagePanel")
        self.panel_combo.setAccessibleName("MARAC panel")
        for panel in OnDatabaseThread(PanelService(ctx)).list_panels():
            if panel.panel_type is PanelType.MARAC:
                self.panel_combo.addItem(panel.name, panel.id)
        self.day_edit = QDateEdit(self)
        self.day_edit.setObjectName("triageDay")
        self.day_edit.setAccessibleName("Day of the triage meeting")
        self.day_edit.setCalendarPopup(True)
        self.day_edit.setDisplayFormat("ddd d MMM yyyy")
        self.day_edit.setDate(QDate(day or ctx.today()))
        self.open_button = QPushButton("&Open the day's triage", self)
        self.open_button.setObjectName("triageOpen")
        self.open_button.clicked.connect(self.open_day)
        for caption, widget in (("&Panel", self.panel_combo), ("&Day", self.day_edit)):
            label = QLabel(caption, self)
            label.setBuddy(widget)
            top.addWidget(label)
            top.addWidget(widget)
        top.addWidget(self.open_button)
        top.addStretch(1)
        layout.addLayout(top)
        self.window_label = QLabel("", self)
        self.window_label.setObjectName("mutedText")
        self.window_label.setWordWrap(True)
        layout.addWidget(self.window_label)

        self.model = RecordTableModel(_COLUMNS, self)
        self.table = record_table_view(self, self.model, "triageTable", "Referrals to triage")
        layout.addWidget(self.table, 1)

        minute_row = QHBoxLayout()
        caption = QLabel("M&inute", self)
        self.minute_edit = QLineEdit(self)
        self.minute_edit.setObjectName("triageMinute")
        self.minute_edit.setAccessibleName("Minute: the reason for the outcome")
        self.minute_edit.setPlaceholderText("The reason, e.g. DASH 15, visible high risk — then Enter and M, S or N")
        self.minute_edit.returnPressed.connect(self.table.setFocus)
        caption.setBuddy(self.minute_edit)
        minute_row.addWidget(caption)
        minute_row.addWidget(self.minute_edit, 1)
        layout.addLayout(minute_row)

        buttons = QHBoxLayout()
        self.outcome_buttons: dict[TriageOutcome, QPushButton] = {}
        for outcome in TriageOutcome:
            button = QPushButton(f"{outcome.label} ({TRIAGE_KEYS[outcome]})", self)
            button.setObjectName(f"triage_{outcome.value}")
            button.clicked.connect(lambda _c=False, o=outcome: self.decide(o))
            buttons.addWidget(button)
            self.outcome_buttons[outcome] = button
            # The key works while the list has the focus (typing the minute never triggers it).
            key = QShortcut(QKeySequence(TRIAGE_KEYS[outcome]), self.table)
            key.setContext(Qt.ShortcutContext.WidgetShortcut)
            key.activated.connect(lambda o=outcome: self.decide(o))
        buttons.addStretch(1)
        self.save_button = QPushButton("&Save record…", self)
        self.save_button.setObjectName("triageSave")
        self.save_button.setShortcut(QKeySequence("Ctrl+P"))
        self.save_button.clicked.connect(self.save_record)
        buttons.addWidget(self.save_button)
        self.error, self.status = add_footer(self, layout, buttons)
        self._enable()

    # -- actions -----------------------------------------------------------------------------------

    def open_day(self) -> None:
        panel_id = self.panel_combo.currentData()
        if panel_id is None:
            self._fail("There is no MARAC panel of yours to triage for.")
            return
        day = self.day_edit.date().toPython()
        try:
            detail = self.service.for_day(panel_id, day)
            if detail is None:
                result = self.service.create(panel_id, day)
                emit(self.changes_made, result.changes)
                detail = result.value
        except ServiceError as exc:
            self._fail(str(exc))
            return
        self.show_detail(detail)
        self.table.setFocus()

    def show_detail(self, detail: TriageDetail) -> None:
        self.detail = detail
        self.model.set_rows(detail.entries)
        self.window_label.setText(f"{detail.panel}, {detail.held_on:%A %d %B %Y}: referrals {detail.window.label}, "
                                  "not yet triaged, and any left undecided at an earlier triage.")
        self._select_next_undecided(0)
        self._enable()
        self._count()

    def selected_entry(self) -> TriageEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.record(rows[0].row()) if rows else None

    def decide(self, outcome: TriageOutcome) -> None:
        entry = self.selected_entry()
        if entry is None or self.detail is None:
            self._fail("Choose a referral in the list first.")
            return
        if entry.decided:
            self._fail(f"{entry.reference} is already triaged ({entry.outcome.label}).")
            return
        if not self.minute_edit.text().strip():
            self._fail("Type the minute (the reason) first, then press Enter and the outcome's key.")
            self.minute_edit.setFocus()
            return
        try:
            result = self.service.decide(entry.id, outcome, self.minute_edit.text())
        except ServiceError as exc:
            self._fail(str(exc))
            return
        emit(self.changes_made, result.changes)
        self.error.hide()
        self.minute_edit.clear()
        row = self.table.selectionModel().selectedRows()[0].row()
        self.show_detail(self.service.get(self.detail.id))
        self._select_next_undecided(row)
        self.table.setFocus()

    def save_record(self) -> None:
        if self.detail is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save the triage record",
                                              f"triage-{self.detail.held_on:%Y-%m-%d}.pdf", "PDF (*.pdf)")
        if path:
            self.write_record(path)

    def write_record(self, path: str) -> None:
        from pathlib import Path

        assert self.detail is not None
        try:
            self.service.write_pdf(self.detail.id, Path(path))
        except (ServiceError, OSError) as exc:
            self._fail(str(exc) if isinstance(exc, ServiceError) else "The file could not be written there.")
            return
        self.status.setText(f"Triage record saved to {path}.")

    # -- inside ------------------------------------------------------------------------------------

    def _select_next_undecided(self, start: int) -> None:
        rows = self.model.rowCount()
        order = list(range(start, rows)) + list(range(0, start))
        target = next((r for r in order if not self.model.record(r).decided), start if rows else None)
        if target is not None and rows:
            self.table.selectRow(min(target, rows - 1))

    def _count(self) -> None:
        if self.detail is None:
            return
        undecided = sum(not e.decided for e in self.detail.entries)
        self.status.setText(f"{len(self.detail.entries)} referral(s); {undecided} not yet decided.")

    def _enable(self) -> None:
        has = self.detail is not None and bool(self.detail.entries)
        for button in self.outcome_buttons.values():
            button.setEnabled(has)
        self.save_button.setEnabled(self.detail is not None)

    def _fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


def open_triage(parent: QWidget, ctx: ServiceContext) -> TriageDialog:
    dialog = TriageDialog(ctx, parent)
    if hasattr(parent, "apply_changes"):
        dialog.changes_made.connect(parent.apply_changes)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    bring_to_front(dialog)
    return dialog
