"""The case list as a lazy table model (after Anki's browser ``DataModel``).

The model holds only the ids of the matching cases, already filtered and sorted in SQL by
:meth:`CaseService.case_ids`. Display rows are fetched a page at a time, the first time ``data()``
asks for a row of that page, and kept in a small LRU cache of pages. ``rowCount()``,
``headerData()`` and ``flags()`` never touch the database, so a view over 50,000 cases costs one
id query and one page.

Hazard: a row fetched before another user changed the case shows the old values until the model
is reset (``refresh()``); a case deleted since the ids were read shows as an empty row.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from cspdesk.domain.children import SERIAL_FLAG
from cspdesk.domain.enums import RiskLevel, SubjectKind
from cspdesk.services.referrals.cases import CaseQuery, CaseRow, CaseService, CaseSort
from cspdesk_gui import theme
from cspdesk_gui.formatting import short_date
from cspdesk_gui.models.paged import ID_WINDOW, PENDING, PagedTableModel, pending_cell

_Index = QModelIndex | QPersistentModelIndex

#: The case's id (int), for opening it; never shown.
CaseIdRole = Qt.ItemDataRole.UserRole + 1
#: True when the case is a repeat referral.
RepeatRole = Qt.ItemDataRole.UserRole + 2

_RISK_COLOURS = {
    RiskLevel.HIGH: "danger",
    RiskLevel.MEDIUM: "caution",
}
#: Shown (muted) where a case has no risk level; the tooltip says so in words.
NOT_ASSESSED = "—"


class Column(IntEnum):
    REFERENCE = 0
    SUBJECT = 1
    PANEL = 2
    REFERRED = 3
    REFERRER = 4
    STATUS = 5
    RISK = 6
    OPEN_ACTIONS = 7
    REVIEW = 8

    @property
    def title(self) -> str:
        return _TITLES[self]

    @property
    def sort_key(self) -> CaseSort | None:
        """The SQL sort this column's header asks for; None where the list cannot sort by it."""
        return _SORTS.get(self)


_TITLES = {
    Column.REFERENCE: "Reference",
    Column.SUBJECT: "Subject",
    Column.PANEL: "Panel",
    Column.REFERRED: "Referred",
    Column.REFERRER: "Referrer",
    Column.STATUS: "Status",
    Column.RISK: "Risk",
    Column.OPEN_ACTIONS: "Open actions",
    Column.REVIEW: "Review",
}

_SORTS = {
    Column.REFERENCE: CaseSort.REFERENCE,
    Column.SUBJECT: CaseSort.SUBJECT,
    Column.PANEL: CaseSort.PANEL,
    Column.REFERRED: CaseSort.REFERRAL_DATE,
    Column.REFERRER: CaseSort.REFERRER,
    Column.STATUS: CaseSort.STATUS,
    Column.RISK: CaseSort.RISK,
    Column.REVIEW: CaseSort.REVIEW_DATE,
}

_HEADER_TIPS = {
    Column.REFERRED: "The date the referral was received",
    Column.REFERRER: "The agency that made the referral",
    Column.OPEN_ACTIONS: "Actions agreed for this case that are not completed or discontinued",
    Column.REVIEW: "The date the case is next due for review",
}

_REPEAT_TIP = "A repeat referral: a new incident within the repeat window of an earlier referral for the same subject."


def column_for_sort(sort: CaseSort) -> Column:
    """The column whose header shows ``sort`` (for putting the sort indicator in the right place)."""
    for column, key in _SORTS.items():
        if key == sort:
            return column
    raise KeyError(sort)


class CaseTableModel(PagedTableModel):
    """Cases matching a :class:`CaseQuery`, one row per case, fetched in pages as they are shown."""

    columns = Column
    #: Ids read a window at a time (issue 23): a list of tens of thousands opens on its first
    #: thousand and a count; the view reads on as it scrolls. A multiple of the page size.
    id_window = ID_WINDOW

    def __init__(self, service: CaseService, query: CaseQuery | None = None, *, page_size: int = 100,
                 max_pages: int = 50, parent=None) -> None:  # noqa: ANN001 - QObject | None
        super().__init__(query or CaseQuery(), page_size=page_size, max_pages=max_pages, parent=parent)
        self._service = service

    def _read_ids(self, query: CaseQuery) -> list[int]:
        return self._service.case_ids(query)

    def _read_id_window(self, query: CaseQuery, offset: int, limit: int) -> list[int]:
        return self._service.case_ids(query, offset=offset, limit=limit)

    def _count(self, query: CaseQuery) -> int:
        return self._service.case_count(query)

    def _read_rows(self, ids: Sequence[int]) -> list:
        return self._service.case_rows(ids)

    def case_id(self, row: int) -> int:
        return self._ids[row]

    # -- Qt's model interface -------------------------------------------------------------------

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(Column):
            return None
        column = Column(section)
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = _HEADER_TIPS.get(column)
            if column.sort_key is None:
                return (tip + ". " if tip else "") + "The list cannot be sorted by this column."
            return tip
        if role == Qt.ItemDataRole.TextAlignmentRole and column == Column.OPEN_ACTIONS:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        if role == CaseIdRole:
            return self._id_at(index.row())
        if role not in _ROW_ROLES:
            return None
        row = self._row(index.row())
        if row is None:
            return None
        if row is PENDING:
            return pending_cell(role)
        column = Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column == Column.OPEN_ACTIONS:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == Column.RISK and row.risk_level in _RISK_COLOURS:
                return theme.brush(_RISK_COLOURS[row.risk_level])
            if column == Column.RISK and row.risk_level is None:
                return theme.brush("muted")
            if column == Column.OPEN_ACTIONS and row.open_actions == 0:
                return theme.brush("muted")
            return None
        if role == RepeatRole:
            return row.is_repeat
        return None

    # -- pages ---------------------------------------------------------------------------------
_ROW_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ToolTipRole,
        Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.ForegroundRole,
        RepeatRole,
    }
)


def _subject(row: CaseRow) -> str:
    marks = [word for word, shown in (("repeat", row.is_repeat), ("serial perpetrator", row.serial_perpetrator))
             if shown]
    return f"{row.subject} ({'; '.join(marks)})" if marks else row.subject


def _display(row: CaseRow, column: Column) -> str:
    match column:
        case Column.REFERENCE:
            return row.reference
        case Column.SUBJECT:
            return _subject(row)
        case Column.PANEL:
            return row.panel_name
        case Column.REFERRED:
            return short_date(row.referral_date)
        case Column.REFERRER:
            return row.referring_agency
        case Column.STATUS:
            return row.status.label
        case Column.RISK:
            return row.risk_level.label if row.risk_level is not None else NOT_ASSESSED
        case Column.OPEN_ACTIONS:
            return f"{row.open_actions:,}"
        case Column.REVIEW:
            return short_date(row.review_date)
    raise AssertionError(column)


_KIND_WORDS = {SubjectKind.PERSON: "", SubjectKind.GROUP: "A group", SubjectKind.LOCATION: "A place"}


def _tooltip(row: CaseRow, column: Column) -> str | None:
    """The full text of cells that may be cut short, and what marks mean."""
    match column:
        case Column.SUBJECT:
            lines = [row.subject]
            if _KIND_WORDS[row.subject_kind]:
                lines.append(_KIND_WORDS[row.subject_kind])
            if row.is_repeat:
                lines.append(_REPEAT_TIP)
            if row.serial_perpetrator:
                lines.append(SERIAL_FLAG)
            return "\n".join(lines)
        case Column.PANEL:
            return f"{row.panel_name} ({row.panel_type.label})"
        case Column.REFERRER:
            return row.referring_agency or None
        case Column.RISK:
            return None if row.risk_level is not None else "No risk level recorded"
        case Column.OPEN_ACTIONS:
            return f"{row.open_actions:,} open action{'s' if row.open_actions != 1 else ''}"
    return None
