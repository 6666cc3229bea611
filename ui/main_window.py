"""The main window: a shell of menus, a navigation side bar, a stack of pages and a status bar.

It owns no data and runs no queries of its own beyond asking who the partnership is and who is
signed in. Changes made through a dialog come back as :class:`OpChanges`;
:meth:`MainWindow.apply_changes` hands them to every page, and each page refreshes only if they
touch what it shows.

The central widget is a stack of two: the content (side bar and pages) and the lock screen
(:mod:`ui.lock`), so locking hides the content without destroying or resetting any of it.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShowEvent
from shiboken6 import isValid
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.enums import Role
from cspdesk.services.accounts import AccountService
from cspdesk.services.context import OpChanges, Permission, ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk.services.partnership import PartnershipInfo, PartnershipService
from cspdesk.services.workspace import OpenFailed, close_workspace, describe_database
from ui import faults
from ui.change_watch import ChangeWatch
from ui.lock import WindowLock, LockScreen
from ui.pages.base import Page
from ui.signals import emit
from ui.theme import appearance_menu
from ui.widgets.elided_label import ElidedLabel
from ui.windows import bring_to_front, fit_to_screen

if TYPE_CHECKING:
    from ui.pages.actions import ActionsPage
    from ui.pages.cases import CasesPage
    from ui.pages.welcome import WelcomePage

APP_TITLE = "CSPDesk"

#: Qt's "no maximum" for a widget's width (QWIDGETSIZE_MAX).
QWIDGETSIZE_MAX = (1 << 24) - 1

#: Pixels beyond a passing message's own width kept free for it: the status bar's margins, the
#: gaps between its widgets and the size grip.
MESSAGE_ROOM_SLACK = 72


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

#: Views that are a tab of a section: ``--view my-actions`` opens the Actions section on that tab.
SUB_VIEWS: dict[str, tuple[Section, str]] = {
    "my-actions": (Section.ACTIONS, "my"),
    "ocgs": (Section.ACTIONS, "ocgs"),
}

VIEW_NAMES = tuple(s.value for s in Section) + tuple(SUB_VIEWS)



#: The side bar's padding round a name: the item's (16 px each side) and margin (8), the
#: list's focus ring (2) and room to spare.
SIDEBAR_PADDING = 2 * 16 + 2 * 8 + 2 * 2 + 12


def sidebar_width(sidebar: QListWidget) -> int:
    """The side bar's width for its longest name in its font."""
    metrics = sidebar.fontMetrics()
    return max(metrics.horizontalAdvance(label) for _s, label in NAVIGATION) + SIDEBAR_PADDING


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
        self._demo_loader = None
        self._pages: dict[Section, Page] = {}
        #: How to build each page offered to the person signed in (built when first wanted).
        self._builders: dict[Section, Callable[[], Page]] = {}
        self._case_dialogs: dict[int, QWidget] = {}
        self._meeting_windows: dict[int, QWidget] = {}
        self._display_name = ""
        self._can_administer = False
        self._setup_dialog = None
        self._opening_db: str | Path | None = None
        #: Daily and on-close backups and the background integrity check (``auto_backups``; the
        #: application turns them on, a window built on its own — tests, tools — does not).
        self.auto_backups = auto_backups
        self.backups = None
        self._started = False
        #: What the sign-in dialog says when it opens after this window (a restore).
        self.sign_in_notice = ""
        self.restore_dialog = None
        self.about_dialog = None
        self.setObjectName("mainWindow")
        fit_to_screen(self, 1200, 760)
        # Never more than the screen offers (at 200 % on a 1080p screen that is 960×540); pages
        # narrower than they need scroll (below).
        screen = QApplication.primaryScreen().availableGeometry() if QApplication.primaryScreen() else None
        self.setMinimumSize(QSize(800, 520).boundedTo(screen.size()) if screen is not None else QSize(800, 520))

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
        for section, label in NAVIGATION:
            item = QListWidgetItem(label, self.sidebar)
            item.setData(Qt.ItemDataRole.UserRole, section.value)
        # Wide enough for the longest section's name in the font in use (16 pt text cut
        # "Administration" to "Administr…" in the old fixed 168 px).
        self.sidebar.setFixedWidth(max(168, sidebar_width(self.sidebar)))
        layout.addWidget(self.sidebar)
        self.stack = QStackedWidget(self.content)
        self.stack.setObjectName("pages")
        # Large text (200 %, a 16 pt system font) can make a page wider or taller than the window:
        # it then scrolls, rather than squeezing its controls until their words are cut
        # ("ear filte"). Not a focus stop: Tab goes through the page, which scrolls to follow.
        self.page_scroll = QScrollArea(self.content)
        self.page_scroll.setObjectName("pageScroll")
        self.page_scroll.setWidgetResizable(True)
        self.page_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.page_scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.page_scroll.setWidget(self.stack)
        layout.addWidget(self.page_scroll, 1)
        self.central_stack.addWidget(self.content)
        self.lock_screen = LockScreen(self.central_stack)
        self.central_stack.addWidget(self.lock_screen)
        self.central_stack.setCurrentWidget(self.content)
        # Across the top, above content and lock screen alike: the read-only banner.
        self.frame = QWidget(self)
        self.frame.setObjectName("windowFrame")
        column = QVBoxLayout(self.frame)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.read_only_banner = QLabel("", self.frame)
        self.read_only_banner.setObjectName("readOnlyBanner")
        self.read_only_banner.setWordWrap(True)
        self.read_only_banner.setTextFormat(Qt.TextFormat.PlainText)
        self.read_only_banner.setAccessibleName("Read-only")
        self.read_only_banner.hide()
        column.addWidget(self.read_only_banner)
        column.addWidget(self.central_stack, 1)
        self.setCentralWidget(self.frame)
        # The writer's lock can be lost on its heartbeat thread (this computer slept past the stale
        # limit and another copy took the file): the banner looks at the context now and then.
        self._read_only_timer = QTimer(self)
        self._read_only_timer.setInterval(2000)
        self._read_only_timer.timeout.connect(self._update_read_only)
        self._read_only_timer.start()

        self.user_label = QLabel(self)
        self.user_label.setObjectName("statusUser")
        # The partnership and the database give way ("…", the whole in the tooltip) when room is
        # short; who is signed in and the protective marking are always shown whole.
        self.partnership_label = ElidedLabel(self)
        self.partnership_label.setObjectName("statusPartnership")
        self.marking_label = QLabel(self)
        self.marking_label.setObjectName("statusMarking")
        self.database_label = ElidedLabel(self)
        self.database_label.setObjectName("statusDatabase")
        for whole in (self.user_label, self.marking_label):
            whole.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Preferred)
        # All permanent (on the right): passing messages on the left never cover the marking.
        self.statusBar().addPermanentWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.partnership_label)
        self.statusBar().addPermanentWidget(self.marking_label)
        self.statusBar().addPermanentWidget(self.database_label)
        self.statusBar().messageChanged.connect(self._make_room_for_message)

        self.lock = WindowLock(self)
        self._build_menus()
        self.sidebar.currentRowChanged.connect(self._sidebar_row_changed)
        self._install_pages()
        # Only the first page shown reads from the database; the others wait until they are shown.
        self.show_section(first_section)
        if sub_view is not None and self.current_section() == sub_view[0]:
            self.actions_page().show_tab(sub_view[1])
        # Others' changes (a server): polled on a timer and when the window comes to the front.
        self.change_watch = ChangeWatch(self)
        self.change_watch.start()

    # -- construction -------------------------------------------------------------------------

    def open_context_map(self):  # noqa: ANN201 - ContextMapDialog
        from ui.dialogs.context_map import open_context_map

        return open_context_map(self, self.ctx)

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
        self.backup_action = QAction("&Back up now", self)
        self.backup_action.setToolTip("Make a checked, encrypted copy of this database in its backup folder")
        self.backup_action.triggered.connect(self.back_up_now)
        file_menu.addAction(self.backup_action)
        self.restore_action = QAction("&Restore a backup…", self)
        self.restore_action.triggered.connect(self.restore_backup)
        file_menu.addAction(self.restore_action)
        file_menu.addSeparator()
        self.change_password_action = QAction("&Change password…", self)
        self.change_password_action.triggered.connect(self.change_password)
        file_menu.addAction(self.change_password_action)
        self.lock_action = QAction("&Lock", self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.lock_action.triggered.connect(self.lock_now)
        file_menu.addAction(self.lock_action)
        self.sign_out_action = QAction("Si&gn out", self)  # O is Open database
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
            action.triggered.connect(lambda _checked=False, s=section: self.go_to_section(s))
            view_menu.addAction(action)
            self.section_actions[section] = action
        view_menu.addSeparator()
        self.find_action = QAction("&Find cases", self)
        self.find_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self.find_cases)
        view_menu.addAction(self.find_action)
        self.map_action = QAction("&Map of contexts…", self)  # issue 20: CARM's map (ui/dialogs/context_map.py)
        self.map_action.triggered.connect(self.open_context_map)
        view_menu.addAction(self.map_action)
        view_menu.addSeparator()
        self.appearance_actions = appearance_menu(view_menu.addMenu("A&ppearance"), self)

        help_menu = self.menuBar().addMenu("&Help")
        self.about_action = QAction("&About CSPDesk", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)
        self.about_qt_action = QAction("About &Qt", self)
        self.about_qt_action.setMenuRole(QAction.MenuRole.AboutQtRole)
        self.about_qt_action.triggered.connect(QApplication.aboutQt)
        help_menu.addAction(self.about_qt_action)

    def _install_pages(self) -> None:
        """Get the pages ready for ``self.ctx`` (replacing any built for an earlier database). A page
        is built the first time it is wanted (:meth:`page`), so opening the window builds one."""
        for page in self._pages.values():
            self.stack.removeWidget(page)
            page.deleteLater()
        self._pages = {}
        self.partnership = PartnershipService(self.ctx).get()
        self._can_administer = self.ctx.actor.can(Permission.ADMINISTER)
        self._builders = {
            Section.WELCOME: self._build_welcome,
            Section.PANELS: self._build_panels,
            Section.CASES: self._build_cases,
            Section.MEETINGS: self._build_meetings,
            Section.ACTIONS: self._build_actions,
            Section.REPORTS: self._build_reports,
        }
        if self._can_administer:
            self._builders[Section.ADMIN] = self._build_admin
        # Administration is not offered to people whose role cannot use it.
        admin_row = next(i for i, (s, _l) in enumerate(NAVIGATION) if s == Section.ADMIN)
        self.sidebar.item(admin_row).setHidden(not self._can_administer)
        self.section_actions[Section.ADMIN].setVisible(self._can_administer)
        local_file = self.ctx.vault is not None
        self.restore_action.setVisible(self._can_administer and local_file)
        self.backup_action.setVisible(local_file and self.ctx.actor.role in (Role.ADMINISTRATOR, Role.COORDINATOR))
        self._read_account()
        self._update_identity()
        self._update_read_only()

    # -- the pages, each built when first wanted -------------------------------------------------

    def _build_welcome(self) -> Page:
        from ui.pages.welcome import WelcomePage

        # Demo data only goes into a database with no accounts: never offered once someone signed in.
        welcome = WelcomePage(describe_database(self.ctx), self.stack, offer_demo=self.ctx.actor.user_id is None)
        welcome.set_up_requested.connect(self.set_up_partnership)
        welcome.demo_requested.connect(self.load_demo)
        return welcome

    def _build_panels(self) -> Page:
        from ui.pages.panels import PanelsPage

        panels = PanelsPage(self.ctx, self.stack)
        panels.panel_opened.connect(self.open_panel)
        panels.step_chosen.connect(self.take_step)
        return panels

    def _build_cases(self) -> Page:
        from ui.pages.cases import CasesPage

        cases = CasesPage(self.ctx, self.stack)
        cases.case_opened.connect(self.open_case)
        cases.changes_made.connect(self.apply_changes)
        return cases

    def _build_meetings(self) -> Page:
        from ui.pages.meetings import MeetingsPage

        meetings = MeetingsPage(self.ctx, self.stack)
        meetings.meeting_mode_requested.connect(self.open_meeting_mode)
        meetings.changes_made.connect(self.apply_changes)
        return meetings

    def _build_actions(self) -> Page:
        from ui.pages.actions import ActionsPage

        actions = ActionsPage(self.ctx, self.stack)
        actions.changes_made.connect(self.apply_changes)
        return actions

    def _build_reports(self) -> Page:
        from ui.pages.reports import ReportsPage

        return ReportsPage(self.ctx, self.stack)

    def _build_admin(self) -> Page:
        from ui.pages.admin import AdminPage

        admin = AdminPage(self.ctx, self.stack)
        admin.changes_made.connect(self.apply_changes)
        admin.restore_requested.connect(self.restore_backup)
        return admin

    # -- read-only, faults, background work ---------------------------------------------------

    def is_read_only(self) -> bool:
        return self.ctx.read_only

    def _update_read_only(self) -> None:
        """The banner across the top while this window cannot change anything."""
        read_only = self.ctx.read_only
        if read_only:
            text = self.ctx.read_only_reason or "Open read-only: changes are switched off."
            if self.read_only_banner.text() != text:
                self.read_only_banner.setText(text)
        if self.read_only_banner.isHidden() == read_only:
            self.read_only_banner.setVisible(read_only)
        for action in (self.backup_action, self.restore_action):
            action.setEnabled(not read_only or action is self.restore_action)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        faults.install()
        faults.reporter().set_restore_handler(self.restore_backup if self._can_administer else None)
        if not self._started:
            self._started = True
            self._start_background()

    def _start_background(self, delay_ms: int | None = None) -> None:
        """The full check of a large file, and (in the application) the daily backup."""
        if not (self.auto_backups or self.ctx.full_check_pending):
            return
        from ui.auto_backup import START_DELAY_MS, BackupRunner

        runner = BackupRunner(self, self.ctx)
        self.backups = runner
        runner.start(delay_ms=START_DELAY_MS if delay_ms is None else delay_ms, daily=self.auto_backups)

    def back_up_now(self) -> None:
        """File → Back up now: the Backups tab for administrators; otherwise straight away."""
        if self._can_administer:
            self.show_section(Section.ADMIN)
            admin = self.page(Section.ADMIN)
            admin.show_backups()  # type: ignore[attr-defined]
            admin.backups_tab.back_up_now()  # type: ignore[attr-defined]
            return
        from cspdesk.services.backup import BackupService

        def done(info: object) -> None:
            self.statusBar().showMessage("Backup made.", 8000)

        def failed(exc: BaseException) -> None:
            faults.show_fault(exc, self)

        from ui.background import run_in_background

        ctx = self.ctx
        self.statusBar().showMessage("Backing up…")
        run_in_background(lambda: BackupService(ctx).backup_now(), done, failed)

    def restore_backup(self):  # noqa: ANN201 - RestoreDialog | None
        """File → Restore a backup… (administrators): the window closes to sign in again after."""
        if self.ctx.vault is None or not self._can_administer:
            QMessageBox.information(self, "Restore a backup", "Only an administrator can restore a backup, and "
                                    "only of a database file (a server's administrator restores a server).")
            return None
        if self.restore_dialog is not None and isValid(self.restore_dialog):
            bring_to_front(self.restore_dialog)
            return self.restore_dialog
        from ui.dialogs.restore import RestoreDialog

        dialog = RestoreDialog(self, ctx=self.ctx)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.restored.connect(self._restored)
        dialog.restore_failed.connect(self._restore_failed)
        self._was_read_only = self.ctx.read_only
        self.restore_dialog = dialog
        dialog.open()
        emit(self.restore_dialog_opened, dialog)
        return dialog

    def _restored(self, info: object) -> None:
        from ui.dialogs.restore import restored_notice

        self.sign_in_notice = restored_notice(info)  # type: ignore[arg-type]
        emit(self.database_restored, info)
        self._leave_after_restore()

    def _restore_failed(self, message: str) -> None:
        if self.ctx.read_only and not self._was_read_only:
            # The session was closed for the restore, which then failed: sign in again.
            self.sign_in_notice = message
            self._leave_after_restore()

    def _leave_after_restore(self) -> None:
        self.restore_dialog = None
        self._skip_close_backup = True
        self.signing_out = True
        QTimer.singleShot(0, self, self.close)  # once the dialog has closed

    _skip_close_backup = False
    _was_read_only = False

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

    def _make_room_for_message(self, message: str) -> None:
        """A passing message ("Backup made.") is drawn left of the permanent widgets, in whatever
        room they leave: while one shows, the partnership and database names narrow (elided) so
        that it can be read whole; afterwards they take back the room they need."""
        yielding = (self.partnership_label, self.database_label)
        if not message:
            for label in yielding:
                label.setMaximumWidth(QWIDGETSIZE_MAX)
            return
        bar = self.statusBar()
        whole = sum(label.sizeHint().width() for label in (self.user_label, self.marking_label) if label.isVisible())
        spare = bar.width() - bar.fontMetrics().horizontalAdvance(message) - whole - MESSAGE_ROOM_SLACK
        wanted = sum(label.sizeHint().width() for label in yielding) or 1
        for label in yielding:
            share = max(0, spare) * label.sizeHint().width() // wanted
            label.setMaximumWidth(max(label.minimumSizeHint().width(), min(share, label.sizeHint().width())))

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
            self.partnership_label.setToolTip("")
            self.marking_label.setText("")
            self.marking_label.hide()
        else:
            self.partnership_label.setText(info.name)
            self.partnership_label.setToolTip(info.name)
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
        nav_section = Section.PANELS if shown == Section.WELCOME else shown
        row = next(i for i, (s, _l) in enumerate(NAVIGATION) if s == nav_section)
        self.sidebar.blockSignals(True)
        self.sidebar.setCurrentRow(row)
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

    def take_step(self, link: str) -> None:
        """Follow a getting-started link of the Panels page: "cases:new", "meetings:new",
        "admin:accounts", "admin:backups"."""
        if link == "cases:new":
            self.show_section(Section.CASES)
            self.page(Section.CASES).new_referral()  # type: ignore[attr-defined]
        elif link == "meetings:new":
            self.show_section(Section.MEETINGS)
            self.page(Section.MEETINGS).new_meeting()  # type: ignore[attr-defined]
        elif link.startswith("admin:"):
            self.show_section(Section.ADMIN)
            admin = self.page(Section.ADMIN)
            admin.show_tab(admin.backups_tab if link == "admin:backups" else admin.accounts_tab)  # type: ignore[attr-defined]

    def find_cases(self) -> None:
        self.show_section(Section.CASES)
        cases: CasesPage = self.page(Section.CASES)  # type: ignore[assignment]
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
        dialog.changes_made.connect(self.apply_changes)
        self._case_dialogs[case_id] = dialog
        dialog.show()
        emit(self.case_dialog_opened, dialog)
        return dialog

    # -- meetings -----------------------------------------------------------------------------

    def open_meeting_mode(self, meeting_id: int) -> QWidget | None:
        """Run a meeting in a window of its own (or review its minutes). A meeting already open is
        brought to the front."""
        from ui.meeting_mode import MeetingModeWindow

        existing = self._meeting_windows.get(meeting_id)
        if existing is not None and isValid(existing) and existing.isVisible():
            bring_to_front(existing)
            return existing
        if not self._may_start(meeting_id):
            return None
        try:
            window = MeetingModeWindow(self.ctx, meeting_id, self)
        except ServiceError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return None
        window.setWindowFlag(Qt.WindowType.Window, True)
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.changes_made.connect(self.apply_changes)
        window.closed.connect(self._meeting_mode_closed)
        self._meeting_windows[meeting_id] = window
        window.show()
        emit(self.meeting_mode_opened, window)
        return window

    def _may_start(self, meeting_id: int) -> bool:
        """Meeting mode marks a planned meeting "In progress": for one planned for a later day
        (opened by mistake, or to prepare), ask first."""
        from cspdesk.domain.enums import MeetingStatus
        from cspdesk.services.meetings import MeetingService
        from ui.formatting import short_date
        from ui.pages.admin.common import confirm

        try:
            row = MeetingService(self.ctx).get_meeting(meeting_id).row
        except ServiceError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return False
        if row.status is not MeetingStatus.PLANNED or row.starts_at.date() <= self.ctx.today():
            return True
        return confirm(self, "Start this meeting now?",
                       f"This meeting is planned for {short_date(row.starts_at.date())}. Meeting mode marks it "
                       "“In progress” from now.", "Start it now",
                       informative="To prepare the agenda, use the Meetings page instead.")

    def _meeting_mode_closed(self, meeting_id: int) -> None:
        page = self._pages.get(Section.MEETINGS)
        if page is not None:
            page.meeting_changed_elsewhere(meeting_id)  # type: ignore[attr-defined]

    def meeting_windows(self) -> list[QWidget]:
        return [w for w in self._meeting_windows.values() if isValid(w)]

    def _close_meeting_windows(self) -> None:
        for window in self.meeting_windows():
            window.close()
        self._meeting_windows.clear()

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

        welcome: WelcomePage = self.page(Section.WELCOME)  # type: ignore[assignment]
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
        welcome: WelcomePage = self.page(Section.WELCOME)  # type: ignore[assignment]
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
        if self.backups is not None:
            self.backups.stop()
            self.backups.deleteLater()
            self.backups = None
        self._close_meeting_windows()
        close_workspace(old)
        self._install_pages()
        self._start_background()
        self.show_section(Section.PANELS)
        self.change_watch.start()
        emit(self.database_opened, describe_database(new_ctx))
        self.ask_for_new_password_if_needed()

    def show_about(self) -> None:
        """Help → About CSPDesk: version, licences, and where the data lives."""
        from ui.dialogs.about import AboutDialog

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
        runner = self.backups
        if self.auto_backups and runner is not None and not runner.ready_to_close():
            # The backup on closing first (off the GUI thread, with a way to stop waiting).
            event.ignore()
            runner.close_after_backup(self.close, backup=not self._skip_close_backup)
            return
        if runner is not None:
            runner.stop()
        faults.reporter().forget(self)
        if self._demo_loader is not None:
            # The generator writes one transaction; let it end rather than kill the thread mid-write.
            self._demo_loader.wait()
        self.lock.stop()
        self.change_watch.stop()
        self._close_case_dialogs()
        self._close_meeting_windows()
        # A dashboard being worked out or a page being printed must end before the database closes.
        from ui.background import finish_running_calls

        finish_running_calls()
        super().closeEvent(event)
        emit(self.closed)
