"""The Meetings page's "Agencies…" (issue 18): research requests sent to every agency from the
window, a returned sheet imported with "Import returns…", the state and chase list updated, and
meeting mode showing the returned research. On the demo partnership; nothing mocked but the file
and password prompts (modal dialogs block an offscreen test)."""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import select

from cspdesk.domain.agency_loop import CirculationKind, ReturnState
from cspdesk.domain.enums import MeetingStatus, PanelType
from cspdesk.services.agencies.sealing import decrypt_xlsx
from cspdesk.storage import models as m
from cspdesk_gui.dialogs.agencies import AgenciesDialog
from cspdesk_gui.main_window import Section

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from papers_helpers import busiest_meeting  # noqa: E402


def _shot(widget, name: str) -> None:  # noqa: ANN001
    folder = os.environ.get("CSPDESK_SCREENSHOTS")
    if folder:
        widget.grab().save(str(Path(folder) / f"{name}.png"))


def test_send_research_requests_and_import_a_return_from_the_meetings_page(make_window, demo_ctx, qtbot,
                                                                           qtmodeltester, tmp_path, monkeypatch):
    meeting_id = busiest_meeting(demo_ctx, MeetingStatus.PLANNED)
    window = make_window(demo_ctx, section=Section.MEETINGS)
    page = window.page(Section.MEETINGS)
    with demo_ctx.reading() as s:
        panel = s.scalar(select(m.Panel.id).where(m.Panel.panel_type == PanelType.MARAC))
    page.panel_combo.setCurrentIndex(page.panel_combo.findData(panel))
    page.table.setCurrentIndex(page.model.index(page.model.row_of(meeting_id), 0))
    assert page.agencies_action.isEnabled()
    dialog = page.open_agencies()
    qtbot.addWidget(dialog)
    assert isinstance(dialog, AgenciesDialog)
    qtmodeltester.check(dialog.model)
    assert {dialog.model.row(n).state for n in range(dialog.model.rowCount())} == {ReturnState.NOT_SENT}

    monkeypatch.setattr(dialog, "choose_folder", lambda: tmp_path / "out")
    with qtbot.waitSignal(dialog.circulated, timeout=60_000) as sent:
        dialog.buttons[CirculationKind.RESEARCH].click()
    result = sent.args[0]
    assert (tmp_path / "out" / "passwords.txt").is_file()
    assert "Sent" in dialog.model.data(dialog.model.index(0, 2))
    assert "Chase list" in dialog.chase_label.text() and result.packets[0].agency in dialog.chase_label.text()

    packet = result.packets[0]
    sealed = next(p for p in packet.files if p.suffix == ".xlsx")
    wb = load_workbook(io.BytesIO(decrypt_xlsx(sealed.read_bytes(), packet.password)))
    wb.worksheets[0]["D7"], wb.worksheets[0]["E7"] = "Known", "Open case since May: WINDOW-RESEARCH"
    wb.save(sealed.with_name("returned.xlsx"))
    monkeypatch.setattr(dialog, "choose_file", lambda: sealed.with_name("returned.xlsx"))
    with qtbot.waitSignal(dialog.returns_imported, timeout=60_000) as back:
        dialog.import_button.click()
    assert back.args[0].count("filed") == 1
    row = next(n for n in range(dialog.model.rowCount()) if dialog.model.row(n).agency == packet.agency)
    assert dialog.model.row(row).state is ReturnState.RETURNED
    assert packet.agency not in dialog.chase_label.text()
    assert "1 filed" in dialog.message.text()
    _shot(dialog, "agencies_dialog")

    # An encrypted return asks for its password; a wrong one is refused with the reason.
    monkeypatch.setattr(dialog, "choose_file", lambda: sealed)
    monkeypatch.setattr(dialog, "ask_password", lambda _name: "not-the-password")
    with qtbot.waitSignal(dialog.failed, timeout=60_000) as refused:
        dialog.import_button.click()
    assert "password does not open" in refused.args[0]
    assert dialog.error.isVisibleTo(dialog)

    # Meeting mode shows the returned research with the case.
    from cspdesk.domain.enums import AgendaItemKind
    from cspdesk_gui.meeting_mode.window import MeetingModeWindow

    mode = MeetingModeWindow(demo_ctx, meeting_id)
    qtbot.addWidget(mode)
    mode.show()
    first_case = next(n for n, i in enumerate(mode.detail.items) if i.kind is AgendaItemKind.CASE)
    mode.go_to(first_case)
    qtbot.waitUntil(lambda: "WINDOW-RESEARCH" in mode.summary_label.text(), timeout=20_000)
    assert "Agencies' research" in mode.summary_label.text() and packet.agency in mode.summary_label.text()
    _shot(mode, "meeting_mode_research")
