"""Adding a risk assessment to a case: a new DASH (MARAC), a threat/risk/harm score (SOCP) or a
risk level (CSVG, CARM). A saved assessment is never edited: each one is added, dated, beside the
earlier ones. Keyboard as the referral form: 1/2/3 in the grid, Ctrl+S saves, Escape cancels."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.dash import DASH_QUESTIONS
from cspdesk.domain.enums import RiskLevel
from cspdesk.domain.risk_tools import DASH_2009, PROFESSIONAL_JUDGEMENT, risk_tool
from cspdesk.services.context import ServiceContext
from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk.services.referrals.referrals import DashAnswer, DashItem, ReferralInvalid, ReferralService
from cspdesk_gui.dialogs.forms import error_label, make_primary
from cspdesk_gui.referrals.dash import DashGrid
from cspdesk_gui.referrals.fields import DateField, DateUnreadable
from cspdesk_gui.signals import emit

#: The tools a MARAC assessment offers, the first the default.
MARAC_TOOLS = (DASH_2009, PROFESSIONAL_JUDGEMENT)


class AssessmentDialog(QDialog):
    """One new assessment of one case. Emits ``assessment_added(info, changes)`` once saved."""

    assessment_added = Signal(object, object)

    def __init__(self, ctx: ServiceContext, case_id: int, panel_id: int, reference: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.case_id = case_id
        self.service = ReferralService(ctx)
        self.rules = self.service.panel_rules(panel_id)
        self.panel_type = self.rules.panel_type
        self.setObjectName("assessmentDialog")
        asks = self.rules.asks  # what the panel type records: the domain's rule
        takes_dash = asks is not None and asks.takes_dash
        self.setWindowTitle(f"{asks.assessment_title if asks else 'New assessment'} — {reference}")
        self.resize(900 if takes_dash else 520, 760 if takes_dash else 320)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 12)
        heading = QLabel(self.windowTitle(), self)
        heading.setObjectName("dialogHeading")
        layout.addWidget(heading)
        note = QLabel("Earlier assessments are kept as they were; this one is added beside them.", self)
        note.setObjectName("mutedText")
        layout.addWidget(note)
        form = QFormLayout()
        layout.addLayout(form)
        self.errors: dict[str, QLabel] = {}
        self.assessed_on = DateField(self, name="assessedOn", accessible="Date assessed", today=ctx.today)
        self.assessed_on.set_value(ctx.today())
        self._add(form, "Date &assessed", self.assessed_on, "assessed_on")
        self.assessor = QLineEdit(self)
        self.assessor.setObjectName("assessor")
        self._add(form, "Assessed b&y", self.assessor, "assessor")
        self.dash: DashGrid | None = None
        self.threat_boxes: dict[str, QSpinBox] = {}
        self.risk_combo: QComboBox | None = None
        self.tool_combo: QComboBox | None = None
        if takes_dash:
            # The risk tool (issue 19): DASH 2009's grid, or the assessor's level and reason alone.
            self.tool_combo = QComboBox(self)
            self.tool_combo.setObjectName("riskTool")
            for tool_id in MARAC_TOOLS:
                self.tool_combo.addItem(risk_tool(tool_id).name, tool_id)
            self._add(form, "Ris&k tool", self.tool_combo, "tool_id")
            self.dash = DashGrid(DASH_QUESTIONS, lambda n: self.rules.dash_band(n).label, self.rules.dash_threshold,
                                 self)
            self.dash_caption = QLabel("&DASH answers", self)
            self.dash_caption.setBuddy(self.dash.table)
            layout.addWidget(self.dash_caption)
            layout.addWidget(self.dash, 1)
            self.errors["answers"] = error_label(self)
            layout.addWidget(self.errors["answers"])
            self.risk_combo = self._risk_combo(form)
            self.tool_combo.currentIndexChanged.connect(self._tool_chosen)
            self._tool_chosen()
        elif asks is not None and asks.takes_threat_score:
            for factor in self.rules.threat_template.factors:
                box = QSpinBox(self)
                box.setObjectName(f"threat_{factor.key}")
                box.setRange(factor.minimum, factor.maximum)
                box.setToolTip(factor.label)
                self.threat_boxes[factor.key] = box
                self._add(form, factor.label.split(":")[0], box, f"threat_scores.{factor.key}")
        else:
            self.risk_combo = self._risk_combo(form)
        self.notes = QLineEdit(self)
        self.notes.setObjectName("assessmentNotes")
        self._add(form, "&Notes", self.notes, "notes")
        self.general = error_label(self)
        layout.addWidget(self.general)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setAutoDefault(False)
        self.cancel_button.clicked.connect(self.reject)
        self.save_button = QPushButton("Add assessment", self)
        self.save_button.setObjectName("saveAssessment")
        self.save_button.setAutoDefault(False)
        make_primary(self.save_button)
        self.save_button.clicked.connect(self.save)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.save_button)
        layout.addLayout(buttons)
        for keys in ("Ctrl+S", "Ctrl+Return"):
            QShortcut(QKeySequence(keys), self, activated=self.save)
        (self.dash.table if self.dash is not None else self.assessed_on).setFocus()

    def _risk_combo(self, form: QFormLayout) -> QComboBox:
        combo = QComboBox(self)
        combo.setObjectName("riskLevel")
        combo.addItem("Choose…", None)
        for level in (RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW):
            combo.addItem(level.label, level.value)
        self._add(form, "&Risk level", combo, "risk_level")
        return combo

    def judgement_only(self) -> bool:
        """Whether the chosen tool is "professional judgement only" (a level and a reason)."""
        return self.tool_combo is not None and self.tool_combo.currentData() == PROFESSIONAL_JUDGEMENT

    def _tool_chosen(self) -> None:
        judgement = self.judgement_only()
        assert self.dash is not None and self.risk_combo is not None
        self.dash.setVisible(not judgement)
        self.dash_caption.setVisible(not judgement)
        # The level's row (its cell and its caption) shows only for a judgement.
        caption = next(x for x in self.findChildren(QLabel) if x.buddy() is self.risk_combo)
        for widget in (self.risk_combo.parentWidget(), caption):
            widget.setVisible(judgement)

    def _add(self, form: QFormLayout, caption: str, widget: QWidget, key: str) -> None:
        label = QLabel(caption, self)
        label.setBuddy(widget)
        error = error_label(self)
        cell = QWidget(self)
        line = QHBoxLayout(cell)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(widget)
        line.addWidget(error, 1)
        form.addRow(label, cell)
        self.errors[key] = error

    def _show(self, field: str, message: str) -> None:
        label = self.errors.get(field)
        if label is None and field.startswith("dash"):
            label = self.errors.get("answers")
        if label is None:
            label = self.general
        label.setText((label.text() + "\n" if label.text() else "") + message)
        label.show()

    def error_texts(self) -> list[str]:
        return [label.text() for label in [*self.errors.values(), self.general] if not label.isHidden() and label.text()]

    def save(self) -> None:
        for label in [*self.errors.values(), self.general]:
            label.setText("")
            label.hide()
        try:
            on = self.assessed_on.value()
        except DateUnreadable as exc:
            self._show("assessed_on", f"Date assessed: {exc}")
            return
        kwargs: dict[str, object] = dict(assessed_on=on, assessor=self.assessor.text(), notes=self.notes.text())
        answers: object = ()
        if self.judgement_only():
            assert self.risk_combo is not None
            value = self.risk_combo.currentData()
            kwargs.update(risk_level=RiskLevel(value) if value is not None else None, tool_id=PROFESSIONAL_JUDGEMENT)
        elif self.dash is not None:
            given = self.dash.model.answers()
            missing = [n for n in range(1, self.dash.model.rowCount() + 1) if n not in given]
            if missing:
                self._show("answers", f"DASH: question {missing[0]} has no answer ({len(missing)} unanswered).")
                self.dash.table.setCurrentIndex(self.dash.model.index(missing[0] - 1, 2))
                self.dash.table.setFocus()
                return
            sources = self.dash.model.sources()
            answers = tuple(DashItem(DashAnswer(given[n]), sources.get(n, "")) for n in sorted(given))
        elif self.threat_boxes:
            answers = {key: box.value() for key, box in self.threat_boxes.items()}
        elif self.risk_combo is not None:
            value = self.risk_combo.currentData()
            kwargs["risk_level"] = RiskLevel(value) if value is not None else None
        try:
            result = self.service.add_assessment(self.case_id, answers, **kwargs)  # type: ignore[arg-type]
        except ReferralInvalid as exc:
            for problem in exc.problems:
                self._show(problem.field, problem.message)
            return
        except ValidationError as exc:
            self._show(exc.field, str(exc))
            return
        except ServiceError as exc:
            self._show("", str(exc))
            return
        emit(self.assessment_added, result.value, result.changes)
        self.accept()

    def keyPressEvent(self, event) -> None:  # noqa: ANN001, N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers():
            return  # Enter never adds an assessment by accident (Ctrl+S does)
        super().keyPressEvent(event)

