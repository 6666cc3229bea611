"""The Actions section on the demo partnership: an officer's tracker and updates, a status change
for many actions, my actions, an OCG archived, a tracker imported and exported."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from cspdesk.domain.enums import ActionStatus, GroupStatus, Rag
from cspdesk.services.actions.actions import ActionGroupBy, ActionService
from cspdesk.services.access.auth import DEMO_PASSWORD, sign_in
from cspdesk.services.referrals.ocgs import OcgService
from cspdesk.services.database.workspace import close_workspace
from cspdesk_gui.dialogs.action_import import ActionImportDialog, Step
from cspdesk_gui.dialogs.action_status import ActionStatusDialog
from cspdesk_gui.dialogs.ocg_archive import OcgArchiveDialog
from cspdesk_gui.main_window import Section
from cspdesk_gui.models.action_table import ActionColumn, StatusRole
from cspdesk_gui.rag import RAG_ORDER

SWALE_PLAN = Path(__file__).parent.parent / "data" / "swale_2019_20_plan.xlsx"


@pytest.fixture
def officer_ctx(demo_accounts_db):  # noqa: ANN001, ANN201
    ctx = sign_in(demo_accounts_db, "officer.housing", DEMO_PASSWORD)
    yield ctx
    close_workspace(ctx)


def _actions_window(make_window, ctx, section=Section.ACTIONS):  # noqa: ANN001, ANN202
    """The Actions section with the tracker showing every panel the person sits on."""
    window = make_window(ctx, section=section)
    page = window.actions_page()
    page.tracker.set_panel(None)
    return window, page


def test_the_tracker_shows_one_panel_and_clearing_filters_keeps_it(demo_admin_ctx, make_window):
    window = make_window(demo_admin_ctx, section=Section.ACTIONS)
    tracker = window.actions_page().tracker
    assert tracker.model.query.panel_id is None  # every panel the person sits on, to begin with
    assert not tracker.table.isColumnHidden(ActionColumn.CASE)
    panel_id = next(tracker.panel_combo.itemData(i) for i in range(1, tracker.panel_combo.count())
                    if tracker.panel_combo.itemText(i) == "Swale MARAC")
    tracker.set_panel(panel_id)
    assert tracker.model.query.panel_id == panel_id
    assert {r.panel_id for r in _rows(tracker.model)} == {panel_id}
    tracker.set_rag(Rag.BLUE)
    tracker.status_combo.setCurrentIndex(1)  # All
    assert tracker.model.query.rags == frozenset({Rag.BLUE})
    tracker.clear_filters()
    assert tracker.model.query.rags is None and tracker.model.query.panel_id == panel_id


def _rows(model) -> list:  # noqa: ANN001
    return [model.action_row(r) for r in range(model.rowCount())]


def _shown(model, row: int, column: int):  # noqa: ANN001, ANN202
    """What the cell shows once its rows (and the row before: a group starts there) have been read."""
    if row:
        model.action_row(row - 1)
    model.action_row(row)
    return model.index(row, column).data()


def _open_with_key(qtbot, view, key: str) -> ActionStatusDialog:  # noqa: ANN001
    with qtbot.waitSignal(view.status_dialog_opened, timeout=5000) as opened:
        qtbot.keyClick(view.table, key)
    dialog = opened.args[0]
    assert isinstance(dialog, ActionStatusDialog)
    return dialog


def test_an_officer_filters_to_their_agency_updates_three_actions_and_the_counts_follow(
    officer_ctx, make_window, qtbot
):
    window, page = _actions_window(make_window, officer_ctx)
    tracker = page.tracker
    service = ActionService(officer_ctx)
    assert tracker.model.rowCount() > 0

    # Filter to their own agency.
    agency_id = officer_ctx.actor.agency_id
    assert tracker.set_agency(agency_id)
    rows = _rows(tracker.model)
    assert len(rows) >= 3
    assert {r.owner_agency_id for r in rows} == {agency_id}
    assert {r.owner_agency for r in rows} == {"Golding Homes"}
    before = tracker.rag_strip.counts()
    assert sum(before.values()) == tracker.model.rowCount() == len(service.action_ids(tracker.model.query))

    # Three of the most urgent: one completed, one put on hold (with its reason), one marked ongoing.
    first = rows[0]
    second = next(r for r in rows[1:] if r.status != ActionStatus.ON_HOLD)
    third = next(r for r in rows[1:] if r.status != ActionStatus.ONGOING and r is not second)
    changes = [(first, "c", ActionStatus.COMPLETED, "Tenancy visit done; support plan in place."),
               (second, "h", ActionStatus.ON_HOLD, "Waiting for the tenant to return from hospital."),
               (third, "g", ActionStatus.ONGOING, "First visit booked for Thursday.")]
    for row, key, status, note in changes:
        tracker.select_ids([row.id])
        tracker.table.setFocus()
        dialog = _open_with_key(qtbot, tracker, key)
        assert dialog.status() == status
        if status == ActionStatus.ON_HOLD:
            assert dialog.focusWidget() is dialog.reason_edit  # the reason comes first where it is needed
            qtbot.keyClicks(dialog.reason_edit, note)
        else:
            qtbot.keyClicks(dialog.note_edit, note)
        with qtbot.waitSignal(window.changes_applied, timeout=5000):
            qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)

    # The log holds each update, by the officer.
    for row, _key, status, note in changes:
        detail = service.get_action(row.id)
        assert detail.row.status == status
        last = detail.log[-1]
        assert last.new_status == status and last.old_status == row.status
        assert note in last.text
        assert last.by_name  # who
    # The completed one left the "not finished" list; the other two show their new status.
    ids = tracker.model.ids()
    assert first.id not in ids
    assert tracker.model.index(tracker.model.row_of(second.id), ActionColumn.STATUS).data() == "On hold"
    assert ActionStatus(tracker.model.index(tracker.model.row_of(third.id), 0).data(StatusRole)) == ActionStatus.ONGOING
    # The strip counts what is listed now, from the database.
    after = tracker.rag_strip.counts()
    fresh = service.rag_counts(tracker.model.query)
    assert after == {r: fresh[r] for r in RAG_ORDER}
    assert sum(after.values()) == sum(before.values()) - 1 == tracker.model.rowCount()
    assert after != before
    expected_on_hold_rag = service.get_action(second.id).row.rag
    assert expected_on_hold_rag in (Rag.AMBER, Rag.RED)  # on hold: amber unless overdue


def test_an_officer_is_not_offered_another_agencys_action(officer_ctx, make_window, qtbot):
    window, page = _actions_window(make_window, officer_ctx)
    tracker = page.tracker
    other = next(r for r in _rows(tracker.model) if r.owner_agency_id != officer_ctx.actor.agency_id)
    tracker.select_ids([other.id])
    assert tracker.detail.action_id() == other.id
    assert not tracker.detail.change_button.isEnabled() and not tracker.detail.note_edit.isEnabled()
    tracker.table.setFocus()
    with qtbot.assertNotEmitted(tracker.status_dialog_opened):
        qtbot.keyClick(tracker.table, "g")
    assert "officers change only their own agency's actions" in tracker.message.text()
    assert other.owner_agency in tracker.message.text()
    assert ActionService(officer_ctx).get_action(other.id).row.status == other.status


def test_a_status_change_for_many_actions_at_once(demo_admin_ctx, make_window, qtbot):
    window, page = _actions_window(make_window, demo_admin_ctx)
    tracker = page.tracker
    rows = [r for r in _rows(tracker.model) if r.status != ActionStatus.ON_HOLD][:4]
    tracker.select_ids([r.id for r in rows])
    assert tracker.selected_ids() == sorted(tracker.selected_ids(), key=tracker.model.row_of)
    assert tracker.selection_label.text() == "4 selected"
    with qtbot.waitSignal(tracker.status_dialog_opened) as opened:
        tracker.change_button.click()
    dialog = opened.args[0]
    assert dialog.heading.text() == "Change the status of 4 actions"
    dialog.set_status(ActionStatus.ON_HOLD)
    dialog.note_edit.setText("Paused across the board until the new housing contract starts.")
    dialog.accept()
    assert dialog.isVisible() and "Say why" in dialog.error_text()  # On hold needs a reason
    dialog.reason_edit.setText("Contract changeover")
    with qtbot.waitSignal(window.changes_applied, timeout=5000):
        dialog.accept()
    service = ActionService(demo_admin_ctx)
    for row in rows:
        detail = service.get_action(row.id)
        assert detail.row.status == ActionStatus.ON_HOLD
        assert detail.row.status_reason == "Contract changeover"
        assert "Paused across the board" in detail.log[-1].text
        model_row = tracker.model.row_of(row.id)
        assert tracker.model.index(model_row, ActionColumn.STATUS).data() == "On hold"
    assert "4 actions now on hold" in tracker.message.text()
    assert sorted(tracker.selected_ids()) == sorted(r.id for r in rows)  # still selected


def test_a_note_is_added_from_the_detail_pane_with_enter(demo_admin_ctx, make_window, qtbot):
    window, page = _actions_window(make_window, demo_admin_ctx)
    tracker = page.tracker
    row = _rows(tracker.model)[0]
    tracker.select_ids([row.id])
    pane = tracker.detail
    assert pane.action_id() == row.id
    qtbot.keyClicks(pane.note_edit, "Rang the housing officer; visit on Friday.")
    with qtbot.waitSignal(window.changes_applied, timeout=5000):
        qtbot.keyClick(pane.note_edit, Qt.Key.Key_Return)
    assert pane.note_edit.text() == ""
    assert pane.log_texts()[0].endswith("Rang the housing officer; visit on Friday.")  # newest first
    detail = ActionService(demo_admin_ctx).get_action(row.id)
    assert detail.log[-1].text == "Rang the housing officer; visit on Friday." and detail.row.status == row.status


def test_a_viewer_sees_the_tracker_but_is_offered_no_changes(demo_accounts_db, make_window, qtbot):
    ctx = sign_in(demo_accounts_db, "viewer", DEMO_PASSWORD)
    try:
        window, page = _actions_window(make_window, ctx)
        tracker = page.tracker
        assert tracker.model.rowCount() > 0
        assert not tracker.change_button.isVisibleTo(tracker) and not tracker.import_button.isVisibleTo(tracker)
        assert not tracker.detail.change_button.isVisibleTo(tracker.detail)
        tracker.table.setFocus()
        with qtbot.assertNotEmitted(tracker.status_dialog_opened):
            qtbot.keyClick(tracker.table, "c")
        window.close()
    finally:
        close_workspace(ctx)


def test_completed_asks_for_a_date_and_on_hold_for_a_reason(demo_admin_ctx, make_window, qtbot):
    window, page = _actions_window(make_window, demo_admin_ctx)
    tracker = page.tracker
    dialog = tracker.change_status(ActionStatus.COMPLETED)
    assert dialog is not None
    assert dialog.date_edit.isVisibleTo(dialog) and not dialog.reason_edit.isVisibleTo(dialog)
    dialog.set_status(ActionStatus.DISCONTINUED)
    assert dialog.reason_edit.isVisibleTo(dialog) and not dialog.date_edit.isVisibleTo(dialog)
    dialog.set_status(ActionStatus.ONGOING)
    assert not dialog.reason_edit.isVisibleTo(dialog) and not dialog.date_edit.isVisibleTo(dialog)
    dialog.reject()


def test_grouping_by_agency_names_each_agency_once(demo_admin_ctx, make_window):
    window, page = _actions_window(make_window, demo_admin_ctx)
    tracker = page.tracker
    tracker.set_grouping(ActionGroupBy.AGENCY)
    model = tracker.model
    assert model.query.group_by == ActionGroupBy.AGENCY
    assert not tracker.table.isColumnHidden(ActionColumn.GROUP)
    assert tracker.table.isColumnHidden(ActionColumn.AGENCY)
    names = [n for n in (_shown(model, r, ActionColumn.GROUP) for r in range(model.rowCount())) if n]
    assert len(names) == len(set(names)) > 2
    assert names == sorted(names, key=lambda n: (n == "No agency", n.casefold()))  # by name, whatever the case


def test_the_rag_strip_filters_the_list(demo_admin_ctx, make_window, qtbot):
    window, page = _actions_window(make_window, demo_admin_ctx)
    tracker = page.tracker
    red = tracker.rag_strip.counts()[Rag.RED]
    assert red > 0
    before = tracker.rag_strip.counts()
    tracker.rag_strip.tiles[Rag.RED].click()
    assert tracker.model.rowCount() == red
    assert {r.rag for r in _rows(tracker.model)} == {Rag.RED}
    assert tracker.rag_strip.counts() == before  # every tile keeps its count while one is chosen
    assert tracker.rag_strip.tiles[Rag.RED].isChecked() and tracker.rag_combo.currentText() == "Red"
    assert "Red · overdue" in tracker.rag_strip.count_text(Rag.RED)
    tracker.rag_strip.tiles[Rag.RED].click()  # again: every rating
    assert tracker.model.rowCount() > red


def test_my_actions_lists_the_officers_agency_and_updates_with_a_key(officer_ctx, make_window, qtbot):
    window = make_window(officer_ctx, section="my-actions")
    page = window.actions_page()
    view = page.my_actions
    assert page.tabs.currentWidget() is view
    rows = _rows(view.model)
    assert rows and {r.owner_agency_id for r in rows} == {officer_ctx.actor.agency_id}
    assert all(r.status not in (ActionStatus.COMPLETED, ActionStatus.DISCONTINUED) for r in rows)
    assert view.about_label.text() == "The unfinished actions of Golding Homes on the panels you sit on."
    assert view.print_button.isEnabled()  # the action log prints (tests/ui/test_papers_printed.py)
    target = rows[0]
    assert view.selected_ids() == [target.id]  # the first is chosen: a key works at once
    view.table.setFocus()
    dialog = _open_with_key(qtbot, view, "c")
    assert dialog.focusWidget() is dialog.note_edit
    qtbot.keyClicks(dialog.note_edit, "Closed after the panel")
    with qtbot.waitSignal(window.changes_applied, timeout=5000):
        qtbot.keyClick(dialog.note_edit, Qt.Key.Key_Return)
    assert target.id not in view.model.ids()
    assert ActionService(officer_ctx).get_action(target.id).row.status == ActionStatus.COMPLETED
    assert sum(view.rag_strip.counts().values()) == len(rows) - 1
    # The next action is chosen, and the list has the keyboard again: the next key updates it.
    assert view.selected_ids() == [rows[1].id]
    assert view.table.hasFocus() or view.table.isAncestorOf(view.focusWidget()) or view.focusWidget() is view.table
    dialog = _open_with_key(qtbot, view, "g")
    assert dialog.heading.text() == "Change status"
    dialog.reject()


def test_an_ocg_archived_with_a_reason_leaves_the_active_list(demo_admin_ctx, make_window, qtbot):
    window = make_window(demo_admin_ctx, section="ocgs")
    page = window.actions_page()
    view = page.ocgs
    assert view is not None and page.tabs.currentWidget() is view
    active = view.model.ids()
    assert active
    group_id = active[0]
    assert view.detail.detail.row.id == group_id  # the first group is shown
    assert sum(view.detail.strand_counts().values()) == len(OcgService(demo_admin_ctx).get_ocg(group_id).strands[0].actions) + sum(
        len(s.actions) for s in OcgService(demo_admin_ctx).get_ocg(group_id).strands[1:])
    dialog = view.archive()
    assert isinstance(dialog, OcgArchiveDialog)
    dialog.approved_edit.setText("DCI Amy Clarke, SOCP chair")
    dialog.accept()
    assert dialog.isVisible() and "why" in dialog.error_text()  # a reason is required
    dialog.reason_edit.setPlainText("Principal nominals convicted; no further intelligence.")
    with qtbot.waitSignal(window.changes_applied, timeout=5000):
        dialog.accept()
    assert group_id not in view.model.ids()
    assert len(view.model.ids()) == len(active) - 1
    assert "left the active list" in view.message.text()
    # This quarter's figures count it as archived.
    today = demo_admin_ctx.today()
    quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    figures = OcgService(demo_admin_ctx).counts(quarter, today)
    assert figures.archived >= 1
    assert f"managed, {figures.archived:,} archived" in view.period_label.text()
    ocg = OcgService(demo_admin_ctx).get_ocg(group_id)
    assert ocg.row.status == GroupStatus.ARCHIVED
    assert ocg.archive_reason.startswith("Principal nominals")
    assert ocg.archive_approved_by == "DCI Amy Clarke, SOCP chair"
    view.set_status_filter("Archived")
    assert group_id in view.model.ids()
    view.select_row(view.model.row_of(group_id))
    assert view.detail.fact_labels["Approved by"].text() == "DCI Amy Clarke, SOCP chair"
    assert not view.detail.archive_button.isEnabled()


def test_the_ocg_pane_shows_nominals_scores_and_the_four_strands(demo_admin_ctx, make_window):
    window = make_window(demo_admin_ctx, section="ocgs")
    view = window.actions_page().ocgs
    detail = view.detail.detail
    assert detail is not None
    assert view.detail.nominal_model.rowCount() == max(len(detail.nominals), 1)
    tops = [view.detail.strand_model.item(r, 0).text() for r in range(view.detail.strand_model.rowCount())]
    assert [t.split(" —")[0] for t in tops[:4]] == ["Pursue", "Prevent", "Protect", "Prepare"]
    if detail.scores:
        assert view.detail.score_model.rowCount() == len(detail.scores)
        assert "Latest:" in view.detail.score_label.text()


def test_a_tracker_spreadsheet_imports_through_the_dialog(demo_admin_ctx, make_window, qtbot):
    window, page = _actions_window(make_window, demo_admin_ctx)
    tracker = page.tracker
    panel_index = next(i for i in range(tracker.panel_combo.count()) if tracker.panel_combo.itemText(i) == "CSP Executive Group")
    tracker.panel_combo.setCurrentIndex(panel_index)
    panel_id = tracker.panel_combo.currentData()
    before = len(ActionService(demo_admin_ctx).action_ids(tracker.model.query.__class__(panel_id=panel_id)))
    dialog = tracker.open_import()
    assert isinstance(dialog, ActionImportDialog)
    assert dialog.panel_id() == panel_id
    dialog.path_edit.setText(str(SWALE_PLAN))
    with qtbot.waitSignal(dialog.step_shown, timeout=20_000, check_params_cb=lambda s: s == Step.MAPPING):
        dialog.next_button.click()
    mapping = dialog.mapping()
    from cspdesk.services.records_io.action_import import ActionField

    assert mapping.column_of(ActionField.TEXT) is not None and mapping.column_of(ActionField.AGENCY) is not None
    # A field goes to one column: choosing it elsewhere takes it off the first, and back again.
    number_column = mapping.column_of(ActionField.NUMBER)
    dialog.set_field(number_column + 1, ActionField.NUMBER)
    assert dialog.mapping().column_of(ActionField.NUMBER) == number_column + 1
    assert dialog.mapping().columns[number_column] is None
    dialog.set_field(number_column, ActionField.NUMBER)
    dialog.set_field(number_column + 1, mapping.columns[number_column + 1])
    assert dialog.mapping().columns == mapping.columns
    with qtbot.waitSignal(dialog.step_shown, timeout=20_000, check_params_cb=lambda s: s == Step.REPORT):
        dialog.next_button.click()
    report = dialog.report
    assert report is not None and report.good > 20 and not report.written
    assert len(ActionService(demo_admin_ctx).action_ids(tracker.model.query.__class__(panel_id=panel_id))) == before
    button = dialog.all_button if report.ok else dialog.good_button
    assert button.isEnabled()
    with qtbot.waitSignal(window.changes_applied, timeout=30_000):
        button.click()
    assert dialog.step() == Step.DONE
    after = ActionService(demo_admin_ctx).action_ids(tracker.model.query.__class__(panel_id=panel_id))
    # The demo's CSP Executive Group holds this plan already: its rows update those actions.
    assert len(after) == before + report.new
    assert report.new + report.updated + report.unchanged == report.good
    assert "from swale_2019_20_plan.xlsx" in tracker.message.text()
    imported = set(dialog.result_report.action_ids)
    assert len(imported) == report.good
    dialog.close()
    # The plan shows grouped by its priorities, in the plan's own order and numbering.
    tracker.status_combo.setCurrentIndex(1)  # All
    tracker.set_grouping(ActionGroupBy.HEADING)
    model = tracker.model
    groups = [g for g in (_shown(model, r, ActionColumn.GROUP) for r in range(model.rowCount())) if g]
    assert any(g.startswith("Priority 1") for g in groups)
    numbers = [model.action_row(r).number for r in range(model.rowCount()) if model.action_row(r).id in imported]
    assert "1.1" in numbers and "7.4" in numbers


def test_bad_rows_are_reported_by_row_number_and_nothing_is_imported(demo_admin_ctx, make_window, qtbot, tmp_path):
    window, page = _actions_window(make_window, demo_admin_ctx)
    service = ActionService(demo_admin_ctx)
    before = len(service.action_ids())
    sheet = tmp_path / "tracker.csv"
    sheet.write_text("No.,Action,Lead agency,Status\n1,Visit the address,Kent Police,Done\n"
                     "2,,Kent Police,Ongoing\n3,Refer to IDVA,Kent Police,Maybe\n", encoding="utf-8")
    dialog = page.tracker.open_import()
    dialog.path_edit.setText(str(sheet))
    with qtbot.waitSignal(dialog.step_shown, timeout=20_000, check_params_cb=lambda s: s == Step.MAPPING):
        dialog.next_button.click()
    with qtbot.waitSignal(dialog.step_shown, timeout=20_000, check_params_cb=lambda s: s == Step.REPORT):
        dialog.next_button.click()
    shown = dialog.bad_rows_shown()
    assert len(shown) == 2
    assert shown[0].startswith("Row 3:") and "empty" in shown[0]
    assert shown[1].startswith("Row 4:") and "Maybe" in shown[1]
    assert "1 row cannot" not in dialog.bad_caption.text() and "2 rows cannot be imported" in dialog.bad_caption.text()
    assert not dialog.all_button.isEnabled() and dialog.good_button.isEnabled()
    dialog.nothing_button.click()  # import nothing
    assert not dialog.isVisible()
    assert len(service.action_ids()) == before


def test_overdue_and_case_filters(demo_admin_ctx, make_window, qtbot):
    window, page = _actions_window(make_window, demo_admin_ctx)
    tracker = page.tracker
    tracker.overdue_check.setChecked(True)
    rows = _rows(tracker.model)
    assert rows and all(r.overdue for r in rows)
    assert tracker.rag_strip.counts()[Rag.RED] == len(rows)
    tracker.overdue_check.setChecked(False)
    reference = next(r.case_reference for r in _rows(tracker.model) if r.case_reference)
    tracker.case_edit.setText(reference.lower())
    qtbot.keyClick(tracker.case_edit, Qt.Key.Key_Return)
    rows = _rows(tracker.model)
    assert rows and {r.case_reference for r in rows} == {reference}
    assert tracker.case_edit.text() == reference
    tracker.case_edit.setText("NO-SUCH-0000")
    qtbot.keyClick(tracker.case_edit, Qt.Key.Key_Return)
    assert "No case with the reference" in tracker.message.text()
    tracker.case_edit.clear()
    assert tracker.model.query.case_id is None


def test_export_writes_the_listed_actions(demo_admin_ctx, make_window, qtbot, tmp_path):
    window, page = _actions_window(make_window, demo_admin_ctx)
    tracker = page.tracker
    tracker.set_rag(Rag.RED)
    out = tmp_path / "red.csv"
    with qtbot.waitSignal(tracker.exported, timeout=20_000):
        tracker.export_to(str(out))
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert len(rows) - 1 == tracker.model.rowCount() > 0
    assert "exported to red.csv" in tracker.message.text()


def test_the_rag_strip_gives_way_on_a_narrow_page(qtbot) -> None:
    """On a 1024-px laptop the five tiles' words (858 px) pushed the tracker past the window: the
    strip shows "Red   87" when short of room, the words when there is room, and asks only for
    the short texts' width; the meaning stays in each tile's accessible name."""
    from cspdesk.domain.enums import Rag
    from cspdesk_gui.widgets.rag_strip import RagStrip

    strip = RagStrip()
    qtbot.addWidget(strip)
    strip.set_counts({Rag.RED: 87, Rag.AMBER: 77, Rag.GREEN: 13})
    strip.resize(1400, 40)
    strip.show()
    qtbot.waitUntil(lambda: strip.tiles[Rag.RED].text().startswith("Red · overdue"))
    wide = sum(t.sizeHint().width() for t in strip.tiles.values())
    strip.resize(520, 40)
    qtbot.waitUntil(lambda: strip.tiles[Rag.RED].text() == "Red   87")
    assert strip.minimumSizeHint().width() < wide
    assert "overdue" in strip.tiles[Rag.RED].accessibleName()
    assert strip.count_text(Rag.RED).startswith("Red · overdue")
