"""How a RAG rating reads on screen: always a colour *and* a word, never the colour alone.

About one man in twelve cannot tell red from green, and a printed tracker is often black and
white: the word carries the meaning, the colour only helps the eye find it. The colours are
darkened a little from pure red/amber/green so that white text and a white background both keep
enough contrast.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from cspdesk.domain.enums import Rag

#: In the order a tracker is read: what needs attention first.
RAG_ORDER: tuple[Rag, ...] = (Rag.RED, Rag.AMBER, Rag.GREEN, Rag.GREY, Rag.BLUE)

RAG_COLOURS: dict[Rag, str] = {
    Rag.RED: "#b42318",
    Rag.AMBER: "#b54708",
    Rag.GREEN: "#1e7b34",
    Rag.BLUE: "#1d5fa8",
    Rag.GREY: "#6b7280",
}

#: A lighter tint of each colour, for chips and count tiles.
RAG_TINTS: dict[Rag, str] = {
    Rag.RED: "#fde8e7",
    Rag.AMBER: "#fdf0dc",
    Rag.GREEN: "#e3f3e6",
    Rag.BLUE: "#e2ecf8",
    Rag.GREY: "#eef0f3",
}

#: What each rating means, in the words of PRODUCT.md ("Action").
RAG_MEANING: dict[Rag, str] = {
    Rag.RED: "overdue",
    Rag.AMBER: "due soon or on hold",
    Rag.GREEN: "ongoing",
    Rag.GREY: "open, not started",
    Rag.BLUE: "completed or discontinued",
}


#: The same, short enough for the counts strip's tiles.
RAG_SHORT_MEANING: dict[Rag, str] = {
    Rag.RED: "overdue",
    Rag.AMBER: "due soon / on hold",
    Rag.GREEN: "ongoing",
    Rag.GREY: "not started",
    Rag.BLUE: "done",
}


def rag_word(rag: Rag) -> str:
    """``Red``, ``Amber`` …: the word shown in the RAG column."""
    return rag.label


def rag_tooltip(rag: Rag) -> str:
    return f"{rag.label}: {RAG_MEANING[rag]}"


@cache
def rag_icon(rag: Rag, size: int = 12) -> QIcon:
    """A filled round dot in the rating's colour (made once per rating)."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(RAG_COLOURS[rag]))
    painter.drawEllipse(QRectF(0.5, 0.5, size - 1, size - 1))
    painter.end()
    icon = QIcon(pixmap)
    # The same dot when the row is selected: Qt would otherwise tint it, and the colour is the point.
    icon.addPixmap(pixmap, QIcon.Mode.Selected)
    return icon
