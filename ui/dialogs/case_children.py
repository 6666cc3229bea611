"""The case view's children (issue 19): each child on a MARAC case with their school, Operation
Encompass notification and children's services status, and "Edit…" to change them.

The section reads and writes through :class:`cspdesk.services.referrals.children.ChildrenService`
on the database thread (``run_and_wait``); nothing here touches the database itself.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cspdesk.domain.children import ChildDetails, CscStatus
from cspdesk.services.access.accounts import AccountService
from cspdesk.services.context import ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk.services.referrals.children import CaseChildView, ChildrenService
from cspdesk_gui.dialogs.forms import error_label
from cspdesk_gui.operations import run_and_wait
from cspdesk_gui.referrals.fields import DateField, DateUnreadable
from cspdesk_gui.signals import emit

_NOTIFIED = [("Not recorded", None), ("Yes: the school was notified", True), ("No: not notified", False)]


def child_line(child: CaseChildView) -> str:
    """"Testtown Primary · Encompass: school notified 21 Jan 2026 by Police · children's services: none"."""
    parts = [child.details.education_setting] if child.details.education_setting else []
    parts += child.own_right_lines()
    return " · ".join(parts) or "Nothing recorded yet"


class ChildDetailsDialog(QDialog):
    """One child's school, Encompass notification and children's services status."""

    #: Saved: the CaseChildView as now held, and the OpChanges.
    child_saved = Signal(object, object)

    def __init__(self, ctx: ServiceContext, case_id: int, child: CaseChildView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.case_id, self.child = ctx, case_id, child
        self.setObjectName("childDetailsDialog")
        self.setWindowTitle(f"Child: {child.name}")
        d = child.details
        form = QFormLayout()
        self.school = QLineEdit(d.education_setting, self)
        self.school.setObjectName("childSchool")
        self.not_in_education = QCheckBox("Not in education", self)
        self.not_in_education.setChecked(d.not_in_education)
        self.not_in_education.toggled.connect(lambda on: self.school.setEnabled(not on))
        self.school.setEnabled(not d.not_in_education)
        self.csc = QComboBox(self)
        self.csc.setObjectName("childCsc")
        self.csc.addItem("Not recorded", None)
        for status in CscStatus:
            self.csc.addItem(status.label, status.value)
        self.csc.setCurrentIndex(max(self.csc.findData(d.csc_status.value if d.csc_status else None), 0))
        self.notified = QComboBox(self)
        self.notified.setObjectName("childEncompass")
        for label, value in _NOTIFIED:
            self.notified.addItem(label, value)
        self.notified.setCurrentIndex(max(self.notified.findData(d.encompass_notified), 0))
        self.notified_on = DateField(self, name="childEncompassOn", accessible="Notified on", today=ctx.today)
        if d.encompass_on is not None:
            self.notified_on.set_value(d.encompass_on)
        self.agency = QComboBox(self)
        self.agency.setObjectName("childEncompassAgency")
        self.agency.addItem("Not recorded", None)
        for agency_id, name in run_and_wait(lambda: AccountService(ctx).agencies()):
            self.agency.addItem(name, agency_id)
        self.agency.setCurrentIndex(max(self.agency.findData(d.encompass_by_agency_id), 0))
        self.by = QLineEdit(d.encompass_by, self)
        self.by.setObjectName("childEncompassBy")
        self.by.setPlaceholderText("e.g. the DSL, or a named officer")
        for label, widget in (("&School or nursery", self.school), ("", self.not_in_education),
                              ("&Children's services", self.csc), ("Operation &Encompass", self.notified),
                              ("Notified &on", self.notified_on), ("Notified by (&agency)", self.agency),
                              ("Notified by (&who)", self.by)):
            if label:
                caption = QLabel(label, self)
                caption.setBuddy(widget)
                form.addRow(caption, widget)
            else:
                form.addRow("", widget)
        self.error = error_label(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def details(self) -> ChildDetails:
        """What the form says; DateUnreadable when the date cannot be read."""
        csc = self.csc.currentData()
        return ChildDetails(
            education_setting="" if self.not_in_education.isChecked() else self.school.text().strip(),
            not_in_education=self.not_in_education.isChecked(),
            encompass_notified=self.notified.currentData(),
            encompass_on=self.notified_on.value(),
            encompass_by_agency_id=self.agency.currentData(),
            encompass_by=self.by.text().strip(),
            csc_status=CscStatus(csc) if csc else None,
        )

    def save(self) -> CaseChildView | None:
        try:
            details = self.details()
            service, case_id, link = ChildrenService(self.ctx), self.case_id, self.child.case_person_id
            result = run_and_wait(lambda: service.set_details(case_id, link, details))
        except DateUnreadable as exc:
            self._show(f"Notified on: {exc}")
            return None
        except ServiceError as exc:
            self._show(str(exc))
            return None
        emit(self.child_saved, result.value, result.changes)
        self.accept()
        return result.value

    def _show(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()


class CaseChildrenSection(QWidget):
    """The children of a MARAC case, one line each, with "Edit…" for those who may edit cases."""

    #: A child's details were changed here: the OpChanges.
    changes_made = Signal(object)

    def __init__(self, ctx: ServiceContext, case_id: int, can_edit: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caseChildren")
        self.ctx, self.case_id, self.can_edit = ctx, case_id, can_edit
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(12)
        self.grid.setColumnStretch(1, 1)
        self.dialog: ChildDetailsDialog | None = None
        try:
            self.children_shown = list(run_and_wait(lambda: ChildrenService(ctx).children(case_id)))
        except ServiceError:
            self.children_shown = []
        self._fill()

    def _fill(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        for row, child in enumerate(self.children_shown):
            name = QLabel(f"<b>{child.name}</b>", self)
            name.setTextFormat(Qt.TextFormat.RichText)
            line = QLabel(child_line(child), self)
            line.setObjectName("childLine")
            line.setWordWrap(True)
            line.setTextFormat(Qt.TextFormat.PlainText)
            self.grid.addWidget(name, row, 0, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(line, row, 1, Qt.AlignmentFlag.AlignTop)
            if self.can_edit:
                edit = QPushButton("Edit…", self)
                edit.setObjectName(f"editChild{row + 1}")
                edit.setAccessibleName(f"Edit {child.name}'s school, Encompass and children's services")
                edit.setAutoDefault(False)
                edit.clicked.connect(lambda _c=False, c=child: self.edit(c))
                self.grid.addWidget(edit, row, 2, Qt.AlignmentFlag.AlignTop)

    def edit(self, child: CaseChildView) -> ChildDetailsDialog:
        dialog = ChildDetailsDialog(self.ctx, self.case_id, child, self.window())
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.child_saved.connect(self._saved)
        dialog.show()
        self.dialog = dialog
        return dialog

    def _saved(self, child: CaseChildView, changes: object) -> None:
        self.children_shown = [child if c.case_person_id == child.case_person_id else c for c in self.children_shown]
        self._fill()
        emit(self.changes_made, changes)
