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

Everything typed is saved as it is typed (:class:`~cspdesk_gui.meeting_mode.autosave.NotesAutosaver`);
everything else is saved when the key is pressed.

The window is built from parts, each a class in its own module: :mod:`~cspdesk_gui.meeting_mode.layout`
(the widgets), :mod:`~cspdesk_gui.meeting_mode.agenda` (moving between items, reading ahead),
:mod:`~cspdesk_gui.meeting_mode.item_editor` (notes, earlier actions, the action line, the decision),
:mod:`~cspdesk_gui.meeting_mode.attendance` and :mod:`~cspdesk_gui.meeting_mode.minutes` (after the meeting).
"""

from __future__ import annotations


from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QStackedWidget,
    QWidget,
)

from cspdesk.domain.enums import ActionStatus, MeetingStatus
from cspdesk.services.context import OpChanges, ServiceContext
from cspdesk.services.meetings.meetings import ActionRow, CaseBrief, ItemView, MeetingDetail, MeetingService
from cspdesk.services.people.contexts import ContextBrief
from cspdesk_gui.formatting import short_datetime
from cspdesk_gui.meeting_mode.autosave import NotesAutosaver
from cspdesk_gui.meeting_mode.parts import DECISIONS, HINT, STATUS_KEYS, KeyFilter
from cspdesk_gui.dialogs.chronology import KnownToMemo
from cspdesk_gui.operations import OnDatabaseThread
from cspdesk.services.errors import ServiceError
from cspdesk.services.agencies.research import ResearchService
from cspdesk_gui.signals import emit
from cspdesk_gui.windows import fit_to_screen
from cspdesk_gui.meeting_mode.agenda import AgendaFlow
from cspdesk_gui.meeting_mode.attendance import AttendancePanel
from cspdesk_gui.meeting_mode.item_editor import ItemEditor
from cspdesk_gui.meeting_mode.layout import MeetingLayout
from cspdesk_gui.meeting_mode.minutes import MinutesFlow

# Kept importable from here (tests, the meetings page).
__all__ = ["DECISIONS", "HINT", "STATUS_KEYS", "KeyFilter", "MeetingModeWindow"]


class MeetingModeWindow(MeetingLayout, AgendaFlow, ItemEditor, AttendancePanel, MinutesFlow, QMainWindow):
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
        # Every call the window makes runs on the database thread (the window stays painted).
        self.service = OnDatabaseThread(MeetingService(ctx))
        self.meeting_id = meeting_id
        self.detail: MeetingDetail = self.service.get_meeting(meeting_id)
        if self.detail.row.status is MeetingStatus.PLANNED or self.detail.row.status is MeetingStatus.IN_PROGRESS:
            result = self.service.start_meeting(meeting_id)
            self.detail = result.value
            self._initial_changes = result.changes
        choices = self.service.panel_choices(self.detail.row.panel_id)
        self._agencies = choices.agencies
        self._members = choices.members
        self._due_default = self._default_due()
        self.current_index = -1
        self._brief: CaseBrief | None = None
        self._context_brief: ContextBrief | None = None  # issue 20: a CARM context's, shown with the brief
        self._known_to = KnownToMemo(ctx, self.detail.row.panel_name)
        self._reviewing: ActionRow | None = None
        self._review_status: ActionStatus | None = None
        self._loading = False
        self._views: dict[int, ItemView] = {}
        self._visited: set[int] = set()
        self._record_queue: list[tuple[int, int | None]] = []
        self._recording = None
        self._reading_ahead = None
        self._research = self._load_research()
        self._known_to = KnownToMemo(ctx, self.detail.row.panel_name)
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
        fit_to_screen(self, 1320, 820)  # again, now that the stacks ask only for their shown page's room

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
        # Said once the event loop runs after __init__, so whoever opened the window connects to it
        # first. Not earlier: the service's calls above wait in nested event loops, which would
        # fire the timer before anyone listens.
        if self._initial_changes:
            QTimer.singleShot(0, self, self._announce_initial)

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

    def _load_research(self) -> dict:
        """Agencies' returned research on the cases (issue 18), by case id: {} for a role that may
        not see it (the meeting runs without it). Read on the database thread."""
        try:
            return OnDatabaseThread(ResearchService(self.ctx)).research(self.meeting_id)
        except ServiceError:
            return {}

    def open_chronology(self):  # noqa: ANN201 - ChronologyDialog | None
        """The chronology of the case being heard (Ctrl+Shift+H)."""
        from cspdesk.services.people.chronology import Subject
        from cspdesk_gui.dialogs.chronology import open_chronology

        return None if self._brief is None else open_chronology(self, self.ctx, Subject.case(self._brief.case_id))
