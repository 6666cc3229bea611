"""Fixtures for the Qt layer: windows on real encrypted databases, registered with qtbot."""

from __future__ import annotations

from collections.abc import Callable

import pytest


@pytest.fixture(autouse=True)
def _stylesheet(qapp):  # noqa: ANN001 - pytest-qt's QApplication
    """Tests see the same stylesheet as the app (a stylesheet that fails to parse warns, and a
    Qt warning fails the test)."""
    from ui.app import make_application

    make_application()
    yield


@pytest.fixture
def make_window(qtbot) -> Callable:  # noqa: ANN001
    """Build a shown MainWindow on a context, registered for closing after the test."""
    from ui.main_window import MainWindow

    def make(ctx, *, show: bool = True):  # noqa: ANN001, ANN202
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        if show:
            # Shortcuts (Ctrl+2, Ctrl+F) reach only the active window.
            with qtbot.waitExposed(window), qtbot.waitActive(window):
                window.show()
                window.activateWindow()
        return window

    return make
