"""Importing an action tracker kept in a spreadsheet: file → mapping → report → import.

1. **File**: the panel to import into and a CSV or XLSX file.
2. **Mapping**: each of the sheet's columns with an example value and the CSPDesk field it fills
   (as :meth:`ActionImportService.suggest_mapping` guessed or remembered it; every choice can be
   changed), the sheet's status words and what they mean, and its lead-agency words and the
   agency each is.
3. **Report**: what importing would do — rows read, good rows, and every bad row with its row
   number and reason — then **Import all**, **Import the good rows only**, or **Import nothing**.

Reading, checking and importing run off the GUI thread (:mod:`cspdesk_gui.operations`, the database thread) with a busy bar;
the dialog is opened, never ``exec()``'d. Nothing is written until one of the import buttons.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from cspdesk.domain.enums import ActionStatus
from cspdesk.services.records_io.action_import import (
    ActionField,
    ActionImportService,
    ImportMapping,
    ImportRefused,
    ImportReport,
    MappingSuggestion,
    norm,
)
from cspdesk.services.errors import ServiceError
from cspdesk.services.records_io.tabular import Table, cell_text
from cspdesk_gui.operations import run_op
from cspdesk_gui.dialogs.forms import error_label, make_primary
from cspdesk_gui.formatting import count
from cspdesk_gui.signals import emit

#: Where an unmapped column goes in the field combos.
IGNORE = "— not imported —"
NO_AGENCY = "No agency: keep the words as the owner"


class Step:
    FILE = 0
    MAPPING = 1
    REPORT = 2
    DONE = 3


def import_outcome(report: ImportReport) -> str:
    """What an import did, in words: "3 actions imported, 1 updated, 29 unchanged"."""
    words = f"{count(report.imported, 'action')} imported"
    if report.updated or report.unchanged:
        words += f", {report.updated:,} updated, {report.unchanged:,} unchanged"
    return words


class ActionImportDialog(QDialog):
    """The import, step by step, for panels the person may import into (``panels``: (id, name))."""

    #: The import wrote actions: the service's OpResult[ImportReport].
    imported = Signal(object)
    #: A step was shown: its number (see :class:`Step`), for tests.
    step_shown = Signal(int)
    #: A background step failed: the message shown.
    failed = Signal(str)

    def __init__(
        self,
        service: ActionImportService,
        panels: list[tuple[int, str]],
        parent: QWidget | None = None,
        *,
        panel_id: int | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self.table: Table | None = None
        self.suggestion: MappingSuggestion | None = None
        self.report: ImportReport | None = None
        self.result_report: ImportReport | None = None
        self._busy = False
        self._field_combos: list[QComboBox] = []
        self._status_combos: list[tuple[str, QComboBox]] = []
        self._agency_combos: list[tuple[str, QComboBox]] = []
        self.setObjectName("actionImportDialog")
        self.setWindowTitle("Import an action tracker")
        self.setModal(True)
        self.resize(760, 620)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 18, 24, 14)
        layout.setSpacing(10)
        self.heading = QLabel("", self)
        self.heading.setObjectName("dialogHeading")
        layout.addWidget(self.heading)
        self.intro = QLabel("", self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)

        self.steps = QStackedWidget(self)
        layout.addWidget(self.steps, 1)
        self._build_file_step(panels, panel_id)
        self._build_mapping_step()
        self._build_report_step()
        self._build_done_step()

        self.progress = QProgressBar(self)
        self.progress.setObjectName("importProgress")
        self.progress.setRange(0, 0)  # busy: the services give no count while they read or write
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.busy_label = QLabel("", self)
        self.busy_label.setObjectName("mutedText")
        self.busy_label.hide()
        layout.addWidget(self.busy_label)
        self.error = error_label(self)
        layout.addWidget(self.error)

        buttons = QHBoxLayout()
        self.back_button = QPushButton("< &Back", self)
        self.back_button.clicked.connect(self.back)
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        self.nothing_button = QPushButton("Import &nothing", self)
        self.nothing_button.setObjectName("importNothing")
        self.nothing_button.clicked.connect(self.reject)
        buttons.addWidget(self.nothing_button)
        self.good_button = QPushButton("Import the &good rows only", self)
        self.good_button.setObjectName("importGood")
        self.good_button.clicked.connect(lambda: self.start_import(good_rows_only=True))
        buttons.addWidget(self.good_button)
        self.all_button = QPushButton("Import &all", self)
        self.all_button.setObjectName("importAll")
        self.all_button.clicked.connect(lambda: self.start_import(good_rows_only=False))
        buttons.addWidget(self.all_button)
        self.next_button = QPushButton("&Next >", self)
        self.next_button.setObjectName("importNext")
        self.next_button.clicked.connect(self.next)
        buttons.addWidget(self.next_button)
        self.close_button = QPushButton("Close", self)
        self.close_button.clicked.connect(self.accept)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.show_step(Step.FILE)

    # -- building the steps ---------------------------------------------------------------------

    def _build_file_step(self, panels: list[tuple[int, str]], panel_id: int | None) -> None:
        page = QWidget(self)
        grid = QGridLayout(page)
        grid.setContentsMargins(0, 8, 0, 0)
        grid.setVerticalSpacing(10)
        self.panel_combo = QComboBox(page)
        self.panel_combo.setObjectName("importPanel")
        self.panel_combo.setAccessibleName("Panel to import into")
        for pid, name in panels:
            self.panel_combo.addItem(name, pid)
        if panel_id is not None:
            self.panel_combo.setCurrentIndex(max(self.panel_combo.findData(panel_id), 0))
        panel_caption = QLabel("&Panel", page)
        panel_caption.setBuddy(self.panel_combo)
        grid.addWidget(panel_caption, 0, 0)
        grid.addWidget(self.panel_combo, 0, 1, 1, 2)
        self.path_edit = QLineEdit(page)
        self.path_edit.setObjectName("importFile")
        self.path_edit.setAccessibleName("Spreadsheet file")
        self.path_edit.setPlaceholderText("A .csv or .xlsx file")
        self.path_edit.returnPressed.connect(self.next)
        file_caption = QLabel("&File", page)
        file_caption.setBuddy(self.path_edit)
        browse = QPushButton("&Choose…", page)
        browse.clicked.connect(self.choose_file)
        grid.addWidget(file_caption, 1, 0)
        grid.addWidget(self.path_edit, 1, 1)
        grid.addWidget(browse, 1, 2)
        note = QLabel(
            "The first row with two or more filled cells is taken as the header. Rows with text in one "
            "cell only (\u201cPriority 1: …\u201d) become the heading of the actions under them. Nothing is "
            "written until you choose to import, and then every row is written or none.",
            page,
        )
        note.setObjectName("mutedText")
        note.setWordWrap(True)
        grid.addWidget(note, 2, 0, 1, 3)
        grid.setRowStretch(3, 1)
        grid.setColumnStretch(1, 1)
        self.steps.addWidget(page)

    def _build_mapping_step(self) -> None:
        scroll = QScrollArea(self)
        scroll.setObjectName("mappingScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.StyledPanel)
        self.mapping_body = QWidget(scroll)
        self.mapping_body.setObjectName("mappingBody")
        self.mapping_layout = QVBoxLayout(self.mapping_body)
        self.mapping_layout.setContentsMargins(12, 10, 12, 10)
        scroll.setWidget(self.mapping_body)
        self.steps.addWidget(scroll)

    def _build_report_step(self) -> None:
        page = QWidget(self)
        column = QVBoxLayout(page)
        column.setContentsMargins(0, 4, 0, 0)
        column.setSpacing(10)
        column.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.summary_label = QLabel("", page)
        self.summary_label.setObjectName("reportSummary")
        self.summary_label.setWordWrap(True)
        column.addWidget(self.summary_label)
        self.bad_caption = QLabel("", page)
        self.bad_caption.setObjectName("reportBad")
        column.addWidget(self.bad_caption)
        self.bad_list = QListWidget(page)
        self.bad_list.setObjectName("badRows")
        self.bad_list.setAccessibleName("Rows that cannot be imported")
        self.bad_list.setWordWrap(True)
        column.addWidget(self.bad_list, 1)
        column.addStretch(0)  # keeps the lines at the top while the list is hidden
        self.steps.addWidget(page)

    def _build_done_step(self) -> None:
        page = QWidget(self)
        column = QVBoxLayout(page)
        self.done_label = QLabel("", page)
        self.done_label.setObjectName("reportGood")
        self.done_label.setWordWrap(True)
        column.addWidget(self.done_label)
        column.addStretch(1)
        self.steps.addWidget(page)

    # -- moving between steps -------------------------------------------------------------------

    def step(self) -> int:
        return self.steps.currentIndex()

    def show_step(self, step: int) -> None:
        self.steps.setCurrentIndex(step)
        texts = {
            Step.FILE: ("Import an action tracker",
                        "Choose the panel and the spreadsheet (CSV or Excel) that holds its actions."),
            Step.MAPPING: ("Match the columns",
                           "Check which of CSPDesk's fields each column fills, what the sheet's status words mean "
                           "and which agency each lead-agency entry is. These choices are remembered for this "
                           "panel's next import."),
            Step.REPORT: ("Check before importing", "Nothing has been written yet."),
            Step.DONE: ("Imported", ""),
        }
        heading, intro = texts[step]
        self.heading.setText(heading)
        self.intro.setText(intro)
        self.intro.setVisible(bool(intro))
        self.error.hide()
        report = self.report
        self.back_button.setVisible(step in (Step.MAPPING, Step.REPORT))
        self.next_button.setVisible(step in (Step.FILE, Step.MAPPING))
        self.next_button.setText("&Check >" if step == Step.MAPPING else "&Next >")
        in_report = step == Step.REPORT and report is not None
        self.all_button.setVisible(in_report)
        self.good_button.setVisible(in_report)
        self.nothing_button.setVisible(step != Step.DONE)
        self.nothing_button.setText("Import &nothing" if step == Step.REPORT else "Cancel")
        self.close_button.setVisible(step == Step.DONE)
        if in_report:
            assert report is not None
            self.all_button.setEnabled(report.ok and report.good > 0)
            self.good_button.setEnabled(report.good > 0 and not report.ok)
            default = self.all_button if report.ok else self.good_button
            make_primary(default)
            default.setDefault(True)
        elif step in (Step.FILE, Step.MAPPING):
            make_primary(self.next_button)
            self.next_button.setDefault(True)
        else:
            self.close_button.setDefault(True)
        emit(self.step_shown, step)

    def next(self) -> None:
        if self._busy:
            return
        if self.step() == Step.FILE:
            self.read_file()
        elif self.step() == Step.MAPPING:
            self.check()

    def back(self) -> None:
        if not self._busy and self.step() in (Step.MAPPING, Step.REPORT):
            self.show_step(self.step() - 1)

    def choose_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Choose a tracker spreadsheet", self.path_edit.text(),
            "Spreadsheets (*.xlsx *.xlsm *.csv *.txt);;All files (*)",
        )
        if path:
            self.path_edit.setText(path)

    def panel_id(self) -> int | None:
        return self.panel_combo.currentData()

    def is_busy(self) -> bool:
        return self._busy

    def _set_busy(self, text: str) -> None:
        self._busy = bool(text)
        self.progress.setVisible(self._busy)
        self.busy_label.setText(text)
        self.busy_label.setVisible(self._busy)
        for button in (self.next_button, self.back_button, self.all_button, self.good_button):
            button.setEnabled(not self._busy)
        if not self._busy and self.step() == Step.REPORT and self.report is not None:
            self.all_button.setEnabled(self.report.ok and self.report.good > 0)
            self.good_button.setEnabled(self.report.good > 0 and not self.report.ok)

    def _fail(self, exc: BaseException) -> None:
        if not isValid(self):
            return
        self._set_busy("")
        message = str(exc) if isinstance(exc, ServiceError) else f"That did not work ({type(exc).__name__})."
        self.error.setText(message)
        self.error.show()
        emit(self.failed, message)

    # -- step 1: read the file ------------------------------------------------------------------

    def read_file(self) -> None:
        path = self.path_edit.text().strip()
        panel_id = self.panel_id()
        if panel_id is None:
            self._fail(ServiceError("Choose the panel to import into."))
            return
        if not path:
            self._fail(ServiceError("Choose the spreadsheet to import."))
            self.path_edit.setFocus()
            return
        service = self._service
        self._set_busy(f"Reading {Path(path).name}…")

        def work() -> tuple[Table, MappingSuggestion]:
            table = service.read(path)
            return table, service.suggest_mapping(panel_id, table)

        run_op(work, self._read, self._fail)

    def _read(self, result: object) -> None:
        if not isValid(self):
            return
        self._set_busy("")
        table, suggestion = result  # type: ignore[misc]
        self.table, self.suggestion = table, suggestion
        self._fill_mapping(table, suggestion)
        self.show_step(Step.MAPPING)

    # -- step 2: the mapping --------------------------------------------------------------------

    def _clear_mapping(self) -> None:
        while self.mapping_layout.count():
            item = self.mapping_layout.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.deleteLater()
            elif item.layout() is not None:
                _delete_layout(item.layout())
        self._field_combos, self._status_combos, self._agency_combos = [], [], []

    def _caption(self, text: str) -> QLabel:
        label = QLabel(text, self.mapping_body)
        label.setObjectName("sectionCaption")
        return label

    def _fill_mapping(self, table: Table, suggestion: MappingSuggestion) -> None:
        self._clear_mapping()
        body = self.mapping_body
        where = f"{table.source}" + (f", sheet “{table.sheet}”" if table.sheet else "")
        remembered = " (as chosen for this panel's last import)" if suggestion.remembered else ""
        about = QLabel(f"{where}: header on row {table.header_row}, {count(len(table.rows), 'row')} below it{remembered}.",
                       body)
        about.setObjectName("mutedText")
        about.setWordWrap(True)
        self.mapping_layout.addWidget(about)

        self.mapping_layout.addWidget(self._caption("Columns"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        for col, text in enumerate(("Column in the sheet", "For example", "CSPDesk field")):
            head = QLabel(text, body)
            head.setObjectName("mutedText")
            grid.addWidget(head, 0, col)
        for i, header in enumerate(table.headers):
            name = QLabel(header or f"(column {i + 1}, no header)", body)
            name.setWordWrap(True)
            sample = QLabel("", body)
            sample.setObjectName("sampleText")
            sample.setTextFormat(Qt.TextFormat.PlainText)
            text = _sample(table, i)
            sample.setText(sample.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, 250))
            sample.setToolTip(text)
            combo = QComboBox(body)
            combo.setObjectName(f"fieldFor{i}")
            combo.setAccessibleName(f"CSPDesk field for the column {header}")
            combo.addItem(IGNORE, None)
            for f in ActionField:
                combo.addItem(f.label, f.value)
            chosen = suggestion.mapping.columns[i] if i < len(suggestion.mapping.columns) else None
            combo.setCurrentIndex(combo.findData(chosen.value) if chosen is not None else 0)
            combo.currentIndexChanged.connect(lambda _i, index=i: self._field_changed(index))
            grid.addWidget(name, i + 1, 0)
            grid.addWidget(sample, i + 1, 1)
            grid.addWidget(combo, i + 1, 2)
            self._field_combos.append(combo)
        grid.setColumnStretch(1, 1)
        self.mapping_layout.addLayout(grid)

        if suggestion.status_words:
            self.mapping_layout.addWidget(self._caption("The sheet's status words"))
            status_grid = QGridLayout()
            status_grid.setHorizontalSpacing(12)
            for r, (word, status) in enumerate(suggestion.status_words):
                label = QLabel(f"“{word}”", body)
                label.setTextFormat(Qt.TextFormat.PlainText)
                combo = QComboBox(body)
                combo.setObjectName(f"statusFor{r}")
                combo.setAccessibleName(f"Status meant by {word}")
                combo.addItem("— not understood: rows are bad —", None)
                for s in ActionStatus:
                    combo.addItem(s.label, s.value)
                combo.setCurrentIndex(combo.findData(status.value) if status is not None else 0)
                status_grid.addWidget(label, r, 0)
                status_grid.addWidget(combo, r, 1)
                self._status_combos.append((word, combo))
            status_grid.setColumnStretch(2, 1)
            self.mapping_layout.addLayout(status_grid)

        if suggestion.agency_words:
            self.mapping_layout.addWidget(self._caption("The sheet's lead agencies"))
            agency_grid = QGridLayout()
            agency_grid.setHorizontalSpacing(12)
            for r, (words, agency_id) in enumerate(suggestion.agency_words):
                label = QLabel(f"“{words}”", body)
                label.setTextFormat(Qt.TextFormat.PlainText)
                label.setWordWrap(True)
                combo = QComboBox(body)
                combo.setObjectName(f"agencyFor{r}")
                combo.setAccessibleName(f"Agency meant by {words}")
                combo.addItem(NO_AGENCY, None)
                for option in suggestion.agencies:
                    combo.addItem(option.name, option.id)
                combo.setCurrentIndex(max(combo.findData(agency_id), 0) if agency_id is not None else 0)
                agency_grid.addWidget(label, r, 0)
                agency_grid.addWidget(combo, r, 1)
                self._agency_combos.append((words, combo))
            agency_grid.setColumnStretch(0, 1)
            self.mapping_layout.addLayout(agency_grid)
        self.mapping_layout.addStretch(1)

    def _field_changed(self, index: int) -> None:
        """A field goes to one column: choosing it for one column takes it off any other."""
        chosen = self._field_combos[index].currentData()
        if chosen is None:
            return
        for i, combo in enumerate(self._field_combos):
            if i != index and combo.currentData() == chosen:
                combo.blockSignals(True)
                combo.setCurrentIndex(0)
                combo.blockSignals(False)

    def set_field(self, column: int, field: ActionField | None) -> None:
        """Choose the field of one column (as the person would in its combo)."""
        combo = self._field_combos[column]
        combo.setCurrentIndex(combo.findData(field.value) if field is not None else 0)

    def mapping(self) -> ImportMapping:
        """The mapping as the combos show it now."""
        columns = tuple(ActionField(c.currentData()) if c.currentData() else None for c in self._field_combos)
        statuses = {norm(word): ActionStatus(c.currentData()) for word, c in self._status_combos if c.currentData()}
        agencies = {norm(words): (int(c.currentData()) if c.currentData() is not None else None)
                    for words, c in self._agency_combos}
        return ImportMapping(columns, statuses, agencies)

    # -- step 3: check and import ---------------------------------------------------------------

    def check(self) -> None:
        if self.table is None:
            return
        mapping = self.mapping()
        if mapping.column_of(ActionField.TEXT) is None:
            self._fail(ServiceError("Choose the column that holds the action itself (CSPDesk field “Action”)."))
            return
        service, table, panel_id = self._service, self.table, self.panel_id()
        self._set_busy("Checking every row…")
        run_op(lambda: service.check(panel_id, table, mapping), self._checked, self._fail)

    def _checked(self, report: object) -> None:
        if not isValid(self):
            return
        self._set_busy("")
        assert isinstance(report, ImportReport)
        self.report = report
        self._show_report(report)
        self.show_step(Step.REPORT)

    def _show_report(self, report: ImportReport) -> None:
        parts = [f"{count(report.rows_read, 'row')} read: {count(report.new, 'new action')} to import"]
        if report.updated or report.unchanged:  # rows matching actions already on the panel
            parts.append(f"{count(report.updated, 'action')} to update, {report.unchanged:,} unchanged")
        if report.heading_rows:
            parts.append(f"{count(report.heading_rows, 'heading row')} taken as headings")
        if report.blank_rows:
            parts.append(f"{count(report.blank_rows, 'blank row')} skipped")
        summary = ", ".join(parts) + "."
        if report.unmatched_agencies:
            summary += ("\n\nNo agency matched " + ", ".join(f"“{a}”" for a in report.unmatched_agencies[:6])
                        + (" …" if len(report.unmatched_agencies) > 6 else "")
                        + ": those actions keep the words as their owner, with no agency.")
        self.summary_label.setText(summary)
        self.bad_list.clear()
        if report.bad_rows:
            self.bad_caption.setText(
                f"{count(len(report.bad_rows), 'row')} cannot be imported. Fix {'it' if len(report.bad_rows) == 1 else 'them'} "
                "in the sheet and check again, or import the good rows only:")
            for bad in report.bad_rows:
                text = bad.reason if bad.reason.startswith(f"Row {bad.row}") else str(bad)
                self.bad_list.addItem(text)
            self.bad_caption.setObjectName("reportBad")
        else:
            self.bad_caption.setText("Every row can be imported.")
            self.bad_caption.setObjectName("reportGood")
        self.bad_caption.style().unpolish(self.bad_caption)
        self.bad_caption.style().polish(self.bad_caption)
        self.bad_list.setVisible(bool(report.bad_rows))

    def bad_rows_shown(self) -> list[str]:
        return [self.bad_list.item(i).text() for i in range(self.bad_list.count())]

    def start_import(self, *, good_rows_only: bool) -> None:
        if self._busy or self.table is None:
            return
        service, table, panel_id, mapping = self._service, self.table, self.panel_id(), self.mapping()
        self._set_busy("Importing…")
        run_op(
            lambda: service.import_actions(panel_id, table, mapping, good_rows_only=good_rows_only),
            self._imported, self._import_failed,
        )

    def _import_failed(self, exc: BaseException) -> None:
        if isinstance(exc, ImportRefused) and isValid(self):
            # Someone changed the data since the check: show the new report.
            self._set_busy("")
            self.report = exc.report
            self._show_report(exc.report)
            self.show_step(Step.REPORT)
            self.error.setText(str(exc))
            self.error.show()
            return
        self._fail(exc)

    def _imported(self, result: object) -> None:
        if not isValid(self):
            return
        self._set_busy("")
        report = result.value  # type: ignore[attr-defined]
        self.result_report = report
        left = f" {count(len(report.bad_rows), 'bad row')} left out." if report.bad_rows else ""
        self.done_label.setText(f"{import_outcome(report)} from {report.source}.{left}")
        self.show_step(Step.DONE)
        emit(self.imported, result)


def _sample(table: Table, column: int) -> str:
    """The first value of a column on a row of data (not a heading row: those fill one cell), on
    one line and cut short."""
    for row in table.rows:
        if sum(1 for c in row.cells if cell_text(c)) < 2:
            continue
        if column < len(row.cells):
            text = " ".join(cell_text(row.cells[column]).split())
            if text:
                return text if len(text) <= 60 else text[:59] + "…"
    return ""


def _delete_layout(layout) -> None:  # noqa: ANN001 - QLayout
    while layout.count():
        item = layout.takeAt(0)
        if item.widget() is not None:
            item.widget().deleteLater()
        elif item.layout() is not None:
            _delete_layout(item.layout())
