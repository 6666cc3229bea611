"""The quality report: a MARAC measured against SafeLives' ten principles for a period (issue 19).

What a MARAC review asks for, from what the app already records:

- **IDVA present** (principle 4): of the high-risk cases heard, the share heard at a meeting an
  IDVA service (an agency of the domestic abuse sector) attended (attendance "present").
- **Minutes per case** against the guide (10–15 min): each case item's time — its start to its end,
  or to the next item's start when no end was recorded — or "not recorded" when no item was timed.
- **Actions per case** (principle 6): actions agreed on a case at the meeting that heard it.
- **Agencies' attendance by meeting** (principle 3): a table, one row per agency.
- **Days from referral to hearing**: median and percentiles, for cases heard for the first time
  (new, repeat or transferred in; reviews are not new hearings).
- **Repeat rate** against SafeLives' expected range (28–40%), counted as the data return counts it.

Hearings are those of the data return (cspdesk.services.papers.returns): case items at meetings of
the panel held in the period, not deferred. Printing or saving it is audited, like the return.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from statistics import mean

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.domain.enums import AgendaItemKind, AttendanceStatus, AuditKind, PanelType, RiskLevel, Sector
from cspdesk.domain.marking import marking_or_default
from cspdesk.domain.periods import Period
from cspdesk.domain.quality import (
    MINUTES_PER_CASE_GUIDE,
    NOT_RECORDED,
    REPEAT_RATE_RANGE,
    against_range,
    item_minutes,
    minutes_text,
    percentile,
)
from cspdesk.reports.quality import AgencyAttendance, QualityMeasure, QualityReport
from cspdesk.services.audit import audit
from cspdesk.services.context import Permission, ServiceContext
from cspdesk.services.errors import NotFound, ValidationError
from cspdesk.services.files import check_output_path, write_atomically
from cspdesk.services.meetings.meetings import heard_clause
from cspdesk.services.papers.returns import COUNTED_LISTINGS, ReturnService, held_meetings, is_repeat_hearing
from cspdesk.storage.models import Action, Agency, AgendaItem, Attendance, Case, Meeting, Panel, PanelAgency, Partnership

__all__ = ["AgencyAttendance", "QualityMeasure", "QualityReport", "QualityService"]

#: The marks of the attendance table (a legend is printed under it).
MARKS = {AttendanceStatus.PRESENT: "P", AttendanceStatus.APOLOGIES: "A", AttendanceStatus.ABSENT: "X"}
NO_RECORD = "–"


class QualityService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def panel_id_by_name(self, name: str) -> int:
        return ReturnService(self._ctx).panel_id_by_name(name)

    def build(self, panel_id: int, period: Period) -> QualityReport:
        """The report of one MARAC for ``period``. Viewers and up, members of the panel."""
        self._ctx.require(Permission.VIEW_CASES, panel_id=panel_id)
        with self._ctx.reading() as s:
            return self._build(s, panel_id, period)

    def render(self, panel_id: int, period: Period, *, invariant: bool = False) -> bytes:
        """The PDF bytes, for the print preview (not recorded: nothing has left the app)."""
        from cspdesk.reports.quality import render_quality_pdf

        return render_quality_pdf(self.build(panel_id, period), invariant=invariant)

    def write(self, panel_id: int, period: Period, out: Path, *, suppress_small: bool = False,
              invariant: bool = False) -> QualityReport:
        """The report written to ``out`` (.pdf) and recorded in the audit trail in the same
        transaction. ``suppress_small`` is accepted for the CLI's shared options and not used:
        the report holds shares and times, not counts of people."""
        del suppress_small
        out = check_output_path(out, (".pdf",))
        self._ctx.require(Permission.VIEW_CASES, panel_id=panel_id)
        from cspdesk.reports.quality import render_quality_pdf

        with self._ctx.unit_of_work() as s:
            data = self._build(s, panel_id, period)
            content = render_quality_pdf(data, invariant=invariant)
            audit.record(s, self._ctx.actor, AuditKind.PRINT, "panel", panel_id,
                         {"report": "quality", "period": f"{period.start}..{period.end}", "file": out.name},
                         at=self._ctx.now())
            write_atomically(out, content)
        return data

    def record_printed(self, panel_id: int, period: Period, *, pages: int, printer: str) -> None:
        self._ctx.require(Permission.VIEW_CASES, panel_id=panel_id)
        with self._ctx.unit_of_work() as s:
            audit.record(s, self._ctx.actor, AuditKind.PRINT, "panel", panel_id,
                         {"report": "quality", "period": f"{period.start}..{period.end}", "printer": printer,
                          "pages": pages}, at=self._ctx.now())

    # -- building ----------------------------------------------------------------------------------------

    def _build(self, s: Session, panel_id: int, period: Period) -> QualityReport:
        panel = s.get(Panel, panel_id)
        if panel is None:
            raise NotFound("That panel no longer exists.")
        if panel.panel_type is not PanelType.MARAC:
            raise ValidationError("panel", "The quality report measures a MARAC against SafeLives' principles.")
        partnership = s.scalars(select(Partnership)).first()
        meetings = s.execute(select(Meeting.id, Meeting.starts_at).where(held_meetings(panel_id, period))
                             .order_by(Meeting.starts_at, Meeting.id)).all()
        meeting_ids = [m.id for m in meetings]
        items = s.execute(
            select(AgendaItem.id, AgendaItem.meeting_id, AgendaItem.kind, AgendaItem.case_id, AgendaItem.listing,
                   AgendaItem.started_at, AgendaItem.ended_at)
            .where(AgendaItem.meeting_id.in_(meeting_ids)).order_by(AgendaItem.meeting_id, AgendaItem.position)
        ).all() if meeting_ids else []
        heard = s.execute(
            select(AgendaItem.id, AgendaItem.meeting_id, AgendaItem.case_id, AgendaItem.listing, Meeting.starts_at,
                   Case.referral_date, Case.risk_level, Case.crit_repeat, Case.repeat_of_case_id)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id).join(Case, Case.id == AgendaItem.case_id)
            .where(held_meetings(panel_id, period), AgendaItem.kind == AgendaItemKind.CASE, heard_clause())
        ).all()
        attendance = s.execute(
            select(Attendance.meeting_id, Attendance.agency_id, Attendance.status, Agency.name, Agency.sector)
            .join(Agency, Agency.id == Attendance.agency_id).where(Attendance.meeting_id.in_(meeting_ids))
        ).all() if meeting_ids else []
        actions = Counter(s.execute(
            select(Action.meeting_id, Action.case_id).where(Action.panel_id == panel_id,
                                                            Action.meeting_id.in_(meeting_ids),
                                                            Action.case_id.is_not(None))
        ).all()) if meeting_ids else Counter()
        expected = dict(s.execute(select(Agency.id, Agency.name).join(PanelAgency, PanelAgency.agency_id == Agency.id)
                                  .where(PanelAgency.panel_id == panel_id, PanelAgency.is_core)).all())

        measures = (
            _idva(heard, attendance),
            _minutes(items, {h.id for h in heard}),
            _actions(heard, actions),
            *_days(heard),
            _repeats(heard),
        )
        return QualityReport(
            partnership=partnership.name if partnership else "",
            protective_marking=marking_or_default(partnership.protective_marking if partnership else None),
            panel=panel.name, period=period, generated_at=self._ctx.now(), generated_by=self._ctx.actor.username,
            measures=measures, meeting_dates=tuple(m.starts_at.date() for m in meetings),
            attendance=_attendance(meeting_ids, attendance, expected),
        )


def _share(n: int, of: int) -> str:
    return f"{n} of {of} ({100 * n / of:.1f}%)" if of else "no cases heard"


def _idva(heard, attendance) -> QualityMeasure:  # noqa: ANN001 - rows of the queries above
    with_idva = {a.meeting_id for a in attendance
                 if a.sector == Sector.DOMESTIC_ABUSE and a.status == AttendanceStatus.PRESENT}
    high = [h for h in heard if h.risk_level == RiskLevel.HIGH]
    present = sum(1 for h in high if h.meeting_id in with_idva)
    return QualityMeasure("4. Independent representation (IDVA)", "High-risk cases with an IDVA present",
                          _share(present, len(high)), "every high-risk case",
                          ("within" if present == len(high) else "below") if high else "",
                          100 * present / len(high) if high else None)


def _minutes(items, heard_ids: set[int]) -> QualityMeasure:  # noqa: ANN001
    by_meeting: dict[int, list] = {}
    for item in items:
        by_meeting.setdefault(item.meeting_id, []).append(item)
    timed: list[float] = []
    for rows in by_meeting.values():
        for row, minutes in zip(rows, item_minutes([(r.started_at, r.ended_at) for r in rows]), strict=True):
            if row.id in heard_ids and minutes is not None:
                timed.append(minutes)
    low, high = MINUTES_PER_CASE_GUIDE
    guide = f"{low}–{high} min a case"
    name = "Minutes per case"
    if not timed:
        return QualityMeasure("7. Number of cases (capacity)", name, NOT_RECORDED, guide)
    middle = percentile(timed, 50)
    assert middle is not None
    value = (f"median {minutes_text(middle)}, mean {minutes_text(mean(timed))} "
             f"({len(timed)} of {len(heard_ids)} case items timed)")
    return QualityMeasure("7. Number of cases (capacity)", name, value, guide, against_range(middle, low, high), middle)


def _actions(heard, actions: Counter) -> QualityMeasure:  # noqa: ANN001
    total = sum(actions.get((h.meeting_id, h.case_id), 0) for h in heard)
    per = total / len(heard) if heard else None
    value = f"{per:.1f} ({total} actions, {len(heard)} cases heard)" if per is not None else "no cases heard"
    return QualityMeasure("6. Action planning", "Actions per case", value, "timed actions on every case", "", per)


def _days(heard) -> list[QualityMeasure]:  # noqa: ANN001
    days = [float((h.starts_at.date() - h.referral_date).days) for h in heard if h.listing in COUNTED_LISTINGS]
    principle = "2. Referral to MARAC and IDVA"
    if not days:
        return [QualityMeasure(principle, "Days from referral to hearing", "no new hearings", "as short as possible")]
    q = {p: percentile(days, p) for p in (25, 50, 75, 90)}
    value = (f"median {q[50]:.0f}; 25th {q[25]:.0f}, 75th {q[75]:.0f}, 90th percentile {q[90]:.0f} "
             f"({len(days)} cases)")
    return [QualityMeasure(principle, "Days from referral to hearing", value, "as short as possible", "", q[50])]


def _repeats(heard) -> QualityMeasure:  # noqa: ANN001
    counted = [h for h in heard if h.listing in COUNTED_LISTINGS]
    repeats = sum(1 for h in counted if is_repeat_hearing(h.listing, h.crit_repeat, h.repeat_of_case_id))
    low, high = REPEAT_RATE_RANGE
    guide = f"{low:.0f}–{high:.0f}% (SafeLives' expected range)"
    if not counted:
        return QualityMeasure("1. Identification of high-risk cases", "Repeat rate", "no cases heard", guide)
    rate = 100 * repeats / len(counted)
    return QualityMeasure("1. Identification of high-risk cases", "Repeat rate", _share(repeats, len(counted)), guide,
                          against_range(rate, low, high), rate)


def _attendance(meeting_ids: list[int], attendance, expected: dict[int, str]) -> tuple[AgencyAttendance, ...]:  # noqa: ANN001
    """One row per agency expected at the panel (a core agency) or recorded at any of its meetings."""
    names = dict(expected)
    status: dict[tuple[int, int], AttendanceStatus] = {}
    for a in attendance:
        names[a.agency_id] = a.name
        # Present wins over apologies when an agency sent two people (one came, one sent apologies).
        if status.get((a.agency_id, a.meeting_id)) is not AttendanceStatus.PRESENT:
            status[(a.agency_id, a.meeting_id)] = a.status
    rows = []
    for agency_id, name in sorted(names.items(), key=lambda kv: kv[1].casefold()):
        marks = tuple(MARKS[status[(agency_id, m)]] if (agency_id, m) in status else NO_RECORD for m in meeting_ids)
        rows.append(AgencyAttendance(name, marks, sum(1 for x in marks if x == MARKS[AttendanceStatus.PRESENT])))
    return tuple(rows)
