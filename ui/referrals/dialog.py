"""The referral form: one dialog, with the sections of the panel's type (MARAC, CSVG, SOCP, CARM).

Keyboard first: every field is reached by Tab in reading order, the main ones by Alt+letter (the
underlined letter of their caption); in the DASH grid keys 1/2/3 answer and move on; Ctrl+S or
Ctrl+Enter saves; Escape cancels (pressed twice when something was typed, so a stray Escape never
loses a form). As a name is typed the side panel lists people already held (Alt+M goes to it,
Alt+K links the one chosen); linking a MARAC victim who was referred within the panel's repeat
window shows the repeat banner naming the earlier case.

Nothing is saved until the service accepts the whole draft: every problem it names is shown beside
its field (and row), and the cursor goes to the first.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.criteria import marac_criteria
from cspdesk.domain.dash import DASH_QUESTIONS
from cspdesk.domain.enums import PanelType, PersonRole, RiskLevel, VulnerabilityFlag
from cspdesk.services.accounts import AccountService
from cspdesk.services.context import OpChanges, ServiceContext
from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk.services.referral_import import resolve_existing_ocg
from cspdesk.services.referrals import (
    CarmDraft,
    ChildDraft,
    CreatedReferral,
    CsvgDraft,
    DashChecklist,
    DashAnswer,
    DashItem,
    GroupDraft,
    LinkedPersonDraft,
    MaracDraft,
    NoCriteriaUnconfirmed,
    PanelRules,
    PerpetratorDraft,
    PersonDraft,
    PersonMatch,
    PlaceDraft,
    Problem,
    ReferralDraft,
    ReferralInvalid,
    ReferralService,
    RepeatInfo,
    SocpDraft,
)
from ui.dialogs.forms import error_label, make_primary
from ui.formatting import short_date
from ui.pages.admin.common import confirm
from ui.referrals.dash import DashGrid
from ui.referrals.fields import DateField, DateUnreadable
from ui.dialogs.chronology import chronology_hooks
from ui.referrals.matches import MatchPanel
from ui.referrals.people import LinkedRecord, PeopleRows, PersonEntry, RowField
from ui.signals import emit
from ui.widgets.keyboard import FocusCheckBox, FollowFocus, make_typeable
from ui.windows import fit_to_screen

_YES_NO = [("Not recorded", None), ("Yes", True), ("No", False)]
_RISK_CHOICES = [("Choose…", None), ("High", RiskLevel.HIGH), ("Medium", RiskLevel.MEDIUM), ("Low", RiskLevel.LOW)]
_FORM_TITLES = {
    PanelType.MARAC: "MARAC referral",
    PanelType.CSVG: "CSVG referral",
    PanelType.SOCP: "SOCP referral",
    PanelType.CARM: "CARM referral",
}
_ROW_PATH = re.compile(r"^(\w+)\[(\d+)\]")


def _combo(parent: QWidget, name: str, choices: Sequence[tuple[str, object]]) -> QComboBox:
    combo = QComboBox(parent)
    combo.setObjectName(name)
    for label, value in choices:
        combo.addItem(label, value)
    return combo


def _text_box(parent: QWidget, name: str, lines: int = 3) -> QPlainTextEdit:
    box = QPlainTextEdit(parent)
    box.setObjectName(name)
    box.setTabChangesFocus(True)  # Tab moves on, as in every other field
    box.setFixedHeight(box.fontMetrics().lineSpacing() * lines + 14)
    return box


def describe_match(found: PersonMatch, repeat: RepeatInfo | None = None) -> str:
    """Two or three lines about one person held: name and birth, why they match, their cases."""
    name = f"{found.given_name} {found.family_name}".strip()
    born = f", born {short_date(found.date_of_birth)}" if found.date_of_birth else ""
    lines = [f"{name}{born}", found.why]
    if found.cases:
        latest = found.cases[0]
        more = f" and {len(found.cases) - 1} more" if len(found.cases) > 1 else ""
        lines.append(f"{latest.reference} as {latest.role.label.lower()}")
        lines.append(f"referred {short_date(latest.referral_date)}{more}")
    if found.other_cases:
        lines.append(f"{found.other_cases} case{'s' if found.other_cases != 1 else ''} on panels you are not on")
    if repeat is not None:
        lines.append(f"Linking makes this a repeat of {repeat.reference} ({short_date(repeat.referral_date)})")
    return "\n".join(lines)


class ReferralDialog(QDialog):
    """A new referral to one panel. Emits ``referral_saved(created, changes)`` once saved."""

    #: The referral was saved: the service's :class:`CreatedReferral` and its :class:`OpChanges`.
    referral_saved = Signal(object, object)
    #: The repeat banner changed: the :class:`RepeatInfo` shown, or None.
    repeat_changed = Signal(object)

    def __init__(self, ctx: ServiceContext, panel_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service = ReferralService(ctx)
        self.rules: PanelRules = self.service.panel_rules(panel_id)
        self.panel_type = self.rules.panel_type
        self.created: CreatedReferral | None = None
        self.repeat: RepeatInfo | None = None
        self._escape_armed = False
        self._entries: list[PersonEntry] = []
        #: field path (or path prefix) → (widget to focus, label to show the message in)
        self._targets: dict[str, tuple[QWidget, QLabel]] = {}
        self._row_sections: dict[str, PeopleRows] = {}
        self._built = False
        self.setObjectName("referralDialog")
        self.setWindowTitle(f"New referral — {self.rules.name}")
        self.setModal(False)
        fit_to_screen(self, 1180, 820)

        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        outer.setSpacing(8)
        heading = QLabel(f"{_FORM_TITLES.get(self.panel_type, 'Referral')} — {self.rules.name}", self)
        heading.setObjectName("dialogHeading")
        outer.addWidget(heading)

        self.repeat_banner = QFrame(self)
        self.repeat_banner.setObjectName("repeatBanner")
        banner_layout = QHBoxLayout(self.repeat_banner)
        banner_layout.setContentsMargins(12, 8, 12, 8)
        self.repeat_label = QLabel("", self.repeat_banner)
        self.repeat_label.setObjectName("repeatText")
        self.repeat_label.setWordWrap(True)
        banner_layout.addWidget(self.repeat_label, 1)
        self.repeat_banner.hide()
        outer.addWidget(self.repeat_banner)

        middle = QHBoxLayout()
        middle.setSpacing(12)
        self.scroll = QScrollArea(self)
        self.scroll.setObjectName("referralScroll")
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.body = QWidget(self.scroll)
        self.body.setObjectName("referralBody")
        self.body_layout = QVBoxLayout(self.body)
        self.body_layout.setContentsMargins(0, 0, 8, 0)
        self.body_layout.setSpacing(12)
        self.scroll.setWidget(self.body)
        self._follow_focus = FollowFocus(self.scroll)
        middle.addWidget(self.scroll, 1)

        self.match_panel = MatchPanel(self._find, self._describe, self._link, self, **chronology_hooks(self, ctx))
        self.match_panel.setFixedWidth(320)
        middle.addWidget(self.match_panel)
        outer.addLayout(middle, 1)

        self.general_error = error_label(self)
        self.general_error.setObjectName("generalError")
        outer.addWidget(self.general_error)
        self.escape_note = QLabel("Press Escape again to close without saving; what was typed will be lost.", self)
        self.escape_note.setObjectName("escapeNote")
        self.escape_note.hide()
        outer.addWidget(self.escape_note)

        buttons = QHBoxLayout()
        self.keys_hint = QLabel("Ctrl+S saves · Escape cancels · Alt+M people held · Alt+K links", self)
        self.keys_hint.setObjectName("mutedText")
        buttons.addWidget(self.keys_hint)
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancelReferral")
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton("Save referral", self)
        self.save_button.setObjectName("saveReferral")
        self.save_button.setAutoDefault(False)
        self.save_button.setToolTip("Save the referral (Ctrl+S)")
        make_primary(self.save_button)
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        outer.addLayout(buttons)

        for keys in ("Ctrl+S", "Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, activated=self.save)
        QShortcut(QKeySequence("Alt+M"), self, activated=self.match_panel.focus_list)

        self._build_referral_section()
        builder = {
            PanelType.MARAC: self._build_marac,
            PanelType.CSVG: self._build_csvg,
            PanelType.SOCP: self._build_socp,
            PanelType.CARM: self._build_carm,
        }.get(self.panel_type)
        if builder is None:
            raise ServiceError(f"{self.rules.name} takes no referrals of its own.")
        builder()
        self.body_layout.addStretch(1)
        self._built = True
        self._update_tab_order()
        self.referral_date.setFocus(Qt.FocusReason.OtherFocusReason)

    # -- building -------------------------------------------------------------------------------

    def _section(self, title: str) -> tuple[QFrame, QVBoxLayout]:
        frame = QFrame(self.body)
        frame.setObjectName("section")
        layout = QVBoxLayout(frame)
        layout.setContentsMargins(14, 10, 14, 12)
        layout.setSpacing(8)
        caption = QLabel(title, frame)
        caption.setObjectName("sectionTitle")
        layout.addWidget(caption)
        self.body_layout.addWidget(frame)
        return frame, layout

    def _form(self, layout: QVBoxLayout, parent: QWidget) -> QFormLayout:
        form = QFormLayout()
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(6)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.addLayout(form)
        return form

    def _row(self, form: QFormLayout, parent: QWidget, caption: str, widget: QWidget, *paths: str,
             error_beside: bool = True) -> QLabel:
        """A captioned field with its error line beside it; ``paths`` name it in the service's problems."""
        label = QLabel(caption, parent)
        # A caption over several fields (a name's two parts) takes the keyboard to the first.
        focusable = widget if widget.focusPolicy() != Qt.FocusPolicy.NoFocus else widget.findChild(QLineEdit)
        label.setBuddy(focusable or widget)
        error = error_label(parent)
        cell = QWidget(parent)
        line = QHBoxLayout(cell) if error_beside else QVBoxLayout(cell)
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(10)
        line.addWidget(widget, 0 if error_beside and isinstance(widget, (QComboBox, QSpinBox, DateField)) else 1)
        line.addWidget(error, 1)
        form.addRow(label, cell)
        for path in paths:
            self._targets[path] = (widget, error)
        return error

    def _person_fields(self, form: QFormLayout, parent: QWidget, entry: PersonEntry, path: str,
                       name_caption: str, *, contact: bool = False) -> None:
        names = QWidget(parent)
        line = QHBoxLayout(names)
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(6)
        line.addWidget(entry.given, 1)
        line.addWidget(entry.family, 1)
        error = self._row(form, parent, name_caption, names, f"{path}.family_name", f"{path}.given_name",
                          f"{path}.existing_person_id", path)
        self._targets[f"{path}.family_name"] = (entry.family, error)
        self._targets[f"{path}.given_name"] = (entry.given, error)
        self._targets[f"{path}.existing_person_id"] = (entry.given, error)
        self._targets[path] = (entry.given, error)
        form.addRow("", entry.link_label)
        self._row(form, parent, "Date of &birth", entry.dob, f"{path}.date_of_birth")
        if contact:
            self.address = QLineEdit(parent)
            self.address.setObjectName(f"{path}Address")
            self._row(form, parent, "Addre&ss", self.address, f"{path}.address")
            self.postcode = QLineEdit(parent)
            self.postcode.setObjectName(f"{path}Postcode")
            self.postcode.setMaxLength(12)
            self._row(form, parent, "Postcode", self.postcode, f"{path}.postcode")
            self.phone = QLineEdit(parent)
            self.phone.setObjectName(f"{path}Phone")
            self._row(form, parent, "&Phone", self.phone, f"{path}.phone")
            self.safe_to_call = _combo(parent, f"{path}SafeToCall", [("Not recorded", None), ("Yes, safe to call", True),
                                                                      ("No — do not call", False)])
            self._row(form, parent, "Safe to &call", self.safe_to_call, f"{path}.safe_to_call")
            self.safe_times = QLineEdit(parent)
            self.safe_times.setObjectName(f"{path}SafeTimes")
            self.safe_times.setPlaceholderText("e.g. weekdays 10:00–14:00, not at weekends")
            self._row(form, parent, "Safe t&imes", self.safe_times, f"{path}.safe_times")
        self._watch(entry)

    def _watch(self, entry: PersonEntry) -> None:
        self._entries.append(entry)
        self.match_panel.watch(entry)
        entry.link_changed.connect(lambda _r, e=entry: self._entry_link_changed(e))

    def _rows(self, layout: QVBoxLayout, parent: QWidget, key: str, noun: str, extra: Sequence[RowField],
              add_text: str, empty_text: str) -> PeopleRows:
        rows = PeopleRows(key, noun, extra, parent, add_text=add_text, today=self.ctx.today, empty_text=empty_text)
        rows.row_added.connect(self._row_added)
        rows.row_removed.connect(lambda _r: self._update_tab_order())
        layout.addWidget(rows)
        error = error_label(parent)
        layout.addWidget(error)
        self._targets[key] = (rows.add_button, error)
        self._row_sections[key] = rows
        return rows

    def _row_added(self, row: object) -> None:
        self._watch(row.entry)  # type: ignore[attr-defined]
        self._update_tab_order()

    def _build_referral_section(self) -> None:
        frame, layout = self._section("The referral")
        form = self._form(layout, frame)
        self.referral_date = DateField(frame, name="referralDate", accessible="Referral date", today=self.ctx.today)
        self.referral_date.set_value(self.ctx.today())
        self._row(form, frame, "Referral da&te", self.referral_date, "referral_date")
        self.referral_date.editingFinished.connect(self._refresh_repeat)
        self.agency = QComboBox(frame)
        self.agency.setObjectName("referringAgency")
        self.agency.addItem("Not recorded", None)
        for agency_id, name in AccountService(self.ctx).agencies():
            self.agency.addItem(name, agency_id)
        make_typeable(self.agency)
        self._row(form, frame, "Referring &agency", self.agency, "referring_agency_id")
        self.referrer = QLineEdit(frame)
        self.referrer.setObjectName("referrerName")
        self.referrer.setPlaceholderText("Name and role of the person referring")
        self._row(form, frame, "&Referrer", self.referrer, "referrer_name")
        self.reason = _text_box(frame, "referralReason")
        caption = "R&eason for referral" if self.panel_type != PanelType.CSVG else "R&eason (if not the issues below)"
        self._row(form, frame, caption, self.reason, "reason", error_beside=False)

    # MARAC ----------------------------------------------------------------------------------

    def _build_marac(self) -> None:
        frame, layout = self._section("Victim")
        form = self._form(layout, frame)
        self.victim = PersonEntry(frame, "Victim", name="victim", today=self.ctx.today)
        self._person_fields(form, frame, self.victim, "victim", "&Victim", contact=True)

        frame, layout = self._section("Perpetrators")
        self.perpetrators = self._rows(layout, frame, "perpetrators", "perpetrator",
                                       [RowField("relationship_to_victim", "Relationship to victim")],
                                       "Add perpetrat&or", "No perpetrator entered.")
        self.perpetrators.add_row()

        frame, layout = self._section("Children in the household")
        self.children_rows = self._rows(layout, frame, "children", "child",
                                   [RowField("relationship_to_victim", "Relationship to victim"),
                                    RowField("relationship_to_perpetrator", "Relationship to perpetrator"),
                                    RowField("school", "School")],
                                   "Add c&hild", "No children entered.")

        frame, layout = self._section("DASH risk checklist")
        caption = QLabel("&DASH answers", frame)
        caption.setObjectName("columnCaption")
        self.dash = DashGrid(DASH_QUESTIONS, self._band_text, self.rules.dash_threshold, frame)
        caption.setBuddy(self.dash.table)
        layout.addWidget(caption)
        layout.addWidget(self.dash)
        self.dash_error = error_label(frame)
        layout.addWidget(self.dash_error)
        self._targets["dash"] = (self.dash.table, self.dash_error)
        self.dash.yes_count_changed.connect(lambda _n: self._update_criteria())

        frame, layout = self._section("Referral criteria")
        grid = QGridLayout()
        grid.setHorizontalSpacing(14)
        grid.setVerticalSpacing(6)
        layout.addLayout(grid)
        self.crit_visible = QLabel("", frame)
        grid.addWidget(QLabel("Visible high risk", frame), 0, 0)
        grid.addWidget(self.crit_visible, 0, 1, 1, 2)
        self.judgement = FocusCheckBox("Pro&fessional judgement", frame)
        self.judgement.setObjectName("professionalJudgement")
        grid.addWidget(self.judgement, 1, 0)
        self.judgement_reason = _text_box(frame, "judgementReason", lines=2)
        self.judgement_reason.setPlaceholderText("Why the referrer judges the risk high (required when ticked)")
        self.judgement_reason.setEnabled(False)
        reason_caption = QLabel("Judgement reaso&n", frame)
        reason_caption.setBuddy(self.judgement_reason)
        grid.addWidget(reason_caption, 2, 0)
        grid.addWidget(self.judgement_reason, 2, 1, 1, 2)
        judgement_error = error_label(frame)
        grid.addWidget(judgement_error, 3, 1, 1, 2)
        self._targets["professional_judgement_reason"] = (self.judgement_reason, judgement_error)
        self.judgement.toggled.connect(self.judgement_reason.setEnabled)
        self.judgement.toggled.connect(lambda _on: self._update_criteria())
        incidents_caption = QLabel("Police incidents in &12 months", frame)
        self.incidents = QSpinBox(frame)
        self.incidents.setObjectName("policeIncidents")
        self.incidents.setRange(-1, 999)
        self.incidents.setSpecialValueText("Not known")
        self.incidents.setValue(-1)
        incidents_caption.setBuddy(self.incidents)
        grid.addWidget(incidents_caption, 4, 0)
        grid.addWidget(self.incidents, 4, 1)
        self.crit_escalation = QLabel("", frame)
        grid.addWidget(self.crit_escalation, 4, 2)
        incidents_error = error_label(frame)
        grid.addWidget(incidents_error, 5, 1, 1, 2)
        self._targets["police_incidents_12m"] = (self.incidents, incidents_error)
        self.incidents.valueChanged.connect(lambda _v: self._update_criteria())
        grid.addWidget(QLabel("Repeat", frame), 6, 0)
        self.crit_repeat = QLabel("", frame)
        self.crit_repeat.setWordWrap(True)
        grid.addWidget(self.crit_repeat, 6, 1, 1, 2)
        grid.setColumnStretch(2, 1)

        frame, layout = self._section("Information sharing and safe contact")
        form = self._form(layout, frame)
        self.victim_aware = _combo(frame, "victimAware", _YES_NO)
        self._row(form, frame, "Victim a&ware of the referral", self.victim_aware, "victim_aware")
        self.consent = _combo(frame, "consentGiven", _YES_NO)
        self._row(form, frame, "Consent &given", self.consent, "consent_given")
        self.lawful_basis = QLineEdit(frame)
        self.lawful_basis.setObjectName("lawfulBasis")
        self.lawful_basis.setPlaceholderText("e.g. risk of serious harm — shared under the information sharing protocol")
        self._row(form, frame, "&Lawful basis (without consent)", self.lawful_basis, "lawful_basis")
        self.consent.currentIndexChanged.connect(self._consent_changed)
        self._consent_changed()
        self._update_criteria()

    def _band_text(self, yes: int) -> str:
        from cspdesk.domain.rules import dash_risk_level

        return dash_risk_level(yes, self.rules.dash_threshold).label

    def _consent_changed(self, *_a: object) -> None:
        given = self.consent.currentData() is True
        self.lawful_basis.setEnabled(not given)

    def _update_criteria(self) -> None:
        if self.panel_type != PanelType.MARAC:
            return
        yes = self.dash.model.yes_count()
        threshold, needed = self.rules.dash_threshold, self.rules.escalation_incidents
        incidents = self.incidents.value()
        # The domain's one rule decides; the form only words it.
        met = marac_criteria(yes_count=yes, professional_judgement=self.judgement.isChecked(),
                             police_incidents_12m=incidents if incidents >= 0 else None,
                             repeat=self.repeat is not None, threshold=threshold, escalation_incidents=needed)
        self.crit_visible.setText(
            f"Met: {yes} yes answers (threshold {threshold})" if met.visible_high_risk
            else f"Not met: {yes} yes (threshold {threshold})"
        )
        self.crit_visible.setObjectName("criterionMet" if met.visible_high_risk else "criterionNot")
        escalation = met.potential_escalation
        self.crit_escalation.setText(
            f"Potential escalation: {'met' if escalation else 'not met'} ({needed} or more)"
        )
        self.crit_escalation.setObjectName("criterionMet" if escalation else "criterionNot")
        if self.repeat is not None:
            self.crit_repeat.setText(f"Met: {self.repeat.reference}, referred {short_date(self.repeat.referral_date)}")
            self.crit_repeat.setObjectName("criterionMet")
        else:
            self.crit_repeat.setText("Not met (checked when the victim is linked to a person already held)")
            self.crit_repeat.setObjectName("criterionNot")
        for label in (self.crit_visible, self.crit_escalation, self.crit_repeat):
            label.style().unpolish(label)
            label.style().polish(label)

    # CSVG -----------------------------------------------------------------------------------

    def _subject_choice(self, layout: QVBoxLayout, parent: QWidget, choices: Sequence[tuple[str, str]]) -> QButtonGroup:
        line = QHBoxLayout()
        group = QButtonGroup(parent)
        for i, (key, text) in enumerate(choices):
            button = QRadioButton(text, parent)
            button.setObjectName(f"subject_{key}")
            group.addButton(button, i)
            line.addWidget(button)
            if i == 0:
                button.setChecked(True)
        line.addStretch(1)
        layout.addLayout(line)
        return group

    def _build_csvg(self) -> None:
        frame, layout = self._section("Subject")
        self.subject_choice = self._subject_choice(layout, frame, [("person", "&1  A person"),
                                                                     ("household", "&2  A household")])
        self.person_box = QWidget(frame)
        form = self._form(QVBoxLayout(self.person_box), self.person_box)
        self.subject_person = PersonEntry(self.person_box, "Person", name="person", today=self.ctx.today)
        self._person_fields(form, self.person_box, self.subject_person, "person", "&Name", contact=True)
        layout.addWidget(self.person_box)
        self.group_box = QWidget(frame)
        group_layout = QVBoxLayout(self.group_box)
        group_form = self._form(group_layout, self.group_box)
        self.group_name = QLineEdit(self.group_box)
        self.group_name.setObjectName("householdName")
        self.group_name.setPlaceholderText("e.g. the household at 12 Example Road")
        self._row(group_form, self.group_box, "Household &name", self.group_name, "household.name", "household")
        self.members = self._rows(group_layout, self.group_box, "household_members", "member",
                                  [RowField("role", "Role in the household")], "Add mem&ber", "No members entered.")
        layout.addWidget(self.group_box)
        self.subject_choice.idToggled.connect(lambda *_a: self._subject_changed())
        self._subject_changed()

        frame, layout = self._section("Vulnerability and risk")
        self._build_flags(layout, frame)
        form = self._form(layout, frame)
        self.risk_level = _combo(frame, "riskLevel", _RISK_CHOICES)
        self._row(form, frame, "Risk &level", self.risk_level, "risk_level")
        self.presenting = _text_box(frame, "presentingIssues", lines=4)
        self._row(form, frame, "Presenting iss&ues", self.presenting, "presenting_issues", error_beside=False)

    def _build_flags(self, layout: QVBoxLayout, parent: QWidget) -> None:
        caption = QLabel("Vulnerability flags", parent)
        caption.setObjectName("columnCaption")
        layout.addWidget(caption)
        grid = QGridLayout()
        grid.setHorizontalSpacing(18)
        self.flag_boxes: dict[VulnerabilityFlag, QCheckBox] = {}
        for i, flag in enumerate(VulnerabilityFlag):
            box = QCheckBox(flag.label, parent)
            box.setObjectName(f"flag_{flag.value}")
            self.flag_boxes[flag] = box
            grid.addWidget(box, i // 3, i % 3)
        layout.addLayout(grid)
        error = error_label(parent)
        layout.addWidget(error)
        self._targets["flags"] = (next(iter(self.flag_boxes.values())), error)

    def _subject_changed(self) -> None:
        kind = self.subject_choice.checkedId()
        boxes = [self.person_box, self.group_box] + ([self.place_box] if hasattr(self, "place_box") else [])
        for i, box in enumerate(boxes):
            box.setVisible(i == kind)
        self._update_tab_order()

    # SOCP -----------------------------------------------------------------------------------

    def _build_socp(self) -> None:
        frame, layout = self._section("Organised crime group")
        form = self._form(layout, frame)
        self.ocg_name = QLineEdit(frame)
        self.ocg_name.setObjectName("ocgName")
        self._row(form, frame, "New OCG &name", self.ocg_name, "ocg.name", "ocg.existing_group_id", "ocg")
        self.ocg_reference = QLineEdit(frame)
        self.ocg_reference.setObjectName("ocgReference")
        self.ocg_reference.setPlaceholderText("Its own reference, if it has one (e.g. OCG-0042)")
        self._row(form, frame, "OCG re&ference", self.ocg_reference, "ocg.reference")
        self.ocg_note = QLabel("", frame)
        self.ocg_note.setObjectName("linkedNote")
        self.ocg_note.setWordWrap(True)
        self.ocg_note.hide()
        form.addRow("", self.ocg_note)
        self.ocg_name.editingFinished.connect(self._check_ocg)
        self.ocg_reference.editingFinished.connect(self._check_ocg)
        self.ocg_description = _text_box(frame, "ocgDescription", lines=2)
        self._row(form, frame, "&Description", self.ocg_description, "ocg.description", error_beside=False)

        frame, layout = self._section("Nominals")
        self.nominals = self._rows(layout, frame, "nominals", "nominal", [RowField("role", "Role in the group")],
                                   "Add n&ominal", "No nominals entered: a new OCG needs at least one.")
        self.nominals.add_row()

        frame, layout = self._section(f"Threat, risk and harm — {self.rules.threat_template.name}")
        form = self._form(layout, frame)
        self.threat_boxes: dict[str, QSpinBox] = {}
        for factor in self.rules.threat_template.factors:
            box = QSpinBox(frame)
            box.setObjectName(f"threat_{factor.key}")
            box.setRange(factor.minimum - 1, factor.maximum)
            box.setSpecialValueText("Not scored")
            box.setValue(factor.minimum - 1)
            box.setToolTip(factor.label)
            box.valueChanged.connect(lambda _v: self._update_threat())
            self.threat_boxes[factor.key] = box
            self._row(form, frame, factor.label.split(":")[0], box, f"threat_scores.{factor.key}")
        self.threat_total = QLabel("", frame)
        self.threat_total.setObjectName("threatTotal")
        form.addRow("Score", self.threat_total)
        self.assessor = QLineEdit(frame)
        self.assessor.setObjectName("assessor")
        self._row(form, frame, "Assessed b&y", self.assessor, "assessor")
        self._update_threat()

    def _ocg_draft(self) -> GroupDraft:
        """The OCG typed, or the one already held with that name or reference."""
        typed = GroupDraft(name=self.ocg_name.text(), reference=self.ocg_reference.text().strip(),
                           description=self.ocg_description.toPlainText())
        if not typed.name.strip() and not typed.reference:
            return typed
        probe = SocpDraft(panel_id=self.rules.panel_id, referral_date=self.ctx.today(), ocg=typed)
        return resolve_existing_ocg(self.ctx, probe).ocg

    def _check_ocg(self) -> None:
        existing = self._ocg_draft().existing_group_id is not None
        self.ocg_existing = existing
        self.ocg_note.setText("An OCG with this name or reference is already held: the referral is added to it, "
                              "and the nominals below join it." if existing else "")
        self.ocg_note.setVisible(existing)

    def _threat_values(self) -> dict[str, int]:
        template = self.rules.threat_template
        return {f.key: self.threat_boxes[f.key].value() for f in template.factors
                if self.threat_boxes[f.key].value() >= f.minimum}

    def _update_threat(self) -> None:
        template = self.rules.threat_template
        values = self._threat_values()
        score = template.score(values)
        complete = len(values) == len(template.factors)
        level = template.level(score).label if complete else "—"
        self.threat_total.setText(f"{score} of {template.maximum_score}; level {level}"
                                  + ("" if complete else " (not every factor scored)"))

    # CARM -----------------------------------------------------------------------------------

    def _build_carm(self) -> None:
        frame, layout = self._section("Subject")
        self.subject_choice = self._subject_choice(
            layout, frame, [("person", "&1  A young person"), ("group", "&2  A peer group"), ("place", "&3  A place")])
        self.person_box = QWidget(frame)
        form = self._form(QVBoxLayout(self.person_box), self.person_box)
        self.subject_person = PersonEntry(self.person_box, "Young person", name="youngPerson", today=self.ctx.today)
        self._person_fields(form, self.person_box, self.subject_person, "young_person", "&Name", contact=True)
        layout.addWidget(self.person_box)
        self.group_box = QWidget(frame)
        group_form = self._form(QVBoxLayout(self.group_box), self.group_box)
        self.group_name = QLineEdit(self.group_box)
        self.group_name.setObjectName("peerGroupName")
        self._row(group_form, self.group_box, "Peer group &name", self.group_name, "peer_group.name", "peer_group")
        layout.addWidget(self.group_box)
        self.place_box = QWidget(frame)
        place_form = self._form(QVBoxLayout(self.place_box), self.place_box)
        self.place_name = QLineEdit(self.place_box)
        self.place_name.setObjectName("placeName")
        self._row(place_form, self.place_box, "Place &name", self.place_name, "place.name", "place")
        self.place_address = QLineEdit(self.place_box)
        self.place_address.setObjectName("placeAddress")
        self._row(place_form, self.place_box, "Addre&ss", self.place_address, "place.address")
        layout.addWidget(self.place_box)
        self.subject_choice.idToggled.connect(lambda *_a: self._subject_changed())

        frame, layout = self._section("People linked")
        self.linked = self._rows(layout, frame, "linked", "linked person",
                                 [RowField("role", "Role or relationship")], "Add linked pers&on",
                                 "No one linked yet.")
        frame, layout = self._section("Vulnerability and risk")
        self._build_flags(layout, frame)
        form = self._form(layout, frame)
        self.risk_level = _combo(frame, "riskLevel", _RISK_CHOICES)
        self._row(form, frame, "Risk &level", self.risk_level, "risk_level")
        self._subject_changed()

    # -- matching and repeats -------------------------------------------------------------------

    def _find(self, entry: PersonEntry) -> list[PersonMatch]:
        matches = self.service.find_people(entry.given.text(), entry.family.text(), entry.dob.value_or_none())
        self._match_repeats = {}
        if self._is_subject(entry):
            referral_date = self.referral_date.value_or_none() or self.ctx.today()
            for found in matches[:5]:
                self._match_repeats[found.person_id] = self.service.check_repeat(
                    self.rules.panel_id, found.person_id, referral_date)
        return matches

    def _describe(self, found: object) -> str:
        assert isinstance(found, PersonMatch)
        return describe_match(found, getattr(self, "_match_repeats", {}).get(found.person_id))

    def _link(self, entry: PersonEntry, found: object) -> None:
        assert isinstance(found, PersonMatch)
        name = f"{found.given_name} {found.family_name}".strip()
        entry.link(LinkedRecord(found.person_id, name, found.date_of_birth), found.given_name, found.family_name)

    def _is_subject(self, entry: PersonEntry) -> bool:
        return entry is getattr(self, "victim", None) or entry is getattr(self, "subject_person", None)

    def _entry_link_changed(self, entry: PersonEntry) -> None:
        if self._is_subject(entry):
            self._refresh_repeat()

    def _refresh_repeat(self) -> None:
        subject = getattr(self, "victim", None) or getattr(self, "subject_person", None)
        repeat = None
        if subject is not None and subject.linked is not None:
            referral_date = self.referral_date.value_or_none() or self.ctx.today()
            repeat = self.service.check_repeat(self.rules.panel_id, subject.linked.person_id, referral_date)
        self.set_repeat(repeat)

    def set_repeat(self, repeat: RepeatInfo | None) -> None:
        self.repeat = repeat
        if repeat is None:
            self.repeat_banner.hide()
        else:
            subject = getattr(self, "victim", None) or getattr(self, "subject_person", None)
            who = subject.linked.name if subject is not None and subject.linked is not None else "This person"
            self.repeat_label.setText(
                f"Repeat referral: {who} was referred to {self.rules.name} on {short_date(repeat.referral_date)} "
                f"as {repeat.reference} ({repeat.status.label}), within the last {repeat.window_months} months. "
                "This referral will be saved as a repeat of it."
            )
            self.repeat_banner.show()
        self._update_criteria()
        emit(self.repeat_changed, repeat)

    # -- the draft ------------------------------------------------------------------------------

    def _person_draft(self, entry: PersonEntry, *, contact: bool = False) -> PersonDraft:
        dob = entry.dob.value()
        extra: dict[str, object] = {}
        if contact:
            extra = dict(address=self.address.text(), postcode=self.postcode.text(), phone=self.phone.text(),
                         safe_to_call=self.safe_to_call.currentData(), safe_times=self.safe_times.text())
        if entry.linked is not None:
            has_contact = bool(contact and (self.address.text().strip() or self.postcode.text().strip()
                                            or self.phone.text().strip() or self.safe_times.text().strip()
                                            or self.safe_to_call.currentData() is not None))
            return PersonDraft(existing_person_id=entry.linked.person_id, update_contact=has_contact,
                               **extra)  # type: ignore[arg-type]
        return PersonDraft(given_name=entry.given.text(), family_name=entry.family.text(), date_of_birth=dob,
                           **extra)  # type: ignore[arg-type]

    def _read_dates(self) -> list[Problem]:
        """Dates that cannot be read are the form's own problems (the service never sees text)."""
        problems = []
        fields: list[tuple[str, DateField, str]] = [("referral_date", self.referral_date, "Referral date")]
        for entry, path in self._entry_paths():
            fields.append((f"{path}.date_of_birth", entry.dob, f"{entry.label}: date of birth"))
        for path, field, who in fields:
            try:
                field.value()
            except DateUnreadable as exc:
                problems.append(Problem(path, f"{who}: {exc}"))
        if self.referral_date.text().strip() == "":
            problems.append(Problem("referral_date", "Referral date: give the date the referral was received."))
        return problems

    def _entry_paths(self) -> list[tuple[PersonEntry, str]]:
        out: list[tuple[PersonEntry, str]] = []
        if self.panel_type == PanelType.MARAC:
            out.append((self.victim, "victim"))
        elif self.panel_type in (PanelType.CSVG, PanelType.CARM) and self.subject_choice.checkedId() == 0:
            out.append((self.subject_person, "person" if self.panel_type == PanelType.CSVG else "young_person"))
        for key, rows in self._row_sections.items():
            if not rows.isVisibleTo(self) and key == "household_members":
                continue
            for i, (_n, row) in enumerate(rows.filled_rows()):
                out.append((row.entry, f"{key}[{i}].person"))
        return out

    def _dash_checklist(self) -> tuple[DashChecklist | None, list[Problem]]:
        model = self.dash.model
        answers = model.answers()
        if not answers:
            return None, []
        missing = [n for n in range(1, model.rowCount() + 1) if n not in answers]
        if missing:
            first = missing[0]
            return None, [Problem("dash", f"DASH: question {first} has no answer "
                                          f"({len(missing)} of {model.rowCount()} unanswered) — answer every "
                                          "question, or none to refer without a checklist.")]
        sources = model.sources()
        items = tuple(DashItem(DashAnswer(answers[n]), sources.get(n, "")) for n in range(1, model.rowCount() + 1))
        return DashChecklist(answers=items), []

    def draft(self) -> ReferralDraft:
        """What the form says, as the service's draft. Raises :class:`ReferralInvalid` for what the
        form itself cannot read (dates, a half-answered DASH)."""
        draft, problems = self._read_form()
        if problems or draft is None:
            raise ReferralInvalid(problems)
        return draft

    def _read_form(self) -> tuple[ReferralDraft | None, list[Problem]]:
        """The draft (None when a date cannot be read) and the form's own problems. A half-answered
        DASH is a problem but leaves the rest of the draft readable (without the checklist), so the
        service can name the other problems in the same go."""
        problems = self._read_dates()
        dash, dash_problems = (None, [])
        if self.panel_type == PanelType.MARAC:
            dash, dash_problems = self._dash_checklist()
        if problems:
            return None, problems + dash_problems
        return self._build(dash), dash_problems

    def _build(self, dash: DashChecklist | None) -> ReferralDraft:
        common = dict(
            panel_id=self.rules.panel_id,
            referral_date=self.referral_date.value(),
            referring_agency_id=self.agency.currentData(),
            referrer_name=self.referrer.text(),
            reason=self.reason.toPlainText(),
        )
        if self.panel_type == PanelType.MARAC:
            incidents = self.incidents.value()
            return MaracDraft(
                **common,  # type: ignore[arg-type]
                victim=self._person_draft(self.victim, contact=True),
                perpetrators=tuple(
                    PerpetratorDraft(person=self._person_draft(row.entry),
                                     relationship_to_victim=str(row.value("relationship_to_victim")))
                    for _n, row in self.perpetrators.filled_rows()
                ),
                children=tuple(
                    ChildDraft(person=self._person_draft(row.entry),
                               relationship_to_victim=str(row.value("relationship_to_victim")),
                               relationship_to_perpetrator=str(row.value("relationship_to_perpetrator")),
                               school=str(row.value("school")))
                    for _n, row in self.children_rows.filled_rows()
                ),
                dash=dash,
                professional_judgement=self.judgement.isChecked(),
                professional_judgement_reason=self.judgement_reason.toPlainText() if self.judgement.isChecked() else "",
                police_incidents_12m=incidents if incidents >= 0 else None,
                victim_aware=self.victim_aware.currentData(),
                consent_given=self.consent.currentData(),
                lawful_basis=self.lawful_basis.text() if self.consent.currentData() is not True else "",
            )
        flags = frozenset(f for f, box in self.flag_boxes.items() if box.isChecked()) if hasattr(self, "flag_boxes") else frozenset()
        risk = self.risk_level.currentData() if hasattr(self, "risk_level") else None
        risk = RiskLevel(risk) if risk is not None else None
        if self.panel_type == PanelType.CSVG:
            person = self.subject_choice.checkedId() == 0
            return CsvgDraft(
                **common,  # type: ignore[arg-type]
                person=self._person_draft(self.subject_person, contact=True) if person else None,
                household=None if person else GroupDraft(name=self.group_name.text()),
                household_members=() if person else tuple(
                    LinkedPersonDraft(person=self._person_draft(row.entry), role=str(row.value("role")),
                                      case_role=PersonRole.HOUSEHOLD_MEMBER)
                    for _n, row in self.members.filled_rows()
                ),
                flags=flags, risk_level=risk, presenting_issues=self.presenting.toPlainText(),
            )
        if self.panel_type == PanelType.SOCP:
            return SocpDraft(
                **common,  # type: ignore[arg-type]
                ocg=self._ocg_draft(),
                nominals=tuple(
                    LinkedPersonDraft(person=self._person_draft(row.entry), role=str(row.value("role")),
                                      case_role=PersonRole.NOMINAL)
                    for _n, row in self.nominals.filled_rows()
                ),
                threat_scores=self._threat_values(),
                assessor=self.assessor.text(),
            )
        kind = self.subject_choice.checkedId()
        return CarmDraft(
            **common,  # type: ignore[arg-type]
            young_person=self._person_draft(self.subject_person, contact=True) if kind == 0 else None,
            peer_group=GroupDraft(name=self.group_name.text()) if kind == 1 else None,
            place=PlaceDraft(name=self.place_name.text(), address=self.place_address.text()) if kind == 2 else None,
            linked=tuple(
                LinkedPersonDraft(person=self._person_draft(row.entry), role=str(row.value("role")),
                                  case_role=PersonRole.ASSOCIATE)
                for _n, row in self.linked.filled_rows()
            ),
            flags=flags, risk_level=risk,
        )

    # -- saving ---------------------------------------------------------------------------------

    def save(self) -> CreatedReferral | None:
        """Check and save; on problems show each beside its field and return None."""
        self.clear_errors()
        try:
            draft, problems = self._read_form()
            if problems:
                if draft is not None:
                    problems += list(self.service.validate(draft))
                raise ReferralInvalid(problems)
            assert draft is not None
            try:
                result = self.service.create(draft)
            except NoCriteriaUnconfirmed as exc:
                if not confirm(self, "No referral criteria", str(exc), "Save without criteria"):
                    return None
                result = self.service.create(draft, confirm_no_criteria=True)
        except ReferralInvalid as exc:
            self.show_problems(exc.problems)
            return None
        except ValidationError as exc:
            self.show_problems([Problem(exc.field, str(exc))])
            return None
        except ServiceError as exc:
            self.general_error.setText(str(exc))
            self.general_error.show()
            return None
        self.created = result.value
        emit(self.referral_saved, result.value, result.changes)
        self.accept()
        return result.value

    def clear_errors(self) -> None:
        for _w, label in self._targets.values():
            label.hide()
            label.setText("")
        for rows in self._row_sections.values():
            rows.clear_errors()
        self.general_error.hide()
        self.general_error.setText("")

    def _target_of(self, path: str) -> tuple[QWidget, QLabel] | None:
        """The widget and error line for a problem's field path ("children[1].person.date_of_birth")."""
        if m := _ROW_PATH.match(path):
            rows = self._row_sections.get(m[1])
            filled = rows.filled_rows() if rows is not None else []
            index = int(m[2])
            if rows is not None and index < len(filled):
                row = filled[index][1]
                rest = path[m.end():].lstrip(".")
                widget: QWidget = row.entry.given
                if rest.endswith("date_of_birth"):
                    widget = row.entry.dob
                elif rest.endswith("family_name"):
                    widget = row.entry.family
                else:
                    for key, extra in row.extras.items():
                        if rest.endswith(key):
                            widget = extra
                return widget, row.error
        candidate = path
        while candidate:
            if candidate in self._targets:
                return self._targets[candidate]
            candidate = candidate.rpartition(".")[0]
        if path.startswith("dash") and "dash" in self._targets:
            return self._targets["dash"]
        if path.startswith("threat_scores") and hasattr(self, "threat_boxes"):
            return next(iter(self._targets[f"threat_scores.{k}"] for k in self.threat_boxes))
        return None

    def show_problems(self, problems: Sequence[Problem]) -> None:
        """Each problem beside its field (and row); unplaced ones on the line above the buttons.
        The cursor goes to the problem highest up the form."""
        placed: list[tuple[int, QWidget]] = []
        general: list[str] = []
        shown: dict[int, list[str]] = {}
        for problem in problems:
            target = self._target_of(problem.field)
            if target is None:
                general.append(problem.message)
                continue
            widget, label = target
            messages = shown.setdefault(id(label), [])
            if problem.message not in messages:
                messages.append(problem.message)
            label.setText("\n".join(messages))
            label.show()
            placed.append((widget.mapTo(self.body, widget.rect().topLeft()).y(), widget))
        if general:
            self.general_error.setText("\n".join(general))
            self.general_error.show()
        if placed:
            first = min(placed, key=lambda item: item[0])[1]
            first.setFocus(Qt.FocusReason.OtherFocusReason)
            self.scroll.ensureWidgetVisible(first, 40, 80)
            if isinstance(first, QLineEdit):
                first.selectAll()

    def error_texts(self) -> list[str]:
        """Every error message shown now (for tests and screen readers)."""
        labels = [label for _w, label in self._targets.values()]
        for rows in self._row_sections.values():
            labels.extend(row.error for row in rows.rows)
        labels.append(self.general_error)
        seen: list[str] = []
        for label in labels:
            if not label.isHidden() and label.text() and label.text() not in seen:
                seen.append(label.text())
        return seen

    # -- keyboard -------------------------------------------------------------------------------

    def _update_tab_order(self) -> None:
        """Tab follows the reading order, whatever rows were added since the form was built."""
        # Qt's default order is creation order: rows added later need putting in place.
        if not self._built:
            return
        chain = self._reading_order()
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    def _reading_order(self) -> list[QWidget]:
        order: list[QWidget] = [self.referral_date, self.agency, self.referrer, self.reason]
        if self.panel_type == PanelType.MARAC:
            order += [*self.victim.fields(), self.address, self.postcode, self.phone, self.safe_to_call,
                      self.safe_times]
            order += self.perpetrators.tab_chain() + self.children_rows.tab_chain()
            order += [self.dash.table, self.judgement, self.judgement_reason, self.incidents,
                      self.victim_aware, self.consent, self.lawful_basis]
        elif self.panel_type in (PanelType.CSVG, PanelType.CARM):
            order += list(self.subject_choice.buttons())
            order += [*self.subject_person.fields(), self.address, self.postcode, self.phone, self.safe_to_call,
                      self.safe_times, self.group_name]
            if self.panel_type == PanelType.CSVG:
                order += self.members.tab_chain()
            else:
                order += [self.place_name, self.place_address] + self.linked.tab_chain()
            order += list(self.flag_boxes.values()) + [self.risk_level]
            if self.panel_type == PanelType.CSVG:
                order.append(self.presenting)
        elif self.panel_type == PanelType.SOCP:
            order += [self.ocg_name, self.ocg_reference, self.ocg_description] + self.nominals.tab_chain()
            order += list(self.threat_boxes.values()) + [self.assessor]
        order += [self.match_panel.list, self.match_panel.link_button, self.cancel_button, self.save_button]
        return order

    def is_dirty(self) -> bool:
        if any(not e.is_blank() for e in self._entries):
            return True
        if self.referrer.text().strip() or self.reason.toPlainText().strip():
            return True
        return self.panel_type == PanelType.MARAC and self.dash.model.answered_count() > 0

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        if event.key() == Qt.Key.Key_Escape:
            self.reject()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            # Enter never saves by accident: in a field it moves to the next one, as on a paper
            # form; in a list (the matches, the DASH grid) the list has already acted on it.
            if not isinstance(self.focusWidget(), QAbstractItemView):
                self.focusNextChild()
            return
        super().keyPressEvent(event)

    def reject(self) -> None:
        if self.created is None and self.is_dirty() and not self._escape_armed:
            self._escape_armed = True
            self.escape_note.show()
            return
        super().reject()

    def changes(self) -> OpChanges:
        return OpChanges(cases=True, people=True)
