"""The Retention tab: how long each panel keeps closed cases, the cases that have outlived that,
and erasing them for good (after a confirmation that cannot be clicked through)."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut, QValidator
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cspdesk.services.context import OpChanges, ServiceContext
from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk.services.partnership.retention import (
    MAX_RETENTION_YEARS,
    MIN_RETENTION_YEARS,
    ErasureReport,
    PanelRetention,
    RetentionCaseRow,
    RetentionService,
)
from cspdesk_gui import theme
from cspdesk_gui.formatting import count, short_date
from cspdesk_gui.pages.admin.common import FieldErrors, MessageLine, error_label, run_in_background, with_error
from cspdesk_gui.pages.admin.tab import AdminTab
from cspdesk_gui.pages.base import empty_state
from cspdesk_gui.signals import emit
from cspdesk_gui.accessibility import hand_focus_to

#: What has to be typed before the Erase button wakes up.
CONFIRM_WORD = "ERASE"

_Index = QModelIndex | QPersistentModelIndex
CaseIdRole = Qt.ItemDataRole.UserRole + 1
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class RetentionColumn(IntEnum):
    REFERENCE = 0
    PANEL = 1
    STATUS = 2
    FINISHED = 3
    ENDED = 4
    YEARS_PAST = 5

    @property
    def title(self) -> str:
        return _TITLES[self]


_TITLES = {
    RetentionColumn.REFERENCE: "Case",
    RetentionColumn.PANEL: "Panel",
    RetentionColumn.STATUS: "Status",
    RetentionColumn.FINISHED: "Closed",
    RetentionColumn.ENDED: "Retention ended",
    RetentionColumn.YEARS_PAST: "Years past",
}

_HEADER_TIPS = {
    RetentionColumn.REFERENCE: "Tick the cases to erase (Space ticks the case under the cursor)",
    RetentionColumn.FINISHED: "When the case closed (or, with no closing date, its last change of status)",
    RetentionColumn.ENDED: "The closing date plus the panel's retention period",
    RetentionColumn.YEARS_PAST: "Whole years since the retention period ended",
}


class RetentionCaseModel(QAbstractTableModel):
    """Cases past retention, with a tick on each (first column). A few hundred at most, held whole."""

    #: The ticks changed: how many are ticked now.
    ticked_changed = Signal(int)

    def __init__(self, parent=None) -> None:  # noqa: ANN001 - QObject | None
        super().__init__(parent)
        self._rows: list[RetentionCaseRow] = []
        self._ticked: set[int] = set()

    def set_rows(self, rows: Sequence[RetentionCaseRow]) -> None:
        """Replace the rows; ticks stay on cases still listed."""
        self.beginResetModel()
        self._rows = list(rows)
        self._ticked &= {r.case_id for r in self._rows}
        self.endResetModel()
        emit(self.ticked_changed, len(self._ticked))

    def case(self, row: int) -> RetentionCaseRow:
        return self._rows[row]

    def ticked_cases(self) -> list[RetentionCaseRow]:
        return [r for r in self._rows if r.case_id in self._ticked]

    def set_ticked(self, case_ids: set[int] | None) -> None:
        """Tick exactly these cases (None: every case)."""
        listed = {r.case_id for r in self._rows}
        self._ticked = listed if case_ids is None else set(case_ids) & listed
        if self._rows:
            emit(self.dataChanged, self.index(0, 0), self.index(len(self._rows) - 1, 0),
                 [Qt.ItemDataRole.CheckStateRole])
        emit(self.ticked_changed, len(self._ticked))

    def toggle(self, row: int) -> None:
        index = self.index(row, RetentionColumn.REFERENCE)
        ticked = self._rows[row].case_id in self._ticked
        self.setData(index, Qt.CheckState.Unchecked if ticked else Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)

    # -- Qt's model interface -------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's name
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(RetentionColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(RetentionColumn):
            return None
        column = RetentionColumn(section)
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.ToolTipRole:
            return _HEADER_TIPS.get(column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column == RetentionColumn.YEARS_PAST:
            return _RIGHT
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
        if index.column() == RetentionColumn.REFERENCE:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = RetentionColumn(index.column())
        if role == CaseIdRole:
            return row.case_id
        if role == Qt.ItemDataRole.CheckStateRole and column == RetentionColumn.REFERENCE:
            return Qt.CheckState.Checked if row.case_id in self._ticked else Qt.CheckState.Unchecked
        if role == Qt.ItemDataRole.DisplayRole:
            match column:
                case RetentionColumn.REFERENCE:
                    return row.reference
                case RetentionColumn.PANEL:
                    return row.panel_name
                case RetentionColumn.STATUS:
                    return row.status.label
                case RetentionColumn.FINISHED:
                    return short_date(row.closed_on)
                case RetentionColumn.ENDED:
                    return short_date(row.retention_ended_on)
                case RetentionColumn.YEARS_PAST:
                    return "Under 1" if row.years_past == 0 else f"{row.years_past:,}"
        if role == Qt.ItemDataRole.TextAlignmentRole and column == RetentionColumn.YEARS_PAST:
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole and column == RetentionColumn.YEARS_PAST and row.years_past >= 1:
            return theme.brush("danger")
        if role == Qt.ItemDataRole.ToolTipRole and column == RetentionColumn.REFERENCE:
            return f"{row.reference}: {row.subject_kind.label.lower()} case, {row.status.label.lower()}"
        return None

    def setData(self, index: _Index, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if (role != Qt.ItemDataRole.CheckStateRole or not index.isValid()
                or index.column() != RetentionColumn.REFERENCE or not 0 <= index.row() < len(self._rows)):
            return False
        case_id = self._rows[index.row()].case_id
        if Qt.CheckState(value) == Qt.CheckState.Checked:  # type: ignore[arg-type]
            self._ticked.add(case_id)
        else:
            self._ticked.discard(case_id)
        emit(self.dataChanged, index, index, [Qt.ItemDataRole.CheckStateRole])
        emit(self.ticked_changed, len(self._ticked))
        return True


class YearsSpinBox(QSpinBox):
    """Whole years: "1 year", "6 years"."""

    def textFromValue(self, value: int) -> str:  # noqa: N802 - Qt's name
        return f"{value} year" if value == 1 else f"{value} years"

    def valueFromText(self, text: str) -> int:  # noqa: N802
        digits = "".join(c for c in text if c.isdigit())
        return int(digits) if digits else self.minimum()

    def validate(self, text: str, pos: int) -> object:
        digits = "".join(c for c in text if c.isdigit())
        if not digits:
            return QValidator.State.Intermediate, text, pos
        value = int(digits)
        if self.minimum() <= value <= self.maximum():
            return QValidator.State.Acceptable, text, pos
        return QValidator.State.Intermediate, text, pos


# -- the confirmation -------------------------------------------------------------------------------

_COUNT_WORDS = [
    ("cases", "case"),
    ("people", ("person", "people")),
    ("groups", "group"),
    ("locations", "place"),
    ("actions", "action"),
    ("action_updates", "action update"),
    ("agenda_items", ("agenda item", "agenda items")),
    ("minutes_addenda", ("minutes addendum", "minutes addenda")),
    ("risk_assessments", "risk assessment"),
    ("risk_answers", "risk answer"),
    ("status_changes", "status change"),
    ("case_flags", "flag"),
    ("aliases", ("alias", "aliases")),
    ("contact_history", ("earlier contact detail", "earlier contact details")),
]


def describe_report(report: ErasureReport) -> str:
    """An :class:`ErasureReport` in words."""
    parts = []
    for key, words in _COUNT_WORDS:
        n = report.counts.get(key, 0)
        if n:
            singular, plural = words if isinstance(words, tuple) else (words, None)
            parts.append(count(n, singular, plural))
    lines = ["Erased " + (", ".join(parts) if parts else "nothing") + "."]
    refs = report.references
    shown = ", ".join(refs[:12]) + (f" and {len(refs) - 12:,} more" if len(refs) > 12 else "")
    if refs:
        lines.append(f"Cases: {shown}.")
    redacted = report.counts.get("audit_entries_redacted", 0)
    if redacted:
        lines.append(f"The details of {count(redacted, 'earlier audit entry', 'earlier audit entries')} about them "
                     "were blanked; one audit entry records this erasure and its reason.")
    else:
        lines.append("One audit entry records this erasure and its reason.")
    if not report.storage_scrubbed:
        lines.append("The database file could not be cleaned of the erased data yet (another computer or program "
                     "has it open). It will hold leftover fragments until it is next cleaned; erasing again later, "
                     "with everyone else signed out, cleans it.")
    return "\n".join(lines)


class EraseDialog(QDialog):
    """Says plainly that erasure is irreversible, names the cases, asks why, and wants the word
    ERASE typed before the Erase button works. Erasing runs on a worker thread (the database file
    is rewritten afterwards); the dialog waits, and cannot be closed, until it is done.
    ``report`` holds the :class:`ErasureReport` once accepted."""

    def __init__(self, service: RetentionService, cases: Sequence[RetentionCaseRow], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._cases = list(cases)
        self._busy = False
        self.report: ErasureReport | None = None
        self.changes = OpChanges()
        self.setObjectName("eraseDialog")
        self.setWindowTitle("Erase cases for good")
        self.setModal(True)
        self.setMinimumWidth(540)

        layout = QVBoxLayout(self)
        layout.setSpacing(12)
        n = len(self._cases)
        self.heading = QLabel(f"Erase {count(n, 'case')}? This cannot be undone.", self)
        self.heading.setObjectName("eraseHeading")
        self.heading.setWordWrap(True)
        layout.addWidget(self.heading)
        what = QLabel(
            f"{'This case' if n == 1 else 'These cases'} will be deleted from this database for good, with "
            "their actions, minutes entries, risk assessments and history, and every person, group and place "
            "linked to nothing else. The details of earlier audit entries about them are blanked. There is no "
            "undo and no copy is kept; only backups made before now still hold them.",
            self,
        )
        what.setWordWrap(True)
        layout.addWidget(what)
        refs = [c.reference for c in self._cases]
        listed = ", ".join(refs[:20]) + (f" and {n - 20:,} more" if n > 20 else "")
        self.case_list = QLabel(listed, self)
        self.case_list.setObjectName("mutedText")
        self.case_list.setWordWrap(True)
        self.case_list.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.case_list)

        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        form.setVerticalSpacing(10)
        self.reason_edit = QLineEdit(self)
        self.reason_edit.setObjectName("erasureReason")
        self.reason_edit.setPlaceholderText("e.g. Retention period ended (retention policy 2026)")
        self.reason_edit.setToolTip("Kept in the audit trail. Say why; do not repeat anyone's personal details.")
        self.reason_error = error_label(self)
        reason_label = QLabel("&Reason", self)
        reason_label.setBuddy(self.reason_edit)
        form.addRow(reason_label, with_error(self.reason_edit, self.reason_error, self))
        self.confirm_edit = QLineEdit(self)
        self.confirm_edit.setObjectName("erasureConfirmation")
        self.confirm_edit.setPlaceholderText(CONFIRM_WORD)
        self.confirm_edit.setAccessibleName(f"Type {CONFIRM_WORD} to confirm")
        confirm_label = QLabel(f"&Type {CONFIRM_WORD} to confirm", self)
        confirm_label.setBuddy(self.confirm_edit)
        form.addRow(confirm_label, self.confirm_edit)
        layout.addLayout(form)

        self.general_error = error_label(self)
        layout.addWidget(self.general_error)
        self.errors = FieldErrors(self.general_error)
        self.errors.add("reason", self.reason_error, self.reason_edit)
        self.progress = QLabel("", self)
        self.progress.setObjectName("mutedText")
        self.progress.hide()
        layout.addWidget(self.progress)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, parent=self)
        self.erase_button = QPushButton(f"Erase {count(n, 'case')}", self)
        self.erase_button.setObjectName("dangerButton")
        self.erase_button.setAutoDefault(False)
        self.buttons.addButton(self.erase_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setDefault(True)  # Enter in a field never erases
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self.confirm_edit.textChanged.connect(self._update_button)
        self._update_button()
        self.reason_edit.setFocus()

    def confirmed(self) -> bool:
        return self.confirm_edit.text().strip() == CONFIRM_WORD

    def _update_button(self, *_args: object) -> None:
        self.erase_button.setEnabled(self.confirmed() and not self._busy)

    def error_text(self) -> str:
        return self.errors.text()

    def is_busy(self) -> bool:
        return self._busy

    def accept(self) -> None:
        if not self.confirmed() or self._busy:
            return
        self.errors.clear()
        self._set_busy(True)
        ids = [c.case_id for c in self._cases]
        reason = self.reason_edit.text()
        run_in_background(lambda: self._service.erase_cases(ids, reason), "Erasing", self._erased, self._failed)

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (self.reason_edit, self.confirm_edit, self.cancel_button):
            widget.setEnabled(not busy)
        self.progress.setText("Erasing, then cleaning the database file. This can take a minute; "
                              "do not close CSPDesk." if busy else "")
        self.progress.setVisible(busy)
        self._update_button()

    def _erased(self, result: object) -> None:
        self._set_busy(False)
        self.report = result.value  # type: ignore[attr-defined]
        self.changes = result.changes  # type: ignore[attr-defined]
        super().accept()

    def _failed(self, error: object) -> None:
        self._set_busy(False)
        self.errors.show(error.field if isinstance(error, ValidationError) else None, str(error))

    def reject(self) -> None:
        if not self._busy:  # half-way through, the erasure finishes; the dialog says so
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self._busy:
            event.ignore()
            return
        super().closeEvent(event)


# -- the tab ---------------------------------------------------------------------------------------


class RetentionTab(AdminTab):
    tab_label = "Rete&ntion"

    #: Cases were erased: the :class:`ErasureReport`.
    erased = Signal(object)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = RetentionService(ctx)
        self._periods: list[PanelRetention] = []
        self._spins: dict[int, QSpinBox] = {}
        self._period_errors: dict[int, QLabel] = {}
        self.model = RetentionCaseModel(self)

        # Retention periods: one spin box per panel, one Save.
        periods_heading = QLabel("How long closed cases are kept", self)
        periods_heading.setObjectName("sectionHeading")
        self.tab_layout.addWidget(periods_heading)
        self.tab_layout.addWidget(self.hint(
            "A closed case is kept for its panel's period after it closes, then listed below for erasure."
        ))
        self._periods_box = QFrame(self)
        self._periods_box.setObjectName("retentionPeriods")
        self._periods_grid = QGridLayout(self._periods_box)
        self._periods_grid.setContentsMargins(0, 0, 0, 0)
        self._periods_grid.setHorizontalSpacing(16)
        self._periods_grid.setVerticalSpacing(6)
        self.tab_layout.addWidget(self._periods_box)
        self.no_panels_label = QLabel("There are no panels yet.", self)
        self.no_panels_label.setObjectName("mutedText")
        self.no_panels_label.hide()
        self.tab_layout.addWidget(self.no_panels_label)
        save_row = QHBoxLayout()
        self.save_button = QPushButton("Save per&iods", self)
        self.save_button.clicked.connect(self.save_periods)
        save_row.addWidget(self.save_button)
        self.periods_message = MessageLine(self)
        save_row.addWidget(self.periods_message, 1)
        save_row.addStretch(0)  # takes the room while the message is hidden
        self.tab_layout.addLayout(save_row)
        self.periods_error = error_label(self)
        self.tab_layout.addWidget(self.periods_error)

        self.tab_layout.addSpacing(8)
        cases_heading = QLabel("Closed cases past retention", self)
        cases_heading.setObjectName("sectionHeading")
        self.tab_layout.addWidget(cases_heading)

        actions = QHBoxLayout()
        actions.setSpacing(8)
        self.erase_button = QPushButton("&Erase ticked…", self)
        self.erase_button.setObjectName("dangerButton")
        self.erase_button.clicked.connect(self.erase_selected)
        self.tick_all_button = QPushButton("Tick &all", self)
        self.tick_all_button.clicked.connect(lambda: self.model.set_ticked(None))
        self.tick_none_button = QPushButton("Tick n&one", self)
        self.tick_none_button.clicked.connect(lambda: self.model.set_ticked(set()))
        for button in (self.erase_button, self.tick_all_button, self.tick_none_button):
            actions.addWidget(button)
        actions.addStretch(1)
        self.count_label = QLabel("", self)
        self.count_label.setObjectName("countLabel")
        actions.addWidget(self.count_label)
        self.tab_layout.addLayout(actions)

        self.table = QTableView(self)
        self.table.setObjectName("retentionTable")
        self.table.setAccessibleName("Closed cases past retention")
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
        header.setSectionResizeMode(RetentionColumn.PANEL, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        metrics = self.table.fontMetrics()
        for column, sample in ((RetentionColumn.REFERENCE, "MARAC-2026-0000"), (RetentionColumn.STATUS, "Archived"),
                               (RetentionColumn.FINISHED, "28 Sep 2026"), (RetentionColumn.ENDED, "Retention ended"),
                               (RetentionColumn.YEARS_PAST, "Years past")):
            room = 60 if column == RetentionColumn.REFERENCE else 32  # the tick box
            header.resizeSection(column, metrics.horizontalAdvance(sample) + room)
        # Space ticks the case under the cursor, whichever column the cursor is in.
        space = QShortcut(QKeySequence(Qt.Key.Key_Space), self.table)
        space.setContext(Qt.ShortcutContext.WidgetShortcut)
        space.activated.connect(self._toggle_current)

        self._stack = QStackedWidget(self)
        self._stack.addWidget(self.table)
        self.empty_label = empty_state(
            "No closed case has outlived its panel's retention period. Nothing needs erasing.", self
        )
        self._stack.addWidget(self.empty_label)
        self.tab_layout.addWidget(self._stack, 1)

        self.message = MessageLine(self)
        self.tab_layout.addWidget(self.message)

        self.model.ticked_changed.connect(self._ticked_changed)
        hand_focus_to(self, self.table)  # not setFocusProxy: Tab would skip what comes before it
        self._ticked_changed(0)

    # -- loading --------------------------------------------------------------------------------

    def reload(self) -> None:
        self._periods = self._service.retention_settings()
        self._build_periods()
        rows = self._service.cases_past_retention()
        self.model.set_rows(rows)
        self._stack.setCurrentWidget(self.table if rows else self.empty_label)
        if rows and not self.table.currentIndex().isValid():
            self.table.selectionModel().setCurrentIndex(
                self.model.index(0, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )
        self._ticked_changed(len(self.model.ticked_cases()))

    def _build_periods(self) -> None:
        while self._periods_grid.count():
            item = self._periods_grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self._spins.clear()
        self._period_errors.clear()
        previous: QWidget | None = None
        for row, period in enumerate(self._periods):
            # The label is the spin box's buddy, so "&" would be read as a mnemonic: doubled, it shows.
            name = QLabel(period.name.replace("&", "&&"), self._periods_box)
            spin = YearsSpinBox(self._periods_box)
            spin.setObjectName(f"retentionYears{period.panel_id}")
            spin.setRange(MIN_RETENTION_YEARS, MAX_RETENTION_YEARS)
            spin.setValue(period.retention_years)
            spin.setAccessibleName(f"Years {period.name} keeps closed cases")
            spin.setMinimumWidth(spin.fontMetrics().horizontalAdvance("100 years") + 44)
            spin.valueChanged.connect(self._periods_edited)
            name.setBuddy(spin)
            kind = QLabel(period.panel_type.label, self._periods_box)
            kind.setObjectName("mutedText")
            error = error_label(self._periods_box)
            self._periods_grid.addWidget(name, row, 0)
            self._periods_grid.addWidget(kind, row, 1)
            self._periods_grid.addWidget(spin, row, 2)
            self._periods_grid.addWidget(error, row, 3)
            self._periods_grid.setColumnStretch(3, 1)
            self._spins[period.panel_id] = spin
            self._period_errors[period.panel_id] = error
            if previous is not None:
                QWidget.setTabOrder(previous, spin)
            previous = spin
        if previous is not None:
            QWidget.setTabOrder(previous, self.save_button)
        self.no_panels_label.setVisible(not self._periods)
        self._periods_box.setVisible(bool(self._periods))
        self._periods_edited()

    def _edited_periods(self) -> list[tuple[PanelRetention, int]]:
        return [(p, self._spins[p.panel_id].value()) for p in self._periods
                if p.panel_id in self._spins and self._spins[p.panel_id].value() != p.retention_years]

    def _periods_edited(self, *_args: object) -> None:
        edited = bool(self._edited_periods())
        self.save_button.setEnabled(edited)
        if edited:
            self.periods_message.clear_message()

    def save_periods(self) -> int:
        """Save every period changed; returns how many were saved. Stops at the first refusal."""
        for label in (*self._period_errors.values(), self.periods_error):
            label.hide()
        saved = 0
        changes = OpChanges()
        for period, years in self._edited_periods():
            try:
                result = self._service.set_retention(period.panel_id, years)
            except ValidationError as exc:
                label = self._period_errors.get(period.panel_id, self.periods_error)
                label.setText(str(exc))
                label.show()
                self._spins[period.panel_id].setFocus()
                break
            except ServiceError as exc:
                self.periods_error.setText(str(exc))
                self.periods_error.show()
                break
            saved += 1
            changes = OpChanges(panels=changes.panels or result.changes.panels)
        if saved:
            self.periods_message.good(f"Saved {count(saved, 'retention period')}.")
            kept_message = self.periods_message.text()
            self.refresh()
            self.periods_message.good(kept_message)
            emit(self.changes_made, changes)
        return saved

    # -- erasing --------------------------------------------------------------------------------

    def _toggle_current(self) -> None:
        index = self.table.currentIndex()
        if index.isValid():
            self.model.toggle(index.row())

    def _ticked_changed(self, ticked: int) -> None:
        listed = self.model.rowCount()
        self.erase_button.setEnabled(ticked > 0)
        self.erase_button.setText(f"&Erase {count(ticked, 'ticked case')}…" if ticked else "&Erase ticked…")
        self.tick_all_button.setEnabled(listed > 0 and ticked < listed)
        self.tick_none_button.setEnabled(ticked > 0)
        if listed:
            self.count_label.setText(f"{count(listed, 'case')} past retention, {ticked:,} ticked")
        else:
            self.count_label.setText("")

    def erase_selected(self) -> ErasureReport | None:
        cases = self.model.ticked_cases()
        if not cases:
            return None
        self.message.clear_message()
        dialog = EraseDialog(self._service, cases, self)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted or dialog.report is None:
                return None
            report, changes = dialog.report, dialog.changes
        finally:
            dialog.deleteLater()
        self.refresh()
        self.message.say(describe_report(report), "plain" if report.storage_scrubbed else "bad")
        emit(self.erased, report)
        emit(self.changes_made, changes)
        return report
