"""The tracker's print preview offers the copy for circulation first (issue 16, item 2): an action
log goes to the agencies, so what was typed into the actions is redacted until the coordinator
unticks the box for the panel's own file. Real demo file, real PDFs read back with pypdf."""

from __future__ import annotations

from io import BytesIO

from pypdf import PdfReader
from sqlalchemy import select

from cspdesk.storage import models as m
from cspdesk_gui.main_window import Section

TYPED = "Flag 3 Elm Close for urgent response; call 07700 900123"


def _text(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(pdf)).pages).split())


def test_the_tracker_preview_is_the_copy_for_circulation_at_first(demo_admin_ctx, make_window, qtbot):
    window = make_window(demo_admin_ctx, section=Section.ACTIONS)
    tracker = window.actions_page().tracker
    tracker.agency_combo.setCurrentIndex(1)  # one agency's action log
    qtbot.waitUntil(lambda: tracker.model.query.agency_id is not None, timeout=5000)
    first = tracker.model.ids()[0]
    with demo_admin_ctx.unit_of_work() as s:
        s.scalars(select(m.Action).where(m.Action.id == first)).one().text = TYPED
    with qtbot.waitSignal(tracker.preview_opened, timeout=5000) as opened:
        tracker.print_button.click()
    dialog = opened.args[0]
    qtbot.waitUntil(lambda: dialog.pdf is not None and dialog.drawn_pages() != [], timeout=60_000)
    assert dialog.choice_box is not None and dialog.choice_box.isChecked()
    assert dialog.source.title.endswith("(copy for circulation)")
    text = _text(dialog.pdf)
    assert "Flag [address removed] for urgent response; call [phone removed]" in text
    assert "Elm Close" not in text and "900123" not in text

    with qtbot.waitSignal(dialog.pages_drawn, timeout=60_000):
        dialog.choice_box.setChecked(False)
    assert TYPED in _text(dialog.pdf)
    assert not dialog.source.title.endswith("(copy for circulation)")
    dialog.close()
