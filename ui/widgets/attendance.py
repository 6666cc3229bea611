"""The attendance grid's shared behaviour (the Meetings page and meeting mode both show one):
the Name cell is edited in place, completing from the names of the row's agency's people, and the
one-letter keys (P, A, X, I, S) act on a row only outside editing.

Why the keys need a guard: a grid that treats every P/A/X/I/S typed as a key changed other
agencies' attendance while someone typed a representative's name ("Emily Price, IDVA").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCompleter,
    QHeaderView,
    QLineEdit,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QWidget,
)

from cspdesk.domain.enums import AttendanceStatus
from cspdesk.services.meetings.meetings import MeetingService
from cspdesk_gui.models.meetings import AttendanceColumn, AttendanceModel

#: One-letter keys of the grid: a status, or (I, S) a toggle.
ATTENDANCE_KEYS: dict[int, AttendanceStatus] = {
    Qt.Key.Key_P: AttendanceStatus.PRESENT,
    Qt.Key.Key_A: AttendanceStatus.APOLOGIES,
    Qt.Key.Key_X: AttendanceStatus.ABSENT,
}
_Index = QModelIndex | QPersistentModelIndex


class AttendanceNameDelegate(QStyledItemDelegate):
    """Edits a Name cell with a line edit completing from ``names_for(agency_id)``."""

    def __init__(self, names_for: Callable[[int | None], Sequence[str]], parent: QWidget) -> None:
        super().__init__(parent)
        self._names_for = names_for

    def createEditor(self, parent: QWidget, _option: QStyleOptionViewItem, index: _Index) -> QWidget:  # noqa: N802
        editor = QLineEdit(parent)
        editor.setObjectName("attendanceNameEdit")
        editor.setAccessibleName("Representative's name")
        # No maxLength: a QLineEdit cuts a longer (pasted) name silently; the service refuses it
        # with a message naming its limit instead.
        model = index.model()
        agency_id = model.row_at(index.row()).agency_id if isinstance(model, AttendanceModel) else None
        completer = QCompleter(list(self._names_for(agency_id)), editor)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        editor.setCompleter(completer)
        return editor

    def setEditorData(self, editor: QWidget, index: _Index) -> None:  # noqa: N802
        assert isinstance(editor, QLineEdit)
        editor.setText(str(index.data(Qt.ItemDataRole.EditRole) or ""))

    def setModelData(self, editor: QWidget, model: QAbstractItemModel, index: _Index) -> None:  # noqa: N802
        assert isinstance(editor, QLineEdit)
        model.setData(index, editor.text(), Qt.ItemDataRole.EditRole)


def attendance_keys_apply(view: QTableView) -> bool:
    """True when a one-letter attendance key may act on the current row: no editor is open and
    the current cell is not a Name cell (there, typing starts editing the name)."""
    if view.state() == QAbstractItemView.State.EditingState:
        return False
    return view.currentIndex().column() != AttendanceColumn.NAME


def edit_names_in(view: QTableView, model: AttendanceModel, names: Callable[[], Mapping[int, Sequence[str]]],
                  editable: bool) -> None:
    """Make the Name cells of ``view`` editable (or not): typing in one, F2 or a double-click opens
    the editor, completing from ``names()[agency_id]`` (asked for when an editor opens)."""
    model.names_editable = editable
    # The agency and who came share the width: names are typed here, into a cell wide enough
    # while still empty, and neither column crowds the other out.
    view.horizontalHeader().setSectionResizeMode(AttendanceColumn.NAME, QHeaderView.ResizeMode.Stretch)
    if not isinstance(view.itemDelegateForColumn(AttendanceColumn.NAME), AttendanceNameDelegate):
        view.setItemDelegateForColumn(AttendanceColumn.NAME, AttendanceNameDelegate(
            lambda agency_id: names().get(agency_id, ()) if agency_id is not None else (), view))
    triggers = QAbstractItemView.EditTrigger
    view.setEditTriggers(triggers.DoubleClicked | triggers.EditKeyPressed | triggers.AnyKeyPressed
                         if editable else triggers.NoEditTriggers)


def save_name(service: MeetingService, meeting_id: int, model: AttendanceModel, row: int, name: str):  # noqa: ANN201
    """Save a name typed in row ``row`` and show the saved line; returns the service's OpResult.
    A core agency not recorded yet is recorded as present (the name is who came); raises
    ServiceError (the caller shows it)."""
    line = model.row_at(row)
    if line.id is None:
        result = service.set_attendance(meeting_id, agency_id=line.agency_id, name=name,
                                        status=AttendanceStatus.PRESENT)
    else:
        result = service.set_attendance(meeting_id, attendance_id=line.id, name=name)
    model.replace_at(row, result.value)
    return result


def apply_attendance_key(service: MeetingService, meeting_id: int, view: QTableView, model: AttendanceModel,  # noqa: ANN201 - OpResult[AttendanceRow] | None
                         event: QKeyEvent):
    """A key pressed on the grid: P/A/X set the current row's attendance (and move to the next
    row), I and S toggle information sent and the statement signed. Returns the service's OpResult,
    or None when the key is not one of these or does not apply here (:func:`attendance_keys_apply`).
    Raises ServiceError (the caller shows it)."""
    if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier & ~Qt.KeyboardModifier.ShiftModifier:
        return None
    key = Qt.Key(event.key())
    row = view.currentIndex().row()
    if row < 0 or key not in (*ATTENDANCE_KEYS, Qt.Key.Key_I, Qt.Key.Key_S) or not attendance_keys_apply(view):
        return None
    line = model.row_at(row)
    kwargs: dict = {}
    if key in ATTENDANCE_KEYS:
        kwargs["status"] = ATTENDANCE_KEYS[key]
    elif key == Qt.Key.Key_I:
        kwargs["information_sent"] = not line.information_sent
    else:
        kwargs["confidentiality_signed"] = not line.confidentiality_signed
    if line.id is None:
        result = service.set_attendance(meeting_id, agency_id=line.agency_id, **kwargs)
    else:
        result = service.set_attendance(meeting_id, attendance_id=line.id, **kwargs)
    model.replace_at(row, result.value)
    if key in ATTENDANCE_KEYS and row + 1 < model.rowCount():
        view.selectRow(row + 1)
    return result
