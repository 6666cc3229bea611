"""The Panels page: the panels this user belongs to, with active cases, overdue actions and the next meeting."""

from __future__ import annotations

import html

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cspdesk.services.context import OpChanges, Permission, ServiceContext
from cspdesk.services.partnership.panels import PanelService
from cspdesk_gui.models.panel_table import PanelColumn, PanelIdRole, PanelTableModel
from cspdesk_gui.operations import OnDatabaseThread
from cspdesk_gui.pages.base import Page, empty_state
from cspdesk_gui.signals import emit
from cspdesk_gui.accessibility import hand_focus_to

_NO_PANELS_ADMIN = (
    "This partnership has no panels yet.\n\n"
    "Add one (MARAC, Community MARAC, SOCP, CARM) under Administration → Panels & agencies."
)
_NO_PANELS = (
    "You are not on any panel yet.\n\n"
    "An administrator adds people to the panels they sit on: ask yours to add you."
)

#: The first steps in a new partnership: (link, words). The window follows the link.
GETTING_STARTED: tuple[tuple[str, str, bool], ...] = (
    ("cases:new", "Log the first referral", False),
    ("meetings:new", "Plan the first meeting", False),
    ("admin:accounts", "Add your colleagues' accounts and the panels each of them sits on", True),
    ("admin:backups", "Choose where the backups go (a network drive, not this laptop alone)", True),
)


class PanelsPage(Page):
    title = "Panels"

    #: A panel was opened (double-click or Enter): its id.
    panel_opened = Signal(int)
    #: A getting-started step was chosen: its link ("cases:new", "admin:accounts", …).
    step_chosen = Signal(str)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = OnDatabaseThread(PanelService(ctx))  # calls run on the database thread
        self._admin = ctx.actor.can(Permission.ADMINISTER)
        self.model = PanelTableModel(self)

        self.page_layout.addWidget(self.heading("Panels"))
        hint = QLabel("Open a panel to see its cases (double-click, or Enter).", self)
        hint.setObjectName("pageHint")
        self.page_layout.addWidget(hint)

        self.table = QTableView(self)
        self.table.setObjectName("panelTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.setAccessibleName("Panels")
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(PanelColumn.NAME, QHeaderView.ResizeMode.Stretch)
        metrics = self.table.fontMetrics()
        for column, sample in (
            (PanelColumn.TYPE, "CSVG / Community MARAC"),
            (PanelColumn.ACTIVE_CASES, "Active cases"),
            (PanelColumn.OVERDUE_ACTIONS, "Overdue actions"),
            (PanelColumn.NEXT_MEETING, "28 Nov 2026, 10:00"),
        ):
            header.resizeSection(column, metrics.horizontalAdvance(sample) + 40)
        self.table.activated.connect(self._activated)

        self._stack = QStackedWidget(self)
        self._stack.addWidget(self.table)
        self.empty_label = empty_state(_NO_PANELS_ADMIN if self._admin else _NO_PANELS, self)
        self._stack.addWidget(self.empty_label)
        self.page_layout.addWidget(self._stack, 1)

        # A new partnership (no case, no meeting yet): what to do first, each step a link.
        self.getting_started = QFrame(self)
        self.getting_started.setObjectName("gettingStarted")
        box = QVBoxLayout(self.getting_started)
        title = QLabel("Getting started", self.getting_started)
        title.setObjectName("sectionCaption")
        box.addWidget(title)
        self.step_links: list[QLabel] = []
        steps = [(link, words) for link, words, admin_only in GETTING_STARTED if self._admin or not admin_only]
        for number, (link, words) in enumerate(steps, start=1):
            label = QLabel(f'{number}. <a href="{link}">{html.escape(words)}</a>', self.getting_started)
            label.setTextFormat(Qt.TextFormat.RichText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                          | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
            label.linkActivated.connect(lambda chosen: emit(self.step_chosen, chosen))
            box.addWidget(label)
            self.step_links.append(label)
        self.getting_started.hide()
        self.page_layout.addWidget(self.getting_started)
        hand_focus_to(self, self.table)  # not setFocusProxy: Tab would skip what comes before it

    def reload(self) -> None:
        rows = self._service.list_panels()
        self.model.set_rows(rows)
        self._stack.setCurrentWidget(self.table if rows else self.empty_label)
        # Nothing logged or planned on any panel yet: show the first steps.
        self.getting_started.setVisible(
            bool(rows) and all(r.active_cases == 0 and r.next_meeting is None for r in rows)
            and not self._service.anything_recorded())
        if rows and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))

    def cares_about(self, changes: OpChanges) -> bool:
        return bool(changes.panels or changes.cases or changes.actions or changes.meetings)

    def _activated(self, index: QModelIndex) -> None:
        panel_id = index.data(PanelIdRole)
        if panel_id is not None:
            emit(self.panel_opened, int(panel_id))

    def select_panel(self, panel_id: int) -> None:
        for row in range(self.model.rowCount()):
            if self.model.panel_row(row).id == panel_id:
                self.table.setCurrentIndex(self.model.index(row, 0))
                return

    def is_showing_empty_state(self) -> bool:
        return self._stack.currentWidget() is self.empty_label
