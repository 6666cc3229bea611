"""The tracker's filter bar: panel, agency, owner, status, RAG, overdue, due dates, case and
grouping, and the :class:`ActionQuery` they make. A part of :class:`cspdesk_gui.pages.tracker.TrackerView`."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QDate, QLocale, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.enums import ActionStatus, PanelType, Rag
from cspdesk.services.actions.actions import (
    UNFINISHED_STATUSES,
    ActionGroupBy,
    ActionQuery,
    ActionSort,
)
from cspdesk.services.errors import ServiceError
from cspdesk_gui.rag import RAG_ORDER, rag_icon


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

def _pydate(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _qdate(value: date) -> QDate:
    return QDate(value.year, value.month, value.day)



class TrackerFilters:
    """The tracker's filter bar and the query it makes: a part of :class:`~cspdesk_gui.pages.tracker.TrackerView`
    (mixed in; it uses the view's ``_ctx``, ``reads``, ``model``, ``message`` and ``_debounce``).

    Panel, agency, owner, status, RAG, overdue, due dates, case and grouping; :meth:`current_query`
    turns them into the :class:`ActionQuery` the list is read with."""

    def _build_filter_bar(self, layout: QVBoxLayout) -> None:
        """The filter bar: two rows of choices above the list."""
        ctx = self._ctx
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
        # On the second row, after the case box (its reading and Tab order): on the first row it
        # pushed the row past a 1024-px laptop's page.
        self.overdue_check = QCheckBox("&Overdue only", self)
        self.overdue_check.setObjectName("overdueFilter")
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
        row2.addWidget(self.overdue_check)
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
            for choice in self.reads.agency_choices(self.panel_combo.currentData()):
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
