"""The CARM referral form: a young person, a peer group or a place, the people linked to it, the
vulnerability flags and a risk level."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLineEdit, QWidget

from cspdesk.services.referrals.referrals import CarmDraft, GroupDraft, LinkedPersonDraft, PlaceDraft, ReferralDraft
from cspdesk_gui.referrals.people import RowField
from cspdesk_gui.referrals.subject_form import SubjectReferralForm


class CarmReferralForm(SubjectReferralForm):
    """A referral to a CARM panel: about a young person, a peer group or a place."""

    def _build_sections(self) -> None:
        frame, layout = self._build_subject("Young person", "youngPerson")
        self.group_box, _layout, _form, self.group_name = self._named_box(
            frame, "Peer group &name", "peerGroupName", "peer_group.name", "peer_group")
        layout.addWidget(self.group_box)
        self.place_box, _layout, place_form, self.place_name = self._named_box(
            frame, "Place &name", "placeName", "place.name", "place")
        self.place_address = QLineEdit(self.place_box)
        self.place_address.setObjectName("placeAddress")
        self._row(place_form, self.place_box, "Addre&ss", self.place_address, "place.address")
        layout.addWidget(self.place_box)
        self.subject_choice.idToggled.connect(lambda *_a: self._subject_changed())

        frame, layout = self._section("People linked")
        self.linked = self._rows(layout, frame, "linked", "linked person",
                                 [RowField("role", "Role or relationship")], "Add linked pers&on",
                                 "No one linked yet.")
        self._build_risk()
        self._subject_changed()

    def _panel_draft(self, common: dict[str, Any]) -> ReferralDraft:
        kind = self.subject_choice.checkedId()
        return CarmDraft(
            **common,
            young_person=self._person_draft(self.subject_person, contact=True) if kind == 0 else None,
            peer_group=GroupDraft(name=self.group_name.text()) if kind == 1 else None,
            place=PlaceDraft(name=self.place_name.text(), address=self.place_address.text()) if kind == 2 else None,
            linked=tuple(
                LinkedPersonDraft(person=self._person_draft(row.entry), role=str(row.value("role")),
                                  case_role=self.asks.linked_role)
                for _n, row in self.linked.filled_rows()
            ),
            flags=self._flags(), risk_level=self._risk(),
        )

    def _panel_reading_order(self) -> list[QWidget]:
        return [*self._subject_order(), self.group_name, self.place_name, self.place_address,
                *self.linked.tab_chain(), *self._risk_order()]
