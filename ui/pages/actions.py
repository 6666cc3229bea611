"""The Actions section: the tracker every agency answers to, an officer's own actions, and (for
those on a SOCP) the organised crime groups' 4P plans — one tab each.

The tracker filters, sorts and groups in SQL through :class:`ActionService`; the list is the lazy
:class:`ActionTableModel`. Changes (status, notes, imports) come back as OpChanges and go to the
window, which hands them to every page.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from PySide6.QtCore import QDate, QItemSelectionModel, QLocale, QModelIndex, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFont, QFontMetrics, QKeyEvent, QKeySequence, QPainter, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.enums import ActionStatus, PanelType, Rag, Role
from cspdesk.services.actions.actions import (
    UNFINISHED_STATUSES,
    ActionGroupBy,
    ActionQuery,
    ActionRow,
    ActionService,
    ActionSort,
)
from cspdesk.services.referrals.cases import CaseService
from cspdesk.services.context import OpChanges, Permission, ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk.services.partnership.panels import PanelService
from ui import theme
from ui.background import run_in_background
from ui.dialogs.action_status import ActionStatusDialog, StatusChoice, status_for_key
from ui.formatting import count
from ui.models.action_table import (
    ActionColumn,
    ActionTableModel,
    GroupStartRole,
    column_for_sort,
    one_line,
)
from ui.pages.action_detail import ActionDetailPane
from ui.pages.admin.common import MessageLine
from ui.pages.base import Page, empty_state
from ui.rag import RAG_ORDER, rag_icon
from ui.signals import emit
from ui.widgets.rag_strip import RagStrip
from ui.accessibility import hand_focus_to
from ui.widgets.meaning_column import MeaningColumn

#: How long typing must pause before the list is read again.
TYPING_DEBOUNCE_MS = 200

#: The status filter: label, statuses kept (None: all), and how the empty state names them.
STATUS_FILTERS: list[tuple[str, frozenset[ActionStatus] | None, str]] = [
    ("Not finished", frozenset(UNFINISHED_STATUSES), "unfinished actions"),
    ("All", None, "actions"),
    *((s.label, frozenset({s}), f"{s.label.lower()} actions") for s in ActionStatus),
]


class Due:
    """The due-date filter's choices (the combo's item data)."""

    ANY = "any"
    WEEK = "7"
    MONTH = "30"
    BETWEEN = "between"


DUE_FILTERS = [
    ("Any due date", Due.ANY),
    ("Due in the next 7 days", Due.WEEK),
    ("Due in the next 30 days", Due.MONTH),
    ("Due between…", Due.BETWEEN),
]

GROUPINGS = [
    ("No grouping", ActionGroupBy.NONE),
    ("Group by agency", ActionGroupBy.AGENCY),
    ("Group by case / OCG", ActionGroupBy.CASE),
    ("Group by priority (plans)", ActionGroupBy.HEADING),
]

_UK = QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)

_SAMPLE_TEXT = {
    ActionColumn.GROUP: "Kent Fire and Rescue",
    ActionColumn.RAG: "Amber",
    ActionColumn.NUMBER: "10.10",
    ActionColumn.AGENCY: "Kent and Medway NHS Trust",
    ActionColumn.OWNER: "Sarah Whitmore-Jones",
    ActionColumn.DUE: "28 Sep 2026",
    ActionColumn.STATUS: "Discontinued",
    ActionColumn.CASE: "MARAC-2026-0000",
    ActionColumn.PANEL: "Maidstone CSVG",
    ActionColumn.UPDATED: "28 Sep 2026",
}
_CELL_ROOM = 22
_MAX_WIDTH = {ActionColumn.AGENCY: 140, ActionColumn.OWNER: 110, ActionColumn.GROUP: 170}

#: Hidden until chosen from the header's menu. The number is shown in front of the action's text
#: (the column is there to sort by); the panel is in the detail pane.
HIDDEN_BY_DEFAULT = frozenset({ActionColumn.UPDATED, ActionColumn.NUMBER, ActionColumn.PANEL})


def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)


class GroupRuleDelegate(QStyledItemDelegate):
    """Draws a rule above the first row of each group, across every column."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        super().paint(painter, option, index)
        # model.data(), not index.data(): PySide6 6.12's QModelIndex.data() drops a reference to
        # None each time it returns None, and enough of those abort the interpreter at exit.
        if index.row() > 0 and index.model().data(index, GroupStartRole):
            painter.save()
            painter.setPen(QPen(theme.colour("indicatorBorder"), 1))
            rect: QRect = option.rect
            painter.drawLine(rect.topLeft(), rect.topRight())
            painter.restore()


class ActionTable(QTableView):
    """The tracker's list: letters O, G, H, C, D ask for that status for the selected actions."""

    #: A status key was pressed: the status.
    status_key_pressed = Signal(object)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.modifiers() in (Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier):
            status = status_for_key(event.text())
            if status is not None and self.selectionModel().hasSelection():
                emit(self.status_key_pressed, status)
                event.accept()
                return
        super().keyPressEvent(event)


def may_change(ctx: ServiceContext, row: ActionRow | None) -> bool:
    """Whether the signed-in person may change this action (the service decides; this only spares
    them a dialog that would be refused): officers change their own agency's actions only."""
    if row is None or not ctx.actor.can(Permission.UPDATE_ACTIONS):
        return False
    return ctx.actor.role != Role.OFFICER or row.owner_agency_id == ctx.actor.agency_id


def refusal(ctx: ServiceContext, rows: list[ActionRow | None]) -> str:
    """Why some of ``rows`` may not be changed by the person signed in ("" when all may)."""
    others = [r for r in rows if r is not None and not may_change(ctx, r)]
    if not others:
        return ""
    agencies = sorted({r.owner_agency or "no agency" for r in others})
    if len(rows) == 1:
        what = "That action belongs"
    elif len(others) == 1:
        what = "One of these actions belongs"
    else:
        what = f"{len(others):,} of these actions belong"
    return (f"{what} to {', '.join(agencies)}: officers change only their own agency's actions. "
            "Choose your agency under Agency, or use My actions.")


def reselect(table: QTableView, model: ActionTableModel, ids: list[int], old_row: int | None) -> None:
    """After the list was read again: select ``ids`` where they are still listed; when none is (a
    completed action left a "not finished" list), the row that took the first one's place — the
    next action, ready for the next key."""
    select_action_ids(table, model, ids)
    if not table.selectionModel().hasSelection() and old_row is not None and model.rowCount():
        row = min(old_row, model.rowCount() - 1)
        index = model.index(row, ActionColumn.ACTION)
        table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        table.scrollTo(index)


def first_selected_row(table: QTableView) -> int | None:
    rows = [index.row() for index in table.selectionModel().selectedRows()]
    return min(rows) if rows else None


def select_action_ids(table: QTableView, model: ActionTableModel, ids: list[int]) -> None:
    """Select the rows of ``ids`` that are listed (the first one current and scrolled to)."""
    selection = table.selectionModel()
    selection.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    first = None
    for action_id in ids:
        row = model.row_of(action_id)
        if row is None:
            continue
        index = model.index(row, ActionColumn.ACTION)
        selection.select(index, flags)
        first = first or index
    if first is not None:
        selection.setCurrentIndex(first, QItemSelectionModel.SelectionFlag.NoUpdate)
        table.scrollTo(first)


def make_action_table(parent: QWidget, model: ActionTableModel, name: str) -> ActionTable:
    table = ActionTable(parent)
    table.setObjectName(name)
    table.setAccessibleName("Actions")
    table.setModel(model)
    table.setItemDelegate(GroupRuleDelegate(table))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.setShowGrid(False)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    vertical = table.verticalHeader()
    vertical.hide()
    # Fixed heights: the view never asks every row for its size (which would read every page).
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(table.fontMetrics().height() + 12)
    header = table.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.meaning_column = MeaningColumn(  # type: ignore[attr-defined]
        table, ActionColumn.ACTION, table.fontMetrics().horizontalAdvance("M") * 20)
    header.setStretchLastSection(False)
    header.setMinimumSectionSize(44)
    plain = table.fontMetrics()
    bold_font = QFont(table.font())
    bold_font.setBold(True)
    bold = QFontMetrics(bold_font)
    for column, sample in _SAMPLE_TEXT.items():
        metrics = bold if column in (ActionColumn.RAG, ActionColumn.DUE, ActionColumn.GROUP) else plain
        width = min(metrics.horizontalAdvance(sample), _MAX_WIDTH.get(column, 200))
        width = max(width, bold.horizontalAdvance(column.title) + 8)
        # The RAG dot; overdue dates are bold, and the sorted column has its arrow.
        extra = {ActionColumn.RAG: 18, ActionColumn.DUE: 22}.get(column, 0)
        header.resizeSection(column, width + _CELL_ROOM + extra)
    return table


class ActionsTab(QWidget):
    """A tab of the Actions page: read when first shown, and again after changes only if shown."""

    #: Something was written: the service's OpChanges.
    changes_made = Signal(object)
    #: A status dialog was opened (tests drive it; the app simply shows it).
    status_dialog_opened = Signal(object)
    #: A print preview was opened (tests drive it; the app simply shows it).
    preview_opened = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stale = True

    def is_stale(self) -> bool:
        return self._stale

    def mark_stale(self) -> None:
        self._stale = True

    def reload(self) -> None:
        """Read everything the tab shows."""
        self._stale = False
        self.read()

    def read(self) -> None:
        raise NotImplementedError

    def refresh_in_place(self) -> None:
        """After a change: read again, keeping what the user chose (filters, selection)."""
        self.reload()


class TrackerView(ActionsTab):
    """All actions of a panel (or of every panel the user sits on), filtered, grouped and counted."""

    #: An export was written: its path.
    exported = Signal(str)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.service = ActionService(ctx)
        self._panels = PanelService(ctx)
        self._cases = CaseService(ctx)
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

        # -- the filter bar: two rows ------------------------------------------------------------
        row1 = QHBoxLayout()
        row1.setSpacing(6)
        self.panel_combo = self._combo("panelFilter", "Panel")
        self.panel_combo.addItem("All my panels", None)
        self.agency_combo = self._combo("agencyFilter", "Agency")
        self.agency_combo.addItem("All agencies", None)
        self.owner_edit = QLineEdit(self)
        self.owner_edit.setObjectName("ownerFilter")
        self.owner_edit.setAccessibleName("Owner")
        self.owner_edit.setPlaceholderText("Owner's name")
        self.owner_edit.setClearButtonEnabled(True)
        self.owner_edit.setMinimumWidth(self.owner_edit.fontMetrics().horizontalAdvance("Owner's") + 30)
        self.status_combo = self._combo("statusFilter", "Status")
        for label, _statuses, _words in STATUS_FILTERS:
            self.status_combo.addItem(label)
        self.rag_combo = self._combo("ragFilter", "RAG")
        self.rag_combo.addItem("Any RAG", None)
        for rag in RAG_ORDER:
            self.rag_combo.addItem(rag_icon(rag), rag.label, rag.value)
        for caption, widget, stretch in (
            ("&Panel", self.panel_combo, 2),
            ("&Agency", self.agency_combo, 2),
            ("O&wner", self.owner_edit, 1),
            ("&Status", self.status_combo, 0),
            ("&RAG", self.rag_combo, 0),
        ):
            row1.addWidget(self._caption(caption, widget))
            row1.addWidget(widget, stretch)
        self.overdue_check = QCheckBox("&Overdue only", self)
        self.overdue_check.setObjectName("overdueFilter")
        row1.addWidget(self.overdue_check)
        layout.addLayout(row1)

        row2 = QHBoxLayout()
        row2.setSpacing(6)
        self.due_combo = self._combo("dueFilter", "Due date")
        for label, data in DUE_FILTERS:
            self.due_combo.addItem(label, data)
        today = ctx.today()
        self.due_from = self._date_edit("dueFrom", today)
        self.due_to = self._date_edit("dueTo", today + timedelta(days=30))
        self.due_and = QLabel("and", self)
        self.case_edit = QLineEdit(self)
        self.case_edit.setObjectName("caseFilter")
        self.case_edit.setAccessibleName("Case reference")
        self.case_edit.setPlaceholderText("Case reference, then Enter")
        self.case_edit.setClearButtonEnabled(True)
        self.group_combo = self._combo("groupBy", "Group by")
        for label, grouping in GROUPINGS:
            self.group_combo.addItem(label, grouping.value)
        row2.addWidget(self._caption("D&ue", self.due_combo))
        row2.addWidget(self.due_combo)
        row2.addWidget(self.due_from)
        row2.addWidget(self.due_and)
        row2.addWidget(self.due_to)
        row2.addWidget(self._caption("Cas&e", self.case_edit))
        row2.addWidget(self.case_edit, 1)
        row2.addWidget(self.group_combo)
        self.clear_button = QPushButton("Clear filters", self)
        self.clear_button.setObjectName("clearFilters")
        self.clear_button.clicked.connect(self.clear_filters)
        row2.addWidget(self.clear_button)
        layout.addLayout(row2)
        height = self.owner_edit.sizeHint().height()
        for widget in (self.panel_combo, self.agency_combo, self.status_combo, self.rag_combo, self.due_combo,
                       self.group_combo, self.due_from, self.due_to):
            widget.setMinimumHeight(height)

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

    # -- little builders ----------------------------------------------------------------------

    def _combo(self, name: str, accessible: str) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.setAccessibleName(accessible)
        # As wide as the longest choice when there is room, down to ten characters when there is
        # not (a 1024×700 laptop): long agency names no longer push the row over its captions.
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        combo.setMinimumContentsLength(10)
        return combo

    def _caption(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text, self)
        label.setBuddy(buddy)
        return label

    def _date_edit(self, name: str, value: date) -> QDateEdit:
        edit = QDateEdit(_qdate(value), self)
        edit.setObjectName(name)
        edit.setLocale(_UK)
        edit.setDisplayFormat("d MMM yyyy")
        edit.setCalendarPopup(True)
        return edit

    # -- loading --------------------------------------------------------------------------------

    def read(self) -> None:
        self._load_choices()
        self.apply_filters(force=True)

    def _load_choices(self) -> None:
        panel_id = self.panel_combo.currentData()
        first_time = not self._panels_read
        self._panels_read = True
        self.panel_combo.blockSignals(True)
        try:
            self.panel_combo.clear()
            self.panel_combo.addItem("All my panels", None)
            panels = self._panels.list_panels()
            self._plan_panels = {p.id for p in panels if p.panel_type == PanelType.PARTNERSHIP}
            for panel in panels:
                self.panel_combo.addItem(panel.name, panel.id)
            wanted = self._pending_panel_id if first_time else panel_id
            self.panel_combo.setCurrentIndex(max(self.panel_combo.findData(wanted), 0) if wanted else 0)
        finally:
            self.panel_combo.blockSignals(False)
        self._load_agencies()

    def _load_agencies(self) -> None:
        agency_id = self.agency_combo.currentData()
        self.agency_combo.blockSignals(True)
        try:
            self.agency_combo.clear()
            self.agency_combo.addItem("All agencies", None)
            for choice in self.service.agency_choices(self.panel_combo.currentData()):
                self.agency_combo.addItem(choice.label, choice.id)
                self.agency_combo.setItemData(self.agency_combo.count() - 1, choice.label, Qt.ItemDataRole.ToolTipRole)
            self.agency_combo.setCurrentIndex(max(self.agency_combo.findData(agency_id), 0) if agency_id else 0)
        finally:
            self.agency_combo.blockSignals(False)

    # -- filters --------------------------------------------------------------------------------

    def current_query(self) -> ActionQuery:
        base = self.model.query
        rag = self.rag_combo.currentData()
        due = self.due_combo.currentData()
        today = self._ctx.today()
        group_by = ActionGroupBy(self.group_combo.currentData() or ActionGroupBy.NONE.value)
        sort, descending = base.sort, base.descending
        if group_by == ActionGroupBy.HEADING and base.group_by != ActionGroupBy.HEADING:
            sort, descending = ActionSort.NUMBER, False  # a plan reads in its own order: 1.1, 1.2 … 2.1
        due_from = due_to = None
        if due in (Due.WEEK, Due.MONTH):
            due_from, due_to = today, today + timedelta(days=int(due))
        elif due == Due.BETWEEN:
            due_from, due_to = _pydate(self.due_from.date()), _pydate(self.due_to.date())
        return ActionQuery(
            panel_id=self.panel_combo.currentData(),
            agency_id=self.agency_combo.currentData(),
            owner_name=self.owner_edit.text().strip(),
            statuses=STATUS_FILTERS[max(self.status_combo.currentIndex(), 0)][1],
            rags=frozenset({Rag(rag)}) if rag else None,
            overdue_only=self.overdue_check.isChecked(),
            due_from=due_from,
            due_to=due_to,
            case_id=self._case_id,
            group_by=group_by,
            sort=sort,
            descending=descending,
        )

    def apply_filters(self, *_args: object, force: bool = False) -> None:
        self._debounce.stop()
        if self._stale and not force:
            return  # the first show reads with these filters
        if self.sender() is self.panel_combo:
            self._load_agencies()
        query = self.current_query()
        if force or query != self.model.query or not self.model.is_loaded():
            try:
                self.model.set_query(query)
            except ServiceError as exc:
                self.message.bad(str(exc))

    def set_panel(self, panel_id: int | None) -> None:
        """Show one panel's actions (None: every panel the person sits on); takes effect now, or
        when the tab is first read."""
        if not self._panels_read:
            self._pending_panel_id = panel_id
            return
        index = self.panel_combo.findData(panel_id) if panel_id is not None else 0
        self.panel_combo.setCurrentIndex(max(index, 0))

    def clear_filters(self) -> None:
        for widget in (self.agency_combo, self.status_combo, self.rag_combo, self.due_combo,
                       self.group_combo, self.owner_edit, self.case_edit, self.overdue_check):
            widget.blockSignals(True)
        try:
            # The panel stays: it is what the tracker is of, not a filter.
            self.agency_combo.setCurrentIndex(0)
            self.status_combo.setCurrentIndex(0)
            self.rag_combo.setCurrentIndex(0)
            self.due_combo.setCurrentIndex(0)
            self.group_combo.setCurrentIndex(0)
            self.owner_edit.clear()
            self.case_edit.clear()
            self.overdue_check.setChecked(False)
            self._case_id, self._case_text = None, ""
        finally:
            for widget in (self.agency_combo, self.status_combo, self.rag_combo, self.due_combo,
                           self.group_combo, self.owner_edit, self.case_edit, self.overdue_check):
                widget.blockSignals(False)
        self._due_changed()
        self._load_agencies()
        self.apply_filters()

    def set_agency(self, agency_id: int | None) -> bool:
        """Filter to one agency (None: all). False when no visible action has that agency."""
        index = self.agency_combo.findData(agency_id) if agency_id is not None else 0
        if index < 0:
            return False
        self.agency_combo.setCurrentIndex(index)
        return True

    def set_grouping(self, grouping: ActionGroupBy) -> None:
        self.group_combo.setCurrentIndex(self.group_combo.findData(grouping.value))

    def set_rag(self, rag: Rag | None) -> None:
        self.rag_combo.setCurrentIndex(self.rag_combo.findData(rag.value) if rag is not None else 0)

    def _rag_chosen(self, rag: object) -> None:
        self.set_rag(Rag(rag) if rag else None)

    def _due_changed(self, *_args: object) -> None:
        between = self.due_combo.currentData() == Due.BETWEEN
        for widget in (self.due_from, self.due_and, self.due_to):
            widget.setVisible(between)
        self.apply_filters()

    def _from_changed(self, value: QDate) -> None:
        self.due_to.setMinimumDate(value)
        self.apply_filters()

    def _case_edited(self, text: str) -> None:
        if not text.strip() and self._case_id is not None:
            self._case_id, self._case_text = None, ""
            self.apply_filters()

    def _case_entered(self) -> None:
        """Find the case whose reference was typed (need to know applies: only cases the user sees)."""
        text = self.case_edit.text().strip()
        if not text:
            self._case_id = None
            self.apply_filters()
            return
        try:
            found = self._cases.search(text, limit=20)
        except ServiceError as exc:
            self.message.bad(str(exc))
            return
        exact = [c for c in found if c.reference.lower() == text.lower()]
        match = exact[0] if exact else (found[0] if len(found) == 1 else None)
        if match is None:
            self.message.bad(f"No case with the reference “{text}”." if not found else
                             f"“{text}” matches {len(found)} cases: type the whole reference.")
            return
        self.message.clear_message()
        self._case_id, self._case_text = match.id, match.reference
        self.case_edit.blockSignals(True)
        self.case_edit.setText(match.reference)
        self.case_edit.blockSignals(False)
        self.apply_filters()

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
            text = "Priority 1: Domestic Abuse" if wide else _SAMPLE_TEXT[ActionColumn.GROUP]
            width = self.table.fontMetrics().horizontalAdvance(text) + _CELL_ROOM + 12
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
            counts = self.service.rag_counts(replace(query, rags=None))
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
        from ui.printing.preview import open_preview
        from ui.printing.sources import tracker_choice

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
        from ui.dialogs.action_import import ActionImportDialog

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
        from ui.dialogs.action_import import import_outcome

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

        run_in_background(lambda: service.export(query, path), done, failed)

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


def open_status_dialog(
    parent: QWidget,
    service: ActionService,
    ids: list[int],
    model: ActionTableModel,
    status: ActionStatus | None,
    saved,  # noqa: ANN001 - Callable[[list[int], OpChanges, str], None]
    opened_signal,  # noqa: ANN001 - the parent's SignalInstance for tests
    *,
    today: date,
) -> ActionStatusDialog:
    """The status dialog for ``ids``: one action names itself and starts from its status; many get
    one note and go through :meth:`ActionService.bulk_update_status` in one transaction."""
    many = len(ids) > 1
    current = None
    version = None
    if many:
        subject = count(len(ids), "action")
    else:
        row = model.action_row(model.row_of(ids[0]) or 0)
        current = row.status if row is not None else None
        version = row.version if row is not None else None
        subject = one_line(row.text) if row is not None else "this action"
        if row is not None and row.number:
            subject = f"{row.number}. {subject}"

    def apply(choice: StatusChoice) -> tuple[list[int], OpChanges, str]:
        if many:
            result = service.bulk_update_status(ids, choice.status, choice.note, reason=choice.reason,
                                                completed_on=choice.completed_on)
            text = f"{count(result.value, 'action')} now {choice.status.label.lower()}."
        else:
            result = service.update_status(ids[0], choice.status, choice.note, reason=choice.reason,
                                           completed_on=choice.completed_on, expected_version=version)
            text = f"Saved: {choice.status.label}."
        return ids, result.changes, text

    dialog = ActionStatusDialog(subject, apply, today=today, status=status, current=current, many=many,
                                parent=parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.status_applied.connect(lambda value: saved(*value))
    dialog.open()
    dialog.first_box().setFocus(Qt.FocusReason.OtherFocusReason)
    emit(opened_signal, dialog)
    return dialog


class ActionsPage(Page):
    """The Actions section: Tracker, My actions, and OCGs (for members of a SOCP)."""

    title = "Actions"

    #: Something was written: the service's OpChanges (the window hands it to every page).
    changes_made = Signal(object)
    #: A dialog was opened from one of the tabs (tests drive it; the app simply shows it).
    dialog_opened = Signal(object)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.page_layout.addWidget(self.heading("Actions"))
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("actionTabs")
        self.tracker = TrackerView(ctx, self.tabs)
        self.tracker.changes_made.connect(self._changed)
        self.tracker.status_dialog_opened.connect(self._dialog_opened)
        self.tabs.addTab(self.tracker, "&Tracker")
        from ui.pages.my_actions import MyActionsView

        self.my_actions = MyActionsView(ctx, self.tabs)
        self.my_actions.changes_made.connect(self._changed)
        self.my_actions.status_dialog_opened.connect(self._dialog_opened)
        self.tabs.addTab(self.my_actions, "&My actions")
        self.ocgs: ActionsTab | None = None
        self.page_layout.addWidget(self.tabs, 1)
        self.tabs.currentChanged.connect(self._tab_changed)
        hand_focus_to(self, self.tabs)  # not setFocusProxy: Tab would skip what comes before it

    def _views(self) -> list[ActionsTab]:
        return [v for v in (self.tracker, self.my_actions, self.ocgs) if v is not None]

    def cares_about(self, changes: OpChanges) -> bool:
        return bool(changes.actions or changes.cases or changes.panels or changes.partnership or changes.people)

    def reload(self) -> None:
        self._ensure_ocg_tab()
        for view in self._views():
            view.mark_stale()
        current = self.tabs.currentWidget()
        if isinstance(current, ActionsTab):
            current.reload()

    def on_changes(self, changes: OpChanges) -> None:
        """Every tab reads again when next shown; the one on screen now, in place (keeping its
        filters and selection)."""
        if not self.cares_about(changes) or self.is_stale():
            super().on_changes(changes)
            return
        for view in self._views():
            view.mark_stale()
        current = self.tabs.currentWidget()
        if self.isVisible() and isinstance(current, ActionsTab):
            current.refresh_in_place()

    def _ensure_ocg_tab(self) -> None:
        """An OCGs tab for those who sit on a SOCP (the only panel with organised crime groups)."""
        try:
            socp = any(p.panel_type == PanelType.SOCP for p in PanelService(self._ctx).list_panels())
        except ServiceError:
            socp = False
        if socp and self.ocgs is None:
            from ui.pages.ocgs import OcgView

            self.ocgs = OcgView(self._ctx, self.tabs)
            self.ocgs.changes_made.connect(self._changed)
            self.ocgs.status_dialog_opened.connect(self._dialog_opened)
            self.tabs.addTab(self.ocgs, "&OCGs (4P plans)")

    def _tab_changed(self, _index: int) -> None:
        view = self.tabs.currentWidget()
        if isinstance(view, ActionsTab) and view.is_stale() and not self.is_stale():
            view.reload()

    def show_tab(self, name: str) -> None:
        """Show a tab: "tracker", "my" or "ocgs" (when there is one)."""
        self.ensure_loaded()
        target = {"tracker": self.tracker, "my": self.my_actions, "ocgs": self.ocgs}.get(name)
        if target is not None:
            self.tabs.setCurrentWidget(target)

    def _changed(self, changes: object) -> None:
        emit(self.changes_made, changes)

    def _dialog_opened(self, dialog: object) -> None:
        emit(self.dialog_opened, dialog)
