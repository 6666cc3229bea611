"""The CSVG (Community MARAC) referral form: a person or a household with its members, the
vulnerability flags, a risk level and the presenting issues."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from cspdesk.services.referrals.referrals import CsvgDraft, GroupDraft, LinkedPersonDraft, ReferralDraft
from cspdesk_gui.referrals.dialog import text_box
from cspdesk_gui.referrals.people import RowField
from cspdesk_gui.referrals.subject_form import SubjectReferralForm


class CsvgReferralForm(SubjectReferralForm):
    """A referral to a CSVG: about a person or a household."""

    reason_caption = "R&eason (if not the issues below)"

    def _build_sections(self) -> None:
        frame, layout = self._build_subject("Person", "person")
        self.group_box, group_layout, _form, self.group_name = self._named_box(
            frame, "Household &name", "householdName", "household.name", "household",
            placeholder="e.g. the household at 12 Example Road")
        self.members = self._rows(group_layout, self.group_box, "household_members", "member",
                                  [RowField("role", "Role in the household")], "Add mem&ber", "No members entered.")
        layout.addWidget(self.group_box)
        self.subject_choice.idToggled.connect(lambda *_a: self._subject_changed())
        self._subject_changed()

        frame, form = self._build_risk()
        self.presenting = text_box(frame, "presentingIssues", lines=4)
        self._row(form, frame, "Presenting iss&ues", self.presenting, "presenting_issues", error_beside=False)

    def _panel_draft(self, common: dict[str, Any]) -> ReferralDraft:
        person = self.person_chosen()
        return CsvgDraft(
            **common,
            person=self._person_draft(self.subject_person, contact=True) if person else None,
            household=None if person else GroupDraft(name=self.group_name.text()),
            household_members=() if person else tuple(
                LinkedPersonDraft(person=self._person_draft(row.entry), role=str(row.value("role")),
                                  case_role=self.asks.linked_role)
                for _n, row in self.members.filled_rows()
            ),
            flags=self._flags(), risk_level=self._risk(), presenting_issues=self.presenting.toPlainText(),
        )

    def _panel_reading_order(self) -> list[QWidget]:
        return [*self._subject_order(), self.group_name, *self.members.tab_chain(), *self._risk_order(),
                self.presenting]
