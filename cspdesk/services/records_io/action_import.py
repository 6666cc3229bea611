"""Import an existing action tracker from CSV/XLSX, and export the tracker as CSV/XLSX.

Most partnerships start from a spreadsheet. Importing is three steps, each a call:

1. :meth:`ActionImportService.read` — the file as a :class:`~cspdesk.services.records_io.tabular.Table`.
2. :meth:`ActionImportService.suggest_mapping` — which column holds which of CSPDesk's fields,
   which of the sheet's status words means which status, and which lead-agency words mean which
   agency: remembered for this panel from the last import, else guessed from the header names,
   the words and the agencies' names and short codes. The person checks and changes it.
3. :meth:`ActionImportService.check` (what would happen, nothing written) and
   :meth:`ActionImportService.import_actions` — one transaction: every row or none; or, when
   asked, the good rows only. Bad rows come back with the sheet's row number and the reason.

A sheet may carry its plan headings ("Priority 1: Domestic Abuse") as rows of their own, as the
Swale plan does: a row with text in one cell only, and no action, sets the heading of the rows
after it. A mapped heading column wins over that.

A plan's own words are kept as the partnership wrote them:

- Where the sheet says an action is done but gives no date, the completion date is *unknown* (left
  empty), never the day of the import.
- On hold and Discontinued take their reason from the reason column, else the row's latest update,
  else :data:`REASON_NOT_GIVEN`.
- A timescale in words ("By Mar 20", "Q3 2019/20", "2019-2022") gives the due date where the row
  has none (:func:`cspdesk.domain.timescales.due_date_from_timescale`); the words are kept.
- Several lead agencies ("KSS CRC/ Kent Police/NPS"): the action is owned by the first one that
  is an agency CSPDesk holds, and the owner's name keeps the sheet's words, so the others stay
  named. (One owning agency, not several: an agency's actions, its officers' permission to update
  them and the RAG counts per agency all rest on one owner; a partnership wanting the others to
  see the action prints the tracker grouped by heading.)

Importing the same plan again updates it, never duplicates it: each row is matched to an action
already on the panel (about the same case or OCG, or the panel itself) by the plan's own number,
else by the action's text; a matched row changes what it changes (each change in the action's log
and the audit trail) and the report says how many rows were unchanged. The check (dry run) says the
same without writing.

Validation streams: every row is read and checked before anything is written, and an
all-or-nothing import with a bad row is refused without touching the database.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.domain.cells import guard_cell, guard_row, unguard_cell
from cspdesk.domain.enums import ActionStatus, AuditKind, Strand
from cspdesk.domain.rules import normalise_name
from cspdesk.domain.timescales import due_date_from_timescale
from cspdesk.services.audit import audit
from cspdesk.services.records_io import tabular
from cspdesk.services.actions.actions import MAX_TEXT, ActionQuery, ActionRow, ActionService, NewAction, check_due_date
from cspdesk.services.context import OpChanges, OpResult, Permission, ServiceContext
from cspdesk.services.errors import PermissionDenied, ValidationError
from cspdesk.services.access.reach import group_on_panels
from cspdesk.services.records_io.tabular import Cell, Table, TableRow, cell_text, read_table
from cspdesk.storage.models import Action, ActionUpdate, Agency, Case, Panel, Partnership, SubjectGroup

SETTINGS_KEY = "action_import"
#: The reason recorded for an On hold or Discontinued row that gives none.
REASON_NOT_GIVEN = "not given in the imported plan"


class ActionField(StrEnum):
    """CSPDesk's fields a sheet's column can fill."""

    NUMBER = "number"
    HEADING = "heading"
    TEXT = "text"
    OUTCOME = "outcome"
    MILESTONES = "milestones"
    TIMESCALE = "timescale"
    AGENCY = "agency"
    OWNER = "owner"
    DUE_DATE = "due_date"
    STATUS = "status"
    REASON = "reason"
    COMPLETED_ON = "completed_on"
    UPDATE = "update"
    CASE = "case"
    STRAND = "strand"

    @property
    def label(self) -> str:
        return _FIELD_LABELS[self]


_FIELD_LABELS = {
    ActionField.NUMBER: "Number", ActionField.HEADING: "Heading / priority", ActionField.TEXT: "Action",
    ActionField.OUTCOME: "Outcome", ActionField.MILESTONES: "Milestones", ActionField.TIMESCALE: "Timescale",
    ActionField.AGENCY: "Lead agency", ActionField.OWNER: "Owner (named officer)", ActionField.DUE_DATE: "Due date",
    ActionField.STATUS: "Status", ActionField.REASON: "Reason (on hold / discontinued)",
    ActionField.COMPLETED_ON: "Date completed", ActionField.UPDATE: "Update / latest note",
    ActionField.CASE: "Case or OCG reference", ActionField.STRAND: "4P strand",
}

#: Header words that suggest each field (normalised: lower case, punctuation to spaces). Checked
#: in order; the first field whose words match a header wins, and each field takes one column.
_HEADER_HINTS: tuple[tuple[ActionField, tuple[str, ...]], ...] = (
    (ActionField.COMPLETED_ON, ("date completed", "completed on", "completion date", "date closed", "closed on",
                                "date delivered", "completed date")),
    (ActionField.DUE_DATE, ("due date", "due", "deadline", "target date", "review date", "due by", "by when",
                            "date due", "completion by")),
    (ActionField.REASON, ("reason", "reason for status", "hold reason", "why")),
    (ActionField.UPDATE, ("update", "latest update", "progress", "progress update", "comments", "comment", "notes",
                          "note", "rag comments", "status update", "commentary")),
    (ActionField.STATUS, ("status", "rag status", "progress status", "state", "current status")),
    (ActionField.NUMBER, ("no", "number", "ref", "action no", "action number", "item", "id", "action ref", "#")),
    (ActionField.HEADING, ("priority", "theme", "heading", "objective", "strategic priority", "section", "area",
                           "group", "strand", "priority group", "theme group")),
    (ActionField.OUTCOME, ("desired outcome", "outcome", "outcomes", "expected outcome", "intended outcome",
                           "success measure", "measure of success")),
    (ActionField.MILESTONES, ("key milestones", "milestones", "milestone", "tasks", "key tasks", "steps")),
    (ActionField.TIMESCALE, ("timescales", "timescale", "timeframe", "time frame", "when", "timeline")),
    (ActionField.AGENCY, ("lead agency", "agency", "lead", "lead organisation", "organisation", "responsible agency",
                          "lead partner", "partner", "owner agency", "responsible")),
    (ActionField.OWNER, ("owner", "action owner", "lead officer", "officer", "named officer", "responsible officer",
                         "assigned to", "who")),
    (ActionField.CASE, ("case", "case ref", "case reference", "urn", "ocg", "ocg ref", "subject ref")),
    (ActionField.STRAND, ("4p", "4p strand", "4 p strand", "4ps")),
    (ActionField.TEXT, ("action", "actions", "action required", "description", "task", "activity", "what")),
)

#: The words partnerships use for statuses (normalised), and what they mean here.
STATUS_WORDS: dict[str, ActionStatus] = {
    **{w: ActionStatus.COMPLETED for w in (
        "complete", "completed", "delivered", "done", "closed", "achieved", "finished", "met", "blue",
        "complete closed", "completed closed", "fully delivered", "implemented")},
    **{w: ActionStatus.ONGOING for w in (
        "ongoing", "on going", "in progress", "inprogress", "progressing", "on track", "started", "underway",
        "under way", "in hand", "partially delivered", "partly delivered", "active", "continuing", "green", "amber",
        "work in progress", "wip")},
    **{w: ActionStatus.ON_HOLD for w in (
        "on hold", "onhold", "hold", "paused", "deferred", "suspended", "delayed", "postponed", "waiting")},
    **{w: ActionStatus.DISCONTINUED for w in (
        "discontinued", "cancelled", "canceled", "withdrawn", "stopped", "no longer required", "not required",
        "superseded", "abandoned", "dropped", "not progressed", "closed not delivered")},
    **{w: ActionStatus.OPEN for w in (
        "open", "not started", "not yet started", "new", "planned", "to do", "todo", "pending", "outstanding",
        "not begun", "grey", "red", "yet to start")},
}

_STRAND_WORDS = {s.value: s for s in Strand}
#: Hint words taken only as a whole header: "Group" is a plan's heading, "Lead group" is not.
_EXACT_ONLY = {"group", "strand"}


@lru_cache(maxsize=65_536)
def norm(text: str) -> str:
    """A header or a status word as compared: lower case, accents and punctuation gone. Cached: a
    long sheet repeats its few status and agency words on every row."""
    return normalise_name(text)


def status_from_word(word: str) -> ActionStatus | None:
    """What a sheet's status word means, or None when it is not one CSPDesk knows. A blank cell
    is Open."""
    n = norm(word)
    if not n:
        return ActionStatus.OPEN
    if n in STATUS_WORDS:
        return STATUS_WORDS[n]
    for status in ActionStatus:
        if n in (status.value.replace("_", " "), norm(status.label)):
            return status
    return None


def parse_date(cell: Cell) -> date | None:
    """A date from a cell: a real date, ISO text, UK day-first text ("31/03/2020", "31 Mar 2020"),
    or month and year ("Mar 2020": the month's last day). None for a blank cell. A number is not
    a due date. Raises ValueError when the cell holds something else."""
    return tabular.parse_date(cell, month_year=True, serials=False)


# -- the mapping ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportMapping:
    """The person's answers in the mapping step.

    ``columns``: one entry per header of the sheet, in order — the field it fills, or None
    (ignored). ``statuses``: normalised status word → status (words not listed use
    :data:`STATUS_WORDS`). ``agencies``: normalised lead-agency text → agency id, or None for
    "no agency: keep the words as the owner".
    """

    columns: tuple[ActionField | None, ...]
    statuses: Mapping[str, ActionStatus] = field(default_factory=dict)
    agencies: Mapping[str, int | None] = field(default_factory=dict)
    #: Headings given as rows of their own ("Priority 1: …") set the heading of later rows.
    heading_rows: bool = True

    def column_of(self, f: ActionField) -> int | None:
        for i, c in enumerate(self.columns):
            if c == f:
                return i
        return None

    def with_column(self, index: int, f: ActionField | None) -> ImportMapping:
        """The same mapping with column ``index`` set to ``f`` (and ``f`` taken off any other column)."""
        cols = [None if (c == f and f is not None) else c for c in self.columns]
        cols[index] = f
        return replace(self, columns=tuple(cols))


@dataclass(frozen=True)
class AgencyOption:
    id: int
    name: str
    short_code: str


@dataclass(frozen=True)
class MappingSuggestion:
    mapping: ImportMapping
    remembered: bool  # the columns came from this panel's last import
    #: Every distinct status word in the sheet with its suggested status (None: not understood).
    status_words: tuple[tuple[str, ActionStatus | None], ...]
    #: Every distinct lead-agency text with its suggested agency (None: no match).
    agency_words: tuple[tuple[str, int | None], ...]
    agencies: tuple[AgencyOption, ...]  # to choose from


@dataclass(frozen=True)
class BadRow:
    row: int  # the spreadsheet's own row number
    field: str
    reason: str

    def __str__(self) -> str:
        return f"Row {self.row}: {self.reason}"


@dataclass(frozen=True)
class ImportReport:
    source: str
    rows_read: int  # data rows below the header, blank ones included
    imported: int  # actions written (0 on a dry run or a refused import)
    good: int  # rows that would import
    bad_rows: tuple[BadRow, ...]
    heading_rows: int
    blank_rows: int
    unmatched_agencies: tuple[str, ...]  # lead-agency words kept as owner text, with no agency
    dry_run: bool
    written: bool
    #: The actions the sheet's good rows are (new, updated and unchanged), in the sheet's order.
    action_ids: tuple[int, ...] = ()
    #: Rows matching an action already on the panel that change it / leave it as it is.
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.bad_rows

    @property
    def new(self) -> int:
        """Rows that are (or would be) new actions."""
        return self.good - self.updated - self.unchanged

    def summary(self) -> str:
        """"would import 3 new action(s), 1 updated, 29 unchanged; 0 bad row(s); 6 heading row(s)"."""
        verb = "would import" if self.dry_run else "imported"
        return (f"{verb} {self.new} new action(s), {self.updated} updated, {self.unchanged} unchanged; "
                f"{len(self.bad_rows)} bad row(s); {self.heading_rows} heading row(s)")


@dataclass(frozen=True)
class _ParsedRow:
    row: int
    new: NewAction
    update: str = ""  # the sheet's latest update, as written
    heading_from_rows: bool = False  # the heading came from a heading row above


@dataclass
class _Planned:
    """What importing one good row does: a new action, or changes to a matched one."""

    parsed: _ParsedRow
    action_id: int | None = None
    is_new: bool = True
    version: int | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    note: str = ""  # the sheet's update, when the action's log does not hold it yet

    @property
    def changed(self) -> bool:
        return bool(self.changes or self.note)


class ImportRefused(ValidationError):
    """Some rows are bad and the import was all-or-nothing: nothing was written. ``report`` has
    the bad rows."""

    def __init__(self, report: ImportReport) -> None:
        first = "; ".join(str(b).rstrip(".") for b in report.bad_rows[:3])
        more = f" (and {len(report.bad_rows) - 3} more)" if len(report.bad_rows) > 3 else ""
        super().__init__(
            f"row {report.bad_rows[0].row}",
            f"Nothing was imported: {len(report.bad_rows)} row(s) need fixing — {first}{more}. Fix them in the "
            "sheet, or import the good rows only.",
        )
        self.report = report


class _DryRun(Exception):
    pass


def suggest_columns(headers: Sequence[str]) -> tuple[ActionField | None, ...]:
    """Guess each column's field from its header: exact hint words first, then headers that start
    with or contain one. Each field goes to one column at most."""
    normed = [norm(h) for h in headers]
    chosen: list[ActionField | None] = [None] * len(headers)
    taken: set[ActionField] = set()
    for rule in ("exact", "prefix", "contains"):
        for f, words in _HEADER_HINTS:
            if f in taken:
                continue
            for i, h in enumerate(normed):
                if chosen[i] is not None or not h:
                    continue
                hit = False
                for w in words:
                    nw = norm(w) or w
                    if rule == "exact":
                        hit = h == nw
                    elif nw in _EXACT_ONLY:
                        hit = False
                    elif rule == "prefix":
                        hit = len(nw) > 2 and (h.startswith(nw + " ") or h.endswith(" " + nw))
                    else:
                        hit = len(nw) > 3 and f" {nw} " in f" {h} "
                    if hit:
                        break
                if hit:
                    chosen[i] = f
                    taken.add(f)
                    break
    return tuple(chosen)


def _split_lead(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[/,;&+]|\band\b", text) if p.strip()]


def match_agency(text: str, agencies: Sequence[AgencyOption],
                 remembered: Mapping[str, int | None] | None = None) -> int | None:
    """The agency a lead-agency cell names: a remembered answer for the same words, else an exact
    name or short code, else the first part (of "Swale CSU/Kent Police") that is one, else an
    agency whose whole name appears in the text. None when nothing matches."""
    n = norm(text)
    if not n:
        return None
    if remembered and n in remembered:
        return remembered[n]
    by_name = {norm(a.name): a.id for a in agencies}
    by_code = {norm(a.short_code): a.id for a in agencies}
    if n in by_name:
        return by_name[n]
    if n in by_code:
        return by_code[n]
    for part in _split_lead(text):
        p = norm(part)
        if remembered and p in remembered and remembered[p] is not None:
            return remembered[p]
        if p in by_name:
            return by_name[p]
        if p in by_code:
            return by_code[p]
    padded = f" {n} "
    for a in sorted(agencies, key=lambda a: -len(a.name)):
        if f" {norm(a.name)} " in padded:
            return a.id
    return None


class ActionImportService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    # -- step 1 and 2 ---------------------------------------------------------------------------

    def read(self, path: str | Path, *, sheet: str | None = None) -> Table:
        """The file as a table (header row found, row numbers as the spreadsheet shows them).
        A header written twice is refused, naming it (it would overwrite the remembered mapping)."""
        return read_table(path, sheet=sheet)

    def agencies(self) -> tuple[AgencyOption, ...]:
        with self._ctx.reading() as s:
            return tuple(AgencyOption(i, n, c) for i, n, c in
                         s.execute(select(Agency.id, Agency.name, Agency.short_code).order_by(Agency.name)))

    def remembered(self, panel_id: int) -> dict[str, Any]:
        """What the last import into this panel chose: {"columns": {header: field}, "statuses":
        {word: status}, "agencies": {words: agency id}}. Only for someone who may import into it."""
        self._ctx.require(Permission.UPDATE_ACTIONS, panel_id=panel_id)
        with self._ctx.reading() as s:
            settings = s.scalar(select(Partnership.settings).order_by(Partnership.id).limit(1)) or {}
        entry = (settings.get(SETTINGS_KEY) or {}).get(str(panel_id)) or {}
        return entry if isinstance(entry, dict) else {}

    def suggest_mapping(self, panel_id: int, table: Table) -> MappingSuggestion:
        """The mapping to show in the mapping step: this panel's remembered choices where the
        sheet's headers are the same, else guesses from header names, status words and agencies."""
        self._ctx.require(Permission.UPDATE_ACTIONS, panel_id=panel_id)
        memory = self.remembered(panel_id)
        remembered_cols = memory.get("columns") or {}
        columns = list(suggest_columns(table.headers))
        remembered = False
        if remembered_cols and all(norm(h) in remembered_cols for h in table.headers if norm(h)):
            remembered = True
            columns = []
            for h in table.headers:
                value = remembered_cols.get(norm(h))
                columns.append(ActionField(value) if value in ActionField._value2member_map_ else None)
        # "Strand" is a plan's heading, unless its words are all 4P strands (an older export's column).
        for i, h in enumerate(table.headers):
            if columns[i] == ActionField.HEADING and norm(h) == "strand" and ActionField.STRAND not in columns:
                values = {norm(cell_text(r.cells[i])) for r in table.rows if i < len(r.cells)} - {""}
                if values and values <= set(_STRAND_WORDS):
                    columns[i] = ActionField.STRAND
        # Never two columns for one field.
        seen: set[ActionField] = set()
        for i, c in enumerate(columns):
            if c is not None and c in seen:
                columns[i] = None
            elif c is not None:
                seen.add(c)
        statuses = {k: ActionStatus(v) for k, v in (memory.get("statuses") or {}).items()
                    if v in ActionStatus._value2member_map_}
        agency_memory: dict[str, int | None] = {k: (int(v) if v is not None else None)
                                                for k, v in (memory.get("agencies") or {}).items()
                                                if v is None or isinstance(v, int)}
        mapping = ImportMapping(tuple(columns), statuses, {})
        agencies = self.agencies()
        status_col = mapping.column_of(ActionField.STATUS)
        agency_col = mapping.column_of(ActionField.AGENCY)
        status_words: dict[str, ActionStatus | None] = {}
        agency_words: dict[str, int | None] = {}
        seen_statuses: set[str] = set()
        seen_leads: set[str] = set()
        for row in table.rows:
            if status_col is not None:
                word = cell_text(row.cells[status_col])
                if word and norm(word) not in seen_statuses:
                    seen_statuses.add(norm(word))
                    status_words[word] = statuses.get(norm(word)) or status_from_word(word)
            if agency_col is not None:
                lead = cell_text(row.cells[agency_col])
                if lead and norm(lead) not in seen_leads:
                    seen_leads.add(norm(lead))
                    agency_words[lead] = match_agency(lead, agencies, agency_memory)
        mapping = ImportMapping(
            tuple(columns),
            {norm(w): s for w, s in status_words.items() if s is not None},
            {norm(w): a for w, a in agency_words.items()},
        )
        return MappingSuggestion(mapping, remembered, tuple(status_words.items()), tuple(agency_words.items()),
                                 agencies)

    # -- step 3 ---------------------------------------------------------------------------------

    def check(self, panel_id: int, table: Table, mapping: ImportMapping) -> ImportReport:
        """What importing would do; nothing is written (the rows are even tried against the
        database, then rolled back)."""
        return self.import_actions(panel_id, table, mapping, dry_run=True, good_rows_only=True).value

    def import_actions(self, panel_id: int, table: Table, mapping: ImportMapping, *, good_rows_only: bool = False,
                       dry_run: bool = False, remember: bool = True) -> OpResult[ImportReport]:
        """Write the sheet's actions onto the panel in one transaction: new rows become actions,
        rows matching an action already there update it (see the module's docstring).

        All or nothing by default: when any row is bad, raises :class:`ImportRefused` (its
        ``report`` lists the bad rows) and writes nothing — decided before anything is written,
        so a long file with one bad row is refused in seconds. With ``good_rows_only`` the good
        rows are written and the bad ones reported. With ``dry_run`` nothing is written either way.
        ``remember`` keeps the mapping for this panel's next import."""
        self._ctx.require(Permission.UPDATE_ACTIONS, panel_id=panel_id)
        if self._ctx.actor.role.value == "officer":
            raise PermissionDenied("Importing a tracker is for coordinators, chairs and administrators.")
        if len(mapping.columns) != len(table.headers):
            raise ValidationError("mapping", "The mapping does not fit the sheet's columns: choose the columns again.")
        if mapping.column_of(ActionField.TEXT) is None:
            raise ValidationError("mapping", "Choose the column that holds the action itself.")
        twice = _headed_twice(table.headers)
        if twice:
            raise ValidationError("file", f"{table.source}: the same column is headed twice ({twice}). Give each "
                                          "column its own heading, or delete the copy, and import again.")
        with self._ctx.reading() as s:
            panel = s.get(Panel, panel_id)
            if panel is None:
                raise ValidationError("panel", "That panel does not exist.")
            parsed, bad, headings, blanks, unmatched = self._parse(s, panel, table, mapping)

        def report(planned: Sequence[_Planned], bad_rows: Sequence[BadRow], written: bool) -> ImportReport:
            matched = [p for p in planned if not p.is_new]
            updated = sum(1 for p in matched if p.changed)
            return ImportReport(
                source=table.source, rows_read=len(table.rows), imported=sum(p.is_new for p in planned) if written
                else 0, good=len(planned), bad_rows=tuple(sorted(bad_rows, key=lambda b: b.row)),
                heading_rows=headings, blank_rows=blanks, unmatched_agencies=tuple(unmatched), dry_run=dry_run,
                written=written, action_ids=tuple(p.action_id for p in planned if p.action_id is not None),
                updated=updated, unchanged=len(matched) - updated)

        if bad and not good_rows_only and not dry_run:
            raise ImportRefused(report([_Planned(p) for p in parsed], bad, False))
        planned = self._match(panel_id, parsed, mapping)
        if dry_run or not any(p.action_id is None or p.changed for p in planned):
            if remember and not dry_run and planned and not bad:
                with self._ctx.unit_of_work() as s:
                    self._remember(s, panel_id, table, mapping)
            return OpResult(report(planned, bad, False), OpChanges())
        written_bad = self._write(panel_id, table, mapping, planned, bad, good_rows_only=good_rows_only,
                                  remember=remember)
        if written_bad is not None:  # the database refused a row of an all-or-nothing import
            raise ImportRefused(report(planned, [*bad, written_bad], False))
        return OpResult(report(planned, bad, True), OpChanges(actions=True))

    # -- building blocks ------------------------------------------------------------------------

    def _match(self, panel_id: int, parsed: Sequence[_ParsedRow], mapping: ImportMapping) -> list[_Planned]:
        """Each good row with the action already on the panel it is (if any) and what it changes.

        A row is matched by the plan's number where the number is unique in the sheet (for its
        case or OCG), else by the number under its heading where that is unique, else by the action's
        text; among several actions alike, the one under the row's heading, else the oldest. An
        action is matched by one row at most."""
        with self._ctx.reading() as s:
            existing = s.execute(select(Action.id, Action.number, Action.text, Action.heading, Action.case_id,
                                        Action.group_id).where(Action.panel_id == panel_id).order_by(Action.id)).all()
        if not existing:
            return [_Planned(p) for p in parsed]
        index: dict[tuple[Any, ...], list[Any]] = {}
        for e in existing:
            subject = (e.case_id, e.group_id)
            if e.number:
                index.setdefault(("n", subject, norm(e.number)), []).append(e)
                index.setdefault(("nh", subject, norm(e.number), norm(e.heading)), []).append(e)
            index.setdefault(("t", subject, norm(e.text)), []).append(e)
        in_sheet: dict[tuple[Any, ...], int] = {}
        keys_of: list[list[tuple[Any, ...]]] = []
        for p in parsed:
            subject = (p.new.case_id, p.new.group_id)
            keys = []
            if p.new.number:
                keys += [("n", subject, norm(p.new.number)),
                         ("nh", subject, norm(p.new.number), norm(p.new.heading))]
            keys.append(("t", subject, norm(p.new.text)))
            keys_of.append(keys)
            for k in keys:
                in_sheet[k] = in_sheet.get(k, 0) + 1
        claimed: set[int] = set()
        planned: list[_Planned] = []
        for p, keys in zip(parsed, keys_of, strict=True):
            plan = _Planned(p)
            key = next((k for k in keys if in_sheet[k] == 1), keys[-1])
            candidates = [e for e in index.get(key, ()) if e.id not in claimed]
            if candidates:
                same_heading = [e for e in candidates if norm(e.heading) == norm(p.new.heading)]
                chosen = (same_heading or candidates)[0]
                claimed.add(chosen.id)
                plan.action_id, plan.is_new = chosen.id, False
            planned.append(plan)
        matched = [p.action_id for p in planned if p.action_id is not None]
        rows: dict[int, ActionRow] = {}
        notes: dict[int, set[str]] = {}
        actions = ActionService(self._ctx)
        for start in range(0, len(matched), 500):
            chunk = matched[start:start + 500]
            rows.update({r.id: r for r in actions.action_rows(chunk)})
            with self._ctx.reading() as s:
                for action_id, text in s.execute(select(ActionUpdate.action_id, ActionUpdate.text).where(
                        ActionUpdate.action_id.in_(chunk), ActionUpdate.text != "")):
                    notes.setdefault(action_id, set()).add(text.strip())
        mapped = {c for c in mapping.columns if c is not None}
        for plan in planned:
            if plan.action_id is None:
                continue
            row = rows.get(plan.action_id)
            if row is None:  # not visible to this user: a new action instead
                plan.action_id, plan.is_new = None, True
                continue
            plan.version = row.version
            plan.changes = _changes(plan.parsed, row, mapped)
            update = plan.parsed.update.strip()
            held = notes.get(row.id, set())
            if update and ActionField.UPDATE in mapped and not any(n == update or n.startswith(update + "\n")
                                                                   for n in held):
                plan.note = update
        return planned

    def _write(self, panel_id: int, table: Table, mapping: ImportMapping, planned: list[_Planned],
               bad: list[BadRow], *, good_rows_only: bool, remember: bool) -> BadRow | None:
        """Write ``planned`` in one transaction. Returns the first row the database refused in an
        all-or-nothing import (nothing is then written); in a good-rows-only import such rows are
        added to ``bad`` and left out."""
        actions = ActionService(self._ctx)
        refused: BadRow | None = None
        try:
            with self._ctx.unit_of_work() as s:
                created: list[int] = []
                updated: dict[int, dict[str, Any]] = {}
                kept: list[_Planned] = []
                for plan in planned:
                    try:
                        with s.begin_nested():
                            if plan.action_id is None:
                                action = actions.add_in_session(s, plan.parsed.new, audit_it=False)
                                plan.action_id = action.id
                                created.append(action.id)
                            elif plan.changed:
                                updated[plan.action_id] = self._apply(s, plan, table.source)
                    except (ValidationError, PermissionDenied) as exc:
                        field_name = exc.field if isinstance(exc, ValidationError) else "agency"
                        failed = BadRow(plan.parsed.row, field_name, str(exc))
                        if not good_rows_only:
                            refused = failed
                            raise _DryRun from None
                        bad.append(failed)
                        continue
                    kept.append(plan)
                planned[:] = kept
                if remember:
                    self._remember(s, panel_id, table, mapping)
                audit.record(s, self._ctx.actor, AuditKind.CREATE, "action_import", panel_id,
                             {"source": table.source, "sheet": table.sheet, "rows": len(table.rows),
                              "imported": len(created), "updated": updated,
                              "unchanged": sum(1 for p in planned if not p.is_new and not p.changed),
                              "bad_rows": [b.row for b in bad], "action_ids": created},
                             at=self._ctx.now())
        except _DryRun:
            return refused
        return None

    def _apply(self, s: Session, plan: _Planned, source: str) -> dict[str, Any]:
        """Change a matched action as its row says, logging each change (status changes with the
        old and new status) and the row's new update. Returns the changes for the audit trail."""
        action = s.get(Action, plan.action_id)
        if action is None or action.version != plan.version:
            raise ValidationError("row", "the action was changed by someone else meanwhile: import the file again.")
        now = self._ctx.now()
        by = ActionService(self._ctx)._by_name(s)  # noqa: SLF001 - the log's own "by" rule
        old_status = action.status
        for name, (_, new) in plan.changes.items():
            setattr(action, name, new)
        if plan.changes:
            action.updated_at = now
            words = "; ".join(f"{_CHANGE_LABELS.get(k, k)}: {_shown(o)} → {_shown(n)}"
                              for k, (o, n) in plan.changes.items())
            s.add(ActionUpdate(action_id=action.id, at=now, by_user_id=self._ctx.actor.user_id, by_name=by,
                               text=f"Changed by importing {source} (row {plan.parsed.row}): {words}"[:20_000],
                               old_status=old_status if action.status != old_status else None,
                               new_status=action.status if action.status != old_status else None))
        if plan.note:
            action.updated_at = now
            s.add(ActionUpdate(action_id=action.id, at=now, by_user_id=self._ctx.actor.user_id, by_name=by,
                               text=plan.note))
        s.flush()
        return {"changes": {k: [_shown(o), _shown(n)] for k, (o, n) in plan.changes.items()},
                "note_added": bool(plan.note)}

    def _remember(self, s: Session, panel_id: int, table: Table, mapping: ImportMapping) -> None:
        partnership = s.scalars(select(Partnership).order_by(Partnership.id).limit(1)).first()
        if partnership is None:
            return
        settings = dict(partnership.settings or {})
        store = dict(settings.get(SETTINGS_KEY) or {})
        previous = store.get(str(panel_id)) or {}
        agencies = dict(previous.get("agencies") or {})
        agencies.update({k: v for k, v in mapping.agencies.items()})
        statuses = dict(previous.get("statuses") or {})
        statuses.update({k: v.value for k, v in mapping.statuses.items()})
        store[str(panel_id)] = {
            "columns": {norm(h): (c.value if c else None) for h, c in zip(table.headers, mapping.columns, strict=True)
                        if norm(h)},
            "statuses": statuses,
            "agencies": agencies,
        }
        settings[SETTINGS_KEY] = store
        partnership.settings = settings  # a new dict: the JSON column sees the change

    def _parse(self, s: Session, panel: Panel, table: Table, mapping: ImportMapping
               ) -> tuple[list[_ParsedRow], list[BadRow], int, int, list[str]]:
        agencies = tuple(AgencyOption(i, n, c) for i, n, c in
                         s.execute(select(Agency.id, Agency.name, Agency.short_code)))
        col = {f: mapping.column_of(f) for f in ActionField}
        today = self._ctx.today()
        parsed: list[_ParsedRow] = []
        bad: list[BadRow] = []
        unmatched: dict[str, str] = {}
        heading = ""
        headings = blanks = 0
        refs: dict[str, tuple[int | None, int | None]] = {}

        def text(row: TableRow, f: ActionField) -> str:
            i = col[f]
            return unguard_cell(cell_text(row.cells[i])) if i is not None and i < len(row.cells) else ""

        for row in table.rows:
            if row.is_blank():
                blanks += 1
                continue
            action_text = text(row, ActionField.TEXT)
            if not action_text:
                filled = [c for c in row.cells if cell_text(c)]
                if mapping.heading_rows and len(filled) == 1 and col[ActionField.HEADING] is None:
                    heading = cell_text(filled[0])  # refused on its rows when too long, never cut
                    headings += 1
                    continue
                bad.append(BadRow(row.number, "text", "the action is empty."))
                continue
            try:
                new = self._row_action(s, panel, row, text, col, mapping, agencies, heading, today, refs, unmatched)
            except ValidationError as exc:
                bad.append(BadRow(row.number, exc.field, str(exc)))
                continue
            parsed.append(_ParsedRow(row.number, new, text(row, ActionField.UPDATE),
                                     heading_from_rows=bool(heading) and not text(row, ActionField.HEADING)))
        return parsed, bad, headings, blanks, list(unmatched.values())

    def _row_action(self, s: Session, panel: Panel, row: TableRow, text, col, mapping: ImportMapping,  # noqa: ANN001
                    agencies: Sequence[AgencyOption], heading: str, today: date,
                    refs: dict[str, tuple[int | None, int | None]], unmatched: dict[str, str]) -> NewAction:
        word = text(row, ActionField.STATUS)
        status = mapping.statuses.get(norm(word)) if word else None
        if status is None:
            status = status_from_word(word)
        if status is None:
            raise ValidationError("status", f"the status {word[:40]!r} is not one CSPDesk knows: map it to Open, "
                                            "Ongoing, On hold, Completed or Discontinued.")
        dates: dict[ActionField, date | None] = {}
        for f in (ActionField.DUE_DATE, ActionField.COMPLETED_ON):
            i = col[f]
            try:
                dates[f] = parse_date(row.cells[i]) if i is not None else None
            except ValueError as exc:
                raise ValidationError(f.value, f"{f.label.lower()}: {exc}; write it as 31/03/2020.") from None
        due, completed_on = dates[ActionField.DUE_DATE], dates[ActionField.COMPLETED_ON]
        timescale = text(row, ActionField.TIMESCALE)
        if due is None and timescale:
            due = due_date_from_timescale(timescale)  # the words are kept as the timescale
        check_due_date(due, today)  # a due date in 2999 is a slip, refused with the column named
        update = text(row, ActionField.UPDATE)
        reason = text(row, ActionField.REASON)
        notes: list[str] = []
        if status == ActionStatus.COMPLETED:
            if completed_on is None:
                notes.append("Completion date not in the imported plan: left unknown.")
            elif completed_on > today:
                raise ValidationError("completed_on", "the completion date is in the future.")
        elif status in (ActionStatus.ON_HOLD, ActionStatus.DISCONTINUED) and not reason:
            reason = update or REASON_NOT_GIVEN
        for i, cell in enumerate(row.cells):
            if isinstance(cell, str) and len(cell) > MAX_TEXT and mapping.columns[i] is not None:
                f = mapping.columns[i]
                raise ValidationError(f.value, f"the {f.label.lower()} is longer than {MAX_TEXT:,} characters.")
        lead = text(row, ActionField.AGENCY)
        agency_id = None
        owner = text(row, ActionField.OWNER)
        if lead:
            agency_id = mapping.agencies.get(norm(lead), "?")  # type: ignore[assignment]
            if agency_id == "?":
                agency_id = match_agency(lead, agencies, mapping.agencies)
            if agency_id is None:
                unmatched.setdefault(norm(lead), lead)
            named = next(((norm(a.name), norm(a.short_code)) for a in agencies if a.id == agency_id), ())
            if not owner and norm(lead) not in named:
                # The sheet's own words for who leads stay visible ("VAWC Group", "Swale CSU/Kent Police").
                owner = lead
            elif owner and len(_split_lead(lead)) > 1:
                owner = f"{owner} (lead: {lead})"  # the other lead agencies stay named
        if len(owner) > 200:
            raise ValidationError("owner", "the owner's name is longer than 200 characters.")
        number, heading = text(row, ActionField.NUMBER), text(row, ActionField.HEADING) or heading
        # Refused, never cut: a cut heading or timescale would read as if the sheet said less.
        for name, value, limit, what in (("number", number, 20, "the action's number"),
                                          ("heading", heading, 300, "the heading"),
                                          ("timescale", timescale, 200, "the timescale")):
            if len(value) > limit:
                raise ValidationError(name, f"{what} is longer than {limit} characters.")
        case_id = group_id = None
        ref = text(row, ActionField.CASE)
        if ref:
            key = ref.upper()
            if key not in refs:
                found_case = s.scalar(select(Case.id).where(Case.reference == key, Case.panel_id == panel.id))
                found_group = None
                if found_case is None:
                    # Only an OCG already on this panel (issue 22: another panel's is not the user's).
                    found_group = s.scalar(select(SubjectGroup.id).where(SubjectGroup.reference == key,
                                                                         group_on_panels({panel.id})))
                refs[key] = (found_case, found_group)
            case_id, group_id = refs[key]
            if case_id is None and group_id is None:
                raise ValidationError("case", f"no case or OCG {ref[:40]!r} on this panel.")
        strand = None
        strand_word = norm(text(row, ActionField.STRAND))
        if strand_word:
            strand = _STRAND_WORDS.get(strand_word)
            if strand is None:
                raise ValidationError("strand", f"{strand_word!r} is not a 4P strand (Pursue, Prevent, Protect, "
                                                "Prepare).")
            if not panel.uses_strands:
                strand = None
        if update:
            notes.insert(0, update)
        return NewAction(
            panel_id=panel.id, text=text(row, ActionField.TEXT), case_id=case_id, group_id=group_id,
            number=number, heading=heading,
            outcome=text(row, ActionField.OUTCOME), milestones=text(row, ActionField.MILESTONES),
            timescale=timescale, owner_agency_id=agency_id, owner_name=owner,
            due_date=due, strand=strand, status=status,
            status_reason=reason if status in (ActionStatus.ON_HOLD, ActionStatus.DISCONTINUED) else "",
            completed_on=completed_on if status == ActionStatus.COMPLETED else None,
            completed_on_unknown=status == ActionStatus.COMPLETED and completed_on is None,
            note="\n".join(notes),
        )

    # -- export ---------------------------------------------------------------------------------

    def export(self, query: ActionQuery, out: str | Path) -> OpResult[int]:
        """Write the actions ``query`` lists (in its order) to ``out``: .csv or .xlsx. Audited as an
        export. Returns how many actions were written."""
        out = Path(out)
        suffix = out.suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise ValidationError("out", "Export to a .csv or .xlsx file.")
        actions = ActionService(self._ctx)
        ids = actions.action_ids(query)
        header = [label for _, label in EXPORT_COLUMNS] + ["Latest update", "Update log"]
        rows: list[list[Any]] = []
        for start in range(0, len(ids), 2000):
            chunk = actions.action_rows(ids[start : start + 2000])
            notes = self._notes([r.id for r in chunk])
            for r in chunk:
                log = notes.get(r.id, [])
                rows.append([getter(r) for getter, _ in EXPORT_COLUMNS]
                            + [log[-1][1] if log else "", "\n".join(f"{at:%d/%m/%Y} {text}" for at, text in log)])
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            if suffix == ".csv":
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                writer.writerow(header)
                for r in rows:
                    writer.writerow(guard_row(_as_text(v) for v in r))
                out.write_text(buffer.getvalue(), encoding="utf-8-sig", newline="")
            else:
                _write_xlsx(out, header, rows)
        except OSError as exc:
            raise ValidationError("out", f"Could not write {out.name}: {exc.strerror or exc}.") from None
        with self._ctx.unit_of_work() as s:
            audit.record(s, self._ctx.actor, AuditKind.EXPORT, "action", None,
                         {"file": out.name, "format": suffix[1:], "count": len(rows), "panel_id": query.panel_id,
                          "agency_id": query.agency_id},
                         at=self._ctx.now())
        return OpResult(len(rows), OpChanges())

    def _notes(self, ids: Sequence[int]) -> dict[int, list[tuple[date, str]]]:
        """Each action's notes with their days, oldest first (entries with no words left out)."""
        out: dict[int, list[tuple[date, str]]] = {}
        if not ids:
            return out
        with self._ctx.reading() as s:
            for action_id, at, text in s.execute(
                    select(ActionUpdate.action_id, ActionUpdate.at, ActionUpdate.text)
                    .where(ActionUpdate.action_id.in_(list(ids)), ActionUpdate.text != "")
                    .order_by(ActionUpdate.at, ActionUpdate.id)):
                out.setdefault(action_id, []).append((at.date() if isinstance(at, datetime) else at, text.strip()))
        return out


def _headed_twice(headers: Sequence[str]) -> str:
    """The headers written twice (as compared: case, spaces and punctuation aside), named: "'Status'
    and 'STATUS'"; "" when each is once."""
    first: dict[str, list[str]] = {}
    for h in headers:
        if norm(h):
            first.setdefault(norm(h), []).append(h)
    return "; ".join(" and ".join(repr(h[:60]) for h in hs) for hs in first.values() if len(hs) > 1)


_CHANGE_LABELS = {"text": "Action", "number": "Number", "heading": "Heading", "outcome": "Outcome",
                  "milestones": "Milestones", "timescale": "Timescale", "owner_agency_id": "Lead agency",
                  "owner_name": "Owner", "due_date": "Due date", "strand": "Strand", "status": "Status",
                  "status_reason": "Reason", "completed_on": "Date completed"}


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "(none)"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, StrEnum):
        return getattr(value, "label", value.value)
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"


def _changes(parsed: _ParsedRow, row: ActionRow, mapped: set[ActionField]) -> dict[str, tuple[Any, Any]]:
    """What a row changes on the action it matched: only what the sheet has a column for (a sheet
    without outcomes does not empty them), and never an unknown date over a known one."""
    new = parsed.new
    wanted: dict[str, Any] = {"text": new.text}
    for f, name in ((ActionField.NUMBER, "number"), (ActionField.OUTCOME, "outcome"),
                    (ActionField.MILESTONES, "milestones"), (ActionField.TIMESCALE, "timescale"),
                    (ActionField.STRAND, "strand")):
        if f in mapped:
            wanted[name] = getattr(new, name)
    if ActionField.HEADING in mapped or parsed.heading_from_rows:
        wanted["heading"] = new.heading
    if ActionField.AGENCY in mapped:
        wanted["owner_agency_id"] = new.owner_agency_id
    if ActionField.OWNER in mapped or (ActionField.AGENCY in mapped and new.owner_name):
        wanted["owner_name"] = new.owner_name
    if ActionField.DUE_DATE in mapped or new.due_date is not None:
        wanted["due_date"] = new.due_date
    if ActionField.STATUS in mapped:
        wanted["status"] = new.status
        keeps_reason = new.status_reason == REASON_NOT_GIVEN and row.status == new.status and row.status_reason
        if new.status in (ActionStatus.ON_HOLD, ActionStatus.DISCONTINUED):
            wanted["status_reason"] = row.status_reason if keeps_reason else new.status_reason
        else:
            wanted["status_reason"] = ""
        if new.status != ActionStatus.COMPLETED:
            wanted["completed_on"] = None
        elif new.completed_on is not None or row.status != ActionStatus.COMPLETED:
            wanted["completed_on"] = new.completed_on
    current = {"text": row.text, "number": row.number, "outcome": row.outcome, "milestones": row.milestones,
               "timescale": row.timescale, "strand": row.strand, "heading": row.heading,
               "owner_agency_id": row.owner_agency_id, "owner_name": row.owner_name, "due_date": row.due_date,
               "status": row.status, "status_reason": row.status_reason, "completed_on": row.completed_on}
    return {k: (current[k], v) for k, v in wanted.items() if current[k] != v}


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _write_xlsx(out: Path, header: list[str], rows: list[list[Any]]) -> None:
    import openpyxl
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Actions")
    bold = Font(bold=True)
    head = []
    for h in header:
        c = WriteOnlyCell(ws, value=h)
        c.font = bold
        head.append(c)
    ws.append(head)
    wrap = Alignment(wrap_text=True, vertical="top")
    for r in rows:
        cells = []
        for v in r:
            c = WriteOnlyCell(ws, value=guard_cell(v))
            if isinstance(v, str):
                c.data_type = "s"  # text, never a formula, whatever it starts with
            if isinstance(v, date):
                c.number_format = "DD/MM/YYYY"
            elif isinstance(v, str) and "\n" in v:
                c.alignment = wrap
            cells.append(c)
        ws.append(cells)
    wb.save(out)


#: The exported columns: headers an import of the same file maps back by themselves. After them
#: come "Latest update" (mapped back: a re-import adds it to the log only when the log lacks it)
#: and "Update log" (every note with its day: for reading, not imported).
EXPORT_COLUMNS: tuple[tuple[Any, str], ...] = (
    (lambda r: r.panel_name, "Panel"),
    (lambda r: r.heading, "Priority"),
    (lambda r: r.number, "No."),
    (lambda r: r.subject_reference, "Case reference"),
    (lambda r: r.text, "Action"),
    (lambda r: r.outcome, "Desired outcome"),
    (lambda r: r.milestones, "Key milestones"),
    (lambda r: r.timescale, "Timescales"),
    (lambda r: r.strand.label if r.strand else "", "4P strand"),
    (lambda r: r.owner_agency, "Lead agency"),
    (lambda r: r.owner_name, "Owner"),
    (lambda r: r.due_date, "Due date"),
    (lambda r: r.status.label, "Status"),
    (lambda r: r.status_reason, "Reason"),
    (lambda r: r.completed_on, "Date completed"),
    (lambda r: r.rag.label, "RAG"),
    (lambda r: "Yes" if r.overdue else "", "Overdue"),
)

__all__ = [
    "ActionField", "ActionImportService", "AgencyOption", "BadRow", "EXPORT_COLUMNS", "ImportMapping",
    "ImportRefused", "ImportReport", "MappingSuggestion", "STATUS_WORDS", "match_agency", "parse_date",
    "status_from_word", "suggest_columns",
]
