"""How a RAG rating reads on screen: always a colour *and* a word, never the colour alone.

About one man in twelve cannot tell red from green, and a printed tracker is often black and
white: the word carries the meaning, the colour only helps the eye find it. The colours are
in :mod:`cspdesk_gui.theme`'s palettes: darkened a little from pure red/amber/green in the light scheme so
that a white background keeps enough contrast, lightened in the dark scheme for the same reason.
"""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPixmap

from cspdesk.domain.enums import Rag
from cspdesk_gui import theme

#: In the order a tracker is read: what needs attention first.
RAG_ORDER: tuple[Rag, ...] = (Rag.RED, Rag.AMBER, Rag.GREEN, Rag.GREY, Rag.BLUE)


def _palette_name(rag: Rag) -> str:
    return f"rag{rag.label}"  # ragRed, ragAmber … in cspdesk_gui.theme's palettes (and the stylesheet)


#: Each rating's colour in the light scheme (what a printed tracker's colours match).
RAG_COLOURS: dict[Rag, str] = {rag: theme.LIGHT[_palette_name(rag)] for rag in Rag}

#: A lighter tint of each colour, for chips and count tiles (light scheme).
RAG_TINTS: dict[Rag, str] = {rag: theme.LIGHT[_palette_name(rag) + "Tint"] for rag in Rag}


def rag_brush(rag: Rag) -> QBrush:
    """The rating's colour in the scheme in use, for writing its word in a list."""
    return theme.brush(_palette_name(rag))

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


#: The screens' scale factors the dot is drawn for, so it stays sharp on high-DPI screens.
_SCALES = (1, 1.5, 2, 3)


def rag_icon(rag: Rag, size: int = 12) -> QIcon:
    """A filled round dot in the rating's colour in the scheme in use (made once per rating)."""
    return _rag_icon(rag, size, theme.current_scheme())


@cache
def _rag_icon(rag: Rag, size: int, scheme: str) -> QIcon:
    colour = QColor(theme.PALETTES[scheme][_palette_name(rag)])
    icon = QIcon()
    for scale in _SCALES:
        pixels = round(size * scale)
        pixmap = QPixmap(pixels, pixels)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(colour)
        painter.drawEllipse(QRectF(0.5 * scale, 0.5 * scale, pixels - scale, pixels - scale))
        painter.end()
        icon.addPixmap(pixmap)
        # The same dot when the row is selected: Qt would otherwise tint it, and the colour is the point.
        icon.addPixmap(pixmap, QIcon.Mode.Selected)
    return icon
