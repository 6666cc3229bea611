"""The MARAC form's children section (issue 19): each child's school, children's services status
and Operation Encompass notification entered on the child's row, saved, and read back from the
case; the section fits a 1366×768 laptop with a child added (screenshot to $CSPDESK_SHOTS)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from fit_walk import check as _check
from fit_walk import shown_whole
from PySide6.QtWidgets import QLabel, QScrollArea, QWidget

from cspdesk.domain.children import ChildDetails, CscStatus
from cspdesk.domain.enums import PanelType
from cspdesk.services.partnership.panels import PanelService
from cspdesk.services.referrals.children import ChildrenService


def _marac_form(qtbot, ctx):  # noqa: ANN001, ANN202
    from cspdesk_gui.referrals.dialog import ReferralDialog

    panel = next(p.id for p in PanelService(ctx).list_panels() if p.panel_type == PanelType.MARAC)
    dialog = ReferralDialog(ctx, panel)
    qtbot.addWidget(dialog)
    with qtbot.waitExposed(dialog):
        dialog.show()
    return dialog


def _fill(dialog) -> None:  # noqa: ANN001
    dialog.victim.given.setText("Zelinda")
    dialog.victim.family.setText("Quorrington")
    dialog.victim.dob.setText("14/02/1991")
    perp = dialog.perpetrators.rows[0]
    perp.entry.given.setText("Orrin")
    perp.entry.family.setText("Quorrington")
    dialog.judgement.setChecked(True)
    dialog.judgement_reason.setPlainText("Escalating threats.")
    dialog.agency.setCurrentIndex(1)
    dialog.consent.setCurrentIndex(dialog.consent.findData(True))
    for given, school, status, encompass, on, by in (
            ("Pip", "Example Primary School", CscStatus.CHILD_PROTECTION.value, True, "3/11/2026", "Police"),
            ("Tam", "", CscStatus.EARLY_HELP.value, "not_in_education", "", "")):
        row = dialog.children_rows.add_row()
        row.entry.given.setText(given)
        row.entry.family.setText("Quorrington")
        row.entry.dob.setText("3/5/2019")
        row.set_value("school", school)
        row.set_value("csc_status", status)
        row.set_value("encompass", encompass)
        row.set_value("encompass_on", on)
        row.set_value("encompass_by", by)


def test_the_childs_own_right_fields_are_saved_and_read_back(qtbot, demo_ctx):
    dialog = _marac_form(qtbot, demo_ctx)
    _fill(dialog)
    created = dialog.save()
    assert created is not None, dialog.error_texts()
    children = sorted(ChildrenService(demo_ctx).children(created.case_id), key=lambda c: c.name)
    assert [(c.name, c.details) for c in children] == [
        ("Pip Quorrington", ChildDetails(education_setting="Example Primary School", encompass_notified=True,
                                         encompass_on=date(2026, 11, 3), encompass_by="Police",
                                         csc_status=CscStatus.CHILD_PROTECTION)),
        ("Tam Quorrington", ChildDetails(not_in_education=True, csc_status=CscStatus.EARLY_HELP)),
    ]


def test_an_unreadable_encompass_date_is_named_beside_the_child(qtbot, demo_ctx):
    dialog = _marac_form(qtbot, demo_ctx)
    _fill(dialog)
    dialog.children_rows.rows[0].set_value("encompass_on", "the 3rd")
    assert dialog.save() is None
    assert any(text.startswith("Child 1: Encompass date:") for text in dialog.error_texts())


def test_a_school_named_for_a_child_not_in_education_is_refused(qtbot, demo_ctx):
    dialog = _marac_form(qtbot, demo_ctx)
    _fill(dialog)
    dialog.children_rows.rows[1].set_value("school", "Example Academy")
    assert dialog.save() is None
    assert any("not in education has no school" in text for text in dialog.error_texts())


def test_the_children_section_fits_a_laptop(qtbot, demo_ctx, laptop):
    name, area = laptop
    dialog = _marac_form(qtbot, demo_ctx)
    _fill(dialog)
    # Back to the children's section (adding a row put the cursor in it and scrolled there).
    dialog.children_rows.rows[0].entry.given.setFocus()
    body = dialog.findChild(QScrollArea, "referralScroll").widget()
    qtbot.waitUntil(lambda: body.height() >= body.minimumSizeHint().height(), timeout=3000)  # the rows laid out
    assert _check(dialog, area, f"referral-children-{name}") == []
    row = dialog.children_rows.rows[0]
    for widget in row.widgets():
        assert shown_whole(widget, dialog), widget.objectName()
    shots = os.environ.get("CSPDESK_SHOTS")
    if shots:
        dialog.children_rows.grab().save(str(Path(shots) / f"children-section-{name}.png"))


def test_the_case_view_edits_a_childs_details_and_reads_them_back(qtbot, demo_ctx):
    from cspdesk_gui.dialogs.case_view import CaseDialog

    dialog = _marac_form(qtbot, demo_ctx)
    _fill(dialog)
    created = dialog.save()
    assert created is not None
    view = CaseDialog.open_case(demo_ctx, created.case_id)
    qtbot.addWidget(view)
    section = view.children_section
    lines = [c.objectName() for c in section.findChildren(QWidget) if c.objectName() == "childLine"]
    assert len(lines) == 2
    pip = next(c for c in section.children_shown if c.name == "Pip Quorrington")
    editor = section.edit(pip)
    assert editor.csc.currentData() == CscStatus.CHILD_PROTECTION.value
    assert editor.school.text() == "Example Primary School"
    editor.csc.setCurrentIndex(editor.csc.findData(CscStatus.LOOKED_AFTER.value))
    editor.notified_on.setText("not a date")
    assert editor.save() is None and editor.error.text().startswith("Notified on:")
    editor.notified_on.setText("4/11/2026")
    editor.agency.setCurrentIndex(1)
    with qtbot.waitSignal(view.changes_made, timeout=5000):
        saved = editor.save()
    assert saved is not None
    again = {c.name: c.details for c in ChildrenService(demo_ctx).children(created.case_id)}
    assert again["Pip Quorrington"].csc_status is CscStatus.LOOKED_AFTER
    assert again["Pip Quorrington"].encompass_on == date(2026, 11, 4)
    assert again["Pip Quorrington"].encompass_by_agency_id == editor.agency.itemData(1)
    shown = [w.text() for w in section.findChildren(QLabel) if w.objectName() == "childLine"]
    assert any("children's services: looked after" in t for t in shown)
