"""One case, read-only: what the panel knows about it, on one scrolling page.

The dialog is built from one :class:`CaseDetail` — one call to :meth:`CaseService.get_case`, which
is one *view* in the audit trail — and never reads again (toggling contact details or repainting
costs nothing). Addresses and phone numbers stay hidden until the reader asks for them: the chair
should have to mean it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.enums import AssessmentKind, CaseStatus, PanelType, PersonRole, RiskLevel
from cspdesk.domain.orders import TRANSFERABLE
from cspdesk.domain.risk_tools import recorded_tool
from cspdesk.domain.rules import CASE_TRANSITIONS
from cspdesk.services.referrals.cases import CaseDetail, CaseService
from cspdesk.services.context import Permission, ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk_gui.operations import run_and_wait
from cspdesk_gui.formatting import short_date, short_datetime
from cspdesk_gui.models.case_people import CONTACT_COLUMNS, CasePeopleModel, PeopleColumn
from cspdesk_gui.signals import emit
from cspdesk_gui.windows import fit_to_screen

#: The button that moves a case to each status.
_STATUS_VERBS = {
    CaseStatus.ACCEPTED: "&Accept",
    CaseStatus.DECLINED: "D&ecline…",
    CaseStatus.LISTED: "&List for a meeting",
    CaseStatus.OPEN: "O&pen",
    CaseStatus.CLOSED: "Close the &case…",
    CaseStatus.ARCHIVED: "Arc&hive",
}

#: Text shown where the case has nothing recorded, so an empty field is never mistaken for a fault.
NOTHING_RECORDED = "Nothing recorded."


def _value(text: str, parent: QWidget, *, name: str = "caseValue") -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


class CaseDialog(QDialog):
    """Reference, panel, status, referral, risk, the people, the reason and summary, the history.

    With a context (``ctx``), "Print…" (Ctrl+P) opens the print preview of the case summary."""

    #: The case was changed from the dialog (a status change, an assessment added): OpChanges.
    changes_made = Signal(object)
    #: "Print…" opened the case summary's preview: the dialog.
    preview_opened = Signal(object)

    def __init__(self, detail: CaseDetail, parent: QWidget | None = None, *, ctx: ServiceContext | None = None) -> None:
        super().__init__(parent)
        self.detail = detail
        self.ctx = ctx
        self.status = detail.row.status
        self._can_edit = ctx is not None and ctx.actor.can(Permission.EDIT_CASES)
        self._preview: QWidget | None = None
        row = detail.row
        self.case_id = row.id
        self.setObjectName("caseDialog")
        self.setWindowTitle(f"{row.reference} — {row.subject}")
        self.setModal(False)
        fit_to_screen(self, 820, 720)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 12)
        outer.setSpacing(8)
        scroll = QScrollArea(self)
        scroll.setObjectName("caseScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget(scroll)
        body.setObjectName("caseBody")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(24, 20, 24, 12)
        layout.setSpacing(10)
        scroll.setWidget(body)
        self._body = body
        outer.addWidget(scroll, 1)

        # -- heading ----------------------------------------------------------------------------
        top = QHBoxLayout()
        heading = QLabel(row.reference, body)
        heading.setObjectName("dialogHeading")
        heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top.addWidget(heading)
        top.addSpacing(8)
        self.status_chip = QLabel(row.status.label, body)
        self.status_chip.setObjectName("statusChip")
        self.status_chip.setToolTip("The case's status")
        top.addWidget(self.status_chip, 0, Qt.AlignmentFlag.AlignVCenter)
        top.addStretch(1)
        layout.addLayout(top)
        subject = f"{row.subject} (repeat referral)" if row.is_repeat else row.subject
        layout.addWidget(_value(subject, body, name="caseSubject"))
        self._build_status_actions(body, layout)

        # -- facts ------------------------------------------------------------------------------
        facts = QFormLayout()
        facts.setHorizontalSpacing(18)
        facts.setVerticalSpacing(6)
        facts.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        referred = short_date(row.referral_date)
        by = " — ".join(part for part in (row.referring_agency, detail.referrer_name) if part)
        self.fact_labels: dict[str, QLabel] = {}
        # The panel's kind, unless its name already says it ("Swale MARAC (MARAC)" says it twice).
        kind = row.panel_type.label
        panel = row.panel_name if kind.split(" /")[0].lower() in row.panel_name.lower() else f"{row.panel_name} ({kind})"
        for caption, text in (
            ("Panel", panel),
            ("Referred", f"{referred} by {by}" if by else referred),
            ("Risk", self._risk_text()),
            ("Review due", short_date(row.review_date) or "Not set"),
            ("Open actions", f"{row.open_actions:,}"),
        ):
            label = _value(text, body)
            if caption == "Risk" and row.risk_level is not None and row.risk_level.value == "high":
                label.setObjectName("riskHigh")
            self.fact_labels[caption] = label
            facts.addRow(self._caption(caption, body), label)
        layout.addLayout(facts)
        self._build_criteria(body, layout)

        # -- people -----------------------------------------------------------------------------
        layout.addSpacing(6)
        people_top = QHBoxLayout()
        people_top.addWidget(self._caption("People", body))
        people_top.addStretch(1)
        self.contact_button = QPushButton("Show contact details", body)
        self.contact_button.setObjectName("contactToggle")
        self.contact_button.setCheckable(True)
        self.contact_button.setAutoDefault(False)
        self.contact_button.setToolTip("Addresses and phone numbers are hidden until you ask to see them")
        self.contact_button.toggled.connect(self.set_contact_details_shown)
        people_top.addWidget(self.contact_button)
        layout.addLayout(people_top)

        self.people_model = CasePeopleModel(detail.people, self)
        self.people_table = QTableView(body)
        self.people_table.setObjectName("casePeople")
        self.people_table.setAccessibleName("People linked to the case")
        self.people_table.setModel(self.people_model)
        self.people_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.people_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.people_table.setShowGrid(False)
        self.people_table.setAlternatingRowColors(True)
        self.people_table.setWordWrap(False)
        self.people_table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.people_table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.people_table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        vertical = self.people_table.verticalHeader()
        vertical.hide()
        vertical.setDefaultSectionSize(self.people_table.fontMetrics().height() + 10)
        header = self.people_table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self._fit_people_height()
        layout.addWidget(self.people_table)
        if not detail.people:
            self.people_table.hide()
            layout.addWidget(_value("No people are linked to this case.", body, name="mutedText"))
            self.contact_button.setEnabled(False)
        if ctx is not None:  # issue 20: the other panels holding these people, as far as the setting allows
            from cspdesk_gui.dialogs.chronology import also_known_to_lines

            known = also_known_to_lines(ctx, [(p.person_id, p.name) for p in detail.people], row.panel_name)
            self.also_known_to = _value(known, body, name="alsoKnownTo")
            self.also_known_to.setVisible(bool(known))
            layout.addWidget(self.also_known_to)
            self.people_table.activated.connect(self.open_person_chronology)
        self.contact_history = _value(self._history_text(), body, name="contactHistory")
        self.contact_history.setAccessibleName("Earlier contact details")
        layout.addWidget(self.contact_history)
        self.contact_note = QLabel("Addresses and phone numbers are hidden.", body)
        self.contact_note.setObjectName("mutedText")
        layout.addWidget(self.contact_note)
        self.set_contact_details_shown(False)

        # -- children in their own right (issue 19: MARAC) ---------------------------------------
        if ctx is not None and row.panel_type == PanelType.MARAC and any(
                p.role is PersonRole.CHILD for p in detail.people):
            from cspdesk_gui.dialogs.case_children import CaseChildrenSection

            layout.addSpacing(6)
            layout.addWidget(self._caption("Children in their own right", body))
            self.children_section = CaseChildrenSection(ctx, self.case_id, self._can_edit, body)
            self.children_section.changes_made.connect(lambda changes: emit(self.changes_made, changes))
            layout.addWidget(self.children_section)

        # -- risk assessments -----------------------------------------------------------------
        self._build_assessments(body, layout)
        self._build_orders(body, layout)

        # -- what the referral says -------------------------------------------------------------
        for caption, text in (
            ("Reason for referral", detail.reason),
            ("Summary", detail.summary),
            ("Outcome", detail.outcome),
        ):
            if caption == "Outcome" and not text.strip():
                continue  # most open cases have none yet
            layout.addSpacing(6)
            layout.addWidget(self._caption(caption, body))
            layout.addWidget(_value(text.strip() or NOTHING_RECORDED, body, name="caseText"))

        # -- history ----------------------------------------------------------------------------
        layout.addSpacing(6)
        layout.addWidget(self._caption("Status history", body))
        history = QGridLayout()
        self.history_grid = history
        history.setHorizontalSpacing(16)
        history.setVerticalSpacing(4)
        history.setColumnStretch(2, 1)
        self.history_rows = 0
        for step in detail.history:
            change = step.to_status.label if step.from_status is None else f"{step.from_status.label} → {step.to_status.label}"
            when = _value(short_datetime(step.at), body, name="mutedText")
            when.setWordWrap(False)  # a date and time read as one
            history.addWidget(when, self.history_rows, 0, Qt.AlignmentFlag.AlignTop)
            what = _value(change, body)
            what.setWordWrap(False)
            history.addWidget(what, self.history_rows, 1, Qt.AlignmentFlag.AlignTop)
            history.addWidget(_value(step.reason, body), self.history_rows, 2, Qt.AlignmentFlag.AlignTop)
            self.history_rows += 1
        self._no_history = None
        if not detail.history:
            self._no_history = _value("No changes of status recorded.", body, name="mutedText")
            history.addWidget(self._no_history, 0, 0, 1, 3)
        layout.addLayout(history)
        layout.addStretch(1)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        self.buttons.setContentsMargins(24, 0, 24, 0)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        self.print_button = QPushButton("Print…", self)
        self.print_button.setObjectName("casePrint")
        self.print_button.setToolTip("Preview the case summary, then print it or save it as PDF (Ctrl+P)")
        self.print_button.setAutoDefault(False)
        self.print_button.setShortcut(QKeySequence("Ctrl+P"))
        self.print_button.clicked.connect(self.print_summary)
        self.print_button.setVisible(ctx is not None)
        self.buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.chronology_button = QPushButton("Chronology…", self)
        self.chronology_button.setObjectName("caseChronology")
        self.chronology_button.setToolTip("Everything that happened on this case, in order (Ctrl+Shift+H); "
                                          "Enter on a person opens theirs, across your panels")
        self.chronology_button.setAutoDefault(False)
        self.chronology_button.setShortcut(QKeySequence("Ctrl+Shift+H"))
        self.chronology_button.clicked.connect(lambda: self.open_chronology())
        self.chronology_button.setVisible(ctx is not None)
        self.buttons.addButton(self.chronology_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.transfer_button = QPushButton("&Transfer out…", self)
        self.transfer_button.setObjectName("caseTransferOut")
        self.transfer_button.setToolTip("Send this case to another MARAC: a transfer pack, and the case closed here")
        self.transfer_button.setAutoDefault(False)
        self.transfer_button.clicked.connect(lambda: self.transfer_out())
        self.transfer_button.setVisible(self.orders_section is not None and self._can_edit
                                        and self.status in TRANSFERABLE)
        self.buttons.addButton(self.transfer_button, QDialogButtonBox.ButtonRole.ActionRole)
        outer.addWidget(self.buttons)
        self.people_table.setFocus()

    def _build_orders(self, body: QWidget, layout: QVBoxLayout) -> None:
        """A MARAC case's protective orders, DVDS requests and transfers (ui/dialogs/case_orders.py)."""
        self.orders_section = None
        row = self.detail.row
        if self.ctx is None or row.panel_type != PanelType.MARAC:
            return
        from cspdesk_gui.dialogs.case_orders import CaseOrdersSection

        self.orders_section = CaseOrdersSection(self.ctx, row.id, row.reference,
                                                [(p.person_id, p.name) for p in self.detail.people],
                                                can_edit=self._can_edit, parent=body)
        self.orders_section.changes_made.connect(lambda changes: emit(self.changes_made, changes))
        layout.addWidget(self.orders_section)

    def transfer_out(self) -> QDialog | None:
        """The transfer dialog; once done, the case reads as closed here."""
        if self.orders_section is None:
            return None
        dialog = self.orders_section.transfer_out()
        dialog.saved.connect(lambda _changes: self._transferred())  # type: ignore[attr-defined]
        return dialog

    def _transferred(self) -> None:
        self.status = CaseStatus.CLOSED
        self.status_chip.setText(CaseStatus.CLOSED.label)
        self.transfer_button.hide()
        self._update_status_buttons()

    def _build_criteria(self, body: QWidget, layout: QVBoxLayout) -> None:
        """A MARAC referral's criteria, consent and lawful basis, and why the risk level is what it is."""
        self.criteria_labels: dict[str, QLabel] = {}
        if self.detail.criteria is None:
            return
        layout.addSpacing(6)
        layout.addWidget(self._caption("Referral criteria", body))
        form = QFormLayout()
        form.setHorizontalSpacing(18)
        form.setVerticalSpacing(4)
        for caption, text in self.detail.criteria.lines():
            label = _value(text, body)
            self.criteria_labels[caption] = label
            form.addRow(_value(caption, body, name="mutedText"), label)
        layout.addLayout(form)

    def _risk_text(self) -> str:
        """The latest assessment; for a MARAC case first the level the list shows and why (one rule,
        so a High beside a Medium DASH is never left unexplained)."""
        latest = self.detail.risk_summary or "No risk assessment recorded."
        if self.detail.criteria is None:
            return latest
        return f"{self.detail.criteria.risk_reason}. Latest assessment: {latest}"

    def _history_text(self) -> str:
        """Earlier addresses and numbers, one line each: shown with the contact details only."""
        return "\n".join(f"{p.name}: {change.describe()}" for p in self.detail.people for change in p.contact_history)

    @staticmethod
    def _caption(text: str, parent: QWidget) -> QLabel:
        label = QLabel(text, parent)
        label.setObjectName("sectionCaption")
        return label

    @classmethod
    def open_case(cls, ctx: ServiceContext, case_id: int, parent: QWidget | None = None) -> CaseDialog:
        """Read the case (one audited view, on the database thread) and build its dialog. Raises the
        service's errors."""
        return cls(run_and_wait(lambda: CaseService(ctx).get_case(case_id)), parent, ctx=ctx)

    # -- status ---------------------------------------------------------------------------------

    def _build_status_actions(self, body: QWidget, layout: QVBoxLayout) -> None:
        """A button per move the case can make now; Decline and Close ask for their reason inline."""
        self.status_buttons: dict[CaseStatus, QPushButton] = {}
        self.status_row = QWidget(body)
        row = QHBoxLayout(self.status_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        caption = QLabel("Move to:", self.status_row)
        caption.setObjectName("mutedText")
        row.addWidget(caption)
        for status in CaseStatus:
            if status == CaseStatus.RECEIVED:
                continue
            button = QPushButton(_STATUS_VERBS[status], self.status_row)
            button.setObjectName(f"status_{status.value}")
            button.setAutoDefault(False)
            button.clicked.connect(lambda _c=False, s=status: self.request_status(s))
            self.status_buttons[status] = button
            row.addWidget(button)
        row.addStretch(1)
        layout.addWidget(self.status_row)

        self.reason_box = QFrame(body)
        self.reason_box.setObjectName("reasonBox")
        box = QHBoxLayout(self.reason_box)
        box.setContentsMargins(0, 0, 0, 0)
        self.reason_caption = QLabel("", self.reason_box)
        self.reason_edit = QLineEdit(self.reason_box)
        self.reason_edit.setObjectName("statusReason")
        self.reason_caption.setBuddy(self.reason_edit)
        self.reason_edit.returnPressed.connect(self.confirm_status)
        self.reason_confirm = QPushButton("Confirm", self.reason_box)
        self.reason_confirm.setObjectName("confirmStatus")
        self.reason_confirm.setAutoDefault(False)
        self.reason_confirm.clicked.connect(self.confirm_status)
        self.reason_cancel = QPushButton("Never mind", self.reason_box)
        self.reason_cancel.setAutoDefault(False)
        self.reason_cancel.clicked.connect(self._hide_reason)
        box.addWidget(self.reason_caption)
        box.addWidget(self.reason_edit, 1)
        box.addWidget(self.reason_confirm)
        box.addWidget(self.reason_cancel)
        layout.addWidget(self.reason_box)
        self.status_error = QLabel("", body)
        self.status_error.setObjectName("fieldError")
        self.status_error.setWordWrap(True)
        layout.addWidget(self.status_error)
        self._pending_status: CaseStatus | None = None
        self._hide_reason()
        self._update_status_buttons()

    def _update_status_buttons(self) -> None:
        allowed = CASE_TRANSITIONS.get(self.status, frozenset())
        for status, button in self.status_buttons.items():
            button.setVisible(self._can_edit and status in allowed)
        self.status_row.setVisible(self._can_edit and bool(allowed))

    def _hide_reason(self) -> None:
        self._pending_status = None
        self.reason_box.hide()
        self.reason_edit.clear()
        self.status_error.hide()

    def request_status(self, status: CaseStatus) -> None:
        """Move the case to ``status`` now, or (Declined, Closed) ask for the reason first."""
        if status in (CaseStatus.DECLINED, CaseStatus.CLOSED):
            self._pending_status = status
            self.reason_caption.setText("&Reason declined" if status == CaseStatus.DECLINED else "Ou&tcome")
            self.reason_edit.setPlaceholderText(
                "Why the referral is declined" if status == CaseStatus.DECLINED
                else "e.g. risk reduced: victim engaged with IDVA, perpetrator in custody")
            self.reason_box.show()
            self.status_error.hide()
            self.reason_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        self._change_status(status, "")

    def confirm_status(self) -> None:
        if self._pending_status is not None:
            self._change_status(self._pending_status, self.reason_edit.text())

    def _change_status(self, status: CaseStatus, text: str) -> None:
        from cspdesk.services.referrals.referrals import ReferralService

        assert self.ctx is not None
        kwargs = {"outcome": text} if status == CaseStatus.CLOSED else {"reason": text}
        try:
            result = ReferralService(self.ctx).change_status(self.case_id, status, **kwargs)
        except ServiceError as exc:
            self.status_error.setText(str(exc))
            self.status_error.show()
            if self.reason_box.isVisible():
                self.reason_edit.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        changed = result.value
        self.status = changed.to_status
        self.status_chip.setText(changed.to_status.label)
        self._add_history_row(changed.at, changed.from_status, changed.to_status, changed.reason)
        self._hide_reason()
        self._update_status_buttons()
        emit(self.changes_made, result.changes)

    def _add_history_row(self, at, from_status, to_status, reason: str) -> None:  # noqa: ANN001
        if self._no_history is not None:
            self._no_history.hide()
            self._no_history = None
        body = self._body
        change = to_status.label if from_status is None else f"{from_status.label} → {to_status.label}"
        when = _value(short_datetime(at), body, name="mutedText")
        when.setWordWrap(False)
        self.history_grid.addWidget(when, self.history_rows, 0, Qt.AlignmentFlag.AlignTop)
        what = _value(change, body)
        what.setWordWrap(False)
        self.history_grid.addWidget(what, self.history_rows, 1, Qt.AlignmentFlag.AlignTop)
        self.history_grid.addWidget(_value(reason, body), self.history_rows, 2, Qt.AlignmentFlag.AlignTop)
        self.history_rows += 1

    # -- assessments ------------------------------------------------------------------------------

    def _build_assessments(self, body: QWidget, layout: QVBoxLayout) -> None:
        layout.addSpacing(6)
        top = QHBoxLayout()
        top.addWidget(self._caption("Risk assessments", body))
        top.addStretch(1)
        self.add_assessment_button = QPushButton(
            "Add a new &DASH…" if self.detail.row.panel_type == PanelType.MARAC else "Add an &assessment…", body)
        self.add_assessment_button.setObjectName("addAssessment")
        self.add_assessment_button.setAutoDefault(False)
        self.add_assessment_button.setToolTip("A saved assessment is never changed: a new, dated one is added")
        self.add_assessment_button.clicked.connect(self.add_assessment)
        self.add_assessment_button.setVisible(self._can_edit)
        top.addWidget(self.add_assessment_button)
        layout.addLayout(top)
        self.assessments: list = []
        if self.ctx is not None:
            from cspdesk.services.referrals.referrals import ReferralService

            service, case_id = ReferralService(self.ctx), self.case_id
            try:
                self.assessments = run_and_wait(lambda: service.assessments(case_id))
            except ServiceError:
                self.assessments = []
        self.assessment_grid = QGridLayout()
        self.assessment_grid.setHorizontalSpacing(16)
        self.assessment_grid.setVerticalSpacing(4)
        self.assessment_grid.setColumnStretch(3, 1)
        layout.addLayout(self.assessment_grid)
        self._fill_assessments()

    def _fill_assessments(self) -> None:
        grid = self.assessment_grid
        while grid.count():
            item = grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        body = self._body
        if not self.assessments:
            grid.addWidget(_value("No risk assessment recorded.", body, name="mutedText"), 0, 0, 1, 4)
            return
        for row, a in enumerate(self.assessments):
            parts = []
            if a.score is not None:
                parts.append(f"{a.score} yes of 24" if a.kind == AssessmentKind.DASH else f"score {a.score}")
            if a.risk_level is not None:
                parts.append(a.risk_level.label)
            cells = [
                _value(short_date(a.assessed_on), body, name="mutedText"),
                _value(tool.name if (tool := recorded_tool(a.tool_id, a.tool_version)) else a.kind.label, body),
                _value(", ".join(parts), body, name="riskHigh" if a.risk_level == RiskLevel.HIGH else "caseValue"),
            ]
            for column, cell in enumerate(cells):
                cell.setWordWrap(False)  # short values read as one line each
                grid.addWidget(cell, row, column, Qt.AlignmentFlag.AlignTop)
            who = " — ".join(p for p in (a.assessor, a.notes) if p)
            grid.addWidget(_value(who, body), row, 3, Qt.AlignmentFlag.AlignTop)

    def assessment_count(self) -> int:
        return len(self.assessments)

    def add_assessment(self) -> QDialog | None:
        if self.ctx is None:
            return None
        from cspdesk_gui.referrals.assessment import AssessmentDialog

        dialog = AssessmentDialog(self.ctx, self.case_id, self.detail.row.panel_id, self.detail.row.reference, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.assessment_added.connect(self._assessment_added)
        dialog.show()
        self.assessment_dialog = dialog
        return dialog

    def _assessment_added(self, info, changes) -> None:  # noqa: ANN001
        self.assessments = sorted([info, *self.assessments], key=lambda a: (a.assessed_on, a.id), reverse=True)
        self._fill_assessments()
        latest = self.assessments[0]
        parts = [latest.kind.label, short_date(latest.assessed_on)]
        if latest.score is not None:
            parts.append(f"score {latest.score}")
        if latest.risk_level is not None:
            parts.append(latest.risk_level.label)
        self.fact_labels["Risk"].setText(", ".join(parts))
        emit(self.changes_made, changes)

    def print_summary(self):  # noqa: ANN201 - PreviewDialog | None
        """The case summary's print preview, with "Leave out contact details" (checked at first)."""
        if self.ctx is None:
            return None
        from shiboken6 import isValid

        from cspdesk_gui.printing.preview import open_preview
        from cspdesk_gui.printing.sources import case_summary_choice
        from cspdesk_gui.windows import bring_to_front

        if self._preview is not None and isValid(self._preview) and self._preview.isVisible():
            bring_to_front(self._preview)  # one preview per case view; Ctrl+P again finds it
            return self._preview
        dialog = open_preview(self, choice=case_summary_choice(self.ctx, self.case_id, self.detail.row.reference))
        self._preview = dialog
        emit(self.preview_opened, dialog)
        return dialog

    def open_chronology(self, index=None):  # noqa: ANN001, ANN201 - ChronologyDialog | None
        """The case's chronology; with ``index`` (a row of the people), that person's."""
        from cspdesk.services.people.chronology import Subject
        from cspdesk_gui.dialogs.chronology import open_chronology

        if self.ctx is None:
            return None
        of = Subject.person(self.people_model.person(index.row()).person_id) if index is not None \
            else Subject.case(self.case_id)
        return open_chronology(self, self.ctx, of)

    def open_person_chronology(self, index) -> None:  # noqa: ANN001 - a QModelIndex of the people
        self.open_chronology(index)

    def _fit_people_height(self) -> None:
        """Tall enough for every row: the dialog scrolls, the table does not."""
        table = self.people_table
        rows = self.people_model.rowCount()
        height = table.horizontalHeader().sizeHint().height() + rows * table.verticalHeader().defaultSectionSize()
        table.setFixedHeight(height + 2 * table.frameWidth() + 2)

    # -- contact details ------------------------------------------------------------------------

    def contact_details_shown(self) -> bool:
        return not self.people_table.isColumnHidden(PeopleColumn.ADDRESS)

    def set_contact_details_shown(self, shown: bool) -> None:
        for column in CONTACT_COLUMNS:
            self.people_table.setColumnHidden(column, not shown)
        if self.contact_button.isChecked() != shown:
            self.contact_button.blockSignals(True)
            self.contact_button.setChecked(shown)
            self.contact_button.blockSignals(False)
        self.contact_button.setText("Hide contact details" if shown else "Show contact details")
        self.contact_note.setVisible(not shown and bool(self.detail.people))
        self.contact_history.setVisible(shown and bool(self.contact_history.text()))
