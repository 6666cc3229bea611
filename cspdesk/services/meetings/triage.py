"""Daily triage meetings of a MARAC panel (issue 19, part C).

A triage meeting on a day takes the referrals of its panel received in its window
(:func:`cspdesk.domain.triage.triage_window`: 24 hours, 72 on Mondays) and still Received and not
triaged, plus any left undecided at an earlier triage. Each is decided with one outcome and a
minute (a short reason):

- **To MARAC**: the referral is accepted and listed on the panel's next planned MARAC meeting
  (if none is planned yet, that meeting's suggestions offer it when it is: MeetingService.suggestions);
- **Single-agency response** / **No further action**: the referral is declined with the outcome
  and minute as its reason, and so leaves the MARAC queue.

Panel members only (the services check; on a server row-level security too); every decision is one
transaction with its status change, listing and audit entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.domain.enums import AuditKind, CaseStatus, MeetingStatus, PanelType
from cspdesk.domain.marking import DEFAULT_MARKING
from cspdesk.domain.triage import MINUTE_LIMIT, TriageOutcome, TriageWindow, triage_window
from cspdesk.services.audit import audit
from cspdesk.services.context import OpChanges, OpResult, Permission, ServiceContext
from cspdesk.services.errors import NotFound, ValidationError
from cspdesk.storage.model_triage import TriageItem, TriageMeeting
from cspdesk.storage.models import Case, Meeting, Panel, Partnership, UserAccount

NO_SUCH_TRIAGE = "That triage meeting does not exist, or is on a panel you are not a member of."


@dataclass(frozen=True)
class TriageEntry:
    id: int
    case_id: int
    reference: str
    subject: str
    referral_date: date
    referring_agency: str
    risk_level: str
    outcome: TriageOutcome | None
    minute: str
    #: When decided To MARAC: the MARAC meeting it was listed on ("" when none was planned yet).
    listed_on: str = ""

    @property
    def decided(self) -> bool:
        return self.outcome is not None


@dataclass(frozen=True)
class TriageDetail:
    id: int
    panel_id: int
    panel: str
    held_on: date
    window: TriageWindow
    entries: tuple[TriageEntry, ...]

    def counts(self) -> dict[TriageOutcome | None, int]:
        out: dict[TriageOutcome | None, int] = {o: 0 for o in TriageOutcome} | {None: 0}
        for e in self.entries:
            out[e.outcome] += 1
        return out


@dataclass(frozen=True)
class TriageRow:
    id: int
    held_on: date
    referrals: int
    undecided: int


class TriageService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    # -- reading ---------------------------------------------------------------------------------

    def list_triage(self, panel_id: int) -> list[TriageRow]:
        self._ctx.require(Permission.VIEW_CASES, panel_id=panel_id)
        with self._ctx.reading() as s:
            rows = s.scalars(select(TriageMeeting).where(TriageMeeting.panel_id == panel_id)
                             .order_by(TriageMeeting.held_on.desc())).all()
            return [TriageRow(t.id, t.held_on, len(t.items), sum(i.outcome is None for i in t.items)) for t in rows]

    def get(self, triage_id: int) -> TriageDetail:
        with self._ctx.reading() as s:
            return self._detail(s, self._triage(s, triage_id, Permission.VIEW_CASES))

    def for_day(self, panel_id: int, day: date) -> TriageDetail | None:
        self._ctx.require(Permission.VIEW_CASES, panel_id=panel_id)
        with self._ctx.reading() as s:
            t = s.scalar(select(TriageMeeting).where(TriageMeeting.panel_id == panel_id, TriageMeeting.held_on == day))
            return self._detail(s, t) if t is not None else None

    def waiting(self, panel_id: int, day: date) -> list[int]:
        """The referrals a triage meeting on ``day`` would take now (case ids, oldest first)."""
        self._ctx.require(Permission.VIEW_CASES, panel_id=panel_id)
        with self._ctx.reading() as s:
            return self._waiting(s, panel_id, triage_window(day))

    # -- writing ---------------------------------------------------------------------------------

    def create(self, panel_id: int, day: date) -> OpResult[TriageDetail]:
        """The triage meeting of ``day``: its agenda the referrals waiting (see the module)."""
        self._ctx.require(Permission.RUN_MEETINGS, panel_id=panel_id)
        window = triage_window(day)
        with self._ctx.unit_of_work() as s:
            panel = s.get(Panel, panel_id)
            if panel is None:
                raise NotFound("That panel does not exist.")
            if panel.panel_type is not PanelType.MARAC:
                raise ValidationError("panel", f"{panel.name} is not a MARAC: daily triage is for MARAC panels.")
            if s.scalar(select(TriageMeeting.id).where(TriageMeeting.panel_id == panel_id,
                                                       TriageMeeting.held_on == day)) is not None:
                raise ValidationError("held_on", f"{panel.name} already has a triage meeting on {day:%d %b %Y}.")
            triage = TriageMeeting(panel_id=panel_id, held_on=day, window_first=window.first, window_last=window.last,
                                   created_at=self._ctx.now(), created_by_user_id=self._ctx.actor.user_id)
            s.add(triage)
            s.flush()
            # Undecided at an earlier triage meeting first (oldest first), then the window's.
            carried = s.scalars(select(TriageItem).join(TriageMeeting).join(Case, Case.id == TriageItem.case_id).where(
                TriageMeeting.panel_id == panel_id, TriageMeeting.held_on < day, TriageItem.outcome.is_(None),
                Case.status == CaseStatus.RECEIVED).order_by(Case.referral_date, Case.id)).all()
            position = 0
            for position, item in enumerate(carried, start=1):
                item.triage_meeting_id, item.position = triage.id, position
            waiting = self._waiting(s, panel_id, window)
            for at, case_id in enumerate(waiting, start=position + 1):
                s.add(TriageItem(triage_meeting_id=triage.id, case_id=case_id, position=at, minute=""))
            position += len(waiting)
            s.flush()
            audit.record(s, self._ctx.actor, AuditKind.CREATE, "triage_meeting", triage.id,
                         {"panel": panel.name, "held_on": day.isoformat(), "referrals": position,
                          "carried": len(carried)}, at=self._ctx.now())
            s.expire(triage, ["items"])
            detail = self._detail(s, triage)
        return OpResult(detail, OpChanges(meetings=True))

    def decide(self, triage_item_id: int, outcome: TriageOutcome, minute: str) -> OpResult[TriageEntry]:
        """Record a referral's triage outcome and minute, and move it on (see the module)."""
        from cspdesk.services.meetings.meetings import MeetingService
        from cspdesk.services.referrals.referrals import ReferralService

        outcome = TriageOutcome(outcome)
        minute = (minute or "").strip()
        if not minute:
            raise ValidationError("minute", "Give the reason for the triage outcome (a short minute).")
        if len(minute) > MINUTE_LIMIT:
            raise ValidationError("minute", f"The minute must be {MINUTE_LIMIT:,} characters or fewer.")
        with self._ctx.joined_unit_of_work() as s:
            item = s.get(TriageItem, triage_item_id)
            triage = s.get(TriageMeeting, item.triage_meeting_id) if item is not None else None
            if item is None or triage is None or not self._ctx.actor.sees_panel(triage.panel_id):
                raise NotFound(NO_SUCH_TRIAGE)
            self._ctx.require(Permission.RUN_MEETINGS, panel_id=triage.panel_id)
            case_ = s.get(Case, item.case_id)
            assert case_ is not None
            if item.outcome is not None:
                raise ValidationError("outcome", f"{case_.reference} is already triaged ({item.outcome.label}).")
            referrals = ReferralService(self._ctx)
            if outcome is TriageOutcome.TO_MARAC:
                if case_.status is CaseStatus.RECEIVED:
                    referrals.change_status(case_.id, CaseStatus.ACCEPTED)
                meeting_id = self._next_marac(s, triage)
                if meeting_id is not None:
                    MeetingService(self._ctx).add_case(meeting_id, case_.id)
            else:
                referrals.change_status(case_.id, CaseStatus.DECLINED,
                                        reason=f"Daily triage {triage.held_on:%d %b %Y}: {outcome.label}. {minute}")
            item.outcome, item.minute = outcome, minute
            item.decided_at, item.decided_by_user_id = self._ctx.now(), self._ctx.actor.user_id
            s.flush()
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "triage_item", item.id,
                         {"triage_meeting_id": triage.id, "case": case_.reference, "outcome": outcome.value},
                         at=self._ctx.now())
            entry = next(e for e in self._detail(s, triage).entries if e.id == item.id)
        return OpResult(entry, OpChanges(cases=True, meetings=True))

    # -- the printed record --------------------------------------------------------------------------

    def paper(self, triage_id: int):  # noqa: ANN201 - cspdesk.reports.triage.TriagePaper
        from cspdesk.reports.triage import TriagePaper

        with self._ctx.reading() as s:
            detail = self._detail(s, self._triage(s, triage_id, Permission.VIEW_CASES))
            partnership = s.scalars(select(Partnership).limit(1)).first()
            by = self._ctx.actor.username
            if self._ctx.actor.user_id is not None:
                account = s.get(UserAccount, self._ctx.actor.user_id)
                by = account.display_name if account is not None else by
            return TriagePaper(partnership.name if partnership else "",
                               partnership.protective_marking if partnership else DEFAULT_MARKING,
                               self._ctx.now(), by, detail)

    def write_pdf(self, triage_id: int, out: Path, *, invariant: bool = False) -> TriageDetail:
        """The triage record as a marked PDF at ``out``; the print is audited."""
        from cspdesk.reports.triage import render_triage_pdf

        paper = self.paper(triage_id)
        data = render_triage_pdf(paper, invariant=invariant)
        with self._ctx.unit_of_work() as s:
            audit.record(s, self._ctx.actor, AuditKind.PRINT, "triage_meeting", triage_id,
                         {"paper": "triage record", "referrals": len(paper.detail.entries)}, at=self._ctx.now())
        out.write_bytes(data)
        return paper.detail

    # -- inside --------------------------------------------------------------------------------

    def _triage(self, s: Session, triage_id: int, permission: Permission) -> TriageMeeting:
        triage = s.get(TriageMeeting, triage_id)
        if triage is None or not self._ctx.actor.sees_panel(triage.panel_id):
            raise NotFound(NO_SUCH_TRIAGE)
        self._ctx.require(permission, panel_id=triage.panel_id)
        return triage

    @staticmethod
    def _waiting(s: Session, panel_id: int, window: TriageWindow) -> list[int]:
        on_agenda = select(TriageItem.case_id)
        return list(s.scalars(select(Case.id).where(
            Case.panel_id == panel_id, Case.status == CaseStatus.RECEIVED,
            Case.referral_date >= window.first, Case.referral_date <= window.last, Case.id.not_in(on_agenda),
        ).order_by(Case.referral_date, Case.id)))

    @staticmethod
    def _next_marac(s: Session, triage: TriageMeeting) -> int | None:
        return s.scalar(select(Meeting.id).where(
            Meeting.panel_id == triage.panel_id, Meeting.status == MeetingStatus.PLANNED,
            Meeting.starts_at >= datetime.combine(triage.held_on, datetime.min.time()),
        ).order_by(Meeting.starts_at, Meeting.id).limit(1))

    def _detail(self, s: Session, triage: TriageMeeting) -> TriageDetail:
        from cspdesk.services.referrals.cases import CaseService

        panel = s.get(Panel, triage.panel_id)
        items = list(s.scalars(select(TriageItem).where(TriageItem.triage_meeting_id == triage.id)
                               .order_by(TriageItem.position, TriageItem.id)))
        rows = {r.id: r for r in CaseService(self._ctx).case_rows([i.case_id for i in items])}
        listed = self._listed_on(s, [i.case_id for i in items if i.outcome is TriageOutcome.TO_MARAC])
        entries = []
        for i in items:
            r = rows.get(i.case_id)
            if r is None:  # not the user's to see (cannot happen on a panel they are a member of)
                continue
            entries.append(TriageEntry(i.id, i.case_id, r.reference, r.subject, r.referral_date, r.referring_agency,
                                       r.risk_level.label if r.risk_level else "", i.outcome, i.minute,
                                       listed.get(i.case_id, "")))
        window = TriageWindow(triage.window_first, triage.window_last, triage_window(triage.held_on).hours)
        return TriageDetail(triage.id, triage.panel_id, panel.name if panel else "", triage.held_on, window,
                            tuple(entries))

    @staticmethod
    def _listed_on(s: Session, case_ids: list[int]) -> dict[int, str]:
        from cspdesk.storage.models import AgendaItem

        if not case_ids:
            return {}
        rows = s.execute(select(AgendaItem.case_id, Meeting.starts_at).join(Meeting, Meeting.id == AgendaItem.meeting_id)
                         .where(AgendaItem.case_id.in_(case_ids), Meeting.status == MeetingStatus.PLANNED)
                         .order_by(Meeting.starts_at)).all()
        out: dict[int, str] = {}
        for cid, at in rows:
            out.setdefault(cid, f"{at:%d %b %Y}")
        return out
