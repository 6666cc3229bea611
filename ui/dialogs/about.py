"""Help → About CSPDesk: the version, the licence, the libraries it is built on, and where the
data lives (the database, its key file, the backups, the log).

The list of libraries comes from :mod:`cspdesk.about` (read from the installed packages' metadata);
the places from :func:`cspdesk.services.database.workspace.data_locations`.
"""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtSvgWidgets import QSvgWidget
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from cspdesk.about import LICENCE, LICENCE_FOLDER, QT_NOTE, Library, app_version, bundled_libraries, python_library
from cspdesk.services.context import ServiceContext
from cspdesk.services.database.backup import DataLocations, data_locations
from cspdesk_gui.resources import resource_path
from cspdesk_gui.windows import fit_to_screen

ICON_SIZE = 64

SUMMARY = (
    "Case panels for Community Safety Partnerships — MARAC, CSVG, SOCP and CARM: referrals, meetings, "
    "actions and their papers, kept in an encrypted database."
)
LICENCE_TEXT = (
    "CSPDesk is free software: you may share and change it under the GNU General Public License, "
    f"version 3 or (at your choice) any later version ({LICENCE}). It comes with no warranty."
)
LICENCE_FILES_TEXT = (
    f"The full licence texts of CSPDesk and of each library are in the “{LICENCE_FOLDER}” folder of "
    "the install folder."
)


def libraries_html(libraries: list[Library]) -> str:
    """The installed libraries as an HTML table: name (linked), version, licence, what for."""
    rows = []
    for lib in libraries:
        if not lib.installed:
            continue
        rows.append(
            "<tr>"
            f"<td><a href='{html.escape(lib.url)}'>{html.escape(lib.name)}</a></td>"
            f"<td>{html.escape(lib.version or '')}</td>"
            f"<td>{html.escape(lib.licence)}</td>"
            f"<td>{html.escape(lib.purpose)}</td>"
            "</tr>"
        )
    head = "<tr><th align='left'>Library</th><th align='left'>Version</th><th align='left'>Licence</th>" \
           "<th align='left'>For</th></tr>"
    return f"<table cellspacing='0' cellpadding='3' width='100%'>{head}{''.join(rows)}</table>"


def locations_text(places: DataLocations) -> str:
    """The places as plain lines, for the clipboard (and a support call)."""
    lines = [f"CSPDesk {app_version()}", f"Database: {places.database}"]
    if places.keyring is not None:
        lines.append(f"Key file: {places.keyring}")
    if places.backups is not None:
        lines.append(f"Backups: {places.backups}")
    lines.append(f"Log: {places.logs}")
    return "\n".join(lines)


class AboutDialog(QDialog):
    """What CSPDesk is, its licence and its libraries' licences, and where its files are."""

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("aboutDialog")
        self.setWindowTitle("About CSPDesk")
        self.places = data_locations(ctx)
        self.libraries = [*bundled_libraries(), python_library()]

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(10)

        top = QHBoxLayout()
        top.setSpacing(16)
        icon = QSvgWidget(str(resource_path("icons", "cspdesk.svg")), self)
        icon.setObjectName("aboutIcon")
        icon.setFixedSize(ICON_SIZE, ICON_SIZE)  # drawn from the SVG: sharp at any screen scale
        top.addWidget(icon, 0, Qt.AlignmentFlag.AlignTop)
        titles = QVBoxLayout()
        titles.setSpacing(2)
        self.version_label = self._text(f"Version {app_version()}", name="aboutVersion")
        for label in (self._caption("CSPDesk", name="dialogHeading"), self.version_label, self._text(SUMMARY)):
            titles.addWidget(label)
        top.addLayout(titles, 1)
        layout.addLayout(top)

        self.licence_label = self._text(LICENCE_TEXT)
        layout.addWidget(self.licence_label)

        layout.addSpacing(6)
        layout.addWidget(self._caption("Where the data lives"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(4)
        self.place_labels: dict[str, QLabel] = {}
        rows: list[tuple[str, str, Path | None]] = [("Database", self.places.database, None)]
        if self.places.keyring is not None:
            rows[0] = ("Database", self.places.database, Path(self.places.database).parent)
            rows.append(("Key file", str(self.places.keyring), self.places.keyring.parent))
        if self.places.backups is not None:
            rows.append(("Backups", str(self.places.backups), self.places.backups))
        rows.append(("Log", str(self.places.logs / "cspdesk.log"), self.places.logs))
        for row, (name, value, folder) in enumerate(rows):
            caption = QLabel(name, self)
            caption.setObjectName("settingCaption")
            grid.addWidget(caption, row, 0)
            label = QLabel(value, self)
            label.setObjectName(f"about{name.replace(' ', '')}")
            label.setTextFormat(Qt.TextFormat.PlainText)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            label.setWordWrap(True)
            grid.addWidget(label, row, 1)
            self.place_labels[name] = label
            if folder is not None:
                button = QPushButton("Open folder", self)
                button.setObjectName("linkButton")
                button.setAutoDefault(False)
                button.setToolTip(f"Show {folder} in the file manager")
                button.clicked.connect(lambda _checked=False, f=folder: self.open_folder(f))
                grid.addWidget(button, row, 2)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        if self.places.on_server:
            layout.addWidget(self._text("The data is on the server: its administrator keeps its backups.",
                                        muted=True))

        layout.addSpacing(6)
        layout.addWidget(self._caption("Built with"))
        self.libraries_view = QTextBrowser(self)
        self.libraries_view.setObjectName("aboutLibraries")
        self.libraries_view.setAccessibleName("Built with")  # the caption above it, for a screen reader
        self.libraries_view.setOpenExternalLinks(True)
        self.libraries_view.setHtml(libraries_html(self.libraries))
        # It scrolls: 120 px at least, so the dialog fits a 1024×700 screen without the notes below
        # running over it.
        self.libraries_view.setMinimumHeight(120)
        layout.addWidget(self.libraries_view, 1)
        self.qt_label = self._text(QT_NOTE)
        layout.addWidget(self.qt_label)
        layout.addWidget(self._text(LICENCE_FILES_TEXT, muted=True))

        buttons = QDialogButtonBox(self)
        self.copy_button = buttons.addButton("&Copy details", QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.setToolTip("Copy the version and where the data lives (no passwords), for a support call")
        self.copy_button.clicked.connect(self.copy_details)
        self.about_qt_button = buttons.addButton("About &Qt", QDialogButtonBox.ButtonRole.ActionRole)
        self.about_qt_button.clicked.connect(lambda: QApplication.aboutQt())
        close = buttons.addButton(QDialogButtonBox.StandardButton.Close)
        close.clicked.connect(self.accept)
        close.setDefault(True)
        layout.addWidget(buttons)
        close.setFocus()  # not the first "Open folder": Enter or Escape closes
        fit_to_screen(self, 700, 720)

    def _text(self, text: str, *, muted: bool = False, name: str = "") -> QLabel:
        """Plain, wrapped, selectable text (a path or a version can be copied from it)."""
        label = self._caption(text, name=name or ("mutedText" if muted else ""))
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        return label

    def _caption(self, text: str, *, name: str = "sectionCaption") -> QLabel:
        label = QLabel(text, self)
        if name:
            label.setObjectName(name)
        return label

    def details(self) -> str:
        return locations_text(self.places)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(self.details())

    def open_folder(self, folder: Path) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
