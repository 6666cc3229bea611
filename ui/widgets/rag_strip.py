"""The RAG counts strip: one tile per rating with its colour, its word and how many actions have it.

Clicking a tile (or pressing it with Space) filters the list to that rating; clicking it again
shows every rating. The strip holds no data of its own: the page gives it counts after each query.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSizePolicy, QWidget

from cspdesk.domain.enums import Rag
from cspdesk_gui.rag import RAG_MEANING, RAG_ORDER, RAG_SHORT_MEANING, rag_icon
from cspdesk_gui.signals import emit


class RagStrip(QWidget):
    """Five tiles, Red to Blue: "Red · overdue  12", or "Red  12" when the page is too narrow for
    the words (a 1024-px laptop: the five took 858 px and pushed the tracker past the window); the
    meaning stays in each tile's tool tip and accessible name."""

    #: A tile was chosen: the rating (None: every rating again).
    rag_chosen = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ragStrip")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.tiles: dict[Rag, QPushButton] = {}
        self._counts: dict[Rag, int] = {r: 0 for r in RAG_ORDER}
        self._full: dict[Rag, str] = {}
        self._short: dict[Rag, str] = {}
        for rag in RAG_ORDER:
            tile = QPushButton(self)
            tile.setObjectName(f"rag{rag.label}")  # the stylesheet's QPushButton#ragRed … give the colours
            tile.setCheckable(True)
            # As wide as its words when there is room; never narrower than its short text (_fit).
            tile.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            tile.setIcon(rag_icon(rag))
            tile.setToolTip(f"{rag.label}: {RAG_MEANING[rag]}. Click to list only these; click again for all.")
            tile.clicked.connect(lambda checked=False, r=rag: self._clicked(r, checked))
            layout.addWidget(tile)
            self.tiles[rag] = tile
        layout.addStretch(1)
        self.total_label = QLabel("", self)
        self.total_label.setObjectName("countLabel")
        self.total_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout.addWidget(self.total_label)
        self.set_counts({})

    def set_counts(self, counts: Mapping[Rag, int], chosen: Rag | None = None) -> None:
        self._counts = {r: int(counts.get(r, 0)) for r in RAG_ORDER}
        for rag, tile in self.tiles.items():
            n = self._counts[rag]
            self._full[rag] = f"{rag.label} · {RAG_SHORT_MEANING[rag]}   {n:,}"
            self._short[rag] = f"{rag.label}   {n:,}"
            tile.setMinimumWidth(self._width_for(tile, self._short[rag]))
            tile.setAccessibleName(f"{rag.label}, {RAG_MEANING[rag]}: {n:,}")
            tile.setChecked(rag == chosen)
        self._fit()

    @staticmethod
    def _width_for(tile: QPushButton, text: str) -> int:
        """The width ``tile`` needs for ``text`` (its icon, padding and border included)."""
        return tile.fontMetrics().horizontalAdvance(text) + tile.iconSize().width() + 36

    def _fit(self) -> None:
        """Words when all five fit beside the total; otherwise the short text."""
        layout = self.layout()
        room = self.width() - self.total_label.sizeHint().width() - layout.spacing() * (len(self.tiles) + 1)
        full = sum(self._width_for(tile, self._full[rag]) for rag, tile in self.tiles.items())
        texts = self._full if full <= room else self._short
        for rag, tile in self.tiles.items():
            if tile.text() != texts[rag]:
                tile.setText(texts[rag])

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        self._fit()

    def counts(self) -> dict[Rag, int]:
        return dict(self._counts)

    def count_text(self, rag: Rag) -> str:
        """The tile's whole text ("Red · overdue   12"), whether or not it shows the words now."""
        return self._full[rag]

    def set_chosen(self, chosen: Rag | None) -> None:
        for rag, tile in self.tiles.items():
            tile.setChecked(rag == chosen)

    def _clicked(self, rag: Rag, checked: bool) -> None:
        self.set_chosen(rag if checked else None)
        emit(self.rag_chosen, rag if checked else None)
