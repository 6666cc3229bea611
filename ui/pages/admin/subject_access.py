"""The Subject access tab: find a person, and export everything held about them (JSON and PDF) for
the data protection officer to review before anything is disclosed."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from pathlib import Path

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QWidget,
)

from cspdesk.services.referrals.cases import MIN_NAME_TERM
from cspdesk.services.context import OpChanges, ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk.services.papers.subject_access import PersonMatch, SubjectAccessService
from cspdesk_gui import theme
from cspdesk_gui.formatting import count, short_date
from cspdesk_gui.pages.admin.common import MessageLine, run_in_background
from cspdesk_gui.pages.admin.tab import AdminTab
from cspdesk_gui.pages.base import empty_state
from cspdesk_gui.signals import emit
from cspdesk_gui.accessibility import hand_focus_to

#: How long typing must pause before people are searched again.
SEARCH_DEBOUNCE_MS = 250
#: The most people one search lists (the service's limit).
MAX_MATCHES = 50

_Index = QModelIndex | QPersistentModelIndex
PersonIdRole = Qt.ItemDataRole.UserRole + 1
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class PersonColumn(IntEnum):
    NAME = 0
    DATE_OF_BIRTH = 1
    CASES = 2

    @property
    def title(self) -> str:
        return ("Name", "Date of birth", "Cases")[self]


class PersonMatchModel(QAbstractTableModel):
    """The people one search found (at most :data:`MAX_MATCHES`, so held whole)."""

    def __init__(self, parent=None) -> None:  # noqa: ANN001 - QObject | None
        super().__init__(parent)
        self._rows: list[PersonMatch] = []

    def set_rows(self, rows: Sequence[PersonMatch]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def person(self, row: int) -> PersonMatch:
        return self._rows[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's name
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(PersonColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(PersonColumn):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return PersonColumn(section).title
        if role == Qt.ItemDataRole.TextAlignmentRole and section == PersonColumn.CASES:
            return _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole and section == PersonColumn.CASES:
            return "The cases they are the subject of or are named in"
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        person = self._rows[index.row()]
        column = PersonColumn(index.column())
        if role == PersonIdRole:
            return person.id
        if role == Qt.ItemDataRole.DisplayRole:
            if column == PersonColumn.NAME:
                return person.display_name
            if column == PersonColumn.DATE_OF_BIRTH:
                return short_date(person.date_of_birth) or "Not recorded"
            return f"{person.cases:,}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column == PersonColumn.CASES:
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and column == PersonColumn.DATE_OF_BIRTH and person.date_of_birth is None:
            return theme.brush("muted")
        if role == Qt.ItemDataRole.ToolTipRole and column == PersonColumn.NAME:
            return f"{person.display_name} (person {person.id})"
        return None


class SubjectAccessTab(AdminTab):
    tab_label = "Su&bject access"

    #: An export was written: (json path, pdf path).
    exported = Signal(object, object)
    #: An export could not be written: the message shown.
    export_failed = Signal(str)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = SubjectAccessService(ctx)
        self.model = PersonMatchModel(self)
        self._exporting = False
        self._last_folder = str(Path.home())

        self.tab_layout.addWidget(self.hint(
            "When someone asks for the information held about them: find them, then export everything "
            "CSPDesk holds on them as a PDF and a JSON file. The export is complete — it includes other "
            "people's information in their cases — so the data protection officer must review and redact "
            "it before anything is disclosed. Every export is recorded in the audit trail."
        ))

        search = QHBoxLayout()
        caption = QLabel("Find &a person", self)
        self.search_box = QLineEdit(self)
        self.search_box.setObjectName("personSearch")
        self.search_box.setPlaceholderText("Given or family name, or an alias")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.setAccessibleName("Find a person")
        caption.setBuddy(self.search_box)
        search.addWidget(caption)
        search.addWidget(self.search_box, 1)
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("countLabel")
        search.addWidget(self.count_label)
        self.tab_layout.addLayout(search)

        self.table = QTableView(self)
        self.table.setObjectName("personTable")
        self.table.setAccessibleName("People found")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 12)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(PersonColumn.NAME, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        metrics = self.table.fontMetrics()
        header.resizeSection(PersonColumn.DATE_OF_BIRTH, metrics.horizontalAdvance("Date of birth") + 48)
        header.resizeSection(PersonColumn.CASES, metrics.horizontalAdvance("Cases") + 48)
        self.table.activated.connect(lambda _index: self.export())
        self.table.selectionModel().currentRowChanged.connect(self._update_buttons)

        self._stack = QStackedWidget(self)
        self._stack.addWidget(self.table)
        self.empty_label = empty_state("", self)
        self._stack.addWidget(self.empty_label)
        self.tab_layout.addWidget(self._stack, 1)

        bottom = QHBoxLayout()
        self.export_button = QPushButton("E&xport…", self)
        self.export_button.setObjectName("primaryButton")
        self.export_button.setToolTip("Choose a folder; a PDF and a JSON file are written there")
        self.export_button.clicked.connect(self.export)
        bottom.addWidget(self.export_button)
        self.message = MessageLine(self)
        bottom.addWidget(self.message, 1)
        bottom.addStretch(0)  # takes the room while the message is hidden
        self.tab_layout.addLayout(bottom)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(SEARCH_DEBOUNCE_MS)
        self._debounce.timeout.connect(self.search)
        self.search_box.textChanged.connect(lambda _text: self._debounce.start())
        self.search_box.returnPressed.connect(self.search)
        hand_focus_to(self, self.search_box)  # not setFocusProxy: Tab would skip what comes before it
        self._show_results([], "")

    # -- searching ------------------------------------------------------------------------------

    def reload(self) -> None:
        self.search()

    def search(self) -> None:
        self._debounce.stop()
        text = self.search_box.text().strip()
        chosen = self.current_person()
        try:
            rows = self._service.find_people(text) if text else []
        except ServiceError as exc:
            self.message.bad(str(exc))
            rows = []
        self._show_results(rows, text)
        if chosen is not None:
            row = next((n for n, p in enumerate(rows) if p.id == chosen.id), None)
            if row is not None:
                self._select(row)

    def _show_results(self, rows: list[PersonMatch], text: str) -> None:
        self.model.set_rows(rows)
        if rows:
            self._stack.setCurrentWidget(self.table)
            self._select(0)
            many = len(rows) >= MAX_MATCHES
            self.count_label.setText(
                f"First {len(rows):,} people; type more of the name" if many else count(len(rows), "person", "people")
            )
        else:
            self.count_label.setText("")
            if not text:
                words = "Type a name to find the person the request is about."
            elif len(text) < MIN_NAME_TERM:
                words = f"Type at least {MIN_NAME_TERM} letters of a name."
            else:
                words = f"Nobody recorded has a name or alias starting with “{text}”."
            self.empty_label.setText(words)
            self._stack.setCurrentWidget(self.empty_label)
        self._update_buttons()

    def _select(self, row: int) -> None:
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )

    def current_person(self) -> PersonMatch | None:
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= self.model.rowCount():
            return None
        return self.model.person(index.row())

    def _update_buttons(self, *_args: object) -> None:
        self.export_button.setEnabled(self.current_person() is not None and not self._exporting)

    # -- exporting ------------------------------------------------------------------------------

    def is_exporting(self) -> bool:
        return self._exporting

    def export(self) -> None:
        """Ask for a folder, then write the two files on a worker thread."""
        person = self.current_person()
        if person is None or self._exporting:
            return
        folder = QFileDialog.getExistingDirectory(
            self, f"Choose a folder for the export about {person.display_name}", self._last_folder
        )
        if not folder:
            return
        self._last_folder = folder
        self._exporting = True
        self._update_buttons()
        self.message.say(f"Exporting everything held about {person.display_name}…")
        run_in_background(
            lambda: self._service.export(person.id, Path(folder)),
            "The export",
            self._exported,
            self._export_failed,
        )

    def _exported(self, paths: object) -> None:
        json_path, pdf_path = paths  # type: ignore[misc]
        self._exporting = False
        self._update_buttons()
        self.message.good(f"Written: {pdf_path}  and  {json_path}. Review and redact them before disclosure.")
        emit(self.exported, json_path, pdf_path)
        emit(self.changes_made, OpChanges())  # an audit entry was written, nothing else

    def _export_failed(self, error: object) -> None:
        message = str(error)
        self._exporting = False
        self._update_buttons()
        self.message.bad(message)
        emit(self.export_failed, message)
