"""A CARM context's assessment and plan on paper: the current assessment (and the dates of the
earlier versions), then the plan — each goal with its measures and its responses, owner, due date
and status. Fed only by :class:`ContextPaper`; nothing here touches the database. The copy for
circulation arrives already redacted (cspdesk.domain.redaction, in the service): this says so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from cspdesk.reports.document import PageFurniture, Styles, esc, fmt_date, heading, key_values, render_pdf, table

if TYPE_CHECKING:  # pragma: no cover
    from reportlab.platypus import Flowable


@dataclass(frozen=True)
class PaperAssessment:
    assessed_on: date
    assessor: str
    parts: tuple[tuple[str, str], ...]  # (heading, text), in the domain's order


@dataclass(frozen=True)
class PaperResponse:
    text: str
    agency: str
    owner: str
    due_date: date | None
    status: str
    status_reason: str


@dataclass(frozen=True)
class PaperGoal:
    goal: str
    measures: str
    responses: tuple[PaperResponse, ...]


@dataclass(frozen=True)
class ContextPaper:
    partnership: str
    protective_marking: str
    generated_at: datetime
    generated_by: str
    kind: str  # "Place", "School", "Peer group"
    name: str
    reference: str
    panel: str
    #: Newest first: the first is the current assessment.
    assessments: tuple[PaperAssessment, ...]
    goals: tuple[PaperGoal, ...]
    other_responses: tuple[PaperResponse, ...]
    redacted: bool = False


TITLE = "Context assessment and plan"


def render_context_pdf(paper: ContextPaper, *, invariant: bool = False) -> bytes:
    furniture = PageFurniture(
        protective_marking=paper.protective_marking,
        partnership=paper.partnership,
        document=TITLE + (" (for circulation)" if paper.redacted else ""),
        printed_by=paper.generated_by,
        printed_at=paper.generated_at,
        title=TITLE,  # never the place's name: file managers and indexers show it
    )
    return render_pdf(furniture, lambda st, width: _story(paper, st, width), invariant=invariant)


def _story(paper: ContextPaper, st: Styles, width: float) -> list[Flowable]:
    from reportlab.platypus import Paragraph

    story: list[Flowable] = [Paragraph(esc(TITLE), st.title),
                             Paragraph(esc(f"{paper.kind}: {paper.name}"), st.subtitle),
                             Paragraph(esc(f"{paper.panel} — case {paper.reference}"), st.note)]
    if paper.redacted:
        story.append(Paragraph("This copy is for circulation: addresses, telephone numbers, e-mail addresses, "
                               "postcodes and safe-contact notes read [address removed], [phone removed], "
                               "[email removed], [postcode removed] or [contact note removed].", st.note))
    story += heading(st, "Context assessment", 2)
    if not paper.assessments:
        story.append(Paragraph("Not assessed yet.", st.none))
    else:
        current = paper.assessments[0]
        story.append(Paragraph(esc(f"Assessed on {fmt_date(current.assessed_on)} by {current.assessor}."), st.note))
        story.append(key_values(st, width, [(h, text or "Not recorded") for h, text in current.parts]))
        if len(paper.assessments) > 1:
            earlier = "; ".join(f"{fmt_date(a.assessed_on)} ({a.assessor})" for a in paper.assessments[1:])
            story.append(Paragraph(esc(f"Earlier versions: {earlier}."), st.note))
    story += heading(st, "Context plan", 2)
    if not paper.goals and not paper.other_responses:
        story.append(Paragraph("No plan yet.", st.none))
    for number, goal in enumerate(paper.goals, start=1):
        story += heading(st, f"Goal {number}: {goal.goal}", 3)
        story.append(Paragraph(esc(f"Measures: {goal.measures or 'none set'}"), st.body))
        story.append(_responses(st, width, goal.responses))
    if paper.other_responses:
        story += heading(st, "Other actions on the context", 3)
        story.append(_responses(st, width, paper.other_responses))
    return story


def _responses(st: Styles, width: float, responses: tuple[PaperResponse, ...]) -> Flowable:
    from reportlab.platypus import Paragraph

    if not responses:
        return Paragraph("No responses yet.", st.none)
    rows = [[r.text, "\n".join(x for x in (r.agency, r.owner) if x), fmt_date(r.due_date),
             r.status + (f": {r.status_reason}" if r.status_reason else "")] for r in responses]
    return table(st, width, ["Response", "Owner", "Due", "Status"], rows, [0.5, 0.22, 0.12, 0.16])
