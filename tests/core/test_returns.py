"""The quarterly data return: the figures, small-number suppression, the PDF, CSV and XLSX."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from constants import DEMO_TODAY
from cspdesk.domain.enums import (
    AgendaItemKind,
    AuditKind,
    CaseStatus,
    Listing,
    MeetingStatus,
    PanelType,
    PersonRole,
    Role,
    Sector,
    SubjectKind,
    VulnerabilityFlag,
)
from cspdesk.domain.rules import normalise_name
from cspdesk.services.context import Actor, ServiceContext
from cspdesk.services.errors import PermissionDenied, ValidationError
from cspdesk.services.papers.returns import ReturnService, between, quarter
from cspdesk.storage import models as m

MAIDSTONE_YEAR = between(date(2018, 10, 1), date(2019, 9, 30))
CREATED = datetime(2018, 1, 1)


def _pdf_text(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


@pytest.fixture
def maidstone(ctx: ServiceContext) -> int:
    """A synthetic MARAC year mirroring the Maidstone figures in the seeds (Oct 2018 – Sep 2019:
    202 cases, 66 repeats, 232 children), with hearings that must *not* count around it: reviews,
    a meeting still only planned, and meetings either side of the year. Returns the panel id."""
    with ctx.unit_of_work() as s:
        s.add(m.Partnership(name="Maidstone Community Safety Partnership (synthetic)", created_at=CREATED,
                            population_adult_women=80_000))
        police = m.Agency(name="Kent Police", short_code="KP", sector=Sector.POLICE)
        idva = m.Agency(name="Choices IDVA Service", short_code="IDVA", sector=Sector.DOMESTIC_ABUSE)
        housing = m.Agency(name="Golding Homes", short_code="GH", sector=Sector.HOUSING)
        panel = m.Panel(name="Maidstone MARAC", panel_type=PanelType.MARAC, ref_prefix="MARAC", created_at=CREATED)
        s.add_all([police, idva, housing, panel])
        s.flush()

        def person(n: int, *, born: date, gender: str = "Female", **extra: object) -> m.Person:
            given, family = f"Given{n}", f"Family{n}"
            p = m.Person(given_name=given, family_name=family, given_norm=normalise_name(given),
                         family_norm=normalise_name(family), date_of_birth=born, gender=gender,
                         created_at=CREATED, **extra)
            s.add(p)
            return p

        # 26 fortnightly meetings in the year, plus one either side and a planned one inside it.
        first = datetime(2018, 10, 4, 10, 0)
        held = [m.Meeting(panel_id=panel.id, starts_at=first + timedelta(days=14 * i), status=MeetingStatus.FINALISED,
                          created_at=CREATED) for i in range(26)]
        before = m.Meeting(panel_id=panel.id, starts_at=datetime(2018, 9, 27, 10), status=MeetingStatus.FINALISED,
                           created_at=CREATED)
        after = m.Meeting(panel_id=panel.id, starts_at=datetime(2019, 10, 3, 10), status=MeetingStatus.HELD,
                          created_at=CREATED)
        planned = m.Meeting(panel_id=panel.id, starts_at=datetime(2019, 9, 26, 10), status=MeetingStatus.PLANNED,
                            created_at=CREATED)
        s.add_all([*held, before, after, planned])
        s.flush()

        seq = 0
        children_left = 232

        def case(meeting: m.Meeting, listing: Listing, *, children: int, agency: m.Agency,
                 victim_extra: dict | None = None, young_perpetrator: bool = False) -> m.Case:
            nonlocal seq
            seq += 1
            referred = meeting.starts_at.date() - timedelta(days=9)
            victim = person(seq, **{"born": date(1985, 5, 5), **(victim_extra or {})})
            perpetrator = person(10_000 + seq, born=date(2002, 1, 1) if young_perpetrator else date(1980, 1, 1),
                                 gender="Male")
            c = m.Case(panel_id=panel.id, reference=f"MARAC-{referred.year}-{seq:04d}", ref_year=referred.year,
                       ref_seq=seq, referral_date=referred, referring_agency_id=agency.id,
                       subject_kind=SubjectKind.PERSON, subject_person=victim, status=CaseStatus.OPEN,
                       crit_visible_high_risk=True, created_at=CREATED, updated_at=CREATED)
            s.add(c)
            s.flush()
            s.add(m.CasePerson(case_id=c.id, person_id=victim.id, role=PersonRole.VICTIM))
            s.add(m.CasePerson(case_id=c.id, person_id=perpetrator.id, role=PersonRole.PERPETRATOR))
            for k in range(children):
                child = person(20_000 + seq * 10 + k, born=date(2012, 3, 3))
                s.flush()
                s.add(m.CasePerson(case_id=c.id, person_id=child.id, role=PersonRole.CHILD))
            s.add(m.AgendaItem(meeting_id=meeting.id, position=seq, kind=AgendaItemKind.CASE, case_id=c.id,
                               listing=listing))
            return c

        heard: list[m.Case] = []
        for i in range(202):
            meeting = held[i % 26]
            listing = Listing.REPEAT if i < 66 else (Listing.TRANSFERRED_IN if i % 50 == 7 else Listing.NEW)
            children = min(children_left, 2 if i < 30 else 1)  # 30×2 + 172×1 = 232
            children_left -= children
            agency = police if i % 3 else (idva if i % 2 else housing)  # 134 police, 68 partners
            extra: dict[str, object] = {}
            if i % 10 == 0:
                extra["racially_minoritised"] = True  # 21
            if i % 25 == 1:
                extra["gender"] = "Male"  # 9
            if i in (5, 6, 7):
                extra["born"] = date(2002, 2, 1)  # 16 or 17 on the referral date
            heard.append(case(meeting, listing, children=children, agency=agency, victim_extra=extra,
                              young_perpetrator=i in (11, 12)))
        assert children_left == 0
        # Not counted: reviews of cases already heard, hearings outside the year, a planned meeting.
        for i in range(40):
            s.add(m.AgendaItem(meeting_id=held[(i % 25) + 1].id, position=900 + i, kind=AgendaItemKind.CASE,
                               case_id=heard[i].id, listing=Listing.REVIEW))
        for meeting in (before, after, planned):
            for _ in range(4):
                case(meeting, Listing.NEW, children=3, agency=police)
        return panel.id


def test_maidstone_year_shows_the_seed_figures(ctx: ServiceContext, maidstone: int) -> None:
    data = ReturnService(ctx).build(maidstone, MAIDSTONE_YEAR)
    assert data.figure("Cases discussed", "Meetings held").count == 26
    assert data.figure("Cases discussed", "Cases discussed").count == 202
    repeats = data.figure("Cases discussed", "Repeat cases")
    assert (repeats.count, repeats.of) == (66, 202)
    assert data.shown_percent(repeats) == "32.7%"
    assert data.figure("Cases discussed", "Children in the households").count == 232
    assert data.figure("Cases discussed", "Cases per 10,000 adult women").text == "25.3"  # 202 / 80,000 × 10,000
    assert data.figure("Referrals", "Referred by the police").count == 134
    partners = data.figure("Referrals", "Referred by partner agencies (not police)")
    assert (partners.count, data.shown_percent(partners)) == (68, "33.7%")
    assert data.figure("Victims", "Racially minoritised victims").count == 21
    assert data.figure("Victims", "Male victims").count == 9
    assert data.figure("Victims", "Victims aged 16–17").count == 3
    assert data.figure("Victims", "Perpetrators aged 17 or under").count == 2
    assert data.figure("Referrals by agency", "Kent Police").count == 134
    # The year before holds only the one meeting before the period (4 cases).
    assert data.figure("Cases discussed", "Same period a year earlier").count == 4
    per_month = dict(zip(data.charts[0].labels, data.charts[0].values, strict=True))
    assert len(per_month) == 12 and sum(per_month.values()) == 202


def test_maidstone_pdf_reads_back(ctx: ServiceContext, maidstone: int, tmp_path: Path) -> None:
    out = tmp_path / "return.pdf"
    ReturnService(ctx).write(maidstone, MAIDSTONE_YEAR, out, invariant=True)
    pages = _pdf_text(out)
    total = len(pages)
    for number, text in enumerate(pages, start=1):
        assert text.count("OFFICIAL-SENSITIVE") >= 2, f"page {number} lacks the marking top and bottom"
        assert f"Page {number} of {total}" in text
        assert "Printed by local on" in text
        assert "Maidstone MARAC" in text
    everything = " ".join(" ".join(pages).split())
    for expected in ("reviews not counted 202", "Repeat cases 66 32.7%", "Children in the households 232",
                     "Meetings held 26", "Cases discussed per month", "Referrals by agency"):
        assert expected in everything, expected
    with ctx.reading() as s:
        kind, details = s.execute(select(m.AuditEvent.kind, m.AuditEvent.details)
                                  .order_by(m.AuditEvent.id.desc()).limit(1)).one()
    assert kind is AuditKind.PRINT and details["file"] == "return.pdf"


def test_small_numbers_are_suppressed_everywhere(ctx: ServiceContext, maidstone: int, tmp_path: Path) -> None:
    service = ReturnService(ctx)
    service.write(maidstone, MAIDSTONE_YEAR, tmp_path / "r.csv", suppress_small=True)
    rows = list(csv.reader(io.StringIO((tmp_path / "r.csv").read_bytes().decode("utf-8-sig"))))
    by_name = {r[1]: r for r in rows if len(r) == 6}
    assert by_name["Victims aged 16–17"][2:5] == ["<5", "", ""]  # 3: no count, no denominator, no %
    assert by_name["Perpetrators aged 17 or under"][2] == "<5"
    assert by_name["Male victims"][2:5] == ["9", "202", "4.5"]  # 9 is not small
    assert by_name["Repeat cases"][2] == "66"
    service.write(maidstone, MAIDSTONE_YEAR, tmp_path / "r.pdf", suppress_small=True)
    text = " ".join(" ".join(_pdf_text(tmp_path / "r.pdf")).split())
    assert "Victims aged 16–17 <5" in text
    assert "Victims aged 16–17 3" not in text
    # Unsuppressed, the same figure shows as counted.
    plain = service.build(maidstone, MAIDSTONE_YEAR)
    assert plain.value(plain.figure("Victims", "Victims aged 16–17")) == "3"


def test_xlsx_holds_numbers(ctx: ServiceContext, maidstone: int, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    ReturnService(ctx).write(maidstone, MAIDSTONE_YEAR, tmp_path / "r.xlsx")
    book = load_workbook(tmp_path / "r.xlsx", read_only=True)
    try:  # a read-only workbook keeps its file open until closed
        rows = {r[1]: r for r in book.active.iter_rows(values_only=True) if r and len(r) >= 5}
    finally:
        book.close()
    assert rows["Cases discussed"][2] == 202
    assert rows["Repeat cases"][2:5] == (66, 202, pytest.approx(32.7))
    with ctx.reading() as s:
        assert s.scalar(select(func.count()).select_from(m.AuditEvent).where(m.AuditEvent.kind == AuditKind.EXPORT)) == 1


def test_quarters() -> None:
    q = quarter("2026Q3")
    assert (q.start, q.end) == (date(2026, 7, 1), date(2026, 9, 30))
    assert quarter("2025 q4").end == date(2025, 12, 31)
    assert quarter("2026-Q1").months() == [(2026, 1), (2026, 2), (2026, 3)]
    for bad in ("2026Q5", "Q3", "", "2026 third"):
        with pytest.raises(ValidationError, match="not a quarter"):
            quarter(bad)
    with pytest.raises(ValidationError, match="ends before it starts"):
        between(date(2026, 2, 1), date(2026, 1, 1))


def test_csvg_counts_cases_by_flag(demo_ctx: ServiceContext) -> None:
    service = ReturnService(demo_ctx)
    panel_id = service.panel_id_by_name("maidstone csvg")
    period = quarter("2026Q3")
    data = service.build(panel_id, period)
    with demo_ctx.reading() as s:
        in_period = select(m.Case.id).where(m.Case.panel_id == panel_id, m.Case.referral_date >= period.start,
                                            m.Case.referral_date <= period.end)
        total = s.scalar(select(func.count()).select_from(in_period.subquery()))
        mental = s.scalar(select(func.count()).select_from(m.CaseFlag).where(
            m.CaseFlag.case_id.in_(in_period), m.CaseFlag.flag == VulnerabilityFlag.MENTAL_HEALTH))
    assert total > 20
    assert data.figure("Referrals", "Referrals received").count == total
    measure = data.figure("Cases by vulnerability flag", VulnerabilityFlag.MENTAL_HEALTH.label)
    assert (measure.count, measure.of) == (mental, total)


def test_socp_counts_ocgs(demo_ctx: ServiceContext) -> None:
    service = ReturnService(demo_ctx)
    data = service.build(service.panel_id_by_name("Kent SOCP"), between(date(2000, 1, 1), DEMO_TODAY))
    with demo_ctx.reading() as s:
        archived = s.scalar(select(func.count()).select_from(m.SubjectGroup).where(
            m.SubjectGroup.archived_on.is_not(None)))
    assert data.figure("Organised crime groups", "OCGs archived in the period").count == archived > 0
    assert data.figure("Organised crime groups", "OCGs managed in the period").count > archived


def test_members_only_and_nothing_written_when_refused(demo_ctx: ServiceContext, tmp_path: Path) -> None:
    service = ReturnService(demo_ctx)
    socp = service.panel_id_by_name("Kent SOCP")
    officer = ServiceContext(store=demo_ctx.store, actor=Actor(user_id=None, username="o", role=Role.OFFICER,
                                                               panel_ids=frozenset({socp + 100})))
    out = tmp_path / "r.pdf"
    with pytest.raises(PermissionDenied):
        ReturnService(officer).write(socp, quarter("2026Q3"), out)
    assert not out.exists()
    with pytest.raises(ValidationError, match="must end in"):
        service.write(socp, quarter("2026Q3"), tmp_path / "r.docx")


# --- The case summary (printed through the same furniture) ---------------------------------------------


def test_case_summary_pdf(demo_ctx: ServiceContext, tmp_path: Path) -> None:
    from cspdesk.services.papers.case_summary import CaseSummaryService

    with demo_ctx.reading() as s:
        # A heard MARAC case with actions and a DASH: the richest kind.
        case_id, reference = s.execute(
            select(m.Case.id, m.Case.reference).join(m.Panel, m.Panel.id == m.Case.panel_id)
            .where(m.Panel.panel_type == PanelType.MARAC, m.Case.status == CaseStatus.CLOSED,
                   m.Case.id.in_(select(m.Action.case_id)), m.Case.id.in_(select(m.RiskAssessment.case_id)))
            .order_by(m.Case.id).limit(1)).one()
        actions = s.scalars(select(m.Action.text).where(m.Action.case_id == case_id)).all()
        victim = s.execute(select(m.Person).join(m.CasePerson, m.CasePerson.person_id == m.Person.id)
                           .where(m.CasePerson.case_id == case_id, m.CasePerson.role == PersonRole.VICTIM)).scalar_one()
        victim_name, victim_phone, victim_postcode = f"{victim.given_name} {victim.family_name}", victim.phone, victim.postcode
    service = CaseSummaryService(demo_ctx)
    assert service.case_id(reference.lower()) == case_id

    full, bare = tmp_path / "full.pdf", tmp_path / "bare.pdf"
    service.write(case_id, full)
    service.write(case_id, bare, contact_details=False)
    pages = _pdf_text(full)
    for number, text in enumerate(pages, start=1):
        assert text.count("OFFICIAL-SENSITIVE") >= 2 and f"Page {number} of {len(pages)}" in text
    text = " ".join(" ".join(pages).split())
    assert reference in text and victim_name in text and "DASH risk checklist" in text
    for action in actions:
        assert " ".join(action.split())[:60] in text
    assert victim_phone and victim_phone in text and victim_postcode in text
    bare_text = " ".join(" ".join(_pdf_text(bare)).split())
    assert victim_name in bare_text
    assert victim_phone not in bare_text and victim_postcode not in bare_text
    assert "leaves out addresses, telephone numbers" in bare_text


def test_case_summary_only_for_members(demo_ctx: ServiceContext, tmp_path: Path) -> None:
    from cspdesk.services.papers.case_summary import CaseSummaryService
    from cspdesk.services.errors import NotFound

    with demo_ctx.reading() as s:
        reference, panel_id = s.execute(select(m.Case.reference, m.Case.panel_id).limit(1)).one()
    outsider = ServiceContext(store=demo_ctx.store, actor=Actor(user_id=None, username="o", role=Role.OFFICER,
                                                                panel_ids=frozenset({panel_id + 100})))
    with pytest.raises(NotFound):
        CaseSummaryService(outsider).case_id(reference)
    case_id = CaseSummaryService(demo_ctx).case_id(reference)
    # Answered as a case that does not exist (issue 22: a refusal is no oracle).
    with pytest.raises(NotFound, match="does not exist, or is on a panel you are not a member of"):
        CaseSummaryService(outsider).write(case_id, tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_a_panel_has_history_once_a_case_is_referred_or_a_meeting_held(ctx: ServiceContext) -> None:
    """The Reports page says "nothing to report yet" for a new panel, not "choose another quarter"."""
    with ctx.unit_of_work() as s:
        s.add(m.Partnership(name="Safer Testshire", created_at=CREATED))
        panel = m.Panel(name="Testshire MARAC", panel_type=PanelType.MARAC, ref_prefix="TM", created_at=CREATED)
        s.add(panel)
        s.flush()
        panel_id = panel.id
        s.add(m.Meeting(panel_id=panel_id, starts_at=datetime(2026, 1, 8, 10), status=MeetingStatus.PLANNED,
                        created_at=CREATED))
    service = ReturnService(ctx)
    assert not service.has_history(panel_id)  # a meeting only planned has not been held
    board = service.dashboard(panel_id, quarter("2026Q1"))
    assert board.has_history is False and board.data.meeting_dates == ()
    with ctx.unit_of_work() as s:
        s.scalars(select(m.Meeting)).one().status = MeetingStatus.HELD
    assert service.has_history(panel_id)
