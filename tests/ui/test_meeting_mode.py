"""Meeting mode, driven by the keyboard alone, and its notes surviving a killed process.

The whole-meeting test runs a MARAC meeting of the demo partnership (DEMO_TODAY = 2 Nov 2026: the
Swale MARAC's meeting of 3 Nov is planned, with cases listed) from attendance to finalised
minutes with ``qtbot.keyClick``/``keyClicks`` only, then checks everything through MeetingService.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from cspdesk.domain.enums import (
    ActionStatus,
    AgendaItemKind,
    AttendanceStatus,
    CaseStatus,
    Decision,
    MeetingStatus,
    PanelType,
)
from cspdesk.services.meetings.meetings import MeetingService
from cspdesk.storage import models as m
from cspdesk_gui.meeting_mode import MeetingModeWindow

ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
WORKER = Path(__file__).with_name("notes_worker.py")


def _marac_meeting(ctx) -> tuple[int, list[int]]:
    """The first planned MARAC meeting with cases, trimmed (through the service) to three cases,
    two of them with actions from earlier meetings to review. Returns its id and the case items."""
    svc = MeetingService(ctx)
    with ctx.reading() as s:
        panel = s.scalar(select(m.Panel.id).where(m.Panel.panel_type == PanelType.MARAC))
    planned = sorted((r for r in svc.list_meetings(panel) if r.status is MeetingStatus.PLANNED and r.cases),
                     key=lambda r: r.starts_at)
    mid = planned[0].id
    items = svc.get_meeting(mid).case_items
    with_actions = [i for i in items if svc.earlier_actions(i.id)]
    if len(with_actions) < 2:  # borrow a case with open actions listed at a later meeting
        for later in planned[1:]:
            for other in svc.get_meeting(later.id).case_items:
                if svc.earlier_actions(other.id) and len(with_actions) < 2:
                    svc.add_case(mid, other.case_id)
        items = svc.get_meeting(mid).case_items
        with_actions = [i for i in items if svc.earlier_actions(i.id)]
    assert len(with_actions) >= 2, "the demo data should have earlier actions to review"
    keep = [i.id for i in items if i not in with_actions][:1] + [i.id for i in with_actions[:2]]
    for item in items:
        if item.id not in keep:
            svc.remove_item(item.id)
    return mid, keep


def _press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    """A key to whatever has the focus (as a person's keyboard would)."""
    target = QApplication.focusWidget() or window
    qtbot.keyClick(target, key, modifier)
    QApplication.processEvents()  # as between a person's keystrokes


def _type(qtbot, window, text: str) -> None:
    qtbot.keyClicks(QApplication.focusWidget() or window, text)


def _agree(qtbot, window, agency: str, owner: str, text: str) -> None:
    """Alt+G, agency, Tab, owner, Tab, the action, Enter — as the chair hears it agreed."""
    before = window.agreed_model.rowCount()
    _press(qtbot, window, Qt.Key.Key_G, ALT)
    assert QApplication.focusWidget() is window.agency_edit
    _type(qtbot, window, agency)
    _press(qtbot, window, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is window.owner_edit, (agency, QApplication.activeWindow(), window.focusWidget(), window.agency_completer.popup().isVisible(), window.agency_edit.text(), QApplication.activePopupWidget(), window.owner_completer.popup().isVisible())
    _type(qtbot, window, owner)
    _press(qtbot, window, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is window.text_edit
    _type(qtbot, window, text)
    _press(qtbot, window, Qt.Key.Key_Return)
    assert window.agreed_model.rowCount() == before + 1, window.action_error.text()
    assert window.text_edit.text() == "" and window.agency_edit.text() == ""
    assert QApplication.focusWidget() is window.agency_edit


def _review_earlier(qtbot, window, keys: list[str], reason: str) -> list[int]:
    """Alt+E, then one key per earlier action (H and D ask for a reason). Returns the action ids."""
    _press(qtbot, window, Qt.Key.Key_E, ALT)
    assert QApplication.focusWidget() is window.earlier_view
    ids = [window.earlier_model.row_at(n).id for n in range(window.earlier_model.rowCount())]
    for key in keys[: len(ids)]:
        _press(qtbot, window, getattr(Qt.Key, f"Key_{key}"))
        if key in ("H", "D"):
            assert QApplication.focusWidget() is window.reason_edit
            _type(qtbot, window, reason)
            _press(qtbot, window, Qt.Key.Key_Return)
            assert QApplication.focusWidget() is window.earlier_view
    return ids[: len(keys)]


def test_a_whole_marac_meeting_by_keyboard_alone(demo_ctx, qtbot) -> None:
    svc = MeetingService(demo_ctx)
    mid, case_item_ids = _marac_meeting(demo_ctx)
    next_meeting = svc.get_meeting(mid).next_meeting
    assert next_meeting is not None

    window = MeetingModeWindow(demo_ctx, mid)
    qtbot.addWidget(window)
    with qtbot.waitExposed(window), qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    assert svc.get_meeting(mid).row.status is MeetingStatus.IN_PROGRESS
    assert window.current_item().kind is AgendaItemKind.CONFIDENTIALITY
    assert QApplication.focusWidget() is window.attendance_view

    # -- attendance: every core agency present but one, which sent apologies with information.
    core = window.attendance_model.rowCount()
    assert core >= 6 and window.attendance_warning.isVisible()
    for n in range(core):
        _press(qtbot, window, Qt.Key.Key_A if n == 3 else Qt.Key.Key_P)
    _press(qtbot, window, Qt.Key.Key_Home, CTRL)
    for _ in range(3):
        _press(qtbot, window, Qt.Key.Key_Down)
    _press(qtbot, window, Qt.Key.Key_I)
    apologising = window.attendance_model.row_at(3).agency
    # An observer who signed the confidentiality statement.
    _press(qtbot, window, Qt.Key.Key_S, ALT)
    qtbot.waitUntil(window.observer_signed.isChecked, timeout=2000)  # a mnemonic clicks after a flash
    _press(qtbot, window, Qt.Key.Key_B, ALT)
    assert QApplication.focusWidget() is window.observer_edit
    _type(qtbot, window, "Jo Bloggs (student social worker)")
    _press(qtbot, window, Qt.Key.Key_Return)
    assert window.attendance_warning.text() == f"Core agencies not present: {apologising}."

    # -- the review of outstanding actions: the first carried action is completed there.
    _press(qtbot, window, Qt.Key.Key_PageDown, CTRL)
    assert window.current_item().kind is AgendaItemKind.ACTIONS_REVIEW
    assert QApplication.focusWidget() is window.earlier_view
    carried_first = window.earlier_model.row_at(0).id
    _press(qtbot, window, Qt.Key.Key_C)

    reviewed: dict[int, ActionStatus] = {carried_first: ActionStatus.COMPLETED}
    plan = [
        # (earlier-action keys, notes, actions agreed, decision presses, outcome)
        ("", "New referral: threats to kill after separation. Police bail conditions in place.",
         [("Kent Police", "", "Flag the address for an urgent response."),
          ("Choices IDVA", "", "Contact the victim within 48 hours to review the safety plan.")],
         1, ""),
        ("GHD", "Perpetrator released from custody; victim staying with her mother.",
         [("Swale Borough", "", "Consider a management transfer with the victim."),
          ("Kent Children", "", "Complete a child and family assessment.")],
         1, ""),
        ("CG", "Risk reduced: victim moved out of area and engaging with the IDVA.",
         [("Probation", "Offender Manager", "Add the new address to the restricted list.")],
         2, "Victim safe in a new area; actions complete."),
    ]
    statuses = {"C": ActionStatus.COMPLETED, "G": ActionStatus.ONGOING, "H": ActionStatus.ON_HOLD,
                "D": ActionStatus.DISCONTINUED}
    for n, (keys, notes, actions, presses, outcome) in enumerate(plan):
        _press(qtbot, window, Qt.Key.Key_PageDown, CTRL)
        item = window.current_item()
        assert item.kind is AgendaItemKind.CASE and item.id == case_item_ids[n]
        assert window.summary_label.text() and "Addresses hidden" in window.people_label.text()
        # The referral's criteria and why the risk is what it is (issue 16, item 5).
        assert "<b>Criteria met:</b>" in window.summary_label.text()
        assert "<b>Consent to share:</b>" in window.summary_label.text()
        assert "Latest assessment: DASH risk checklist" in window.summary_label.text()
        if n == 0:
            Path("/tmp/cspdesk-shots").mkdir(exist_ok=True)
            assert window.grab().save("/tmp/cspdesk-shots/meeting_mode_brief.png")
        if keys:
            assert window.earlier_model.rowCount() >= 1
            ids = _review_earlier(qtbot, window, list(keys), "Victim in hospital; picked up at the next meeting")
            reviewed.update({aid: statuses[k] for aid, k in zip(ids, keys)})
        _press(qtbot, window, Qt.Key.Key_N, ALT)
        assert QApplication.focusWidget() is window.notes
        _type(qtbot, window, notes)
        for agency, owner, text in actions:
            _agree(qtbot, window, agency, owner, text)
        _press(qtbot, window, Qt.Key.Key_D, ALT)
        assert QApplication.focusWidget() is window.decision_combo
        for _ in range(presses):
            _press(qtbot, window, Qt.Key.Key_Down)
        if outcome:
            assert QApplication.focusWidget() is window.outcome_edit
            _type(qtbot, window, outcome)
            _press(qtbot, window, Qt.Key.Key_Return)
        assert window.decision_state.text().startswith("Recorded")

    # -- any other business, then the meeting ends and its minutes are finalised.
    _press(qtbot, window, Qt.Key.Key_PageDown, CTRL)
    assert window.current_item().kind is AgendaItemKind.AOB
    _type(qtbot, window, "Next meeting confirmed.")
    _press(qtbot, window, Qt.Key.Key_E, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert window.pages.currentWidget() is window.review_page
    assert "Jo Bloggs" in window.minutes_view.toPlainText()
    _press(qtbot, window, Qt.Key.Key_F, ALT)  # a button's mnemonic clicks it after a short flash
    qtbot.waitUntil(lambda: window.detail.locked, timeout=3000)
    assert QApplication.focusWidget() is window.addendum_edit
    _type(qtbot, window, "Correction: the IDVA is Choices, not Oasis.")
    _press(qtbot, window, Qt.Key.Key_Return)

    # -- everything, through the service.
    detail = svc.get_meeting(mid)
    assert detail.row.status is MeetingStatus.FINALISED and detail.finalised_at is not None
    present = [a for a in detail.attendance if a.status is AttendanceStatus.PRESENT and not a.is_observer]
    assert len(present) == core - 1
    (apology,) = [a for a in detail.attendance if a.status is AttendanceStatus.APOLOGIES]
    assert apology.agency == apologising and apology.information_sent
    (observer,) = [a for a in detail.attendance if a.is_observer]
    assert observer.name.startswith("Jo Bloggs") and observer.confidentiality_signed
    assert detail.missing_core_agencies == (apologising,)

    with demo_ctx.reading() as s:
        got = dict(s.execute(select(m.Action.id, m.Action.status).where(m.Action.id.in_(list(reviewed)))).all())
        reasons = dict(s.execute(select(m.Action.id, m.Action.status_reason)
                                 .where(m.Action.id.in_(list(reviewed)))).all())
    assert got == reviewed
    assert all(reasons[a] for a, st in reviewed.items() if st in (ActionStatus.ON_HOLD, ActionStatus.DISCONTINUED))

    agreed = svc.meeting_actions(mid)
    assert len(agreed) == 5
    assert [a.agency_id is not None for a in agreed] == [True] * 5
    assert {a.agency for a in agreed} >= {"Kent Police", "Choices IDVA Service", "Probation Service"}
    assert all(a.due_date == next_meeting.date() for a in agreed)  # the default: the next meeting
    assert all(a.status is ActionStatus.OPEN for a in agreed)
    by_item = {i: [a for a in agreed if a.agenda_item_id == i] for i in case_item_ids}
    assert [len(v) for v in by_item.values()] == [2, 2, 1]
    assert next(a for a in agreed if a.text.startswith("Add the new address")).owner == "Offender Manager"

    items = {i.id: i for i in detail.items}
    for n, (_keys, notes, _actions, _presses, outcome) in enumerate(plan):
        item = items[case_item_ids[n]]
        assert item.discussion == notes
        assert item.decision is (Decision.CLOSE if outcome else Decision.CONTINUE)
        assert item.started_at is not None and item.ended_at is not None
    with demo_ctx.reading() as s:
        closed = s.get(m.Case, items[case_item_ids[2]].case_id)
        assert closed.status is CaseStatus.CLOSED and "new area" in closed.outcome
    aob = next(i for i in detail.items if i.kind is AgendaItemKind.AOB)
    assert aob.discussion == "Next meeting confirmed."
    assert [a.text for a in detail.addenda] == ["Correction: the IDVA is Choices, not Oasis."]


def test_moving_between_items_keeps_the_notes_and_the_clocks(demo_ctx, qtbot) -> None:
    svc = MeetingService(demo_ctx)
    mid, case_item_ids = _marac_meeting(demo_ctx)
    window = MeetingModeWindow(demo_ctx, mid)
    qtbot.addWidget(window)
    with qtbot.waitExposed(window), qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    for _ in range(2):
        _press(qtbot, window, Qt.Key.Key_Right, ALT)
    assert window.current_item().id == case_item_ids[0]
    _press(qtbot, window, Qt.Key.Key_N, ALT)
    _type(qtbot, window, "Typed, then straight to the next case")
    _press(qtbot, window, Qt.Key.Key_Right, ALT)  # no pause: moving on saves first
    assert svc.get_meeting(mid).item(case_item_ids[0]).discussion == "Typed, then straight to the next case"
    _press(qtbot, window, Qt.Key.Key_Left, ALT)
    assert window.notes.toPlainText() == "Typed, then straight to the next case"
    # The clock of the item left has stopped; the current one runs.
    left = window.agenda_model.row_at(window.agenda_model.row_of(case_item_ids[1]))
    assert left.started_at is not None and left.ended_at is not None
    assert window.agenda_model.current_id == case_item_ids[0]
    # An item over its time shows it.
    over = window.current_item()
    window.agenda_model.replace(over.__class__(**{**over.__dict__, "minutes_allowed": 0}))
    window._tick()
    assert "over time" in window.item_clock.text()
    # Addresses only when asked for.
    assert all(not p.address for p in window._brief.people)
    _press(qtbot, window, Qt.Key.Key_A, CTRL | Qt.KeyboardModifier.ShiftModifier)
    assert window._brief.addresses_shown and "Addresses shown" in window.people_label.text()
    window.close()


def test_a_viewer_cannot_run_a_meeting(demo_ctx) -> None:
    from cspdesk.domain.enums import Role
    from cspdesk.services.context import Actor
    from cspdesk.services.errors import PermissionDenied

    mid, _items = _marac_meeting(demo_ctx)
    demo_ctx.actor = Actor(user_id=None, username="viewer", role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        MeetingModeWindow(demo_ctx, mid)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
def test_notes_survive_a_killed_process(demo_accounts_db: Path) -> None:
    """A real app process types notes into meeting mode and is killed with SIGKILL mid-sentence;
    on restart everything typed up to a second before the kill is there, in the window."""
    from cspdesk.services.access.auth import DEMO_PASSWORD, sign_in
    from cspdesk.services.database.workspace import close_workspace

    ctx = sign_in(demo_accounts_db, "chair.marac", DEMO_PASSWORD)
    try:
        svc = MeetingService(ctx)
        planned = sorted((r for r in svc.list_meetings() if r.status is MeetingStatus.PLANNED and r.cases),
                         key=lambda r: r.starts_at)
        mid = planned[0].id
        index = next(n for n, i in enumerate(svc.get_meeting(mid).items) if i.kind is AgendaItemKind.CASE)
        item_id = svc.get_meeting(mid).items[index].id
    finally:
        close_workspace(ctx)

    text = ("Police: two call-outs since the last meeting, the second a breach of bail conditions. "
            "IDVA: the victim is engaging and wants to stay in the property; a sanctuary referral is in. ") * 3
    env = {**os.environ, "CSPDESK_PASSWORD": DEMO_PASSWORD, "CSPDESK_FAST_KDF": "1", "QT_QPA_PLATFORM": "offscreen",
           "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[2]), os.environ.get("PYTHONPATH", "")])}
    args = [sys.executable, str(WORKER), "type", str(demo_accounts_db), "chair.marac", str(mid), str(index), text]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert proc.stdout is not None
    received: list[tuple[int, float]] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline().decode()
            if not line:
                break
            if line.startswith("typed "):
                received.append((int(line.split()[1]), time.monotonic()))
                if received[-1][0] >= 90:  # several seconds of typing, mid-sentence
                    break
        killed_at = time.monotonic()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        errors = proc.stderr.read().decode() if proc.stderr else ""
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
    assert received and received[-1][0] >= 90, errors
    assert proc.returncode == -signal.SIGKILL

    # Restart: a new process signs in (taking over the dead writer's lock) and shows the notes.
    shown = subprocess.run([sys.executable, str(WORKER), "show", str(demo_accounts_db), "chair.marac", str(mid),
                            str(index)], capture_output=True, text=True, env=env, timeout=60)
    assert shown.returncode == 0, shown.stderr
    notes = json.loads(shown.stdout.strip().splitlines()[-1])
    typed = received[-1][0]
    assert text[:typed].startswith(notes), "the saved notes are what was typed, nothing else"
    safe = max((n for n, at in received if at <= killed_at - 1.0), default=0)
    assert safe >= 40, "the test must type for well over a second before the kill"
    assert len(notes) >= safe, f"lost more than the last second: {typed - len(notes)} characters of {typed}"
    print(f"\nkilled after {typed} characters typed; {len(notes)} were there on restart "
          f"({typed - len(notes)} lost, at {1000 // 40} characters a second)")

    ctx = sign_in(demo_accounts_db, "chair.marac", DEMO_PASSWORD)
    try:
        assert MeetingService(ctx).get_meeting(mid).item(item_id).discussion == notes
    finally:
        close_workspace(ctx)
