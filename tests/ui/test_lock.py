"""The idle lock and Ctrl+L: the content is covered, nothing typed is lost, and only the
signed-in user's password opens it again."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from shiboken6 import isValid

from cspdesk_gui.lock import LOCKED_TITLE
from cspdesk_gui.main_window import Section
from ui_accounts import ADMIN_PASSWORD, PARTNERSHIP


def _unlock(qtbot, window, password: str, *, panel=None) -> None:  # noqa: ANN001
    panel = panel or window.lock_screen.panel
    panel.password_edit.setText(password)
    qtbot.mouseClick(panel.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.lock.is_checking(), timeout=10_000)


def _type_in_search(qtbot, window) -> object:  # noqa: ANN001
    window.show_section(Section.CASES)
    cases = window.page(Section.CASES)
    cases.focus_search()
    qtbot.keyClicks(cases.search_box, "Smith")
    return cases


def test_ctrl_l_covers_the_window_and_the_password_brings_it_back(qtbot, make_window, admin_ctx):
    window = make_window(admin_ctx)
    cases = _type_in_search(qtbot, window)
    assert cases.search_box.hasFocus()

    with qtbot.waitSignal(window.lock.locked, timeout=2000):
        qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert window.is_locked()
    assert window.central_stack.currentWidget() is window.lock_screen
    assert not window.content.isVisible()
    assert not cases.search_box.isVisible()
    assert window.windowTitle() == LOCKED_TITLE
    assert not window.menuBar().isEnabled()
    assert not window.statusBar().isVisible()
    for action in (window.find_action, window.quit_action, window.lock_action, window.section_actions[Section.CASES]):
        assert not action.isEnabled()
    assert "Priya Shah (priya.shah), Administrator" in window.lock_screen.panel.identity_label.text()
    assert window.lock_screen.panel.password_edit.hasFocus()
    # Shortcuts do nothing while locked.
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.current_section() == Section.CASES

    # A wrong password keeps it locked and says so.
    with qtbot.waitSignal(window.lock.unlock_failed, timeout=10_000) as failed:
        _unlock(qtbot, window, "not my password")
    assert failed.args == ["That password is not right."]
    assert window.is_locked()
    assert window.lock_screen.panel.error_text() == "That password is not right."
    assert window.lock_screen.panel.password_edit.text() == ""

    with qtbot.waitSignal(window.lock.unlocked, timeout=10_000):
        _unlock(qtbot, window, ADMIN_PASSWORD)
    assert not window.is_locked()
    assert window.central_stack.currentWidget() is window.content
    assert window.windowTitle() == f"CSPDesk — {PARTNERSHIP}"
    assert window.menuBar().isEnabled() and window.statusBar().isVisible()
    assert window.find_action.isEnabled() and window.quit_action.isEnabled()
    # Back exactly where they were: the page, the typed text, the cursor.
    assert window.current_section() == Section.CASES
    assert cases.search_box.text() == "Smith"
    assert cases.search_box.hasFocus()
    assert window.lock_screen.panel.password_edit.text() == ""


def test_a_locked_account_cannot_unlock_the_window(qtbot, make_window, admin_ctx):
    """Wrong passwords typed elsewhere lock the account meanwhile: the right one no longer unlocks."""
    from cspdesk.storage.keyring import Keyring

    window = make_window(admin_ctx)
    with qtbot.waitSignal(window.lock.locked, timeout=2000):
        qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    with Keyring.editing(admin_ctx.vault.db_path) as ring:
        for _ in range(ring.max_failed_attempts):
            ring.record_failure(admin_ctx.actor.username)
    with qtbot.waitSignal(window.lock.unlock_failed, timeout=10_000) as failed:
        _unlock(qtbot, window, ADMIN_PASSWORD)
    assert failed.args[0].startswith("This account is locked")
    assert window.is_locked()


def test_the_window_locks_itself_when_idle(qtbot, make_window, admin_ctx):
    window = make_window(admin_ctx)
    assert window.lock.timeout_ms() == 10 * 60 * 1000  # the partnership's default: ten minutes
    cases = _type_in_search(qtbot, window)
    window.lock.set_timeout_ms(300)
    # Input postpones it.
    for _ in range(4):
        qtbot.wait(120)
        qtbot.keyClick(cases.search_box, Qt.Key.Key_Right)
    assert not window.is_locked()
    with qtbot.waitSignal(window.lock.locked, timeout=3000):
        pass
    assert window.windowTitle() == LOCKED_TITLE
    assert not cases.search_box.isVisible()
    with qtbot.waitSignal(window.lock.unlocked, timeout=10_000):
        _unlock(qtbot, window, ADMIN_PASSWORD)
    assert cases.search_box.text() == "Smith"


def test_a_dialog_half_filled_in_is_covered_and_kept(qtbot, make_window, admin_ctx):
    window = make_window(admin_ctx)
    dialog = window.change_password()
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.current_edit, "half typed")
    finished = []
    dialog.finished.connect(finished.append)

    window.lock_now()
    assert window.is_locked()
    # A modal dialog cannot be hidden without ending it: it is covered instead, and its own
    # fields cannot be reached.
    covers = window.lock.covers()
    assert len(covers) == 1 and covers[0].dialog is dialog
    assert dialog.isVisible()
    assert covers[0].isVisible()
    assert covers[0].geometry() == dialog.rect()
    assert not dialog.current_edit.isEnabled()
    assert not dialog.ok_button.isEnabled()
    qtbot.keyClick(covers[0].panel.password_edit, Qt.Key.Key_Escape)  # would reject the dialog
    assert dialog.isVisible() and finished == []

    with qtbot.waitSignal(window.lock.unlock_failed, timeout=10_000):
        _unlock(qtbot, window, "wrong", panel=covers[0].panel)
    assert covers[0].panel.error_text() == "That password is not right."
    with qtbot.waitSignal(window.lock.unlocked, timeout=10_000):
        _unlock(qtbot, window, ADMIN_PASSWORD, panel=covers[0].panel)
    assert dialog.isVisible()
    assert finished == []
    assert dialog.current_edit.isEnabled()
    assert dialog.current_edit.text() == "half typed"
    cover = covers[0]
    qtbot.waitUntil(lambda: not isValid(cover) or not cover.isVisible())
    assert dialog.focusWidget() is dialog.current_edit


def test_other_windows_are_hidden_while_locked(qtbot, make_window, demo_admin_ctx):
    window = make_window(demo_admin_ctx)
    window.show_section(Section.CASES)
    case_id = window.page(Section.CASES).model.case_id(0)
    case_dialog = window.open_case(case_id)
    qtbot.waitExposed(case_dialog)
    case_dialog.set_contact_details_shown(True)

    window.lock_now()
    assert not case_dialog.isVisible()
    assert window.lock.covers() == []  # a non-modal window is simply hidden
    visible = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w is not window]
    assert visible == []
    with qtbot.waitSignal(window.lock.unlocked, timeout=10_000):
        _unlock(qtbot, window, "demo-password")
    assert case_dialog.isVisible()
    assert case_dialog.contact_details_shown()


def test_without_an_account_there_is_nothing_to_unlock_with(qtbot, make_window, ctx):
    window = make_window(ctx)  # opened with the raw key, as the local owner
    assert not window.lock_action.isEnabled()
    assert not window.lock.lock()
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert not window.is_locked()


def test_sign_out_from_the_lock_screen(qtbot, make_window, admin_ctx):
    window = make_window(admin_ctx)
    window.lock_now()
    with qtbot.waitSignal(window.closed, timeout=2000):
        qtbot.mouseClick(window.lock_screen.panel.sign_out_button, Qt.MouseButton.LeftButton)
    assert window.signing_out


def test_the_idle_interval_follows_the_security_settings(make_window, admin_ctx):
    from cspdesk.services.access.accounts import AccountService

    window = make_window(admin_ctx)
    result = AccountService(admin_ctx).set_security_settings(idle_lock_minutes=3, max_failed_attempts=5)
    window.apply_changes(result.changes)
    assert window.lock.timeout_ms() == 3 * 60 * 1000
