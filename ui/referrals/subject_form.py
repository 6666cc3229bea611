"""The shared part of the forms whose subject is chosen (CSVG: a person or a household; CARM: a
young person, a peer group or a place): the choice, the boxes it shows, and the vulnerability
flags and risk level the referrer gives — each asked only when the panel type asks it
(:class:`cspdesk.domain.panels.PanelAsks`)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.enums import RiskLevel, VulnerabilityFlag
from cspdesk_gui.dialogs.forms import error_label
from cspdesk_gui.referrals.dialog import ReferralDialog, combo, whole_height
from cspdesk_gui.referrals.people import PersonEntry

_RISK_CHOICES = [("Choose…", None), ("High", RiskLevel.HIGH), ("Medium", RiskLevel.MEDIUM), ("Low", RiskLevel.LOW)]


class SubjectReferralForm(ReferralDialog):
    """A form whose first section chooses the subject; the first choice is a person."""

    def _build_subject(self, caption: str, entry_name: str) -> tuple[QFrame, QVBoxLayout]:
        """The subject section with its choice and the person's box; a subclass adds the others'
        boxes to :attr:`subject_boxes` in the order of the choices."""
        frame, layout = self._section("Subject")
        self.subject_choice = QButtonGroup(frame)
        line = QHBoxLayout()
        for i, choice in enumerate(self.asks.subjects):
            button = QRadioButton(f"&{i + 1}  {choice.label}", frame)
            button.setObjectName(f"subject_{choice.key}")
            whole_height(button)
            self.subject_choice.addButton(button, i)
            line.addWidget(button)
            button.setChecked(i == 0)
        line.addStretch(1)
        layout.addLayout(line)
        self.person_box = QWidget(frame)
        form = self._form(QVBoxLayout(self.person_box), self.person_box)
        self.subject_person = PersonEntry(self.person_box, caption, name=entry_name, today=self.ctx.today)
        self._person_fields(form, self.person_box, self.subject_person, self.asks.subjects[0].key, "&Name",
                            contact=True)
        layout.addWidget(self.person_box)
        self.subject_entry = self.subject_person
        self.subject_boxes: list[QWidget] = [self.person_box]
        return frame, layout

    def _named_box(self, frame: QWidget, caption: str, object_name: str, *paths: str,
                   placeholder: str = "") -> tuple[QWidget, QVBoxLayout, QFormLayout, QLineEdit]:
        """A box shown for one choice of subject, starting with its name field: the box, its
        layout, the form holding the name, and the name."""
        box = QWidget(frame)
        box_layout = QVBoxLayout(box)
        form = self._form(box_layout, box)
        name = QLineEdit(box)
        name.setObjectName(object_name)
        name.setPlaceholderText(placeholder)
        self._row(form, box, caption, name, *paths)
        self.subject_boxes.append(box)
        return box, box_layout, form, name

    def _build_risk(self) -> tuple[QFrame, QFormLayout]:
        """The vulnerability flags and the risk level, as the panel type asks them; the section
        and its form, for a subclass to add to."""
        frame, layout = self._section("Vulnerability and risk")
        self.flag_boxes: dict[VulnerabilityFlag, QCheckBox] = {}
        if self.asks.takes_flags:
            caption = QLabel("Vulnerability flags", frame)
            caption.setObjectName("columnCaption")
            layout.addWidget(caption)
            grid = QGridLayout()
            grid.setHorizontalSpacing(18)
            for i, flag in enumerate(VulnerabilityFlag):
                box = QCheckBox(flag.label, frame)
                box.setObjectName(f"flag_{flag.value}")
                whole_height(box)
                self.flag_boxes[flag] = box
                grid.addWidget(box, i // 3, i % 3)
            layout.addLayout(grid)
            error = error_label(frame)
            layout.addWidget(error)
            self._targets["flags"] = (next(iter(self.flag_boxes.values())), error)
        form = self._form(layout, frame)
        self.risk_level: QComboBox | None = None
        if self.asks.takes_risk_level:
            self.risk_level = combo(frame, "riskLevel", _RISK_CHOICES)
            self._row(form, frame, "Risk &level", self.risk_level, "risk_level")
        return frame, form

    def _subject_changed(self) -> None:
        kind = self.subject_choice.checkedId()
        for i, box in enumerate(self.subject_boxes):
            box.setVisible(i == kind)
        self._update_tab_order()

    def person_chosen(self) -> bool:
        return self.subject_choice.checkedId() == 0

    def _subject_paths(self) -> list[tuple[PersonEntry, str]]:
        return [(self.subject_person, self.asks.subjects[0].key)] if self.person_chosen() else []

    def _flags(self) -> frozenset[VulnerabilityFlag]:
        return frozenset(f for f, box in self.flag_boxes.items() if box.isChecked())

    def _risk(self) -> RiskLevel | None:
        risk = self.risk_level.currentData() if self.risk_level is not None else None
        return RiskLevel(risk) if risk is not None else None

    def _subject_order(self) -> list[QWidget]:
        """The choice and the person's fields, in reading order."""
        return [*self.subject_choice.buttons(), *self.subject_person.fields(), self.address, self.postcode,
                self.phone, self.safe_to_call, self.safe_times]

    def _risk_order(self) -> list[QWidget]:
        return [*self.flag_boxes.values(), *([self.risk_level] if self.risk_level is not None else [])]
