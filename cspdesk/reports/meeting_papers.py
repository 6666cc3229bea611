"""A meeting's papers: the agenda (meeting pack) and the minutes, full or for distribution.

Fed only by :class:`AgendaData` / :class:`MinutesData`, which cspdesk.services.papers.meeting_papers
builds; nothing here touches the database. Minutes follow the SafeLives minutes checklist
(RESEARCH.md §4.4): header; present, apologies and observers by agency; the confidentiality
statement; the review of outstanding actions (with the reason when not done); each case with its
discussion, decision and actions; any other business; the next meeting; addenda after finalising.
"""

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
    fmt_datetime,
    heading,
    key_values,
    render_pdf,
    rich,
    table,
)

if TYPE_CHECKING:  # pragma: no cover
    from reportlab.platypus import Flowable


@dataclass(frozen=True)
class PaperPerson:
    role: str
    name: str
    date_of_birth: date | None
    #: Empty in a distribution copy.
    address: str = ""
    phone: str = ""


@dataclass(frozen=True)
class PaperAction:
    reference: str
    agency: str
    owner: str
    text: str
    due_date: date | None
    status: str
    #: Why it is on hold / discontinued, or the latest update: the reason when not done.
    reason: str = ""
    agreed_on: date | None = None
    overdue: bool = False


@dataclass(frozen=True)
class PaperResearch:
    """What an agency returned about a case (issue 18): full minutes only, never a distribution copy."""

    agency: str
    known: str  # "Known" / "Not known" / ""
    summary: str = ""
    risks: str = ""
    victim_contact: str = ""


@dataclass(frozen=True)
class PaperItem:
    """One agenda item: a case, or a standing item (confidentiality, review of actions, AOB)."""

    kind: str  # AgendaItemKind value
    title: str
    slot: str  # "10:15–10:30"
    reference: str = ""
    subject: str = ""
    listing: str = ""
    referring_agency: str = ""
    risk_level: str = ""
    reason: str = ""
    summary: str = ""
    people: tuple[PaperPerson, ...] = ()
    discussion: str = ""
    risks: str = ""
    decision: str = ""
    decision_notes: str = ""
    actions: tuple[PaperAction, ...] = ()
    #: Open actions from earlier meetings on this case (agenda pack).
    earlier_actions: tuple[PaperAction, ...] = ()
    #: A MARAC referral's criteria, consent and lawful basis (full minutes only; empty otherwise).
    criteria: tuple[tuple[str, str], ...] = ()
    #: Agencies' returned research on the case (full minutes only; empty otherwise).
    research: tuple[PaperResearch, ...] = ()


@dataclass(frozen=True)
class PaperAttendee:
    agency: str
    name: str
    status: str  # present / apologies / absent
    information_sent: bool = False
    observer: bool = False
    confidentiality_signed: bool = False


@dataclass(frozen=True)
class MeetingPapers:
    partnership: str
    protective_marking: str
    generated_at: datetime
    generated_by: str
    meeting_id: int
    panel: str
    starts_at: datetime
    venue: str
    chair: str
    minute_taker: str
    status: str
    items: tuple[PaperItem, ...]
    attendance: tuple[PaperAttendee, ...] = ()
    missing_core_agencies: tuple[str, ...] = ()
    confidentiality_statement: str = ""
    carried_actions: tuple[PaperAction, ...] = ()
    next_meeting: datetime | None = None
    finalised_at: datetime | None = None
    finalised_by: str = ""
    addenda: tuple[tuple[datetime, str, str, str], ...] = ()  # (at, by, item title, text)
    #: Minutes only: the copy for circulation, without addresses, telephone numbers, contact notes.
    distribution: bool = False
    #: A per-agency extract of the distribution copy (issue 18): the agency, and its actions.
    copy_for: str = ""
    agency_actions: tuple[PaperAction, ...] = ()


# --- The agenda (meeting pack) -------------------------------------------------------------------------


def render_agenda_pdf(data: MeetingPapers, *, invariant: bool = False) -> bytes:
    furniture = PageFurniture(
        protective_marking=data.protective_marking, partnership=data.partnership, panel=data.panel,
        document=f"Agenda {data.starts_at:%d %b %Y}", printed_by=data.generated_by, printed_at=data.generated_at,
        title=f"Agenda: {data.panel}, {data.starts_at:%d %b %Y}",
    )
    return render_pdf(furniture, lambda st, width: _agenda_story(data, st, width), invariant=invariant)


def _meeting_header(data: MeetingPapers, st: Styles, width: float, title: str) -> list[Flowable]:
    from reportlab.platypus import Paragraph

    return [
        Paragraph(esc(title), st.title),
        Paragraph(esc(f"{data.panel} — {data.starts_at:%A %d %B %Y, %H:%M}"), st.subtitle),
        key_values(st, width, [
            ("Venue", data.venue or "Not recorded"),
            ("Chair", data.chair or "Not recorded"),
            ("Minute-taker", data.minute_taker or "Not recorded"),
            ("Cases", str(sum(1 for i in data.items if i.kind == "case"))),
        ]),
    ]


def _agenda_story(data: MeetingPapers, st: Styles, width: float) -> list[Flowable]:
    from reportlab.platypus import PageBreak, Paragraph

    story = _meeting_header(data, st, width, "Agenda")
    story.extend(heading(st, "Running order", 2))
    rows = []
    for n, item in enumerate(data.items, start=1):
        if item.kind == "case":
            what = rich([("", f"{item.reference} — {item.subject}" if item.subject else item.reference),
                         ("Referred by: ", item.referring_agency)])
            rows.append([str(n), item.slot, what, item.listing, item.risk_level])
        else:
            rows.append([str(n), item.slot, Markup(f"<b>{esc(item.title)}</b>"), "", ""])
    story.append(table(st, width, ["No.", "Time", "Item", "Listed as", "Risk"], rows,
                       [0.06, 0.14, 0.52, 0.15, 0.13]))
    if data.confidentiality_statement:
        story.extend(heading(st, "Confidentiality statement", 3))
        story.append(Paragraph(esc(data.confidentiality_statement), st.body))

    cases = [i for i in data.items if i.kind == "case"]
    if cases:
        story.append(PageBreak())
        story.extend(heading(st, "Case papers", 2))
    for item in cases:
        story.extend(heading(st, f"{item.reference} — {item.subject}" if item.subject else item.reference, 3))
        story.append(key_values(st, width, [
            ("Time", item.slot),
            ("Listed as", item.listing or "—"),
            ("Referred by", item.referring_agency or "Not recorded"),
            ("Risk level", item.risk_level or "Not recorded"),
            ("Reason for referral", item.reason or "Not recorded"),
            ("Summary", item.summary or "Not recorded"),
        ]))
        if item.people:
            story.extend(heading(st, "People", 4))
            story.append(_people_table(st, width, item.people, with_contact=False))
        story.extend(heading(st, "Open actions from earlier meetings", 4))
        if item.earlier_actions:
            story.append(_actions_table(st, width, item.earlier_actions, with_status=True,
                                        today_label=f"{data.generated_at:%d %b %Y}"))
        else:
            story.append(Paragraph("None.", st.none))
    return story


# --- The minutes --------------------------------------------------------------------------------------


def render_minutes_pdf(data: MeetingPapers, *, invariant: bool = False) -> bytes:
    kind = "Minutes (distribution copy)" if data.distribution else "Minutes"
    furniture = PageFurniture(
        protective_marking=data.protective_marking, partnership=data.partnership, panel=data.panel,
        document=f"{kind} {data.starts_at:%d %b %Y}", printed_by=data.generated_by, printed_at=data.generated_at,
        title=f"{kind}: {data.panel}, {data.starts_at:%d %b %Y}", copy_for=data.copy_for,
    )
    return render_pdf(furniture, lambda st, width: _minutes_story(data, st, width), invariant=invariant)


def _minutes_story(data: MeetingPapers, st: Styles, width: float) -> list[Flowable]:
    from reportlab.platypus import Paragraph

    from reportlab.platypus import Spacer

    story = _meeting_header(data, st, width, "Minutes")
    story.append(Spacer(1, 4))
    if data.finalised_at:
        state = f"Finalised on {fmt_datetime(data.finalised_at)} UTC" + (f" by {data.finalised_by}" if data.finalised_by else "")
    else:
        state = f"DRAFT — not finalised ({data.status.lower()})"
    story.append(Paragraph(esc(state), st.note))
    if data.distribution:
        story.append(Paragraph(esc("Distribution copy: addresses, telephone numbers and contact notes are left out. "
                                   "The full record is held by the coordinator."), st.note))

    present = [a for a in data.attendance if a.status == "present" and not a.observer]
    apologies = [a for a in data.attendance if a.status == "apologies" and not a.observer]
    absent = [a for a in data.attendance if a.status == "absent" and not a.observer]
    observers = [a for a in data.attendance if a.observer]
    story.extend(heading(st, "Present", 2))
    story.append(table(st, width, ["Agency", "Representative"], [[a.agency or "—", a.name or "—"] for a in present],
                       [0.45, 0.55]) if present else Paragraph("Nobody recorded as present.", st.none))
    story.extend(heading(st, "Apologies", 3))
    if apologies:
        story.append(table(st, width, ["Agency", "Name", "Information sent"],
                           [[a.agency or "—", a.name or "—", "Yes" if a.information_sent else "No"] for a in apologies],
                           [0.45, 0.35, 0.2]))
    else:
        story.append(Paragraph("None.", st.none))
    if absent:
        story.extend(heading(st, "Not represented", 3))
        story.append(Paragraph(esc(", ".join(a.agency for a in absent)), st.body))
    if data.missing_core_agencies:
        story.append(Paragraph(esc("Core agencies not present: " + ", ".join(data.missing_core_agencies) + "."), st.note))
    story.extend(heading(st, "Observers", 3))
    if observers:
        story.append(table(st, width, ["Agency", "Name", "Confidentiality statement signed"],
                           [[a.agency or "—", a.name or "—", "Yes" if a.confidentiality_signed else "No"]
                            for a in observers], [0.4, 0.35, 0.25]))
    else:
        story.append(Paragraph("None.", st.none))

    story.extend(heading(st, "Confidentiality statement", 2))
    story.append(Paragraph(esc(data.confidentiality_statement or "Read out at the start of the meeting."), st.body))

    story.extend(heading(st, "Review of outstanding actions", 2))
    if data.carried_actions:
        story.append(_actions_table(st, width, data.carried_actions, with_status=True, with_case=True,
                                    today_label=f"{data.generated_at:%d %b %Y}"))
    else:
        story.append(Paragraph("No actions were outstanding from earlier meetings.", st.none))

    for n, item in enumerate((i for i in data.items if i.kind == "case"), start=1):
        title = f"Case {n}: {item.reference}" + (f" — {item.subject}" if item.subject else "")
        story.extend(heading(st, title, 2))
        story.append(key_values(st, width, [
            ("Listed as", item.listing or "—"),
            ("Referred by", item.referring_agency or "Not recorded"),
            ("Risk level", item.risk_level or "Not recorded"),
        ]))
        if item.criteria:
            story.extend(heading(st, "Referral criteria", 4))
            story.append(key_values(st, width, item.criteria))
        if item.people:
            story.extend(heading(st, "People", 4))
            story.append(_people_table(st, width, item.people, with_contact=not data.distribution))
        if item.research and not data.distribution:
            story.extend(heading(st, "Agencies' research", 4))
            story.append(table(st, width, ["Agency", "Known", "What they hold", "Risks", "Contact with the victim"],
                               [[r.agency, r.known, r.summary, r.risks, r.victim_contact] for r in item.research],
                               [0.18, 0.1, 0.3, 0.24, 0.18]))
        story.extend(heading(st, "Discussion", 4))
        story.append(Paragraph(esc(item.discussion) or "No notes recorded.", st.body if item.discussion else st.none))
        if item.risks:
            story.extend(heading(st, "Risks identified", 4))
            story.append(Paragraph(esc(item.risks), st.body))
        story.extend(heading(st, "Decision", 4))
        decision = item.decision or "No decision recorded"
        story.append(Paragraph(f"<b>{esc(decision)}</b>" + (f" — {esc(item.decision_notes)}" if item.decision_notes else ""),
                               st.body))
        story.extend(heading(st, "Actions agreed", 4))
        if item.actions:
            story.append(_actions_table(st, width, item.actions, with_status=False))
        else:
            story.append(Paragraph("No actions agreed.", st.none))

    for item in (i for i in data.items if i.kind == "aob"):
        story.extend(heading(st, item.title or "Any other business", 2))
        story.append(Paragraph(esc(item.discussion) or "None.", st.body if item.discussion else st.none))
        if item.actions:
            story.append(_actions_table(st, width, item.actions, with_status=False))

    if data.copy_for:
        story.extend(heading(st, f"Actions for {data.copy_for}", 2))
        if data.agency_actions:
            story.append(_actions_table(st, width, data.agency_actions, with_status=True, with_case=True,
                                        today_label=f"{data.generated_at:%d %b %Y}"))
        else:
            story.append(Paragraph(esc(f"No open actions for {data.copy_for}."), st.none))

    story.extend(heading(st, "Next meeting", 2))
    story.append(Paragraph(esc(f"{data.next_meeting:%A %d %B %Y, %H:%M}") if data.next_meeting else "Not yet arranged.",
                           st.body))
    if data.addenda:
        story.extend(heading(st, "Addenda (corrections after the minutes were finalised)", 2))
        story.append(table(st, width, ["When (UTC)", "By", "Item", "Addendum"],
                           [[fmt_datetime(at), by, item, text] for at, by, item, text in data.addenda],
                           [0.17, 0.17, 0.2, 0.46]))
    return story


def _people_table(st: Styles, width: float, people: tuple[PaperPerson, ...], *, with_contact: bool) -> Flowable:
    rows = []
    for p in people:
        row = [p.role, p.name, fmt_date(p.date_of_birth) or "—"]
        if with_contact:
            row.append("\n".join(x for x in (p.address, p.phone) if x) or "—")
        rows.append(row)
    if with_contact:
        return table(st, width, ["Role", "Name", "Date of birth", "Address and telephone"], rows,
                     [0.16, 0.28, 0.16, 0.4])
    return table(st, width, ["Role", "Name", "Date of birth"], rows, [0.2, 0.5, 0.3])


def _actions_table(st: Styles, width: float, actions: tuple[PaperAction, ...], *, with_status: bool,
                   with_case: bool = False, today_label: str = "printing") -> Flowable:
    """Agency, owner, action, due date — and, when reviewing, status and the reason when not done.
    Overdue is marked in words (it must read in black and white)."""
    rows = []
    for a in actions:
        due = fmt_date(a.due_date) or "—"
        if a.overdue:
            due += "\nOVERDUE"
        owner = "\n".join(x for x in (a.agency, a.owner) if x) or "—"
        text = a.text if not with_case else f"{a.reference}: {a.text}" if a.reference else a.text
        row = [owner, text, due]
        if with_status:
            row.append(rich([(a.status, ""), ("", a.reason)]))
        rows.append(row)
    if with_status:
        return table(st, width, ["Agency / owner", "Action", "Due", f"Status on {today_label}"], rows,
                     [0.22, 0.46, 0.12, 0.2])
    return table(st, width, ["Agency / owner", "Action", "Due"], rows, [0.25, 0.6, 0.15])
