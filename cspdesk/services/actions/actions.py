"""Actions: the tracker every agency answers to, officers' action logs, and status changes.

The tracker is served in two steps, as big-list views need it (see ``cases.py``):
:meth:`ActionService.action_ids` returns the ids of every matching action, filtered and sorted in
SQL — RAG and overdue filters included, expressed from status, due date and today, because they
are derived and never stored — and :meth:`ActionService.action_rows` returns the display rows of
one page of those ids.

Who may do what
- Reading needs ``VIEW_CASES`` and panel membership (need to know).
- Writing needs ``UPDATE_ACTIONS`` and panel membership; an *officer* may change only actions
  owned by their own agency. Every write is audited.
- Each status change and note appends an :class:`~cspdesk.storage.models.ActionUpdate` (the log
  is append-only: nothing here edits or deletes one).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cspdesk.domain.enums import ActionStatus, AuditKind, PanelType, Rag, Role, Strand
from cspdesk.domain.plausible import due_date_problem
from cspdesk.domain.rules import (
    ACTION_STATUSES_NEEDING_REASON,
    DEFAULT_AMBER_DAYS,
    FINISHED_ACTION_STATUSES,
    is_overdue,
    rag,
)
from cspdesk.services.audit import audit
from cspdesk.services.context import OpChanges, OpResult, Permission, ServiceContext
from cspdesk.services.concurrency import expect_version
from cspdesk.services.errors import Conflict, NotFound, PermissionDenied, ValidationError
from cspdesk.services.access.reach import NO_SUCH_GROUP, group_reachable
from cspdesk.storage.models import (
    Action,
    ActionUpdate,
    Agency,
    AgendaItem,
    Case,
    Meeting,
    Member,
    Panel,
    Partnership,
    SubjectGroup,
    UserAccount,
)

UNFINISHED_STATUSES: tuple[ActionStatus, ...] = tuple(s for s in ActionStatus if s not in FINISHED_ACTION_STATUSES)
#: SQLite's limit on bound parameters is generous but finite: big id lists go in chunks.
_CHUNK = 900
MAX_TEXT = 20_000


class ActionSort(StrEnum):
    DUE_DATE = "due_date"
    NUMBER = "number"  # a plan's own numbering ("1.1", "1.2" … "1.10") within its heading
    STATUS = "status"
    RAG = "rag"  # most urgent first when ascending: Red, Amber, Green, Grey, Blue
    AGENCY = "agency"
    OWNER = "owner"
    CASE = "case"
    UPDATED = "updated"
    CREATED = "created"


class ActionGroupBy(StrEnum):
    NONE = "none"
    AGENCY = "agency"
    CASE = "case"  # case reference, or the OCG's, or "Panel actions"
    HEADING = "heading"  # a plan's priority heading


#: The order Rag sorts in (urgent first).
RAG_ORDER: tuple[Rag, ...] = (Rag.RED, Rag.AMBER, Rag.GREEN, Rag.GREY, Rag.BLUE)
PANEL_LEVEL_LABEL = "Panel actions"
NO_AGENCY_LABEL = "No agency"
NO_HEADING_LABEL = "No heading"


@dataclass(frozen=True)
class ActionQuery:
    """What the tracker shows. Every field narrows; None / empty means "any"."""

    panel_id: int | None = None
    agency_id: int | None = None
    owner_member_id: int | None = None
    #: Matches the free-text owner name (what a spreadsheet holds) from its start, case-insensitive.
    owner_name: str = ""
    statuses: frozenset[ActionStatus] | None = None
    rags: frozenset[Rag] | None = None
    overdue_only: bool = False
    due_from: date | None = None
    due_to: date | None = None
    case_id: int | None = None
    group_id: int | None = None
    strand: Strand | None = None
    #: Only actions on the panel itself (a partnership plan), not on a case or an OCG.
    panel_level_only: bool = False
    group_by: ActionGroupBy = ActionGroupBy.NONE
    sort: ActionSort = ActionSort.DUE_DATE
    descending: bool = False


@dataclass(frozen=True)
class ActionRow:
    id: int
    panel_id: int
    panel_name: str
    panel_type: PanelType
    case_id: int | None
    case_reference: str  # "" unless on a case
    group_id: int | None
    group_reference: str  # the OCG's reference (or its name when it has none); "" unless on a group
    number: str
    heading: str
    text: str
    outcome: str
    milestones: str
    timescale: str
    strand: Strand | None
    owner_agency_id: int | None
    owner_agency: str  # the agency's name
    owner_agency_code: str
    owner_member_id: int | None
    owner_name: str  # the named officer (member's name, else the free-text owner)
    due_date: date | None
    status: ActionStatus
    status_reason: str
    completed_on: date | None
    meeting_id: int | None
    created_at: datetime
    updated_at: datetime
    version: int
    #: Derived when the row is read (never stored): from status, due date, today and the
    #: partnership's amber threshold.
    overdue: bool
    rag: Rag

    @property
    def subject_reference(self) -> str:
        """What the action is about: a case reference, an OCG reference, or "" (the panel)."""
        return self.case_reference or self.group_reference

    def group_label(self, by: ActionGroupBy) -> str:
        """The heading this row falls under when the tracker is grouped ``by``."""
        match by:
            case ActionGroupBy.AGENCY:
                return self.owner_agency or NO_AGENCY_LABEL
            case ActionGroupBy.CASE:
                return self.subject_reference or PANEL_LEVEL_LABEL
            case ActionGroupBy.HEADING:
                return self.heading or NO_HEADING_LABEL
        return ""


@dataclass(frozen=True)
class ActionLogEntry:
    id: int
    at: datetime
    by_name: str
    text: str
    old_status: ActionStatus | None
    new_status: ActionStatus | None


@dataclass(frozen=True)
class ActionDetail:
    row: ActionRow
    meeting_starts_at: datetime | None
    log: tuple[ActionLogEntry, ...]  # oldest first


@dataclass(frozen=True)
class RagCounts:
    red: int = 0
    amber: int = 0
    green: int = 0
    grey: int = 0
    blue: int = 0
    overdue: int = 0  # equals red: kept apart so callers need not know that rule

    @property
    def total(self) -> int:
        return self.red + self.amber + self.green + self.grey + self.blue

    def __getitem__(self, key: Rag) -> int:
        return int(getattr(self, key.value))


@dataclass(frozen=True)
class Choice:
    """An option for a filter combo: id and what people read."""

    id: int
    label: str
    detail: str = ""


@dataclass(frozen=True)
class NewAction:
    """Everything :meth:`ActionService.add_action` accepts. An action on a case sets ``case_id``;
    on an OCG ``group_id``; neither makes it a panel-level (plan) action."""

    panel_id: int
    text: str
    case_id: int | None = None
    group_id: int | None = None
    meeting_id: int | None = None
    agenda_item_id: int | None = None
    number: str = ""
    heading: str = ""
    outcome: str = ""
    milestones: str = ""
    timescale: str = ""
    owner_agency_id: int | None = None
    owner_member_id: int | None = None
    owner_name: str = ""
    due_date: date | None = None
    strand: Strand | None = None
    status: ActionStatus = ActionStatus.OPEN
    status_reason: str = ""
    completed_on: date | None = None
    #: Completed on a day no one knows (an imported plan that says "Delivered" with no date): the
    #: date stays empty rather than an invented one. Only the importer sets this.
    completed_on_unknown: bool = False
    note: str = ""  # a first entry for the log ("Imported from …", the latest update of a sheet)
    extra: dict[str, Any] = field(default_factory=dict)  # reserved; ignored


# -- the rules in SQL --------------------------------------------------------------------------


def amber_limit(today: date, amber_days: int) -> date:
    """The last due date that is Amber (rules.rag: due within ``amber_days`` days)."""
    return today + timedelta(days=amber_days)


def rag_condition(value: Rag, today: date, amber_days: int) -> ColumnElement[bool]:
    """``Action`` rows whose derived RAG is ``value``, as SQL — the same rule as
    :func:`cspdesk.domain.rules.rag` (tests check the two agree)."""
    finished = Action.status.in_(sorted(FINISHED_ACTION_STATUSES))
    unfinished = Action.status.in_(sorted(UNFINISHED_STATUSES))
    overdue = and_(unfinished, Action.due_date.is_not(None), Action.due_date < today)
    limit = amber_limit(today, amber_days)
    not_soon = or_(Action.due_date.is_(None), Action.due_date > limit)
    match value:
        case Rag.BLUE:
            return finished
        case Rag.RED:
            return overdue
        case Rag.AMBER:
            return and_(
                unfinished,
                or_(Action.due_date.is_(None), Action.due_date >= today),
                or_(Action.status == ActionStatus.ON_HOLD, Action.due_date <= limit),
            )
        case Rag.GREEN:
            return and_(Action.status == ActionStatus.ONGOING, not_soon)
        case Rag.GREY:
            return and_(Action.status == ActionStatus.OPEN, not_soon)
    raise AssertionError(value)


def overdue_condition(today: date) -> ColumnElement[bool]:
    return and_(Action.status.in_(sorted(UNFINISHED_STATUSES)), Action.due_date.is_not(None), Action.due_date < today)


def _rag_rank(today: date, amber_days: int) -> ColumnElement[int]:
    """The position of each action's RAG in :data:`RAG_ORDER`, as one CASE that takes the rule's
    own steps in the rule's order (cheaper per row than five full conditions)."""
    rank = {r: i for i, r in enumerate(RAG_ORDER)}
    return case(
        (Action.status.in_(sorted(FINISHED_ACTION_STATUSES)), rank[Rag.BLUE]),
        (Action.due_date < today, rank[Rag.RED]),
        (or_(Action.status == ActionStatus.ON_HOLD, Action.due_date <= amber_limit(today, amber_days)),
         rank[Rag.AMBER]),
        (Action.status == ActionStatus.ONGOING, rank[Rag.GREEN]),
        else_=rank[Rag.GREY],
    )


class _position(FunctionElement):
    """Where ``needle`` first occurs in ``text`` (1-based; 0 when it does not): SQLite's ``instr``,
    PostgreSQL's ``strpos``."""

    type = Integer()
    inherit_cache = True
    name = "position"


@compiles(_position)
def _position_default(element: _position, compiler: Any, **kw: Any) -> str:
    return f"instr({compiler.process(element.clauses, **kw)})"


@compiles(_position, "postgresql")
def _position_pg(element: _position, compiler: Any, **kw: Any) -> str:
    return f"strpos({compiler.process(element.clauses, **kw)})"


def _number_keys(number: ColumnElement[str]) -> list[ColumnElement]:
    """Keys that sort plan numbers naturally — "1.2" < "1.10" < "2.1" < "10.1" — on both databases
    (no casts: a number may be "A1"): the part before the first dot by length then text, then the
    rest the same way."""
    dot = _position(number, ".")
    major = case((dot > 0, func.substr(number, 1, dot - 1)), else_=number)
    minor = case((dot > 0, func.substr(number, dot + 1)), else_="")
    return [func.length(major), major, func.length(minor), minor]


_MAX_RANKED_HEADINGS = 400


def ordered_ids(s: Session, stmt: Select, id_column: ColumnElement[int], keys: Sequence[Any]) -> list[int]:
    """The ids ``stmt`` selects, in ``keys`` order, as one string aggregated in the database
    (``group_concat`` / ``string_agg`` with ORDER BY) and split here.

    Why: fetching 60,000 one-column rows through the driver costs ~2 µs a row in Python, far more
    than the database's own work; one string of ids is read in one go. The ORDER BY inside the
    aggregate is the documented way to fix the order on both SQLite (3.44+) and PostgreSQL."""
    agg = func.aggregate_strings(cast(id_column, String), ",").aggregate_order_by(*keys)
    joined = s.scalar(stmt.with_only_columns(agg))
    return [int(i) for i in joined.split(",")] if joined else []


def _clean(value: str, field_name: str, label: str, *, limit: int = MAX_TEXT, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(field_name, f"Give the {label}.")
    if len(text) > limit:
        raise ValidationError(field_name, f"The {label} must be {limit:,} characters or fewer.")
    return text


def check_due_date(due: date | None, today: date, *, field_name: str = "due_date") -> None:
    """Refuse a due date outside the plausible window (``cspdesk.domain.plausible``): 2999 is a slip."""
    problem = due_date_problem(due, today) if due is not None else None
    if problem is not None:
        raise ValidationError(field_name, problem)


def check_status_change(status: ActionStatus, reason: str, completed_on: date | None, *,
                        field_prefix: str = "", today: date | None = None, date_unknown: bool = False) -> None:
    """On hold and Discontinued need a reason; Completed needs the date it was completed (not in
    the future), unless ``date_unknown`` (a record brought in that never said). Raises
    ValidationError naming the field."""
    if status in ACTION_STATUSES_NEEDING_REASON and not reason.strip():
        raise ValidationError(f"{field_prefix}reason", f"Say why the action is {status.label.lower()}.")
    if status == ActionStatus.COMPLETED:
        if completed_on is None and not date_unknown:
            raise ValidationError(f"{field_prefix}completed_on", "Give the date the action was completed.")
        if today is not None and completed_on is not None and completed_on > today:
            raise ValidationError(f"{field_prefix}completed_on", "The completion date cannot be in the future.")


class ActionService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    # -- settings ---------------------------------------------------------------------------------

    def amber_days(self) -> int:
        """The partnership's RAG threshold: an unfinished action due within this many days is Amber."""
        with self._ctx.reading() as s:
            return self._amber_days(s)

    @staticmethod
    def _amber_days(s: Session) -> int:
        value = s.scalar(select(Partnership.amber_days).order_by(Partnership.id).limit(1))
        return DEFAULT_AMBER_DAYS if value is None else int(value)

    # -- the list ---------------------------------------------------------------------------------

    def action_ids(self, query: ActionQuery = ActionQuery(), *, offset: int = 0,
                   limit: int | None = None) -> list[int]:
        """Ids of every action matching ``query`` that the acting user may see, in display order
        (grouped first when ``query.group_by`` asks, then sorted); with ``limit``, only that many
        from ``offset`` on (a window of the list, for a view that reads ids as it scrolls)."""
        self._ctx.require(Permission.VIEW_CASES, panel_id=query.panel_id)
        today = self._ctx.today()
        with self._ctx.reading() as s:
            self._check_query(s, query)
            amber = self._amber_days(s)
            stmt = self._filtered(select(Action.id), query, today, amber)
            stmt, keys = self._order(s, stmt, query, today, amber)
            if limit is not None:
                return list(s.scalars(stmt.order_by(*keys).offset(offset).limit(limit)))
            return ordered_ids(s, stmt, Action.id, keys)

    def action_count(self, query: ActionQuery = ActionQuery()) -> int:
        """How many actions ``action_ids(query)`` lists, counted in SQL (no ids read)."""
        self._ctx.require(Permission.VIEW_CASES, panel_id=query.panel_id)
        today = self._ctx.today()
        with self._ctx.reading() as s:
            self._check_query(s, query)
            stmt = self._filtered(select(func.count()).select_from(Action), query, today, self._amber_days(s))
            return s.scalar(stmt) or 0

    def action_rows(self, ids: Sequence[int]) -> list[ActionRow]:
        """Display rows for ``ids`` (one page), in the order given. Ids the user may not see, or
        that no longer exist, are left out."""
        self._ctx.require(Permission.VIEW_CASES)
        if not ids:
            return []
        today = self._ctx.today()
        with self._ctx.reading() as s:
            by_id: dict[int, ActionRow] = {}
            for start in range(0, len(ids), _CHUNK):
                chunk = list(ids[start : start + _CHUNK])
                for row in self._rows(s, Action.id.in_(chunk), today):
                    by_id[row.id] = row
        return [by_id[i] for i in ids if i in by_id]

    def rag_counts(self, query: ActionQuery = ActionQuery()) -> RagCounts:
        """How many of the actions matching ``query`` are Red, Amber, Green, Grey and Blue (the
        query's own RAG filter applies too, so the counts always describe what is listed)."""
        self._ctx.require(Permission.VIEW_CASES, panel_id=query.panel_id)
        today = self._ctx.today()
        with self._ctx.reading() as s:
            self._check_query(s, query)
            amber = self._amber_days(s)
            # Count by status and by where the due date falls (none / past / within the amber
            # threshold / later), then let the rule in cspdesk.domain.rules name each group's RAG:
            # one cheap pass over a covering index, and the rule is written once.
            # Grouped by status alone, so an index on (…, status, due_date) hands the rows over
            # already grouped; the due-date buckets are sums.
            limit = amber_limit(today, amber)
            stmt = self._filtered(
                select(Action.status, func.count(), func.count(Action.due_date),
                       func.sum(case((Action.due_date < today, 1), else_=0)),
                       func.sum(case((Action.due_date <= limit, 1), else_=0))),
                query, today, amber,
            ).group_by(Action.status)
            per_status = s.execute(stmt).all()
        sample_due = {"none": None, "past": today - timedelta(days=1), "soon": today, "later": limit + timedelta(days=1)}
        values = {r.value: 0 for r in Rag}
        overdue = 0
        for status, total, dated, past, up_to_limit in per_status:
            status = ActionStatus(status)
            sizes = {"none": total - dated, "past": past or 0, "soon": (up_to_limit or 0) - (past or 0),
                     "later": dated - (up_to_limit or 0)}
            for bucket, n in sizes.items():
                values[rag(status, sample_due[bucket], today, amber).value] += int(n)
                if is_overdue(status, sample_due[bucket], today):
                    overdue += int(n)
        return RagCounts(**values, overdue=overdue)

    def get_action(self, action_id: int) -> ActionDetail:
        """One action with its update log (oldest first)."""
        self._ctx.require(Permission.VIEW_CASES)
        today = self._ctx.today()
        with self._ctx.reading() as s:
            rows = self._rows(s, Action.id == action_id, today)
            if not rows:
                raise NotFound("That action does not exist, or is on a panel you are not a member of.")
            row = rows[0]
            starts = None
            if row.meeting_id is not None:
                starts = s.scalar(select(Meeting.starts_at).where(Meeting.id == row.meeting_id))
            log = tuple(
                ActionLogEntry(u.id, u.at, u.by_name, u.text, u.old_status, u.new_status)
                for u in s.scalars(
                    select(ActionUpdate).where(ActionUpdate.action_id == action_id)
                    .order_by(ActionUpdate.at, ActionUpdate.id)
                )
            )
        return ActionDetail(row, starts, log)

    def my_actions_query(self, **overrides: Any) -> ActionQuery:
        """The acting officer's action log: their agency's unfinished actions across the panels
        they belong to, most urgent first. ``overrides`` change any field (e.g. ``statuses=None``
        for the whole log, ``panel_id=`` for one panel)."""
        agency_id = self._ctx.actor.agency_id
        if agency_id is None:
            raise ValidationError("agency", "Your account is not linked to an agency, so it has no actions of its own.")
        values: dict[str, Any] = dict(agency_id=agency_id, statuses=frozenset(UNFINISHED_STATUSES),
                                      sort=ActionSort.DUE_DATE)
        values.update(overrides)
        return ActionQuery(**values)

    def my_actions(self, **overrides: Any) -> list[ActionRow]:
        """The rows of :meth:`my_actions_query` (an officer's log is short; the tracker uses ids)."""
        return self.action_rows(self.action_ids(self.my_actions_query(**overrides)))

    # -- choices for the filters --------------------------------------------------------------------

    def agency_choices(self, panel_id: int | None = None) -> list[Choice]:
        """Agencies that own at least one visible action (on ``panel_id``), by name."""
        self._ctx.require(Permission.VIEW_CASES, panel_id=panel_id)
        owners = select(Action.owner_agency_id).where(Action.owner_agency_id.is_not(None))
        owners = self._visible(owners, panel_id).distinct()
        stmt = select(Agency.id, Agency.name, Agency.short_code).where(Agency.id.in_(owners))
        with self._ctx.reading() as s:
            return _by_name(Choice(i, name, code) for i, name, code in s.execute(stmt))

    def owner_choices(self, panel_id: int | None = None, agency_id: int | None = None) -> list[Choice]:
        """Named officers (members) who own at least one visible action, by name."""
        self._ctx.require(Permission.VIEW_CASES, panel_id=panel_id)
        owners = select(Action.owner_member_id).where(Action.owner_member_id.is_not(None))
        owners = self._visible(owners, panel_id)
        if agency_id is not None:
            owners = owners.where(Action.owner_agency_id == agency_id)
        stmt = (select(Member.id, Member.name, Agency.short_code).join(Agency, Agency.id == Member.agency_id)
                .where(Member.id.in_(owners.distinct())))
        with self._ctx.reading() as s:
            return _by_name(Choice(i, name, code) for i, name, code in s.execute(stmt))

    def heading_choices(self, panel_id: int) -> list[str]:
        """The plan headings (priorities) used on a panel, in order."""
        self._ctx.require(Permission.VIEW_CASES, panel_id=panel_id)
        stmt = (select(Action.heading).where(Action.panel_id == panel_id, Action.heading != "")
                .distinct())
        with self._ctx.reading() as s:
            return sorted(s.scalars(stmt), key=lambda h: (h.casefold(), h))

    # -- writes -------------------------------------------------------------------------------------

    def add_action(self, new: NewAction) -> OpResult[ActionRow]:
        """Record an action on a case, an OCG, or the panel itself (a plan action with number,
        heading, outcome, milestones and timescale)."""
        self._ctx.require(Permission.UPDATE_ACTIONS, panel_id=new.panel_id)
        with self._ctx.unit_of_work() as s:
            action = self.add_in_session(s, new)
            action_id = action.id
        return OpResult(self._row(action_id), OpChanges(actions=True))

    def add_in_session(self, s: Session, new: NewAction, *, audit_it: bool = True) -> Action:
        """The body of :meth:`add_action`, inside the caller's unit of work (the importer adds many
        actions in one transaction). Checks everything; raises ValidationError naming the field."""
        self._ctx.require(Permission.UPDATE_ACTIONS, panel_id=new.panel_id)
        today = self._ctx.today()
        panel = s.get(Panel, new.panel_id)
        if panel is None:
            raise ValidationError("panel", "That panel does not exist.")
        text = _clean(new.text, "text", "action", required=True)
        if new.case_id is not None:
            found = s.execute(select(Case.panel_id, Case.subject_group_id).where(Case.id == new.case_id)).first()
            if found is None or found.panel_id != new.panel_id:
                raise ValidationError("case", "That case is not on this panel.")
            # An OCG's action may name both the group and the panel's case about that group.
            if new.group_id is not None and found.subject_group_id != new.group_id:
                raise ValidationError("case", "An action belongs to a case or to a group, not both.")
        # Every id is checked against the panel (issue 22): an action on another panel's group
        # would make that group the officer's (OcgService counts actions as being on a panel).
        # The words are the same whether the record exists elsewhere or not at all.
        if new.group_id is not None and not group_reachable(s, self._ctx, new.group_id, panel_id=new.panel_id):
            raise ValidationError("group", "That group is not on this panel.")
        if new.meeting_id is not None and s.scalar(select(Meeting.panel_id).where(Meeting.id == new.meeting_id)) \
                != new.panel_id:
            raise ValidationError("meeting", "That meeting is not on this panel.")
        if new.agenda_item_id is not None:
            item = s.execute(select(AgendaItem.meeting_id, Meeting.panel_id, AgendaItem.case_id)
                             .join(Meeting, Meeting.id == AgendaItem.meeting_id)
                             .where(AgendaItem.id == new.agenda_item_id)).first()
            if item is None or item.panel_id != new.panel_id:
                raise ValidationError("agenda_item", "That agenda item is not on this panel.")
            if new.meeting_id is not None and item.meeting_id != new.meeting_id:
                raise ValidationError("agenda_item", "That agenda item is not in the meeting given.")
        if new.owner_agency_id is not None and s.get(Agency, new.owner_agency_id) is None:
            raise ValidationError("owner_agency", "That agency does not exist.")
        owner_name = _clean(new.owner_name, "owner_name", "owner's name", limit=200)
        if new.owner_member_id is not None:
            member = s.get(Member, new.owner_member_id)
            if member is None:
                raise ValidationError("owner_member", "That officer does not exist.")
            if new.owner_agency_id is not None and member.agency_id != new.owner_agency_id:
                raise ValidationError("owner_member", "That officer is not in the owning agency.")
            owner_name = owner_name or member.name
        self._check_officer_agency(new.owner_agency_id)
        if new.strand is not None and not panel.uses_strands:
            raise ValidationError("strand", "This panel does not use 4P strands.")
        reason = _clean(new.status_reason, "reason", "reason")
        check_status_change(new.status, reason, new.completed_on, today=today,
                            date_unknown=new.completed_on_unknown)
        check_due_date(new.due_date, today)
        now = self._ctx.now()
        action = Action(
            panel_id=new.panel_id, case_id=new.case_id, group_id=new.group_id, meeting_id=new.meeting_id,
            agenda_item_id=new.agenda_item_id,
            number=_clean(new.number, "number", "number", limit=20),
            heading=_clean(new.heading, "heading", "heading", limit=300),
            text=text,
            outcome=_clean(new.outcome, "outcome", "outcome"),
            milestones=_clean(new.milestones, "milestones", "milestones"),
            timescale=_clean(new.timescale, "timescale", "timescale", limit=200),
            owner_agency_id=new.owner_agency_id, owner_member_id=new.owner_member_id, owner_name=owner_name,
            due_date=new.due_date, strand=new.strand, status=new.status,
            status_reason=reason if new.status in ACTION_STATUSES_NEEDING_REASON else "",
            completed_on=new.completed_on if new.status == ActionStatus.COMPLETED else None,
            created_at=now, updated_at=now,
        )
        s.add(action)
        s.flush()
        note = _clean(new.note, "note", "note")
        if note or new.status != ActionStatus.OPEN:
            s.add(ActionUpdate(action_id=action.id, at=now, by_user_id=self._ctx.actor.user_id,
                               by_name=self._by_name(s), text=note,
                               old_status=None, new_status=new.status if new.status != ActionStatus.OPEN else None))
        if audit_it:
            audit.record(s, self._ctx.actor, AuditKind.CREATE, "action", action.id,
                         {"panel_id": new.panel_id, "case_id": new.case_id, "group_id": new.group_id,
                          "number": action.number, "status": action.status, "owner_agency_id": new.owner_agency_id,
                          "due_date": new.due_date},
                         at=now)
        return action

    def update_status(self, action_id: int, status: ActionStatus, note: str = "", *, reason: str = "",
                      completed_on: date | None = None, expected_version: int | None = None) -> OpResult[ActionRow]:
        """Move an action to ``status`` with a note. On hold and Discontinued need ``reason``;
        Completed needs ``completed_on``. Appends to the log with who and when. When
        ``expected_version`` is given and someone changed the action since (its ``version``
        differs), raises Conflict and changes nothing."""
        with self._ctx.unit_of_work() as s:
            self._change_status(s, action_id, ActionStatus(status), note, reason, completed_on, expected_version)
        return OpResult(self._row(action_id), OpChanges(actions=True))

    def add_note(self, action_id: int, note: str, *, expected_version: int | None = None) -> OpResult[ActionRow]:
        """Append a note (no status change) to an action's log."""
        text = _clean(note, "note", "note", required=True)
        with self._ctx.unit_of_work() as s:
            action = self._writable(s, action_id, expected_version)
            now = self._ctx.now()
            s.add(ActionUpdate(action_id=action_id, at=now, by_user_id=self._ctx.actor.user_id,
                               by_name=self._by_name(s), text=text))
            action.updated_at = now  # bumps the version: a note is a change others should see
            self._flush(s)
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "action", action_id, {"note_added": True}, at=now)
        return OpResult(self._row(action_id), OpChanges(actions=True))

    def bulk_update_status(self, ids: Iterable[int], status: ActionStatus, note: str = "", *, reason: str = "",
                           completed_on: date | None = None) -> OpResult[int]:
        """The same status change and note for many actions, in one transaction: if any one of them
        may not be changed (permission, panel, missing), none is, and the error names it. Actions
        already in ``status`` get the note only. Returns how many actions were changed."""
        wanted = list(dict.fromkeys(int(i) for i in ids))
        if not wanted:
            return OpResult(0, OpChanges())
        status = ActionStatus(status)
        with self._ctx.unit_of_work() as s:
            for action_id in wanted:
                self._change_status(s, action_id, status, note, reason, completed_on, None, audit_it=False)
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "action", None,
                         {"bulk_status": status, "action_ids": wanted, "reason": reason.strip(),
                          "completed_on": completed_on},
                         at=self._ctx.now())
        return OpResult(len(wanted), OpChanges(actions=True))

    # -- building blocks ----------------------------------------------------------------------------

    def _check_officer_agency(self, agency_id: int | None) -> None:
        actor = self._ctx.actor
        if actor.role == Role.OFFICER and (agency_id is None or agency_id != actor.agency_id):
            raise PermissionDenied("Officers may change only their own agency's actions.")

    def check_query(self, query: ActionQuery) -> None:
        """Refuse a query that names a panel, case or group the user may not see (as
        :meth:`action_ids` would), for a caller that records the query without listing it."""
        self._ctx.require(Permission.VIEW_CASES, panel_id=query.panel_id)
        with self._ctx.reading() as s:
            self._check_query(s, query)

    def _check_query(self, s: Session, q: ActionQuery) -> None:
        """A query naming a case or group the user may not see is refused as one that does not
        exist (issue 22): an empty answer would still let an export or a print be recorded."""
        if q.case_id is not None:
            panel_id = s.scalar(select(Case.panel_id).where(Case.id == q.case_id))
            if panel_id is None or not self._ctx.actor.sees_panel(panel_id):
                raise NotFound("That case does not exist, or is on a panel you are not a member of.")
        if q.group_id is not None and not group_reachable(s, self._ctx, q.group_id):
            raise NotFound(NO_SUCH_GROUP)

    def _writable(self, s: Session, action_id: int, expected_version: int | None) -> Action:
        action = s.get(Action, action_id)
        if action is None or not self._ctx.actor.sees_panel(action.panel_id):
            raise NotFound(f"Action {action_id} does not exist, or is on a panel you are not a member of.")
        self._ctx.require(Permission.UPDATE_ACTIONS, panel_id=action.panel_id)
        try:
            self._check_officer_agency(action.owner_agency_id)
        except PermissionDenied:
            raise PermissionDenied(
                f"Action {_label(action)} belongs to another agency: officers may change only their own "
                "agency's actions."
            ) from None
        # Who changed it, when and what, from the audit trail (the same message as a case or a meeting).
        expect_version(s, action, expected_version)
        return action

    def _change_status(self, s: Session, action_id: int, status: ActionStatus, note: str, reason: str,
                       completed_on: date | None, expected_version: int | None, *, audit_it: bool = True) -> None:
        action = self._writable(s, action_id, expected_version)
        text = _clean(note, "note", "note")
        reason = _clean(reason, "reason", "reason")
        try:
            check_status_change(status, reason, completed_on, today=self._ctx.today())
        except ValidationError as exc:
            raise ValidationError(exc.field, f"Action {_label(action)}: {exc}") from None
        old = {"status": action.status, "status_reason": action.status_reason, "completed_on": action.completed_on}
        now = self._ctx.now()
        if status == action.status and not text and reason == action.status_reason \
                and (status != ActionStatus.COMPLETED or completed_on == action.completed_on):
            return  # nothing to record
        action.status = status
        action.status_reason = reason if status in ACTION_STATUSES_NEEDING_REASON else ""
        action.completed_on = completed_on if status == ActionStatus.COMPLETED else None
        action.updated_at = now
        changed = old["status"] != status
        log_text = text
        if reason and status in ACTION_STATUSES_NEEDING_REASON and reason not in text:
            log_text = f"{text}\nReason: {reason}".strip()
        s.add(ActionUpdate(action_id=action_id, at=now, by_user_id=self._ctx.actor.user_id, by_name=self._by_name(s),
                           text=log_text, old_status=old["status"] if changed else None,
                           new_status=status if changed else None))
        self._flush(s)
        if audit_it:
            new = {"status": action.status, "status_reason": action.status_reason, "completed_on": action.completed_on}
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "action", action_id,
                         {"changes": audit.changed_fields(old, new), "note_added": bool(text)}, at=now)

    @staticmethod
    def _flush(s: Session) -> None:
        try:
            s.flush()
        except StaleDataError:
            raise Conflict("The action was changed by someone else at the same moment: reload it and try again.") \
                from None

    def _by_name(self, s: Session) -> str:
        actor = self._ctx.actor
        if actor.user_id is not None:
            name = s.scalar(select(UserAccount.display_name).where(UserAccount.id == actor.user_id))
            if name:
                return name
        return actor.username

    def _row(self, action_id: int) -> ActionRow:
        rows = self.action_rows([action_id])
        if not rows:
            raise NotFound("That action does not exist, or is on a panel you are not a member of.")
        return rows[0]

    def _visible(self, stmt: Select, panel_id: int | None) -> Select:
        visible = self._ctx.visible_panel_ids()
        if visible is not None:
            stmt = stmt.where(Action.panel_id.in_(sorted(visible)))
        if panel_id is not None:
            stmt = stmt.where(Action.panel_id == panel_id)
        return stmt

    def _filtered(self, stmt: Select, q: ActionQuery, today: date, amber: int) -> Select:
        stmt = self._visible(stmt, q.panel_id)
        if q.agency_id is not None:
            stmt = stmt.where(Action.owner_agency_id == q.agency_id)
        if q.owner_member_id is not None:
            stmt = stmt.where(Action.owner_member_id == q.owner_member_id)
        owner = q.owner_name.strip()
        if owner:
            stmt = stmt.where(func.lower(Action.owner_name).startswith(owner.lower(), autoescape=True))
        if q.statuses:
            stmt = stmt.where(Action.status.in_(sorted(q.statuses)))
        if q.rags:
            stmt = stmt.where(or_(*[rag_condition(r, today, amber) for r in sorted(q.rags)]))
        if q.overdue_only:
            stmt = stmt.where(overdue_condition(today))
        if q.due_from is not None:
            stmt = stmt.where(Action.due_date >= q.due_from)
        if q.due_to is not None:
            stmt = stmt.where(Action.due_date <= q.due_to)
        if q.case_id is not None:
            stmt = stmt.where(Action.case_id == q.case_id)
        if q.group_id is not None:
            stmt = stmt.where(Action.group_id == q.group_id)
        if q.strand is not None:
            stmt = stmt.where(Action.strand == q.strand)
        if q.panel_level_only:
            stmt = stmt.where(Action.case_id.is_(None), Action.group_id.is_(None))
        return stmt

    def _heading_rank(self, s: Session, q: ActionQuery) -> ColumnElement[int] | ColumnElement[str]:
        """Headings in the plan's own order — the order their first action was recorded or
        imported ("Priority 1…4" before "Cross Cutting Theme 1"), not the alphabet's."""
        firsts = s.execute(self._visible(select(Action.heading, func.min(Action.id)), q.panel_id)
                           .group_by(Action.heading)).all()
        if not firsts or len(firsts) > _MAX_RANKED_HEADINGS:
            return Action.heading
        ordered = [h for h, _ in sorted(firsts, key=lambda t: t[1])]
        return case({h: i for i, h in enumerate(ordered)}, value=Action.heading, else_=len(ordered))

    @staticmethod
    def _agency_rank(s: Session) -> ColumnElement[int]:
        """Each action's owning agency's place in the agencies' name order (no agency last): the
        agencies are few, so this is a CASE on the action's own column — no join per row."""
        names = s.execute(select(Agency.id, Agency.name)).all()
        ranks = {agency_id: i for i, (agency_id, _) in enumerate(sorted(names, key=lambda t: t[1].casefold()))}
        if not ranks:
            return Action.owner_agency_id
        return case(ranks, value=Action.owner_agency_id, else_=len(ranks))

    def _order(self, s: Session, stmt: Select, q: ActionQuery, today: date, amber: int) -> tuple[Select, list]:
        keys: list = []
        if q.group_by == ActionGroupBy.AGENCY:
            keys.append(self._agency_rank(s).asc())
        elif q.group_by == ActionGroupBy.CASE:
            # Cases in the order they were recorded (an index gives it; sorting 60,000 actions by
            # the case's reference would read every case), then OCG-only and panel actions.
            keys += [Action.case_id.asc().nulls_last(), Action.group_id.asc().nulls_last()]
        elif q.group_by == ActionGroupBy.HEADING:
            keys += [self._heading_rank(s, q).asc(), Action.heading.asc()]

        def directed(col: ColumnElement) -> Any:
            return (col.desc() if q.descending else col.asc()).nulls_last()

        match q.sort:
            case ActionSort.DUE_DATE:
                keys.append(directed(Action.due_date))
            case ActionSort.NUMBER:
                keys += [directed(k) for k in _number_keys(Action.number)]
            case ActionSort.STATUS:
                keys.append(directed(case(*[(Action.status == st, i) for i, st in enumerate(ActionStatus)])))
            case ActionSort.RAG:
                keys += [directed(_rag_rank(today, amber)), Action.due_date.asc().nulls_last()]
            case ActionSort.AGENCY:
                keys.append(directed(self._agency_rank(s)))
            case ActionSort.OWNER:
                keys.append(directed(Action.owner_name))
            case ActionSort.CASE:
                keys += [directed(Action.case_id), directed(Action.group_id)]
            case ActionSort.UPDATED:
                keys.append(directed(Action.updated_at))
            case ActionSort.CREATED:
                keys.append(directed(Action.created_at))
        keys.append(Action.id.desc() if q.descending else Action.id.asc())
        return stmt, keys

    def _rows(self, s: Session, where: ColumnElement[bool], today: date, amber: int | None = None) -> list[ActionRow]:
        """Rows for the actions ``where`` picks (by id), in two statements. The actions are read
        alone, by primary key, then the names they point at (and the amber threshold, when
        ``amber`` is None) in one UNION ALL whose every branch is a primary-key lookup: a single
        query joining them all let SQLite's planner start from the panels and walk a panel index
        (seconds at county scale), and a query per table cost a round trip each on a server."""
        visible = self._ctx.visible_panel_ids()
        # The action's columns through Core, not Action entities: the rows are only read, and
        # building ORM objects was most of the call (issue 23).
        actions = [a for a in s.connection().execute(select(*Action.__table__.c).where(where))
                   if visible is None or a.panel_id in visible]  # need to know, checked here
        if not actions:
            return []
        found = _lookup(s, amber is None, {
            "panel": (Panel.id, (Panel.name, Panel.panel_type), {a.panel_id for a in actions}),
            "case": (Case.id, (Case.reference,), {a.case_id for a in actions if a.case_id}),
            "group": (SubjectGroup.id, (func.coalesce(SubjectGroup.reference, SubjectGroup.name),),
                      {a.group_id for a in actions if a.group_id}),
            "agency": (Agency.id, (Agency.name, Agency.short_code), {a.owner_agency_id for a in actions if a.owner_agency_id}),
            "member": (Member.id, (Member.name,), {a.owner_member_id for a in actions if a.owner_member_id}),
        })
        if amber is None:
            value = found["amber"].get(0, (None,))[0]
            amber = DEFAULT_AMBER_DAYS if value is None else int(value)
        panels = {i: (name, PanelType(kind)) for i, (name, kind) in found["panel"].items()}
        cases, groups, agencies, members = found["case"], found["group"], found["agency"], found["member"]
        out = []
        for a in actions:
            panel_name, panel_type = panels[a.panel_id]
            agency, code = agencies.get(a.owner_agency_id, ("", ""))
            member = members.get(a.owner_member_id, ("",))[0]
            out.append(ActionRow(
                id=a.id, panel_id=a.panel_id, panel_name=panel_name, panel_type=panel_type,
                case_id=a.case_id, case_reference=cases.get(a.case_id, ("",))[0] or "", group_id=a.group_id,
                group_reference=groups.get(a.group_id, ("",))[0] or "",
                number=a.number, heading=a.heading, text=a.text, outcome=a.outcome, milestones=a.milestones,
                timescale=a.timescale, strand=a.strand, owner_agency_id=a.owner_agency_id, owner_agency=agency or "",
                owner_agency_code=code or "", owner_member_id=a.owner_member_id, owner_name=member or a.owner_name,
                due_date=a.due_date, status=a.status, status_reason=a.status_reason, completed_on=a.completed_on,
                meeting_id=a.meeting_id, created_at=a.created_at, updated_at=a.updated_at, version=a.version,
                overdue=is_overdue(a.status, a.due_date, today), rag=rag(a.status, a.due_date, today, amber),
            ))
        return out


def _lookup(s: Session, with_amber: bool,
            wanted: dict[str, tuple[Any, tuple[Any, ...], set[int]]]) -> dict[str, dict[int, tuple]]:
    """``{kind: {id: (value, …)}}`` for each ``kind: (key, columns, ids)``, all in one UNION ALL
    (values as text, up to two a row; ``kind`` "amber" holds the partnership's amber days under id 0).
    The kinds are SQL literals, not parameters, so a server need not guess their types."""
    branches = []
    for kind, (key, columns, ids) in wanted.items():
        if ids:
            values = [cast(c, String) for c in columns] + [null()] * (2 - len(columns))
            branches.append(select(literal_column(f"'{kind}'"), key, *values).where(key.in_(sorted(ids))))
    if with_amber:
        days = select(Partnership.amber_days).order_by(Partnership.id).limit(1).scalar_subquery()
        branches.append(select(literal_column("'amber'"), literal_column("0"), cast(days, String), null()))
    found: dict[str, dict[int, tuple]] = {kind: {} for kind in (*wanted, "amber")}
    for kind, key, first, second in s.execute(union_all(*branches)):
        values = (first, second)
        found[kind][key] = values[: len(wanted[kind][1])] if kind in wanted else (first,)
    return found


def _label(action: Action) -> str:
    return f"{action.number} (#{action.id})" if action.number else f"#{action.id}"


__all__ = [
    "ActionDetail", "ActionGroupBy", "ActionLogEntry", "ActionQuery", "ActionRow", "ActionService", "ActionSort",
    "Choice", "NewAction", "RagCounts", "RAG_ORDER", "UNFINISHED_STATUSES", "amber_limit", "check_status_change",
    "overdue_condition", "rag_condition",
]


def _by_name(choices: Iterable[Choice]) -> list[Choice]:
    """Choices in name order whatever the case, the same on SQLite and on a server (whose
    collation would otherwise decide): a handful of rows, sorted here."""
    return sorted(choices, key=lambda c: (c.label.casefold(), c.label, c.id))
