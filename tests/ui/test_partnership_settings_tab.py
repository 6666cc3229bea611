"""Administration → Partnership: an administrator sets the adult female population and the
marking; the window and the Reports page use them at once; a bad value is named under its field
and nothing is saved; a panel's DASH threshold is saved for the referral form."""

from __future__ import annotations

from PySide6.QtCore import Qt

from cspdesk.services.referrals.referrals import ReferralService
from cspdesk.services.partnership.settings import SettingsService
from cspdesk_gui.main_window import Section
from cspdesk_gui.pages.admin.settings import NOT_KNOWN


def _tab(window):  # noqa: ANN001, ANN202
    page = window.page(Section.ADMIN)
    page.show_tab(page.settings_tab)
    return page.settings_tab


def test_settings_are_saved_from_the_tab_and_used_at_once(demo_admin_ctx, make_window, qtbot):
    window = make_window(demo_admin_ctx, section=Section.ADMIN)
    tab = _tab(window)
    saved = SettingsService(demo_admin_ctx).partnership()
    assert tab.name_edit.text() == saved.name and not tab.save_button.isEnabled()  # nothing typed yet

    tab.women_spin.setFocus()
    tab.women_spin.selectAll()
    qtbot.keyClicks(tab.women_spin, "98500")
    tab.marking_edit.setText("OFFICIAL")
    assert tab.save_button.isEnabled()
    with qtbot.waitSignal(window.changes_applied, timeout=5000):
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    now = SettingsService(demo_admin_ctx).partnership()
    assert now.population_adult_women == 98_500 and now.protective_marking == "OFFICIAL"
    assert "Saved" in tab.message.text() and not tab.save_button.isEnabled()
    assert window.marking_label.text() == "OFFICIAL"  # the status bar follows

    # The Reports page divides by it (its card says so).
    reports = window.page(Section.REPORTS)
    with qtbot.waitSignal(reports.dashboard_shown, timeout=30_000):
        window.show_section(Section.REPORTS)
    assert "adult female population 98,500" in " ".join(
        label.text() for label in reports.findChildren(type(window.marking_label)))


def test_a_bad_value_is_named_and_nothing_is_saved(demo_admin_ctx, make_window, qtbot):
    window = make_window(demo_admin_ctx, section=Section.ADMIN)
    tab = _tab(window)
    before = SettingsService(demo_admin_ctx).partnership()
    tab.name_edit.clear()
    tab.amber_spin.setValue(before.amber_days + 5)
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.name_error.isVisible() and "name cannot be empty" in tab.name_error.text()
    assert tab.name_edit.hasFocus()
    assert SettingsService(demo_admin_ctx).partnership() == before
    tab.revert_button.click()
    assert tab.name_edit.text() == before.name and tab.amber_spin.value() == before.amber_days
    assert not tab.name_error.isVisible()
    # The population's lowest value reads "Not known", which saves as no figure at all.
    tab.women_spin.setValue(0)
    assert tab.women_spin.text() == NOT_KNOWN and tab.typed().population_adult_women is None


def test_a_panels_dash_threshold_is_saved(demo_admin_ctx, make_window, qtbot):
    window = make_window(demo_admin_ctx, section=Section.ADMIN)
    tab = _tab(window)
    index = next(i for i in range(tab.panel_combo.count()) if "MARAC" in tab.panel_combo.itemText(i))
    tab.panel_combo.setCurrentIndex(index)
    panel_id = tab.panel_combo.currentData()
    assert tab.dash_spin.value() == 14
    tab.dash_spin.setValue(13)
    with qtbot.waitSignal(window.changes_applied, timeout=5000):
        tab.save_panel_button.click()
    assert "Saved the rules of" in tab.panel_message.text()
    assert ReferralService(demo_admin_ctx).panel_rules(panel_id).dash_threshold == 13
