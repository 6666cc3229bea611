"""The Meetings page: each panel's meetings; for the one selected, its agenda (drag to reorder,
add cases, time slots), its attendance and the cases suggested for it; planning new meetings; and
the door into meeting mode.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.enums import Listing, MeetingStatus
from cspdesk.domain.hearings import took_place
from cspdesk.services.referrals.cases import CaseQuery, CaseService
from cspdesk.services.context import OpChanges, Permission, ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk.services.meetings.meetings import LISTABLE_CASE_STATUSES, MeetingDetail, MeetingService
from cspdesk.services.partnership.panels import PanelService
from cspdesk_gui.operations import OnDatabaseThread
from cspdesk_gui.formatting import count, short_datetime
from cspdesk_gui.meeting_mode.window import KeyFilter
from cspdesk_gui.models.meetings import (
    AgendaColumn,
    AgendaModel,
    AttendanceColumn,
    AttendanceModel,
    IdRole,
    MeetingColumn,
    MeetingListModel,
    SuggestionModel,
)
from cspdesk_gui.pages.admin import common
from cspdesk_gui.pages.base import Page, empty_state
from cspdesk_gui.signals import emit
from cspdesk_gui.widgets.attendance import apply_attendance_key, edit_names_in, save_name
from cspdesk_gui.accessibility import hand_focus_to

#: Typing in "Add a case" searches once it pauses this long.
CASE_SEARCH_DEBOUNCE_MS = 200


def _table(parent: QWidget, name: str, accessible: str) -> QTableView:
    view = QTableView(parent)
    view.setObjectName(name)
    view.setAccessibleName(accessible)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    return view


class MeetingsPage(Page):
    title = "Meetings"

    #: Meeting mode was asked for: the meeting's id.
    meeting_mode_requested = Signal(int)
    #: Something was written (the window hands it to every page).
    changes_made = Signal(object)
    #: A message for the person was shown (why a key did nothing): its text.
    message_shown = Signal(str)
    #: A print preview was opened (tests drive it; the app simply shows it).
    preview_opened = Signal(object)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        # Every call the page (and the dialogs it opens) makes runs on the database thread.
        self.service = OnDatabaseThread(MeetingService(ctx))
        self._panels = OnDatabaseThread(PanelService(ctx))
        self._cases = OnDatabaseThread(CaseService(ctx))
        self.can_run = ctx.actor.can(Permission.RUN_MEETINGS)
        self.detail: MeetingDetail | None = None
        self._case_matches: dict[str, int] = {}
        self._new_dialog = None

        top = QHBoxLayout()
        top.addWidget(self.heading("Meetings"))
        top.addStretch(1)
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("countLabel")
        top.addWidget(self.count_label)
        self.page_layout.addLayout(top)

        bar = QHBoxLayout()
        caption = QLabel("&Panel", self)
        self.panel_combo = QComboBox(self)
        self.panel_combo.setObjectName("meetingPanelFilter")
        self.panel_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        caption.setBuddy(self.panel_combo)
        bar.addWidget(caption)
        bar.addWidget(self.panel_combo)
        bar.addStretch(1)
        self.print_button = QToolButton(self)
        self.print_button.setObjectName("printMeetingPapers")
        self.print_button.setText("&Print")
        self.print_button.setToolTip("Print preview of the selected meeting's agenda (Ctrl+P) or minutes "
                                     "(Ctrl+Shift+P); print them or save them as PDF; papers for agencies "
                                     "(Ctrl+Shift+G)")
        self.print_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        print_menu = QMenu(self.print_button)
        self.print_agenda_action = print_menu.addAction("Agenda…", lambda: self.print_agenda())
        self.print_agenda_action.setShortcut(QKeySequence("Ctrl+P"))
        self.print_minutes_action = print_menu.addAction("Minutes…", lambda: self.print_minutes())
        self.print_minutes_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        for action in (self.print_agenda_action, self.print_minutes_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)  # the shortcuts work while the page has the focus, menu closed
        # Ctrl+Shift+P when there are no minutes to print says why (a disabled action's keys do
        # nothing at all): the two actions are never enabled together.
        self.minutes_why_action = QAction(self)
        self.minutes_why_action.setShortcut(QKeySequence("Ctrl+Shift+P"))
        self.minutes_why_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.minutes_why_action.triggered.connect(self._say_why_no_minutes)
        self.addAction(self.minutes_why_action)
        # Papers for agencies without accounts (issue 18): in this menu, as the bar is full at 1024 px.
        print_menu.addSeparator()
        self.agencies_action = print_menu.addAction("Agencies: send papers, import returns…",
                                                    lambda: self.open_agencies())
        self.agencies_action.setObjectName("meetingAgencies")
        self.agencies_action.setShortcut(QKeySequence("Ctrl+Shift+G"))
        self.agencies_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.agencies_action.setEnabled(False)
        self.agencies_action.setVisible(self.can_run)
        self.addAction(self.agencies_action)
        self.print_button.setMenu(print_menu)
        self.print_button.setEnabled(False)
        self._set_minutes_available(False)
        bar.addWidget(self.print_button)
        self.new_button = QPushButton("&New meeting…", self)
        self.new_button.setToolTip("Plan a meeting, or a series of them (Ctrl+N)")
        self.new_button.clicked.connect(self.new_meeting)
        self.new_button.setEnabled(self.can_run)
        bar.addWidget(self.new_button)
        self.change_button = QToolButton(self)
        self.change_button.setObjectName("cancelOrDeleteMeeting")
        self.change_button.setText("Cancel or de&lete")
        self.change_button.setToolTip("Cancel the selected meeting, giving the reason (its cases go back to be "
                                      "listed), or delete it while it has no business on it")
        self.change_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        change_menu = QMenu(self.change_button)
        self.cancel_action = change_menu.addAction("Cancel meeting…", lambda: self.cancel_meeting())
        self.delete_action = change_menu.addAction("Delete meeting…", lambda: self.delete_meeting())
        self.change_button.setMenu(change_menu)
        self.change_button.setEnabled(False)
        self.change_button.setVisible(self.can_run)
        bar.addWidget(self.change_button)
        from cspdesk_gui.dialogs.offline import offline_button

        bar.addWidget(offline_button(self))  # issue 21: a meeting run offline (on a server only)
        self.mode_button = QPushButton("Open &meeting mode", self)
        self.mode_button.setObjectName("primaryButton")
        self.mode_button.setToolTip("Run the selected meeting (Ctrl+Enter)")
        self.mode_button.clicked.connect(self.open_meeting_mode)
        bar.addWidget(self.mode_button)
        self.page_layout.addLayout(bar)
        QShortcut(QKeySequence("Ctrl+N"), self, self.new_meeting, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.open_meeting_mode,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.page_layout.addWidget(splitter, 1)

        # The meetings.
        self.model = MeetingListModel(self)
        self.table = _table(splitter, "meetingTable", "Meetings")
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(MeetingColumn.PANEL, QHeaderView.ResizeMode.Stretch)
        metrics = self.table.fontMetrics()
        for column, sample in ((MeetingColumn.DATE, "28 Nov 2026, 10:00"), (MeetingColumn.STATUS, "Minutes finalised"),
                               (MeetingColumn.CASES, "Cases")):
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 28)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self._status_width = header.sectionSize(MeetingColumn.STATUS)
        self._list_width = sum(header.sectionSize(c) for c in (MeetingColumn.DATE, MeetingColumn.STATUS,
                                                               MeetingColumn.CASES)) + 24
        self.table.hideColumn(MeetingColumn.VENUE)
        self.table.selectionModel().currentRowChanged.connect(self._meeting_selected)
        self.table.activated.connect(lambda _i: self.open_meeting_mode())
        KeyFilter(self.table, self._meeting_key)
        self.list_stack = QStackedWidget(splitter)
        self.list_stack.addWidget(self.table)
        self.empty_label = empty_state("No meetings yet. Plan one with New meeting… (Ctrl+N).", self.list_stack)
        self.list_stack.addWidget(self.empty_label)
        splitter.addWidget(self.list_stack)

        # The meeting selected; with none, a short line instead (no greyed tabs and their key hints).
        self.detail_stack = QStackedWidget(splitter)
        right = QWidget(self.detail_stack)
        self.detail_area = right
        rl = QVBoxLayout(right)
        rl.setContentsMargins(10, 0, 0, 0)
        self.meeting_heading = QLabel("", right)
        self.meeting_heading.setObjectName("sectionHeading")
        font = self.meeting_heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.25)
        self.meeting_heading.setFont(font)
        self.meeting_heading.setWordWrap(True)
        rl.addWidget(self.meeting_heading)
        self.meeting_facts = QLabel("", right)
        self.meeting_facts.setObjectName("mutedText")
        self.meeting_facts.setWordWrap(True)
        rl.addWidget(self.meeting_facts)
        self.warning = QLabel("", right)
        self.warning.setObjectName("fieldError")
        self.warning.setWordWrap(True)
        rl.addWidget(self.warning)
        self.tabs = QTabWidget(right)
        rl.addWidget(self.tabs, 1)
        self._build_agenda_tab()
        self._build_attendance_tab()
        self._build_suggestions_tab()
        self.detail_stack.addWidget(right)
        choose = "Choose a meeting on the left"
        self.no_meeting_label = empty_state(
            f"{choose}, or plan one with New meeting… (Ctrl+N)." if self.can_run else f"{choose} to see its agenda.",
            self.detail_stack)
        self.detail_stack.addWidget(self.no_meeting_label)
        splitter.addWidget(self.detail_stack)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([460, 600])

        self.panel_combo.currentIndexChanged.connect(lambda _i: self._load_meetings())
        hand_focus_to(self, self.table)  # not setFocusProxy: Tab would skip what comes before it

    # -- building ----------------------------------------------------------------------------------

    def _build_agenda_tab(self) -> None:
        tab = QWidget(self.tabs)
        layout = QVBoxLayout(tab)
        self.agenda_model = AgendaModel(self, draggable=True)
        self.agenda_model.order_dropped.connect(self._reorder)
        self.agenda_view = _table(tab, "agendaEditor", "Agenda")
        self.agenda_view.setModel(self.agenda_model)
        self.agenda_view.hideColumn(AgendaColumn.CLOCK)
        self.agenda_view.setDragEnabled(True)
        self.agenda_view.setAcceptDrops(True)
        self.agenda_view.setDropIndicatorShown(True)
        self.agenda_view.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.agenda_view.setDefaultDropAction(Qt.DropAction.MoveAction)
        header = self.agenda_view.horizontalHeader()
        header.setSectionResizeMode(AgendaColumn.ITEM, QHeaderView.ResizeMode.Stretch)
        metrics = self.agenda_view.fontMetrics()
        header.resizeSection(AgendaColumn.SLOT, metrics.horizontalAdvance("00:00") + 28)
        header.resizeSection(AgendaColumn.LISTING, metrics.horizontalAdvance("Transferred in") + 24)
        header.resizeSection(AgendaColumn.MINUTES, metrics.horizontalAdvance("Min") + 28)
        self.agenda_view.selectionModel().currentRowChanged.connect(self._agenda_row_changed)
        KeyFilter(self.agenda_view, self._agenda_key)
        layout.addWidget(self.agenda_view, 1)

        row = QHBoxLayout()
        self.case_edit = QLineEdit(tab)
        self.case_edit.setObjectName("addCaseEdit")
        self.case_edit.setAccessibleName("Add a case")
        self.case_edit.setPlaceholderText("Add a case: type a reference or a name, Enter adds it")
        self.case_model = QStringListModel(self)
        completer = QCompleter(self.case_model, self.case_edit)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.case_edit.setCompleter(completer)
        self.case_edit.returnPressed.connect(self.add_typed_case)
        self._case_search = QTimer(self)
        self._case_search.setSingleShot(True)
        self._case_search.setInterval(CASE_SEARCH_DEBOUNCE_MS)
        self._case_search.timeout.connect(self._search_cases)
        self.case_edit.textEdited.connect(lambda _t: self._case_search.start())
        cap = QLabel("&Add case", tab)
        cap.setBuddy(self.case_edit)
        row.addWidget(cap)
        row.addWidget(self.case_edit, 1)
        self.minutes_spin = QSpinBox(tab)
        self.minutes_spin.setRange(1, 240)
        self.minutes_spin.setSuffix(" min")
        self.minutes_spin.setAccessibleName("Minutes for the item")
        self.minutes_spin.editingFinished.connect(self._minutes_changed)
        mcap = QLabel("M&inutes", tab)
        mcap.setBuddy(self.minutes_spin)
        row.addWidget(mcap)
        row.addWidget(self.minutes_spin)
        layout.addLayout(row)
        self.agenda_hint = QLabel("Drag items, or Ctrl+Up / Ctrl+Down, to reorder; T marks a case transferred in; Delete takes it off.", tab)
        self.agenda_hint.setObjectName("pageHint")
        self.agenda_hint.setWordWrap(True)
        layout.addWidget(self.agenda_hint)
        self.agenda_error = QLabel("", tab)
        self.agenda_error.setObjectName("fieldError")
        self.agenda_error.setWordWrap(True)
        self.agenda_error.hide()
        layout.addWidget(self.agenda_error)
        self.tabs.addTab(tab, "Agenda")

    def _build_attendance_tab(self) -> None:
        tab = QWidget(self.tabs)
        layout = QVBoxLayout(tab)
        self.attendance_model = AttendanceModel(self)
        self.attendance_view = _table(tab, "attendanceEditor", "Attendance")
        self.attendance_view.setModel(self.attendance_model)
        header = self.attendance_view.horizontalHeader()
        header.setSectionResizeMode(AttendanceColumn.AGENCY, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(AttendanceColumn.NAME, QHeaderView.ResizeMode.ResizeToContents)
        for col in (AttendanceColumn.STATUS, AttendanceColumn.INFORMATION, AttendanceColumn.SIGNED):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        KeyFilter(self.attendance_view, self._attendance_key)
        self._attendee_names: tuple[int, dict[int, tuple[str, ...]]] | None = None
        self.attendance_model.name_edited.connect(self._name_typed)
        layout.addWidget(self.attendance_view, 1)
        hint = QLabel("P present · A apologies · X absent · I information sent · S statement signed · "
                      "type in Name (or F2) for who came", tab)
        hint.setObjectName("pageHint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        row = QHBoxLayout()
        self.observer_edit = QLineEdit(tab)
        self.observer_edit.setPlaceholderText("An observer's name and role; Enter adds")
        self.observer_edit.returnPressed.connect(self._add_observer)
        self.observer_signed = QCheckBox("Statement signed", tab)
        cap = QLabel("O&bserver", tab)
        cap.setBuddy(self.observer_edit)
        row.addWidget(cap)
        row.addWidget(self.observer_edit, 1)
        row.addWidget(self.observer_signed)
        layout.addLayout(row)
        self.tabs.addTab(tab, "Attendance")

    def _build_suggestions_tab(self) -> None:
        tab = QWidget(self.tabs)
        layout = QVBoxLayout(tab)
        hint = QLabel("Cases not heard (their meeting was cancelled, or they were deferred), cases whose review "
                      "date has come, and open cases 12 months past their last referral (to close or keep). "
                      "Enter adds the case to the agenda.", tab)
        hint.setObjectName("pageHint")
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.suggestion_model = SuggestionModel(self)
        self.suggestion_view = _table(tab, "suggestionTable", "Suggested cases")
        self.suggestion_view.setModel(self.suggestion_model)
        self.suggestion_view.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        metrics = self.suggestion_view.fontMetrics()
        self.suggestion_view.horizontalHeader().resizeSection(0, metrics.horizontalAdvance("MARAC-2026-0000") + 24)
        self.suggestion_view.horizontalHeader().resizeSection(1, metrics.horizontalAdvance("Magdalena Szymańska") + 24)
        self.suggestion_view.activated.connect(self._add_suggestion)
        layout.addWidget(self.suggestion_view, 1)
        self.tabs.addTab(tab, "Suggested cases")

    # -- loading -----------------------------------------------------------------------------------

    def cares_about(self, changes: OpChanges) -> bool:
        return bool(changes.meetings or changes.panels or changes.cases)

    def reload(self) -> None:
        wanted = self.panel_combo.currentData()
        self.panel_combo.blockSignals(True)
        try:
            self.panel_combo.clear()
            self.panel_combo.addItem("All panels", None)
            self._panel_rows = self._panels.list_panels()
            for p in self._panel_rows:
                self.panel_combo.addItem(p.name, p.id)
            found = self.panel_combo.findData(wanted) if wanted is not None else 0
            self.panel_combo.setCurrentIndex(max(found, 0))
        finally:
            self.panel_combo.blockSignals(False)
        self._load_meetings()

    def show_panel(self, panel_id: int | None) -> None:
        self.ensure_loaded()
        self.panel_combo.setCurrentIndex(max(0, self.panel_combo.findData(panel_id)) if panel_id else 0)

    def _load_meetings(self, select_id: int | None = None) -> None:
        current = select_id if select_id is not None else (self.detail.row.id if self.detail else None)
        rows = self.service.list_meetings(self.panel_combo.currentData())
        self.model.set_rows(rows)
        # The panel column only when meetings of several panels are listed.
        one_panel = self.panel_combo.currentData() is not None or len(getattr(self, "_panel_rows", [])) <= 1
        self.table.setColumnHidden(MeetingColumn.PANEL, one_panel)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(MeetingColumn.STATUS, QHeaderView.ResizeMode.Stretch if one_panel
                                    else QHeaderView.ResizeMode.Interactive)
        if not one_panel:
            header.resizeSection(MeetingColumn.STATUS, self._status_width)
        self.table.setMinimumWidth(self._list_width + (0 if one_panel else 140))
        self.count_label.setText(count(len(rows), "meeting"))
        self.list_stack.setCurrentWidget(self.table if rows else self.empty_label)
        if not rows:
            self._show_meeting(None)
            return
        row = self.model.row_of(current) if current is not None else -1
        if row < 0:
            # The next meeting to be held (the list is newest first), else the newest.
            upcoming = [n for n, r in enumerate(rows) if r.status in (MeetingStatus.PLANNED, MeetingStatus.IN_PROGRESS)]
            row = upcoming[-1] if upcoming else 0
        self.table.setCurrentIndex(self.model.index(row, 0))
        self._show_meeting(rows[row].id)

    def _meeting_selected(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if current.isValid():
            self._show_meeting(current.data(IdRole))

    def meeting_changed_elsewhere(self, meeting_id: int) -> None:
        """Meeting mode closed on ``meeting_id``: if the details show it, read it again (they kept
        the copy from before its notes, status and minutes were written)."""
        if self.detail is not None and self.detail.row.id == meeting_id:
            self._load_meetings()
            self._show_meeting(meeting_id, again=True)

    def _show_meeting(self, meeting_id: int | None, *, again: bool = False) -> None:
        if meeting_id is None:
            self.detail = None
            self.meeting_heading.setText("")
            self.meeting_facts.setText("")
            self.warning.hide()
            self.agenda_model.set_rows([])
            self.attendance_model.set_rows([])
            self.suggestion_model.set_rows([])
            self.tabs.setEnabled(False)
            self.mode_button.setEnabled(False)
            self.print_button.setEnabled(False)
            self._set_minutes_available(False)
            self.change_button.setEnabled(False)
            self.agencies_action.setEnabled(False)
            self.detail_stack.setCurrentWidget(self.no_meeting_label)
            # No meetings at all: the list's own empty state has the whole width.
            self.detail_stack.setVisible(self.model.rowCount() > 0)
            return
        if (not again and self.detail is not None and self.detail.row.id == meeting_id
                and self.agenda_model.rowCount()):
            return
        self._set_detail(self.service.get_meeting(meeting_id))

    def _set_detail(self, detail: MeetingDetail) -> None:
        self.detail = detail
        d = detail.row
        cancelled = d.status is MeetingStatus.CANCELLED
        editable = self.can_run and not detail.locked and not cancelled
        self.tabs.setEnabled(True)
        self.detail_stack.setCurrentWidget(self.detail_area)
        self.detail_stack.show()
        self.meeting_heading.setText(f"{d.panel_name} — {short_datetime(d.starts_at)}")
        facts = [d.status_text, d.venue or "venue not set", f"chair {d.chair or 'not set'}",
                 f"minutes {d.minute_taker or 'not set'}", count(d.cases, "case")]
        self.meeting_facts.setText(" · ".join(facts))
        if detail.missing_core_agencies and d.status not in (MeetingStatus.PLANNED, MeetingStatus.CANCELLED):
            self.warning.setText("Core agencies not present: " + ", ".join(detail.missing_core_agencies) + ".")
            self.warning.show()
        else:
            self.warning.hide()
        self.agenda_model.set_rows(detail.items)
        edit_names_in(self.attendance_view, self.attendance_model, self._names, editable)
        self.attendance_model.set_rows(detail.attendance)
        self.suggestion_model.set_rows(self.service.suggestions(d.id) if editable else [])
        self.tabs.setTabText(2, f"Suggested cases ({self.suggestion_model.rowCount()})")
        for widget in (self.case_edit, self.minutes_spin, self.observer_edit, self.observer_signed):
            widget.setEnabled(editable)
        self.agenda_view.setDragEnabled(editable)
        self.mode_button.setEnabled((self.can_run or detail.locked) and not cancelled)
        planned = self.can_run and d.status is MeetingStatus.PLANNED
        self.change_button.setEnabled(planned)
        self.cancel_action.setEnabled(planned)
        self.delete_action.setEnabled(planned)
        self.print_button.setEnabled(True)
        self.agencies_action.setEnabled(self.can_run and not cancelled)
        # Minutes once the meeting has started (a draft until they are finalised).
        self._set_minutes_available(took_place(d.status))
        self.mode_button.setText("Open &meeting mode" if d.status in (MeetingStatus.PLANNED, MeetingStatus.IN_PROGRESS,
                                                                      MeetingStatus.CANCELLED)
                                 else "Review &minutes")
        self.agenda_error.hide()
        if not self.agenda_view.currentIndex().isValid() and self.agenda_model.rowCount():
            first_case = next((n for n, i in enumerate(detail.items) if i.case_id is not None), 0)
            self.agenda_view.setCurrentIndex(self.agenda_model.index(first_case, AgendaColumn.ITEM))
        self._agenda_row_changed(self.agenda_view.currentIndex(), QModelIndex())

    def _refresh(self, changes: OpChanges) -> None:
        if self.detail is not None:
            self._set_detail(self.service.get_meeting(self.detail.row.id))
        if changes:
            emit(self.changes_made, changes)

    # -- the agenda ----------------------------------------------------------------------------------

    def _agenda_error(self, message: str) -> None:
        self.agenda_error.setText(message)
        self.agenda_error.show()

    def _reorder(self, order: list) -> None:
        if self.detail is None:
            return
        try:
            result = self.service.reorder(self.detail.row.id, [int(i) for i in order])
        except ServiceError as exc:
            self._agenda_error(str(exc))
            return
        moved = self.agenda_view.currentIndex().data(IdRole)
        self._refresh(result.changes)
        if moved is not None:
            self.agenda_view.selectRow(self.agenda_model.row_of(moved))

    def _agenda_key(self, event: QKeyEvent) -> bool:
        index = self.agenda_view.currentIndex()
        if not index.isValid() or self.detail is None:
            return False
        item_id = index.data(IdRole)
        ctrl = event.modifiers() & Qt.KeyboardModifier.ControlModifier
        try:
            if ctrl and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                result = self.service.move_item(item_id, -1 if event.key() == Qt.Key.Key_Up else 1)
                self._refresh(result.changes)
                self.agenda_view.selectRow(self.agenda_model.row_of(item_id))
                return True
            if event.key() == Qt.Key.Key_T and not ctrl:
                # T: transferred in (from another area), or back to new.
                entry = self.agenda_model.row_at(index.row())
                if entry.case_id is None:
                    return False
                wanted = Listing.TRANSFERRED_IN if entry.listing is not Listing.TRANSFERRED_IN else Listing.NEW
                result = self.service.set_listing(item_id, wanted)
                self._refresh(result.changes)
                self.agenda_view.selectRow(index.row())
                return True
            if event.key() == Qt.Key.Key_Delete:
                result = self.service.remove_item(item_id)
                self._refresh(result.changes)
                self.agenda_view.selectRow(min(index.row(), self.agenda_model.rowCount() - 1))
                return True
        except ServiceError as exc:
            self._agenda_error(str(exc))
            return True
        return False

    def _agenda_row_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.minutes_spin.blockSignals(True)
        if current.isValid():
            self.minutes_spin.setValue(self.agenda_model.row_at(current.row()).minutes_allowed)
        self.minutes_spin.blockSignals(False)

    def _minutes_changed(self) -> None:
        index = self.agenda_view.currentIndex()
        if not index.isValid() or self.detail is None:
            return
        entry = self.agenda_model.row_at(index.row())
        if entry.minutes_allowed == self.minutes_spin.value():
            return
        try:
            result = self.service.set_minutes_allowed(entry.id, self.minutes_spin.value())
        except ServiceError as exc:
            self._agenda_error(str(exc))
            return
        self._refresh(result.changes)
        self.agenda_view.selectRow(index.row())

    def _search_cases(self) -> None:
        if self.detail is None:
            return
        text = self.case_edit.text().strip()
        if len(text) < 2:
            return
        query = CaseQuery(panel_id=self.detail.row.panel_id, statuses=frozenset(LISTABLE_CASE_STATUSES), text=text)
        try:
            ids = self._cases.case_ids(query)[:20]
            rows = self._cases.case_rows(ids)
        except ServiceError:
            return
        self._case_matches = {f"{r.reference} — {r.subject}": r.id for r in rows}
        self.case_model.setStringList(list(self._case_matches))
        self.case_edit.completer().complete()

    def add_typed_case(self) -> None:
        """Enter in "Add a case": the completion chosen, or the only case matching what was typed."""
        if self.detail is None:
            return
        text = self.case_edit.text().strip()
        case_id = self._case_matches.get(text)
        if case_id is None and text:
            query = CaseQuery(panel_id=self.detail.row.panel_id, statuses=frozenset(LISTABLE_CASE_STATUSES), text=text)
            ids = self._cases.case_ids(query)
            if len(ids) == 1:
                case_id = ids[0]
            elif not ids:
                self._agenda_error(f"No open or accepted case of {self.detail.row.panel_name} matches “{text}”.")
                return
            else:
                self._agenda_error(f"{len(ids)} cases match “{text}”: keep typing, or choose one from the list.")
                self._search_cases()
                return
        if case_id is None:
            return
        self._add_case(case_id)
        self.case_edit.clear()

    def _add_case(self, case_id: int) -> None:
        assert self.detail is not None
        try:
            result = self.service.add_case(self.detail.row.id, case_id)
        except ServiceError as exc:
            self._agenda_error(str(exc))
            return
        self._refresh(result.changes)
        self.agenda_view.selectRow(self.agenda_model.row_of(result.value.id))

    def _add_suggestion(self, index: QModelIndex) -> None:
        case_id = index.data(IdRole)
        if case_id is not None and self.detail is not None and not self.detail.locked:
            self._add_case(int(case_id))

    # -- attendance ----------------------------------------------------------------------------------

    def _attendance_key(self, event: QKeyEvent) -> bool:
        if self.detail is None or not self.attendance_model.names_editable:
            return False
        try:
            result = apply_attendance_key(self.service, self.detail.row.id, self.attendance_view,
                                          self.attendance_model, event)
        except ServiceError as exc:
            self._attendance_error(exc)
            return True
        if result is None:
            return False
        emit(self.changes_made, result.changes)
        return True

    def _name_typed(self, row: int, name: str) -> None:
        if self.detail is None:
            return
        try:
            result = save_name(self.service, self.detail.row.id, self.attendance_model, row, name)
        except ServiceError as exc:
            self._attendance_error(exc)
            return
        emit(self.changes_made, result.changes)

    def _attendance_error(self, exc: ServiceError) -> None:
        self.warning.setText(str(exc))
        self.warning.show()

    def _names(self) -> dict[int, tuple[str, ...]]:
        """The names to complete in the attendance grid, by agency (read once per meeting shown)."""
        if self.detail is None:
            return {}
        if self._attendee_names is None or self._attendee_names[0] != self.detail.row.id:
            self._attendee_names = (self.detail.row.id, self.service.attendee_names(self.detail.row.id))
        return self._attendee_names[1]

    def _add_observer(self) -> None:
        if self.detail is None:
            return
        try:
            result = self.service.add_observer(self.detail.row.id, self.observer_edit.text(),
                                               confidentiality_signed=self.observer_signed.isChecked())
        except ServiceError as exc:
            self.warning.setText(str(exc))
            self.warning.show()
            return
        self.observer_edit.clear()
        self.observer_signed.setChecked(False)
        self._refresh(result.changes)

    # -- planning and meeting mode --------------------------------------------------------------------

    def new_meeting(self) -> None:
        if not self.can_run:
            return
        from cspdesk_gui.dialogs.new_meeting import NewMeetingDialog

        panels = [p for p in getattr(self, "_panel_rows", [])]
        dialog = NewMeetingDialog(self.service, panels, panel_id=self.panel_combo.currentData(),
                                  first_day=self.ctx.today(), parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self._planned)
        self._new_dialog = dialog
        dialog.open()

    def _planned(self) -> None:
        dialog, self._new_dialog = self._new_dialog, None
        result = getattr(dialog, "result_value", None)
        if result is None:
            return
        self._load_meetings(select_id=result.value[0])
        emit(self.changes_made, result.changes)

    def _meeting_words(self) -> str:
        d = self.detail.row  # type: ignore[union-attr]
        return f"{d.panel_name}, {short_datetime(d.starts_at)}"

    def print_agenda(self):  # noqa: ANN201 - PreviewDialog | None
        """The print preview of the selected meeting's agenda."""
        from cspdesk_gui.printing.preview import open_preview
        from cspdesk_gui.printing.sources import agenda_source

        if self.detail is None:
            return None
        dialog = open_preview(self.window(), agenda_source(self.ctx, self.detail.row.id, self._meeting_words()))
        emit(self.preview_opened, dialog)
        return dialog

    def _set_minutes_available(self, available: bool) -> None:
        self.print_minutes_action.setEnabled(available)
        # The menu says so in words, not only in a grey that reads as enabled.
        self.print_minutes_action.setText("Minutes…" if available else "Minutes (once the meeting has started)")
        self.minutes_why_action.setEnabled(not available)

    def _say_why_no_minutes(self) -> None:
        if self.detail is None:
            text = "Choose a meeting first: Ctrl+Shift+P prints its minutes."
        elif self.detail.row.status is MeetingStatus.CANCELLED:
            text = "This meeting was cancelled: it has no minutes to print."
        else:
            text = "No minutes yet: they can be printed once the meeting has started (Ctrl+P prints the agenda)."
        window = self.window()
        if isinstance(window, QMainWindow):
            window.statusBar().showMessage(text, 10_000)
        emit(self.message_shown, text)

    def print_minutes(self):  # noqa: ANN201 - PreviewDialog | None
        """The print preview of the selected meeting's minutes: the distribution copy at first,
        the full record one tick away."""
        from cspdesk_gui.printing.preview import open_preview
        from cspdesk_gui.printing.sources import minutes_choice

        if self.detail is None or not self.print_minutes_action.isEnabled():
            return None
        dialog = open_preview(self.window(),
                              choice=minutes_choice(self.ctx, self.detail.row.id, self._meeting_words()))
        emit(self.preview_opened, dialog)
        return dialog

    # -- cancelling and deleting --------------------------------------------------------------------

    def _meeting_key(self, event: QKeyEvent) -> bool:
        if event.key() == Qt.Key.Key_Delete and not event.modifiers() and self.delete_action.isEnabled():
            self.delete_meeting()
            return True
        return False

    def cancel_meeting(self):  # noqa: ANN201 - CancelMeetingDialog | None
        """Ask why, then cancel the selected planned meeting (the dialog says its cases go back to
        be listed)."""
        if self.detail is None or not self.cancel_action.isEnabled():
            return None
        from cspdesk_gui.dialogs.cancel_meeting import CancelMeetingDialog

        dialog = CancelMeetingDialog(self.service, self.detail, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._meeting_changed(dialog.result_value))
        dialog.open()
        return dialog

    def delete_meeting(self) -> None:
        """Delete the selected planned meeting after a confirmation; refused (and said why) when
        it has business on it, which is cancelled instead."""
        if self.detail is None or not self.delete_action.isEnabled():
            return
        d = self.detail.row
        cases = f" Its {count(d.cases, 'case')} go back to be listed." if d.cases else ""
        if not common.confirm(self, "Delete meeting", f"Delete the meeting of {self._meeting_words()}?",
                              "Delete meeting", informative="A meeting with no business on it leaves no record "
                              f"but the audit trail.{cases} To keep it in the list, cancel it instead."):
            return
        try:
            result = self.service.delete_meeting(d.id)
        except ServiceError as exc:
            self.warning.setText(str(exc))
            self.warning.show()
            return
        self.detail = None
        self._load_meetings()
        emit(self.changes_made, result.changes)

    def _meeting_changed(self, result) -> None:  # noqa: ANN001 - OpResult[MeetingDetail] | None
        if result is None:
            return
        self.detail = None
        self._load_meetings(select_id=result.value.row.id)
        emit(self.changes_made, result.changes)

    def open_agencies(self):  # noqa: ANN201 - AgenciesDialog | None
        """The selected meeting's agencies: research requests, returns, circulation (issue 18)."""
        if self.detail is None or not self.can_run:
            return None
        from cspdesk_gui.dialogs.agencies import AgenciesDialog

        dialog = AgenciesDialog(self.ctx, self.detail.row.id, self._meeting_words(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changes_made.connect(lambda changes: emit(self.changes_made, changes))
        dialog.open()
        return dialog

    def open_meeting_mode(self) -> None:
        # A cancelled meeting is never run (Enter or a double-click on it does nothing).
        if self.detail is not None and self.detail.row.status is not MeetingStatus.CANCELLED:
            emit(self.meeting_mode_requested, self.detail.row.id)
