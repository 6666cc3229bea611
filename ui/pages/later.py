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


def reports_page(parent: QWidget | None = None) -> LaterPage:
    return LaterPage(
        "Reports",
        "Reports and printed papers are not in this version yet.",
        [
            "agenda and meeting pack, minutes (full record and distribution copy)",
            "action tracker, case summary and 4P plan",
            "the quarterly data return, as PDF, CSV and XLSX",
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
