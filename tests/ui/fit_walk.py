"""The fit walker the screen-size tests share: does a window lie inside a council laptop's screen,
with every button, field and the protective marking inside it (whole, or in a scroll area that
brings it into view), and no captions or fields laid side by side over one another?

Screenshots go to $CSPDESK_SHOTS when it is set (to be looked at).
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QAbstractButton, QAbstractScrollArea, QApplication, QBoxLayout, QLabel, QWidget

from cspdesk_gui.windows import FRAME_ALLOWANCE

#: name → the screen's available geometry (a 40 px taskbar along the bottom)
LAPTOPS = {"1366x768": QRect(0, 0, 1366, 728), "1024x700": QRect(0, 0, 1024, 660)}


def shown_whole(widget: QWidget, window: QWidget) -> bool:
    """True when ``widget`` lies whole inside each of its parents up to ``window`` (a scroll area's
    viewport counts as showing all it holds, as long as the scroll area itself is shown)."""
    rect = widget.rect()
    current = widget
    while current is not window:
        parent = current.parentWidget()
        if parent is None:
            return False
        scroller = parent.parentWidget()
        if isinstance(scroller, QAbstractScrollArea) and scroller.viewport() is parent:
            current = scroller  # scrolls into view; its top-left corner must be on the screen
            rect = QRect(0, 0, min(scroller.width(), 40), min(scroller.height(), 24))
            continue
        rect = rect.translated(current.pos())
        if not parent.rect().adjusted(-1, -1, 1, 1).contains(rect):
            return False
        current = parent
    return True


def check(window: QWidget, area: QRect, what: str) -> list[str]:
    QApplication.processEvents()
    problems = []
    outer = window.size() + FRAME_ALLOWANCE
    if outer.width() > area.width() or outer.height() > area.height():
        problems.append(f"{what}: the window is {window.width()}×{window.height()}, larger than the screen")
    for child in window.findChildren(QWidget):
        if not child.isVisible() or child.window() is not window:
            continue
        matters = (isinstance(child, QAbstractButton) or child.focusPolicy().value & 0x1
                   or "arking" in child.objectName())
        if matters and not shown_whole(child, window):
            problems.append(f"{what}: {_name(child)!r} lies outside the window")
    problems += _overlaps(window, what)
    problems += _squeezed(window, what)
    shots = os.environ.get("CSPDESK_SHOTS")
    if shots:
        window.grab().save(str(Path(shots) / f"{what}.png"))
    return problems


def _overlaps(window: QWidget, what: str) -> list[str]:
    """Captions and fields laid out side by side that cover one another (a row squeezed below
    its minimum width: "lear filter")."""
    found = []
    for layout in window.findChildren(QBoxLayout):
        shown = [item.widget() for item in (layout.itemAt(n) for n in range(layout.count()))
                 if item.widget() is not None and item.widget().isVisible()]
        for n, first in enumerate(shown):
            for second in shown[n + 1:]:
                if first.geometry().intersected(second.geometry()).width() > 2:
                    found.append(f"{what}: {_name(first)!r} and {_name(second)!r} overlap")
    return found


def _squeezed(window: QWidget, what: str) -> list[str]:
    """Word-wrapped labels given fewer lines than their text takes at their width: their lines
    drawn over the next row, or cut (the tracker's detail pane at 1024×700, a form squeezed
    inside a scroll area)."""
    for _ in range(3):  # a scroll area sizes its contents a round of events after they change
        QApplication.processEvents()
    found = []
    for label in window.findChildren(QLabel):
        if not label.isVisible() or not label.wordWrap() or not label.text() or label.window() is not window:
            continue
        if label.height() + 2 < label.heightForWidth(label.width()):
            found.append(f"{what}: {_name(label)[:40]!r} is {label.height()} px high, its lines need "
                         f"{label.heightForWidth(label.width())}")
    return found


def _name(widget: QWidget) -> str:
    text = getattr(widget, "text", None)
    return widget.objectName() or (text() if callable(text) else "") or type(widget).__name__


