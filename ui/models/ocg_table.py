"""The list of organised crime groups, as a lazy table model over ids (as the case and action lists).

A SOCP manages tens of groups, not thousands, but the list is built the same way as every other:
ids filtered and sorted in SQL by :meth:`OcgService.ocg_ids`, rows read a page at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from cspdesk.domain.enums import GroupStatus, RiskLevel
from cspdesk.services.referrals.ocgs import OcgQuery, OcgRow, OcgService
from cspdesk_gui import theme
from cspdesk_gui.formatting import short_date
from cspdesk_gui.models.paged import PENDING, PagedTableModel, pending_cell

_Index = QModelIndex | QPersistentModelIndex

#: The group's id (int).
OcgIdRole = Qt.ItemDataRole.UserRole + 1

_LEVEL_COLOURS = {RiskLevel.HIGH: "danger", RiskLevel.MEDIUM: "caution"}  # cspdesk_gui.theme palette names


class OcgColumn(IntEnum):
    REFERENCE = 0
    NAME = 1
    STATUS = 2
    LEAD = 3
    NOMINALS = 4
    OPEN_ACTIONS = 5
    SCORE = 6

    @property
    def title(self) -> str:
        return _TITLES[self]


_TITLES = {
    OcgColumn.REFERENCE: "Reference",
    OcgColumn.NAME: "Name",
    OcgColumn.STATUS: "Status",
    OcgColumn.LEAD: "Lead officer",
    OcgColumn.NOMINALS: "Nominals",
    OcgColumn.OPEN_ACTIONS: "Open",
    OcgColumn.SCORE: "Threat / harm",
}
_NUMERIC = frozenset({OcgColumn.NOMINALS, OcgColumn.OPEN_ACTIONS})


def score_text(score: int | None, level: RiskLevel | None) -> str:
    """``High (60)``; ``Not scored``."""
    if score is None:
        return "Not scored"
    return f"{level.label} ({score})" if level is not None else str(score)


def status_words(row: OcgRow) -> str:
    if row.status == GroupStatus.ARCHIVED and row.archived_on is not None:
        return f"Archived {short_date(row.archived_on)}"
    return row.status.label


class OcgTableModel(PagedTableModel):
    """Organised crime groups matching an :class:`OcgQuery`, read a page at a time."""

    columns = OcgColumn

    def __init__(self, service: OcgService, query: OcgQuery | None = None, *, page_size: int = 100,
                 max_pages: int = 50, parent=None) -> None:  # noqa: ANN001 - QObject | None
        super().__init__(query or OcgQuery(), page_size=page_size, max_pages=max_pages, parent=parent)
        self._service = service

    def _read_ids(self, query: OcgQuery) -> list[int]:
        return self._service.ocg_ids(query)

    def _read_rows(self, ids: Sequence[int]) -> list:
        return self._service.ocg_rows(ids)

    def ocg_id(self, row: int) -> int:
        return self._ids[row]

    def ocg_row(self, row: int) -> OcgRow | None:
        """The display row (waiting for its page if need be: not from ``data()``)."""
        return self.row_now(row)

    # -- Qt's model interface -------------------------------------------------------------------

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(OcgColumn):
            return None
        column = OcgColumn(section)
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.TextAlignmentRole and column in _NUMERIC:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and column == OcgColumn.OPEN_ACTIONS:
            return "Actions of the group's 4P plan not completed or discontinued"
        if role == Qt.ItemDataRole.ToolTipRole and column == OcgColumn.SCORE:
            return "The latest threat/risk/harm score (harm × likelihood × organisational position, each 1–5)"
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        if role == OcgIdRole:
            return self._id_at(index.row())
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.ForegroundRole,
                        Qt.ItemDataRole.TextAlignmentRole):
            return None
        column = OcgColumn(index.column())
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter) if column in _NUMERIC else None
        row = self._row(index.row())
        if row is None:
            return None
        if row is PENDING:
            return pending_cell(role)
        if role == Qt.ItemDataRole.DisplayRole:
            match column:
                case OcgColumn.REFERENCE:
                    return row.reference
                case OcgColumn.NAME:
                    return row.name
                case OcgColumn.STATUS:
                    return status_words(row)
                case OcgColumn.LEAD:
                    return row.lead_officer or "None named"
                case OcgColumn.NOMINALS:
                    return f"{row.nominals:,}"
                case OcgColumn.OPEN_ACTIONS:
                    return f"{row.open_actions:,}"
                case OcgColumn.SCORE:
                    return score_text(row.score, row.risk_level)
        if role == Qt.ItemDataRole.ToolTipRole:
            match column:
                case OcgColumn.NAME:
                    return row.name
                case OcgColumn.LEAD:
                    return f"{row.lead_officer} ({row.lead_officer_agency})" if row.lead_officer else "No lead officer named"
                case OcgColumn.SCORE:
                    return f"Scored {short_date(row.scored_on)}" if row.scored_on else "No threat/risk/harm score recorded"
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == OcgColumn.SCORE and row.risk_level in _LEVEL_COLOURS:
                return theme.brush(_LEVEL_COLOURS[row.risk_level])
            if (column == OcgColumn.LEAD and not row.lead_officer) or (column == OcgColumn.SCORE and row.score is None):
                return theme.brush("muted")
            if column == OcgColumn.STATUS and row.status == GroupStatus.ARCHIVED:
                return theme.brush("muted")
        return None
