"""The Actions section: the tracker every agency answers to, an officer's own actions, and (for
those on a SOCP) the organised crime groups' 4P plans — one tab each.

The tracker filters, sorts and groups in SQL through :class:`ActionService`; the list is the lazy
:class:`ActionTableModel`. Changes (status, notes, imports) come back as OpChanges and go to the
window, which hands them to every page.
"""

from __future__ import annotations


from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QTabWidget,
    QWidget,
)

from cspdesk.domain.enums import PanelType
from cspdesk.services.context import OpChanges, ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk.services.partnership.panels import PanelService
from cspdesk_gui.pages.action_tables import ActionsTab
from cspdesk_gui.operations import OnDatabaseThread
from cspdesk_gui.pages.tracker import TrackerView
from cspdesk_gui.pages.base import Page
from cspdesk_gui.signals import emit
from cspdesk_gui.accessibility import hand_focus_to


class ActionsPage(Page):
    """The Actions section: Tracker, My actions, and OCGs (for members of a SOCP)."""

    title = "Actions"

    #: Something was written: the service's OpChanges (the window hands it to every page).
    changes_made = Signal(object)
    #: A dialog was opened from one of the tabs (tests drive it; the app simply shows it).
    dialog_opened = Signal(object)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._ctx = ctx
        self.page_layout.addWidget(self.heading("Actions"))
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("actionTabs")
        self.tracker = TrackerView(ctx, self.tabs)
        self.tracker.changes_made.connect(self._changed)
        self.tracker.status_dialog_opened.connect(self._dialog_opened)
        self.tabs.addTab(self.tracker, "&Tracker")
        from cspdesk_gui.pages.my_actions import MyActionsView

        self.my_actions = MyActionsView(ctx, self.tabs)
        self.my_actions.changes_made.connect(self._changed)
        self.my_actions.status_dialog_opened.connect(self._dialog_opened)
        self.tabs.addTab(self.my_actions, "&My actions")
        self.ocgs: ActionsTab | None = None
        self.page_layout.addWidget(self.tabs, 1)
        self.tabs.currentChanged.connect(self._tab_changed)
        hand_focus_to(self, self.tabs)  # not setFocusProxy: Tab would skip what comes before it

    def _views(self) -> list[ActionsTab]:
        return [v for v in (self.tracker, self.my_actions, self.ocgs) if v is not None]

    def cares_about(self, changes: OpChanges) -> bool:
        return bool(changes.actions or changes.cases or changes.panels or changes.partnership or changes.people)

    def reload(self) -> None:
        self._ensure_ocg_tab()
        for view in self._views():
            view.mark_stale()
        current = self.tabs.currentWidget()
        if isinstance(current, ActionsTab):
            current.reload()

    def on_changes(self, changes: OpChanges) -> None:
        """Every tab reads again when next shown; the one on screen now, in place (keeping its
        filters and selection)."""
        if not self.cares_about(changes) or self.is_stale():
            super().on_changes(changes)
            return
        for view in self._views():
            view.mark_stale()
        current = self.tabs.currentWidget()
        if self.isVisible() and isinstance(current, ActionsTab):
            current.refresh_in_place()

    def _ensure_ocg_tab(self) -> None:
        """An OCGs tab for those who sit on a SOCP (the only panel with organised crime groups)."""
        try:
            socp = any(p.panel_type == PanelType.SOCP for p in OnDatabaseThread(PanelService(self._ctx)).list_panels())
        except ServiceError:
            socp = False
        if socp and self.ocgs is None:
            from cspdesk_gui.pages.ocgs import OcgView

            self.ocgs = OcgView(self._ctx, self.tabs)
            self.ocgs.changes_made.connect(self._changed)
            self.ocgs.status_dialog_opened.connect(self._dialog_opened)
            self.tabs.addTab(self.ocgs, "&OCGs (4P plans)")

    def _tab_changed(self, _index: int) -> None:
        view = self.tabs.currentWidget()
        if isinstance(view, ActionsTab) and view.is_stale() and not self.is_stale():
            view.reload()

    def show_tab(self, name: str) -> None:
        """Show a tab: "tracker", "my" or "ocgs" (when there is one)."""
        self.ensure_loaded()
        target = {"tracker": self.tracker, "my": self.my_actions, "ocgs": self.ocgs}.get(name)
        if target is not None:
            self.tabs.setCurrentWidget(target)

    def _changed(self, changes: object) -> None:
        emit(self.changes_made, changes)

    def _dialog_opened(self, dialog: object) -> None:
        emit(self.dialog_opened, dialog)
