"""Agencies in the loop without accounts (issue 18): research requests out and back, who has not
returned, action update sheets round-tripped, per-agency extracts of the minutes, and the folders
of encrypted files and .eml drafts — read back with pypdf, openpyxl, msoffcrypto and the standard
library's e-mail parser. Real databases (both engines), nothing mocked."""

from __future__ import annotations

import email
import io
from datetime import timedelta
from email import policy
from pathlib import Path

import pytest
from openpyxl import load_workbook
from papers_helpers import busiest_finalised_meeting, busiest_meeting
from pypdf import PdfReader
from sqlalchemy import func, select

from cspdesk.domain.agency_loop import RESEARCH_COPY_MARKING, CirculationKind, ReturnState
from cspdesk.domain.enums import ActionStatus, AgendaItemKind, AuditKind, MeetingStatus, Role
from cspdesk.domain.redaction import KnownContacts, Level, redact
from cspdesk.reports.agency_sheets import ResearchCase, ResearchPerson
from cspdesk.services.actions.actions import ActionService
from cspdesk.services.papers.circulate import CirculationResult, CirculationService
from cspdesk.services.agencies.research import ResearchService
from cspdesk.services.agencies.returns import ReturnsService
from cspdesk.services.agencies.sealing import WrongPassword, decrypt_xlsx
from cspdesk.services.context import Actor, ServiceContext
from cspdesk.services.errors import NotFound, PermissionDenied, ValidationError
from cspdesk.services.papers.meeting_papers import MeetingPapersService
from cspdesk.services.partnership.starter import StructureService
from cspdesk.storage import models as m


def _text(pdf: bytes | Path, password: str | None = None) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf) if isinstance(pdf, bytes) else pdf)
    if password is not None:
        assert reader.decrypt(password)
    return [page.extract_text() for page in reader.pages]


def _fill(content: bytes, answers: dict[int, list[str]], *, first_row: int = 7) -> bytes:
    """What an agency does: open the sheet and type into the answer cells of some rows."""
    wb = load_workbook(io.BytesIO(content))
    ws = wb.worksheets[0]
    for offset, values in answers.items():
        start = 4 if ws.title == "Research" else 5
        for n, value in enumerate(values):
            ws.cell(row=first_row + offset, column=start + n, value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _circulate(ctx: ServiceContext, meeting_id: int, what: str, out: Path, **kw) -> CirculationResult:
    return CirculationService(ctx).circulate(meeting_id, what, out, invariant=True, **kw).value


def _opened_xlsx(packet, suffix: str = ".xlsx") -> bytes:  # noqa: ANN001
    path = next(p for p in packet.files if p.suffix == suffix)
    return decrypt_xlsx(path.read_bytes(), packet.password)


def test_secure_email_is_kept_with_the_agency_and_audited(demo_ctx: ServiceContext) -> None:
    structure = StructureService(demo_ctx)
    agency = structure.agencies()[0]
    structure.set_secure_email(agency.id, "  MARAC@Police.GOV.UK ")
    assert next(a for a in structure.agencies() if a.id == agency.id).secure_email == "MARAC@police.gov.uk"
    with pytest.raises(ValidationError) as refused:
        structure.set_secure_email(agency.id, "not an address")
    assert refused.value.field == "secure_email"
    with demo_ctx.reading() as s:
        entry = s.scalars(select(m.AuditEvent).where(m.AuditEvent.entity == "agency", m.AuditEvent.entity_id == agency.id)
                          .order_by(m.AuditEvent.id.desc())).first()
        assert entry.kind is AuditKind.UPDATE and entry.details["secure_email"]["new"] == "MARAC@police.gov.uk"


def test_research_requests_out_and_three_returns_back(demo_ctx: ServiceContext, tmp_path: Path) -> None:
    meeting_id = busiest_meeting(demo_ctx, MeetingStatus.PLANNED)
    result = _circulate(demo_ctx, meeting_id, "research", tmp_path / "out")
    assert len(result.packets) >= 4
    states = ResearchService(demo_ctx).states(meeting_id)
    assert {s.state for s in states} == {ReturnState.SENT}

    # The research copy carries the people's names, and says so on every page.
    first = result.packets[0]
    pages = _text(next(p for p in first.files if p.suffix == ".pdf").read_bytes(), first.password)
    assert all(RESEARCH_COPY_MARKING in p and f"Copy for: {first.agency}" in p for p in pages)
    with demo_ctx.reading() as s:
        item = s.scalars(select(m.AgendaItem).where(m.AgendaItem.meeting_id == meeting_id,
                                                    m.AgendaItem.kind == AgendaItemKind.CASE)
                         .order_by(m.AgendaItem.position)).first()
        case_id = item.case_id
        victim = s.get(m.Case, case_id).subject_person
        name = f"{victim.given_name} {victim.family_name}"
        n_cases = s.scalar(select(func.count()).select_from(m.AgendaItem).where(
            m.AgendaItem.meeting_id == meeting_id, m.AgendaItem.kind == AgendaItemKind.CASE))
    assert name in "".join(pages)

    # Three agencies fill theirs in and send them back.
    for n, packet in enumerate(result.packets[:3]):
        filled = _fill(_opened_xlsx(packet), {0: ["Known", f"Held by agency {n}: UNIQUE-RESEARCH-{n}",
                                                  f"risk note {n}", "Seen last week"],
                                              1: ["Not known"]})
        back = tmp_path / f"back{n}.xlsx"
        back.write_bytes(filled)
        report = ReturnsService(demo_ctx).import_file(back, meeting_id=meeting_id).value
        assert report.count("filed") == 2 and report.count("refused") == 0
        assert report.count("unchanged") == n_cases - 2
    states = {s.agency: s for s in ResearchService(demo_ctx).states(meeting_id)}
    returned = {p.agency for p in result.packets[:3]}
    assert {a for a, s in states.items() if s.state is ReturnState.RETURNED} == returned
    chase = ResearchService(demo_ctx).chase_list(meeting_id)
    assert {c.agency for c in chase} == {p.agency for p in result.packets[3:]}

    # The research is in the full minutes and meeting mode's data, never in the distribution copy.
    research = ResearchService(demo_ctx).research(meeting_id)
    assert len(research[case_id]) == 3
    papers = MeetingPapersService(demo_ctx)
    full = "".join(_text(papers.render_minutes(meeting_id, invariant=True)))
    assert "UNIQUE-RESEARCH-0" in full.replace("\n", "") and "Agencies' research" in full
    distribution = "".join(_text(papers.render_minutes(meeting_id, distribution=True, invariant=True)))
    for leak in ("UNIQUE-RESEARCH", "risk note", "Seen last week", "Agencies' research"):
        assert leak not in distribution.replace("\n", "")
    log = ResearchService(demo_ctx).circulation_log(meeting_id)
    assert sum(1 for e in log if e.returned_at) == 3


def test_a_tampered_or_misdirected_return_is_refused_with_the_reason(demo_ctx: ServiceContext, tmp_path: Path) -> None:
    meeting_id = busiest_meeting(demo_ctx, MeetingStatus.PLANNED)
    result = _circulate(demo_ctx, meeting_id, "research", tmp_path / "out")
    packet = result.packets[0]
    plain = _opened_xlsx(packet)
    service = ReturnsService(demo_ctx)

    def refused(content: bytes, **kw) -> str:
        with pytest.raises(ValidationError) as exc:
            service.import_bytes(content, **kw)
        return str(exc.value)

    # A case reference changed (the list was altered).
    wb = load_workbook(io.BytesIO(plain))
    wb.worksheets[0]["A7"] = "MARAC-1999-0001"
    buf = io.BytesIO()
    wb.save(buf)
    assert "list was altered: row 7" in refused(buf.getvalue())
    # A row removed.
    wb = load_workbook(io.BytesIO(plain))
    wb.worksheets[0].delete_rows(7)
    buf = io.BytesIO()
    wb.save(buf)
    assert "list was altered" in refused(buf.getvalue())
    # The hidden identification edited to name another agency.
    wb = load_workbook(io.BytesIO(plain))
    meta = wb["cspdesk"]
    for row in meta.iter_rows():
        if row[0].value == "agency_id":
            row[1].value = str(int(row[1].value) + 1)
    buf = io.BytesIO()
    wb.save(buf)
    assert "identification was altered" in refused(buf.getvalue())
    # Imported from another meeting.
    assert "for another meeting" in refused(plain, meeting_id=meeting_id + 1000)
    # Encrypted, without or with the wrong password.
    sealed = next(p for p in packet.files if p.suffix == ".xlsx").read_bytes()
    assert "encrypted" in refused(sealed)
    assert "does not open" in refused(sealed, password="wrong-password")
    # Not a sheet CSPDesk sent at all.
    assert "not a sheet CSPDesk sent" in refused(_blank_workbook())
    # Nothing was filed by any of them, and the sealed one with its password is.
    assert ResearchService(demo_ctx).research(meeting_id) == {}
    assert service.import_bytes(sealed, password=packet.password).value.count("refused") == 0


def test_only_the_answer_cells_of_a_research_sheet_are_open_and_its_identification_is_hidden(
        demo_ctx: ServiceContext, tmp_path: Path) -> None:
    meeting_id = busiest_meeting(demo_ctx, MeetingStatus.PLANNED)
    packet = _circulate(demo_ctx, meeting_id, "research", tmp_path / "out").packets[0]
    wb = load_workbook(io.BytesIO(_opened_xlsx(packet)))
    ws = wb.worksheets[0]
    assert ws.protection.sheet and wb["cspdesk"].sheet_state == "veryHidden"
    assert [ws.cell(row=7, column=c).protection.locked for c in range(1, 8)] == [True] * 3 + [False] * 4
    assert ws["A6"].protection.locked and ws["D6"].protection.locked  # the headings too
    assert "RESEARCH COPY" in ws["A1"].value
    assert ws.data_validations.dataValidation[0].formula1 == '"Known,Not known"'
    # Not a workbook at all: refused as one CSPDesk cannot read.
    with pytest.raises(ValidationError, match="not a spreadsheet"):
        ReturnsService(demo_ctx).import_bytes(b"%PDF-1.7 not a workbook")


def _blank_workbook() -> bytes:
    from openpyxl import Workbook

    buf = io.BytesIO()
    Workbook().save(buf)
    return buf.getvalue()


def test_the_eml_draft_parses_and_its_attachments_open_only_with_the_password(demo_ctx: ServiceContext,
                                                                              tmp_path: Path) -> None:
    meeting_id = busiest_meeting(demo_ctx, MeetingStatus.PLANNED)
    structure = StructureService(demo_ctx)
    agency = next(a for a in structure.agencies() if a.is_active and a.panels)
    structure.set_secure_email(agency.id, "research@agency.gcsx.gov.uk")
    result = _circulate(demo_ctx, meeting_id, "research", tmp_path / "out", agency=agency.short_code)
    (packet,) = result.packets
    msg = email.message_from_bytes(packet.email.read_bytes(), policy=policy.default)
    assert msg["To"] == "research@agency.gcsx.gov.uk"
    assert msg["X-Unsent"] == "1"
    assert msg["Subject"].startswith("[OFFICIAL-SENSITIVE]") and agency.name in msg["Subject"]
    attachments = {part.get_filename(): part.get_content() for part in msg.iter_attachments()}
    assert sorted(Path(n).suffix for n in attachments) == [".pdf", ".xlsx"]
    assert packet.password not in msg.get_body(("plain",)).get_content()
    pdf = next(v for k, v in attachments.items() if k.endswith(".pdf"))
    xlsx = next(v for k, v in attachments.items() if k.endswith(".xlsx"))
    reader = PdfReader(io.BytesIO(pdf))
    assert reader.is_encrypted and not reader.decrypt("wrong")
    assert reader.decrypt(packet.password) and "Research request" in reader.pages[0].extract_text()
    with pytest.raises(Exception):  # noqa: B017 - openpyxl cannot read an encrypted workbook at all
        load_workbook(io.BytesIO(xlsx))
    with pytest.raises(WrongPassword):
        decrypt_xlsx(xlsx, "wrong")
    assert load_workbook(io.BytesIO(decrypt_xlsx(xlsx, packet.password))).worksheets[0]["A2"].value.startswith(
        "Research request")
    listed = result.passwords.read_text()
    assert packet.password in listed and agency.name in listed
    assert packet.password not in packet.email.read_bytes().decode("ascii", "replace")


def _agency_with_open_actions(ctx: ServiceContext) -> tuple[int, str, str]:
    """The busiest finalised meeting, and the agency with most open actions on its panel (name, code)."""
    meeting_id = busiest_finalised_meeting(ctx)
    with ctx.reading() as s:
        panel_id = s.get(m.Meeting, meeting_id).panel_id
        agency_id = s.execute(select(m.Action.owner_agency_id).where(
            m.Action.panel_id == panel_id, m.Action.owner_agency_id.is_not(None),
            m.Action.status.in_([ActionStatus.OPEN, ActionStatus.ONGOING]))
            .group_by(m.Action.owner_agency_id).order_by(func.count().desc()).limit(1)).scalar_one()
        agency = s.get(m.Agency, agency_id)
        return meeting_id, agency.name, agency.short_code


def test_action_updates_round_trip_and_a_change_made_meanwhile_is_reported(demo_ctx: ServiceContext,
                                                                            tmp_path: Path) -> None:
    meeting_id, _, code = _agency_with_open_actions(demo_ctx)
    result = _circulate(demo_ctx, meeting_id, "actions", tmp_path / "out", agency=code)
    (packet,) = result.packets
    plain = _opened_xlsx(packet)
    ws = load_workbook(io.BytesIO(plain)).worksheets[0]
    ids = [int(ws.cell(row=r, column=8).value) for r in range(7, ws.max_row + 1) if ws.cell(row=r, column=8).value]
    assert len(ids) >= 3
    # Someone updates the third action in CSPDesk after the sheet went out.
    ActionService(demo_ctx).add_note(ids[2], "Updated by the coordinator meanwhile")
    done_on = demo_ctx.today() - timedelta(days=2)
    filled = _fill(plain, {0: ["Completed", "Referral made and accepted", f"{done_on:%d/%m/%Y}"],
                           1: ["", "Still waiting for the school"],
                           2: ["Ongoing", "Our update"],
                           3: ["On hold", ""]} if len(ids) > 3 else
                   {0: ["Completed", "Referral made and accepted", f"{done_on:%d/%m/%Y}"],
                    1: ["", "Still waiting for the school"], 2: ["Ongoing", "Our update"]})
    report = ReturnsService(demo_ctx).import_bytes(filled).value
    outcomes = {r.row: r for r in report.rows}
    assert outcomes[7].outcome == "filed" and outcomes[8].outcome == "filed"
    assert outcomes[9].outcome == "conflict" and "changed in CSPDesk" in outcomes[9].message
    if len(ids) > 3:  # On hold needs a reason: the tracker's own validation refuses it
        assert outcomes[10].outcome == "refused" and "Say why" in outcomes[10].message
    with demo_ctx.reading() as s:
        first = s.get(m.Action, ids[0])
        assert first.status is ActionStatus.COMPLETED and first.completed_on == done_on
        assert s.scalars(select(m.ActionUpdate.text).where(m.ActionUpdate.action_id == ids[1])
                         .order_by(m.ActionUpdate.id.desc())).first() == "Still waiting for the school"
        third = s.get(m.Action, ids[2])
        assert "Our update" not in [u.text for u in third.updates]  # reported, not overwritten
        assert "Updated by the coordinator meanwhile" in [u.text for u in third.updates]


def test_a_minutes_extract_per_agency_says_who_it_is_for_on_every_page(demo_ctx: ServiceContext,
                                                                         tmp_path: Path) -> None:
    meeting_id, name, code = _agency_with_open_actions(demo_ctx)
    result = _circulate(demo_ctx, meeting_id, "minutes", tmp_path / "out", agency=code)
    (packet,) = result.packets
    (pdf,) = packet.files
    pages = _text(pdf.read_bytes(), packet.password)
    assert len(pages) > 1 and all(f"Copy for: {name}" in p for p in pages)
    text = "".join(pages)
    assert f"Actions for {name}" in text and "Distribution copy" in text


def test_only_the_meetings_panel_and_a_role_that_runs_meetings_may(demo_ctx: ServiceContext, tmp_path: Path) -> None:
    meeting_id = busiest_meeting(demo_ctx, MeetingStatus.PLANNED)
    result = _circulate(demo_ctx, meeting_id, "research", tmp_path / "out")
    plain = _opened_xlsx(result.packets[0])
    with demo_ctx.reading() as s:
        panel_id = s.get(m.Meeting, meeting_id).panel_id
    others = frozenset({panel_id + 1000})
    outsider = ServiceContext(store=demo_ctx.store, actor=Actor(None, "o", Role.COORDINATOR, None, others))
    viewer = ServiceContext(store=demo_ctx.store, actor=Actor(None, "v", Role.VIEWER, None, frozenset({panel_id})))
    for ctx, error in ((outsider, NotFound), (viewer, PermissionDenied)):
        with pytest.raises(error):
            CirculationService(ctx).circulate(meeting_id, "research", tmp_path / "no")
        with pytest.raises(error):
            ReturnsService(ctx).import_bytes(plain)
        with pytest.raises(error):
            ResearchService(ctx).states(meeting_id)
    assert not (tmp_path / "no").exists()
    with demo_ctx.reading() as s:
        sent = s.scalars(select(m.AuditEvent).where(m.AuditEvent.entity == "meeting",
                                                    m.AuditEvent.entity_id == meeting_id,
                                                    m.AuditEvent.kind == AuditKind.EXPORT)).all()
        assert len(sent) == len(result.packets)
        assert all(e.details["circulation"] == CirculationKind.RESEARCH.value for e in sent)


def test_the_research_copy_level_keeps_identity_and_removes_phones_and_emails() -> None:
    case = ResearchCase(1, "MARAC-2026-0001", "Jo Bloggs", None, "High", "Police", (
        ResearchPerson("Victim", "Jo Bloggs", ("Jo Smith",), None, "3 Elm Close, ME10 4QZ 07700 900123"),))
    known = KnownContacts.of([("3 Elm Close", "ME10 4QZ", "07700 900123", "call after 6pm only please")])
    kept = redact(case, known, level=Level.RESEARCH_COPY)
    person = kept.people[0]
    assert person.name == "Jo Bloggs" and person.aliases == ("Jo Smith",)
    assert "3 Elm Close" in person.address and "ME10 4QZ" in person.address
    assert "900123" not in person.address and "[phone removed]" in person.address
    circulated = redact(case, known, level=Level.CIRCULATION)
    assert "Elm Close" not in circulated.people[0].address
