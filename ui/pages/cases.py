"""The Cases page: search, filter by panel and status, and the lazy case list sorted in SQL."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetrics, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QStackedWidget,
    QTableView,
    QWidget,
)

from cspdesk.domain.enums import CaseStatus, PanelType, RiskLevel, VulnerabilityFlag
from cspdesk.services.access.accounts import AccountService
from cspdesk.services.referrals.cases import CaseQuery, CaseService
from cspdesk.services.context import OpChanges, Permission, ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk.services.partnership.panels import ACTIVE_CASE_STATUSES, PanelService
from cspdesk_gui.formatting import count
from cspdesk_gui.operations import OnDatabaseThread
from cspdesk_gui.models.case_table import CaseIdRole, CaseTableModel, Column, column_for_sort
from cspdesk_gui.pages.base import Page, empty_state
from cspdesk_gui.referrals.fields import DateField, DateUnreadable
from cspdesk_gui.preferences import settings
from cspdesk_gui.signals import emit
from cspdesk_gui.accessibility import hand_focus_to
from cspdesk_gui.widgets.meaning_column import MeaningColumn

#: How long typing must pause before the list is searched again.
SEARCH_DEBOUNCE_MS = 150

#: The status filter's choices: label, the statuses it keeps (None: every status), and how the
#: empty state names the cases it looked for.
STATUS_FILTERS: list[tuple[str, frozenset[CaseStatus] | None, str]] = [
    ("Active", frozenset(ACTIVE_CASE_STATUSES), "active cases"),
    ("All", None, "cases"),
    *((s.label, frozenset({s}), f"{s.label.lower()} cases") for s in CaseStatus),
]

#: The risk filter's choices: label and the risk levels it keeps (None: any, or none recorded).
RISK_FILTERS: list[tuple[str, frozenset[RiskLevel] | None]] = [
    ("Any risk", None),
    ("High", frozenset({RiskLevel.HIGH})),
    ("High or medium", frozenset({RiskLevel.HIGH, RiskLevel.MEDIUM})),
    ("Medium", frozenset({RiskLevel.MEDIUM})),
    ("Low", frozenset({RiskLevel.LOW})),
]

#: Each column's width comes from the widest text it usually holds; longer text is cut short with
#: "…" and shown whole in the tooltip, and Subject takes the rest. Widths are measured, never
#: resized to contents: that would read every page of the lazy model. Reference and Panel are
#: measured again from the panels (their prefixes and names) once those are read.
_SAMPLE_TEXT = {
    Column.REFERENCE: "MARAC-2026-0000",
    Column.PANEL: "Maidstone CSVG",
    Column.REFERRED: "28 Sep 2026",
    Column.REFERRER: "Kent and Medway NHS Trust",
    Column.STATUS: "Received",
    Column.RISK: "Medium",
    Column.OPEN_ACTIONS: "",
    Column.REVIEW: "28 Sep 2026",
}
#: Room for the cell padding and, in sortable columns, the sort arrow.
_CELL_ROOM = 28
#: Widest the Panel and Referrer columns start (pixels, before room); longer names are cut short.
_PANEL_MAX = 122
_REFERRER_MAX = 102
#: A reference's number part, for measuring: the widest year and sequence usually seen.
_REFERENCE_TAIL = "-2026-0000"

#: Hidden until chosen from the header's menu: most cases have no review date set.
HIDDEN_BY_DEFAULT = frozenset({Column.REVIEW})
#: Where the columns the user hid are remembered (column names, so a new column starts shown).
HIDDEN_COLUMNS_KEY = "cases/hiddenColumns"


def load_hidden_columns() -> set[Column]:
    """The columns hidden last time (the defaults the first time)."""
    value = settings().value(HIDDEN_COLUMNS_KEY)
    if value is None:
        return set(HIDDEN_BY_DEFAULT)
    names = [value] if isinstance(value, str) else list(value or [])
    hidden = {Column[n] for n in names if n in Column.__members__}
    hidden.discard(Column.SUBJECT)
    return hidden


def save_hidden_columns(hidden: set[Column]) -> None:
    store = settings()
    # An explicit "none hidden" marker: an empty list reads back as no value at all from an ini file.
    store.setValue(HIDDEN_COLUMNS_KEY, sorted(c.name for c in hidden) or "")
    store.sync()


class CasesPage(Page):
    title = "Cases"

    #: A case was opened (double-click or Enter): its id.
    case_opened = Signal(int)
    #: A referral was saved or imported here: the service's OpChanges (the window hands them on).
    changes_made = Signal(object)
    #: A referral dialog was opened: the dialog (for tests and for the window to track).
    referral_dialog_opened = Signal(object)
    #: An import dialog was opened: the dialog.
    import_dialog_opened = Signal(object)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._panels = OnDatabaseThread(PanelService(ctx))  # calls run on the database thread
        self._cases = CaseService(ctx)
        self.model = CaseTableModel(self._cases, CaseQuery(statuses=STATUS_FILTERS[0][1]), parent=self)
        self._pending_panel_id: int | None = None

        self._ctx = ctx
        self._can_edit = ctx.actor.can(Permission.EDIT_CASES)
        top = QHBoxLayout()
        top.addWidget(self.heading("Cases"))
        top.addSpacing(12)
        self.new_button = QPushButton("&New referral…", self)
        self.new_button.setObjectName("newReferral")
        self.new_button.setToolTip("Log a new referral (Ctrl+N)")
        self.new_button.clicked.connect(lambda _c=False: self.new_referral())
        self.import_button = QPushButton("&Import referrals…", self)
        self.import_button.setObjectName("importReferrals")
        self.import_button.setToolTip("Import referrals from a CSV or XLSX file")
        self.import_button.clicked.connect(lambda _c=False: self.import_referrals())
        self.transfer_in_button = QPushButton("Take in a &transfer…", self)
        self.transfer_in_button.setObjectName("transferIn")
        self.transfer_in_button.setToolTip("Take in a case another MARAC transferred here (its transfer pack)")
        self.transfer_in_button.clicked.connect(lambda _c=False: self.take_in_transfer())
        for button in (self.new_button, self.import_button, self.transfer_in_button):
            button.setVisible(self._can_edit)
            top.addWidget(button)
        top.addStretch(1)
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("countLabel")
        self.count_label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.count_label)
        self.page_layout.addLayout(top)
        self.new_shortcut = QShortcut(QKeySequence.StandardKey.New, self)
        self.new_shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.new_shortcut.activated.connect(self.new_referral)
        self.new_shortcut.setEnabled(self._can_edit)

        filters = QHBoxLayout()
        filters.setSpacing(8)
        self.search_box = QLineEdit(self)
        self.search_box.setObjectName("searchBox")
        self.search_box.setPlaceholderText("Search names, aliases or references  (Ctrl+F)")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setAccessibleName("Search cases")
        filters.addWidget(self.search_box, 3)

        panel_caption = QLabel("&Panel", self)
        self.panel_combo = QComboBox(self)
        self.panel_combo.setObjectName("panelFilter")
        self.panel_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.panel_combo.addItem("All panels", None)
        panel_caption.setBuddy(self.panel_combo)
        filters.addWidget(panel_caption)
        filters.addWidget(self.panel_combo, 1)

        status_caption = QLabel("&Status", self)
        self.status_combo = QComboBox(self)
        self.status_combo.setObjectName("statusFilter")
        for label, _statuses, _words in STATUS_FILTERS:
            self.status_combo.addItem(label)
        status_caption.setBuddy(self.status_combo)
        filters.addWidget(status_caption)
        filters.addWidget(self.status_combo)
        self.page_layout.addLayout(filters)

        # The second row: risk, flag, referring agency and referral dates.
        more = QHBoxLayout()
        more.setSpacing(8)
        self.risk_combo = self._filter_combo(
            more, "&Risk", "riskFilter", [(label, i) for i, (label, _levels) in enumerate(RISK_FILTERS)])
        self.flag_combo = self._filter_combo(
            more, "Fla&g", "flagFilter", [("Any flag", None), *((f.label, f.value) for f in VulnerabilityFlag)])
        self.agency_combo = self._filter_combo(more, "Referring &agency", "agencyFilter", [("Any agency", None)])
        self.agency_combo.setMaximumWidth(260)
        from_caption = QLabel("Referred fro&m", self)
        self.from_date = DateField(self, name="referredFrom", accessible="Referred from", today=ctx.today)
        from_caption.setBuddy(self.from_date)
        to_caption = QLabel("t&o", self)
        self.to_date = DateField(self, name="referredTo", accessible="Referred to", today=ctx.today)
        to_caption.setBuddy(self.to_date)
        # The dates and "Clear filters" on a row of their own: on one row with the rest they
        # need ~1,000 px and overlapped the captions on a 1024×700 laptop ("lear filter").
        more.addStretch(1)
        self.page_layout.addLayout(more)
        more = QHBoxLayout()
        more.setSpacing(8)
        more.addWidget(from_caption)
        more.addWidget(self.from_date)
        more.addWidget(to_caption)
        more.addWidget(self.to_date)
        self.clear_button = QPushButton("&Clear filters", self)
        self.clear_button.setObjectName("clearFilters")
        self.clear_button.clicked.connect(self.clear_filters)
        more.addWidget(self.clear_button)
        more.addStretch(1)
        self.page_layout.addLayout(more)
        self.filter_error = QLabel("", self)
        self.filter_error.setObjectName("fieldError")
        self.filter_error.hide()
        self.page_layout.addWidget(self.filter_error)
        # Repeats are worked out from referral dates: a back-dated referral can make a case already
        # held a repeat. Say which, in plain words, until the next referral is saved.
        self.repeats_notice = QLabel("", self)
        self.repeats_notice.setObjectName("repeatsNotice")
        self.repeats_notice.setWordWrap(True)
        self.repeats_notice.hide()
        self.page_layout.addWidget(self.repeats_notice)
        height = self.search_box.sizeHint().height()
        for combo in (self.panel_combo, self.status_combo, self.risk_combo, self.flag_combo, self.agency_combo):
            combo.setMinimumHeight(height)

        self.table = QTableView(self)
        self.table.setObjectName("caseTable")
        self.table.setAccessibleName("Cases")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        vertical = self.table.verticalHeader()
        vertical.hide()
        # Fixed row heights: the view never asks every row for its size hint (which would fetch
        # every page of a lazy model).
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.table.fontMetrics().height() + 12)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        subject_room = self.table.fontMetrics().horizontalAdvance("M") * 16
        self.subject_column = MeaningColumn(self.table, Column.SUBJECT, subject_room)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(48)
        bold = QFont(header.font())
        bold.setBold(True)
        self._header_metrics = QFontMetrics(bold)
        for column, sample in _SAMPLE_TEXT.items():
            self._fit_column(column, [sample], limit=_REFERRER_MAX if column == Column.REFERRER else None)
        self._fitted_to_panels = False
        self._hidden_by_user: set[Column] = load_hidden_columns()
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        self._update_column_visibility()
        # The model starts sorted newest referral first; show that before sorting is switched on,
        # so switching it on does not re-sort.
        header.setSortIndicator(column_for_sort(self.model.query.sort), Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)
        header.sortIndicatorChanged.connect(self._sort_indicator_changed)
        self.table.activated.connect(self._activated)

        self._list_stack = QStackedWidget(self)
        self._list_stack.addWidget(self.table)
        self.empty_label = empty_state("", self)
        self._list_stack.addWidget(self.empty_label)
        self.page_layout.addWidget(self._list_stack, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self._apply_filters)
        self.search_box.textChanged.connect(self._search_edited)
        self.search_box.returnPressed.connect(self._search_entered)
        # Down from the search reaches the results, as in a browser's address bar.
        self.search_box.installEventFilter(self)
        for combo in (self.panel_combo, self.status_combo, self.risk_combo, self.flag_combo, self.agency_combo):
            combo.currentIndexChanged.connect(self._apply_filters)
        for field in (self.from_date, self.to_date):
            field.editingFinished.connect(self._apply_filters)
            field.returnPressed.connect(self._apply_filters)
        self.model.query_changed.connect(self._query_changed)

        hand_focus_to(self, self.search_box)  # not setFocusProxy: Tab would skip what comes before it
        # Search, the filters in reading order, the list; then New referral, Import and Take in a
        # transfer (Ctrl+N reaches the form from anywhere on the page).
        chain = [self.search_box, self.panel_combo, self.status_combo, self.risk_combo, self.flag_combo,
                 self.agency_combo, self.from_date, self.to_date, self.clear_button, self.table,
                 self.new_button, self.import_button, self.transfer_in_button]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    # -- loading --------------------------------------------------------------------------------

    def cares_about(self, changes: OpChanges) -> bool:
        return bool(changes.cases or changes.panels or changes.people or changes.actions)

    def reload(self) -> None:
        self._load_panels()
        self._load_agencies()
        self._apply_filters(force=True)

    def _load_agencies(self) -> None:
        wanted = self.agency_combo.currentData()
        self.agency_combo.blockSignals(True)
        try:
            self.agency_combo.clear()
            self.agency_combo.addItem("Any agency", None)
            for agency_id, name in OnDatabaseThread(AccountService(self._ctx)).agencies():
                self.agency_combo.addItem(name, agency_id)
            self.agency_combo.setCurrentIndex(max(self.agency_combo.findData(wanted), 0) if wanted is not None else 0)
        finally:
            self.agency_combo.blockSignals(False)

    def _fit_column(self, column: Column, samples: list[str], limit: int | None = None) -> None:
        metrics = self.table.fontMetrics()
        width = max((metrics.horizontalAdvance(text) for text in samples), default=0)
        if limit is not None:
            width = min(width, limit)
        width = max(width, self._header_metrics.horizontalAdvance(column.title))
        room = _CELL_ROOM if column.sort_key is not None else _CELL_ROOM - 12
        self.table.horizontalHeader().resizeSection(column, width + room)

    def _load_panels(self) -> None:
        wanted = self._pending_panel_id if self._pending_panel_id is not None else self.panel_combo.currentData()
        self._pending_panel_id = None
        self.panel_combo.blockSignals(True)
        try:
            self.panel_combo.clear()
            self.panel_combo.addItem("All panels", None)
            panels = self._panels.list_panels()
            for panel in panels:
                self.panel_combo.addItem(panel.name, panel.id)
            if panels and not self._fitted_to_panels:
                # Once, so a width the user dragged is not undone by a refresh.
                self._fitted_to_panels = True
                self._fit_column(Column.REFERENCE, [p.ref_prefix + _REFERENCE_TAIL for p in panels])
                self._fit_column(Column.PANEL, [p.name for p in panels], limit=_PANEL_MAX)
            found = self.panel_combo.findData(wanted) if wanted is not None else 0
            self.panel_combo.setCurrentIndex(max(found, 0))
        finally:
            self.panel_combo.blockSignals(False)

    # -- filters --------------------------------------------------------------------------------

    def _filter_combo(self, layout: QHBoxLayout, caption: str, name: str, choices: list) -> QComboBox:
        label = QLabel(caption, self)
        combo = QComboBox(self)
        combo.setObjectName(name)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for text, value in choices:
            combo.addItem(text, value)
        label.setBuddy(combo)
        layout.addWidget(label)
        layout.addWidget(combo)
        return combo

    def _date_filter(self, field: DateField) -> date | None:
        try:
            return field.value()
        except DateUnreadable as exc:
            self._date_problems.append(str(exc))
            return None

    def current_query(self) -> CaseQuery:
        base = self.model.query
        self._date_problems: list[str] = []
        referred_from = self._date_filter(self.from_date)
        referred_to = self._date_filter(self.to_date)
        flag = self.flag_combo.currentData()
        agency = self.agency_combo.currentData()
        return CaseQuery(
            panel_id=self.panel_combo.currentData(),
            statuses=STATUS_FILTERS[max(self.status_combo.currentIndex(), 0)][1],
            text=self.search_box.text().strip(),
            sort=base.sort,
            descending=base.descending,
            risk_levels=RISK_FILTERS[max(self.risk_combo.currentIndex(), 0)][1],
            flags=frozenset({VulnerabilityFlag(flag)}) if flag is not None else None,
            referring_agency_ids=frozenset({int(agency)}) if agency is not None else None,
            referred_from=referred_from,
            referred_to=referred_to,
        )

    def filters_applied(self) -> bool:
        """Is any filter beyond panel, status and search narrowing the list?"""
        query = self.model.query
        return any((query.risk_levels, query.flags, query.referring_agency_ids, query.referred_from,
                    query.referred_to))

    def clear_filters(self) -> None:
        """Risk, flag, agency and dates back to "any" (panel, status and search are kept)."""
        for combo in (self.risk_combo, self.flag_combo, self.agency_combo):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        self.from_date.clear()
        self.to_date.clear()
        self._apply_filters()

    def _apply_filters(self, *_args: object, force: bool = False) -> None:
        self._debounce.stop()
        if self.is_stale() and not force:
            return  # the first show will load with these filters
        query = self.current_query()
        if self._date_problems:
            self.filter_error.setText("Referral dates: " + " ".join(self._date_problems))
            self.filter_error.show()
        else:
            self.filter_error.hide()
        if force or query != self.model.query or not self.model.is_loaded():
            self.model.set_query(query)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (watched is self.search_box and event.type() == QEvent.Type.KeyPress
                and event.key() == Qt.Key.Key_Down and not event.modifiers()):
            self.go_to_results()
            return True
        return super().eventFilter(watched, event)

    def _search_entered(self) -> None:
        self._apply_filters()
        self.go_to_results()

    def go_to_results(self) -> None:
        """The keyboard to the list, on its first case when none is chosen yet (nothing found: it
        stays in the search, to type again)."""
        if self.model.rowCount() == 0:
            return
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        if not self.table.currentIndex().isValid() and self.model.rowCount() > 0:
            self.table.selectRow(0)

    def _search_edited(self, _text: str) -> None:
        self._debounce.start()  # restarts: the search runs once typing pauses

    def show_panel(self, panel_id: int | None) -> None:
        """Filter to one panel (None: every panel); takes effect now or on the first show."""
        if self.is_stale():
            self._pending_panel_id = panel_id
            return
        index = self.panel_combo.findData(panel_id) if panel_id is not None else 0
        if index < 0:  # a panel added since the list was read
            self._load_panels()
            index = max(self.panel_combo.findData(panel_id), 0)
        self.panel_combo.setCurrentIndex(index)
        self._apply_filters()

    def set_search_text(self, text: str) -> None:
        self.search_box.setText(text)

    def focus_search(self) -> None:
        self.search_box.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_box.selectAll()

    # -- the list -------------------------------------------------------------------------------

    def _query_changed(self) -> None:
        self._update_column_visibility()
        n = self.model.rowCount()
        self.count_label.setText(count(n, "case"))
        if n:
            self._list_stack.setCurrentWidget(self.table)
            self.table.scrollToTop()
        else:
            self.empty_label.setText(self._empty_text())
            self._list_stack.setCurrentWidget(self.empty_label)

    def _empty_text(self) -> str:
        query = self.model.query
        if self.filters_applied():
            return ("No cases match these filters.\n\n"
                    "“Clear filters” (Alt+C) brings back every risk, flag, agency and date.")
        status_words = next(words for _l, s, words in STATUS_FILTERS if s == query.statuses)
        where = f" in {self.panel_combo.currentText()}" if query.panel_id is not None else ""
        if query.text:
            return (
                f"Nothing matches “{query.text}” among {status_words}{where}.\n\n"
                "The search finds the start of a name, an alias or a case reference."
            )
        if not self._cases.has_cases(query.panel_id):
            return (f"No cases{where} yet.\n\nLog the first referral with “New referral…” (Ctrl+N), or bring in a "
                    "list of referrals with “Import referrals…”.")
        hint = "\n\nChoose “All” under Status to see every case." if query.statuses is not None else ""
        return f"No {status_words}{where}.{hint}"

    def _sort_indicator_changed(self, section: int, _order: Qt.SortOrder) -> None:
        if Column(section).sort_key is not None:
            return
        # The model ignored the click; put the indicator back where the list really is sorted.
        header = self.table.horizontalHeader()
        query = self.model.query
        order = Qt.SortOrder.DescendingOrder if query.descending else Qt.SortOrder.AscendingOrder
        header.blockSignals(True)
        try:
            header.setSortIndicator(column_for_sort(query.sort), order)
        finally:
            header.blockSignals(False)
        header.viewport().update()

    # -- columns ------------------------------------------------------------------------------

    def _update_column_visibility(self) -> None:
        """Show the columns the user has not hidden; the Panel column only while every panel is listed."""
        for column in Column:
            hidden = column in self._hidden_by_user
            if column == Column.PANEL and self.model.query.panel_id is not None:
                hidden = True
            self.table.setColumnHidden(column, hidden)

    def set_column_shown(self, column: Column, shown: bool) -> None:
        if column == Column.SUBJECT:
            return  # the one column that is always there
        if shown:
            self._hidden_by_user.discard(column)
        else:
            self._hidden_by_user.add(column)
        save_hidden_columns(self._hidden_by_user)
        self._update_column_visibility()

    def hidden_columns(self) -> frozenset[Column]:
        """The columns the user chose to hide (remembered between sessions)."""
        return frozenset(self._hidden_by_user)

    def column_menu(self) -> QMenu:
        """The header's menu: a tick per column to show or hide it."""
        menu = QMenu(self)
        menu.setTitle("Columns")
        for column in Column:
            action = menu.addAction(column.title)
            action.setCheckable(True)
            action.setChecked(column not in self._hidden_by_user)
            action.setEnabled(column != Column.SUBJECT)
            action.toggled.connect(lambda shown, c=column: self.set_column_shown(c, shown))
        return menu

    def _header_menu(self, pos: QPoint) -> None:
        menu = self.column_menu()
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        menu.popup(self.table.horizontalHeader().mapToGlobal(pos))

    # -- new referrals and imports ------------------------------------------------------------

    def referral_panels(self) -> list:
        """The panels the user may log a referral to (every panel type but the partnership's)."""
        return [p for p in self._panels.list_panels() if p.panel_type != PanelType.PARTNERSHIP]

    def new_referral(self, panel_id: int | None = None) -> QWidget | None:
        """Open the referral form for ``panel_id``, or the panel filtered to; with every panel
        listed, a menu of panels opens by the button (arrow keys and Enter choose)."""
        if not self._can_edit:
            return None
        if panel_id is None:
            panel_id = self.panel_combo.currentData()
        panels = self.referral_panels()
        if panel_id is None or panel_id not in {p.id for p in panels}:
            if len(panels) == 1:
                panel_id = panels[0].id
            else:
                menu = QMenu(self)
                menu.setObjectName("referralPanelMenu")
                menu.setTitle("New referral to")
                for panel in panels:
                    action = menu.addAction(f"{panel.name}  ({panel.panel_type.label})")
                    action.triggered.connect(lambda _c=False, pid=panel.id: self.new_referral(pid))
                menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
                self.panel_menu = menu
                menu.popup(self.new_button.mapToGlobal(self.new_button.rect().bottomLeft()))
                if menu.actions():
                    menu.setActiveAction(menu.actions()[0])
                return menu
        from cspdesk_gui.referrals.dialog import ReferralDialog  # the form is built when first wanted

        try:
            dialog = ReferralDialog(self._ctx, int(panel_id), self)
        except ServiceError as exc:
            self.filter_error.setText(str(exc))
            self.filter_error.show()
            return None
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.referral_saved.connect(self._referral_saved)
        dialog.show()
        emit(self.referral_dialog_opened, dialog)
        return dialog

    def _referral_saved(self, created: object, changes: OpChanges) -> None:
        case_id = created.case_id  # type: ignore[attr-defined]
        relisted = getattr(created, "relisted", ())
        self.repeats_notice.setText("Repeats changed by this referral's date: " + " ".join(r.message for r in relisted)
                                    if relisted else "")
        self.repeats_notice.setVisible(bool(relisted))
        emit(self.changes_made, changes)  # the window hands them to every page, this one included
        if self.model.row_of(case_id) is None:
            self.on_changes(changes)  # no window listening (or the page was hidden): read the list now
            if self.is_stale():
                self.refresh()
        self.select_case(case_id)

    def select_case(self, case_id: int) -> bool:
        """Make ``case_id`` the current row (widening the status filter to All when it is hidden)."""
        row = self.model.row_of(case_id)
        if row is None and self.status_combo.currentIndex() != 1:
            self.status_combo.setCurrentIndex(1)  # "All"
            row = self.model.row_of(case_id)
        if row is None:
            return False
        index = self.model.index(row, Column.REFERENCE)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    def import_referrals(self, path: str | None = None) -> QWidget | None:
        """Open the import dialog (for the panel filtered to, if any); ``path`` pre-fills the file."""
        if not self._can_edit:
            return None
        from cspdesk_gui.referrals.import_dialog import ImportDialog

        dialog = ImportDialog(self._ctx, self.referral_panels(), self.panel_combo.currentData(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.imported.connect(self._imported)
        dialog.show()
        if path is not None:
            dialog.choose_file(path)
        emit(self.import_dialog_opened, dialog)
        return dialog

    def take_in_transfer(self) -> QWidget | None:
        """The dialog that takes in another MARAC's transfer pack (ui/dialogs/case_orders.py)."""
        if not self._can_edit:
            return None
        from cspdesk_gui.dialogs.case_orders import TransferInDialog

        panels = [(p.id, p.name) for p in self.referral_panels() if p.panel_type == PanelType.MARAC]
        dialog = TransferInDialog(self._ctx, panels, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._imported)
        dialog.show()
        emit(self.import_dialog_opened, dialog)
        return dialog

    def _imported(self, changes: OpChanges) -> None:
        emit(self.changes_made, changes)

    def _activated(self, index: QModelIndex) -> None:
        case_id = index.data(CaseIdRole)
        if case_id is not None:
            emit(self.case_opened, int(case_id))
