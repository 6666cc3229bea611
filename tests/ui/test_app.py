"""run_gui end to end: the first screen, screenshots with an account and no dialog, the start-up
line, and the plain-words failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from cspdesk.services.access.auth import DEMO_PASSWORD
from cspdesk_gui.app import PASSWORD_ENV, run_gui
from ui_accounts import ADMIN_PASSWORD, ADMIN_USER


def _png(path: Path) -> QImage:
    image = QImage(str(path))
    assert not image.isNull(), f"{path} is not a PNG"
    return image


@pytest.fixture
def no_sign_in_dialog(monkeypatch):  # noqa: ANN001, ANN201
    """Fails the test if the sign-in dialog is ever shown."""
    from cspdesk_gui.dialogs.sign_in import SignInDialog

    shown = []
    monkeypatch.setattr(SignInDialog, "show", lambda self: shown.append(self))
    yield shown
    assert shown == [], "the sign-in dialog was shown"


def test_a_new_database_starts_on_the_first_run_window(tmp_path, qapp):
    shot = tmp_path / "welcome.png"
    assert run_gui(str(tmp_path / "new.db"), screenshot=shot) == 0
    image = _png(shot)
    # The window opens at 1200×760, or as much of it as the screen has room for.
    room = qapp.primaryScreen().availableGeometry()
    assert image.width() <= room.width() and image.height() <= room.height()  # it fits the screen
    assert image.width() >= min(1200, room.width()) - 40 and image.height() >= min(760, room.height()) - 60
    assert not (tmp_path / "new.db").exists()  # nothing is created until the person chooses


def test_an_existing_database_starts_on_the_sign_in_dialog(tmp_path, qapp, account_db):
    shot = tmp_path / "sign-in.png"
    assert run_gui(str(account_db.path), screenshot=shot) == 0
    image = _png(shot)
    assert image.width() < 800  # the dialog, not the window


def test_user_and_password_from_the_environment_need_no_dialog(
    tmp_path, qapp, demo_accounts_db, monkeypatch, no_sign_in_dialog
):
    monkeypatch.setenv(PASSWORD_ENV, DEMO_PASSWORD)
    shot = tmp_path / "cases.png"
    assert run_gui(str(demo_accounts_db), user="admin", screenshot=shot, view="cases") == 0
    image = _png(shot)
    # The window opens at 1200×760, or as much of it as the screen has room for.
    room = qapp.primaryScreen().availableGeometry()
    assert image.width() <= room.width() and image.height() <= room.height()  # it fits the screen
    assert image.width() >= min(1200, room.width()) - 40 and image.height() >= min(760, room.height()) - 60


def test_a_wrong_password_from_the_environment_fails_on_stderr(
    tmp_path, qapp, account_db, monkeypatch, capfd, no_sign_in_dialog
):
    monkeypatch.setenv(PASSWORD_ENV, "not the password")
    shot = tmp_path / "x.png"
    assert run_gui(str(account_db.path), user=ADMIN_USER, screenshot=shot) == 2
    err = capfd.readouterr().err
    assert err.startswith("cspdesk: The user name or password is not right.")
    assert ADMIN_PASSWORD not in err
    assert not shot.exists()


def test_print_startup_time_with_an_account(tmp_path, qapp, account_db, monkeypatch, capfd):
    monkeypatch.setenv(PASSWORD_ENV, ADMIN_PASSWORD)
    assert run_gui(str(account_db.path), user=ADMIN_USER, print_startup_time=True) == 0
    # With how long after the key derivation (argon2) the window was drawn, for tests/perf.
    shown, label, seconds = capfd.readouterr().out.strip().splitlines()[-1].split()
    assert (shown, label) == ("shown", "after-key-derivation")
    assert 0 < float(seconds) < 60


def test_print_startup_time_on_first_run(tmp_path, qapp, capfd):
    assert run_gui(str(tmp_path / "new.db"), print_startup_time=True) == 0
    assert capfd.readouterr().out.strip().splitlines()[-1] == "shown"


def test_unknown_view_names_the_valid_ones(tmp_path, qapp, capfd):
    assert run_gui(str(tmp_path / "new.db"), view="agenda", screenshot=tmp_path / "x.png") == 2
    err = capfd.readouterr().err
    assert "agenda" in err
    assert "welcome, panels, cases, meetings, actions, reports, admin" in err
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("kind", ["not a database", "folder", "no keyring"])
def test_a_database_that_cannot_be_opened_is_explained(tmp_path, qapp, capfd, monkeypatch, kind):
    monkeypatch.setenv(PASSWORD_ENV, "some password")
    target = tmp_path / "thing.db"
    if kind == "folder":
        target.mkdir()
    else:
        target.write_bytes(b"this is not a database" * 100)
    assert run_gui(str(target), user="someone", screenshot=tmp_path / "x.png") == 2
    err = capfd.readouterr().err
    assert err.startswith("cspdesk: ")
    assert "thing.db" in err
    assert "Traceback" not in err
