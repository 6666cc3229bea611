"""User accounts for administrators: who they are, their role, agency, panels and whether they can sign in.

A partnership has tens of accounts, not thousands, so the rows are held whole;
:meth:`AccountTableModel.set_rows` replaces them after :meth:`AccountService.list_accounts` was read
again, and sorting happens here in Python.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import IntEnum, StrEnum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from cspdesk.domain.enums import Role
from cspdesk.services.access.accounts import AccountRow
from cspdesk_gui import theme
from cspdesk_gui.signals import emit

_Index = QModelIndex | QPersistentModelIndex

#: The account's id (int).
AccountIdRole = Qt.ItemDataRole.UserRole + 1
#: The account's :class:`AccountStatus` (as its str value: Qt hands StrEnums through as plain str).
StatusRole = Qt.ItemDataRole.UserRole + 2


#: What the Panels column says for administrators: their role sees every panel, whatever their memberships.
ALL_PANELS = "All panels"


class AccountStatus(StrEnum):
    ACTIVE = "Active"
    DISABLED = "Disabled"
    LOCKED = "Locked"
    MUST_CHANGE_PASSWORD = "Must change password"

    @property
    def label(self) -> str:
        return self.value

    @property
    def explanation(self) -> str:
        return _STATUS_TIPS[self]


_STATUS_TIPS = {
    AccountStatus.ACTIVE: "Can sign in.",
    AccountStatus.DISABLED: "Cannot sign in. Resetting the password enables the account again.",
    AccountStatus.LOCKED: "Locked after too many wrong passwords. Resetting the password unlocks it.",
    AccountStatus.MUST_CHANGE_PASSWORD: "Has a temporary password, to be changed at the next sign-in.",
}


def account_status(row: AccountRow) -> AccountStatus:
    """The one status that matters most: disabled, then locked, then a temporary password."""
    if not row.is_active:
        return AccountStatus.DISABLED
    if row.locked:
        return AccountStatus.LOCKED
    if row.must_change_password:
        return AccountStatus.MUST_CHANGE_PASSWORD
    return AccountStatus.ACTIVE


class AccountColumn(IntEnum):
    USERNAME = 0
    NAME = 1
    ROLE = 2
    AGENCY = 3
    PANELS = 4
    STATUS = 5

    @property
    def title(self) -> str:
        return _TITLES[self]


_TITLES = {
    AccountColumn.USERNAME: "User name",
    AccountColumn.NAME: "Name",
    AccountColumn.ROLE: "Role",
    AccountColumn.AGENCY: "Agency",
    AccountColumn.PANELS: "Panels",
    AccountColumn.STATUS: "Status",
}

_HEADER_TIPS = {
    AccountColumn.USERNAME: "What they type to sign in",
    AccountColumn.PANELS: "The panels whose cases they can see (administrators see every panel)",
    AccountColumn.STATUS: "Whether they can sign in now",
}

_ROLE_ORDER = {role: n for n, role in enumerate(Role)}
_STATUS_ORDER = {status: n for n, status in enumerate(AccountStatus)}


class AccountTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:  # noqa: ANN001 - QObject | None
        super().__init__(parent)
        self._rows: list[AccountRow] = []
        self._panel_names: dict[int, str] = {}
        self._sort: tuple[int, Qt.SortOrder] | None = None

    def set_rows(self, rows: Sequence[AccountRow], panel_names: Mapping[int, str]) -> None:
        """Replace every row. ``panel_names``: panel id -> name, for the Panels column."""
        self.beginResetModel()
        self._rows = list(rows)
        self._panel_names = dict(panel_names)
        if self._sort is not None:
            self._rows.sort(key=self._sort_key(self._sort[0]), reverse=self._sort[1] == Qt.SortOrder.DescendingOrder)
        self.endResetModel()

    def account(self, row: int) -> AccountRow:
        return self._rows[row]

    def row_of(self, account_id: int) -> int | None:
        return next((n for n, r in enumerate(self._rows) if r.id == account_id), None)

    def panels_text(self, row: AccountRow) -> str:
        if row.role is Role.ADMINISTRATOR:
            return ALL_PANELS
        names = sorted(self._panel_names.get(pid, f"Panel {pid}") for pid in row.panel_ids)
        return ", ".join(names) if names else "None"

    # -- Qt's model interface -------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's name
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(AccountColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(AccountColumn):
            return None
        column = AccountColumn(section)
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return _HEADER_TIPS.get(column)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = AccountColumn(index.column())
        if role == AccountIdRole:
            return row.id
        if role == StatusRole:
            return account_status(row)
        if role == Qt.ItemDataRole.DisplayRole:
            return self._display(row, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == AccountColumn.STATUS:
                return account_status(row).explanation
            if column in (AccountColumn.PANELS, AccountColumn.AGENCY, AccountColumn.NAME):
                return self._display(row, column) or None
            return None
        if role == Qt.ItemDataRole.ForegroundRole:
            status = account_status(row)
            if status is AccountStatus.DISABLED:
                return theme.brush("muted")
            if column == AccountColumn.STATUS and status is AccountStatus.LOCKED:
                return theme.brush("danger")
            if column == AccountColumn.STATUS and status is AccountStatus.MUST_CHANGE_PASSWORD:
                return theme.brush("caution")
            if column == AccountColumn.AGENCY and not row.agency:
                return theme.brush("muted")
            return None
        return None

    def _display(self, row: AccountRow, column: AccountColumn) -> str:
        match column:
            case AccountColumn.USERNAME:
                return row.username
            case AccountColumn.NAME:
                return row.display_name
            case AccountColumn.ROLE:
                return row.role.label
            case AccountColumn.AGENCY:
                return row.agency or "None"
            case AccountColumn.PANELS:
                return self.panels_text(row)
            case AccountColumn.STATUS:
                return account_status(row).label
        raise AssertionError(column)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(AccountColumn):
            return
        self._sort = (column, order)
        # The view's selection (persistent indexes) must follow its rows to their new places.
        emit(self.layoutAboutToBeChanged)
        ids_before = [r.id for r in self._rows]
        self._rows.sort(key=self._sort_key(column), reverse=order == Qt.SortOrder.DescendingOrder)
        row_after = {r.id: n for n, r in enumerate(self._rows)}
        moved_from = self.persistentIndexList()
        moved_to = [self.index(row_after[ids_before[i.row()]], i.column()) for i in moved_from]
        self.changePersistentIndexList(moved_from, moved_to)
        emit(self.layoutChanged)

    def _sort_key(self, column: int):
        match AccountColumn(column):
            case AccountColumn.ROLE:
                return lambda r: (_ROLE_ORDER[r.role], r.username)
            case AccountColumn.STATUS:
                return lambda r: (_STATUS_ORDER[account_status(r)], r.username)
            case AccountColumn.PANELS:
                return lambda r: (self.panels_text(r).casefold(), r.username)
        return lambda r: (self._display(r, AccountColumn(column)).casefold(), r.username)
