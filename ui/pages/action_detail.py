"""The pane beside the tracker: one action in full, its update log, a status change and a note.

The pane reads one :class:`ActionDetail` (one call to :meth:`ActionService.get_action`) each time
the chosen action changes and never on repaint. Writes go through the service and come back as
``changes_made(OpChanges)`` for the page to pass on.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.enums import ActionStatus
from cspdesk.services.actions.actions import ActionDetail, ActionLogEntry, ActionRow, ActionService
from cspdesk.services.errors import ServiceError
from cspdesk_gui.formatting import short_date, short_datetime
from cspdesk_gui.operations import OnDatabaseThread
from cspdesk_gui.models.action_table import status_text
from cspdesk_gui.pages.admin.common import MessageLine
from cspdesk_gui.pages.base import empty_state
from cspdesk_gui.rag import RAG_MEANING
from cspdesk_gui.signals import emit
from cspdesk_gui.widgets.scroll_body import ScrollBody

def _label(text: str, parent: QWidget, name: str = "") -> QLabel:
    label = QLabel(text, parent)
    if name:
        label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def log_entry_text(entry: ActionLogEntry) -> str:
    """One update in words: "Open → Completed. Visited and signposted." (without who and when)."""
    parts = []
    if entry.new_status is not None:
        if entry.old_status is not None:
            parts.append(f"{entry.old_status.label} → {entry.new_status.label}.")
        else:
            parts.append(f"Recorded as {entry.new_status.label}.")
    if entry.text:
        parts.append(entry.text)
    return " ".join(parts) if parts else "(no text)"


class ActionDetailPane(QFrame):
    """Shows the action :meth:`show_action` was given; empty until then."""

    #: The status-change button was pressed (the page opens its dialog for this action).
    status_change_requested = Signal()
    #: A note was added: the service's OpChanges.
    changes_made = Signal(object)

    def __init__(
        self,
        service: ActionService,
        parent: QWidget | None = None,
        *,
        can_update: bool = True,
        may_change: Callable[[ActionRow], bool] | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = OnDatabaseThread(service)  # reads and notes run on the database thread
        self._can_update = can_update
        self._may_change = may_change or (lambda _row: can_update)
        self.detail: ActionDetail | None = None
        self.setObjectName("actionDetail")
        self.setMinimumHeight(150)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self._stack = QStackedWidget(self)
        outer.addWidget(self._stack)
        self.empty_label = empty_state("Choose an action to see its details and update log.", self)
        self._stack.addWidget(self.empty_label)

        scroll = QScrollArea(self)
        scroll.setObjectName("actionDetailScroll")
        scroll.setAccessibleName("Action details")  # a focus stop (arrows scroll it): say what it holds
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = ScrollBody(scroll)
        body.setObjectName("actionDetailBody")
        columns = QHBoxLayout(body)
        columns.setContentsMargins(14, 10, 14, 10)
        columns.setSpacing(24)
        left = QVBoxLayout()
        left.setSpacing(6)
        right = QVBoxLayout()
        right.setSpacing(6)
        columns.addLayout(left, 3)
        columns.addLayout(right, 2)
        scroll.setWidget(body)
        self._body = body

        top = QHBoxLayout()
        self.number_label = _label("", body, "detailCaption")
        top.addWidget(self.number_label, 1)
        self.rag_chip = QLabel("", body)
        self.rag_chip.setObjectName("ragChip")
        top.addWidget(self.rag_chip, 0, Qt.AlignmentFlag.AlignTop)
        left.addLayout(top)
        self.text_label = _label("", body, "actionDetailText")
        left.addWidget(self.text_label)

        self.facts = QFormLayout()
        self.facts.setHorizontalSpacing(12)
        self.facts.setVerticalSpacing(3)
        left.addLayout(self.facts)
        left.addStretch(1)
        self.fact_labels: dict[str, QLabel] = {}

        buttons = QHBoxLayout()
        self.change_button = QPushButton("Change &status…", body)
        self.change_button.setObjectName("detailChangeStatus")
        self.change_button.setToolTip("Change this action's status (or press O, G, H, C or D in the list)")
        self.change_button.clicked.connect(self._change_clicked)
        buttons.addWidget(self.change_button)
        buttons.addStretch(1)
        right.addLayout(buttons)
        # The note has a line of its own: beside the button, at 1024×700 it was 75 px ("Add a no…").
        buttons = QHBoxLayout()
        self.note_edit = QLineEdit(body)
        self.note_edit.setObjectName("detailNote")
        self.note_edit.setAccessibleName("Add a note to the update log")
        self.note_edit.setPlaceholderText("Add a note, then Enter")
        self.note_edit.returnPressed.connect(self.add_note)
        buttons.addWidget(self.note_edit, 1)
        self.note_button = QPushButton("Add &note", body)
        self.note_button.clicked.connect(self.add_note)
        buttons.addWidget(self.note_button)
        right.addLayout(buttons)
        self.message = MessageLine(body)
        right.addWidget(self.message)
        for widget in (self.change_button, self.note_edit, self.note_button):
            widget.setVisible(can_update)

        self.log_caption = _label("Update log", body, "sectionCaption")
        right.addWidget(self.log_caption)
        self._log_box = QVBoxLayout()
        self._log_box.setSpacing(4)
        right.addLayout(self._log_box)
        right.addStretch(1)
        self._log_labels: list[QWidget] = []
        self._stack.addWidget(scroll)
        self._scroll = scroll

    # -- showing ------------------------------------------------------------------------------

    def action_id(self) -> int | None:
        return self.detail.row.id if self.detail is not None else None

    def clear(self) -> None:
        self.detail = None
        self._stack.setCurrentWidget(self.empty_label)

    def show_action(self, action_id: int | None) -> None:
        """Read and show one action (None: the empty state)."""
        if action_id is None:
            self.clear()
            return
        try:
            detail = self._service.get_action(action_id)
        except ServiceError as exc:
            self.clear()
            self.empty_label.setText(str(exc))
            return
        self._show(detail)

    def reread(self) -> None:
        if self.detail is not None:
            self.show_action(self.detail.row.id)

    def _fact(self, caption: str, text: str) -> None:
        label = self.fact_labels.get(caption)
        if label is None:
            label = _label("", self._body)
            cap = QLabel(caption, self._body)
            cap.setObjectName("detailCaption")
            self.facts.addRow(cap, label)
            self.fact_labels[caption] = label
        label.setText(text)
        self.facts.setRowVisible(label, bool(text))

    def _show(self, detail: ActionDetail) -> None:
        self.detail = detail
        row = detail.row
        self.message.clear_message()
        number = f"Action {row.number}" if row.number else "Action"
        where = row.subject_reference or "the panel's plan"
        self.number_label.setText(f"{number} · {row.panel_name} · {where}")
        self.rag_chip.setText(f"{row.rag.label} · {RAG_MEANING[row.rag]}")
        # The stylesheet colours the chip by its rating (QLabel#ragChip[rag="Red"] …).
        self.rag_chip.setProperty("rag", row.rag.label)
        self.rag_chip.style().unpolish(self.rag_chip)
        self.rag_chip.style().polish(self.rag_chip)
        self.text_label.setText(row.text)
        status = status_text(row)
        if row.status_reason and row.status in (ActionStatus.ON_HOLD, ActionStatus.DISCONTINUED):
            status = f"{status} — {row.status_reason}"
        due = short_date(row.due_date)
        if row.overdue:
            due = f"{due} (overdue)"
        self._fact("Status", status)
        self._fact("Due", due or row.timescale or "No due date")
        self._fact("Timescale", row.timescale if row.due_date is not None else "")
        self._fact("Agency", row.owner_agency or "No agency given")
        self._fact("Owner", row.owner_name or "No named owner")
        self._fact("Strand", row.strand.label if row.strand is not None else "")
        self._fact("Priority", row.heading)
        self._fact("Outcome", row.outcome)
        self._fact("Milestones", row.milestones)
        self._fact("Agreed at", f"Meeting of {short_datetime(detail.meeting_starts_at)}" if detail.meeting_starts_at else "")
        allowed = self._may_change(row)
        for widget in (self.change_button, self.note_edit, self.note_button):
            widget.setEnabled(allowed)
            widget.setToolTip("" if allowed else f"Only {row.owner_agency or 'the owning agency'} (or a coordinator "
                              "or chair) can update this action.")
        self._show_log(detail)
        self._stack.setCurrentIndex(1)
        self._scroll.verticalScrollBar().setValue(0)

    def _show_log(self, detail: ActionDetail) -> None:
        for widget in self._log_labels:
            self._log_box.removeWidget(widget)
            widget.hide()  # at once: deleteLater waits for the event loop, and would be painted until then
            widget.deleteLater()
        self._log_labels = []
        entries = list(reversed(detail.log))  # newest first: the latest is what people look for
        self.log_caption.setText(f"Update log ({len(entries)})" if entries else "Update log")
        if not entries:
            none = _label("No updates yet.", self._body, "detailCaption")
            self._log_box.addWidget(none)
            self._log_labels.append(none)
            return
        for entry in entries:
            box = _label(f"{short_datetime(entry.at)} · {entry.by_name or 'unknown'}\n{log_entry_text(entry)}",
                         self._body, "logEntry")
            self._log_box.addWidget(box)
            self._log_labels.append(box)

    def log_texts(self) -> list[str]:
        """What the log shows, newest first (for tests and screen readers)."""
        return [w.text() for w in self._log_labels if isinstance(w, QLabel)]

    # -- writing ------------------------------------------------------------------------------

    def _change_clicked(self) -> None:
        emit(self.status_change_requested)

    def add_note(self) -> None:
        if self.detail is None:
            return
        text = self.note_edit.text().strip()
        if not text:
            self.message.bad("Type the note first.")
            self.note_edit.setFocus()
            return
        try:
            result = self._service.add_note(self.detail.row.id, text, expected_version=self.detail.row.version)
        except ServiceError as exc:
            self.message.bad(str(exc))
            return
        self.note_edit.clear()
        self.reread()
        self.message.good("Note added.")
        emit(self.changes_made, result.changes)
