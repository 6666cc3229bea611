"""A new partnership's Panels page lists the first steps, each a link that does it; once a case or a
meeting is recorded the steps go."""

from __future__ import annotations

import pytest

from cspdesk.services.access.auth import create_database
from cspdesk.services.partnership.starter import BUILT_IN_PANELS, COMMON_AGENCIES
from cspdesk.services.database.workspace import close_workspace
from cspdesk_gui.main_window import Section
from ui_accounts import ADMIN_NAME, ADMIN_PASSWORD, ADMIN_USER, PARTNERSHIP


# The panel menu is a popup: the offscreen platform cannot raise it or grab the keyboard for it.
@pytest.mark.qt_log_ignore("This plugin does not support raise", "This plugin does not support grabbing the keyboard")
def test_a_new_partnership_is_shown_its_first_steps(qtbot, tmp_path, make_window):
    ctx = create_database(tmp_path / "new.db", admin_username=ADMIN_USER, admin_name=ADMIN_NAME,
                          password=ADMIN_PASSWORD, partnership_name=PARTNERSHIP,
                          panels=BUILT_IN_PANELS[:2], agencies=COMMON_AGENCIES).ctx
    try:
        window = make_window(ctx)
        panels = window.page(Section.PANELS)
        assert panels.getting_started.isVisible()
        words = [label.text() for label in panels.step_links]
        assert len(words) == 4 and "first referral" in words[0] and "backups" in words[3]

        panels.step_links[0].linkActivated.emit("cases:new")  # as a click on the link does
        assert window.current_section() == Section.CASES
        menu = window.page(Section.CASES).panel_menu  # two panels: which one is asked first
        assert menu is not None and menu.isVisible() and len(menu.actions()) == 2
        menu.close()

        panels.step_links[3].linkActivated.emit("admin:backups")
        admin = window.page(Section.ADMIN)
        assert window.current_section() == Section.ADMIN and admin.current_tab() is admin.backups_tab
    finally:
        window.close()
        close_workspace(ctx)


def test_the_steps_go_once_cases_are_recorded(demo_admin_ctx, make_window):
    window = make_window(demo_admin_ctx)
    panels = window.page(Section.PANELS)
    assert panels.model.rowCount() == 5
    assert not panels.getting_started.isVisible()
