"""After the demo partnership is written: its accounts, their shared password, and who you are now."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.enums import Role
from cspdesk.services.access.auth import DemoAccount
from cspdesk_gui.dialogs.forms import make_primary, monospace_font

COLUMNS = ("User name", "Name", "Role", "Agency", "Panels")

_Index = QModelIndex | QPersistentModelIndex


class DemoAccountsModel(QAbstractTableModel):
    """The demo accounts, read-only (a short, fixed list: no lazy loading needed)."""

    def __init__(self, accounts: Sequence[DemoAccount], parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        # The administrator first, then by role and name: the order people will try them in.
        order = list(Role)
        ranked = sorted(accounts, key=lambda a: (order.index(a.role), a.username))
        self._rows = [(a.username, a.display_name, a.role.label, a.agency, ", ".join(a.panels)) for a in ranked]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's name
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(COLUMNS):
            return COLUMNS[section]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._rows[index.row()][index.column()]
        return None


class DemoAccountsDialog(QDialog):
    """Lists the demo accounts (user name, role, agency, panels) and the password they share."""

    def __init__(
        self,
        accounts: Sequence[DemoAccount],
        password: str,
        parent: QWidget | None = None,
        *,
        signed_in_as: str = "",
    ) -> None:
        super().__init__(parent)
        self.accounts = list(accounts)
        self.setObjectName("demoAccountsDialog")
        self.setWindowTitle("The demo partnership's accounts")
        self.resize(1000, 600)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(10)
        heading = QLabel("Demo data is ready", self)
        heading.setObjectName("dialogHeading")
        layout.addWidget(heading)
        admin = signed_in_as or next((a.username for a in accounts if a.role is Role.ADMINISTRATOR), "")
        intro = QLabel(
            "Everything in this database is made up. Each demo account below sees what its role and "
            "panels allow; sign out (File → Sign out) and sign in as another to compare. "
            f"You are signed in now as {admin}, the administrator.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        row = QHBoxLayout()
        caption = QLabel("Every demo account's password:", self)
        caption.setObjectName("sectionCaption")
        row.addWidget(caption)
        self.password_label = QLabel(password, self)
        self.password_label.setObjectName("sharedPassword")
        self.password_label.setFont(monospace_font())
        self.password_label.setTextFormat(Qt.TextFormat.PlainText)
        self.password_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.password_label)
        row.addStretch(1)
        layout.addLayout(row)

        self.model = DemoAccountsModel(accounts, self)
        self.table = QTableView(self)
        self.table.setObjectName("demoAccounts")
        self.table.setAccessibleName("Demo accounts")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setHighlightSections(False)
        for column in range(len(COLUMNS) - 1):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(len(COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)

        note = QLabel(
            "The password is the same for every demo account so you can try them all; real accounts "
            "each have their own.",
            self,
        )
        note.setObjectName("mutedText")
        note.setWordWrap(True)
        layout.addWidget(note)

        self.buttons = QDialogButtonBox(self)
        self.continue_button = self.buttons.addButton("Continue", QDialogButtonBox.ButtonRole.AcceptRole)
        make_primary(self.continue_button)
        self.continue_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        layout.addWidget(self.buttons)
        self.continue_button.setFocus()

    def usernames(self) -> list[str]:
        return [self.model.index(r, 0).data() for r in range(self.model.rowCount())]
