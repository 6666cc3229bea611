"""Meetings: planning them, their agendas and attendance, running them, and their minutes.

A meeting moves Planned → In progress → Held → Minutes finalised. Until the minutes are finalised
everything about it can change; afterwards every change is refused (:class:`MinutesLocked`) and
corrections are addenda, each with who wrote it and when.

Meeting mode calls this service as the chair types: :meth:`MeetingService.save_notes` is made to
be called every half second or so (one small transaction, no reads beyond the row it writes), and
:meth:`MeetingService.go_to_item` plus :meth:`MeetingService.case_brief` are what moving to the
next case costs.

Decisions take effect on the case when the minutes are finalised (Continue: the case is open and
its review date the next meeting; Close and Refer on: the case is closed with the outcome
recorded): until then the chair may still change their mind.

Actions agreed in a meeting are written here (:meth:`MeetingService.add_agreed_action`), as is the
review of earlier actions in the meeting (:meth:`MeetingService.review_action`); the actions
tracker has its own service for updates between meetings. Both write the same ``action`` and
``action_update`` rows with the same rules (a reason for On hold and Discontinued, a date for
Completed).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import and_, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from cspdesk.domain.enums import (
    ActionStatus,
    AgendaItemKind,
    AttendanceStatus,
    AuditKind,
    CaseStatus,
    Decision,
    Listing,
    MeetingStatus,
    PanelType,
    PersonRole,
    RiskLevel,
    Strand,
)
from cspdesk.domain.hearings import MET_STATUSES, PENDING_STATUSES
from cspdesk.domain.plausible import due_date_problem
from cspdesk.domain.rules import ACTION_STATUSES_NEEDING_REASON, FINISHED_ACTION_STATUSES
from cspdesk.domain.schedule import MAX_RECURRING, Recurrence, meeting_dates
from cspdesk.services.audit import audit
from cspdesk.services.people.contexts import ContextBrief, context_brief
from cspdesk.services.referrals.cases import latest_risk, referral_criteria
from cspdesk.services.referrals.children import child_details_of
from cspdesk.services.referrals.serial import serial_people
from cspdesk.services.orders.orders import brief_lines, transferred_in
from cspdesk.services.context import OpChanges, OpResult, Permission, ServiceContext
from cspdesk.services.errors import NotFound, ServiceError, ValidationError, checked_text
from cspdesk.services.offline_guard import OUT as CHECKED_OUT
from cspdesk.storage.model_offline import MeetingCheckout
from cspdesk.storage.models import (
    Action,
    ActionUpdate,
    Agency,
    AgendaItem,
    Attendance,
    Case,
    CasePerson,
    CaseStatusChange,
    Location,
    Meeting,
    Member,
    MinutesAddendum,
    Panel,
    PanelAgency,
    Person,
    SubjectGroup,
    UserAccount,
)

#: Minutes given to the standing items of a new meeting's agenda.
STANDING_MINUTES = {AgendaItemKind.CONFIDENTIALITY: 5, AgendaItemKind.ACTIONS_REVIEW: 10, AgendaItemKind.AOB: 10}
#: When a panel has no later meeting planned, an action's due date defaults to this many days on.
DEFAULT_DUE_DAYS = 28
MAX_NOTES = 100_000
MAX_TEXT = 4000
UNFINISHED_ACTION_STATUSES = tuple(s for s in ActionStatus if s not in FINISHED_ACTION_STATUSES)
#: Cases that can still be listed and heard.
LISTABLE_CASE_STATUSES = (CaseStatus.ACCEPTED, CaseStatus.LISTED, CaseStatus.OPEN)


class MinutesLocked(ServiceError):
    """The minutes of this meeting are finalised: nothing in them changes; add an addendum."""


# --- what the service hands out ----------------------------------------------------------------


@dataclass(frozen=True)
class MeetingRow:
    id: int
    panel_id: int
    panel_name: str
    panel_type: PanelType
    starts_at: datetime
    venue: str
    chair: str
    minute_taker: str
    status: MeetingStatus
    cases: int
    #: Why the meeting was cancelled (empty unless it was).
    cancel_reason: str = ""
    #: Who has the meeting checked out to run offline (issue 21), and until when; empty when it is not out.
    checked_out_by: str = ""
    checked_out_until: date | None = None

    @property
    def status_text(self) -> str:
        """"Cancelled: venue flooded" for a cancelled meeting, "Planned, checked out by … until …"
        for one out to run offline (read-only here), the status's label otherwise."""
        if self.status is MeetingStatus.CANCELLED and self.cancel_reason:
            return f"{self.status.label}: {self.cancel_reason}"
        if self.checked_out_by:
            until = f" until {self.checked_out_until:%d %b %Y}" if self.checked_out_until else ""
            return f"{self.status.label}, checked out by {self.checked_out_by}{until} (read-only here)"
        return self.status.label


@dataclass(frozen=True)
class AgendaEntry:
    id: int
    position: int
    kind: AgendaItemKind
    title: str
    case_id: int | None
    reference: str
    subject: str
    listing: Listing | None
    referring_agency: str
    risk_level: RiskLevel | None
    minutes_allowed: int
    slot_start: datetime
    slot_end: datetime
    discussion: str
    risks: str
    decision: Decision | None
    decision_notes: str
    started_at: datetime | None
    ended_at: datetime | None

    @property
    def short_label(self) -> str:
        """The subject's name for a case (its reference when it has none), the title otherwise."""
        if self.kind is AgendaItemKind.CASE:
            return self.subject or self.reference
        return self.title or self.kind.label

    @property
    def label(self) -> str:
        """``MARAC-2026-0042 — Sarah Smith`` for a case, the title otherwise."""
        if self.kind is AgendaItemKind.CASE:
            return f"{self.reference} — {self.subject}" if self.subject else self.reference
        return self.title or self.kind.label


@dataclass(frozen=True)
class AttendanceRow:
    #: None for a core agency not recorded yet (pre-filled; absent until marked).
    id: int | None
    agency_id: int | None
    agency: str
    member_id: int | None
    name: str
    status: AttendanceStatus
    information_sent: bool
    is_observer: bool
    confidentiality_signed: bool
    is_core: bool


@dataclass(frozen=True)
class Addendum:
    id: int
    agenda_item_id: int | None
    text: str
    at: datetime
    by: str


@dataclass(frozen=True)
class MeetingDetail:
    row: MeetingRow
    chair_member_id: int | None
    minute_taker_member_id: int | None
    minutes_per_case: int
    items: tuple[AgendaEntry, ...]
    attendance: tuple[AttendanceRow, ...]
    #: Core agencies with nobody present (their names), for the warning.
    missing_core_agencies: tuple[str, ...]
    next_meeting: datetime | None
    finalised_at: datetime | None
    finalised_by: str
    addenda: tuple[Addendum, ...]
    confidentiality_statement: str

    @property
    def locked(self) -> bool:
        return self.row.status is MeetingStatus.FINALISED

    def item(self, item_id: int) -> AgendaEntry:
        for entry in self.items:
            if entry.id == item_id:
                return entry
        raise NotFound("That agenda item is not on this meeting.")

    @property
    def case_items(self) -> tuple[AgendaEntry, ...]:
        return tuple(i for i in self.items if i.kind is AgendaItemKind.CASE)


@dataclass(frozen=True)
class ActionRow:
    id: int
    case_id: int | None
    reference: str
    text: str
    agency_id: int | None
    agency: str
    owner_member_id: int | None
    owner: str
    due_date: date | None
    status: ActionStatus
    status_reason: str
    completed_on: date | None
    meeting_id: int | None
    agreed_on: date | None
    agenda_item_id: int | None


@dataclass(frozen=True)
class BriefPerson:
    person_id: int
    name: str
    role: PersonRole
    date_of_birth: date | None
    #: Empty unless addresses were asked for.
    address: str
    postcode: str
    phone: str
    #: A perpetrator linked to two or more victims across every case (issue 19: the flag only).
    serial_perpetrator: bool = False
    #: A child's own-right details (issue 19): Encompass and children's services status, and the
    #: school or nursery when addresses were asked for (a school says where a child can be found).
    child_details: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaseBrief:
    """What the chair needs on screen for one case."""

    case_id: int
    reference: str
    subject: str
    status: CaseStatus
    referral_date: date
    referring_agency: str
    reason: str
    summary: str
    risk_level: RiskLevel | None
    risk_summary: str
    review_date: date | None
    is_repeat: bool
    people: tuple[BriefPerson, ...]
    addresses_shown: bool
    #: A MARAC referral's criteria, consent and lawful basis as (label, value) pairs.
    criteria: tuple[tuple[str, str], ...] = ()
    #: A MARAC case's DVDS requests (with the 28-day clock) and orders in force (issue 19).
    orders: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemView:
    """Everything meeting mode shows for one agenda item, read in one go."""

    entry: AgendaEntry
    #: The case's summary, risk and people (None for items that are not cases).
    brief: CaseBrief | None
    #: Earlier actions to review: the case's own, or (for the review of outstanding actions)
    #: those of every case listed.
    earlier: tuple[ActionRow, ...]
    #: The actions agreed under this item so far.
    agreed: tuple[ActionRow, ...]
    #: For a CARM context's case: its assessment in short and its plan (issue 20); None otherwise.
    context: ContextBrief | None = None


class SuggestionKind(StrEnum):
    #: Listed before and never heard: its meeting was cancelled, or it was deferred.
    NOT_HEARD = "not_heard"
    REVIEW_DUE = "review_due"
    LAPSED = "lapsed"
    #: Triaged "To MARAC" at a daily triage meeting and not listed yet (cspdesk.services.meetings.triage).
    TRIAGED = "triaged"


@dataclass(frozen=True)
class Suggestion:
    """A case the coordinator may want on the agenda (review date come) or to close or keep
    (12 months since the last referral lapsed)."""

    case_id: int
    reference: str
    subject: str
    kind: SuggestionKind
    why: str


@dataclass(frozen=True)
class Choice:
    id: int
    name: str
    agency_id: int | None = None
    agency: str = ""


@dataclass(frozen=True)
class PanelChoices:
    """Agencies (those on the panel first) and members, for completers and combos."""

    agencies: tuple[Choice, ...]
    members: tuple[Choice, ...]


# --- the service ---------------------------------------------------------------------------------


def _subject_expr():  # noqa: ANN202 - a labelled SQL expression
    person = aliased(Person)
    label = func.coalesce(person.given_name + literal(" ") + person.family_name, SubjectGroup.name, Location.name)
    return person, label


def _with_subject(stmt, person):  # noqa: ANN001, ANN202
    return (
        stmt.outerjoin(person, person.id == Case.subject_person_id)
        .outerjoin(SubjectGroup, SubjectGroup.id == Case.subject_group_id)
        .outerjoin(Location, Location.id == Case.subject_location_id)
    )


def heard_clause(meeting=Meeting, item=AgendaItem):  # noqa: ANN001, ANN201 - SQL condition
    """The SQL twin of :func:`cspdesk.domain.hearings.is_heard`: the case on ``item`` was heard at
    ``meeting`` (which took place, and did not defer it). For listing and the data return."""
    return and_(meeting.status.in_(MET_STATUSES),
                or_(item.decision.is_(None), item.decision != Decision.DEFERRED))


def _text(value: str, field: str, *, required: bool = False, limit: int = MAX_TEXT, what: str = "") -> str:
    return checked_text(value, field, limit=limit, required=required, what=what)


#: An agenda item that does not exist and one of a panel the user is not on are answered alike.
NO_SUCH_ITEM = "That agenda item does not exist, or is of a panel you are not a member of."


class MeetingService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def now(self) -> datetime:
        """The service's clock (naive UTC, as ``started_at`` is stored): meeting mode's clocks."""
        return self._ctx.now()

    # -- reading ---------------------------------------------------------------------------------

    def list_meetings(self, panel_id: int | None = None) -> list[MeetingRow]:
        """Meetings of the panels the user sees (or of one panel), newest first."""
        self._ctx.require(Permission.VIEW_CASES, panel_id=panel_id)
        chair = aliased(Member)
        taker = aliased(Member)
        cases = (
            select(AgendaItem.meeting_id, func.count().label("n"))
            .where(AgendaItem.kind == AgendaItemKind.CASE)
            .group_by(AgendaItem.meeting_id)
            .subquery()
        )
        out = (select(MeetingCheckout.meeting_id, MeetingCheckout.username, MeetingCheckout.until)
               .where(MeetingCheckout.state == CHECKED_OUT).subquery())
        stmt = (
            select(Meeting, Panel.name, Panel.panel_type, chair.name, taker.name, cases.c.n, out.c.username,
                   out.c.until)
            .join(Panel, Panel.id == Meeting.panel_id)
            .outerjoin(chair, chair.id == Meeting.chair_member_id)
            .outerjoin(taker, taker.id == Meeting.minute_taker_member_id)
            .outerjoin(cases, cases.c.meeting_id == Meeting.id)
            .outerjoin(out, out.c.meeting_id == Meeting.id)
            .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        )
        if panel_id is not None:
            stmt = stmt.where(Meeting.panel_id == panel_id)
        visible = self._ctx.visible_panel_ids()
        if visible is not None:
            stmt = stmt.where(Meeting.panel_id.in_(visible))
        with self._ctx.reading() as s:
            return [replace(self._row(m, pn, pt, cn, tn, n), checked_out_by=who or "", checked_out_until=until)
                    for m, pn, pt, cn, tn, n, who, until in s.execute(stmt)]

    @staticmethod
    def _row(m: Meeting, panel_name: str, panel_type: PanelType, chair: str | None, taker: str | None,
             n: int | None) -> MeetingRow:
        return MeetingRow(m.id, m.panel_id, panel_name, panel_type, m.starts_at, m.venue, chair or "", taker or "",
                          m.status, n or 0, m.cancel_reason or "")

    def get_meeting(self, meeting_id: int) -> MeetingDetail:
        with self._ctx.reading() as s:
            meeting = self._meeting(s, meeting_id, Permission.VIEW_CASES)
            return self._detail(s, meeting)

    def _detail(self, s: Session, meeting: Meeting) -> MeetingDetail:
        panel = s.get(Panel, meeting.panel_id)
        assert panel is not None
        names = dict(s.execute(select(Member.id, Member.name).where(
            Member.id.in_([i for i in (meeting.chair_member_id, meeting.minute_taker_member_id) if i]))).all())
        items = self._entries(s, meeting)
        row = MeetingRow(meeting.id, panel.id, panel.name, panel.panel_type, meeting.starts_at, meeting.venue,
                         names.get(meeting.chair_member_id, ""), names.get(meeting.minute_taker_member_id, ""),
                         meeting.status, sum(1 for i in items if i.kind is AgendaItemKind.CASE),
                         meeting.cancel_reason or "")
        attendance, missing = self._attendance(s, meeting)
        finalised_by = ""
        if meeting.finalised_by_user_id is not None:
            finalised_by = s.scalar(select(UserAccount.display_name).where(
                UserAccount.id == meeting.finalised_by_user_id)) or ""
        addenda = tuple(
            Addendum(a.id, a.agenda_item_id, a.text, a.at, who or "")
            for a, who in s.execute(
                select(MinutesAddendum, UserAccount.display_name)
                .outerjoin(UserAccount, UserAccount.id == MinutesAddendum.by_user_id)
                .where(MinutesAddendum.meeting_id == meeting.id).order_by(MinutesAddendum.at, MinutesAddendum.id)
            )
        )
        from cspdesk.storage.models import Partnership

        statement = s.scalar(select(Partnership.confidentiality_statement).limit(1)) or ""
        return MeetingDetail(
            row=row, chair_member_id=meeting.chair_member_id, minute_taker_member_id=meeting.minute_taker_member_id,
            minutes_per_case=panel.minutes_per_case or 15, items=items, attendance=attendance,
            missing_core_agencies=missing, next_meeting=self._next_meeting_start(s, meeting),
            finalised_at=meeting.finalised_at, finalised_by=finalised_by, addenda=addenda,
            confidentiality_statement=statement,
        )

    def _entries(self, s: Session, meeting: Meeting) -> tuple[AgendaEntry, ...]:
        person, subject = _subject_expr()
        stmt = _with_subject(
            select(AgendaItem, Case.reference, subject, Agency.name, Case.risk_level)
            .outerjoin(Case, Case.id == AgendaItem.case_id)
            .outerjoin(Agency, Agency.id == Case.referring_agency_id),
            person,
        ).where(AgendaItem.meeting_id == meeting.id).order_by(AgendaItem.position, AgendaItem.id)
        out: list[AgendaEntry] = []
        clock = meeting.starts_at
        for item, ref, subj, agency, risk in s.execute(stmt):
            end = clock + timedelta(minutes=item.minutes_allowed)
            out.append(AgendaEntry(
                id=item.id, position=item.position, kind=item.kind, title=item.title or item.kind.label,
                case_id=item.case_id, reference=ref or "", subject=subj or "", listing=item.listing,
                referring_agency=agency or "", risk_level=risk, minutes_allowed=item.minutes_allowed,
                slot_start=clock, slot_end=end, discussion=item.discussion, risks=item.risks,
                decision=item.decision, decision_notes=item.decision_notes, started_at=item.started_at,
                ended_at=item.ended_at,
            ))
            clock = end
        return tuple(out)

    def _attendance(self, s: Session, meeting: Meeting) -> tuple[tuple[AttendanceRow, ...], tuple[str, ...]]:
        core = [
            (aid, name)
            for aid, name in s.execute(
                select(Agency.id, Agency.name).join(PanelAgency, PanelAgency.agency_id == Agency.id)
                .where(PanelAgency.panel_id == meeting.panel_id, PanelAgency.is_core).order_by(Agency.name)
            )
        ]
        core_ids = {aid for aid, _ in core}
        recorded = s.execute(
            select(Attendance, Agency.name, Member.name)
            .outerjoin(Agency, Agency.id == Attendance.agency_id)
            .outerjoin(Member, Member.id == Attendance.member_id)
            .where(Attendance.meeting_id == meeting.id).order_by(Attendance.id)
        ).all()
        rows: list[AttendanceRow] = []
        seen: set[int] = set()
        present: set[int] = set()
        for a, agency, member in recorded:
            if a.agency_id is not None:
                seen.add(a.agency_id)
                if a.status is AttendanceStatus.PRESENT and not a.is_observer:
                    present.add(a.agency_id)
            rows.append(AttendanceRow(a.id, a.agency_id, agency or "", a.member_id, a.attendee_name or member or "",
                                      a.status, a.information_sent, a.is_observer, a.confidentiality_signed,
                                      a.agency_id in core_ids and not a.is_observer))
        for aid, name in core:
            if aid not in seen:
                rows.append(AttendanceRow(None, aid, name, None, "", AttendanceStatus.ABSENT, False, False, False, True))
        # Core agencies first (by agency), then the others, observers last.
        rows.sort(key=lambda r: (r.is_observer, not r.is_core, r.agency.casefold(), r.name.casefold()))
        missing = tuple(name for aid, name in core if aid not in present)
        return tuple(rows), missing

    def _next_meeting_start(self, s: Session, meeting: Meeting) -> datetime | None:
        return s.scalar(
            select(func.min(Meeting.starts_at)).where(
                Meeting.panel_id == meeting.panel_id, Meeting.starts_at > meeting.starts_at, Meeting.id != meeting.id,
                Meeting.status != MeetingStatus.CANCELLED,
            )
        )

    def default_due_date(self, meeting_id: int) -> date:
        """The date of the panel's next meeting (or four weeks on when none is planned)."""
        with self._ctx.reading() as s:
            meeting = self._meeting(s, meeting_id, Permission.VIEW_CASES)
            return self._default_due(s, meeting)

    def _default_due(self, s: Session, meeting: Meeting) -> date:
        following = self._next_meeting_start(s, meeting)
        if following is not None:
            return following.date()
        return meeting.starts_at.date() + timedelta(days=DEFAULT_DUE_DAYS)

    def panel_choices(self, panel_id: int) -> PanelChoices:
        """Agencies (the panel's own first, then every other active one) and their active members."""
        self._ctx.require(Permission.VIEW_CASES, panel_id=panel_id)
        with self._ctx.reading() as s:
            on_panel = set(s.scalars(select(PanelAgency.agency_id).where(PanelAgency.panel_id == panel_id)))
            agencies = s.execute(select(Agency.id, Agency.name).where(Agency.is_active).order_by(Agency.name)).all()
            ordered = sorted(agencies, key=lambda a: (a.id not in on_panel, a.name.casefold()))
            members = s.execute(
                select(Member.id, Member.name, Member.agency_id, Agency.name)
                .join(Agency, Agency.id == Member.agency_id)
                .where(Member.is_active, Agency.is_active).order_by(Member.name)
            ).all()
            return PanelChoices(
                tuple(Choice(a.id, a.name) for a in ordered),
                tuple(Choice(mid, name, aid, aname) for mid, name, aid, aname in members),
            )

    def attendee_names(self, meeting_id: int) -> dict[int, tuple[str, ...]]:
        """For completing the Name column of attendance: by agency id, the names of the people of
        that agency known here — its active members and the active accounts of its staff — sorted,
        each once."""
        with self._ctx.reading() as s:
            self._meeting(s, meeting_id, Permission.VIEW_CASES)
            pairs = [*s.execute(select(Member.agency_id, Member.name).where(Member.is_active)),
                     *s.execute(select(UserAccount.agency_id, UserAccount.display_name).where(
                         UserAccount.is_active, UserAccount.agency_id.is_not(None)))]
        names: dict[int, set[str]] = {}
        for agency_id, name in pairs:
            if name and name.strip():
                names.setdefault(agency_id, set()).add(name.strip())
        return {aid: tuple(sorted(found, key=str.casefold)) for aid, found in names.items()}

    # -- cases and actions in front of the chair ------------------------------------------------

    def case_brief(self, case_id: int, *, with_addresses: bool = False) -> CaseBrief:
        """The case's summary, risk and people. Addresses and phone numbers only when asked for.
        Each call is a view of the case in the audit trail (saying whether addresses were shown)."""
        self._ctx.require(Permission.VIEW_CASES)
        with self._ctx.unit_of_work() as s:
            return self._brief(s, case_id, with_addresses)

    def _brief(self, s: Session, case_id: int, with_addresses: bool, *, audit_view: bool = True) -> CaseBrief:
        person, subject = _subject_expr()
        stmt = _with_subject(
            select(Case, subject, Agency.name).outerjoin(Agency, Agency.id == Case.referring_agency_id), person
        ).where(Case.id == case_id)
        found = s.execute(stmt).first()
        if found is None or not self._ctx.actor.sees_panel(found[0].panel_id):
            raise NotFound("That case does not exist, or is on a panel you are not a member of.")
        case_, subj, agency = found
        people: list[BriefPerson] = []
        seen: set[tuple[int, PersonRole]] = set()
        links = s.execute(
            select(CasePerson.role, Person).join(Person, Person.id == CasePerson.person_id)
            .where(CasePerson.case_id == case_id).order_by(CasePerson.id)
        ).all()
        ordered: list[tuple[PersonRole, Person]] = []
        if case_.subject_person_id is not None:
            subject_person = s.get(Person, case_.subject_person_id)
            role = next((r for r, p in links if p.id == case_.subject_person_id), PersonRole.SUBJECT)
            if subject_person is not None:
                ordered.append((role, subject_person))
        roles = list(PersonRole)
        ordered += sorted(((r, p) for r, p in links if p.id != case_.subject_person_id),
                          key=lambda rp: roles.index(rp[0]))
        children = {c.person_id: c for c in child_details_of(s, [case_id]).get(case_id, [])}
        serial = serial_people(s, [p.id for r, p in ordered if r is PersonRole.PERPETRATOR])
        for role, p in ordered:
            if (p.id, role) in seen:
                continue
            seen.add((p.id, role))
            child = children.get(p.id) if role is PersonRole.CHILD else None
            school = child.details.education_setting if child is not None and with_addresses else ""
            people.append(BriefPerson(
                p.id, f"{p.given_name} {p.family_name}", role, p.date_of_birth,
                p.address if with_addresses else "", p.postcode if with_addresses else "",
                p.phone if with_addresses else "",
                serial_perpetrator=role is PersonRole.PERPETRATOR and p.id in serial,
                child_details=((*((f"school: {school}",) if school else ()), *child.own_right_lines())
                               if child is not None else ()),
            ))
        risk = latest_risk(s, case_id)
        criteria = referral_criteria(s, case_)
        if audit_view:
            audit.record(s, self._ctx.actor, AuditKind.VIEW, "case", case_id,
                         {"reference": case_.reference, "in": "meeting", "addresses": with_addresses},
                         at=self._ctx.now())
        return CaseBrief(
            case_id=case_.id, reference=case_.reference, subject=subj or "", status=case_.status,
            referral_date=case_.referral_date, referring_agency=agency or "", reason=case_.reason,
            summary=case_.summary, risk_level=case_.risk_level, risk_summary=risk, review_date=case_.review_date,
            is_repeat=case_.repeat_of_case_id is not None, people=tuple(people), addresses_shown=with_addresses,
            criteria=criteria.lines() if criteria is not None else (),
            orders=brief_lines(s, case_id, self._ctx.today()),
        )

    def _action_rows(self, s: Session, where) -> list[ActionRow]:  # noqa: ANN001
        owner = aliased(Member)
        stmt = (
            select(Action, Agency.name, owner.name, Case.reference, Meeting.starts_at)
            .outerjoin(Agency, Agency.id == Action.owner_agency_id)
            .outerjoin(owner, owner.id == Action.owner_member_id)
            .outerjoin(Case, Case.id == Action.case_id)
            .outerjoin(Meeting, Meeting.id == Action.meeting_id)
            .where(where)
            .order_by(Action.case_id, Meeting.starts_at, Action.id)
        )
        return [
            ActionRow(a.id, a.case_id, ref or "", a.text, a.owner_agency_id, agency or "", a.owner_member_id,
                      a.owner_name or member or "", a.due_date, a.status, a.status_reason, a.completed_on,
                      a.meeting_id, starts.date() if starts else None, a.agenda_item_id)
            for a, agency, member, ref, starts in s.execute(stmt)
        ]

    def earlier_actions(self, item_id: int) -> list[ActionRow]:
        """Actions on this item's case agreed before this meeting that are still unfinished, or
        were finished on or after the meeting's day (so a review done in the meeting stays in sight)."""
        with self._ctx.reading() as s:
            item, meeting = self._item(s, item_id, Permission.VIEW_CASES)
            if item.case_id is None:
                return []
            return self._earlier(s, meeting, [item.case_id])

    def carried_actions(self, meeting_id: int) -> list[ActionRow]:
        """Every earlier action on the cases listed, for the review of outstanding actions."""
        with self._ctx.reading() as s:
            meeting = self._meeting(s, meeting_id, Permission.VIEW_CASES)
            case_ids = list(s.scalars(select(AgendaItem.case_id).where(
                AgendaItem.meeting_id == meeting.id, AgendaItem.case_id.is_not(None))))
            return self._earlier(s, meeting, case_ids)

    def _earlier(self, s: Session, meeting: Meeting, case_ids: Sequence[int]) -> list[ActionRow]:
        if not case_ids:
            return []
        # A repeat referral brings forward what is still open on the case it repeats.
        earlier_cases = s.scalars(select(Case.repeat_of_case_id).where(
            Case.id.in_(list(case_ids)), Case.repeat_of_case_id.is_not(None))).all()
        case_ids = [*case_ids, *earlier_cases]
        day_start = datetime.combine(meeting.starts_at.date(), time())
        earlier_meeting = select(Meeting.id).where(Meeting.starts_at < meeting.starts_at)
        return self._action_rows(s, and_(
            Action.case_id.in_(list(case_ids)),
            or_(Action.meeting_id.is_(None), and_(Action.meeting_id != meeting.id,
                                                  Action.meeting_id.in_(earlier_meeting))),
            or_(Action.status.in_(UNFINISHED_ACTION_STATUSES), Action.updated_at >= day_start),
        ))

    def agreed_actions(self, item_id: int) -> list[ActionRow]:
        """The actions agreed under this agenda item, in the order they were added."""
        with self._ctx.reading() as s:
            item, meeting = self._item(s, item_id, Permission.VIEW_CASES)
            # By meeting first: action.meeting_id is indexed, agenda_item_id is not.
            return self._action_rows(s, and_(Action.meeting_id == meeting.id, Action.agenda_item_id == item.id))

    def meeting_actions(self, meeting_id: int) -> list[ActionRow]:
        """Every action agreed at this meeting."""
        with self._ctx.reading() as s:
            self._meeting(s, meeting_id, Permission.VIEW_CASES)
            return self._action_rows(s, Action.meeting_id == meeting_id)

    def suggestions(self, meeting_id: int) -> list[Suggestion]:
        """Cases of the panel not on this agenda whose review date has come by the meeting's day,
        and open cases whose last referral is more than the panel's repeat window (12 months) old —
        for the coordinator to list, or to close or keep."""
        with self._ctx.reading() as s:
            meeting = self._meeting(s, meeting_id, Permission.VIEW_CASES)
            panel = s.get(Panel, meeting.panel_id)
            assert panel is not None
            day = meeting.starts_at.date()
            # On this agenda, or on another meeting of the panel still to be held.
            listed = select(AgendaItem.case_id).join(Meeting, Meeting.id == AgendaItem.meeting_id).where(
                AgendaItem.case_id.is_not(None),
                or_(Meeting.id == meeting.id,
                    and_(Meeting.panel_id == meeting.panel_id,
                         Meeting.status.in_(PENDING_STATUSES))))
            person, subject = _subject_expr()
            base = _with_subject(select(Case.id, Case.reference, subject, Case.review_date, Case.referral_date,
                                        Case.subject_person_id), person)
            out = self._not_heard(s, panel.id, base, listed)
            out += self._triaged(s, panel.id, base, listed, {sg.case_id for sg in out})
            due = s.execute(base.where(
                Case.panel_id == panel.id, Case.status.in_(LISTABLE_CASE_STATUSES), Case.review_date.is_not(None),
                Case.review_date <= day, Case.id.not_in(listed),
            ).order_by(Case.review_date, Case.id)).all()
            for cid, ref, subj, review, _ref_day, _pid in due:
                if any(sg.case_id == cid for sg in out):
                    continue
                out.append(Suggestion(cid, ref, subj or "", SuggestionKind.REVIEW_DUE,
                                      f"Review date {review.day} {review:%b %Y} has come"))
            months = panel.repeat_window_months or 12
            cutoff = _months_before(day, months)
            newer = aliased(Case)
            later_referral = select(newer.id).where(
                newer.subject_person_id == Case.subject_person_id, newer.panel_id == Case.panel_id,
                newer.referral_date > Case.referral_date,
            ).exists()
            lapsed = s.execute(base.where(
                Case.panel_id == panel.id, Case.status == CaseStatus.OPEN, Case.referral_date <= cutoff,
                Case.id.not_in(listed), or_(Case.subject_person_id.is_(None), ~later_referral),
            ).order_by(Case.referral_date, Case.id)).all()
            already = {sg.case_id for sg in out}
            for cid, ref, subj, _review, ref_day, _pid in lapsed:
                if cid in already:
                    continue
                out.append(Suggestion(cid, ref, subj or "", SuggestionKind.LAPSED,
                                      f"{months} months since the referral of {ref_day.day} {ref_day:%b %Y}: "
                                      "close or keep open"))
            return out

    @staticmethod
    def _triaged(s: Session, panel_id: int, base, listed, already: set[int]) -> list[Suggestion]:  # noqa: ANN001
        """Referrals a daily triage sent to MARAC that are accepted and on no agenda still to be
        held (no MARAC meeting was planned when they were triaged)."""
        from cspdesk.domain.triage import TriageOutcome
        from cspdesk.storage.model_triage import TriageItem, TriageMeeting

        rows = s.execute(base.add_columns(TriageMeeting.held_on)
                         .join(TriageItem, TriageItem.case_id == Case.id)
                         .join(TriageMeeting, TriageMeeting.id == TriageItem.triage_meeting_id)
                         .where(Case.panel_id == panel_id, Case.status == CaseStatus.ACCEPTED,
                                TriageItem.outcome == TriageOutcome.TO_MARAC, Case.id.not_in(listed))
                         .order_by(TriageMeeting.held_on, Case.id)).all()
        return [Suggestion(cid, ref, subj or "", SuggestionKind.TRIAGED,
                           f"Triaged to MARAC on {held.day} {held:%b %Y}: list it")
                for cid, ref, subj, _review, _day, _pid, held in rows if cid not in already]

    @staticmethod
    def _not_heard(s: Session, panel_id: int, base, listed) -> list[Suggestion]:  # noqa: ANN001
        """Cases still listable, on no agenda still to be held, that go back to be listed: their last
        listing was not a hearing (the meeting was cancelled, or the case deferred), or they are
        Listed and were never heard (the meeting they were listed for was deleted)."""
        item, at = aliased(AgendaItem), aliased(Meeting)
        unheard = (
            select(item.case_id, func.max(at.starts_at).label("last"))
            .join(at, at.id == item.meeting_id)
            .where(at.panel_id == panel_id, item.case_id.is_not(None),
                   or_(at.status == MeetingStatus.CANCELLED,
                       and_(at.status.in_(MET_STATUSES), item.decision == Decision.DEFERRED)))
            .group_by(item.case_id).subquery()
        )
        later, later_at = aliased(AgendaItem), aliased(Meeting)
        heard = select(later.id).join(later_at, later_at.id == later.meeting_id).where(
            later.case_id == Case.id, heard_clause(later_at, later))
        heard_since = heard.where(later_at.starts_at > unheard.c.last).exists()
        rows = s.execute(base.add_columns(unheard.c.last).outerjoin(unheard, unheard.c.case_id == Case.id).where(
            Case.panel_id == panel_id, Case.status.in_(LISTABLE_CASE_STATUSES), Case.id.not_in(listed),
            or_(and_(unheard.c.case_id.is_not(None), ~heard_since),
                and_(Case.status == CaseStatus.LISTED, ~heard.exists())),
        )).all()
        rows.sort(key=lambda r: (r.last is None, r.last or datetime.min, r.id))
        return [Suggestion(cid, ref, subj or "", SuggestionKind.NOT_HEARD,
                           f"Not heard at the meeting of {last.day} {last:%b %Y}: list it again" if last else
                           "Listed, but on no agenda and never heard: list it again")
                for cid, ref, subj, _review, _day, _pid, last in rows]

    # -- planning --------------------------------------------------------------------------------

    def plan_meetings(self, panel_id: int, first: datetime, *, recurrence: Recurrence = Recurrence.ONE_OFF,
                      count: int = 1, venue: str = "", chair_member_id: int | None = None,
                      minute_taker_member_id: int | None = None) -> OpResult[list[int]]:
        """One meeting, or ``count`` recurring ones from ``first`` (weekly, fortnightly, or monthly
        on the same weekday of the month), each with the standing items on its agenda."""
        self._ctx.require(Permission.RUN_MEETINGS, panel_id=panel_id)
        recurrence = Recurrence(recurrence)
        if recurrence is Recurrence.ONE_OFF:
            count = 1
        if not 1 <= count <= MAX_RECURRING:
            raise ValidationError("count", f"Plan between 1 and {MAX_RECURRING} meetings at a time.")
        venue = _text(venue, "venue", limit=200)
        days = meeting_dates(first.date(), recurrence, count)
        with self._ctx.unit_of_work() as s:
            panel = s.get(Panel, panel_id)
            if panel is None:
                raise NotFound("That panel does not exist.")
            for field, mid in (("chair", chair_member_id), ("minute_taker", minute_taker_member_id)):
                if mid is not None and s.get(Member, mid) is None:
                    raise ValidationError(field, f"The {field.replace('_', '-')} chosen is not a member.")
            taken = set(s.scalars(select(Meeting.starts_at).where(Meeting.panel_id == panel_id)))
            ids: list[int] = []
            for day in days:
                starts = datetime.combine(day, first.time())
                if starts in taken:
                    raise ValidationError("starts_at", f"{panel.name} already meets at {starts:%H:%M} on "
                                                       f"{day.day} {day:%b %Y}.")
                meeting = Meeting(panel_id=panel_id, starts_at=starts, venue=venue, chair_member_id=chair_member_id,
                                  minute_taker_member_id=minute_taker_member_id, status=MeetingStatus.PLANNED,
                                  created_at=self._ctx.now())
                s.add(meeting)
                s.flush()
                for position, kind in enumerate(
                        (AgendaItemKind.CONFIDENTIALITY, AgendaItemKind.ACTIONS_REVIEW, AgendaItemKind.AOB), start=1):
                    s.add(AgendaItem(meeting_id=meeting.id, position=position, kind=kind, title=kind.label,
                                     minutes_allowed=STANDING_MINUTES[kind]))
                s.flush()
                audit.record(s, self._ctx.actor, AuditKind.CREATE, "meeting", meeting.id,
                             {"panel_id": panel_id, "starts_at": starts, "venue": venue,
                              "recurrence": recurrence.value}, at=self._ctx.now())
                ids.append(meeting.id)
        return OpResult(ids, OpChanges(meetings=True, panels=True))

    def update_meeting(self, meeting_id: int, *, starts_at: datetime | None = None, venue: str | None = None,
                       chair_member_id: int | None = None, minute_taker_member_id: int | None = None,
                       clear_chair: bool = False, clear_minute_taker: bool = False) -> OpResult[MeetingDetail]:
        """Change the time, venue, chair or minute-taker (the time slots follow the start time)."""
        with self._ctx.unit_of_work() as s:
            meeting = self._writable(s, meeting_id)
            old = {"starts_at": meeting.starts_at, "venue": meeting.venue, "chair": meeting.chair_member_id,
                   "minute_taker": meeting.minute_taker_member_id}
            if starts_at is not None:
                meeting.starts_at = starts_at
            if venue is not None:
                meeting.venue = _text(venue, "venue", limit=200)
            if chair_member_id is not None or clear_chair:
                meeting.chair_member_id = None if clear_chair else chair_member_id
            if minute_taker_member_id is not None or clear_minute_taker:
                meeting.minute_taker_member_id = None if clear_minute_taker else minute_taker_member_id
            new = {"starts_at": meeting.starts_at, "venue": meeting.venue, "chair": meeting.chair_member_id,
                   "minute_taker": meeting.minute_taker_member_id}
            changes = audit.changed_fields(old, new)
            if changes:
                audit.record(s, self._ctx.actor, AuditKind.UPDATE, "meeting", meeting.id, {"changes": changes},
                             at=self._ctx.now())
            s.flush()
            detail = self._detail(s, meeting)
        return OpResult(detail, OpChanges(meetings=True, panels=True))

    def cancel_meeting(self, meeting_id: int, reason: str) -> OpResult[MeetingDetail]:
        """Call off a meeting that has not taken place, saying why. It stays in the list, marked
        cancelled; nothing on it changes afterwards, nothing on it counts as heard, and its cases
        go back to be listed (the next meeting suggests them)."""
        reason = _text(reason, "reason", required=True, limit=500, what="why the meeting is cancelled")
        with self._ctx.unit_of_work() as s:
            meeting = self._writable(s, meeting_id)
            if meeting.status is not MeetingStatus.PLANNED:
                raise ValidationError("status", f"This meeting is {meeting.status.label.lower()}: only a planned "
                                                "meeting can be cancelled.")
            now = self._ctx.now()
            cases = _case_references(s, meeting.id)
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "meeting", meeting.id,
                         {"changes": {"status": {"old": meeting.status, "new": MeetingStatus.CANCELLED}},
                          "reason": reason, "cases_to_relist": cases}, at=now)
            meeting.status = MeetingStatus.CANCELLED
            meeting.cancel_reason = reason
            meeting.cancelled_at = now
            meeting.cancelled_by_user_id = self._ctx.actor.user_id
            s.flush()
            detail = self._detail(s, meeting)
        return OpResult(detail, OpChanges(meetings=True, cases=True, panels=True))

    def delete_meeting(self, meeting_id: int) -> OpResult[None]:
        """Delete a planned meeting with no business on it — no notes, risks, decisions or agreed
        actions (its agenda and any attendance marked go with it). A meeting with business is
        cancelled instead, so the record keeps it."""
        with self._ctx.unit_of_work() as s:
            meeting = self._writable(s, meeting_id)
            if meeting.status is not MeetingStatus.PLANNED:
                raise ValidationError("status", f"This meeting is {meeting.status.label.lower()}: only a planned "
                                                "meeting can be deleted.")
            items = list(s.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)))
            busy = [i for i in items if i.discussion.strip() or i.risks.strip() or i.decision is not None
                    or i.decision_notes.strip()]
            actions = s.scalar(select(func.count()).select_from(Action).where(Action.meeting_id == meeting.id))
            if busy or actions:
                raise ValidationError("meeting", "This meeting has notes, decisions or actions on its agenda: "
                                                 "cancel it instead, giving the reason.")
            cases = _case_references(s, meeting.id)
            audit.record(s, self._ctx.actor, AuditKind.DELETE, "meeting", meeting.id,
                         {"panel_id": meeting.panel_id, "starts_at": meeting.starts_at, "venue": meeting.venue,
                          "cases_to_relist": cases}, at=self._ctx.now())
            s.delete(meeting)
        return OpResult(None, OpChanges(meetings=True, cases=True, panels=True))

    # -- the agenda ------------------------------------------------------------------------------

    def add_case(self, meeting_id: int, case_id: int, listing: Listing | None = None) -> OpResult[AgendaEntry]:
        """List a case, before Any other business. Its listing (new, repeat, review) is worked out
        unless given (transferred in is always given). An accepted case becomes Listed."""
        with self._ctx.unit_of_work() as s:
            meeting = self._writable(s, meeting_id)
            case_ = s.get(Case, case_id)
            if case_ is None or not self._ctx.actor.sees_panel(case_.panel_id):
                raise NotFound("That case does not exist, or is on a panel you are not a member of.")
            if case_.panel_id != meeting.panel_id:
                raise ValidationError("case", f"{case_.reference} belongs to another panel.")
            if case_.status not in LISTABLE_CASE_STATUSES:
                raise ValidationError("case", f"{case_.reference} is {case_.status.label.lower()}: only accepted "
                                              "and open cases can be listed.")
            items = list(s.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
                                   .order_by(AgendaItem.position, AgendaItem.id)))
            if any(i.case_id == case_id for i in items):
                raise ValidationError("case", f"{case_.reference} is already on this agenda.")
            if listing is None:
                # Heard before: at an earlier meeting that took place and did not defer it (a case
                # left on a cancelled or never-held agenda, or deferred, is still new).
                heard = s.scalar(select(func.count()).select_from(AgendaItem).join(
                    Meeting, Meeting.id == AgendaItem.meeting_id).where(
                    AgendaItem.case_id == case_id, Meeting.starts_at < meeting.starts_at, heard_clause()))
                listing = (Listing.REVIEW if heard else Listing.TRANSFERRED_IN if transferred_in(s, case_id)
                           else Listing.REPEAT if case_.repeat_of_case_id is not None else Listing.NEW)
            listing = Listing(listing)
            panel = s.get(Panel, meeting.panel_id)
            # Before the trailing standing item (Any other business), after every other item.
            tail = [i for i in items if i.kind is AgendaItemKind.AOB]
            head = [i for i in items if i.kind is not AgendaItemKind.AOB]
            item = AgendaItem(meeting_id=meeting.id, position=0, kind=AgendaItemKind.CASE, case_id=case_id,
                              listing=listing, title=case_.reference,
                              minutes_allowed=(panel.minutes_per_case if panel else 15) or 15)
            s.add(item)
            for position, it in enumerate([*head, item, *tail], start=1):
                it.position = position
            if case_.status is CaseStatus.ACCEPTED:
                s.add(CaseStatusChange(case_id=case_.id, from_status=case_.status, to_status=CaseStatus.LISTED,
                                       reason="", at=self._ctx.now(), by_user_id=self._ctx.actor.user_id))
                case_.status = CaseStatus.LISTED
                case_.updated_at = self._ctx.now()
            s.flush()
            audit.record(s, self._ctx.actor, AuditKind.CREATE, "agenda_item", item.id,
                         {"meeting_id": meeting.id, "case": case_.reference, "listing": listing.value},
                         at=self._ctx.now())
            entry = self._detail_entry(s, meeting, item.id)
        return OpResult(entry, OpChanges(meetings=True, cases=True))

    def _detail_entry(self, s: Session, meeting: Meeting, item_id: int) -> AgendaEntry:
        return next(e for e in self._entries(s, meeting) if e.id == item_id)

    def remove_item(self, item_id: int) -> OpResult[None]:
        """Take a case (or an extra item) off the agenda. Refused once actions were agreed under it;
        the three standing items stay."""
        with self._ctx.unit_of_work() as s:
            item, meeting = self._item(s, item_id, Permission.RUN_MEETINGS, write=True)
            if item.kind is not AgendaItemKind.CASE:
                raise ValidationError("item", f"{item.kind.label} is a standing item and stays on the agenda.")
            agreed = s.scalar(select(func.count()).select_from(Action).where(Action.meeting_id == meeting.id,
                                                                              Action.agenda_item_id == item.id))
            if agreed:
                raise ValidationError("item", "Actions were agreed under this item: it stays on the agenda.")
            reference = s.scalar(select(Case.reference).where(Case.id == item.case_id))
            s.delete(item)
            s.flush()
            rest = s.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id)
                             .order_by(AgendaItem.position, AgendaItem.id))
            for position, it in enumerate(rest, start=1):
                it.position = position
            audit.record(s, self._ctx.actor, AuditKind.DELETE, "agenda_item", item_id,
                         {"meeting_id": meeting.id, "case": reference}, at=self._ctx.now())
        return OpResult(None, OpChanges(meetings=True))

    def reorder(self, meeting_id: int, item_ids: Sequence[int]) -> OpResult[tuple[AgendaEntry, ...]]:
        """Put the agenda in this order (every item of the meeting, each once)."""
        with self._ctx.unit_of_work() as s:
            meeting = self._writable(s, meeting_id)
            items = {i.id: i for i in s.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id))}
            if sorted(item_ids) != sorted(items):
                raise ValidationError("order", "The new order must list every item of this agenda once.")
            old = [i.id for i in sorted(items.values(), key=lambda i: (i.position, i.id))]
            for position, iid in enumerate(item_ids, start=1):
                if items[iid].position != position:
                    items[iid].position = position
            if old != list(item_ids):
                audit.record(s, self._ctx.actor, AuditKind.UPDATE, "meeting", meeting.id,
                             {"changes": {"agenda_order": {"old": old, "new": list(item_ids)}}}, at=self._ctx.now())
            s.flush()
            entries = self._entries(s, meeting)
        return OpResult(entries, OpChanges(meetings=True))

    def move_item(self, item_id: int, offset: int) -> OpResult[tuple[AgendaEntry, ...]]:
        """Move an item up (negative) or down the agenda (clamped at the ends)."""
        with self._ctx.reading() as s:
            item, meeting = self._item(s, item_id, Permission.RUN_MEETINGS)
            order = list(s.scalars(select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id)
                                   .order_by(AgendaItem.position, AgendaItem.id)))
            meeting_id = meeting.id
        here = order.index(item_id)
        there = max(0, min(len(order) - 1, here + offset))
        order.insert(there, order.pop(here))
        return self.reorder(meeting_id, order)

    def set_listing(self, item_id: int, listing: Listing) -> OpResult[tuple[AgendaEntry, ...]]:
        """Say how a case is listed: new, repeat, review, or transferred in (from another area's
        MARAC, which the agenda must show)."""
        listing = Listing(listing)
        with self._ctx.unit_of_work() as s:
            item, meeting = self._item(s, item_id, Permission.RUN_MEETINGS, write=True)
            if item.kind is not AgendaItemKind.CASE:
                raise ValidationError("listing", "Only cases are listed as new, repeat, review or transferred in.")
            if item.listing is not listing:
                audit.record(s, self._ctx.actor, AuditKind.UPDATE, "agenda_item", item.id,
                             {"changes": {"listing": {"old": item.listing, "new": listing}}}, at=self._ctx.now())
                item.listing = listing
            s.flush()
            entries = self._entries(s, meeting)
        return OpResult(entries, OpChanges(meetings=True))

    def set_minutes_allowed(self, item_id: int, minutes: int) -> OpResult[tuple[AgendaEntry, ...]]:
        if not 1 <= minutes <= 240:
            raise ValidationError("minutes_allowed", "Allow between 1 and 240 minutes for an item.")
        with self._ctx.unit_of_work() as s:
            item, meeting = self._item(s, item_id, Permission.RUN_MEETINGS, write=True)
            if item.minutes_allowed != minutes:
                audit.record(s, self._ctx.actor, AuditKind.UPDATE, "agenda_item", item.id,
                             {"changes": {"minutes_allowed": {"old": item.minutes_allowed, "new": minutes}}},
                             at=self._ctx.now())
                item.minutes_allowed = minutes
            s.flush()
            entries = self._entries(s, meeting)
        return OpResult(entries, OpChanges(meetings=True))

    # -- attendance ------------------------------------------------------------------------------

    def set_attendance(self, meeting_id: int, *, attendance_id: int | None = None, agency_id: int | None = None,
                       member_id: int | None = None, name: str | None = None,
                       status: AttendanceStatus | None = None, information_sent: bool | None = None,
                       confidentiality_signed: bool | None = None) -> OpResult[AttendanceRow]:
        """Record (``attendance_id`` None: add) or change who came for an agency: present,
        apologies (with information sent or not), or absent."""
        with self._ctx.unit_of_work() as s:
            meeting = self._writable(s, meeting_id)
            if attendance_id is None:
                if agency_id is None or s.get(Agency, agency_id) is None:
                    raise ValidationError("agency", "Choose the agency attending.")
                row = Attendance(meeting_id=meeting.id, agency_id=agency_id, status=status or AttendanceStatus.ABSENT,
                                 information_sent=False, is_observer=False, confidentiality_signed=False)
                s.add(row)
                old: dict = {}
            else:
                row = s.get(Attendance, attendance_id)
                if row is None or row.meeting_id != meeting.id:
                    raise NotFound("That attendance line is not on this meeting.")
                old = self._attendance_values(row)
            if member_id is not None:
                member = s.get(Member, member_id)
                if member is None:
                    raise ValidationError("member", "The person chosen is not a member.")
                row.member_id = member_id
                if name is None:
                    row.attendee_name = member.name
            if name is not None:
                row.attendee_name = _text(name, "name", limit=200)
                if member_id is None:
                    # A name typed: the agency's member of that name, if there is one (else none).
                    row.member_id = s.scalar(select(Member.id).where(
                        Member.agency_id == row.agency_id, func.lower(Member.name) == row.attendee_name.lower(),
                    ).order_by(Member.id).limit(1)) if row.attendee_name and row.agency_id is not None else None
            if status is not None:
                row.status = AttendanceStatus(status)
                if row.status is not AttendanceStatus.APOLOGIES:
                    row.information_sent = False
            if information_sent is not None:
                if information_sent and row.status is not AttendanceStatus.APOLOGIES:
                    raise ValidationError("information_sent", "Information sent goes with apologies only.")
                row.information_sent = information_sent
            if confidentiality_signed is not None:
                row.confidentiality_signed = confidentiality_signed
            s.flush()
            changes = audit.changed_fields(old, self._attendance_values(row))
            audit.record(s, self._ctx.actor, AuditKind.CREATE if attendance_id is None else AuditKind.UPDATE,
                         "attendance", row.id, {"meeting_id": meeting.id, "changes": changes}, at=self._ctx.now())
            result = self._attendance_row(s, meeting, row.id)
        return OpResult(result, OpChanges(meetings=True))

    def add_observer(self, meeting_id: int, name: str, *, agency_id: int | None = None,
                     confidentiality_signed: bool = False) -> OpResult[AttendanceRow]:
        """An observer (a student, a new colleague): present, and whether they signed the
        confidentiality statement."""
        name = _text(name, "name", required=True, limit=200, what="the observer's name")
        with self._ctx.unit_of_work() as s:
            meeting = self._writable(s, meeting_id)
            if agency_id is not None and s.get(Agency, agency_id) is None:
                raise ValidationError("agency", "That agency does not exist.")
            row = Attendance(meeting_id=meeting.id, agency_id=agency_id, attendee_name=name,
                             status=AttendanceStatus.PRESENT, information_sent=False, is_observer=True,
                             confidentiality_signed=confidentiality_signed)
            s.add(row)
            s.flush()
            audit.record(s, self._ctx.actor, AuditKind.CREATE, "attendance", row.id,
                         {"meeting_id": meeting.id, "observer": True, "signed": confidentiality_signed},
                         at=self._ctx.now())
            result = self._attendance_row(s, meeting, row.id)
        return OpResult(result, OpChanges(meetings=True))

    def remove_attendance(self, attendance_id: int) -> OpResult[None]:
        with self._ctx.unit_of_work() as s:
            row = s.get(Attendance, attendance_id)
            if row is None or not self._sees_meeting(s, row.meeting_id):  # the same words: no oracle
                raise NotFound("That attendance line does not exist, or is of a panel you are not a member of.")
            meeting = self._writable(s, row.meeting_id)
            audit.record(s, self._ctx.actor, AuditKind.DELETE, "attendance", row.id,
                         {"meeting_id": meeting.id, "old": self._attendance_values(row)}, at=self._ctx.now())
            s.delete(row)
        return OpResult(None, OpChanges(meetings=True))

    @staticmethod
    def _attendance_values(row: Attendance) -> dict:
        return {"agency_id": row.agency_id, "member_id": row.member_id, "name": row.attendee_name,
                "status": row.status, "information_sent": row.information_sent,
                "confidentiality_signed": row.confidentiality_signed}

    def _attendance_row(self, s: Session, meeting: Meeting, attendance_id: int) -> AttendanceRow:
        rows, _missing = self._attendance(s, meeting)
        return next(r for r in rows if r.id == attendance_id)

    # -- running the meeting ---------------------------------------------------------------------

    def start_meeting(self, meeting_id: int) -> OpResult[MeetingDetail]:
        """Planned (or Held, to carry on) → In progress. Starting one already in progress is a no-op."""
        with self._ctx.unit_of_work() as s:
            meeting = self._writable(s, meeting_id)
            changes = OpChanges()
            if meeting.status is not MeetingStatus.IN_PROGRESS:
                audit.record(s, self._ctx.actor, AuditKind.UPDATE, "meeting", meeting.id,
                             {"changes": {"status": {"old": meeting.status, "new": MeetingStatus.IN_PROGRESS}}},
                             at=self._ctx.now())
                meeting.status = MeetingStatus.IN_PROGRESS
                changes = OpChanges(meetings=True)
                s.flush()
            detail = self._detail(s, meeting)
        return OpResult(detail, changes)

    def go_to_item(self, item_id: int, *, leaving_item_id: int | None = None) -> OpResult[AgendaEntry]:
        """The chair moved to this item: its clock starts (the first time), and the item left
        stops its clock. One small transaction; cheap enough for every keypress of Next."""
        with self._ctx.unit_of_work() as s:
            item, meeting = self._item(s, item_id, Permission.RUN_MEETINGS, write=True)
            self._move_clocks(s, meeting, item, leaving_item_id)
            s.flush()
            entry = self._entry(s, meeting, item)
        return OpResult(entry, OpChanges())

    def open_item(self, item_id: int, *, leaving_item_id: int | None = None,
                  with_addresses: bool = False) -> OpResult[ItemView]:
        """Meeting mode moved to this item (Ctrl+PgDown): the clocks move on as in
        :meth:`go_to_item`, and everything the screen shows for the item comes back — the case's
        brief (a view in the audit trail), its earlier actions and those agreed so far — in one
        transaction, so moving on costs one commit."""
        with self._ctx.unit_of_work() as s:
            item, meeting = self._item(s, item_id, Permission.RUN_MEETINGS, write=True)
            self._move_clocks(s, meeting, item, leaving_item_id)
            s.flush()
            view = self._view(s, meeting, item, with_addresses, audit_view=True)
        return OpResult(view, OpChanges())

    def read_item(self, item_id: int, *, with_addresses: bool = False) -> ItemView:
        """What :meth:`open_item` returns, read without writing anything: for a screen that records
        the move (:meth:`item_opened`) off its own thread, so that showing the next case waits for
        no commit. A caller that shows a case this way must call :meth:`item_opened` for it."""
        self._ctx.require(Permission.VIEW_CASES)
        with self._ctx.reading() as s:
            item, meeting = self._item(s, item_id, Permission.RUN_MEETINGS)
            return self._view(s, meeting, item, with_addresses, audit_view=False)

    def read_items(self, item_ids: Sequence[int], *, with_addresses: bool = False) -> dict[int, ItemView]:
        """:meth:`read_item` for each of ``item_ids`` (meeting mode's read-ahead), in one session:
        the items in one statement and their meeting once, not each by itself."""
        self._ctx.require(Permission.VIEW_CASES)
        with self._ctx.reading() as s:
            s.scalars(select(AgendaItem).where(AgendaItem.id.in_(list(item_ids)))).all()  # the identity map
            views = {}
            for item_id in item_ids:
                item, meeting = self._item(s, item_id, Permission.RUN_MEETINGS)
                views[item_id] = self._view(s, meeting, item, with_addresses, audit_view=False)
            return views

    def item_opened(self, item_id: int, *, leaving_item_id: int | None = None,
                    with_addresses: bool = False) -> OpResult[None]:
        """Record that meeting mode showed this item: the clocks move on (as :meth:`go_to_item`) and,
        for a case, the view goes in the audit trail. One small transaction."""
        with self._ctx.unit_of_work() as s:
            item, meeting = self._item(s, item_id, Permission.RUN_MEETINGS, write=True)
            self._move_clocks(s, meeting, item, leaving_item_id)
            if item.case_id is not None:
                reference = s.scalar(select(Case.reference).where(Case.id == item.case_id))
                audit.record(s, self._ctx.actor, AuditKind.VIEW, "case", item.case_id,
                             {"reference": reference, "in": "meeting", "addresses": with_addresses},
                             at=self._ctx.now())
        return OpResult(None, OpChanges())

    def _view(self, s: Session, meeting: Meeting, item: AgendaItem, with_addresses: bool, *,
              audit_view: bool) -> ItemView:
        entry = self._entry(s, meeting, item)
        brief = None
        earlier: list[ActionRow] = []
        if item.case_id is not None:
            brief = self._brief(s, item.case_id, with_addresses, audit_view=audit_view)
            earlier = self._earlier(s, meeting, [item.case_id])
        elif item.kind is AgendaItemKind.ACTIONS_REVIEW:
            case_ids = list(s.scalars(select(AgendaItem.case_id).where(
                AgendaItem.meeting_id == meeting.id, AgendaItem.case_id.is_not(None))))
            earlier = self._earlier(s, meeting, case_ids)
        agreed = self._action_rows(s, and_(Action.meeting_id == meeting.id, Action.agenda_item_id == item.id))
        context = context_brief(s, self._ctx, item.case_id) if brief is not None else None
        return ItemView(entry, brief, tuple(earlier), tuple(agreed), context)

    def _move_clocks(self, s: Session, meeting: Meeting, item: AgendaItem, leaving_item_id: int | None) -> None:
        # The item being left must be of the same meeting (issue 22: every id is checked).
        if leaving_item_id is not None and s.scalar(
                select(AgendaItem.meeting_id).where(AgendaItem.id == leaving_item_id)) != meeting.id:
            raise NotFound(NO_SUCH_ITEM)
        if meeting.status is not MeetingStatus.IN_PROGRESS:
            return
        now = self._ctx.now()
        if leaving_item_id is not None and leaving_item_id != item.id:
            left = s.get(AgendaItem, leaving_item_id)
            if left is not None and left.meeting_id == meeting.id and left.started_at is not None:
                left.ended_at = now
        if item.started_at is None:
            item.started_at = now
        item.ended_at = None

    def _entry(self, s: Session, meeting: Meeting, item: AgendaItem) -> AgendaEntry:
        """One item without reading the whole agenda (slot times are left as the meeting start)."""
        ref = subj = agency = ""
        risk = None
        if item.case_id is not None:
            person, subject = _subject_expr()
            found = s.execute(_with_subject(
                select(Case.reference, subject, Agency.name, Case.risk_level)
                .outerjoin(Agency, Agency.id == Case.referring_agency_id), person).where(Case.id == item.case_id)).first()
            if found is not None:
                ref, subj, agency, risk = found[0], found[1] or "", found[2] or "", found[3]
        return AgendaEntry(item.id, item.position, item.kind, item.title or item.kind.label, item.case_id, ref, subj,
                           item.listing, agency, risk, item.minutes_allowed, meeting.starts_at, meeting.starts_at,
                           item.discussion, item.risks, item.decision, item.decision_notes, item.started_at,
                           item.ended_at)

    def save_notes(self, item_id: int, *, discussion: str | None = None, risks: str | None = None) -> None:
        """Save what was typed about an item (called as the chair types). Writes only when the text
        changed. The audit trail records that the item's notes were changed and by whom — once per
        run of saves by the same person on the same item, not for every keystroke."""
        if discussion is not None and len(discussion) > MAX_NOTES:
            raise ValidationError("discussion", f"The notes are too long (at most {MAX_NOTES:,} characters).")
        if risks is not None and len(risks) > MAX_TEXT:
            raise ValidationError("risks", f"The risks are too long (at most {MAX_TEXT:,} characters).")
        with self._ctx.unit_of_work() as s:
            item, meeting = self._item(s, item_id, Permission.RUN_MEETINGS, write=True)
            fields = []
            if discussion is not None and discussion != item.discussion:
                item.discussion = discussion
                fields.append("discussion")
            if risks is not None and risks != item.risks:
                item.risks = risks
                fields.append("risks")
            if not fields:
                return
            if meeting.status is MeetingStatus.IN_PROGRESS and item.started_at is None:
                item.started_at = self._ctx.now()
            s.flush()
            from cspdesk.storage.models import AuditEvent

            last = s.execute(select(AuditEvent.user_id, AuditEvent.username, AuditEvent.kind, AuditEvent.entity,
                                    AuditEvent.entity_id, AuditEvent.details)
                             .order_by(AuditEvent.id.desc()).limit(1)).first()
            actor = self._ctx.actor
            same_run = (last is not None and last.kind == AuditKind.UPDATE and last.entity == "agenda_item"
                        and last.entity_id == item.id and last.user_id == actor.user_id
                        and last.username == actor.username and (last.details or {}).get("notes"))
            if not same_run:
                audit.record(s, actor, AuditKind.UPDATE, "agenda_item", item.id,
                             {"meeting_id": meeting.id, "notes": fields}, at=self._ctx.now())

    def review_action(self, action_id: int, status: ActionStatus, *, note: str = "", reason: str = "",
                      meeting_id: int | None = None) -> OpResult[ActionRow]:
        """An earlier action reviewed in the meeting, in one call: its new status (On hold and
        Discontinued need a reason; Completed records today's date) and a line in its log.
        With ``meeting_id``, refused once that meeting's minutes are finalised."""
        status = ActionStatus(status)
        note = _text(note, "note", limit=MAX_TEXT)
        reason = _text(reason, "reason", limit=MAX_TEXT)
        if status in ACTION_STATUSES_NEEDING_REASON and not reason:
            raise ValidationError("reason", f"Say why the action is {status.label.lower()}.")
        with self._ctx.unit_of_work() as s:
            action = s.get(Action, action_id)
            if action is None or not self._ctx.actor.sees_panel(action.panel_id):
                raise NotFound("That action does not exist, or is on a panel you are not a member of.")
            self._ctx.require(Permission.RUN_MEETINGS, panel_id=action.panel_id)
            where = ""
            if meeting_id is not None:
                meeting = self._writable(s, meeting_id)
                where = f"Reviewed at the meeting of {meeting.starts_at.day} {meeting.starts_at:%b %Y}"
            old = action.status
            now = self._ctx.now()
            action.status = status
            action.status_reason = reason if status in ACTION_STATUSES_NEEDING_REASON else ""
            if status is ActionStatus.COMPLETED:
                action.completed_on = action.completed_on if old is ActionStatus.COMPLETED else self._ctx.today()
            else:
                action.completed_on = None
            action.updated_at = now
            text = ". ".join(t for t in (where, reason, note) if t)
            if old is not status or text:
                s.add(ActionUpdate(action_id=action.id, at=now, by_user_id=self._ctx.actor.user_id,
                                   by_name=self._actor_name(s), text=text,
                                   old_status=old if old is not status else None,
                                   new_status=status if old is not status else None))
            s.flush()
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "action", action.id,
                         {"changes": audit.changed_fields({"status": old}, {"status": status}),
                          "meeting_id": meeting_id}, at=now)
            row = self._action_rows(s, Action.id == action.id)[0]
        return OpResult(row, OpChanges(actions=True, panels=True))

    def add_agreed_action(self, item_id: int, *, agency_id: int, text: str, owner_member_id: int | None = None,
                          owner_name: str = "", due_date: date | None = None,
                          strand: Strand | None = None) -> OpResult[ActionRow]:
        """An action agreed under this agenda item (on its case, if it has one): the owning agency,
        a named owner (a member, or just a name), the text, and the due date — by default the
        date of the panel's next meeting."""
        text = _text(text, "text", required=True, what="what the action is")
        owner_name = _text(owner_name, "owner", limit=200)
        with self._ctx.unit_of_work() as s:
            item, meeting = self._item(s, item_id, Permission.RUN_MEETINGS, write=True)
            agency = s.get(Agency, agency_id) if agency_id is not None else None
            if agency is None or not agency.is_active:
                raise ValidationError("agency", "Choose the agency that owns the action.")
            if owner_member_id is not None:
                member = s.get(Member, owner_member_id)
                if member is None:
                    raise ValidationError("owner", "The owner chosen is not a member.")
                if member.agency_id != agency_id:
                    raise ValidationError("owner", f"{member.name} is not with {agency.name}.")
                owner_name = owner_name or member.name
            if due_date is None:
                due_date = self._default_due(s, meeting)
            if due_date < meeting.starts_at.date():
                raise ValidationError("due_date", "The due date is before the meeting.")
            if (too_far := due_date_problem(due_date, self._ctx.today())) is not None:
                raise ValidationError("due_date", too_far)
            uses_strands = s.scalar(select(Panel.uses_strands).where(Panel.id == meeting.panel_id))
            now = self._ctx.now()
            action = Action(
                panel_id=meeting.panel_id, case_id=item.case_id, meeting_id=meeting.id, agenda_item_id=item.id,
                text=text, owner_agency_id=agency_id, owner_member_id=owner_member_id, owner_name=owner_name,
                due_date=due_date, strand=Strand(strand) if (strand and uses_strands) else None,
                status=ActionStatus.OPEN, created_at=now, updated_at=now,
            )
            if meeting.status is MeetingStatus.IN_PROGRESS and item.started_at is None:
                item.started_at = now
            s.add(action)
            s.flush()
            audit.record(s, self._ctx.actor, AuditKind.CREATE, "action", action.id,
                         {"meeting_id": meeting.id, "agenda_item_id": item.id, "case_id": item.case_id,
                          "agency_id": agency_id, "owner": owner_name, "due_date": due_date, "text": text}, at=now)
            reference = s.scalar(select(Case.reference).where(Case.id == item.case_id)) if item.case_id else ""
            row = ActionRow(action.id, item.case_id, reference or "", text, agency_id, agency.name, owner_member_id,
                            owner_name,
                            due_date, ActionStatus.OPEN, "", None, meeting.id, meeting.starts_at.date(), item.id)
        return OpResult(row, OpChanges(actions=True, panels=True))

    def remove_agreed_action(self, action_id: int) -> OpResult[None]:
        """Undo an action added by mistake in the meeting (before the minutes are finalised)."""
        with self._ctx.unit_of_work() as s:
            action = s.get(Action, action_id)
            if action is None or action.meeting_id is None or not self._ctx.actor.sees_panel(action.panel_id):
                raise NotFound("That action was not agreed at a meeting of a panel you are a member of.")
            self._writable(s, action.meeting_id)
            if action.updates:
                raise ValidationError("action", "This action has updates already: change its status instead.")
            audit.record(s, self._ctx.actor, AuditKind.DELETE, "action", action.id,
                         {"meeting_id": action.meeting_id, "text": action.text}, at=self._ctx.now())
            s.delete(action)
        return OpResult(None, OpChanges(actions=True, panels=True))

    def record_decision(self, item_id: int, decision: Decision | None, notes: str = "") -> OpResult[AgendaEntry]:
        """The panel's decision on a case: continue, close (the outcome is required), refer on
        (say to whom), or deferred — not heard (the case is not counted as heard and goes back to
        be listed). It takes effect on the case when the minutes are finalised."""
        notes = _text(notes, "decision_notes", limit=MAX_TEXT)
        decision = Decision(decision) if decision is not None else None
        if decision is Decision.CLOSE and not notes:
            raise ValidationError("decision_notes", "Closing a case needs its outcome.")
        if decision is Decision.REFER_ON and not notes:
            raise ValidationError("decision_notes", "Say where the case is referred on to.")
        with self._ctx.unit_of_work() as s:
            item, meeting = self._item(s, item_id, Permission.RUN_MEETINGS, write=True)
            if item.kind is not AgendaItemKind.CASE:
                raise ValidationError("decision", "Decisions are recorded for cases.")
            old = {"decision": item.decision, "decision_notes": item.decision_notes}
            item.decision = decision
            item.decision_notes = notes
            changes = audit.changed_fields(old, {"decision": decision, "decision_notes": notes})
            if changes:
                audit.record(s, self._ctx.actor, AuditKind.UPDATE, "agenda_item", item.id,
                             {"meeting_id": meeting.id, "changes": changes}, at=self._ctx.now())
            s.flush()
            entry = self._entry(s, meeting, item)
        return OpResult(entry, OpChanges(meetings=True))

    def end_meeting(self, meeting_id: int) -> OpResult[MeetingDetail]:
        """In progress → Held: every running clock stops."""
        with self._ctx.unit_of_work() as s:
            meeting = self._writable(s, meeting_id)
            if meeting.status is not MeetingStatus.IN_PROGRESS:
                raise ValidationError("status", "Only a meeting in progress can be ended.")
            now = self._ctx.now()
            for item in s.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id,
                                                           AgendaItem.started_at.is_not(None),
                                                           AgendaItem.ended_at.is_(None))):
                item.ended_at = now
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "meeting", meeting.id,
                         {"changes": {"status": {"old": meeting.status, "new": MeetingStatus.HELD}}}, at=now)
            meeting.status = MeetingStatus.HELD
            s.flush()
            detail = self._detail(s, meeting)
        return OpResult(detail, OpChanges(meetings=True))

    def finalise_minutes(self, meeting_id: int) -> OpResult[MeetingDetail]:
        """Held → Minutes finalised, and locked. Every case needs a decision first. The decisions
        take effect: Continue opens the case and sets its review date to the next meeting; Close and
        Refer on close it with the outcome; Deferred — not heard leaves the case as it was, to be
        listed again (the next meeting suggests it)."""
        with self._ctx.unit_of_work() as s:
            meeting = self._writable(s, meeting_id)
            if meeting.status is not MeetingStatus.HELD:
                raise ValidationError("status", "End the meeting before finalising its minutes.")
            items = list(s.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting.id,
                                                            AgendaItem.kind == AgendaItemKind.CASE)
                                   .order_by(AgendaItem.position)))
            refs = dict(s.execute(select(Case.id, Case.reference).where(
                Case.id.in_([i.case_id for i in items if i.case_id is not None]))).all())
            undecided = [refs.get(i.case_id, "?") for i in items if i.decision is None]
            if undecided:
                raise ValidationError("decision", "Record a decision for " + ", ".join(undecided) + " first.")
            now = self._ctx.now()
            following = self._next_meeting_start(s, meeting)
            for item in items:
                case_ = s.get(Case, item.case_id)
                if case_ is None or item.decision is Decision.DEFERRED:
                    continue
                target = CaseStatus.OPEN if item.decision is Decision.CONTINUE else CaseStatus.CLOSED
                if item.decision is Decision.CONTINUE:
                    case_.review_date = following.date() if following is not None else None
                else:
                    prefix = "Referred on: " if item.decision is Decision.REFER_ON else ""
                    case_.outcome = prefix + item.decision_notes
                    case_.closed_on = meeting.starts_at.date()
                    case_.review_date = None
                if case_.status is not target and case_.status in LISTABLE_CASE_STATUSES:
                    s.add(CaseStatusChange(case_id=case_.id, from_status=case_.status, to_status=target,
                                           reason=case_.outcome if target is CaseStatus.CLOSED else "",
                                           at=now, by_user_id=self._ctx.actor.user_id))
                    case_.status = target
                case_.updated_at = now
            meeting.status = MeetingStatus.FINALISED
            meeting.finalised_at = now
            meeting.finalised_by_user_id = self._ctx.actor.user_id
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "meeting", meeting.id,
                         {"changes": {"status": {"old": MeetingStatus.HELD, "new": MeetingStatus.FINALISED}},
                          "decisions": {refs.get(i.case_id, str(i.case_id)): i.decision for i in items}}, at=now)
            s.flush()
            detail = self._detail(s, meeting)
        return OpResult(detail, OpChanges(meetings=True, cases=True, panels=True))

    def add_addendum(self, meeting_id: int, text: str, *, agenda_item_id: int | None = None) -> OpResult[Addendum]:
        """A correction to finalised minutes, kept with who wrote it and when (the minutes
        themselves never change)."""
        text = _text(text, "text", required=True, what="the correction")
        with self._ctx.unit_of_work() as s:
            meeting = self._meeting(s, meeting_id, Permission.RUN_MEETINGS)
            if meeting.status is not MeetingStatus.FINALISED:
                raise ValidationError("status", "These minutes are not finalised yet: change them directly.")
            if agenda_item_id is not None:
                item = s.get(AgendaItem, agenda_item_id)
                if item is None or item.meeting_id != meeting.id:
                    raise NotFound("That agenda item is not on this meeting.")
            now = self._ctx.now()
            row = MinutesAddendum(meeting_id=meeting.id, agenda_item_id=agenda_item_id, text=text, at=now,
                                  by_user_id=self._ctx.actor.user_id)
            s.add(row)
            s.flush()
            audit.record(s, self._ctx.actor, AuditKind.CREATE, "minutes_addendum", row.id,
                         {"meeting_id": meeting.id, "agenda_item_id": agenda_item_id, "text": text}, at=now)
            result = Addendum(row.id, agenda_item_id, text, now, self._actor_name(s))
        return OpResult(result, OpChanges(meetings=True))

    # -- building blocks -------------------------------------------------------------------------

    def _actor_name(self, s: Session) -> str:
        uid = self._ctx.actor.user_id
        if uid is None:
            return self._ctx.actor.username
        return s.scalar(select(UserAccount.display_name).where(UserAccount.id == uid)) or self._ctx.actor.username

    def _meeting(self, s: Session, meeting_id: int, permission: Permission) -> Meeting:
        meeting = s.get(Meeting, meeting_id)
        if meeting is None or not self._ctx.actor.sees_panel(meeting.panel_id):
            raise NotFound("That meeting does not exist, or is of a panel you are not a member of.")
        self._ctx.require(permission, panel_id=meeting.panel_id)
        return meeting

    def _sees_meeting(self, s: Session, meeting_id: int) -> bool:
        panel_id = s.scalar(select(Meeting.panel_id).where(Meeting.id == meeting_id))
        return panel_id is not None and self._ctx.actor.sees_panel(panel_id)

    def _writable(self, s: Session, meeting_id: int) -> Meeting:
        meeting = self._meeting(s, meeting_id, Permission.RUN_MEETINGS)
        if meeting.status is MeetingStatus.CANCELLED:
            raise ValidationError("status", "This meeting was cancelled: nothing on it changes. List its cases "
                                            "at another meeting.")
        if meeting.status is MeetingStatus.FINALISED:
            when = meeting.finalised_at
            on = f" on {when.day} {when:%b %Y}" if when else ""
            raise MinutesLocked(f"The minutes of this meeting were finalised{on} and cannot change; "
                                "add an addendum instead.")
        return meeting

    def _item(self, s: Session, item_id: int, permission: Permission, *, write: bool = False
              ) -> tuple[AgendaItem, Meeting]:
        item = s.get(AgendaItem, item_id)
        if item is None or not self._sees_meeting(s, item.meeting_id):  # the same words: no oracle
            raise NotFound(NO_SUCH_ITEM)
        meeting = self._writable(s, item.meeting_id) if write else self._meeting(s, item.meeting_id, permission)
        return item, meeting


def _case_references(s: Session, meeting_id: int) -> list[str]:
    """The references of the cases on a meeting's agenda, in agenda order (for the audit trail)."""
    return list(s.scalars(select(Case.reference).join(AgendaItem, AgendaItem.case_id == Case.id)
                          .where(AgendaItem.meeting_id == meeting_id).order_by(AgendaItem.position)))


def _months_before(day: date, months: int) -> date:
    month = day.month - months
    year = day.year
    while month < 1:
        month += 12
        year -= 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
