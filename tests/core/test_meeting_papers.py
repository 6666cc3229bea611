"""A meeting's agenda and minutes, full and for distribution, read back with pypdf."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from papers_helpers import busiest_finalised_meeting
from pypdf import PdfReader
from sqlalchemy import func, select

from cspdesk.domain.enums import AgendaItemKind, AuditKind, MeetingStatus, PanelType, Role
from cspdesk.services.context import Actor, ServiceContext
from cspdesk.services.errors import NotFound, PermissionDenied
from cspdesk.services.papers.meeting_papers import MeetingPapersService
from cspdesk.storage import models as m


def _text(path: Path) -> tuple[list[str], str]:
    pages = [p.extract_text() for p in PdfReader(path).pages]
    return pages, " ".join(" ".join(pages).split())


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def busy_meeting(demo_ctx: ServiceContext) -> int:
    return busiest_finalised_meeting(demo_ctx)


def test_minutes_hold_every_case_and_action(demo_ctx: ServiceContext, busy_meeting: int, tmp_path: Path) -> None:
    with demo_ctx.reading() as s:
        references = s.scalars(select(m.Case.reference).join(m.AgendaItem, m.AgendaItem.case_id == m.Case.id)
                               .where(m.AgendaItem.meeting_id == busy_meeting)).all()
        actions = s.scalars(select(m.Action.text).where(m.Action.meeting_id == busy_meeting)).all()
    assert len(references) >= 8 and len(actions) >= 10
    out = tmp_path / "minutes.pdf"
    MeetingPapersService(demo_ctx).write_minutes(busy_meeting, out)
    pages, text = _text(out)
    for number, page in enumerate(pages, start=1):
        assert page.count("OFFICIAL-SENSITIVE") >= 2, f"page {number}: marking top and bottom"
        assert f"Page {number} of {len(pages)}" in page
        assert "Swale MARAC" in page and "Printed by local on" in page
    for heading in ("Present", "Apologies", "Observers", "Confidentiality statement",
                    "Review of outstanding actions", "Next meeting", "Finalised on"):
        assert heading in text, heading
    for reference in references:
        assert reference in text, reference
    for action in actions:
        assert _flat(action)[:50] in text, action
    with demo_ctx.reading() as s:
        kind, details = s.execute(select(m.AuditEvent.kind, m.AuditEvent.details)
                                  .order_by(m.AuditEvent.id.desc()).limit(1)).one()
    assert kind is AuditKind.PRINT and details == {"report": "minutes", "distribution": False, "file": "minutes.pdf"}


def test_distribution_copy_has_no_address_or_phone(demo_ctx: ServiceContext, busy_meeting: int, tmp_path: Path) -> None:
    with demo_ctx.unit_of_work() as s:
        # What a chair might type: a number and a postcode in the notes.
        item = s.scalars(select(m.AgendaItem).where(m.AgendaItem.meeting_id == busy_meeting,
                                                    m.AgendaItem.kind == AgendaItemKind.CASE).limit(1)).one()
        item.discussion += " Safe number for the victim is 07700 900123; she is staying near ME10 4QZ."
        people = s.execute(
            select(m.Person.address, m.Person.postcode, m.Person.phone)
            .join(m.CasePerson, m.CasePerson.person_id == m.Person.id)
            .join(m.AgendaItem, m.AgendaItem.case_id == m.CasePerson.case_id)
            .where(m.AgendaItem.meeting_id == busy_meeting)).all()
    contact = {v for row in people for v in row if v}
    assert len(contact) > 10
    service = MeetingPapersService(demo_ctx)
    full, copy = tmp_path / "full.pdf", tmp_path / "copy.pdf"
    service.write_minutes(busy_meeting, full)
    service.write_minutes(busy_meeting, copy, distribution=True)
    _, full_text = _text(full)
    _, copy_text = _text(copy)
    assert "07700 900123" in full_text
    assert sum(1 for v in contact if _flat(v) in full_text) > 10  # the full record has them
    for value in contact:
        assert _flat(value) not in copy_text, value
    assert not re.search(r"\b0\d{4} ?\d{6}\b", copy_text), "a telephone number in the distribution copy"
    assert "[phone removed]" in copy_text and "[postcode removed]" in copy_text
    assert "Distribution copy: addresses, telephone numbers and contact notes are left out" in copy_text


def test_agenda_lists_items_with_times_and_earlier_actions(demo_ctx: ServiceContext, tmp_path: Path) -> None:
    with demo_ctx.reading() as s:
        meeting_id = s.execute(
            select(m.Meeting.id).join(m.Panel, m.Panel.id == m.Meeting.panel_id)
            .where(m.Panel.panel_type == PanelType.MARAC, m.Meeting.status == MeetingStatus.PLANNED)
            .order_by(m.Meeting.starts_at).limit(1)).scalar_one()
    data = MeetingPapersService(demo_ctx).write_agenda(meeting_id, tmp_path / "agenda.pdf")
    pages, text = _text(tmp_path / "agenda.pdf")
    assert all("OFFICIAL-SENSITIVE" in p for p in pages)
    cases = [i for i in data.items if i.kind == "case"]
    assert cases
    for item in data.items:
        assert item.slot in text
    for item in cases:
        assert item.reference in text
        for action in item.earlier_actions:
            assert _flat(action.text)[:40] in text
    assert "Confidentiality statement" in text and "Any other business" in text
    # An agenda circulates: no addresses or telephone numbers in it.
    assert all(not p.address and not p.phone for i in cases for p in i.people)


def test_only_members_print_papers(demo_ctx: ServiceContext, busy_meeting: int, tmp_path: Path) -> None:
    with demo_ctx.reading() as s:
        panel_id = s.scalar(select(m.Meeting.panel_id).where(m.Meeting.id == busy_meeting))
    outsider = ServiceContext(store=demo_ctx.store, actor=Actor(user_id=None, username="o", role=Role.OFFICER,
                                                                panel_ids=frozenset({panel_id + 100})))
    with pytest.raises((NotFound, PermissionDenied)):
        MeetingPapersService(outsider).write_minutes(busy_meeting, tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


def test_the_preview_renders_without_recording_and_a_print_is_recorded(demo_ctx: ServiceContext,
                                                                       busy_meeting: int, tmp_path: Path) -> None:
    """What the app's print preview calls: the same pages as the file, nothing audited until it
    goes to a printer (or is saved, which write_minutes records)."""
    # Both papers carry "printed at": one clock for both, or a minute ticking over between them differs.
    printed_at = demo_ctx.now()
    demo_ctx.now = lambda: printed_at
    service = MeetingPapersService(demo_ctx)
    with demo_ctx.reading() as s:
        entries = s.scalar(select(func.count()).select_from(m.AuditEvent))
    shown = service.render_minutes(busy_meeting, distribution=True, invariant=True)
    agenda = service.render_agenda(busy_meeting, invariant=True)
    with demo_ctx.reading() as s:
        assert s.scalar(select(func.count()).select_from(m.AuditEvent)) == entries
    service.write_minutes(busy_meeting, tmp_path / "saved.pdf", distribution=True, invariant=True)
    saved = (tmp_path / "saved.pdf").read_bytes()
    if saved != shown:  # show what differs: the preview must be the paper
        import difflib

        a = "\n".join(p.extract_text() for p in PdfReader(BytesIO(shown)).pages).splitlines()
        b = "\n".join(p.extract_text() for p in PdfReader(tmp_path / "saved.pdf").pages).splitlines()
        raise AssertionError("\n".join(difflib.unified_diff(a, b, "preview", "saved", lineterm="", n=1)))
    assert "Agenda" in PdfReader(BytesIO(agenda)).pages[0].extract_text()
    service.record_printed(busy_meeting, "minutes", distribution=True, pages=4, printer="Office printer")
    with demo_ctx.reading() as s:
        kind, details = s.execute(select(m.AuditEvent.kind, m.AuditEvent.details)
                                  .order_by(m.AuditEvent.id.desc()).limit(1)).one()
    assert kind is AuditKind.PRINT and details == {"report": "minutes", "distribution": True,
                                                   "printer": "Office printer", "pages": 4}
