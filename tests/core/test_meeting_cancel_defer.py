"""Issue 16, items 4 and 7: only meetings that took place count as hearings; meetings can be
cancelled (their cases go back to be listed) or, when empty, deleted; and a case can be
"Deferred — not heard", which is not a hearing either (for listing and the data return).

On the small demo partnership (DEMO_TODAY = 2 Nov 2026).
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from cspdesk.domain.enums import AuditKind, CaseStatus, Decision, Listing, MeetingStatus, PanelType
from cspdesk.domain.hearings import is_heard
from cspdesk.services.errors import ValidationError
from cspdesk.services.meetings.meetings import MeetingService, SuggestionKind
from cspdesk.services.papers.returns import ReturnService, between
from cspdesk.storage import models as m


def _marac(ctx) -> int:
    with ctx.reading() as s:
        return s.scalar(select(m.Panel.id).where(m.Panel.panel_type == PanelType.MARAC).order_by(m.Panel.id))


def _fresh_case(ctx, panel_id: int) -> int:
    """An open case of the panel made a freshly accepted one, never on any agenda, not a repeat."""
    with ctx.unit_of_work() as s:
        case_ = s.scalars(select(m.Case).where(m.Case.panel_id == panel_id, m.Case.status == CaseStatus.OPEN,
                                               m.Case.repeat_of_case_id.is_(None))
                          .order_by(m.Case.id.desc())).first()
        assert case_ is not None
        case_.status = CaseStatus.ACCEPTED
        case_.review_date = None
        s.execute(m.AgendaItem.__table__.update().where(m.AgendaItem.case_id == case_.id)
                  .values(case_id=None, kind="aob"))
        s.execute(m.Action.__table__.update().where(m.Action.case_id == case_.id).values(case_id=None))
        return case_.id


def _listed_then_another(ctx, svc: MeetingService, panel: int, *days: datetime) -> tuple[int, list[int]]:
    """A fresh case listed on the first of new meetings planned on ``days``: (case, meetings)."""
    case_id = _fresh_case(ctx, panel)
    meetings = [mid for day in days for mid in svc.plan_meetings(panel, day).value]
    svc.add_case(meetings[0], case_id)
    return case_id, meetings


def _audit(ctx, kind: AuditKind, entity_id: int) -> list[dict]:
    with ctx.reading() as s:
        return list(s.scalars(select(m.AuditEvent.details).where(
            m.AuditEvent.entity == "meeting", m.AuditEvent.kind == kind, m.AuditEvent.entity_id == entity_id)))


def _hold(svc: MeetingService, meeting_id: int, decisions: dict[int, Decision]) -> None:
    """Start, end and finalise a meeting, with these decisions by case id (Continue otherwise)."""
    svc.start_meeting(meeting_id)
    svc.end_meeting(meeting_id)
    for item in svc.get_meeting(meeting_id).case_items:
        svc.record_decision(item.id, decisions.get(item.case_id, Decision.CONTINUE))
    svc.finalise_minutes(meeting_id)


def _cases_discussed(ctx, panel: int, day: date) -> int:
    data = ReturnService(ctx).build(panel, between(day, day))
    return data.figure("Cases discussed", "Cases discussed").count


def test_the_rule_of_hearing() -> None:
    assert is_heard(MeetingStatus.FINALISED, Decision.CONTINUE)
    assert is_heard(MeetingStatus.HELD, None)
    assert not is_heard(MeetingStatus.PLANNED, None)
    assert not is_heard(MeetingStatus.CANCELLED, None)
    assert not is_heard(MeetingStatus.FINALISED, Decision.DEFERRED)


def test_a_case_left_on_a_never_held_agenda_is_still_new_and_counted(demo_ctx) -> None:
    svc = MeetingService(demo_ctx)
    panel = _marac(demo_ctx)
    # Left on the agenda of a meeting that never happens.
    case_id, (_never, later) = _listed_then_another(demo_ctx, svc, panel, datetime(2027, 2, 2, 10),
                                                    datetime(2027, 2, 16, 10))
    entry = svc.add_case(later, case_id).value
    assert entry.listing is Listing.NEW  # was REVIEW: the never-held meeting counted as a hearing
    _hold(svc, later, {})
    assert _cases_discussed(demo_ctx, panel, date(2027, 2, 16)) == 1


def test_cancelling_a_meeting_sends_its_cases_back_to_be_listed(demo_ctx) -> None:
    svc = MeetingService(demo_ctx)
    panel = _marac(demo_ctx)
    case_id, (cancelled, following) = _listed_then_another(demo_ctx, svc, panel, datetime(2027, 3, 2, 10),
                                                           datetime(2027, 3, 16, 10))
    assert case_id not in [sg.case_id for sg in svc.suggestions(following)]  # listed already

    with pytest.raises(ValidationError) as err:
        svc.cancel_meeting(cancelled, "  ")
    assert err.value.field == "reason"
    result = svc.cancel_meeting(cancelled, "Venue flooded")
    assert result.changes.meetings and result.changes.cases
    detail = result.value
    assert detail.row.status is MeetingStatus.CANCELLED and detail.row.cancel_reason == "Venue flooded"
    assert detail.row.status_text == "Cancelled: Venue flooded"
    row = next(r for r in svc.list_meetings(panel) if r.id == cancelled)
    assert row.status is MeetingStatus.CANCELLED and row.cancel_reason == "Venue flooded"
    (entry,) = _audit(demo_ctx, AuditKind.UPDATE, cancelled)
    assert entry["reason"] == "Venue flooded" and entry["changes"]["status"]["new"] == "cancelled"
    assert len(entry["cases_to_relist"]) == 1

    # Its case is suggested for the next meeting, and is new there.
    (suggestion,) = [sg for sg in svc.suggestions(following) if sg.case_id == case_id]
    assert suggestion.kind is SuggestionKind.NOT_HEARD and "2 Mar 2027" in suggestion.why
    assert svc.add_case(following, case_id).value.listing is Listing.NEW
    assert case_id not in [sg.case_id for sg in svc.suggestions(following)]

    # Nothing on a cancelled meeting changes; it is not "the next meeting" for review dates.
    item = svc.get_meeting(cancelled).case_items[0]
    for attempt in (lambda: svc.start_meeting(cancelled), lambda: svc.save_notes(item.id, discussion="x"),
                    lambda: svc.cancel_meeting(cancelled, "again"), lambda: svc.delete_meeting(cancelled)):
        with pytest.raises(ValidationError) as err:
            attempt()
        assert err.value.field == "status"
    with demo_ctx.reading() as s:
        earlier = s.scalar(select(m.Meeting.id).where(m.Meeting.panel_id == panel,
                                                      m.Meeting.starts_at == datetime(2027, 2, 23, 10, 0)))
    if earlier is None:
        (earlier,) = svc.plan_meetings(panel, datetime(2027, 2, 23, 10, 0)).value
    assert svc.get_meeting(earlier).next_meeting == datetime(2027, 3, 16, 10, 0)
    # The data return counts no cancelled meeting.
    data = ReturnService(demo_ctx).build(panel, between(date(2027, 3, 1), date(2027, 3, 7)))
    assert data.figure("Cases discussed", "Meetings held").count == 0


def test_only_a_planned_meeting_can_be_cancelled(demo_ctx) -> None:
    svc = MeetingService(demo_ctx)
    panel = _marac(demo_ctx)
    (mid,) = svc.plan_meetings(panel, datetime(2027, 4, 6, 10, 0)).value
    svc.start_meeting(mid)
    with pytest.raises(ValidationError) as err:
        svc.cancel_meeting(mid, "Changed our minds")
    assert err.value.field == "status" and "in progress" in str(err.value)


def test_deleting_an_empty_planned_meeting(demo_ctx) -> None:
    svc = MeetingService(demo_ctx)
    panel = _marac(demo_ctx)
    # A case listed on the first, nothing said about it yet: still no business.
    case_id, (empty, busy, started) = _listed_then_another(demo_ctx, svc, panel, datetime(2027, 5, 4, 10),
                                                         datetime(2027, 5, 18, 10), datetime(2027, 6, 1, 10))
    result = svc.delete_meeting(empty)
    assert result.changes.meetings
    assert empty not in [r.id for r in svc.list_meetings(panel)]
    (entry,) = _audit(demo_ctx, AuditKind.DELETE, empty)
    assert entry["cases_to_relist"] and entry["starts_at"]
    with demo_ctx.reading() as s:
        assert s.scalar(select(func.count()).select_from(m.AgendaItem).where(m.AgendaItem.meeting_id == empty)) == 0
    # Its case, listed for it, goes back to be listed.
    (suggestion,) = [sg for sg in svc.suggestions(busy) if sg.case_id == case_id]
    assert suggestion.kind is SuggestionKind.NOT_HEARD and "no agenda" in suggestion.why

    # With notes on its agenda: refused, pointing to Cancel.
    standing = svc.get_meeting(busy).items[0]
    svc.save_notes(standing.id, discussion="Chair's welcome")
    with pytest.raises(ValidationError) as err:
        svc.delete_meeting(busy)
    assert err.value.field == "meeting" and "cancel" in str(err.value)
    # Started: refused.
    svc.start_meeting(started)
    with pytest.raises(ValidationError) as err:
        svc.delete_meeting(started)
    assert err.value.field == "status"
    assert {busy, started} <= {r.id for r in svc.list_meetings(panel)}


def test_deferred_not_heard_finalises_and_is_not_a_hearing(demo_ctx) -> None:
    svc = MeetingService(demo_ctx)
    panel = _marac(demo_ctx)
    case_id, (deferred_at, following) = _listed_then_another(demo_ctx, svc, panel, datetime(2027, 7, 6, 10),
                                                             datetime(2027, 7, 20, 10))
    assert Decision.DEFERRED.label == "Deferred — not heard"
    _hold(svc, deferred_at, {case_id: Decision.DEFERRED})  # finalising needs no other decision for it
    assert svc.get_meeting(deferred_at).locked
    with demo_ctx.reading() as s:
        case_ = s.get(m.Case, case_id)
        assert case_.status is CaseStatus.LISTED and case_.outcome == ""  # untouched by the decision
    assert _cases_discussed(demo_ctx, panel, date(2027, 7, 6)) == 0

    (suggestion,) = [sg for sg in svc.suggestions(following) if sg.case_id == case_id]
    assert suggestion.kind is SuggestionKind.NOT_HEARD
    assert svc.add_case(following, case_id).value.listing is Listing.NEW
    _hold(svc, following, {})
    assert _cases_discussed(demo_ctx, panel, date(2027, 7, 20)) == 1
    with demo_ctx.reading() as s:
        assert s.get(m.Case, case_id).status is CaseStatus.OPEN


def test_attendance_names_complete_from_the_agency_and_link_its_member(demo_ctx) -> None:
    svc = MeetingService(demo_ctx)
    panel = _marac(demo_ctx)
    (mid,) = svc.plan_meetings(panel, datetime(2027, 8, 3, 10, 0)).value
    line = svc.get_meeting(mid).attendance[0]
    with demo_ctx.reading() as s:
        member = s.scalars(select(m.Member).where(m.Member.agency_id == line.agency_id, m.Member.is_active)).first()
        staff = s.scalars(select(m.UserAccount.display_name).where(m.UserAccount.agency_id == line.agency_id,
                                                                   m.UserAccount.is_active)).all()
        other = s.scalar(select(m.Member.name).where(m.Member.agency_id != line.agency_id))
        member_id, member_name = member.id, member.name
    names = svc.attendee_names(mid)[line.agency_id]
    assert member_name in names and set(staff) <= set(names) and other not in names
    assert list(names) == sorted(set(names), key=str.casefold)
    row = svc.set_attendance(mid, agency_id=line.agency_id, name=member_name.upper()).value
    assert row.member_id == member_id  # the member of that name, whatever the case typed
    row = svc.set_attendance(mid, attendance_id=row.id, name="Emily Price, IDVA").value
    assert row.name == "Emily Price, IDVA" and row.member_id is None


def test_the_command_line_cancels_and_deletes(demo_ctx, capsys, monkeypatch) -> None:
    from cspdesk import cli

    monkeypatch.setattr(cli, "_open", lambda args: demo_ctx)
    svc = MeetingService(demo_ctx)
    panel = _marac(demo_ctx)
    first, second = [mid for day in (datetime(2027, 10, 5, 10), datetime(2027, 10, 19, 10))
                     for mid in svc.plan_meetings(panel, day).value]
    assert cli.run(cli.build_parser().parse_args(
        ["cancel-meeting", "--meeting", str(first), "--reason", "Not quorate", "--user", "x"])) == 0
    assert f"cancelled meeting {first}" in capsys.readouterr().out
    assert cli.run(cli.build_parser().parse_args(["meetings", "--user", "x"])) == 0
    assert "Cancelled          0  (Not quorate)" in capsys.readouterr().out
    assert cli.run(cli.build_parser().parse_args(["delete-meeting", "--meeting", str(second), "--user", "x"])) == 0
    assert second not in [r.id for r in svc.list_meetings(panel)]
    # Refused, saying why (the exit code of a refusal).
    assert cli.run(cli.build_parser().parse_args(["delete-meeting", "--meeting", str(first), "--user", "x"])) == 2
    assert "cancelled" in capsys.readouterr().err
