"""Meetings: planning, the agenda, attendance, meeting mode's calls, finalising and addenda.

On the small demo partnership (DEMO_TODAY = 2 Nov 2026): the Swale MARAC meets fortnightly on
Tuesdays; its meetings after that day are planned, with cases already listed.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cspdesk.domain.enums import (
    ActionStatus,
    AgendaItemKind,
    AttendanceStatus,
    AuditKind,
    CaseStatus,
    Decision,
    Listing,
    MeetingStatus,
    PanelType,
    Role,
)
from cspdesk.domain.schedule import Recurrence, describe_monthly, meeting_dates, nth_weekday
from cspdesk.services.context import Actor
from cspdesk.services.errors import NotFound, PermissionDenied, ValidationError
from cspdesk.services.meetings.meetings import MeetingService, MinutesLocked, SuggestionKind
from cspdesk.storage import models as m

# -- dates -----------------------------------------------------------------------------------------


def test_weekly_and_fortnightly_dates() -> None:
    first = date(2026, 11, 3)  # a Tuesday
    assert meeting_dates(first, Recurrence.WEEKLY, 3) == [date(2026, 11, 3), date(2026, 11, 10), date(2026, 11, 17)]
    assert meeting_dates(first, Recurrence.FORTNIGHTLY, 3) == [first, date(2026, 11, 17), date(2026, 12, 1)]
    assert meeting_dates(first, Recurrence.ONE_OFF, 5) == [first]
    with pytest.raises(ValueError):
        meeting_dates(first, Recurrence.WEEKLY, 0)


def test_monthly_on_the_same_weekday_of_the_month() -> None:
    second_tuesday = date(2026, 11, 10)
    days = meeting_dates(second_tuesday, Recurrence.MONTHLY, 4)
    assert days == [date(2026, 11, 10), date(2026, 12, 8), date(2027, 1, 12), date(2027, 2, 9)]
    assert all(d.weekday() == 1 and 8 <= d.day <= 14 for d in days)
    assert describe_monthly(second_tuesday) == "the second Tuesday of each month"
    # A fifth Thursday recurs on the last Thursday of each month.
    fifth = date(2026, 10, 29)
    assert describe_monthly(fifth) == "the last Thursday of each month"
    assert meeting_dates(fifth, Recurrence.MONTHLY, 3) == [fifth, date(2026, 11, 26), date(2026, 12, 31)]
    assert nth_weekday(2027, 2, 0, 5) == date(2027, 2, 22)


# -- helpers ---------------------------------------------------------------------------------------


def _marac(ctx) -> int:
    with ctx.reading() as s:
        return s.scalar(select(m.Panel.id).where(m.Panel.panel_type == PanelType.MARAC).order_by(m.Panel.id))


def _planned_with_cases(ctx, panel_id: int) -> int:
    """The first planned meeting of the panel that has cases on its agenda."""
    for row in sorted(MeetingService(ctx).list_meetings(panel_id), key=lambda r: r.starts_at):
        if row.status is MeetingStatus.PLANNED and row.cases:
            return row.id
    raise AssertionError("no planned meeting with cases")


def _accepted_case(ctx, panel_id: int, *, repeat: bool | None = None) -> int:
    with ctx.unit_of_work() as s:
        stmt = select(m.Case).where(m.Case.panel_id == panel_id, m.Case.status == CaseStatus.OPEN)
        listed = select(m.AgendaItem.case_id).join(m.Meeting).where(m.Meeting.status == MeetingStatus.PLANNED,
                                                                     m.AgendaItem.case_id.is_not(None))
        stmt = stmt.where(m.Case.id.not_in(listed))
        if repeat is not None:
            stmt = stmt.where(m.Case.repeat_of_case_id.is_not(None) if repeat else m.Case.repeat_of_case_id.is_(None))
        case_ = s.scalars(stmt.order_by(m.Case.id.desc())).first()
        assert case_ is not None
        return case_.id


def _audit_count(ctx, entity: str, kind: AuditKind | None = None) -> int:
    with ctx.reading() as s:
        stmt = select(func.count()).select_from(m.AuditEvent).where(m.AuditEvent.entity == entity)
        if kind is not None:
            stmt = stmt.where(m.AuditEvent.kind == kind)
        return s.scalar(stmt)


def _member_of(ctx, agency_id: int) -> int:
    with ctx.reading() as s:
        return s.scalar(select(m.Member.id).where(m.Member.agency_id == agency_id).order_by(m.Member.id))


# -- planning ----------------------------------------------------------------------------------------


def test_planning_recurring_meetings_with_standing_items(demo_ctx) -> None:
    svc = MeetingService(demo_ctx)
    panel = _marac(demo_ctx)
    chair = _member_of(demo_ctx, 1)
    before = _audit_count(demo_ctx, "meeting", AuditKind.CREATE)
    result = svc.plan_meetings(panel, datetime(2027, 3, 9, 10, 0), recurrence=Recurrence.MONTHLY, count=3,
                               venue="  Swale House  ", chair_member_id=chair)
    assert result.changes.meetings
    assert len(result.value) == 3
    details = [svc.get_meeting(i) for i in result.value]
    assert [d.row.starts_at for d in details] == [datetime(2027, 3, 9, 10), datetime(2027, 4, 13, 10),
                                                   datetime(2027, 5, 11, 10)]
    for d in details:
        assert d.row.status is MeetingStatus.PLANNED and d.row.venue == "Swale House" and d.chair_member_id == chair
        assert [i.kind for i in d.items] == [AgendaItemKind.CONFIDENTIALITY, AgendaItemKind.ACTIONS_REVIEW,
                                             AgendaItemKind.AOB]
        # Core agencies pre-filled (absent until marked), and all of them missing.
        assert d.attendance and all(a.is_core and a.id is None for a in d.attendance)
        assert len(d.missing_core_agencies) == len(d.attendance)
    assert _audit_count(demo_ctx, "meeting", AuditKind.CREATE) == before + 3
    # The same time again is refused, and nothing of the call is kept.
    with pytest.raises(ValidationError) as err:
        svc.plan_meetings(panel, datetime(2027, 2, 9, 10, 0), recurrence=Recurrence.MONTHLY, count=2)
    assert err.value.field == "starts_at"
    assert not any(r.starts_at == datetime(2027, 2, 9, 10) for r in svc.list_meetings(panel))


def test_a_one_off_meeting_and_bad_counts(demo_ctx) -> None:
    svc = MeetingService(demo_ctx)
    panel = _marac(demo_ctx)
    assert len(svc.plan_meetings(panel, datetime(2027, 6, 1, 14), count=9).value) == 1
    with pytest.raises(ValidationError) as err:
        svc.plan_meetings(panel, datetime(2027, 7, 1, 14), recurrence=Recurrence.WEEKLY, count=0)
    assert err.value.field == "count"


# -- the agenda --------------------------------------------------------------------------------------


def test_listing_cases_time_slots_and_order(demo_ctx) -> None:
    svc = MeetingService(demo_ctx)
    panel = _marac(demo_ctx)
    (mid,) = svc.plan_meetings(panel, datetime(2027, 1, 19, 10, 0)).value
    new_case = _accepted_case(demo_ctx, panel, repeat=False)
    with demo_ctx.unit_of_work() as s:  # make it a freshly accepted case never heard
        s.get(m.Case, new_case).status = CaseStatus.ACCEPTED
        s.execute(m.AgendaItem.__table__.update().where(m.AgendaItem.case_id == new_case).values(case_id=None,
                                                                                                   kind="aob"))
    first = svc.add_case(mid, new_case).value
    assert first.listing is Listing.NEW and first.minutes_allowed == 15
    heard = _accepted_case(demo_ctx, panel)
    second = svc.add_case(mid, heard).value
    assert second.listing is Listing.REVIEW
    transferred = svc.add_case(mid, _accepted_case(demo_ctx, panel), Listing.TRANSFERRED_IN).value
    assert transferred.listing is Listing.TRANSFERRED_IN

    detail = svc.get_meeting(mid)
    kinds = [i.kind for i in detail.items]
    assert kinds == [AgendaItemKind.CONFIDENTIALITY, AgendaItemKind.ACTIONS_REVIEW, AgendaItemKind.CASE,
                     AgendaItemKind.CASE, AgendaItemKind.CASE, AgendaItemKind.AOB]
    # Slots: 10:00 + 5 + 10, then 15 a case.
    slots = [(i.slot_start.time().isoformat("minutes"), i.slot_end.time().isoformat("minutes")) for i in detail.items]
    assert slots == [("10:00", "10:05"), ("10:05", "10:15"), ("10:15", "10:30"), ("10:30", "10:45"),
                     ("10:45", "11:00"), ("11:00", "11:10")]
    with demo_ctx.reading() as s:
        assert s.get(m.Case, new_case).status is CaseStatus.LISTED

    # Already listed, or another panel's case: refused, naming the case.
    with pytest.raises(ValidationError) as err:
        svc.add_case(mid, heard)
    assert err.value.field == "case" and "already" in str(err.value)
    with demo_ctx.reading() as s:
        other = s.scalar(select(m.Case.id).where(m.Case.panel_id != panel))
    with pytest.raises(ValidationError):
        svc.add_case(mid, other)

    # Reorder: the third case first; the slots follow. A start time change moves every slot.
    ids = [i.id for i in detail.items]
    order = [ids[0], ids[1], ids[4], ids[2], ids[3], ids[5]]
    entries = svc.reorder(mid, order).value
    assert [e.id for e in entries] == order
    assert entries[2].slot_start.time().isoformat("minutes") == "10:15"
    with pytest.raises(ValidationError):
        svc.reorder(mid, order[:-1])
    entries = svc.move_item(ids[4], +1).value
    assert [e.id for e in entries] == [ids[0], ids[1], ids[2], ids[4], ids[3], ids[5]]
    entries = svc.set_minutes_allowed(ids[2], 20).value
    assert entries[3].slot_start.time().isoformat("minutes") == "10:35"
    svc.update_meeting(mid, starts_at=datetime(2027, 1, 19, 13, 30))
    assert svc.get_meeting(mid).items[2].slot_start == datetime(2027, 1, 19, 13, 45)

    # Listed as transferred in after all; only cases have a listing.
    assert svc.set_listing(ids[2], Listing.TRANSFERRED_IN).value[2].listing is Listing.TRANSFERRED_IN
    with pytest.raises(ValidationError):
        svc.set_listing(ids[0], Listing.NEW)

    # Taking a case off; standing items stay.
    svc.remove_item(ids[3])
    assert ids[3] not in [i.id for i in svc.get_meeting(mid).items]
    with pytest.raises(ValidationError):
        svc.remove_item(ids[0])


def test_open_actions_and_due_cases_come_forward(demo_ctx) -> None:
    svc = MeetingService(demo_ctx)
    panel = _marac(demo_ctx)
    mid = _planned_with_cases(demo_ctx, panel)
    detail = svc.get_meeting(mid)
    case_ids = {i.case_id for i in detail.case_items}
    with demo_ctx.reading() as s:
        repeats = set(s.scalars(select(m.Case.repeat_of_case_id).where(m.Case.id.in_(case_ids))))
        expected = set(s.scalars(select(m.Action.id).join(m.Meeting, m.Meeting.id == m.Action.meeting_id).where(
            m.Action.case_id.in_(case_ids | (repeats - {None})),
            m.Action.status.in_([ActionStatus.OPEN, ActionStatus.ONGOING, ActionStatus.ON_HOLD]),
            m.Meeting.starts_at < detail.row.starts_at)))
    carried = svc.carried_actions(mid)
    assert {a.id for a in carried} == expected
    assert all(a.status not in (ActionStatus.COMPLETED, ActionStatus.DISCONTINUED) for a in carried)

    # A case whose review date has come by the meeting's day, not on an agenda yet, is suggested.
    due_case = _accepted_case(demo_ctx, panel)
    with demo_ctx.unit_of_work() as s:
        s.get(m.Case, due_case).review_date = detail.row.starts_at.date() - timedelta(days=1)
    suggestions = {sg.case_id: sg for sg in svc.suggestions(mid)}
    assert suggestions[due_case].kind is SuggestionKind.REVIEW_DUE
    assert not case_ids & set(suggestions)
    # An open case referred more than 12 months before the meeting (no later referral): lapsed.
    lapsed = _accepted_case(demo_ctx, panel, repeat=False)
    with demo_ctx.unit_of_work() as s:
        c = s.get(m.Case, lapsed)
        c.review_date = None
        c.referral_date = detail.row.starts_at.date() - timedelta(days=400)
        s.execute(m.Case.__table__.update().where(m.Case.subject_person_id == c.subject_person_id,
                                                  m.Case.id != c.id).values(referral_date=date(2020, 1, 1)))
    suggestions = {sg.case_id: sg for sg in svc.suggestions(mid)}
    assert suggestions[lapsed].kind is SuggestionKind.LAPSED
    assert "12 months" in suggestions[lapsed].why


# -- attendance ----------------------------------------------------------------------------------------


def test_attendance_apologies_observers_and_missing_core_agencies(demo_ctx) -> None:
    svc = MeetingService(demo_ctx)
    panel = _marac(demo_ctx)
    mid = _planned_with_cases(demo_ctx, panel)
    rows = svc.get_meeting(mid).attendance
    police = next(r for r in rows if r.agency == "Kent Police")
    health = next(r for r in rows if r.agency != "Kent Police")
    present = svc.set_attendance(mid, agency_id=police.agency_id, member_id=_member_of(demo_ctx, police.agency_id),
                                 status=AttendanceStatus.PRESENT, confidentiality_signed=True).value
    assert present.id is not None and present.name and present.status is AttendanceStatus.PRESENT
    apologies = svc.set_attendance(mid, agency_id=health.agency_id, status=AttendanceStatus.APOLOGIES).value
    sent = svc.set_attendance(mid, attendance_id=apologies.id, information_sent=True).value
    assert sent.information_sent
    # Information sent goes with apologies only.
    with pytest.raises(ValidationError) as err:
        svc.set_attendance(mid, attendance_id=present.id, information_sent=True)
    assert err.value.field == "information_sent"
    observer = svc.add_observer(mid, "Student Social Worker", confidentiality_signed=True).value
    assert observer.is_observer and observer.confidentiality_signed
    with pytest.raises(ValidationError):
        svc.add_observer(mid, "  ")

    detail = svc.get_meeting(mid)
    assert "Kent Police" not in detail.missing_core_agencies
    assert health.agency in detail.missing_core_agencies  # apologies are not presence
    assert len(detail.missing_core_agencies) == len([r for r in rows if r.is_core]) - 1
    assert detail.attendance[-1].is_observer  # observers last
    # Pre-filled lines are not duplicated once recorded.
    assert sum(1 for r in detail.attendance if r.agency_id == police.agency_id and not r.is_observer) == 1
    assert _audit_count(demo_ctx, "attendance") >= 4


# -- meeting mode ----------------------------------------------------------------------------------------


def test_notes_save_cheaply_and_audit_once_per_run(demo_ctx) -> None:
    svc = MeetingService(demo_ctx)
    mid = _planned_with_cases(demo_ctx, _marac(demo_ctx))
    svc.start_meeting(mid)
    item = svc.get_meeting(mid).case_items[0]
    before = _audit_count(demo_ctx, "agenda_item")
    text = ""
    for word in "The victim has moved to a refuge out of area".split():
        text += word + " "
        svc.save_notes(item.id, discussion=text)
    saved = svc.get_meeting(mid).item(item.id)
    assert saved.discussion == text and saved.started_at is not None
    assert _audit_count(demo_ctx, "agenda_item") == before + 1  # one entry for the run of saves
    svc.save_notes(item.id, risks="Perpetrator released on bail next week.")
    assert svc.get_meeting(mid).item(item.id).risks.startswith("Perpetrator")
    with pytest.raises(ValidationError) as err:
        svc.save_notes(item.id, discussion="x" * 100_001)
    assert err.value.field == "discussion"


def test_reviewing_an_earlier_action_in_one_call(demo_ctx) -> None:
    svc = MeetingService(demo_ctx)
    mid = _planned_with_cases(demo_ctx, _marac(demo_ctx))
    carried = svc.carried_actions(mid)
    assert len(carried) >= 2
    first, second = carried[0], carried[1]
    done = svc.review_action(first.id, ActionStatus.COMPLETED, meeting_id=mid).value
    assert done.status is ActionStatus.COMPLETED and done.completed_on == demo_ctx.today()
    with pytest.raises(ValidationError) as err:
        svc.review_action(second.id, ActionStatus.ON_HOLD, meeting_id=mid)
    assert err.value.field == "reason"
    held = svc.review_action(second.id, ActionStatus.ON_HOLD, reason="Victim in hospital", meeting_id=mid).value
    assert held.status_reason == "Victim in hospital"
    with demo_ctx.reading() as s:
        log = s.execute(select(m.ActionUpdate.new_status, m.ActionUpdate.text)
                        .where(m.ActionUpdate.action_id == first.id).order_by(m.ActionUpdate.id.desc())).first()
    assert log.new_status is ActionStatus.COMPLETED and "Reviewed at the meeting" in log.text
    # Reviewed actions stay in sight in this meeting even when finished.
    assert first.id in {a.id for a in svc.carried_actions(mid)}


def test_adding_agreed_actions(demo_ctx) -> None:
    svc = MeetingService(demo_ctx)
    panel = _marac(demo_ctx)
    mid = _planned_with_cases(demo_ctx, panel)
    detail = svc.get_meeting(mid)
    item = detail.case_items[0]
    police_member = _member_of(demo_ctx, 1)
    result = svc.add_agreed_action(item.id, agency_id=1, owner_member_id=police_member,
                                   text="  Flag the address for an urgent response  ")
    row = result.value
    assert result.changes.actions
    assert row.due_date == detail.next_meeting.date()  # the panel's next meeting
    assert row.text == "Flag the address for an urgent response" and row.owner
    with demo_ctx.reading() as s:
        action = s.get(m.Action, row.id)
        assert (action.case_id, action.meeting_id, action.agenda_item_id) == (item.case_id, mid, item.id)
        assert action.status is ActionStatus.OPEN and action.panel_id == panel
    assert [a.id for a in svc.agreed_actions(item.id)] == [row.id]
    # A named owner without a member record; an explicit due date.
    other = svc.add_agreed_action(item.id, agency_id=1, owner_name="DS Green", text="Check bail conditions",
                                  due_date=detail.row.starts_at.date() + timedelta(days=3)).value
    assert other.owner == "DS Green"
    with pytest.raises(ValidationError) as err:
        svc.add_agreed_action(item.id, agency_id=1, text="  ")
    assert err.value.field == "text"
    with pytest.raises(ValidationError) as err:
        svc.add_agreed_action(item.id, agency_id=3, owner_member_id=police_member, text="Wrong agency")
    assert err.value.field == "owner"
    with pytest.raises(ValidationError) as err:
        svc.add_agreed_action(item.id, agency_id=1, text="Too early", due_date=date(2020, 1, 1))
    assert err.value.field == "due_date"
    svc.remove_agreed_action(other.id)
    assert [a.id for a in svc.agreed_actions(item.id)] == [row.id]


def test_decisions_and_the_clock(demo_ctx) -> None:
    svc = MeetingService(demo_ctx)
    mid = _planned_with_cases(demo_ctx, _marac(demo_ctx))
    svc.start_meeting(mid)
    a, b = svc.get_meeting(mid).case_items[:2]
    t0 = datetime(2026, 11, 10, 10, 15)
    demo_ctx.now = lambda: t0
    assert svc.go_to_item(a.id).value.started_at == t0
    demo_ctx.now = lambda: t0 + timedelta(minutes=17)
    entered = svc.go_to_item(b.id, leaving_item_id=a.id).value
    assert entered.started_at == t0 + timedelta(minutes=17)
    assert svc.get_meeting(mid).item(a.id).ended_at == t0 + timedelta(minutes=17)

    with pytest.raises(ValidationError) as err:
        svc.record_decision(a.id, Decision.CLOSE)
    assert err.value.field == "decision_notes"
    assert svc.record_decision(a.id, Decision.CLOSE, "Risk reduced; victim supported by IDVA").value.decision \
        is Decision.CLOSE
    assert svc.record_decision(b.id, Decision.CONTINUE).value.decision is Decision.CONTINUE
    with pytest.raises(ValidationError):
        svc.record_decision(svc.get_meeting(mid).items[0].id, Decision.CONTINUE)


def test_finalising_locks_the_minutes_and_applies_decisions(demo_ctx) -> None:
    svc = MeetingService(demo_ctx)
    mid = _planned_with_cases(demo_ctx, _marac(demo_ctx))
    with pytest.raises(ValidationError) as err:
        svc.finalise_minutes(mid)
    assert err.value.field == "status"
    svc.start_meeting(mid)
    detail = svc.get_meeting(mid)
    cases = detail.case_items
    svc.save_notes(cases[0].id, discussion="Discussed.")
    action = svc.add_agreed_action(cases[0].id, agency_id=1, text="Warning marker").value
    svc.end_meeting(mid)
    assert svc.get_meeting(mid).row.status is MeetingStatus.HELD
    with pytest.raises(ValidationError) as err:
        svc.finalise_minutes(mid)
    assert err.value.field == "decision" and cases[0].reference in str(err.value)
    svc.record_decision(cases[0].id, Decision.CLOSE, "Victim safe; moved out of area")
    for item in cases[1:]:
        svc.record_decision(item.id, Decision.CONTINUE)
    final = svc.finalise_minutes(mid).value
    assert final.locked and final.finalised_at is not None
    with demo_ctx.reading() as s:
        closed = s.get(m.Case, cases[0].case_id)
        assert closed.status is CaseStatus.CLOSED and "moved out of area" in closed.outcome
        kept = s.get(m.Case, cases[1].case_id)
        assert kept.status is CaseStatus.OPEN and kept.review_date == final.next_meeting.date()

    # Locked: every change is refused, saying what to do instead.
    for attempt in (
        lambda: svc.save_notes(cases[0].id, discussion="A silent edit"),
        lambda: svc.add_agreed_action(cases[1].id, agency_id=1, text="Too late"),
        lambda: svc.record_decision(cases[1].id, Decision.CLOSE, "Changed mind"),
        lambda: svc.set_attendance(mid, agency_id=1, status=AttendanceStatus.PRESENT),
        lambda: svc.review_action(action.id, ActionStatus.COMPLETED, meeting_id=mid),
        lambda: svc.remove_agreed_action(action.id),
        lambda: svc.start_meeting(mid),
    ):
        with pytest.raises(MinutesLocked) as locked:
            attempt()
        assert "addendum" in str(locked.value)
    assert svc.get_meeting(mid).item(cases[0].id).discussion == "Discussed."

    # Corrections are addenda, with who and when.
    demo_ctx.now = lambda: datetime(2026, 11, 12, 9, 30)
    added = svc.add_addendum(mid, "The IDVA's name was misspelt.", agenda_item_id=cases[0].id).value
    assert added.at == datetime(2026, 11, 12, 9, 30) and added.by
    assert [a.text for a in svc.get_meeting(mid).addenda] == ["The IDVA's name was misspelt."]
    with pytest.raises(ValidationError):
        svc.add_addendum(mid, " ")


def test_an_addendum_before_finalising_is_refused(demo_ctx) -> None:
    svc = MeetingService(demo_ctx)
    mid = _planned_with_cases(demo_ctx, _marac(demo_ctx))
    with pytest.raises(ValidationError) as err:
        svc.add_addendum(mid, "Too soon")
    assert err.value.field == "status"


# -- permissions -------------------------------------------------------------------------------------------


def test_running_meetings_needs_the_permission_and_the_panel(demo_ctx) -> None:
    svc = MeetingService(demo_ctx)
    panel = _marac(demo_ctx)
    mid = _planned_with_cases(demo_ctx, panel)
    item = svc.get_meeting(mid).case_items[0]
    demo_ctx.actor = Actor(user_id=None, username="officer", role=Role.OFFICER, panel_ids=frozenset({panel}))
    assert svc.get_meeting(mid).row.id == mid  # may read
    for attempt in (
        lambda: svc.save_notes(item.id, discussion="x"),
        lambda: svc.add_agreed_action(item.id, agency_id=1, text="x"),
        lambda: svc.plan_meetings(panel, datetime(2027, 9, 1, 10)),
        lambda: svc.start_meeting(mid),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    demo_ctx.actor = Actor(user_id=None, username="chair.csvg", role=Role.CHAIR, panel_ids=frozenset({panel + 1}))
    with pytest.raises(NotFound):
        svc.get_meeting(mid)
    assert all(r.panel_id != panel for r in svc.list_meetings())
    with pytest.raises(PermissionDenied):
        svc.list_meetings(panel)


def test_reading_ahead_reads_what_each_item_reads(demo_ctx) -> None:
    """Meeting mode's read-ahead (read_items, one session) hands back what read_item does for each
    item, writes nothing, and refuses an item of another meeting the user may not see alike."""
    svc = MeetingService(demo_ctx)
    meeting = next(m for m in svc.list_meetings() if m.status in (MeetingStatus.PLANNED, MeetingStatus.IN_PROGRESS))
    ids = [item.id for item in svc.get_meeting(meeting.id).items]
    with demo_ctx.reading() as s:
        entries = s.scalar(select(func.count()).select_from(m.AuditEvent))
    assert svc.read_items(ids) == {i: svc.read_item(i) for i in ids}
    with demo_ctx.reading() as s:
        assert s.scalar(select(func.count()).select_from(m.AuditEvent)) == entries
    with pytest.raises(NotFound):
        svc.read_items([*ids, 10**6])
