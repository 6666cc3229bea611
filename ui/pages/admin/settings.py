"""The Partnership tab: the partnership's name and marking, the confidentiality statement read at
meetings, the RAG and small-number thresholds, the adult female population the MARAC return divides
by; and each panel's rules (DASH threshold, potential escalation, repeat window, minutes per case)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.enums import PanelType
from cspdesk.services.context import OpResult, ServiceContext
from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk.services.partnership.settings import RANGES, PanelSettings, PartnershipSettings, SettingsService
from cspdesk_gui.pages.admin.common import FieldErrors, MessageLine, error_label
from cspdesk_gui.pages.admin.tab import AdminTab
from cspdesk_gui.signals import emit
from cspdesk_gui.accessibility import hand_focus_to

#: The population box shows this word at its lowest value, which stands for "not known".
NOT_KNOWN = "Not known"


class SettingsTab(AdminTab):
    tab_label = "Partnership"  # no letter: every letter of it is taken (Alt+H is Help)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = SettingsService(ctx)
        self._saved: PartnershipSettings | None = None
        self._panels: list[PanelSettings] = []

        columns = QHBoxLayout()
        columns.setSpacing(16)
        self.tab_layout.addLayout(columns, 1)

        # -- the partnership -------------------------------------------------------------------
        box = QGroupBox("The partnership", self)
        box.setMaximumWidth(620)
        column = QVBoxLayout(box)
        form = QFormLayout()
        form.setVerticalSpacing(6)
        self.name_edit = QLineEdit(box)
        self.name_edit.setObjectName("partnershipName")
        self.name_error = error_label(box)
        form.addRow("Na&me", self.name_edit)
        form.addRow("", self.name_error)
        self.marking_edit = QLineEdit(box)
        self.marking_edit.setObjectName("protectiveMarking")
        self.marking_edit.setToolTip("Printed at the top and bottom of every page and shown in the status bar")
        self.marking_error = error_label(box)
        form.addRow("Protective mar&king", self.marking_edit)
        form.addRow("", self.marking_error)
        self.statement_edit = QPlainTextEdit(box)
        self.statement_edit.setObjectName("confidentialityStatement")
        self.statement_edit.setTabChangesFocus(True)
        self.statement_edit.setFixedHeight(self.statement_edit.fontMetrics().lineSpacing() * 6 + 16)
        self.statement_error = error_label(box)
        form.addRow("Confidentiality\nstat&ement", self.statement_edit)
        form.addRow("", self.statement_error)
        self.amber_spin = self._spin("amber_days", " days before due", box)
        self.amber_spin.setToolTip("An unfinished action due within this many days shows Amber")
        self.amber_error = error_label(box)
        form.addRow("Amber from", self.amber_spin)
        form.addRow("", self.amber_error)
        self.small_spin = self._spin("small_number_threshold", "", box)
        self.small_spin.setToolTip("With “Show small numbers as <N” ticked, a return shows counts under this as <N")
        self.small_error = error_label(box)
        form.addRow("Small numbe&rs under", self.small_spin)
        form.addRow("", self.small_error)
        self.women_spin = self._spin("population_adult_women", "", box)
        self.women_spin.setMinimum(0)
        self.women_spin.setSpecialValueText(NOT_KNOWN)
        self.women_spin.setGroupSeparatorShown(True)
        self.women_spin.setSingleStep(1000)
        self.women_spin.setToolTip("The partnership area's women aged 16 and over (ONS mid-year estimate): the "
                                   "MARAC return gives cases per 10,000 of them")
        self.women_error = error_label(box)
        form.addRow("Adult women in the &area", self.women_spin)
        form.addRow("", self.women_error)
        column.addLayout(form)
        row = QHBoxLayout()
        self.save_button = QPushButton("Save", box)
        self.save_button.setObjectName("primaryButton")
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.save_button)
        self.revert_button = QPushButton("&Undo changes", box)
        self.revert_button.clicked.connect(self._show_saved)
        row.addWidget(self.revert_button)
        row.addStretch(1)
        column.addLayout(row)
        self.general_error = error_label(box)
        column.addWidget(self.general_error)
        self.message = MessageLine(box)
        column.addWidget(self.message)
        column.addStretch(1)
        columns.addWidget(box, 3)
        self.errors = FieldErrors(self.general_error)
        for field, label, widget in (("name", self.name_error, self.name_edit),
                                     ("protective_marking", self.marking_error, self.marking_edit),
                                     ("confidentiality_statement", self.statement_error, self.statement_edit),
                                     ("amber_days", self.amber_error, self.amber_spin),
                                     ("small_number_threshold", self.small_error, self.small_spin),
                                     ("population_adult_women", self.women_error, self.women_spin)):
            self.errors.add(field, label, widget)

        # -- a panel's rules ---------------------------------------------------------------------
        pbox = QGroupBox("A panel's rules", self)
        pbox.setMaximumWidth(520)
        pcol = QVBoxLayout(pbox)
        pform = QFormLayout()
        pform.setVerticalSpacing(6)
        self.panel_combo = QComboBox(pbox)
        self.panel_combo.setObjectName("settingsPanel")
        pform.addRow("Pane&l", self.panel_combo)
        self.dash_spin = self._spin("dash_threshold", " of 24 ticks", pbox)
        self.dash_spin.setToolTip("DASH “yes” answers that make visible high risk (SafeLives: 14)")
        pform.addRow("&DASH high risk from", self.dash_spin)
        self.escalation_spin = self._spin("escalation_incidents", " incidents in 12 months", pbox)
        self.escalation_spin.setToolTip("Police-reported incidents that make potential escalation (SafeLives: 3)")
        pform.addRow("P&otential escalation at", self.escalation_spin)
        self.repeat_spin = self._spin("repeat_window_months", " months", pbox)
        self.repeat_spin.setToolTip("A new referral within this long of the last one is a repeat (SafeLives: 12)")
        pform.addRow("Repeat &within", self.repeat_spin)
        self.minutes_spin = self._spin("minutes_per_case", " minutes", pbox)
        self.minutes_spin.setToolTip("The time each case is given on a new meeting's agenda")
        pform.addRow("T&ime per case", self.minutes_spin)
        pcol.addLayout(pform)
        prow = QHBoxLayout()
        self.save_panel_button = QPushButton("Save the panel's rules", pbox)
        self.save_panel_button.setObjectName("savePanelRules")
        self.save_panel_button.clicked.connect(self.save_panel)
        prow.addWidget(self.save_panel_button)
        prow.addStretch(1)
        pcol.addLayout(prow)
        self.panel_error = error_label(pbox)
        pcol.addWidget(self.panel_error)
        self.panel_message = MessageLine(pbox)
        pcol.addWidget(self.panel_message)
        pcol.addStretch(1)
        columns.addWidget(pbox, 2)
        columns.addStretch(0)
        self.panel_errors = FieldErrors(self.panel_error)
        for field, widget in (("dash_threshold", self.dash_spin), ("escalation_incidents", self.escalation_spin),
                              ("repeat_window_months", self.repeat_spin), ("minutes_per_case", self.minutes_spin)):
            self.panel_errors.add(field, self.panel_error, widget)

        for edit in (self.name_edit, self.marking_edit):
            edit.textChanged.connect(self._edited)
        self.statement_edit.textChanged.connect(self._edited)
        for spin in (self.amber_spin, self.small_spin, self.women_spin):
            spin.valueChanged.connect(self._edited)
        self.panel_combo.currentIndexChanged.connect(self._show_panel)
        hand_focus_to(self, self.name_edit)  # not setFocusProxy: Tab would skip what comes before it
        self._edited()

    @staticmethod
    def _spin(field: str, suffix: str, parent: QWidget) -> QSpinBox:
        low, high, words = RANGES[field]
        spin = QSpinBox(parent)
        spin.setObjectName(field)
        spin.setRange(low, high)
        spin.setSuffix(suffix)
        spin.setAccessibleName(words)
        return spin

    # -- reading -------------------------------------------------------------------------------

    def reload(self) -> None:
        self._saved = self._service.partnership()
        self._show_saved()
        chosen = self.panel_combo.currentData()
        self._panels = self._service.panels()
        self.panel_combo.blockSignals(True)
        try:
            self.panel_combo.clear()
            for panel in self._panels:
                self.panel_combo.addItem(panel.name, panel.panel_id)
                self.panel_combo.setItemData(self.panel_combo.count() - 1, panel.panel_type.label,
                                             Qt.ItemDataRole.ToolTipRole)
            self.panel_combo.setCurrentIndex(max(self.panel_combo.findData(chosen), 0))
        finally:
            self.panel_combo.blockSignals(False)
        self._show_panel()

    def _show_saved(self) -> None:
        saved = self._saved
        if saved is None:
            return
        self.name_edit.setText(saved.name)
        self.marking_edit.setText(saved.protective_marking)
        self.statement_edit.setPlainText(saved.confidentiality_statement)
        self.amber_spin.setValue(saved.amber_days)
        self.small_spin.setValue(saved.small_number_threshold)
        self.women_spin.setValue(saved.population_adult_women or 0)
        self.errors.clear()
        self._edited()

    def _show_panel(self, *_args: object) -> None:
        panel = self.current_panel()
        self.panel_errors.clear()
        self.save_panel_button.setEnabled(panel is not None)
        if panel is None:
            return
        # DASH and escalation are MARAC's criteria; other panels keep the values but do not use them.
        marac = panel.panel_type is PanelType.MARAC
        for spin in (self.dash_spin, self.escalation_spin):
            spin.setEnabled(marac)
            spin.setToolTip(spin.toolTip().split(" — ")[0] + ("" if marac else " — MARAC panels only"))
        self.dash_spin.setValue(panel.dash_threshold)
        self.escalation_spin.setValue(panel.escalation_incidents)
        self.repeat_spin.setValue(panel.repeat_window_months)
        self.minutes_spin.setValue(panel.minutes_per_case)

    def current_panel(self) -> PanelSettings | None:
        panel_id = self.panel_combo.currentData()
        return next((p for p in self._panels if p.panel_id == panel_id), None)

    # -- editing and saving ------------------------------------------------------------------------

    def typed(self) -> PartnershipSettings:
        women = self.women_spin.value()
        return PartnershipSettings(self.name_edit.text(), self.marking_edit.text(),
                                   self.statement_edit.toPlainText(), self.amber_spin.value(),
                                   self.small_spin.value(), women or None)

    def is_edited(self) -> bool:
        return self._saved is not None and self.typed() != self._saved

    def _edited(self, *_args: object) -> None:
        edited = self.is_edited()
        self.save_button.setEnabled(edited)
        self.revert_button.setEnabled(edited)
        if edited:
            self.message.clear_message()

    def save(self) -> OpResult[PartnershipSettings] | None:
        self.errors.clear()
        try:
            result = self._service.set_partnership(self.typed())
        except ValidationError as exc:
            self.errors.show(exc.field, str(exc))
            return None
        except ServiceError as exc:
            self.errors.show(None, str(exc))
            return None
        self._saved = result.value
        self._show_saved()
        self.message.good("Saved. Lists, papers and returns use the new settings from now on.")
        emit(self.changes_made, result.changes)
        return result

    def save_panel(self) -> OpResult[PanelSettings] | None:
        panel = self.current_panel()
        if panel is None:
            return None
        self.panel_errors.clear()
        new = PanelSettings(panel.panel_id, panel.name, panel.panel_type, self.dash_spin.value(),
                            self.escalation_spin.value(), self.repeat_spin.value(), self.minutes_spin.value())
        try:
            result = self._service.set_panel(new)
        except ValidationError as exc:
            self.panel_errors.show(exc.field, str(exc))
            return None
        except ServiceError as exc:
            self.panel_errors.show(None, str(exc))
            return None
        self._panels = [result.value if p.panel_id == panel.panel_id else p for p in self._panels]
        self.panel_message.good(f"Saved the rules of {panel.name}." if result.changes else "Nothing had changed.")
        emit(self.changes_made, result.changes)
        return result
