"""The status dialog on its own: keys, what each status asks for, and errors under their field."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt

from cspdesk.domain.enums import ActionStatus
from cspdesk.services.errors import ValidationError
from cspdesk_gui.dialogs.action_status import STATUS_KEYS, ActionStatusDialog, StatusChoice, status_for_key

TODAY = date(2026, 11, 2)


def test_one_key_per_status():
    assert len(set(STATUS_KEYS.values())) == len(ActionStatus)
    assert status_for_key("c") == status_for_key("C") == ActionStatus.COMPLETED
    assert status_for_key("h") == ActionStatus.ON_HOLD
    assert status_for_key("x") is None and status_for_key("") is None


def _dialog(qtbot, apply, **kwargs):  # noqa: ANN001, ANN202, ANN003
    dialog = ActionStatusDialog("1.1 Visit the address", apply, today=TODAY, **kwargs)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_enter_saves_what_the_status_needs(qtbot):
    got: list[StatusChoice] = []
    dialog = _dialog(qtbot, lambda choice: got.append(choice) or "saved", status=ActionStatus.COMPLETED,
                     current=ActionStatus.OPEN)
    assert dialog.status_combo.currentText() == "Completed"
    assert dialog.status_combo.itemText(dialog.status_combo.findData(ActionStatus.OPEN.value)) == "Open  (now)"
    qtbot.keyClicks(dialog.note_edit, "Visited")
    with qtbot.waitSignal(dialog.status_applied) as blocker:
        qtbot.keyClick(dialog.note_edit, Qt.Key.Key_Return)
    assert blocker.args == ["saved"]
    assert got == [StatusChoice(ActionStatus.COMPLETED, "", TODAY, "Visited")]


def test_a_reason_is_asked_for_and_a_service_error_shows_under_its_field(qtbot):
    def refuse(choice: StatusChoice) -> object:
        raise ValidationError("completed_on", "The completion date cannot be in the future.")

    dialog = _dialog(qtbot, refuse, status=ActionStatus.DISCONTINUED)
    assert dialog.first_box() is dialog.reason_edit
    dialog.accept()
    assert dialog.isVisible() and dialog.error_text() == "Say why the action is discontinued."
    dialog.set_status(ActionStatus.COMPLETED)
    dialog.accept()
    assert dialog.isVisible()
    assert dialog.errors.text_of("completed_on") == "The completion date cannot be in the future."
