"""Every window on a council laptop: at 1366×768 and 1024×700 (less a 40 px taskbar) each window
opens inside the screen, and every button, field and the protective marking lies inside the
window — whole, or inside a scroll area that brings it into view.

The offscreen platform has one 800×800 screen, so each test gives the windows the available
geometry of the laptop's screen (the ``laptop`` fixture patches ``cspdesk_gui.windows.available_area``), as
the screen would. Screenshots go to $CSPDESK_SHOTS when it is set (to be looked at). The walker is
tests/ui/fit_walk.py; tests/ui/test_every_window.py runs it over every other window and dialog.
"""

from __future__ import annotations

import pytest
from fit_walk import check as _check
from fit_walk import shown_whole as _shown_whole
from PySide6.QtWidgets import QLabel, QWidget

from cspdesk.domain.enums import MeetingStatus, PanelType
from cspdesk.services.referrals.cases import CaseService
from cspdesk.services.meetings.meetings import MeetingService
from cspdesk.services.partnership.panels import PanelService
from cspdesk_gui.main_window import NAVIGATION


def _show(qtbot, window: QWidget) -> QWidget:  # noqa: ANN001
    qtbot.addWidget(window)
    with qtbot.waitExposed(window):
        window.show()
    return window


def test_the_main_window_and_every_page_fit(qtbot, make_window, demo_admin_ctx, laptop):
    name, area = laptop
    window = make_window(demo_admin_ctx)
    problems = []
    for section, _label in NAVIGATION:
        window.show_section(section)
        problems += _check(window, area, f"main-{section.value}-{name}")
    assert window.marking_label.isVisible() or not window.marking_label.text()
    assert problems == []


@pytest.mark.parametrize("kind", [PanelType.MARAC, PanelType.CSVG, PanelType.SOCP, PanelType.CARM])
def test_the_referral_form_fits_and_scrolls(qtbot, demo_ctx, laptop, kind):
    from cspdesk_gui.referrals.dialog import ReferralDialog

    name, area = laptop
    panel = next(p.id for p in PanelService(demo_ctx).list_panels() if p.panel_type == kind)
    dialog = _show(qtbot, ReferralDialog(demo_ctx, panel))
    assert _check(dialog, area, f"referral-{kind.value}-{name}") == []
    assert _shown_whole(dialog.save_button, dialog)


def test_meeting_mode_fits_with_the_agreed_actions_and_decision(qtbot, demo_ctx, laptop):
    from cspdesk_gui.meeting_mode import MeetingModeWindow

    name, area = laptop
    svc = MeetingService(demo_ctx)
    meetings = [r for p in PanelService(demo_ctx).list_panels() if p.panel_type == PanelType.MARAC
                for r in svc.list_meetings(p.id) if r.status is MeetingStatus.PLANNED and r.cases]
    window = _show(qtbot, MeetingModeWindow(demo_ctx, meetings[0].id))
    problems = _check(window, area, f"meeting-mode-statement-{name}")
    case_row = next(n for n, item in enumerate(window.detail.items) if item.case_id is not None)
    window.go_to(case_row)
    problems += _check(window, area, f"meeting-mode-case-{name}")
    assert problems == []
    for part in (window.agreed_view, window.decision_row, window.action_line):
        assert part.isVisible() and _shown_whole(part, window)
    # Room for at least three agreed actions.
    assert window.agreed_view.viewport().height() >= 3 * window.agreed_view.verticalHeader().defaultSectionSize()
    # However short the screen (200 %), one earlier action shows whole, not cut through its middle.
    earlier = window.earlier_view
    assert earlier.minimumHeight() >= (earlier.horizontalHeader().sizeHint().height()  # a sideways scroll bar too
                                       + earlier.verticalHeader().defaultSectionSize()
                                       + earlier.horizontalScrollBar().sizeHint().height())


def test_the_case_dialog_fits(qtbot, demo_admin_ctx, laptop):
    from cspdesk_gui.dialogs.case_view import CaseDialog

    name, area = laptop
    service = CaseService(demo_admin_ctx)
    dialog = _show(qtbot, CaseDialog(service.get_case(service.case_ids()[0]), ctx=demo_admin_ctx))
    assert _check(dialog, area, f"case-{name}") == []


def test_the_smaller_dialogs_fit(qtbot, demo_admin_ctx, demo_accounts_db, laptop):
    from datetime import date

    from cspdesk_gui.dialogs.about import AboutDialog
    from cspdesk_gui.dialogs.action_status import ActionStatusDialog
    from cspdesk_gui.dialogs.new_meeting import NewMeetingDialog
    from cspdesk_gui.dialogs.sign_in import RecoveryDialog, SignInDialog

    name, area = laptop
    panels = PanelService(demo_admin_ctx).list_panels()
    dialogs = {
        "new-meeting": NewMeetingDialog(MeetingService(demo_admin_ctx), panels, panel_id=panels[0].id),
        "sign-in": SignInDialog(demo_accounts_db),
        "recovery": RecoveryDialog(demo_accounts_db),
        "about": AboutDialog(demo_admin_ctx),
        "action-status": ActionStatusDialog("1.1 Visit the address", lambda _choice: None, today=date(2026, 11, 2)),
    }
    problems = []
    for what, dialog in dialogs.items():
        _show(qtbot, dialog)
        problems += _check(dialog, area, f"{what}-{name}")
        dialog.close()
    assert problems == []


def test_the_tracker_detail_pane_keeps_its_facts_apart_when_short(qtbot, make_window, demo_admin_ctx, laptop):
    """A short pane (the tracker at 1024×700) scrolls its facts; it never draws them over one
    another (the form of wrapped labels was squeezed below its height inside the scroll area)."""
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QApplication

    from cspdesk_gui.main_window import Section

    name, _area = laptop
    window = make_window(demo_admin_ctx, section=Section.CASES)
    window.show_section(Section.ACTIONS)  # as a person goes there: the pane is laid out while it is hidden
    tracker = window.actions_page().tracker
    pane = tracker.detail
    qtbot.waitUntil(lambda: pane.action_id() is not None and pane.isVisible(), timeout=20_000)  # a loaded CI machine
    for height in (None, 150, 200, 260):  # as the screen leaves it; at its least; a little taller
        if height is not None:
            tracker.splitter.setSizes([tracker.splitter.height() - height, height])
            qtbot.waitUntil(lambda: pane.height() <= height + 2)  # noqa: B023
        QApplication.processEvents()
        body = pane._body  # noqa: SLF001 - the scroll area's contents
        shown = [w for w in body.findChildren(QLabel) if w.isVisible() and w.text()]
        boxes = [(w.text(), QRect(w.mapTo(body, w.rect().topLeft()), w.size())) for w in shown]
        clashes = [(a, b) for n, (a, ra) in enumerate(boxes) for b, rb in boxes[n + 1:]
                   if ra.intersected(rb).height() > 1 and ra.intersected(rb).width() > 1]
        assert clashes == [], f"{name}, pane {height} px: labels drawn over one another: {clashes[:3]}"
        cut = [w.text() for w in shown if w.height() < max(w.heightForWidth(w.width()), w.minimumSizeHint().height())]
        assert cut == [], f"{name}, pane {height} px: wrapped labels given less than their lines: {cut[:3]}"
