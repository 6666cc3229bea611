"""The Meetings page: the list, the agenda editor (add, reorder by keys and by drag, remove),
attendance by keys, planning meetings, and the door into meeting mode. On the demo partnership."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from cspdesk.domain.enums import AgendaItemKind, AttendanceStatus, CaseStatus, Listing, MeetingStatus, PanelType
from cspdesk.domain.schedule import Recurrence
from cspdesk.services.meetings.meetings import MeetingService
from cspdesk.services.partnership.panels import PanelService
from cspdesk.storage import models as m
from cspdesk_gui.main_window import Section
from cspdesk_gui.models.meetings import ActionListModel, AgendaModel, AttendanceModel, MeetingListModel, SuggestionModel


def _marac(ctx) -> int:
    with ctx.reading() as s:
        return s.scalar(select(m.Panel.id).where(m.Panel.panel_type == PanelType.MARAC))


def _meetings_page(make_window, demo_ctx, qtbot):  # noqa: ANN001, ANN202
    window = make_window(demo_ctx, section=Section.MEETINGS)
    page = window.page(Section.MEETINGS)
    page.panel_combo.setCurrentIndex(page.panel_combo.findData(_marac(demo_ctx)))
    return window, page


def test_the_models_pass_the_model_tester(demo_ctx, qtmodeltester) -> None:
    svc = MeetingService(demo_ctx)
    rows = svc.list_meetings(_marac(demo_ctx))
    planned = next(r for r in rows if r.status is MeetingStatus.PLANNED and r.cases)
    detail = svc.get_meeting(planned.id)
    for model, data in ((MeetingListModel(), rows), (AgendaModel(draggable=True), detail.items),
                        (AttendanceModel(), detail.attendance), (ActionListModel(), svc.carried_actions(planned.id)),
                        (SuggestionModel(), svc.suggestions(planned.id))):
        model.set_rows(data)
        assert model.rowCount() == len(data)
        qtmodeltester.check(model)


def test_the_page_lists_meetings_and_shows_the_next_one(demo_ctx, make_window, qtbot) -> None:
    window, page = _meetings_page(make_window, demo_ctx, qtbot)
    svc = MeetingService(demo_ctx)
    rows = svc.list_meetings(_marac(demo_ctx))
    assert page.model.rowCount() == len(rows)
    assert page.count_label.text() == f"{len(rows)} meetings"
    upcoming = min((r for r in rows if r.status is MeetingStatus.PLANNED), key=lambda r: r.starts_at)
    assert page.detail.row.id == upcoming.id
    assert page.agenda_model.rowCount() == len(svc.get_meeting(upcoming.id).items)
    assert page.mode_button.isEnabled()


def test_the_agenda_editor(demo_ctx, make_window, qtbot) -> None:
    window, page = _meetings_page(make_window, demo_ctx, qtbot)
    svc = MeetingService(demo_ctx)
    mid = page.detail.row.id
    # Add a case by typing its reference and Enter (an open case of the panel not listed yet).
    with demo_ctx.reading() as s:
        listed = select(m.AgendaItem.case_id).join(m.Meeting).where(m.Meeting.status == MeetingStatus.PLANNED,
                                                                     m.AgendaItem.case_id.is_not(None))
        reference, case_id = s.execute(select(m.Case.reference, m.Case.id).where(
            m.Case.panel_id == _marac(demo_ctx), m.Case.status == CaseStatus.OPEN,
            m.Case.id.not_in(listed)).order_by(m.Case.id.desc())).first()
    before = page.agenda_model.rowCount()
    page.case_edit.setFocus()
    qtbot.keyClicks(page.case_edit, reference)
    qtbot.keyClick(page.case_edit, Qt.Key.Key_Return)
    assert page.agenda_model.rowCount() == before + 1, page.agenda_error.text()
    items = svc.get_meeting(mid).items
    added = next(i for i in items if i.case_id == case_id)
    assert items[-1].kind is AgendaItemKind.AOB and items[-2].id == added.id  # before any other business
    assert page.agenda_model.row_at(page.agenda_view.currentIndex().row()).id == added.id

    # Ctrl+Up moves it up one; the time slots follow.
    page.agenda_view.setFocus()
    qtbot.keyClick(page.agenda_view, Qt.Key.Key_Up, Qt.KeyboardModifier.ControlModifier)
    items = svc.get_meeting(mid).items
    assert items[-3].id == added.id
    assert items[-3].slot_start < items[-2].slot_start

    # Dragging: the model hands the order asked for to the service.
    ids = [i.id for i in items]
    mime = page.agenda_model.mimeData([page.agenda_model.index(len(ids) - 3, 0)])
    assert page.agenda_model.dropMimeData(mime, Qt.DropAction.MoveAction, 2, 0, QModelIndex()) is False
    moved = svc.get_meeting(mid).items
    assert moved[2].id == added.id and sorted(i.id for i in moved) == sorted(ids)
    assert [page.agenda_model.row_at(n).id for n in range(len(ids))] == [i.id for i in moved]

    # The minutes for an item.
    page.agenda_view.selectRow(2)
    page.minutes_spin.setValue(25)
    page._minutes_changed()  # what editingFinished calls (leaving the box, or Enter)
    assert svc.get_meeting(mid).item(added.id).minutes_allowed == 25

    # T marks it transferred in (from another area's MARAC), and back.
    page.agenda_view.selectRow(2)
    page.agenda_view.setFocus()
    qtbot.keyClick(page.agenda_view, Qt.Key.Key_T)
    assert svc.get_meeting(mid).item(added.id).listing is Listing.TRANSFERRED_IN
    assert page.agenda_model.row_at(2).listing is Listing.TRANSFERRED_IN

    # Delete takes the case off again.
    page.agenda_view.selectRow(2)
    page.agenda_view.setFocus()
    qtbot.keyClick(page.agenda_view, Qt.Key.Key_Delete)
    assert added.id not in [i.id for i in svc.get_meeting(mid).items]
    # A standing item stays, and the page says why.
    page.agenda_view.selectRow(0)
    qtbot.keyClick(page.agenda_view, Qt.Key.Key_Delete)
    assert "standing item" in page.agenda_error.text()


def test_attendance_by_keys_on_the_page(demo_ctx, make_window, qtbot) -> None:
    window, page = _meetings_page(make_window, demo_ctx, qtbot)
    page.tabs.setCurrentIndex(1)
    view = page.attendance_view
    view.setFocus()
    view.selectRow(0)
    qtbot.keyClick(view, Qt.Key.Key_P)
    qtbot.keyClick(view, Qt.Key.Key_A)
    view.selectRow(1)
    qtbot.keyClick(view, Qt.Key.Key_I)
    rows = MeetingService(demo_ctx).get_meeting(page.detail.row.id).attendance
    recorded = {r.agency: r for r in rows if r.id is not None}
    first, second = page.attendance_model.row_at(0), page.attendance_model.row_at(1)
    assert recorded[first.agency].status is AttendanceStatus.PRESENT
    assert recorded[second.agency].status is AttendanceStatus.APOLOGIES and recorded[second.agency].information_sent


def test_planning_recurring_meetings_in_the_dialog(demo_ctx, make_window, qtbot) -> None:
    from cspdesk_gui.dialogs.new_meeting import NewMeetingDialog

    window, page = _meetings_page(make_window, demo_ctx, qtbot)
    before = page.model.rowCount()
    page.table.setFocus()
    qtbot.keyClick(page.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: page.findChild(NewMeetingDialog) is not None)
    dialog = page.findChild(NewMeetingDialog)
    dialog.date_edit.setDate(date(2027, 3, 9))
    dialog.recurrence_combo.setCurrentIndex(dialog.recurrence_combo.findData(Recurrence.MONTHLY.value))
    dialog.count_spin.setValue(3)
    assert dialog.summary.text().startswith("On the second Tuesday of each month: 9 Mar 2027, 13 Apr 2027")
    dialog.venue_edit.setText("Swale House")
    with qtbot.waitSignal(page.changes_made) as blocker:
        dialog.plan()
    assert blocker.args[0].meetings
    assert page.model.rowCount() == before + 3
    assert page.detail.row.starts_at.date() == date(2027, 3, 9) and page.detail.row.venue == "Swale House"


def test_meeting_mode_opens_from_the_page(demo_ctx, make_window, qtbot, monkeypatch) -> None:
    import cspdesk_gui.pages.admin.common

    asked = []
    monkeypatch.setattr(cspdesk_gui.pages.admin.common, "confirm", lambda *a, **k: asked.append(a[2]) or True)
    window, page = _meetings_page(make_window, demo_ctx, qtbot)
    page.table.setFocus()
    with qtbot.waitSignal(window.meeting_mode_opened) as blocker:
        qtbot.keyClick(page.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    mode = blocker.args[0]
    assert mode.meeting_id == page.detail.row.id
    if page.detail.row.starts_at.date() > demo_ctx.today():  # a later day's meeting: asked first
        assert asked and "Meeting mode marks it “In progress”" in asked[0]
    assert MeetingService(demo_ctx).get_meeting(mode.meeting_id).row.status is MeetingStatus.IN_PROGRESS
    # Its changes reach the page (the status in the list).
    qtbot.waitUntil(lambda: page.model.row_at(page.model.row_of(mode.meeting_id)).status
                    is MeetingStatus.IN_PROGRESS, timeout=3000)
    # Asking again brings the same window forward.
    assert window.open_meeting_mode(mode.meeting_id) is mode
    mode.close()
    QApplication.processEvents()


def test_a_later_days_meeting_is_not_started_without_asking(demo_ctx, make_window, qtbot, monkeypatch) -> None:
    import cspdesk_gui.pages.admin.common

    asked = []
    monkeypatch.setattr(cspdesk_gui.pages.admin.common, "confirm", lambda *a, **k: asked.append(a[2]) or False)
    window = make_window(demo_ctx)
    svc = MeetingService(demo_ctx)
    rows = [r for panel in PanelService(demo_ctx).list_panels() for r in svc.list_meetings(panel.id)
            if r.status is MeetingStatus.PLANNED and r.starts_at.date() > demo_ctx.today()]
    assert window.open_meeting_mode(rows[0].id) is None  # "Cancel"
    assert asked and svc.get_meeting(rows[0].id).row.status is MeetingStatus.PLANNED


def test_a_one_off_meeting_has_no_how_many(demo_ctx, make_window, qtbot) -> None:
    from cspdesk_gui.dialogs.new_meeting import NewMeetingDialog

    panels = PanelService(demo_ctx).list_panels()
    dialog = NewMeetingDialog(MeetingService(demo_ctx), panels, panel_id=panels[0].id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.recurrence_combo.setCurrentIndex(dialog.recurrence_combo.findData(Recurrence.ONE_OFF.value))
    assert not dialog.count_spin.isVisible()
    assert dialog.summary.text().startswith("One meeting: ")
    dialog.recurrence_combo.setCurrentIndex(dialog.recurrence_combo.findData(Recurrence.MONTHLY.value))
    assert dialog.count_spin.isVisible()


def test_with_no_meetings_the_page_is_one_plain_empty_state(admin_ctx, make_window, qtbot) -> None:
    """A new partnership: no greyed agenda with its reordering keys, just what to do next."""
    window = make_window(admin_ctx, section=Section.MEETINGS)
    page = window.page(Section.MEETINGS)
    assert page.model.rowCount() == 0
    assert page.empty_label.isVisible()
    assert "New meeting" in page.empty_label.text()
    assert not page.detail_stack.isVisible()  # the list's empty state has the whole width
    assert not page.agenda_hint.isVisible() and not page.tabs.isVisible()
    assert not page.mode_button.isEnabled()


def test_with_no_meeting_chosen_the_detail_says_choose_one(demo_ctx, make_window, qtbot) -> None:
    window, page = _meetings_page(make_window, demo_ctx, qtbot)
    assert page.detail_stack.currentWidget() is page.detail_area and page.tabs.isVisible()
    page._show_meeting(None)
    assert page.detail_stack.isVisible()
    assert page.no_meeting_label.isVisible()
    assert page.no_meeting_label.text() == "Choose a meeting on the left, or plan one with New meeting… (Ctrl+N)."
    assert not page.agenda_hint.isVisible()
    page.table.setCurrentIndex(page.model.index(1, 0))
    assert page.detail_area.isVisible() and page.agenda_hint.isVisible()


def test_minutes_of_a_planned_meeting_are_shown_unavailable_and_ctrl_shift_p_says_why(
        demo_ctx, make_window, qtbot) -> None:
    window, page = _meetings_page(make_window, demo_ctx, qtbot)
    planned = next(n for n in range(page.model.rowCount()) if page.model.row_at(n).status is MeetingStatus.PLANNED)
    page.table.selectRow(planned)
    qtbot.waitUntil(lambda: page.detail is not None and page.detail.row.status is MeetingStatus.PLANNED,
                    timeout=3000)
    assert not page.print_minutes_action.isEnabled()
    assert "once the meeting has started" in page.print_minutes_action.text()
    page.table.setFocus()
    with qtbot.waitSignal(page.message_shown, timeout=2000) as said:
        qtbot.keyClick(page.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert said.args[0].startswith("No minutes yet")
    assert window.statusBar().currentMessage() == said.args[0]


def test_the_details_show_what_meeting_mode_wrote_once_it_closes(demo_ctx, make_window, qtbot, monkeypatch) -> None:
    import cspdesk_gui.pages.admin.common

    monkeypatch.setattr(cspdesk_gui.pages.admin.common, "confirm", lambda *a, **k: True)
    window, page = _meetings_page(make_window, demo_ctx, qtbot)
    page.table.setFocus()
    with qtbot.waitSignal(window.meeting_mode_opened) as blocker:
        qtbot.keyClick(page.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    mode = blocker.args[0]
    case_row = next(n for n, item in enumerate(mode.detail.items) if item.case_id is not None)
    mode.go_to(case_row)
    mode.notes.setFocus()
    qtbot.keyClicks(mode.notes, "Shared by all agencies")
    mode.close()
    qtbot.waitUntil(lambda: page.detail.items[case_row].discussion == "Shared by all agencies", timeout=5000)
    assert page.detail.row.status is MeetingStatus.IN_PROGRESS


def test_a_meeting_checked_out_to_run_offline_is_marked_in_the_list(qapp) -> None:  # noqa: ANN001
    """Issue 21: others see a checked-out meeting as read-only; the list says so, and who has it."""
    from datetime import datetime

    from cspdesk.services.meetings.meetings import MeetingRow
    from cspdesk_gui.models.meetings import MeetingColumn

    base = dict(id=1, panel_id=1, panel_name="Swale MARAC", panel_type=PanelType.MARAC,
                starts_at=datetime(2026, 12, 10, 10, 0), venue="Sittingbourne", chair="", minute_taker="",
                status=MeetingStatus.PLANNED, cases=12)
    model = MeetingListModel()
    model.set_rows([MeetingRow(**base), MeetingRow(**{**base, "id": 2}, checked_out_by="chair.marac",
                                                   checked_out_until=date(2026, 12, 11))])
    status = MeetingColumn.STATUS.value
    assert model.data(model.index(0, status)) == "Planned"
    assert model.data(model.index(1, status)) == "Planned (checked out)"
    tip = model.data(model.index(1, status), Qt.ItemDataRole.ToolTipRole)
    assert tip == "Planned, checked out by chair.marac until 11 Dec 2026 (read-only here)"
