"""What every CSPDesk PDF shares: the page furniture, fonts, styles and tables.

A report module builds a list of flowables from its own plain data and hands it to
:func:`render_pdf` with a :class:`PageFurniture`. Every page then carries the protective marking
at top and bottom, the partnership and the document (and panel) in the header, who printed it when,
and "Page X of Y" in the footer. Tables repeat their header row on every page they span and wrap
long text instead of cutting it.

reportlab is imported when a PDF is first built, never at start-up.
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only
    from reportlab.platypus import Flowable


# --- Text helpers -----------------------------------------------------------------------------------


def esc(text: str | None) -> str:
    """User text made safe for a reportlab Paragraph: &, < and > escaped, line breaks kept, and
    text in other scripts shaped and given a font that has its glyphs (:mod:`.glyphs`)."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n")
    if text.isascii():
        return escape(text).replace("\n", "<br/>")
    from cspdesk.reports.glyphs import markup

    regular, _ = register_fonts()
    return "<br/>".join(markup(line, regular) for line in text.split("\n"))


def fmt_date(value: date | None) -> str:
    return f"{value:%d %b %Y}" if value else ""


def fmt_datetime(value: datetime | None) -> str:
    return f"{value:%d %b %Y %H:%M}" if value else ""


def yes_no(value: bool | None) -> str:
    return "Not recorded" if value is None else ("Yes" if value else "No")


class Markup(str):
    """Cell text that is already markup (built by :func:`rich`) and must not be escaped again."""


def rich(parts: Iterable[tuple[str, str]]) -> Markup:
    """Markup for a cell of labelled parts: each label bold, each text escaped, one per line."""
    lines = []
    for label, text in parts:
        if not label and not text:
            continue
        lines.append((f"<b>{esc(label)}</b>" if label else "") + esc(text))
    return Markup("<br/>".join(lines))


# --- Fonts --------------------------------------------------------------------------------------------

#: Unicode TrueType fonts tried in order (regular, bold): names such as Łukasz, Wiśniewska or Yılmaz
#: need more than the Latin-1 of the PDF standard fonts. Helvetica is the last resort.
_FONT_CANDIDATES: tuple[tuple[str, str], ...] = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    (os.path.join(os.environ.get("WINDIR", r"C:\Windows"), "Fonts", "arial.ttf"),
     os.path.join(os.environ.get("WINDIR", r"C:\Windows"), "Fonts", "arialbd.ttf")),
    ("/System/Library/Fonts/Supplemental/Arial.ttf", "/System/Library/Fonts/Supplemental/Arial Bold.ttf"),
    ("/Library/Fonts/Arial.ttf", "/Library/Fonts/Arial Bold.ttf"),
)


@functools.cache
def register_fonts() -> tuple[str, str]:
    """(regular, bold) font names, registered with reportlab once per process."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    chosen = ("Helvetica", "Helvetica-Bold")
    for regular, bold in _FONT_CANDIDATES:
        if Path(regular).is_file() and Path(bold).is_file():
            try:
                pdfmetrics.registerFont(TTFont("CSPDesk-Sans", regular))
                pdfmetrics.registerFont(TTFont("CSPDesk-Sans-Bold", bold))
            except Exception:  # noqa: BLE001 - an unreadable font file: try the next one
                continue
            pdfmetrics.registerFontFamily("CSPDesk-Sans", normal="CSPDesk-Sans", bold="CSPDesk-Sans-Bold",
                                          italic="CSPDesk-Sans", boldItalic="CSPDesk-Sans-Bold")
            chosen = ("CSPDesk-Sans", "CSPDesk-Sans-Bold")
            break
    return chosen


# --- The document -------------------------------------------------------------------------------------

MM = 72 / 25.4
SIDE_MARGIN, TOP_MARGIN, BOTTOM_MARGIN = 18 * MM, 24 * MM, 22 * MM
#: The body frame's height on A4 (297 mm): no table row taller than this can stay whole.
FRAME_HEIGHT = 297 * MM - TOP_MARGIN - BOTTOM_MARGIN


@dataclass(frozen=True)
class PageFurniture:
    """What is printed around the body of every page."""

    protective_marking: str
    partnership: str
    #: The document's name, right of the header ("Minutes", "Quarterly data return").
    document: str
    printed_by: str
    printed_at: datetime  # naive UTC, as every *_at
    #: The panel, after the partnership in the header ("Maidstone MARAC"); may be empty.
    panel: str = ""
    #: PDF metadata title: never a person's name (file managers and indexers show it).
    title: str = ""
    landscape: bool = False
    #: The agency a copy was made for (issue 18): "Copy for: <agency>" beside the marking, top and bottom.
    copy_for: str = ""


StoryBuilder = Callable[["Styles", float], "list[Flowable]"]


def render_pdf(furniture: PageFurniture, build_story: StoryBuilder, *, invariant: bool = False) -> bytes:
    """The PDF of the flowables ``build_story(styles, body_width)`` returns, with the furniture on
    every page.

    One pass: the canvas holds each finished page back until the document ends, then writes
    "Page X of Y" on every page now that Y is known (reportlab's numbered-canvas recipe) — half the
    time of building the document twice. ``invariant`` gives byte-for-byte reproducible output
    (fixed creation date and document id) for tests.
    """
    from reportlab.lib.units import mm

    buffer = io.BytesIO()
    doc = _make_doc(buffer, furniture, invariant=invariant)
    regular, _ = register_fonts()
    right = doc.pagesize[0] - doc.rightMargin
    doc.build(build_story(Styles(), doc.width), canvasmaker=_numbered_canvas(regular, 8, right, 12.5 * mm))
    return buffer.getvalue()


def _numbered_canvas(font: str, size: float, right: float, y: float) -> type:
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        """Keeps each page's drawing until ``save``; then adds "Page X of Y" and writes them."""

        def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003 - reportlab's signature
            super().__init__(*args, **kwargs)
            self._held: list[dict] = []

        def showPage(self) -> None:  # noqa: N802 - reportlab's name
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            for state in self._held:
                self.__dict__.update(state)
                self.saveState()
                self.setFillColorRGB(0, 0, 0)
                self.setFont(font, size)
                self.drawRightString(right, y, f"Page {self._pageNumber} of {total}")
                self.restoreState()
                super().showPage()
            super().save()

    return NumberedCanvas


def _make_doc(buffer: io.BytesIO, f: PageFurniture, *, invariant: bool):  # noqa: ANN202
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.units import mm
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    regular, bold = register_fonts()
    pagesize = landscape(A4) if f.landscape else A4
    from cspdesk.reports.glyphs import visual

    left_header = visual(f.partnership + (f" · {f.panel}" if f.panel else ""))

    class CSPDeskDocTemplate(BaseDocTemplate):
        """One page template, "page", whose callback draws the marking, header and footer (the
        page number is the canvas's, once the page count is known)."""

        def __init__(self, target: io.BytesIO) -> None:
            super().__init__(
                target,
                pagesize=pagesize,
                leftMargin=SIDE_MARGIN,
                rightMargin=SIDE_MARGIN,
                topMargin=TOP_MARGIN,
                bottomMargin=BOTTOM_MARGIN,
                title=f.title or f.document,
                author=f.partnership,
                subject=f.protective_marking,
                creator="CSPDesk",
                invariant=1 if invariant else 0,
                lang="en-GB",
            )
            frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body",
                          leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
            self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._decorate)])

        def _decorate(self, canvas, doc) -> None:  # noqa: ANN001 - reportlab's callback signature
            width, height = self.pagesize
            left, right = self.leftMargin, width - self.rightMargin
            canvas.saveState()
            canvas.setFillColorRGB(0, 0, 0)
            # The protective marking, top and bottom, centred and bold.
            canvas.setFont(bold, 10)
            marking = f.protective_marking
            if f.copy_for:  # one line, so neither can be cut off or covered without the other
                marking = fit(canvas, f"{marking}  ·  Copy for: {visual(f.copy_for)}", bold, 10, right - left)
            canvas.drawCentredString(width / 2, height - 10 * mm, marking)
            canvas.drawCentredString(width / 2, 7 * mm, marking)
            # Header: partnership (and panel) left, document right, a rule under them.
            canvas.setFont(regular, 8)
            right_width = canvas.stringWidth(f.document, regular, 8)
            canvas.drawString(left, height - 16 * mm,
                              fit(canvas, left_header, regular, 8, right - left - right_width - 12))
            canvas.drawRightString(right, height - 16 * mm, f.document)
            canvas.setLineWidth(0.5)
            canvas.line(left, height - 17.5 * mm, right, height - 17.5 * mm)
            # Footer: a rule, printed by and when left (the page number is added at the end).
            canvas.line(left, 16.5 * mm, right, 16.5 * mm)
            canvas.drawString(left, 12.5 * mm,
                              f"Printed by {f.printed_by or 'unknown'} on {fmt_datetime(f.printed_at)} UTC")
            canvas.restoreState()

    return CSPDeskDocTemplate(buffer)


def fit(canvas, text: str, font: str, size: float, width: float) -> str:  # noqa: ANN001
    """``text`` shortened with an ellipsis to fit ``width`` points (header lines only: body text
    wraps, it is never cut)."""
    if canvas.stringWidth(text, font, size) <= width:
        return text
    while text and canvas.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


# --- Styles and flowables -----------------------------------------------------------------------------


class Styles:
    def __init__(self) -> None:
        from reportlab.lib import colors
        from reportlab.lib.styles import ParagraphStyle

        regular, bold = register_fonts()
        self.regular, self.bold = regular, bold
        self.grey = colors.HexColor("#555555")
        self.rule = colors.HexColor("#999999")
        self.header_fill = colors.HexColor("#E4E8EE")
        self.label_fill = colors.HexColor("#F3F4F6")
        self.title = ParagraphStyle("title", fontName=bold, fontSize=17, leading=21, spaceAfter=4)
        self.subtitle = ParagraphStyle("subtitle", fontName=bold, fontSize=12.5, leading=16, spaceAfter=8)
        self.h2 = ParagraphStyle("h2", fontName=bold, fontSize=12.5, leading=16, spaceBefore=12, spaceAfter=5)
        self.h3 = ParagraphStyle("h3", fontName=bold, fontSize=11, leading=14, spaceBefore=10, spaceAfter=4)
        self.h4 = ParagraphStyle("h4", fontName=bold, fontSize=9.5, leading=12, spaceBefore=7, spaceAfter=3)
        self.body = ParagraphStyle("body", fontName=regular, fontSize=9, leading=11.5)
        self.note = ParagraphStyle("note", parent=self.body, textColor=self.grey, fontSize=8.5, leading=11,
                                   spaceAfter=4)
        self.cell = ParagraphStyle("cell", fontName=regular, fontSize=8.5, leading=10.5)
        self.cell_bold = ParagraphStyle("cell_bold", parent=self.cell, fontName=bold)
        self.cell_right = ParagraphStyle("cell_right", parent=self.cell, alignment=2)
        self.item_title = ParagraphStyle("item_title", parent=self.cell_bold, spaceBefore=5, spaceAfter=1)
        self.cell_small = ParagraphStyle("cell_small", parent=self.cell, fontSize=7.5, leading=9.5)
        self.none = ParagraphStyle("none", parent=self.body, textColor=self.grey, spaceAfter=2)


#: Space (points) a heading needs below it on the page, or it starts the next page: a heading is
#: never left alone at the foot of a page. (Not keepWithNext: that wraps the heading and the table
#: after it in a KeepTogether, which moves whole tables and strands half-empty pages.)
MIN_SPACE_AFTER = {2: 150, 3: 120, 4: 70}


def heading(st: Styles, text: str, level: int) -> list[Flowable]:
    from reportlab.platypus import CondPageBreak, Paragraph

    style = {2: st.h2, 3: st.h3, 4: st.h4}[level]
    return [CondPageBreak(MIN_SPACE_AFTER[level]), Paragraph(esc(text), style)]


def cell(st: Styles, value: Any, *, small: bool = False, right: bool = False) -> Flowable:
    from reportlab.platypus import Paragraph

    style = st.cell_small if small else (st.cell_right if right else st.cell)
    if isinstance(value, Markup):
        return Paragraph(str(value), style)
    return Paragraph(esc("" if value is None else str(value)), style)


@functools.cache
def _table_class() -> type:
    """reportlab's Table, splitting between rows, and inside a row only when that row (with the
    header) is taller than a whole page.

    Plain ``Table(splitByRow=1, splitInRow=1)`` also splits inside a row whenever the next row
    does not fit the space left, and the leftover part then starts with a repeated header row
    half-way down the page. Here a row that would fit on a fresh page moves there whole instead.
    """
    from reportlab.platypus import LongTable

    # LongTable: when splitting, rows are measured only until the page is full, not to the end
    # of the table (a 2,500-row tracker otherwise re-measures every remaining row on every page).
    class _RowSplittingTable(LongTable):
        def split(self, availWidth, availHeight):  # noqa: ANN001, ANN202, N803 - reportlab's signature
            self._calc(availWidth, availHeight)
            if self._width > availWidth:
                return []
            parts = self._splitRows(availHeight, doInRowSplit=False)
            if parts:
                return parts
            repeat = self.repeatRows if isinstance(self.repeatRows, int) else max(self.repeatRows) + 1
            heights = self._rowHeights
            if len(heights) > repeat and sum(heights[: repeat + 1]) > FRAME_HEIGHT:
                return self._splitRows(availHeight, doInRowSplit=True)
            return []

    return _RowSplittingTable


def table(st: Styles, width: float, header: Sequence[str], rows: Sequence[Sequence[Any]],
          fractions: Sequence[float], *, small: bool = False, divider: int | None = None,
          numeric: Sequence[int] = (), extra_style: Sequence[tuple] = ()) -> Flowable:
    """A full-width table of Paragraph cells with a header row repeated on every page it spans;
    a row taller than a page splits inside itself rather than failing. Columns in ``numeric`` are
    right-aligned."""
    from reportlab.platypus import Paragraph, TableStyle

    from reportlab.pdfbase.pdfmetrics import stringWidth

    from cspdesk.reports.glyphs import is_simple

    head = [Paragraph(f"<b>{esc(h)}</b>", st.cell_right if i in numeric else st.cell)
            for i, h in enumerate(header)]
    widths = [width * f for f in fractions]
    # The last column takes what is left: fractions that sum to a hair over 1 in floating point
    # (0.22 + 0.46 + 0.12 + 0.2) made a table wider than the frame, and such a table cannot split
    # across pages at all (a LayoutError once it was longer than a page).
    widths[-1] = width - sum(widths[:-1])
    base = st.cell_small if small else st.cell
    # A short plain value that fits its column on one line is drawn as a string: a Paragraph
    # (parsed, wrapped) costs ten times as much and looks the same. Anything longer wraps.
    room = [w - 8 - 1 for w in widths]  # less the left and right padding, and a point to spare

    def fits(value: Any, column: int) -> bool:
        return (isinstance(value, str) and not isinstance(value, Markup) and "\n" not in value
                and is_simple(value, base.fontName)
                and stringWidth(value, base.fontName, base.fontSize) <= room[column])

    body = [[v if fits(v, i) else cell(st, v, small=small, right=i in numeric) for i, v in enumerate(row)]
            for row in rows]
    result = _table_class()([head, *body], colWidths=widths, repeatRows=1, splitInRow=1, hAlign="LEFT")
    style = [
        ("FONT", (0, 1), (-1, -1), base.fontName, base.fontSize, base.leading),
        *(("ALIGN", (i, 1), (i, -1), "RIGHT") for i in numeric),
        ("BACKGROUND", (0, 0), (-1, 0), st.header_fill),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.4, st.rule),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        *extra_style,
    ]
    if divider is not None:
        style.append(("LINEAFTER", (divider - 1, 0), (divider - 1, -1), 1.2, st.rule))
    result.setStyle(TableStyle(style))
    return result


def key_values(st: Styles, width: float, pairs: Sequence[tuple[str, str]]) -> Flowable:
    """A two-column table: bold labels on the left, values (wrapped) on the right."""
    from reportlab.platypus import Paragraph, TableStyle

    rows = [[Paragraph(esc(k), st.cell_bold), Paragraph(esc(v), st.cell)] for k, v in pairs]
    result = _table_class()(rows, colWidths=[width * 0.26, width * 0.74], splitInRow=1, hAlign="LEFT")
    result.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (0, -1), st.label_fill),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.4, st.rule),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return result
