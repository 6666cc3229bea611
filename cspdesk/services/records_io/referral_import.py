"""Importing referrals from a CSV or XLSX file (issue 4): every row checked before anything is
written, every bad row reported with its row number, column and reason, and then either all the
good rows written or nothing — in one transaction, never half a file.

The columns are documented in ``cspdesk/resources/templates/README.md`` (and :data:`COLUMNS`);
headers are matched case-insensitively, ignoring spaces, underscores and hyphens. One row is one
referral to the panel named on the command line (or chosen in the window).

People already held are caught as the form catches them: a row whose person has the same name and
date of birth as exactly one person held is *linked* to that person (and a repeat is then found as
on the form); a weaker likeness is reported as a possible duplicate and a new person is made. The
same person on two rows of one file is one person. A dry run does everything, then rolls back.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.domain import diversity
from cspdesk.domain.cells import guard_row
from cspdesk.domain.children import NOT_IN_EDUCATION, ChildDetails, csc_status_from_text
from cspdesk.domain.enums import AuditKind, Decision, GroupKind, PanelType, PersonRole, RiskLevel, VulnerabilityFlag
from cspdesk.domain.plausible import referral_date_problem
from cspdesk.domain.rules import DASH_QUESTION_COUNT, first_word, normalise_name
from cspdesk.services.audit import audit
from cspdesk.services.records_io import referral_history as history
from cspdesk.services.records_io.bulk_referrals import BulkRow, can_write_in_bulk, write_marac_bulk
from cspdesk.services.records_io.held_people import EarlierReferrals, HeldPeople
from cspdesk.services.context import OpChanges, OpResult, Permission, ServiceContext
from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk.services.access.reach import group_on_panels
from cspdesk.services.referrals.referrals import (
    CarmDraft,
    ChildDraft,
    CsvgDraft,
    DashAnswer,
    DashChecklist,
    DashItem,
    GroupDraft,
    LinkedPersonDraft,
    MaracDraft,
    MatchReason,
    PanelRules,
    PerpetratorDraft,
    PersonDraft,
    PlaceDraft,
    Problem,
    ReferralDraft,
    ReferralInvalid,
    SocpDraft,
    _create,
    _rules,
    _validate,
    draft_problems,
)
from cspdesk.services.referrals.repeats import RepeatRelisted, merge_relisted
from cspdesk.services.records_io.tabular import TableRow, cell_text, header_key, parse_bool, parse_date, parse_int, read_table
from cspdesk.storage.models import Agency, Case, CasePerson, Panel, Person, SubjectGroup

#: From this many rows, an all-or-nothing import whose cells are wrong is refused on the cells
#: alone, before the slower checks against the people held (see :func:`_refused_by_cells`).
CELLS_FIRST_ROWS = 1_000
#: From this many good rows, MARAC rows whose people are all new are written in bulk (see import_referrals).
BULK_FROM = 500
#: Repeated sections: how many numbered columns are read (child1_… to child6_…, nominal1_… to nominal8_…).
MAX_CHILDREN = 6
#: A child's columns after the school (issue 19): child1_csc_status, child1_encompass_notified, …
CHILD_OWN_RIGHT_PARTS = ("csc_status", "encompass_notified", "encompass_date", "encompass_by")
MAX_NOMINALS = 8
MAX_LINKED = 6
#: Columns that name records by id: a file carrying one is refused whole (see import_referrals).
REFUSED_COLUMNS = ("person_id", "existing_person_id", "group_id", "location_id")


@dataclass(frozen=True)
class Column:
    name: str
    panels: tuple[PanelType, ...]
    meaning: str
    aliases: tuple[str, ...] = ()


_ALL = (PanelType.MARAC, PanelType.CSVG, PanelType.SOCP, PanelType.CARM)
_PERSON = (PanelType.MARAC, PanelType.CSVG, PanelType.CARM)

#: Every column the importer reads (the README of the template is written from the same words).
COLUMNS: tuple[Column, ...] = (
    Column("referral_date", _ALL, "Required. The date the referral was received (31/01/2026, 2026-01-31 or an Excel date)."),
    Column("referring_agency", _ALL, "The referring agency's name or short code, as set up in CSPDesk.", ("agency",)),
    Column("referrer_name", _ALL, "The person who referred.", ("referrer",)),
    Column("reason", _ALL, "Why the case is referred (for CSVG, the presenting issues may go here instead)."),
    Column("summary", _ALL, "A short summary of the case."),
    Column("given_name", _PERSON, "The subject's (MARAC: the victim's) given name.", ("first_name", "forename")),
    Column("family_name", _PERSON, "The subject's family name. Required for a person subject.",
           ("surname", "last_name")),
    Column("date_of_birth", _PERSON, "Date of birth.", ("dob",)),
    Column("aliases", _PERSON, "Other names, separated by semicolons (\"Sarah Brown; Saz\")."),
    Column("gender", _PERSON, "Gender, as recorded."),
    Column("address", _PERSON, "Address."),
    Column("postcode", _PERSON, "Postcode."),
    Column("phone", _PERSON, "Phone number."),
    Column("safe_to_call", _PERSON, "Yes / No: is it safe to call that number."),
    Column("safe_times", _PERSON, "When it is safe to make contact."),
    Column("contact_notes", _PERSON, "How to make contact safely."),
    Column("perpetrator_given_name", (PanelType.MARAC,), "MARAC: the perpetrator's given name."),
    Column("perpetrator_family_name", (PanelType.MARAC,), "MARAC: the perpetrator's family name."),
    Column("perpetrator_date_of_birth", (PanelType.MARAC,), "MARAC: the perpetrator's date of birth."),
    Column("perpetrator_relationship", (PanelType.MARAC,), "MARAC: the perpetrator's relationship to the victim."),
    Column("child1_name … child6_name", (PanelType.MARAC,), "MARAC: each child in the household, \"Given Family\"."),
    Column("child1_date_of_birth …", (PanelType.MARAC,), "MARAC: that child's date of birth."),
    Column("child1_relationship_to_victim …", (PanelType.MARAC,), "MARAC: \"daughter\", \"son\", …"),
    Column("child1_relationship_to_perpetrator …", (PanelType.MARAC,), "MARAC: \"son\", \"stepdaughter\", "
                                                                         "\"no relation\", …"),
    Column("child1_school …", (PanelType.MARAC,), "MARAC: the child's school or nursery, or \"not in education\".",
           ("child's school",)),
    Column("child1_csc_status …", (PanelType.MARAC,), "MARAC: children's services status: none, early help, "
           "child in need (CIN), child protection (CP) or looked after (LAC).", ("CSC status",)),
    Column("child1_encompass_notified …", (PanelType.MARAC,), "MARAC: Yes / No: the school was notified under "
           "Operation Encompass.", ("Encompass notified",)),
    Column("child1_encompass_date …", (PanelType.MARAC,), "MARAC: when the school was notified."),
    Column("child1_encompass_by …", (PanelType.MARAC,), "MARAC: who notified the school (agency or role)."),
    Column("q1 … q24", (PanelType.MARAC,), "MARAC: the 24 DASH answers: Y, N or DK (Yes, No, Don't know). "
                                           "All 24 or none.", ("dash_q1 … dash_q24",)),
    Column("dash_source", (PanelType.MARAC,), "MARAC: who gave the DASH answers when not the victim (applies to all)."),
    Column("dash_score", (PanelType.MARAC,), "MARAC: the number of Yes answers, if the form gives it; it must match "
                                             "the answers."),
    Column("dash_date", (PanelType.MARAC,), "MARAC: when the DASH was completed (default: the referral date)."),
    Column("professional_judgement", (PanelType.MARAC,), "MARAC: Yes when referred on professional judgement."),
    Column("professional_judgement_reason", (PanelType.MARAC,), "MARAC: required with professional judgement."),
    Column("police_incidents_12m", (PanelType.MARAC,), "MARAC: police-reported incidents in the last 12 months."),
    Column("victim_aware", (PanelType.MARAC,), "MARAC: Yes / No: the victim knows of the referral."),
    Column("consent_given", (PanelType.MARAC,), "MARAC: Yes / No: the victim consents to sharing."),
    Column("lawful_basis", (PanelType.MARAC,), "MARAC: required unless consent is Yes: the basis for sharing."),
    Column("household_name", (PanelType.CSVG,), "CSVG: a household as the subject, instead of a person."),
    Column("flags", (PanelType.CSVG, PanelType.CARM), "Vulnerability flags, separated by semicolons: "
           + "; ".join(f.label for f in VulnerabilityFlag) + "."),
    Column("risk_level", (PanelType.CSVG, PanelType.CARM), "High, Medium or Low (required for CSVG)."),
    Column("presenting_issues", (PanelType.CSVG,), "CSVG: the presenting issues."),
    Column("peer_group_name", (PanelType.CARM,), "CARM: a peer group as the subject."),
    Column("place_name", (PanelType.CARM,), "CARM: a place as the subject (with place_address and place_postcode)."),
    Column("linked1_name … linked6_name", (PanelType.CARM,), "CARM: people linked to the subject, with "
                                                             "linked1_role …"),
    Column("ocg_name", (PanelType.SOCP,), "SOCP: the organised crime group (an existing OCG with this name or "
                                          "reference is used)."),
    Column("ocg_reference", (PanelType.SOCP,), "SOCP: the OCG's own reference."),
    Column("nominal1_name … nominal8_name", (PanelType.SOCP,), "SOCP: each nominal, with nominal1_role, "
                                                                "nominal1_date_of_birth …"),
    Column("threat_harm, threat_likelihood, …", (PanelType.SOCP,), "SOCP: one column per factor of the threat, "
                                                                   "risk and harm template."),
)

_ALIASES: dict[str, list[str]] = {
    "referring_agency": ["agency", "referring agency name"],
    "referrer_name": ["referrer"],
    "given_name": ["first_name", "forename", "victim_given_name", "subject_given_name"],
    "family_name": ["surname", "last_name", "victim_family_name", "subject_family_name"],
    "date_of_birth": ["dob", "victim_date_of_birth", "victim_dob"],
    # A log with one child's columns, as many keep them (issue 19).
    "child1_name": ["child's name", "child name"],
    "child1_date_of_birth": ["child's date of birth", "child dob"],
    "child1_school": ["child's school", "child's education setting"],
    "child1_csc_status": ["csc status", "children's services status", "child's csc status", "csc"],
    "child1_encompass_notified": ["encompass notified", "operation encompass", "encompass"],
    "child1_encompass_date": ["encompass date", "encompass notified on"],
    "child1_encompass_by": ["encompass notified by", "encompass by"],
}
for _n in range(1, DASH_QUESTION_COUNT + 1):
    _ALIASES[f"q{_n}"] = [f"q{_n:02d}", f"dash_q{_n}", f"dash_q{_n:02d}", f"dash{_n}"]

#: Every field a heading can be mapped to (``--map "Their heading=field"``).
KNOWN_FIELDS: tuple[str, ...] = (
    *(c.name for c in COLUMNS if "…" not in c.name and "," not in c.name),
    *history.HISTORY_FIELDS, "place_address", "place_postcode",
    *(f"child{n}_{part}" for n in range(1, MAX_CHILDREN + 1)
      for part in ("name", "date_of_birth", "relationship_to_victim", "relationship_to_perpetrator", "school",
                   *CHILD_OWN_RIGHT_PARTS)),
    *(f"q{n}" for n in range(1, DASH_QUESTION_COUNT + 1)),
    *(f"nominal{n}_{part}" for n in range(1, MAX_NOMINALS + 1) for part in ("name", "role", "date_of_birth")),
    *(f"linked{n}_{part}" for n in range(1, MAX_LINKED + 1) for part in ("name", "role")),
)
_KNOWN_KEYS = frozenset(header_key(f) for f in KNOWN_FIELDS)


def _known(key: str) -> bool:
    return key in _KNOWN_KEYS or (key.startswith("threat") and key != "threat")  # SOCP: one column per factor


def _aliases_with(remembered: Mapping[str, str], mapping: Mapping[str, str]) -> dict[str, list[str]]:
    """The headings read as each field: the template's aliases, a coordinator's headings, then this
    panel's remembered mapping and ``--map`` (a heading mapped is taken from wherever else it was)."""
    chosen = {header_key(h): f for h, f in remembered.items()} | {header_key(h): f for h, f in mapping.items()}
    out: dict[str, list[str]] = {}
    for source in (_ALIASES, history.COORDINATOR_HEADINGS):
        for field_name, headings in source.items():
            out.setdefault(field_name, []).extend(h for h in headings if header_key(h) not in chosen)
    for heading, field_name in chosen.items():
        out.setdefault(field_name, []).append(heading)
    return out


@dataclass(frozen=True)
class RowProblem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}, {self.column}: {self.message}"


@dataclass(frozen=True)
class RowNote:
    """Not an error: a person linked, a possible duplicate, a repeat."""

    row: int
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}: {self.message}"


@dataclass(frozen=True)
class ImportedRow:
    row: int
    case_id: int
    reference: str
    repeat_of: str | None
    linked_person_id: int | None


@dataclass(frozen=True)
class ImportReport:
    file: str
    panel_name: str
    rows_read: int
    good_rows: int
    problems: tuple[RowProblem, ...]
    notes: tuple[RowNote, ...]
    #: The cases written (or, in a dry run, that would be written).
    imported: tuple[ImportedRow, ...]
    #: True when the rows in ``imported`` are in the database now.
    committed: bool
    dry_run: bool
    good_rows_only: bool
    #: Cases already held whose repeat link changed because of the rows' dates.
    relisted: tuple[RepeatRelisted, ...] = ()
    #: Headings neither recognised nor mapped (with ``--map``): their cells were not read.
    ignored_columns: tuple[str, ...] = ()
    #: The meetings made from the file's MARAC dates (held, finalised, marked imported).
    meetings: tuple[history.HeardMeeting, ...] = ()

    @property
    def bad_rows(self) -> tuple[int, ...]:
        return tuple(sorted({p.row for p in self.problems}))

    @property
    def summary(self) -> str:
        bad = len(self.bad_rows)
        if self.rows_read == 0:
            return f"{self.file} has no rows to import."
        if self.dry_run:
            verb = "would be imported"
            if bad and not self.good_rows_only:
                return (f"Dry run: {bad} of {self.rows_read} rows have problems; as it stands nothing would be "
                        f"imported (use --good-rows-only to import the {self.good_rows} good rows).")
            return f"Dry run: {len(self.imported)} of {self.rows_read} rows {verb}; nothing was written."
        if self.committed:
            skipped = f"; {bad} bad rows were left out" if bad else ""
            return f"Imported {len(self.imported)} of {self.rows_read} rows into {self.panel_name}{skipped}."
        if not self.good_rows:
            return f"Nothing was imported: every row ({bad}) has problems. Fix them and import again."
        return (f"Nothing was imported: {bad} of {self.rows_read} rows have problems. Fix them and import again, "
                f"or import only the {self.good_rows} good rows.")

    def lines(self) -> list[str]:
        """The report as printed: the summary, every bad row, every note, every case made."""
        out = [self.summary]
        if self.ignored_columns:
            out.append(f"Columns ignored (neither recognised nor mapped): {', '.join(self.ignored_columns)}. "
                       'Map one with --map "Their heading=field".')
        if self.meetings:
            verb = "Meetings made" if self.committed else "Meetings that would be made"
            out.append(f"{verb} from the MARAC dates (held, finalised, marked imported): "
                       + ", ".join(f"{m.held_on:%d/%m/%Y} ({m.cases} cases)" for m in self.meetings) + ".")
        if self.problems:
            out.append("")
            out.append("Problems:")
            out += [f"  {p}" for p in self.problems]
        if self.notes:
            out.append("")
            out.append("Notes:")
            out += [f"  {n}" for n in self.notes]
        if self.relisted:
            out.append("")
            out.append("Repeats changed on cases already held:" if self.committed
                       else "Repeats that would change on cases already held:")
            out += [f"  {r.message}" for r in self.relisted]
        if self.imported:
            out.append("")
            out.append("Would be created:" if not self.committed else "Created:")
            for r in self.imported:
                extra = f" (repeat of {r.repeat_of})" if r.repeat_of else ""
                out.append(f"  Row {r.row}: {r.reference}{extra}")
        return out


class MissingColumns(ValidationError):
    """A required column is neither recognised nor mapped. ``missing`` names the fields;
    ``unread`` the file's headings that were neither recognised nor mapped — the window offers
    a field for each (a choice is a mapping, remembered for the panel once the import is written)."""

    def __init__(self, missing: Sequence[str], unread: Sequence[str], message: str) -> None:
        super().__init__(missing[0], message)
        self.missing = tuple(missing)
        self.unread = tuple(unread)


class _DryRun(Exception):
    """Raised inside the unit of work to roll a dry run back."""


@dataclass
class _Row:
    number: int
    draft: ReferralDraft | None = None
    problems: list[RowProblem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    same_as_row: int | None = None  # the subject is the person of an earlier row of this file
    linked_person_id: int | None = None
    heard_on: date | None = None  # the "MARAC date": the meeting that heard the case
    decision: Decision | None = None
    log_repeat: bool | None = None  # what the log's "Repeat (Y/N)" said (CSPDesk works it out from dates)


def import_referrals(ctx: ServiceContext, path: str | Path, panel_id: int, *, good_rows_only: bool,
                     dry_run: bool = False, progress: Callable[[float], None] | None = None,
                     mapping: Mapping[str, str] | None = None, agency_words: Mapping[str, str] | None = None,
                     bulk: bool | None = None) -> OpResult[ImportReport]:
    """Check every row of ``path`` as a referral to ``panel_id``, then write the good rows
    (``good_rows_only``) or, if any row is bad, nothing. One transaction; a dry run rolls it back.

    Raises :class:`~cspdesk.services.records_io.tabular.TabularError` when the file cannot be read as a table
    at all, and a ``ValidationError`` when a required column is missing; problems of single rows
    are in the report, not raised.

    A coordinator's own headings are recognised (:data:`COORDINATOR_HEADINGS`); ``mapping``
    ({"Their heading": "field"}, the CLI's ``--map``) and ``agency_words`` ({"their words":
    "agency name or code"}, ``--agency``) are remembered for the panel when the import is written.
    Columns neither recognised nor mapped are listed in the report as ignored. A "MARAC date"
    column makes the meetings that heard the cases (see :mod:`cspdesk.services.records_io.referral_history`).

    ``bulk``: write the MARAC rows whose people are all new with multi-row INSERTs
    (:mod:`cspdesk.services.records_io.bulk_referrals`: the same records, minutes not hours for a
    long log), then the others row by row; None (the default) does so from :data:`BULK_FROM` good
    rows. A bulk write numbers its rows' references first, then the rows written one by one."""
    ctx.require(Permission.EDIT_CASES, panel_id=panel_id)
    with ctx.reading() as s:
        rules = _rules(s, panel_id)
        memory = history.remembered(s, panel_id)
        agencies, new_agency_words = history.agency_names(s, memory.get("agencies") or {}, agency_words or {})
    remembered_columns = {k: v for k, v in (memory.get("columns") or {}).items() if v in KNOWN_FIELDS}
    table = read_table(path, aliases=_aliases_with(remembered_columns, mapping or {}))
    name = Path(path).name
    mapped = history.check_mapping(mapping or {}, KNOWN_FIELDS, table.headers)
    ignored = tuple(h for h, k in zip(table.headers, table.keys, strict=True) if k and not _known(k))
    required = {PanelType.MARAC: ["referral_date", "family_name"], PanelType.CSVG: ["referral_date"],
                PanelType.SOCP: ["referral_date", "ocg_name"], PanelType.CARM: ["referral_date"]}
    for refused in REFUSED_COLUMNS:
        if table.has(refused):
            # Need to know (issue 22): a file naming a held person's id could link anyone on any
            # panel; people are matched by name and date of birth instead, within the user's panels.
            raise ValidationError(refused, f"{name} has a column {refused}: CSPDesk does not take record ids from a "
                                           "file. Remove the column; people already held are found by name and date "
                                           "of birth.")
    missing = [m for m in table.missing(required.get(rules.panel_type, ["referral_date"]))
               if not (m == "family_name" and table.has("victim_name"))]
    if missing:
        raise MissingColumns(missing, ignored, f"{name} has no column {', '.join(missing)}: see the template's "
                                               "README for the columns, or choose the column that holds each.")
    today = ctx.today()
    # 1. Every row on its own: its cells and the draft's own rules (as the form checks them), with
    #    no query a row — so a long all-or-nothing file with one bad row is refused in seconds.
    rows: list[_Row] = []
    total = max(1, len(table.rows))
    with ctx.reading() as s, _no_cyclic_gc():
        # The agencies read once: the form's check of each row's agency is then a set lookup, not
        # an ORM get a row. Where each column is, found once for the file (see _Cells).
        agency_ids = frozenset(s.scalars(select(Agency.id)))
        positions: dict[str, int] = {}
        for index, trow in enumerate(table.rows):
            row = _Row(trow.number)
            rows.append(row)
            _check_row(s, ctx, trow, rules, agencies, row, today, positions, agency_ids)
            if progress is not None and index % 500 == 0:
                progress(0.25 * (index + 1) / total)
    partial = good_rows_only or dry_run or len(rows) < CELLS_FIRST_ROWS
    if not partial and any(r.problems for r in rows):
        # All or nothing, and a row is wrong: say so now, not after matching every row against
        # the people held.
        problems = tuple(p for r in rows for p in r.problems)
        return OpResult(ImportReport(name, rules.name, len(rows), sum(1 for r in rows if not r.problems), problems,
                                     (), (), False, dry_run, good_rows_only, ignored_columns=ignored), OpChanges())
    # 2. The good rows against the people held, read once in bulk (not a few queries a row).
    _match_rows(ctx, rows, rules, panel_id, today, progress)
    good = [r for r in rows if not r.problems]
    problems = tuple(p for r in rows for p in r.problems)
    # A row copying an earlier *bad* row's person cannot link to it: it makes the person itself.
    bad_numbers = {r.number for r in rows if r.problems}
    write = bool(good) and (not problems or good_rows_only)
    imported: list[ImportedRow] = []
    relisted: list[RepeatRelisted] = []
    heard: list[history.HeardMeeting] = []
    rows_by_number = {r.number: r for r in rows}
    notes: list[RowNote] = []
    committed = False
    if write:
        try:
            with ctx.joined_unit_of_work() as s:
                # Held for the loop, so each row's Session.get of its panel and agency finds them
                # in the identity map rather than asking the database again.
                held_records = [s.get(Panel, panel_id), *s.scalars(select(Agency))]  # noqa: F841
                person_of_row: dict[int, int] = {}
                relisted_all: list[RepeatRelisted] = []
                group_of_ocg: dict[str, int] = {}
                one_by_one = good
                if bulk or (bulk is None and len(good) >= BULK_FROM):
                    in_bulk, one_by_one = _bulk_rows(good, bad_numbers)
                    for w, b in zip(write_marac_bulk(ctx, s, rules, in_bulk), in_bulk, strict=True):
                        person_of_row[w.number] = w.person_id
                        rows_by_number[w.number].notes += w.notes
                        if b.same_as_row is not None:  # as the row-by-row write links it
                            rows_by_number[w.number].linked_person_id = w.person_id
                        imported.append(ImportedRow(w.number, w.case_id, w.reference, None,
                                                    rows_by_number[w.number].linked_person_id))
                    if progress is not None and in_bulk:
                        progress(0.5 + 0.5 * len(in_bulk) / len(good))
                for index, row in enumerate(one_by_one):
                    draft = row.draft
                    assert draft is not None
                    if row.same_as_row is not None and row.same_as_row not in bad_numbers:
                        pid = person_of_row.get(row.same_as_row)
                        if pid is not None:
                            draft = _with_subject(draft, replace(_subject(draft), existing_person_id=pid))
                            row.linked_person_id = pid
                    ocg_key = None
                    if isinstance(draft, SocpDraft) and draft.ocg.existing_group_id is None:
                        ocg_key = draft.ocg.reference.strip().casefold() or normalise_name(draft.ocg.name)
                        if ocg_key in group_of_ocg:  # the same new OCG on an earlier row: one group
                            draft = replace(draft, ocg=GroupDraft(existing_group_id=group_of_ocg[ocg_key]))
                            row.notes.append("the same OCG as an earlier row: linked to it, not made twice.")
                            ocg_key = None
                    if isinstance(draft, MaracDraft) and draft.victim.existing_person_id is not None:
                        draft = _link_household_held(s, draft, row)
                    try:
                        created = _create(ctx, s, draft, require_agency=False, rules=rules, checked=True)
                    except ReferralInvalid as exc:  # checked above; only a change made meanwhile gets here
                        raise ServiceError(f"Row {row.number} could no longer be imported: {exc}") from None
                    if created.subject_person_id is not None:
                        person_of_row[row.number] = created.subject_person_id
                    if ocg_key is not None:
                        group_of_ocg[ocg_key] = s.scalar(select(Case.subject_group_id).where(Case.id == created.case_id))
                    relisted_all += created.relisted
                    imported.append(ImportedRow(row.number, created.case_id, created.reference, None,
                                                row.linked_person_id))
                    if progress is not None:
                        progress(0.5 + 0.5 * (len(good) - len(one_by_one) + index + 1) / len(good))
                # Repeats come from dates, not from the order of the file's rows: read them once
                # every row is written (rows filed newest first link as rows filed oldest first).
                imported.sort(key=lambda r: r.row)  # bulk rows were written first
                imported = _with_final_repeats(s, imported, {r.number: r for r in good})
                relisted = merge_relisted(relisted_all, leaving_out={r.case_id for r in imported})
                _compare_log_repeats(imported, {r.number: r for r in good})
                row_notes: dict[int, list[str]] = {}
                heard = history.hear_at_meetings(ctx, s, panel_id, [
                    history.Hearing(r.row, r.case_id, rows_by_number[r.row].heard_on,  # type: ignore[arg-type]
                                    rows_by_number[r.row].decision)
                    for r in imported if rows_by_number[r.row].heard_on is not None], row_notes)
                for number, words in row_notes.items():
                    rows_by_number[number].notes += words
                if not dry_run:
                    history.remember(s, panel_id, mapped, new_agency_words)
                audit.record(s, ctx.actor, AuditKind.CREATE, "referral_import", panel_id, {
                    "panel_id": panel_id, "rows_read": len(rows), "imported": len(imported),
                    "bad_rows": len(bad_numbers), "references": [r.reference for r in imported],
                }, at=ctx.now())
                if dry_run:
                    raise _DryRun
            committed = True
        except _DryRun:
            committed = False
    for row in rows:
        if not row.problems:  # a bad row's notes would only distract from its problems
            notes += [RowNote(row.number, n) for n in row.notes]
    report = ImportReport(name, rules.name, len(rows), len(good), problems, tuple(notes), tuple(imported),
                          committed, dry_run, good_rows_only, tuple(relisted), ignored,
                          tuple(heard) if committed or dry_run else ())
    return OpResult(report, OpChanges(cases=committed, people=committed))


def _bulk_rows(good: Sequence[_Row], bad_numbers: set[int]) -> tuple[list[BulkRow], list[_Row]]:
    """The rows to write in bulk (MARAC, every person new, or the victim of an earlier such row)
    and the rest, each in the file's order."""
    in_bulk: list[BulkRow] = []
    taken: set[int] = set()
    rest: list[_Row] = []
    for row in good:
        same = row.same_as_row if row.same_as_row not in bad_numbers else None
        if can_write_in_bulk(row.draft) and (same is None or same in taken):
            in_bulk.append(BulkRow(row.number, row.draft, same))  # type: ignore[arg-type]
            taken.add(row.number)
        else:
            rest.append(row)
    return in_bulk, rest


def _with_final_repeats(s: Session, imported: list[ImportedRow], rows: Mapping[int, _Row]) -> list[ImportedRow]:
    ids = [r.case_id for r in imported]
    links: dict[int, int | None] = {}
    for chunk in (ids[i:i + 900] for i in range(0, len(ids), 900)):
        links.update(s.execute(select(Case.id, Case.repeat_of_case_id).where(Case.id.in_(chunk))).all())
    earlier = sorted({v for v in links.values() if v is not None})
    refs: dict[int, tuple[str, date]] = {}
    for chunk in (earlier[i:i + 900] for i in range(0, len(earlier), 900)):
        refs.update({cid: (ref, day) for cid, ref, day in s.execute(
            select(Case.id, Case.reference, Case.referral_date).where(Case.id.in_(chunk))).all()})
    out = []
    for r in imported:
        link = links.get(r.case_id)
        if link is None:
            out.append(r)
            continue
        ref, day = refs[link]
        rows[r.row].notes.append(f"a repeat of {ref}, referred on {day:%d %b %Y}.")
        out.append(replace(r, repeat_of=ref))
    return out


# --- rows to drafts ---------------------------------------------------------------------------------


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Python's cycle collector paused while a long file's rows are read: each pass walks every
    draft made so far, so 100,000 rows paid for it again and again (a fifth of the time). Nothing
    made here is a cycle that needs it; reference counting still frees what is dropped."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _check_row(s: Session, ctx: ServiceContext, trow: TableRow, rules: PanelRules, agencies: history.AgencyNames,
               row: _Row, today: date, positions: dict[str, int] | None = None,
               agency_ids: frozenset[int] | None = None) -> None:
    """Read one row into ``row.draft`` and put every problem of its cells and of the draft's own
    rules in ``row.problems``. No query a row (an SOCP row naming an OCG looks it up)."""
    try:
        row.draft = _draft(trow, rules.panel_type, rules.panel_id, agencies, row, today, positions)
    except Exception as exc:  # noqa: BLE001 - a cell we did not foresee: the row is bad, never the file
        row.problems.append(RowProblem(trow.number, "row", f"could not be read ({type(exc).__name__})."))
        row.draft = None
    if row.draft is None:
        return
    if isinstance(row.draft, SocpDraft) and not row.problems:
        row.draft = resolve_existing_ocg(ctx, row.draft)
    # An unreadable date is already reported (the draft holds date.min, which is also what
    # 01/01/0001 reads as: so ask the problems, not the date).
    if not any(p.column == "referral_date" for p in row.problems):
        reported = {(p.column, p.message) for p in row.problems}
        # A draft read from a file links nothing held (record ids are refused), except an SOCP
        # row's OCG found by name: only that needs draft_problems' reach check of links.
        found = (draft_problems(s, ctx, row.draft, rules, require_agency=False) if isinstance(row.draft, SocpDraft)
                 else _validate(s, row.draft, rules, today, require_agency=False, agency_ids=agency_ids))
        for p in found:
            problem = RowProblem(trow.number, _column_of(p), _strip_section(p.message))
            if (problem.column, problem.message) not in reported:
                row.problems.append(problem)


def _match_rows(ctx: ServiceContext, rows: Sequence[_Row], rules: PanelRules, panel_id: int, today: date,
                progress: Callable[[float], None] | None) -> None:
    """Each good row's subject: the same person as an earlier row of the file, or linked to the one
    person held with the same name and date of birth (weaker likenesses and possible earlier
    referrals noted). The people held are read once, in bulk, and only when a row needs them."""
    with ctx.reading() as s:
        _match_rows_in(s, ctx, rows, rules, panel_id, today, progress)


def _match_rows_in(s: Session, ctx: ServiceContext, rows: Sequence[_Row], rules: PanelRules, panel_id: int,
                   today: date, progress: Callable[[float], None] | None) -> None:
    seen_people: dict[tuple[str, str, date | None], int] = {}
    held: HeldPeople | None = None
    earlier: EarlierReferrals | None = None
    total = max(1, len(rows))
    for index, row in enumerate(rows):
        if progress is not None and index % 500 == 0:
            progress(0.25 + 0.25 * (index + 1) / total)
        if row.problems or row.draft is None:
            continue  # a bad row is not matched: it will not be written
        subject = _subject(row.draft)
        if subject is None:
            continue
        if subject.existing_person_id is not None:
            row.linked_person_id = subject.existing_person_id
            continue
        if not subject.family_name.strip():
            continue
        key = (normalise_name(subject.given_name), normalise_name(subject.family_name), subject.date_of_birth)
        if key in seen_people:
            row.same_as_row = seen_people[key]
            row.notes.append(f"the same person as row {seen_people[key]}: linked to them, not made twice.")
            continue
        seen_people[key] = row.number
        if held is None:
            held, earlier = HeldPeople.load(s, ctx), EarlierReferrals.load(s, panel_id)
        _match_held(held, subject, row)
        if row.linked_person_id is None and referral_date_problem(row.draft.referral_date, today) is None:
            assert earlier is not None
            _possible_earlier(earlier, subject, row, row.draft.referral_date, rules.repeat_window_months)
        if row.linked_person_id is not None:
            row.draft = _with_subject(row.draft, PersonDraft(existing_person_id=row.linked_person_id,
                                                             phone=subject.phone, safe_to_call=subject.safe_to_call,
                                                             safe_times=subject.safe_times,
                                                             contact_notes=subject.contact_notes))


def _subject(draft: ReferralDraft) -> PersonDraft | None:
    if isinstance(draft, MaracDraft):
        return draft.victim
    if isinstance(draft, CsvgDraft):
        return draft.person
    if isinstance(draft, CarmDraft):
        return draft.young_person
    return None


def _with_subject(draft: ReferralDraft, person: PersonDraft) -> ReferralDraft:
    if isinstance(draft, MaracDraft):
        return replace(draft, victim=person)
    if isinstance(draft, CsvgDraft):
        return replace(draft, person=person)
    if isinstance(draft, CarmDraft):
        return replace(draft, young_person=person)
    return draft


def _possible_earlier(earlier: EarlierReferrals, subject: PersonDraft, row: _Row, referral_date: date,
                      window_months: int) -> None:
    """A victim not linked, whose surname changed (same first name and date of birth) or whose date
    of birth is missing on one side (same name), with a referral to this panel in the window before:
    noted as a possible earlier referral for the coordinator to confirm (repeats are never guessed)."""
    given = first_word(subject.given_name)
    if not given:
        return
    found = earlier.find(given, normalise_name(subject.family_name), subject.date_of_birth, referral_date,
                         window_months)
    if found is not None:
        row.notes.append(f"possible earlier referral: {found.reference} (referred {found.referral_date:%d/%m/%Y}): "
                         "the same first name with another surname or no date of birth; confirm and link if the same.")


def _match_held(held: HeldPeople, subject: PersonDraft, row: _Row) -> None:
    """Link the one person held with the same name and date of birth; note weaker likenesses."""
    matches = held.find(subject.given_name, subject.family_name, subject.date_of_birth, limit=5)
    exact = [m for m in matches if MatchReason.SAME_NAME in m.reasons and subject.date_of_birth is not None
             and MatchReason.SAME_DATE_OF_BIRTH in m.reasons]
    if len(exact) == 1:
        m = exact[0]
        row.linked_person_id = m.person_id
        held = f" ({', '.join(c.reference for c in m.cases[:3])})" if m.cases else ""
        row.notes.append(f"{m.given_name} {m.family_name} is already held{held}: linked, not made twice.")
        return
    likely = [m for m in matches if m.score >= 0.8]
    for m in likely[:3]:
        held = f", {m.cases[0].reference}" if m.cases else ""
        born = f", born {m.date_of_birth:%d/%m/%Y}" if m.date_of_birth else ""
        row.notes.append(f"possible duplicate of {m.given_name} {m.family_name} (person {m.person_id}{born}{held}): "
                         f"{m.why.lower()}. A new person will be made; link them in CSPDesk if they are the same.")


class _Cells:
    """Reads a row's cells, turning each unreadable cell into a RowProblem (column named).

    ``positions`` (shared by the rows of one file) remembers where each name asked for is — or that
    the file has no such column — so a long file's rows are read by position, not by key lookups:
    a 100,000-row log asks some 40 names a row, most of them columns the log does not have."""

    def __init__(self, trow: TableRow, row: _Row, positions: dict[str, int] | None = None) -> None:
        self.trow, self.row = trow, row
        self._positions = positions if positions is not None else {}

    def get(self, column: str) -> Any:
        """The cell under ``column``, or None when the file has no such column or the cell is blank
        (as ``TableRow.get``; cells are already stripped when the table is read)."""
        i = self._positions.get(column)
        if i is None:
            found = self.trow.index.get(header_key(column))
            i = self._positions[column] = -1 if found is None else found
        if i < 0:
            return None
        cells = self.trow.cells
        value = cells[i] if i < len(cells) else None
        return None if value is None or (isinstance(value, str) and not value.strip()) else value

    def present(self, column: str) -> bool:
        """Whether the file has the column at all (asked once a file, then remembered)."""
        self.get(column)
        return self._positions[column] >= 0

    def _bad(self, column: str, message: str) -> None:
        self.row.problems.append(RowProblem(self.trow.number, column, message))

    def text(self, column: str, limit: int = 2000) -> str:
        value = self.get(column)
        if value is None:
            return ""
        value = cell_text(value)
        if len(value) > limit:
            self._bad(column, f"longer than {limit} characters.")
            return value[:limit]
        return value

    def date(self, column: str) -> date | None:
        value = self.get(column)
        if value is None:
            return None
        try:
            return parse_date(value)
        except (ValueError, OverflowError) as exc:
            self._bad(column, f"{exc}; write it as 31/01/2026 or 2026-01-31.")
            return None

    def boolean(self, column: str) -> bool | None:
        value = self.get(column)
        if value is None:
            return None
        try:
            return parse_bool(value)
        except ValueError as exc:
            self._bad(column, f"{exc}; write Yes or No.")
            return None

    def integer(self, column: str) -> int | None:
        value = self.get(column)
        if value is None:
            return None
        try:
            return parse_int(value)
        except ValueError as exc:
            self._bad(column, f"{exc}.")
            return None

    def has(self, column: str) -> bool:
        return self.get(column) is not None

    def parsed(self, column: str, parse: Callable[[str], Any]) -> Any:
        """A cell read by ``parse`` (a ValueError naming the allowed values is the row's problem);
        a blank cell is None without asking ``parse`` (every parser here reads blank as None)."""
        text = self.text(column, 200)
        if not text:
            return None
        try:
            return parse(text)
        except ValueError as exc:
            self._bad(column, f"{exc}.")
            return None

    def person(self, prefix: str = "", *, full_name_column: str | None = None) -> PersonDraft:
        if full_name_column is not None:
            given, family = _split_name(self.text(full_name_column, 240))
        else:
            given, family = self.text(f"{prefix}given_name", 240), self.text(f"{prefix}family_name", 240)
        return PersonDraft(given_name=given, family_name=family, date_of_birth=self.date(f"{prefix}date_of_birth"))


def _diversity(c: _Cells) -> dict[str, Any]:
    """The victim's diversity columns (PersonDraft's fields), mapped to what the return counts
    (unknown words are the row's problem, naming the allowed values)."""
    ethnicity = c.parsed("ethnicity", diversity.parse_ethnicity)
    orientation = c.parsed("sexual_orientation", diversity.parse_orientation)
    identity = c.parsed("gender_identity", diversity.parse_gender_identity)
    return dict(ethnicity=ethnicity.label if ethnicity else "",
                racially_minoritised=ethnicity.minoritised if ethnicity else None,
                disability=c.parsed("disability", diversity.parse_disability),
                sexual_orientation=orientation[0] if orientation else "",
                gender_identity=identity[0] if identity else "", lgbt=diversity.lgbt_of(orientation, identity))


def _history_cells(c: _Cells, row: _Row, referral_date: date | None, today: date) -> None:
    """The meeting that heard the case, its decision, and what the log said about a repeat."""
    row.heard_on = c.date("marac_date")
    if row.heard_on is not None and referral_date is not None and row.heard_on < referral_date:
        c._bad("marac_date", "the MARAC date is before the referral date.")
    if row.heard_on is not None and row.heard_on > today:
        c._bad("marac_date", "the MARAC date is in the future: leave it blank and list the case in CSPDesk.")
    row.decision = c.parsed("decision", history.parse_decision)
    if row.decision is not None and row.heard_on is None:
        c._bad("decision", "a decision without a MARAC date: give the date the case was heard.")
    row.log_repeat = c.boolean("log_repeat")


def _compare_log_repeats(imported: Sequence[ImportedRow], rows: Mapping[int, _Row]) -> None:
    """A log's own "Repeat (Y/N)" is not used (repeats come from dates); where it disagrees, say so."""
    for r in imported:
        said = rows[r.row].log_repeat
        if said is True and r.repeat_of is None:
            rows[r.row].notes.append("the log says a repeat, but CSPDesk holds no referral of this victim to the "
                                     "panel in the 12 months before: check for an earlier referral under another "
                                     "name.")
        elif said is False and r.repeat_of is not None:
            rows[r.row].notes.append(f"the log says not a repeat, but {r.repeat_of} was within 12 months before.")


def _link_household_held(s: Session, draft: MaracDraft, row: _Row) -> MaracDraft:
    """On a repeat (the victim held), the children and perpetrators already linked to the victim's
    earlier cases are linked again, not made twice: same name, and the same date of birth where
    both give one."""
    victim = draft.victim.existing_person_id
    cases = select(CasePerson.case_id).where(CasePerson.person_id == victim, CasePerson.role == PersonRole.VICTIM)
    held = s.execute(select(CasePerson.role, Person.id, Person.given_norm, Person.family_norm, Person.date_of_birth)
                     .join(Person, Person.id == CasePerson.person_id)
                     .where(CasePerson.case_id.in_(cases),
                            CasePerson.role.in_((PersonRole.CHILD, PersonRole.PERPETRATOR)))).all()

    def held_as(p: PersonDraft, role: PersonRole) -> PersonDraft:
        if p.existing_person_id is not None or not p.family_name.strip():
            return p
        for r_role, pid, given, family, born in held:
            if (r_role is role and given == normalise_name(p.given_name) and family == normalise_name(p.family_name)
                    and (born is None or p.date_of_birth is None or born == p.date_of_birth)):
                row.notes.append(f"{p.given_name} {p.family_name} is already held on the victim's earlier case: "
                                 "linked, not made twice.")
                return PersonDraft(existing_person_id=pid)
        return p

    return replace(draft, perpetrators=tuple(replace(x, person=held_as(x.person, PersonRole.PERPETRATOR))
                                             for x in draft.perpetrators),
                   children=tuple(replace(x, person=held_as(x.person, PersonRole.CHILD)) for x in draft.children))


def _split_name(text: str) -> tuple[str, str]:
    """"Amy Jane Smith" → ("Amy Jane", "Smith"); one word is a family name."""
    words = text.split()
    if not words:
        return "", ""
    if len(words) == 1:
        return "", words[0]
    return " ".join(words[:-1]), words[-1]


def _risk(c: _Cells, column: str = "risk_level") -> RiskLevel | None:
    text = c.text(column).casefold()
    if not text:
        return None
    for level in RiskLevel:
        if text in (level.value, level.label.casefold(), level.value[0]):
            return level
    c._bad(column, f"not a risk level: {text[:40]}; write High, Medium or Low.")
    return None


def _flags(c: _Cells) -> frozenset[VulnerabilityFlag]:
    text = c.text("flags")
    out = set()
    by_words = {}
    for f in VulnerabilityFlag:
        by_words[normalise_name(f.value)] = f
        by_words[normalise_name(f.label)] = f
    for part in re.split(r"[;,\n]+", text):
        word = normalise_name(part)
        if not word:
            continue
        flag = by_words.get(word)
        if flag is None:
            c._bad("flags", f"not a vulnerability flag: {part.strip()[:40]}.")
        else:
            out.add(flag)
    return frozenset(out)


_DASH_WORDS = {"y": DashAnswer.YES, "yes": DashAnswer.YES, "n": DashAnswer.NO, "no": DashAnswer.NO,
               "dk": DashAnswer.DONT_KNOW, "dontknow": DashAnswer.DONT_KNOW, "don'tknow": DashAnswer.DONT_KNOW,
               "notknown": DashAnswer.DONT_KNOW, "unknown": DashAnswer.DONT_KNOW, "?": DashAnswer.DONT_KNOW,
               "true": DashAnswer.YES, "false": DashAnswer.NO, "1": DashAnswer.YES, "0": DashAnswer.NO}


#: The header keys of the DASH answers' columns (q1 … q24) and of each child's name and date of birth.
_Q_NAMES = tuple(f"q{n}" for n in range(1, DASH_QUESTION_COUNT + 1))
_Q_KEYS = tuple(header_key(q) for q in _Q_NAMES)
_CHILD_KEYS = tuple((n, header_key(f"child{n}_name"), header_key(f"child{n}_date_of_birth"))
                    for n in range(1, MAX_CHILDREN + 1))


def _child_own_right(c: _Cells, n: int) -> dict[str, Any]:
    """A child's school and what issue 19 adds (children's services, Operation Encompass), as
    ChildDraft's keywords; "not in education" in the school's column says the child has none."""
    school = c.text(f"child{n}_school", 200)
    not_in_education = school.strip().casefold() == NOT_IN_EDUCATION
    return dict(school="" if not_in_education else school, own_right=ChildDetails(
        not_in_education=not_in_education,
        encompass_notified=c.boolean(f"child{n}_encompass_notified"),
        encompass_on=c.date(f"child{n}_encompass_date"),
        encompass_by=c.text(f"child{n}_encompass_by", 200),
        csc_status=c.parsed(f"child{n}_csc_status", csc_status_from_text),
    ))


def _has_dash_columns(c: _Cells) -> bool:
    """Whether the file has any DASH answer column (remembered for the file after its first row)."""
    known = c._positions.get("#dash")
    if known is None:
        known = c._positions["#dash"] = int(any(k in c.trow.index for k in _Q_KEYS))
    return bool(known)


def _dash(c: _Cells, referral_date: date | None) -> DashChecklist | None:
    if not _has_dash_columns(c):
        return None
    cells = [c.get(q) for q in _Q_NAMES]
    given = [v for v in cells if v is not None]
    score = c.integer("dash_score")
    if not given:
        return None  # a score alone is kept as "score only, answers not held" (MaracDraft.dash_score_only)
    answers = []
    for n, value in enumerate(cells, 1):
        if value is None:
            c._bad(f"q{n}", "DASH question not answered: write Y, N or DK.")
            continue
        word = re.sub(r"\s+", "", cell_text(value).casefold())
        answer = _DASH_WORDS.get(word)
        if answer is None:
            c._bad(f"q{n}", f"not a DASH answer: {cell_text(value)[:20]}; write Y, N or DK.")
            continue
        answers.append(DashItem(answer, c.text("dash_source", 200)))
    if len(answers) != DASH_QUESTION_COUNT:
        return None
    return DashChecklist(answers=tuple(answers), assessed_on=c.date("dash_date"),
                         assessor=c.text("referrer_name", 200), declared_count=score)


def _aliases(c: _Cells) -> tuple[str, ...]:
    text = c.text("aliases")
    return tuple(a.strip() for a in re.split(r"[;\n]+", text) if a.strip()) if text else ()


def _subject_person(c: _Cells, **extra: Any) -> PersonDraft | None:
    """The subject's person from the row's cells (``extra``: more of PersonDraft's fields)."""
    if not (c.has("given_name") or c.has("family_name") or c.has("victim_name")):
        return None
    if c.has("victim_name") and not (c.has("given_name") or c.has("family_name")):
        given, family = _split_name(c.text("victim_name", 240))
    else:
        given, family = c.text("given_name", 240), c.text("family_name", 240)
    return PersonDraft(given_name=given, family_name=family, date_of_birth=c.date("date_of_birth"),
                       aliases=_aliases(c), gender=c.text("gender", 40), address=c.text("address"),
                       postcode=c.text("postcode", 12), phone=c.text("phone", 40),
                       safe_to_call=c.boolean("safe_to_call"), safe_times=c.text("safe_times", 200),
                       contact_notes=c.text("contact_notes"), **extra)


def _draft(trow: TableRow, panel_type: PanelType, panel_id: int, agencies: history.AgencyNames,
           row: _Row, today: date, positions: dict[str, int] | None = None) -> ReferralDraft | None:
    c = _Cells(trow, row, positions)
    extra = trow.extra
    if extra:
        c._bad("row", f"{len(extra)} cells to the right of the last named column: give them a header or remove them.")
    referral_date = c.date("referral_date")
    if referral_date is None and not any(p.column == "referral_date" for p in row.problems):
        c._bad("referral_date", "required: the date the referral was received.")
    agency_text = c.text("referring_agency", 200)
    agency_id = None
    if agency_text:
        agency_id = agencies.find(agency_text)
        if agency_id is None:
            c._bad("referring_agency", f"no agency called {agency_text[:60]!r} is set up in CSPDesk"
                                       f"{agencies.did_you_mean(agency_text)}; match it with "
                                       f'--agency "{agency_text[:60]}=<agency>".')
    common: dict[str, Any] = dict(panel_id=panel_id, referral_date=referral_date or date.min,
                                  referring_agency_id=agency_id, referrer_name=c.text("referrer_name", 200),
                                  reason=c.text("reason"), summary=c.text("summary"))
    draft: ReferralDraft | None = None
    if panel_type is PanelType.MARAC:
        found = _diversity(c)
        victim = _subject_person(c, **found) or PersonDraft(**found)
        perps: list[PerpetratorDraft] = []
        if c.has("perpetrator_given_name") or c.has("perpetrator_family_name") or c.has("perpetrator_name"):
            perp = c.person("perpetrator_", full_name_column="perpetrator_name" if c.has("perpetrator_name")
                            and not c.has("perpetrator_family_name") else None)
            perps.append(PerpetratorDraft(person=perp,
                                          relationship_to_victim=c.text("perpetrator_relationship", 120)))
        _history_cells(c, row, referral_date, today)
        children = []
        for n, name_key, born_key in _CHILD_KEYS:
            if not (name_key in trow.index or born_key in trow.index):
                continue  # (no such column in the file: the cells need not be asked)
            if not (c.has(f"child{n}_name") or c.has(f"child{n}_date_of_birth")):
                continue
            given, family = _split_name(c.text(f"child{n}_name", 240))
            children.append(ChildDraft(
                person=PersonDraft(given_name=given, family_name=family, date_of_birth=c.date(f"child{n}_date_of_birth")),
                relationship_to_victim=c.text(f"child{n}_relationship_to_victim", 120),
                relationship_to_perpetrator=c.text(f"child{n}_relationship_to_perpetrator", 120),
                **_child_own_right(c, n)))
        dash = _dash(c, referral_date)
        draft = MaracDraft(**common, victim=victim, perpetrators=tuple(perps), children=tuple(children),
                           dash=dash, professional_judgement=bool(c.boolean("professional_judgement")),
                           professional_judgement_reason=c.text("professional_judgement_reason"),
                           police_incidents_12m=c.integer("police_incidents_12m"), victim_aware=c.boolean("victim_aware"),
                           consent_given=c.boolean("consent_given"), lawful_basis=c.text("lawful_basis"),
                           dash_score_only=c.integer("dash_score") if dash is None and not (
                               _has_dash_columns(c) and any(c.has(q) for q in _Q_NAMES)) else None,
                           children_count=c.integer("children_count"), victim_age_band=c.parsed(
                               "age_band", diversity.parse_age_band) or "")
    elif panel_type is PanelType.CSVG:
        household = c.text("household_name", 200)
        members = tuple(LinkedPersonDraft(person=c.person(full_name_column=f"linked{n}_name"),
                                          role=c.text(f"linked{n}_role", 80), case_role=PersonRole.HOUSEHOLD_MEMBER)
                        for n in range(1, MAX_LINKED + 1) if c.has(f"linked{n}_name"))
        draft = CsvgDraft(**common, person=None if household else (_subject_person(c) or PersonDraft()),
                          household=GroupDraft(name=household) if household else None, household_members=members,
                          flags=_flags(c), risk_level=_risk(c), presenting_issues=c.text("presenting_issues"))
    elif panel_type is PanelType.CARM:
        linked = tuple(LinkedPersonDraft(person=c.person(full_name_column=f"linked{n}_name"),
                                         role=c.text(f"linked{n}_role", 80), case_role=PersonRole.ASSOCIATE)
                       for n in range(1, MAX_LINKED + 1) if c.has(f"linked{n}_name"))
        group, place = c.text("peer_group_name", 200), c.text("place_name", 200)
        draft = CarmDraft(**common, young_person=_subject_person(c),
                          peer_group=GroupDraft(name=group) if group else None,
                          place=PlaceDraft(name=place, address=c.text("place_address"),
                                           postcode=c.text("place_postcode", 12)) if place else None,
                          linked=linked, flags=_flags(c), risk_level=_risk(c))
    elif panel_type is PanelType.SOCP:
        nominals = tuple(LinkedPersonDraft(person=c.person(f"nominal{n}_", full_name_column=f"nominal{n}_name"),
                                           role=c.text(f"nominal{n}_role", 80), case_role=PersonRole.NOMINAL)
                         for n in range(1, MAX_NOMINALS + 1) if c.has(f"nominal{n}_name"))
        scores: dict[str, int] = {}
        for key, value in trow.items():
            if key.startswith("threat") and key != "threat" and value not in (None, ""):
                number = c.integer(key)
                if number is not None:
                    scores[key.removeprefix("threat")] = number
        draft = SocpDraft(**common, ocg=GroupDraft(name=c.text("ocg_name", 200),
                                                   reference=c.text("ocg_reference", 40)),
                          nominals=nominals, threat_scores=scores, assessor=c.text("referrer_name", 200))
    else:
        c._bad("panel", f"referrals to a {panel_type.label} panel cannot be imported.")
    return draft


def resolve_existing_ocg(ctx: ServiceContext, draft: SocpDraft) -> SocpDraft:
    """An OCG named (or referenced) as one already held is that OCG, not a new one."""
    with ctx.reading() as s:
        stmt = select(SubjectGroup.id).where(SubjectGroup.kind == GroupKind.OCG)
        visible = ctx.visible_panel_ids()
        if visible is not None:  # another panel's OCG is not the user's to find (or to link)
            stmt = stmt.where(group_on_panels(visible))
        if draft.ocg.reference:
            gid = s.scalar(stmt.where(SubjectGroup.reference == draft.ocg.reference))
        else:
            gid = s.scalar(stmt.where(SubjectGroup.name_norm == normalise_name(draft.ocg.name)).limit(1))
    return replace(draft, ocg=GroupDraft(existing_group_id=gid)) if gid is not None else draft


# --- problems to columns ------------------------------------------------------------------------------

_FIELD_TO_COLUMN: Sequence[tuple[str, str]] = (
    (r"^victim\.existing_person_id$", "person_id"),
    (r"^(victim|person|young_person)\.aliases\[\d+\]$", "aliases"),
    (r"^(victim|person|young_person)\.(\w+)$", r"\2"),
    (r"^perpetrators\[0\]\.person\.(\w+)$", r"perpetrator_\1"),
    (r"^perpetrators\[\d+\]\.relationship_to_victim$", "perpetrator_relationship"),
    (r"^children\[(\d+)\]\.person\.(given_name|family_name)$", r"child{\1}_name"),
    (r"^children\[(\d+)\]\.person\.(\w+)$", r"child{\1}_\2"),
    (r"^children\[(\d+)\]\.(\w+)$", r"child{\1}_\2"),
    (r"^nominals\[(\d+)\]\.person\.\w+$", r"nominal{\1}_name"),
    (r"^(linked|household_members)\[(\d+)\]\.person\.\w+$", r"linked{\2}_name"),
    (r"^dash\.declared_count$", "dash_score"),
    (r"^dash\.assessed_on$", "dash_date"),
    (r"^dash\.answers\[(\d+)\].*$", r"q{\1}"),
    (r"^dash\.answers$", "q1 … q24"),
    (r"^threat_scores\.(\w+)$", r"threat_\1"),
    (r"^ocg\.(name|reference)$", r"ocg_\1"),
    (r"^ocg\.existing_group_id$", "ocg_name"),
    (r"^household\.\w+$", "household_name"),
    (r"^peer_group\.\w+$", "peer_group_name"),
    (r"^place\.\w+$", "place_name"),
    (r"^referring_agency_id$", "referring_agency"),
)


def _column_of(problem: Problem) -> str:
    for pattern, target in _FIELD_TO_COLUMN:
        m = re.match(pattern, problem.field)
        if m:
            column = m.expand(target)
            # child{0} → child1: the file counts from 1
            return re.sub(r"\{(\d+)\}", lambda g: str(int(g[1]) + 1), column)
    return problem.field


def _strip_section(message: str) -> str:
    """"Victim: date of birth is in the future." → "date of birth is in the future." (the column
    says which)."""
    head, sep, rest = message.partition(": ")
    if sep and len(head) <= 24 and rest:
        return rest
    return message


__all__ = ["COLUMNS", "ImportReport", "ImportedRow", "MissingColumns", "RowNote", "RowProblem", "header_key", "import_referrals",
           "resolve_existing_ocg"]


# --- the templates shipped in cspdesk/resources/templates -----------------------------------------

TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "resources" / "templates"

#: Each template's columns and one synthetic example row (every name invented).
TEMPLATES: dict[str, tuple[tuple[str, str], ...]] = {
    "marac": (
        ("referral_date", "14/05/2026"), ("referring_agency", ""), ("referrer_name", "PC Example"),
        ("reason", "Assault after an argument; threats to kill"), ("summary", ""),
        ("given_name", "Alexa"), ("family_name", "Example"), ("date_of_birth", "03/02/1991"),
        ("aliases", "Alexa Sample"), ("gender", "Female"), ("address", "1 Example Street, Testtown"),
        ("postcode", "TE1 1AA"), ("phone", "07700 900001"), ("safe_to_call", "Yes"),
        ("safe_times", "Mornings only"), ("contact_notes", "Text first"),
        ("perpetrator_given_name", "Bob"), ("perpetrator_family_name", "Example"),
        ("perpetrator_date_of_birth", "01/01/1988"), ("perpetrator_relationship", "husband"),
        ("child1_name", "Cara Example"), ("child1_date_of_birth", "05/06/2018"),
        ("child1_relationship_to_victim", "daughter"), ("child1_relationship_to_perpetrator", "daughter"),
        ("child1_school", "Testtown Primary"),
        ("child2_name", ""), ("child2_date_of_birth", ""), ("child2_relationship_to_victim", ""),
        ("child2_relationship_to_perpetrator", ""), ("child2_school", ""),
        *((f"q{n}", "Y" if n <= 14 else ("DK" if n == 24 else "N")) for n in range(1, 25)),
        ("dash_source", ""), ("dash_score", "14"), ("dash_date", "14/05/2026"),
        ("professional_judgement", "No"), ("professional_judgement_reason", ""), ("police_incidents_12m", "2"),
        ("victim_aware", "Yes"), ("consent_given", "No"),
        ("lawful_basis", "Shared without consent to prevent serious harm (UK GDPR Art. 6(1)(e), 9(2)(g))"),
    ),
    "csvg": (
        ("referral_date", "14/05/2026"), ("referring_agency", ""), ("referrer_name", "A Housing Officer"),
        ("given_name", "Dana"), ("family_name", "Example"), ("date_of_birth", "12/12/1964"), ("aliases", ""),
        ("address", "2 Example Court, Testtown"), ("postcode", "TE1 2BB"), ("phone", ""), ("safe_to_call", ""),
        ("household_name", ""), ("flags", "Mental health; Self-neglect / hoarding"), ("risk_level", "Medium"),
        ("presenting_issues", "Hoarding; fire risk; missed appointments"), ("summary", ""),
    ),
}


def write_templates(folder: Path = TEMPLATE_DIR) -> list[Path]:
    """Write each template as CSV (UTF-8 with a BOM, so Excel reads the accents) and XLSX."""
    import csv

    import openpyxl

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, columns in TEMPLATES.items():
        headers = [c for c, _ in columns]
        example = [v for _, v in columns]
        path = folder / f"referrals-{name}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f, lineterminator="\r\n")
            writer.writerow(guard_row(headers))
            writer.writerow(guard_row(example))
        written.append(path)
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = "Referrals"
        sheet.append(guard_row(headers))
        sheet.append(guard_row(example))
        sheet.freeze_panes = "A2"
        for cell in sheet[1]:
            cell.font = openpyxl.styles.Font(bold=True)
        xlsx = folder / f"referrals-{name}.xlsx"
        # A fixed timestamp, so writing the templates again gives the same bytes' content.
        workbook.properties.created = workbook.properties.modified = datetime(2026, 1, 1)
        workbook.save(xlsx)
        written.append(xlsx)
    return written


class ReferralImportService:
    """The window's and the CLI's door to :func:`import_referrals` (kept here, not on
    :class:`~cspdesk.services.referrals.referrals.ReferralService`, so the referrals area never
    imports the records-in area that builds on it)."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def import_file(self, path: str | Path, panel_id: int, *, good_rows_only: bool, dry_run: bool = False,
                    progress: Callable[[float], None] | None = None, mapping: Mapping[str, str] | None = None,
                    ) -> OpResult[ImportReport]:
        """Import referrals from a CSV or XLSX file (every row checked first; all good rows, or
        nothing). ``mapping``: the columns chosen for headings not recognised ({"Their heading": "field"})."""
        return import_referrals(self._ctx, path, panel_id, good_rows_only=good_rows_only, dry_run=dry_run,
                                progress=progress, mapping=mapping)
