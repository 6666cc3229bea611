"""What the account dialogs share: each error shown in plain words right under its field, named by
the ``field`` of the service's :class:`ValidationError`; password boxes; a busy state while the
service call runs on a worker thread."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)


def error_label(parent: QWidget) -> QLabel:
    """A red, wrapped, plain-text line, hidden until it has something to say."""
    label = QLabel("", parent)
    label.setObjectName("fieldError")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.hide()
    return label


def with_error(field: QWidget, error: QLabel, parent: QWidget) -> QWidget:
    """The field with its error message right under it (one cell of a form).

    The cell takes the form's whole width, so a message under a narrow field (a drop-down, a
    number box) wraps across the row instead of being squeezed to the field's width and clipped;
    the field itself keeps its own width."""
    box = QWidget(parent)
    box.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(3)
    if field.sizePolicy().horizontalPolicy() in (QSizePolicy.Policy.Expanding, QSizePolicy.Policy.MinimumExpanding):
        column.addWidget(field)
    else:
        column.addWidget(field, 0, Qt.AlignmentFlag.AlignLeft)
    column.addWidget(error)
    return box


def add_field(form: QFormLayout, parent: QWidget, fields: dict[str, tuple[QWidget, QLabel]], name: str,
              caption: str, field: QWidget) -> None:
    """A labelled row of ``form`` (the caption's mnemonic focuses ``field``) with its error line
    under it, recorded in ``fields`` under the service's field ``name`` for :class:`FieldErrors`."""
    error = error_label(parent)
    label = QLabel(caption, parent)
    label.setBuddy(field)
    form.addRow(label, with_error(field, error, parent))
    fields[name] = (field, error)


def plain_table(parent: QWidget, name: str, headers: tuple[str, ...]) -> QTableWidget:
    """A small whole-row-selecting table: the first column stretches, the others fit their text,
    long names are elided (the caller puts the whole name in the tooltip)."""
    table = QTableWidget(0, len(headers), parent)
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().hide()
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setTextElideMode(Qt.TextElideMode.ElideRight)
    header = table.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    for column in range(1, len(headers)):
        header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
    return table


def line_edit(parent: QWidget, name: str, accessible: str, *, password: bool = False, monospace: bool = False,
              placeholder: str = "") -> QLineEdit:
    """A named line edit. No maxLength, on purpose: a QLineEdit cuts a longer (pasted) text
    silently; the services refuse one over its limit with a message naming the field and limit."""
    edit = QLineEdit(parent)
    edit.setObjectName(name)
    edit.setAccessibleName(accessible)
    if placeholder:
        edit.setPlaceholderText(placeholder)
    if password:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
    if monospace:
        edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    return edit


def make_primary(button: QWidget) -> None:
    """Give a button the stylesheet's primary look. The name is a style selector, and a button a
    QDialogButtonBox has already laid out is polished: it must be polished again to pick it up."""
    button.setObjectName("primaryButton")
    style = button.style()
    style.unpolish(button)
    style.polish(button)


def monospace_font():  # noqa: ANN201 - QFont
    return QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)


class FieldErrors:
    """The error lines of a form, by the field names the services use.

    ``fields`` maps a field name to (the widget to focus, its error label); aliases map other names
    the service may use for the same field. Errors for unknown fields go to ``general``.
    """

    def __init__(
        self,
        fields: dict[str, tuple[QWidget, QLabel]],
        general: QLabel,
        aliases: dict[str, str] | None = None,
    ) -> None:
        self._fields = fields
        self._general = general
        self._aliases = aliases or {}

    def labels(self) -> list[QLabel]:
        return [label for _w, label in self._fields.values()] + [self._general]

    def clear(self) -> None:
        for label in self.labels():
            label.hide()
            label.setText("")

    def show(self, field: str | None, message: str) -> None:
        """Show ``message`` under ``field`` (or on the general line) and put the cursor there."""
        self.clear()
        name = self._aliases.get(field or "", field or "")
        if name in self._fields:
            widget, label = self._fields[name]
            label.setText(message)
            label.show()
            widget.setFocus(Qt.FocusReason.OtherFocusReason)
            if isinstance(widget, QLineEdit):
                widget.selectAll()
        else:
            self._general.setText(message)
            self._general.show()

    def text(self) -> str:
        """The message shown now (empty when none), for tests and screen readers."""
        for label in self.labels():
            if not label.isHidden() and label.text():
                return label.text()
        return ""

    def text_of(self, field: str) -> str:
        label = self._fields[field][1] if field in self._fields else self._general
        return "" if label.isHidden() else label.text()
