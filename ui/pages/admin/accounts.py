"""The Accounts tab: who may sign in, with what role, for which agency and panels."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QWidget,
)

from cspdesk.services.access.accounts import AccountRow, AccountService
from cspdesk.services.context import OpResult, ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk.services.partnership.panels import PanelService
from cspdesk_gui.formatting import count
from cspdesk_gui.models.account_table import AccountColumn, AccountStatus, AccountTableModel, account_status
from cspdesk_gui.pages.admin import common
from cspdesk_gui.pages.admin.account_dialogs import AccountDialog, ResetPasswordDialog
from cspdesk_gui.pages.admin.common import MessageLine
from cspdesk_gui.pages.admin.tab import AdminTab
from cspdesk_gui.pages.base import empty_state
from cspdesk_gui.signals import emit
from cspdesk_gui.accessibility import hand_focus_to

#: Column widths come from the widest text each usually holds; Panels takes the rest.
_SAMPLE_TEXT = {
    AccountColumn.USERNAME: "officer.housing",
    AccountColumn.NAME: "Kwabena Oduya",
    AccountColumn.ROLE: "Administrator",
    AccountColumn.AGENCY: "Maidstone Borough Council",
    AccountColumn.STATUS: "Must change password",
}
_CELL_ROOM = 32


class AccountsTab(AdminTab):
    tab_label = "A&ccounts"

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self._service = AccountService(ctx)
        self._panels = PanelService(ctx)
        self._panel_choices: list[tuple[int, str]] = []
        self.model = AccountTableModel(self)

        self.tab_layout.addWidget(self.hint(
            "The people who can sign in to this database. Open an account (double-click, or Enter) to edit it."
        ))

        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        self.add_button = QPushButton("&Add account…", self)
        self.add_button.setObjectName("primaryButton")
        self.add_button.clicked.connect(self.add_account)
        self.edit_button = QPushButton("&Edit…", self)
        self.edit_button.clicked.connect(self.edit_account)
        self.reset_button = QPushButton("Reset &password…", self)
        self.reset_button.setToolTip("A new temporary password; also unlocks the account, and enables it if disabled")
        self.reset_button.clicked.connect(self.reset_password)
        self.disable_button = QPushButton("&Disable…", self)
        self.disable_button.setToolTip("The account can no longer sign in. Its history stays.")
        self.disable_button.clicked.connect(self.disable_account)
        for button in (self.add_button, self.edit_button, self.reset_button, self.disable_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("countLabel")
        buttons.addWidget(self.count_label)
        self.tab_layout.addLayout(buttons)

        self.table = QTableView(self)
        self.table.setObjectName("accountTable")
        self.table.setAccessibleName("Accounts")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table for the next control
        vertical = self.table.verticalHeader()
        vertical.hide()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.table.fontMetrics().height() + 12)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(AccountColumn.PANELS, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        metrics = self.table.fontMetrics()
        for column, sample in _SAMPLE_TEXT.items():
            header.resizeSection(column, metrics.horizontalAdvance(sample) + _CELL_ROOM)
        header.setSortIndicator(AccountColumn.USERNAME, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.activated.connect(self._activated)
        self.table.selectionModel().currentRowChanged.connect(self._update_buttons)
        # Delete on an account asks to disable it, as the button does.
        delete = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.table)
        delete.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete.activated.connect(self.disable_account)

        self._stack = QStackedWidget(self)
        self._stack.addWidget(self.table)
        self.empty_label = empty_state("There are no accounts yet. Add one with Add account.", self)
        self._stack.addWidget(self.empty_label)
        self.tab_layout.addWidget(self._stack, 1)

        self.message = MessageLine(self)
        self.tab_layout.addWidget(self.message)

        self.setTabOrder(self.add_button, self.edit_button)
        self.setTabOrder(self.edit_button, self.reset_button)
        self.setTabOrder(self.reset_button, self.disable_button)
        self.setTabOrder(self.disable_button, self.table)
        hand_focus_to(self, self.table)  # not setFocusProxy: Tab would skip what comes before it
        self._update_buttons()

    # -- loading --------------------------------------------------------------------------------

    def reload(self) -> None:
        chosen = self.current_account()
        self._panel_choices = [(p.id, p.name) for p in self._panels.list_panels()]
        rows = self._service.list_accounts()
        self.model.set_rows(rows, dict(self._panel_choices))
        self._stack.setCurrentWidget(self.table if rows else self.empty_label)
        disabled = sum(1 for r in rows if account_status(r) is AccountStatus.DISABLED)
        locked = sum(1 for r in rows if account_status(r) is AccountStatus.LOCKED)
        parts = [count(len(rows), "account")]
        if locked:
            parts.append(f"{locked:,} locked")
        if disabled:
            parts.append(f"{disabled:,} disabled")
        self.count_label.setText(", ".join(parts))
        self.select_account(chosen.id if chosen is not None else None)

    def current_account(self) -> AccountRow | None:
        index = self.table.currentIndex()
        if not index.isValid() or not self.table.selectionModel().isRowSelected(index.row(), QModelIndex()):
            return None
        return self.model.account(index.row())

    def select_account(self, account_id: int | None) -> None:
        row = self.model.row_of(account_id) if account_id is not None else None
        if row is None:
            row = 0 if self.model.rowCount() else None
        if row is None:
            self._update_buttons()
            return
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(self.model.index(row, 0))
        self._update_buttons()

    def _update_buttons(self, *_args: object) -> None:
        account = self.current_account()
        for button in (self.edit_button, self.reset_button):
            button.setEnabled(account is not None)
        self.disable_button.setEnabled(account is not None and account.is_active)
        if account is not None and not account.is_active:
            self.disable_button.setToolTip("This account is already disabled. Reset its password to enable it again.")
        else:
            self.disable_button.setToolTip("The account can no longer sign in. Its history stays.")

    # -- actions --------------------------------------------------------------------------------

    def _finished(self, result: OpResult[AccountRow], message: str) -> None:
        self.message.good(message)
        self.refresh()
        self.select_account(result.value.id)
        emit(self.changes_made, result.changes)

    def add_account(self) -> OpResult[AccountRow] | None:
        dialog = AccountDialog(self._service, panels=self._panel_choices, agencies=self._agencies(), parent=self)
        result = self._run(dialog)
        if result is not None:
            self._finished(result, f"Added {result.value.username}. They must change the temporary password "
                                   "when they first sign in.")
        return result

    def edit_account(self) -> OpResult[AccountRow] | None:
        account = self.current_account()
        if account is None:
            return None
        dialog = AccountDialog(self._service, panels=self._panel_choices, agencies=self._agencies(),
                               account=account, parent=self)
        result = self._run(dialog)
        if result is not None:
            self._finished(result, f"Saved {result.value.username}.")
        return result

    def reset_password(self) -> OpResult[AccountRow] | None:
        account = self.current_account()
        if account is None:
            return None
        result = self._run(ResetPasswordDialog(self._service, account, self))
        if result is not None:
            self._finished(result, f"{result.value.username} has a new temporary password, to be changed when "
                                   "they next sign in." + self._key_note())
        return result

    def disable_account(self) -> OpResult[AccountRow] | None:
        account = self.current_account()
        if account is None or not account.is_active:
            return None
        # Disabling yourself is refused by the service; asking first would only lead to its refusal.
        if account.id != self._ctx.actor.user_id and not common.confirm(
            self,
            "Disable account",
            f"Disable {account.display_name} ({account.username})?",
            "Disable account",
            informative="They will not be able to sign in. What they recorded stays, with their name on it. "
                        "Resetting the password enables the account again.",
        ):
            return None
        try:
            result = self._service.disable_account(account.id)
        except ServiceError as exc:
            self.message.bad(str(exc))
            return None
        self._finished(result, f"Disabled {result.value.username}. They can no longer sign in." + self._key_note())
        return result

    def _key_note(self) -> str:
        """What the re-key after a disable or a reset means, said after it (files only)."""
        rekey = self._service.last_rekey
        if rekey is None:
            return ""
        note = " The database has a new key, so no old copy of the keyring opens it."
        if rekey.new_recovery_key:
            note += f" New recovery key (write it down now; it is not shown again): {rekey.new_recovery_key}"
        return note

    def _agencies(self) -> list[tuple[int, str]]:
        try:
            return self._service.agencies()
        except ServiceError:
            return []

    def _run(self, dialog: QDialog) -> OpResult[AccountRow] | None:
        self.message.clear_message()
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return None
            return dialog.result_value  # type: ignore[attr-defined]
        finally:
            dialog.deleteLater()

    def _activated(self, _index: QModelIndex) -> None:
        self.edit_account()
