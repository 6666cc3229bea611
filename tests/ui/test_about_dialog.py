"""Help → About CSPDesk: the version, the licences (Qt's LGPL), and where the data lives."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QMenu

from cspdesk.about import app_version


def _help_menu(window) -> QMenu:  # noqa: ANN001
    for action in window.menuBar().actions():
        if action.text().replace("&", "") == "Help":
            return action.menu()
    raise AssertionError("no Help menu")


def test_about_opens_from_the_help_menu(qtbot, make_window, admin_ctx, account_db) -> None:  # noqa: ANN001
    window = make_window(admin_ctx)
    menu = _help_menu(window)
    labels = [a.text().replace("&", "") for a in menu.actions()]
    assert labels == ["About CSPDesk", "About Qt"]

    menu.actions()[0].trigger()
    qtbot.waitUntil(lambda: window.about_dialog is not None and window.about_dialog.isVisible())
    dialog = window.about_dialog

    assert app_version() in dialog.version_label.text()
    assert "GPL-3.0-or-later" in dialog.licence_label.text()
    assert "LGPL" in dialog.qt_label.text()
    libraries = dialog.libraries_view.toPlainText()
    assert "PySide6" in libraries and "LGPL-3.0-only" in libraries and "SQLAlchemy" in libraries
    # Where the data lives: the file, its key file beside it, the backups and the log.
    assert dialog.place_labels["Database"].text() == str(account_db.path)
    assert dialog.place_labels["Key file"].text().endswith(".keyring")
    assert "backups" in dialog.place_labels["Backups"].text()
    assert dialog.place_labels["Log"].text().endswith("cspdesk.log")

    dialog.copy_button.click()
    copied = QApplication.clipboard().text()
    assert str(account_db.path) in copied and app_version() in copied
    dialog.close()
    qtbot.waitUntil(lambda: window.about_dialog is None)


def test_every_window_has_the_application_icon(qtbot, make_window, admin_ctx) -> None:  # noqa: ANN001
    app = QApplication.instance()
    assert not app.windowIcon().isNull()
    # Vector: the icon offers any size asked for, sharp (not a scaled-up small bitmap).
    assert app.windowIcon().availableSizes() == [] or max(s.width() for s in app.windowIcon().availableSizes()) >= 256
    window = make_window(admin_ctx)
    assert window.windowIcon().cacheKey() == app.windowIcon().cacheKey()
