"""The people linked to one case, for the read-only case dialog.

Contact details (address, phone, whether it is safe to call) are columns like any other; the view
hides them until the reader asks to see them.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from cspdesk.domain.children import SERIAL_FLAG
from cspdesk.services.referrals.cases import LinkedPerson
from cspdesk_gui import theme
from cspdesk_gui.formatting import short_date

_Index = QModelIndex | QPersistentModelIndex


class PeopleColumn(IntEnum):
    NAME = 0
    ROLE = 1
    BORN = 2
    ADDRESS = 3
    PHONE = 4
    SAFE_TO_CALL = 5

    @property
    def title(self) -> str:
        return _TITLES[self]

    @property
    def is_contact(self) -> bool:
        return self in CONTACT_COLUMNS


_TITLES = {
    PeopleColumn.NAME: "Name",
    PeopleColumn.ROLE: "Role",
    PeopleColumn.BORN: "Date of birth",
    PeopleColumn.ADDRESS: "Address",
    PeopleColumn.PHONE: "Phone",
    PeopleColumn.SAFE_TO_CALL: "Safe to call",
}

CONTACT_COLUMNS = frozenset({PeopleColumn.ADDRESS, PeopleColumn.PHONE, PeopleColumn.SAFE_TO_CALL})


def safe_to_call_text(value: bool | None) -> str:
    if value is None:
        return "Not recorded"
    return "Yes" if value else "No — do not call"


class CasePeopleModel(QAbstractTableModel):
    def __init__(self, people: Sequence[LinkedPerson] = (), parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self._people = list(people)

    def person(self, row: int) -> LinkedPerson:
        return self._people[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's name
        return 0 if parent.isValid() else len(self._people)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(PeopleColumn)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(PeopleColumn):
            return PeopleColumn(section).title
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._people):
            return None
        person = self._people[index.row()]
        column = PeopleColumn(index.column())
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = _display(person, column)
            if role == Qt.ItemDataRole.ToolTipRole:
                return text or None
            return text
        if role == Qt.ItemDataRole.ForegroundRole and column == PeopleColumn.SAFE_TO_CALL:
            if person.safe_to_call is False:
                return theme.brush("danger")
            if person.safe_to_call is None:
                return theme.brush("muted")
        return None


def _display(person: LinkedPerson, column: PeopleColumn) -> str:
    match column:
        case PeopleColumn.NAME:
            return person.name
        case PeopleColumn.ROLE:
            # Issue 19: the flag, never the other cases (the service gives no more).
            return f"{person.role.label} · {SERIAL_FLAG}" if person.serial_perpetrator else person.role.label
        case PeopleColumn.BORN:
            return short_date(person.date_of_birth)
        case PeopleColumn.ADDRESS:
            # One line (the tooltip has it whole too), with the postcode as typed on the referral.
            return ", ".join(x for x in (" ".join(person.address.split()), person.postcode) if x)
        case PeopleColumn.PHONE:
            return person.phone
        case PeopleColumn.SAFE_TO_CALL:
            return safe_to_call_text(person.safe_to_call)
    raise AssertionError(column)
