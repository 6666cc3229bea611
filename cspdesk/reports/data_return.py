"""The quarterly data return as PDF (tables and bar charts), CSV and XLSX.

Fed only by :class:`cspdesk.services.papers.returns.DataReturn`; nothing here touches the database.
Charts are drawn in greys with the number on each bar, so they read in black and white.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from cspdesk.domain.cells import guard_row
from cspdesk.domain.enums import PanelType
from cspdesk.domain.periods import Period

from cspdesk.reports.document import (
    Markup,
    PageFurniture,
    Styles,
    esc,
    fmt_date,
    heading,
    key_values,
    render_pdf,
    table,
)

if TYPE_CHECKING:  # pragma: no cover
    from reportlab.platypus import Flowable


def one_decimal(value: float) -> str:
    """``value`` to one decimal place, halves rounded up as people do by hand (25.25 → 25.3)."""
    return str(Decimal(repr(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


# --- The plain data ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """One line of the return: a count, and the count it is a share of (for a %)."""

    name: str
    count: int | None
    of: int | None = None
    note: str = ""
    #: A rate or other figure that is not a count (never suppressed), shown as written.
    text: str = ""

    @property
    def percent(self) -> float | None:
        if self.count is None or not self.of:
            return None
        return 100.0 * self.count / self.of


@dataclass(frozen=True)
class Section:
    title: str
    measures: tuple[Measure, ...]
    #: The first column's heading when the measures are categories ("Agency", "Flag").
    category: str = "Measure"


@dataclass(frozen=True)
class Series:
    """Counts to draw as a bar chart."""

    title: str
    labels: tuple[str, ...]
    values: tuple[int, ...]
    horizontal: bool = False


@dataclass(frozen=True)
class DataReturn:
    partnership: str
    protective_marking: str
    panel: str
    panel_type: PanelType
    period: Period
    generated_at: datetime
    generated_by: str
    suppress_small: bool
    small_threshold: int
    meeting_dates: tuple[date, ...] = ()
    sections: tuple[Section, ...] = ()
    charts: tuple[Series, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def shown(self, count: int | None) -> str:
        """A count as the reader sees it: "<5" under the threshold when suppressing."""
        if count is None:
            return "—"
        if self.suppress_small and 0 < count < self.small_threshold:
            return f"<{self.small_threshold}"
        return f"{count:,}"

    def shown_percent(self, m: Measure) -> str:
        if m.percent is None or (self.suppress_small and m.count is not None and 0 < m.count < self.small_threshold):
            return ""
        return f"{one_decimal(m.percent)}%"

    def value(self, m: Measure) -> str:
        return m.text if m.text else self.shown(m.count)

    def figure(self, section: str, name: str) -> Measure:
        """The measure called ``name`` in the section called ``section`` (for tests and exports)."""
        for s in self.sections:
            if s.title == section:
                for m in s.measures:
                    if m.name == name:
                        return m
        raise KeyError(f"{section} / {name}")


# --- PDF ---------------------------------------------------------------------------------------------


def render_data_return_pdf(data: DataReturn, *, invariant: bool = False) -> bytes:
    furniture = PageFurniture(
        protective_marking=data.protective_marking,
        partnership=data.partnership,
        panel=data.panel,
        document="Data return",
        printed_by=data.generated_by,
        printed_at=data.generated_at,
        title=f"Data return: {data.panel}, {data.period.label}",
    )
    return render_pdf(furniture, lambda st, width: _story(data, st, width), invariant=invariant)


def _story(data: DataReturn, st: Styles, width: float) -> list[Flowable]:
    from reportlab.platypus import KeepTogether, Paragraph, Spacer

    story: list[Flowable] = [
        Paragraph("Data return", st.title),
        Paragraph(esc(f"{data.panel} — {data.period.label}"), st.subtitle),
        key_values(st, width, [
            ("Panel", f"{data.panel} ({data.panel_type.label})"),
            ("Period", f"{fmt_date(data.period.start)} to {fmt_date(data.period.end)}"),
            *([("Meetings held", ", ".join(fmt_date(d) for d in data.meeting_dates) or "None")]
              if data.panel_type.value == "marac" else []),
            ("Small numbers", f"Counts under {data.small_threshold} are shown as “<{data.small_threshold}”"
             if data.suppress_small else "Shown as counted (not suppressed)"),
        ]),
        Spacer(1, 4),
    ]
    for note in data.notes:
        story.append(Paragraph(esc(note), st.note))
    for section in data.sections:
        story.extend(heading(st, section.title, 2))
        if not section.measures:
            story.append(Paragraph("None in this period.", st.none))
            continue
        rows = [[_name_cell(m.name, m.note), data.value(m), data.shown_percent(m)] for m in section.measures]
        story.append(table(st, width, [section.category, "Count", "%"], rows, [0.66, 0.18, 0.16], numeric=(1, 2)))
    charts = [_suppressed(data, c) for c in data.charts if any(c.values)]
    for chart in charts:
        # A chart is small: it moves to the next page with its heading rather than leave it behind.
        story.append(KeepTogether([*heading(st, chart.title, 3),
                                   _bar_chart(st, chart, width, data.small_threshold if data.suppress_small else 0)]))
        note = _chart_note(data, chart)
        if note:
            story.append(Paragraph(esc(note), st.note))
    return story


def _name_cell(name: str, note: str) -> Markup:
    if not note:
        return Markup(esc(name))
    return Markup(f"{esc(name)}<br/><font size='7.5' color='#555555'>{esc(note)}</font>")


def _suppressed(data: DataReturn, series: Series) -> Series:
    """With small numbers suppressed a bar's length would give its count away: categories under
    the threshold are merged into "Others" (shown only if the merged count is not small itself);
    months under it keep their place with no bar."""
    from dataclasses import replace

    if not data.suppress_small:
        return series
    small = data.small_threshold
    if series.horizontal:
        kept = [(label, v) for label, v in zip(series.labels, series.values, strict=True) if v >= small]
        others = sum(v for v in series.values if 0 < v < small)
        if others >= small:
            kept.append(("Others (each under %d)" % small, others))
        return replace(series, labels=tuple(k for k, _ in kept), values=tuple(v for _, v in kept))
    return series


def _bar_chart(st: Styles, series: Series, width: float, suppress_below: int = 0) -> Flowable:
    """A bar chart: months down the x axis, or categories down the y axis (``horizontal``); each bar
    labelled with its value, in greys that survive a black-and-white printer."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    values = list(series.values)
    top = max(values) if values else 1
    step = _nice_step(top)
    if series.horizontal:
        bar_height = 14
        height = 30 + bar_height * len(values)
        drawing = Drawing(width, height)
        chart = HorizontalBarChart()
        chart.x, chart.y = width * 0.36, 20
        chart.width, chart.height = width * 0.58, height - 26
        # Top row first: reportlab draws the first category at the bottom.
        chart.data = [values[::-1]]
        chart.categoryAxis.categoryNames = [_short(label, 40) for label in series.labels[::-1]]
        chart.categoryAxis.labels.boxAnchor = "e"
        chart.categoryAxis.labels.dx = -4
    else:
        height = 150
        drawing = Drawing(width, height)
        chart = VerticalBarChart()
        chart.x, chart.y = 30, 34
        chart.width, chart.height = width - 40, height - 44
        chart.data = [values]
        chart.categoryAxis.categoryNames = list(series.labels)
        chart.categoryAxis.labels.angle = 30 if len(values) > 6 else 0
        chart.categoryAxis.labels.boxAnchor = "ne" if len(values) > 6 else "n"
        chart.categoryAxis.labels.dy = -2
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = step * (top // step + 1)
    chart.valueAxis.valueStep = step
    for axis in (chart.categoryAxis.labels, chart.valueAxis.labels):
        axis.fontName, axis.fontSize = st.regular, 7
    chart.bars[0].fillColor = colors.HexColor("#6B7A8F")
    chart.bars[0].strokeColor = colors.HexColor("#333333")
    if suppress_below and not series.horizontal:
        labels = [f"<{suppress_below}" if 0 < v < suppress_below else str(v) for v in values]
        chart.data = [[0 if 0 < v < suppress_below else v for v in values]]
        chart.barLabelFormat = "values"
        chart.barLabelArray = [labels]
    else:
        chart.barLabelFormat = "%d"
    chart.barLabels.fontName, chart.barLabels.fontSize = st.regular, 7
    chart.barLabels.nudge = 7
    drawing.add(chart)
    return drawing


# --- Charts for the screen ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ChartSvg:
    """One chart of a return drawn as SVG for the app's dashboard, with the note the PDF prints
    under it (empty when there is none)."""

    title: str
    svg: bytes
    note: str = ""


#: The width, in points, the dashboard's charts are drawn at (they scale with the window).
SCREEN_CHART_WIDTH = 520.0


def chart_svg(series: Series, *, width: float = SCREEN_CHART_WIDTH, suppress_below: int = 0) -> bytes:
    """``series`` drawn as the PDF draws it (:func:`_bar_chart`), as SVG bytes (UTF-8).

    Made plain enough for SVG Tiny viewers (Qt's QtSvg): the PDF's registered TrueType font has no
    name a screen knows, so the SVG asks for the same face by its family name, then for any
    sans-serif; and the drawing-sized clip path reportlab adds (it clips nothing) is taken out,
    because a viewer without clip paths paints its rectangle black over the whole chart."""
    import re

    from reportlab.graphics import renderSVG

    drawing = _bar_chart(Styles(), series, width, suppress_below)
    text = renderSVG.drawToString(drawing)
    for ours in ("CSPDesk-Sans-Bold", "CSPDesk-Sans"):
        text = text.replace(ours, "DejaVu Sans, Arial, Helvetica, sans-serif")
    text = re.sub(r"\s*<clipPath id=\"clip\">.*?</clipPath>", "", text, flags=re.DOTALL)
    text = text.replace(' style="clip-path: url(#clip)"', "")
    text = text.replace("<title>...</title>", f"<title>{_xml(series.title)}</title>").replace("<desc>...</desc>", "")
    return text.encode("utf-8")


def _xml(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(text)


def data_return_charts(data: DataReturn, *, width: float = SCREEN_CHART_WIDTH) -> tuple[ChartSvg, ...]:
    """The charts of ``data`` the PDF would print (the same suppression, the same notes), as SVG;
    charts with nothing to draw are left out, as in the PDF."""
    out = []
    small = data.small_threshold if data.suppress_small else 0
    for series in data.charts:
        if not any(series.values):
            continue
        chart = _suppressed(data, series)
        out.append(ChartSvg(chart.title, chart_svg(chart, width=width, suppress_below=small), _chart_note(data, chart)))
    return tuple(out)


def _chart_note(data: DataReturn, chart: Series) -> str:
    if not data.suppress_small:
        return ""
    if chart.horizontal and chart.labels and chart.labels[-1].startswith("Others"):
        return f"Categories with fewer than {data.small_threshold} are counted together under “Others”."
    if any(0 < v < data.small_threshold for v in chart.values):
        return f"Bars for fewer than {data.small_threshold} are left out and marked “<{data.small_threshold}”."
    return ""


def _nice_step(top: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if top / step <= 6:
            return step
    return 10_000


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- CSV and XLSX --------------------------------------------------------------------------------------


HEADER = ("Section", "Measure", "Count", "Of", "Percent", "Note")


def _rows(data: DataReturn) -> list[tuple[str, str, str, str, str, str]]:
    rows = []
    for section in data.sections:
        for m in section.measures:
            suppressed = data.suppress_small and m.count is not None and 0 < m.count < data.small_threshold
            percent = data.shown_percent(m).rstrip("%")
            rows.append((section.title, m.name, data.value(m),
                         "" if m.of is None or suppressed else str(m.of), percent, m.note))
    return rows


def data_return_csv(data: DataReturn) -> bytes:
    """UTF-8 with a byte-order mark, so Excel opens names such as Łukasz correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    # Every cell through the one guard: names come from whoever set the partnership up.
    writer.writerow(guard_row(["Partnership", data.partnership]))
    writer.writerow(guard_row(["Panel", data.panel]))
    writer.writerow(["Period", data.period.start.isoformat(), data.period.end.isoformat()])
    writer.writerow(guard_row(["Protective marking", data.protective_marking]))
    writer.writerow([])
    writer.writerow(HEADER)
    for row in _rows(data):
        writer.writerow(guard_row(row))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def data_return_xlsx(data: DataReturn) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = "Data return"
    # openpyxl writes a text starting with "=" as a formula: every cell through the one guard.
    sheet.append(guard_row(["Partnership", data.partnership]))
    sheet.append(guard_row(["Panel", data.panel]))
    sheet.append(["Period", data.period.start, data.period.end])
    sheet.append(guard_row(["Protective marking", data.protective_marking]))
    sheet.append([])
    sheet.append(list(HEADER))
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E4E8EE")
    for section, measure, count, of, percent, note in _rows(data):
        sheet.append(guard_row([
            section, measure, _number(count), _number(of),
            float(percent) if percent else None, note,
        ]))
    for column, width in zip("ABCDEF", (28, 46, 10, 10, 10, 60), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _number(text: str) -> int | float | str | None:
    if text == "":
        return None
    try:
        return int(text.replace(",", ""))
    except ValueError:
        try:
            return float(text.replace(",", ""))
        except ValueError:
            return text  # "<5", "Population not set"
