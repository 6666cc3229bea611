"""The column that carries a table's meaning (a case's subject, an action's text) stays readable.

It stretches over the spare width; when the window is too narrow to leave it ``minimum`` pixels
(a 1024×700 laptop), it keeps those pixels and the table scrolls sideways instead, so the less
telling columns at the right move out of view rather than the subject shrinking to "Na…".
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QHeaderView, QTableView


class MeaningColumn(QObject):
    """Watches ``view``'s viewport and switches ``column`` between stretching and a fixed minimum."""

    def __init__(self, view: QTableView, column: int, minimum: int) -> None:
        super().__init__(view)
        self.view = view
        self.column = column
        self.minimum = minimum
        view.viewport().installEventFilter(self)
        header = view.horizontalHeader()
        header.sectionResized.connect(self._other_resized)
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Resize:
            self.fit()
        return False

    def _other_resized(self, index: int, _old: int, _new: int) -> None:
        if index != self.column:
            self.fit()

    def fit(self) -> None:
        header = self.view.horizontalHeader()
        others = sum(header.sectionSize(n) for n in range(header.count())
                     if n != self.column and not header.isSectionHidden(n))
        room = self.view.viewport().width() - others
        stretching = header.sectionResizeMode(self.column) == QHeaderView.ResizeMode.Stretch
        if room >= self.minimum and not stretching:
            header.setSectionResizeMode(self.column, QHeaderView.ResizeMode.Stretch)
        elif room < self.minimum:
            if stretching:
                header.setSectionResizeMode(self.column, QHeaderView.ResizeMode.Interactive)
            if header.sectionSize(self.column) != self.minimum:
                header.resizeSection(self.column, self.minimum)
