"""The panels a user belongs to, with their workload at a glance.

A partnership runs a handful of panels, so the rows are held whole; :meth:`PanelTableModel.set_rows`
replaces them after :meth:`PanelService.list_panels` (three grouped queries) was read again.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from cspdesk.services.partnership.panels import PanelRow
from cspdesk_gui import theme
from cspdesk_gui.formatting import short_datetime

_Index = QModelIndex | QPersistentModelIndex

#: The panel's id (int).
PanelIdRole = Qt.ItemDataRole.UserRole + 1

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class PanelColumn(IntEnum):
    NAME = 0
    TYPE = 1
    ACTIVE_CASES = 2
    OVERDUE_ACTIONS = 3
    NEXT_MEETING = 4

    @property
    def title(self) -> str:
        return _TITLES[self]

    @property
    def is_number(self) -> bool:
        return self in (PanelColumn.ACTIVE_CASES, PanelColumn.OVERDUE_ACTIONS)


_TITLES = {
    PanelColumn.NAME: "Panel",
    PanelColumn.TYPE: "Type",
    PanelColumn.ACTIVE_CASES: "Active cases",
    PanelColumn.OVERDUE_ACTIONS: "Overdue actions",
    PanelColumn.NEXT_MEETING: "Next meeting",
}

_HEADER_TIPS = {
    PanelColumn.ACTIVE_CASES: "Cases received, accepted, listed or open",
    PanelColumn.OVERDUE_ACTIONS: "Actions past their due date and not completed or discontinued",
    PanelColumn.NEXT_MEETING: "The next planned meeting of the panel",
}


class PanelTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:  # noqa: ANN001 - QObject | None
        super().__init__(parent)
        self._rows: list[PanelRow] = []

    def set_rows(self, rows: Sequence[PanelRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def panel_row(self, row: int) -> PanelRow:
        return self._rows[row]

    def rows(self) -> list[PanelRow]:
        return list(self._rows)

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's name
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(PanelColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(PanelColumn):
            return None
        column = PanelColumn(section)
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return _HEADER_TIPS.get(column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.is_number:
            return _RIGHT
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = PanelColumn(index.column())
        if role == PanelIdRole:
            return row.id
        if role == Qt.ItemDataRole.DisplayRole:
            match column:
                case PanelColumn.NAME:
                    return row.name
                case PanelColumn.TYPE:
                    return row.panel_type.label
                case PanelColumn.ACTIVE_CASES:
                    return f"{row.active_cases:,}"
                case PanelColumn.OVERDUE_ACTIONS:
                    return f"{row.overdue_actions:,}"
                case PanelColumn.NEXT_MEETING:
                    return short_datetime(row.next_meeting) or "None planned"
        if role == Qt.ItemDataRole.TextAlignmentRole and column.is_number:
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == PanelColumn.OVERDUE_ACTIONS and row.overdue_actions:
                return theme.brush("danger")
            if (column.is_number and not getattr(row, _NUMBER_FIELDS[column])) or (
                column == PanelColumn.NEXT_MEETING and row.next_meeting is None
            ):
                return theme.brush("muted")
        if role == Qt.ItemDataRole.ToolTipRole and column == PanelColumn.NAME:
            return f"{row.name} — case references start {row.ref_prefix}-"
        return None


_NUMBER_FIELDS = {PanelColumn.ACTIVE_CASES: "active_cases", PanelColumn.OVERDUE_ACTIONS: "overdue_actions"}
