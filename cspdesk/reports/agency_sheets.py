"""The papers sent to agencies without accounts (issue 18): the research request (XLSX and PDF)
and the action update sheet (XLSX), and reading a returned sheet back.

Every sheet is protected: only the answer cells are unlocked. A hidden sheet ("veryHidden": not
listed by Excel's Unhide) carries what identifies it — its kind, sheet id, meeting, agency and the
digest of its list (cspdesk.domain.agency_loop) — for the import to check against the database.

Plain data in, bytes out; openpyxl and reportlab are imported when first used.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from cspdesk.domain.cells import guard_cell
from cspdesk.domain.agency_loop import KNOWN_CHOICES, META_KEYS, META_SHEET, RESEARCH_COPY_MARKING, SHEET_FORMAT
from cspdesk.reports.document import PageFurniture, fmt_date, heading, render_pdf, table

if TYPE_CHECKING:  # pragma: no cover
    from reportlab.platypus import Flowable

    from cspdesk.reports.document import Styles


@dataclass(frozen=True)
class ResearchPerson:
    role: str
    name: str
    aliases: tuple[str, ...] = ()
    date_of_birth: date | None = None
    address: str = ""


@dataclass(frozen=True)
class ResearchCase:
    case_id: int
    reference: str
    #: The subject as the agency searches for it (a person's, group's or place's name).
    name: str
    referral_date: date | None
    risk_level: str
    referring_agency: str
    people: tuple[ResearchPerson, ...] = ()


@dataclass(frozen=True)
class SheetHeader:
    """What every sheet sent to an agency says about itself."""

    partnership: str
    protective_marking: str
    panel: str
    meeting_id: int
    starts_at: datetime
    agency_id: int
    agency: str
    sheet_id: str
    digest: str
    generated_at: datetime
    generated_by: str


@dataclass(frozen=True)
class ResearchRequest:
    header: SheetHeader
    cases: tuple[ResearchCase, ...]


@dataclass(frozen=True)
class UpdateLine:
    action_id: int
    reference: str  # the case's or group's reference, or the plan's number
    text: str
    due_date: date | None
    status: str  # its label now


@dataclass(frozen=True)
class ActionUpdateSheet:
    header: SheetHeader
    lines: tuple[UpdateLine, ...]
    #: The statuses an agency may choose (labels), in order.
    statuses: tuple[str, ...]


#: Research sheet: columns (header, width); the answers start at column ``RESEARCH_ANSWERS``.
RESEARCH_COLUMNS = (("Case reference", 18), ("Subject", 24),
                    ("People to search for (role, name, aliases, date of birth, address)", 60), ("Known / Not known", 16), ("What you hold (summary)", 45), ("Risks you know of", 40),
                    ("Contact with the victim", 30))
RESEARCH_ANSWERS = 4  # 1-based column of "Known / Not known"
ACTION_COLUMNS = (("Reference", 18), ("Action", 60), ("Due", 12), ("Status now", 16), ("New status", 18),
                  ("Update note", 50), ("Completed on (dd/mm/yyyy)", 16), ("Action no.", 10))
ACTION_ANSWERS = 5
#: The header row of the table on every sheet; the rows start below it.
HEADER_ROW = 6


def _person_text(p: ResearchPerson) -> str:
    parts = [f"{p.role}: {p.name}"]
    if p.aliases:
        parts.append("aka " + "; ".join(p.aliases))
    if p.date_of_birth:
        parts.append(f"born {p.date_of_birth:%d/%m/%Y}")
    if p.address:
        parts.append(p.address)
    return ", ".join(parts)


def _workbook(header: SheetHeader, kind: str, title: str, columns: Sequence[tuple[str, int]], answers_from: int,
              rows: Sequence[Sequence[Any]], row_ids: Sequence[int], marking: str, note: str) -> tuple[Any, Any]:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection

    wb = Workbook()
    ws = wb.active
    ws.title = "Research" if kind == "research" else "Actions"
    ws["A1"] = marking
    ws["A1"].font = Font(bold=True, color="C00000")
    ws["A2"] = title
    ws["A2"].font = Font(bold=True, size=14)
    ws["A3"] = guard_cell(f"For: {header.agency} — {header.panel}, meeting of {header.starts_at:%d %B %Y %H:%M}")
    ws["A4"] = note
    ws["A4"].alignment = Alignment(wrap_text=True)
    for col, (name, width) in enumerate(columns, start=1):
        c = ws.cell(row=HEADER_ROW, column=col, value=name)
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="E4E8EE")
        c.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[c.column_letter].width = width
    answer_fill = PatternFill("solid", fgColor="FFF7D6")
    for r, values in enumerate(rows, start=HEADER_ROW + 1):
        for col in range(1, len(columns) + 1):
            value = values[col - 1] if col - 1 < len(values) else None
            # What people typed may start like a formula: written as text, never run (domain.cells).
            c = ws.cell(row=r, column=col, value=guard_cell(value))
            c.alignment = Alignment(wrap_text=True, vertical="top")
            if answers_from <= col < answers_from + _answer_count(kind):
                c.protection = Protection(locked=False)
                c.fill = answer_fill
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=1)
    ws.protection.sheet = True
    ws.protection.password = header.sheet_id[:12]  # stops casual edits; the digest catches the rest
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.oddHeader.center.text = marking
    ws.oddFooter.center.text = marking

    meta = wb.create_sheet(META_SHEET)
    meta_values: dict[str, object] = {
        "format": SHEET_FORMAT, "kind": kind, "sheet_id": header.sheet_id, "meeting_id": header.meeting_id,
        "agency_id": header.agency_id, "agency": header.agency, "digest": header.digest,
        "row_ids": ",".join(str(i) for i in row_ids)}
    for n, key in enumerate(META_KEYS, start=1):
        meta.cell(row=n, column=1, value=key)
        meta.cell(row=n, column=2, value=str(meta_values[key]))
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True
    meta.protection.password = header.sheet_id[:12]
    return wb, ws


def _answer_count(kind: str) -> int:
    return 4 if kind == "research" else 3


def _save(wb: Any) -> bytes:
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def research_xlsx(paper: ResearchRequest) -> bytes:
    """The research request as a workbook: one row a case, four answer cells."""
    from openpyxl.worksheet.datavalidation import DataValidation

    h = paper.header
    rows = [[c.reference, c.name, "\n".join(_person_text(p) for p in c.people), None, None, None, None]
            for c in paper.cases]
    wb, ws = _workbook(h, "research", f"Research request: {h.panel}", RESEARCH_COLUMNS, RESEARCH_ANSWERS, rows,
                       [c.case_id for c in paper.cases], f"{h.protective_marking} — {RESEARCH_COPY_MARKING}",
                       "Search your records for each case. Fill in only the yellow cells, save, and send the file "
                       "back as it is (do not add, remove or reorder rows).")
    if paper.cases:
        known = DataValidation(type="list", formula1='"' + ",".join(KNOWN_CHOICES) + '"', allow_blank=True)
        ws.add_data_validation(known)
        known.add(f"D{HEADER_ROW + 1}:D{HEADER_ROW + len(paper.cases)}")
    return _save(wb)


def actions_xlsx(sheet: ActionUpdateSheet) -> bytes:
    """The action update sheet: one row an action, with new status, note and completion date cells."""
    from openpyxl.worksheet.datavalidation import DataValidation

    h = sheet.header
    rows = [[ln.reference, ln.text, fmt_date(ln.due_date), ln.status, None, None, None, ln.action_id]
            for ln in sheet.lines]
    wb, ws = _workbook(h, "actions", f"Action update: {h.agency}", ACTION_COLUMNS, ACTION_ANSWERS, rows,
                       [ln.action_id for ln in sheet.lines], h.protective_marking,
                       "For each action, choose its new status, add a note, and give the date it was completed "
                       "(Completed only). Leave a row blank when nothing has changed. Send the file back as it is.")
    if sheet.lines:
        status = DataValidation(type="list", formula1='"' + ",".join(sheet.statuses) + '"', allow_blank=True)
        ws.add_data_validation(status)
        status.add(f"E{HEADER_ROW + 1}:E{HEADER_ROW + len(sheet.lines)}")
    return _save(wb)


# --- reading a return ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnedSheet:
    """A returned sheet as read: its hidden identification, and each row's cells (as text) with its
    row number in the sheet."""

    meta: dict[str, str]
    rows: tuple[tuple[int, tuple[str, ...]], ...] = field(default=())


class NotAnAgencySheet(ValueError):
    """The file is not a sheet CSPDesk sent (the message says why, and quotes nothing from the file)."""


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    return str(value).strip()


def read_returned_sheet(content: bytes) -> ReturnedSheet:
    """The identification and rows of a returned sheet; NotAnAgencySheet if it is not one."""
    from zipfile import BadZipFile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = load_workbook(io.BytesIO(content), data_only=True)
    except (BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as exc:
        raise NotAnAgencySheet("The file is not a spreadsheet CSPDesk can read (an .xlsx workbook).") from exc
    if META_SHEET not in wb.sheetnames:
        raise NotAnAgencySheet("The workbook is not a sheet CSPDesk sent: its identification is missing.")
    meta = {_text(k): _text(v) for k, v in wb[META_SHEET].iter_rows(min_col=1, max_col=2, values_only=True) if k}
    if meta.get("format") != SHEET_FORMAT or meta.get("kind") not in ("research", "actions"):
        raise NotAnAgencySheet("The workbook is not a sheet CSPDesk sent: its identification is not one CSPDesk writes.")
    ws = wb.worksheets[0]
    width = len(RESEARCH_COLUMNS) if meta["kind"] == "research" else len(ACTION_COLUMNS)
    rows = []
    for n, values in enumerate(ws.iter_rows(min_row=HEADER_ROW + 1, max_col=width, values_only=True),
                               start=HEADER_ROW + 1):
        cells = tuple(_text(v) for v in values)
        if any(cells):
            rows.append((n, cells))
    return ReturnedSheet(meta, tuple(rows))


# --- the research request as PDF -----------------------------------------------------------------------


def research_pdf(paper: ResearchRequest, *, invariant: bool = False) -> bytes:
    h = paper.header
    furniture = PageFurniture(
        protective_marking=f"{h.protective_marking} — {RESEARCH_COPY_MARKING}", partnership=h.partnership,
        panel=h.panel, document=f"Research request {h.starts_at:%d %b %Y}", printed_by=h.generated_by,
        printed_at=h.generated_at, title=f"Research request: {h.panel}, {h.starts_at:%d %b %Y}", copy_for=h.agency,
    )
    return render_pdf(furniture, lambda st, width: _research_story(paper, st, width), invariant=invariant)


def _research_story(paper: ResearchRequest, st: Styles, width: float) -> list[Flowable]:
    from reportlab.platypus import Paragraph

    from cspdesk.reports.document import esc, key_values

    h = paper.header
    story: list[Flowable] = [
        Paragraph(esc(f"Research request for {h.agency}"), st.title),
        Paragraph(esc(f"{h.panel}: meeting of {h.starts_at:%A %d %B %Y, %H:%M}"), st.subtitle),
        Paragraph(esc("This is the research copy: it carries the names, aliases, dates of birth and addresses "
                      "your agency needs to find its own records, and nothing else about the cases. Keep it "
                      "secure, share it only with those doing the research, and destroy it after the meeting. "
                      "Record what you find in the spreadsheet sent with it."), st.note),
    ]
    if not paper.cases:
        story.append(Paragraph("No cases are listed for this meeting yet.", st.none))
    for n, c in enumerate(paper.cases, start=1):
        story.extend(heading(st, f"{n}. {c.reference} — {c.name}", 3))
        story.append(key_values(st, width, [("Referred on", fmt_date(c.referral_date) or "Not recorded"),
                                            ("Referred by", c.referring_agency or "Not recorded"),
                                            ("Risk level", c.risk_level or "Not recorded")]))
        if c.people:
            story.append(table(st, width, ["Role", "Name", "Also known as", "Date of birth", "Address"],
                               [[p.role, p.name, "; ".join(p.aliases), fmt_date(p.date_of_birth), p.address]
                                for p in c.people], [0.14, 0.2, 0.2, 0.13, 0.33]))
    return story
