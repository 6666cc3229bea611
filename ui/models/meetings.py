"""Item models for meetings: the list of a panel's meetings, an agenda (with clocks in meeting
mode, and drag-to-reorder in the agenda editor), attendance, and actions.

A panel holds tens of meetings a year and an agenda tens of items, so these hold their rows whole;
each is refilled from the service's frozen rows (``set_rows``) after a change.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from enum import IntEnum

from PySide6.QtCore import QAbstractTableModel, QByteArray, QMimeData, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont

from cspdesk.domain.enums import ActionStatus, AgendaItemKind, AttendanceStatus, MeetingStatus
from cspdesk.services.meetings.meetings import ActionRow, AgendaEntry, AttendanceRow, MeetingRow
from cspdesk_gui import theme
from cspdesk_gui.formatting import short_date, short_datetime
from cspdesk_gui.signals import emit

_Index = QModelIndex | QPersistentModelIndex
#: The row's id (meeting, agenda item, attendance line or action).
IdRole = Qt.ItemDataRole.UserRole + 1

_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_AGENDA_MIME = "application/x-cspdesk-agenda-item"


_FONTS: dict[str, QFont] = {}


def _font(style: str) -> QFont:
    """One font per style ("bold", or "struck" for the date of a cancelled meeting) for every cell
    that needs it (views ask for it on every paint)."""
    font = _FONTS.get(style)
    if font is None:
        font = _FONTS[style] = QFont()
        font.setBold(style == "bold")
        font.setStrikeOut(style == "struck")
    return font


def _bold() -> QFont:
    return _font("bold")


class _RowsModel(QAbstractTableModel):
    """Rows held whole; subclasses say the columns and what each cell shows."""

    headers: tuple[str, ...] = ()

    def __init__(self, parent=None) -> None:  # noqa: ANN001 - QObject | None
        super().__init__(parent)
        self._rows: list = []

    def set_rows(self, rows: Sequence) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rows(self) -> list:
        return list(self._rows)

    def row_at(self, row: int):
        return self._rows[row]

    def row_of(self, row_id: int) -> int:
        for n, r in enumerate(self._rows):
            if r.id == row_id:
                return n
        return -1

    def replace(self, new) -> None:  # noqa: ANN001
        """One row changed (same id): repaint only it."""
        n = self.row_of(new.id)
        if n < 0:
            return
        self._rows[n] = new
        emit(self.dataChanged, self.index(n, 0), self.index(n, self.columnCount() - 1))

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's name
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.headers)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.headers):
            return self.headers[section]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if role == IdRole:
            return row.id
        return self.cell(row, index.column(), role)

    def cell(self, row, column: int, role: int):  # noqa: ANN001
        raise NotImplementedError


# -- meetings ----------------------------------------------------------------------------------------


class MeetingColumn(IntEnum):
    DATE = 0
    PANEL = 1
    STATUS = 2
    CASES = 3
    VENUE = 4


class MeetingListModel(_RowsModel):
    headers = ("Date", "Panel", "Status", "Cases", "Venue")

    def cell(self, row: MeetingRow, column: int, role: int):
        col = MeetingColumn(column)
        if role == Qt.ItemDataRole.DisplayRole:
            match col:
                case MeetingColumn.DATE:
                    return short_datetime(row.starts_at)
                case MeetingColumn.PANEL:
                    return row.panel_name
                case MeetingColumn.STATUS:
                    return f"{row.status.label} (checked out)" if row.checked_out_by else row.status.label
                case MeetingColumn.CASES:
                    return f"{row.cases:,}"
                case MeetingColumn.VENUE:
                    return row.venue
        if role == Qt.ItemDataRole.TextAlignmentRole and col is MeetingColumn.CASES:
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and col is MeetingColumn.STATUS:
            if row.status is MeetingStatus.IN_PROGRESS:
                return theme.brush("danger")
            if row.status is MeetingStatus.FINALISED:
                return theme.brush("muted")
        if role == Qt.ItemDataRole.ForegroundRole and row.status is MeetingStatus.CANCELLED:
            return theme.brush("muted")  # the whole row: it never took place
        if role == Qt.ItemDataRole.FontRole and row.status is MeetingStatus.CANCELLED and col is MeetingColumn.DATE:
            return _font("struck")
        if role == Qt.ItemDataRole.ToolTipRole and (row.status is MeetingStatus.CANCELLED or row.checked_out_by):
            return row.status_text
        if role == Qt.ItemDataRole.ToolTipRole and col is MeetingColumn.VENUE and row.venue:
            return row.venue
        return None


# -- the agenda --------------------------------------------------------------------------------------


class AgendaColumn(IntEnum):
    SLOT = 0
    ITEM = 1
    LISTING = 2
    MINUTES = 3
    CLOCK = 4


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


#: The roles the agenda answers; views ask for a dozen others on every paint.
_AGENDA_ROLES = frozenset({
    Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.ForegroundRole,
    Qt.ItemDataRole.FontRole, Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.AccessibleTextRole,
})


class AgendaModel(_RowsModel):
    """An agenda in order. In the editor rows can be dragged (``order_dropped`` says the order
    asked for; the page asks the service, then refills). In meeting mode ``CLOCK`` shows each item's
    time against its allowance, red when over; :meth:`tick` repaints the current item's clock."""

    headers = ("Time", "Item", "Listing", "Min", "Clock")

    #: The agenda was dragged into this order: the item ids.
    order_dropped = Signal(list)

    def __init__(self, parent=None, *, draggable: bool = False,  # noqa: ANN001
                 now: Callable[[], datetime] | None = None) -> None:
        super().__init__(parent)
        self._draggable = draggable
        self._now = now or datetime.now
        self.current_id: int | None = None
        #: Meeting mode's narrow side list shows names; the editor shows references too.
        self.short_labels = False

    def set_current(self, item_id: int | None) -> None:
        old, self.current_id = self.current_id, item_id
        for rid in (old, item_id):
            n = self.row_of(rid) if rid is not None else -1
            if n >= 0:
                emit(self.dataChanged, self.index(n, 0), self.index(n, len(self.headers) - 1))

    def tick(self) -> None:
        if self.current_id is None:
            return
        n = self.row_of(self.current_id)
        if n >= 0:
            emit(self.dataChanged, self.index(n, AgendaColumn.CLOCK), self.index(n, AgendaColumn.CLOCK))

    def elapsed(self, entry: AgendaEntry) -> float | None:
        """Seconds spent on the item: running for the current one, fixed for those finished."""
        if entry.started_at is None:
            return None
        end = entry.ended_at if entry.ended_at is not None and entry.id != self.current_id else self._now()
        return (end - entry.started_at).total_seconds()

    def is_over(self, entry: AgendaEntry) -> bool:
        spent = self.elapsed(entry)
        return spent is not None and spent > entry.minutes_allowed * 60

    def cell(self, row: AgendaEntry, column: int, role: int):
        if role not in _AGENDA_ROLES:
            return None
        col = AgendaColumn(column)
        if role == Qt.ItemDataRole.DisplayRole:
            match col:
                case AgendaColumn.SLOT:
                    return f"{row.slot_start:%H:%M}"
                case AgendaColumn.ITEM:
                    return row.short_label if self.short_labels else row.label
                case AgendaColumn.LISTING:
                    return row.listing.label if row.listing is not None else ""
                case AgendaColumn.MINUTES:
                    return str(row.minutes_allowed)
                case AgendaColumn.CLOCK:
                    spent = self.elapsed(row)
                    allowed = f"{row.minutes_allowed}:00"
                    if spent is None:
                        return allowed
                    return f"{_clock(spent)} / {allowed}"
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = f"{row.slot_start:%H:%M}–{row.slot_end:%H:%M}  {row.label}"
            if row.kind is AgendaItemKind.CASE:
                extra = [row.listing.label if row.listing else "", f"referred by {row.referring_agency}"
                         if row.referring_agency else "", f"risk {row.risk_level.label.lower()}" if row.risk_level else ""]
                tip += "\n" + ", ".join(e for e in extra if e)
            if self.is_over(row):
                tip += f"\nOver time (allowed {row.minutes_allowed} minutes)"
            return tip
        if role == Qt.ItemDataRole.ForegroundRole:
            if col is AgendaColumn.CLOCK and row.started_at is not None and self.is_over(row):
                return theme.brush("danger")
            if row.kind is not AgendaItemKind.CASE and col is not AgendaColumn.ITEM:
                return theme.brush("muted")
            if col is AgendaColumn.CLOCK and row.started_at is None:
                return theme.brush("muted")
        if role == Qt.ItemDataRole.FontRole:
            if row.id == self.current_id:
                return _bold()
            if col is AgendaColumn.CLOCK and row.started_at is not None and self.is_over(row):
                return _bold()
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (AgendaColumn.MINUTES, AgendaColumn.CLOCK):
            return _RIGHT
        if role == Qt.ItemDataRole.AccessibleTextRole and col is AgendaColumn.CLOCK and self.is_over(row):
            return f"{self.cell(row, column, Qt.ItemDataRole.DisplayRole)}, over time"
        return None

    # -- drag and drop (the agenda editor) --

    def flags(self, index: _Index) -> Qt.ItemFlag:
        base = super().flags(index)
        if not self._draggable:
            return base
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        return base | Qt.ItemFlag.ItemIsDragEnabled

    def supportedDropActions(self) -> Qt.DropAction:  # noqa: N802
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:  # noqa: N802
        return [_AGENDA_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:  # noqa: N802
        rows = sorted({i.row() for i in indexes if i.isValid()})
        data = QMimeData()
        data.setData(_AGENDA_MIME, QByteArray(",".join(str(self._rows[r].id) for r in rows).encode()))
        return data

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,  # noqa: N802
                        parent: _Index) -> bool:
        return self._draggable and data.hasFormat(_AGENDA_MIME)

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,  # noqa: N802
                     parent: _Index) -> bool:
        if not self.canDropMimeData(data, action, row, column, parent):
            return False
        moved = [int(x) for x in bytes(data.data(_AGENDA_MIME).data()).decode().split(",") if x]
        if row < 0:
            row = parent.row() if parent.isValid() else len(self._rows)
        ids = [r.id for r in self._rows]
        before = ids[:row]
        after = ids[row:]
        order = [i for i in before if i not in moved] + moved + [i for i in after if i not in moved]
        if order != ids:
            emit(self.order_dropped, order)
        # The service reorders and the page refills the model: nothing for the view to remove.
        return False


# -- attendance --------------------------------------------------------------------------------------


class AttendanceColumn(IntEnum):
    AGENCY = 0
    NAME = 1
    STATUS = 2
    INFORMATION = 3
    SIGNED = 4


class AttendanceModel(_RowsModel):
    """Who came. With ``names_editable`` the Name cells can be edited: the model changes nothing
    itself but emits ``name_edited(row, name)`` for its owner to save (and ``replace_at``)."""

    # Two-line headers: the yes/no columns need no more width than their words' longer halves, so
    # the agency and the name typed keep room in a narrow grid.
    headers = ("Agency", "Name", "Attendance", "Information\nsent", "Statement\nsigned")
    #: A Name cell was edited: the row and the name typed (stripped).
    name_edited = Signal(int, str)

    def __init__(self, parent=None) -> None:  # noqa: ANN001 - QObject | None
        super().__init__(parent)
        self.names_editable = False

    def flags(self, index: _Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if self.names_editable and index.isValid() and index.column() == AttendanceColumn.NAME:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: _Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: ANN001, N802
        if (role != Qt.ItemDataRole.EditRole or not index.isValid() or index.column() != AttendanceColumn.NAME
                or not self.names_editable or not 0 <= index.row() < len(self._rows)):
            return False
        name = str(value or "").strip()
        if name == self._rows[index.row()].name:
            return False
        emit(self.name_edited, index.row(), name)
        return True

    def row_of_agency(self, agency_id: int) -> int:
        for n, r in enumerate(self._rows):
            if r.agency_id == agency_id and not r.is_observer:
                return n
        return -1

    def replace_at(self, n: int, new: AttendanceRow) -> None:
        self._rows[n] = new
        emit(self.dataChanged, self.index(n, 0), self.index(n, self.columnCount() - 1))

    def cell(self, row: AttendanceRow, column: int, role: int):
        col = AttendanceColumn(column)
        if role == Qt.ItemDataRole.DisplayRole:
            match col:
                case AttendanceColumn.AGENCY:
                    return row.agency or ("Observer" if row.is_observer else "")
                case AttendanceColumn.NAME:
                    return row.name + ("  (observer)" if row.is_observer else "")
                case AttendanceColumn.STATUS:
                    return row.status.label if row.id is not None else "Not recorded"
                case AttendanceColumn.INFORMATION:
                    return "Yes" if row.information_sent else ("No" if row.status is AttendanceStatus.APOLOGIES else "")
                case AttendanceColumn.SIGNED:
                    return "Yes" if row.confidentiality_signed else "No"
        if role == Qt.ItemDataRole.ForegroundRole:
            if row.id is None:
                return theme.brush("muted")
            if col is AttendanceColumn.STATUS and row.is_core and row.status is not AttendanceStatus.PRESENT:
                return theme.brush("danger")
            if col is AttendanceColumn.STATUS and row.status is AttendanceStatus.PRESENT:
                return theme.brush("accentText")
            if row.id is None:
                return theme.brush("muted")
        if role == Qt.ItemDataRole.EditRole and col is AttendanceColumn.NAME:
            return row.name
        if role == Qt.ItemDataRole.ToolTipRole and col is AttendanceColumn.AGENCY and row.is_core:
            return f"{row.agency}: a core agency of this panel"
        if role == Qt.ItemDataRole.ToolTipRole and col in (AttendanceColumn.AGENCY, AttendanceColumn.NAME):
            return (row.agency if col is AttendanceColumn.AGENCY else row.name) or None  # when elided
        return None


# -- actions -----------------------------------------------------------------------------------------


class ActionColumn(IntEnum):
    AGENCY = 0
    OWNER = 1
    ACTION = 2
    DUE = 3
    STATUS = 4


class ActionListModel(_RowsModel):
    headers = ("Agency", "Owner", "Action", "Due", "Status")

    def __init__(self, parent=None, *, today: Callable[[], object] | None = None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self._today = today

    def cell(self, row: ActionRow, column: int, role: int):
        col = ActionColumn(column)
        if role == Qt.ItemDataRole.DisplayRole:
            match col:
                case ActionColumn.AGENCY:
                    return row.agency
                case ActionColumn.OWNER:
                    return row.owner
                case ActionColumn.ACTION:
                    return row.text
                case ActionColumn.DUE:
                    return short_date(row.due_date)
                case ActionColumn.STATUS:
                    if row.status_reason:
                        return f"{row.status.label}: {row.status_reason}"
                    return row.status.label
        if role == Qt.ItemDataRole.ToolTipRole and col in (ActionColumn.ACTION, ActionColumn.STATUS):
            agreed = f"\nAgreed {short_date(row.agreed_on)}" if row.agreed_on else ""
            return f"{row.text}{agreed}"
        if role == Qt.ItemDataRole.ForegroundRole and col is ActionColumn.STATUS:
            if row.status in (ActionStatus.COMPLETED, ActionStatus.DISCONTINUED):
                return theme.brush("accentText")
            if self._today is not None and row.due_date is not None and row.due_date < self._today():
                return theme.brush("danger")
        if role == Qt.ItemDataRole.FontRole and col is ActionColumn.STATUS and row.status is ActionStatus.COMPLETED:
            return _bold()
        return None


# -- suggestions -------------------------------------------------------------------------------------


class SuggestionModel(_RowsModel):
    """Cases the coordinator may want on the agenda: review date come, or 12 months lapsed."""

    headers = ("Case", "Subject", "Why")

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if role == IdRole and index.isValid() and 0 <= index.row() < len(self._rows):
            return self._rows[index.row()].case_id
        return super().data(index, role)

    def cell(self, row, column: int, role: int):  # noqa: ANN001
        if role == Qt.ItemDataRole.DisplayRole:
            return (row.reference, row.subject, row.why)[column]
        if role == Qt.ItemDataRole.ToolTipRole and column == 2:
            return row.why
        return None
