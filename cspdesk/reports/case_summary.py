"""The case summary: one case on paper for the panel — its people, details, history, discussions,
risk assessments and actions. Fed only by :class:`CaseSummaryData`; nothing here touches the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

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
    yes_no,
)
from cspdesk.reports.subject_access import SarCase, case_flowables

if TYPE_CHECKING:  # pragma: no cover
    from reportlab.platypus import Flowable


@dataclass(frozen=True)
class SummaryPerson:
    role: str
    name: str
    date_of_birth: date | None
    age: int | None
    details: str  # relationship, school: what the link records
    address: str
    phone: str
    safe_to_call: bool | None
    safe_times: str
    #: Earlier contact details, newest first ("Moved from … on …"); empty in a copy without them.
    contact_history: tuple[str, ...] = ()


@dataclass(frozen=True)
class CaseSummaryData:
    partnership: str
    protective_marking: str
    generated_at: datetime
    generated_by: str
    case: SarCase
    people: tuple[SummaryPerson, ...]
    #: False for a copy without addresses, telephone numbers and safe-contact notes.
    contact_details: bool = True
    #: A MARAC referral's criteria, consent and lawful basis as (label, value) pairs.
    criteria: tuple[tuple[str, str], ...] = ()


def render_case_summary_pdf(data: CaseSummaryData, *, invariant: bool = False) -> bytes:
    furniture = PageFurniture(
        protective_marking=data.protective_marking,
        partnership=data.partnership,
        panel=data.case.panel,
        document=f"Case summary {data.case.reference}",
        printed_by=data.generated_by,
        printed_at=data.generated_at,
        title=f"Case summary {data.case.reference}",
    )
    return render_pdf(furniture, lambda st, width: _story(data, st, width), invariant=invariant)


def _story(data: CaseSummaryData, st: Styles, width: float) -> list[Flowable]:
    from reportlab.platypus import Paragraph

    case = data.case
    story: list[Flowable] = [
        Paragraph("Case summary", st.title),
        Paragraph(esc(f"{case.reference} — {case.panel}"), st.subtitle),
    ]
    if not data.contact_details:
        story.append(Paragraph("This copy leaves out addresses, telephone numbers and safe-contact notes; where "
                               "the record's text held one, it reads [address removed], [phone removed], "
                               "[email removed] or [postcode removed].", st.note))
    story.extend(heading(st, f"People ({len(data.people)})", 2))
    if data.people:
        rows = []
        for p in data.people:
            born = fmt_date(p.date_of_birth) + (f" (age {p.age})" if p.age is not None else "")
            who = Markup(f"<b>{esc(p.name)}</b>" + (f"<br/>{esc(p.details)}" if p.details else ""))
            row = [p.role, who, born or "Not recorded"]
            if data.contact_details:
                contact = [x for x in (p.address, p.phone) if x]
                if p.safe_to_call is not None:
                    contact.append(f"Safe to call: {yes_no(p.safe_to_call)}" + (f", {p.safe_times}" if p.safe_times else ""))
                contact += [f"Earlier: {h}" for h in p.contact_history]
                row.append("\n".join(contact) or "—")
            rows.append(row)
        header = ["Role", "Name", "Date of birth"] + (["Contact"] if data.contact_details else [])
        fractions = [0.16, 0.3, 0.17, 0.37] if data.contact_details else [0.2, 0.5, 0.3]
        story.append(table(st, width, header, rows, fractions))
    else:
        story.append(Paragraph("No people are linked to this case.", st.none))
    if data.criteria:
        story.extend(heading(st, "Referral criteria", 2))
        story.append(key_values(st, width, data.criteria))
    story.extend(case_flowables(st, width, case, about_subject=False, level=2, title="The referral"))
    return story
