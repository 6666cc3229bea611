"""A one-line label that gives way when space is short: it draws its text cut with "…".

``text()`` stays the whole text (and so does what a screen reader is given); only the drawing is
cut. Its smallest size is a few characters and an ellipsis, so a layout short of room (the status
bar, when a long partnership name meets a passing message) can shrink it instead of clipping it
mid-word or pushing its neighbours out.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QLabel, QSizePolicy, QStyle, QWidget

ELLIPSIS = "…"


class ElidedLabel(QLabel):
    """A plain-text label drawn elided on the right when narrower than its text."""

    def __init__(self, parent: QWidget | None = None, *, fewest_characters: int = 6) -> None:
        super().__init__(parent)
        #: How many characters (before the "…") it keeps however short of room it is.
        self.fewest_characters = fewest_characters
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(False)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def shown_text(self) -> str:
        """What is drawn: the whole text when it fits, else its start and "…"."""
        return self.fontMetrics().elidedText(self.text(), Qt.TextElideMode.ElideRight, self.contentsRect().width())

    def is_elided(self) -> bool:
        return self.shown_text() != self.text()

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        hint = super().sizeHint()
        text = self.text()
        if len(text) <= self.fewest_characters:
            return hint
        metrics = self.fontMetrics()
        shortest = metrics.horizontalAdvance(text[: self.fewest_characters] + ELLIPSIS)
        return QSize(hint.width() - metrics.horizontalAdvance(text) + shortest, hint.height())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        shown = self.shown_text()
        if shown == self.text():
            super().paintEvent(event)
            return
        QFrame.paintEvent(self, event)  # the frame and background the stylesheet gives it
        painter = QPainter(self)
        alignment = QStyle.visualAlignment(self.layoutDirection(), self.alignment())
        self.style().drawItemText(painter, self.contentsRect(), int(alignment), self.palette(), self.isEnabled(),
                                  shown, self.foregroundRole())
        painter.end()
