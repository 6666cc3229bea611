"""Everyone can use it (issue 24): walkers over every page, tab and dialog.

- No keyboard trap (WCAG 2.1.2): Tab, and Shift+Tab, from the first focus stop come back to it.
- Nothing skipped: the cycle reaches every shown, enabled control that takes focus by Tab (of a
  group of radio buttons, the checked one: arrows move inside the group).
- Reading order: Tab never goes back up, or leftwards on a line, between controls side by side.
- A name for every focus stop (what a screen reader says); every field bound to its label or
  named on purpose (not only by a tool tip); every label with an Alt letter bound to a field.
- No Alt letter that clashes with the menu bar's (Qt then does neither).
- Headers by keyboard: the Menu key and Shift+F10 open the header menu; sorting from it.
- Tick boxes and radios at least 24 px high (WCAG 2.2 target size).
"""

from __future__ import annotations


import pytest
from a11y_walk import accessible_name, check_keyboard_and_names, focus_stops, mnemonic
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QRadioButton,
    QTabBar,
    QWidget,
)

from cspdesk.domain.enums import MeetingStatus, PanelType
from cspdesk.services.referrals.cases import CaseService
from cspdesk.services.meetings.meetings import MeetingService
from cspdesk.services.partnership.panels import PanelService
from cspdesk_gui.accessibility import HEADER_MENU
from cspdesk_gui.main_window import Section

#: Every page, and every tab of the pages that have tabs.
STATES = [
    ("panels", None), ("cases", None), ("meetings", None), ("reports", None),
    ("actions", 0), ("actions", 1), ("actions", 2),
    *[("admin", i) for i in range(8)],
]


def _texts(widget: QWidget) -> list[str]:
    if isinstance(widget, (QLabel, QAbstractButton)):
        return [widget.text()]
    if isinstance(widget, QGroupBox):
        return [widget.title()]
    if isinstance(widget, QTabBar):
        return [widget.tabText(i) for i in range(widget.count())]
    return []


def menu_bar_clashes(window: QMainWindow) -> list[str]:
    """Shown labels and buttons whose Alt letter is also a menu's (Alt+F, Alt+V, Alt+H …)."""
    menus = {mnemonic(a.text()): a.text() for a in window.menuBar().actions() if mnemonic(a.text())}
    return [
        f"{text!r} ({type(w).__name__}) against {menus[mnemonic(text)]!r}"
        for w in window.findChildren(QWidget)
        if w.isVisibleTo(window)
        for text in _texts(w)
        if mnemonic(text) in menus
    ]


def _show(window, qtbot, section: str, tab: int | None) -> None:  # noqa: ANN001
    window.show_section(Section(section))
    page = window.page(Section(section))
    if tab is not None:
        if tab >= page.tabs.count():
            pytest.skip("no such tab for this account")
        page.tabs.setCurrentIndex(tab)
    qtbot.waitUntil(lambda: page.isVisible())


@pytest.mark.parametrize(("section", "tab"), STATES, ids=[f"{s}-{t}" for s, t in STATES])
def test_every_page_by_keyboard_named_and_without_clashes(demo_admin_ctx, make_window, qtbot, section, tab):
    window = make_window(demo_admin_ctx)
    window.resize(1366, 768)
    _show(window, qtbot, section, tab)
    check_keyboard_and_names(qtbot, window, window.sidebar)
    assert not menu_bar_clashes(window)


def _panel(ctx, kind: PanelType) -> int:  # noqa: ANN001
    return next(p.id for p in PanelService(ctx).list_panels() if p.panel_type == kind)


def _shown(qtbot, widget: QWidget) -> QWidget:  # noqa: ANN001
    qtbot.addWidget(widget)
    with qtbot.waitExposed(widget), qtbot.waitActive(widget):
        widget.show()
        widget.activateWindow()
    return widget


def _first_stop(window: QWidget) -> QWidget:
    window.focusNextChild()
    return QApplication.focusWidget() or focus_stops(window)[0]


@pytest.mark.parametrize("kind", [PanelType.MARAC, PanelType.CSVG, PanelType.SOCP, PanelType.CARM])
def test_the_referral_form_by_keyboard_named_and_big_enough(demo_ctx, qtbot, kind):
    from cspdesk_gui.referrals.dialog import ReferralDialog

    dialog = _shown(qtbot, ReferralDialog(demo_ctx, _panel(demo_ctx, kind)))
    check_keyboard_and_names(qtbot, dialog, _first_stop(dialog))
    small = [
        f"{w.text()!r}: {w.height()} px"
        for w in dialog.findChildren(QAbstractButton)
        if isinstance(w, (QCheckBox, QRadioButton)) and w.isVisibleTo(dialog) and w.height() < 24
    ]
    assert not small, f"tick boxes and radios under 24 px high: {small}"


def test_the_case_view_by_keyboard_and_named(demo_admin_ctx, qtbot):
    from cspdesk_gui.dialogs.case_view import CaseDialog

    service = CaseService(demo_admin_ctx)
    dialog = _shown(qtbot, CaseDialog(service.get_case(service.case_ids()[0])))
    check_keyboard_and_names(qtbot, dialog, _first_stop(dialog))


def test_meeting_mode_by_keyboard_named_and_without_clashes(demo_ctx, qtbot):
    from cspdesk_gui.meeting_mode.window import MeetingModeWindow

    svc = MeetingService(demo_ctx)
    planned = [r for r in svc.list_meetings(_panel(demo_ctx, PanelType.MARAC))
               if r.status is MeetingStatus.PLANNED and r.cases]
    window = _shown(qtbot, MeetingModeWindow(demo_ctx, planned[0].id))
    check_keyboard_and_names(qtbot, window, _first_stop(window))
    assert not menu_bar_clashes(window)


def test_small_dialogs_by_keyboard_and_named(qtbot, tmp_path):
    from datetime import date

    from cspdesk_gui.dialogs.action_status import ActionStatusDialog
    from cspdesk_gui.dialogs.sign_in import SignInDialog

    status = _shown(qtbot, ActionStatusDialog("1.1 Visit the address", lambda *_a: None, today=date(2026, 12, 7)))
    check_keyboard_and_names(qtbot, status, _first_stop(status))
    status.close()
    sign_in = _shown(qtbot, SignInDialog(tmp_path / "partnership.db"))
    check_keyboard_and_names(qtbot, sign_in, _first_stop(sign_in))


# A popup menu offscreen cannot raise itself or grab the keyboard (Qt says so; harmless here).
@pytest.mark.qt_log_ignore("This plugin does not support raise", "This plugin does not support grabbing the keyboard")
@pytest.mark.parametrize("keys", ["menu", "shift+f10"])
def test_the_header_menu_opens_by_keyboard_and_sorts(demo_ctx, make_window, qtbot, keys):
    window = make_window(demo_ctx)
    window.show_section(Section.CASES)
    cases = window.page(Section.CASES)
    table = cases.table
    table.setFocus()
    qtbot.waitUntil(table.hasFocus)
    table.setCurrentIndex(table.model().index(0, 1))
    if keys == "menu":
        qtbot.keyClick(table, Qt.Key.Key_Menu)
    else:
        qtbot.keyClick(table, Qt.Key.Key_F10, Qt.KeyboardModifier.ShiftModifier)
    menu = table.findChild(QMenu, HEADER_MENU)
    assert menu is not None and menu.isVisible()
    texts = [a.text() for a in menu.actions()]
    assert any("ascending" in t for t in texts) and "&Choose columns…" in texts
    header = table.horizontalHeader()
    ascending = next(a for a in menu.actions() if "ascending" in a.text())
    ascending.trigger()
    assert header.sortIndicatorSection() == 1 and header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
    with qtbot.waitSignal(header.customContextMenuRequested):  # the page's own column menu
        next(a for a in menu.actions() if a.text() == "&Choose columns…").trigger()
    menu.close()


def test_meeting_account_about_and_password_dialogs_by_keyboard_and_named(demo_admin_ctx, qtbot):
    from cspdesk.services.access.accounts import AccountService
    from cspdesk_gui.dialogs.about import AboutDialog
    from cspdesk_gui.dialogs.change_password import ChangePasswordDialog
    from cspdesk_gui.dialogs.new_meeting import NewMeetingDialog
    from cspdesk_gui.pages.admin.account_dialogs import AccountDialog

    panels = PanelService(demo_admin_ctx).list_panels()
    accounts = AccountService(demo_admin_ctx)
    dialogs = [
        NewMeetingDialog(MeetingService(demo_admin_ctx), panels),
        AccountDialog(accounts, panels=[(p.id, p.name) for p in panels], agencies=accounts.agencies()),
        AboutDialog(demo_admin_ctx),
        ChangePasswordDialog(demo_admin_ctx),
    ]
    for dialog in dialogs:
        _shown(qtbot, dialog)
        check_keyboard_and_names(qtbot, dialog, _first_stop(dialog))
        dialog.close()


def test_a_button_keeps_its_words_as_its_name_and_a_field_takes_its_label(qtbot):
    from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout

    window = QWidget()
    qtbot.addWidget(window)
    button = QPushButton("Change status…", window)
    button.setToolTip("Change the status of the selected action (S)")
    tip_only = QLineEdit(window)
    tip_only.setToolTip("Owner's name. Part of a name is enough")
    label = QLabel("&Reason:", window)
    cell = QWidget(window)  # the field in a cell of its own, beside its error line
    field = QLineEdit(cell)
    QHBoxLayout(cell).addWidget(field)
    label.setBuddy(field)
    column = QVBoxLayout(window)
    for widget in (button, tip_only, label, cell):
        column.addWidget(widget)
    window.show()
    qtbot.waitExposed(window)
    assert accessible_name(button) == "Change status…"
    assert accessible_name(tip_only) == "Owner's name"
    assert accessible_name(field) == "Reason"
