"""Reliability in the window (issue 8): a second copy opens read-only with a banner; a backup is
restored from the app (and from the sign-in dialog when the file is damaged); backups are made
daily and on closing, off the GUI thread; the full check of a large file runs after the window
shows; faults of the file met by any service call are shown in plain words and keep what was typed.

Every fault is real: a second process holding the writer's lock, a file deleted or moved while
open, a read-only mount (root) — the same equivalents tests/reliability uses — and a small full
file system where this machine allows mounting one.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox, QPushButton
from shiboken6 import isValid

from cspdesk.services.database import backup as backup_module
from cspdesk.services.access.accounts import AccountService
from cspdesk.services.access.auth import DEMO_PASSWORD, sign_in
from cspdesk.services.database.backup import BackupService
from cspdesk.services.errors import ReadOnlySession
from cspdesk.services.database.workspace import close_workspace
from cspdesk.storage import integrity
from cspdesk.storage.keyring import keyring_path
from cspdesk_gui import faults
from cspdesk_gui.dialogs.restore import RestoreDialog
from cspdesk_gui.dialogs.sign_in import SignInDialog
from cspdesk_gui.main_window import MainWindow, Section
from cspdesk_gui.startup import Startup
from ui_accounts import ADMIN_PASSWORD, ADMIN_USER

#: A second copy of CSPDesk in its own process: signs in, says "ready", holds the file until its
#: stdin closes.
HOLDER = """
import os, sys
os.environ["CSPDESK_FAST_KDF"] = "1"
from cspdesk.services.access.auth import sign_in
from cspdesk.services.database.workspace import close_workspace
ctx = sign_in(sys.argv[1], sys.argv[2], sys.argv[3])
print("ready", flush=True)
sys.stdin.read()
close_workspace(ctx)
"""
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def second_copy():  # noqa: ANN201
    started = []

    def start(db: Path, user: str, password: str) -> subprocess.Popen:
        env = {**os.environ, "CSPDESK_FAST_KDF": "1", "PYTHONPATH": str(REPO)}
        proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), user, password], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True, env=env, cwd=REPO)
        started.append(proc)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.stdin.close()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None and not stream.closed:
                stream.close()


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


def _fault_box(qtbot) -> QMessageBox:  # noqa: ANN001
    qtbot.waitUntil(lambda: faults.reporter().box is not None and isValid(faults.reporter().box)
                    and faults.reporter().box.isVisible(), timeout=10_000)
    return faults.reporter().box


def _close_fault_box() -> None:
    box = faults.reporter().box
    if box is not None and isValid(box):
        box.close()
    faults.reporter().box = None


@pytest.fixture(autouse=True)
def _no_fault_box_left():  # noqa: ANN201
    faults.reporter().box = None
    yield
    _close_fault_box()


def _sign_in_dialog(qtbot, db: Path) -> SignInDialog:  # noqa: ANN001
    dialog = SignInDialog(db, None)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


# -- a second copy -------------------------------------------------------------------------------


def test_a_second_copy_offers_read_only_and_the_window_says_so(qtbot, account_db, second_copy, make_window):  # noqa: ANN001
    second_copy(account_db.path, ADMIN_USER, ADMIN_PASSWORD)  # a real second process holds the file
    dialog = _sign_in_dialog(qtbot, account_db.path)
    dialog.username_edit.setText(ADMIN_USER)
    dialog.password_edit.setText(ADMIN_PASSWORD)
    dialog.accept()
    qtbot.waitUntil(dialog.is_offering_read_only, timeout=10_000)
    offer = dialog.offer_label.text()
    assert offer.startswith("Another copy of CSPDesk on this computer has had this file open since ")
    assert "open it read-only to look" in offer and "Traceback" not in offer
    assert dialog.read_only_button.text().replace("&", "") == "Open read-only"
    assert dialog.offer_cancel_button.text().replace("&", "") == "Cancel"
    assert dialog.isVisible() and dialog.error_text() == ""

    with qtbot.waitSignal(dialog.signed_in, timeout=10_000) as signed:
        dialog.read_only_button.click()
    ctx = signed.args[0]
    try:
        assert ctx.read_only
        window = make_window(ctx, section=Section.ADMIN)
        banner = window.read_only_banner
        assert banner.isVisible()
        assert banner.text() == ("Open read-only: another copy of CSPDesk on this computer is using this file. "
                                 "Changes are switched off.")
        assert not window.backup_action.isEnabled()

        # An edit is refused by the service; the message is plain and what was typed stays.
        admin = window.page(Section.ADMIN)
        admin.show_tab(admin.security_tab)
        admin.security_tab.idle_spin.setValue(33)
        admin.security_tab.save_button.click()
        assert "Changes are switched off" in admin.security_tab.errors.text()
        assert admin.security_tab.idle_spin.value() == 33
        # The same refusal escaping a slot reaches the one global place.
        admin.show_backups()
        admin.backups_tab.keep_spin.setValue(4)
        admin.backups_tab.save_button.click()
        box = _fault_box(qtbot)
        assert box.windowTitle() == "Open read-only" and "Changes are switched off" in box.text()
        assert admin.backups_tab.keep_spin.value() == 4 and admin.backups_tab.is_edited()
    finally:
        close_workspace(ctx)


def test_cancelling_the_offer_keeps_the_dialog_and_forgets_the_password(qtbot, account_db, second_copy):  # noqa: ANN001
    second_copy(account_db.path, ADMIN_USER, ADMIN_PASSWORD)
    dialog = _sign_in_dialog(qtbot, account_db.path)
    dialog.username_edit.setText(ADMIN_USER)
    dialog.password_edit.setText(ADMIN_PASSWORD)
    dialog.accept()
    qtbot.waitUntil(dialog.is_offering_read_only, timeout=10_000)
    dialog.offer_cancel_button.click()
    assert not dialog.is_offering_read_only() and dialog.isVisible()
    assert dialog._attempt is None  # noqa: SLF001 - the password is not kept once the offer is gone


# -- restoring from the app ------------------------------------------------------------------------


def test_restore_from_the_window_keeps_the_file_and_reopens_on_the_backup(qtbot, account_db, startup):  # noqa: ANN001
    ctx = sign_in(account_db.path, ADMIN_USER, ADMIN_PASSWORD)
    info = BackupService(ctx).backup_now()
    AccountService(ctx).set_security_settings(33, 7)  # after the backup: the restore undoes it
    flow = startup(account_db.path, auto_backups=False)
    window = flow.start(ctx)
    assert isinstance(window, MainWindow)
    assert window.restore_action.isVisible() and window.restore_action.text() == "&Restore a backup…"

    with qtbot.waitSignal(window.restore_dialog_opened) as opened:
        window.restore_action.trigger()
    dialog: RestoreDialog = opened.args[0]
    assert [b.folder for b in dialog.backups()] == [info.folder]
    assert dialog.selected() == info
    assert "made by hand" in dialog.made_value.text()
    assert "1 account" in dialog.holds_value.text()
    assert dialog.checked_value.text().startswith("Yes")
    assert "partnership.db.before-restore-" in dialog.kept_note.text()
    assert not dialog.restore_button.isEnabled()  # until confirmed
    dialog.confirm_box.setChecked(True)
    assert dialog.restore_button.isEnabled()

    with qtbot.waitSignal(flow.sign_in_shown, timeout=30_000) as shown:
        dialog.restore_button.click()
    again: SignInDialog = shown.args[0]
    assert again.notice_label.isVisible()
    assert again.notice_label.text().startswith("The backup was restored. The file that was there is kept as "
                                                "partnership.db.before-restore-")
    kept = [p for p in account_db.path.parent.iterdir() if ".before-restore-" in p.name and
            not p.name.endswith((".keyring", "-wal", "-shm"))]
    assert len(kept) == 1
    back = sign_in(account_db.path, ADMIN_USER, ADMIN_PASSWORD)
    assert AccountService(back).security_settings().idle_lock_minutes == 10
    close_workspace(back)
    old = sign_in(kept[0], ADMIN_USER, ADMIN_PASSWORD)  # the replaced file still opens, as it was
    assert AccountService(old).security_settings().idle_lock_minutes == 33
    close_workspace(old)


def _root_page(db: Path, key: bytes, table: str) -> int:
    con = backup_module._connect(db, key, read_only=True)  # noqa: SLF001 - the test reads the raw file
    try:
        return int(con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0])
    finally:
        con.close()


def _damage(db: Path, pages: list[int]) -> None:
    rng = random.Random(8)
    with db.open("r+b") as fh:
        for page in pages:
            fh.seek((page - 1) * 4096)
            fh.write(bytes(rng.getrandbits(8) for _ in range(4096)))


def test_a_damaged_file_at_sign_in_offers_restore_a_backup(qtbot, demo_accounts_db):  # noqa: ANN001
    ctx = sign_in(demo_accounts_db, "admin", DEMO_PASSWORD)
    BackupService(ctx).backup_now()
    key = ctx.vault.db_key
    close_workspace(ctx)
    _damage(demo_accounts_db, [_root_page(demo_accounts_db, key, "user_account")])

    dialog = _sign_in_dialog(qtbot, demo_accounts_db)
    dialog.username_edit.setText("admin")
    dialog.password_edit.setText(DEMO_PASSWORD)
    with qtbot.waitSignal(dialog.sign_in_failed, timeout=10_000):
        dialog.accept()
    assert "is damaged" in dialog.error_text()
    assert dialog.restore_button.isVisible() and dialog.restore_button.text() == "Restore a &backup…"

    restore = dialog.open_restore()
    assert len(restore.backups()) == 1 and restore.username_edit.text() == "admin"
    restore.confirm_box.setChecked(True)
    restore.password_edit.setText("not the password")
    with qtbot.waitSignal(restore.restore_failed, timeout=10_000) as refused:
        restore.restore_button.click()
    assert refused.args[0] == "The user name or password does not open this backup."
    assert restore.isVisible()
    restore.password_edit.setText(DEMO_PASSWORD)
    with qtbot.waitSignal(restore.restored, timeout=30_000):
        restore.restore_button.click()
    assert dialog.notice_label.text().startswith("The backup was restored.")
    assert not dialog.restore_button.isVisible()
    dialog.password_edit.setText(DEMO_PASSWORD)
    with qtbot.waitSignal(dialog.signed_in, timeout=10_000) as signed:
        dialog.accept()
    close_workspace(signed.args[0])


# -- the full check of a large file, after the window shows ------------------------------------------


def test_the_full_check_runs_after_the_window_shows_and_offers_restore(qtbot, demo_accounts_db, make_window,
                                                                       monkeypatch):  # noqa: ANN001
    import cspdesk_gui.auto_backup

    monkeypatch.setattr(integrity, "FULL_CHECK_MAX_BYTES", 0)  # the demo file is "large"
    monkeypatch.setattr(cspdesk_gui.auto_backup, "START_DELAY_MS", 0)
    ctx = sign_in(demo_accounts_db, "admin", DEMO_PASSWORD)
    key = ctx.vault.db_key
    close_workspace(ctx)
    _damage(demo_accounts_db, [_root_page(demo_accounts_db, key, "action")])  # not read at sign-in

    ctx = sign_in(demo_accounts_db, "admin", DEMO_PASSWORD)
    try:
        assert ctx.full_check_pending
        window = make_window(ctx, show=False)
        assert window.backups is None  # nothing runs before the window shows
        window.show()
        assert window.backups is not None
        with qtbot.waitSignal(window.backups.check_failed, timeout=30_000) as failed:
            pass
        assert "failed its full check" in failed.args[0]
        box = _fault_box(qtbot)
        assert box.windowTitle() == "The database file is damaged"
        assert "failed its full check" in box.text() and "Restore the latest backup" in box.text()
        restore = box.findChild(type(box.defaultButton()), "restoreButton")
        assert restore is not None and restore.text() == "Restore a backup…"
        with qtbot.waitSignal(window.restore_dialog_opened):
            restore.click()
        window.restore_dialog.reject()
    finally:
        close_workspace(ctx)


def test_a_file_that_passes_the_full_check_says_nothing(qtbot, account_db, make_window, monkeypatch):  # noqa: ANN001
    import cspdesk_gui.auto_backup

    monkeypatch.setattr(integrity, "FULL_CHECK_MAX_BYTES", 0)
    monkeypatch.setattr(cspdesk_gui.auto_backup, "START_DELAY_MS", 0)
    ctx = sign_in(account_db.path, ADMIN_USER, ADMIN_PASSWORD)
    try:
        assert ctx.full_check_pending
        window = make_window(ctx, show=False)
        window.show()
        with qtbot.waitSignal(window.backups.check_passed, timeout=30_000) as passed:
            pass
        assert passed.args[0].ok and not ctx.full_check_pending and faults.reporter().box is None
    finally:
        close_workspace(ctx)


# -- backups daily and on closing ----------------------------------------------------------------------


def test_daily_and_on_close_backups_run_in_the_background(qtbot, account_db, make_window, monkeypatch):  # noqa: ANN001
    import cspdesk_gui.auto_backup

    monkeypatch.setattr(cspdesk_gui.auto_backup, "START_DELAY_MS", 0)
    ctx = sign_in(account_db.path, ADMIN_USER, ADMIN_PASSWORD)
    try:
        window = make_window(ctx, show=False, auto_backups=True)
        window.show()
        with qtbot.waitSignal(window.backups.backup_made, timeout=30_000) as made:
            pass
        assert made.args[0].reason == "daily"
        qtbot.waitUntil(lambda: not window.backups.is_busy())
        window.backups.backup_if_due()  # not due again within 24 hours
        qtbot.waitUntil(lambda: not window.backups.is_busy())
        assert [b.reason for b in BackupService(ctx).list_backups()] == ["daily"]

        AccountService(ctx).set_security_settings(20, 5)  # a change: the backup on closing is due
        with qtbot.waitSignal(window.closed, timeout=30_000):
            window.close()
            assert window.isVisible()  # closing waits for the backup, off the GUI thread
        assert [b.reason for b in BackupService(ctx).list_backups()] == ["on_close", "daily"]
    finally:
        close_workspace(ctx)


def test_closing_without_waiting_stops_the_backup_and_keeps_nothing(qtbot, account_db, make_window,
                                                                    monkeypatch):  # noqa: ANN001
    import cspdesk_gui.auto_backup

    monkeypatch.setattr(cspdesk_gui.auto_backup, "CLOSE_DIALOG_AFTER_MS", 0)
    monkeypatch.setattr(cspdesk_gui.auto_backup, "START_DELAY_MS", 60_000)  # no daily backup in this test
    started = threading.Event()
    real = BackupService.backup_on_close

    def slow(self, *, progress=None):  # noqa: ANN001, ANN202 - a backup of a county-size file: many steps
        started.set()
        for _ in range(3000):
            progress(1, "Copying the database")
            threading.Event().wait(0.01)
        return real(self, progress=progress)

    monkeypatch.setattr(BackupService, "backup_on_close", slow)
    ctx = sign_in(account_db.path, ADMIN_USER, ADMIN_PASSWORD)
    try:
        window = make_window(ctx, auto_backups=True)
        window.close()
        assert started.wait(10)
        qtbot.waitUntil(lambda: window.backups.close_dialog is not None and window.backups.close_dialog.isVisible())
        dialog = window.backups.close_dialog
        assert dialog.labelText() == "Backing up before closing…"
        stop = dialog.findChild(QPushButton)
        assert stop.text() == "Close without &waiting"
        with qtbot.waitSignal(window.closed, timeout=10_000):
            stop.click()
            assert not window.isVisible()  # gone at once
        assert BackupService(ctx).list_backups() == []
        folder = BackupService(ctx).folder()
        assert not folder.exists() or not [p for p in folder.iterdir() if "partial" in p.name]
    finally:
        close_workspace(ctx)


def test_the_backups_tab_saves_its_settings_and_backs_up_by_hand(qtbot, admin_ctx, make_window, tmp_path):  # noqa: ANN001
    window = make_window(admin_ctx, section=Section.ADMIN)
    admin = window.page(Section.ADMIN)
    admin.show_backups()
    tab = admin.backups_tab
    assert tab.daily_box.isChecked() and tab.close_box.isChecked() and tab.keep_spin.value() == 10
    assert tab.folder_edit.text() == str(BackupService(admin_ctx).default_folder())
    assert tab.empty_label.isVisible()

    elsewhere = tmp_path / "other disk" / "backups"
    tab.daily_box.setChecked(False)
    tab.keep_spin.setValue(3)
    tab.folder_edit.setText(str(account_db_parent := tmp_path))  # the database's own folder: refused
    tab.save_button.click()
    assert "Keep backups out of the database's own folder" in tab.folder_error.text()
    assert account_db_parent.exists()
    tab.folder_edit.setText(str(elsewhere))
    tab.save_button.click()
    assert tab.message.text() == "Saved."
    settings = BackupService(admin_ctx).settings()
    assert (settings.daily, settings.on_close, settings.keep, settings.folder) == (False, True, 3, str(elsewhere))

    with qtbot.waitSignal(tab.backup_made, timeout=30_000) as made:
        tab.backup_button.click()
    assert made.args[0].folder.parent == elsewhere and tab.backups_shown() == 1
    with qtbot.waitSignal(window.restore_dialog_opened):
        tab.restore_button.click()
    assert [b.folder for b in window.restore_dialog.backups()] == [made.args[0].folder]
    window.restore_dialog.reject()


# -- faults of the file while the window is open -----------------------------------------------------


def _edit_and_save_backup_settings(window: MainWindow, keep: int):  # noqa: ANN202
    admin = window.page(Section.ADMIN)
    admin.show_backups()
    tab = admin.backups_tab
    tab.keep_spin.setValue(keep)
    tab.save_button.click()  # the service's fault escapes the slot: the global place shows it
    return tab


def test_the_file_deleted_while_open_is_said_plainly_and_offers_restore(qtbot, admin_ctx, make_window):  # noqa: ANN001
    window = make_window(admin_ctx, section=Section.ADMIN)
    window.page(Section.ADMIN).show_backups()
    os.unlink(admin_ctx.vault.db_path)
    tab = _edit_and_save_backup_settings(window, 7)
    box = _fault_box(qtbot)
    assert box.windowTitle() == "The database file has gone"
    assert "was moved, renamed or deleted while CSPDesk had it open" in box.text()
    assert "Traceback" not in box.text()
    assert [b.text() for b in box.buttons()].count("Restore a backup…") == 1
    assert tab.keep_spin.value() == 7 and tab.is_edited()  # what was typed is still there


def test_the_file_moved_while_open_is_said_plainly_and_nothing_is_lost(qtbot, admin_ctx, make_window, tmp_path):  # noqa: ANN001
    window = make_window(admin_ctx, section=Section.ADMIN)
    db = admin_ctx.vault.db_path
    moved = tmp_path / "moved" / db.name
    moved.parent.mkdir()
    os.rename(db, moved)
    os.rename(keyring_path(db), keyring_path(moved))
    tab = _edit_and_save_backup_settings(window, 8)
    box = _fault_box(qtbot)
    assert "was moved, renamed or deleted" in box.text() and tab.keep_spin.value() == 8
    assert not db.exists()  # no new empty file where it was


def _mount(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *args], capture_output=True, text=True)


def test_a_read_only_file_is_said_plainly(qtbot, account_db, make_window, tmp_path):  # noqa: ANN001
    """A real read-only mount (as root; chmod does not stop root), opened read-only; the session is
    then told it may write, as one that opened before the file was made read-only would be: SQLite
    refuses, and the window says so plainly."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("a read-only bind mount needs root")
    view = tmp_path / "ro"
    view.mkdir()
    if _mount("--bind", str(account_db.path.parent), str(view)).returncode != 0:
        pytest.skip("no bind mounts here")
    try:
        if _mount("-o", "remount,bind,ro", str(view)).returncode != 0:
            pytest.skip("a bind mount cannot be made read-only here")
        ctx = sign_in(view / account_db.path.name, ADMIN_USER, ADMIN_PASSWORD, read_only=True)
        try:
            ctx.read_only = False
            window = make_window(ctx, section=Section.ADMIN)
            tab = _edit_and_save_backup_settings(window, 9)
            box = _fault_box(qtbot)
            assert box.windowTitle() == "The file is read-only"
            assert "is read-only, so the last change was not saved" in box.text()
            assert tab.keep_spin.value() == 9
            window.close()
        finally:
            close_workspace(ctx)
    finally:
        subprocess.run(["umount", "-l", str(view)], capture_output=True)


def test_a_full_disk_is_said_plainly_and_keeps_what_was_typed(qtbot, account_db, make_window, tmp_path):  # noqa: ANN001
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small file system needs root")
    small = tmp_path / "small"
    small.mkdir()
    if _mount("-t", "tmpfs", "-o", "size=4m,mode=0755", "tmpfs", str(small)).returncode != 0:
        pytest.skip("this machine does not allow mounting a tmpfs")
    try:
        db = small / account_db.path.name
        shutil.copyfile(account_db.path, db)
        shutil.copyfile(keyring_path(account_db.path), keyring_path(db))
        ctx = sign_in(db, ADMIN_USER, ADMIN_PASSWORD)
        try:
            window = make_window(ctx, section=Section.ADMIN)
            with (small / "filler").open("wb") as fh:
                try:
                    while True:
                        fh.write(b"\0" * 65536)
                        fh.flush()
                except OSError:
                    pass
            admin = window.page(Section.ADMIN)
            admin.show_backups()
            tab = admin.backups_tab
            saved = 10
            for keep in range(2, 300):  # until the WAL needs a page the disk does not have
                tab.keep_spin.setValue(keep)
                tab.save_button.click()
                if faults.reporter().box is not None:
                    break
                saved = keep
            box = _fault_box(qtbot)
            assert box.windowTitle() == "The disk is full"
            assert "is full, so the last change was not saved. Everything saved before it is safe" in box.text()
            assert tab.keep_spin.value() == keep and tab.is_edited()
            window.close()
        finally:
            close_workspace(ctx)
        (small / "filler").unlink()
        again = sign_in(db, ADMIN_USER, ADMIN_PASSWORD)
        assert BackupService(again).settings().keep == saved  # the last one saved, not the refused one
        close_workspace(again)
    finally:
        subprocess.run(["umount", "-l", str(small)], capture_output=True)


def test_a_service_error_escaping_a_slot_never_shows_a_traceback(qtbot, admin_ctx, make_window):  # noqa: ANN001
    """The hook shows ServiceErrors only; it hands anything else to the hook that was there."""
    window = make_window(admin_ctx)
    assert getattr(sys.excepthook, "__self__", None) is faults.reporter()
    seen = []
    faults.reporter()._previous_hook = lambda *a: seen.append(a[1])  # noqa: SLF001
    sys.excepthook(ReadOnlySession, ReadOnlySession("Nothing can be changed here."), None)
    assert _fault_box(qtbot).text() == "Nothing can be changed here." and seen == []
    error = ZeroDivisionError()
    sys.excepthook(ZeroDivisionError, error, None)
    assert seen == [error]
    assert window.isVisible()



def test_a_backup_on_closing_that_fails_is_said_before_the_window_goes(qtbot, account_db, make_window, tmp_path,
                                                                      monkeypatch):  # noqa: ANN001
    """The backup folder on a real, nearly full small file system: the backup on closing meets a
    full disk, the window says so (the database is safe), then closes."""
    import cspdesk_gui.auto_backup

    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small file system needs root")
    small = tmp_path / "small"
    small.mkdir()
    if _mount("-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(small)).returncode != 0:
        pytest.skip("this machine does not allow mounting a tmpfs")
    monkeypatch.setattr(cspdesk_gui.auto_backup, "START_DELAY_MS", 60_000)
    try:
        ctx = sign_in(account_db.path, ADMIN_USER, ADMIN_PASSWORD)
        try:
            BackupService(ctx).set_settings(10, daily=True, on_close=True, folder=small / "backups")
            window = make_window(ctx, auto_backups=True)
            window.close()
            qtbot.waitUntil(lambda: window.backups.failure_box is not None, timeout=30_000)
            box = window.backups.failure_box
            assert box.windowTitle() == "The backup on closing failed"
            assert "There is not enough free space for a backup in" in box.text()
            assert "The database itself is safe" in box.text() and "Traceback" not in box.text()
            assert window.isVisible()
            with qtbot.waitSignal(window.closed, timeout=10_000):
                box.button(QMessageBox.StandardButton.Ok).click()
            assert list((small / "backups").iterdir()) == []  # nothing half-written left behind
        finally:
            close_workspace(ctx)
    finally:
        subprocess.run(["umount", "-l", str(small)], capture_output=True)


def test_a_lost_writers_lock_puts_the_banner_up(qtbot, admin_ctx, make_window):  # noqa: ANN001
    """The heartbeat thread marks the session read-only when another copy took the file over; the
    window notices within a few seconds."""
    window = make_window(admin_ctx)
    assert not window.read_only_banner.isVisible()
    admin_ctx.read_only = True
    admin_ctx.read_only_reason = "Another copy of CSPDesk took over this file while this one was asleep."
    qtbot.waitUntil(window.read_only_banner.isVisible, timeout=5_000)
    assert window.read_only_banner.text() == admin_ctx.read_only_reason
    assert not window.backup_action.isEnabled()
