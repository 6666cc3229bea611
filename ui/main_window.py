"""The main window: a shell of menus, a navigation side bar, a stack of pages and a status bar.

It owns no data and runs no queries of its own beyond asking who the partnership is and who is
signed in. Changes made through a dialog come back as :class:`OpChanges`;
:meth:`MainWindow.apply_changes` hands them to every page, and each page refreshes only if they
touch what it shows.

The central widget is a stack of two: the content (side bar and pages) and the lock screen
(:mod:`ui.lock`), so locking hides the content without destroying or resetting any of it.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from shiboken6 import isValid
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QWidget,
)

from cspdesk.services.accounts import AccountService
from cspdesk.services.context import OpChanges, Permission, ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk.services.partnership import PartnershipInfo, PartnershipService
from cspdesk.services.workspace import OpenFailed, close_workspace, describe_database
from ui.change_watch import ChangeWatch
from ui.lock import WindowLock, LockScreen
from ui.pages.base import Page
from ui.pages.cases import CasesPage
from ui.pages.later import actions_page, meetings_page, reports_page
from ui.pages.panels import PanelsPage
from ui.pages.welcome import WelcomePage
from ui.signals import emit
from ui.windows import bring_to_front

APP_TITLE = "CSPDesk"


class Section(StrEnum):
    """The pages a window can show; the values are what ``--view`` accepts."""

    WELCOME = "welcome"
    PANELS = "panels"
    CASES = "cases"
    MEETINGS = "meetings"
    ACTIONS = "actions"
    REPORTS = "reports"
    ADMIN = "admin"


#: The side bar, in order; Ctrl+1 … Ctrl+6 follow it.
NAVIGATION: list[tuple[Section, str]] = [
    (Section.PANELS, "Panels"),
    (Section.CASES, "Cases"),
    (Section.MEETINGS, "Meetings"),
    (Section.ACTIONS, "Actions"),
    (Section.REPORTS, "Reports"),
    (Section.ADMIN, "Administration"),
]

VIEW_NAMES = tuple(s.value for s in Section)



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
    #: The window closed (whoever holds it closes ``window.ctx``); ``signing_out`` says why.
    closed = Signal()

    def __init__(
        self,
        ctx: ServiceContext,
        parent: QWidget | None = None,
        *,
        section: Section | str = Section.PANELS,
        db: str | Path | None = None,
    ) -> None:
        super().__init__(parent)
        first_section = Section(section)
        self.ctx = ctx
        self.db = db
        self.partnership: PartnershipInfo | None = None
        #: True once "Sign out" closed the window (the holder shows the sign-in dialog again).
        self.signing_out = False
        self._demo_loader = None
        self._pages: dict[Section, Page] = {}
        self._case_dialogs: dict[int, QWidget] = {}
        self._display_name = ""
        self._can_administer = False
        self._setup_dialog = None
        self._opening_db: str | Path | None = None
        self.setObjectName("mainWindow")
        self.resize(1200, 760)
        self.setMinimumSize(QSize(800, 520))

        self.central_stack = QStackedWidget(self)
        self.central_stack.setObjectName("centralStack")
        self.content = QWidget(self.central_stack)
        self.content.setObjectName("content")
        layout = QHBoxLayout(self.content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.sidebar = QListWidget(self.content)
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setAccessibleName("Sections")
        self.sidebar.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sidebar.setFixedWidth(168)
        for section, label in NAVIGATION:
            item = QListWidgetItem(label, self.sidebar)
            item.setData(Qt.ItemDataRole.UserRole, section.value)
        layout.addWidget(self.sidebar)
        self.stack = QStackedWidget(self.content)
        self.stack.setObjectName("pages")
        layout.addWidget(self.stack, 1)
        self.central_stack.addWidget(self.content)
        self.lock_screen = LockScreen(self.central_stack)
        self.central_stack.addWidget(self.lock_screen)
        self.central_stack.setCurrentWidget(self.content)
        self.setCentralWidget(self.central_stack)

        self.user_label = QLabel(self)
        self.user_label.setObjectName("statusUser")
        self.partnership_label = QLabel(self)
        self.partnership_label.setObjectName("statusPartnership")
        self.marking_label = QLabel(self)
        self.marking_label.setObjectName("statusMarking")
        self.database_label = QLabel(self)
        self.database_label.setObjectName("statusDatabase")
        self.database_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # All permanent (on the right): passing messages on the left never cover the marking.
        self.statusBar().addPermanentWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.partnership_label)
        self.statusBar().addPermanentWidget(self.marking_label)
        self.statusBar().addPermanentWidget(self.database_label)

        self.lock = WindowLock(self)
        self._build_menus()
        self.sidebar.currentRowChanged.connect(self._sidebar_row_changed)
        self._install_pages()
        # Only the first page shown reads from the database; the others wait until they are shown.
        self.show_section(first_section)
        # Others' changes (a server): polled on a timer and when the window comes to the front.
        self.change_watch = ChangeWatch(self)
        self.change_watch.start()

    # -- construction -------------------------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_action = QAction("&Open database…", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self.choose_database)
        file_menu.addAction(self.open_action)
        self.connect_action = QAction("Connect to a &server…", self)
        self.connect_action.triggered.connect(self.connect_to_server)
        file_menu.addAction(self.connect_action)
        file_menu.addSeparator()
        self.change_password_action = QAction("&Change password…", self)
        self.change_password_action.triggered.connect(self.change_password)
        file_menu.addAction(self.change_password_action)
        self.lock_action = QAction("&Lock", self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.lock_action.triggered.connect(self.lock_now)
        file_menu.addAction(self.lock_action)
        self.sign_out_action = QAction("Sign &out", self)
        self.sign_out_action.triggered.connect(self.sign_out)
        file_menu.addAction(self.sign_out_action)
        file_menu.addSeparator()
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)

        view_menu = self.menuBar().addMenu("&View")
        self.section_actions: dict[Section, QAction] = {}
        for number, (section, label) in enumerate(NAVIGATION, start=1):
            action = QAction(label, self)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.triggered.connect(lambda _checked=False, s=section: self.show_section(s))
            view_menu.addAction(action)
            self.section_actions[section] = action
        view_menu.addSeparator()
        self.find_action = QAction("&Find cases", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self.find_cases)
        view_menu.addAction(self.find_action)

        help_menu = self.menuBar().addMenu("&Help")
        self.about_action = QAction("&About CSPDesk", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)

    def _install_pages(self) -> None:
        """Build the pages for ``self.ctx`` (replacing any built for an earlier database)."""
        for page in self._pages.values():
            self.stack.removeWidget(page)
            page.deleteLater()
        self.partnership = PartnershipService(self.ctx).get()
        database = describe_database(self.ctx)
        self._can_administer = self.ctx.actor.can(Permission.ADMINISTER)
        has_account = self.ctx.actor.user_id is not None

        # Demo data only goes into a database with no accounts: never offered once someone signed in.
        welcome = WelcomePage(database, self.stack, offer_demo=not has_account)
        welcome.set_up_requested.connect(self.set_up_partnership)
        welcome.demo_requested.connect(self.load_demo)
        panels = PanelsPage(self.ctx, self.stack)
        panels.panel_opened.connect(self.open_panel)
        cases = CasesPage(self.ctx, self.stack)
        cases.case_opened.connect(self.open_case)
        self._pages = {
            Section.WELCOME: welcome,
            Section.PANELS: panels,
            Section.CASES: cases,
            Section.MEETINGS: meetings_page(self.stack),
            Section.ACTIONS: actions_page(self.stack),
            Section.REPORTS: reports_page(self.stack),
        }
        if self._can_administer:
            # Imported here: only administrators ever see it, and it is not needed to start.
            from ui.pages.admin import AdminPage

            admin = AdminPage(self.ctx, self.stack)
            admin.changes_made.connect(self.apply_changes)
            self._pages[Section.ADMIN] = admin
        for page in self._pages.values():
            self.stack.addWidget(page)
        # Administration is not offered to people whose role cannot use it.
        admin_row = next(i for i, (s, _l) in enumerate(NAVIGATION) if s == Section.ADMIN)
        self.sidebar.item(admin_row).setHidden(not self._can_administer)
        self.section_actions[Section.ADMIN].setVisible(self._can_administer)
        self._read_account()
        self._update_identity()

    def _read_account(self) -> None:
        """Who is signed in: the status bar, the lock screen and the idle interval."""
        actor = self.ctx.actor
        me = AccountService(self.ctx).me() if actor.user_id is not None else None
        self._display_name = me.display_name if me is not None else actor.username
        role = actor.role.label
        if me is not None:
            self.user_label.setText(f"{me.display_name} · {role}")
            self.user_label.setToolTip(f"Signed in as {me.username} ({role})")
            identity = f"Signed in as {me.display_name} ({me.username}), {role}."
            minutes = AccountService(self.ctx).security_settings().idle_lock_minutes
        else:
            # A database opened with its raw key (tests, tools): no account, so nothing to unlock with.
            self.user_label.setText(f"{actor.username} · {role}")
            self.user_label.setToolTip("Opened without an account")
            identity = f"Opened as {actor.username}."
            minutes = 10
        self.lock.configure(enabled=me is not None, idle_minutes=minutes, identity=identity)
        if not self.lock.is_locked():  # while locked every action stays off until unlocked
            for action in (self.lock_action, self.change_password_action):
                action.setEnabled(me is not None)

    def unlocked_title(self) -> str:
        info = self.partnership
        return APP_TITLE if info is None else f"{APP_TITLE} — {info.name}"

    def _update_identity(self) -> None:
        info = self.partnership
        database = describe_database(self.ctx)
        self.database_label.setText(f"Database: {database}")
        self.database_label.setToolTip(database)
        if not self.lock.is_locked():
            self.setWindowTitle(self.unlocked_title())
        if info is None:
            self.partnership_label.setText("No partnership set up yet")
            self.marking_label.setText("")
            self.marking_label.hide()
        else:
            self.partnership_label.setText(info.name)
            self.marking_label.setText(info.protective_marking)
            self.marking_label.setToolTip("Protective marking, printed on every page")
            self.marking_label.show()

    # -- navigation ---------------------------------------------------------------------------

    @property
    def needs_welcome(self) -> bool:
        """True while the database holds no partnership (first run)."""
        return self.partnership is None

    def has_section(self, section: Section | str) -> bool:
        """Is this section offered to the person signed in? (Administration: administrators only.)"""
        return Section(section) in self._pages

    def page(self, section: Section | str) -> Page:
        return self._pages[Section(section)]

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
        if section not in self._pages:
            section = Section.PANELS
        if section == Section.WELCOME and not self.needs_welcome:
            section = Section.PANELS
        shown = Section.WELCOME if section == Section.PANELS and self.needs_welcome else section
        page = self._pages[shown]
        nav_section = Section.PANELS if shown == Section.WELCOME else shown
        row = next(i for i, (s, _l) in enumerate(NAVIGATION) if s == nav_section)
        self.sidebar.blockSignals(True)
        self.sidebar.setCurrentRow(row)
        self.sidebar.blockSignals(False)
        if self.stack.currentWidget() is not page:
            self.stack.setCurrentWidget(page)
        page.ensure_loaded()
        emit(self.section_shown, shown.value)

    def _sidebar_row_changed(self, row: int) -> None:
        if 0 <= row < len(NAVIGATION):
            self.show_section(NAVIGATION[row][0])

    def open_panel(self, panel_id: int) -> None:
        cases: CasesPage = self._pages[Section.CASES]  # type: ignore[assignment]
        cases.show_panel(panel_id)
        self.show_section(Section.CASES)
        cases.table.setFocus()

    def find_cases(self) -> None:
        self.show_section(Section.CASES)
        cases: CasesPage = self._pages[Section.CASES]  # type: ignore[assignment]
        cases.focus_search()

    # -- cases --------------------------------------------------------------------------------

    def open_case(self, case_id: int) -> QWidget | None:
        """Show the case, read-only, in a dialog of its own. A case already open is brought to the
        front rather than read (and audited) again."""
        from ui.dialogs.case_view import CaseDialog

        existing = self._case_dialogs.get(case_id)
        if existing is not None and isValid(existing):
            bring_to_front(existing)
            return existing
        try:
            dialog = CaseDialog.open_case(self.ctx, case_id, self)
        except ServiceError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return None
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # Bound methods only on signals of dialogs that delete themselves: a lambda holding the
        # window crashes PySide6 6.12 when the dialog is deleted (seen in tests).
        dialog.finished.connect(self._forget_closed_case_dialogs)
        self._case_dialogs[case_id] = dialog
        dialog.show()
        emit(self.case_dialog_opened, dialog)
        return dialog

    def _forget_closed_case_dialogs(self, _result: int = 0) -> None:
        self._case_dialogs = {
            cid: d for cid, d in self._case_dialogs.items() if isValid(d) and d.isVisible()
        }

    def case_dialogs(self) -> list[QWidget]:
        return [d for d in self._case_dialogs.values() if isValid(d)]

    def _close_case_dialogs(self) -> None:
        for dialog in self.case_dialogs():
            dialog.close()
        self._case_dialogs.clear()

    # -- changes ------------------------------------------------------------------------------

    def apply_changes(self, changes: OpChanges) -> None:
        """Hand what changed to every page; each refreshes only if it shows it."""
        leave_welcome = False
        if changes.partnership:
            was_welcome = self.needs_welcome
            self.partnership = PartnershipService(self.ctx).get()
            # Account changes and security settings (the idle interval) come as partnership changes.
            self._read_account()
            self._update_identity()
            leave_welcome = was_welcome and not self.needs_welcome and self.current_section() == Section.WELCOME
        for page in self._pages.values():
            page.on_changes(changes)
        if leave_welcome:
            self.show_section(Section.PANELS)  # after on_changes, so the panels load once
        emit(self.changes_applied, changes)

    # -- first run ----------------------------------------------------------------------------

    def set_up_partnership(self) -> None:
        """Name the partnership of this (signed-in, empty) database. The dialog is opened, not
        exec()'d: locking the window must not end it."""
        from ui.dialogs.partnership_setup import PartnershipSetupDialog

        dialog = PartnershipSetupDialog(self.ctx, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(self._partnership_set_up)
        self._setup_dialog = dialog
        dialog.open()

    def _partnership_set_up(self) -> None:
        dialog, self._setup_dialog = self._setup_dialog, None
        result = dialog.result_value if dialog is not None else None
        if result is None:
            return
        self.apply_changes(result.changes)  # type: ignore[attr-defined]
        emit(self.partnership_set_up, result.value)  # type: ignore[attr-defined]

    def load_demo(self) -> None:
        """Write the demo partnership on a worker thread; the pages refresh when it is done."""
        if self._demo_loader is not None:
            return
        from ui.demo_loader import DemoLoader

        welcome: WelcomePage = self._pages[Section.WELCOME]  # type: ignore[assignment]
        welcome.set_busy(True)
        loader = DemoLoader(self.ctx, self)
        loader.loaded.connect(self._demo_loaded)
        loader.failed.connect(self._demo_failed)
        self._demo_loader = loader
        loader.start()

    def _demo_finished(self) -> None:
        loader, self._demo_loader = self._demo_loader, None
        if loader is not None:
            loader.deleteLater()
        welcome: WelcomePage = self._pages[Section.WELCOME]  # type: ignore[assignment]
        welcome.set_busy(False)

    def _demo_loaded(self, summary: object) -> None:
        self._demo_finished()
        self.apply_changes(OpChanges.everything())
        self.statusBar().showMessage("Demo data loaded. Everything in it is made up.", 8000)
        emit(self.demo_loaded, summary)

    def _demo_failed(self, message: str) -> None:
        self._demo_finished()
        emit(self.demo_failed, message)
        box = QMessageBox(QMessageBox.Icon.Warning, "Demo data", message, QMessageBox.StandardButton.Ok, self)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.show()

    @property
    def demo_loader(self):  # noqa: ANN201 - DemoLoader | None; imported lazily
        return self._demo_loader

    def is_loading_demo(self) -> bool:
        return self._demo_loader is not None

    # -- the account: password, lock, sign out -----------------------------------------------------

    def change_password(self, *, required: bool = False):  # noqa: ANN201 - ChangePasswordDialog
        """File → Change password…; with ``required`` (a temporary password) cancelling signs out."""
        from ui.dialogs.change_password import ChangePasswordDialog

        dialog = ChangePasswordDialog(self.ctx, self, required=required)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.password_changed.connect(self._password_changed)
        if required:
            dialog.rejected.connect(self.sign_out)
        dialog.open()
        return dialog

    def _password_changed(self) -> None:
        self.statusBar().showMessage("Your password was changed.", 8000)

    def ask_for_new_password_if_needed(self) -> bool:
        """After signing in: a temporary password must be changed before the window is used."""
        if self.ctx.actor.user_id is None:
            return False
        me = AccountService(self.ctx).me()
        if me is None or not me.must_change_password:
            return False
        self.change_password(required=True)
        return True

    def is_locked(self) -> bool:
        return self.lock.is_locked()

    def lock_now(self) -> None:
        """File → Lock (Ctrl+L)."""
        self.lock.lock()

    def sign_out(self) -> None:
        """File → Sign out: close the window; whoever holds it shows the sign-in dialog again."""
        if self._demo_loader is not None:
            return
        self.signing_out = True
        self.close()

    # -- databases ----------------------------------------------------------------------------

    def choose_database(self) -> None:
        start = describe_database(self.ctx)
        folder = str(Path(start).parent) if "://" not in start else ""
        path, _filter = QFileDialog.getOpenFileName(
            self, "Open a CSPDesk database", folder, "CSPDesk databases (*.db);;All files (*)"
        )
        if path:
            self.open_database(path)

    def connect_to_server(self):  # noqa: ANN201 - ServerConnectionDialog
        """Ask where the server database is (opened, not exec()'d); then sign in to it as to a file."""
        from ui.dialogs.server_connection import ServerConnectionDialog

        dialog = ServerConnectionDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.open_database(dialog.url) if dialog.url else None)
        dialog.open()
        return dialog

    def open_database(self, db: str | Path):  # noqa: ANN201 - SignInDialog | None
        """Sign in to another existing database; the window switches to it when that succeeds.
        Says why in a message box if there is nothing to open; returns the sign-in dialog."""
        if self._demo_loader is not None:
            return None
        from cspdesk.services.auth import database_exists
        from ui.dialogs.sign_in import SignInDialog

        try:
            exists = database_exists(db)
        except OpenFailed as exc:
            QMessageBox.warning(self, "Open database", str(exc))
            return None
        if not exists:
            QMessageBox.warning(self, "Open database", f"There is no CSPDesk database at {db}.")
            return None
        dialog = SignInDialog(db, self, cancel_text="Cancel")
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self._opening_db = db
        dialog.signed_in.connect(self._signed_in_to_other)
        dialog.open()
        return dialog

    def _signed_in_to_other(self, ctx: object) -> None:
        assert isinstance(ctx, ServiceContext)
        self.switch_database(ctx, self._opening_db)

    def switch_database(self, new_ctx: ServiceContext, db: str | Path | None = None) -> None:
        """Show ``new_ctx`` (already signed in) in this window, closing the database shown until now."""
        old, self.ctx = self.ctx, new_ctx
        self.db = db
        self._close_case_dialogs()
        close_workspace(old)
        self._install_pages()
        self.show_section(Section.PANELS)
        self.change_watch.start()
        emit(self.database_opened, describe_database(new_ctx))
        self.ask_for_new_password_if_needed()

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About CSPDesk",
            "<p><b>CSPDesk</b></p><p>Case panels for Community Safety Partnerships — MARAC, CSVG, "
            "SOCP and CARM: referrals, meetings, actions and their papers, kept in an encrypted "
            "local database.</p>",
        )

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        super().changeEvent(event)
        watch = getattr(self, "change_watch", None)  # Qt may send events while __init__ runs
        if watch is not None and event.type() == QEvent.Type.ActivationChange and self.isActiveWindow():
            watch.poll()  # back from another window: someone may have changed things

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self._demo_loader is not None:
            # The generator writes one transaction; let it end rather than kill the thread mid-write.
            self._demo_loader.wait()
        self.lock.stop()
        self.change_watch.stop()
        self._close_case_dialogs()
        super().closeEvent(event)
        emit(self.closed)
