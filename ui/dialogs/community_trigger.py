"""ASB case reviews — the Community Trigger (issue 19, part C): a Community MARAC / CSVG panel's
applications, each one's timescales (due, overdue, done), the threshold test's answer, and the steps:
acknowledge, decide the threshold, record the review and its recommendations, the response letter;
and the year's published figures.

Opened from View → ASB case reviews… (Ctrl+Shift+R). Every call goes to
:class:`~cspdesk.services.referrals.community_trigger.CommunityTriggerService` on the database thread.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.community_trigger import SETTING_RANGES, StepState, TriggerSettings
from cspdesk.domain.enums import MeetingStatus, PanelType
from cspdesk.services.context import Permission, ServiceContext
from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk.services.meetings.meetings import MeetingService
from cspdesk.services.partnership.panels import PanelService
from cspdesk.services.referrals.community_trigger import (
    ApplicationDraft,
    CommunityTriggerService,
    IncidentInput,
    TriggerDetail,
)
from cspdesk_gui.dialogs.footer import add_footer
from cspdesk_gui.dialogs.forms import error_label
from cspdesk_gui.models.triage import RecordTableModel, record_table_view
from cspdesk_gui.operations import OnDatabaseThread
from cspdesk_gui.signals import emit
from cspdesk_gui.windows import bring_to_front, fit_to_screen

_COLUMNS = (
    ("Reference", lambda r: r.reference),
    ("Received", lambda r: f"{r.received_on:%d %b %Y}"),
    ("Applicant", lambda r: r.applicant_name),
    ("Stage", lambda r: r.stage),
    ("Next step", lambda r: r.next_step),
)


def _date_edit(parent: QWidget, name: str, accessible: str, day: date) -> QDateEdit:
    edit = QDateEdit(parent)
    edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("d MMM yyyy")
    edit.setDate(QDate(day))
    return edit


def parse_lines(text: str, agencies: dict[str, int]) -> list[tuple[int | None, str]]:
    """Lines of "CODE: text" (an agency's short code or name, then the text) or plain text."""
    out: list[tuple[int | None, str]] = []
    for n, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        head, sep, rest = line.partition(":")
        agency = agencies.get(head.strip().casefold()) if sep else None
        out.append((agency, rest.strip()) if agency is not None else (None, line))
        if not out[-1][1]:
            raise ValidationError(f"line {n}", f"Line {n} has no text after the agency.")
    return out


def parse_incidents(text: str, agencies: dict[str, int]) -> tuple[IncidentInput, ...]:
    """Lines of "date; agency; who complained (blank: the applicant); what happened"."""
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(";")] + ["", "", ""]
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", parts[0])
        try:
            day = date(int(m.group(3)), int(m.group(2)), int(m.group(1))) if m else date.fromisoformat(parts[0])
        except ValueError:
            raise ValidationError(f"incident {n}", f"Incident {n}: give its date as 31/10/2026.") from None
        agency = agencies.get(parts[1].casefold()) if parts[1] else None
        if parts[1] and agency is None:
            raise ValidationError(f"incident {n}", f"Incident {n}: there is no agency called “{parts[1]}”.")
        out.append(IncidentInput(day, agency, complainant=parts[2], description=parts[3]))
    return tuple(out)


class _StepForm(QDialog):
    """A small form: its fields, an error line, Save and Cancel. Save calls :meth:`submit`; on
    success ``result_value`` holds its OpResult and the form is accepted (opened with ``open()``)."""

    result_value = None

    def _finish(self, form: QFormLayout, rows) -> None:  # noqa: ANN001 - ((caption, widget), …)
        for caption, widget in rows:
            form.addRow(caption, widget)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        self.error = error_label(self)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())

    def submit(self) -> object:
        """The service call; its OpResult."""
        raise NotImplementedError

    def save(self) -> None:
        try:
            self.result_value = self.submit()
        except ServiceError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.accept()


class ApplicationDialog(_StepForm):
    """A new application: the applicant, the date received and the incidents reported."""

    def __init__(self, service, panel_id: int, agencies: dict[str, int], today: date,  # noqa: ANN001
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("triggerApplicationDialog")
        self.setWindowTitle("New ASB case review application")
        self._service, self._panel_id, self._agencies = service, panel_id, agencies
        form = QFormLayout()
        self.name_edit = QLineEdit(self)
        self.name_edit.setAccessibleName("Applicant's name")
        self.address_edit = QPlainTextEdit(self)
        self.address_edit.setAccessibleName("Applicant's address")
        self.address_edit.setTabChangesFocus(True)
        self.address_edit.setFixedHeight(60)
        self.victim_check = QCheckBox("The applicant is the &victim", self)
        self.victim_check.setChecked(True)
        self.behalf_edit = QLineEdit(self)
        self.behalf_edit.setAccessibleName("On behalf of")
        self.received_edit = _date_edit(self, "triggerReceived", "Date received", today)
        self.incidents_edit = QPlainTextEdit(self)
        self.incidents_edit.setAccessibleName("Incidents reported")
        self.incidents_edit.setTabChangesFocus(True)
        self.incidents_edit.setPlaceholderText("One a line: date; agency (short code); who complained (blank: the "
                                               "applicant); what happened\ne.g. 30/10/2026; POL; ; Stones thrown")
        self._finish(form, (("&Applicant", self.name_edit), ("A&ddress", self.address_edit),
                            ("", self.victim_check), ("On &behalf of", self.behalf_edit),
                            ("&Received", self.received_edit), ("&Incidents", self.incidents_edit)))

    def submit(self):  # noqa: ANN201 - OpResult[TriggerDetail]
        draft = ApplicationDraft(
            panel_id=self._panel_id, received_on=self.received_edit.date().toPython(),
            applicant_name=self.name_edit.text(), applicant_address=self.address_edit.toPlainText(),
            applicant_is_victim=self.victim_check.isChecked(), on_behalf_of=self.behalf_edit.text(),
            incidents=parse_incidents(self.incidents_edit.toPlainText(), self._agencies))
        return self._service.apply(draft)


class ReviewDialog(_StepForm):
    """The review held: its date, notes and recommendations ("CODE: text", one a line)."""

    def __init__(self, service, trigger_id: int, agencies: dict[str, int], today: date,  # noqa: ANN001
                 parent: QWidget | None = None, *, meetings: Sequence[tuple[int, str]] = ()) -> None:
        super().__init__(parent)
        self.setObjectName("triggerReviewDialog")
        self.setWindowTitle("Record the case review")
        self._service, self._id, self._agencies = service, trigger_id, agencies
        form = QFormLayout()
        self.day_edit = _date_edit(self, "triggerReviewDay", "Review held on", today)
        self.meeting_combo = QComboBox(self)
        self.meeting_combo.setObjectName("triggerReviewMeeting")
        self.meeting_combo.setAccessibleName("Held at the panel's meeting")
        self.meeting_combo.addItem("Not at a panel meeting", None)
        for meeting_id, words in meetings:
            self.meeting_combo.addItem(words, meeting_id)
        self.notes_edit = QPlainTextEdit(self)
        self.notes_edit.setAccessibleName("Review notes")
        self.notes_edit.setTabChangesFocus(True)
        self.recs_edit = QPlainTextEdit(self)
        self.recs_edit.setAccessibleName("Recommendations")
        self.recs_edit.setTabChangesFocus(True)
        self.recs_edit.setPlaceholderText("One a line, the agency's short code first: POL: Increase patrols")
        self._finish(form, (("&Held on", self.day_edit), ("At the &meeting", self.meeting_combo),
                            ("&Notes", self.notes_edit), ("&Recommendations", self.recs_edit)))

    def submit(self):  # noqa: ANN201 - OpResult[TriggerDetail]
        return self._service.record_review(
            self._id, self.day_edit.date().toPython(), notes=self.notes_edit.toPlainText(),
            meeting_id=self.meeting_combo.currentData(),
            recommendations=parse_lines(self.recs_edit.toPlainText(), self._agencies))


class TriggerSettingsDialog(_StepForm):
    """The partnership's threshold test and timescales (administrators): whole numbers, and the
    bank holidays the working days skip (one date a line)."""

    def __init__(self, service, parent: QWidget | None = None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self.setObjectName("triggerSettingsDialog")
        self.setWindowTitle("ASB case review settings")
        self._service = service
        current = service.settings()
        form = QFormLayout()
        self.spins: dict[str, QSpinBox] = {}
        rows = []
        for name, (low, high, words) in SETTING_RANGES.items():
            spin = QSpinBox(self)
            spin.setObjectName(f"trigger_{name}")
            spin.setAccessibleName(words)
            spin.setRange(low, high)
            spin.setValue(getattr(current, name))
            self.spins[name] = spin
            rows.append((words, spin))
        self.holidays_edit = QPlainTextEdit(self)
        self.holidays_edit.setAccessibleName("Bank holidays")
        self.holidays_edit.setTabChangesFocus(True)
        self.holidays_edit.setPlaceholderText("One a line: 25/12/2026")
        self.holidays_edit.setPlainText("\n".join(f"{d:%d/%m/%Y}" for d in current.bank_holidays))
        rows.append(("&Bank holidays", self.holidays_edit))
        self._finish(form, rows)

    def submit(self) -> object:
        days = tuple(i.occurred_on for i in parse_incidents(self.holidays_edit.toPlainText(), {}))
        return self._service.set_settings(TriggerSettings(
            **{name: spin.value() for name, spin in self.spins.items()}, bank_holidays=days))


class CommunityTriggerDialog(QDialog):
    #: A write changed something: the OpChanges.
    changes_made = Signal(object)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("communityTriggerDialog")
        self.setWindowTitle("ASB case reviews (Community Trigger)")
        self.setModal(False)
        self.ctx = ctx
        self.service = OnDatabaseThread(CommunityTriggerService(ctx))
        self.detail: TriggerDetail | None = None
        self.child: QDialog | None = None
        fit_to_screen(self, 1100, 640)
        panels = OnDatabaseThread(PanelService(ctx))
        self.agencies = self.service.agency_keys()
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.panel_combo = QComboBox(self)
        self.panel_combo.setObjectName("triggerPanel")
        self.panel_combo.setAccessibleName("Community MARAC or CSVG panel")
        for panel in panels.list_panels():
            if panel.panel_type is PanelType.CSVG:
                self.panel_combo.addItem(panel.name, panel.id)
        self.panel_combo.currentIndexChanged.connect(self.reload)
        label = QLabel("&Panel", self)
        label.setBuddy(self.panel_combo)
        top.addWidget(label)
        top.addWidget(self.panel_combo)
        self.year_spin = QSpinBox(self)
        self.year_spin.setObjectName("triggerYear")
        self.year_spin.setAccessibleName("Year of the figures")
        self.year_spin.setRange(2014, 2100)
        self.year_spin.setValue(ctx.today().year)
        year_label = QLabel("&Year", self)
        year_label.setBuddy(self.year_spin)
        top.addStretch(1)
        top.addWidget(year_label)
        top.addWidget(self.year_spin)
        self.figures_button = QPushButton("Annual &figures…", self)
        self.figures_button.clicked.connect(self.save_figures)
        top.addWidget(self.figures_button)
        self.settings_button = QPushButton("&Settings…", self)
        self.settings_button.setToolTip("The threshold test and the timescales (administrators)")
        self.settings_button.clicked.connect(self.edit_settings)
        self.settings_button.setVisible(ctx.actor.can(Permission.ADMINISTER))
        top.addWidget(self.settings_button)
        layout.addLayout(top)

        split = QSplitter(self)
        self.model = RecordTableModel(_COLUMNS, self)
        self.table = record_table_view(split, self.model, "triggerTable", "Applications")
        self.table.selectionModel().selectionChanged.connect(self.show_selected)
        self.details = QTextBrowser(split)
        self.details.setObjectName("triggerDetails")
        self.details.setAccessibleName("The application")
        split.setSizes([560, 480])
        layout.addWidget(split, 1)

        buttons = QHBoxLayout()
        self.new_button = QPushButton("&New application…", self)
        self.new_button.clicked.connect(self.new_application)
        self.ack_button = QPushButton("&Acknowledge today", self)
        self.ack_button.clicked.connect(lambda: self._step(lambda i: self.service.acknowledge(i, self.ctx.today())))
        self.met_button = QPushButton("Threshold &met", self)
        self.met_button.clicked.connect(
            lambda: self._step(lambda i: self.service.decide_threshold(i, True, self.ctx.today())))
        self.not_met_button = QPushButton("Threshold n&ot met", self)
        self.not_met_button.clicked.connect(
            lambda: self._step(lambda i: self.service.decide_threshold(i, False, self.ctx.today())))
        self.review_button = QPushButton("Record the re&view…", self)
        self.review_button.clicked.connect(self.record_review)
        self.letter_button = QPushButton("Response &letter…", self)
        self.letter_button.clicked.connect(self.save_letter)
        for b in (self.new_button, self.ack_button, self.met_button, self.not_met_button, self.review_button,
                  self.letter_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        self.error, self.status = add_footer(self, layout, buttons)
        self.reload()

    # -- reading -------------------------------------------------------------------------------------

    def reload(self, select_id: int | None = None) -> None:
        panel_id = self.panel_combo.currentData()
        try:
            rows = self.service.list_triggers(panel_id) if panel_id is not None else []
        except ServiceError as exc:
            self._fail(str(exc))
            rows = []
        self.model.set_rows(rows)
        target = next((n for n, r in enumerate(rows) if r.id == select_id), 0 if rows else None)
        if target is not None:
            self.table.selectRow(target)
        else:
            self.detail = None
            self.details.setHtml("<p>No applications on this panel yet.</p>" if panel_id is not None else
                                 "<p>You are a member of no Community MARAC / CSVG panel.</p>")
        self._enable()

    def show_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        try:
            self.detail = self.service.get(self.model.record(rows[0].row()).id)
        except ServiceError as exc:
            self._fail(str(exc))
            return
        self.details.setHtml(describe(self.detail))
        self._enable()

    # -- steps ---------------------------------------------------------------------------------------

    def _step(self, call) -> None:  # noqa: ANN001 - (id) -> OpResult
        if self.detail is None:
            return
        try:
            result = call(self.detail.id)
        except ServiceError as exc:
            self._fail(str(exc))
            return
        self._done(result)

    def _done(self, result) -> None:  # noqa: ANN001 - OpResult[TriggerDetail]
        emit(self.changes_made, result.changes)
        self.error.hide()
        self.reload(result.value.id)

    def new_application(self) -> None:
        panel_id = self.panel_combo.currentData()
        if panel_id is None:
            return
        self.child = ApplicationDialog(self.service, panel_id, self.agencies, self.ctx.today(), self)
        self.child.accepted.connect(lambda: self._done(self.child.result_value))
        self.child.open()

    def record_review(self) -> None:
        if self.detail is None:
            return
        try:
            rows = OnDatabaseThread(MeetingService(self.ctx)).list_meetings(self.detail.panel_id)
        except ServiceError as exc:
            self._fail(str(exc))
            return
        meetings = [(m.id, f"{m.starts_at:%d %b %Y %H:%M} ({m.status_text})") for m in rows
                    if m.status is not MeetingStatus.CANCELLED]
        self.child = ReviewDialog(self.service, self.detail.id, self.agencies, self.ctx.today(), self,
                                  meetings=meetings)
        self.child.accepted.connect(lambda: self._done(self.child.result_value))
        self.child.open()

    def edit_settings(self) -> None:
        self.child = TriggerSettingsDialog(self.service, self)
        self.child.accepted.connect(lambda: self.reload(self.detail.id if self.detail else None))
        self.child.open()

    def save_letter(self) -> None:
        if self.detail is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Save the response letter", f"{self.detail.reference}.pdf",
                                              "PDF (*.pdf)")
        if path:
            self.write(lambda: self.service.write_letter(self.detail.id, Path(path)), path)

    def save_figures(self) -> None:
        panel_id = self.panel_combo.currentData()
        if panel_id is None:
            return
        year = self.year_spin.value()
        path, _ = QFileDialog.getSaveFileName(self, "Save the annual figures", f"asb-case-reviews-{year}.pdf",
                                              "PDF (*.pdf)")
        if path:
            self.write(lambda: self.service.write_annual(panel_id, year, Path(path)), path)

    def write(self, call, path: str) -> None:  # noqa: ANN001
        try:
            call()
        except (ServiceError, OSError) as exc:
            self._fail(str(exc) if isinstance(exc, ServiceError) else "The file could not be written there.")
            return
        self.status.setText(f"Saved to {path}.")

    def _enable(self) -> None:
        d = self.detail
        self.new_button.setEnabled(self.panel_combo.currentData() is not None)
        self.figures_button.setEnabled(self.panel_combo.currentData() is not None)
        self.ack_button.setEnabled(d is not None and d.acknowledged_on is None)
        self.met_button.setEnabled(d is not None and d.threshold_met is None)
        self.not_met_button.setEnabled(d is not None and d.threshold_met is None)
        self.review_button.setEnabled(d is not None and d.threshold_met is True)
        self.letter_button.setEnabled(d is not None)

    def _fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


_STATE_COLOURS = {StepState.OVERDUE: "#b00020", StepState.DONE_LATE: "#8a5a00"}


def describe(d: TriggerDetail) -> str:
    e = html.escape
    parts = [f"<h3>{e(d.reference)} — {e(d.applicant_name)}</h3>",
             f"<p>Received {d.received_on:%d %b %Y}" + ("" if d.applicant_is_victim else
                                                        f", on behalf of {e(d.on_behalf_of)}") + "</p>",
             "<p><b>Timescales</b> (working days from receipt)</p><ul>"]
    for st in d.steps:
        colour = _STATE_COLOURS.get(st.state)
        text = e(st.text)
        parts.append(f"<li><span style='color:{colour}'>{text}</span></li>" if colour else f"<li>{text}</li>")
    parts.append("</ul>")
    verdict = "met" if d.test.met else "not met"
    parts.append(f"<p><b>Threshold test:</b> {verdict} — {e(d.test.reason)}</p>")
    if d.threshold_met is not None:
        parts.append(f"<p><b>Decided</b> {d.decided_on:%d %b %Y}: {'met' if d.threshold_met else 'not met'} "
                     f"— {e(d.decision_reason)}</p>")
    parts.append(f"<p><b>Incidents</b> ({len(d.incidents)})</p><ul>")
    parts += [f"<li>{i.occurred_on:%d %b %Y} {e(i.agency or '—')}{' — ' + e(i.description) if i.description else ''}"
              "</li>" for i in d.incidents]
    parts.append("</ul>")
    if d.reviewed_on is not None:
        parts.append(f"<p><b>Review held</b> {d.reviewed_on:%d %b %Y}</p><ol>")
        parts += [f"<li>{e(r.text)} ({e(r.agency or '—')})</li>" for r in d.recommendations]
        parts.append("</ol>")
    return "".join(parts)


def open_community_trigger(parent: QWidget, ctx: ServiceContext) -> CommunityTriggerDialog:
    dialog = CommunityTriggerDialog(ctx, parent)
    if hasattr(parent, "apply_changes"):
        dialog.changes_made.connect(parent.apply_changes)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    bring_to_front(dialog)
    return dialog
