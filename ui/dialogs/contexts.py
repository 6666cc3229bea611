"""CARM contexts window (issue 20): the peer groups, places and schools of the user's CARM panels, and
for the one chosen its context assessment (every version by date; a new version saved with Ctrl+S)
and its plan (goals with their measures, responses with owner, due date and status).

Opened from View → CARM contexts… and from a place's or group's node on the map. Every call goes
through :class:`~cspdesk.services.people.contexts.ContextService` on the database thread; the
service checks permissions and need to know — this window only shows what it is told.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.contexts import ASSESSMENT_PARTS, ContextKind
from cspdesk.services.context import ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk.services.people.contexts import ContextDetail, ContextService
from cspdesk_gui.operations import OnDatabaseThread
from cspdesk_gui.signals import emit
from cspdesk_gui.windows import bring_to_front, fit_to_screen

_ID = Qt.ItemDataRole.UserRole


class ContextsDialog(QDialog):
    #: A context was chosen and read: its id.
    context_shown = Signal(int)
    #: Something was saved (an assessment version, a goal, a response, the kind): the context's id.
    context_saved = Signal(int)
    #: Print… opened the preview: the dialog.
    preview_opened = Signal(object)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = OnDatabaseThread(ContextService(ctx))
        self.detail: ContextDetail | None = None
        self.setObjectName("contextsDialog")
        self.setWindowTitle("CARM contexts")
        self.setModal(False)
        fit_to_screen(self, 1060, 700)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 10)
        split = QSplitter(self)
        split.addWidget(self._list_side(split))
        # The detail side scrolls: on a 1024×700 or 1366×768 laptop its tabs ask more height than
        # the window has (the walker found the dialog 699 px tall on a 668 px screen).
        scroll = QScrollArea(split)
        scroll.setObjectName("contextDetailScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self._detail_side(scroll))
        split.addWidget(scroll)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 3)
        split.setSizes([280, 760])
        layout.addWidget(split, 1)
        self.message = QLabel("", self)
        self.message.setObjectName("contextMessage")
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, parent=self)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setAutoDefault(False)
        self.print_button = QPushButton("Print…", self)
        self.print_button.setObjectName("contextPrint")
        self.print_button.setAutoDefault(False)
        self.print_button.setShortcut(QKeySequence("Ctrl+P"))
        self.print_button.setToolTip("Preview the assessment and plan, then print them or save them as PDF (Ctrl+P)")
        self.print_button.clicked.connect(lambda: self.print_context())
        self.buttons.addButton(self.print_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.list_button = QPushButton("List at next &meeting", self)
        self.list_button.setObjectName("contextListAtMeeting")
        self.list_button.setAutoDefault(False)
        self.list_button.setToolTip("Put the context's case on the agenda of its panel's next planned meeting")
        self.list_button.clicked.connect(lambda: self.list_at_next_meeting())
        self.buttons.addButton(self.list_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout.addWidget(self.buttons)
        QShortcut(QKeySequence("Ctrl+S"), self, activated=self.save_assessment)
        self.reload()

    # -- building ----------------------------------------------------------------------------------

    def _list_side(self, parent: QWidget) -> QWidget:
        side = QWidget(parent)
        box = QVBoxLayout(side)
        box.setContentsMargins(0, 0, 8, 0)
        caption = QLabel("&Contexts", side)
        caption.setObjectName("sectionCaption")
        box.addWidget(caption)
        self.contexts = QListWidget(side)  # tens of rows at most, made here from the service's answer
        self.contexts.setObjectName("contextList")
        self.contexts.setAccessibleName("Contexts")
        caption.setBuddy(self.contexts)
        self.contexts.currentItemChanged.connect(lambda item, _old: self.show_context(item.data(_ID)) if item else None)
        box.addWidget(self.contexts, 1)
        new_caption = QLabel("Make a context of a CARM &case", side)
        box.addWidget(new_caption)
        self.candidates = QComboBox(side)
        self.candidates.setObjectName("contextCandidates")
        self.candidates.setAccessibleName("CARM case about a place or a peer group")
        new_caption.setBuddy(self.candidates)
        box.addWidget(self.candidates)
        self.make_button = QPushButton("&Make context", side)
        self.make_button.setObjectName("contextMake")
        self.make_button.setAutoDefault(False)
        self.make_button.clicked.connect(self.make_context)
        box.addWidget(self.make_button)
        return side

    def _detail_side(self, parent: QWidget) -> QWidget:
        side = QWidget(parent)
        box = QVBoxLayout(side)
        box.setContentsMargins(8, 0, 0, 0)
        top = QHBoxLayout()
        self.title = QLabel("Choose a context", side)
        self.title.setObjectName("pageTitle")
        top.addWidget(self.title, 1)
        kind_label = QLabel("&Kind", side)
        self.kind = QComboBox(side)
        self.kind.setObjectName("contextKind")
        self.kind.setAccessibleName("Kind of context")
        for kind in ContextKind:
            self.kind.addItem(kind.label, kind)
        kind_label.setBuddy(self.kind)
        self.kind.activated.connect(self.change_kind)
        top.addWidget(kind_label)
        top.addWidget(self.kind)
        box.addLayout(top)
        self.tabs = QTabWidget(side)
        self.tabs.setObjectName("contextTabs")
        self.tabs.addTab(self._assessment_tab(), "&Assessment")
        self.tabs.addTab(self._plan_tab(), "P&lan")
        box.addWidget(self.tabs, 1)
        return side

    def _assessment_tab(self) -> QWidget:
        tab = QWidget(self)
        box = QVBoxLayout(tab)
        row = QHBoxLayout()
        version_label = QLabel("&Version", tab)
        self.versions = QComboBox(tab)
        self.versions.setObjectName("assessmentVersion")
        self.versions.setAccessibleName("Assessment version")
        version_label.setBuddy(self.versions)
        self.versions.currentIndexChanged.connect(self.show_version)
        row.addWidget(version_label)
        row.addWidget(self.versions, 1)
        box.addLayout(row)
        self.version_text = QTextBrowser(tab)
        self.version_text.setObjectName("assessmentText")
        self.version_text.setAccessibleName("The assessment chosen")
        box.addWidget(self.version_text, 1)
        group = QGroupBox("New version (Ctrl+S saves it)", tab)
        form = QFormLayout(group)
        self.assessed_on = QDateEdit(group)
        self.assessed_on.setObjectName("assessedOn")
        self.assessed_on.setCalendarPopup(True)
        self.assessed_on.setDisplayFormat("d MMM yyyy")
        self.assessed_on.setDate(QDate(self.ctx.today()))
        self.assessor = QLineEdit(group)
        self.assessor.setObjectName("assessor")
        form.addRow("Assessed &on", self.assessed_on)
        form.addRow("Assessed &by", self.assessor)
        self.parts: dict[str, QPlainTextEdit] = {}
        for field, heading in ASSESSMENT_PARTS:
            edit = QPlainTextEdit(group)
            edit.setObjectName(field)
            edit.setAccessibleName(heading)
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(edit.fontMetrics().lineSpacing() * 3 + 12)
            self.parts[field] = edit
            form.addRow(heading, edit)
        self.save_button = QPushButton("&Save as new version", group)
        self.save_button.setObjectName("assessmentSave")
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.save_assessment)
        form.addRow("", self.save_button)
        box.addWidget(group)
        return tab

    def _plan_tab(self) -> QWidget:
        tab = QWidget(self)
        box = QVBoxLayout(tab)
        self.plan = QTreeWidget(tab)  # the goals and their responses: a few dozen rows
        self.plan.setObjectName("contextPlan")
        self.plan.setAccessibleName("Goals and responses")
        self.plan.setHeaderLabels(["Goal / response", "Owner", "Due", "Status"])
        self.plan.setColumnWidth(0, 330)
        box.addWidget(self.plan, 1)
        goal_box = QGroupBox("Goal", tab)
        goal_form = QFormLayout(goal_box)
        self.goal = QLineEdit(goal_box)
        self.goal.setObjectName("goalText")
        self.measures = QLineEdit(goal_box)
        self.measures.setObjectName("goalMeasures")
        goal_form.addRow("&Goal", self.goal)
        goal_form.addRow("&Measures", self.measures)
        self.goal_button = QPushButton("Add &goal", goal_box)
        self.goal_button.setObjectName("goalAdd")
        self.goal_button.setAutoDefault(False)
        self.goal_button.clicked.connect(self.add_goal)
        goal_form.addRow("", self.goal_button)
        box.addWidget(goal_box)
        response_box = QGroupBox("Response under the goal chosen above", tab)
        response_form = QFormLayout(response_box)
        self.agency = QComboBox(response_box)
        self.agency.setObjectName("responseAgency")
        self.response = QLineEdit(response_box)
        self.response.setObjectName("responseText")
        self.due = QDateEdit(response_box)
        self.due.setObjectName("responseDue")
        self.due.setCalendarPopup(True)
        self.due.setDisplayFormat("d MMM yyyy")
        self.due.setDate(QDate(self.ctx.today()).addDays(28))
        response_form.addRow("&Response", self.response)
        response_form.addRow("O&wner agency", self.agency)
        response_form.addRow("&Due", self.due)
        self.response_button = QPushButton("Add &response", response_box)
        self.response_button.setObjectName("responseAdd")
        self.response_button.setAutoDefault(False)
        self.response_button.clicked.connect(self.add_response)
        response_form.addRow("", self.response_button)
        box.addWidget(response_box)
        return tab

    # -- reading -----------------------------------------------------------------------------------

    def reload(self, select: int | None = None) -> None:
        """The list of contexts and the cases that may become one; then ``select`` (or the first)."""
        try:
            rows = self.service.list_contexts()
            candidates = self.service.candidates()
        except ServiceError as exc:
            self.message.setText(str(exc))
            return
        self.contexts.blockSignals(True)
        self.contexts.clear()
        for r in rows:
            item = QListWidgetItem(f"{r.name}\n{r.kind.label} · {r.reference}", self.contexts)
            item.setData(_ID, r.id)
        self.contexts.blockSignals(False)
        self.candidates.clear()
        for c in candidates:
            self.candidates.addItem(f"{c.reference} — {c.name}", c.case_id)
        self.make_button.setEnabled(bool(candidates))
        wanted = next((i for i in range(self.contexts.count()) if self.contexts.item(i).data(_ID) == select), 0)
        if self.contexts.count():
            self.contexts.setCurrentRow(wanted)
            self.show_context(self.contexts.item(wanted).data(_ID))
        else:
            self.title.setText("No contexts yet: make one of a CARM case about a place or a peer group.")

    def show_context(self, context_id: int) -> None:
        try:
            self.detail = self.service.get(context_id)
            agencies = self.service_agencies(self.detail.row.panel_id)
        except ServiceError as exc:
            self.message.setText(str(exc))
            return
        row = self.detail.row
        self.title.setText(f"{row.name} — {row.reference}")
        self.kind.setCurrentIndex(self.kind.findData(row.kind))
        self.versions.blockSignals(True)
        self.versions.clear()
        for n, a in enumerate(self.detail.assessments):
            self.versions.addItem(f"{a.assessed_on:%d %b %Y} — {a.assessor}{' (current)' if n == 0 else ''}", a.id)
        self.versions.blockSignals(False)
        self.show_version(0)
        self.agency.clear()
        for choice in agencies:
            self.agency.addItem(choice.name, choice.id)
        self._fill_plan()
        emit(self.context_shown, context_id)

    def service_agencies(self, panel_id: int):  # noqa: ANN201 - tuple[Choice, ...]
        from cspdesk.services.meetings.meetings import MeetingService

        return OnDatabaseThread(MeetingService(self.ctx)).panel_choices(panel_id).agencies

    def show_version(self, index: int) -> None:
        if self.detail is None or not self.detail.assessments or index < 0:
            self.version_text.setPlainText("Not assessed yet: record the first version below.")
            return
        a = self.detail.assessments[index]
        body = "".join(f"<h4>{heading}</h4><p>{_html(getattr(a, field)) or '<i>Not recorded</i>'}</p>"
                       for field, heading in ASSESSMENT_PARTS)
        self.version_text.setHtml(f"<p>Assessed on {a.assessed_on:%d %b %Y} by {_html(a.assessor)}.</p>{body}")

    def _fill_plan(self) -> None:
        self.plan.clear()
        if self.detail is None:
            return
        for goal in self.detail.goals:
            top = QTreeWidgetItem(self.plan, [f"{goal.position}. {goal.goal}", "", "", ""])
            top.setData(0, _ID, goal.id)
            top.setToolTip(0, f"Measures: {goal.measures or 'none set'}")
            QTreeWidgetItem(top, [f"Measures: {goal.measures or 'none set'}", "", "", ""])
            for r in goal.responses:
                QTreeWidgetItem(top, [r.text, r.agency, f"{r.due_date:%d %b %Y}" if r.due_date else "",
                                      r.status.label])
            top.setExpanded(True)
        if self.detail.other_responses:
            top = QTreeWidgetItem(self.plan, ["Other actions on the context (no goal yet)", "", "", ""])
            for r in self.detail.other_responses:
                QTreeWidgetItem(top, [r.text, r.agency, f"{r.due_date:%d %b %Y}" if r.due_date else "",
                                      r.status.label])
            top.setExpanded(True)
        if self.plan.topLevelItemCount():
            self.plan.setCurrentItem(self.plan.topLevelItem(0))

    # -- writing -----------------------------------------------------------------------------------

    def _saved(self, what: str) -> None:
        assert self.detail is not None
        context_id = self.detail.row.id
        self.message.setText(what)
        self.reload(select=context_id)
        emit(self.context_saved, context_id)

    def _try(self, call, done: str) -> bool:  # noqa: ANN001 - a callable
        if self.detail is None:
            self.message.setText("Choose a context first.")
            return False
        try:
            call()
        except ServiceError as exc:
            self.message.setText(str(exc))
            fields = {"assessor": self.assessor, "assessed_on": self.assessed_on, **self.parts, "goal": self.goal,
                      "measures": self.measures, "agency": self.agency, "text": self.response, "due_date": self.due}
            named = fields.get(getattr(exc, "field", ""))
            if named is not None:
                named.setFocus()  # the field the message is about
            return False
        self._saved(done)
        return True

    def make_context(self) -> None:
        case_id = self.candidates.currentData()
        if case_id is None:
            return
        try:
            row = self.service.open_context(case_id).value
        except ServiceError as exc:
            self.message.setText(str(exc))
            return
        self.message.setText(f"{row.reference} is now a context ({row.kind.label.lower()}).")
        self.reload(select=row.id)
        emit(self.context_saved, row.id)

    def change_kind(self) -> None:
        kind = ContextKind(self.kind.currentData())  # a combo's data comes back as a plain str
        if self.detail is not None and kind is not self.detail.row.kind:
            self._try(lambda: self.service.set_kind(self.detail.row.id, kind), f"Recorded as a {kind.label.lower()}.")

    def save_assessment(self) -> bool:
        parts = {field: edit.toPlainText() for field, edit in self.parts.items()}
        assessed_on: date = self.assessed_on.date().toPython()
        saved = self._try(lambda: self.service.add_assessment(
            self.detail.row.id, assessed_on=assessed_on, assessor=self.assessor.text(), **parts),
            f"Assessment of {assessed_on:%d %b %Y} saved as a new version.")
        if saved:
            for edit in self.parts.values():
                edit.clear()
        return saved

    def _goal_chosen(self) -> int | None:
        item = self.plan.currentItem()
        while item is not None and item.parent() is not None:
            item = item.parent()
        return item.data(0, _ID) if item is not None else None

    def add_goal(self) -> bool:
        saved = self._try(lambda: self.service.add_goal(self.detail.row.id, self.goal.text(), self.measures.text()),
                          "Goal added to the plan.")
        if saved:
            self.goal.clear()
            self.measures.clear()
        return saved

    def add_response(self) -> bool:
        goal_id = self._goal_chosen()
        if goal_id is None:
            self.message.setText("Choose the goal the response serves (add a goal first).")
            return False
        saved = self._try(lambda: self.service.add_response(
            goal_id, agency_id=self.agency.currentData(), text=self.response.text(),
            due_date=self.due.date().toPython()), "Response added: it is tracked like any action.")
        if saved:
            self.response.clear()
        return saved

    def list_at_next_meeting(self) -> bool:
        """List the context's case at its panel's next planned meeting (reviewed there like a case)."""
        from cspdesk.domain.enums import MeetingStatus
        from cspdesk.services.meetings.meetings import MeetingService

        if self.detail is None:
            self.message.setText("Choose a context first.")
            return False
        meetings = OnDatabaseThread(MeetingService(self.ctx))
        try:
            planned = [m for m in meetings.list_meetings(self.detail.row.panel_id)
                       if m.status is MeetingStatus.PLANNED and m.starts_at.date() >= self.ctx.today()]
            if not planned:
                self.message.setText(f"{self.detail.row.panel} has no meeting planned: plan one on the Meetings page.")
                return False
            chosen = min(planned, key=lambda m: m.starts_at)
            meetings.add_case(chosen.id, self.detail.row.case_id)
        except ServiceError as exc:
            self.message.setText(str(exc))
            return False
        self.message.setText(f"Listed at the meeting of {chosen.starts_at:%d %b %Y %H:%M}.")
        return True

    def print_context(self):  # noqa: ANN201 - PreviewDialog or None
        from cspdesk_gui.printing.preview import open_preview
        from cspdesk_gui.printing.sources import context_choice

        if self.detail is None:
            self.message.setText("Choose a context first.")
            return None
        dialog = open_preview(self, choice=context_choice(self.ctx, self.detail.row.id, self.detail.row.reference))
        emit(self.preview_opened, dialog)
        return dialog

    def select(self, context_id: int) -> None:
        for i in range(self.contexts.count()):
            if self.contexts.item(i).data(_ID) == context_id:
                self.contexts.setCurrentRow(i)
                return


def _html(text: str) -> str:
    from html import escape

    return escape(text or "").replace("\n", "<br/>")


def open_contexts(parent: QWidget, ctx: ServiceContext, context_id: int | None = None) -> ContextsDialog:
    dialog = ContextsDialog(ctx, parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if context_id is not None:
        dialog.select(context_id)
    bring_to_front(dialog)
    return dialog
