"""The sign-in dialog and the recovery key dialog, on real databases with real keyrings."""

from __future__ import annotations

from PySide6.QtCore import Qt

from cspdesk.services.access.auth import sign_in
from cspdesk.services.database.workspace import close_workspace
from ui_accounts import ADMIN_PASSWORD, ADMIN_USER
from cspdesk_gui import preferences
from cspdesk_gui.dialogs.sign_in import SignInDialog


def _dialog(qtbot, db, **kwargs):  # noqa: ANN001, ANN003, ANN202
    dialog = SignInDialog(db, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def test_signing_in_gives_the_account_and_remembers_the_name(qtbot, account_db):
    dialog = _dialog(qtbot, account_db.path)
    assert str(account_db.path) in dialog.database_label.text()
    assert dialog.username_edit.text() == ""  # nobody remembered yet
    assert dialog.focusWidget() is dialog.username_edit
    qtbot.keyClicks(dialog.username_edit, ADMIN_USER)
    qtbot.keyClicks(dialog.password_edit, ADMIN_PASSWORD)
    with qtbot.waitSignal(dialog.signed_in, timeout=10_000) as blocker:
        qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)
        assert dialog.is_busy()  # the fields wait while argon2 runs on the worker thread
        assert not dialog.password_edit.isEnabled()
    ctx = blocker.args[0]
    try:
        assert dialog.ctx is ctx
        assert ctx.actor.username == ADMIN_USER
        assert dialog.result() == SignInDialog.DialogCode.Accepted
        assert not dialog.isVisible()
        assert dialog.password_edit.text() == ""  # not left lying in a widget
    finally:
        close_workspace(ctx)
    assert preferences.last_user() == ADMIN_USER

    # Next time the name is filled in and the cursor waits in the password box.
    again = _dialog(qtbot, account_db.path)
    assert again.username_edit.text() == ADMIN_USER
    assert again.focusWidget() is again.password_edit


def test_a_wrong_password_says_so_plainly_and_counts_down(qtbot, account_db):
    dialog = _dialog(qtbot, account_db.path, username=ADMIN_USER)
    messages = []
    for _attempt in range(2):
        dialog.password_edit.setText("not the password")
        with qtbot.waitSignal(dialog.sign_in_failed, timeout=10_000) as blocker:
            dialog.accept()
        messages.append(blocker.args[0])
    assert dialog.isVisible()
    assert dialog.ctx is None
    assert dialog.error_label.text() == "The user name or password is not right."
    # Five attempts are allowed; after the second, three are left and the dialog says so.
    assert dialog.hint_label.text() == "3 more attempts before the account locks."
    assert not dialog.hint_label.isHidden()
    assert dialog.password_edit.text() == ""
    assert dialog.focusWidget() is dialog.password_edit
    assert "Traceback" not in " ".join(messages)
    # The right password still works (and clears the count).
    dialog.password_edit.setText(ADMIN_PASSWORD)
    with qtbot.waitSignal(dialog.signed_in, timeout=10_000) as blocker:
        dialog.accept()
    close_workspace(blocker.args[0])


def test_empty_fields_are_named_without_asking_the_service(qtbot, account_db):
    dialog = _dialog(qtbot, account_db.path, username="")
    dialog.accept()
    assert dialog.error_text() == "Give your user name."
    assert not dialog.is_busy()
    dialog.username_edit.setText(ADMIN_USER)
    dialog.accept()
    assert dialog.error_text() == "Give your password."


def test_the_recovery_key_gives_the_administrator_a_new_password(qtbot, account_db):
    dialog = _dialog(qtbot, account_db.path, username=ADMIN_USER)
    recovery = dialog.open_recovery()
    qtbot.waitExposed(recovery)
    assert recovery.username_edit.text() == ADMIN_USER
    assert recovery.focusWidget() is recovery.key_edit

    # A wrong key is named under its field.
    recovery.key_edit.setText("AAAAA-BBBBB-CCCCC-DDDDD-EEEEE")
    recovery.password_edit.setText("a brand new password")
    recovery.confirm_edit.setText("a brand new password")
    recovery.accept()
    qtbot.waitUntil(lambda: recovery.error_text() != "", timeout=10_000)
    assert "recovery key is not right" in recovery.errors.text_of("recovery_key")

    # Two different new passwords are caught before anything is asked.
    recovery.key_edit.setText(account_db.recovery_key.lower().replace("-", ""))  # typed loosely
    recovery.confirm_edit.setText("something else entirely")
    recovery.accept()
    assert recovery.errors.text_of("confirm") == "The two new passwords are not the same."

    recovery.confirm_edit.setText("a brand new password")
    with qtbot.waitSignal(dialog.signed_in, timeout=10_000) as blocker:
        recovery.accept()
    ctx = blocker.args[0]
    close_workspace(ctx)
    assert ctx.actor.username == ADMIN_USER
    assert not dialog.isVisible()
    # The new password is the one that works now.
    close_workspace(sign_in(account_db.path, ADMIN_USER, "a brand new password"))
