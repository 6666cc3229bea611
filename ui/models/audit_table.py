"""The audit trail as a lazy table model (the same design as :mod:`cspdesk_gui.models.case_table`).

The model holds only the ids of the matching entries, filtered and ordered in SQL by
:meth:`AuditService.event_ids`. Rows are fetched a page at a time by :meth:`AuditService.event_rows`
the first time ``data()`` asks for a row of that page, and kept in a small LRU cache of pages.
``rowCount()``, ``headerData()`` and ``flags()`` never touch the database, so a trail of a
million entries costs one id query and one page.

Times are stored in UTC and shown in the computer's local time (GMT or BST in the UK); the
tooltip gives both.

Hazard: entries written after the ids were read appear only after :meth:`AuditTableModel.refresh`.
Entries are never edited, but erasure may replace an old entry's details with "(details erased)";
a page fetched before that shows the old text until the model is refreshed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from enum import IntEnum

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from cspdesk.domain.enums import AuditKind
from cspdesk.services.audit.audit import AuditQuery, AuditRow, AuditService
from cspdesk.services.audit.audit_text import ERASED_TEXT, entity_name
from cspdesk_gui import theme
from cspdesk_gui.formatting import short_date
from cspdesk_gui.models.paged import PENDING, PagedTableModel, pending_cell

_Index = QModelIndex | QPersistentModelIndex

#: The entry's id (int): its place in the chain.
AuditIdRole = Qt.ItemDataRole.UserRole + 1
#: The entry's :class:`AuditKind` (as its str value: Qt hands StrEnums through as plain str).
KindRole = Qt.ItemDataRole.UserRole + 2


class AuditColumn(IntEnum):
    WHEN = 0
    USER = 1
    WHAT = 2
    RECORD = 3
    DETAILS = 4

    @property
    def title(self) -> str:
        return _TITLES[self]


_TITLES = {
    AuditColumn.WHEN: "When",
    AuditColumn.USER: "User",
    AuditColumn.WHAT: "What",
    AuditColumn.RECORD: "Record",
    AuditColumn.DETAILS: "Details",
}

_HEADER_TIPS = {
    AuditColumn.WHEN: "Local time on this computer",
    AuditColumn.USER: "The account that acted (blank: nobody signed in, e.g. a failed login with an unknown name)",
    AuditColumn.RECORD: "What the entry is about, by name where the entry gives one (its number in the tooltip)",
}


def local_time(at: datetime) -> datetime:
    """A stored (naive UTC) time in this computer's time zone, still naive."""
    return at.replace(tzinfo=timezone.utc).astimezone().replace(tzinfo=None)


class AuditTableModel(PagedTableModel):
    """Audit entries matching an :class:`AuditQuery`, one row per entry, fetched in pages."""

    columns = AuditColumn

    def __init__(self, service: AuditService, query: AuditQuery | None = None, *, page_size: int = 200,
                 max_pages: int = 20, parent=None) -> None:  # noqa: ANN001 - QObject | None
        super().__init__(query or AuditQuery(), page_size=page_size, max_pages=max_pages, parent=parent)
        self._service = service

    def _read_ids(self, query: AuditQuery) -> list[int]:
        return self._service.event_ids(query)

    def _read_rows(self, ids: Sequence[int]) -> list:
        return self._service.event_rows(ids)

    # -- the query ---------------------------------------------------------------------------

    def event_id(self, row: int) -> int:
        return self._ids[row]

    # -- Qt's model interface -------------------------------------------------------------------

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(AuditColumn):
            return None
        column = AuditColumn(section)
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return _HEADER_TIPS.get(column)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        if role == AuditIdRole:
            return self._id_at(index.row())
        if role not in _ROW_ROLES:
            return None
        row = self._row(index.row())
        if row is None:
            return None
        if row is PENDING:
            return pending_cell(role)
        column = AuditColumn(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(row, column)
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == AuditColumn.WHAT and row.kind is AuditKind.LOGIN_FAILED:
                return theme.brush("danger")
            if column == AuditColumn.DETAILS and row.details_text == ERASED_TEXT:
                return theme.brush("muted")
            return None
        if role == KindRole:
            return row.kind
        return None

    # -- pages ---------------------------------------------------------------------------------
_ROW_ROLES = frozenset(
    {Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.ForegroundRole, KindRole}
)


def _display(row: AuditRow, column: AuditColumn) -> str:
    match column:
        case AuditColumn.WHEN:
            at = local_time(row.at)
            return f"{short_date(at.date())}, {at:%H:%M:%S}"
        case AuditColumn.USER:
            return row.username
        case AuditColumn.WHAT:
            return row.kind.label
        case AuditColumn.RECORD:
            return row.record
        case AuditColumn.DETAILS:
            return row.details_text
    raise AssertionError(column)


def _tooltip(row: AuditRow, column: AuditColumn) -> str | None:
    match column:
        case AuditColumn.WHEN:
            return f"Entry {row.id:,}\n{_display(row, column)} local time\n{short_date(row.at.date())}, {row.at:%H:%M:%S} UTC"
        case AuditColumn.DETAILS:
            # Long details are cut in the cell; the tooltip has them whole, one per line.
            return row.details_text.replace("; ", "\n") or None
        case AuditColumn.RECORD:
            # The record's number, which the name in the cell stands for.
            if not row.entity or row.entity_id is None:
                return None
            return f"{row.record}\n{entity_name(row.entity)} {row.entity_id}"
    return None
