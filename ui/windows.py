"""Small helpers for top-level windows."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget


def bring_to_front(window: QWidget) -> None:
    """Show ``window`` above the others and give it the keyboard. (The offscreen platform used by
    tests cannot raise windows, and says so with a warning, so it is not asked to.)"""
    window.show()
    if QGuiApplication.platformName() not in ("offscreen", "minimal"):
        window.raise_()
    window.activateWindow()


#: Room a window manager's title bar and borders take outside a window's own geometry.
FRAME_ALLOWANCE = QSize(16, 40)


def available_area(window: QWidget) -> QRect:
    """The part of the window's screen that windows may use (the taskbar and docks left out)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def room_for_wrapped_text(window: QWidget) -> None:
    """Make ``window`` tall enough for its word-wrapped lines at its present width (a window is
    sized before it knows how many lines a wrapped label takes; short of height, its layout laid
    the lines over the list above them), never taller than the screen's room."""
    need = window.heightForWidth(window.width())
    room = available_area(window).height() - FRAME_ALLOWANCE.height()
    if need > window.height():
        window.resize(window.width(), min(need, max(room, window.height())))


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Size ``window`` to ``width`` × ``height`` or, on a smaller screen (a 1366×768 or 1024×700
    council laptop), to the room the screen has, title bar included; centred on that room."""
    area = available_area(window)
    room = area.size() - FRAME_ALLOWANCE
    size = QSize(min(width, room.width()), min(height, room.height())).expandedTo(window.minimumSize())
    window.resize(size)
    window.move(area.x() + max(0, (area.width() - size.width() - FRAME_ALLOWANCE.width()) // 2),
                area.y() + max(0, (area.height() - size.height() - FRAME_ALLOWANCE.height()) // 2))
