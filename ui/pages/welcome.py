"""The first-run page: no database yet (or one with no partnership) offers to set up a partnership
or to explore a made-up one."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from cspdesk_gui.pages.base import Page
from cspdesk_gui.resources import resource_path
from cspdesk_gui.accessibility import hand_focus_to


class WelcomePage(Page):
    title = "Welcome"

    #: The user chose "Set up a partnership…".
    set_up_requested = Signal()
    #: The user chose "Explore with demo data".
    demo_requested = Signal()

    def __init__(
        self, database: str, parent: QWidget | None = None, *, first_run: bool = False, offer_demo: bool = True
    ) -> None:
        """``first_run``: there is no database file yet, and setting up creates it with you as
        its first administrator. ``offer_demo``: demo data can still go in (only an empty
        database with no accounts takes it)."""
        super().__init__(parent)
        self.page_layout.addStretch(1)

        card = QFrame(self)
        card.setObjectName("welcomeCard")
        card.setMaximumWidth(640)
        inner = QVBoxLayout(card)
        inner.setContentsMargins(32, 28, 32, 28)
        inner.setSpacing(12)

        heading = QLabel("Welcome to CSPDesk", card)
        heading.setObjectName("welcomeHeading")
        logo = QLabel(card)
        logo.setObjectName("welcomeLogo")
        size = heading.sizeHint().height() * 3 // 2
        logo.setPixmap(QIcon(str(resource_path("icons", "cspdesk.svg"))).pixmap(size, size))  # from the SVG: sharp
        title = QHBoxLayout()
        title.setSpacing(14)
        title.addWidget(logo)
        title.addWidget(heading, 1)
        inner.addLayout(title)

        if first_run:
            text = (
                "There is no CSPDesk database here yet. Set up your partnership — you become its first "
                "administrator — to start logging referrals, running panel meetings and tracking actions, "
                "or look round first with a made-up partnership."
            )
        elif offer_demo:
            text = (
                "This database is empty. Set up your partnership to start logging referrals, running "
                "panel meetings and tracking actions — or look round first with a made-up partnership."
            )
        else:
            text = (
                "This database has no partnership yet. Name it to start logging referrals, running "
                "panel meetings and tracking actions."
            )
        intro = QLabel(text, card)
        intro.setWordWrap(True)
        inner.addWidget(intro)

        self.database_label = QLabel(f"{'Will be created at' if first_run else 'Database'}: {database}", card)
        self.database_label.setObjectName("mutedText")
        self.database_label.setWordWrap(True)
        self.database_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        inner.addWidget(self.database_label)

        inner.addSpacing(8)
        buttons = QHBoxLayout()
        buttons.setSpacing(12)
        self.set_up_button = QPushButton("Set up a partnership…", card)
        self.set_up_button.setObjectName("primaryButton")
        self.set_up_button.setDefault(True)
        self.set_up_button.setAutoDefault(True)
        self.set_up_button.clicked.connect(self.set_up_requested)
        buttons.addWidget(self.set_up_button)
        self.demo_button = QPushButton("Explore with demo data", card)
        self.demo_button.setAutoDefault(True)
        self.demo_button.clicked.connect(self.demo_requested)
        buttons.addWidget(self.demo_button)
        buttons.addStretch(1)
        inner.addLayout(buttons)

        if first_run:
            note_text = (
                "Demo data is invented: panels, people, cases, meetings and actions that belong to no one, "
                "with a demo account for each role. It fills this new database, so keep real work in a "
                "database of its own."
            )
        else:
            note_text = (
                "Demo data is invented: panels, people, cases, meetings and actions that belong to no one. "
                "It can only be loaded into an empty database, so keep real work in a database of its own."
            )
        self.demo_note = QLabel(note_text, card)
        self.demo_note.setObjectName("mutedText")
        self.demo_note.setWordWrap(True)
        inner.addWidget(self.demo_note)
        if not offer_demo:
            self.demo_button.hide()
            self.demo_note.hide()

        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card, 4)
        row.addStretch(1)
        self.page_layout.addLayout(row)
        self.page_layout.addStretch(2)
        hand_focus_to(self, self.set_up_button)  # not setFocusProxy: Tab would skip what comes before it

    def set_busy(self, busy: bool) -> None:
        """While demo data is being written, neither choice can be made again."""
        self.set_up_button.setEnabled(not busy)
        self.demo_button.setEnabled(not busy)
