"""A chronology on paper: one row per event, oldest first, under the partnership's marking. Fed only
by :class:`ChronologyPaper`; nothing here touches the database. The copy for circulation arrives
already redacted (cspdesk.domain.redaction, in the service): this module only says so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from cspdesk.reports.document import Markup, PageFurniture, Styles, esc, render_pdf, table

if TYPE_CHECKING:  # pragma: no cover
    from reportlab.platypus import Flowable


@dataclass(frozen=True)
class PaperEvent:
    on: date
    at: datetime | None
    kind: str
    panel: str
    case_reference: str
    title: str
    detail: str


@dataclass(frozen=True)
class ChronologyPaper:
    partnership: str
    protective_marking: str
    generated_at: datetime
    generated_by: str
    title: str  # "Chronology of a person"
    subject: str  # the person's name, the case's reference, the group's reference and name
    panels: tuple[str, ...]  # the panels the chronology draws on (the user's, with events)
    filters: str  # the filter in words; "" for everything
    events: tuple[PaperEvent, ...]
    redacted: bool = False


def render_chronology_pdf(paper: ChronologyPaper, *, invariant: bool = False) -> bytes:
    furniture = PageFurniture(
        protective_marking=paper.protective_marking,
        partnership=paper.partnership,
        document=paper.title + (" (for circulation)" if paper.redacted else ""),
        printed_by=paper.generated_by,
        printed_at=paper.generated_at,
        title=paper.title,  # never the person's name: file managers and indexers show it
    )
    return render_pdf(furniture, lambda st, width: _story(paper, st, width), invariant=invariant)


def _story(paper: ChronologyPaper, st: Styles, width: float) -> list[Flowable]:
    from reportlab.platypus import Paragraph

    story: list[Flowable] = [Paragraph(esc(paper.title), st.title), Paragraph(esc(paper.subject), st.subtitle)]
    drawn_from = ", ".join(paper.panels) if paper.panels else "no panel"
    story.append(Paragraph(esc(f"Drawn from the panels the printer is a member of: {drawn_from}. Events on other "
                               "panels are not shown."), st.note))
    if paper.filters:
        story.append(Paragraph(esc(f"Filtered — {paper.filters}."), st.note))
    if paper.redacted:
        story.append(Paragraph("This copy is for circulation: addresses, telephone numbers, e-mail addresses, "
                               "postcodes and safe-contact notes read [address removed], [phone removed], "
                               "[email removed], [postcode removed] or [contact note removed].", st.note))
    if not paper.events:
        story.append(Paragraph("No events.", st.none))
        return story
    rows = []
    for e in paper.events:
        when = f"{e.on:%d %b %Y}" + (f"\n{e.at:%H:%M}" if e.at is not None and (e.at.hour or e.at.minute) else "")
        where = "\n".join(x for x in (e.panel, e.case_reference) if x) or "Person's record"
        what = Markup(f"<b>{esc(e.title)}</b>" + (f"<br/>{esc(e.detail)}" if e.detail else ""))
        rows.append([when, e.kind, where, what])
    story.append(table(st, width, ["Date", "Event", "Panel / case", "What happened"], rows,
                       [0.13, 0.14, 0.2, 0.53]))
    story.append(Paragraph(esc(f"{len(paper.events)} event(s)."), st.note))
    return story
