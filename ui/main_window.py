"""The main window: a shell of menus, a navigation side bar, a stack of pages and a status bar.

It owns no data and runs no queries of its own beyond asking who the partnership is and who is
signed in. Changes made through a dialog come back as :class:`OpChanges`;
:meth:`MainWindow.apply_changes` hands them to every page, and each page refreshes only if they
touch what it shows.

The central widget is a stack of two: the content (side bar and pages) and the lock screen
(:mod:`cspdesk_gui.lock`), so locking hides the content without destroying or resetting any of it.

The window is a shell: what it does beyond showing pages lives in :mod:`cspdesk_gui.shell` — the sections
and how each page is built, the menus, the status bar, the account, the case and meeting windows it
opened, backups and restore, the demo data, and opening another database.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent, QShowEvent
from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

from cspdesk.domain.enums import Role
from cspdesk.services.context import OpChanges, Permission, ServiceContext
from cspdesk.services.partnership.partnership import PartnershipInfo, PartnershipService
from cspdesk_gui import faults
from cspdesk_gui.change_watch import ChangeWatch
from cspdesk_gui.lock import WindowLock
from cspdesk_gui.operations import finish_running_ops, run_and_wait
from cspdesk_gui.pages.base import Page
from cspdesk_gui.shell.account import AccountController
from cspdesk_gui.shell.backups import BackupController
from cspdesk_gui.shell.databases import DatabaseSwitcher
from cspdesk_gui.shell.first_run import FirstRunController
from cspdesk_gui.shell.layout import build_central
from cspdesk_gui.shell.menus import build_menus
from cspdesk_gui.shell.records import OpenRecords
from cspdesk_gui.shell.sections import NAVIGATION, SUB_VIEWS, Section, navigation_row, page_builders
from cspdesk_gui.shell.status import StatusLine
from cspdesk_gui.signals import emit
from cspdesk_gui.windows import fit_to_screen

if TYPE_CHECKING:
    from cspdesk_gui.pages.actions import ActionsPage
    from cspdesk_gui.pages.cases import CasesPage

APP_TITLE = "CSPDesk"


class MainWindow(QMainWindow):
    """One window on one open database (``ctx``), as the person signed in to it.

    Hazard: the window does not close the context it was given; when "Open database…" replaces it,
    the window closes the one it replaces, and whoever holds the window closes ``window.ctx`` at the end.
    ``db`` is what was signed in to (a path or URL), for signing in again after "Sign out".
    """

    #: A page became the visible one: the section's name.
    section_shown = Signal(str)
    #: The partnership was set up in the welcome dialog.
    partnership_set_up = Signal(object)
    #: Demo data finished loading: the generator's summary.
    demo_loaded = Signal(object)
    #: Demo data could not be loaded: the message shown.
    demo_failed = Signal(str)
    #: Changes were handed to the pages.
    changes_applied = Signal(object)
    #: Another database was opened: its description.
    database_opened = Signal(str)
    #: A case dialog was opened: the dialog.
    case_dialog_opened = Signal(object)
    #: Meeting mode was opened: its window.
    meeting_mode_opened = Signal(object)
    #: The window closed (whoever holds it closes ``window.ctx``); ``signing_out`` says why.
    closed = Signal()
    #: A backup replaced the open file: the RestoreInfo (the window then closes to sign in again).
    database_restored = Signal(object)
    #: The restore dialog was opened: the dialog.
    restore_dialog_opened = Signal(object)

    def __init__(
        self,
        ctx: ServiceContext,
        parent: QWidget | None = None,
        *,
        section: Section | str = Section.PANELS,
        db: str | Path | None = None,
        auto_backups: bool = False,
    ) -> None:
        super().__init__(parent)
        sub_view = SUB_VIEWS.get(str(section))
        first_section = sub_view[0] if sub_view is not None else Section(section)
        self.ctx = ctx
        self.db = db
        self.partnership: PartnershipInfo | None = None
        #: True once "Sign out" closed the window (the holder shows the sign-in dialog again).
        self.signing_out = False
        self._pages: dict[Section, Page] = {}
        #: How to build each page offered to the person signed in (built when first wanted).
        self._builders: dict[Section, Callable[[], Page]] = {}
        self._can_administer = False
        self._started = False
        self.about_dialog = None
        self.account = AccountController(self)
        self.records = OpenRecords(self)
        self.backup_jobs = BackupController(self, auto_backups=auto_backups)
        self.demo = FirstRunController(self)
        self.databases = DatabaseSwitcher(self)
        self.setObjectName("mainWindow")
        fit_to_screen(self, 1200, 760)
        # Never more than the screen offers (at 200 % on a 1080p screen that is 960×540); pages
        # narrower than they need scroll (below).
        screen = QApplication.primaryScreen().availableGeometry() if QApplication.primaryScreen() else None
        self.setMinimumSize(QSize(800, 520).boundedTo(screen.size()) if screen is not None else QSize(800, 520))
        build_central(self)
        self.status_line = StatusLine(self)
        for name in ("user_label", "partnership_label", "marking_label", "database_label"):
            setattr(self, name, getattr(self.status_line, name))

        self.lock = WindowLock(self)
        build_menus(self)
        self.sidebar.currentRowChanged.connect(self._sidebar_row_changed)
        self.install_pages()
        # Only the first page shown reads from the database; the others wait until they are shown.
        self.show_section(first_section)
        if sub_view is not None and self.current_section() == sub_view[0]:
            self.actions_page().show_tab(sub_view[1])
        # Others' changes (a server): polled on a timer and when the window comes to the front.
        self.change_watch = ChangeWatch(self)
        self.change_watch.start()

    # -- construction -------------------------------------------------------------------------

    def open_context_map(self):  # noqa: ANN201 - ContextMapDialog
        from cspdesk_gui.dialogs.context_map import open_context_map

        return open_context_map(self, self.ctx)

    def open_contexts(self):  # noqa: ANN201 - ContextsDialog
        from cspdesk_gui.dialogs.contexts import open_contexts

        return open_contexts(self, self.ctx)

    def open_triage(self):  # noqa: ANN201 - TriageDialog
        from cspdesk_gui.dialogs.triage import open_triage

        return open_triage(self, self.ctx)

    def open_community_trigger(self):  # noqa: ANN201 - CommunityTriggerDialog
        from cspdesk_gui.dialogs.community_trigger import open_community_trigger

        return open_community_trigger(self, self.ctx)

    def install_pages(self) -> None:
        """Get the pages ready for ``self.ctx`` (replacing any built for an earlier database). A page
        is built the first time it is wanted (:meth:`page`), so opening the window builds one."""
        for page in self._pages.values():
            self.stack.removeWidget(page)
            page.deleteLater()
        self._pages = {}
        self.partnership = self._read_partnership()
        self._can_administer = self.ctx.actor.can(Permission.ADMINISTER)
        self._builders = page_builders(self, administer=self._can_administer)
        # Administration is not offered to people whose role cannot use it.
        self.sidebar.item(navigation_row(Section.ADMIN)).setHidden(not self._can_administer)
        self.section_actions[Section.ADMIN].setVisible(self._can_administer)
        local_file = self.ctx.vault is not None
        self.restore_action.setVisible(self._can_administer and local_file)
        self.backup_action.setVisible(local_file and self.ctx.actor.role in (Role.ADMINISTRATOR, Role.COORDINATOR))
        self.account.read_account()
        self._update_identity()
        self.update_read_only()

    # -- read-only, identity --------------------------------------------------------------------

    def update_read_only(self) -> None:
        """The banner across the top while this window cannot change anything."""
        self.read_only_banner.show_state(self.ctx)
        for action in (self.backup_action, self.restore_action):
            action.setEnabled(not self.ctx.read_only or action is self.restore_action)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        faults.install()
        faults.reporter().set_restore_handler(self.restore_backup if self._can_administer else None)
        if not self._started:
            self._started = True
            self.backup_jobs.start()

    def _read_partnership(self) -> PartnershipInfo | None:
        ctx = self.ctx
        return run_and_wait(lambda: PartnershipService(ctx).get())

    def unlocked_title(self) -> str:
        info = self.partnership
        return APP_TITLE if info is None else f"{APP_TITLE} — {info.name}"

    def _update_identity(self) -> None:
        self.status_line.show_identity(self.ctx, self.partnership)
        if not self.lock.is_locked():
            self.setWindowTitle(self.unlocked_title())

    # -- navigation ---------------------------------------------------------------------------

    @property
    def needs_welcome(self) -> bool:
        """True while the database holds no partnership (first run)."""
        return self.partnership is None

    def has_section(self, section: Section | str) -> bool:
        """Is this section offered to the person signed in? (Administration: administrators only.)"""
        return Section(section) in self._builders

    def page(self, section: Section | str) -> Page:
        """The section's page, built now if it was not yet (KeyError: not offered to this person)."""
        section = Section(section)
        page = self._pages.get(section)
        if page is None:
            page = self._builders[section]()
            self._pages[section] = page
            self.stack.addWidget(page)
        return page

    def actions_page(self) -> ActionsPage:
        return self.page(Section.ACTIONS)  # type: ignore[return-value]

    def current_section(self) -> Section:
        current = self.stack.currentWidget()
        for section, page in self._pages.items():
            if page is current:
                return section
        raise AssertionError("no page is showing")

    def show_section(self, section: Section | str) -> None:
        """Show a section. Until a partnership is set up the Panels section is the welcome page;
        once it is, asking for the welcome page shows the panels. A section the person may not
        use (Administration for non-administrators) shows the panels instead."""
        section = Section(section)
        if section not in self._builders:
            section = Section.PANELS
        if section == Section.WELCOME and not self.needs_welcome:
            section = Section.PANELS
        shown = Section.WELCOME if section == Section.PANELS and self.needs_welcome else section
        page = self.page(shown)
        self.sidebar.blockSignals(True)
        self.sidebar.setCurrentRow(navigation_row(Section.PANELS if shown == Section.WELCOME else shown))
        self.sidebar.blockSignals(False)
        if self.stack.currentWidget() is not page:
            self.stack.setCurrentWidget(page)
        page.ensure_loaded()
        emit(self.section_shown, shown.value)

    def go_to_section(self, section: Section | str) -> None:
        """Show a section and put the keyboard in it (Ctrl+1 … Ctrl+6): the page's own keys, such
        as Ctrl+N, work at once, not only after a Tab into the page."""
        self.show_section(section)
        page = self.stack.currentWidget()
        if page.isAncestorOf(QApplication.focusWidget()):
            return
        target = page.focusProxy() or next(
            (w for w in page.findChildren(QWidget) if w.focusPolicy() & Qt.FocusPolicy.TabFocus
             and w.isVisible() and w.isEnabled()), page)
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _sidebar_row_changed(self, row: int) -> None:
        if 0 <= row < len(NAVIGATION):
            self.show_section(NAVIGATION[row][0])

    def open_panel(self, panel_id: int) -> None:
        cases: CasesPage = self.page(Section.CASES)  # type: ignore[assignment]
        cases.show_panel(panel_id)
        self.show_section(Section.CASES)
        cases.table.setFocus()

    def find_cases(self) -> None:
        self.show_section(Section.CASES)
        cases: CasesPage = self.page(Section.CASES)  # type: ignore[assignment]
        cases.focus_search()

    # -- what the parts in cspdesk_gui.shell do, under the names menus, pages and tests use --------------

    def open_case(self, case_id: int) -> QWidget | None:
        return self.records.open_case(case_id)

    def open_meeting_mode(self, meeting_id: int) -> QWidget | None:
        return self.records.open_meeting_mode(meeting_id)

    def meeting_closed_elsewhere(self, meeting_id: int) -> None:
        page = self._pages.get(Section.MEETINGS)
        if page is not None:
            page.meeting_changed_elsewhere(meeting_id)  # type: ignore[attr-defined]

    def case_dialogs(self) -> list[QWidget]:
        return self.records.case_dialogs()

    def back_up_now(self) -> None:
        self.backup_jobs.back_up_now(administer=self._can_administer)

    def restore_backup(self):  # noqa: ANN201 - RestoreDialog | None
        return self.backup_jobs.restore_backup(administer=self._can_administer)

    @property
    def backups(self):  # noqa: ANN201 - BackupRunner | None; imported lazily
        return self.backup_jobs.runner

    @property
    def restore_dialog(self):  # noqa: ANN201 - RestoreDialog | None
        return self.backup_jobs.restore_dialog

    @property
    def sign_in_notice(self) -> str:
        return self.backup_jobs.sign_in_notice

    @property
    def auto_backups(self) -> bool:
        return self.backup_jobs.auto_backups

    @auto_backups.setter
    def auto_backups(self, value: bool) -> None:
        self.backup_jobs.auto_backups = value

    def load_demo(self) -> None:
        self.demo.load()

    @property
    def demo_loader(self):  # noqa: ANN201 - DemoLoader | None; imported lazily
        return self.demo.loader

    def is_loading_demo(self) -> bool:
        return self.demo.loader is not None

    def change_password(self, *, required: bool = False):  # noqa: ANN201 - ChangePasswordDialog
        return self.account.change_password(required=required)

    def connect_to_server(self):  # noqa: ANN201 - ServerConnectionDialog
        return self.databases.connect_to_server()

    def open_database(self, db: str | Path):  # noqa: ANN201 - SignInDialog | None
        return None if self.is_loading_demo() else self.databases.open_database(db)

    # -- changes ------------------------------------------------------------------------------

    def apply_changes(self, changes: OpChanges) -> None:
        """Hand what changed to every page; each refreshes only if it shows it."""
        leave_welcome = False
        if changes.partnership:
            was_welcome = self.needs_welcome
            self.partnership = self._read_partnership()
            # Account changes and security settings (the idle interval) come as partnership changes.
            self.account.read_account()
            self._update_identity()
            leave_welcome = was_welcome and not self.needs_welcome and self.current_section() == Section.WELCOME
        for page in self._pages.values():
            page.on_changes(changes)
        if leave_welcome:
            self.show_section(Section.PANELS)  # after on_changes, so the panels load once
        emit(self.changes_applied, changes)

    def set_up_partnership(self) -> None:
        self.demo.set_up_partnership()

    # -- lock, sign out, about, closing ---------------------------------------------------------

    def is_locked(self) -> bool:
        return self.lock.is_locked()

    def lock_now(self) -> None:
        """File → Lock (Ctrl+L)."""
        self.lock.lock()

    def sign_out(self) -> None:
        """File → Sign out: close the window; whoever holds it shows the sign-in dialog again."""
        if self.is_loading_demo():
            return
        self.signing_out = True
        self.close()

    def show_about(self) -> None:
        """Help → About CSPDesk: version, licences, and where the data lives."""
        from cspdesk_gui.dialogs.about import AboutDialog

        if self.about_dialog is not None:
            self.about_dialog.close()
        self.about_dialog = AboutDialog(self.ctx, self)
        self.about_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.about_dialog.destroyed.connect(self._about_closed)
        self.about_dialog.open()

    def _about_closed(self) -> None:
        self.about_dialog = None

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        watch = getattr(self, "change_watch", None)  # Qt may send events while __init__ runs
        if watch is not None and event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            watch.poll()  # back from another window: someone may have changed things

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self.backup_jobs.holds_close(self.close):
            event.ignore()  # the backup on closing first
            return
        faults.reporter().forget(self)
        self.demo.wait()
        self.lock.stop()
        self.change_watch.stop()
        self.records.close_all()
        # A dashboard being worked out or a page being printed must end before the database closes.
        finish_running_ops()
        super().closeEvent(event)
        emit(self.closed)
