"""run_gui end to end: screenshots, the start-up line, and the plain-words failures."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from ui.app import run_gui

#: tests/conftest.py's TEST_KEY, which the demo database fixtures are encrypted with.
TEST_KEY = bytes(range(32))


def _png(path: Path) -> QImage:
    image = QImage(str(path))
    assert not image.isNull(), f"{path} is not a PNG"
    return image


def test_screenshot_of_the_welcome_page(tmp_path, qapp):
    shot = tmp_path / "welcome.png"
    assert run_gui(str(tmp_path / "new.db"), screenshot=shot) == 0
    image = _png(shot)
    assert (image.width(), image.height()) == (1200, 760)


def test_screenshot_of_the_demo_cases(tmp_path, qapp, demo_db, monkeypatch):
    monkeypatch.setenv("CSPDESK_KEY", TEST_KEY.hex())
    shot = tmp_path / "cases.png"
    assert run_gui(str(demo_db), screenshot=shot, view="cases") == 0
    _png(shot)


def test_print_startup_time(tmp_path, qapp, capfd):
    assert run_gui(str(tmp_path / "new.db"), print_startup_time=True) == 0
    assert capfd.readouterr().out.strip().splitlines()[-1] == "shown"


def test_unknown_view_names_the_valid_ones(tmp_path, qapp, capfd):
    assert run_gui(str(tmp_path / "new.db"), view="agenda", screenshot=tmp_path / "x.png") == 2
    err = capfd.readouterr().err
    assert "agenda" in err
    assert "welcome, panels, cases, meetings, actions, reports, admin" in err
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("kind", ["not a database", "folder"])
def test_a_database_that_cannot_be_opened_is_explained(tmp_path, qapp, capfd, kind):
    target = tmp_path / "thing.db"
    if kind == "folder":
        target.mkdir()
    else:
        target.write_bytes(b"this is not a database" * 100)
    assert run_gui(str(target), screenshot=tmp_path / "x.png") == 2
    err = capfd.readouterr().err
    assert err.startswith("cspdesk: ")
    assert "thing.db" in err
    assert "Traceback" not in err
