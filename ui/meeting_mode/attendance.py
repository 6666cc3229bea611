"""Meeting mode's attendance: who is present, sent apologies, absent, sent information, signed the
statement, and observers."""

from __future__ import annotations


from PySide6.QtGui import QKeyEvent

from cspdesk.services.errors import ServiceError
from cspdesk_gui.widgets.attendance import apply_attendance_key, edit_names_in, save_name


class AttendancePanel:
    """The attendance of the meeting. A part of :class:`~cspdesk_gui.meeting_mode.window.MeetingModeWindow` (mixed in: it works on the window's
    widgets and state, built in :mod:`cspdesk_gui.meeting_mode.layout`)."""

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
