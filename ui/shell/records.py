"""The case dialogs and meeting-mode windows a main window opened: one per case or meeting (an
open one is brought to the front, not read and audited again), closed with the window."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QWidget
from shiboken6 import isValid

from cspdesk.services.errors import ServiceError
from cspdesk_gui.signals import emit
from cspdesk_gui.windows import bring_to_front


class OpenRecords(QObject):
    def __init__(self, window: Any) -> None:  # window: the MainWindow (importing it would be a cycle)
        super().__init__(window)
        self._window = window
        self._case_dialogs: dict[int, QWidget] = {}
        self._meeting_windows: dict[int, QWidget] = {}

    # -- cases --------------------------------------------------------------------------------

    def open_case(self, case_id: int) -> QWidget | None:
        """Show the case, read-only, in a dialog of its own."""
        from cspdesk_gui.dialogs.case_view import CaseDialog

        existing = self._case_dialogs.get(case_id)
        if existing is not None and isValid(existing):
            bring_to_front(existing)
            return existing
        window = self._window
        try:
            dialog = CaseDialog.open_case(window.ctx, case_id, window)
        except ServiceError as exc:
            window.statusBar().showMessage(str(exc), 8000)
            return None
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # Bound methods only on signals of dialogs that delete themselves: a lambda holding the
        # window crashes PySide6 6.12 when the dialog is deleted (seen in tests).
        dialog.finished.connect(self._forget_closed_case_dialogs)
        dialog.changes_made.connect(window.apply_changes)
        self._case_dialogs[case_id] = dialog
        dialog.show()
        emit(window.case_dialog_opened, dialog)
        return dialog

    def _forget_closed_case_dialogs(self, _result: int = 0) -> None:
        self._case_dialogs = {cid: d for cid, d in self._case_dialogs.items() if isValid(d) and d.isVisible()}

    def case_dialogs(self) -> list[QWidget]:
        return [d for d in self._case_dialogs.values() if isValid(d)]

    # -- meetings -----------------------------------------------------------------------------

    def open_meeting_mode(self, meeting_id: int) -> QWidget | None:
        """Run a meeting in a window of its own (or review its minutes)."""
        from cspdesk_gui.meeting_mode import MeetingModeWindow

        existing = self._meeting_windows.get(meeting_id)
        if existing is not None and isValid(existing) and existing.isVisible():
            bring_to_front(existing)
            return existing
        if not self._may_start(meeting_id):
            return None
        window = self._window
        try:
            meeting = MeetingModeWindow(window.ctx, meeting_id, window)
        except ServiceError as exc:
            window.statusBar().showMessage(str(exc), 8000)
            return None
        meeting.setWindowFlag(Qt.WindowType.Window, True)
        meeting.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        meeting.changes_made.connect(window.apply_changes)
        meeting.closed.connect(self._meeting_mode_closed)
        self._meeting_windows[meeting_id] = meeting
        meeting.show()
        emit(window.meeting_mode_opened, meeting)
        return meeting

    def _may_start(self, meeting_id: int) -> bool:
        """Meeting mode marks a planned meeting "In progress": for one planned for a later day
        (opened by mistake, or to prepare), ask first."""
        from cspdesk.domain.enums import MeetingStatus
        from cspdesk.services.meetings.meetings import MeetingService
        from cspdesk_gui.formatting import short_date
        from cspdesk_gui.operations import run_and_wait
        from cspdesk_gui.pages.admin.common import confirm

        window = self._window
        ctx = window.ctx
        try:
            row = run_and_wait(lambda: MeetingService(ctx).get_meeting(meeting_id)).row
        except ServiceError as exc:
            window.statusBar().showMessage(str(exc), 8000)
            return False
        if row.status is not MeetingStatus.PLANNED or row.starts_at.date() <= window.ctx.today():
            return True
        return confirm(window, "Start this meeting now?",
                       f"This meeting is planned for {short_date(row.starts_at.date())}. Meeting mode marks it "
                       "“In progress” from now.", "Start it now",
                       informative="To prepare the agenda, use the Meetings page instead.")

    def _meeting_mode_closed(self, meeting_id: int) -> None:
        self._window.meeting_closed_elsewhere(meeting_id)

    def meeting_windows(self) -> list[QWidget]:
        return [w for w in self._meeting_windows.values() if isValid(w)]

    def close_all(self) -> None:
        """Close every case dialog and meeting-mode window (the database is about to close)."""
        for widget in self.case_dialogs():
            widget.close()
        self._case_dialogs.clear()
        for widget in self.meeting_windows():
            widget.close()
        self._meeting_windows.clear()
