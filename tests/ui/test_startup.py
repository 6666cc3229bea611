"""From the first screen to the main window and back: signing in, a temporary password,
signing out, and what each role is offered."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from cspdesk.services.access.accounts import AccountService
from cspdesk.services.access.auth import DEMO_PASSWORD, sign_in
from cspdesk.services.database.workspace import close_workspace
from cspdesk_gui.dialogs.change_password import ChangePasswordDialog
from cspdesk_gui.dialogs.sign_in import SignInDialog
from cspdesk_gui.main_window import MainWindow, Section
from cspdesk_gui.startup import Startup
from ui_accounts import ADMIN_NAME, ADMIN_PASSWORD, ADMIN_USER, PARTNERSHIP


@pytest.fixture
def startup(qtbot):  # noqa: ANN001, ANN201
    made = []

    def make(db, **kwargs):  # noqa: ANN001, ANN003, ANN202
        flow = Startup(db, **kwargs)
        made.append(flow)
        return flow

    yield make
    for flow in made:
        flow.shutdown()


def _sign_in(qtbot, dialog: SignInDialog, username: str, password: str) -> MainWindow:  # noqa: ANN001
    dialog.username_edit.setText(username)
    dialog.password_edit.setText(password)
    with qtbot.waitSignal(dialog.signed_in, timeout=10_000):
        dialog.accept()
    return dialog


def test_signing_in_opens_the_window_as_that_person(qtbot, startup, account_db):
    flow = startup(account_db.path)
    first = flow.start()
    assert isinstance(first, SignInDialog)
    with qtbot.waitSignal(flow.window_opened, timeout=10_000) as opened:
        _sign_in(qtbot, first, ADMIN_USER, ADMIN_PASSWORD)
    window = opened.args[0]
    assert window.ctx.actor.username == ADMIN_USER
    assert window.windowTitle() == f"CSPDesk — {PARTNERSHIP}"
    assert window.user_label.text() == f"{ADMIN_NAME} · Administrator"
    assert window.has_section(Section.ADMIN)
    assert not window.sidebar.item(5).isHidden()


def test_sign_out_closes_the_window_and_asks_again(qtbot, startup, account_db, monkeypatch):
    import cspdesk_gui.startup

    closed = []
    real_close = cspdesk_gui.startup.close_workspace
    monkeypatch.setattr(cspdesk_gui.startup, "close_workspace", lambda c: (closed.append(c), real_close(c)))
    flow = startup(account_db.path)
    with qtbot.waitSignal(flow.window_opened, timeout=10_000) as opened:
        _sign_in(qtbot, flow.start(), ADMIN_USER, ADMIN_PASSWORD)
    window = opened.args[0]
    ctx = window.ctx
    with qtbot.waitSignal(flow.sign_in_shown, timeout=5000) as shown:
        window.sign_out_action.trigger()
    dialog = shown.args[0]
    assert dialog.isVisible()
    assert not window.isVisible()
    assert flow.window is None
    assert not flow.is_finished()
    assert dialog.username_edit.text() == ""  # the next person's form: nobody's name in it
    assert dialog.password_edit.text() == ""
    assert dialog.focusWidget() is dialog.username_edit
    assert closed == [ctx]  # the old session's database is closed
    # Signing in again gives a new window.
    with qtbot.waitSignal(flow.window_opened, timeout=10_000) as again:
        _sign_in(qtbot, dialog, ADMIN_USER, ADMIN_PASSWORD)
    assert again.args[0] is not window


def test_quitting_the_window_finishes(qtbot, startup, account_db):
    flow = startup(account_db.path)
    with qtbot.waitSignal(flow.window_opened, timeout=10_000) as opened:
        _sign_in(qtbot, flow.start(), ADMIN_USER, ADMIN_PASSWORD)
    with qtbot.waitSignal(flow.finished, timeout=5000) as finished:
        opened.args[0].quit_action.trigger()
    assert finished.args == [0]


def test_dismissing_the_sign_in_dialog_finishes(qtbot, startup, account_db):
    flow = startup(account_db.path)
    dialog = flow.start()
    with qtbot.waitSignal(flow.finished, timeout=5000):
        dialog.reject()


def test_a_temporary_password_must_be_changed_first(qtbot, startup, demo_accounts_db):
    admin = sign_in(demo_accounts_db, "admin", DEMO_PASSWORD)
    try:
        service = AccountService(admin)
        housing = next(a for a in service.list_accounts() if a.username == "officer.housing")
        service.reset_password(housing.id, "temporary-123")
    finally:
        close_workspace(admin)

    flow = startup(demo_accounts_db)
    with qtbot.waitSignal(flow.password_change_shown, timeout=10_000) as shown:
        _sign_in(qtbot, flow.start(), "officer.housing", "temporary-123")
    dialog = shown.args[0]
    assert isinstance(dialog, ChangePasswordDialog)
    assert dialog.required
    assert flow.window is None  # nothing else until it is changed
    assert dialog.cancel_button.text() == "Sign out"

    dialog.current_edit.setText("temporary-123")
    dialog.new_edit.setText("temporary-123")
    dialog.confirm_edit.setText("temporary-123")
    dialog.accept()
    qtbot.waitUntil(lambda: dialog.error_text() != "", timeout=10_000)
    assert "different" in dialog.errors.text_of("new_password")

    dialog.new_edit.setText("my own long password")
    dialog.confirm_edit.setText("my own long password")
    with qtbot.waitSignal(flow.window_opened, timeout=10_000) as opened:
        dialog.accept()
    window = opened.args[0]
    assert window.ctx.actor.username == "officer.housing"
    assert not AccountService(window.ctx).me().must_change_password


def test_refusing_to_change_a_temporary_password_signs_out(qtbot, startup, demo_accounts_db):
    admin = sign_in(demo_accounts_db, "admin", DEMO_PASSWORD)
    try:
        service = AccountService(admin)
        viewer = next(a for a in service.list_accounts() if a.username == "viewer")
        service.reset_password(viewer.id, "temporary-456")
    finally:
        close_workspace(admin)
    flow = startup(demo_accounts_db)
    with qtbot.waitSignal(flow.password_change_shown, timeout=10_000) as shown:
        _sign_in(qtbot, flow.start(), "viewer", "temporary-456")
    with qtbot.waitSignal(flow.sign_in_shown, timeout=5000):
        qtbot.mouseClick(shown.args[0].cancel_button, Qt.MouseButton.LeftButton)
    assert flow.window is None


def test_someone_who_is_not_an_administrator_is_not_offered_administration(qtbot, startup, demo_accounts_db):
    flow = startup(demo_accounts_db, view="admin")
    with qtbot.waitSignal(flow.window_opened, timeout=10_000) as opened:
        _sign_in(qtbot, flow.start(), "officer.housing", DEMO_PASSWORD)
    window = opened.args[0]
    assert window.ctx.actor.role.value == "officer"
    assert not window.has_section(Section.ADMIN)
    admin_row = [i for i in range(window.sidebar.count()) if window.sidebar.item(i).text() == "Administration"][0]
    assert window.sidebar.item(admin_row).isHidden()
    assert not window.section_actions[Section.ADMIN].isVisible()
    # --view admin, Ctrl+6 or a direct request all land on the panels instead.
    assert window.current_section() == Section.PANELS
    qtbot.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert window.current_section() == Section.PANELS
    window.show_section(Section.ADMIN)
    assert window.current_section() == Section.PANELS
    # The officer sees only their own panels.
    panels = window.page(Section.PANELS).model.rowCount()
    assert 0 < panels < 5
    assert "Officer" in window.user_label.text()


def test_first_run_ends_in_the_window_signed_in_as_the_new_administrator(qtbot, startup, tmp_path):
    db = tmp_path / "new.db"
    flow = startup(db)
    first = flow.start()
    assert first is flow.first_run_window
    first.set_up_partnership()
    wizard = first.setup_dialog
    wizard.partnership_page.name_edit.setText(PARTNERSHIP)
    wizard.next()
    admin = wizard.administrator_page
    admin.admin_name_edit.setText(ADMIN_NAME)
    admin.username_edit.setText(ADMIN_USER)
    admin.password_edit.setText(ADMIN_PASSWORD)
    admin.confirm_edit.setText(ADMIN_PASSWORD)
    for _page in ("administrator", "panels", "agencies"):
        wizard.next()  # the MARAC and the common agencies, as ticked when the wizard opens
    assert wizard.currentPage() is wizard.ready_page
    wizard.accept()
    qtbot.waitUntil(lambda: first.recovery_key_dialog is not None, timeout=10_000)
    key_dialog = first.recovery_key_dialog
    key_dialog.stored_check.setChecked(True)
    with qtbot.waitSignal(flow.window_opened, timeout=5000) as opened:
        key_dialog.accept()
    window = opened.args[0]
    assert window.ctx.actor.username == ADMIN_USER
    assert window.windowTitle() == f"CSPDesk — {PARTNERSHIP}"
    qtbot.waitUntil(lambda: not first.isVisible())
