"""The events of one chronology, for the chronology window: a few hundred rows at most (one
person's history), held whole; filtering is done by the domain's filter before they arrive."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from cspdesk.domain.chronology import ChronologyEvent
from cspdesk_gui.formatting import short_date

_Index = QModelIndex | QPersistentModelIndex


class EventColumn(IntEnum):
    DATE = 0
    KIND = 1
    WHERE = 2
    WHAT = 3

    @property
    def title(self) -> str:
        return ("Date", "Event", "Panel / case", "What happened")[self]


def when_text(event: ChronologyEvent) -> str:
    """"20 Jan 2026, 10:00", or the day alone for an event with no time of its own."""
    timed = event.at is not None and (event.at.hour or event.at.minute)
    return short_date(event.on) + (f", {event.at:%H:%M}" if timed else "")


def where_text(event: ChronologyEvent) -> str:
    return " · ".join(x for x in (event.panel, event.case_reference) if x) or "Person's record"


def what_text(event: ChronologyEvent) -> str:
    return event.title + (f"\n{event.detail}" if event.detail else "")


class ChronologyModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self._events: list[ChronologyEvent] = []

    def set_events(self, events: Sequence[ChronologyEvent]) -> None:
        self.beginResetModel()
        self._events = list(events)
        self.endResetModel()

    def event_at(self, row: int) -> ChronologyEvent:
        return self._events[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's name
        return 0 if parent.isValid() else len(self._events)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(EventColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(EventColumn):
            return EventColumn(section).title
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._events) or not 0 <= index.column() < len(EventColumn):
            return None
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.AccessibleTextRole):
            return None
        event = self._events[index.row()]
        column = EventColumn(index.column())
        if column is EventColumn.DATE:
            return when_text(event)
        if column is EventColumn.KIND:
            return event.kind.label
        if column is EventColumn.WHERE:
            return where_text(event)
        return what_text(event)
