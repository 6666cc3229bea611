"""Small helpers for top-level windows."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect, QSize
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
    if window.findChild(_FrameKeeper) is None:
        window.installEventFilter(_FrameKeeper(window))


def keep_frame_on_screen(window: QWidget) -> bool:
    """Bring ``window``'s frame (title bar and borders) inside the screen's room: shorter or
    narrower first if the frame is larger than the room, then moved in. True once the window
    manager has framed the window (its frame geometry is known), whether or not it moved."""
    frame, inner = window.frameGeometry(), window.geometry()
    if frame == inner:
        return False  # not framed yet (or no window manager: nothing to allow for)
    area = available_area(window)
    extra = frame.size() - inner.size()
    fitted = inner.size().boundedTo(area.size() - extra).expandedTo(window.minimumSize())
    if fitted != inner.size():
        window.resize(fitted)
    outer = QRect(frame.topLeft(), fitted + extra)
    x = min(max(outer.left(), area.left()), area.right() + 1 - outer.width())
    y = min(max(outer.top(), area.top()), area.bottom() + 1 - outer.height())
    if (x, y) != (outer.left(), outer.top()):
        window.move(max(x, area.left()), max(y, area.top()))  # a top-level window's pos() is its frame's
    return True


class _FrameKeeper(QObject):
    """Until the window manager has framed the window: keep the frame on the screen.

    :func:`fit_to_screen` allows for a frame it cannot see yet: before a window is first shown,
    X11 knows nothing of the title bar, so the window was placed by its inside and its title bar
    went off the top of the screen (meeting mode at 200 %, issue 24). Once the frame is known it
    is brought inside the screen's room, once; after that the window is the person's to move."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in (QEvent.Type.Move, QEvent.Type.Resize, QEvent.Type.Show, QEvent.Type.Expose,
                            QEvent.Type.WindowActivate) and isinstance(watched, QWidget) and watched.isVisible():
            if keep_frame_on_screen(watched):
                watched.removeEventFilter(self)
                self.deleteLater()
        return False
