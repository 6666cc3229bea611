"""Children in their own right and serial perpetrators (issue 19, part A), on both engines: the
return's counts against hand-counted data, the details saved and read back, and need to know."""

from __future__ import annotations

from datetime import date

import pytest

from core.children_setup import EXPECTED, QUARTER, Quarter, make_quarter
from cspdesk.domain.children import SERIAL_FLAG, ChildDetails, CscStatus, csc_status_from_text, is_serial
from cspdesk.domain.enums import PersonRole, Role
from cspdesk.services.context import Actor, ServiceContext
from cspdesk.services.errors import NotFound, PermissionDenied, ValidationError
from cspdesk.services.papers.returns import ReturnService
from cspdesk.services.referrals.cases import CaseService
from cspdesk.services.referrals.children import ChildrenService


@pytest.fixture
def quarter(ctx: ServiceContext) -> Quarter:
    return make_quarter(ctx)


def _officer(*panels: int, role: Role = Role.OFFICER) -> Actor:
    return Actor(user_id=None, username="officer", role=role, panel_ids=frozenset(panels))


def test_the_return_counts_children_and_serial_perpetrators_as_counted_by_hand(ctx: ServiceContext,
                                                                                 quarter: Quarter) -> None:
    data = ReturnService(ctx).build(quarter.panel, QUARTER)
    got = {key: data.figure(*key).count for key in EXPECTED}
    assert got == EXPECTED
    assert data.figure("Serial perpetrators", "Cases involving a serial perpetrator").of == 4


def test_child_details_are_saved_and_read_back(ctx: ServiceContext, quarter: Quarter) -> None:
    service = ChildrenService(ctx)
    before = {c.case_person_id: c for c in service.children(quarter.cases["A"])}
    assert before[quarter.links["C1"]].details.csc_status is CscStatus.CHILD_PROTECTION
    assert before[quarter.links["C1"]].encompass_agency == "Testshire Police"
    assert before[quarter.links["C3"]].details.education_text() == "Not in education"
    wanted = ChildDetails(education_setting="Testtown Academy", encompass_notified=True,
                          encompass_on=date(2026, 2, 2), encompass_by_agency_id=quarter.police,
                          encompass_by="DSL", csc_status=CscStatus.CHILD_IN_NEED)
    result = service.set_details(quarter.cases["A"], quarter.links["C2"], wanted)
    assert result.changes.cases
    again = {c.case_person_id: c for c in service.children(quarter.cases["A"])}
    assert again[quarter.links["C2"]].details == wanted
    # A child first given details here (C4 had none of Encompass) gets a row too.
    service.set_details(quarter.cases["B"], quarter.links["C4"], ChildDetails(not_in_education=True))
    (c4,) = service.children(quarter.cases["B"])
    assert c4.details == ChildDetails(not_in_education=True)


def test_contradictory_details_are_refused_naming_the_field(ctx: ServiceContext, quarter: Quarter) -> None:
    service = ChildrenService(ctx)
    with pytest.raises(ValidationError) as err:
        service.set_details(quarter.cases["A"], quarter.links["C1"],
                            ChildDetails(not_in_education=True, education_setting="Testtown Primary"))
    assert err.value.field == "child.education_setting" and "Testtown" not in str(err.value)
    with pytest.raises(ValidationError) as err:
        service.set_details(quarter.cases["A"], quarter.links["C1"],
                            ChildDetails(encompass_notified=False, encompass_on=date(2026, 1, 2)))
    assert err.value.field == "child.encompass_notified"
    with pytest.raises(NotFound):  # a child of another case
        service.set_details(quarter.cases["B"], quarter.links["C1"], ChildDetails())


def test_only_members_who_edit_cases_change_a_childs_details(ctx: ServiceContext, quarter: Quarter) -> None:
    ctx.actor = _officer(quarter.panel)
    with pytest.raises(PermissionDenied):
        ChildrenService(ctx).set_details(quarter.cases["A"], quarter.links["C1"], ChildDetails())
    ctx.actor = _officer(quarter.other_panel, role=Role.COORDINATOR)
    with pytest.raises(NotFound):
        ChildrenService(ctx).children(quarter.cases["A"])
    with pytest.raises(NotFound):
        ChildrenService(ctx).set_details(quarter.cases["A"], quarter.links["C1"], ChildDetails())


def test_a_user_on_the_other_panel_sees_the_flag_but_not_the_other_cases(ctx: ServiceContext,
                                                                         quarter: Quarter) -> None:
    """P2 is perpetrator on case C (this panel, victim V3) and case D (the other panel, victim V4)."""
    ctx.actor = _officer(quarter.other_panel)
    cases = CaseService(ctx)
    (row,) = cases.case_rows([quarter.cases["D"], quarter.cases["C"]])  # C is not theirs: left out
    assert row.id == quarter.cases["D"] and row.serial_perpetrator
    detail = cases.get_case(quarter.cases["D"])
    flagged = [p for p in detail.people if p.serial_perpetrator]
    assert [(p.person_id, p.role) for p in flagged] == [(quarter.people["P2"], PersonRole.PERPETRATOR)]
    with pytest.raises(NotFound):
        cases.get_case(quarter.cases["C"])
    # On this panel: A and B (P1), C (P2) flagged; F (P4, one victim) and E (P3) not.
    ctx.actor = _officer(quarter.panel)
    rows = {r.id: r.serial_perpetrator for r in CaseService(ctx).case_rows(
        [quarter.cases[k] for k in "ABCEF"])}
    assert rows == {quarter.cases["A"]: True, quarter.cases["B"]: True, quarter.cases["C"]: True,
                    quarter.cases["E"]: False, quarter.cases["F"]: False}


def test_the_rules() -> None:
    assert not is_serial(1) and is_serial(2)
    assert SERIAL_FLAG == "Serial perpetrator (2+ victims)"
    assert csc_status_from_text("CIN") is CscStatus.CHILD_IN_NEED
    assert csc_status_from_text(" Child protection ") is CscStatus.CHILD_PROTECTION
    assert csc_status_from_text("LAC") is CscStatus.LOOKED_AFTER
    assert csc_status_from_text("") is None
    with pytest.raises(ValueError):
        csc_status_from_text("maybe")
