"""The printed record of a daily triage meeting: each referral, its outcome and minute, under the
partnership's marking. Fed only by :class:`TriagePaper`; nothing here touches the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from cspdesk.reports.document import PageFurniture, Styles, esc, render_pdf, table

if TYPE_CHECKING:  # pragma: no cover
    from reportlab.platypus import Flowable


@dataclass(frozen=True)
class TriagePaper:
    partnership: str
    protective_marking: str
    generated_at: datetime
    generated_by: str
    #: cspdesk.services.meetings.triage.TriageDetail (reports never import services: the layers contract).
    detail: Any


def render_triage_pdf(paper: TriagePaper, *, invariant: bool = False) -> bytes:
    d = paper.detail
    furniture = PageFurniture(protective_marking=paper.protective_marking, partnership=paper.partnership,
                              document="Daily triage record", printed_by=paper.generated_by,
                              printed_at=paper.generated_at, panel=d.panel,
                              title=f"Daily triage record {d.held_on:%d %b %Y}")
    return render_pdf(furniture, lambda st, width: _story(paper, st, width), invariant=invariant)


def _story(paper: TriagePaper, st: Styles, width: float) -> list[Flowable]:
    from reportlab.platypus import Paragraph

    d = paper.detail
    story: list[Flowable] = [Paragraph(esc(f"Daily triage — {d.held_on:%A %d %B %Y}"), st.title),
                             Paragraph(esc(d.panel), st.subtitle),
                             Paragraph(esc(f"Referrals {d.window.label}, not yet triaged, and any left undecided "
                                           "at an earlier triage."), st.note)]
    if not d.entries:
        story.append(Paragraph("No referrals to triage.", st.none))
        return story
    rows = []
    for e in d.entries:
        outcome = e.outcome.label if e.outcome else "Not yet decided"
        if e.listed_on:
            outcome += f"\n(listed for the MARAC of {e.listed_on})"
        rows.append([e.reference, e.subject, f"{e.referral_date:%d %b %Y}", e.referring_agency or "—",
                     e.risk_level or "—", outcome, e.minute or ""])
    story.append(table(st, width, ["Reference", "Subject", "Received", "Referred by", "Risk", "Outcome", "Minute"],
                       rows, [0.12, 0.15, 0.1, 0.13, 0.07, 0.15, 0.28]))
    counts = d.counts()
    summary = "; ".join(f"{o.label}: {counts[o]}" for o in counts if o is not None)
    story.append(Paragraph(esc(f"{len(d.entries)} referral(s). {summary}; not yet decided: {counts[None]}."),
                           st.note))
    return story
