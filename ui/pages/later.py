"""Sections that are later work. Each says plainly what will be there; none shows made-up data."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from ui.pages.base import Page


class LaterPage(Page):
    """A section not built yet: its heading, one sentence saying so, and what it will hold."""

    def __init__(self, title: str, sentence: str, will_hold: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self._stale = False  # nothing to load
        self.page_layout.addWidget(self.heading(title))

        card = QFrame(self)
        card.setObjectName("laterCard")
        inner = QVBoxLayout(card)
        inner.setContentsMargins(24, 20, 24, 20)
        inner.setSpacing(10)
        self.message = QLabel(sentence, card)
        self.message.setObjectName("laterMessage")
        self.message.setWordWrap(True)
        inner.addWidget(self.message)
        if will_hold:
            caption = QLabel("When it is built, this section will hold:", card)
            caption.setObjectName("mutedText")
            inner.addSpacing(4)
            inner.addWidget(caption)
            for item in will_hold:
                line = QLabel(f"•  {item}", card)
                line.setWordWrap(True)
                line.setTextFormat(Qt.TextFormat.PlainText)
                inner.addWidget(line)
        card.setMaximumWidth(780)
        self.page_layout.addWidget(card)
        self.page_layout.addStretch(1)


def meetings_page(parent: QWidget | None = None) -> LaterPage:
    return LaterPage(
        "Meetings",
        "Meetings — agendas, attendance and meeting mode — are not in this version yet.",
        [
            "each panel's meetings, planned and held, with venue, chair and minute-taker",
            "the agenda: new, repeat and review cases in order, with time slots",
            "attendance by agency, apologies and signed confidentiality statements",
            "meeting mode for the chair: notes, decisions and actions agreed as people talk",
            "minutes, finalised and locked, with addenda for later changes",
        ],
        parent,
    )


def actions_page(parent: QWidget | None = None) -> LaterPage:
    return LaterPage(
        "Actions",
        "Actions — the tracker of what each agency owes — are not in this version yet.",
        [
            "open actions by panel, agency or case, with status, due date and RAG",
            "overdue actions marked, and updates recorded with a note",
            "an officer's own action log",
        ],
        parent,
    )


def admin_page(parent: QWidget | None = None) -> LaterPage:
    return LaterPage(
        "Administration",
        "Administration — panels, agencies, members, accounts and settings — is not in this version yet.",
        [
            "panels and the agencies that sit on them",
            "members, user accounts, roles and panel membership",
            "protective marking, confidentiality statement and retention settings",
            "backups",
        ],
        parent,
    )
