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

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, literal, or_, select, union
from sqlalchemy.orm import Session, aliased

from cspdesk.domain.criteria import ReferralCriteria, marac_criteria
from cspdesk.domain.enums import AssessmentKind, AuditKind, CaseStatus, PanelType, PersonRole, RiskLevel, SubjectKind, VulnerabilityFlag
from cspdesk.domain.risk_tools import PROFESSIONAL_JUDGEMENT, recorded_tool
from cspdesk.domain.rules import normalise_name
from cspdesk.services.audit import audit
from cspdesk.services.context import Permission, ServiceContext
from cspdesk.services.errors import NotFound
from cspdesk.services.partnership.panels import UNFINISHED_ACTION_STATUSES
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
    PersonContactChange,
    RiskAssessment,
    SubjectGroup,
    UserAccount,
)

#: Search terms shorter than this match references only (one letter would match half the county).
MIN_NAME_TERM = 2

#: How many of the newest cases :meth:`CaseService.search` first walks for a short term (two
#: letters: "ma" matches 24,067 county cases, half of them), newest first, testing each against the
#: term and stopping at its limit: a common prefix fills the page within the first few hundred
#: cases, where building and sorting every match took 70-200 ms. Each case walked costs ~7-10 us at
#: county scale (its subject, linked people and aliases by id), so a fruitless walk stays under
#: ~10 ms. Longer terms match few enough cases that the indexed match set, sorted, is the quicker.
SEARCH_WALK = 1000
#: Terms up to this many characters (after normalising) may be walked first...
SHORT_TERM = 2
#: ...when this many people (or case references) at least start with them: a probe of the name
#: indexes that stops there. Fewer, and the match set is small enough to build ("ko": 753 cases).
DENSE_PROBE = 2000


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


#: In a :class:`ContactChange`: the field changed, and nothing was held before.
NONE_HELD = "\x00none"


@dataclass(frozen=True)
class ContactChange:
    """A person's contact details before one change, with what replaced them ("moved from … on …")."""

    changed_at: datetime
    changed_by: str
    case_reference: str
    address: str  # the address and postcode as they were; "" when unchanged, NONE_HELD when there was none
    phone: str  # the number as it was; "" when unchanged, NONE_HELD when there was none
    safe_contact: str  # safe to call and safe times as they were; "" when unchanged, NONE_HELD

    def describe(self) -> str:
        on = f"{self.changed_at.day} {self.changed_at:%b %Y}"
        parts = []
        if self.address == NONE_HELD:
            parts.append(f"Address first recorded on {on}")
        elif self.address:
            parts.append(f"Moved from {self.address} on {on}")
        if self.phone:
            parts.append(f"phone was {'not held' if self.phone == NONE_HELD else self.phone} until {on}")
        if self.safe_contact:
            was = "not recorded" if self.safe_contact == NONE_HELD else self.safe_contact
            parts.append(f"safe contact was {was} until {on}")
        if not parts:
            parts.append(f"Contact notes changed on {on}")
        text = "; ".join(parts)
        by = ", ".join(x for x in (self.changed_by, self.case_reference) if x)
        return text[0].upper() + text[1:] + (f" ({by})" if by else "")


@dataclass(frozen=True)
class LinkedPerson:
    person_id: int
    name: str
    role: PersonRole
    date_of_birth: date | None
    address: str
    phone: str
    safe_to_call: bool | None
    postcode: str = ""
    #: Earlier contact details, newest first (a safeguarding record: where the person lived).
    contact_history: tuple[ContactChange, ...] = ()


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
    #: A MARAC case's criteria, consent and lawful basis (None on other panels).
    criteria: ReferralCriteria | None = None


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
            # Columns, not Case entities: the rows are only read (no ORM identity map to build).
            select(Case.id, Case.reference, Case.panel_id, Case.referral_date, Case.subject_kind, Case.status,
                   Case.risk_level, Case.review_date, Case.repeat_of_case_id,
                   Panel.name, Panel.panel_type, Agency.name, subject)
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
            # Counted by (case, status) and summed here: with the status in the WHERE clause SQLite
            # chose the status index and read every unfinished action in the county (~11 ms).
            open_actions: dict[int, int] = {}
            for case_id, status, n in s.execute(
                select(Action.case_id, Action.status, func.count())
                .where(Action.case_id.in_(list(ids))).group_by(Action.case_id, Action.status)
            ):
                if status in UNFINISHED_ACTION_STATUSES:
                    open_actions[case_id] = open_actions.get(case_id, 0) + n
            by_id: dict[int, CaseRow] = {}
            for case in s.execute(stmt):
                panel_name, panel_type, agency_name, subject_label = case[9:]
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
            histories = contact_history(s, [p.id for p, _ in people])
            linked = tuple(
                LinkedPerson(p.id, f"{p.given_name} {p.family_name}", role, p.date_of_birth, p.address, p.phone,
                             p.safe_to_call, p.postcode, histories.get(p.id, ()))
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
                                history, risk, referral_criteria(s, case_))
            audit.record(s, self._ctx.actor, AuditKind.VIEW, "case", case_id, {"reference": row.reference},
                         at=self._ctx.now())
        return detail

    def search(self, text: str, *, limit: int = 50) -> list[CaseRow]:
        """The first ``limit`` cases whose reference, subject or linked people match ``text``,
        newest first — the same cases, in the same order, as the head of
        ``case_ids(CaseQuery(text=text))``, without building every match."""
        self._ctx.require(Permission.VIEW_CASES)
        return self.case_rows(self._search_ids(text.strip(), limit))

    def _search_ids(self, text: str, limit: int) -> list[int]:
        if limit <= 0:
            return []
        newest = (Case.referral_date.desc(), Case.id.desc())  # case_ids' default order
        visible = self._filtered(select(Case.id), CaseQuery())
        with self._ctx.reading() as s:
            if text and len(normalise_name(text)) <= SHORT_TERM and self._is_common(s, text):
                # Walk the newest SEARCH_WALK cases in list order (the referral date index),
                # testing each case as it comes; enough hits there are the answer.
                cutoff = s.scalar(
                    visible.with_only_columns(Case.referral_date).order_by(*newest).offset(SEARCH_WALK - 1).limit(1)
                )
                walk = visible.where(self._case_matches(text))
                if cutoff is not None:
                    walk = walk.where(Case.referral_date >= cutoff)
                ids = list(s.scalars(walk.order_by(*newest).limit(limit)))
                if len(ids) >= limit or cutoff is None:
                    return ids
            # Too few hits among the newest cases, so few match at all: the indexed match set.
            stmt = self._filtered(select(Case.id), CaseQuery(text=text)).order_by(*newest).limit(limit)
            return list(s.scalars(stmt))

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

    @staticmethod
    def _is_common(s: Session, text: str) -> bool:
        """Do at least DENSE_PROBE people's names, or case references, start with ``text``?"""
        word = normalise_name(text)
        probes = (
            select(Person.id).where(or_(_prefix_range(Person.given_norm, word), _prefix_range(Person.family_norm, word))),
            select(Case.id).where(_prefix_range(Case.reference, text.strip().upper())),
        )
        return any(
            s.scalar(select(func.count()).select_from(probe.limit(DENSE_PROBE).subquery())) >= DENSE_PROBE
            for probe in probes
        )

    @staticmethod
    def _case_matches(text: str) -> ColumnElement[bool]:
        """The test :meth:`_matching_case_ids` makes, as a condition on one ``Case`` row (for walking
        cases in list order): the same terms, person by person through the indexes by id."""
        ref = text.strip().upper()
        by_reference = _prefix_range(Case.reference, ref)
        words = [w for w in normalise_name(text).split() if w]
        if not words or len(" ".join(words)) < MIN_NAME_TERM:
            return by_reference

        def person_matches(person_id: ColumnElement[int | None]) -> ColumnElement[bool]:
            by_name = exists().where(Person.id == person_id, *(
                or_(_prefix_range(Person.given_norm, w), _prefix_range(Person.family_norm, w)) for w in words))
            by_alias = exists().where(PersonAlias.person_id == person_id, *(
                or_(_prefix_range(PersonAlias.alias_norm, w), PersonAlias.alias_norm.like(f"% {w}%"))
                for w in words))
            return or_(by_name, by_alias)

        phrase = " ".join(words)
        return or_(
            by_reference,
            person_matches(Case.subject_person_id),
            exists().where(CasePerson.case_id == Case.id, person_matches(CasePerson.person_id)),
            exists().where(SubjectGroup.id == Case.subject_group_id, _prefix_range(SubjectGroup.name_norm, phrase)),
            exists().where(Location.id == Case.subject_location_id, _prefix_range(Location.name_norm, phrase)),
        )

    def _matching_case_ids(self, text: str):  # noqa: ANN202 - a compound select
        """Case ids matching a search: a reference prefix or a reference's number, or every word of the text starting a
        given name or family name of the subject or of anyone linked to the case, or every word
        starting a word of one of their aliases (a previous family name, a street name), or the
        name of a group or location subject."""
        ref = text.strip().upper()
        by_reference = select(Case.id).where(_prefix_range(Case.reference, ref))
        if ref.isdigit() and len(ref) <= 6:
            # The number alone, as people say it ("0183", "183"): the references ending in it.
            by_reference = select(Case.id).where(
                or_(_prefix_range(Case.reference, ref), Case.reference.like(f"%-{ref.zfill(4)}")))
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
                # Stored when the case is logged (cspdesk.storage.sort_keys), with its own index.
                return stmt, Case.subject_sort
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


def referral_criteria(s: Session, case_: Case) -> ReferralCriteria | None:
    """A MARAC case's criteria as its referral recorded them, with the risk level the case holds
    and its newest DASH band; None for a case on another panel type. For the case view, meeting
    mode, the case summary and the full minutes alike."""
    panel = s.get(Panel, case_.panel_id)
    if panel is None or panel.panel_type is not PanelType.MARAC:
        return None
    dashes = s.execute(
        select(RiskAssessment.score, RiskAssessment.risk_level, RiskAssessment.tool_id, RiskAssessment.tool_version)
        .where(RiskAssessment.case_id == case_.id, RiskAssessment.kind == AssessmentKind.DASH,
               # a "professional judgement only" assessment is no DASH band (issue 19)
               RiskAssessment.tool_id.is_distinct_from(PROFESSIONAL_JUDGEMENT))
        .order_by(RiskAssessment.assessed_on, RiskAssessment.id)
    ).all()
    first_score = dashes[0].score if dashes else None  # the referral's own checklist
    # Visible high risk by the rule of the tool (and version) the referral's checklist was made with.
    tool = recorded_tool(dashes[0].tool_id, dashes[0].tool_version) if dashes else None
    met = marac_criteria(yes_count=first_score, professional_judgement=case_.crit_professional_judgement,
                         police_incidents_12m=case_.police_incidents_12m, repeat=case_.crit_repeat,
                         threshold=panel.dash_threshold, escalation_incidents=panel.escalation_incidents, tool=tool)
    return ReferralCriteria(
        criteria=met, professional_judgement_reason=case_.professional_judgement_reason,
        police_incidents_12m=case_.police_incidents_12m, escalation_incidents=panel.escalation_incidents,
        victim_aware=case_.victim_aware, consent_given=case_.consent_given, lawful_basis=case_.lawful_basis,
        risk_level=case_.risk_level, dash_band=dashes[-1].risk_level if dashes else None,
    )


def contact_history(s: Session, person_ids: Sequence[int]) -> dict[int, tuple[ContactChange, ...]]:
    """Each person's earlier contact details, newest first, each saying what it was before the
    change (compared with what replaced it: the next change's earlier values, or today's)."""
    if not person_ids:
        return {}
    rows = s.execute(
        select(PersonContactChange, UserAccount.display_name, Case.reference)
        .outerjoin(UserAccount, UserAccount.id == PersonContactChange.changed_by_user_id)
        .outerjoin(Case, Case.id == PersonContactChange.case_id)
        .where(PersonContactChange.person_id.in_(list(person_ids)))
        .order_by(PersonContactChange.person_id, PersonContactChange.changed_at, PersonContactChange.id)
    ).all()
    current = {p.id: p for p in s.scalars(select(Person).where(Person.id.in_(list(person_ids))))}
    out: dict[int, list[ContactChange]] = {}
    for i, (row, by, reference) in enumerate(rows):
        following = rows[i + 1][0] if i + 1 < len(rows) and rows[i + 1][0].person_id == row.person_id \
            else current[row.person_id]

        def was(*names: str, row: PersonContactChange = row, following: object = following) -> bool:
            return any(getattr(row, n) != getattr(following, n) for n in names)

        safe = ", ".join(x for x in (
            "" if row.safe_to_call is None else ("safe to call" if row.safe_to_call else "not safe to call"),
            row.safe_times) if x)
        address = ", ".join(x for x in (row.address, row.postcode) if x)
        out.setdefault(row.person_id, []).append(ContactChange(
            changed_at=row.changed_at, changed_by=by or "", case_reference=reference or "",
            address=(address or NONE_HELD) if was("address", "postcode") else "",
            phone=(row.phone or NONE_HELD) if was("phone") else "",
            safe_contact=(safe or NONE_HELD) if was("safe_to_call", "safe_times") else "",
        ))
    return {pid: tuple(reversed(changes)) for pid, changes in out.items()}
