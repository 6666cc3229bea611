"""The CARM contexts window (issue 20): a context made of a CARM case, its assessment saved as a new
version by keyboard (Ctrl+S), a goal and a response added to its plan, the way in from the map's
place node, Print…, and nothing shown to a MARAC-only member."""

from __future__ import annotations

import os
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt

from core.chronology_setup import CarmMap, make_carm_map
from core.referral_setup import coordinator
from cspdesk.domain.contexts import ContextKind
from cspdesk.services.people.contexts import ContextService
from cspdesk_gui.dialogs.contexts import ContextsDialog, open_contexts

#: Where screenshots go when asked for (CSPDESK_SHOTS=folder): looked at by a person, not asserted.
SHOTS = os.environ.get("CSPDESK_SHOTS")


@pytest.fixture
def carm(ctx) -> CarmMap:  # noqa: ANN001
    made = make_carm_map(ctx)
    intake = made.known.intake
    ctx.actor = coordinator(intake.coordinator_id, intake.carm)
    return made


def _open(qtbot, ctx) -> ContextsDialog:  # noqa: ANN001
    dialog = open_contexts(None, ctx)
    qtbot.addWidget(dialog)
    dialog.resize(1366, 740)  # the commonest council laptop, less the task bar
    qtbot.waitExposed(dialog)
    return dialog


def _shot(widget, name: str) -> None:  # noqa: ANN001
    if SHOTS:
        widget.grab().save(str(Path(SHOTS) / f"{name}.png"))


def test_a_context_made_assessed_and_planned_in_the_window(qtbot, carm: CarmMap) -> None:  # noqa: ANN001
    ctx = carm.known.intake.ctx
    dialog = _open(qtbot, ctx)
    assert dialog.contexts.count() == 0 and dialog.candidates.count() == 2
    dialog.candidates.setCurrentIndex(dialog.candidates.findText("CARM-2026-0002 — Victoria Park"))
    with qtbot.waitSignal(dialog.context_saved, timeout=5000):
        qtbot.mouseClick(dialog.make_button, Qt.MouseButton.LeftButton)
    assert dialog.contexts.count() == 1 and dialog.title.text() == "Victoria Park — CARM-2026-0002"
    assert dialog.kind.currentData() == ContextKind.PLACE
    assert "Not assessed yet" in dialog.version_text.toPlainText()

    dialog.assessed_on.setDate(QDate(2026, 5, 20))
    dialog.assessor.setFocus()
    qtbot.keyClicks(dialog.assessor, "Youth worker")
    qtbot.keyClicks(dialog.parts["what_happens"], "Older males recruit after school")
    qtbot.keyClicks(dialog.parts["guardians"], "Park warden on weekdays")
    with qtbot.waitSignal(dialog.context_saved, timeout=5000):
        qtbot.keyClick(dialog.assessor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert dialog.versions.itemText(0) == "20 May 2026 — Youth worker (current)"
    assert "Park warden on weekdays" in dialog.version_text.toPlainText()
    assert dialog.message.text() == "Assessment of 20 May 2026 saved as a new version."
    qtbot.keyClick(dialog.assessor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # nothing new typed
    assert dialog.message.text() == ("Say what happens there, who is harmed, the guardians present or the "
                                     "safety plan.")
    assert dialog.focusWidget() is dialog.parts["what_happens"]  # the field the message is about
    assert dialog.versions.count() == 1
    _shot(dialog, "contexts-assessment")

    dialog.tabs.setCurrentIndex(1)
    dialog.goal.setText("Young people safe in the park after school")
    dialog.measures.setText("Fewer reported incidents")
    with qtbot.waitSignal(dialog.context_saved, timeout=5000):
        qtbot.mouseClick(dialog.goal_button, Qt.MouseButton.LeftButton)
    dialog.response.setText("Patrols 3-6pm")
    dialog.agency.setCurrentIndex(dialog.agency.findText("Testshire Police"))
    dialog.due.setDate(QDate(2026, 7, 1))
    with qtbot.waitSignal(dialog.context_saved, timeout=5000):
        qtbot.mouseClick(dialog.response_button, Qt.MouseButton.LeftButton)
    goal = dialog.plan.topLevelItem(0)
    assert goal.text(0) == "1. Young people safe in the park after school"
    assert [goal.child(i).text(c) for i in range(goal.childCount()) for c in range(4)] == [
        "Measures: Fewer reported incidents", "", "", "",
        "Patrols 3-6pm", "Testshire Police", "01 Jul 2026", "Open"]
    for widget in (dialog.plan, dialog.response_button, dialog.print_button):  # inside the laptop's screen
        corner = widget.mapTo(dialog, widget.rect().bottomRight())
        assert corner.x() <= 1366 and corner.y() <= 740
    _shot(dialog, "contexts-plan")

    with qtbot.waitSignal(dialog.preview_opened, timeout=5000) as shown:
        qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    preview = shown.args[0]
    qtbot.waitUntil(lambda: preview.pdf is not None, timeout=60_000)
    text = "\n".join(p.extract_text() for p in PdfReader(BytesIO(preview.pdf)).pages)
    assert "Context assessment and plan (for circulation)" in text and "Patrols 3-6pm" in text
    if SHOTS:
        (Path(SHOTS) / "context.pdf").write_bytes(preview.pdf)
    preview.close()


def test_the_maps_place_node_opens_its_context_and_a_marac_member_sees_none(qtbot, carm: CarmMap) -> None:  # noqa: ANN001
    from cspdesk_gui.dialogs.context_map import open_context_map

    ctx = carm.known.intake.ctx
    with ctx.reading() as s:
        from sqlalchemy import select

        from cspdesk.storage.models import Case

        park_case = s.scalar(select(Case.id).where(Case.subject_location_id == carm.park))
    context_id = ContextService(ctx).open_context(park_case).value.id
    ctx.actor = carm.known.user("CARM")
    map_dialog = open_context_map(None, ctx)
    qtbot.addWidget(map_dialog)
    opened = map_dialog.open_node(f"place:{carm.park}")
    assert isinstance(opened, ContextsDialog)
    qtbot.addWidget(opened)
    assert opened.detail.row.id == context_id and opened.contexts.currentItem().text().startswith("Victoria Park")
    opened.close()
    map_dialog.close()
    ctx.actor = carm.known.user("MARAC")
    dialog = _open(qtbot, ctx)
    assert dialog.contexts.count() == 0 and dialog.candidates.count() == 0 and not dialog.make_button.isEnabled()
    assert dialog.detail is None


def test_meeting_mode_shows_a_listed_contexts_assessment_and_plan_with_its_responses_to_review(qtbot, carm: CarmMap) -> None:  # noqa: ANN001
    from datetime import date, datetime

    from sqlalchemy import select

    from cspdesk.domain.enums import MeetingStatus
    from cspdesk.services.meetings.meetings import MeetingService
    from cspdesk.storage.models import Case, Meeting
    from cspdesk_gui.meeting_mode import MeetingModeWindow

    ctx = carm.known.intake.ctx
    with ctx.reading() as s:
        park_case = s.scalar(select(Case.id).where(Case.subject_location_id == carm.park))
    service = ContextService(ctx)
    context_id = service.open_context(park_case).value.id
    service.add_assessment(context_id, assessed_on=date(2026, 5, 20), assessor="Youth worker",
                           what_happens="Older males recruit after school")
    goal = service.add_goal(context_id, "Safe after school", "Fewer incidents").value
    service.add_response(goal.id, agency_id=carm.known.intake.police, text="Patrols 3-6pm", due_date=date(2026, 7, 1))
    with ctx.unit_of_work() as s:
        meeting = Meeting(panel_id=carm.known.intake.carm, starts_at=datetime(2026, 6, 20, 10, 0),
                          status=MeetingStatus.PLANNED, created_at=datetime(2026, 6, 1))
        s.add(meeting)
        s.flush()
        meeting_id = meeting.id
    dialog = _open(qtbot, ctx)
    assert dialog.list_at_next_meeting()
    assert dialog.message.text() == "Listed at the meeting of 20 Jun 2026 10:00."
    assert not dialog.list_at_next_meeting()  # once
    assert dialog.message.text() == "CARM-2026-0002 is already on this agenda."
    assert [i.case_id for i in MeetingService(ctx).get_meeting(meeting_id).case_items] == [park_case]
    window = MeetingModeWindow(ctx, meeting_id)
    qtbot.addWidget(window)
    window.resize(1366, 740)
    with qtbot.waitExposed(window):
        window.show()
    window.go_to(0)
    text = window.summary_label.text()
    assert "Context (place):</b> Victoria Park, assessed 20 May 2026" in text
    assert "What happens there: Older males recruit after school" in text
    assert "Safe after school — <i>measures: Fewer incidents</i> (1 response)" in text
    assert window.earlier_model.rowCount() == 1  # the plan's response, to review with one key
    _shot(window, "meeting-context")
