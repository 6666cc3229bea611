"""Cases: the filtered, sorted list (for lazy table models) and search by name or reference.

The list is served in two steps, as big-list views need it: :meth:`CaseService.case_ids` returns
only the ids of every matching case, filtered and sorted in SQL; :meth:`CaseService.case_rows`
returns the display rows of one page of those ids. A view holds the ids and fetches pages as they
scroll into sight.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select, union
from sqlalchemy.orm import Session, aliased

from cspdesk.domain.enums import AuditKind, CaseStatus, PanelType, PersonRole, RiskLevel, SubjectKind, VulnerabilityFlag
from cspdesk.domain.rules import normalise_name
from cspdesk.services import audit
from cspdesk.services.context import Permission, ServiceContext
from cspdesk.services.errors import NotFound
from cspdesk.services.panels import UNFINISHED_ACTION_STATUSES
from cspdesk.storage.models import (
    Action,
    Agency,
    Case,
    CaseFlag,
    CasePerson,
    CaseStatusChange,
    Location,
    Panel,
    Person,
    PersonAlias,
    RiskAssessment,
    SubjectGroup,
)

#: Search terms shorter than this match references only (one letter would match half the county).
MIN_NAME_TERM = 2


class CaseSort(StrEnum):
    REFERENCE = "reference"
    REFERRAL_DATE = "referral_date"
    SUBJECT = "subject"
    PANEL = "panel"
    STATUS = "status"
    RISK = "risk"
    REFERRER = "referrer"
    REVIEW_DATE = "review_date"


@dataclass(frozen=True)
class CaseQuery:
    """What the case list shows. Every filter left at its default lets everything through; sets
    match any of their members; the referral date range is inclusive at both ends."""

    panel_id: int | None = None
    statuses: frozenset[CaseStatus] | None = None
    text: str = ""
    sort: CaseSort = CaseSort.REFERRAL_DATE
    descending: bool = True
    risk_levels: frozenset[RiskLevel] | None = None
    #: Cases carrying any of these vulnerability flags.
    flags: frozenset[VulnerabilityFlag] | None = None
    referring_agency_ids: frozenset[int] | None = None
    referred_from: date | None = None
    referred_to: date | None = None


@dataclass(frozen=True)
class CaseRow:
    id: int
    reference: str
    panel_id: int
    panel_name: str
    panel_type: PanelType
    referral_date: date
    subject_kind: SubjectKind
    subject: str
    status: CaseStatus
    risk_level: RiskLevel | None
    referring_agency: str
    review_date: date | None
    is_repeat: bool
    open_actions: int


@dataclass(frozen=True)
class LinkedPerson:
    person_id: int
    name: str
    role: PersonRole
    date_of_birth: date | None
    address: str
    phone: str
    safe_to_call: bool | None


@dataclass(frozen=True)
class StatusStep:
    at: datetime
    from_status: CaseStatus | None
    to_status: CaseStatus
    reason: str


@dataclass(frozen=True)
class CaseDetail:
    row: CaseRow
    reason: str
    summary: str
    outcome: str
    referrer_name: str
    people: tuple[LinkedPerson, ...]
    history: tuple[StatusStep, ...]
    risk_summary: str


def _prefix_range(column: ColumnElement[str], prefix: str) -> ColumnElement[bool]:
    """``column`` starts with ``prefix``, as a range both SQLite and PostgreSQL answer from an index.

    Normalised names hold only lower-case letters, digits and spaces, so the next string after every
    string starting with "smi" is "smj" in any collation.
    """
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < upper)


def _ranks(column: ColumnElement, ordered: list) -> list[tuple[ColumnElement[bool], int]]:
    return [(column == value, rank) for rank, value in enumerate(ordered)]


class CaseService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    # -- the list -------------------------------------------------------------------------------

    def case_ids(self, query: CaseQuery = CaseQuery()) -> list[int]:
        """Ids of every case matching ``query`` that the acting user may see, in display order."""
        self._ctx.require(Permission.VIEW_CASES, panel_id=query.panel_id)
        stmt = self._filtered(select(Case.id), query)
        stmt, key = self._sort_key(stmt, query.sort)
        order = key.desc() if query.descending else key.asc()
        tiebreak = Case.id.desc() if query.descending else Case.id.asc()
        stmt = stmt.order_by(order.nulls_last(), tiebreak)
        with self._ctx.reading() as s:
            return list(s.scalars(stmt))

    def has_cases(self, panel_id: int | None = None) -> bool:
        """Has any case been logged (on the panel, or on any panel the user sees)? The case list's
        empty state says "log the first referral" only when none has."""
        self._ctx.require(Permission.VIEW_CASES, panel_id=panel_id)
        stmt = self._filtered(select(Case.id), CaseQuery(panel_id=panel_id)).limit(1)
        with self._ctx.reading() as s:
            return s.scalar(stmt) is not None

    def case_rows(self, ids: Sequence[int]) -> list[CaseRow]:
        """Display rows for ``ids`` (one page), in the order given. Ids the user may not see, or
        that no longer exist, are left out."""
        self._ctx.require(Permission.VIEW_CASES)
        if not ids:
            return []
        person = aliased(Person)
        subject = func.coalesce(
            person.given_name + literal(" ") + person.family_name, SubjectGroup.name, Location.name
        ).label("subject")
        stmt = (
            select(Case, Panel.name, Panel.panel_type, Agency.name, subject)
            .join(Panel, Panel.id == Case.panel_id)
            .outerjoin(Agency, Agency.id == Case.referring_agency_id)
            .outerjoin(person, person.id == Case.subject_person_id)
            .outerjoin(SubjectGroup, SubjectGroup.id == Case.subject_group_id)
            .outerjoin(Location, Location.id == Case.subject_location_id)
            .where(Case.id.in_(list(ids)))
        )
        visible = self._ctx.visible_panel_ids()
        if visible is not None:
            stmt = stmt.where(Case.panel_id.in_(visible))
        with self._ctx.reading() as s:
            open_actions = dict(
                s.execute(
                    select(Action.case_id, func.count())
                    .where(Action.case_id.in_(list(ids)), Action.status.in_(UNFINISHED_ACTION_STATUSES))
                    .group_by(Action.case_id)
                ).all()
            )
            by_id: dict[int, CaseRow] = {}
            for case, panel_name, panel_type, agency_name, subject_label in s.execute(stmt):
                by_id[case.id] = CaseRow(
                    id=case.id,
                    reference=case.reference,
                    panel_id=case.panel_id,
                    panel_name=panel_name,
                    panel_type=panel_type,
                    referral_date=case.referral_date,
                    subject_kind=case.subject_kind,
                    subject=subject_label or "",
                    status=case.status,
                    risk_level=case.risk_level,
                    referring_agency=agency_name or "",
                    review_date=case.review_date,
                    is_repeat=case.repeat_of_case_id is not None,
                    open_actions=open_actions.get(case.id, 0),
                )
        return [by_id[i] for i in ids if i in by_id]

    def get_case(self, case_id: int) -> CaseDetail:
        """One case in full, for reading. Every call is a *view* in the audit trail."""
        self._ctx.require(Permission.VIEW_CASES)
        rows = self.case_rows([case_id])  # also applies need to know
        if not rows:
            raise NotFound("That case does not exist, or is on a panel you are not a member of.")
        row = rows[0]
        self._ctx.require(Permission.VIEW_CASES, panel_id=row.panel_id)
        with self._ctx.viewing() as s:
            case_ = s.get(Case, case_id)
            assert case_ is not None
            people = []
            if case_.subject_person is not None:
                people.append((case_.subject_person, PersonRole.SUBJECT))
            for link in sorted(case_.people, key=lambda cp: (list(PersonRole).index(cp.role), cp.id)):
                if case_.subject_person is not None and link.person_id == case_.subject_person_id:
                    people = [(p, link.role) if p.id == link.person_id else (p, r) for p, r in people]
                    continue
                people.append((link.person, link.role))
            linked = tuple(
                LinkedPerson(p.id, f"{p.given_name} {p.family_name}", role, p.date_of_birth, p.address, p.phone,
                             p.safe_to_call)
                for p, role in people
            )
            history = tuple(
                StatusStep(c.at, c.from_status, c.to_status, c.reason)
                for c in s.scalars(
                    select(CaseStatusChange).where(CaseStatusChange.case_id == case_id)
                    .order_by(CaseStatusChange.at, CaseStatusChange.id)  # ties: the order they were made
                )
            )
            risk = latest_risk(s, case_id)
            detail = CaseDetail(row, case_.reason, case_.summary, case_.outcome, case_.referrer_name, linked,
                                history, risk)
            audit.record(s, self._ctx.actor, AuditKind.VIEW, "case", case_id, {"reference": row.reference},
                         at=self._ctx.now())
        return detail

    def search(self, text: str, *, limit: int = 50) -> list[CaseRow]:
        """Cases whose reference, subject or linked people match ``text``, newest first."""
        ids = self.case_ids(CaseQuery(text=text))[:limit]
        return self.case_rows(ids)

    # -- building blocks ------------------------------------------------------------------------

    def _filtered(self, stmt: Select, query: CaseQuery) -> Select:
        visible = self._ctx.visible_panel_ids()
        if visible is not None:
            stmt = stmt.where(Case.panel_id.in_(visible))
        if query.panel_id is not None:
            stmt = stmt.where(Case.panel_id == query.panel_id)
        if query.statuses:
            stmt = stmt.where(Case.status.in_(sorted(query.statuses)))
        if query.risk_levels:
            stmt = stmt.where(Case.risk_level.in_(sorted(query.risk_levels)))
        if query.flags:
            # "id + 0": SQLite then walks the cases in list order and tests each against the flagged
            # set, rather than fetching every flagged case from the table and sorting them.
            flagged = select(CaseFlag.case_id).where(CaseFlag.flag.in_(sorted(query.flags)))
            stmt = stmt.where((Case.id + 0).in_(flagged))
        if query.referring_agency_ids:
            stmt = stmt.where(Case.referring_agency_id.in_(sorted(query.referring_agency_ids)))
        if query.referred_from is not None:
            stmt = stmt.where(Case.referral_date >= query.referred_from)
        if query.referred_to is not None:
            stmt = stmt.where(Case.referral_date <= query.referred_to)
        text = query.text.strip()
        if text:
            stmt = stmt.where(Case.id.in_(self._matching_case_ids(text)))
        return stmt

    def _matching_case_ids(self, text: str):  # noqa: ANN202 - a compound select
        """Case ids matching a search: a reference prefix, or every word of the text starting a
        given name or family name of the subject or of anyone linked to the case, or every word
        starting a word of one of their aliases (a previous family name, a street name), or the
        name of a group or location subject."""
        ref = text.strip().upper()
        by_reference = select(Case.id).where(_prefix_range(Case.reference, ref))
        words = normalise_name(text).split()
        words = [w for w in words if w]
        if not words or len(" ".join(words)) < MIN_NAME_TERM:
            return by_reference

        person_match = select(Person.id)
        for word in words:
            person_match = person_match.where(
                or_(_prefix_range(Person.given_norm, word), _prefix_range(Person.family_norm, word))
            )
        # Aliases are few (a table of thousands, not of people): a word may start any word of one.
        alias_match = select(PersonAlias.person_id)
        for word in words:
            alias_match = alias_match.where(
                or_(_prefix_range(PersonAlias.alias_norm, word), PersonAlias.alias_norm.like(f"% {word}%"))
            )
        people = union(person_match, alias_match).subquery()
        phrase = " ".join(words)
        return union(
            by_reference,
            select(Case.id).where(Case.subject_person_id.in_(select(people.c[0]))),
            select(CasePerson.case_id).where(CasePerson.person_id.in_(select(people.c[0]))),
            select(Case.id).join(SubjectGroup, SubjectGroup.id == Case.subject_group_id).where(
                _prefix_range(SubjectGroup.name_norm, phrase)
            ),
            select(Case.id).join(Location, Location.id == Case.subject_location_id).where(
                _prefix_range(Location.name_norm, phrase)
            ),
        )

    @staticmethod
    def _sort_key(stmt: Select, sort: CaseSort) -> tuple[Select, ColumnElement]:
        match sort:
            case CaseSort.REFERENCE:
                return stmt, Case.reference
            case CaseSort.REFERRAL_DATE:
                return stmt, Case.referral_date
            case CaseSort.STATUS:
                # the lifecycle's order, not the alphabet's
                return stmt, case(*_ranks(Case.status, list(CaseStatus)), else_=None)
            case CaseSort.RISK:
                # low < medium < high, so descending puts the highest risk first
                return stmt, case(*_ranks(Case.risk_level, [RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH]), else_=None)
            case CaseSort.REVIEW_DATE:
                return stmt, Case.review_date
            case CaseSort.PANEL:
                return stmt.join(Panel, Panel.id == Case.panel_id), Panel.name
            case CaseSort.REFERRER:
                return stmt.outerjoin(Agency, Agency.id == Case.referring_agency_id), Agency.name
            case CaseSort.SUBJECT:
                person = aliased(Person)
                stmt = (
                    stmt.outerjoin(person, person.id == Case.subject_person_id)
                    .outerjoin(SubjectGroup, SubjectGroup.id == Case.subject_group_id)
                    .outerjoin(Location, Location.id == Case.subject_location_id)
                )
                key = func.coalesce(
                    person.family_norm + literal(" ") + person.given_norm,
                    SubjectGroup.name_norm,
                    Location.name_norm,
                )
                return stmt, key
        raise AssertionError(sort)


def latest_risk(s: Session, case_id: int) -> str:
    """The case's latest risk assessment in a few words ("DASH RIC, 3 Mar 2026, score 15, High"),
    "" when it has none: for the case view and meeting mode alike."""
    latest = s.scalars(
        select(RiskAssessment).where(RiskAssessment.case_id == case_id)
        .order_by(RiskAssessment.assessed_on.desc(), RiskAssessment.id.desc()).limit(1)
    ).first()
    if latest is None:
        return ""
    parts = [latest.kind.label, f"{latest.assessed_on.day} {latest.assessed_on:%b %Y}"]
    if latest.score is not None:
        parts.append(f"score {latest.score}")
    if latest.risk_level is not None:
        parts.append(latest.risk_level.label)
    return ", ".join(parts)
