"""Cases: the filtered, sorted list (for lazy table models) and search by name or reference.

The list is served in two steps, as big-list views need it: :meth:`CaseService.case_ids` returns
only the ids of every matching case, filtered and sorted in SQL; :meth:`CaseService.case_rows`
returns the display rows of one page of those ids. A view holds the ids and fetches pages as they
scroll into sight.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, and_, bindparam, exists, func, literal, select, union
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from cspdesk.domain.criteria import ReferralCriteria, marac_criteria
from cspdesk.domain.enums import AssessmentKind, AuditKind, CaseStatus, PanelType, PersonRole, RiskLevel, SubjectKind, VulnerabilityFlag
from cspdesk.domain.risk_tools import PROFESSIONAL_JUDGEMENT, recorded_tool
from cspdesk.domain.rules import normalise_name
from cspdesk.services.audit import audit
from cspdesk.services.context import Permission, ServiceContext
from cspdesk.services.errors import NotFound
from cspdesk.services.partnership.panels import UNFINISHED_ACTION_STATUSES
from cspdesk.services.referrals.serial import serial_case_column, serial_people
from cspdesk.storage.models import (
    Action,
    Agency,
    Case,
    CaseFlag,
    CasePerson,
    CaseSearchKey,
    CaseStatusChange,
    Location,
    Panel,
    Person,
    PersonContactChange,
    RiskAssessment,
    SubjectGroup,
    UserAccount,
)

#: Search terms shorter than this match references only (one letter would match half the county).
MIN_NAME_TERM = 2

#: Rows a search walk reads per statement: a case found by several of its words (a reference and
#: a name both starting "ma") is one hit, so a walk may read a little more than its limit.
_WALK_BATCH = 200


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
    #: A perpetrator on the case is linked to two or more victims (issue 19; the flag only).
    serial_perpetrator: bool = False


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
    #: A perpetrator linked to two or more victims, across every case (issue 19; the flag only).
    serial_perpetrator: bool = False


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


@functools.cache
def _case_rows_statements(need_to_know: bool, dialect: str) -> tuple[Select, Select]:
    """The statements :meth:`CaseService.case_rows` runs (its rows; its unfinished actions counted
    by case and status), built once: ``ids`` (and ``visible`` when ``need_to_know``) are bound."""
    person = aliased(Person)
    subject = func.coalesce(
        person.given_name + literal(" ") + person.family_name, SubjectGroup.name, Location.name
    ).label("subject")
    ids = bindparam("ids", expanding=True)
    stmt = (
        # Columns, not Case entities: the rows are only read (no ORM identity map to build).
        select(Case.id, Case.reference, Case.panel_id, Case.referral_date, Case.subject_kind, Case.status,
               Case.risk_level, Case.review_date, Case.repeat_of_case_id,
               Panel.name, Panel.panel_type, Agency.name, subject, serial_case_column(dialect).label("serial"))
        .join(Panel, Panel.id == Case.panel_id)
        .outerjoin(Agency, Agency.id == Case.referring_agency_id)
        .outerjoin(person, person.id == Case.subject_person_id)
        .outerjoin(SubjectGroup, SubjectGroup.id == Case.subject_group_id)
        .outerjoin(Location, Location.id == Case.subject_location_id)
        .where(Case.id.in_(ids))
    )
    if need_to_know:
        stmt = stmt.where(Case.panel_id.in_(bindparam("visible", expanding=True)))
    # Counted by (case, status) and summed by the caller: with the status in the WHERE clause
    # SQLite chose the status index and read every unfinished action in the county (~11 ms).
    counts = (select(Action.case_id, Action.status, func.count()).where(Action.case_id.in_(ids))
              .group_by(Action.case_id, Action.status))
    return stmt, counts


def _word_starts(key: type[CaseSearchKey], word: str) -> ColumnElement[bool]:
    """A search key row whose word starts with ``word``: an equality on the two- or three-letter
    key (so an index gives the rows newest first), then the word's own range."""
    if len(word) == 1:
        return _prefix_range(key.key2, word)  # one letter: a range of keys (references only)
    if len(word) == 2:
        return key.key2 == word
    return and_(key.key3 == word[:3], _prefix_range(key.word, word))


class CaseService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    # -- the list -------------------------------------------------------------------------------

    def case_ids(self, query: CaseQuery = CaseQuery(), *, offset: int = 0, limit: int | None = None) -> list[int]:
        """Ids of every case matching ``query`` that the acting user may see, in display order;
        with ``limit``, only that many from ``offset`` on (a window of the list, for a view that
        reads ids as it scrolls)."""
        self._ctx.require(Permission.VIEW_CASES, panel_id=query.panel_id)
        filtered = self._filtered(select(Case.id), query)
        key = _SORT_KEYS[query.sort]
        order = key.desc() if query.descending else key.asc()
        tiebreak = Case.id.desc() if query.descending else Case.id.asc()
        with self._ctx.reading() as s:
            if limit is None:
                return list(s.scalars(filtered.order_by(order.nulls_last(), tiebreak)))
            if query.sort not in _NULLABLE_SORTS:
                return list(s.scalars(filtered.order_by(order, tiebreak).offset(offset).limit(limit)))
            # Cases without the key come last whichever way: the window is taken from those with it
            # (an index walk; NULLS LAST would sort every case) and, past their end, from those
            # without it, by id.
            ids = list(s.scalars(filtered.where(key.is_not(None)).order_by(order, tiebreak)
                                 .offset(offset).limit(limit)))
            if len(ids) < limit:
                keyed = s.scalar(filtered.where(key.is_not(None)).with_only_columns(func.count())) or 0
                ids += s.scalars(filtered.where(key.is_(None)).order_by(tiebreak)
                                 .offset(max(0, offset - keyed)).limit(limit - len(ids)))
            return ids

    def case_count(self, query: CaseQuery = CaseQuery()) -> int:
        """How many cases ``case_ids(query)`` lists, counted in SQL (no ids read)."""
        self._ctx.require(Permission.VIEW_CASES, panel_id=query.panel_id)
        stmt = self._filtered(select(func.count()).select_from(Case), query)
        with self._ctx.reading() as s:
            return s.scalar(stmt) or 0

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
        with self._ctx.reading() as s:
            return self._rows_in(s, ids)

    def _rows_in(self, s: Session, ids: Sequence[int]) -> list[CaseRow]:
        """:meth:`case_rows` inside a session already open (two statements)."""
        visible = self._ctx.visible_panel_ids()
        params: dict[str, object] = {"ids": list(ids)}
        if visible is not None:
            params["visible"] = sorted(visible)
        stmt, counts = _case_rows_statements(visible is not None, s.get_bind().dialect.name)
        # Core on the session's connection, statements built once (issue 23: the Python above
        # the SQL was most of the call).
        conn = s.connection()
        open_actions: dict[int, int] = {}
        for case_id, status, n in conn.execute(counts, {"ids": params["ids"]}):
            if status in UNFINISHED_ACTION_STATUSES:
                open_actions[case_id] = open_actions.get(case_id, 0) + n
        by_id: dict[int, CaseRow] = {}
        for found in conn.execute(stmt, params):
            panel_name, panel_type, agency_name, subject_label = found[9:13]
            by_id[found.id] = CaseRow(
                id=found.id,
                reference=found.reference,
                panel_id=found.panel_id,
                panel_name=panel_name,
                panel_type=panel_type,
                referral_date=found.referral_date,
                subject_kind=found.subject_kind,
                subject=subject_label or "",
                status=found.status,
                risk_level=found.risk_level,
                referring_agency=agency_name or "",
                review_date=found.review_date,
                is_repeat=found.repeat_of_case_id is not None,
                open_actions=open_actions.get(found.id, 0),
                serial_perpetrator=bool(found.serial),
            )
        return [by_id[i] for i in ids if i in by_id]

    def get_case(self, case_id: int) -> CaseDetail:
        """One case in full, for reading. Every call is a *view* in the audit trail."""
        self._ctx.require(Permission.VIEW_CASES)
        # One transaction, and the case with its panel and people in two statements (no lazy
        # load per person): on a server each statement is a round trip (issue 23).
        with self._ctx.viewing() as s:
            rows = self._rows_in(s, [case_id])  # also applies need to know
            if not rows:
                raise NotFound("That case does not exist, or is on a panel you are not a member of.")
            row = rows[0]
            self._ctx.require(Permission.VIEW_CASES, panel_id=row.panel_id)
            case_ = s.get(Case, case_id, options=[
                joinedload(Case.panel), joinedload(Case.subject_person),
                selectinload(Case.people).joinedload(CasePerson.person),
            ])
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
            # Which perpetrators are serial: asked only of a case that has one (its row says so), so
            # opening any other case costs no round trip for it.
            serial = serial_people(s, [p.id for p, role in people if role is PersonRole.PERPETRATOR]
                                   ) if row.serial_perpetrator else set()
            linked = tuple(
                LinkedPerson(p.id, f"{p.given_name} {p.family_name}", role, p.date_of_birth, p.address, p.phone,
                             p.safe_to_call, p.postcode, histories.get(p.id, ()),
                             serial_perpetrator=role is PersonRole.PERPETRATOR and p.id in serial)
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
        """Each of the term's walks (:meth:`_search_walks`) reads the stored search keys newest
        first from an index and stops once it has ``limit`` cases; the walks' hits are merged in
        list order. No walk builds or sorts the whole match set (issue 23: ≤ 16 ms a term)."""
        if limit <= 0:
            return []
        visible = self._ctx.visible_panel_ids()
        found: dict[int, date] = {}
        with self._ctx.reading() as s:
            for condition in self._search_conditions(text):
                walk = select(CaseSearchKey.case_id, CaseSearchKey.referral_date).where(condition)
                if visible is not None:
                    walk = walk.where(CaseSearchKey.panel_id.in_(sorted(visible)))
                walk = walk.order_by(CaseSearchKey.referral_date.desc(), CaseSearchKey.case_id.desc())
                hits: dict[int, date] = {}
                offset = 0
                while len(hits) < limit:
                    batch = s.execute(walk.offset(offset).limit(_WALK_BATCH)).all()
                    for case_id, day in batch:
                        hits.setdefault(case_id, day)
                    if len(batch) < _WALK_BATCH:
                        break
                    offset += _WALK_BATCH
                found.update(hits)
            ref = text.strip().upper()
            if ref.isdigit() and len(ref) <= 6:
                found.update(s.execute(self._filtered(select(Case.id, Case.referral_date), CaseQuery()).where(
                    Case.reference.like(f"%-{ref.zfill(4)}")).order_by(Case.referral_date.desc()).limit(limit)).all())
        newest = sorted(found.items(), key=lambda kv: (kv[1], kv[0]), reverse=True)
        return [case_id for case_id, _ in newest[:limit]]

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
        """Case ids matching a search: a reference prefix or a reference's number, or every word of
        the text starting a word of the name or of an alias of one person (the subject or anyone
        linked to the case), or a word of the name of its group or place."""
        selects = [select(CaseSearchKey.case_id).where(c) for c in self._search_conditions(text)]
        ref = text.strip().upper()
        if ref.isdigit() and len(ref) <= 6:
            # The number alone, as people say it ("0183", "183"): the references ending in it.
            selects.append(select(Case.id).where(Case.reference.like(f"%-{ref.zfill(4)}")))
        if not selects:
            return select(Case.id).where(literal(False))
        return union(*selects)

    @staticmethod
    def _search_conditions(text: str) -> list[ColumnElement[bool]]:
        """Conditions on ``case_search_key`` rows, one per index walk: the reference's prefix (on the
        case's reference row), and the name words (the longest word on the row, every other word
        starting another word of the same owner). Each starts with an equality on ``key2`` or
        ``key3``, so the walk reads an index in the list's order. References are stored as written
        (upper case) and names normalised (lower case), so the two walks never read each other's rows."""
        key = CaseSearchKey
        ref = text.strip().upper()
        words = normalise_name(text).split()
        conditions = []
        if ref and " " not in ref:  # references hold no spaces
            conditions.append(and_(_word_starts(key, ref), key.owner == 0))
        if words and len(" ".join(words)) >= MIN_NAME_TERM:
            driving = max(words, key=len)
            others = list(words)
            others.remove(driving)
            other = aliased(CaseSearchKey)
            same_owner = [exists().where(other.case_id == key.case_id, other.owner == key.owner,
                                         _prefix_range(other.word, w)) for w in others]
            conditions.append(and_(_word_starts(key, driving), key.owner != 0, *same_owner))
        return conditions


#: What the list sorts by: columns of the case itself, each with an index (cspdesk.storage.sort_keys
#: writes the stored ones), so a window of ids in any order is an index walk (issue 23).
_SORT_KEYS: dict[CaseSort, ColumnElement] = {
    CaseSort.REFERENCE: Case.reference,
    CaseSort.REFERRAL_DATE: Case.referral_date,
    CaseSort.STATUS: Case.status_rank,  # the lifecycle's order, not the alphabet's
    CaseSort.RISK: Case.risk_rank,  # low < medium < high, so descending puts the highest risk first
    CaseSort.REVIEW_DATE: Case.review_date,
    CaseSort.PANEL: Case.panel_sort,
    CaseSort.REFERRER: Case.referrer_sort,
    CaseSort.SUBJECT: Case.subject_sort,
}
#: Sorts whose key a case may lack (listed last in either direction).
_NULLABLE_SORTS = frozenset({CaseSort.RISK, CaseSort.REVIEW_DATE, CaseSort.REFERRER})


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
    if not rows:
        return {}  # the usual case: no statement more
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
