"""My actions: an officer's own agency's open actions, across every panel they sit on.

Made for the keyboard: the list has the focus; ↑/↓ choose an action (Shift or Ctrl for several),
a letter chooses the new status (O Open, G Ongoing, H On hold, C Completed, D Discontinued), the
dialog opens with the cursor in the note (or the reason, where one is needed) and Enter saves.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.enums import ActionStatus
from cspdesk.services.actions.actions import ActionQuery, ActionService
from cspdesk.services.context import OpChanges, Permission, ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk.services.partnership.panels import PanelService
from cspdesk_gui.dialogs.action_status import STATUS_KEYS, ActionStatusDialog
from cspdesk_gui.formatting import count
from cspdesk_gui.models.action_table import ActionColumn, ActionTableModel
from cspdesk_gui.pages.action_detail import ActionDetailPane
from cspdesk_gui.pages.action_tables import (
    ActionsTab,
    first_selected_row,
    make_action_table,
    may_change,
    open_status_dialog,
    reselect,
)
from cspdesk_gui.pages.admin.common import MessageLine
from cspdesk_gui.pages.base import empty_state
from cspdesk_gui.rag import RAG_ORDER
from cspdesk_gui.signals import emit
from cspdesk_gui.widgets.order_reminders import OrderReminders
from cspdesk_gui.widgets.rag_strip import RagStrip
from cspdesk_gui.accessibility import hand_focus_to

#: The columns an officer's list leaves out: the agency is theirs, and the list is not grouped.
_HIDDEN = (ActionColumn.GROUP, ActionColumn.AGENCY, ActionColumn.UPDATED, ActionColumn.NUMBER)

KEYS_HINT = "   ".join(f"{key} {status.label}" for status, key in STATUS_KEYS.items())


class MyActionsView(ActionsTab):
    """The signed-in officer's agency's actions (unfinished unless asked), most urgent first."""

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.service = ActionService(ctx)
        self._panels = PanelService(ctx)
        self.can_update = ctx.actor.can(Permission.UPDATE_ACTIONS)
        self.model = ActionTableModel(self.service, ActionQuery(), parent=self)
        self._no_agency = ""

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(8)

        top = QHBoxLayout()
        top.setSpacing(6)
        self.about_label = QLabel("", self)
        self.about_label.setObjectName("myActionsAbout")
        self.about_label.setWordWrap(True)
        top.addWidget(self.about_label, 1)
        caption = QLabel("&Panel", self)
        self.panel_combo = QComboBox(self)
        self.panel_combo.setObjectName("myPanelFilter")
        self.panel_combo.setAccessibleName("Panel")
        self.panel_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.panel_combo.addItem("All my panels", None)
        caption.setBuddy(self.panel_combo)
        top.addWidget(caption)
        top.addWidget(self.panel_combo)
        self.finished_check = QCheckBox("Sho&w finished too", self)
        self.finished_check.setObjectName("showFinished")
        self.finished_check.setToolTip("List completed and discontinued actions as well")
        top.addWidget(self.finished_check)
        self.print_button = QPushButton("Print my action log…", self)
        self.print_button.setObjectName("printActionLog")
        self.print_button.setShortcut(QKeySequence("Ctrl+P"))
        self.print_button.setToolTip("Print preview of the actions listed (Ctrl+P); print it or save it as PDF")
        self.print_button.clicked.connect(lambda: self.print_log())
        top.addWidget(self.print_button)
        layout.addLayout(top)

        self.order_reminders = OrderReminders(ctx, self)  # issue 19: orders the agency holds, expiring soon
        layout.addWidget(self.order_reminders)
        self.rag_strip = RagStrip(self)
        layout.addWidget(self.rag_strip)

        keys = QHBoxLayout()
        self.keys_label = QLabel(
            f"Select an action and press a letter to change its status — {KEYS_HINT} — type a note, then Enter.",
            self,
        )
        self.keys_label.setObjectName("mutedText")
        self.keys_label.setWordWrap(True)
        self.keys_label.setVisible(self.can_update)
        keys.addWidget(self.keys_label, 1)
        self.message = MessageLine(self)
        keys.addWidget(self.message, 1)
        layout.addLayout(keys)

        self.table = make_action_table(self, self.model, "myActionTable")
        for column in _HIDDEN:
            self.table.setColumnHidden(column, True)
        self.table.setSortingEnabled(False)  # most urgent first, always: the officer's order of work
        self._stack = QStackedWidget(self)
        self._stack.addWidget(self.table)
        self.empty_label = empty_state("", self)
        self._stack.addWidget(self.empty_label)
        self.detail = ActionDetailPane(self.service, self, can_update=self.can_update,
                                       may_change=lambda row: may_change(ctx, row))
        self.detail.status_change_requested.connect(lambda: self.change_status())
        self.detail.changes_made.connect(lambda changes: emit(self.changes_made, changes))
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self._stack)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        splitter.setSizes([400, 220])
        layout.addWidget(splitter, 1)

        self.change_action = QAction("Change status…", self)
        self.change_action.triggered.connect(lambda: self.change_status())
        self.table.status_key_pressed.connect(lambda status: self.change_status(status))
        self.table.activated.connect(lambda _index: self.change_status())
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.panel_combo.currentIndexChanged.connect(self.apply_filters)
        self.finished_check.toggled.connect(self.apply_filters)
        self.model.query_changed.connect(self._query_changed)
        hand_focus_to(self, self.table)  # not setFocusProxy: Tab would skip what comes before it

    # -- loading --------------------------------------------------------------------------------

    def read(self) -> None:
        panel_id = self.panel_combo.currentData()
        self.panel_combo.blockSignals(True)
        try:
            self.panel_combo.clear()
            self.panel_combo.addItem("All my panels", None)
            for panel in self._panels.list_panels():
                self.panel_combo.addItem(panel.name, panel.id)
            self.panel_combo.setCurrentIndex(max(self.panel_combo.findData(panel_id), 0) if panel_id else 0)
        finally:
            self.panel_combo.blockSignals(False)
        self.apply_filters(force=True)
        self.order_reminders.refresh()

    def refresh_in_place(self) -> None:
        if not self.model.is_loaded():
            self.reload()
            return
        self._stale = False
        ids = self.selected_ids()
        old_row = first_selected_row(self.table)
        self.model.refresh()
        reselect(self.table, self.model, ids, old_row)

    def current_query(self) -> ActionQuery | None:
        overrides: dict[str, object] = {"panel_id": self.panel_combo.currentData()}
        if self.finished_check.isChecked():
            overrides["statuses"] = None
        try:
            return self.service.my_actions_query(**overrides)
        except ServiceError as exc:
            self._no_agency = str(exc)
            return None

    def apply_filters(self, *_args: object, force: bool = False) -> None:
        if self._stale and not force:
            return
        query = self.current_query()
        if query is None:
            self.about_label.setText("")
            self.empty_label.setText(self._no_agency)
            self._stack.setCurrentWidget(self.empty_label)
            self.rag_strip.setEnabled(False)
            return
        if force or query != self.model.query or not self.model.is_loaded():
            try:
                self.model.set_query(query)
            except ServiceError as exc:
                self.message.bad(str(exc))

    def _query_changed(self) -> None:
        query = self.model.query
        n = self.model.rowCount()
        agency = self._agency_name()
        what = "actions" if query.statuses is None else "unfinished actions"
        where = self.panel_combo.currentText() if query.panel_id is not None else "the panels you sit on"
        self.about_label.setText(f"The {what} of {agency} on {where}." if agency else "")
        self.table.setColumnHidden(ActionColumn.PANEL, query.panel_id is not None)
        try:
            counts = self.service.rag_counts(query)
            self.rag_strip.set_counts({r: counts[r] for r in RAG_ORDER})
        except ServiceError:
            pass
        self.rag_strip.total_label.setText(count(n, "action"))
        self.detail.setVisible(bool(n))
        if n:
            self._stack.setCurrentWidget(self.table)
            if not self.table.selectionModel().hasSelection():
                self.table.selectRow(0)
        else:
            self.empty_label.setText(
                "Nothing outstanding: your agency has no unfinished actions here.\n\n"
                "Tick “Show finished too” to see completed and discontinued ones."
                if query.statuses is not None else "Your agency has no actions on these panels."
            )
            self._stack.setCurrentWidget(self.empty_label)
        self._selection_changed()

    def _agency_name(self) -> str:
        for r in range(min(self.model.rowCount(), 1)):
            row = self.model.action_row(r)
            if row is not None and row.owner_agency:
                return row.owner_agency
        return ""

    def print_log(self):  # noqa: ANN201 - PreviewDialog | None
        """The print preview of this officer's action log: the actions listed, as listed."""
        from cspdesk_gui.printing.preview import open_preview
        from cspdesk_gui.printing.sources import tracker_choice

        query = self.current_query()
        if query is None:
            self.message.bad(self._no_agency)
            return None
        where = self.panel_combo.currentText() if query.panel_id is not None else "all my panels"
        title = f"Action log: {self._agency_name() or 'my agency'}, {where}"
        dialog = open_preview(self.window(), choice=tracker_choice(self._ctx, query, title))
        emit(self.preview_opened, dialog)
        return dialog

    # -- selection and changes --------------------------------------------------------------------

    def selected_ids(self) -> list[int]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.model.action_id(r) for r in rows]

    def _selection_changed(self, *_args: object) -> None:
        ids = self.selected_ids()
        if len(ids) == 1:
            if self.detail.action_id() != ids[0]:
                self.detail.show_action(ids[0])
        elif not ids:
            self.detail.clear()

    def change_status(self, status: object = None) -> ActionStatusDialog | None:
        if not self.can_update:
            return None
        ids = self.selected_ids()
        if not ids:
            self.message.bad("Select an action first (↑ ↓).")
            return None
        return open_status_dialog(
            self, self.service, ids, self.model, ActionStatus(status) if status else None, self._saved,
            self.status_dialog_opened, today=self._ctx.today(),
        )

    def _saved(self, ids: list[int], changes: OpChanges, text: str) -> None:
        self.message.good(text)
        emit(self.changes_made, changes)  # the window hands it back: the list is read again in place
        self.table.setFocus()
