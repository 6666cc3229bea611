"""Administration → Panels and agencies: an administrator adds an agency, retires it, and adds a
panel — a clash named under its field, nothing saved until it is mended; the panels page follows."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from cspdesk.services.access.accounts import AccountService
from cspdesk.services.partnership.panels import PanelService
from cspdesk_gui.main_window import Section


def _tab(window):  # noqa: ANN001, ANN202
    page = window.page(Section.ADMIN)
    page.show_tab(page.structure_tab)
    return page.structure_tab


def _save(qtbot, dialog) -> None:  # noqa: ANN001
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)


def _row_of(table, text: str) -> int:  # noqa: ANN001
    return next(r for r in range(table.rowCount()) if table.item(r, 0).text() == text)


def test_an_agency_is_added_and_retired(demo_admin_ctx, make_window, qtbot):
    window = make_window(demo_admin_ctx, section=Section.ADMIN)
    tab = _tab(window)
    before = tab.agencies_table.rowCount()
    assert before > 0 and not tab.edit_agency_button.isEnabled()  # nothing selected yet

    qtbot.mouseClick(tab.add_agency_button, Qt.MouseButton.LeftButton)
    dialog = tab.open_dialog
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.name_edit, "Oasis Women's Centre")
    with qtbot.waitSignal(tab.changes_made, timeout=5000):
        _save(qtbot, dialog)
    assert tab.agencies_table.rowCount() == before + 1
    row = _row_of(tab.agencies_table, "Oasis Women's Centre")
    assert tab.agencies_table.item(row, 1).text() == "OWC"  # from its initials
    assert "Oasis Women's Centre" in {n for _i, n in AccountService(demo_admin_ctx).agencies()}

    tab.agencies_table.selectRow(row)
    assert tab.edit_agency_button.isEnabled()
    qtbot.mouseClick(tab.edit_agency_button, Qt.MouseButton.LeftButton)
    edit = tab.open_dialog
    qtbot.waitExposed(edit)
    assert edit.name_edit.text() == "Oasis Women's Centre"
    edit.active_check.setChecked(False)
    with qtbot.waitSignal(tab.changes_made, timeout=5000):
        _save(qtbot, edit)
    row = _row_of(tab.agencies_table, "Oasis Women's Centre")
    assert tab.agencies_table.item(row, 4).text() == "Retired"
    assert "Oasis Women's Centre" not in {n for _i, n in AccountService(demo_admin_ctx).agencies()}


def test_a_panel_is_added_after_its_clash_is_mended(demo_admin_ctx, make_window, qtbot):
    window = make_window(demo_admin_ctx, section=Section.ADMIN)
    tab = _tab(window)
    panels_before = len(PanelService(demo_admin_ctx).list_panels())
    taken_prefix = tab.panels_table.item(0, 2).text()
    holder = tab.panels_table.item(0, 0).text()

    qtbot.mouseClick(tab.add_panel_button, Qt.MouseButton.LeftButton)
    dialog = tab.open_dialog
    qtbot.waitExposed(dialog)
    dialog.kinds.setCurrentIndex(dialog.kinds.findText("CARM"))
    qtbot.keyClicks(dialog.name_edit, "Medway CARM")
    qtbot.keyClicks(dialog.prefix_edit, taken_prefix.lower())
    _save(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.errors.text_of("ref_prefix") == f"{holder} uses the reference prefix {taken_prefix} already."
    assert len(PanelService(demo_admin_ctx).list_panels()) == panels_before  # nothing saved

    dialog.prefix_edit.setText("CARM-MW")
    with qtbot.waitSignal(window.changes_applied, timeout=5000):
        _save(qtbot, dialog)
    assert tab.open_dialog is None
    names = [p.name for p in PanelService(demo_admin_ctx).list_panels()]
    assert "Medway CARM" in names and len(names) == panels_before + 1
    assert tab.panels_table.item(_row_of(tab.panels_table, "Medway CARM"), 2).text() == "CARM-MW"
    window.show_section(Section.PANELS)
    qtbot.waitUntil(lambda: window.page(Section.PANELS).model.rowCount() == panels_before + 1, timeout=5000)


def test_an_agencys_secure_email_is_kept_and_a_bad_one_named_under_its_field(demo_admin_ctx, make_window, qtbot):
    """Issue 18: the address the agency's papers are e-mailed to is kept with it (Administration)."""
    from cspdesk.services.partnership.starter import StructureService

    window = make_window(demo_admin_ctx, section=Section.ADMIN)
    tab = _tab(window)
    tab.agencies_table.selectRow(0)
    name = tab.agencies_table.item(0, 0).text()
    qtbot.mouseClick(tab.edit_agency_button, Qt.MouseButton.LeftButton)
    edit = tab.open_dialog
    qtbot.waitExposed(edit)
    qtbot.keyClicks(edit.email_edit, "not an address")
    _save(qtbot, edit)
    # Refused under its own field; the dialog stays open and nothing is saved.
    assert tab.open_dialog is edit and edit.isVisible()
    assert "not an e-mail address" in edit._fields["secure_email"][1].text()
    assert next(a for a in StructureService(demo_admin_ctx).agencies() if a.name == name).secure_email == ""
    edit.email_edit.setText("marac@agency.gcsx.gov.uk")
    with qtbot.waitSignal(tab.changes_made, timeout=5000):
        _save(qtbot, edit)
    assert next(a for a in StructureService(demo_admin_ctx).agencies() if a.name == name).secure_email == \
        "marac@agency.gcsx.gov.uk"


def test_a_name_or_code_over_its_limit_is_refused_never_cut(demo_admin_ctx, make_window, qtbot):
    """A pasted agency name, short code or panel prefix was cut to its field's maxLength in silence."""
    window = make_window(demo_admin_ctx, section=Section.ADMIN)
    tab = _tab(window)
    agencies = len(AccountService(demo_admin_ctx).agencies())
    qtbot.mouseClick(tab.add_agency_button, Qt.MouseButton.LeftButton)
    dialog = tab.open_dialog
    qtbot.waitExposed(dialog)
    dialog.name_edit.setText("A" * 10_000)
    _save(qtbot, dialog)
    assert dialog.isVisible()
    assert dialog.errors.text_of("name") == (
        "The agency's name must be 200 characters or fewer (this one is 10,000).")
    dialog.name_edit.setText("Oasis Women's Centre")
    dialog.code_edit.setText("O" * 21)
    _save(qtbot, dialog)
    assert dialog.isVisible() and "20 at most" in dialog.errors.text_of("short_code")
    assert len(AccountService(demo_admin_ctx).agencies()) == agencies  # nothing saved
    dialog.reject()

    qtbot.mouseClick(tab.add_panel_button, Qt.MouseButton.LeftButton)
    dialog = tab.open_dialog
    qtbot.waitExposed(dialog)
    qtbot.keyClicks(dialog.name_edit, "Medway CARM")
    dialog.prefix_edit.setText("CARMMEDWAY123")  # 13 characters
    _save(qtbot, dialog)
    assert dialog.isVisible() and "12 characters at most" in dialog.errors.text_of("ref_prefix")
    dialog.reject()
