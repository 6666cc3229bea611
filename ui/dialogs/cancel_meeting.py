"""Cancelling a meeting: the reason is asked for, and the cases on its agenda are named as going
back to be listed (the next meeting suggests them).

Opened with ``open()`` (never ``exec()``); on success ``result_value`` holds the service's
:class:`OpResult` (the cancelled meeting's detail) and the dialog is accepted.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from cspdesk.services.errors import ServiceError
from cspdesk.services.meetings.meetings import MeetingDetail, MeetingService
from cspdesk_gui.dialogs.forms import error_label, make_primary
from cspdesk_gui.formatting import count, short_datetime


class CancelMeetingDialog(QDialog):
    def __init__(self, service: MeetingService, detail: MeetingDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cancelMeetingDialog")
        self.setWindowTitle("Cancel meeting")
        self._service = service
        self._meeting_id = detail.row.id
        self.result_value = None
        layout = QVBoxLayout(self)
        cases = detail.case_items
        what = QLabel(f"Cancel the meeting of {detail.row.panel_name} on {short_datetime(detail.row.starts_at)}?",
                      self)
        what.setWordWrap(True)
        layout.addWidget(what)
        then = (f"Its {count(len(cases), 'case')} go back to be listed: the next meeting suggests them."
                if cases else "It has no cases on its agenda.")
        note = QLabel(then + " The meeting stays in the list, marked cancelled, with the reason.", self)
        note.setObjectName("mutedText")
        note.setWordWrap(True)
        layout.addWidget(note)
        caption = QLabel("&Reason", self)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setObjectName("cancelReasonEdit")
        self.reason_edit.setAccessibleName("Reason for cancelling")
        self.reason_edit.setPlaceholderText("e.g. not quorate; venue unavailable")
        caption.setBuddy(self.reason_edit)
        layout.addWidget(caption)
        layout.addWidget(self.reason_edit)
        self.error = error_label(self)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("Cancel &meeting")
        make_primary(ok)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText("&Keep it")
        self.buttons.accepted.connect(self.cancel_meeting)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(460, self.sizeHint().height())

    def cancel_meeting(self) -> None:
        try:
            self.result_value = self._service.cancel_meeting(self._meeting_id, self.reason_edit.text())
        except ServiceError as exc:
            self.error.setText(str(exc))
            self.error.show()
            self.reason_edit.setFocus()
            return
        self.accept()
