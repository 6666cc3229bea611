"""The main window: first run (welcome, set-up dialog), navigation, and the demo partnership."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QDialogButtonBox

from cspdesk.services.referrals.cases import CaseService
from cspdesk.services.partnership.partnership import PartnershipService
from cspdesk_gui.dialogs.partnership_setup import PartnershipSetupDialog
from cspdesk_gui.main_window import NAVIGATION, Section


def _drive_dialog(window, qtbot, steps):  # noqa: ANN001
    """Run ``steps(dialog)`` once the modal set-up dialog is open (exec() blocks the test)."""
    seen = {}

    def act() -> None:
        dialog = window.findChild(PartnershipSetupDialog)
        if dialog is None or not dialog.isVisible():
            QTimer.singleShot(20, act)
            return
        seen["dialog"] = dialog
        steps(dialog)

    QTimer.singleShot(0, act)
    return seen


# -- first run ------------------------------------------------------------------------------------


def _column(model, column: int) -> list:  # noqa: ANN001
    """The column's cells as shown once each row's page has been read (on the database thread)."""
    return [(model.row_now(r), model.index(r, column).data())[1] for r in range(model.rowCount())]


def test_empty_database_shows_the_welcome_page(ctx, make_window, db_path):
    window = make_window(ctx)
    assert window.needs_welcome
    assert window.current_section() == Section.WELCOME
    assert window.sidebar.currentItem().text() == "Panels"
    assert window.windowTitle() == "CSPDesk"
    assert str(db_path) in window.database_label.text()
    assert window.partnership_label.text() == "No partnership set up yet"


def test_setting_up_a_partnership_replaces_the_welcome_page(ctx, make_window, qtbot, db_path):
    window = make_window(ctx)
    welcome = window.page(Section.WELCOME)
    errors = []

    def steps(dialog: PartnershipSetupDialog) -> None:
        ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
        # First with no name: the dialog stays open and names the field.
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        errors.append(dialog.error_text())
        assert dialog.isVisible()
        assert dialog.marking_combo.currentText() == "OFFICIAL-SENSITIVE"
        # A pasted name over the limit is refused with a message, not cut to 200 in silence.
        dialog.name_edit.setText("M" * 10_000)
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
        errors.append(dialog.error_text())
        assert dialog.isVisible()
        dialog.name_edit.clear()
        qtbot.keyClicks(dialog.name_edit, "Maidstone Community Safety Partnership")
        qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)

    _drive_dialog(window, qtbot, steps)
    with qtbot.waitSignal(window.partnership_set_up, timeout=5000) as blocker:
        qtbot.mouseClick(welcome.set_up_button, Qt.MouseButton.LeftButton)

    assert errors == ["Name: Give the partnership a name.", "Name: The partnership's name must be 200 characters or fewer."]
    assert blocker.args[0].name == "Maidstone Community Safety Partnership"
    assert not window.needs_welcome
    assert window.current_section() == Section.PANELS
    assert window.windowTitle() == "CSPDesk — Maidstone Community Safety Partnership"
    assert window.partnership_label.text() == "Maidstone Community Safety Partnership"
    assert window.marking_label.text() == "OFFICIAL-SENSITIVE"
    assert str(db_path) in window.database_label.text()
    # A new partnership has no panels yet, and says so rather than showing an empty grid.
    panels = window.page(Section.PANELS)
    assert panels.is_showing_empty_state()
    assert "no panels yet" in panels.empty_label.text()
    # Asking for the welcome page now shows the panels.
    window.show_section(Section.WELCOME)
    assert window.current_section() == Section.PANELS


def test_cancelling_the_set_up_dialog_changes_nothing(ctx, make_window, qtbot):
    window = make_window(ctx)
    done = _drive_dialog(window, qtbot, lambda dialog: dialog.reject())
    window.set_up_partnership()  # opened, not exec()'d: locking must not end it
    qtbot.waitUntil(lambda: "dialog" in done)
    qtbot.waitUntil(lambda: window.findChild(PartnershipSetupDialog) is None)
    assert window.needs_welcome
    assert window.current_section() == Section.WELCOME


def test_administrators_get_the_administration_page(ctx, make_window):
    from cspdesk_gui.pages.admin import AdminPage

    window = make_window(ctx)  # the local owner may do everything
    assert window.has_section(Section.ADMIN)
    window.show_section(Section.ADMIN)
    assert window.current_section() == Section.ADMIN
    assert isinstance(window.page(Section.ADMIN), AdminPage)


def test_the_status_bar_says_who_is_signed_in(ctx, make_window):
    window = make_window(ctx)
    assert window.user_label.text() == "local · Administrator"


def test_a_long_partnership_name_gives_way_to_a_passing_message(ctx, make_window, qtbot):
    name = ("West Kent (Maidstone, Tonbridge and Malling, Tunbridge Wells and Sevenoaks) Community Safety "
            "Partnership and its Domestic Abuse and Serious Violence Boards")
    name = (name + " " + "x" * 150)[:150]
    PartnershipService(ctx).set_up(name)
    window = make_window(ctx)
    window.resize(1024, 700)
    bar = window.statusBar()
    qtbot.waitUntil(lambda: window.width() == 1024)
    # The name is cut with "…" (not mid-letter at the edge), and whole in the tooltip and text.
    label = window.partnership_label
    assert label.text() == name
    assert label.is_elided()
    assert label.shown_text().endswith("…")
    assert label.toolTip() == name

    window.statusBar().showMessage("Backup made.", 8000)
    message_width = bar.fontMetrics().horizontalAdvance("Backup made.")
    # Drawn left of the first permanent widget: there must be room for all of it.
    qtbot.waitUntil(lambda: window.user_label.geometry().left() >= message_width + 6)
    assert bar.currentMessage() == "Backup made."
    assert label.is_elided()
    # Who is signed in and the protective marking stay whole, and inside the window.
    for whole in (window.user_label, window.marking_label):
        assert whole.width() >= whole.sizeHint().width()
        assert whole.geometry().right() <= bar.width()
    assert window.database_label.geometry().right() <= bar.width()

    # When the message goes, the names take their room back.
    bar.clearMessage()
    qtbot.waitUntil(lambda: window.user_label.geometry().left() < message_width)


def test_sidebar_and_shortcuts_switch_sections(ctx, make_window, qtbot):
    window = make_window(ctx)
    for number, (section, label) in enumerate(NAVIGATION, start=1):
        qtbot.keyClick(window, Qt.Key(Qt.Key.Key_0 + number), Qt.KeyboardModifier.ControlModifier)
        expected = Section.WELCOME if section == Section.PANELS else section  # no partnership yet
        assert window.current_section() == expected
        assert window.sidebar.currentItem().text() == label
    # The side bar works from the keyboard: arrows move between sections.
    window.sidebar.setFocus()
    window.show_section(Section.CASES)
    qtbot.keyClick(window.sidebar, Qt.Key.Key_Down)
    assert window.current_section() == Section.MEETINGS


def test_cases_page_on_an_empty_database_says_so(ctx, make_window, qtbot):
    window = make_window(ctx)
    window.show_section(Section.CASES)
    cases = window.page(Section.CASES)
    # Whatever the status filter, a partnership with no case at all is told how to log the first.
    for status in ("Active", "All"):
        cases.status_combo.setCurrentText(status)
        assert cases.count_label.text() == "0 cases"
        assert cases.empty_label.text().startswith("No cases yet.")
        assert "New referral…" in cases.empty_label.text() and "Import referrals…" in cases.empty_label.text()


# -- the demo partnership -------------------------------------------------------------------------


def test_demo_panels_are_listed(demo_ctx, make_window):
    window = make_window(demo_ctx)
    assert not window.needs_welcome
    assert window.current_section() == Section.PANELS
    model = window.page(Section.PANELS).model
    assert model.rowCount() == 5
    names = [model.panel_row(r).name for r in range(model.rowCount())]
    assert names == sorted(names)
    assert window.windowTitle() == f"CSPDesk — {window.partnership.name}"
    assert window.marking_label.text() == window.partnership.protective_marking


def test_cases_page_is_not_read_until_shown(demo_ctx, make_window):
    window = make_window(demo_ctx)
    cases = window.page(Section.CASES)
    assert not cases.model.is_loaded()
    assert cases.model.fetch_count == 0


def test_ctrl_2_then_typing_filters_the_cases(demo_ctx, make_window, qtbot):
    window = make_window(demo_ctx)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert window.current_section() == Section.CASES
    cases = window.page(Section.CASES)
    model = cases.model
    total = model.rowCount()
    assert total > 0
    assert cases.count_label.text().endswith(" cases")

    # Search for the subject of the first listed case about a person, by family name.
    rows = CaseService(demo_ctx).case_rows([model.case_id(r) for r in range(min(total, 50))])
    family = next(r.subject for r in rows if r.subject_kind == "person").split()[-1]
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert cases.search_box.hasFocus()
    qtbot.keyClicks(cases.search_box, family)
    qtbot.waitUntil(lambda: model.query.text == family, timeout=3000)
    assert 0 < model.rowCount() < total
    assert cases.count_label.text().startswith(f"{model.rowCount():,} case")

    # Nothing matches: the list says so, in words.
    cases.search_box.setText("zzqx")
    qtbot.waitUntil(lambda: model.query.text == "zzqx", timeout=3000)
    assert model.rowCount() == 0
    assert cases.count_label.text() == "0 cases"
    assert "Nothing matches “zzqx”" in cases.empty_label.text()


def test_opening_a_panel_filters_the_cases_to_it(demo_ctx, make_window, qtbot):
    window = make_window(demo_ctx)
    panels = window.page(Section.PANELS)
    panel = panels.model.panel_row(1)
    panels.table.setFocus()
    panels.table.setCurrentIndex(panels.model.index(1, 0))
    with qtbot.waitSignal(panels.panel_opened) as blocker:
        qtbot.keyClick(panels.table, Qt.Key.Key_Return)
    assert blocker.args == [panel.id]
    assert window.current_section() == Section.CASES
    cases = window.page(Section.CASES)
    assert cases.panel_combo.currentText() == panel.name
    assert cases.model.query.panel_id == panel.id
    rows = _column(cases.model, 2)
    assert rows and set(rows) == {panel.name}
    # The count matches the panel's active cases on the Panels page.
    assert cases.model.rowCount() == panel.active_cases


def test_status_filter_all_shows_more_than_active(demo_ctx, make_window, qtbot):
    window = make_window(demo_ctx)
    window.show_section(Section.CASES)
    cases = window.page(Section.CASES)
    active = cases.model.rowCount()
    cases.status_combo.setCurrentText("All")
    assert cases.model.query.statuses is None
    assert cases.model.rowCount() > active
    cases.status_combo.setCurrentText("Closed")
    statuses = set(_column(cases.model, 5))
    assert statuses <= {"Closed"}


def test_clicking_a_header_sorts_in_sql(demo_ctx, make_window, qtbot):
    window = make_window(demo_ctx)
    window.show_section(Section.CASES)
    cases = window.page(Section.CASES)
    header = cases.table.horizontalHeader()
    qtbot.mouseClick(
        header.viewport(),
        Qt.MouseButton.LeftButton,
        pos=header.viewport().rect().topLeft() + _section_centre(header, 0),
    )
    assert cases.model.query.sort == "reference"
    refs = _column(cases.model, 0)
    assert refs == sorted(refs) or refs == sorted(refs, reverse=True)
    # A column with no SQL sort leaves the list (and the indicator) as it was.
    before = cases.model.query
    cases.table.sortByColumn(7, Qt.SortOrder.AscendingOrder)
    assert cases.model.query == before
    assert header.sortIndicatorSection() == 0


def _section_centre(header, section):  # noqa: ANN001, ANN202
    from PySide6.QtCore import QPoint

    return QPoint(header.sectionViewportPosition(section) + header.sectionSize(section) // 2, header.height() // 2)


def test_starting_on_the_cases_page_reads_only_the_cases(demo_ctx, qtbot):
    from cspdesk_gui.main_window import MainWindow

    window = MainWindow(demo_ctx, section="cases")
    qtbot.addWidget(window)
    assert window.current_section() == Section.CASES
    assert window.page(Section.PANELS).is_stale()
    cases = window.page(Section.CASES)
    assert cases.model.is_loaded()
    window.show()
    # The ids with the one page in sight (read together): painting reads nothing more.
    qtbot.waitExposed(window)
    qtbot.wait(100)
    assert cases.model.pages_pending() == 0
    assert cases.model.fetch_count == 0
    assert cases.model.cached_pages() == [0]


def test_open_database_signs_in_to_it_and_switches_the_window(ctx, make_window, demo_accounts_db, qtbot):
    from cspdesk.services.access.auth import DEMO_PASSWORD

    window = make_window(ctx)
    assert window.needs_welcome
    dialog = window.open_database(demo_accounts_db)
    assert dialog is not None
    qtbot.waitExposed(dialog)
    assert dialog.cancel_button.text() == "Cancel"
    dialog.username_edit.setText("chair.marac")
    dialog.password_edit.setText(DEMO_PASSWORD)
    with qtbot.waitSignal(window.database_opened, timeout=10_000) as blocker:
        dialog.accept()
    assert blocker.args == [str(demo_accounts_db)]
    assert str(demo_accounts_db) in window.database_label.text()
    assert window.ctx.actor.username == "chair.marac"
    assert "Chair" in window.user_label.text()
    assert not window.has_section(Section.ADMIN)
    assert not window.needs_welcome
    assert window.current_section() == Section.PANELS
    assert 0 < window.page(Section.PANELS).model.rowCount() < 5  # a chair sees their own panels
    window.close()
    from cspdesk.services.database.workspace import close_workspace

    close_workspace(window.ctx)


def test_open_database_that_is_not_there_says_so(ctx, make_window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    window = make_window(ctx)
    assert not window.open_database(tmp_path / "missing.db")
    assert shown and "missing.db" in shown[0]
    assert window.ctx is ctx  # still on the database it had


def test_tab_order_runs_sidebar_search_filters_list(demo_ctx, make_window, qtbot):
    window = make_window(demo_ctx)
    window.show_section(Section.CASES)
    cases = window.page(Section.CASES)
    window.sidebar.setFocus()
    qtbot.waitUntil(window.sidebar.hasFocus)
    order = []
    for _ in range(10):
        qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Tab)
        order.append(window.focusWidget())
    assert order == [cases.search_box, cases.panel_combo, cases.status_combo, cases.risk_combo, cases.flag_combo,
                     cases.agency_combo, cases.from_date, cases.to_date, cases.clear_button, cases.table]


def test_columns_can_be_shown_and_hidden_from_the_header_menu(demo_ctx, make_window):
    from cspdesk_gui.models.case_table import Column

    window = make_window(demo_ctx)
    window.show_section(Section.CASES)
    cases = window.page(Section.CASES)
    assert cases.table.isColumnHidden(Column.REVIEW)  # most cases have no review date
    menu = cases.column_menu()
    actions = {a.text(): a for a in menu.actions()}
    assert not actions["Subject"].isEnabled()  # always shown
    actions["Review"].setChecked(True)
    assert not cases.table.isColumnHidden(Column.REVIEW)
    actions["Referrer"].setChecked(False)
    assert cases.table.isColumnHidden(Column.REFERRER)
    # The Panel column is left out while one panel is listed, and comes back for all panels.
    cases.show_panel(window.page(Section.PANELS).model.panel_row(1).id)
    assert cases.table.isColumnHidden(Column.PANEL)
    cases.show_panel(None)
    assert not cases.table.isColumnHidden(Column.PANEL)
