"""The MARAC referral form: the victim, perpetrators and children, the DASH checklist, SafeLives'
referral criteria (asked of the domain as the form changes) and information sharing."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QGridLayout, QLabel, QLineEdit, QSpinBox, QWidget

from cspdesk.domain.children import ChildDetails, CscStatus
from cspdesk.domain.dash import DASH_QUESTIONS
from cspdesk.domain.risk_tools import PROFESSIONAL_JUDGEMENT, risk_tool
from cspdesk.services.referrals.referrals import (
    ChildDraft,
    DashAnswer,
    DashChecklist,
    DashItem,
    MaracDraft,
    PerpetratorDraft,
    Problem,
    ReferralDraft,
)
from cspdesk_gui.dialogs.forms import error_label
from cspdesk_gui.formatting import short_date
from cspdesk_gui.referrals.assessment import MARAC_TOOLS
from cspdesk_gui.referrals.dash import DashGrid
from cspdesk_gui.referrals.dialog import ReferralDialog, combo, text_box
from cspdesk_gui.referrals.fields import DateUnreadable, parse_date
from cspdesk_gui.referrals.people import PersonEntry, PersonRow, RowField
from cspdesk_gui.widgets.keyboard import FocusCheckBox

_YES_NO = [("Not recorded", None), ("Yes", True), ("No", False)]

#: The Encompass choice's value for a child not in education (no school to notify).
_NOT_IN_EDUCATION = "not_in_education"
#: A child in their own right (issue 19), on the second line of the child's row.
CHILD_OWN_RIGHT = (
    RowField("csc_status", "Children's services status", second_line=True,
             choices=[("Children's services?", None),
                      *((f"CSC: {s.label.lower()}", s.value) for s in CscStatus)]),
    RowField("encompass", "Operation Encompass", second_line=True,
             choices=[("Encompass?", None), ("Encompass: notified", True),
                      ("Encompass: not notified", False), ("Not in education", _NOT_IN_EDUCATION)]),
    RowField("encompass_on", "School notified on (date)", second_line=True),
    RowField("encompass_by", "Notified by (agency, role)", second_line=True),
)


def child_own_right(row: PersonRow) -> ChildDetails:
    """The row's Encompass and children's services choices. A date that cannot be read is left out
    here: it is the form's own problem (:meth:`MaracReferralForm._own_problems`), which stops the save."""
    encompass = row.value("encompass")
    status = row.value("csc_status")
    try:
        notified_on = parse_date(str(row.value("encompass_on")))
    except DateUnreadable:
        notified_on = None
    return ChildDetails(
        not_in_education=encompass == _NOT_IN_EDUCATION,
        encompass_notified=encompass if isinstance(encompass, bool) else None,
        encompass_on=notified_on,
        encompass_by=str(row.value("encompass_by")),
        csc_status=CscStatus(status) if status else None,
    )


class MaracReferralForm(ReferralDialog):
    """A referral to a MARAC: about a victim, scored on the DASH checklist."""

    def _build_sections(self) -> None:
        frame, layout = self._section("Victim")
        form = self._form(layout, frame)
        self.victim = PersonEntry(frame, "Victim", name="victim", today=self.ctx.today)
        self._person_fields(form, frame, self.victim, "victim", "&Victim", contact=True)
        self.subject_entry = self.victim

        frame, layout = self._section("Perpetrators")
        self.perpetrators = self._rows(layout, frame, "perpetrators", "perpetrator",
                                       [RowField("relationship_to_victim", "Relationship to victim")],
                                       "Add perpetrat&or", "No perpetrator entered.")
        self.perpetrators.add_row()

        frame, layout = self._section("Children in the household")
        self.children_rows = self._rows(layout, frame, "children", "child",
                                        [RowField("relationship_to_victim", "Relationship to victim"),
                                         RowField("relationship_to_perpetrator", "Relationship to perpetrator"),
                                         RowField("school", "School or nursery"), *CHILD_OWN_RIGHT],
                                        "Add c&hild", "No children entered.")

        frame, layout = self._section("DASH risk checklist")
        # The risk tool (issue 19): DASH 2009's checklist, or the referrer's judgement alone.
        self.tool_combo = combo(frame, "riskTool", [(risk_tool(t).name, t) for t in MARAC_TOOLS])
        tool_form = self._form(layout, frame)
        self._row(tool_form, frame, "Risk tool", self.tool_combo, "risk_tool_id")  # reached by Tab; Alt+K links a person
        self.dash_caption = QLabel("&DASH answers", frame)
        self.dash_caption.setObjectName("columnCaption")
        self.dash = DashGrid(DASH_QUESTIONS, lambda yes: self.rules.dash_band(yes).label, self.rules.dash_threshold,
                             frame)
        self.dash_caption.setBuddy(self.dash.table)
        layout.addWidget(self.dash_caption)
        layout.addWidget(self.dash)
        self.dash_error = error_label(frame)
        layout.addWidget(self.dash_error)
        self._targets["dash"] = (self.dash.table, self.dash_error)
        self.dash.yes_count_changed.connect(lambda _n: self._update_criteria())
        self._build_criteria()
        self._build_sharing()
        self.tool_combo.currentIndexChanged.connect(lambda _i: self._tool_chosen())
        self._update_criteria()

    def judgement_only(self) -> bool:
        return self.tool_combo.currentData() == PROFESSIONAL_JUDGEMENT

    def _tool_chosen(self) -> None:
        """Professional judgement only: no checklist, and the judgement (with its reason) is the
        assessment, so it is ticked for the referrer."""
        judgement = self.judgement_only()
        self.dash_caption.setVisible(not judgement)
        self.dash.setVisible(not judgement)
        if judgement:
            self.judgement.setChecked(True)
        self._update_criteria()

    def _build_criteria(self) -> None:
        frame, layout = self._section("Referral criteria")
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(6)
        layout.addLayout(grid)
        self.crit_visible = QLabel("", frame)
        grid.addWidget(QLabel("Visible high risk", frame), 0, 0)
        grid.addWidget(self.crit_visible, 0, 1, 1, 2)
        self.judgement = FocusCheckBox("Pro&fessional judgement", frame)
        self.judgement.setObjectName("professionalJudgement")
        grid.addWidget(self.judgement, 1, 0)
        self.judgement_reason = text_box(frame, "judgementReason", lines=2)
        self.judgement_reason.setPlaceholderText("Why the referrer judges the risk high (required when ticked)")
        self.judgement_reason.setEnabled(False)
        reason_caption = QLabel("Judgement reaso&n", frame)
        reason_caption.setBuddy(self.judgement_reason)
        grid.addWidget(reason_caption, 2, 0)
        grid.addWidget(self.judgement_reason, 2, 1, 1, 2)
        judgement_error = error_label(frame)
        grid.addWidget(judgement_error, 3, 1, 1, 2)
        self._targets["professional_judgement_reason"] = (self.judgement_reason, judgement_error)
        self.judgement.toggled.connect(self.judgement_reason.setEnabled)
        self.judgement.toggled.connect(lambda _on: self._update_criteria())
        incidents_caption = QLabel("Police incidents in &12 months", frame)
        self.incidents = QSpinBox(frame)
        self.incidents.setObjectName("policeIncidents")
        self.incidents.setRange(-1, 999)
        self.incidents.setSpecialValueText("Not known")
        self.incidents.setValue(-1)
        incidents_caption.setBuddy(self.incidents)
        grid.addWidget(incidents_caption, 4, 0)
        grid.addWidget(self.incidents, 4, 1)
        self.crit_escalation = QLabel("", frame)
        grid.addWidget(self.crit_escalation, 4, 2)
        incidents_error = error_label(frame)
        grid.addWidget(incidents_error, 5, 1, 1, 2)
        self._targets["police_incidents_12m"] = (self.incidents, incidents_error)
        self.incidents.valueChanged.connect(lambda _v: self._update_criteria())
        grid.addWidget(QLabel("Repeat", frame), 6, 0)
        self.crit_repeat = QLabel("", frame)
        self.crit_repeat.setWordWrap(True)
        grid.addWidget(self.crit_repeat, 6, 1, 1, 2)
        grid.setColumnStretch(2, 1)

    def _build_sharing(self) -> None:
        frame, layout = self._section("Information sharing and safe contact")
        form = self._form(layout, frame)
        self.victim_aware = combo(frame, "victimAware", _YES_NO)
        self._row(form, frame, "Victim a&ware of the referral", self.victim_aware, "victim_aware")
        self.consent = combo(frame, "consentGiven", _YES_NO)
        self._row(form, frame, "Consent &given", self.consent, "consent_given")
        self.lawful_basis = QLineEdit(frame)
        self.lawful_basis.setObjectName("lawfulBasis")
        self.lawful_basis.setPlaceholderText("e.g. risk of serious harm — shared under the information sharing protocol")
        self._row(form, frame, "&Lawful basis (without consent)", self.lawful_basis, "lawful_basis")
        self.consent.currentIndexChanged.connect(self._consent_changed)
        self._consent_changed()

    def _consent_changed(self, *_a: object) -> None:
        given = self.consent.currentData() is True
        self.lawful_basis.setEnabled(not given)

    def _incidents(self) -> int | None:
        incidents = self.incidents.value()
        return incidents if incidents >= 0 else None

    def _update_criteria(self) -> None:
        yes = None if self.judgement_only() else self.dash.model.yes_count()
        threshold, needed = self.rules.dash_threshold, self.rules.escalation_incidents
        # The domain's one rule decides; the form only words it.
        met = self.rules.criteria(yes_count=yes, professional_judgement=self.judgement.isChecked(),
                                  police_incidents_12m=self._incidents(), repeat=self.repeat is not None)
        self.crit_visible.setText(
            "Not met: no checklist (professional judgement only)" if yes is None
            else f"Met: {yes} yes answers (threshold {threshold})" if met.visible_high_risk
            else f"Not met: {yes} yes (threshold {threshold})"
        )
        self.crit_visible.setObjectName("criterionMet" if met.visible_high_risk else "criterionNot")
        escalation = met.potential_escalation
        self.crit_escalation.setText(
            f"Potential escalation: {'met' if escalation else 'not met'} ({needed} or more)"
        )
        self.crit_escalation.setObjectName("criterionMet" if escalation else "criterionNot")
        if self.repeat is not None:
            self.crit_repeat.setText(f"Met: {self.repeat.reference}, referred {short_date(self.repeat.referral_date)}")
            self.crit_repeat.setObjectName("criterionMet")
        else:
            self.crit_repeat.setText("Not met (checked when the victim is linked to a person already held)")
            self.crit_repeat.setObjectName("criterionNot")
        for label in (self.crit_visible, self.crit_escalation, self.crit_repeat):
            label.style().unpolish(label)
            label.style().polish(label)

    # -- reading the form -----------------------------------------------------------------------

    def _dash_checklist(self) -> tuple[DashChecklist | None, list[Problem]]:
        model = self.dash.model
        answers = model.answers()
        if not answers or self.judgement_only():
            return None, []
        missing = [n for n in range(1, model.rowCount() + 1) if n not in answers]
        if missing:
            first = missing[0]
            return None, [Problem("dash", f"DASH: question {first} has no answer "
                                          f"({len(missing)} of {model.rowCount()} unanswered) — answer every "
                                          "question, or none to refer without a checklist.")]
        sources = model.sources()
        items = tuple(DashItem(DashAnswer(answers[n]), sources.get(n, "")) for n in range(1, model.rowCount() + 1))
        return DashChecklist(answers=items), []

    def _own_problems(self) -> list[Problem]:
        return self._dash_checklist()[1] + self._encompass_dates()

    def _encompass_dates(self) -> list[Problem]:
        problems = []
        for i, (number, row) in enumerate(self.children_rows.filled_rows()):
            text = str(row.value("encompass_on"))
            try:
                if text:
                    parse_date(text)
            except DateUnreadable as exc:
                problems.append(Problem(f"children[{i}].encompass_on", f"Child {number}: Encompass date: {exc}"))
        return problems


    def _subject_paths(self) -> list[tuple[PersonEntry, str]]:
        return [(self.victim, "victim")]

    def _panel_draft(self, common: dict[str, Any]) -> ReferralDraft:
        judged = self.judgement.isChecked()
        return MaracDraft(
            **common,
            victim=self._person_draft(self.victim, contact=True),
            perpetrators=tuple(
                PerpetratorDraft(person=self._person_draft(row.entry),
                                 relationship_to_victim=str(row.value("relationship_to_victim")))
                for _n, row in self.perpetrators.filled_rows()
            ),
            children=tuple(
                ChildDraft(person=self._person_draft(row.entry),
                           relationship_to_victim=str(row.value("relationship_to_victim")),
                           relationship_to_perpetrator=str(row.value("relationship_to_perpetrator")),
                           school=str(row.value("school")), own_right=child_own_right(row))
                for _n, row in self.children_rows.filled_rows()
            ),
            dash=self._dash_checklist()[0],
            professional_judgement=judged,
            professional_judgement_reason=self.judgement_reason.toPlainText() if judged else "",
            police_incidents_12m=self._incidents(),
            victim_aware=self.victim_aware.currentData(),
            consent_given=self.consent.currentData(),
            lawful_basis=self.lawful_basis.text() if self.consent.currentData() is not True else "",
            risk_tool_id=str(self.tool_combo.currentData()),
        )

    def _fallback_target(self, path: str) -> tuple[QWidget, QLabel] | None:
        return self._targets["dash"] if path.startswith("dash") else None

    def _panel_reading_order(self) -> list[QWidget]:
        order: list[QWidget] = [*self.victim.fields(), self.address, self.postcode, self.phone, self.safe_to_call,
                                self.safe_times]
        order += self.perpetrators.tab_chain() + self.children_rows.tab_chain()
        return order + [self.tool_combo, self.dash.table, self.judgement, self.judgement_reason, self.incidents,
                        self.victim_aware, self.consent, self.lawful_basis]

    def _panel_dirty(self) -> bool:
        return self.dash.model.answered_count() > 0
