"""The main window: a shell of menus, a navigation side bar, a stack of pages and a status bar.

It owns no data and runs no queries of its own beyond asking who the partnership is. Changes made
through a dialog come back as :class:`OpChanges`; :meth:`MainWindow.apply_changes` hands them to
every page, and each page refreshes only if they touch what it shows.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
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

from cspdesk.services.context import OpChanges, ServiceContext
from cspdesk.services.partnership import PartnershipInfo, PartnershipService
from cspdesk.services.workspace import OpenFailed, close_workspace, describe_database, open_workspace
from ui.pages.base import Page
from ui.pages.cases import CasesPage
from ui.pages.later import actions_page, admin_page, meetings_page, reports_page
from ui.pages.panels import PanelsPage
from ui.pages.welcome import WelcomePage
from ui.signals import emit

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
    """One window on one open database (``ctx``).

    Hazard: the window does not close the context it was given; when "Open database…" replaces it,
    the window closes the one it replaces, and whoever holds the window closes ``window.ctx`` at the end.
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

    def __init__(
        self, ctx: ServiceContext, parent: QWidget | None = None, *, section: Section | str = Section.PANELS
    ) -> None:
        super().__init__(parent)
        first_section = Section(section)
        self.ctx = ctx
        self.partnership: PartnershipInfo | None = None
        self._demo_loader = None
        self._pages: dict[Section, Page] = {}
        self.setObjectName("mainWindow")
        self.resize(1200, 760)
        self.setMinimumSize(QSize(800, 520))

        central = QWidget(self)
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.sidebar = QListWidget(central)
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setAccessibleName("Sections")
        self.sidebar.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.sidebar.setFixedWidth(168)
        for section, label in NAVIGATION:
            item = QListWidgetItem(label, self.sidebar)
            item.setData(Qt.ItemDataRole.UserRole, section.value)
        layout.addWidget(self.sidebar)
        self.stack = QStackedWidget(central)
        self.stack.setObjectName("pages")
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        self.partnership_label = QLabel(self)
        self.partnership_label.setObjectName("statusPartnership")
        self.marking_label = QLabel(self)
        self.marking_label.setObjectName("statusMarking")
        self.database_label = QLabel(self)
        self.database_label.setObjectName("statusDatabase")
        self.database_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # All permanent (on the right): passing messages on the left never cover the marking.
        self.statusBar().addPermanentWidget(self.partnership_label)
        self.statusBar().addPermanentWidget(self.marking_label)
        self.statusBar().addPermanentWidget(self.database_label)

        self._build_menus()
        self.sidebar.currentRowChanged.connect(self._sidebar_row_changed)
        self._install_pages()
        # Only the first page shown reads from the database; the others wait until they are shown.
        self.show_section(first_section)

    # -- construction -------------------------------------------------------------------------

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_action = QAction("&Open database…", self)
        self.open_action.setShortcut(QKeySequence.StandardKey.Open)
        self.open_action.triggered.connect(self.choose_database)
        file_menu.addAction(self.open_action)
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

        welcome = WelcomePage(database, self.stack)
        welcome.set_up_requested.connect(self.set_up_partnership)
        welcome.demo_requested.connect(self.load_demo)
        panels = PanelsPage(self.ctx, self.stack)
        panels.panel_opened.connect(self.open_panel)
        cases = CasesPage(self.ctx, self.stack)
        cases.case_opened.connect(self._case_opened)
        self._pages = {
            Section.WELCOME: welcome,
            Section.PANELS: panels,
            Section.CASES: cases,
            Section.MEETINGS: meetings_page(self.stack),
            Section.ACTIONS: actions_page(self.stack),
            Section.REPORTS: reports_page(self.stack),
            Section.ADMIN: admin_page(self.stack),
        }
        for page in self._pages.values():
            self.stack.addWidget(page)
        self._update_identity()

    def _update_identity(self) -> None:
        info = self.partnership
        database = describe_database(self.ctx)
        self.database_label.setText(f"Database: {database}")
        self.database_label.setToolTip(database)
        if info is None:
            self.setWindowTitle(APP_TITLE)
            self.partnership_label.setText("No partnership set up yet")
            self.marking_label.setText("")
            self.marking_label.hide()
        else:
            self.setWindowTitle(f"{APP_TITLE} — {info.name}")
            self.partnership_label.setText(info.name)
            self.marking_label.setText(info.protective_marking)
            self.marking_label.setToolTip("Protective marking, printed on every page")
            self.marking_label.show()

    # -- navigation ---------------------------------------------------------------------------

    @property
    def needs_welcome(self) -> bool:
        """True while the database holds no partnership (first run)."""
        return self.partnership is None

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
        once it is, asking for the welcome page shows the panels."""
        section = Section(section)
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

    def _case_opened(self, _case_id: int) -> None:
        self.statusBar().showMessage("Opening a case is not in this version yet.", 5000)

    # -- changes ------------------------------------------------------------------------------

    def apply_changes(self, changes: OpChanges) -> None:
        """Hand what changed to every page; each refreshes only if it shows it."""
        leave_welcome = False
        if changes.partnership:
            was_welcome = self.needs_welcome
            self.partnership = PartnershipService(self.ctx).get()
            self._update_identity()
            leave_welcome = was_welcome and not self.needs_welcome and self.current_section() == Section.WELCOME
        for page in self._pages.values():
            page.on_changes(changes)
        if leave_welcome:
            self.show_section(Section.PANELS)  # after on_changes, so the panels load once
        emit(self.changes_applied, changes)

    # -- first run ----------------------------------------------------------------------------

    def set_up_partnership(self) -> None:
        from ui.dialogs.partnership_setup import PartnershipSetupDialog

        dialog = PartnershipSetupDialog(self.ctx, self)
        try:
            if dialog.exec() != PartnershipSetupDialog.DialogCode.Accepted or dialog.result_value is None:
                return
            result = dialog.result_value
        finally:
            dialog.deleteLater()
        self.apply_changes(result.changes)
        emit(self.partnership_set_up, result.value)

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

    # -- databases ----------------------------------------------------------------------------

    def choose_database(self) -> None:
        start = describe_database(self.ctx)
        folder = str(Path(start).parent) if "://" not in start else ""
        path, _filter = QFileDialog.getOpenFileName(
            self, "Open a CSPDesk database", folder, "CSPDesk databases (*.db);;All files (*)"
        )
        if path:
            self.open_database(path)

    def open_database(self, db: str | Path) -> bool:
        """Switch this window to another existing database. Says why in a message box if it cannot."""
        if self._demo_loader is not None:
            return False
        try:
            new_ctx = open_workspace(db, create=False)
        except OpenFailed as exc:
            QMessageBox.warning(self, "Open database", str(exc))
            return False
        old, self.ctx = self.ctx, new_ctx
        close_workspace(old)
        self._install_pages()
        self.show_section(Section.PANELS)
        emit(self.database_opened, describe_database(new_ctx))
        return True

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About CSPDesk",
            "<p><b>CSPDesk</b></p><p>Case panels for Community Safety Partnerships — MARAC, CSVG, "
            "SOCP and CARM: referrals, meetings, actions and their papers, kept in an encrypted "
            "local database.</p>",
        )

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self._demo_loader is not None:
            # The generator writes one transaction; let it end rather than kill the thread mid-write.
            self._demo_loader.wait()
        super().closeEvent(event)
