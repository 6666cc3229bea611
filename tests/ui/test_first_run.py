"""The first run: no database yet. Setting up a partnership (and its first administrator), the
recovery key shown once, and exploring the demo partnership."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontInfo
from PySide6.QtWidgets import QApplication, QProgressDialog

from cspdesk.services.auth import DEMO_PASSWORD, sign_in
from cspdesk.services.panels import PanelService
from cspdesk.services.partnership import PartnershipService
from cspdesk.services.workspace import close_workspace
from ui.dialogs.partnership_setup import DatabaseSetupDialog
from ui.dialogs.recovery_key import RecoveryKeyDialog
from ui.first_run import FirstRunWindow
from ui_accounts import ADMIN_NAME, ADMIN_PASSWORD, ADMIN_USER, PARTNERSHIP


def _window(qtbot, db):  # noqa: ANN001, ANN202
    window = FirstRunWindow(db)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def _fill(dialog: DatabaseSetupDialog, **overrides: str) -> None:
    values = {
        "name": PARTNERSHIP,
        "admin_name": ADMIN_NAME,
        "username": ADMIN_USER,
        "password": ADMIN_PASSWORD,
        "confirm": ADMIN_PASSWORD,
        **overrides,
    }
    dialog.name_edit.setText(values["name"])
    dialog.admin_name_edit.setText(values["admin_name"])
    dialog.username_edit.setText(values["username"])
    dialog.password_edit.setText(values["password"])
    dialog.confirm_edit.setText(values["confirm"])


def test_the_welcome_page_says_where_the_database_will_be(qtbot, tmp_path):
    db = tmp_path / "new.db"
    window = _window(qtbot, db)
    assert str(db) in window.welcome.database_label.text()
    assert window.welcome.demo_button.isVisible()
    assert not db.exists()


def test_set_up_names_each_mistake_under_its_field(qtbot, tmp_path):
    db = tmp_path / "new.db"
    window = _window(qtbot, db)
    qtbot.mouseClick(window.welcome.set_up_button, Qt.MouseButton.LeftButton)
    dialog = window.setup_dialog
    assert isinstance(dialog, DatabaseSetupDialog)
    qtbot.waitExposed(dialog)

    _fill(dialog, confirm="something else")
    dialog.accept()
    assert dialog.errors.text_of("confirm") == "The two passwords are not the same."

    _fill(dialog, password="short", confirm="short")
    dialog.accept()
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=10_000)
    assert "at least 10 characters" in dialog.errors.text_of("password")
    assert dialog.errors.text_of("confirm") == ""

    _fill(dialog, username="no spaces please")
    dialog.accept()
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=10_000)
    assert "user name" in dialog.errors.text_of("admin_username").lower()

    _fill(dialog, admin_name="   ")
    dialog.accept()
    qtbot.waitUntil(lambda: not dialog.is_busy(), timeout=10_000)
    assert dialog.errors.text_of("admin_name") == "Give the administrator's name."
    assert dialog.isVisible()
    # Nothing half-made was left behind by the refusals.
    assert not db.exists()
    assert not db.with_name("new.db.keyring").exists()


def test_set_up_creates_the_database_and_shows_the_recovery_key_once(qtbot, tmp_path):
    db = tmp_path / "new.db"
    window = _window(qtbot, db)
    window.set_up_partnership()
    dialog = window.setup_dialog
    _fill(dialog)
    with qtbot.waitSignal(dialog.database_created, timeout=10_000) as blocker:
        dialog.accept()
    created = blocker.args[0]
    assert db.exists()
    assert db.with_name("new.db.keyring").exists()

    key_dialog = window.recovery_key_dialog
    assert isinstance(key_dialog, RecoveryKeyDialog)
    qtbot.waitExposed(key_dialog)
    assert key_dialog.key_label.text() == created.recovery_key
    assert QFontInfo(key_dialog.key_label.font()).fixedPitch()  # monospace: 0 and O, 1 and I differ
    # Continue waits for the box; Escape does not get round it.
    assert not key_dialog.continue_button.isEnabled()
    qtbot.keyClick(key_dialog, Qt.Key.Key_Escape)
    assert key_dialog.isVisible()
    key_dialog.copy()
    assert QApplication.clipboard().text() == created.recovery_key
    saved = tmp_path / "recovery.txt"
    assert key_dialog.save_to(saved)
    assert created.recovery_key in saved.read_text(encoding="utf-8")
    assert PARTNERSHIP in saved.read_text(encoding="utf-8")

    key_dialog.stored_check.setChecked(True)
    assert key_dialog.continue_button.isEnabled()
    with qtbot.waitSignal(window.database_ready, timeout=5000) as ready:
        qtbot.mouseClick(key_dialog.continue_button, Qt.MouseButton.LeftButton)
    ctx = ready.args[0]
    try:
        assert ctx.actor.username == ADMIN_USER
        assert PartnershipService(ctx).get().name == PARTNERSHIP
    finally:
        close_workspace(ctx)
    # The administrator signs in with the password chosen.
    close_workspace(sign_in(db, ADMIN_USER, ADMIN_PASSWORD))


def test_demo_data_goes_into_a_new_database_with_its_accounts(qtbot, tmp_path):
    db = tmp_path / "demo.db"
    window = _window(qtbot, db)
    qtbot.mouseClick(window.welcome.demo_button, Qt.MouseButton.LeftButton)
    assert window.is_loading_demo()
    progress = window.findChild(QProgressDialog)
    assert progress is not None and progress.isVisible()
    assert not window.welcome.set_up_button.isEnabled()
    qtbot.waitUntil(lambda: window.demo_accounts_dialog is not None, timeout=120_000)
    assert not window.is_loading_demo()

    accounts = window.demo_accounts_dialog
    qtbot.waitExposed(accounts)
    assert accounts.password_label.text() == DEMO_PASSWORD
    names = accounts.usernames()
    assert "admin" in names and "officer.housing" in names
    row = names.index("officer.housing")
    panels = accounts.model.index(row, 4).data()
    assert panels  # an officer sits on named panels
    assert accounts.model.index(row, 2).data() == "Officer"
    with qtbot.waitSignal(window.database_ready, timeout=5000) as ready:
        accounts.accept()
    ctx = ready.args[0]
    try:
        assert ctx.actor.username == "admin"
        assert len(PanelService(ctx).list_panels()) == 5
    finally:
        close_workspace(ctx)
