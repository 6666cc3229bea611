"""Trust in the referral record (issue 16, items 1, 5, 8, 9): every contact field typed on a
referral is saved with the old one kept in the person's history; the criteria are shown and the
risk level comes from one rule; a MARAC referral needs its agency and a confirmation when it has
no DASH and no criterion; dates from another century are refused — on real encrypted files and
the real PostgreSQL server."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from core.referral_setup import TODAY, intake  # noqa: F401 - the fixture
from core.test_referrals import dash, marac_draft
from cspdesk.domain.criteria import marac_criteria, marac_risk_level
from cspdesk.domain.enums import RiskLevel
from cspdesk.domain.plausible import due_date_problem, referral_date_problem
from cspdesk.services.papers.case_summary import CaseSummaryService
from cspdesk.services.referrals.cases import CaseService
from cspdesk.services.referrals.referrals import (
    MaracDraft,
    NoCriteriaUnconfirmed,
    PersonDraft,
    ReferralInvalid,
    ReferralService,
)
from cspdesk.storage.models import Case, Person, PersonContactChange


def _text(pdf: bytes) -> str:
    import io

    # Words only: table cells wrap where they like.
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


def _first_and_victim(it) -> tuple[int, int]:  # noqa: ANN001
    service = ReferralService(it.ctx)
    first = service.create(marac_draft(it, referral_date=date(2026, 1, 5), victim=PersonDraft(
        given_name="Courtney", family_name="Hudson", date_of_birth=date(1990, 5, 1), address="3 Elm Close",
        postcode="ME7 1AB", phone="07700 900123", safe_to_call=True, safe_times="Mornings"))).value
    return first.case_id, first.subject_person_id


# --- item 1: a linked victim's new address --------------------------------------------------------


def test_a_linked_victims_new_address_is_saved_and_the_old_one_kept(intake) -> None:  # noqa: F811
    ctx = intake.ctx
    _first, victim = _first_and_victim(intake)
    second = ReferralService(ctx).create(marac_draft(intake, victim=PersonDraft(
        existing_person_id=victim, address="Flat 2, 9 Oak Road", postcode="me4 6tt", phone="07700 900456",
        update_contact=True))).value
    with ctx.reading() as s:
        person = s.get(Person, victim)
        assert (person.address, person.postcode, person.phone) == ("Flat 2, 9 Oak Road", "ME4 6TT", "07700 900456")
        assert (person.safe_to_call, person.safe_times) == (True, "Mornings")  # not typed: kept
        kept = s.scalars(select(PersonContactChange).where(PersonContactChange.person_id == victim)).one()
        assert (kept.address, kept.postcode, kept.phone, kept.case_id) == (
            "3 Elm Close", "ME7 1AB", "07700 900123", second.case_id)
    detail = CaseService(ctx).get_case(second.case_id)
    victim_row = next(p for p in detail.people if p.person_id == victim)
    assert (victim_row.address, victim_row.postcode) == ("Flat 2, 9 Oak Road", "ME4 6TT")
    (change,) = victim_row.contact_history
    assert change.describe().startswith("Moved from 3 Elm Close, ME7 1AB on ")
    assert "phone was 07700 900123" in change.describe() and "MARAC-2026-0002" in change.describe()


def test_the_full_case_summary_prints_the_new_address_and_the_history_the_other_copy_neither(intake) -> None:  # noqa: F811,E501
    ctx = intake.ctx
    _first, victim = _first_and_victim(intake)
    second = ReferralService(ctx).create(marac_draft(intake, victim=PersonDraft(
        existing_person_id=victim, address="9 Oak Road", postcode="ME4 6TT", update_contact=True))).value
    full = _text(CaseSummaryService(ctx).render(second.case_id, invariant=True))
    assert "9 Oak Road" in full and "Moved from 3 Elm Close, ME7 1AB" in full
    bare = _text(CaseSummaryService(ctx).render(second.case_id, contact_details=False, invariant=True))
    assert "Oak Road" not in bare and "Elm Close" not in bare and "Moved from" not in bare


def test_a_first_address_and_a_changed_safe_time_read_as_such(intake) -> None:  # noqa: F811
    ctx = intake.ctx
    service = ReferralService(ctx)
    first = service.create(marac_draft(intake, referral_date=date(2026, 1, 5))).value  # no address held
    second = service.create(marac_draft(intake, victim=PersonDraft(
        existing_person_id=first.subject_person_id, address="9 Oak Road", safe_times="Evenings",
        update_contact=True))).value
    (change,) = next(p for p in CaseService(ctx).get_case(second.case_id).people
                     if p.person_id == first.subject_person_id).contact_history
    text = change.describe()
    assert text.startswith("Address first recorded on ") and "safe contact was safe to call, Mornings only" in text
    assert "phone" not in text  # not typed, not changed


def test_a_link_with_the_same_details_keeps_no_history(intake) -> None:  # noqa: F811
    ctx = intake.ctx
    _first, victim = _first_and_victim(intake)
    ReferralService(ctx).create(marac_draft(intake, victim=PersonDraft(
        existing_person_id=victim, address="3 Elm Close", postcode="ME7 1AB", update_contact=True)))
    with ctx.reading() as s:
        assert s.scalars(select(PersonContactChange)).all() == []


# --- item 5: the criteria, and one rule for the risk level ---------------------------------------


def test_the_risk_rule_is_high_on_judgement_whatever_the_dash_band() -> None:
    medium = marac_criteria(yes_count=11, professional_judgement=True, police_incidents_12m=None, repeat=False)
    assert medium.band is RiskLevel.MEDIUM and medium.risk_level is RiskLevel.HIGH
    none = marac_criteria(yes_count=None, professional_judgement=False, police_incidents_12m=5, repeat=False)
    assert none.risk_level is None and none.potential_escalation and none.any_met
    assert marac_risk_level(RiskLevel.LOW, professional_judgement=False) is RiskLevel.LOW


def test_the_case_view_shows_the_criteria_and_why_the_risk_is_high(intake) -> None:  # noqa: F811
    ctx = intake.ctx
    created = ReferralService(ctx).create(marac_draft(
        intake, dash=dash(11), professional_judgement=True, professional_judgement_reason="Strangulation disclosed",
        police_incidents_12m=2, victim_aware=False, consent_given=False, lawful_basis="Vital interests")).value
    detail = CaseService(ctx).get_case(created.case_id)
    assert detail.row.risk_level is RiskLevel.HIGH  # the list
    lines = dict(detail.criteria.lines())
    assert lines["Risk level"] == "High: professional judgement (DASH band Medium)"
    assert lines["Professional judgement"] == "Yes — Strangulation disclosed"
    assert lines["Criteria met"] == "Professional judgement"
    assert lines["Police incidents in 12 months"].startswith("2 — potential escalation not met")
    assert (lines["Victim aware of referral"], lines["Consent to share"], lines["Lawful basis"]) == (
        "No", "No", "Vital interests")
    summary = _text(CaseSummaryService(ctx).render(created.case_id, invariant=True))
    for text in ("Strangulation disclosed", "Vital interests", "professional judgement (DASH band Medium)"):
        assert text in summary


def test_a_later_dash_keeps_a_judged_case_high(intake) -> None:  # noqa: F811
    ctx = intake.ctx
    service = ReferralService(ctx)
    created = service.create(marac_draft(intake, dash=dash(15), professional_judgement=True,
                                         professional_judgement_reason="Escalating threats")).value
    service.add_assessment(created.case_id, dash(3).answers, assessed_on=TODAY)
    with ctx.reading() as s:
        assert s.get(Case, created.case_id).risk_level is RiskLevel.HIGH
    assert dict(CaseService(ctx).get_case(created.case_id).criteria.lines())["Risk level"] == (
        "High: professional judgement (DASH band Low)")


# --- item 8: agency required, no criteria confirmed -----------------------------------------------


def test_a_marac_referral_without_its_agency_is_refused_naming_the_field(intake) -> None:  # noqa: F811
    with pytest.raises(ReferralInvalid) as caught:
        ReferralService(intake.ctx).create(marac_draft(intake, referring_agency_id=None))
    assert [p.field for p in caught.value.problems] == ["referring_agency_id"]


def test_no_dash_and_no_criterion_needs_confirming(intake) -> None:  # noqa: F811
    ctx = intake.ctx
    service = ReferralService(ctx)
    bare = marac_draft(intake, dash=None)
    with pytest.raises(NoCriteriaUnconfirmed) as caught:
        service.create(bare)
    assert "no DASH checklist" in str(caught.value)
    with ctx.reading() as s:
        assert s.scalars(select(Case)).all() == []  # nothing written
    created = service.create(bare, confirm_no_criteria=True).value
    assert created.risk_level is None
    # A criterion met (escalation) needs no confirmation, even without a DASH.
    assert service.create(dataclasses.replace(bare, police_incidents_12m=4)).value.criteria.potential_escalation


# --- item 9: dates from another century -----------------------------------------------------------


def test_the_plausible_window() -> None:
    assert referral_date_problem(date(1, 1, 1), TODAY) == (
        "Referral date: 01/01/0001 is before 01/01/1990; check the year.")
    assert referral_date_problem(date(1990, 1, 1), TODAY) is None
    assert referral_date_problem(TODAY + timedelta(days=1), TODAY) == "Referral date is in the future."
    assert due_date_problem(date(2999, 1, 1), TODAY) == (
        "Due date: 01/01/2999 is more than 10 years ahead; check the year.")
    assert due_date_problem(date(2036, 6, 15), TODAY) is None


def test_a_referral_from_year_one_is_refused(intake) -> None:  # noqa: F811
    with pytest.raises(ReferralInvalid) as caught:
        ReferralService(intake.ctx).create(marac_draft(intake, referral_date=date(1, 1, 1)))
    assert caught.value.problems[0].field == "referral_date"
    assert "01/01/0001" in caught.value.problems[0].message


def test_the_referral_import_refuses_a_referral_from_year_one(intake, tmp_path) -> None:  # noqa: F811
    from core.test_referral_import import row, write_csv
    from cspdesk.services.records_io.referral_import import import_referrals

    path = write_csv(tmp_path / "old.csv", [row(date_="01/01/0001"), row(given_="Hal", family="Moss")])
    report = import_referrals(intake.ctx, path, intake.marac, good_rows_only=True).value
    assert (report.problems[0].row, report.problems[0].column) == (2, "referral_date")
    assert {p.row for p in report.problems} == {2}
    assert "01/01/0001" in report.problems[0].message
    assert [r.reference for r in report.imported] == ["MARAC-2026-0001"]  # never "MARAC-1-0001"


def _plan_and_police(ctx):  # noqa: ANN001, ANN202
    from core.actions_helpers import agency_id, panel_id
    from cspdesk.domain.enums import PanelType

    return panel_id(ctx, PanelType.PARTNERSHIP), agency_id(ctx, "KP")


def test_an_action_due_in_2999_is_refused_by_the_service_and_the_import(demo_ctx, tmp_path) -> None:
    from core.test_action_import import _write_csv
    from cspdesk.services.records_io.action_import import ActionImportService, ImportRefused
    from cspdesk.services.actions.actions import ActionService, NewAction
    from cspdesk.services.errors import ValidationError

    plan, police = _plan_and_police(demo_ctx)
    with pytest.raises(ValidationError) as err:
        ActionService(demo_ctx).add_action(NewAction(panel_id=plan, text="Patrols", owner_agency_id=police,
                                                     due_date=date(2999, 1, 1)))
    assert err.value.field == "due_date" and "01/01/2999" in str(err.value)
    svc = ActionImportService(demo_ctx)
    table = svc.read(_write_csv(tmp_path / "t.csv", [["1", "Patrols", "Kent Police", "01/01/2999", "Open", ""],
                                                     ["2", "Visits", "Kent Police", "31/12/2026", "Open", ""]]))
    with pytest.raises(ImportRefused) as refused:
        svc.import_actions(plan, table, svc.suggest_mapping(plan, table).mapping)
    (bad,) = refused.value.report.bad_rows
    assert (bad.row, bad.field) == (2, "due_date") and "more than 10 years ahead" in bad.reason


def test_an_agreed_action_due_in_2999_is_refused(demo_ctx) -> None:
    from core.test_meetings import _marac, _planned_with_cases
    from cspdesk.services.errors import ValidationError
    from cspdesk.services.meetings.meetings import MeetingService

    svc = MeetingService(demo_ctx)
    item = svc.get_meeting(_planned_with_cases(demo_ctx, _marac(demo_ctx))).case_items[0]
    with pytest.raises(ValidationError) as err:
        svc.add_agreed_action(item.id, agency_id=1, text="Far off", due_date=date(2999, 1, 1))
    assert err.value.field == "due_date"


def test_the_full_minutes_print_the_criteria_the_distribution_copy_not(demo_ctx) -> None:
    from cspdesk.services.papers.meeting_papers import MeetingPapersService
    from cspdesk.storage import models as m

    with demo_ctx.reading() as s:
        meeting = s.execute(
            select(m.AgendaItem.meeting_id).join(m.Case, m.Case.id == m.AgendaItem.case_id)
            .join(m.Panel, m.Panel.id == m.Case.panel_id).where(m.Panel.panel_type == "marac")
            .order_by(m.AgendaItem.id).limit(1)).scalar_one()
    papers = MeetingPapersService(demo_ctx)
    full = _text(papers.render_minutes(meeting, invariant=True))
    assert "Referral criteria" in full and "Criteria met" in full and "Consent to share" in full
    circulated = _text(papers.render_minutes(meeting, distribution=True, invariant=True))
    agenda = _text(papers.render_agenda(meeting, invariant=True))
    assert "Referral criteria" not in circulated and "Consent to share" not in circulated
    assert "Referral criteria" not in agenda


def test_erasing_a_persons_cases_erases_their_earlier_addresses(demo_ctx) -> None:
    from cspdesk.services.partnership.retention import RetentionService
    from cspdesk.storage import models as m

    with demo_ctx.reading() as s:
        panel = s.scalar(select(m.Panel.id).where(m.Panel.panel_type == "marac").order_by(m.Panel.id))
    service = ReferralService(demo_ctx)
    base = dict(panel_id=panel, referring_agency_id=1, consent_given=True, dash=dash(15))
    first = service.create(MaracDraft(**base, referral_date=demo_ctx.today() - timedelta(days=40), victim=PersonDraft(
        given_name="Erin", family_name="Erasable", address="3 Elm Close", postcode="ME7 1AB"))).value
    second = service.create(MaracDraft(**base, referral_date=demo_ctx.today() - timedelta(days=2), victim=PersonDraft(
        existing_person_id=first.subject_person_id, address="9 Oak Road", update_contact=True))).value
    report = RetentionService(demo_ctx).erase_cases([first.case_id, second.case_id], "Right to erasure DP-1",
                                                    force=True).value
    assert report.counts["contact_history"] == 1 and report.counts["people"] >= 1
    with demo_ctx.reading() as s:
        assert s.scalars(select(PersonContactChange).where(
            PersonContactChange.person_id == first.subject_person_id)).all() == []
