"""The Administration page: accounts, security settings, backups, the audit trail, retention and
erasure, and subject access exports — one tab each, for administrators only.

The main window builds ``AdminPage(ctx)``, connects :attr:`AdminPage.changes_made` to its own
``apply_changes`` and hands every change back through :meth:`AdminPage.on_changes` (or
:meth:`AdminPage.apply_changes`, the same). Each tab reads from its services the first time it is
shown, and again after a change only when next shown.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QStackedWidget, QTabWidget, QWidget

from cspdesk.services.context import OpChanges, Permission, ServiceContext
from cspdesk_gui.pages.admin.accounts import AccountsTab
from cspdesk_gui.pages.admin.audit import AuditTab
from cspdesk_gui.pages.admin.backups import BackupsTab
from cspdesk_gui.pages.admin.common import wait_for_background_calls
from cspdesk_gui.pages.admin.known_to import AlsoKnownToTab
from cspdesk_gui.pages.admin.retention import RetentionTab
from cspdesk_gui.pages.admin.security import SecurityTab
from cspdesk_gui.pages.admin.settings import SettingsTab
from cspdesk_gui.pages.admin.structure import StructureTab
from cspdesk_gui.pages.admin.subject_access import SubjectAccessTab
from cspdesk_gui.pages.admin.tab import AdminTab
from cspdesk_gui.pages.base import Page, empty_state
from cspdesk_gui.signals import emit
from cspdesk_gui.accessibility import hand_focus_to

__all__ = ["AdminPage", "wait_for_background_calls"]

class AdminPage(Page):
    title = "Administration"

    #: Something was written from this page: the :class:`OpChanges`, for the main window's
    #: ``apply_changes`` (which hands them to every page, this one included).
    changes_made = Signal(object)
    #: "Restore a backup…" on the Backups tab (the main window opens the restore dialog).
    restore_requested = Signal()

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.page_layout.addWidget(self.heading("Administration"))

        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("adminTabs")
        self.tabs.setDocumentMode(False)
        self.accounts_tab = AccountsTab(ctx, self.tabs)
        self.settings_tab = SettingsTab(ctx, self.tabs)
        self.structure_tab = StructureTab(ctx, self.tabs)
        self.known_to_tab = AlsoKnownToTab(ctx, self.tabs)
        self.security_tab = SecurityTab(ctx, self.tabs)
        self.backups_tab = BackupsTab(ctx, self.tabs)
        self.backups_tab.restore_requested.connect(self._restore_requested)
        self.audit_tab = AuditTab(ctx, self.tabs)
        self.retention_tab = RetentionTab(ctx, self.tabs)
        self.subject_access_tab = SubjectAccessTab(ctx, self.tabs)
        for tab in self.all_tabs():
            self.tabs.addTab(tab, tab.tab_label)
            tab.changes_made.connect(self._tab_changed)
        self.tabs.currentChanged.connect(self._tab_shown)

        self._stack = QStackedWidget(self)
        self._stack.addWidget(self.tabs)
        self.refused_label = empty_state(
            f"Administration is for administrators. Your role ({ctx.actor.role.label}) does not include it; "
            "ask an administrator if you need an account changed.",
            self,
        )
        self._stack.addWidget(self.refused_label)
        self.page_layout.addWidget(self._stack, 1)
        self._allowed = ctx.actor.can(Permission.ADMINISTER)
        self._stack.setCurrentWidget(self.tabs if self._allowed else self.refused_label)
        self._reloads = 0
        hand_focus_to(self, self.tabs)  # not setFocusProxy: Tab would skip what comes before it

    def all_tabs(self) -> list[AdminTab]:
        return [self.accounts_tab, self.settings_tab, self.structure_tab, self.known_to_tab, self.security_tab,
                self.backups_tab, self.audit_tab, self.retention_tab, self.subject_access_tab]

    def show_backups(self) -> None:
        self.show_tab(self.backups_tab)

    def _restore_requested(self) -> None:
        emit(self.restore_requested)

    def current_tab(self) -> AdminTab:
        return self.tabs.currentWidget()  # type: ignore[return-value]

    def show_tab(self, tab: AdminTab) -> None:
        self.tabs.setCurrentWidget(tab)
        if self.isVisible():
            tab.ensure_loaded()

    # -- loading --------------------------------------------------------------------------------

    def cares_about(self, changes: OpChanges) -> bool:
        # Every change writes to the audit trail; accounts show panels; retention shows cases.
        return bool(changes)

    def reload(self) -> None:
        """Every tab is read again when next shown; the current one at once."""
        self._reloads += 1
        if not self._allowed:
            return
        for tab in self.all_tabs():
            tab.mark_stale()
        self.current_tab().ensure_loaded()

    def apply_changes(self, changes: OpChanges) -> None:
        """What changed elsewhere (or here): the same as :meth:`Page.on_changes`."""
        self.on_changes(changes)

    def _tab_shown(self, _index: int) -> None:
        if self.isVisible() and not self.is_stale():
            self.current_tab().ensure_loaded()

    def _tab_changed(self, changes: object) -> None:
        """A tab wrote something. The other tabs read again when next shown (every write adds to
        the audit trail); the main window hears of it, and hands it back to every page."""
        assert isinstance(changes, OpChanges)
        sender = self.sender()
        for tab in self.all_tabs():
            if tab is not sender:
                tab.mark_stale()
        if changes:
            emit(self.changes_made, changes)
