"""Printing from the pages that show the papers' contents: an officer's action log (My actions),
the tracker as filtered, an OCG's 4P plan, and a meeting's agenda and minutes — each opens the
print preview with the document built by the same service as ``cspdesk print …``, and a save goes
into the audit trail. Real demo file, real PDFs read back with pypdf."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pypdf import PdfReader
from sqlalchemy import func, select

from cspdesk.domain.enums import AgendaItemKind, AuditKind, MeetingStatus, PanelType
from cspdesk.services.actions.actions import ActionService
from cspdesk.services.access.auth import DEMO_PASSWORD, sign_in
from cspdesk.services.database.workspace import close_workspace
from cspdesk.storage import models as m
from cspdesk_gui.main_window import Section


@pytest.fixture
def housing_officer(demo_accounts_db):  # noqa: ANN001, ANN201
    ctx = sign_in(demo_accounts_db, "officer.housing", DEMO_PASSWORD)
    yield ctx
    close_workspace(ctx)


def _drawn(qtbot, opened) -> object:  # noqa: ANN001
    """The preview a page opened (the signal's argument), once its pages are drawn."""
    dialog = opened.args[0]
    qtbot.waitUntil(lambda: dialog.pdf is not None and dialog.drawn_pages() != [], timeout=60_000)
    return dialog


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages).split())


def _prints(ctx, entity: str) -> int:  # noqa: ANN001
    """Print entries about ``entity`` (read straight from the file: an officer may not read the trail)."""
    with ctx.reading() as s:
        return s.scalar(select(func.count()).select_from(m.AuditEvent)
                        .where(m.AuditEvent.kind == AuditKind.PRINT, m.AuditEvent.entity == entity))


def test_an_officer_prints_their_action_log_from_my_actions(housing_officer, make_window, qtbot, tmp_path: Path):
    window = make_window(housing_officer, section="my-actions")
    view = window.actions_page().my_actions
    listed = [view.model.action_row(r) for r in range(view.model.rowCount())]
    assert listed and view.print_button.isEnabled()
    view.table.setFocus()
    with qtbot.waitSignal(view.preview_opened, timeout=5000) as opened:
        qtbot.keyClick(view.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)  # Ctrl+P
    dialog = _drawn(qtbot, opened)
    assert dialog.source.title.startswith("Action log: Golding Homes")
    text = _text(dialog.pdf)
    assert "Action log — Golding Homes" in text
    for row in listed:
        assert row.case_reference in text
    # Only the officer's agency: no other agency's group heading.
    assert {r.owner_agency for r in listed} == {"Golding Homes"}
    before = _prints(housing_officer, "panel")
    with qtbot.waitSignal(dialog.saved, timeout=30_000):
        dialog.save_to(tmp_path / "log.pdf")
    assert _prints(housing_officer, "panel") == before + 1
    assert len(PdfReader(tmp_path / "log.pdf").pages) == len(PdfReader(BytesIO(dialog.pdf)).pages)
    dialog.close()


def test_the_tracker_prints_what_it_lists(demo_admin_ctx, make_window, qtbot):
    window = make_window(demo_admin_ctx, section=Section.ACTIONS)
    tracker = window.actions_page().tracker
    tracker.agency_combo.setCurrentIndex(1)  # the first agency after "All agencies"
    qtbot.waitUntil(lambda: tracker.model.query.agency_id is not None, timeout=5000)
    ids = tracker.model.ids()
    rows = ActionService(demo_admin_ctx).action_rows(ids)
    assert rows
    with qtbot.waitSignal(tracker.preview_opened, timeout=5000) as opened:
        tracker.print_button.click()
    dialog = _drawn(qtbot, opened)
    text = _text(dialog.pdf)
    agency = tracker.agency_combo.currentText()
    assert dialog.source.title.startswith(f"Action log: {agency}")
    for row in rows:
        assert row.case_reference in text
    dialog.close()


def test_an_ocg_prints_its_4p_plan(demo_admin_ctx, make_window, qtbot):
    window = make_window(demo_admin_ctx, section="ocgs")
    view = window.actions_page().ocgs
    detail = view.detail.detail
    assert detail is not None
    with qtbot.waitSignal(view.preview_opened, timeout=5000) as opened:
        view.detail.print_button.click()
    dialog = _drawn(qtbot, opened)
    text = _text(dialog.pdf)
    assert f"4P plan {detail.row.reference}" in text
    for strand in ("Pursue", "Prevent", "Protect", "Prepare"):
        assert strand in text
    for nominal in detail.nominals:
        assert nominal.name in text
    dialog.close()


def test_a_meeting_prints_its_agenda_and_both_copies_of_its_minutes(demo_admin_ctx, make_window, qtbot,
                                                                     tmp_path: Path):
    ctx = demo_admin_ctx
    with ctx.reading() as s:
        meeting_id, panel_id = s.execute(
            select(m.Meeting.id, m.Meeting.panel_id).join(m.Panel, m.Panel.id == m.Meeting.panel_id)
            .join(m.AgendaItem, m.AgendaItem.meeting_id == m.Meeting.id)
            .where(m.Panel.panel_type == PanelType.MARAC, m.Meeting.status == MeetingStatus.FINALISED,
                   m.AgendaItem.kind == AgendaItemKind.CASE)
            .group_by(m.Meeting.id, m.Meeting.panel_id).order_by(func.count().desc(), m.Meeting.id).limit(1)
        ).one()
        references = s.scalars(select(m.Case.reference).join(m.AgendaItem, m.AgendaItem.case_id == m.Case.id)
                               .where(m.AgendaItem.meeting_id == meeting_id)).all()
        phones = [p for p in s.scalars(
            select(m.Person.phone).join(m.CasePerson, m.CasePerson.person_id == m.Person.id)
            .join(m.AgendaItem, m.AgendaItem.case_id == m.CasePerson.case_id)
            .where(m.AgendaItem.meeting_id == meeting_id)) if p]
    window = make_window(ctx, section=Section.MEETINGS)
    page = window.page(Section.MEETINGS)
    page.panel_combo.setCurrentIndex(page.panel_combo.findData(panel_id))
    page._show_meeting(meeting_id)  # noqa: SLF001 - as a click on its row does
    assert page.print_button.isEnabled() and page.print_minutes_action.isEnabled()

    page.table.setFocus()
    with qtbot.waitSignal(page.preview_opened, timeout=5000) as opened:
        qtbot.keyClick(page.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)  # Ctrl+P: the agenda
    agenda = _drawn(qtbot, opened)
    assert agenda.source.title.startswith("Agenda: ")
    text = _text(agenda.pdf)
    assert all(reference in text for reference in references)
    agenda.close()
    window.activateWindow()  # back to the meetings list, as closing the preview does on a desktop
    page.table.setFocus()
    qtbot.waitUntil(lambda: window.isActiveWindow() and page.table.hasFocus(), timeout=5000)

    with qtbot.waitSignal(page.preview_opened, timeout=5000) as opened:
        qtbot.keyClick(page.table, Qt.Key.Key_P,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)  # the minutes
    minutes = _drawn(qtbot, opened)
    assert minutes.choice_box is not None and minutes.choice_box.isChecked()  # the distribution copy first
    text = _text(minutes.pdf)
    assert "Minutes" in text and all(reference in text for reference in references)
    assert phones and not any(phone in text for phone in phones)
    first = minutes.pdf
    minutes.choice_box.setChecked(False)  # the full record, for the panel's own file
    qtbot.waitUntil(lambda: minutes.pdf is not None and minutes.pdf != first and minutes.drawn_pages() != [],
                    timeout=60_000)
    assert "(distribution copy)" not in minutes.source.title
    before = _prints(ctx, "meeting")
    with qtbot.waitSignal(minutes.saved, timeout=30_000):
        minutes.save_to(tmp_path / "minutes.pdf")
    assert _prints(ctx, "meeting") == before + 1
    minutes.close()
