"""CARM's map on paper: the graph as drawn on screen (the same layout), a key, the trend alerts and
a list of every node with its links. Fed only by :class:`ContextMapPaper`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from cspdesk.domain.context_map import ContextMap, NodeKind
from cspdesk.reports.document import PageFurniture, Styles, esc, fmt_date, heading, render_pdf, table

if TYPE_CHECKING:  # pragma: no cover
    from reportlab.platypus import Flowable

#: Each kind's colour on paper and on screen (the window reads these too: one legend).
NODE_COLOURS = {
    NodeKind.YOUNG_PERSON: "#2E7D32",
    NodeKind.ADULT: "#C62828",
    NodeKind.PERSON: "#78909C",
    NodeKind.PEER_GROUP: "#6A1B9A",
    NodeKind.OCG: "#4E342E",
    NodeKind.PLACE: "#1565C0",
}


@dataclass(frozen=True)
class ContextMapPaper:
    partnership: str
    protective_marking: str
    generated_at: datetime
    generated_by: str
    map: ContextMap


def render_context_map_pdf(paper: ContextMapPaper, *, invariant: bool = False) -> bytes:
    furniture = PageFurniture(
        protective_marking=paper.protective_marking, partnership=paper.partnership,
        document="Map of contexts", panel=", ".join(paper.map.panels), printed_by=paper.generated_by,
        printed_at=paper.generated_at, title="Map of contexts", landscape=True,
    )
    return render_pdf(furniture, lambda st, width: _story(paper, st, width), invariant=invariant)


def _story(paper: ContextMapPaper, st: Styles, width: float) -> list[Flowable]:
    from reportlab.platypus import Paragraph

    found = paper.map
    period = f"{fmt_date(found.start) or 'the start'} to {fmt_date(found.end) or 'today'}"
    story: list[Flowable] = [
        Paragraph("Map of contexts", st.title),
        Paragraph(esc(f"{', '.join(found.panels) or 'No panel'} — cases referred from {period}"), st.subtitle),
        Paragraph("Only the panels the printer is a member of are drawn: a group or place known only to other "
                  "panels is not shown.", st.note),
    ]
    if not found.nodes:
        story.append(Paragraph("Nothing to draw: no cases in the period.", st.none))
        return story
    story.append(_drawing(found, st, width, height=330))
    story.append(Paragraph(" &nbsp; ".join(
        f'<font color="{NODE_COLOURS[k]}">●</font> {esc(k.label)}' for k in NodeKind), st.note))
    story.extend(heading(st, "Trend alerts", 2))
    if found.alerts:
        story.append(table(st, width, ["Place or adult", "Young people linked"],
                           [[a.label, str(a.young_people)] for a in found.alerts], [0.7, 0.3], numeric=(1,)))
    else:
        story.append(Paragraph("No place or adult is linked to several young people in the period.", st.none))
    story.extend(heading(st, f"Who and what is on the map ({len(found.nodes)})", 2))
    rows = [[n.kind.label, n.label, str(found.links(n.key))]
            for n in sorted(found.nodes, key=lambda n: (list(NodeKind).index(n.kind), n.label, n.key))]
    story.append(table(st, width, ["Kind", "Name", "Links"], rows, [0.25, 0.6, 0.15], numeric=(2,)))
    return story


def _drawing(found: ContextMap, st: Styles, width: float, height: float) -> Flowable:
    from reportlab.graphics.shapes import Circle, Drawing, Line, String
    from reportlab.lib import colors

    margin = 40
    drawing = Drawing(width, height)

    def at(x: float, y: float) -> tuple[float, float]:
        return margin + (x + 1) / 2 * (width - 2 * margin), 14 + (y + 1) / 2 * (height - 28)

    spots = {n.key: at(n.x, n.y) for n in found.nodes}
    for e in found.edges:
        (x1, y1), (x2, y2) = spots[e.a], spots[e.b]
        drawing.add(Line(x1, y1, x2, y2, strokeColor=colors.HexColor("#9E9E9E"), strokeWidth=0.6))
    alerted = {a.key for a in found.alerts}
    for n in found.nodes:
        x, y = spots[n.key]
        drawing.add(Circle(x, y, 6 if n.key in alerted else 4, fillColor=colors.HexColor(NODE_COLOURS[n.kind]),
                           strokeColor=colors.HexColor("#D32F2F") if n.key in alerted else colors.white,
                           strokeWidth=1.5 if n.key in alerted else 0.5))
        drawing.add(String(x + 7, y - 2.5, n.label[:40], fontName=st.regular, fontSize=6.5))
    return drawing
