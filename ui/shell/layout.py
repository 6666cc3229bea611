"""The main window's central widget: the side bar and the pages, the lock screen over them (a
stack of two, so locking hides the content without destroying or resetting it), and the read-only
banner across the top of both. The widgets are kept on the window under the names tests use."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QHBoxLayout, QListWidget, QListWidgetItem, QScrollArea, QStackedWidget, QVBoxLayout, QWidget

from cspdesk_gui.lock import LockScreen
from cspdesk_gui.shell.sections import NAVIGATION, sidebar_width
from cspdesk_gui.shell.status import ReadOnlyBanner


def build_central(window: Any) -> None:  # window: the MainWindow (importing it would be a cycle)
    """The side bar and the pages, the lock screen over them, the read-only banner on top."""
    window.central_stack = QStackedWidget(window)
    window.central_stack.setObjectName("centralStack")
    window.content = QWidget(window.central_stack)
    window.content.setObjectName("content")
    layout = QHBoxLayout(window.content)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(0)
    window.sidebar = QListWidget(window.content)
    window.sidebar.setObjectName("sidebar")
    window.sidebar.setAccessibleName("Sections")
    window.sidebar.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    window.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    for section, label in NAVIGATION:
        item = QListWidgetItem(label, window.sidebar)
        item.setData(Qt.ItemDataRole.UserRole, section.value)
    # Wide enough for the longest section's name in the font in use (16 pt text cut
    # "Administration" to "Administr…" in the old fixed 168 px).
    window.sidebar.setFixedWidth(max(168, sidebar_width(window.sidebar)))
    layout.addWidget(window.sidebar)
    window.stack = QStackedWidget(window.content)
    window.stack.setObjectName("pages")
    # Large text (200 %, a 16 pt system font) can make a page wider or taller than the window:
    # it then scrolls, rather than squeezing its controls until their words are cut
    # ("ear filte"). Not a focus stop: Tab goes through the page, which scrolls to follow.
    window.page_scroll = QScrollArea(window.content)
    window.page_scroll.setObjectName("pageScroll")
    window.page_scroll.setWidgetResizable(True)
    window.page_scroll.setFrameShape(QFrame.Shape.NoFrame)
    window.page_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    window.page_scroll.setWidget(window.stack)
    layout.addWidget(window.page_scroll, 1)
    window.central_stack.addWidget(window.content)
    window.lock_screen = LockScreen(window.central_stack)
    window.central_stack.addWidget(window.lock_screen)
    window.central_stack.setCurrentWidget(window.content)
    window.frame = QWidget(window)
    window.frame.setObjectName("windowFrame")
    column = QVBoxLayout(window.frame)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(0)
    window.read_only_banner = ReadOnlyBanner(window.frame, window)
    column.addWidget(window.read_only_banner)
    column.addWidget(window.central_stack, 1)
    window.setCentralWidget(window.frame)
