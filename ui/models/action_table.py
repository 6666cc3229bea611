"""The action tracker as a lazy table model (as :mod:`cspdesk_gui.models.case_table`).

The model holds only the ids of the matching actions, filtered and sorted in SQL by
:meth:`ActionService.action_ids`; display rows are fetched a page at a time, the first time
``data()`` asks for a row of that page, and kept in a small LRU cache of pages. ``rowCount()``,
``headerData()`` and ``flags()`` never touch the database.

Grouping (by agency, by case or by a plan's heading) is done in SQL too: the ids come sorted by the
group first. The Group column names the group on the first row of each group only (the row before
is looked at, which is in the same page or the page before), and :data:`GroupStartRole` lets a
delegate draw a rule above it. Nothing is counted or read ahead to find where groups start.

Hazard: a row fetched before someone else changed the action shows the old values until the
model is refreshed; an action deleted since the ids were read shows as an empty row.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFont

from cspdesk.domain.enums import ActionStatus, Rag
from cspdesk.services.actions.actions import ActionGroupBy, ActionQuery, ActionRow, ActionService, ActionSort
from cspdesk_gui import theme
from cspdesk_gui.formatting import short_date
from cspdesk_gui.rag import rag_brush, rag_icon, rag_tooltip, rag_word
from cspdesk_gui.models.paged import ID_WINDOW, PENDING, PagedTableModel, pending_cell
from cspdesk_gui.signals import emit

_Index = QModelIndex | QPersistentModelIndex

#: The action's id (int); never shown.
ActionIdRole = Qt.ItemDataRole.UserRole + 1
#: The row's RAG (a Rag), for delegates and tests.
RagRole = Qt.ItemDataRole.UserRole + 2
#: True on the first row of a group (grouped lists only).
GroupStartRole = Qt.ItemDataRole.UserRole + 3
#: The row's status (an ActionStatus).
StatusRole = Qt.ItemDataRole.UserRole + 4


class ActionColumn(IntEnum):
    GROUP = 0
    RAG = 1
    NUMBER = 2
    ACTION = 3
    AGENCY = 4
    OWNER = 5
    DUE = 6
    STATUS = 7
    CASE = 8
    PANEL = 9
    UPDATED = 10

    @property
    def title(self) -> str:
        return _TITLES[self]

    @property
    def sort_key(self) -> ActionSort | None:
        """The SQL sort this column's header asks for; None where the list cannot sort by it."""
        return _SORTS.get(self)


_TITLES = {
    ActionColumn.GROUP: "Group",
    ActionColumn.RAG: "RAG",
    ActionColumn.NUMBER: "No.",
    ActionColumn.ACTION: "Action",
    ActionColumn.AGENCY: "Agency",
    ActionColumn.OWNER: "Owner",
    ActionColumn.DUE: "Due",
    ActionColumn.STATUS: "Status",
    ActionColumn.CASE: "Case / OCG",
    ActionColumn.PANEL: "Panel",
    ActionColumn.UPDATED: "Updated",
}

_SORTS = {
    ActionColumn.RAG: ActionSort.RAG,
    ActionColumn.NUMBER: ActionSort.NUMBER,
    ActionColumn.AGENCY: ActionSort.AGENCY,
    ActionColumn.OWNER: ActionSort.OWNER,
    ActionColumn.DUE: ActionSort.DUE_DATE,
    ActionColumn.STATUS: ActionSort.STATUS,
    ActionColumn.CASE: ActionSort.CASE,
    ActionColumn.UPDATED: ActionSort.UPDATED,
}

_HEADER_TIPS = {
    ActionColumn.GROUP: "What the list is grouped by",
    ActionColumn.RAG: "Red overdue · Amber due soon or on hold · Green ongoing · Grey not started · Blue done",
    ActionColumn.NUMBER: "The action's number in its plan",
    ActionColumn.AGENCY: "The agency that owns the action",
    ActionColumn.OWNER: "The named officer who owns the action",
    ActionColumn.CASE: "The case or organised crime group the action is for (blank: the panel's own plan)",
    ActionColumn.UPDATED: "When the action last changed",
}


def column_for_sort(sort: ActionSort) -> ActionColumn | None:
    return next((c for c, k in _SORTS.items() if k == sort), None)


class ActionTableModel(PagedTableModel):
    """Actions matching an :class:`ActionQuery`, one row per action, fetched in pages as shown."""

    columns = ActionColumn
    #: Ids read a window at a time (issue 23): a list of tens of thousands opens on its first
    #: thousand and a count; the view reads on as it scrolls. A multiple of the page size.
    id_window = ID_WINDOW

    def __init__(self, service: ActionService, query: ActionQuery | None = None, *, page_size: int = 100,
                 max_pages: int = 50, parent=None) -> None:  # noqa: ANN001 - QObject | None
        super().__init__(query or ActionQuery(), page_size=page_size, max_pages=max_pages, parent=parent)
        self._service = service

    def _read_ids(self, query: ActionQuery) -> list[int]:
        return self._service.action_ids(query)

    def _read_id_window(self, query: ActionQuery, offset: int, limit: int) -> list[int]:
        return self._service.action_ids(query, offset=offset, limit=limit)

    def _count(self, query: ActionQuery) -> int:
        return self._service.action_count(query)

    def _read_rows(self, ids: Sequence[int]) -> list:
        return self._service.action_rows(ids)

    # -- the query ---------------------------------------------------------------------------

    def forget_rows(self, ids: Sequence[int] | None = None) -> None:
        """Read rows again (all, or the pages holding ``ids``) when next shown, without reading the
        ids again: after a change that cannot move rows in or out. The old rows show until then."""
        if ids is None:
            self.forget_pages()
        else:
            wanted = set(ids)
            self.forget_pages(n for n, page in self._pages.items() if any(r is not None and r.id in wanted for r in page))
        if self._ids:
            emit(self.dataChanged, self.index(0, 0), self.index(len(self._ids) - 1, len(ActionColumn) - 1))

    def action_id(self, row: int) -> int:
        return self._ids[row]

    def action_row(self, row: int) -> ActionRow | None:
        """The display row (waiting for its page if need be: not from ``data()``)."""
        return self.row_now(row)

    # -- Qt's model interface -------------------------------------------------------------------

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(ActionColumn):
            return None
        column = ActionColumn(section)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == ActionColumn.GROUP:
                return _GROUP_TITLES.get(self._query.group_by, column.title)
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = _HEADER_TIPS.get(column)
            if column.sort_key is None:
                return (tip + ". " if tip else "") + "The list cannot be sorted by this column."
            return tip
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        if role == ActionIdRole:
            return self._id_at(index.row())
        if role not in _ROW_ROLES:
            return None
        row = self._row(index.row())
        if row is None:
            return None
        if row is PENDING:
            return pending_cell(role)
        column = ActionColumn(index.column())
        if role == GroupStartRole:
            return self._starts_group(index.row(), row)
        if role == Qt.ItemDataRole.DisplayRole:
            if column == ActionColumn.GROUP:
                return self._group_label(row) if self._starts_group(index.row(), row) else ""
            return _display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == ActionColumn.GROUP:
                return self._group_label(row) or None
            return _tooltip(row, column)
        if role == Qt.ItemDataRole.DecorationRole:
            return rag_icon(row.rag) if column == ActionColumn.RAG else None
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == ActionColumn.RAG:
                return rag_brush(row.rag)
            if column == ActionColumn.DUE and row.overdue:
                return rag_brush(Rag.RED)
            if column in (ActionColumn.NUMBER, ActionColumn.UPDATED, ActionColumn.PANEL):
                return theme.brush("muted")
            if column == ActionColumn.CASE and not row.subject_reference:
                return theme.brush("muted")
            return None
        if role == Qt.ItemDataRole.FontRole:
            if column in (ActionColumn.RAG, ActionColumn.GROUP) or (column == ActionColumn.DUE and row.overdue):
                font = QFont()
                font.setBold(True)
                return font
            return None
        if role == RagRole:
            return row.rag
        if role == StatusRole:
            return row.status
        return None

    # -- groups ------------------------------------------------------------------------------

    def _group_label(self, row: ActionRow) -> str:
        by = self._query.group_by
        return row.group_label(by) if by != ActionGroupBy.NONE else ""

    def _starts_group(self, position: int, row: ActionRow) -> bool:
        if self._query.group_by == ActionGroupBy.NONE:
            return False
        if position == 0:
            return True
        before = self._row(position - 1)
        if before is PENDING:
            return False  # told again when the page before comes (its dataChanged reaches this row)
        return before is None or self._group_label(before) != self._group_label(row)

    # -- pages ---------------------------------------------------------------------------------
_GROUP_TITLES = {
    ActionGroupBy.AGENCY: "Agency",
    ActionGroupBy.CASE: "Case / OCG",
    ActionGroupBy.HEADING: "Priority",
}

_ROW_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.FontRole,
        RagRole,
        StatusRole,
        GroupStartRole,
    }
)


def status_text(row: ActionRow) -> str:
    """``Completed 2 Nov 2026``, ``On hold``… (the detail pane's words; the list shows the label)."""
    if row.status == ActionStatus.COMPLETED and row.completed_on is not None:
        return f"Completed {short_date(row.completed_on)}"
    return row.status.label


def one_line(text: str) -> str:
    return " ".join(text.split())


def _display(row: ActionRow, column: ActionColumn) -> str:
    match column:
        case ActionColumn.RAG:
            return rag_word(row.rag)
        case ActionColumn.NUMBER:
            return row.number
        case ActionColumn.ACTION:
            return f"{row.number}  {one_line(row.text)}" if row.number else one_line(row.text)
        case ActionColumn.AGENCY:
            return row.owner_agency
        case ActionColumn.OWNER:
            return row.owner_name
        case ActionColumn.DUE:
            if row.due_date is None:
                return one_line(row.timescale)
            return short_date(row.due_date)
        case ActionColumn.STATUS:
            return row.status.label  # the completion date is in the tooltip and the detail pane
        case ActionColumn.CASE:
            return row.subject_reference or "Panel plan"
        case ActionColumn.PANEL:
            return row.panel_name
        case ActionColumn.UPDATED:
            return short_date(row.updated_at.date())
        case ActionColumn.GROUP:
            return ""
    raise AssertionError(column)


def _tooltip(row: ActionRow, column: ActionColumn) -> str | None:
    match column:
        case ActionColumn.RAG:
            return rag_tooltip(row.rag)
        case ActionColumn.ACTION:
            return row.text
        case ActionColumn.AGENCY:
            return row.owner_agency or "No agency given"
        case ActionColumn.OWNER:
            return row.owner_name or "No named owner"
        case ActionColumn.STATUS:
            if row.status_reason:
                return f"{row.status.label}: {row.status_reason}"
            return status_text(row) if row.completed_on is not None else None
        case ActionColumn.CASE:
            return row.subject_reference or "An action of the panel's own plan, not on a case or an OCG"
        case ActionColumn.DUE:
            if row.overdue:
                return "Overdue: past its due date and not completed"
            return row.timescale or None
    return None
