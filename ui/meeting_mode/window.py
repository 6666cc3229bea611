"""Meeting mode: one window to run a meeting from, by keyboard.

The agenda runs down the side with a clock per item (red when over its time). The item in front of
the chair fills the rest: for the confidentiality statement, the statement and the attendance; for
the review of outstanding actions, every earlier action on the cases listed; for a case, its
summary, risk and people (addresses hidden unless asked), its actions from last time, the notes,
the action line and the decision. After the meeting the same window reviews and finalises the
minutes, and takes addenda once they are locked.

Keys (also in the window's hint line and the menus):

==========================  ==============================================================
Ctrl+PgDown / Alt+Right     next item            Ctrl+PgUp / Alt+Left   previous item
Alt+N                       the notes            Alt+E                  earlier actions
C G H D O (in the table)    Completed, onGoing, on Hold, Discontinued, Open (H, D ask why)
Alt+G                       the action line: agency, Tab owner, Tab action, Tab due; Enter adds
Alt+D                       the decision (Up/Down)  Alt+U              its outcome; Enter records
Alt+T                       attendance: P present, A apologies, X absent, I information sent,
                            S statement signed       Alt+B observer's name (Alt+S signed first)
Ctrl+Shift+A                show / hide addresses   Ctrl+Shift+E       finish the meeting
Ctrl+Shift+H                the case's chronology (issue 20), on the panels the user is a member of
==========================  ==============================================================

Everything typed is saved as it is typed (:class:`~ui.meeting_mode.autosave.NotesAutosaver`);
everything else is saved when the key is pressed.
"""

from __future__ import annotations

import dataclasses
import html
import time
from datetime import date

from PySide6.QtCore import QDate, QEvent, QObject, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QFontMetrics, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.enums import ActionStatus, AgendaItemKind, AttendanceStatus, Decision, MeetingStatus
from cspdesk.domain.rules import ACTION_STATUSES_NEEDING_REASON
from cspdesk.services.context import OpChanges, ServiceContext
from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk.services.meetings import ActionRow, AgendaEntry, CaseBrief, ItemView, MeetingDetail, MeetingService
from ui.background import run_in_background
from ui.dialogs.chronology import KnownToMemo
from ui.formatting import short_date, short_datetime
from ui.meeting_mode.autosave import NotesAutosaver
from ui.models.meetings import (
    ActionColumn,
    ActionListModel,
    AgendaColumn,
    AgendaModel,
    AttendanceColumn,
    AttendanceModel,
)
from ui import theme
from ui.signals import emit
from ui.widgets.attendance import apply_attendance_key, edit_names_in, save_name
from ui.windows import fit_to_screen

#: One key sets an earlier action's status (the table of earlier actions has the focus).
STATUS_KEYS: dict[int, ActionStatus] = {
    Qt.Key.Key_C: ActionStatus.COMPLETED,
    Qt.Key.Key_G: ActionStatus.ONGOING,
    Qt.Key.Key_H: ActionStatus.ON_HOLD,
    Qt.Key.Key_D: ActionStatus.DISCONTINUED,
    Qt.Key.Key_O: ActionStatus.OPEN,
}
DECISIONS: list[tuple[str, Decision | None]] = [
    ("No decision yet", None),
    ("Continue", Decision.CONTINUE),
    ("Close (with the outcome)", Decision.CLOSE),
    ("Refer on (say to whom)", Decision.REFER_ON),
    # Not reached or not discussed: not counted as heard; the case goes back to be listed.
    ("Deferred — not heard", Decision.DEFERRED),
]
HINT = ("Ctrl+PgDown / Ctrl+PgUp next / previous item · Alt+N notes · Alt+E earlier actions · "
        "Alt+G new action · Alt+D decision · Ctrl+Shift+E finish")


def _age(born: date | None, on: date) -> str:
    if born is None:
        return ""
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return f"{years}"


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
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.verticalHeader().hide()
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setStretchLastSection(False)
    return view


def _caption(text: str, parent: QWidget, buddy: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("sectionCaption")
    if buddy is not None:
        label.setBuddy(buddy)
    return label


class KeyFilter(QObject):
    """Hands key presses of a widget to a callback; the callback returns True to consume them."""

    def __init__(self, widget: QWidget, callback) -> None:  # noqa: ANN001
        super().__init__(widget)
        self._callback = callback
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            return bool(self._callback(event))
        return False


class MeetingModeWindow(QMainWindow):
    """Runs one meeting. Starting it here makes it In progress; a Held meeting opens at the review
    of its minutes, a finalised one at its locked minutes (for addenda)."""

    #: Moved to another agenda item: its id.
    item_shown = Signal(int)
    #: An action was agreed: the ActionRow.
    action_added = Signal(object)
    #: The meeting ended (Held) / its minutes were finalised.
    meeting_ended = Signal()
    minutes_finalised = Signal()
    #: Something was written that other views show.
    changes_made = Signal(object)
    #: The window closed, its notes saved: the meeting's id.
    closed = Signal(int)
    #: Notes were saved: the item id and seconds the save took.
    notes_saved = Signal(int, float)

    def __init__(self, ctx: ServiceContext, meeting_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("meetingModeWindow")
        self._initial_changes = OpChanges()
        self.ctx = ctx
        self.service = MeetingService(ctx)
        self.meeting_id = meeting_id
        self.detail: MeetingDetail = self.service.get_meeting(meeting_id)
        if self.detail.row.status is MeetingStatus.PLANNED or self.detail.row.status is MeetingStatus.IN_PROGRESS:
            result = self.service.start_meeting(meeting_id)
            self.detail = result.value
            # Said once the event loop runs: whoever opened the window connects to it first.
            self._initial_changes = result.changes
            QTimer.singleShot(0, self, self._announce_initial)
        choices = self.service.panel_choices(self.detail.row.panel_id)
        self._agencies = choices.agencies
        self._members = choices.members
        self._due_default = self._default_due()
        self.current_index = -1
        self._brief: CaseBrief | None = None
        self._known_to = KnownToMemo(ctx, self.detail.row.panel_name)
        self._reviewing: ActionRow | None = None
        self._review_status: ActionStatus | None = None
        self._loading = False
        self._views: dict[int, ItemView] = {}
        self._visited: set[int] = set()
        self._record_queue: list[tuple[int, int | None]] = []
        self._recording = None
        self._reading_ahead = None
        fit_to_screen(self, 1320, 820)

        self.autosaver = NotesAutosaver(self._save_notes, self)
        self.autosaver.saved.connect(self._notes_were_saved)
        self.autosaver.failed.connect(self._notes_failed)

        self.pages = QStackedWidget(self)
        self.setCentralWidget(self.pages)
        self.run_page = QWidget(self.pages)
        self.pages.addWidget(self.run_page)
        self._build_run_page()
        self.review_page = QWidget(self.pages)
        self.pages.addWidget(self.review_page)
        self._build_review_page()
        self._build_actions()

        self.saved_label = QLabel("", self)
        self.saved_label.setObjectName("mutedText")
        self.statusBar().addPermanentWidget(self.saved_label)

        self.clock_timer = QTimer(self)
        self.clock_timer.setInterval(1000)
        self.clock_timer.timeout.connect(self._tick)
        self._update_title()

        if self.detail.row.status is MeetingStatus.IN_PROGRESS:
            self.pages.setCurrentWidget(self.run_page)
            self.clock_timer.start()
            first = next((n for n, i in enumerate(self.detail.items) if i.started_at is not None and i.ended_at is None),
                         0)
            self.go_to(first)
            self._read_ahead()
        else:
            self.show_review()

    # -- building ----------------------------------------------------------------------------------

    def _build_run_page(self) -> None:
        outer = QHBoxLayout(self.run_page)
        outer.setContentsMargins(0, 0, 0, 0)
        splitter = QSplitter(Qt.Orientation.Horizontal, self.run_page)
        outer.addWidget(splitter)

        side = QWidget(splitter)
        side.setObjectName("agendaSide")
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(12, 12, 6, 12)
        side_layout.addWidget(_caption("Agenda", side))
        self.agenda_model = AgendaModel(self, now=self.service.now)
        self.agenda_model.short_labels = True
        self.agenda_model.set_rows(self.detail.items)
        self.agenda_view = _table(side, "agendaList", "Agenda")
        self.agenda_view.setModel(self.agenda_model)
        for col in (AgendaColumn.LISTING, AgendaColumn.MINUTES):
            self.agenda_view.hideColumn(col)
        header = self.agenda_view.horizontalHeader()
        header.setSectionResizeMode(AgendaColumn.ITEM, QHeaderView.ResizeMode.Stretch)
        bold = self.agenda_view.font()
        bold.setBold(True)
        wide = QFontMetrics(bold)
        header.resizeSection(AgendaColumn.SLOT, wide.horizontalAdvance("00:00") + 20)
        header.resizeSection(AgendaColumn.CLOCK, wide.horizontalAdvance("00:00 / 15:00") + 20)
        self.agenda_view.activated.connect(lambda index: self.go_to(index.row()))
        side_layout.addWidget(self.agenda_view, 1)
        self.attendance_warning = QLabel("", side)
        self.attendance_warning.setObjectName("fieldError")
        self.attendance_warning.setWordWrap(True)
        side_layout.addWidget(self.attendance_warning)
        side.setMinimumWidth(240)

        main = QWidget(splitter)
        main.setObjectName("meetingItem")
        layout = QVBoxLayout(main)
        layout.setContentsMargins(14, 12, 14, 10)
        layout.setSpacing(8)

        top = QHBoxLayout()
        self.item_heading = QLabel("", main)
        self.item_heading.setObjectName("pageHeading")
        self.item_heading.setTextFormat(Qt.TextFormat.PlainText)
        top.addWidget(self.item_heading, 1)
        self.item_clock = QLabel("", main)
        self.item_clock.setObjectName("itemClock")
        self.item_clock.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.item_clock)
        layout.addLayout(top)
        self.item_subheading = QLabel("", main)
        self.item_subheading.setObjectName("mutedText")
        self.item_subheading.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.item_subheading)

        upper = QHBoxLayout()
        upper.setSpacing(14)
        # Left: what the item is about (the case, or the statement and attendance).
        self.about = QStackedWidget(main)
        self.case_info = QWidget(self.about)
        info_layout = QVBoxLayout(self.case_info)
        info_layout.setContentsMargins(0, 0, 0, 0)
        info_layout.setSpacing(4)
        self.summary_label = QLabel("", self.case_info)
        self.summary_label.setObjectName("caseSummary")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextFormat(Qt.TextFormat.RichText)
        self.summary_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        info_layout.addWidget(self.summary_label)
        self.people_label = QLabel("", self.case_info)
        self.people_label.setObjectName("casePeople")
        self.people_label.setWordWrap(True)
        self.people_label.setTextFormat(Qt.TextFormat.RichText)
        self.people_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        info_layout.addWidget(self.people_label)
        info_layout.addStretch(1)
        # A long brief (the criteria, the reason, the summary) scrolls rather than being cut off.
        self.case_scroll = QScrollArea(self.about)
        self.case_scroll.setObjectName("caseBriefScroll")
        self.case_scroll.setWidgetResizable(True)
        self.case_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.case_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.case_scroll.setWidget(self.case_info)
        # Five lines at least, then it scrolls: on a 1024×700 laptop the agreed actions and the
        # Decision row below must stay on the screen.
        self.case_scroll.setMinimumHeight(self.fontMetrics().lineSpacing() * 5)
        self.about.addWidget(self.case_scroll)

        self.statement_box = QWidget(self.about)
        st_layout = QVBoxLayout(self.statement_box)
        st_layout.setContentsMargins(0, 0, 0, 0)
        self.statement_label = QLabel(self.detail.confidentiality_statement, self.statement_box)
        self.statement_label.setWordWrap(True)
        self.statement_label.setTextFormat(Qt.TextFormat.PlainText)
        self.statement_label.setObjectName("statementText")
        st_layout.addWidget(self.statement_label)
        st_layout.addStretch(1)
        self.about.addWidget(self.statement_box)
        self.plain_box = QLabel("", self.about)
        self.plain_box.setWordWrap(True)
        self.plain_box.setObjectName("mutedText")
        self.plain_box.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.about.addWidget(self.plain_box)
        upper.addWidget(self.about, 4)

        # Right: earlier actions to review (cases, and the review item), or attendance.
        self.right = QStackedWidget(main)
        earlier_box = QWidget(self.right)
        eb = QVBoxLayout(earlier_box)
        eb.setContentsMargins(0, 0, 0, 0)
        eb.setSpacing(4)
        self.earlier_model = ActionListModel(self, today=self.ctx.today)
        self.earlier_view = _table(earlier_box, "earlierActions", "Actions from earlier meetings")
        self.earlier_view.setModel(self.earlier_model)
        self._fit_action_columns(self.earlier_view)
        # Two lines a row: most actions' text fits whole (the tooltip has the rest). Fixed heights,
        # not fitted to contents: fitting asks every cell for its size on every change of case.
        self.earlier_view.setWordWrap(True)
        self.earlier_view.verticalHeader().setDefaultSectionSize(self.earlier_view.fontMetrics().lineSpacing() * 2 + 10)
        self.earlier_caption = _caption("&Earlier actions  (C completed · G ongoing · H on hold · "
                                        "D discontinued · O open)", earlier_box, self.earlier_view)
        caption_row = QHBoxLayout()
        caption_row.addWidget(self.earlier_caption)
        caption_row.addStretch(1)
        self.earlier_empty = QLabel("", earlier_box)
        self.earlier_empty.setObjectName("mutedText")
        caption_row.addWidget(self.earlier_empty)
        eb.addLayout(caption_row)
        eb.addWidget(self.earlier_view, 1)
        self.reason_edit = QLineEdit(earlier_box)
        self.reason_edit.setObjectName("reasonEdit")
        self.reason_edit.setAccessibleName("Reason")
        self.reason_edit.hide()
        self.reason_edit.returnPressed.connect(self._save_review_with_reason)
        KeyFilter(self.reason_edit, self._reason_key)
        eb.addWidget(self.reason_edit)
        KeyFilter(self.earlier_view, self._earlier_key)
        self.right.addWidget(earlier_box)

        attendance_box = QWidget(self.right)
        ab = QVBoxLayout(attendance_box)
        ab.setContentsMargins(0, 0, 0, 0)
        ab.setSpacing(4)
        self.attendance_model = AttendanceModel(self)
        self.attendance_view = _table(attendance_box, "attendanceTable", "Attendance")
        self.attendance_view.setModel(self.attendance_model)
        ah = self.attendance_view.horizontalHeader()
        ah.setSectionResizeMode(AttendanceColumn.AGENCY, QHeaderView.ResizeMode.Stretch)
        ah.setSectionResizeMode(AttendanceColumn.NAME, QHeaderView.ResizeMode.ResizeToContents)
        for col in (AttendanceColumn.STATUS, AttendanceColumn.INFORMATION, AttendanceColumn.SIGNED):
            ah.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        ab.addWidget(_caption("A&ttendance  (P present · A apologies · X absent · I information sent · "
                              "S statement signed)", attendance_box, self.attendance_view))
        self.attendance_view.setToolTip("Type in the Name column (or F2) for who came; P, A, X, I and S act "
                                        "on the row elsewhere")
        ab.addWidget(self.attendance_view, 1)
        observer_row = QHBoxLayout()
        self.observer_edit = QLineEdit(attendance_box)
        self.observer_edit.setObjectName("observerEdit")
        self.observer_edit.setAccessibleName("Observer's name")
        self.observer_edit.setPlaceholderText("An observer's name and role; Enter adds")
        self.observer_edit.returnPressed.connect(self._add_observer)
        self.observer_signed = QCheckBox("&Statement signed", attendance_box)
        observer_row.addWidget(_caption("O&bserver", attendance_box, self.observer_edit))
        observer_row.addWidget(self.observer_edit, 1)
        observer_row.addWidget(self.observer_signed)
        ab.addLayout(observer_row)
        KeyFilter(self.attendance_view, self._attendance_key)
        self._attendee_names: dict[int, tuple[str, ...]] | None = None
        self.attendance_model.name_edited.connect(self._name_typed)
        self.right.addWidget(attendance_box)
        upper.addWidget(self.right, 5)
        layout.addLayout(upper, 5)
        self._item_layout, self._upper = layout, upper

        # Notes.
        self.notes = QPlainTextEdit(main)
        self.notes.setObjectName("notesEdit")
        self.notes.setAccessibleName("Notes")
        self.notes.setPlaceholderText("What was shared and discussed. Saved as you type.")
        self.notes.setTabChangesFocus(True)
        self.notes.textChanged.connect(self._notes_changed)
        layout.addWidget(_caption("&Notes", main, self.notes))
        self.notes.setMinimumHeight(self.notes.fontMetrics().lineSpacing() * 3 + 16)
        layout.addWidget(self.notes, 3)

        # The action line.
        self.action_line = QWidget(main)
        al = QHBoxLayout(self.action_line)
        al.setContentsMargins(0, 0, 0, 0)
        al.setSpacing(6)
        self.agency_edit = QLineEdit(self.action_line)
        self.agency_edit.setObjectName("agencyEdit")
        self.agency_edit.setAccessibleName("Agency")
        self.agency_edit.setPlaceholderText("Agency")
        self.agency_completer = QCompleter([a.name for a in self._agencies], self.agency_edit)
        self.agency_completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.agency_edit.setCompleter(self.agency_completer)
        self.agency_edit.textChanged.connect(self._agency_typed)
        self.owner_edit = QLineEdit(self.action_line)
        self.owner_edit.setObjectName("ownerEdit")
        self.owner_edit.setAccessibleName("Owner")
        self.owner_edit.setPlaceholderText("Owner")
        self.owner_model = QStringListModel([m.name for m in self._members], self)
        self.owner_completer = QCompleter(self.owner_model, self.owner_edit)
        self.owner_completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.owner_edit.setCompleter(self.owner_completer)
        for completer in (self.agency_completer, self.owner_completer):
            # Completed in the line itself as you type (the rest selected; Tab or Enter takes it):
            # no list pops up over the notes, and nothing takes the keyboard from the line.
            completer.setCompletionMode(QCompleter.CompletionMode.InlineCompletion)
        self.text_edit = QLineEdit(self.action_line)
        self.text_edit.setObjectName("actionTextEdit")
        self.text_edit.setAccessibleName("Action")
        self.text_edit.setPlaceholderText("The action agreed — Enter adds it")
        self.due_edit = QDateEdit(self.action_line)
        self.due_edit.setObjectName("dueEdit")
        self.due_edit.setAccessibleName("Due date")
        self.due_edit.setDisplayFormat("d MMM yyyy")
        self.due_edit.setCalendarPopup(True)
        self._reset_due()
        al.addWidget(_caption("A&gency", self.action_line, self.agency_edit))
        al.addWidget(self.agency_edit, 3)
        al.addWidget(self.owner_edit, 3)
        al.addWidget(self.text_edit, 8)
        al.addWidget(self.due_edit, 2)
        for edit in (self.agency_edit, self.owner_edit, self.text_edit, self.due_edit):
            KeyFilter(edit, self._action_line_key)
        layout.addWidget(self.action_line)
        self.action_error = QLabel("", main)
        self.action_error.setObjectName("fieldError")
        self.action_error.hide()
        layout.addWidget(self.action_error)

        self.agreed_model = ActionListModel(self, today=self.ctx.today)
        self.agreed_view = _table(main, "agreedActions", "Actions agreed")
        self.agreed_view.setModel(self.agreed_model)
        self.agreed_view.hideColumn(ActionColumn.STATUS)
        self._fit_action_columns(self.agreed_view)
        # Three agreed actions always show; the action's own text takes the spare width.
        rows = self.agreed_view.verticalHeader().defaultSectionSize()
        self.agreed_view.setMinimumHeight(self.agreed_view.horizontalHeader().sizeHint().height() + 3 * rows + 4)
        self.agreed_caption = _caption("Actions agreed", main)
        layout.addWidget(self.agreed_caption)
        layout.addWidget(self.agreed_view, 3)

        # The decision.
        self.decision_row = QWidget(main)
        dr = QHBoxLayout(self.decision_row)
        dr.setContentsMargins(0, 0, 0, 0)
        self.decision_combo = QComboBox(self.decision_row)
        self.decision_combo.setObjectName("decisionCombo")
        self.decision_combo.setAccessibleName("Decision")
        for label, value in DECISIONS:
            self.decision_combo.addItem(label, value.value if value is not None else None)
        self.decision_combo.currentIndexChanged.connect(self._decision_chosen)
        self.outcome_edit = QLineEdit(self.decision_row)
        self.outcome_edit.setObjectName("outcomeEdit")
        self.outcome_edit.setAccessibleName("Outcome")
        self.outcome_edit.setPlaceholderText("The outcome, or where it is referred — Enter records the decision")
        self.outcome_edit.returnPressed.connect(self._record_decision)
        self.decision_state = QLabel("", self.decision_row)
        self.decision_state.setObjectName("mutedText")
        dr.addWidget(_caption("&Decision", self.decision_row, self.decision_combo))
        dr.addWidget(self.decision_combo)
        dr.addWidget(_caption("O&utcome", self.decision_row, self.outcome_edit))
        dr.addWidget(self.outcome_edit, 1)
        dr.addWidget(self.decision_state)
        layout.addWidget(self.decision_row)

        hint = QLabel(HINT, main)
        hint.setObjectName("pageHint")
        hint.setWordWrap(True)
        layout.addWidget(hint)

        splitter.addWidget(side)
        splitter.addWidget(main)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        # The agenda a quarter of the window, at most 400 px: the item has the rest.
        side_width = max(240, min(400, self.width() // 4))
        splitter.setSizes([side_width, max(400, self.width() - side_width)])

    @staticmethod
    def _fit_action_columns(view: QTableView) -> None:
        header = view.horizontalHeader()
        metrics = view.fontMetrics()
        header.setSectionResizeMode(ActionColumn.ACTION, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(ActionColumn.AGENCY, metrics.horizontalAdvance("Kent Children's") + 24)
        header.resizeSection(ActionColumn.OWNER, metrics.horizontalAdvance("Oscar Morrison") + 24)
        header.resizeSection(ActionColumn.DUE, metrics.horizontalAdvance("28 Sep 2026") + 28)
        header.resizeSection(ActionColumn.STATUS, metrics.horizontalAdvance("Completed") + 28)

    def _build_review_page(self) -> None:
        layout = QVBoxLayout(self.review_page)
        layout.setContentsMargins(20, 16, 20, 12)
        self.review_heading = QLabel("", self.review_page)
        self.review_heading.setObjectName("pageHeading")
        layout.addWidget(self.review_heading)
        self.review_state = QLabel("", self.review_page)
        self.review_state.setWordWrap(True)
        layout.addWidget(self.review_state)
        self.review_problems = QLabel("", self.review_page)
        self.review_problems.setObjectName("fieldError")
        self.review_problems.setWordWrap(True)
        layout.addWidget(self.review_problems)
        self.minutes_view = QTextBrowser(self.review_page)
        self.minutes_view.setObjectName("minutesPreview")
        self.minutes_view.setAccessibleName("Minutes")
        self.minutes_view.setOpenLinks(False)
        layout.addWidget(self.minutes_view, 1)
        self.addendum_row = QWidget(self.review_page)
        ar = QHBoxLayout(self.addendum_row)
        ar.setContentsMargins(0, 0, 0, 0)
        self.addendum_edit = QLineEdit(self.addendum_row)
        self.addendum_edit.setObjectName("addendumEdit")
        self.addendum_edit.setAccessibleName("Addendum")
        self.addendum_edit.setPlaceholderText("A correction to the finalised minutes; Enter adds it with your name and "
                                              "the time")
        self.addendum_edit.returnPressed.connect(self._add_addendum)
        ar.addWidget(_caption("A&ddendum", self.addendum_row, self.addendum_edit))
        ar.addWidget(self.addendum_edit, 1)
        layout.addWidget(self.addendum_row)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.back_button = QPushButton("&Back to the meeting", self.review_page)
        self.back_button.clicked.connect(self.resume_meeting)
        buttons.addWidget(self.back_button)
        self.finalise_button = QPushButton("&Finalise minutes", self.review_page)
        self.finalise_button.setObjectName("primaryButton")
        self.finalise_button.clicked.connect(self.finalise)
        buttons.addWidget(self.finalise_button)
        layout.addLayout(buttons)

    def _build_actions(self) -> None:
        menu = self.menuBar().addMenu("&Meeting")

        def action(text: str, keys: list[str], slot) -> QAction:  # noqa: ANN001
            act = QAction(text, self)
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            act.triggered.connect(slot)
            menu.addAction(act)
            self.addAction(act)
            return act

        self.next_action = action("&Next item", ["Ctrl+PgDown", "Alt+Right"], self.next_item)
        self.previous_action = action("&Previous item", ["Ctrl+PgUp", "Alt+Left"], self.previous_item)
        menu.addSeparator()
        self.addresses_action = action("Show or hide &addresses", ["Ctrl+Shift+A"], self.toggle_addresses)
        self.chronology_action = action("C&hronology of the case…", ["Ctrl+Shift+H"], self.open_chronology)
        menu.addSeparator()
        self.finish_action = action("&Finish the meeting", ["Ctrl+Shift+E"], self.finish_meeting)
        self.close_action = action("&Close", ["Ctrl+W"], self.close)

    # -- navigation --------------------------------------------------------------------------------

    def current_item(self) -> AgendaEntry | None:
        if 0 <= self.current_index < self.agenda_model.rowCount():
            return self.agenda_model.row_at(self.current_index)
        return None

    def next_item(self) -> None:
        if self.pages.currentWidget() is self.run_page and self.current_index < self.agenda_model.rowCount() - 1:
            self.go_to(self.current_index + 1)

    def previous_item(self) -> None:
        if self.pages.currentWidget() is self.run_page and self.current_index > 0:
            self.go_to(self.current_index - 1)

    def go_to(self, index: int) -> None:
        """Show agenda item ``index``: what was typed is saved first, the clocks move on."""
        if not 0 <= index < self.agenda_model.rowCount():
            return
        self.autosaver.flush()
        self._cancel_reason()
        leaving = self.current_item()
        target = self.agenda_model.row_at(index)
        view = self._views.pop(target.id, None)
        if view is None:
            try:
                view = self.service.read_item(target.id)
            except ServiceError as exc:
                self.statusBar().showMessage(str(exc), 8000)
                return
        self._visited.add(target.id)
        # The clocks move here at once; the service records the move (and the view of the case)
        # on the database thread, so the next case is on screen without waiting for a commit.
        if self.detail.row.status is MeetingStatus.IN_PROGRESS:
            now = self.service.now()
            if leaving is not None and leaving.id != target.id and leaving.started_at is not None:
                self.agenda_model.replace(dataclasses.replace(leaving, ended_at=now))
            self.agenda_model.replace(dataclasses.replace(target, started_at=target.started_at or now, ended_at=None))
        self._record_open(target.id, leaving.id if leaving is not None else None)
        self.current_index = index
        self.agenda_model.set_current(target.id)
        self.agenda_view.selectRow(index)
        self._show_item(self.agenda_model.row_at(index), view)
        emit(self.item_shown, target.id)

    # -- the database thread: recording moves, reading ahead --------------------------------------

    def _record_open(self, item_id: int, leaving_id: int | None) -> None:
        self._record_queue.append((item_id, leaving_id))
        self._pump_records()

    def _pump_records(self) -> None:
        """One record at a time, in order: two quick moves must not overtake each other."""
        if self._recording is not None or not self._record_queue:
            return
        item_id, leaving_id = self._record_queue.pop(0)
        service = self.service
        self._recording = run_in_background(
            lambda: service.item_opened(item_id, leaving_item_id=leaving_id),
            self._recorded, self._record_failed,
        )

    def _recorded(self, _result: object) -> None:
        self._recording = None
        self._pump_records()

    def _record_failed(self, exc: BaseException) -> None:
        self._recording = None
        self.statusBar().showMessage(str(exc), 8000)
        self._pump_records()

    def settle(self) -> None:
        """Finish every move still being recorded (before the meeting ends, or the window closes)."""
        if self._recording is not None:
            self._recording.wait()
            QApplication.processEvents()  # deliver its result, which starts the next
        while self._recording is not None or self._record_queue:
            if self._recording is not None:
                self._recording.wait()
                QApplication.processEvents()
                continue
            item_id, leaving_id = self._record_queue.pop(0)
            try:
                self.service.item_opened(item_id, leaving_item_id=leaving_id)
            except ServiceError as exc:
                self.statusBar().showMessage(str(exc), 8000)

    def _read_ahead(self) -> None:
        """Read every item's view on the database thread while the meeting starts, so the first
        Ctrl+PgDown to each case finds it read (and the file's pages warm)."""
        ids = [self.agenda_model.row_at(n).id for n in range(self.agenda_model.rowCount())]
        service = self.service

        def read() -> dict[int, ItemView]:
            return {i: service.read_item(i) for i in ids}

        self._reading_ahead = run_in_background(read, self._read_ahead_done, self._read_ahead_failed)

    def _read_ahead_done(self, views: object) -> None:
        self._reading_ahead = None
        assert isinstance(views, dict)
        for item_id, view in views.items():
            if item_id not in self._visited:  # what was shown since is fresher
                self._views.setdefault(item_id, view)

    def _read_ahead_failed(self, _exc: BaseException) -> None:
        self._reading_ahead = None  # nothing lost: each item is read when shown

    def _forget_action_everywhere(self, row: ActionRow) -> None:
        """An action reviewed under one item is also listed under another (the review of outstanding
        actions and its case): views read ahead must not show its old status."""
        for item_id, view in list(self._views.items()):
            if any(a.id == row.id for a in view.earlier):
                self._views[item_id] = dataclasses.replace(
                    view, earlier=tuple(row if a.id == row.id else a for a in view.earlier))

    def _show_item(self, item: AgendaEntry, view: ItemView) -> None:
        self._loading = True
        try:
            kind = item.kind
            self.item_heading.setText(item.label)
            sub = [f"{item.slot_start:%H:%M}–{item.slot_end:%H:%M}"]
            if item.listing is not None:
                sub.append(item.listing.label)
            if item.referring_agency:
                sub.append(f"referred by {item.referring_agency}")
            self.item_subheading.setText("  ·  ".join(sub))
            self.notes.setPlainText(item.discussion)
            self.notes.moveCursor(self.notes.textCursor().MoveOperation.End)
            self._brief = None
            is_case = kind is AgendaItemKind.CASE
            self.action_line.setVisible(kind is not AgendaItemKind.CONFIDENTIALITY)
            self.agreed_caption.setVisible(kind is not AgendaItemKind.CONFIDENTIALITY)
            self.agreed_view.setVisible(kind is not AgendaItemKind.CONFIDENTIALITY)
            self.decision_row.setVisible(is_case)
            self.action_error.hide()
            if kind is AgendaItemKind.CONFIDENTIALITY:
                self.about.setCurrentWidget(self.statement_box)
                self.right.setCurrentWidget(self.attendance_view.parentWidget())
                self._load_attendance()
                focus: QWidget = self.attendance_view
            elif kind is AgendaItemKind.ACTIONS_REVIEW:
                self.about.setCurrentWidget(self.plain_box)
                self.plain_box.setText("Actions from earlier meetings on the cases listed today: review each with one "
                                       "key. A case's own actions also come up when it is discussed.")
                self.right.setCurrentWidget(self.earlier_view.parentWidget())
                self._set_earlier(list(view.earlier), show_reference=True)
                focus = self.earlier_view if view.earlier else self.notes
            elif is_case:
                assert item.case_id is not None
                self.about.setCurrentWidget(self.case_scroll)
                self.right.setCurrentWidget(self.earlier_view.parentWidget())
                self._brief = view.brief
                assert self._brief is not None
                self._fill_brief(self._brief)
                self._set_earlier(list(view.earlier), show_reference=False)
                focus = self.notes
            else:
                self.about.setCurrentWidget(self.plain_box)
                self.plain_box.setText("Anything else the panel needs to raise. Actions agreed here belong to the "
                                       "panel, not to a case.")
                self.right.setCurrentWidget(self.earlier_view.parentWidget())
                self._set_earlier([], show_reference=False)
                focus = self.notes
            self.right.setVisible(kind is not AgendaItemKind.AOB)
            if kind is not AgendaItemKind.CONFIDENTIALITY:
                self.agreed_model.set_rows(list(view.agreed))
            self._show_decision(item)
            self._update_clock()
            focus.setFocus()
        finally:
            self._loading = False

    def _set_earlier(self, rows: list[ActionRow], *, show_reference: bool) -> None:
        if show_reference:
            rows = [dataclasses.replace(r, text=f"{r.reference}: {r.text}") for r in rows]
        self.earlier_model.set_rows(rows)
        # An empty table hands its room to the notes and the actions agreed ("None on this case"
        # says why). Shown or hidden only when that changes: each change relays the window out.
        if self.earlier_view.isHidden() == bool(rows):
            self.earlier_view.setVisible(bool(rows))
            self._item_layout.setStretchFactor(self._upper, 5 if rows else 2)
        if rows:
            self.earlier_empty.setText(f"{len(rows)} to review" if len(rows) > 1 else "1 to review")
        else:
            self.earlier_empty.setText("None on the cases listed." if show_reference else "None on this case.")
        if rows:
            self.earlier_view.selectRow(0)

    def _fill_brief(self, brief: CaseBrief) -> None:
        esc = html.escape
        risk = brief.risk_level.label if brief.risk_level else "not assessed"
        # A MARAC case says why its level is what it is (the domain's one rule), beside its latest DASH.
        criteria = [(k, v) for k, v in brief.criteria if k != "Risk level"]
        explained = dict(brief.criteria).get("Risk level")
        if explained is not None:
            risk_line = f"<p><b>Risk:</b> {esc(explained)}" + (
                f". Latest assessment: {esc(brief.risk_summary)}" if brief.risk_summary else "") + "</p>"
        else:
            risk_line = f"<p><b>Risk:</b> {esc(risk)}" + (
                f" ({esc(brief.risk_summary.removesuffix(', ' + risk))})" if brief.risk_summary else "") + "</p>"
        parts = [
            risk_line,
            f"<p><b>Referred</b> {esc(short_date(brief.referral_date))}"
            + (f" by {esc(brief.referring_agency)}" if brief.referring_agency else "")
            + (" · <b>repeat</b>" if brief.is_repeat else "") + "</p>",
        ]
        if criteria:
            parts.append("<p>" + "<br/>".join(f"<b>{esc(k)}:</b> {esc(v)}" for k, v in criteria) + "</p>")
        if brief.reason:
            parts.append(f"<p><b>Reason:</b> {esc(brief.reason)}</p>")
        if brief.summary:
            parts.append(f"<p><b>Summary:</b> {esc(brief.summary)}</p>")
        self.summary_label.setText("".join(parts))
        today = self.ctx.today()
        lines = []
        for p in brief.people:
            age = _age(p.date_of_birth, today)
            line = f"<b>{esc(p.name)}</b> — {esc(p.role.label)}" + (f", {age}" if age else "")
            if said := self._known_to(p.person_id):  # issue 20: other panels, as the setting allows
                line += f"<br/>&nbsp;&nbsp;<i>{esc(said)}</i>"
            if brief.addresses_shown:
                contact = ", ".join(x for x in (p.address, p.postcode, p.phone) if x)
                line += f"<br/>&nbsp;&nbsp;<span>{esc(contact) or 'no address held'}</span>"
            lines.append(line)
        note = ("Addresses shown (Ctrl+Shift+A hides them)" if brief.addresses_shown
                else "Addresses hidden — Ctrl+Shift+A shows them")
        self.people_label.setText("<p><b>People</b></p><p>" + "<br/>".join(lines) + "</p>"
                                  + f"<p style='color:{theme.colour('muted').name()}'>{note}</p>")

    def open_chronology(self):  # noqa: ANN201 - ChronologyDialog | None
        """The chronology of the case being heard (Ctrl+Shift+H)."""
        from cspdesk.services.chronology import Subject
        from ui.dialogs.chronology import open_chronology

        return None if self._brief is None else open_chronology(self, self.ctx, Subject.case(self._brief.case_id))

    def toggle_addresses(self) -> None:
        if self._brief is None:
            return
        try:
            self._brief = self.service.case_brief(self._brief.case_id, with_addresses=not self._brief.addresses_shown)
        except ServiceError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return
        self._fill_brief(self._brief)

    # -- clocks ------------------------------------------------------------------------------------

    def _tick(self) -> None:
        self.agenda_model.tick()
        self._update_clock()

    def _update_clock(self) -> None:
        item = self.current_item()
        if item is None:
            self.item_clock.setText("")
            return
        spent = self.agenda_model.elapsed(item)
        allowed = item.minutes_allowed
        if spent is None:
            self.item_clock.setText(f"{allowed} min allowed")
            return
        over = spent > allowed * 60
        minutes, seconds = divmod(int(spent), 60)
        text = f"{minutes}:{seconds:02d} of {allowed}:00"
        if over:
            text += "  — over time"
        self.item_clock.setText(text)
        self.item_clock.setProperty("over", over)
        # The stylesheet colours an item over time: polished again to read the property.
        self.item_clock.style().unpolish(self.item_clock)
        self.item_clock.style().polish(self.item_clock)

    # -- notes ---------------------------------------------------------------------------------------

    def _notes_changed(self) -> None:
        if self._loading:
            return
        item = self.current_item()
        if item is not None:
            self.autosaver.changed(item.id, self.notes.toPlainText())

    def _save_notes(self, item_id: object, text: str) -> None:
        assert isinstance(item_id, int)
        self.service.save_notes(item_id, discussion=text)
        n = self.agenda_model.row_of(item_id)
        if n >= 0:
            self.agenda_model.replace(dataclasses.replace(self.agenda_model.row_at(n), discussion=text))

    def _notes_were_saved(self, item_id: object, seconds: float) -> None:
        self.saved_label.setText(f"Notes saved {time.strftime('%H:%M:%S')}")
        emit(self.notes_saved, int(item_id), float(seconds))

    def _notes_failed(self, message: str) -> None:
        self.saved_label.setText("Notes NOT saved yet — retrying")
        self.statusBar().showMessage(message, 8000)

    # -- earlier actions -------------------------------------------------------------------------------

    def _earlier_key(self, event: QKeyEvent) -> bool:
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier & ~Qt.KeyboardModifier.ShiftModifier:
            return False
        status = STATUS_KEYS.get(Qt.Key(event.key()))
        if status is None:
            return False
        row = self.earlier_view.currentIndex().row()
        if row < 0:
            return True
        action = self.earlier_model.row_at(row)
        if status in ACTION_STATUSES_NEEDING_REASON:
            self._reviewing, self._review_status = action, status
            self.reason_edit.clear()
            self.reason_edit.setPlaceholderText(f"Why is it {status.label.lower()}? Enter saves, Escape cancels")
            self.reason_edit.show()
            self.reason_edit.setFocus()
            return True
        self._review(action, status, "")
        return True

    def _reason_key(self, event: QKeyEvent) -> bool:
        if event.key() == Qt.Key.Key_Escape:
            self._cancel_reason()
            self.earlier_view.setFocus()
            return True
        return False

    def _cancel_reason(self) -> None:
        self._reviewing = self._review_status = None
        self.reason_edit.hide()

    def _save_review_with_reason(self) -> None:
        if self._reviewing is None or self._review_status is None:
            return
        if self._review(self._reviewing, self._review_status, self.reason_edit.text()):
            self._cancel_reason()
            self.earlier_view.setFocus()

    def _review(self, action: ActionRow, status: ActionStatus, reason: str) -> bool:
        try:
            result = self.service.review_action(action.id, status, reason=reason, meeting_id=self.meeting_id)
        except ServiceError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return False
        row = result.value
        shown = self.earlier_model.row_at(self.earlier_model.row_of(action.id))
        if shown.text != row.text:  # the review item shows references before the text
            row = dataclasses.replace(row, text=shown.text)
        self.earlier_model.replace(row)
        self._forget_action_everywhere(result.value)
        self._announce(result.changes)
        n = self.earlier_model.row_of(action.id)
        if n + 1 < self.earlier_model.rowCount():
            self.earlier_view.selectRow(n + 1)
        self.statusBar().showMessage(f"Action marked {status.label.lower()}.", 4000)
        return True

    # -- the action line ------------------------------------------------------------------------------

    def _agency_typed(self, text: str) -> None:
        agency = self._resolve_agency(text)
        members = [m.name for m in self._members if agency is None or m.agency_id == agency.id]
        self.owner_model.setStringList(members)

    def _resolve_agency(self, text: str):  # noqa: ANN202 - Choice | None
        wanted = text.strip().casefold()
        if not wanted:
            return None
        for a in self._agencies:
            if a.name.casefold() == wanted:
                return a
        for test in (lambda n: n.startswith(wanted), lambda n: wanted in n):
            found = [a for a in self._agencies if test(a.name.casefold())]
            if len(found) == 1:
                return found[0]
        return None

    def _resolve_owner(self, text: str, agency_id: int):  # noqa: ANN202 - Choice | None
        wanted = text.strip().casefold()
        if not wanted:
            return None
        mine = [m for m in self._members if m.agency_id == agency_id]
        for m in mine:
            if m.name.casefold() == wanted:
                return m
        for test in (lambda n: n.startswith(wanted), lambda n: wanted in n):
            found = [m for m in mine if test(m.name.casefold())]
            if len(found) == 1:
                return found[0]
        return None

    def _action_line_key(self, event: QKeyEvent) -> bool:
        key = event.key()
        focused = self.focusWidget()
        completer = focused.completer() if isinstance(focused, QLineEdit) else None
        popup = completer.popup() if completer is not None else None
        popup_open = popup is not None and popup.isVisible()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Tab) and popup_open:
            # Take the completion highlighted (or the first) before anything else.
            index = popup.currentIndex()
            text = index.data() if index.isValid() else completer.currentCompletion()
            if text:
                focused.setText(text)
            self._close_popups()
        if key in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab):
            # Agency → owner → action → due, and back: the line's own order, whatever the window's.
            order: list[QWidget] = [self.agency_edit, self.owner_edit, self.text_edit, self.due_edit]
            here = next((n for n, w in enumerate(order) if w is focused or w.isAncestorOf(focused)), -1)
            step = 1 if key == Qt.Key.Key_Tab else -1
            if 0 <= here + step < len(order) and here >= 0:
                order[here + step].setFocus(Qt.FocusReason.TabFocusReason)
                return True
            return False
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.add_action()
            return True
        if key == Qt.Key.Key_Escape and popup_open:
            self._close_popups()
            return True
        return False

    def add_action(self) -> None:
        """Enter on the action line: add the action and clear the line for the next one."""
        item = self.current_item()
        if item is None or item.kind is AgendaItemKind.CONFIDENTIALITY:
            return
        agency = self._resolve_agency(self.agency_edit.text())
        if agency is None:
            self._action_problem("Type the agency that owns the action (it completes as you type).",
                                 self.agency_edit)
            return
        owner = self._resolve_owner(self.owner_edit.text(), agency.id)
        due = self.due_edit.date().toPython()
        try:
            result = self.service.add_agreed_action(
                item.id, agency_id=agency.id, text=self.text_edit.text(),
                owner_member_id=owner.id if owner else None,
                owner_name=owner.name if owner else self.owner_edit.text(), due_date=due,
            )
        except ValidationError as exc:
            target = {"agency": self.agency_edit, "owner": self.owner_edit, "due_date": self.due_edit}.get(
                exc.field, self.text_edit)
            self._action_problem(str(exc), target)
            return
        except ServiceError as exc:
            self._action_problem(str(exc), self.text_edit)
            return
        self.action_error.hide()
        self._close_popups()
        self.agreed_model.set_rows([*self.agreed_model.rows(), result.value])
        self.agreed_view.scrollToBottom()
        for edit in (self.agency_edit, self.owner_edit, self.text_edit):
            edit.clear()
        self._reset_due()
        self.agency_edit.setFocus()
        self._announce(result.changes)
        emit(self.action_added, result.value)

    def _close_popups(self) -> None:
        """Hide the completers' lists (Enter and Tab take the completion first)."""
        for completer in (self.agency_completer, self.owner_completer):
            popup = completer.popup()
            if popup is not None:
                popup.hide()

    def _action_problem(self, message: str, focus: QWidget) -> None:
        self.action_error.setText(message)
        self.action_error.show()
        focus.setFocus()

    def _default_due(self) -> date:
        return self.service.default_due_date(self.meeting_id)

    def _reset_due(self) -> None:
        due = self._due_default
        self.due_edit.setDate(QDate(due.year, due.month, due.day))

    # -- the decision --------------------------------------------------------------------------------

    def _show_decision(self, item: AgendaEntry) -> None:
        self.decision_combo.blockSignals(True)
        index = next((n for n, (_l, d) in enumerate(DECISIONS) if d == item.decision), 0)
        self.decision_combo.setCurrentIndex(index)
        self.decision_combo.blockSignals(False)
        self.outcome_edit.setText(item.decision_notes)
        self._decision_state(item)

    def _decision_state(self, item: AgendaEntry) -> None:
        self.decision_state.setText(f"Recorded: {item.decision.label}" if item.decision else "Not recorded yet")

    def _decision_chosen(self, index: int) -> None:
        if self._loading:
            return
        decision = DECISIONS[index][1]
        if decision in (Decision.CLOSE, Decision.REFER_ON) and not self.outcome_edit.text().strip():
            self.decision_state.setText("Type the outcome, then Enter")
            self.outcome_edit.setFocus()
            return
        self._record_decision()

    def _record_decision(self) -> None:
        item = self.current_item()
        if item is None or item.kind is not AgendaItemKind.CASE:
            return
        data = self.decision_combo.currentData()
        decision = Decision(data) if data else None
        try:
            result = self.service.record_decision(item.id, decision, self.outcome_edit.text())
        except ServiceError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            self.decision_state.setText(str(exc))
            return
        entry = result.value
        self.agenda_model.replace(dataclasses.replace(entry, position=item.position, slot_start=item.slot_start,
                                                      slot_end=item.slot_end, started_at=item.started_at,
                                                      ended_at=item.ended_at))
        self._decision_state(entry)
        self.statusBar().showMessage(f"Decision recorded: {entry.decision.label if entry.decision else 'none'}.", 4000)

    # -- attendance ----------------------------------------------------------------------------------

    def _load_attendance(self) -> None:
        self.detail = self.service.get_meeting(self.meeting_id)
        edit_names_in(self.attendance_view, self.attendance_model, self._names, not self.detail.locked)
        self.attendance_model.set_rows(self.detail.attendance)
        if self.attendance_model.rowCount():
            self.attendance_view.selectRow(0)
        self._update_attendance_warning()

    def _names(self) -> dict[int, tuple[str, ...]]:
        """The names to complete in the attendance grid, by agency (read once, when first needed)."""
        if self._attendee_names is None:
            self._attendee_names = self.service.attendee_names(self.meeting_id)
        return self._attendee_names

    def _update_attendance_warning(self) -> None:
        missing = self.detail.missing_core_agencies
        if not missing:
            self.attendance_warning.setText("")
            self.attendance_warning.hide()
            return
        names = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
        self.attendance_warning.setText(f"Core agencies not present: {names}.")
        self.attendance_warning.show()

    def _attendance_key(self, event: QKeyEvent) -> bool:
        try:
            result = apply_attendance_key(self.service, self.meeting_id, self.attendance_view,
                                          self.attendance_model, event)
        except ServiceError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return True
        if result is None:
            return False
        self._attendance_saved()
        return True

    def _name_typed(self, row: int, name: str) -> None:
        try:
            save_name(self.service, self.meeting_id, self.attendance_model, row, name)
        except ServiceError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return
        self._attendance_saved()

    def _attendance_saved(self) -> None:
        self.detail = self.service.get_meeting(self.meeting_id)
        self._update_attendance_warning()

    def _add_observer(self) -> None:
        name = self.observer_edit.text()
        try:
            result = self.service.add_observer(self.meeting_id, name,
                                               confidentiality_signed=self.observer_signed.isChecked())
        except ServiceError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return
        self.observer_edit.clear()
        self.observer_signed.setChecked(False)
        self.attendance_model.set_rows([*self.attendance_model.rows(), result.value])
        self.statusBar().showMessage(f"Observer added: {result.value.name}.", 4000)

    # -- after the meeting ------------------------------------------------------------------------------

    def finish_meeting(self) -> None:
        """Ctrl+Shift+E: the meeting is Held; its minutes come up for review."""
        if self.detail.row.status is not MeetingStatus.IN_PROGRESS or self.pages.currentWidget() is not self.run_page:
            return
        self.autosaver.flush()
        self.settle()
        try:
            result = self.service.end_meeting(self.meeting_id)
        except ServiceError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return
        self.detail = result.value
        self.clock_timer.stop()
        self._announce(result.changes)
        emit(self.meeting_ended)
        self.show_review()

    def resume_meeting(self) -> None:
        if self.detail.row.status is not MeetingStatus.HELD:
            return
        result = self.service.start_meeting(self.meeting_id)
        self.detail = result.value
        self._announce(result.changes)
        self.agenda_model.set_rows(self.detail.items)
        self.pages.setCurrentWidget(self.run_page)
        self.clock_timer.start()
        self._update_title()
        self.go_to(max(0, self.current_index))

    def show_review(self) -> None:
        self.detail = self.service.get_meeting(self.meeting_id)
        self.agenda_model.set_rows(self.detail.items)
        self.pages.setCurrentWidget(self.review_page)
        self._refresh_review()
        (self.addendum_edit if self.detail.locked else self.finalise_button).setFocus()

    def _refresh_review(self) -> None:
        d = self.detail
        self._update_title()
        self.review_heading.setText(f"Minutes — {d.row.panel_name}, {short_datetime(d.row.starts_at)}")
        if d.locked:
            by = f" by {d.finalised_by}" if d.finalised_by else ""
            self.review_state.setText(f"Finalised {short_datetime(d.finalised_at)}{by}. The minutes are locked: "
                                      "corrections are added as addenda, with who and when.")
        else:
            self.review_state.setText("The meeting has ended. Read the minutes through, then finalise them "
                                      "(Alt+F): after that they cannot change.")
        undecided = [i.reference for i in d.case_items if i.decision is None]
        problems = []
        if undecided and not d.locked:
            problems.append("No decision yet for " + ", ".join(undecided) + " (Alt+B goes back to the meeting).")
        if d.missing_core_agencies:
            problems.append("Core agencies not present: " + ", ".join(d.missing_core_agencies) + ".")
        self.review_problems.setText("\n".join(problems))
        self.review_problems.setVisible(bool(problems))
        # The focus moves before a focused button is hidden, never to wherever Qt would send it.
        self.addendum_row.setVisible(d.locked)
        if d.locked:
            self.addendum_edit.setFocus()
        self.finalise_button.setVisible(not d.locked)
        self.back_button.setVisible(not d.locked)
        self.minutes_view.setHtml(self._minutes_html())

    def _minutes_html(self) -> str:
        d = self.detail
        esc = html.escape
        agreed: dict[int | None, list[ActionRow]] = {}
        for a in self.service.meeting_actions(self.meeting_id):
            agreed.setdefault(a.agenda_item_id, []).append(a)
        out = [f"<h3>{esc(d.row.panel_name)} — {esc(short_datetime(d.row.starts_at))}</h3>",
               f"<p>{esc(d.row.venue)}<br/>Chair: {esc(d.row.chair or 'not recorded')} · Minutes: "
               f"{esc(d.row.minute_taker or 'not recorded')}</p>"]
        present = [a for a in d.attendance if a.status is AttendanceStatus.PRESENT and not a.is_observer]
        apologies = [a for a in d.attendance if a.status is AttendanceStatus.APOLOGIES]
        observers = [a for a in d.attendance if a.is_observer]
        out.append("<p><b>Present:</b> " + esc("; ".join(f"{a.name} ({a.agency})" if a.name else a.agency
                                                         for a in present) or "none") + "</p>")
        out.append("<p><b>Apologies:</b> " + esc("; ".join(
            f"{a.agency}" + (" (information sent)" if a.information_sent else "") for a in apologies) or "none")
            + "</p>")
        if observers:
            out.append("<p><b>Observers:</b> " + esc("; ".join(
                f"{a.name} (statement {'signed' if a.confidentiality_signed else 'NOT signed'})" for a in observers))
                + "</p>")
        for item in d.items:
            out.append(f"<h4>{esc(item.label)}" + (f" — {esc(item.listing.label)}" if item.listing else "") + "</h4>")
            if item.discussion:
                out.append("<p>" + esc(item.discussion).replace("\n", "<br/>") + "</p>")
            if item.kind is AgendaItemKind.ACTIONS_REVIEW:
                carried = self.service.carried_actions(self.meeting_id)
                if carried:
                    out.append("<table cellpadding='3' border='1' style='border-collapse:collapse'>"
                               "<tr><th>Case</th><th>Agency</th><th>Action</th><th>Due</th><th>Status</th></tr>")
                    for a in carried:
                        status = a.status.label + (f": {a.status_reason}" if a.status_reason else "")
                        out.append(f"<tr><td>{esc(a.reference)}</td><td>{esc(a.agency)}</td><td>{esc(a.text)}</td>"
                                   f"<td>{esc(short_date(a.due_date))}</td><td>{esc(status)}</td></tr>")
                    out.append("</table>")
                else:
                    out.append("<p>No outstanding actions on the cases listed.</p>")
            if item.kind is AgendaItemKind.CASE:
                decision = item.decision.label if item.decision else "NO DECISION YET"
                out.append(f"<p><b>Decision:</b> {esc(decision)}"
                           + (f" — {esc(item.decision_notes)}" if item.decision_notes else "") + "</p>")
            rows = agreed.get(item.id, [])
            if rows:
                out.append("<table cellpadding='3' border='1' style='border-collapse:collapse'>"
                           "<tr><th>Agency</th><th>Owner</th><th>Action</th><th>Due</th></tr>")
                for a in rows:
                    out.append(f"<tr><td>{esc(a.agency)}</td><td>{esc(a.owner)}</td><td>{esc(a.text)}</td>"
                               f"<td>{esc(short_date(a.due_date))}</td></tr>")
                out.append("</table>")
        if d.next_meeting is not None:
            out.append(f"<p><b>Next meeting:</b> {esc(short_datetime(d.next_meeting))}</p>")
        if d.addenda:
            out.append("<h4>Addenda</h4>")
            for a in d.addenda:
                out.append(f"<p>{esc(short_datetime(a.at))}, {esc(a.by)}: {esc(a.text)}</p>")
        return "".join(out)

    def finalise(self) -> None:
        try:
            result = self.service.finalise_minutes(self.meeting_id)
        except ServiceError as exc:
            self.review_problems.setText(str(exc))
            self.review_problems.show()
            return
        self.detail = result.value
        self._announce(result.changes)
        self._refresh_review()
        self.addendum_edit.setFocus()
        emit(self.minutes_finalised)

    def _add_addendum(self) -> None:
        try:
            result = self.service.add_addendum(self.meeting_id, self.addendum_edit.text())
        except ServiceError as exc:
            self.review_problems.setText(str(exc))
            self.review_problems.show()
            return
        self.addendum_edit.clear()
        self.detail = self.service.get_meeting(self.meeting_id)
        self._announce(result.changes)
        self._refresh_review()

    # -- the rest ------------------------------------------------------------------------------------

    def _update_title(self) -> None:
        d = self.detail
        self.setWindowTitle(f"Meeting mode — {d.row.panel_name}, {short_datetime(d.row.starts_at)} "
                            f"({d.row.status.label})")

    def _announce_initial(self) -> None:
        self._announce(self._initial_changes)

    def _announce(self, changes: OpChanges) -> None:
        if changes:
            emit(self.changes_made, changes)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        self.autosaver.flush()
        self.settle()
        if self._reading_ahead is not None:
            self._reading_ahead.wait()
        self.clock_timer.stop()
        emit(self.closed, self.meeting_id)
        super().closeEvent(event)
