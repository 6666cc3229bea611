"""The quarterly data return: the figures a panel reports for a period, as PDF, CSV or XLSX.

MARAC figures follow the SafeLives national dataset (RESEARCH.md §4.6): they are counted **per
meeting** — a case heard at a meeting held in the period counts once for that meeting. Reviews of a
case already heard are not counted again (SafeLives counts cases discussed, not hearings of them).

- *Cases discussed*: agenda items about a case, listed as new, repeat or transferred in, at meetings
  of the panel held in the period (any meeting that is not still only planned).
- *Repeats*: those cases listed as a repeat, or whose referral was recorded as a repeat.
- *Children in the household*: the children linked to those cases (or, for a case imported from a
  log that gives only a number of children, that number, if more).
- *Referrals by agency*: the referring agency of those cases; police are agencies of the police
  sector, every other agency is a partner.
- *Victims*: the victim linked to each case (racially minoritised, LGBT+, disability as recorded;
  male from the recorded gender; aged 16–17 on the referral date). *Perpetrators aged 17 or under*
  counts perpetrators, not cases.
- *Cases per 10,000 adult women*: cases discussed ÷ the partnership's adult female population
  (a setting) × 10,000, for the period as given (SafeLives' 40 per 10,000 is per year).

SOCP: organised crime groups managed (linked to the panel, created by the end of the period and not
archived before its start), new in the period, and archived in the period. CSVG and CARM: referrals
received in the period, by vulnerability flag with the % of cases.

Counts under the partnership's small-number threshold (default 5) are shown as "<5" when the reader
asks (``suppress_small``); percentages of suppressed counts are left out too.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, func, select, union
from sqlalchemy.orm import Session

from cspdesk.domain.ages import age_on_or_none
from cspdesk.domain.children import CscStatus
from cspdesk.domain.enums import (
    AgendaItemKind,
    AuditKind,
    CaseStatus,
    GroupKind,
    GroupStatus,
    Listing,
    PanelType,
    PersonRole,
    Sector,
    VulnerabilityFlag,
)
from cspdesk.domain.hearings import MET_STATUSES
from cspdesk.domain.marking import marking_or_default
from cspdesk.domain.periods import Period
from cspdesk.domain.periods import between as _between
from cspdesk.domain.periods import quarter as _quarter
from cspdesk.reports.data_return import ChartSvg, DataReturn, Measure, Section, Series, one_decimal
from cspdesk.services.audit import audit
from cspdesk.services.context import Permission, ServiceContext
from cspdesk.services.errors import NotFound, ValidationError
from cspdesk.services.files import check_output_path, write_atomically
from cspdesk.services.meetings.meetings import heard_clause
from cspdesk.storage.models import (
    Action,
    Agency,
    AgendaItem,
    Case,
    CaseFlag,
    CasePerson,
    Meeting,
    Panel,
    Partnership,
    Person,
    SubjectGroup,
)

MALE_GENDERS = frozenset({"male", "m", "man", "trans man"})
NOT_RECORDED = "Not recorded"


# --- The service -------------------------------------------------------------------------------------


def quarter(text: str) -> Period:
    """``2026Q3``; a plain ValidationError naming the quarter for anything else."""
    try:
        return _quarter(text)
    except ValueError as exc:
        raise ValidationError("quarter", str(exc)) from None


def between(start: date, end: date) -> Period:
    try:
        return _between(start, end)
    except ValueError as exc:
        raise ValidationError("period", str(exc)) from None


@dataclass(frozen=True)
class ReturnDashboard:
    """What the app's Reports page shows for one panel and period: the figures, and the return's
    charts drawn as SVG by the same code that draws them in the PDF."""

    data: DataReturn
    charts: tuple[ChartSvg, ...]
    #: Whether the panel has had anything a return counts, in any period: a case referred to it or
    #: a meeting held. A new panel has not: there is nothing to report yet, whatever the period.
    has_history: bool = True


class ReturnService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def panel_id_by_name(self, name: str) -> int:
        """A panel of the user's by its name, case-insensitively (the CLI's ``--panel``). Another
        panel is answered as one that does not exist, and only the user's panels are listed."""
        self._ctx.require(Permission.VIEW_CASES)
        with self._ctx.reading() as s:
            panels = [(pid, pname) for pid, pname in s.execute(select(Panel.id, Panel.name).order_by(Panel.name))
                      if self._ctx.actor.sees_panel(pid)]
        wanted = name.strip().casefold()
        for pid, pname in panels:
            if pname.casefold() == wanted:
                return pid
        raise NotFound(f"You have no panel called “{name}”. Your panels: {', '.join(p for _, p in panels) or 'none'}.")

    def build(self, panel_id: int, period: Period, *, suppress_small: bool = False) -> DataReturn:
        """The figures of one panel for ``period``. Viewers and up, members of the panel."""
        self._ctx.require(Permission.VIEW_CASES, panel_id=panel_id)
        with self._ctx.reading() as s:
            return self._build(s, panel_id, period, suppress_small)

    def write(self, panel_id: int, period: Period, out: Path, *, suppress_small: bool = False,
              invariant: bool = False) -> DataReturn:
        """The return written to ``out`` — a .pdf (with charts), .csv or .xlsx — and the print or
        export recorded in the audit trail (in the same transaction: no entry, no file)."""
        out = check_output_path(out, (".pdf", ".csv", ".xlsx"))
        self._ctx.require(Permission.VIEW_CASES, panel_id=panel_id)
        kind = out.suffix.lower()
        with self._ctx.unit_of_work() as s:
            data = self._build(s, panel_id, period, suppress_small)
            if kind == ".pdf":
                from cspdesk.reports.data_return import render_data_return_pdf

                content = render_data_return_pdf(data, invariant=invariant)
            elif kind == ".csv":
                from cspdesk.reports.data_return import data_return_csv

                content = data_return_csv(data)
            else:
                from cspdesk.reports.data_return import data_return_xlsx

                content = data_return_xlsx(data)
            audit.record(s, self._ctx.actor, AuditKind.PRINT if kind == ".pdf" else AuditKind.EXPORT,
                         "panel", panel_id,
                         {"report": "data_return", "period": f"{period.start}..{period.end}",
                          "file": out.name, "suppress_small": suppress_small}, at=self._ctx.now())
            write_atomically(out, content)
        return data

    def dashboard(self, panel_id: int, period: Period, *, suppress_small: bool = False) -> ReturnDashboard:
        """The figures and the charts (SVG) for the app's dashboard. Reading figures on screen is
        not a print or an export: nothing is recorded."""
        data = self.build(panel_id, period, suppress_small=suppress_small)
        from cspdesk.reports.data_return import data_return_charts

        return ReturnDashboard(data, data_return_charts(data), self.has_history(panel_id))

    def has_history(self, panel_id: int) -> bool:
        """True once a case has been referred to the panel or one of its meetings held."""
        self._ctx.require(Permission.VIEW_CASES, panel_id=panel_id)
        held = select(Meeting.id).where(Meeting.panel_id == panel_id, Meeting.status.in_(MET_STATUSES))
        with self._ctx.reading() as s:
            return (s.scalar(select(select(Case.id).where(Case.panel_id == panel_id).exists())) or
                    s.scalar(select(held.exists()))) or False

    def render(self, panel_id: int, period: Period, *, suppress_small: bool = False,
               invariant: bool = False) -> bytes:
        """The return as PDF bytes, for the print preview. Not recorded: nothing has left the
        app yet — :meth:`write` (Save as PDF) and :meth:`record_printed` (Print) record it."""
        data = self.build(panel_id, period, suppress_small=suppress_small)
        from cspdesk.reports.data_return import render_data_return_pdf

        return render_data_return_pdf(data, invariant=invariant)

    def record_printed(self, panel_id: int, period: Period, *, suppress_small: bool, pages: int,
                       printer: str) -> None:
        """Record in the audit trail that the return went to a printer (``pages`` pages)."""
        self._ctx.require(Permission.VIEW_CASES, panel_id=panel_id)
        with self._ctx.unit_of_work() as s:
            audit.record(s, self._ctx.actor, AuditKind.PRINT, "panel", panel_id,
                         {"report": "data_return", "period": f"{period.start}..{period.end}",
                          "printer": printer, "pages": pages, "suppress_small": suppress_small},
                         at=self._ctx.now())

    # -- building ------------------------------------------------------------------------------------

    def _build(self, s: Session, panel_id: int, period: Period, suppress_small: bool) -> DataReturn:
        panel = s.get(Panel, panel_id)
        if panel is None:
            raise NotFound("That panel no longer exists.")
        partnership = s.scalars(select(Partnership)).first()
        common = dict(
            partnership=partnership.name if partnership else "",
            protective_marking=marking_or_default(partnership.protective_marking if partnership else None),
            panel=panel.name,
            panel_type=panel.panel_type,
            period=period,
            generated_at=self._ctx.now(),
            generated_by=self._ctx.actor.username,
            suppress_small=suppress_small,
            small_threshold=partnership.small_number_threshold if partnership else 5,
        )
        if panel.panel_type is PanelType.MARAC:
            return DataReturn(**common, **_marac(s, panel, period, partnership))
        if panel.panel_type is PanelType.SOCP:
            return DataReturn(**common, **_socp(s, panel, period))
        return DataReturn(**common, **_referrals(s, panel, period))


def _start(period: Period) -> datetime:
    return datetime.combine(period.start, datetime.min.time())


def _end(period: Period) -> datetime:
    return datetime.combine(period.end + timedelta(days=1), datetime.min.time())


def held_meetings(panel_id: int, period: Period):  # noqa: ANN202 - a SQLAlchemy condition
    """SQL: the panel's meetings that took place in ``period`` (never planned or cancelled ones);
    the return's and the quality report's."""
    return and_(Meeting.panel_id == panel_id, Meeting.starts_at >= _start(period), Meeting.starts_at < _end(period),
                Meeting.status.in_(MET_STATUSES))


def _month_label(year: int, month: int) -> str:
    return f"{date(year, month, 1):%b %Y}"


#: The listings a return counts as cases discussed (reviews of a case already heard are not).
COUNTED_LISTINGS = (Listing.NEW, Listing.REPEAT, Listing.TRANSFERRED_IN)


def is_repeat_hearing(listing: Listing | None, crit_repeat: bool, repeat_of_case_id: int | None) -> bool:
    """A hearing counted as a repeat: listed as one, or its referral recorded as one."""
    return listing == Listing.REPEAT or crit_repeat or repeat_of_case_id is not None


def _marac(s: Session, panel: Panel, period: Period, partnership: Partnership | None) -> dict:
    counted = COUNTED_LISTINGS
    hearings = s.execute(
        select(AgendaItem.case_id, AgendaItem.listing, Meeting.starts_at, Case.referral_date,
               Case.crit_repeat, Case.repeat_of_case_id, Case.children_count, Case.victim_age_band,
               Agency.name, Agency.sector)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(Case, Case.id == AgendaItem.case_id)
        .outerjoin(Agency, Agency.id == Case.referring_agency_id)
        .where(held_meetings(panel.id, period), AgendaItem.kind == AgendaItemKind.CASE,
               AgendaItem.listing.in_(counted), heard_clause())
    ).all()
    meeting_dates = s.scalars(
        select(Meeting.starts_at).where(held_meetings(panel.id, period)).order_by(Meeting.starts_at)
    ).all()
    last_year = s.scalar(
        select(AgendaItem.id).join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(held_meetings(panel.id, period.year_earlier()), AgendaItem.kind == AgendaItemKind.CASE,
               AgendaItem.listing.in_(counted), heard_clause()).with_only_columns(func.count())
    )

    cases = len(hearings)
    repeats = sum(1 for h in hearings if is_repeat_hearing(h.listing, h.crit_repeat, h.repeat_of_case_id))
    case_ids = {h.case_id for h in hearings}
    hearings_of = Counter(h.case_id for h in hearings)
    referral_date = {h.case_id: h.referral_date for h in hearings}
    # An imported log's number of children (issue 17) when its children are not named.
    children_count = {h.case_id: h.children_count or 0 for h in hearings}
    age_band = {h.case_id: h.victim_age_band for h in hearings}

    people: dict[int, list[tuple[PersonRole, Person]]] = {}
    for chunk in _chunks(sorted(case_ids)):
        for case_id, role, person in s.execute(
            select(CasePerson.case_id, CasePerson.role, Person)
            .join(Person, Person.id == CasePerson.person_id)
            .where(CasePerson.case_id.in_(chunk),
                   CasePerson.role.in_((PersonRole.VICTIM, PersonRole.PERPETRATOR, PersonRole.CHILD)))
            .order_by(CasePerson.id)
        ).all():
            people.setdefault(case_id, []).append((role, person))

    children = minoritised = lgbt = disabled = male = young_victims = young_perpetrators = 0
    victims = 0
    for case_id, n in hearings_of.items():
        linked = people.get(case_id, [])
        on = referral_date[case_id]
        children += n * max(sum(1 for role, _ in linked if role is PersonRole.CHILD), children_count[case_id])
        victim = next((p for role, p in linked if role is PersonRole.VICTIM), None)
        if victim is not None:
            victims += n
            minoritised += n * bool(victim.racially_minoritised)
            lgbt += n * bool(victim.lgbt)
            disabled += n * bool(victim.disability)
            male += n * (victim.gender.strip().casefold() in MALE_GENDERS)
            age = age_on_or_none(victim.date_of_birth, on)
            young_victims += n * ((age is not None and 16 <= age <= 17) or (age is None and age_band[case_id] == "16-17"))
        young_perpetrators += n * sum(
            1 for role, p in linked
            if role is PersonRole.PERPETRATOR and (age := age_on_or_none(p.date_of_birth, on)) is not None and age <= 17
        )

    by_agency = Counter(h.name or NOT_RECORDED for h in hearings)
    police = sum(1 for h in hearings if h.sector == Sector.POLICE)
    recorded = sum(1 for h in hearings if h.name)
    women = partnership.population_adult_women if partnership else None
    rate = one_decimal(cases * 10_000 / women) if women else "Population not set"

    summary = Section("Cases discussed", (
        Measure("Meetings held", len(meeting_dates)),
        Measure("Cases discussed", cases, note="new, repeat and transferred-in cases heard; reviews not counted"),
        Measure("Same period a year earlier", last_year or 0),
        Measure("Repeat cases", repeats, cases),
        Measure("Children in the households", children),
        Measure("Cases per 10,000 adult women", None, text=rate,
                note=f"adult female population {women:,}" if women else "set it under Administration → Partnership"),
    ))
    referrals = Section("Referrals", (
        Measure("Referred by the police", police, recorded),
        Measure("Referred by partner agencies (not police)", recorded - police, recorded),
        *([Measure("Referring agency not recorded", cases - recorded, cases)] if cases - recorded else []),
    ))
    agencies = Section("Referrals by agency", tuple(
        Measure(name, n, cases) for name, n in sorted(by_agency.items(), key=lambda kv: (-kv[1], kv[0]))
    ), category="Agency")
    diversity = Section("Victims", (
        Measure("Racially minoritised victims", minoritised, victims),
        Measure("LGBT+ victims", lgbt, victims),
        Measure("Victims with a disability", disabled, victims),
        Measure("Male victims", male, victims),
        Measure("Victims aged 16–17", young_victims, victims),
        Measure("Perpetrators aged 17 or under", young_perpetrators),
    ))
    months = Counter((h.starts_at.year, h.starts_at.month) for h in hearings)
    young = _children_and_serial(s, hearings_of, people, children)
    per_month = Series("Cases discussed per month",
                       tuple(_month_label(y, m) for y, m in period.months()),
                       tuple(months.get(ym, 0) for ym in period.months()))
    top = sorted(by_agency.items(), key=lambda kv: (-kv[1], kv[0]))[:12]
    agency_chart = Series("Referrals by agency", tuple(a for a, _ in top), tuple(n for _, n in top), horizontal=True)
    return dict(
        meeting_dates=tuple(d.date() for d in meeting_dates),
        sections=(summary, referrals, agencies, diversity, *young, _transfers(s, panel, period)),
        charts=(per_month, agency_chart),
    )


def _children_and_serial(s: Session, hearings_of: Counter[int], people: dict[int, list[tuple[PersonRole, Person]]],
                         children: int) -> tuple[Section, Section]:
    """Children in their own right and serial perpetrators (issue 19), counted as the children in
    the households are: once for each hearing of a case in the period."""
    from cspdesk.services.referrals.children import child_details_of  # the one reader of case_child

    by_status: Counter[CscStatus | None] = Counter()
    notified: Counter[bool | None] = Counter()
    of_case = child_details_of(s, sorted(hearings_of))
    for case_id, n in hearings_of.items():
        for child in of_case.get(case_id, []):
            by_status[child.details.csc_status] += n
            if not child.details.not_in_education:
                notified[child.details.encompass_notified] += n
    recorded = sum(v for k, v in by_status.items() if k is not None)
    young = Section("Children in their own right", (
        *(Measure(f"Children's services: {status.label.lower()}", by_status.get(status, 0), children)
          for status in CscStatus),
        Measure("Children's services status not recorded", children - recorded, children,
                note="includes children counted from an imported log's number of children"),
        Measure("Operation Encompass notifications made", notified.get(True, 0)),
        Measure("Operation Encompass notifications not made", notified.get(False, 0)),
        Measure("Operation Encompass not recorded (child in education)", notified.get(None, 0)),
    ), category="Children")
    from cspdesk.services.referrals.serial import serial_people

    perpetrators = {p.id for linked in people.values() for role, p in linked if role is PersonRole.PERPETRATOR}
    serial = serial_people(s, perpetrators)
    cases = sum(hearings_of.values())
    involving = sum(n for case_id, n in hearings_of.items()
                    if any(role is PersonRole.PERPETRATOR and p.id in serial for role, p in people.get(case_id, [])))
    serial_section = Section("Serial perpetrators", (
        Measure("Serial perpetrators heard (linked to 2+ victims)", len(serial),
                note="different people; victims counted across every case they are on"),
        Measure("Cases involving a serial perpetrator", involving, cases),
    ))
    return young, serial_section
# --- Transfers between MARACs (issue 19, part B) ---------------------------------------------------


def _transfers(s: Session, panel: Panel, period: Period) -> Section:
    """Cases transferred in from and out to other MARACs, by the date of the transfer record."""
    from cspdesk.domain.orders import TransferDirection
    from cspdesk.services.orders.transfers import transfer_counts

    counts = transfer_counts(s, panel.id, period.start, period.end)
    return Section("Transfers between MARACs", (
        Measure("Cases transferred in", counts[TransferDirection.IN], note="from another MARAC, by the date received"),
        Measure("Cases transferred out", counts[TransferDirection.OUT], note="to another MARAC, by the date sent"),
    ))


def _chunks(ids: Sequence[int], size: int = 900) -> list[Sequence[int]]:
    """Bound IN lists (SQLite's variable limit on old builds is 999)."""
    return [ids[i:i + size] for i in range(0, len(ids), size)] or []


def _socp(s: Session, panel: Panel, period: Period) -> dict:
    linked = union(
        select(Case.subject_group_id.label("gid")).where(Case.panel_id == panel.id, Case.subject_group_id.is_not(None)),
        select(Action.group_id.label("gid")).where(Action.panel_id == panel.id, Action.group_id.is_not(None)),
    ).subquery()
    groups = s.execute(
        select(SubjectGroup.id, SubjectGroup.status, SubjectGroup.created_at, SubjectGroup.archived_on)
        .where(SubjectGroup.id.in_(select(linked.c.gid)), SubjectGroup.kind == GroupKind.OCG)
    ).all()
    start, end = period.start, period.end
    managed = [g for g in groups if g.created_at.date() <= end and (g.archived_on is None or g.archived_on >= start)]
    new = [g for g in managed if g.created_at.date() >= start]
    archived = [g for g in groups if g.archived_on is not None and start <= g.archived_on <= end]
    under_review = [g for g in managed if g.status == GroupStatus.UNDER_REVIEW]
    referrals = _referral_counts(s, panel, period)
    section = Section("Organised crime groups", (
        Measure("OCGs managed in the period", len(managed)),
        Measure("New OCGs mapped in the period", len(new)),
        Measure("OCGs archived in the period", len(archived)),
        Measure("Under review now", len(under_review)),
        Measure("Referrals received", referrals["total"]),
    ))
    months = Counter((g.archived_on.year, g.archived_on.month) for g in archived)
    chart = Series("OCGs archived per month", tuple(_month_label(y, m) for y, m in period.months()),
                   tuple(months.get(ym, 0) for ym in period.months()))
    return dict(sections=(section,), charts=(chart,))


def _referral_counts(s: Session, panel: Panel, period: Period) -> dict:
    rows = s.execute(
        select(Case.id, Case.referral_date, Case.status, Agency.name)
        .outerjoin(Agency, Agency.id == Case.referring_agency_id)
        .where(Case.panel_id == panel.id, Case.referral_date >= period.start, Case.referral_date <= period.end)
    ).all()
    return {"total": len(rows), "rows": rows}


def _referrals(s: Session, panel: Panel, period: Period) -> dict:
    counts = _referral_counts(s, panel, period)
    rows = counts["rows"]
    total = len(rows)
    ids = [r.id for r in rows]
    flags: Counter[VulnerabilityFlag] = Counter()
    for chunk in _chunks(ids):
        flags.update(s.scalars(select(CaseFlag.flag).where(CaseFlag.case_id.in_(chunk))).all())
    declined = sum(1 for r in rows if r.status == CaseStatus.DECLINED)
    summary = Section("Referrals", (
        Measure("Referrals received", total),
        Measure("Declined", declined, total),
        Measure("Accepted or heard", total - declined, total),
    ))
    by_flag = Section("Cases by vulnerability flag", tuple(
        Measure(flag.label, flags.get(flag, 0), total) for flag in VulnerabilityFlag
    ), category="Flag")
    by_agency = Counter(r.name or NOT_RECORDED for r in rows)
    agencies = Section("Referrals by agency", tuple(
        Measure(name, n, total) for name, n in sorted(by_agency.items(), key=lambda kv: (-kv[1], kv[0]))
    ), category="Agency")
    months = Counter((r.referral_date.year, r.referral_date.month) for r in rows)
    per_month = Series("Referrals per month", tuple(_month_label(y, m) for y, m in period.months()),
                       tuple(months.get(ym, 0) for ym in period.months()))
    flag_chart = Series("Cases by flag", tuple(f.label for f in VulnerabilityFlag),
                        tuple(flags.get(f, 0) for f in VulnerabilityFlag), horizontal=True)
    return dict(sections=(summary, by_flag, agencies), charts=(per_month, flag_chart),
                notes=("A case can carry several flags, so the flags' percentages can add up to more than 100%.",))


__all__ = ["ChartSvg", "DataReturn", "Measure", "Period", "ReturnDashboard", "ReturnService", "Section", "Series", "between", "quarter"]
