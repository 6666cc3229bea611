"""The subject access request (SAR) bundle: the plain data, its JSON, and its PDF.

Fed only by :class:`SubjectAccessData`, which the service (cspdesk.services.papers.subject_access) builds;
nothing here touches the database. reportlab is imported when a PDF is first built, not at start-up.

The bundle is the *whole* record, as held, for the data protection officer to review: it includes
what other people (third parties) said or are recorded as, and the DPO must redact or withhold
what the law allows before anything is disclosed. The PDF says so on its first page.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from cspdesk.domain.enums import MeetingStatus
from cspdesk.reports.document import (
    MIN_SPACE_AFTER,
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
    yes_no,
)

if TYPE_CHECKING:  # pragma: no cover - imports for annotations only
    from reportlab.platypus import Flowable

FORMAT = "cspdesk.subject-access/1"
#: The usual state of a past meeting, so not printed beside each one.
FINALISED_LABEL = MeetingStatus.FINALISED.label


# --- The plain data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SarPerson:
    id: int
    given_name: str
    family_name: str
    date_of_birth: date | None
    gender: str
    address: str
    postcode: str
    phone: str
    safe_to_call: bool | None
    safe_times: str
    contact_notes: str
    ethnicity: str
    racially_minoritised: bool | None
    disability: bool | None
    lgbt: bool | None
    language: str
    interpreter_needed: bool
    created_at: datetime

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()


@dataclass(frozen=True)
class SarStatusStep:
    at: datetime
    from_status: str
    to_status: str
    reason: str


@dataclass(frozen=True)
class SarAddendum:
    at: datetime
    text: str


@dataclass(frozen=True)
class SarDiscussion:
    """One agenda item about a case: what the panel discussed and decided."""

    meeting_at: datetime
    meeting_status: str
    listing: str
    discussion: str
    risks: str
    decision: str
    decision_notes: str
    addenda: tuple[SarAddendum, ...] = ()


@dataclass(frozen=True)
class SarAnswer:
    item: str
    value: str
    source: str


@dataclass(frozen=True)
class SarAssessment:
    kind: str
    assessed_on: date
    assessor: str
    score: int | None
    risk_level: str
    notes: str
    answers: tuple[SarAnswer, ...] = ()


@dataclass(frozen=True)
class SarActionUpdate:
    at: datetime
    by: str
    text: str
    status_change: str  # "Open → Ongoing", or "" for a note


@dataclass(frozen=True)
class SarAction:
    number: str
    text: str
    agency: str
    owner: str
    strand: str
    due_date: date | None
    status: str
    status_reason: str
    completed_on: date | None
    agreed_at: date | None
    updates: tuple[SarActionUpdate, ...] = ()


@dataclass(frozen=True)
class SarCase:
    reference: str
    panel: str
    panel_type: str
    roles: tuple[str, ...]
    referral_date: date
    referring_agency: str
    referrer: str
    status: str
    status_reason: str
    outcome: str
    closed_on: date | None
    risk_level: str
    reason: str
    summary: str
    flags: tuple[str, ...]
    other_people: int  # linked to the case besides this person; not listed (third parties)
    history: tuple[SarStatusStep, ...] = ()
    discussions: tuple[SarDiscussion, ...] = ()
    assessments: tuple[SarAssessment, ...] = ()
    actions: tuple[SarAction, ...] = ()


@dataclass(frozen=True)
class SarLink:
    """A group or a place the person is linked to, and in what role."""

    kind: str
    name: str
    reference: str
    role: str
    address: str = ""


@dataclass(frozen=True)
class SarAuditEntry:
    id: int
    at: datetime
    username: str
    kind: str
    details: str


@dataclass(frozen=True)
class SubjectAccessData:
    partnership: str
    protective_marking: str
    generated_at: datetime  # naive UTC, as every *_at
    generated_by: str
    person: SarPerson
    aliases: tuple[str, ...] = ()
    cases: tuple[SarCase, ...] = ()
    groups: tuple[SarLink, ...] = ()
    locations: tuple[SarLink, ...] = ()
    audit: tuple[SarAuditEntry, ...] = ()


# --- JSON ---------------------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def subject_access_json(data: SubjectAccessData) -> str:
    """The bundle as JSON (UTF-8 text, indent 2, dates and times in ISO 8601, times in UTC)."""
    body = {"format": FORMAT, **asdict(data)}
    body["person"]["display_name"] = data.person.display_name
    return json.dumps(body, indent=2, ensure_ascii=False, default=_json_default) + "\n"


# --- PDF ------------------------------------------------------------------------------------------


def render_subject_access_pdf(data: SubjectAccessData, *, invariant: bool = False) -> bytes:
    """The bundle as a PDF. Every page carries the protective marking at top and bottom, the
    partnership, "Subject access request", "Page X of Y" and who printed it when.
    ``invariant`` gives byte-for-byte reproducible output for tests."""
    furniture = PageFurniture(
        protective_marking=data.protective_marking,
        partnership=data.partnership,
        document="Subject access request",
        printed_by=data.generated_by,
        printed_at=data.generated_at,
        # The person's name stays out of the metadata: file managers and indexers show it.
        title=f"Subject access request: person {data.person.id}",
    )
    return render_pdf(furniture, lambda st, width: _story(data, st, width), invariant=invariant)


def _story(data: SubjectAccessData, st: Styles, width: float) -> list[Flowable]:
    from reportlab.platypus import PageBreak, Paragraph, Spacer

    p = data.person
    story: list[Flowable] = [
        Paragraph("Subject access request", st.title),
        Paragraph(esc(p.display_name) or f"Person {p.id}", st.subtitle),
        key_values(st, width, [
            ("Person number", str(p.id)),
            ("Prepared", f"{fmt_datetime(data.generated_at)} UTC by {data.generated_by or 'unknown'}"),
            ("Partnership", data.partnership),
            ("Held in", f"{len(data.cases)} case{'s' if len(data.cases) != 1 else ''}"),
        ]),
        Spacer(1, 6),
        Paragraph(
            "This is everything this partnership's CSPDesk database holds about the person named above on the "
            "day it was prepared. It includes information given by agencies and about other people (third "
            "parties). It must be reviewed, and third-party or exempt information redacted, by the data "
            "protection officer before anything is disclosed.", st.note),
    ]

    story.extend(heading(st, "1. Personal details", 2))
    story.append(key_values(st, width, [
        ("Given name", p.given_name),
        ("Family name", p.family_name),
        ("Date of birth", fmt_date(p.date_of_birth) or "Not recorded"),
        ("Gender", p.gender or "Not recorded"),
        ("Address", "\n".join(x for x in (p.address, p.postcode) if x) or "Not recorded"),
        ("Telephone", p.phone or "Not recorded"),
        ("Safe to call", yes_no(p.safe_to_call)),
        ("Safe times", p.safe_times or "Not recorded"),
        ("Contact notes", p.contact_notes or "None"),
        ("Ethnicity", p.ethnicity or "Not recorded"),
        ("Racially minoritised", yes_no(p.racially_minoritised)),
        ("Disability", yes_no(p.disability)),
        ("LGBT+", yes_no(p.lgbt)),
        ("Language", p.language or "Not recorded"),
        ("Interpreter needed", yes_no(p.interpreter_needed)),
        ("Record created", f"{fmt_datetime(p.created_at)} UTC"),
    ]))

    story.extend(heading(st, "2. Other names (aliases)", 2))
    if data.aliases:
        story.append(table(st, width, ["Name"], [[a] for a in data.aliases], [1.0]))
    else:
        story.append(Paragraph("None held.", st.none))

    if data.cases:
        story.append(PageBreak())  # page 1 is who they are; the cases start on a page of their own
    story.extend(heading(st, f"3. Cases ({len(data.cases)})", 2))
    if not data.cases:
        story.append(Paragraph("None held.", st.none))
    for case in data.cases:
        story.extend(_case(st, width, case))

    story.extend(heading(st, "4. Groups", 2))
    if data.groups:
        story.append(table(st, width, ["Group", "Kind", "Reference", "Role"],
                            [[g.name, g.kind, g.reference, g.role] for g in data.groups],
                            [0.4, 0.2, 0.2, 0.2]))
    else:
        story.append(Paragraph("None held.", st.none))

    story.extend(heading(st, "5. Places", 2))
    if data.locations:
        story.append(table(st, width, ["Place", "Kind", "Address", "Role"],
                            [[loc.name, loc.kind, loc.address, loc.role] for loc in data.locations],
                            [0.28, 0.17, 0.35, 0.2]))
    else:
        story.append(Paragraph("None held.", st.none))

    story.extend(heading(st, "6. Audit trail entries about this person", 2))
    if data.audit:
        story.append(table(st, width, ["When (UTC)", "Who", "What", "Details"],
                            [[fmt_datetime(a.at), a.username, a.kind, a.details] for a in data.audit],
                            [0.2, 0.16, 0.14, 0.5]))
    else:
        story.append(Paragraph("None held.", st.none))
    return story


def _case(st: Styles, width: float, case: SarCase) -> list[Flowable]:
    return case_flowables(st, width, case, about_subject=True)


def case_flowables(st: Styles, width: float, case: SarCase, *, about_subject: bool,
                   level: int = 3, title: str | None = None) -> list[Flowable]:
    """One case: its details, status history, discussions, assessments and actions.
    ``about_subject``: the record is one person's (subject access): their role is given and the
    other people are only counted."""
    from reportlab.platypus import Paragraph

    sub = min(level + 1, 4)
    out: list[Flowable] = [
        *heading(st, title or f"{case.reference} — {case.panel}", level),
        key_values(st, width, [
            *([("Role in the case", ", ".join(case.roles))] if about_subject else []),
            ("Panel", f"{case.panel} ({case.panel_type})"),
            ("Referral date", fmt_date(case.referral_date)),
            ("Referred by", ", ".join(x for x in (case.referring_agency, case.referrer) if x) or "Not recorded"),
            ("Status", case.status + (f" — {case.status_reason}" if case.status_reason else "")),
            *([("Closed on", fmt_date(case.closed_on))] if case.closed_on else []),
            *([("Outcome", case.outcome)] if case.outcome else []),
            *([("Risk level", case.risk_level)] if case.risk_level else []),
            *([("Vulnerability flags", ", ".join(case.flags))] if case.flags else []),
            ("Reason for referral", case.reason or "Not recorded"),
            ("Summary", case.summary or "Not recorded"),
            *([("Other people linked", f"{case.other_people} (third parties; not listed here)")]
              if about_subject else []),
        ]),
    ]

    out.extend(heading(st, "Status history", sub))
    if case.history:
        out.append(table(st, width, ["When (UTC)", "From", "To", "Reason"],
                          [[fmt_datetime(h.at), h.from_status or "—", h.to_status, h.reason] for h in case.history],
                          [0.2, 0.15, 0.15, 0.5]))
    else:
        out.append(Paragraph("None held.", st.none))

    out.extend(heading(st, "Discussions at panel meetings", sub))
    if case.discussions:
        rows = []
        for d in case.discussions:
            text = [("", d.discussion)]
            if d.risks:
                text.append(("Risks: ", d.risks))
            for add in d.addenda:
                text.append((f"Addendum {fmt_datetime(add.at)}: ", add.text))
            decision = rich([(d.decision, ""), ("", d.decision_notes)])
            meeting = fmt_datetime(d.meeting_at)
            if d.meeting_status and d.meeting_status != FINALISED_LABEL:
                meeting += f"\n({d.meeting_status.lower()})"
            rows.append([meeting, d.listing, rich(text) or "—", decision or "—"])
        out.append(table(st, width, ["Meeting", "Listed as", "Discussion", "Decision"], rows,
                          [0.16, 0.12, 0.52, 0.2]))
    else:
        out.append(Paragraph("None held.", st.none))

    out.extend(heading(st, "Risk assessments", sub))
    if case.assessments:
        for a in case.assessments:
            out.extend(_assessment(st, width, a))
    else:
        out.append(Paragraph("None held.", st.none))

    out.extend(heading(st, "Actions", sub))
    if case.actions:
        numbered = any(a.number for a in case.actions)
        rows = []
        for a in case.actions:
            lines = [esc(a.text)]
            if a.strand:
                lines.append(f"<b>Strand:</b> {esc(a.strand)}")
            for u in a.updates:
                head = ", ".join(x for x in (esc(u.by), esc(u.status_change)) if x)
                line = f"<font color='#555555'>{esc(fmt_datetime(u.at))}</font>"
                if head:
                    line += f" <i>{head}</i>"
                if u.text:
                    line += f": {esc(u.text)}"
                lines.append(f"<font size='7.5'>{line}</font>")
            status = a.status
            if a.status_reason:
                status += f"\n{a.status_reason}"
            if a.completed_on:
                status += f"\n{fmt_date(a.completed_on)}"
            owner = "\n".join(x for x in (a.agency, a.owner) if x)
            row = [owner or "—", Markup("<br/>".join(lines)), fmt_date(a.due_date) or "—", status]
            rows.append([a.number, *row] if numbered else row)
        header = ["Agency / owner", "Action and updates", "Due", "Status"]
        widths = [0.2, 0.54, 0.11, 0.15]
        if numbered:
            header, widths = ["No.", *header], [0.06, 0.19, 0.49, 0.11, 0.15]
        out.append(table(st, width, header, rows, widths))
    else:
        out.append(Paragraph("None held.", st.none))
    return out


def _assessment(st: Styles, width: float, a: SarAssessment) -> list[Flowable]:
    from reportlab.platypus import CondPageBreak, Paragraph

    parts = [a.kind, fmt_date(a.assessed_on)]
    if a.assessor:
        parts.append(f"by {a.assessor}")
    if a.score is not None:
        parts.append(f"score {a.score}")
    if a.risk_level:
        parts.append(a.risk_level)
    out: list[Flowable] = [CondPageBreak(MIN_SPACE_AFTER[4]), Paragraph(esc(", ".join(parts)), st.item_title)]
    if a.notes:
        out.append(Paragraph(esc(a.notes), st.cell))
    if a.answers and len(a.answers) <= 6:
        out.append(table(st, width, ["Item", "Answer", "Source"],
                          [[x.item, x.value, x.source] for x in a.answers], [0.1, 0.11, 0.79], small=True))
    elif a.answers:
        # Two answers a row keeps a 24-question checklist to twelve rows.
        half = (len(a.answers) + 1) // 2
        left, right = a.answers[:half], a.answers[half:]
        rows = []
        for i in range(half):
            row = [left[i].item, left[i].value, left[i].source]
            if i < len(right):
                row += [right[i].item, right[i].value, right[i].source]
            else:
                row += ["", "", ""]
            rows.append(row)
        out.append(table(st, width, ["Item", "Answer", "Source"] * 2, rows,
                          [0.1, 0.11, 0.29] * 2, small=True, divider=3))
    return out


