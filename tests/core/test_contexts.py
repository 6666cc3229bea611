"""CARM contexts (issue 20) on both engines: a place, a school and a peer group made contexts, seen by
a CARM member and refused to a MARAC-only one; assessment versions by date; the plan's goals and
responses; a context reviewed at a CARM meeting like a case; the printed assessment and plan."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from core.chronology_setup import CarmMap, make_carm_map
from core.referral_setup import coordinator
from cspdesk.domain.contexts import AssessmentVersion, ContextKind, current_version, default_kind
from cspdesk.domain.enums import ActionStatus, MeetingStatus, SubjectKind
from cspdesk.services.errors import NotFound, PermissionDenied, ValidationError
from cspdesk.services.meetings.meetings import MeetingService
from cspdesk.services.people.contexts import ContextService
from cspdesk.storage.models import AuditEvent, Case, Meeting


@pytest.fixture
def carm(ctx) -> CarmMap:  # noqa: ANN001
    return make_carm_map(ctx)


def _as_coordinator(carm: CarmMap, *prefixes: str):  # noqa: ANN202
    intake = carm.known.intake
    ids = {"MARAC": intake.marac, "CARM": intake.carm}
    ctx = intake.ctx
    ctx.actor = coordinator(intake.coordinator_id, *(ids[p] for p in prefixes))
    return ctx


def _park_context(carm: CarmMap) -> int:
    ctx = _as_coordinator(carm, "CARM")
    with ctx.reading() as s:
        park_case = s.scalar(select(Case.id).where(Case.subject_location_id == carm.park))
    return ContextService(ctx).open_context(park_case).value.id


def test_the_kind_a_context_starts_as() -> None:
    assert default_kind(SubjectKind.GROUP) is ContextKind.PEER_GROUP
    assert default_kind(SubjectKind.LOCATION, "park") is ContextKind.PLACE
    assert default_kind(SubjectKind.LOCATION, "Secondary Academy") is ContextKind.SCHOOL
    assert default_kind(SubjectKind.PERSON) is None
    versions = [AssessmentVersion(1, date(2026, 5, 1)), AssessmentVersion(3, date(2026, 4, 1)),
                AssessmentVersion(2, date(2026, 5, 1))]
    assert current_version(versions) == AssessmentVersion(2, date(2026, 5, 1))  # same day: recorded later
    assert current_version([]) is None


def test_a_context_is_seen_by_a_carm_member_and_refused_to_a_marac_only_one(carm: CarmMap) -> None:
    context_id = _park_context(carm)
    ctx = carm.known.intake.ctx
    rows = ContextService(ctx).list_contexts()
    assert [(r.name, r.kind, r.record) for r in rows] == [("Victoria Park", ContextKind.PLACE, ("place", carm.park))]
    assert [r.id for r in ContextService(ctx).contexts_of(f"place:{carm.park}")] == [context_id]
    ctx.actor = carm.known.user("CARM")  # an officer on CARM: may read
    assert ContextService(ctx).get(context_id).row.reference == "CARM-2026-0002"
    with pytest.raises(PermissionDenied):
        ContextService(ctx).add_goal(context_id, "Safer park")  # but not change
    ctx.actor = carm.known.user("MARAC")
    assert ContextService(ctx).list_contexts() == []
    assert ContextService(ctx).contexts_of(f"place:{carm.park}") == []
    for call in (lambda: ContextService(ctx).get(context_id), lambda: ContextService(ctx).get(99_999),
                 lambda: ContextService(ctx).paper(context_id)):
        with pytest.raises(NotFound, match="does not exist, or is on a panel you are not a member of"):
            call()
    ctx.actor = coordinator(carm.known.intake.coordinator_id, carm.known.intake.marac)
    with pytest.raises(NotFound):
        ContextService(ctx).add_assessment(context_id, assessed_on=date(2026, 6, 1), assessor="X", what_happens="Y")


def test_only_a_carm_case_about_a_place_or_group_becomes_a_context_once(carm: CarmMap) -> None:
    known = carm.known
    ctx = _as_coordinator(carm, "CARM", "MARAC")
    service = ContextService(ctx)
    with pytest.raises(ValidationError, match="CARM panels") as refused:
        service.open_context(known.cases["MARAC"])
    assert refused.value.field == "case"
    with pytest.raises(ValidationError) as refused:
        service.open_context(known.cases["CARM"])  # about a person
    assert refused.value.field == "kind"
    with ctx.reading() as s:
        group_case = s.scalar(select(Case.id).where(Case.subject_group_id == carm.peer_group))
    with pytest.raises(ValidationError):
        service.open_context(group_case, ContextKind.SCHOOL)  # a school is a place
    peers = service.open_context(group_case).value
    assert (peers.kind, peers.name, peers.record) == (ContextKind.PEER_GROUP, "Park crew", ("group", carm.peer_group))
    with pytest.raises(ValidationError, match="a context already"):
        service.open_context(group_case)
    park = _park_context(carm)
    assert service.set_kind(park, ContextKind.SCHOOL).value.kind is ContextKind.SCHOOL
    assert [r.kind for r in service.list_contexts()] == [ContextKind.PEER_GROUP, ContextKind.SCHOOL]


def test_assessments_are_versions_by_date_and_the_newest_is_current(carm: CarmMap) -> None:
    context_id = _park_context(carm)
    ctx = carm.known.intake.ctx
    service = ContextService(ctx)
    service.add_assessment(context_id, assessed_on=date(2026, 5, 20), assessor="Youth worker",
                           what_happens="Older males recruit after school", who_is_harmed="Year 9 pupils",
                           guardians="Park warden on weekdays", safety_plan="Detached youth work Fridays")
    service.add_assessment(context_id, assessed_on=date(2026, 4, 2), assessor="PCSO", what_happens="Dealing seen")
    with pytest.raises(ValidationError) as refused:
        service.add_assessment(context_id, assessed_on=date(2026, 6, 16), assessor="X", what_happens="Y")
    assert refused.value.field == "assessed_on"  # tomorrow
    with pytest.raises(ValidationError) as refused:
        service.add_assessment(context_id, assessed_on=date(2026, 6, 1), assessor="X")
    assert refused.value.field == "what_happens"
    detail = service.get(context_id)
    assert [(a.assessed_on, a.assessor) for a in detail.assessments] == [
        (date(2026, 5, 20), "Youth worker"), (date(2026, 4, 2), "PCSO")]
    assert detail.current.guardians == "Park warden on weekdays"
    assert service.list_contexts()[0].assessed_on == date(2026, 5, 20)
    with ctx.reading() as s:
        kinds = [(e.kind.value, e.entity) for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert kinds.count(("create", "context_assessment")) == 2 and ("view", "context") in kinds


def test_the_plan_has_goals_measures_and_responses_tracked_like_actions(carm: CarmMap) -> None:
    context_id = _park_context(carm)
    intake = carm.known.intake
    service = ContextService(intake.ctx)
    goal = service.add_goal(context_id, "Young people safe in the park after school", "Fewer reported incidents").value
    second = service.add_goal(context_id, "Guardians present").value
    response = service.add_response(goal.id, agency_id=intake.police, text="Patrols 3-6pm",
                                    due_date=date(2026, 7, 1)).value
    with pytest.raises(ValidationError) as refused:
        service.add_response(goal.id, agency_id=None, text="Nobody owns this")  # type: ignore[arg-type]
    assert refused.value.field == "agency"
    with pytest.raises(ValidationError) as refused:
        service.add_goal(context_id, "  ")
    assert refused.value.field == "goal"
    service.update_goal(second.id, "Capable guardians present", "Warden hours")
    detail = service.get(context_id)
    assert [(g.position, g.goal, g.measures) for g in detail.goals] == [
        (1, "Young people safe in the park after school", "Fewer reported incidents"),
        (2, "Capable guardians present", "Warden hours")]
    assert [(r.text, r.agency, r.due_date, r.status) for r in detail.goals[0].responses] == [
        ("Patrols 3-6pm", "Testshire Police", date(2026, 7, 1), ActionStatus.OPEN)]
    assert service.set_response_goal(response.action_id, second.id).value.goal_id == second.id
    assert service.get(context_id).goals[1].responses[0].action_id == response.action_id
    assert service.list_contexts()[0].open_responses == 1


def test_a_context_is_listed_and_reviewed_at_a_carm_meeting_like_a_case(carm: CarmMap) -> None:
    context_id = _park_context(carm)
    intake = carm.known.intake
    ctx = intake.ctx
    service = ContextService(ctx)
    service.add_assessment(context_id, assessed_on=date(2026, 5, 20), assessor="Youth worker",
                           what_happens="Older males recruit after school", guardians="Park warden")
    goal = service.add_goal(context_id, "Safe after school", "Incidents").value
    patrols = service.add_response(goal.id, agency_id=intake.police, text="Patrols 3-6pm",
                                   due_date=date(2026, 7, 1)).value
    with ctx.unit_of_work() as s:
        meeting = Meeting(panel_id=intake.carm, starts_at=datetime(2026, 6, 20, 10, 0), status=MeetingStatus.PLANNED,
                          created_at=datetime(2026, 6, 1))
        s.add(meeting)
        s.flush()
        meeting_id = meeting.id
    meetings = MeetingService(ctx)
    item = meetings.add_case(meeting_id, service.get(context_id).row.case_id).value
    meetings.start_meeting(meeting_id)
    view = meetings.read_item(item.id)
    assert view.context is not None and view.context.kind is ContextKind.PLACE
    assert "What happens there: Older males recruit after school" in view.context.summary
    assert [g.goal for g in view.context.goals] == ["Safe after school"]
    assert [a.id for a in view.earlier] == [patrols.action_id]  # the plan's responses, for review
    meetings.save_notes(item.id, discussion="Warden hours cut; patrols continue")
    meetings.review_action(patrols.action_id, ActionStatus.ONGOING, note="Two patrols done",
                           meeting_id=meeting_id)
    agreed = meetings.add_agreed_action(item.id, agency_id=intake.housing, text="Fix the lighting",
                                        due_date=date(2026, 7, 15)).value
    detail = service.get(context_id)
    assert detail.goals[0].responses[0].status is ActionStatus.ONGOING
    assert [r.action_id for r in detail.other_responses] == [agreed.id]  # agreed at the meeting: in the plan
    assert meetings.read_item(item.id).entry.discussion == "Warden hours cut; patrols continue"
    # A MARAC-only member sees neither the item's context nor the context.
    ctx.actor = carm.known.user("MARAC")
    with pytest.raises(NotFound):
        meetings.read_item(item.id)


def test_the_printed_assessment_and_plan_marked_and_redacted(carm: CarmMap, tmp_path: Path) -> None:
    context_id = _park_context(carm)
    intake = carm.known.intake
    service = ContextService(intake.ctx)
    service.add_assessment(context_id, assessed_on=date(2026, 4, 2), assessor="PCSO", what_happens="Dealing seen")
    service.add_assessment(context_id, assessed_on=date(2026, 5, 20), assessor="Youth worker",
                           what_happens="Recruitment near the gate at 14 Rosemary Lane",
                           safety_plan="Call the warden on 07700 900123")
    goal = service.add_goal(context_id, "Safe after school", "Fewer incidents").value
    service.add_response(goal.id, agency_id=intake.police, text="Patrols 3-6pm", due_date=date(2026, 7, 1))
    out = tmp_path / "context.pdf"
    service.write(context_id, out, invariant=True)
    reader = PdfReader(out)
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert reader.metadata.title == "Context assessment and plan"
    for words in ("OFFICIAL-SENSITIVE", "Place: Victoria Park", "CARM-2026-0002", "Assessed on 20 May 2026",
                  "What happens there", "Guardians present", "Earlier versions: 02 Apr 2026 (PCSO)",
                  "Goal 1: Safe after school", "Measures: Fewer incidents", "Patrols 3-6pm", "Testshire Police",
                  "14 Rosemary Lane", "07700 900123"):
        assert words in text, words
    redacted = tmp_path / "circulation.pdf"
    service.write(context_id, redacted, redacted=True, invariant=True)
    text = "\n".join(p.extract_text() for p in PdfReader(redacted).pages)
    assert "for circulation" in text and "Patrols 3-6pm" in text
    assert "Rosemary Lane" not in text and "900123" not in text
    with intake.ctx.reading() as s:
        printed = s.scalars(select(AuditEvent.details).where(AuditEvent.kind == "print",
                                                             AuditEvent.entity == "context")).all()
    assert [(d["file"], d["redacted"]) for d in printed] == [("context.pdf", False), ("circulation.pdf", True)]


def test_print_context_from_the_command_line(carm: CarmMap, tmp_path: Path, monkeypatch, capsys) -> None:  # noqa: ANN001
    from cspdesk import cli

    context_id = _park_context(carm)
    ctx = carm.known.intake.ctx
    ContextService(ctx).add_assessment(context_id, assessed_on=date(2026, 5, 20), assessor="Youth worker",
                                       what_happens="Recruitment by the gate")
    ctx.actor = carm.known.user("CARM")
    dispose = ctx.store.dispose
    monkeypatch.setattr(ctx.store, "dispose", lambda: None)  # the command closes what it opened: not the test's
    monkeypatch.setattr(cli, "_open", lambda args: ctx)
    common = ["--db", "x.db", "--user", "officer"]
    out = tmp_path / "context.pdf"
    assert cli.run(cli.build_parser().parse_args(
        ["print", "context", "--context", str(context_id), "--redacted", "--out", str(out), *common])) == 0
    text = "\n".join(p.extract_text() for p in PdfReader(out).pages)
    assert "Context assessment and plan" in text and "Recruitment by the gate" in text
    assert "(place, CARM-2026-0002) written to" in capsys.readouterr().out
    ctx.actor = carm.known.user("MARAC")
    assert cli.run(cli.build_parser().parse_args(
        ["print", "context", "--context", str(context_id), "--out", str(tmp_path / "no.pdf"), *common])) != 0
    assert not (tmp_path / "no.pdf").exists()
    monkeypatch.setattr(ctx.store, "dispose", dispose)


def test_the_cases_that_may_become_contexts(carm: CarmMap) -> None:
    ctx = _as_coordinator(carm, "CARM")
    service = ContextService(ctx)
    assert [(c.reference, c.name, c.kind) for c in service.candidates()] == [
        ("CARM-2026-0003", "Park crew", ContextKind.PEER_GROUP), ("CARM-2026-0002", "Victoria Park", ContextKind.PLACE)]
    _park_context(carm)
    assert [c.reference for c in service.candidates()] == ["CARM-2026-0003"]
    ctx.actor = carm.known.user("MARAC")
    assert service.candidates() == []
