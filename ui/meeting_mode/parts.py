"""Small pieces the parts of meeting mode share: its keys, decisions and hint line, a person's age,
the tables' and captions' look, and a key filter."""

from __future__ import annotations

from datetime import date

from cspdesk.domain.ages import age_on_or_none
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableView,
    QWidget,
)

from cspdesk.domain.enums import ActionStatus, Decision

#: One key sets an earlier action's status (the table of earlier actions has the focus).
STATUS_KEYS: dict[int, ActionStatus] = {
    Qt.Key.Key_C: ActionStatus.COMPLETED,
    Qt.Key.Key_G: ActionStatus.ONGOING,
    Qt.Key.Key_H: ActionStatus.ON_HOLD,
    Qt.Key.Key_D: ActionStatus.DISCONTINUED,
    Qt.Key.Key_O: ActionStatus.OPEN,
}
DECISIONS: list[tuple[str, Decision | None]] = [
    ("No decision yet", None),
    ("Continue", Decision.CONTINUE),
    ("Close (with the outcome)", Decision.CLOSE),
    ("Refer on (say to whom)", Decision.REFER_ON),
    # Not reached or not discussed: not counted as heard; the case goes back to be listed.
    ("Deferred — not heard", Decision.DEFERRED),
]
HINT = ("Ctrl+PgDown / Ctrl+PgUp next / previous item · Alt+N notes · Alt+E earlier actions · "
        "Alt+G new action · Alt+D decision · Ctrl+Shift+E finish")


def age_on(born: date | None, on: date) -> str:
    years = age_on_or_none(born, on)  # the domain's one rule for ages
    return "" if years is None else f"{years}"


def make_table(parent: QWidget, name: str, accessible: str) -> QTableView:
    view = QTableView(parent)
    view.setObjectName(name)
    view.setAccessibleName(accessible)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setShowGrid(False)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.verticalHeader().hide()
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    header.setStretchLastSection(False)
    return view


def key_line(text: str, parent: QWidget, table: QWidget) -> QLabel:
    """The keys a table answers to, beside its caption: cut with "…" when short of room, whole in
    its tooltip and in the table's description (what a screen reader says with the table)."""
    from cspdesk_gui.widgets.elided_label import ElidedLabel

    label = ElidedLabel(parent)
    label.setObjectName("sectionCaption")  # drawn as the caption it continues
    label.setText(text)
    label.setToolTip(text)
    table.setAccessibleDescription(f"Keys: {text.strip('()')}")
    return label


def caption(text: str, parent: QWidget, buddy: QWidget | None = None) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("sectionCaption")
    if buddy is not None:
        label.setBuddy(buddy)
    return label


class KeyFilter(QObject):
    """Hands key presses of a widget to a callback; the callback returns True to consume them."""

    def __init__(self, widget: QWidget, callback) -> None:  # noqa: ANN001
        super().__init__(widget)
        self._callback = callback
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.KeyPress:
            assert isinstance(event, QKeyEvent)
            return bool(self._callback(event))
        return False
