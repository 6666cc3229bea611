"""The Actions section's Tracker tab: all actions of a panel (or of every panel the user sits on),
filtered (:mod:`cspdesk_gui.pages.tracker_filters`), grouped and counted, with the detail of the one selected
below, status changes, import, export and printing.

The tracker filters, sorts and groups in SQL through :class:`ActionService`; the list is the lazy
:class:`ActionTableModel`. Changes (status, notes, imports) come back as OpChanges and go to the
window, which hands them to every page.
"""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.enums import ActionStatus, Role
from cspdesk.services.actions.actions import ActionGroupBy, ActionQuery, ActionService
from cspdesk.services.referrals.cases import CaseService
from cspdesk.services.context import OpChanges, Permission, ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk.services.partnership.panels import PanelService
from cspdesk_gui.operations import OnDatabaseThread, run_op
from cspdesk_gui.dialogs.action_status import ActionStatusDialog
from cspdesk_gui.formatting import count
from cspdesk_gui.models.action_table import (
    ActionColumn,
    ActionTableModel,
    column_for_sort,
)
from cspdesk_gui.pages.action_detail import ActionDetailPane
from cspdesk_gui.pages.action_tables import (
    CELL_ROOM,
    SAMPLE_TEXT,
    ActionsTab,
    first_selected_row,
    make_action_table,
    may_change,
    open_status_dialog,
    refusal,
    reselect,
    select_action_ids,
)
from cspdesk_gui.pages.tracker_filters import STATUS_FILTERS, TYPING_DEBOUNCE_MS, TrackerFilters
from cspdesk_gui.pages.admin.common import MessageLine
from cspdesk_gui.pages.base import empty_state
from cspdesk_gui.rag import RAG_ORDER
from cspdesk_gui.signals import emit
from cspdesk_gui.widgets.rag_strip import RagStrip
from cspdesk_gui.accessibility import hand_focus_to


#: Hidden until chosen from the header's menu. The number is shown in front of the action's text
#: (the column is there to sort by); the panel is in the detail pane.
HIDDEN_BY_DEFAULT = frozenset({ActionColumn.UPDATED, ActionColumn.NUMBER, ActionColumn.PANEL})



class TrackerView(TrackerFilters, ActionsTab):
    """All actions of a panel (or of every panel the user sits on), filtered, grouped and counted."""

    #: An export was written: its path.
    exported = Signal(str)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.service = ActionService(ctx)  # the list's model reads through it (in data(): directly)
        #: The same service with every call on the database thread, for everything else.
        self.reads = OnDatabaseThread(self.service)
        self._panels = OnDatabaseThread(PanelService(ctx))  # calls run on the database thread
        self._cases = OnDatabaseThread(CaseService(ctx))
        self.can_update = ctx.actor.can(Permission.UPDATE_ACTIONS)
        self._case_id: int | None = None
        self._case_text = ""
        self._exporting = False
        self._sized_for = ActionGroupBy.NONE
        self._panels_read = False
        self._pending_panel_id: int | None = None
        self._plan_panels: set[int] = set()
        self.model = ActionTableModel(self.service, ActionQuery(statuses=STATUS_FILTERS[0][1]), parent=self)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 8, 0, 0)
        layout.setSpacing(8)

        self._build_filter_bar(layout)

        # -- the RAG strip and the actions on the selection ---------------------------------------
        strip_row = QHBoxLayout()
        self.rag_strip = RagStrip(self)
        strip_row.addWidget(self.rag_strip, 1)
        layout.addLayout(strip_row)

        tools = QHBoxLayout()
        tools.setSpacing(6)
        self.change_button = QPushButton("Change status…", self)
        self.change_button.setObjectName("changeStatus")
        self.change_button.setToolTip(
            "Change the status of the selected actions, with one note (Ctrl+Shift+S; or press O Open, "
            "G Ongoing, H On hold, C Completed, D Discontinued in the list)"
        )
        self.change_button.clicked.connect(lambda: self.change_status())
        self.change_button.setVisible(self.can_update)
        self.change_action = QAction("Change status…", self)
        self.change_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.change_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.change_action.triggered.connect(lambda: self.change_status())
        self.addAction(self.change_action)
        tools.addWidget(self.change_button)
        self.selection_label = QLabel("", self)
        self.selection_label.setObjectName("mutedText")
        tools.addWidget(self.selection_label)
        self.message = MessageLine(self)
        tools.addWidget(self.message, 1)
        tools.addStretch(0)
        self.import_button = QPushButton("Import…", self)
        self.import_button.setObjectName("importActions")
        self.import_button.setToolTip("Import an action tracker kept in a spreadsheet (CSV or XLSX)")
        # Officers update their own agency's actions; importing a whole tracker is for the others.
        self.can_import = self.can_update and ctx.actor.role != Role.OFFICER
        self.import_button.setVisible(self.can_import)
        self.import_button.clicked.connect(lambda: self.open_import())
        tools.addWidget(self.import_button)
        self.export_button = QToolButton(self)
        self.export_button.setObjectName("exportActions")
        self.export_button.setText("Export")
        self.export_button.setToolTip("Save the actions listed as CSV or XLSX")
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.export_menu = QMenu(self.export_button)
        self.export_csv_action = self.export_menu.addAction("As CSV…")
        self.export_xlsx_action = self.export_menu.addAction("As XLSX (Excel)…")
        self.export_button.setMenu(self.export_menu)
        self.export_csv_action.triggered.connect(lambda: self.choose_export(".csv"))
        self.export_xlsx_action.triggered.connect(lambda: self.choose_export(".xlsx"))
        tools.addWidget(self.export_button)
        self.print_button = QPushButton("&Print…", self)
        self.print_button.setObjectName("printTracker")
        self.print_button.setShortcut(QKeySequence("Ctrl+P"))
        self.print_button.setToolTip("Print preview of the actions listed, grouped as shown (Ctrl+P); "
                                     "print it or save it as PDF")
        self.print_button.clicked.connect(lambda: self.print_tracker())
        tools.addWidget(self.print_button)
        layout.addLayout(tools)

        # -- the list and the detail pane ---------------------------------------------------------
        self.table = make_action_table(self, self.model, "actionTable")
        self._hidden_by_user: set[ActionColumn] = set(HIDDEN_BY_DEFAULT)
        header = self.table.horizontalHeader()
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        header.setSortIndicator(column_for_sort(self.model.query.sort) or 0, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self._list_stack = QStackedWidget(self)
        self._list_stack.addWidget(self.table)
        self.empty_label = empty_state("", self)
        self._list_stack.addWidget(self.empty_label)
        self.detail = ActionDetailPane(self.service, self, can_update=self.can_update,
                                       may_change=lambda row: may_change(ctx, row))
        self.detail.status_change_requested.connect(lambda: self.change_status())
        self.detail.changes_made.connect(self._note_added)
        # The detail goes under the list, so the list keeps the window's whole width for its columns.
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self._list_stack)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([420, 220])
        layout.addWidget(self.splitter, 1)

        # -- wiring --------------------------------------------------------------------------------
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(TYPING_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.apply_filters)
        self.owner_edit.textChanged.connect(lambda _t: self._debounce.start())
        self.case_edit.returnPressed.connect(self._case_entered)
        self.case_edit.textChanged.connect(self._case_edited)
        for combo in (self.panel_combo, self.agency_combo, self.status_combo, self.rag_combo, self.group_combo):
            combo.currentIndexChanged.connect(self.apply_filters)
        self.due_combo.currentIndexChanged.connect(self._due_changed)
        self.due_from.dateChanged.connect(self._from_changed)
        self.due_to.dateChanged.connect(self.apply_filters)
        self.overdue_check.toggled.connect(self.apply_filters)
        self.rag_strip.rag_chosen.connect(self._rag_chosen)
        self.model.query_changed.connect(self._query_changed)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.table.status_key_pressed.connect(self._status_key)
        self.table.activated.connect(lambda _index: self.change_status())
        self._due_changed()
        hand_focus_to(self, self.table)  # not setFocusProxy: Tab would skip what comes before it

    # -- loading --------------------------------------------------------------------------------

    def read(self) -> None:
        self._load_choices()
        self.apply_filters(force=True)

    # -- the list -------------------------------------------------------------------------------

    def _query_changed(self) -> None:
        query = self.model.query
        header = self.table.horizontalHeader()
        sorted_by = column_for_sort(query.sort)
        if sorted_by is not None:
            header.blockSignals(True)
            header.setSortIndicator(
                sorted_by, Qt.SortOrder.DescendingOrder if query.descending else Qt.SortOrder.AscendingOrder)
            header.blockSignals(False)
        for column in ActionColumn:
            hidden = column in self._hidden_by_user
            if column == ActionColumn.GROUP:
                hidden = query.group_by == ActionGroupBy.NONE
            elif column == ActionColumn.AGENCY and query.group_by == ActionGroupBy.AGENCY:
                hidden = True
            elif column == ActionColumn.CASE and (query.group_by in (ActionGroupBy.CASE, ActionGroupBy.HEADING)
                                                  or query.panel_id in self._plan_panels):
                hidden = True  # a plan's actions are the panel's own: no case to show
            elif column == ActionColumn.PANEL and query.panel_id is not None:
                hidden = True
            self.table.setColumnHidden(column, hidden)
        if query.group_by != self._sized_for:
            # Priorities ("Cross Cutting Theme 1: Reducing Reoffending") need more room than agencies.
            self._sized_for = query.group_by
            wide = query.group_by == ActionGroupBy.HEADING
            text = "Priority 1: Domestic Abuse" if wide else SAMPLE_TEXT[ActionColumn.GROUP]
            width = self.table.fontMetrics().horizontalAdvance(text) + CELL_ROOM + 12
            header.resizeSection(ActionColumn.GROUP, width)
        n = self.model.rowCount()
        self._update_counts()
        self.detail.setVisible(bool(n))
        if n:
            self._list_stack.setCurrentWidget(self.table)
            if not self.table.selectionModel().hasSelection():
                self.table.selectRow(0)  # the pane below is never blank while there is something to show
        else:
            self.empty_label.setText(self._empty_text())
            self._list_stack.setCurrentWidget(self.empty_label)
        self._selection_changed()

    def _update_counts(self) -> None:
        query = self.model.query
        try:
            # Every rating's count, whichever one is chosen: the other tiles stay worth clicking.
            counts = self.reads.rag_counts(replace(query, rags=None))
        except ServiceError:
            return
        rags = query.rags or frozenset()
        chosen = next(iter(rags)) if len(rags) == 1 else None
        self.rag_strip.set_counts({r: counts[r] for r in RAG_ORDER}, chosen)
        self.rag_strip.total_label.setText(count(self.model.rowCount(), "action"))

    def _empty_text(self) -> str:
        query = self.model.query
        words = next((w for _l, s, w in STATUS_FILTERS if s == query.statuses), "actions")
        filtered = any((query.agency_id, query.owner_name, query.rags, query.overdue_only, query.due_from,
                        query.case_id))
        where = f" on {self.panel_combo.currentText()}" if query.panel_id is not None else ""
        if filtered:
            return f"No {words}{where} match these filters.\n\nChoose “Clear filters” to see them all."
        if query.statuses is None:
            return f"No actions{where} yet.\n\nActions agreed at meetings, or imported from a spreadsheet, are listed here."
        return f"No {words}{where}.\n\nChoose “All” under Status to see finished actions too."

    def print_tracker(self):  # noqa: ANN201 - PreviewDialog | None
        """The print preview of the actions listed, with the filters and grouping shown."""
        from cspdesk_gui.printing.preview import open_preview
        from cspdesk_gui.printing.sources import tracker_choice

        if not self.model.is_loaded():
            return None
        query = self.model.query
        where = self.panel_combo.currentText() if query.panel_id is not None else "all my panels"
        agency = self.agency_combo.currentText() if query.agency_id is not None else ""
        title = f"Action log: {agency}, {where}" if agency else f"Action tracker: {where}"
        dialog = open_preview(self.window(), choice=tracker_choice(self._ctx, query, title))
        emit(self.preview_opened, dialog)
        return dialog

    def selected_ids(self) -> list[int]:
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.model.action_id(r) for r in rows]

    def select_ids(self, ids: list[int]) -> None:
        select_action_ids(self.table, self.model, ids)

    def _selection_changed(self, *_args: object) -> None:
        ids = self.selected_ids()
        self.change_button.setEnabled(bool(ids))
        self.change_action.setEnabled(bool(ids) and self.can_update)
        self.selection_label.setText(f"{len(ids):,} selected" if len(ids) > 1 else "")
        if len(ids) == 1:
            if self.detail.action_id() != ids[0]:
                self.detail.show_action(ids[0])
        elif not ids:
            self.detail.clear()

    # -- status changes ---------------------------------------------------------------------------

    def _status_key(self, status: object) -> None:
        self.change_status(ActionStatus(status))

    def change_status(self, status: ActionStatus | None = None) -> ActionStatusDialog | None:
        """Open the status dialog for the selected actions (one: its text; many: one note for all)."""
        if not self.can_update:
            return None
        ids = self.selected_ids()
        if not ids:
            self.message.bad("Select the actions to change first.")
            return None
        refused = refusal(self._ctx, [self.model.action_row(self.model.row_of(i) or 0) for i in ids])
        if refused:
            self.message.bad(refused)
            return None
        return open_status_dialog(self, self.service, ids, self.model, status, self._status_saved,
                                  self.status_dialog_opened, today=self._ctx.today())

    def _status_saved(self, ids: list[int], changes: OpChanges, text: str) -> None:
        self.message.good(text)
        emit(self.changes_made, changes)  # the window hands it back: the list is read again in place
        self.table.setFocus()

    def _note_added(self, changes: object) -> None:
        emit(self.changes_made, changes)

    def refresh_in_place(self) -> None:
        """Read the list, counts and the shown action again, keeping filters and selection."""
        if not self.model.is_loaded():
            self.reload()
            return
        self._stale = False
        ids = self.selected_ids()
        old_row = first_selected_row(self.table)
        shown = self.detail.action_id()
        self.model.refresh()
        reselect(self.table, self.model, ids, old_row)
        if shown is not None and shown in self.model.ids():
            self.detail.show_action(shown)

    # -- import and export ------------------------------------------------------------------------

    def open_import(self):  # noqa: ANN201 - ActionImportDialog | None
        """The import dialog, for the panel chosen in the filter (or the first)."""
        if not self.can_import:
            return None
        from cspdesk.services.records_io.action_import import ActionImportService
        from cspdesk_gui.dialogs.action_import import ActionImportDialog

        panels = [(self.panel_combo.itemData(i), self.panel_combo.itemText(i))
                  for i in range(1, self.panel_combo.count())]
        dialog = ActionImportDialog(ActionImportService(self._ctx), panels, self,
                                    panel_id=self.panel_combo.currentData())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.imported.connect(self._imported)
        dialog.open()
        emit(self.status_dialog_opened, dialog)
        return dialog

    def _imported(self, result: object) -> None:
        from cspdesk_gui.dialogs.action_import import import_outcome

        report = result.value  # type: ignore[attr-defined]
        self.message.good(f"{import_outcome(report)} from {report.source}.")
        emit(self.changes_made, result.changes)  # type: ignore[attr-defined]

    def choose_export(self, suffix: str) -> None:
        from PySide6.QtWidgets import QFileDialog

        kind = "CSV files (*.csv)" if suffix == ".csv" else "Excel workbooks (*.xlsx)"
        path, _filter = QFileDialog.getSaveFileName(self, "Export the actions listed", f"actions{suffix}", kind)
        if path:
            if not path.lower().endswith(suffix):
                path += suffix
            self.export_to(path)

    def is_exporting(self) -> bool:
        return self._exporting

    def export_to(self, path: str) -> None:
        """Write the actions listed (this filter, this order) to ``path`` (.csv or .xlsx) on a worker
        thread; the message line says how it went."""
        if self._exporting:
            return
        from cspdesk.services.records_io.action_import import ActionImportService

        service = ActionImportService(self._ctx)
        query = self.model.query
        self._exporting = True
        self.export_button.setEnabled(False)
        self.message.say(f"Exporting {count(self.model.rowCount(), 'action')}…")
        name = path.rsplit("/", 1)[-1]

        def done(result: object) -> None:
            self._exporting = False
            self.export_button.setEnabled(True)
            self.message.good(f"{count(result.value, 'action')} exported to {name}.")  # type: ignore[attr-defined]
            emit(self.exported, path)

        def failed(exc: BaseException) -> None:
            self._exporting = False
            self.export_button.setEnabled(True)
            self.message.bad(str(exc) if isinstance(exc, ServiceError) else f"The export failed ({type(exc).__name__}).")

        run_op(lambda: service.export(query, path), done, failed)

    # -- columns ------------------------------------------------------------------------------

    def column_menu(self) -> QMenu:
        menu = QMenu(self)
        menu.setTitle("Columns")
        for column in ActionColumn:
            if column in (ActionColumn.GROUP, ActionColumn.ACTION):
                continue
            action = menu.addAction(column.title)
            action.setCheckable(True)
            action.setChecked(column not in self._hidden_by_user)
            action.toggled.connect(lambda shown, c=column: self._set_column_shown(c, shown))
        return menu

    def _set_column_shown(self, column: ActionColumn, shown: bool) -> None:
        (self._hidden_by_user.discard if shown else self._hidden_by_user.add)(column)
        self._query_changed()

    def _header_menu(self, pos: QPoint) -> None:
        menu = self.column_menu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.table.horizontalHeader().mapToGlobal(pos))

