"""Meeting mode's item editor: the notes (saved as typed), the earlier actions' status keys, the
action line (agency, owner, action, due) and the decision."""

from __future__ import annotations

import dataclasses
import time
from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QLineEdit,
    QWidget,
)

from cspdesk.domain.enums import ActionStatus, AgendaItemKind, Decision
from cspdesk.domain.rules import ACTION_STATUSES_NEEDING_REASON
from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk.services.meetings.meetings import ActionRow, AgendaEntry
from cspdesk_gui.meeting_mode.parts import DECISIONS, STATUS_KEYS
from cspdesk_gui.signals import emit


class ItemEditor:
    """What the chair records on an item. A part of :class:`~cspdesk_gui.meeting_mode.window.MeetingModeWindow` (mixed in: it works on the window's
    widgets and state, built in :mod:`cspdesk_gui.meeting_mode.layout`)."""

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
