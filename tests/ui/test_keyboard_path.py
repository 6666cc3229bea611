"""The keyboard path through the referral form and meeting mode: the view follows the focus,
choosers are typed into, Alt+letter goes to a check box without changing it, and a measured
budget of keystrokes for a whole MARAC referral and a meeting item with three actions."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QWidget

from cspdesk.domain.enums import PanelType, PersonRole
from cspdesk.services.referrals.cases import CaseService
from cspdesk.services.meetings.meetings import MeetingService
from cspdesk.services.partnership.panels import PanelService
import cspdesk_gui.windows
from cspdesk_gui.referrals.dialog import ReferralDialog

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier


def _focus() -> QWidget:
    return QApplication.focusWidget()


def _marac_form(qtbot, ctx, monkeypatch, area: QRect = QRect(0, 0, 1024, 660)) -> ReferralDialog:  # noqa: ANN001
    """The MARAC form on a 1024×700 laptop, shown and active."""
    monkeypatch.setattr(cspdesk_gui.windows, "available_area", lambda _w: area)
    panel = next(p.id for p in PanelService(ctx).list_panels() if p.panel_type == PanelType.MARAC)
    return _shown(qtbot, ReferralDialog(ctx, panel))


def _shown(qtbot, window: QWidget) -> QWidget:  # noqa: ANN001
    """``window`` shown and active (shortcuts reach only the active window)."""
    qtbot.addWidget(window)
    with qtbot.waitExposed(window), qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    return window


def _seen(dialog: ReferralDialog, widget: QWidget) -> bool:
    """The widget's top rows lie inside the form's scrolling viewport."""
    viewport = dialog.scroll.viewport()
    top_left = widget.mapTo(viewport, QPoint(0, 0))
    shown = QRect(top_left, widget.size()).intersected(viewport.rect())
    return shown.height() >= min(widget.height(), 20)


def test_the_agency_is_typed_into_and_a_space_is_a_space(qtbot, demo_ctx, monkeypatch):
    dialog = _marac_form(qtbot, demo_ctx, monkeypatch)
    qtbot.keyClick(_focus(), Qt.Key.Key_Tab)
    assert _focus() is dialog.agency
    qtbot.keyClicks(_focus(), "kent pol")  # lower case, with a space: the list never opens on it
    assert not dialog.agency.view().isVisible()
    assert dialog.agency.currentText().casefold() == "kent police"  # completed as typed
    qtbot.keyClick(_focus(), Qt.Key.Key_Tab)
    assert dialog.agency.currentText() == "Kent Police" and dialog.agency.currentData() is not None
    assert _focus() is dialog.referrer
    qtbot.keyClicks(_focus(), "DC Example")  # nothing swallowed after the agency
    assert dialog.referrer.text() == "DC Example"
    # Part of a name is enough when only one agency has it; text naming none chooses none.
    dialog.agency.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClicks(_focus(), "IDVA")
    qtbot.keyClick(_focus(), Qt.Key.Key_Tab)
    assert dialog.agency.currentText() == "Choices IDVA Service"
    dialog.agency.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.keyClicks(_focus(), "Nowhere at all")
    qtbot.keyClick(_focus(), Qt.Key.Key_Tab)
    assert dialog.agency.currentData() is None


def test_alt_v_goes_to_the_victim_and_the_view_follows_alt_d(qtbot, demo_ctx, monkeypatch):
    dialog = _marac_form(qtbot, demo_ctx, monkeypatch)
    qtbot.keyClick(_focus(), Qt.Key.Key_V, ALT)
    assert _focus() is dialog.victim.given
    qtbot.keyClick(_focus(), Qt.Key.Key_D, ALT)
    assert _focus() is dialog.dash.table
    assert _seen(dialog, dialog.dash.table)
    qtbot.keyClick(_focus(), Qt.Key.Key_1, ALT)  # police incidents in 12 months, further down
    assert _focus() is dialog.incidents and _seen(dialog, dialog.incidents)
    qtbot.keyClick(_focus(), Qt.Key.Key_T, ALT)  # back to the top: the referral date
    assert _focus() is dialog.referral_date and _seen(dialog, dialog.referral_date)
    qtbot.keyClick(_focus(), Qt.Key.Key_H, ALT)  # add a child: its first field shown
    qtbot.waitUntil(lambda: len(dialog.children_rows.rows) == 1, timeout=2000)  # a button's Alt key clicks it
    child = dialog.children_rows.rows[0]
    assert _focus() is child.entry.given and _seen(dialog, child.entry.given)


def test_alt_f_then_space_ticks_professional_judgement_and_the_reason_takes_text(qtbot, demo_ctx, monkeypatch):
    dialog = _marac_form(qtbot, demo_ctx, monkeypatch)
    qtbot.keyClick(_focus(), Qt.Key.Key_F, ALT)
    assert _focus() is dialog.judgement and not dialog.judgement.isChecked()  # Alt+F goes there; no change
    assert _seen(dialog, dialog.judgement)
    qtbot.keyClick(_focus(), Qt.Key.Key_Space)
    assert dialog.judgement.isChecked() and dialog.judgement_reason.isEnabled()
    qtbot.keyClick(_focus(), Qt.Key.Key_N, ALT)
    assert _focus() is dialog.judgement_reason
    qtbot.keyClicks(_focus(), "Threats to kill")
    assert dialog.judgement_reason.toPlainText() == "Threats to kill"


class Keys:
    """Presses keys on whatever has the focus, counting the keys that are not text typed."""

    def __init__(self, qtbot) -> None:  # noqa: ANN001
        self.qtbot = qtbot
        self.keys = 0
        self.typed = 0

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
              times: int = 1) -> None:
        for _ in range(times):
            self.qtbot.keyClick(_focus(), key, modifier)
            QApplication.processEvents()
            self.keys += 1

    def tab(self, times: int = 1) -> None:
        self.press(Qt.Key.Key_Tab, times=times)

    def type(self, text: str) -> None:
        self.qtbot.keyClicks(_focus(), text)
        self.typed += len(text)

    def answers(self, digits: str) -> None:
        """DASH answers: keys, not text."""
        self.qtbot.keyClicks(_focus(), digits)
        self.keys += len(digits)


#: The keys beyond the text typed that a whole MARAC referral may take (269 before issue 24).
REFERRAL_BUDGET = 200


def test_a_full_marac_referral_by_keys_alone_within_the_budget(qtbot, demo_ctx, monkeypatch, capsys):
    dialog = _marac_form(qtbot, demo_ctx, monkeypatch, QRect(0, 0, 1366, 728))
    k = Keys(qtbot)
    k.tab()  # the date is today already
    k.type("Kent Pol")
    k.tab()
    k.type("DC Example, Public Protection Unit")
    k.tab()
    k.type("Strangulation reported after separation.")
    k.press(Qt.Key.Key_V, ALT)
    k.type("Zelinda")
    k.tab()
    k.type("Quorrington")
    k.tab()
    k.type("14/02/1991")
    k.tab()
    k.type("1 Example Row, Sittingbourne")
    k.tab()
    k.type("ME10 1AA")
    k.tab()
    k.type("07700 900123")
    k.tab()
    k.press(Qt.Key.Key_Down)  # safe to call: yes
    k.tab()
    k.type("Weekdays 10:00 to 14:00")
    k.tab()
    assert _focus() is dialog.perpetrators.rows[0].entry.given
    k.type("Orrin")
    k.tab()
    k.type("Quorrington")
    k.tab(2)  # date of birth not known
    k.type("Husband")
    k.press(Qt.Key.Key_H, ALT)  # add a child
    qtbot.waitUntil(lambda: len(dialog.children_rows.rows) == 1, timeout=2000)  # a button's Alt key clicks it
    assert _focus() is dialog.children_rows.rows[0].entry.given
    k.type("Pip")
    k.tab()
    k.type("Quorrington")
    k.tab()
    k.type("3/5/2019")
    k.tab()
    k.type("Son")
    k.tab()
    k.type("Son")
    k.tab()
    k.type("Example Primary School")
    k.press(Qt.Key.Key_D, ALT)
    k.answers("1" * 15 + "2" * 5 + "3" * 4)
    k.press(Qt.Key.Key_F, ALT)
    k.press(Qt.Key.Key_Space)
    k.tab()
    k.type("Threats to kill with a weapon")
    k.tab()
    k.type("4")
    k.tab()
    k.press(Qt.Key.Key_Down)  # victim aware: yes
    k.tab()
    k.press(Qt.Key.Key_Down)  # consent: yes
    with qtbot.waitSignal(dialog.referral_saved, timeout=5000) as saved:
        k.press(Qt.Key.Key_S, CTRL)
    created, _changes = saved.args
    with capsys.disabled():
        print(f"\nMARAC referral by keys: {k.keys} keys beyond {k.typed} characters typed")
    assert k.keys <= REFERRAL_BUDGET

    # No key lost: every character typed is saved.
    detail = CaseService(demo_ctx).get_case(created.case_id)
    assert detail.referrer_name == "DC Example, Public Protection Unit"
    assert detail.reason == "Strangulation reported after separation."
    people = {p.role: p for p in detail.people}
    victim = people[PersonRole.VICTIM]
    assert (victim.name, victim.address, victim.postcode, victim.phone, victim.safe_to_call) == (
        "Zelinda Quorrington", "1 Example Row, Sittingbourne", "ME10 1AA", "07700 900123", True)
    assert people[PersonRole.PERPETRATOR].name == "Orrin Quorrington"
    assert people[PersonRole.CHILD].name == "Pip Quorrington"
    assert created.criteria.visible_high_risk and created.criteria.potential_escalation
    assert created.criteria.professional_judgement


def test_a_meeting_item_with_three_actions_by_keys_alone(qtbot, demo_ctx, capsys):
    from test_meeting_mode import _marac_meeting

    from cspdesk_gui.meeting_mode import MeetingModeWindow

    mid, _items = _marac_meeting(demo_ctx)
    window = _shown(qtbot, MeetingModeWindow(demo_ctx, mid))
    case_row = next(n for n, item in enumerate(window.detail.items) if item.case_id is not None)
    window.go_to(case_row)
    k = Keys(qtbot)
    k.press(Qt.Key.Key_N, ALT)
    k.type("Discussed; all agencies share.")
    agreed = [("Kent Police", "Margaret Page", "Flag the address"), ("Choices IDVA Service", "Emily Price",
                                                                      "Call the victim weekly"),
              ("Kent Police", "Margaret Page", "Check bail conditions")]
    for agency, owner, text in agreed:
        k.press(Qt.Key.Key_G, ALT)
        k.type(agency)
        k.tab()
        k.type(owner)
        k.tab()
        k.type(text)
        k.press(Qt.Key.Key_Return)
    with capsys.disabled():
        print(f"\nMeeting item with three actions by keys: {k.keys} keys beyond {k.typed} characters typed")
    assert window.agreed_model.rowCount() == 3
    assert [window.agreed_model.row_at(n).text for n in range(3)] == [t for _a, _o, t in agreed]
    assert k.keys <= 14
    window.close()
    item = MeetingService(demo_ctx).get_meeting(mid).items[case_row]
    assert item.discussion == "Discussed; all agencies share."


def test_ctrl_2_then_ctrl_n_opens_the_form_and_down_from_the_search_reaches_the_list(qtbot, make_window, demo_ctx):
    from cspdesk_gui.main_window import Section

    window = make_window(demo_ctx)
    cases = window.page(Section.CASES)
    window.sidebar.setFocus()
    qtbot.keyClick(window.sidebar, Qt.Key.Key_2, CTRL)
    assert window.current_section() == Section.CASES
    assert cases.isAncestorOf(_focus())  # the keyboard is in the page
    cases.show_panel(next(p.id for p in PanelService(demo_ctx).list_panels() if p.panel_type == PanelType.MARAC))
    with qtbot.waitSignal(cases.referral_dialog_opened, timeout=5000) as opened:
        qtbot.keyClick(_focus(), Qt.Key.Key_N, CTRL)
    opened.args[0].close()

    with qtbot.waitActive(window):
        window.activateWindow()
    cases.search_box.setFocus()
    qtbot.keyClick(cases.search_box, Qt.Key.Key_Down)
    assert _focus() is cases.table and cases.table.currentIndex().row() == 0
    # The number of a reference alone, then Enter: the case, with the keyboard on it.
    reference = cases.model.index(0, 0).data()
    number = reference.rsplit("-", 1)[1]
    cases.search_box.setFocus()
    cases.search_box.clear()
    qtbot.keyClicks(cases.search_box, number)
    qtbot.keyClick(cases.search_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: cases.model.query.text == number and cases.model.rowCount() > 0, timeout=3000)
    assert reference in [cases.model.index(r, 0).data() for r in range(cases.model.rowCount())]
    assert _focus() is cases.table


def test_no_two_items_of_a_menu_share_an_underlined_letter(make_window, demo_admin_ctx):
    import re

    window = make_window(demo_admin_ctx)
    for menu_action in window.menuBar().actions():
        letters = [found[1].lower() for a in menu_action.menu().actions()
                   if (found := re.search(r"&([^&])", a.text().replace("&&", "")))]
        assert len(letters) == len(set(letters)), (menu_action.text(), letters)
