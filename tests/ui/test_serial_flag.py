"""The serial-perpetrator flag (issue 19) where the case list and the case view show it: the
subject's badge and tooltip, the perpetrator's role — and nothing of the other cases."""

from __future__ import annotations

from datetime import date

from cspdesk.domain.children import SERIAL_FLAG
from cspdesk.domain.enums import CaseStatus, PanelType, PersonRole, SubjectKind
from cspdesk.services.referrals.cases import CaseRow, LinkedPerson
from cspdesk_gui.models.case_people import CasePeopleModel, PeopleColumn
from cspdesk_gui.models.case_table import _display, _tooltip, Column


def _row(**kw) -> CaseRow:  # noqa: ANN003
    return CaseRow(id=1, reference="MARAC-2026-0001", panel_id=1, panel_name="Testshire MARAC",
                   panel_type=PanelType.MARAC, referral_date=date(2026, 1, 20), subject_kind=SubjectKind.PERSON,
                   subject="Jo Bloggs", status=CaseStatus.OPEN, risk_level=None, referring_agency="",
                   review_date=None, open_actions=0, **kw)


def test_the_case_list_badges_a_case_with_a_serial_perpetrator() -> None:
    assert _display(_row(is_repeat=False, serial_perpetrator=True), Column.SUBJECT) == \
        "Jo Bloggs (serial perpetrator)"
    assert _display(_row(is_repeat=True, serial_perpetrator=True), Column.SUBJECT) == \
        "Jo Bloggs (repeat; serial perpetrator)"
    assert _display(_row(is_repeat=False), Column.SUBJECT) == "Jo Bloggs"
    assert SERIAL_FLAG in (_tooltip(_row(is_repeat=False, serial_perpetrator=True), Column.SUBJECT) or "")


def test_the_case_view_flags_the_perpetrator(qtmodeltester) -> None:
    people = [LinkedPerson(1, "Jo Bloggs", PersonRole.VICTIM, None, "", "", None),
              LinkedPerson(2, "Sam Perp", PersonRole.PERPETRATOR, None, "", "", None, serial_perpetrator=True)]
    model = CasePeopleModel(people)
    qtmodeltester.check(model)
    assert model.index(1, PeopleColumn.ROLE).data() == f"Perpetrator · {SERIAL_FLAG}"
    assert model.index(0, PeopleColumn.ROLE).data() == "Victim"
