"""Referrals (issue 4): drafts per panel type, validation naming field and row, references, repeats,
duplicates, the status lifecycle and dated assessments — on real encrypted files."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from core.referral_setup import TODAY, coordinator, intake  # noqa: F401 - the fixture
from cspdesk.domain.enums import (
    AssessmentKind,
    AuditKind,
    CaseStatus,
    PersonRole,
    RiskLevel,
    Role,
    SubjectKind,
    VulnerabilityFlag,
)
from cspdesk.services.audit import audit
from cspdesk.services.referrals.cases import CaseQuery, CaseService
from cspdesk.services.context import Actor
from cspdesk.services.errors import NotFound, PermissionDenied, ValidationError
from cspdesk.services.referrals.referrals import (
    DEFAULT_THREAT_TEMPLATE,
    CarmDraft,
    ChildDraft,
    CsvgDraft,
    DashAnswer,
    DashChecklist,
    DashItem,
    GroupDraft,
    LinkedPersonDraft,
    MaracDraft,
    MatchReason,
    PerpetratorDraft,
    PersonDraft,
    PlaceDraft,
    ReferralInvalid,
    ReferralService,
    SocpDraft,
    dash_from_values,
)
from cspdesk.storage.models import (
    AuditEvent,
    Case,
    CaseFlag,
    CasePerson,
    CaseStatusChange,
    GroupPerson,
    LocationPerson,
    Panel,
    Partnership,
    Person,
    RiskAssessment,
    SubjectGroup,
)


def dash(yes: int, *, declared: int | None = None) -> DashChecklist:
    values = ["yes"] * yes + ["no"] * (24 - yes)
    return dataclasses.replace(dash_from_values(values), declared_count=declared)


def marac_draft(it, **changes) -> MaracDraft:  # noqa: ANN001
    draft = MaracDraft(
        panel_id=it.marac, referral_date=TODAY - timedelta(days=1), referring_agency_id=it.police,
        referrer_name="PC Test", reason="Assault", victim=PersonDraft(
            given_name="Sarah", family_name="Smith", date_of_birth=date(1990, 5, 1), safe_to_call=True,
            safe_times="Mornings only", phone="07700 900123"),
        perpetrators=(PerpetratorDraft(person=PersonDraft(given_name="Dean", family_name="Smith"),
                                       relationship_to_victim="husband"),),
        children=(ChildDraft(person=PersonDraft(given_name="Amy", family_name="Smith", date_of_birth=date(2018, 2, 3)),
                             relationship_to_victim="daughter", relationship_to_perpetrator="daughter",
                             school="Testshire Primary"),),
        dash=dash(15), victim_aware=True, consent_given=True,
    )
    return dataclasses.replace(draft, **changes)


def count(ctx, model) -> int:  # noqa: ANN001
    with ctx.reading() as s:
        return s.scalar(select(func.count()).select_from(model))


# --- creating a MARAC referral -------------------------------------------------------------------


def test_a_marac_referral_is_written_whole(intake) -> None:  # noqa: F811
    ctx = intake.ctx
    result = ReferralService(ctx).create(marac_draft(intake))
    created = result.value
    assert created.reference == "MARAC-2026-0001"
    assert created.status is CaseStatus.RECEIVED
    assert created.risk_level is RiskLevel.HIGH
    assert created.criteria.visible_high_risk and created.criteria.yes_count == 15
    assert len(created.created_person_ids) == 3
    assert result.changes.cases and result.changes.people
    with ctx.reading() as s:
        case_ = s.get(Case, created.case_id)
        assert case_.subject_kind is SubjectKind.PERSON
        assert case_.crit_visible_high_risk and not case_.crit_repeat
        roles = {(cp.role, cp.person.given_name): cp for cp in case_.people}
        assert set(roles) == {(PersonRole.VICTIM, "Sarah"), (PersonRole.PERPETRATOR, "Dean"),
                              (PersonRole.CHILD, "Amy")}
        child = roles[(PersonRole.CHILD, "Amy")]
        assert (child.relationship_to_victim, child.relationship_to_perpetrator, child.school) == (
            "daughter", "daughter", "Testshire Primary")
        assert roles[(PersonRole.PERPETRATOR, "Dean")].relationship_to_victim == "husband"
        victim = case_.subject_person
        assert victim.safe_to_call is True and victim.safe_times == "Mornings only"
        assert victim.family_key == "SMT" and victim.given_norm == "sarah"
        steps = s.scalars(select(CaseStatusChange).where(CaseStatusChange.case_id == case_.id)).all()
        assert [(x.from_status, x.to_status) for x in steps] == [(None, CaseStatus.RECEIVED)]
        ra = s.scalars(select(RiskAssessment).where(RiskAssessment.case_id == case_.id)).one()
        assert ra.kind is AssessmentKind.DASH and ra.score == 15 and len(ra.answers) == 24
        assert ra.answers[0].item == "q01" and ra.answers[0].value == "yes"
        event = s.scalars(select(AuditEvent).where(AuditEvent.entity == "case", AuditEvent.entity_id == case_.id)).one()
        assert event.kind is AuditKind.CREATE and event.details["reference"] == "MARAC-2026-0001"
        assert audit.verify_chain(s).ok


def test_references_count_per_panel_and_per_year(intake) -> None:  # noqa: F811
    service = ReferralService(intake.ctx)
    refs = [service.create(marac_draft(intake)).value.reference for _ in range(2)]
    other = service.create(marac_draft(intake, panel_id=intake.marac2)).value.reference
    last_year = service.create(marac_draft(intake, referral_date=date(2025, 12, 31))).value.reference
    again = service.create(marac_draft(intake)).value.reference
    assert refs == ["MARAC-2026-0001", "MARAC-2026-0002"]
    assert other == "MARAC-N-2026-0001"
    assert last_year == "MARAC-2025-0001"
    assert again == "MARAC-2026-0003"


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"referral_date": TODAY + timedelta(days=1)}, "referral_date", "Referral date is in the future"),
    ({"children": (ChildDraft(person=PersonDraft(given_name="A", family_name="B", date_of_birth=date(2010, 1, 1))),
                   ChildDraft(person=PersonDraft(given_name="C", family_name="B", date_of_birth=TODAY + timedelta(days=3)))
                   )}, "children[1].person.date_of_birth", "Child 2: date of birth is in the future"),
    ({"children": (ChildDraft(person=PersonDraft(given_name="A", family_name="B", date_of_birth=TODAY)),)},
     "children[0].person.date_of_birth", "Child 1: date of birth is after the referral date"),
    ({"dash": dash(15, declared=14)}, "dash.declared_count", "count given (14) does not match the answers (15 yes)"),
    ({"dash": dash_from_values(["yes"] * 23)}, "dash.answers", "answer all 24 questions"),
    ({"professional_judgement": True}, "professional_judgement_reason", "write the reason"),
    ({"victim": PersonDraft(given_name="Jo", family_name="Young", date_of_birth=date(2011, 1, 1))},
     "victim.date_of_birth", "MARAC is for victims aged 16 or over"),
    ({"consent_given": False}, "lawful_basis", "without consent"),
    ({"victim": PersonDraft(given_name="Sarah")}, "victim.family_name", "Victim: give a family name"),
    ({"perpetrators": (PerpetratorDraft(person=PersonDraft()), PerpetratorDraft(person=PersonDraft(
        given_name="X", family_name="Y")))}, "perpetrators[0].person.family_name", "Perpetrator 1: give a name"),
    ({"referring_agency_id": 999}, "referring_agency_id", "no longer exists"),
    ({"victim": PersonDraft(existing_person_id=4242)}, "victim.existing_person_id", "does not exist"),
])
def test_each_marac_rule_names_its_field_and_writes_nothing(intake, changes, field, words) -> None:  # noqa: F811
    ctx = intake.ctx
    with pytest.raises(ReferralInvalid) as err:
        ReferralService(ctx).create(marac_draft(intake, **changes))
    assert any(p.field == field and words in p.message for p in err.value.problems), err.value.problems
    assert isinstance(err.value, ValidationError)
    assert count(ctx, Case) == 0 and count(ctx, Person) == 0 and count(ctx, AuditEvent) == 1  # set-up only


def test_every_problem_is_reported_at_once(intake) -> None:  # noqa: F811
    draft = marac_draft(intake, referral_date=TODAY + timedelta(days=2), professional_judgement=True,
                        consent_given=None)
    problems = ReferralService(intake.ctx).validate(draft)
    assert {p.field for p in problems} == {"referral_date", "professional_judgement_reason", "lawful_basis"}
    assert ReferralService(intake.ctx).validate(marac_draft(intake)) == ()


def test_a_victim_turning_16_on_the_referral_day_is_accepted(intake) -> None:  # noqa: F811
    day = TODAY - timedelta(days=1)
    born = date(day.year - 16, day.month, day.day)
    ok = marac_draft(intake, victim=PersonDraft(given_name="Jo", family_name="Young", date_of_birth=born))
    assert ReferralService(intake.ctx).validate(ok) == ()
    young = marac_draft(intake, victim=PersonDraft(given_name="Jo", family_name="Young",
                                                   date_of_birth=born + timedelta(days=1)))
    assert [p.field for p in ReferralService(intake.ctx).validate(young)] == ["victim.date_of_birth"]


def test_a_form_of_another_panel_type_is_refused(intake) -> None:  # noqa: F811
    with pytest.raises(ReferralInvalid, match="is a CSVG / Community MARAC panel: use its own referral form"):
        ReferralService(intake.ctx).create(marac_draft(intake, panel_id=intake.csvg))


def test_criteria_follow_the_panels_settings(intake) -> None:  # noqa: F811
    ctx = intake.ctx
    service = ReferralService(ctx)
    below = service.criteria(marac_draft(intake, dash=dash(11), police_incidents_12m=2))
    assert not below.visible_high_risk and not below.potential_escalation and below.band is RiskLevel.MEDIUM
    assert not below.any_met
    at = service.criteria(marac_draft(intake, dash=dash(14), police_incidents_12m=3))
    assert at.visible_high_risk and at.potential_escalation and at.band is RiskLevel.HIGH
    with ctx.unit_of_work() as s:
        panel = s.get(Panel, intake.marac)
        panel.dash_threshold, panel.escalation_incidents = 11, 2
    now = service.criteria(marac_draft(intake, dash=dash(11), police_incidents_12m=2))
    assert now.visible_high_risk and now.potential_escalation
    created = service.create(marac_draft(intake, dash=dash(11), police_incidents_12m=2)).value
    with ctx.reading() as s:
        case_ = s.get(Case, created.case_id)
        assert case_.crit_visible_high_risk and case_.crit_escalation and case_.police_incidents_12m == 2


def test_professional_judgement_makes_the_risk_high_and_keeps_the_reason(intake) -> None:  # noqa: F811
    created = ReferralService(intake.ctx).create(marac_draft(
        intake, dash=dash(6), professional_judgement=True, professional_judgement_reason="Strangulation, escalating",
    )).value
    assert created.risk_level is RiskLevel.HIGH and created.criteria.professional_judgement
    with intake.ctx.reading() as s:
        assert s.get(Case, created.case_id).professional_judgement_reason == "Strangulation, escalating"


def test_a_dash_answer_from_someone_else_keeps_its_source(intake) -> None:  # noqa: F811
    answers = tuple(DashItem(DashAnswer.YES if i < 14 else DashAnswer.DONT_KNOW, "Officer" if i == 0 else "")
                    for i in range(24))
    created = ReferralService(intake.ctx).create(marac_draft(intake, dash=DashChecklist(answers=answers))).value
    info = ReferralService(intake.ctx).assessments(created.case_id)[0]
    assert info.answers[0].source == "Officer" and info.answers[1].source == ""
    assert info.answers[-1].value == "dont_know" and info.score == 14


# --- repeats ----------------------------------------------------------------------------------


def _victim_of(ctx, case_id: int) -> int:  # noqa: ANN001
    with ctx.reading() as s:
        return s.get(Case, case_id).subject_person_id


def test_a_repeat_within_the_window_names_the_earlier_case(intake) -> None:  # noqa: F811
    ctx = intake.ctx
    service = ReferralService(ctx)
    first = service.create(marac_draft(intake, referral_date=date(2025, 7, 1))).value
    victim = _victim_of(ctx, first.case_id)
    repeat = service.check_repeat(intake.marac, victim, date(2026, 6, 1))
    assert repeat is not None and repeat.reference == first.reference and repeat.referral_date == date(2025, 7, 1)
    assert "MARAC-2025-0001" in repeat.message and "01 Jul 2025" in repeat.message
    assert service.check_repeat(intake.marac, victim, date(2026, 7, 1)) is not None  # exactly 12 months
    assert service.check_repeat(intake.marac, victim, date(2026, 7, 2)) is None
    assert service.check_repeat(intake.marac2, victim, date(2026, 6, 1)) is None  # another panel's

    second = service.create(marac_draft(intake, referral_date=date(2026, 6, 1),
                                        victim=PersonDraft(existing_person_id=victim))).value
    assert second.repeat_of is not None and second.repeat_of.case_id == first.case_id
    assert second.criteria.repeat and second.created_person_ids == (second.created_person_ids[0],
                                                                    second.created_person_ids[1])
    with ctx.reading() as s:
        case_ = s.get(Case, second.case_id)
        assert case_.repeat_of_case_id == first.case_id and case_.crit_repeat
    # The window is measured from the *last* referral.
    assert service.check_repeat(intake.marac, victim, date(2027, 5, 30)).case_id == second.case_id


def test_the_repeat_window_is_the_panels_setting(intake) -> None:  # noqa: F811
    ctx = intake.ctx
    service = ReferralService(ctx)
    first = service.create(marac_draft(intake, referral_date=date(2025, 12, 1))).value
    victim = _victim_of(ctx, first.case_id)
    assert service.check_repeat(intake.marac, victim, date(2026, 6, 1)) is not None
    with ctx.unit_of_work() as s:
        s.get(Panel, intake.marac).repeat_window_months = 3
    assert service.check_repeat(intake.marac, victim, date(2026, 6, 1)) is None
    assert service.check_repeat(intake.marac, victim, date(2026, 3, 1)).window_months == 3


def test_a_declined_referral_does_not_make_a_repeat(intake) -> None:  # noqa: F811
    ctx = intake.ctx
    service = ReferralService(ctx)
    first = service.create(marac_draft(intake, referral_date=date(2026, 1, 5))).value
    service.change_status(first.case_id, CaseStatus.DECLINED, reason="Does not meet the threshold")
    assert service.check_repeat(intake.marac, _victim_of(ctx, first.case_id), date(2026, 6, 1)) is None


# --- finding people ------------------------------------------------------------------------------


def test_people_are_found_by_spelling_variant_alias_and_date_of_birth(intake) -> None:  # noqa: F811
    ctx = intake.ctx
    service = ReferralService(ctx)
    first = service.create(marac_draft(intake, victim=PersonDraft(
        given_name="Katherine", family_name="Smith", date_of_birth=date(1988, 3, 4), aliases=("Katherine Brown",)),
    )).value
    kate = _victim_of(ctx, first.case_id)

    variant = service.find_people("Kathryn", "Smyth")
    assert variant[0].person_id == kate
    assert MatchReason.SOUNDS_ALIKE in variant[0].reasons
    assert variant[0].cases[0].reference == first.reference and variant[0].cases[0].role is PersonRole.VICTIM

    by_alias = service.find_people("Katherine", "Browne")
    assert by_alias[0].person_id == kate and MatchReason.ALIAS in by_alias[0].reasons
    assert "Katherine Brown" in by_alias[0].why

    by_dob = service.find_people("Kate", "Smithson", date(1988, 3, 4))
    assert by_dob and by_dob[0].person_id == kate and MatchReason.SAME_DATE_OF_BIRTH in by_dob[0].reasons

    exact = service.find_people("Katherine", "Smith", date(1988, 3, 4))[0]
    assert exact.reasons[:1] == (MatchReason.SAME_NAME,) and exact.score > variant[0].score

    assert service.find_people("Olusegun", "Adeyemi") == []


def test_a_different_date_of_birth_ranks_a_namesake_below(intake) -> None:  # noqa: F811
    service = ReferralService(intake.ctx)
    older = service.create(marac_draft(intake, victim=PersonDraft(
        given_name="Sarah", family_name="Smith", date_of_birth=date(1960, 1, 1)))).value
    right = service.create(marac_draft(intake, victim=PersonDraft(
        given_name="Sara", family_name="Smith", date_of_birth=date(1990, 5, 1)))).value
    matches = service.find_people("Sarah", "Smith", date(1990, 5, 1))
    ids = [m.person_id for m in matches]
    assert ids.index(_victim_of(intake.ctx, right.case_id)) < ids.index(_victim_of(intake.ctx, older.case_id))


def test_matches_name_only_the_cases_a_user_may_see(intake) -> None:  # noqa: F811
    ctx = intake.ctx
    service = ReferralService(ctx)
    service.create(marac_draft(intake))
    service.create(marac_draft(intake, panel_id=intake.marac2))
    ctx.actor = coordinator(intake.coordinator_id, intake.marac)
    sarah = next(m for m in service.find_people("Sarah", "Smith") if m.given_name == "Sarah")
    assert [c.panel_id for c in sarah.cases] == [intake.marac]
    assert sarah.other_cases == 0  # the second Sarah is a new person: the other panel's case is hers
    # The second Sarah is known only to the other panel: she is not offered at all.
    assert [m.given_name for m in service.find_people("Sarah", "Smith")].count("Sarah") == 1
    ctx.actor = Actor.local_owner()
    assert [m.given_name for m in service.find_people("Sarah", "Smith")].count("Sarah") == 2
    # Someone on both panels is offered, with the other panel's case counted, not named.
    both = service.find_people("Sarah", "Smith")[0]
    service.create(marac_draft(intake, panel_id=intake.marac2, victim=PersonDraft(existing_person_id=both.person_id)))
    ctx.actor = coordinator(intake.coordinator_id, next(iter({c.panel_id for c in both.cases})))
    again = next(m for m in service.find_people("Sarah", "Smith") if m.person_id == both.person_id)
    assert len(again.cases) == 1 and again.other_cases == 1


# --- permissions and the unit of work --------------------------------------------------------


def test_an_officer_cannot_log_a_referral(intake) -> None:  # noqa: F811
    intake.ctx.actor = Actor(user_id=None, username="officer", role=Role.OFFICER)
    with pytest.raises(PermissionDenied):
        ReferralService(intake.ctx).create(marac_draft(intake))
    assert count(intake.ctx, Case) == 0


def test_a_coordinator_logs_only_on_their_own_panels(intake) -> None:  # noqa: F811
    intake.ctx.actor = coordinator(intake.coordinator_id, intake.marac)
    service = ReferralService(intake.ctx)
    created = service.create(marac_draft(intake)).value
    with intake.ctx.reading() as s:
        step = s.scalars(select(CaseStatusChange).where(CaseStatusChange.case_id == created.case_id)).one()
        assert step.by_user_id == intake.coordinator_id
    with pytest.raises(PermissionDenied):
        service.create(marac_draft(intake, panel_id=intake.marac2))
    with pytest.raises(PermissionDenied):
        service.check_repeat(intake.marac2, 1, TODAY)


def test_a_failure_part_way_leaves_nothing_written(intake, monkeypatch) -> None:  # noqa: F811
    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(audit, "record", broken)
    with pytest.raises(RuntimeError):
        ReferralService(intake.ctx).create(marac_draft(intake))
    monkeypatch.undo()
    assert count(intake.ctx, Case) == 0 and count(intake.ctx, Person) == 0
    assert count(intake.ctx, RiskAssessment) == 0 and count(intake.ctx, CasePerson) == 0
    # and the reference was not used up
    assert ReferralService(intake.ctx).create(marac_draft(intake)).value.reference == "MARAC-2026-0001"


# --- the lifecycle ---------------------------------------------------------------------------


def test_the_lifecycle_records_each_step_with_who_and_when(intake) -> None:  # noqa: F811
    ctx = intake.ctx
    ctx.actor = coordinator(intake.coordinator_id, intake.marac)
    service = ReferralService(ctx)
    case_id = service.create(marac_draft(intake)).value.case_id
    for to in (CaseStatus.ACCEPTED, CaseStatus.LISTED, CaseStatus.OPEN):
        assert service.change_status(case_id, to).value.to_status is to
    closed = service.change_status(case_id, CaseStatus.CLOSED, outcome="Risk reduced; IDVA support continues").value
    assert closed.from_status is CaseStatus.OPEN and closed.reason.startswith("Risk reduced")
    service.change_status(case_id, CaseStatus.ARCHIVED)
    with ctx.reading() as s:
        case_ = s.get(Case, case_id)
        assert case_.status is CaseStatus.ARCHIVED and case_.outcome.startswith("Risk reduced")
        assert case_.closed_on == TODAY
        steps = [(x.to_status, x.by_user_id, x.at) for x in s.scalars(
            select(CaseStatusChange).where(CaseStatusChange.case_id == case_id).order_by(CaseStatusChange.id))]
    assert [to for to, _, _ in steps] == [CaseStatus.RECEIVED, CaseStatus.ACCEPTED, CaseStatus.LISTED,
                                            CaseStatus.OPEN, CaseStatus.CLOSED, CaseStatus.ARCHIVED]
    assert all(by == intake.coordinator_id and at is not None for _, by, at in steps)
    detail = CaseService(ctx).get_case(case_id)
    assert [h.to_status for h in detail.history][-1] is CaseStatus.ARCHIVED


@pytest.mark.parametrize(("path", "to", "words"), [
    ((), CaseStatus.OPEN, "is Received: it cannot be moved to Open. From Received it can go to Accepted or Declined"),
    ((), CaseStatus.CLOSED, "cannot be moved to Closed"),
    ((CaseStatus.ACCEPTED,), CaseStatus.ACCEPTED, "is already Accepted"),
    ((CaseStatus.DECLINED,), CaseStatus.OPEN, "From Declined it can go to Archived"),
    ((CaseStatus.DECLINED, CaseStatus.ARCHIVED), CaseStatus.RECEIVED, "does not move on"),
])
def test_illegal_moves_are_refused_in_plain_words(intake, path, to, words) -> None:  # noqa: F811
    service = ReferralService(intake.ctx)
    case_id = service.create(marac_draft(intake)).value.case_id
    for step in path:
        service.change_status(case_id, step, reason="Not for MARAC")
    with pytest.raises(ValidationError, match=words):
        service.change_status(case_id, to)


def test_declined_needs_a_reason_and_closed_an_outcome(intake) -> None:  # noqa: F811
    service = ReferralService(intake.ctx)
    case_id = service.create(marac_draft(intake)).value.case_id
    with pytest.raises(ValidationError) as err:
        service.change_status(case_id, CaseStatus.DECLINED, reason="  ")
    assert err.value.field == "reason"
    for to in (CaseStatus.ACCEPTED, CaseStatus.LISTED, CaseStatus.OPEN):
        service.change_status(case_id, to)
    with pytest.raises(ValidationError) as err:
        service.change_status(case_id, CaseStatus.CLOSED)
    assert err.value.field == "outcome"
    with intake.ctx.reading() as s:
        assert s.get(Case, case_id).status is CaseStatus.OPEN


def test_a_viewer_cannot_change_a_status(intake) -> None:  # noqa: F811
    service = ReferralService(intake.ctx)
    case_id = service.create(marac_draft(intake)).value.case_id
    intake.ctx.actor = Actor(user_id=None, username="v", role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        service.change_status(case_id, CaseStatus.ACCEPTED)
    intake.ctx.actor = coordinator(intake.coordinator_id, intake.csvg)
    with pytest.raises(NotFound):
        service.change_status(case_id, CaseStatus.ACCEPTED)


# --- assessments -----------------------------------------------------------------------------


def test_a_saved_dash_is_never_edited_a_new_one_is_added(intake) -> None:  # noqa: F811
    ctx = intake.ctx
    service = ReferralService(ctx)
    created = service.create(marac_draft(intake, dash=dash(15))).value
    before = service.assessments(created.case_id)
    new = service.add_assessment(created.case_id, dash(9).answers, assessed_on=TODAY, assessor="IDVA").value
    after = service.assessments(created.case_id)
    assert [a.id for a in after] == [new.id, before[0].id]
    assert after[1] == before[0]  # the first, unchanged
    assert new.score == 9 and new.risk_level is RiskLevel.LOW
    with ctx.reading() as s:
        case_ = s.get(Case, created.case_id)
        assert case_.risk_level is RiskLevel.LOW
        assert case_.crit_visible_high_risk  # the criteria the referral met stay as they were
    with pytest.raises(ReferralInvalid, match="answer all 24"):
        service.add_assessment(created.case_id, dash(9).answers[:20])
    with pytest.raises(ValidationError, match="future"):
        service.add_assessment(created.case_id, dash(9).answers, assessed_on=TODAY + timedelta(days=1))
    assert len(service.assessments(created.case_id)) == 2


# --- the other panel types -------------------------------------------------------------------


def test_a_csvg_referral_for_a_person_with_flags(intake) -> None:  # noqa: F811
    service = ReferralService(intake.ctx)
    draft = CsvgDraft(panel_id=intake.csvg, referral_date=TODAY, referring_agency_id=intake.housing,
                      person=PersonDraft(given_name="Pat", family_name="Green", date_of_birth=date(1970, 1, 1)),
                      flags=frozenset({VulnerabilityFlag.MENTAL_HEALTH, VulnerabilityFlag.SELF_NEGLECT}),
                      risk_level=RiskLevel.MEDIUM, presenting_issues="Hoarding; fire risk")
    created = service.create(draft).value
    assert created.reference == "CSVG-2026-0001" and created.risk_level is RiskLevel.MEDIUM
    with intake.ctx.reading() as s:
        case_ = s.get(Case, created.case_id)
        assert case_.reason == "Hoarding; fire risk"
        assert {f.flag for f in case_.flags} == {VulnerabilityFlag.MENTAL_HEALTH, VulnerabilityFlag.SELF_NEGLECT}
    problems = service.validate(dataclasses.replace(draft, risk_level=None, presenting_issues=""))
    assert {p.field for p in problems} == {"risk_level", "presenting_issues"}
    problems = service.validate(dataclasses.replace(draft, household=GroupDraft(name="The Greens")))
    assert [p.field for p in problems] == ["person"]


def test_a_csvg_referral_for_a_household(intake) -> None:  # noqa: F811
    created = ReferralService(intake.ctx).create(CsvgDraft(
        panel_id=intake.csvg, referral_date=TODAY, household=GroupDraft(name="12 Elm Road household"),
        household_members=(LinkedPersonDraft(person=PersonDraft(given_name="Al", family_name="Elm"), role="tenant"),),
        risk_level=RiskLevel.HIGH, presenting_issues="ASB")).value
    with intake.ctx.reading() as s:
        case_ = s.get(Case, created.case_id)
        assert case_.subject_kind is SubjectKind.GROUP and case_.subject_group.name == "12 Elm Road household"
        assert s.scalars(select(GroupPerson.role)).all() == ["tenant"]
        assert [(cp.role, cp.notes) for cp in case_.people] == [(PersonRole.HOUSEHOLD_MEMBER, "tenant")]


def test_a_socp_referral_scores_on_the_default_template(intake) -> None:  # noqa: F811
    service = ReferralService(intake.ctx)
    scores = {"harm": 4, "likelihood": 3, "position": 2, "reach": 1}
    draft = SocpDraft(panel_id=intake.socp, referral_date=TODAY, ocg=GroupDraft(name="Eastside Crew",
                                                                                 reference="OCG-0001"),
                      nominals=(LinkedPersonDraft(person=PersonDraft(given_name="Big", family_name="Boss"),
                                                  role="principal"),
                                LinkedPersonDraft(person=PersonDraft(given_name="Lil", family_name="Runner"),
                                                  role="runner")),
                      threat_scores=scores)
    created = service.create(draft).value
    assert DEFAULT_THREAT_TEMPLATE.score(scores) == 2 * 4 + 2 * 3 + 2 + 1 == 17
    assert created.risk_level is RiskLevel.HIGH
    info = service.assessments(created.case_id)[0]
    assert info.kind is AssessmentKind.THREAT_HARM and info.score == 17
    with intake.ctx.reading() as s:
        group = s.scalars(select(SubjectGroup)).one()
        assert group.reference == "OCG-0001"
        assert dict(s.execute(select(GroupPerson.role, GroupPerson.person_id)).all()).keys() == {"principal", "runner"}
        assert s.scalar(select(RiskAssessment.group_id).where(RiskAssessment.id == info.id)) == group.id
    bad = service.validate(dataclasses.replace(draft, threat_scores={"harm": 9, "likelihood": 1, "position": 1}))
    assert {p.field for p in bad} == {"threat_scores.harm", "threat_scores.reach", "ocg.reference"}


def test_the_threat_template_comes_from_partnership_settings(intake) -> None:  # noqa: F811
    ctx = intake.ctx
    with ctx.unit_of_work() as s:
        partnership = s.scalars(select(Partnership)).one()
        partnership.settings = {"threat_harm_template": {
            "name": "Local", "medium_from": 3, "high_from": 5,
            "factors": [{"key": "harm", "label": "Harm", "max": 5}, {"key": "capability", "label": "Capability",
                                                                     "max": 5}]}}
    service = ReferralService(ctx)
    rules = service.panel_rules(intake.socp)
    assert [f.key for f in rules.threat_template.factors] == ["harm", "capability"]
    created = service.create(SocpDraft(panel_id=intake.socp, referral_date=TODAY, ocg=GroupDraft(name="Crew"),
                                       nominals=(LinkedPersonDraft(person=PersonDraft(given_name="A", family_name="B")),),
                                       threat_scores={"harm": 2, "capability": 2})).value
    assert created.risk_level is RiskLevel.MEDIUM


def test_a_carm_referral_for_a_place_with_linked_people(intake) -> None:  # noqa: F811
    service = ReferralService(intake.ctx)
    draft = CarmDraft(panel_id=intake.carm, referral_date=TODAY,
                      place=PlaceDraft(name="Skate park", kind="park", postcode="te1 1aa"),
                      linked=(LinkedPersonDraft(person=PersonDraft(given_name="Kid", family_name="One",
                                                                   date_of_birth=date(2010, 1, 1)),
                                                role="seen there", case_role=PersonRole.PERSON_OF_CONCERN),),
                      risk_level=RiskLevel.HIGH)
    created = service.create(draft).value
    with intake.ctx.reading() as s:
        case_ = s.get(Case, created.case_id)
        assert case_.subject_kind is SubjectKind.LOCATION and case_.subject_location.postcode == "TE1 1AA"
        assert s.scalars(select(LocationPerson.role)).all() == ["seen there"]
        assert [cp.role for cp in case_.people] == [PersonRole.PERSON_OF_CONCERN]
    two = dataclasses.replace(draft, peer_group=GroupDraft(name="Crew"))
    assert [p.field for p in service.validate(two)] == ["young_person"]


# --- the case list's new filters ---------------------------------------------------------------


def test_the_case_list_filters_by_risk_flag_agency_and_dates(intake) -> None:  # noqa: F811
    ctx = intake.ctx
    service = ReferralService(ctx)
    high = service.create(marac_draft(intake, referral_date=date(2026, 1, 10))).value.case_id
    low = service.create(marac_draft(intake, referral_date=date(2026, 3, 10), dash=dash(3),
                                     referring_agency_id=intake.idva)).value.case_id
    flagged = service.create(CsvgDraft(panel_id=intake.csvg, referral_date=date(2026, 5, 1),
                                       referring_agency_id=intake.housing,
                                       person=PersonDraft(given_name="Pat", family_name="Green"),
                                       flags=frozenset({VulnerabilityFlag.HOMELESSNESS}), risk_level=RiskLevel.LOW,
                                       presenting_issues="Sleeping rough")).value.case_id
    cases = CaseService(ctx)
    assert set(cases.case_ids(CaseQuery(risk_levels=frozenset({RiskLevel.HIGH})))) == {high}
    assert set(cases.case_ids(CaseQuery(risk_levels=frozenset({RiskLevel.LOW})))) == {low, flagged}
    assert cases.case_ids(CaseQuery(flags=frozenset({VulnerabilityFlag.HOMELESSNESS}))) == [flagged]
    assert cases.case_ids(CaseQuery(flags=frozenset({VulnerabilityFlag.MENTAL_HEALTH}))) == []
    assert cases.case_ids(CaseQuery(referring_agency_ids=frozenset({intake.idva}))) == [low]
    assert cases.case_ids(CaseQuery(referred_from=date(2026, 3, 10), referred_to=date(2026, 4, 30))) == [low]
    assert cases.case_ids(CaseQuery(referred_to=date(2026, 1, 10))) == [high]
    assert cases.case_ids() == [flagged, low, high]  # and no filter keeps them all


def test_search_finds_any_word_of_an_alias(intake) -> None:  # noqa: F811
    created = ReferralService(intake.ctx).create(marac_draft(intake, victim=PersonDraft(
        given_name="Jane", family_name="Doe", aliases=("Jane Marlowe-Price",)))).value
    cases = CaseService(intake.ctx)
    assert [r.id for r in cases.search("price")] == [created.case_id]
    assert [r.id for r in cases.search("marl pri")] == [created.case_id]
    assert cases.search("prices") == []


def test_flags_are_stored_once_each(intake) -> None:  # noqa: F811
    ReferralService(intake.ctx).create(CarmDraft(
        panel_id=intake.carm, referral_date=TODAY, young_person=PersonDraft(given_name="Y", family_name="P"),
        flags=frozenset({VulnerabilityFlag.EXPLOITATION}), risk_level=RiskLevel.HIGH))
    assert count(intake.ctx, CaseFlag) == 1


def test_linking_a_victim_can_update_their_safe_contact_and_says_so(intake) -> None:  # noqa: F811
    ctx = intake.ctx
    service = ReferralService(ctx)
    first = service.create(marac_draft(intake, referral_date=date(2026, 1, 5))).value
    victim = _victim_of(ctx, first.case_id)
    plain = service.create(marac_draft(intake, victim=PersonDraft(existing_person_id=victim, phone="07700 900999")))
    with ctx.reading() as s:
        assert s.get(Person, victim).phone == "07700 900123"  # a link alone changes nobody
    second = service.create(marac_draft(intake, victim=PersonDraft(
        existing_person_id=victim, phone="07700 900999", safe_to_call=False, update_contact=True))).value
    with ctx.reading() as s:
        person = s.get(Person, victim)
        assert (person.phone, person.safe_to_call, person.safe_times) == ("07700 900999", False, "Mornings only")
        details = s.scalars(select(AuditEvent.details).where(AuditEvent.entity_id == second.case_id,
                                                             AuditEvent.entity == "case")).one()
    assert details["contact_updated_person_ids"] == [victim]
    assert plain.value.created_person_ids != second.created_person_ids


def test_the_dash_grid_has_24_labelled_questions() -> None:
    from cspdesk.domain.rules import DASH_QUESTIONS, dash_item

    assert len(DASH_QUESTIONS) == 24 and len(set(DASH_QUESTIONS)) == 24
    assert [dash_item(1), dash_item(24)] == ["q01", "q24"]


def test_a_logged_case_stores_its_subject_sort_key(intake) -> None:  # noqa: F811
    """Sorting by subject reads ``case_record.subject_sort`` (issue 23): a person ("family given"),
    a group and a place each get the key when the case is logged, and the list sorts by it."""
    from cspdesk.services.referrals.cases import CaseQuery, CaseService, CaseSort

    service = ReferralService(intake.ctx)
    person = service.create(CarmDraft(panel_id=intake.carm, referral_date=TODAY, risk_level=RiskLevel.HIGH,
                                      young_person=PersonDraft(given_name="Zoë", family_name="Ångström"))).value
    group = service.create(CsvgDraft(panel_id=intake.csvg, referral_date=TODAY, risk_level=RiskLevel.HIGH,
                                     household=GroupDraft(name="12 Elm Road household"),
                                     presenting_issues="ASB")).value
    place = service.create(CarmDraft(panel_id=intake.carm, referral_date=TODAY, risk_level=RiskLevel.HIGH,
                                     place=PlaceDraft(name="Skate Park", kind="park", postcode="te1 1aa"))).value
    with intake.ctx.reading() as s:
        keys = dict(s.execute(select(Case.id, Case.subject_sort)).all())
    assert keys[person.case_id] == "angstrom zoe"
    assert keys[group.case_id] == "12 elm road household"
    assert keys[place.case_id] == "skate park"
    ids = CaseService(intake.ctx).case_ids(CaseQuery(sort=CaseSort.SUBJECT, descending=False))
    assert ids == [group.case_id, person.case_id, place.case_id]
