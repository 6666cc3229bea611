"""Meeting mode's widgets: the run page (agenda, item, brief, earlier actions, notes, the action line,
the decision, attendance), the review page (the minutes) and the window's actions and keys."""

from __future__ import annotations


from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtGui import QAction, QFontMetrics, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cspdesk_gui import windows
from cspdesk_gui.meeting_mode.parts import DECISIONS, HINT, KeyFilter, caption, key_line, make_table
from cspdesk_gui.widgets.elided_label import ElidedLabel
from cspdesk_gui.models.meetings import (
    ActionColumn,
    ActionListModel,
    AgendaColumn,
    AgendaModel,
    AttendanceColumn,
    AttendanceModel,
)


def sized_by_current_page(stack: QStackedWidget) -> None:
    """Let ``stack`` ask only for the room its shown page needs (a QStackedWidget asks for its
    largest page's: the attendance grid and the statement held a case's window below a 1366×768
    screen at 200 %)."""
    def changed(_index: int) -> None:
        for n in range(stack.count()):
            page = stack.widget(n)
            policy = QSizePolicy.Policy.Preferred if page is stack.currentWidget() else QSizePolicy.Policy.Ignored
            page.setSizePolicy(policy, policy)
        stack.updateGeometry()

    stack.currentChanged.connect(changed)
    changed(stack.currentIndex())


#: Screens this many text lines tall or more (a 1024×700 laptop at 100 % has about 40) keep three
#: agreed actions in view at the least; fewer (200 % on a 768-px screen, about 27) keep two.
AGREED_THREE_FROM_LINES = 34


class MeetingLayout:
    """Builds the window's pages and actions. A part of :class:`~cspdesk_gui.meeting_mode.window.MeetingModeWindow` (mixed in: it works on the window's
    widgets and state, built in :mod:`cspdesk_gui.meeting_mode.layout`)."""

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
        side_layout.addWidget(caption("Agenda", side))
        self.agenda_model = AgendaModel(self, now=self.service.now)
        self.agenda_model.short_labels = True
        self.agenda_model.set_rows(self.detail.items)
        self.agenda_view = make_table(side, "agendaList", "Agenda")
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
        layout.setSpacing(6)

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
        # Three lines at least, then it scrolls: on a 1024×700 laptop, and at 200 % on a 1366×768
        # one, the agreed actions and the Decision row below must stay on the screen.
        self.case_scroll.setMinimumHeight(self.fontMetrics().lineSpacing() * 3)
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
        self.about.setMinimumWidth(self.fontMetrics().horizontalAdvance("Police incidents in 12 months"))
        upper.addWidget(self.about, 4)

        # Right: earlier actions to review (cases, and the review item), or attendance.
        self.right = QStackedWidget(main)
        earlier_box = QWidget(self.right)
        eb = QVBoxLayout(earlier_box)
        eb.setContentsMargins(0, 0, 0, 0)
        eb.setSpacing(4)
        self.earlier_model = ActionListModel(self, today=self.ctx.today)
        self.earlier_view = make_table(earlier_box, "earlierActions", "Actions from earlier meetings")
        self.earlier_view.setModel(self.earlier_model)
        self._fit_action_columns(self.earlier_view)
        # Two lines a row: most actions' text fits whole (the tooltip has the rest). Fixed heights,
        # not fitted to contents: fitting asks every cell for its size on every change of case.
        self.earlier_view.setWordWrap(True)
        self.earlier_view.verticalHeader().setDefaultSectionSize(self.earlier_view.fontMetrics().lineSpacing() * 2 + 10)
        # At least its heading and one whole row, then it scrolls: room goes to what is agreed (at
        # 200 % on a 1366×768 screen the window ran below the screen; with a line only, the one row
        # shown was cut through its middle).
        self.earlier_view.setMinimumHeight(self.earlier_view.horizontalHeader().sizeHint().height()
                                           + self.earlier_view.verticalHeader().defaultSectionSize()
                                           + self.earlier_view.horizontalScrollBar().sizeHint().height() + 6)
        self.earlier_caption = caption("&Earlier actions", earlier_box, self.earlier_view)
        caption_row = QHBoxLayout()
        caption_row.addWidget(self.earlier_caption)
        # The keys give way ("…", the whole in the tooltip) rather than widening the column: at
        # 200 % the caption's one line left the brief beside it 50 px wide ("Medi…", "DASH").
        caption_row.addWidget(key_line("(C completed · G ongoing · H on hold · D discontinued · O open)",
                                       earlier_box, self.earlier_view), 1)
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
        self.attendance_view = make_table(attendance_box, "attendanceTable", "Attendance")
        self.attendance_view.setModel(self.attendance_model)
        ah = self.attendance_view.horizontalHeader()
        ah.setSectionResizeMode(AttendanceColumn.AGENCY, QHeaderView.ResizeMode.Stretch)
        ah.setSectionResizeMode(AttendanceColumn.NAME, QHeaderView.ResizeMode.ResizeToContents)
        for col in (AttendanceColumn.STATUS, AttendanceColumn.INFORMATION, AttendanceColumn.SIGNED):
            ah.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        attendance_row = QHBoxLayout()
        attendance_row.addWidget(caption("A&ttendance", attendance_box, self.attendance_view))
        attendance_row.addWidget(key_line("(P present · A apologies · X absent · I information sent · "
                                          "S statement signed)", attendance_box, self.attendance_view), 1)
        ab.addLayout(attendance_row)
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
        observer_row.addWidget(caption("O&bserver", attendance_box, self.observer_edit))
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
        layout.addWidget(caption("&Notes", main, self.notes))
        self.notes.setMinimumHeight(self.notes.fontMetrics().lineSpacing() + 16)  # then it scrolls; it takes the spare room
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
        al.addWidget(caption("A&gency", self.action_line, self.agency_edit))
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
        self.agreed_view = make_table(main, "agreedActions", "Actions agreed")
        self.agreed_view.setModel(self.agreed_model)
        self.agreed_view.hideColumn(ActionColumn.STATUS)
        self._fit_action_columns(self.agreed_view)
        # Three agreed actions always show on a laptop; on a screen of few lines for the font (200 %
        # on a 768-px one) two, so that one whole earlier action still shows above. The action's own
        # text takes the spare width; the notes take most of the spare height.
        rows = self.agreed_view.verticalHeader().defaultSectionSize()
        screen_lines = windows.available_area(self).height() // max(1, self.fontMetrics().lineSpacing())
        least = 3 if screen_lines >= AGREED_THREE_FROM_LINES else 2
        self.agreed_view.setMinimumHeight(self.agreed_view.horizontalHeader().sizeHint().height() + least * rows + 4)
        self.agreed_caption = caption("Actions agreed", main)
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
        dr.addWidget(caption("&Decision", self.decision_row, self.decision_combo))
        dr.addWidget(self.decision_combo)
        dr.addWidget(caption("O&utcome", self.decision_row, self.outcome_edit))
        dr.addWidget(self.outcome_edit, 1)
        dr.addWidget(self.decision_state)
        layout.addWidget(self.decision_row)

        # One line, cut with "…" when short of room (the whole hint in its tool tip): wrapped, its
        # second line at 200 % pushed the window below a 1366×768 screen.
        hint = ElidedLabel(main)
        hint.setText(HINT)
        hint.setToolTip(HINT)
        hint.setObjectName("pageHint")
        layout.addWidget(hint)
        for stack in (self.about, self.right):
            sized_by_current_page(stack)

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
        ar.addWidget(caption("A&ddendum", self.addendum_row, self.addendum_edit))
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
        menu.addSeparator()
        self.finish_action = action("&Finish the meeting", ["Ctrl+Shift+E"], self.finish_meeting)
        self.chronology_action = action("C&hronology of the case…", ["Ctrl+Shift+H"], self.open_chronology)
        self.close_action = action("&Close", ["Ctrl+W"], self.close)
