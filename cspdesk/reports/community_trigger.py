"""ASB Case Review papers: the response letter to the applicant and the published annual figures.
Fed only by plain data (:class:`ResponseLetter`, the service's AnnualFigures); no database here.

The letter is the applicant's: it carries their name and address, the dates and agencies of the
incidents they reported (not the descriptions, which may name others) and the review's
recommendations with others' contact details already removed by the service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from cspdesk.reports.document import PageFurniture, Styles, esc, render_pdf, table

if TYPE_CHECKING:  # pragma: no cover
    from reportlab.platypus import Flowable


@dataclass(frozen=True)
class ResponseLetter:
    partnership: str
    protective_marking: str
    generated_at: datetime
    generated_by: str
    panel: str
    reference: str
    applicant_name: str
    applicant_address: str
    received_on: date
    on_behalf: bool
    threshold_met: bool | None
    decided_on: date | None
    decision_reason: str
    reviewed_on: date | None
    incidents: tuple[tuple[date, str], ...]  # (date, agency reported to)
    #: Each with ``agency`` and ``text`` (cspdesk.services.referrals.community_trigger.RecommendationRow).
    recommendations: tuple[Any, ...]
    dated: date


def render_letter_pdf(letter: ResponseLetter, *, invariant: bool = False) -> bytes:
    furniture = PageFurniture(protective_marking=letter.protective_marking, partnership=letter.partnership,
                              document="ASB case review: response", printed_by=letter.generated_by,
                              printed_at=letter.generated_at, panel=letter.panel,
                              title=f"ASB case review response {letter.reference}")
    return render_pdf(furniture, lambda st, width: _letter(letter, st, width), invariant=invariant)


def _letter(x: ResponseLetter, st: Styles, width: float) -> list[Flowable]:
    from reportlab.platypus import Paragraph, Spacer

    address = "<br/>".join(esc(line) for line in [x.applicant_name, *x.applicant_address.splitlines()] if line.strip())
    story: list[Flowable] = [Paragraph(address, st.body), Spacer(1, 10),
                             Paragraph(esc(f"{x.dated:%d %B %Y}"), st.body), Spacer(1, 6),
                             Paragraph(esc(f"Our reference: {x.reference}"), st.body), Spacer(1, 10),
                             Paragraph("Anti-social behaviour case review (Community Trigger)", st.subtitle),
                             Paragraph(esc(f"Dear {x.applicant_name},"), st.body), Spacer(1, 6)]
    behalf = " on behalf of the person you named" if x.on_behalf else ""
    para = [f"Thank you for your application{behalf} for an anti-social behaviour case review, which we "
            f"received on {x.received_on:%d %B %Y}. You told us of {len(x.incidents)} incident(s)."]
    if x.threshold_met is None:
        para.append("We have not yet decided whether your application meets the threshold for a review; "
                    "we will write to you when we have.")
    elif not x.threshold_met:
        para.append(f"On {x.decided_on:%d %B %Y} we decided that it does not meet the threshold for a case "
                    f"review: {x.decision_reason}. If you are not satisfied with this decision you may ask "
                    f"for it to be looked at again.")
    else:
        para.append(f"On {x.decided_on:%d %B %Y} we decided that it meets the threshold for a case review.")
        if x.reviewed_on is not None:
            para.append(f"The {x.panel} held the review on {x.reviewed_on:%d %B %Y}.")
    for p in para:
        story += [Paragraph(esc(p), st.body), Spacer(1, 5)]
    if x.incidents:
        story.append(Paragraph("The incidents you reported", st.h3))
        story.append(table(st, width * 0.7, ["Date", "Reported to"],
                           [[f"{d:%d %b %Y}", agency] for d, agency in x.incidents], [0.35, 0.65]))
    if x.reviewed_on is not None:
        story.append(Paragraph("What the review recommended", st.h3))
        if x.recommendations:
            story.append(table(st, width, ["", "Recommendation", "Agency"],
                               [[str(n), r.text, r.agency or "—"] for n, r in enumerate(x.recommendations, 1)],
                               [0.05, 0.7, 0.25]))
        else:
            story.append(Paragraph("The review made no recommendations.", st.body))
    story += [Spacer(1, 10), Paragraph("Yours sincerely,", st.body), Spacer(1, 18),
              Paragraph(esc(f"{x.panel}, {x.partnership}"), st.body)]
    return story


def render_annual_pdf(figures: Any, *, partnership: str, marking: str, by: str, at: datetime,
                      invariant: bool = False) -> bytes:
    furniture = PageFurniture(protective_marking=marking, partnership=partnership,
                              document="ASB case review figures", printed_by=by, printed_at=at,
                              panel=figures.panel, title=f"ASB case review figures {figures.year}")

    def story(st: Styles, width: float) -> list[Flowable]:
        from reportlab.platypus import Paragraph

        return [Paragraph(esc(f"ASB case reviews (Community Trigger), {figures.year}"), st.title),
                Paragraph(esc(figures.panel), st.subtitle),
                Paragraph(esc(f"1 January to 31 December {figures.year}. The threshold: {figures.rule_text}. "
                              "Decisions and reviews are counted in the year they were made or held."), st.note),
                table(st, width * 0.6, ["Figure", "Number"], [[k, f"{v:,}"] for k, v in figures.lines],
                      [0.75, 0.25], numeric=(1,))]

    return render_pdf(furniture, story, invariant=invariant)
