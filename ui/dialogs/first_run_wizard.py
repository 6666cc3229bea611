"""The first-run wizard: from nothing to a working, empty partnership.

Five pages — the partnership (name, marking), its first administrator, the panels it runs (from
the built-in types, each renamed and given its reference prefix), the agencies that sit on them
(the common ones, renamed, left out or added to), and a last look before anything is written.
"Create the partnership" makes the database on a worker thread (wrapping the key costs argon2
time) with :func:`create_database`, in one transaction; the window that opened the wizard then
shows the recovery key once.

Each page checks its own fields when Next is pressed, with the same core checks the service
makes, and shows the mistake under the field or on the page (the row named). A refusal from the
service itself takes the person back to the page that holds the field.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)
from shiboken6 import isValid

from cspdesk.domain.enums import PanelType, Sector
from cspdesk.domain.marking import DEFAULT_MARKING, MARKINGS
from cspdesk.services.access.auth import check_new_password, check_username
from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk.services.partnership.starter import (
    BUILT_IN_PANELS,
    COMMON_AGENCIES,
    AgencyChoice,
    PanelChoice,
    check_agencies,
    check_panels,
    suggest_code,
)
from cspdesk_gui.operations import run_op
from cspdesk_gui.resources import resource_path
from cspdesk_gui.dialogs.forms import FieldErrors, add_field, error_label, line_edit, make_primary, plain_table
from cspdesk_gui.signals import emit
from cspdesk_gui.windows import fit_to_screen

#: The panel types ticked when the wizard opens: most partnerships start with their MARAC.
DEFAULT_PANELS = frozenset({PanelType.MARAC})


class _FormPage(QWizardPage):
    """A page of labelled fields, each with its error line under it, and a general error line."""

    def __init__(self, title: str, subtitle: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(title)
        self.setSubTitle(subtitle)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.form.setVerticalSpacing(8)
        self.general_error = error_label(self)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.general_error)
        layout.addStretch(1)
        self._fields: dict[str, tuple[QWidget, QLabel]] = {}
        self.errors = FieldErrors(self._fields, self.general_error)

    def add_field(self, name: str, caption: str, field: QWidget) -> None:
        add_field(self.form, self, self._fields, name, caption, field)


def _checked(item: QTableWidgetItem) -> bool:
    return item.checkState() == Qt.CheckState.Checked


def _table(page: QWidget, name: str, headers: tuple[str, ...]) -> QTableWidget:
    """A table of choices: a tick and an editable name in the first column."""
    table = plain_table(page, name, headers)
    table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
                          | QAbstractItemView.EditTrigger.AnyKeyPressed)
    table.setTabKeyNavigation(False)  # Tab leaves the table, to the wizard's buttons
    return table


class PartnershipPage(_FormPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "Your partnership",
            "Name the Community Safety Partnership this database belongs to. The protective marking is "
            "printed at the top and bottom of every page CSPDesk prints.",
            parent,
        )
        self.name_edit = line_edit(self, "partnershipName", "Partnership name",
                                   placeholder="e.g. Maidstone Community Safety Partnership")
        self.marking_combo = QComboBox(self)
        self.marking_combo.setObjectName("protectiveMarking")
        self.marking_combo.setAccessibleName("Protective marking")
        self.marking_combo.setEditable(True)
        self.marking_combo.addItems(MARKINGS)
        self.add_field("name", "N&ame", self.name_edit)  # Alt+N is Next
        self.add_field("protective_marking", "Protective &marking", self.marking_combo)
        # Someone only trying CSPDesk out need not invent a partnership.
        self.demo_link = QLabel(
            'Only trying CSPDesk out? <a href="demo">Explore with demo data</a> instead: a made-up partnership, '
            "with no real people in it.", self)
        self.demo_link.setObjectName("mutedText")
        self.demo_link.setWordWrap(True)
        self.demo_link.setTextFormat(Qt.TextFormat.RichText)
        self.demo_link.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                               | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.layout().addWidget(self.demo_link)

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        if not self.name_edit.text().strip():
            self.errors.show("name", "Give the partnership's name.")
            return False
        if not self.marking_combo.currentText().strip():
            self.errors.show("protective_marking", f"Give the protective marking, e.g. {DEFAULT_MARKING}.")
            return False
        self.errors.clear()
        return True


class AdministratorPage(_FormPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(
            "The first administrator",
            "Your own account. Administrators add the other accounts, choose who sees which panel, and "
            "keep the backups. The password opens the encrypted database: choose one you will remember.",
            parent,
        )
        self.admin_name_edit = line_edit(self, "adminName", "Administrator's full name",
                                         placeholder="e.g. Priya Shah")
        self.username_edit = line_edit(self, "adminUsername", "User name", placeholder="e.g. priya.shah")
        self.password_edit = line_edit(self, "password", "Password", password=True,
                                       placeholder="At least 10 characters")
        self.confirm_edit = line_edit(self, "confirmPassword", "Confirm password", password=True)
        for name, caption, edit in (
            ("admin_name", "&Full name", self.admin_name_edit),
            ("admin_username", "&User name", self.username_edit),
            ("password", "&Password", self.password_edit),
            ("confirm", "&Confirm password", self.confirm_edit),
        ):
            self.add_field(name, caption, edit)

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        try:
            if not self.admin_name_edit.text().strip():
                raise ValidationError("admin_name", "Give the administrator's name.")
            check_username(self.username_edit.text(), field="admin_username")
            check_new_password(self.password_edit.text())
        except ValidationError as exc:
            self.errors.show(exc.field, str(exc))
            return False
        if self.password_edit.text() != self.confirm_edit.text():
            self.errors.show("confirm", "The two passwords are not the same.")
            return False
        self.errors.clear()
        return True


class PanelsPage(QWizardPage):
    """The built-in panel types, one row each: tick the ones the partnership runs, and give each
    its own name and reference prefix (case references read PREFIX-YEAR-NUMBER)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("The panels you run")
        self.setSubTitle(
            "Tick each panel the partnership runs. Double-click (or F2) a name or a reference prefix to change "
            "it: case references read PREFIX-YEAR-NUMBER, e.g. MARAC-2026-0001."
        )
        self.table = _table(self, "panelChoices", ("Panel", "Type", "Reference prefix"))
        self.table.setAccessibleName("Panels the partnership runs")
        for choice in BUILT_IN_PANELS:
            row = self.table.rowCount()
            self.table.insertRow(row)
            name = QTableWidgetItem(choice.name)
            name.setFlags(name.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEditable)
            name.setCheckState(Qt.CheckState.Checked if choice.panel_type in DEFAULT_PANELS else Qt.CheckState.Unchecked)
            name.setData(Qt.ItemDataRole.UserRole, choice.panel_type.value)
            name.setToolTip(choice.description)
            kind = QTableWidgetItem(choice.panel_type.label)
            kind.setFlags(kind.flags() & ~Qt.ItemFlag.ItemIsEditable)
            kind.setToolTip(choice.description)
            prefix = QTableWidgetItem(choice.ref_prefix)
            self.table.setItem(row, 0, name)
            self.table.setItem(row, 1, kind)
            self.table.setItem(row, 2, prefix)
        self.table.setCurrentCell(0, 0)
        self.description = QLabel(self)
        self.description.setObjectName("choiceDescription")
        self.description.setWordWrap(True)
        self.table.currentCellChanged.connect(lambda row, *_: self._describe(row))
        self._describe(0)
        self.error = error_label(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.description)
        layout.addWidget(self.error)

    def _describe(self, row: int) -> None:
        if 0 <= row < len(BUILT_IN_PANELS):
            self.description.setText(BUILT_IN_PANELS[row].description + ". Space ticks or unticks the row.")

    def set_chosen(self, kinds: set[PanelType]) -> None:
        for row in range(self.table.rowCount()):
            item = self.table.item(row, 0)
            item.setCheckState(Qt.CheckState.Checked if PanelType(item.data(Qt.ItemDataRole.UserRole)) in kinds
                               else Qt.CheckState.Unchecked)

    def choices(self) -> list[PanelChoice]:
        chosen = []
        for row, built_in in enumerate(BUILT_IN_PANELS):
            name = self.table.item(row, 0)
            if _checked(name):
                chosen.append(PanelChoice(built_in.panel_type, name.text(), self.table.item(row, 2).text(),
                                          built_in.description))
        return chosen

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        try:
            check_panels(self.choices())
        except ValidationError as exc:
            self.show_error(str(exc))
            return False
        self.error.hide()
        return True

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        self.table.setFocus()


class _SectorDelegate(QStyledItemDelegate):
    """The Sector column's editor: the sectors by name; the value rides in the cell's UserRole."""

    def createEditor(self, parent: QWidget, _option, _index) -> QWidget:  # noqa: ANN001, N802 - Qt's names
        combo = QComboBox(parent)
        for sector in Sector:
            combo.addItem(sector.label, sector.value)
        return combo

    def setEditorData(self, editor: QWidget, index) -> None:  # noqa: ANN001, N802
        assert isinstance(editor, QComboBox)
        editor.setCurrentIndex(max(editor.findData(index.data(Qt.ItemDataRole.UserRole)), 0))

    def setModelData(self, editor: QWidget, model, index) -> None:  # noqa: ANN001, N802
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentData(), Qt.ItemDataRole.UserRole)
        model.setData(index, editor.currentText(), Qt.ItemDataRole.DisplayRole)


class AgenciesPage(QWizardPage):
    """The common agencies, ticked: rename them to your own (double-click or F2), untick the ones
    you do not have, add the others. Every agency sits on every panel; each panel type has its core
    agencies, expected at every meeting."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle("The agencies")
        self.setSubTitle(
            "The agencies that sit on your panels and take actions. Rename them to your own (double-click or F2 "
            "— 'Police' to 'Kent Police'), untick those you do not have, and add the others."
        )
        self.table = _table(self, "agencyChoices", ("Agency", "Short code", "Sector"))
        self.table.setItemDelegateForColumn(2, _SectorDelegate(self.table))  # F2 there: a list of sectors
        self.table.setAccessibleName("Agencies on the panels")
        for choice in COMMON_AGENCIES:
            self._append(choice)
        self.table.setCurrentCell(0, 0)

        self.new_name = line_edit(self, "newAgencyName", "New agency's name",
                                  placeholder="Another agency, e.g. Oasis Women's Centre")
        self.new_sector = QComboBox(self)
        self.new_sector.setObjectName("newAgencySector")
        self.new_sector.setAccessibleName("New agency's sector")
        for sector in Sector:
            self.new_sector.addItem(sector.label, sector.value)
        self.new_sector.setCurrentIndex(self.new_sector.findData(Sector.OTHER.value))
        self.add_button = QPushButton("&Add", self)
        self.add_button.setObjectName("addAgency")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.add_typed)
        self.new_name.installEventFilter(self)  # Enter there adds the agency, not Next
        adding = QHBoxLayout()
        adding.addWidget(self.new_name, 1)
        adding.addWidget(self.new_sector)
        adding.addWidget(self.add_button)
        self.error = error_label(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(adding)
        layout.addWidget(self.error)

    def _append(self, choice: AgencyChoice, *, checked: bool = True) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        name = QTableWidgetItem(choice.name)
        name.setFlags(name.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEditable)
        name.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        sector = QTableWidgetItem(choice.sector.label)
        sector.setData(Qt.ItemDataRole.UserRole, choice.sector.value)
        self.table.setItem(row, 0, name)
        self.table.setItem(row, 1, QTableWidgetItem(choice.short_code))
        self.table.setItem(row, 2, sector)
        return row

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (watched is self.new_name and event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.new_name.text().strip()):
            self.add_typed()
            return True
        return super().eventFilter(watched, event)

    def add_typed(self) -> None:
        """Add the agency typed under the list, ticked, with a short code from its initials."""
        name = " ".join(self.new_name.text().split())
        if not name:
            self.show_error("Type the new agency's name first.")
            self.new_name.setFocus()
            return
        if any(self.table.item(r, 0).text().casefold() == name.casefold() for r in range(self.table.rowCount())):
            self.show_error(f"{name} is in the list already: tick it there.")
            self.new_name.setFocus()
            return
        taken = {self.table.item(r, 1).text().strip().upper() for r in range(self.table.rowCount())}
        row = self._append(AgencyChoice(name, suggest_code(name, taken), Sector(self.new_sector.currentData())))
        self.table.setCurrentCell(row, 0)
        self.table.scrollToItem(self.table.item(row, 0))
        self.new_name.clear()
        self.new_sector.setCurrentIndex(self.new_sector.findData(Sector.OTHER.value))  # each new one chosen afresh
        self.error.hide()

    def choices(self) -> list[AgencyChoice]:
        return [
            AgencyChoice(self.table.item(r, 0).text(), self.table.item(r, 1).text(),
                         Sector(self.table.item(r, 2).data(Qt.ItemDataRole.UserRole)))
            for r in range(self.table.rowCount())
            if _checked(self.table.item(r, 0))
        ]

    def validatePage(self) -> bool:  # noqa: N802 - Qt's name
        try:
            check_agencies(self.choices())
        except ValidationError as exc:
            self.show_error(str(exc))
            return False
        self.error.hide()
        return True

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


class ReadyPage(QWizardPage):
    """What will be made, and where, before anything is written."""

    def __init__(self, db: str | Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.setTitle("Ready to create the partnership")
        self.setSubTitle(
            "Nothing has been written yet. Go Back to change anything; more panels, agencies and accounts can "
            "be added later under Administration."
        )
        self.summary = QLabel(self)
        self.summary.setObjectName("setupSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel("", self)
        self.status.setObjectName("setupStatus")
        self.status.setWordWrap(True)
        self.error = error_label(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addStretch(1)
        layout.addWidget(self.status)
        layout.addWidget(self.error)

    def initializePage(self) -> None:  # noqa: N802 - Qt's name
        from cspdesk.services.database.workspace import default_database

        wizard = self.wizard()
        assert isinstance(wizard, FirstRunWizard)
        values = wizard.values()
        panels = "\n".join(f"    {p.name} ({p.panel_type.label}; references {p.ref_prefix.strip().upper()}-…)"
                           for p in values["panels"])
        agencies = ", ".join(a.name for a in values["agencies"])
        where = self.db if self.db is not None else default_database()
        self.summary.setText(
            f"Partnership: {values['partnership_name']}\n"
            f"Protective marking: {values['protective_marking']}\n"
            f"Administrator: {values['admin_name']} (user name {values['admin_username'].strip().lower()})\n\n"
            f"Panels ({len(values['panels'])}):\n{panels}\n\n"
            f"Agencies ({len(values['agencies'])}): {agencies}\n\n"
            f"The database will be created, encrypted, at:\n    {where}\n"
            "Next you will be shown its recovery key, once."
        )
        self.error.hide()


class FirstRunWizard(QWizard):
    """Set up a new partnership in the new database ``db``. ``created`` holds the
    :class:`CreatedDatabase` once accepted; ``database_created`` carries it."""

    database_created = Signal(object)
    #: "Explore with demo data" was chosen on the first page instead: the wizard has closed.
    demo_requested = Signal()

    PARTNERSHIP, ADMINISTRATOR, PANELS, AGENCIES, READY = range(5)

    def __init__(self, db: str | Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.created = None
        self._busy = False
        self.setObjectName("firstRunWizard")
        self.setWindowTitle("Set up a partnership")
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        logo = QIcon(str(resource_path("icons", "cspdesk.svg")))
        self.setPixmap(QWizard.WizardPixmap.LogoPixmap, logo.pixmap(48, 48))  # drawn from the SVG: sharp at any scale
        self.setMinimumSize(760, 600)
        # Wide enough that a page's subtitle keeps to two lines at 200 % (a third was cut off by the
        # header), within a 1024×700 laptop's screen.
        fit_to_screen(self, 980, 660)
        self.partnership_page = PartnershipPage(self)
        self.administrator_page = AdministratorPage(self)
        self.panels_page = PanelsPage(self)
        self.agencies_page = AgenciesPage(self)
        self.ready_page = ReadyPage(db, self)
        for page_id, page in (
            (self.PARTNERSHIP, self.partnership_page), (self.ADMINISTRATOR, self.administrator_page),
            (self.PANELS, self.panels_page), (self.AGENCIES, self.agencies_page), (self.READY, self.ready_page),
        ):
            self.setPage(page_id, page)
        self.setStartId(self.PARTNERSHIP)
        self.setButtonText(QWizard.WizardButton.FinishButton, "&Create the partnership")
        self.setButtonText(QWizard.WizardButton.NextButton, "&Next >")
        self.setButtonText(QWizard.WizardButton.BackButton, "< &Back")
        make_primary(self.button(QWizard.WizardButton.FinishButton))
        self.partnership_page.demo_link.linkActivated.connect(lambda _link: self.choose_demo())
        self.currentIdChanged.connect(self._step_changed)
        self._step_changed(self.PARTNERSHIP)

    def _step_changed(self, page_id: int) -> None:
        if page_id >= 0:
            self.setWindowTitle(f"Set up a partnership — step {page_id + 1} of {len(self.pageIds())}")

    def choose_demo(self) -> None:
        """Close the wizard (nothing was written) and ask for the demo partnership instead."""
        if self._busy:
            return
        self.reject()
        emit(self.demo_requested)

    def values(self) -> dict:
        p, a = self.partnership_page, self.administrator_page
        return {
            "partnership_name": p.name_edit.text().strip(),
            "protective_marking": p.marking_combo.currentText().strip(),
            "admin_name": a.admin_name_edit.text(),
            "admin_username": a.username_edit.text(),
            "password": a.password_edit.text(),
            "panels": self.panels_page.choices(),
            "agencies": self.agencies_page.choices(),
        }

    def is_busy(self) -> bool:
        return self._busy

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for which in (QWizard.WizardButton.FinishButton, QWizard.WizardButton.BackButton,
                      QWizard.WizardButton.CancelButton):
            self.button(which).setEnabled(not busy)
        self.ready_page.status.setText(
            "Creating the encrypted database — a few seconds…" if busy else ""
        )

    def accept(self) -> None:
        """Create the database on a worker thread; the wizard closes only when that succeeds."""
        if self._busy:
            return
        values = self.values()
        self.ready_page.error.hide()
        self._set_busy(True)
        db = self.db

        def call():  # noqa: ANN202 - CreatedDatabase
            from cspdesk.services.access.auth import create_database

            return create_database(db, **values)

        wizard = self

        def succeeded(created: object) -> None:
            if not isValid(wizard):  # the window went away meanwhile: nothing is handed on
                from cspdesk.services.database.workspace import close_workspace

                close_workspace(created.ctx)  # type: ignore[attr-defined]
                return
            wizard._set_busy(False)
            wizard.created = created
            wizard.administrator_page.password_edit.clear()
            wizard.administrator_page.confirm_edit.clear()
            emit(wizard.database_created, created)
            QWizard.accept(wizard)

        def failed(exc: BaseException) -> None:
            if not isValid(wizard):
                return
            wizard._set_busy(False)
            if isinstance(exc, ValidationError):
                wizard.show_refusal(exc.field, str(exc))
            elif isinstance(exc, ServiceError):
                wizard.show_refusal(None, str(exc))
            else:
                wizard.show_refusal(None, f"The database could not be created ({type(exc).__name__}).")

        run_op(call, succeeded, failed)

    def show_refusal(self, field: str | None, message: str) -> None:
        """The service refused: back to the page holding ``field`` (or stay here), message shown."""
        field = {"partnership_name": "name", "username": "admin_username", "display_name": "admin_name"}.get(
            field or "", field)
        pages = {
            "name": self.PARTNERSHIP, "protective_marking": self.PARTNERSHIP,
            "admin_name": self.ADMINISTRATOR, "admin_username": self.ADMINISTRATOR, "password": self.ADMINISTRATOR,
            "panels": self.PANELS, "agencies": self.AGENCIES,
        }
        target = pages.get(field or "", self.READY)
        while self.currentId() > target:
            self.back()
        page = self.currentPage()
        if isinstance(page, (PartnershipPage, AdministratorPage)):
            page.errors.show(field, message)
        elif isinstance(page, (PanelsPage, AgenciesPage)):
            page.show_error(message)
        else:
            self.ready_page.error.setText(message)
            self.ready_page.error.show()

    def reject(self) -> None:
        if self._busy:  # one transaction is being written; it ends in seconds, and Cancel is greyed
            return
        super().reject()
