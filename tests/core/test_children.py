"""Children in their own right and serial perpetrators (issue 19, part A), on both engines: the
return's counts against hand-counted data, the details saved and read back, and need to know."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

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


# --- The quality report (SafeLives' ten principles) --------------------------------------------------


@pytest.fixture
def quality(ctx: ServiceContext, quarter: Quarter) -> Quarter:
    """The quarter's meeting (10 Feb: A, B, C, F heard) with a second (10 Mar: A reviewed), and
    what the quality report reads. The expected figures, counted by hand, are in the test."""
    from sqlalchemy import select

    from cspdesk.domain.enums import AgendaItemKind, AttendanceStatus, Listing, MeetingStatus, RiskLevel, Sector
    from cspdesk.storage import models as m

    at = lambda h, mi: datetime(2026, 2, 10, h, mi)  # noqa: E731 - a short clock for the rows below
    with ctx.unit_of_work() as s:
        first = s.scalar(select(m.Meeting).where(m.Meeting.panel_id == quarter.panel,
                                                m.Meeting.status == MeetingStatus.FINALISED))
        second = m.Meeting(panel_id=quarter.panel, starts_at=datetime(2026, 3, 10, 10), status=MeetingStatus.FINALISED,
                           created_at=first.created_at)
        s.add(second)
        s.flush()
        case = {k: s.get(m.Case, quarter.cases[k]) for k in "ABCF"}
        for key, risk, referred in (("A", RiskLevel.HIGH, date(2026, 1, 20)), ("B", RiskLevel.HIGH, date(2026, 2, 1)),
                                    ("C", RiskLevel.HIGH, date(2026, 1, 10)), ("F", RiskLevel.MEDIUM, date(2026, 2, 6))):
            case[key].risk_level, case[key].referral_date = risk, referred
        s.add(m.AgendaItem(meeting_id=second.id, position=1, kind=AgendaItemKind.CASE, case_id=case["A"].id,
                           listing=Listing.REVIEW))
        items = {i.case_id: i for i in s.scalars(select(m.AgendaItem).where(m.AgendaItem.meeting_id == first.id))}
        items[case["A"].id].started_at, items[case["A"].id].ended_at = at(10, 0), at(10, 12)  # 12 min
        items[case["B"].id].started_at = at(10, 12)  # no end: runs to C's start, 18 min
        items[case["C"].id].started_at, items[case["C"].id].ended_at = at(10, 30), at(10, 38)  # 8 min
        idva = m.Agency(name="Testshire IDVA Service", short_code="IDVA", sector=Sector.DOMESTIC_ABUSE)
        housing = m.Agency(name="Testshire Homes", short_code="TH", sector=Sector.HOUSING)
        s.add_all([idva, housing])
        s.flush()
        for meeting, agency, status in ((first, idva, AttendanceStatus.PRESENT),
                                        (first, quarter.police, AttendanceStatus.PRESENT),
                                        (first, housing, AttendanceStatus.APOLOGIES),
                                        (second, idva, AttendanceStatus.ABSENT),
                                        (second, quarter.police, AttendanceStatus.PRESENT)):
            agency_id = agency if isinstance(agency, int) else agency.id
            s.add(m.Attendance(meeting_id=meeting.id, agency_id=agency_id, status=status))
        for meeting, key in ((first, "A"), (first, "A"), (first, "B"), (second, "A")):
            s.add(m.Action(panel_id=quarter.panel, case_id=case[key].id, meeting_id=meeting.id, text="Safety plan",
                           created_at=first.created_at, updated_at=first.created_at))
    return quarter


def test_the_quality_report_measures_as_counted_by_hand(ctx: ServiceContext, quality: Quarter) -> None:
    from cspdesk.services.papers.quality import QualityService

    data = QualityService(ctx).build(quality.panel, QUARTER)
    idva = data.measure("High-risk cases with an IDVA present")
    # High-risk hearings: A, B, C at 10 Feb (IDVA present), A again at 10 Mar (IDVA absent): 3 of 4.
    assert (idva.value, idva.verdict) == ("3 of 4 (75.0%)", "below")
    minutes = data.measure("Minutes per case")
    # Timed: A 12, B 18 (to C's start), C 8; F and the review untimed: median 12, mean 12.7.
    assert minutes.value == "median 12.0 min, mean 12.7 min (3 of 5 case items timed)"
    assert minutes.verdict == "within"
    # Actions: A 2 + B 1 at 10 Feb, A 1 at 10 Mar = 4 over 5 hearings.
    assert data.measure("Actions per case").value == "0.8 (4 actions, 5 cases heard)"
    # Days from referral to 10 Feb for A, B, C, F: 21, 9, 31, 4 → sorted 4, 9, 21, 31.
    assert data.measure("Days from referral to hearing").value == \
        "median 15; 25th 8, 75th 24, 90th percentile 28 (4 cases)"
    repeat = data.measure("Repeat rate")  # C of A, B, C, F
    assert (repeat.value, repeat.verdict) == ("1 of 4 (25.0%)", "below")
    assert data.meeting_dates == (date(2026, 2, 10), date(2026, 3, 10))
    assert [(a.agency, a.marks, a.present) for a in data.attendance] == [
        ("Testshire Homes", ("A", "–"), 0), ("Testshire IDVA Service", ("P", "X"), 1),
        ("Testshire Police", ("P", "P"), 2)]


def test_minutes_not_recorded_when_nothing_was_timed(ctx: ServiceContext, quarter: Quarter) -> None:
    from cspdesk.services.papers.quality import QualityService

    data = QualityService(ctx).build(quarter.panel, QUARTER)
    assert data.measure("Minutes per case").value == "not recorded"
    assert data.attendance == ()


def test_the_quality_report_pdf_reads_back_marked(ctx: ServiceContext, quality: Quarter, tmp_path: Path) -> None:
    from pypdf import PdfReader
    from sqlalchemy import select

    from cspdesk.domain.enums import AuditKind
    from cspdesk.services.papers.quality import QualityService
    from cspdesk.storage.models import AuditEvent

    out = tmp_path / "quality.pdf"
    QualityService(ctx).write(quality.panel, QUARTER, out, invariant=True)
    reader = PdfReader(out)
    text = "\n".join(page.extract_text() for page in reader.pages)
    # (Cells wrap, and pypdf reads a table's wrapped cells line by line across the row: short phrases.)
    for expected in ("OFFICIAL-SENSITIVE", "Quality report", "3 of 4 (75.0%)", "Minutes per case", "10–15 min a case",
                     "Repeat rate", "1 of 4 (25.0%)", "Agencies' attendance by meeting", "Testshire IDVA Service",
                     "P present", "2 of 2"):
        assert expected in text, expected
    assert "Given" not in text  # no person's name in a panel report
    assert reader.metadata.title == "Quality report: Testshire MARAC, " + QUARTER.label
    with ctx.reading() as s:
        kinds = [(e.kind, e.details.get("report")) for e in s.scalars(select(AuditEvent))]
    assert (AuditKind.PRINT, "quality") in kinds


def test_the_quality_report_only_for_members_of_a_marac(ctx: ServiceContext, quarter: Quarter) -> None:
    from cspdesk.services.papers.quality import QualityService

    ctx.actor = _officer(quarter.other_panel)
    with pytest.raises(PermissionDenied):
        QualityService(ctx).build(quarter.panel, QUARTER)


# --- Redaction: a school identifies a child ---------------------------------------------------------


def test_a_childs_school_is_removed_from_papers_that_circulate(ctx: ServiceContext, quarter: Quarter) -> None:
    from cspdesk.domain.redaction import SCHOOL_REMOVED
    from cspdesk.services.papers.case_summary import CaseSummaryService
    from cspdesk.storage import models as m

    with ctx.unit_of_work() as s:
        s.get(m.Case, quarter.cases["A"]).summary = "Ask the DSL at Testtown Primary to watch for signs."
    full = CaseSummaryService(ctx).build(quarter.cases["A"], contact_details=True)
    c1 = next(p for p in full.people if p.name == "GivenC1 FamilyC1")
    assert c1.details == ("school: Testtown Primary, Encompass: school notified 21 Jan 2026 by Testshire Police, "
                          "children's services: child protection")
    shared = CaseSummaryService(ctx).build(quarter.cases["A"], contact_details=False)
    c1 = next(p for p in shared.people if p.name == "GivenC1 FamilyC1")
    assert c1.details.startswith(f"school: {SCHOOL_REMOVED}, Encompass: school notified")
    assert "children's services: child protection" in c1.details
    c3 = next(p for p in shared.people if p.name == "GivenC3 FamilyC3")
    assert "not in education" in c3.details
    assert "Testtown" not in repr(shared)


def test_the_redaction_rule_for_schools() -> None:
    from cspdesk.domain.redaction import SCHOOL_REMOVED, KnownContacts, redact_text

    known = KnownContacts.of([], ["Little Acorns Nursery", "  ", "Oakfield"])
    assert redact_text("Seen at little acorns nursery and at Oakfield on 12/03/2026.", known) == \
        f"Seen at {SCHOOL_REMOVED} and at {SCHOOL_REMOVED} on 12/03/2026."


# --- Meeting mode's brief ------------------------------------------------------------------------------


def test_the_brief_flags_a_serial_perpetrator_and_says_each_childs_details(ctx: ServiceContext,
                                                                         quarter: Quarter) -> None:
    from cspdesk.services.meetings.meetings import MeetingService

    ctx.actor = _officer(quarter.panel, role=Role.CHAIR)
    brief = MeetingService(ctx).case_brief(quarter.cases["A"], with_addresses=False)
    by_name = {p.name: p for p in brief.people}
    assert by_name["GivenP1 FamilyP1"].serial_perpetrator
    assert not by_name["GivenV1 FamilyV1"].serial_perpetrator
    assert by_name["GivenC1 FamilyC1"].child_details == (
        "Encompass: school notified 21 Jan 2026 by Testshire Police", "children's services: child protection")
    assert by_name["GivenC3 FamilyC3"].child_details == ("not in education", "children's services: none")
    shown = MeetingService(ctx).case_brief(quarter.cases["A"], with_addresses=True)
    assert {p.name: p for p in shown.people}["GivenC1 FamilyC1"].child_details[0] == "school: Testtown Primary"
    f_brief = MeetingService(ctx).case_brief(quarter.cases["F"], with_addresses=False)
    assert not any(p.serial_perpetrator for p in f_brief.people)
