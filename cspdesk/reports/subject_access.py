"""The subject access request (SAR) bundle: the plain data, its JSON, and its PDF.

Fed only by :class:`SubjectAccessData`, which the service (cspdesk.services.subject_access) builds;
nothing here touches the database. reportlab is imported when a PDF is first built, not at start-up.

The bundle is the *whole* record, as held, for the data protection officer to review: it includes
what other people (third parties) said or are recorded as, and the DPO must redact or withhold
what the law allows before anything is disclosed. The PDF says so on its first page.
"""

from __future__ import annotations

import functools
import io
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from cspdesk.domain.enums import MeetingStatus

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


# --- PDF: text helpers -----------------------------------------------------------------------------


def esc(text: str | None) -> str:
    """User text made safe for a reportlab Paragraph: &, < and > escaped, line breaks kept."""
    if not text:
        return ""
    return escape(text).replace("\r\n", "\n").replace("\n", "<br/>")


def _d(value: date | None) -> str:
    return f"{value:%d %b %Y}" if value else ""


def _dt(value: datetime | None) -> str:
    return f"{value:%d %b %Y %H:%M}" if value else ""


def _yn(value: bool | None) -> str:
    return "Not recorded" if value is None else ("Yes" if value else "No")


# --- PDF: fonts -------------------------------------------------------------------------------------

#: Unicode TrueType fonts tried in order (regular, bold): names such as Łukasz, Wiśniewska or Yılmaz
#: need more than the Latin-1 of the PDF standard fonts. Helvetica is the last resort.
_FONT_CANDIDATES: tuple[tuple[str, str], ...] = (
    ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"),
    ("/usr/share/fonts/dejavu/DejaVuSans.ttf", "/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf"),
    (os.path.join(os.environ.get("WINDIR", r"C:\Windows"), "Fonts", "arial.ttf"),
     os.path.join(os.environ.get("WINDIR", r"C:\Windows"), "Fonts", "arialbd.ttf")),
    ("/System/Library/Fonts/Supplemental/Arial.ttf", "/System/Library/Fonts/Supplemental/Arial Bold.ttf"),
    ("/Library/Fonts/Arial.ttf", "/Library/Fonts/Arial Bold.ttf"),
)

@functools.cache
def _register_fonts() -> tuple[str, str]:
    """(regular, bold) font names, registered with reportlab once per process."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    chosen = ("Helvetica", "Helvetica-Bold")
    for regular, bold in _FONT_CANDIDATES:
        if Path(regular).is_file() and Path(bold).is_file():
            try:
                pdfmetrics.registerFont(TTFont("CSPDesk-Sans", regular))
                pdfmetrics.registerFont(TTFont("CSPDesk-Sans-Bold", bold))
            except Exception:  # noqa: BLE001 - an unreadable font file: try the next one
                continue
            pdfmetrics.registerFontFamily("CSPDesk-Sans", normal="CSPDesk-Sans", bold="CSPDesk-Sans-Bold",
                                          italic="CSPDesk-Sans", boldItalic="CSPDesk-Sans-Bold")
            chosen = ("CSPDesk-Sans", "CSPDesk-Sans-Bold")
            break
    return chosen


# --- PDF: the document --------------------------------------------------------------------------------


_MM = 72 / 25.4
_SIDE_MARGIN, _TOP_MARGIN, _BOTTOM_MARGIN = 18 * _MM, 24 * _MM, 22 * _MM
#: The body frame's height on A4 (297 mm): no table row taller than this can stay whole.
_FRAME_HEIGHT = 297 * _MM - _TOP_MARGIN - _BOTTOM_MARGIN


def render_subject_access_pdf(data: SubjectAccessData, *, invariant: bool = False) -> bytes:
    """The bundle as a PDF. Every page carries the protective marking at top and bottom, the
    partnership, "Subject access request", "Page X of Y" and who printed it when.

    Built twice: the first pass counts the pages, the second prints "of Y". ``invariant`` gives
    byte-for-byte reproducible output (fixed creation date and document id) for tests.
    """
    total = _build(data, invariant=invariant, total_pages=None)[1]
    pdf, pages = _build(data, invariant=invariant, total_pages=total)
    assert pages == total, "the page count changed between passes"
    return pdf


def _build(data: SubjectAccessData, *, invariant: bool, total_pages: int | None) -> tuple[bytes, int]:
    buffer = io.BytesIO()
    doc = _make_doc(buffer, data, invariant=invariant, total_pages=total_pages)
    doc.build(_story(data, doc.width))
    return buffer.getvalue(), doc.page


def _make_doc(buffer: io.BytesIO, data: SubjectAccessData, *, invariant: bool, total_pages: int | None):  # noqa: ANN202
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

    regular, bold = _register_fonts()

    class SubjectAccessDocTemplate(BaseDocTemplate):
        """One page template, "page", whose callback draws the marking, header and footer."""

        def __init__(self, target: io.BytesIO) -> None:
            super().__init__(
                target,
                pagesize=A4,
                leftMargin=_SIDE_MARGIN,
                rightMargin=_SIDE_MARGIN,
                topMargin=_TOP_MARGIN,
                bottomMargin=_BOTTOM_MARGIN,
                # The person's name stays out of the metadata: file managers and indexers show it.
                title=f"Subject access request: person {data.person.id}",
                author=data.partnership,
                subject=data.protective_marking,
                creator="CSPDesk",
                invariant=1 if invariant else 0,
                lang="en-GB",
            )
            frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body",
                          leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
            self.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=self._decorate)])

        def _decorate(self, canvas, doc) -> None:  # noqa: ANN001 - reportlab's callback signature
            width, height = self.pagesize
            left, right = self.leftMargin, width - self.rightMargin
            canvas.saveState()
            canvas.setFillColorRGB(0, 0, 0)
            # The protective marking, top and bottom, centred and bold.
            canvas.setFont(bold, 10)
            canvas.drawCentredString(width / 2, height - 10 * mm, data.protective_marking)
            canvas.drawCentredString(width / 2, 7 * mm, data.protective_marking)
            # Header: partnership left, document right, a rule under them.
            canvas.setFont(regular, 8)
            canvas.drawString(left, height - 16 * mm, _fit(canvas, data.partnership, regular, 8, (right - left) * 0.6))
            canvas.drawRightString(right, height - 16 * mm, "Subject access request")
            canvas.setLineWidth(0.5)
            canvas.line(left, height - 17.5 * mm, right, height - 17.5 * mm)
            # Footer: a rule, printed by and when left, page X of Y right.
            canvas.line(left, 16.5 * mm, right, 16.5 * mm)
            canvas.drawString(left, 12.5 * mm,
                              f"Printed by {data.generated_by or 'unknown'} on {_dt(data.generated_at)} UTC")
            of = f" of {total_pages}" if total_pages else ""
            canvas.drawRightString(right, 12.5 * mm, f"Page {doc.page}{of}")
            canvas.restoreState()

    return SubjectAccessDocTemplate(buffer)


def _fit(canvas, text: str, font: str, size: float, width: float) -> str:  # noqa: ANN001
    """``text`` shortened with an ellipsis to fit ``width`` points."""
    if canvas.stringWidth(text, font, size) <= width:
        return text
    while text and canvas.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


class _Styles:
    def __init__(self) -> None:
        from reportlab.lib import colors
        from reportlab.lib.styles import ParagraphStyle

        regular, bold = _register_fonts()
        self.regular, self.bold = regular, bold
        self.grey = colors.HexColor("#555555")
        self.rule = colors.HexColor("#999999")
        self.header_fill = colors.HexColor("#E4E8EE")
        self.label_fill = colors.HexColor("#F3F4F6")
        self.title = ParagraphStyle("title", fontName=bold, fontSize=17, leading=21, spaceAfter=4)
        self.subtitle = ParagraphStyle("subtitle", fontName=bold, fontSize=12.5, leading=16, spaceAfter=8)
        self.h2 = ParagraphStyle("h2", fontName=bold, fontSize=12.5, leading=16, spaceBefore=12, spaceAfter=5)
        self.h3 = ParagraphStyle("h3", fontName=bold, fontSize=11, leading=14, spaceBefore=10, spaceAfter=4)
        self.h4 = ParagraphStyle("h4", fontName=bold, fontSize=9.5, leading=12, spaceBefore=7, spaceAfter=3)
        self.body = ParagraphStyle("body", fontName=regular, fontSize=9, leading=11.5)
        self.note = ParagraphStyle("note", parent=self.body, textColor=self.grey, fontSize=8.5, leading=11,
                                   spaceAfter=4)
        self.cell = ParagraphStyle("cell", fontName=regular, fontSize=8.5, leading=10.5)
        self.cell_bold = ParagraphStyle("cell_bold", parent=self.cell, fontName=bold)
        self.item_title = ParagraphStyle("item_title", parent=self.cell_bold, spaceBefore=5, spaceAfter=1)
        self.cell_small = ParagraphStyle("cell_small", parent=self.cell, fontSize=7.5, leading=9.5)
        self.none = ParagraphStyle("none", parent=self.body, textColor=self.grey, spaceAfter=2)


def _story(data: SubjectAccessData, width: float) -> list[Flowable]:
    from reportlab.platypus import PageBreak, Paragraph, Spacer

    st = _Styles()
    p = data.person
    story: list[Flowable] = [
        Paragraph("Subject access request", st.title),
        Paragraph(esc(p.display_name) or f"Person {p.id}", st.subtitle),
        _key_values(st, width, [
            ("Person number", str(p.id)),
            ("Prepared", f"{_dt(data.generated_at)} UTC by {data.generated_by or 'unknown'}"),
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

    story.extend(_heading(st, "1. Personal details", 2))
    story.append(_key_values(st, width, [
        ("Given name", p.given_name),
        ("Family name", p.family_name),
        ("Date of birth", _d(p.date_of_birth) or "Not recorded"),
        ("Gender", p.gender or "Not recorded"),
        ("Address", "\n".join(x for x in (p.address, p.postcode) if x) or "Not recorded"),
        ("Telephone", p.phone or "Not recorded"),
        ("Safe to call", _yn(p.safe_to_call)),
        ("Safe times", p.safe_times or "Not recorded"),
        ("Contact notes", p.contact_notes or "None"),
        ("Ethnicity", p.ethnicity or "Not recorded"),
        ("Racially minoritised", _yn(p.racially_minoritised)),
        ("Disability", _yn(p.disability)),
        ("LGBT+", _yn(p.lgbt)),
        ("Language", p.language or "Not recorded"),
        ("Interpreter needed", _yn(p.interpreter_needed)),
        ("Record created", f"{_dt(p.created_at)} UTC"),
    ]))

    story.extend(_heading(st, "2. Other names (aliases)", 2))
    if data.aliases:
        story.append(_table(st, width, ["Name"], [[a] for a in data.aliases], [1.0]))
    else:
        story.append(Paragraph("None held.", st.none))

    if data.cases:
        story.append(PageBreak())  # page 1 is who they are; the cases start on a page of their own
    story.extend(_heading(st, f"3. Cases ({len(data.cases)})", 2))
    if not data.cases:
        story.append(Paragraph("None held.", st.none))
    for case in data.cases:
        story.extend(_case(st, width, case))

    story.extend(_heading(st, "4. Groups", 2))
    if data.groups:
        story.append(_table(st, width, ["Group", "Kind", "Reference", "Role"],
                            [[g.name, g.kind, g.reference, g.role] for g in data.groups],
                            [0.4, 0.2, 0.2, 0.2]))
    else:
        story.append(Paragraph("None held.", st.none))

    story.extend(_heading(st, "5. Places", 2))
    if data.locations:
        story.append(_table(st, width, ["Place", "Kind", "Address", "Role"],
                            [[loc.name, loc.kind, loc.address, loc.role] for loc in data.locations],
                            [0.28, 0.17, 0.35, 0.2]))
    else:
        story.append(Paragraph("None held.", st.none))

    story.extend(_heading(st, "6. Audit trail entries about this person", 2))
    if data.audit:
        story.append(_table(st, width, ["When (UTC)", "Who", "What", "Details"],
                            [[_dt(a.at), a.username, a.kind, a.details] for a in data.audit],
                            [0.2, 0.16, 0.14, 0.5]))
    else:
        story.append(Paragraph("None held.", st.none))
    return story


def _case(st: _Styles, width: float, case: SarCase) -> list[Flowable]:
    from reportlab.platypus import Paragraph

    out: list[Flowable] = [
        *_heading(st, f"{case.reference} — {case.panel}", 3),
        _key_values(st, width, [
            ("Role in the case", ", ".join(case.roles)),
            ("Panel", f"{case.panel} ({case.panel_type})"),
            ("Referral date", _d(case.referral_date)),
            ("Referred by", ", ".join(x for x in (case.referring_agency, case.referrer) if x) or "Not recorded"),
            ("Status", case.status + (f" — {case.status_reason}" if case.status_reason else "")),
            *([("Closed on", _d(case.closed_on))] if case.closed_on else []),
            *([("Outcome", case.outcome)] if case.outcome else []),
            *([("Risk level", case.risk_level)] if case.risk_level else []),
            *([("Vulnerability flags", ", ".join(case.flags))] if case.flags else []),
            ("Reason for referral", case.reason or "Not recorded"),
            ("Summary", case.summary or "Not recorded"),
            ("Other people linked", f"{case.other_people} (third parties; not listed here)"),
        ]),
    ]

    out.extend(_heading(st, "Status history", 4))
    if case.history:
        out.append(_table(st, width, ["When (UTC)", "From", "To", "Reason"],
                          [[_dt(h.at), h.from_status or "—", h.to_status, h.reason] for h in case.history],
                          [0.2, 0.15, 0.15, 0.5]))
    else:
        out.append(Paragraph("None held.", st.none))

    out.extend(_heading(st, "Discussions at panel meetings", 4))
    if case.discussions:
        rows = []
        for d in case.discussions:
            text = [("", d.discussion)]
            if d.risks:
                text.append(("Risks: ", d.risks))
            for add in d.addenda:
                text.append((f"Addendum {_dt(add.at)}: ", add.text))
            decision = _rich([(d.decision, ""), ("", d.decision_notes)])
            meeting = _dt(d.meeting_at)
            if d.meeting_status and d.meeting_status != FINALISED_LABEL:
                meeting += f"\n({d.meeting_status.lower()})"
            rows.append([meeting, d.listing, _rich(text) or "—", decision or "—"])
        out.append(_table(st, width, ["Meeting", "Listed as", "Discussion", "Decision"], rows,
                          [0.16, 0.12, 0.52, 0.2]))
    else:
        out.append(Paragraph("None held.", st.none))

    out.extend(_heading(st, "Risk assessments", 4))
    if case.assessments:
        for a in case.assessments:
            out.extend(_assessment(st, width, a))
    else:
        out.append(Paragraph("None held.", st.none))

    out.extend(_heading(st, "Actions", 4))
    if case.actions:
        numbered = any(a.number for a in case.actions)
        rows = []
        for a in case.actions:
            lines = [esc(a.text)]
            if a.strand:
                lines.append(f"<b>Strand:</b> {esc(a.strand)}")
            for u in a.updates:
                head = ", ".join(x for x in (esc(u.by), esc(u.status_change)) if x)
                line = f"<font color='#555555'>{esc(_dt(u.at))}</font>"
                if head:
                    line += f" <i>{head}</i>"
                if u.text:
                    line += f": {esc(u.text)}"
                lines.append(f"<font size='7.5'>{line}</font>")
            status = a.status
            if a.status_reason:
                status += f"\n{a.status_reason}"
            if a.completed_on:
                status += f"\n{_d(a.completed_on)}"
            owner = "\n".join(x for x in (a.agency, a.owner) if x)
            row = [owner or "—", _Markup("<br/>".join(lines)), _d(a.due_date) or "—", status]
            rows.append([a.number, *row] if numbered else row)
        header = ["Agency / owner", "Action and updates", "Due", "Status"]
        widths = [0.2, 0.54, 0.11, 0.15]
        if numbered:
            header, widths = ["No.", *header], [0.06, 0.19, 0.49, 0.11, 0.15]
        out.append(_table(st, width, header, rows, widths))
    else:
        out.append(Paragraph("None held.", st.none))
    return out


def _assessment(st: _Styles, width: float, a: SarAssessment) -> list[Flowable]:
    from reportlab.platypus import CondPageBreak, Paragraph

    parts = [a.kind, _d(a.assessed_on)]
    if a.assessor:
        parts.append(f"by {a.assessor}")
    if a.score is not None:
        parts.append(f"score {a.score}")
    if a.risk_level:
        parts.append(a.risk_level)
    out: list[Flowable] = [CondPageBreak(_MIN_SPACE_AFTER[4]), Paragraph(esc(", ".join(parts)), st.item_title)]
    if a.notes:
        out.append(Paragraph(esc(a.notes), st.cell))
    if a.answers and len(a.answers) <= 6:
        out.append(_table(st, width, ["Item", "Answer", "Source"],
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
        out.append(_table(st, width, ["Item", "Answer", "Source"] * 2, rows,
                          [0.1, 0.11, 0.29] * 2, small=True, divider=3))
    return out


#: Space (points) a heading needs below it on the page, or it starts the next page: a heading is
#: never left alone at the foot of a page. (Not keepWithNext: that wraps the heading and the table
#: after it in a KeepTogether, which moves whole tables and strands half-empty pages.)
_MIN_SPACE_AFTER = {2: 150, 3: 120, 4: 70}


def _heading(st: _Styles, text: str, level: int) -> list[Flowable]:
    from reportlab.platypus import CondPageBreak, Paragraph

    style = {2: st.h2, 3: st.h3, 4: st.h4}[level]
    return [CondPageBreak(_MIN_SPACE_AFTER[level]), Paragraph(esc(text), style)]


def _rich(parts: Iterable[tuple[str, str]]) -> _Markup:
    """Markup for a cell of labelled parts: each label bold, each text escaped, one per line."""
    lines = []
    for label, text in parts:
        if not label and not text:
            continue
        lines.append((f"<b>{esc(label)}</b>" if label else "") + esc(text))
    return _Markup("<br/>".join(lines))


class _Markup(str):
    """Cell text that is already markup (built by :func:`_rich`) and must not be escaped again."""


def _cell(st: _Styles, value: Any, *, small: bool = False) -> Flowable:
    from reportlab.platypus import Paragraph

    style = st.cell_small if small else st.cell
    if isinstance(value, _Markup):
        return Paragraph(str(value), style)
    return Paragraph(esc("" if value is None else str(value)), style)


@functools.cache
def _table_class() -> type:
    """reportlab's Table, splitting between rows, and inside a row only when that row (with the
    header) is taller than a whole page.

    Plain ``Table(splitByRow=1, splitInRow=1)`` also splits inside a row whenever the next row
    does not fit the space left, and the leftover part then starts with a repeated header row
    half-way down the page. Here a row that would fit on a fresh page moves there whole instead.
    """
    from reportlab.platypus import Table

    class _RowSplittingTable(Table):
        def split(self, availWidth, availHeight):  # noqa: ANN001, ANN202 - reportlab's signature
            self._calc(availWidth, availHeight)
            if self._width > availWidth:
                return []
            parts = self._splitRows(availHeight, doInRowSplit=False)
            if parts:
                return parts
            repeat = self.repeatRows if isinstance(self.repeatRows, int) else max(self.repeatRows) + 1
            heights = self._rowHeights
            if len(heights) > repeat and sum(heights[: repeat + 1]) > _FRAME_HEIGHT:
                return self._splitRows(availHeight, doInRowSplit=True)
            return []

    return _RowSplittingTable


def _table(st: _Styles, width: float, header: Sequence[str], rows: Sequence[Sequence[Any]],
           fractions: Sequence[float], *, small: bool = False, divider: int | None = None) -> Flowable:
    """A full-width table of Paragraph cells with a header row repeated on every page it spans;
    a row taller than a page splits inside itself rather than failing."""
    from reportlab.platypus import Paragraph, TableStyle

    head = [Paragraph(f"<b>{esc(h)}</b>", st.cell) for h in header]
    body = [[_cell(st, v, small=small) for v in row] for row in rows]
    table = _table_class()([head, *body], colWidths=[width * f for f in fractions], repeatRows=1,
                           splitInRow=1, hAlign="LEFT")
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), st.header_fill),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.4, st.rule),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if divider is not None:
        style.append(("LINEAFTER", (divider - 1, 0), (divider - 1, -1), 1.2, st.rule))
    table.setStyle(TableStyle(style))
    return table


def _key_values(st: _Styles, width: float, pairs: Sequence[tuple[str, str]]) -> Flowable:
    """A two-column table: bold labels on the left, values (wrapped) on the right."""
    from reportlab.platypus import Paragraph, TableStyle

    rows = [[Paragraph(esc(k), st.cell_bold), Paragraph(esc(v), st.cell)] for k, v in pairs]
    table = _table_class()(rows, colWidths=[width * 0.26, width * 0.74], splitInRow=1, hAlign="LEFT")
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (0, -1), st.label_fill),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("GRID", (0, 0), (-1, -1), 0.4, st.rule),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table
