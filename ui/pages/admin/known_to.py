"""The "Also known to" tab: for each pair of panels, whether members of one may see the other's
name beside a person both hold (issue 20). Ticking or unticking a pair saves it at once (audited)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel, QListView, QWidget

from cspdesk.services.context import ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk.services.people.known_to import AlsoKnownToService, DisclosureSetting
from cspdesk_gui.pages.admin.tab import AdminTab
from cspdesk_gui.signals import emit

_Index = QModelIndex | QPersistentModelIndex


def pair_text(setting: DisclosureSetting) -> str:
    default = "shown" if setting.by_default else "not shown"
    return f"{setting.first_name} ↔ {setting.second_name}   (by default: {default})"


class DisclosureModel(QAbstractListModel):
    """The pairs of panels, each checkable: checked, each panel's name is shown to the other's members.
    Checking one calls ``save(first, second, shown)``; its answer replaces the row."""

    def __init__(self, save, parent=None) -> None:  # noqa: ANN001 - save(first, second, shown) -> setting | None
        super().__init__(parent)
        self._save = save
        self._rows: list[DisclosureSetting] = []

    def set_rows(self, rows: list[DisclosureSetting]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def setting(self, row: int) -> DisclosureSetting:
        return self._rows[row]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's name
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable \
            | Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        setting = self._rows[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return pair_text(setting)
        if role == Qt.ItemDataRole.CheckStateRole:
            return Qt.CheckState.Checked if setting.shown else Qt.CheckState.Unchecked
        return None

    def setData(self, index: _Index, value, role: int = Qt.ItemDataRole.EditRole) -> bool:  # noqa: ANN001, N802
        if role != Qt.ItemDataRole.CheckStateRole or not index.isValid() or not 0 <= index.row() < len(self._rows):
            return False
        setting = self._rows[index.row()]
        shown = Qt.CheckState(value) == Qt.CheckState.Checked
        saved = self._save(setting.first, setting.second, shown)
        if saved is None:
            return False
        self._rows[index.row()] = saved
        emit(self.dataChanged, index, index, [Qt.ItemDataRole.CheckStateRole])
        return True


class AlsoKnownToTab(AdminTab):
    tab_label = "Also &known to"

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = AlsoKnownToService(ctx)
        self.tab_layout.addWidget(self.hint(
            "Where a person is held by more than one panel, members of one panel see \"Also known to: …\" with "
            "the other panel's name — and nothing else — only for the pairs ticked here. Showing a name is "
            "audited. By default the names are shown between MARAC, CSVG and CARM, and never for SOCP."))
        self.model = DisclosureModel(self._save, self)
        self.list = QListView(self)
        self.list.setObjectName("disclosureList")
        self.list.setAccessibleName("Pairs of panels whose names are shown to each other")
        self.list.setModel(self.model)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setAlternatingRowColors(True)
        self.tab_layout.addWidget(self.list, 1)
        self.message = QLabel("", self)
        self.message.setObjectName("mutedText")
        self.message.setWordWrap(True)
        self.tab_layout.addWidget(self.message)

    def reload(self) -> None:
        self.model.set_rows(list(self.service.settings()))

    def _save(self, first: int, second: int, shown: bool) -> DisclosureSetting | None:
        try:
            result = self.service.set_shown(first, second, shown)
        except ServiceError as exc:
            self.message.setText(str(exc))
            return None
        self.message.setText("Saved.")
        emit(self.changes_made, result.changes)
        return result.value
