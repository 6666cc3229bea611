"""One section of a data return as a table: the measure (or agency, or flag), its count and its %.

A section has a dozen rows at most, all in memory already (the return is plain data), so this
model holds them; counts and percentages are shown as the return shows them ("<5" when small
numbers are suppressed); the tooltip gives the whole name and the measure's note.
"""

from __future__ import annotations

from enum import IntEnum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt

from cspdesk.services.papers.returns import DataReturn, Section

_Index = QModelIndex | QPersistentModelIndex


class ReturnColumn(IntEnum):
    NAME = 0
    COUNT = 1
    PERCENT = 2


class ReturnSectionModel(QAbstractTableModel):
    def __init__(self, data: DataReturn, section: Section, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._data = data
        self.section = section
        self._rows = [
            (m.name, data.value(m), data.shown_percent(m), m.note) for m in section.measures
        ]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(ReturnColumn)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not (0 <= index.row() < len(self._rows)):
            return None
        name, count, percent, note = self._rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (name, count, percent)[column]
        if role == Qt.ItemDataRole.ToolTipRole:
            # The whole name (a long agency name is elided in its cell) and what the figure counts.
            return f"{name}\n{note}" if note else name
        if role == Qt.ItemDataRole.TextAlignmentRole and column != ReturnColumn.NAME:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation != Qt.Orientation.Horizontal or not (0 <= section < len(ReturnColumn)):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return (self.section.category, "Count", "%")[section]
        if role == Qt.ItemDataRole.TextAlignmentRole and section != ReturnColumn.NAME:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
