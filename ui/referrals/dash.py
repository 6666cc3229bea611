"""The DASH risk checklist as a 24-row grid, answered from the keyboard.

One row per question; the Answer column holds Yes / No / Don't know, the Source column who gave the
answer when it was not the victim. In the table, keys **1**, **2** and **3** (or Y, N, D) answer the
current row and move to the next, so a coordinator copying a paper checklist never leaves the
keyboard; Space clears an answer; F2 or typing edits the source. The live count of "yes" answers and
the band (standard / medium / high) sit under the grid.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import IntEnum

from PySide6.QtCore import QAbstractTableModel, QEvent, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.rules import dash_visible_high_risk
from cspdesk_gui import theme
from cspdesk_gui.signals import emit

_Index = QModelIndex | QPersistentModelIndex

YES = "yes"
NO = "no"
DONT_KNOW = "dont_know"
#: What each answer reads as, in the order of the keys 1, 2, 3.
ANSWER_LABELS = {YES: "Yes", NO: "No", DONT_KNOW: "Don't know"}
_KEYS = {
    Qt.Key.Key_1: YES, Qt.Key.Key_Y: YES,
    Qt.Key.Key_2: NO, Qt.Key.Key_N: NO,
    Qt.Key.Key_3: DONT_KNOW, Qt.Key.Key_D: DONT_KNOW,
}


class DashColumn(IntEnum):
    NUMBER = 0
    QUESTION = 1
    ANSWER = 2
    SOURCE = 3


_TITLES = {
    DashColumn.NUMBER: "No.",
    DashColumn.QUESTION: "Question",
    DashColumn.ANSWER: "Answer",
    DashColumn.SOURCE: "Source (if not the victim)",
}


class DashModel(QAbstractTableModel):
    """The questions and the answers given so far (None: not answered yet)."""

    #: The answers changed: the number of "yes" answers now.
    answers_changed = Signal(int)

    def __init__(self, questions: Sequence[str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._questions = list(questions)
        self._answers: list[str | None] = [None] * len(self._questions)
        self._sources: list[str] = [""] * len(self._questions)

    # -- values --------------------------------------------------------------------------------

    def answers(self) -> dict[int, str]:
        """Question number (1-based) → answer, for every answered question."""
        return {i + 1: a for i, a in enumerate(self._answers) if a is not None}

    def sources(self) -> dict[int, str]:
        return {i + 1: s.strip() for i, s in enumerate(self._sources) if s.strip()}

    def answer(self, row: int) -> str | None:
        return self._answers[row]

    def yes_count(self) -> int:
        return sum(1 for a in self._answers if a == YES)

    def answered_count(self) -> int:
        return sum(1 for a in self._answers if a is not None)

    def set_answer(self, row: int, answer: str | None) -> None:
        if answer is not None and answer not in ANSWER_LABELS:
            raise ValueError(answer)
        if self._answers[row] == answer:
            return
        self._answers[row] = answer
        first = self.index(row, 0)
        emit(self.dataChanged, first, self.index(row, len(DashColumn) - 1))
        emit(self.answers_changed, self.yes_count())

    def set_source(self, row: int, text: str) -> None:
        self.setData(self.index(row, DashColumn.SOURCE), text)

    # -- Qt's model interface -------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's name
        return 0 if parent.isValid() else len(self._questions)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(DashColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(DashColumn):
            return _TITLES[DashColumn(section)]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren
        if index.column() == DashColumn.SOURCE:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._questions):
            return None
        row, column = index.row(), DashColumn(index.column())
        answer = self._answers[row]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            match column:
                case DashColumn.NUMBER:
                    return str(row + 1)
                case DashColumn.QUESTION:
                    return self._questions[row]
                case DashColumn.ANSWER:
                    if answer is None:
                        return "—" if role == Qt.ItemDataRole.DisplayRole else ""
                    return ANSWER_LABELS[answer]
                case DashColumn.SOURCE:
                    return self._sources[row]
        if role == Qt.ItemDataRole.ToolTipRole and column == DashColumn.QUESTION:
            return self._questions[row]
        if role == Qt.ItemDataRole.ForegroundRole and column == DashColumn.ANSWER:
            if answer == YES:
                return theme.brush("danger")
            if answer is None:
                return theme.brush("muted")
        if role == Qt.ItemDataRole.TextAlignmentRole and column == DashColumn.NUMBER:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def setData(self, index: _Index, value: object, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: N802
        if not index.isValid() or index.column() != DashColumn.SOURCE or role != Qt.ItemDataRole.EditRole:
            return False
        text = str(value or "")
        if self._sources[index.row()] == text:
            return True
        self._sources[index.row()] = text
        emit(self.dataChanged, index, index)
        return True


class DashGrid(QWidget):
    """The checklist, its live count and band. ``band_of(yes_count)`` names the band (the panel's
    rules, from the core); ``threshold`` is the panel's visible-high-risk count."""

    #: The number of "yes" answers changed.
    yes_count_changed = Signal(int)

    def __init__(
        self,
        questions: Sequence[str],
        band_of: Callable[[int], str],
        threshold: int,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._band_of = band_of
        self.threshold = threshold
        self.model = DashModel(questions, self)
        self.table = QTableView(self)
        self.table.setObjectName("dashGrid")
        self.table.setAccessibleName("DASH risk checklist")
        self.table.setAccessibleDescription(
            "Keys 1, 2 and 3 answer Yes, No or Don't know and move to the next question; F2 edits the source."
        )
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
        )
        # Tab leaves the grid (to the next field of the form); arrows move inside it.
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setHighlightSections(False)
        header.setSectionResizeMode(DashColumn.NUMBER, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(DashColumn.QUESTION, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(DashColumn.ANSWER, QHeaderView.ResizeMode.Fixed)
        header.setSectionResizeMode(DashColumn.SOURCE, QHeaderView.ResizeMode.Interactive)
        metrics = self.table.fontMetrics()
        header.resizeSection(DashColumn.NUMBER, metrics.horizontalAdvance("24") + 24)
        header.resizeSection(DashColumn.ANSWER, metrics.horizontalAdvance("Don't know") + 40)
        header.resizeSection(DashColumn.SOURCE, metrics.horizontalAdvance("Source (if not the victim)") + 56)
        header.setToolTip("Keys 1, 2, 3 answer the current question: Yes, No, Don't know")
        self.table.installEventFilter(self)

        self.count_label = QLabel(self)
        self.count_label.setObjectName("dashCount")
        self.band_label = QLabel(self)
        self.band_label.setObjectName("dashBand")
        self.hint_label = QLabel("In the list: 1 Yes · 2 No · 3 Don't know · Space clears · F2 source", self)
        self.hint_label.setObjectName("mutedText")
        foot = QHBoxLayout()
        foot.addWidget(self.count_label)
        foot.addSpacing(16)
        foot.addWidget(self.band_label)
        foot.addStretch(1)
        foot.addWidget(self.hint_label)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.table, 1)
        layout.addLayout(foot)
        # Every question in sight: the form scrolls, the grid does not.
        rows = self.model.rowCount()
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setFixedHeight(
            header.sizeHint().height() + rows * self.table.verticalHeader().defaultSectionSize() + 2 * self.table.frameWidth() + 2
        )
        self.model.answers_changed.connect(self._update_count)
        self.setFocusProxy(self.table)
        self._update_count(0)

    def band(self) -> str:
        return self._band_of(self.model.yes_count())

    def visible_high_risk(self) -> bool:
        return dash_visible_high_risk(self.model.yes_count(), self.threshold)  # the domain's rule

    def _update_count(self, yes: int) -> None:
        answered = self.model.answered_count()
        total = self.model.rowCount()
        self.count_label.setText(f"Yes: {yes} of {total}  ({answered} answered)")
        band = self._band_of(yes)
        high = dash_visible_high_risk(yes, self.threshold)
        self.band_label.setText(f"Band: {band}" + ("  — visible high risk" if high else ""))
        self.band_label.setProperty("high", high)
        self.band_label.style().unpolish(self.band_label)
        self.band_label.style().polish(self.band_label)
        emit(self.yes_count_changed, yes)

    def answer_current(self, answer: str | None) -> None:
        """Answer the current question and move to the next one (the last stays current)."""
        index = self.table.currentIndex()
        row = index.row() if index.isValid() else 0
        self.model.set_answer(row, answer)
        if answer is not None and row + 1 < self.model.rowCount():
            row += 1
        self.table.setCurrentIndex(self.model.index(row, DashColumn.ANSWER))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.table and event.type() == QEvent.Type.KeyPress and self.table.state() != QAbstractItemView.State.EditingState:
            assert isinstance(event, QKeyEvent)
            if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
                return False
            key = Qt.Key(event.key())
            if key in _KEYS:
                self.answer_current(_KEYS[key])
                return True
            if key in (Qt.Key.Key_Space, Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                index = self.table.currentIndex()
                if index.isValid() and index.column() != DashColumn.SOURCE:
                    self.model.set_answer(index.row(), None)
                    return True
        return False
