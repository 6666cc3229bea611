"""Small helpers for top-level windows."""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget


def bring_to_front(window: QWidget) -> None:
    """Show ``window`` above the others and give it the keyboard. (The offscreen platform used by
    tests cannot raise windows, and says so with a warning, so it is not asked to.)"""
    window.show()
    if QGuiApplication.platformName() not in ("offscreen", "minimal"):
        window.raise_()
    window.activateWindow()
