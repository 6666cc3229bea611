"""The quality report (a MARAC against SafeLives' ten principles) as PDF.

Fed only by the plain data below (built by cspdesk.services.papers.quality); nothing here touches
the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from cspdesk.domain.periods import Period
from cspdesk.reports.document import PageFurniture, Styles, esc, fmt_date, heading, key_values, render_pdf, table

if TYPE_CHECKING:  # pragma: no cover
    from reportlab.platypus import Flowable

#: What the attendance table's marks mean.
LEGEND = "P present · A apologies · X absent · – no record"


@dataclass(frozen=True)
class QualityMeasure:
    principle: str  # "4. Independent representation (IDVA)"
    name: str
    value: str  # as read: "7 of 9 (77.8%)", "not recorded"
    guide: str
    #: "within", "below", "above" the guide, or "" when there is no range or nothing to measure.
    verdict: str = ""
    #: The number behind ``value`` (a share in %, minutes, days…), None when not recorded.
    figure: float | None = None


@dataclass(frozen=True)
class AgencyAttendance:
    agency: str
    marks: tuple[str, ...]  # one a meeting, in meeting order
    present: int  # meetings attended


@dataclass(frozen=True)
class QualityReport:
    partnership: str
    protective_marking: str
    panel: str
    period: Period
    generated_at: datetime
    generated_by: str
    measures: tuple[QualityMeasure, ...]
    meeting_dates: tuple[date, ...]
    attendance: tuple[AgencyAttendance, ...]

    def measure(self, name: str) -> QualityMeasure:
        for m in self.measures:
            if m.name == name:
                return m
        raise KeyError(name)


def render_quality_pdf(data: QualityReport, *, invariant: bool = False) -> bytes:
    furniture = PageFurniture(
        protective_marking=data.protective_marking, partnership=data.partnership, panel=data.panel,
        document="Quality report", printed_by=data.generated_by, printed_at=data.generated_at,
        title=f"Quality report: {data.panel}, {data.period.label}", landscape=len(data.meeting_dates) > 8,
    )
    return render_pdf(furniture, lambda st, width: _story(data, st, width), invariant=invariant)


def _story(data: QualityReport, st: Styles, width: float) -> list[Flowable]:
    from reportlab.platypus import Paragraph, Spacer

    story: list[Flowable] = [
        Paragraph("Quality report", st.title),
        Paragraph(esc(f"{data.panel} — {data.period.label}: against SafeLives' ten principles"), st.subtitle),
        key_values(st, width, [
            ("Period", f"{fmt_date(data.period.start)} to {fmt_date(data.period.end)}"),
            ("Meetings held", ", ".join(fmt_date(d) for d in data.meeting_dates) or "None"),
        ]),
        Spacer(1, 4),
    ]
    story.extend(heading(st, "Measures", 2))
    ordered = sorted(data.measures, key=lambda m: int(m.principle.split(".")[0]))  # in the principles' order
    rows = [[m.principle, m.name, m.value, m.guide, m.verdict.capitalize() or "–"] for m in ordered]
    story.append(table(st, width, ["Principle", "Measure", "This period", "Guide", "Against the guide"], rows,
                       [0.21, 0.19, 0.29, 0.19, 0.12]))
    story.extend(heading(st, "Agencies' attendance by meeting", 2))
    if not data.meeting_dates or not data.attendance:
        story.append(Paragraph("No attendance recorded in this period.", st.none))
        return story
    dates = [f"{d:%d %b}" for d in data.meeting_dates]
    n = len(dates)
    last = 0.1
    each = min(0.09, (1 - 0.2 - last) / n)  # a date column is narrow; the agency's name takes the rest
    first = 1 - last - each * n
    rows = [[a.agency, *a.marks, f"{a.present} of {n}"] for a in data.attendance]
    story.append(table(st, width, ["Agency", *dates, "Attended"], rows, [first, *([each] * n), last],
                       small=n > 8, numeric=tuple(range(1, n + 2))))
    story.append(Paragraph(esc(LEGEND), st.note))
    return story
