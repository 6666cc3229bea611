"""The Panels and agencies tab: the panels the partnership runs and the agencies that sit on them —
add a panel (a built-in type, its name and reference prefix), add an agency, rename one, retire one
(kept on earlier records, no longer offered) or bring it back. The first-run wizard chose the first
ones; this is where they change afterwards."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.enums import PanelType, Sector
from cspdesk.services.context import OpResult, ServiceContext
from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk.services.partnership.starter import BUILT_IN_PANELS, AgencyChoice, AgencyRow, PanelSummary, StructureService
from cspdesk_gui.dialogs.forms import FieldErrors, add_field, error_label, make_primary, plain_table
from cspdesk_gui.pages.admin.tab import AdminTab
from cspdesk_gui.signals import emit


class _FieldsDialog(QDialog):
    """A short form whose OK calls ``save()``; a refusal is shown under the field it names and the
    dialog stays open."""

    def __init__(self, title: str, save: Callable[[], OpResult], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        self.setMinimumWidth(460)
        self._save = save
        self.result_value: OpResult | None = None
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.general_error = error_label(self)
        self._fields: dict[str, tuple[QWidget, QLabel]] = {}
        self.errors = FieldErrors(self._fields, self.general_error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, parent=self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        make_primary(self.buttons.button(QDialogButtonBox.StandardButton.Save))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(20, 16, 20, 12)
        layout.addLayout(self.form)
        layout.addWidget(self.general_error)
        layout.addWidget(self.buttons)

    def add_field(self, name: str, caption: str, field: QWidget) -> None:
        add_field(self.form, self, self._fields, name, caption, field)

    def accept(self) -> None:
        try:
            self.result_value = self._save()
        except ValidationError as exc:
            self.errors.show(exc.field, str(exc))
            self.adjustSize()  # room for the message
            return
        except ServiceError as exc:
            self.errors.show(None, str(exc))
            self.adjustSize()
            return
        super().accept()


def _read_only_table(parent: QWidget, name: str, headers: tuple[str, ...]) -> QTableWidget:
    table = plain_table(parent, name, headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    return table


def _fill(table: QTableWidget, rows: list[tuple[object, tuple[str, ...]]]) -> None:
    """Each row: (its id, its cells); the id rides on the first cell."""
    table.setRowCount(0)
    for row_id, cells in rows:
        row = table.rowCount()
        table.insertRow(row)
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if column == 0:
                item.setData(Qt.ItemDataRole.UserRole, row_id)
                item.setToolTip(text)
            table.setItem(row, column, item)


class StructureTab(AdminTab):
    tab_label = "Panels && a&gencies"

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = StructureService(ctx)
        self._agencies: list[AgencyRow] = []
        #: The dialog open now (add a panel, add or edit an agency), for tests and the idle lock.
        self.open_dialog: _FieldsDialog | None = None
        self.tab_layout.addWidget(self.hint(
            "Every agency sits on every panel: as a core member (expected at every meeting) where its sector is "
            "core for that kind of panel. A retired agency stays on earlier actions and minutes but is no longer "
            "offered for new ones."
        ))
        columns = QHBoxLayout()
        columns.setSpacing(16)
        self.tab_layout.addLayout(columns, 1)

        panels_box = QGroupBox("Panels", self)
        column = QVBoxLayout(panels_box)
        self.panels_table = _read_only_table(panels_box, "structurePanels", ("Panel", "Type", "Prefix", "Agencies"))
        column.addWidget(self.panels_table, 1)
        self.add_panel_button = QPushButton("&Add a panel…", panels_box)
        self.add_panel_button.setObjectName("addPanel")
        self.add_panel_button.clicked.connect(self.add_panel)
        column.addWidget(self.add_panel_button, 0, Qt.AlignmentFlag.AlignLeft)
        columns.addWidget(panels_box, 1)

        agencies_box = QGroupBox("Agencies", self)
        column = QVBoxLayout(agencies_box)
        self.agencies_table = _read_only_table(
            agencies_box, "structureAgencies", ("Agency", "Code", "Sector", "Panels", "Status"))
        self.agencies_table.doubleClicked.connect(lambda _index: self.edit_agency())
        self.agencies_table.itemSelectionChanged.connect(self._selection_changed)
        column.addWidget(self.agencies_table, 1)
        buttons = QHBoxLayout()
        self.add_agency_button = QPushButton("Add an agenc&y…", agencies_box)
        self.add_agency_button.setObjectName("addAgency")
        self.add_agency_button.clicked.connect(self.add_agency)
        self.edit_agency_button = QPushButton("&Edit…", agencies_box)
        self.edit_agency_button.setObjectName("editAgency")
        self.edit_agency_button.setToolTip("Rename the selected agency, change its code, retire it or bring it back")
        self.edit_agency_button.clicked.connect(self.edit_agency)
        buttons.addWidget(self.add_agency_button)
        buttons.addWidget(self.edit_agency_button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        columns.addWidget(agencies_box, 1)
        self._selection_changed()

    def reload(self) -> None:
        panels: list[PanelSummary] = self._service.panels()
        _fill(self.panels_table, [
            (p.id, (p.name, p.panel_type.label, p.ref_prefix, str(p.agencies))) for p in panels])
        self._agencies = self._service.agencies()
        _fill(self.agencies_table, [
            (a.id, (a.name, a.short_code, a.sector.label, str(a.panels), "Active" if a.is_active else "Retired"))
            for a in self._agencies])
        self._selection_changed()

    def _selection_changed(self) -> None:
        self.edit_agency_button.setEnabled(self.selected_agency() is not None)

    def selected_agency(self) -> AgencyRow | None:
        row = self.agencies_table.currentRow()
        if row < 0 or not self.agencies_table.selectionModel().hasSelection():
            return None
        agency_id = self.agencies_table.item(row, 0).data(Qt.ItemDataRole.UserRole)
        return next((a for a in self._agencies if a.id == agency_id), None)

    def _show(self, dialog: _FieldsDialog) -> None:
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _r: self._done(dialog))
        self.open_dialog = dialog
        dialog.open()

    def _done(self, dialog: _FieldsDialog) -> None:
        self.open_dialog = None
        if dialog.result_value is not None:
            self.refresh()
            emit(self.changes_made, dialog.result_value.changes)

    # -- the dialogs (opened with open(): the tests and the idle lock need the event loop) ------

    def panel_dialog(self) -> _FieldsDialog:
        kinds = QComboBox()
        for choice in BUILT_IN_PANELS:
            kinds.addItem(choice.panel_type.label, choice.panel_type.value)
        name = QLineEdit()
        prefix = QLineEdit()
        # No maxLength on names, prefixes or codes: a QLineEdit cuts a pasted one silently; the
        # service refuses one over its limit with a message naming the field and the limit.

        def kind_chosen(_index: int) -> None:  # suggest the built-in name and prefix until typed over
            choice = BUILT_IN_PANELS[kinds.currentIndex()]
            name.setPlaceholderText(f"e.g. {choice.name}")
            prefix.setPlaceholderText(f"e.g. {choice.ref_prefix}")

        def save() -> OpResult:
            choice = BUILT_IN_PANELS[kinds.currentIndex()]
            return self._service.add_panel(type(choice)(PanelType(kinds.currentData()), name.text(), prefix.text(),
                                                        choice.description))

        dialog = _FieldsDialog("Add a panel", save, self)
        for widget in (kinds, name, prefix):
            widget.setParent(dialog)
        kinds.currentIndexChanged.connect(kind_chosen)
        kind_chosen(0)
        dialog.add_field("panel_type", "&Type", kinds)
        dialog.add_field("name", "&Name", name)
        dialog.add_field("ref_prefix", "Reference &prefix", prefix)
        dialog.kinds, dialog.name_edit, dialog.prefix_edit = kinds, name, prefix  # type: ignore[attr-defined]
        return dialog

    def add_panel(self) -> None:
        self._show(self.panel_dialog())

    def agency_dialog(self, agency: AgencyRow | None) -> _FieldsDialog:
        name = QLineEdit(agency.name if agency else "")
        code = QLineEdit(agency.short_code if agency else "")
        code.setPlaceholderText("From its initials if left empty")
        sectors = QComboBox()
        for sector in Sector:
            sectors.addItem(sector.label, sector.value)
        sectors.setCurrentIndex(sectors.findData((agency.sector if agency else Sector.OTHER).value))
        sectors.setEnabled(agency is None)
        active = QCheckBox("Active: offered for new actions, accounts and attendance")
        active.setChecked(agency.is_active if agency else True)
        secure_email = QLineEdit(agency.secure_email if agency else "")
        secure_email.setMaxLength(254)
        secure_email.setPlaceholderText("Where its papers are e-mailed, e.g. marac@police.gcsx.gov.uk")

        def save() -> OpResult:
            if agency is None:
                return self._service.add_agency(AgencyChoice(name.text(), code.text(), Sector(sectors.currentData())))
            return self._service.update_agency(agency.id, name.text(), code.text(), is_active=active.isChecked(),
                                               secure_email=secure_email.text())

        dialog = _FieldsDialog("Add an agency" if agency is None else f"Edit {agency.name}", save, self)
        for widget in (name, code, sectors, active, secure_email):
            widget.setParent(dialog)
        dialog.add_field("name", "&Name", name)
        dialog.add_field("short_code", "Short &code", code)
        dialog.add_field("sector", "&Sector", sectors)
        if agency is not None:
            dialog.add_field("secure_email", "Secure e-&mail", secure_email)
            dialog.add_field("is_active", "", active)
        else:
            secure_email.hide()
            active.hide()  # a new agency is active; laid out nowhere, it showed over the dialog's corner
        dialog.name_edit, dialog.code_edit, dialog.active_check = name, code, active  # type: ignore[attr-defined]
        dialog.email_edit = secure_email  # type: ignore[attr-defined]
        return dialog

    def add_agency(self) -> None:
        self._show(self.agency_dialog(None))

    def edit_agency(self) -> None:
        agency = self.selected_agency()
        if agency is not None:
            self._show(self.agency_dialog(agency))
