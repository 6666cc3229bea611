"""Importing referrals from a CSV or XLSX file, from the window.

Two steps, both off the GUI thread (:mod:`cspdesk_gui.operations`, the database thread) with progress:

1. **Check**: every row is read and checked as the form checks a referral (a dry run: nothing is
   written). The report lists each bad row with its row number, column and reason, and notes the
   people already held that rows will be linked to, possible duplicates and repeats.
2. **Import** the good rows, or import nothing. The service writes all the good rows in one
   transaction, or nothing at all — never half a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cspdesk.services.context import ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk.services.records_io.referral_import import KNOWN_FIELDS, ImportReport, MissingColumns, ReferralImportService
from cspdesk_gui import theme
from cspdesk_gui.operations import OpCall, run_op
from cspdesk_gui.dialogs.forms import error_label, make_primary
from cspdesk_gui.signals import emit

_Index = QModelIndex | QPersistentModelIndex


class ReportModel(QAbstractTableModel):
    """The report's lines: each bad row (row, column, reason), then each note (row, reason)."""

    HEADERS = ("Row", "Column", "What")

    def __init__(self, parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self._lines: list[tuple[int, str, str, bool]] = []  # row, column, message, is_problem

    def set_report(self, report: ImportReport | None) -> None:
        self.beginResetModel()
        self._lines = []
        if report is not None:
            self._lines += [(p.row, p.column, p.message, True) for p in report.problems]
            self._lines += [(n.row, "", n.message, False) for n in report.notes]
            # Cases already held whose repeat link the file's dates changed (no row of the file).
            self._lines += [(0, "", r.message, False) for r in report.relisted]
        self.endResetModel()

    def line(self, row: int) -> tuple[int, str, str, bool]:
        return self._lines[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self._lines)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < 3:
            return self.HEADERS[section]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._lines):
            return None
        row, column, message, problem = self._lines[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            if index.column() == 0:
                return str(row) if row else "Held"
            if index.column() == 1:
                return column if problem else "Note"
            return message
        if role == Qt.ItemDataRole.ForegroundRole and index.column() == 1:
            return theme.brush("danger" if problem else "muted")
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() == 0:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


class ImportDialog(QDialog):
    """Choose a file and a panel, check it, then import the good rows or nothing."""

    #: The check finished: the dry run's ImportReport.
    checked = Signal(object)
    #: Rows were written: the OpChanges (the window refreshes what shows cases).
    imported = Signal(object)
    #: The import finished (written or not): its ImportReport.
    finished_import = Signal(object)
    #: A check or an import failed: the message shown.
    failed = Signal(str)

    def __init__(self, ctx: ServiceContext, panels: Sequence, panel_id: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.report: ImportReport | None = None
        self.final: ImportReport | None = None
        self._call: OpCall | None = None
        self.setObjectName("importDialog")
        self.setWindowTitle("Import referrals")
        self.resize(860, 600)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 12)
        heading = QLabel("Import referrals from a file", self)
        heading.setObjectName("dialogHeading")
        layout.addWidget(heading)
        intro = QLabel("One row per referral, with the columns of the template (CSV or XLSX; headers in any "
                       "case). Every row is checked first; nothing is written until you choose.", self)
        intro.setObjectName("mutedText")
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        self.panel_combo = QComboBox(self)
        self.panel_combo.setObjectName("importPanel")
        for panel in panels:
            self.panel_combo.addItem(f"{panel.name}  ({panel.panel_type.label})", panel.id)
        if panel_id is not None and self.panel_combo.findData(panel_id) >= 0:
            self.panel_combo.setCurrentIndex(self.panel_combo.findData(panel_id))
        panel_caption = QLabel("&Panel", self)
        panel_caption.setBuddy(self.panel_combo)
        form.addRow(panel_caption, self.panel_combo)
        file_row = QWidget(self)
        line = QHBoxLayout(file_row)
        line.setContentsMargins(0, 0, 0, 0)
        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("importPath")
        self.path_edit.setPlaceholderText("The CSV or XLSX file")
        self.path_edit.returnPressed.connect(self.check)
        self.browse_button = QPushButton("&Browse…", self)
        self.browse_button.setAutoDefault(False)
        self.browse_button.clicked.connect(self._browse)
        self.check_button = QPushButton("C&heck the file", self)
        self.check_button.setObjectName("checkImport")
        self.check_button.setAutoDefault(False)
        self.check_button.clicked.connect(self.check)
        line.addWidget(self.path_edit, 1)
        line.addWidget(self.browse_button)
        line.addWidget(self.check_button)
        file_caption = QLabel("&File", self)
        file_caption.setBuddy(self.path_edit)
        form.addRow(file_caption, file_row)
        layout.addLayout(form)

        self.progress = QProgressBar(self)
        self.progress.setObjectName("importProgress")
        self.progress.setRange(0, 100)
        self.progress.hide()
        self.progress_label = QLabel("", self)
        self.progress_label.setObjectName("mutedText")
        self.progress_label.hide()
        layout.addWidget(self.progress_label)
        layout.addWidget(self.progress)

        self.summary = QLabel("", self)
        self.summary.setObjectName("importSummary")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.report_model = ReportModel(self)
        self.report_table = QTableView(self)
        self.report_table.setObjectName("importReport")
        self.report_table.setAccessibleName("Problems and notes, by row")
        self.report_table.setModel(self.report_model)
        self.report_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.report_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.report_table.setWordWrap(True)
        self.report_table.setAlternatingRowColors(True)
        self.report_table.setShowGrid(False)
        self.report_table.verticalHeader().hide()
        header = self.report_table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.report_table.hide()
        layout.addWidget(self.report_table, 1)
        # Headings CSPDesk does not recognise: choose the field each holds (remembered for the
        # panel once imported), or leave it out. Choosing checks the file again.
        self.mapping: dict[str, str] = {}
        self.columns_box = QGroupBox("Columns not read — choose what each holds", self)
        self.columns_box.setObjectName("importColumns")
        self.columns_form = QFormLayout(self.columns_box)
        self.columns_box.hide()
        layout.addWidget(self.columns_box)
        self.error = error_label(self)
        layout.addWidget(self.error)

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.nothing_button = QPushButton("Import &nothing", self)
        self.nothing_button.setObjectName("importNothing")
        self.nothing_button.setAutoDefault(False)
        self.nothing_button.clicked.connect(self.reject)
        self.import_button = QPushButton("&Import", self)
        self.import_button.setObjectName("importGood")
        self.import_button.setAutoDefault(False)
        self.import_button.setEnabled(False)
        make_primary(self.import_button)
        self.import_button.clicked.connect(self.import_good_rows)
        buttons.addWidget(self.nothing_button)
        buttons.addWidget(self.import_button)
        layout.addLayout(buttons)
        self._set_import_text(None)
        self.path_edit.setFocus()

    # -- choosing --------------------------------------------------------------------------------

    def _browse(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "Import referrals", str(Path.home()), "Referral files (*.csv *.xlsx);;All files (*)")
        if path:
            self.choose_file(path)

    def choose_file(self, path: str | Path) -> None:
        """Use ``path`` and check it at once."""
        self.path_edit.setText(str(path))
        self.check()

    def panel_id(self) -> int | None:
        value = self.panel_combo.currentData()
        return int(value) if value is not None else None

    # -- the work, off the GUI thread ------------------------------------------------------------

    def is_busy(self) -> bool:
        return self._call is not None and self._call.is_running()

    def _start(self, label: str, good_rows_only: bool, dry_run: bool, done) -> None:  # noqa: ANN001
        path = self.path_edit.text().strip()
        panel_id = self.panel_id()
        self.error.hide()
        if not path:
            self._fail("Choose the file to import.")
            return
        if panel_id is None:
            self._fail("Choose the panel the referrals are for.")
            return
        service = ReferralImportService(self.ctx)

        mapping = dict(self.mapping)

        def work(progress):  # noqa: ANN001, ANN202 - runs on the worker thread: no widgets here
            return service.import_file(path, panel_id, good_rows_only=good_rows_only, dry_run=dry_run,
                                       progress=lambda share: progress(int(share * 100), label), mapping=mapping)

        self._busy(True, label)
        self._call = run_op(work, done, self._failed, on_progress=self._progressed)

    def check(self) -> None:
        """Check every row (nothing is written) and show the report."""
        if self.is_busy():
            return
        self.report = None
        self.report_model.set_report(None)
        self._set_import_text(None)
        self._start("Checking the rows…", True, True, self._checked)

    def import_good_rows(self) -> None:
        """Write the good rows (all of them, or nothing if the file changed and a row fails)."""
        if self.is_busy() or self.report is None or self.report.good_rows == 0:
            return
        self._start("Importing…", True, False, self._imported)

    def _busy(self, busy: bool, label: str = "") -> None:
        # (the column choosers too: a choice checks the file again, so none is made while a check runs)
        for widget in (self.check_button, self.browse_button, self.import_button, self.panel_combo, self.path_edit,
                       self.columns_box):
            widget.setEnabled(not busy)
        self.progress.setVisible(busy)
        self.progress_label.setVisible(busy)
        self.progress_label.setText(label)
        self.progress.setValue(0)
        if not busy:
            self._set_import_text(self.report if self.final is None else None)

    def _progressed(self, percent: int, message: str) -> None:
        self.progress.setValue(percent)
        self.progress_label.setText(message)

    def _failed(self, exc: BaseException) -> None:
        self._busy(False)
        message = str(exc) if isinstance(exc, ServiceError) else "The file could not be imported (an unexpected error)."
        if isinstance(exc, MissingColumns):
            # Headings CSPDesk does not know: the coordinator says which column holds each field.
            self._show_columns(exc.unread)
        self._fail(message)

    def _fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        emit(self.failed, message)

    def _checked(self, result) -> None:  # noqa: ANN001 - OpResult[ImportReport]
        report: ImportReport = result.value
        self.report = report
        self.final = None
        self._busy(False)
        self.report_model.set_report(report)
        self.report_table.setVisible(self.report_model.rowCount() > 0)
        self.report_table.resizeRowsToContents()
        bad = len(report.bad_rows)
        if report.rows_read == 0:
            text = f"{report.file} has no rows to import."
        elif bad:
            text = (f"{report.rows_read} rows read: {report.good_rows} good, {bad} with problems "
                    f"(row{'s' if bad != 1 else ''} {', '.join(str(r) for r in report.bad_rows)}). "
                    "Fix the file and check it again, or import only the good rows.")
        else:
            text = f"{report.rows_read} rows read; every row can be imported into {report.panel_name}."
        if report.notes:
            text += f" {len(report.notes)} note{'s' if len(report.notes) != 1 else ''} on people held and repeats below."
        self.summary.setText(text)
        self._show_columns(report.ignored_columns)
        self._set_import_text(report)
        (self.import_button if self.import_button.isEnabled() else self.nothing_button).setFocus()
        emit(self.checked, report)

    def _show_columns(self, unread: Sequence[str]) -> None:
        """A chooser for each heading not read, and for each heading already chosen (to change it)."""
        while self.columns_form.rowCount():
            self.columns_form.removeRow(0)
        headings = list(dict.fromkeys([*self.mapping, *unread]))
        for heading in headings:
            combo = QComboBox(self.columns_box)
            combo.setObjectName(f"importColumn:{heading}")
            combo.setAccessibleName(f"What the column {heading} holds")
            combo.addItem("Leave out", None)
            for name in KNOWN_FIELDS:
                combo.addItem(name.replace("_", " "), name)
            if heading in self.mapping:
                combo.setCurrentIndex(max(0, combo.findData(self.mapping[heading])))
            combo.currentIndexChanged.connect(lambda _i, h=heading, c=combo: self.choose_column(h, c.currentData()))
            self.columns_form.addRow(heading, combo)
        self.columns_box.setVisible(bool(headings))

    def choose_column(self, heading: str, field_name: str | None) -> None:
        """Read ``heading`` as ``field_name`` (None: leave it out) and check the file again."""
        if field_name is None:
            self.mapping.pop(heading, None)
        else:
            self.mapping[heading] = field_name
        self.check()

    def _imported(self, result) -> None:  # noqa: ANN001 - OpResult[ImportReport]
        report: ImportReport = result.value
        self.final = report
        self._busy(False)
        self.report_model.set_report(report)
        self.summary.setText(report.summary)
        self.import_button.setEnabled(False)
        self.nothing_button.setText("Close")
        self.nothing_button.setFocus()
        if report.committed:
            emit(self.imported, result.changes)
        emit(self.finished_import, report)

    def _set_import_text(self, report: ImportReport | None) -> None:
        if report is None or report.good_rows == 0:
            self.import_button.setText("&Import")
            self.import_button.setEnabled(False)
            return
        n = report.good_rows
        if report.bad_rows:
            self.import_button.setText(f"&Import the {n} good row{'s' if n != 1 else ''}")
        else:
            self.import_button.setText(f"&Import all {n} row{'s' if n != 1 else ''}")
        self.import_button.setEnabled(True)

    def reject(self) -> None:
        if self.is_busy():
            return  # the work finishes (or rolls back) first: never half a file
        super().reject()
