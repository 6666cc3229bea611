"""The action tracker (or an officer's action log) and an OCG's 4P plan, as PDFs.

Fed only by :class:`TrackerData` / :class:`PlanData`; nothing here touches the database. RAG is
printed in colour *and* in words, and overdue in words, so a black-and-white copy reads the same.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from cspdesk.reports.document import (
    Markup,
    PageFurniture,
    Styles,
    cell,
    esc,
    fmt_date,
    heading,
    key_values,
    render_pdf,
    table,
)

if TYPE_CHECKING:  # pragma: no cover
    from reportlab.platypus import Flowable

#: Pale fills behind the RAG word: enough to tell apart in colour, light enough to read in grey.
RAG_FILLS = {"red": "#F4C7C3", "amber": "#FCE8B2", "green": "#CDEBD3", "grey": "#E8EAED", "blue": "#CFE2F3"}
RAG_WORDS = {"red": "RED", "amber": "AMBER", "green": "GREEN", "grey": "NOT STARTED", "blue": "DONE"}


@dataclass(frozen=True)
class TrackerLine:
    number: str  # a plan's own number ("1.1"), or ""
    subject: str  # case or OCG reference, or "" for panel actions
    text: str
    agency: str
    owner: str
    due_date: date | None
    status: str
    reason: str
    completed_on: date | None
    rag: str  # Rag value
    overdue: bool
    milestones: str = ""
    timescale: str = ""
    outcome: str = ""  # a plan's Desired Outcome
    latest_update: str = ""  # the newest note in the action's log
    latest_update_on: date | None = None


@dataclass(frozen=True)
class TrackerGroup:
    title: str
    lines: tuple[TrackerLine, ...]


@dataclass(frozen=True)
class TrackerData:
    partnership: str
    protective_marking: str
    generated_at: datetime
    generated_by: str
    panel: str
    title: str  # "Action tracker" or "Action log — Golding Homes"
    filters: tuple[tuple[str, str], ...]  # what was asked for, as (label, value)
    groups: tuple[TrackerGroup, ...]
    counts: tuple[tuple[str, int], ...]  # (RAG value, count)
    today: date
    amber_days: int


def rag_cell(rag: str, overdue: bool) -> Markup:
    word = RAG_WORDS.get(rag, rag.upper())
    text = f"<b>{esc(word)}</b>"
    if overdue and rag != "red":
        text += "<br/>OVERDUE"
    elif overdue:
        text += "<br/>overdue"
    return Markup(text)


def _rag_style(rows: list[TrackerLine], column: int, first_row: int = 1) -> list[tuple]:
    from reportlab.lib import colors

    return [("BACKGROUND", (column, i), (column, i), colors.HexColor(RAG_FILLS.get(line.rag, "#FFFFFF")))
            for i, line in enumerate(rows, start=first_row)]


def render_tracker_pdf(data: TrackerData, *, invariant: bool = False) -> bytes:
    furniture = PageFurniture(
        protective_marking=data.protective_marking, partnership=data.partnership, panel=data.panel,
        document=data.title, printed_by=data.generated_by, printed_at=data.generated_at,
        title=f"{data.title}: {data.panel}", landscape=True,
    )
    return render_pdf(furniture, lambda st, width: _tracker_story(data, st, width), invariant=invariant)


#: Rows per table. A reportlab table re-measures and copies its styles each time it splits at a
#: page end, so one 2,500-row table costs the square of its length; runs of this many rows keep a
#: 2,000-action tracker to seconds. Each run repeats the header, as a split table does.
CHUNK_ROWS = 40


def _wrapped(text: str, font: str, size: float, width: float) -> str:
    """``text`` broken into lines that fit ``width`` points, as one string: a table draws it as
    lines without the cost of a Paragraph. Long words are broken too, never cut off."""
    from reportlab.lib.utils import simpleSplit

    lines: list[str] = []
    for part in (text or "").splitlines() or [""]:
        for line in simpleSplit(part, font, size, width) or [""]:
            # simpleSplit fits every line of words; only a line of one word may still be too wide
            # (measuring every line again was a tenth of the tracker's time).
            while line and " " not in line and _string_width(line, font, size) > width:
                cut = max(1, int(len(line) * width / _string_width(line, font, size)))
                lines.append(line[:cut])
                line = line[cut:]
            lines.append(line)
    return "\n".join(lines)


def _string_width(text: str, font: str, size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(text, font, size)


def _plain_table(st: Styles, width: float, header: list[str], fractions: list[float],
                 lines: list[TrackerLine], cells, rag_column: int) -> list[Flowable]:  # noqa: ANN001
    """Tables of pre-wrapped plain text in runs of CHUNK_ROWS, RAG cells filled and in bold."""
    from reportlab.platypus import Paragraph, TableStyle

    from cspdesk.reports.glyphs import is_simple

    text_table = _text_table_class()
    font, size, leading = st.cell.fontName, st.cell.fontSize, st.cell.leading
    room = [width * f - 8.5 for f in fractions]
    head = [Paragraph(f"<b>{esc(h)}</b>", st.cell) for h in header]
    out: list[Flowable] = []
    for start in range(0, len(lines), CHUNK_ROWS):
        chunk = lines[start:start + CHUNK_ROWS]
        # A cell in another script (right-to-left, or glyphs the font lacks) is a Paragraph: it
        # needs shaping and a fallback font, which a pre-wrapped plain string cannot have.
        body = [[_wrapped(v, font, size, room[i]) if is_simple(v or "", font) else cell(st, v)
                 for i, v in enumerate(cells(line))] for line in chunk]
        t = text_table([head, *body], colWidths=[width * f for f in fractions], repeatRows=1, hAlign="LEFT")
        t.setStyle(TableStyle([
            ("FONT", (0, 1), (-1, -1), font, size, leading),
            ("FONT", (rag_column, 1), (rag_column, -1), st.bold, size, leading),
            ("BACKGROUND", (0, 0), (-1, 0), st.header_fill),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("GRID", (0, 0), (-1, -1), 0.4, st.rule),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), 2.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            *_rag_fills(chunk, rag_column),
        ]))
        out.append(t)
    return out


def _rag_fills(chunk: list[TrackerLine], column: int) -> list[tuple]:
    """One BACKGROUND command per run of rows of the same RAG, not one per row (each command is
    copied to every cell it covers when the table splits: fewer is cheaper)."""
    out: list[tuple] = []
    start = 1
    for i in range(1, len(chunk) + 1):
        if i == len(chunk) or chunk[i].rag != chunk[start - 1].rag:
            out.append(("BACKGROUND", (column, start), (column, i), _fill(chunk[start - 1].rag)))
            start = i + 1
    return out


@functools.cache
def _fill(rag: str):  # noqa: ANN202 - a reportlab Color
    """The RAG's fill, parsed once (HexColor is slow enough to show in a 2,000-row profile)."""
    from reportlab.lib import colors

    return colors.HexColor(RAG_FILLS.get(rag, "#FFFFFF"))


_TEXT_TABLE: type | None = None


def _text_table_class() -> type:
    """A Table that draws a cell of plain lines as one text object: reportlab's own draws each line
    with drawString, which makes, positions and closes a text object per line (a fifth of a
    2,000-action tracker's time). The same glyphs at the same places; other cells as reportlab draws them."""
    global _TEXT_TABLE
    if _TEXT_TABLE is not None:
        return _TEXT_TABLE
    from reportlab.platypus import Table

    class TextTable(Table):
        _curcellstyle: Any  # reportlab's, set as the table draws

        def _drawCell(self, cellval, cellstyle, pos, size):  # noqa: ANN001, ANN202, N802 - reportlab's signature
            if (not isinstance(cellval, str) or "\n" not in cellval or cellstyle.alignment != "LEFT"
                    or cellstyle.valign != "TOP" or cellstyle.direction or cellstyle.shaping
                    or cellstyle.href or cellstyle.destination):
                return super()._drawCell(cellval, cellstyle, pos, size)  # type: ignore[misc]  # not in the stubs
            canv = self.canv
            if self._curcellstyle is not cellstyle:
                cur = self._curcellstyle
                if cur is None or cellstyle.color != cur.color:
                    canv.setFillColor(cellstyle.color)
                if (cur is None or cellstyle.leading != cur.leading or cellstyle.fontname != cur.fontname
                        or cellstyle.fontsize != cur.fontsize):
                    canv.setFont(cellstyle.fontname, cellstyle.fontsize, cellstyle.leading)
                self._curcellstyle = cellstyle
            x = pos[0] + cellstyle.leftPadding
            y = pos[1] + size[1] - cellstyle.topPadding - cellstyle.fontsize
            text = canv.beginText(x, y)
            text.setFont(cellstyle.fontname, cellstyle.fontsize, cellstyle.leading)
            for line in cellval.split("\n"):
                text.textLine(line)
            canv.drawText(text)
            return None

    _TEXT_TABLE = TextTable
    return TextTable


def _status_text(line: TrackerLine) -> str:
    status = line.status + (f" {fmt_date(line.completed_on)}" if line.completed_on else "")
    return status + (f"\n{line.reason}" if line.reason else "")


def _rag_text(line: TrackerLine) -> str:
    word = RAG_WORDS.get(line.rag, line.rag.upper())
    if line.overdue:
        return f"{word}\nOVERDUE" if line.rag != "red" else f"{word}\noverdue"
    return word


def _tracker_story(data: TrackerData, st: Styles, width: float) -> list[Flowable]:
    from reportlab.platypus import Paragraph, Spacer

    total = sum(n for _, n in data.counts)
    story: list[Flowable] = [
        Paragraph(esc(data.title), st.title),
        Paragraph(esc(f"{data.panel} — as at {data.today:%d %B %Y}"), st.subtitle),
        key_values(st, width, [
            *data.filters,
            ("Actions", f"{total:,}"),
            ("RAG", "  ·  ".join(f"{RAG_WORDS.get(r, r).capitalize()} {n:,}" for r, n in data.counts)),
        ]),
        Spacer(1, 3),
        Paragraph(esc(f"RAG: Red — overdue; Amber — due within {data.amber_days} days, or on hold; Green — "
                      "ongoing; Not started — open and not yet due; Done — completed or discontinued."), st.note),
    ]
    if not data.groups:
        story.append(Paragraph("No actions match.", st.none))
    plan = any(line.number for g in data.groups for line in g.lines)

    def cells(line: TrackerLine) -> list[str]:
        action = line.text + (f"\nDesired outcome: {line.outcome}" if line.outcome else "") \
            + (f"\nMilestones: {line.milestones}" if line.milestones else "")
        if line.latest_update:
            when = f" ({fmt_date(line.latest_update_on)})" if line.latest_update_on else ""
            action += f"\nLatest update{when}: {line.latest_update}"
        owner = "\n".join(x for x in (line.agency, line.owner) if x) or "—"
        due = fmt_date(line.due_date) or line.timescale or "—"
        first = line.number if plan else line.subject or "Panel"
        return [first, action, owner, due, _status_text(line), _rag_text(line)]

    header = ["No." if plan else "Case", "Action", "Agency / owner", "Due", "Status", "RAG"]
    fractions = _tracker_fractions(data, st, width, plan)
    for group in data.groups:
        if group.title:
            story.extend(heading(st, f"{group.title} ({len(group.lines)})", 3))
        story.extend(_plain_table(st, width, header, fractions, list(group.lines), cells, rag_column=5))
    return story


#: The tracker's columns as fractions of the page: No./Case, Action, Agency / owner, Due, Status, RAG.
TRACKER_FRACTIONS = (0.125, 0.385, 0.16, 0.09, 0.14, 0.1)
#: The Case column never takes more than this from the Action column.
_MAX_CASE_FRACTION = 0.2


def _tracker_fractions(data: TrackerData, st: Styles, width: float, plan: bool) -> list[float]:
    """The column widths, the first column widened until the longest case or OCG reference fits on
    one line: county references ("MARAC-MW-2026-00123") wrapped at the fixed width (169 pages for
    2,435 actions). The room comes first from the RAG and Due columns, down to what their widest
    words need, and only then from the Action column (narrowing it would make the rows taller)."""
    fractions = list(TRACKER_FRACTIONS)
    if plan:
        return fractions
    font, bold, size = st.cell.fontName, st.bold, st.cell.fontSize
    longest = max((_string_width(line.subject, font, size) for g in data.groups for line in g.lines), default=0.0)
    need = min((longest + 9.0) / width, _MAX_CASE_FRACTION) - fractions[0]  # + the cell's padding (8), a point spare
    if need <= 0:
        return fractions
    floors = {  # column -> the least it may shrink to: its widest word, padded
        5: (max(_string_width(w, bold, size) for w in RAG_WORDS.values()) + 9.0) / width,
        3: (_string_width("30 Sep 2026", font, size) + 9.0) / width,
        1: fractions[1] / 2,
    }
    fractions[0] += need
    for column, floor in floors.items():
        give = min(need, max(0.0, fractions[column] - floor))
        fractions[column] -= give
        need -= give
    return fractions


# --- The 4P plan -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanNominal:
    name: str
    role: str
    date_of_birth: date | None
    aliases: str


@dataclass(frozen=True)
class PlanScore:
    assessed_on: date
    assessor: str
    score: int | None
    risk_level: str
    factors: str
    notes: str


@dataclass(frozen=True)
class PlanData:
    partnership: str
    protective_marking: str
    generated_at: datetime
    generated_by: str
    panel: str
    reference: str
    name: str
    status: str
    lead_officer: str
    description: str
    archive_note: str
    nominals: tuple[PlanNominal, ...]
    scores: tuple[PlanScore, ...]  # newest first
    strands: tuple[TrackerGroup, ...]  # Pursue, Prevent, Protect, Prepare (always all four)
    today: date


def render_plan_pdf(data: PlanData, *, invariant: bool = False) -> bytes:
    furniture = PageFurniture(
        protective_marking=data.protective_marking, partnership=data.partnership, panel=data.panel,
        document=f"4P plan {data.reference}", printed_by=data.generated_by, printed_at=data.generated_at,
        title=f"4P plan {data.reference}",
    )
    return render_pdf(furniture, lambda st, width: _plan_story(data, st, width), invariant=invariant)


def _plan_story(data: PlanData, st: Styles, width: float) -> list[Flowable]:
    from reportlab.platypus import Paragraph

    latest = data.scores[0] if data.scores else None
    story: list[Flowable] = [
        Paragraph("4P plan", st.title),
        Paragraph(esc(f"{data.reference} — {data.name}"), st.subtitle),
        key_values(st, width, [
            ("Status", data.status + (f" — {data.archive_note}" if data.archive_note else "")),
            ("Lead responsible officer", data.lead_officer or "Not set"),
            ("Threat, risk and harm", f"{latest.score} ({latest.risk_level}), {fmt_date(latest.assessed_on)}"
             if latest and latest.score is not None else "Not scored"),
            ("About the group", data.description or "Not recorded"),
        ]),
    ]
    story.extend(heading(st, f"Nominals ({len(data.nominals)})", 2))
    if data.nominals:
        story.append(table(st, width, ["Name", "Role", "Date of birth", "Also known as"],
                           [[n.name, n.role or "—", fmt_date(n.date_of_birth) or "—", n.aliases or "—"]
                            for n in data.nominals], [0.3, 0.2, 0.17, 0.33]))
    else:
        story.append(Paragraph("None recorded.", st.none))
    for strand in data.strands:
        story.extend(heading(st, strand.title, 2))
        if not strand.lines:
            story.append(Paragraph("No actions under this strand.", st.none))
            continue
        rows = []
        for line in strand.lines:
            status = f"<b>{esc(line.status)}</b>" + (f"<br/>{esc(line.reason)}" if line.reason else "")
            owner = "\n".join(x for x in (line.agency, line.owner) if x) or "—"
            rows.append([Markup(esc(line.text)), owner, fmt_date(line.due_date) or "—", Markup(status),
                         rag_cell(line.rag, line.overdue)])
        story.append(table(st, width, ["Action", "Agency / owner", "Due", "Status", "RAG"], rows,
                           [0.39, 0.2, 0.11, 0.175, 0.125], extra_style=_rag_style(list(strand.lines), 4)))
    story.extend(heading(st, "Threat, risk and harm score history", 2))
    if data.scores:
        story.append(table(st, width, ["Assessed", "By", "Score", "Level", "Factors", "Notes"],
                           [[fmt_date(s.assessed_on), s.assessor or "—", "—" if s.score is None else str(s.score),
                             s.risk_level or "—", s.factors, s.notes] for s in data.scores],
                           [0.12, 0.16, 0.08, 0.1, 0.24, 0.3], numeric=(2,)))
    else:
        story.append(Paragraph("Not scored yet.", st.none))
    return story
