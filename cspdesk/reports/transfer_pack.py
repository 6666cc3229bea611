"""The MARAC-to-MARAC transfer pack: its plain data (what the JSON file carries) and the PDF of it
for the people who read it. The service builds the data and redacts it before it gets here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from cspdesk.reports.document import PageFurniture, Styles, esc, heading, key_values, render_pdf, table

if TYPE_CHECKING:  # pragma: no cover
    from reportlab.platypus import Flowable


@dataclass(frozen=True)
class PackPerson:
    role: str
    given_name: str
    family_name: str
    date_of_birth: str
    gender: str


@dataclass(frozen=True)
class PackAssessment:
    kind: str
    tool: str
    tool_version: str
    assessed_on: str
    score: int | None
    risk_level: str
    #: DASH answers by question ("q01" → "yes"), when held.
    answers: dict[str, str]
    notes: str


@dataclass(frozen=True)
class PackAction:
    number: str
    text: str
    agency: str
    due_date: str
    status: str


@dataclass(frozen=True)
class PackMinute:
    meeting_date: str
    listing: str
    discussion: str
    risks: str
    decision: str
    decision_notes: str


@dataclass(frozen=True)
class PackCase:
    reference: str
    referral_date: str
    risk_level: str
    reason: str
    summary: str
    professional_judgement_reason: str
    police_incidents_12m: int | None
    victim_aware: bool | None
    consent_given: bool | None
    children_count: int | None


@dataclass(frozen=True)
class TransferPack:
    from_partnership: str
    from_marac: str
    to_marac: str
    sent_on: str
    sent_by: str
    protective_marking: str
    case: PackCase
    people: tuple[PackPerson, ...]
    assessment: PackAssessment | None
    open_actions: tuple[PackAction, ...]
    minutes: tuple[PackMinute, ...]



_ROLES = {"victim": "Victim", "perpetrator": "Perpetrator", "child": "Child"}


def _tool(a: PackAssessment) -> str:
    from cspdesk.domain.risk_tools import recorded_tool

    tool = recorded_tool(a.tool or None, a.tool_version or None)
    return tool.name if tool is not None else " ".join(x for x in (a.tool, a.tool_version) if x) or a.kind


def _day(text: str) -> str:
    return f"{date.fromisoformat(text):%d %b %Y}" if text else ""


def render_transfer_pack_pdf(pack: TransferPack, key_fingerprint: str, *, generated_by: str,
                             generated_at: datetime, invariant: bool = False) -> bytes:
    title = f"Transfer pack {pack.case.reference}"
    furniture = PageFurniture(protective_marking=pack.protective_marking, partnership=pack.from_partnership,
                              panel=pack.from_marac, document=title, printed_by=generated_by,
                              printed_at=generated_at, title=title)
    return render_pdf(furniture, lambda st, width: _story(pack, key_fingerprint, st, width), invariant=invariant)


def _story(pack: TransferPack, key_fingerprint: str, st: Styles, width: float) -> list[Flowable]:
    from reportlab.platypus import Paragraph

    case = pack.case
    story: list[Flowable] = [
        Paragraph("MARAC transfer pack", st.title),
        Paragraph(esc(f"{case.reference}: {pack.from_marac} to {pack.to_marac}"), st.subtitle),
        Paragraph("Addresses, telephone numbers, e-mail addresses and contact notes are left out of this pack; "
                  "where the record's text held one it reads [address removed], [phone removed], "
                  "[email removed] or [postcode removed]. The receiving MARAC asks the sending MARAC for them.",
                  st.note),
        key_values(st, width, [("Sent", f"{_day(pack.sent_on)} by {pack.sent_by}"),
                               ("Referred", _day(case.referral_date)),
                               ("Risk", case.risk_level.capitalize() or "Not recorded"),
                               ("Signing key", key_fingerprint)]),
    ]
    story.extend(heading(st, f"People ({len(pack.people)})", 2))
    story.append(table(st, width, ["Role", "Name", "Date of birth"],
                       [[_ROLES.get(p.role, p.role), f"{p.given_name} {p.family_name}".strip(),
                         _day(p.date_of_birth) or "Not recorded"] for p in pack.people], [0.2, 0.5, 0.3]))
    story.extend(heading(st, "The case", 2))
    story.append(key_values(st, width, [("Reason for referral", case.reason or "Nothing recorded."),
                                        ("Summary", case.summary or "Nothing recorded."),
                                        *([("Professional judgement", case.professional_judgement_reason)]
                                          if case.professional_judgement_reason else [])]))
    story.extend(heading(st, "Latest risk assessment", 2))
    a = pack.assessment
    if a is None:
        story.append(Paragraph("No risk assessment recorded.", st.none))
    else:
        yes = sum(1 for v in a.answers.values() if v == "yes")
        story.append(key_values(st, width, [
            ("Assessed", _day(a.assessed_on)), ("Tool", _tool(a)),
            ("Score", "" if a.score is None else str(a.score)), ("Risk level", a.risk_level.capitalize()),
            ("Answers", f"{len(a.answers)} held, {yes} yes" if a.answers else "Not held"),
            *([("Notes", a.notes)] if a.notes else [])]))
    story.extend(heading(st, f"Open actions ({len(pack.open_actions)})", 2))
    if pack.open_actions:
        story.append(table(st, width, ["Action", "Agency", "Due", "Status"],
                           [[x.text, x.agency, _day(x.due_date), x.status.replace("_", " ")] for x in pack.open_actions],
                           [0.5, 0.2, 0.15, 0.15]))
    else:
        story.append(Paragraph("No open actions.", st.none))
    story.extend(heading(st, f"Minutes extracts ({len(pack.minutes)})", 2))
    for m in pack.minutes:
        story.extend(heading(st, f"{_day(m.meeting_date)} ({m.listing.replace('_', ' ') or 'listed'})", 3))
        said = [(k, v) for k, v in (("Discussion", m.discussion), ("Risks", m.risks),
                                    ("Decision", " — ".join(x for x in (m.decision, m.decision_notes) if x))) if v]
        story.append(key_values(st, width, said) if said else Paragraph("Nothing minuted.", st.none))
    if not pack.minutes:
        story.append(Paragraph("The case has not been heard at a meeting.", st.none))
    return story
