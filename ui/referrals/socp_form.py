"""The SOCP referral form: an organised crime group (new, or one already held with that name or
reference), its nominals, and a threat/risk/harm score on the partnership's template."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel, QLineEdit, QSpinBox, QWidget

from cspdesk.services.records_io.referral_import import resolve_existing_ocg
from cspdesk.services.referrals.referrals import GroupDraft, LinkedPersonDraft, ReferralDraft, SocpDraft
from cspdesk_gui.referrals.dialog import ReferralDialog, text_box
from cspdesk_gui.referrals.people import RowField


class SocpReferralForm(ReferralDialog):
    """A referral to a SOCP panel: about an organised crime group."""

    def _build_sections(self) -> None:
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
        self.ocg_description = text_box(frame, "ocgDescription", lines=2)
        self._row(form, frame, "&Description", self.ocg_description, "ocg.description", error_beside=False)

        frame, layout = self._section("Nominals")
        self.nominals = self._rows(layout, frame, "nominals", "nominal", [RowField("role", "Role in the group")],
                                   "Add n&ominal", "No nominals entered: a new OCG needs at least one.")
        self.nominals.add_row()
        self._build_threat()

    def _build_threat(self) -> None:
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

    def _panel_draft(self, common: dict[str, Any]) -> ReferralDraft:
        return SocpDraft(
            **common,
            ocg=self._ocg_draft(),
            nominals=tuple(
                LinkedPersonDraft(person=self._person_draft(row.entry), role=str(row.value("role")),
                                  case_role=self.asks.linked_role)
                for _n, row in self.nominals.filled_rows()
            ),
            threat_scores=self._threat_values(),
            assessor=self.assessor.text(),
        )

    def _fallback_target(self, path: str) -> tuple[QWidget, QLabel] | None:
        if path.startswith("threat_scores") and self.threat_boxes:
            return self._targets[f"threat_scores.{next(iter(self.threat_boxes))}"]
        return None

    def _panel_reading_order(self) -> list[QWidget]:
        return [self.ocg_name, self.ocg_reference, self.ocg_description, *self.nominals.tab_chain(),
                *self.threat_boxes.values(), self.assessor]
