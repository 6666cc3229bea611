"""People on a referral form: one person's name fields (which can be linked to someone already
held), and repeatable rows of people (perpetrators, children, nominals, linked people).

A :class:`PersonEntry` is what the match panel watches: when its name or date of birth is edited it
says so (``edited``), and :meth:`PersonEntry.link` ties it to a person already held, so saving
links that person instead of creating a duplicate. Editing the name afterwards unties it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cspdesk_gui.dialogs.forms import error_label
from cspdesk_gui.formatting import short_date
from cspdesk_gui.referrals.fields import DateField
from cspdesk_gui.signals import emit


@dataclass(frozen=True)
class LinkedRecord:
    """A person already held that an entry is linked to."""

    person_id: int
    name: str
    date_of_birth: date | None


class PersonEntry(QObject):
    """Given name, family name and date of birth of one person, and the person held they are
    linked to (if any). The widgets belong to whoever lays them out."""

    #: The name or date of birth was edited (the match panel looks again).
    edited = Signal(object)
    #: The entry was linked to a person held, or unlinked (None).
    link_changed = Signal(object)
    #: One of its fields took the focus (the match panel follows it).
    focused = Signal(object)

    def __init__(self, parent: QWidget, label: str, *, name: str, today: Callable[[], date] = date.today) -> None:
        super().__init__(parent)
        self.label = label
        self.given = QLineEdit(parent)
        self.given.setObjectName(f"{name}Given")
        self.given.setAccessibleName(f"{label}: given name")
        self.given.setPlaceholderText("Given name")
        self.family = QLineEdit(parent)
        self.family.setObjectName(f"{name}Family")
        self.family.setAccessibleName(f"{label}: family name")
        self.family.setPlaceholderText("Family name")
        self.dob = DateField(parent, name=f"{name}Dob", accessible=f"{label}: date of birth", today=today)
        self.link_label = QLabel("", parent)
        self.link_label.setObjectName("linkedNote")
        self.link_label.hide()
        self._linked: LinkedRecord | None = None
        self._linking = False
        for field in (self.given, self.family, self.dob):
            field.textEdited.connect(self._text_edited)
            field.installEventFilter(self)

    # -- values --------------------------------------------------------------------------------

    def fields(self) -> tuple[QWidget, ...]:
        return (self.given, self.family, self.dob)

    def name_text(self) -> str:
        return " ".join(p for p in (self.given.text().strip(), self.family.text().strip()) if p)

    def is_blank(self) -> bool:
        return not self.name_text() and not self.dob.text().strip() and self._linked is None

    @property
    def linked(self) -> LinkedRecord | None:
        return self._linked

    def link(self, record: LinkedRecord, given: str, family: str) -> None:
        """Tie this entry to ``record`` and show its name and date of birth."""
        self._linking = True
        try:
            self.given.setText(given)
            self.family.setText(family)
            self.dob.set_value(record.date_of_birth)
        finally:
            self._linking = False
        self._linked = record
        self.link_label.setText(f"Linked to the record held for {record.name}"
                                + (f", born {short_date(record.date_of_birth)}" if record.date_of_birth else "")
                                + " — no new person will be created.")
        self.link_label.show()
        emit(self.link_changed, record)

    def unlink(self) -> None:
        if self._linked is None:
            return
        self._linked = None
        self.link_label.hide()
        emit(self.link_changed, None)

    def _text_edited(self, _text: str) -> None:
        if self._linking:
            return
        self.unlink()  # a different name is a different person until linked again
        emit(self.edited, self)

    def eventFilter(self, watched: QObject, event) -> bool:  # noqa: ANN001, N802 - Qt's name
        if event.type() == event.Type.FocusIn:
            emit(self.focused, self)
        return False


@dataclass(frozen=True)
class RowField:
    """One column of a repeatable row: a text box, or a choice from ``choices`` (label, value).
    A field on the ``second_line`` sits under the row's relationships (a child's Encompass and
    children's services, issue 19), so the row stays as wide as before; its label is its
    placeholder (a text box) or its first choice (a choice), and its accessible name."""

    key: str
    label: str
    width: int = 0
    choices: Sequence[tuple[str, object]] = ()
    second_line: bool = False


class PersonRow(QObject):
    """One row: a person entry and the row's other fields, with its remove button and error line."""

    def __init__(self, rows: PeopleRows, number: int) -> None:
        super().__init__(rows)
        parent = rows.body
        self.entry = PersonEntry(parent, f"{rows.noun.capitalize()} {number}", name=f"{rows.key}{number}", today=rows.today)
        self.extras: dict[str, QWidget] = {}
        self._fields = list(rows.extra_fields)
        for spec in rows.extra_fields:
            if spec.choices:
                combo = QComboBox(parent)
                for label, value in spec.choices:
                    combo.addItem(label, value)
                widget: QWidget = combo
            else:
                edit = QLineEdit(parent)
                edit.setPlaceholderText(spec.label)
                widget = edit
            if spec.second_line:
                widget.setToolTip(spec.label)
                if isinstance(widget, QComboBox):  # shrinks with the form rather than widen it
                    widget.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
                    widget.setMinimumContentsLength(8)
            widget.setObjectName(f"{rows.key}{number}_{spec.key}")
            widget.setAccessibleName(f"{rows.noun.capitalize()} {number}: {spec.label.lower()}")
            self.extras[spec.key] = widget
        self.remove_button = QPushButton("Remove", parent)
        self.remove_button.setObjectName(f"{rows.key}{number}Remove")
        self.remove_button.setAccessibleName(f"Remove {rows.noun} {number}")
        self.remove_button.setAutoDefault(False)
        self.error = error_label(parent)
        #: The second line's fields side by side, across the whole row (they never widen its columns).
        self.second_box = QWidget(parent)
        self.second_box.setObjectName(f"{rows.key}{number}SecondLine")
        box = QHBoxLayout(self.second_box)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(6)
        for widget in self.second_line():
            box.addWidget(widget, 1)
        self.second_box.setVisible(bool(self.second_line()))

    def widgets(self) -> list[QWidget]:
        """Every field in reading (and Tab) order: the first line's, the second line's, then Remove."""
        return [*self.first_line(), *self.second_line(), self.remove_button]

    def first_line(self) -> list[QWidget]:
        return [*self.entry.fields(), *(self.extras[f.key] for f in self._fields if not f.second_line)]

    def second_line(self) -> list[QWidget]:
        return [self.extras[f.key] for f in self._fields if f.second_line]

    def value(self, key: str) -> object:
        widget = self.extras[key]
        if isinstance(widget, QComboBox):
            return widget.currentData()
        assert isinstance(widget, QLineEdit)
        return widget.text().strip()

    def set_value(self, key: str, value: object) -> None:
        widget = self.extras[key]
        if isinstance(widget, QComboBox):
            widget.setCurrentIndex(max(widget.findData(value), 0))
        else:
            assert isinstance(widget, QLineEdit)
            widget.setText(str(value))

    def is_blank(self) -> bool:
        return self.entry.is_blank() and not any(
            isinstance(w, QLineEdit) and w.text().strip() for w in self.extras.values()
        )

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))


class PeopleRows(QWidget):
    """Repeatable rows of people: "Add …" appends one (and puts the cursor in it), "Remove" drops it.

    ``extra_fields`` are the row's columns after given name, family name and date of birth.
    """

    #: A row was added: its :class:`PersonRow` (the form wires its entry to the match panel).
    row_added = Signal(object)
    #: A row was removed.
    row_removed = Signal(object)

    def __init__(
        self,
        key: str,
        noun: str,
        extra_fields: Sequence[RowField],
        parent: QWidget | None = None,
        *,
        add_text: str = "",
        today: Callable[[], date] = date.today,
        empty_text: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName(f"{key}Rows")
        self.key = key
        self.noun = noun
        self.extra_fields = list(extra_fields)
        self.today = today
        self.rows: list[PersonRow] = []
        self._made = 0
        self.body = QWidget(self)
        self.grid = QGridLayout(self.body)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(6)
        self.grid.setVerticalSpacing(2)
        headings = ["Given name", "Family name", "Date of birth",
                    *(f.label for f in self.extra_fields if not f.second_line)]
        for column, text in enumerate(headings):
            caption = QLabel(text, self.body)
            caption.setObjectName("columnCaption")
            self.grid.addWidget(caption, 0, column)
        self._header_count = len(headings)
        self.empty_label = QLabel(empty_text, self)
        self.empty_label.setObjectName("mutedText")
        self.add_button = QPushButton(add_text or f"Add {noun}", self)
        self.add_button.setObjectName(f"{key}Add")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add_row)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.body)
        layout.addWidget(self.empty_label)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self._relayout()

    def add_row(self) -> PersonRow:
        self._made += 1
        row = PersonRow(self, self._made)
        row.remove_button.clicked.connect(lambda _c=False, r=row: self.remove_row(r))
        self.rows.append(row)
        self._relayout()
        emit(self.row_added, row)
        row.entry.given.setFocus(Qt.FocusReason.OtherFocusReason)
        return row

    def remove_row(self, row: PersonRow) -> None:
        if row not in self.rows:
            return
        index = self.rows.index(row)
        self.rows.remove(row)
        for widget in [*row.widgets(), row.error, row.entry.link_label, row.second_box]:
            self.grid.removeWidget(widget)
            widget.deleteLater()
        self._relayout()
        emit(self.row_removed, row)
        # The cursor goes to the row that took its place, or the add button.
        if self.rows:
            self.rows[min(index, len(self.rows) - 1)].entry.given.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.add_button.setFocus(Qt.FocusReason.OtherFocusReason)

    def filled_rows(self) -> list[tuple[int, PersonRow]]:
        """(1-based row number as shown, row) for every row that is not blank."""
        return [(i, r) for i, r in enumerate(self.rows, start=1) if not r.is_blank()]

    def row_number(self, row: PersonRow) -> int:
        return self.rows.index(row) + 1

    def clear_errors(self) -> None:
        for row in self.rows:
            row.show_error("")

    def _relayout(self) -> None:
        second = any(f.second_line for f in self.extra_fields)
        stride = 4 if second else 3
        for line, row in enumerate(self.rows):
            grid_row = 1 + line * stride
            first = row.first_line()
            for column, widget in enumerate([*first, row.remove_button]):
                self.grid.addWidget(widget, grid_row, column)
            if second:
                self.grid.addWidget(row.second_box, grid_row + 1, 0, 1, self._header_count)
            below = grid_row + (2 if second else 1)
            self.grid.addWidget(row.entry.link_label, below, 0, 1, self._header_count + 1)
            self.grid.addWidget(row.error, below + 1, 0, 1, self._header_count + 1)
        self.body.setVisible(bool(self.rows))
        self.empty_label.setVisible(not self.rows and bool(self.empty_label.text()))

    def tab_chain(self) -> list[QWidget]:
        """The rows' fields in reading order, then the add button (for the form's tab order)."""
        chain: list[QWidget] = []
        for row in self.rows:
            chain.extend(row.widgets())
        chain.append(self.add_button)
        return chain
