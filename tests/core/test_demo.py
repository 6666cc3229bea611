"""The synthetic demo partnership, on real encrypted files (small scale only; county is a benchmark)."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Integer, cast, func, select

from constants import DEMO_TODAY, TEST_KEY
from dbcheck import dangling_references
from cspdesk.domain.enums import ActionStatus, CaseStatus, MeetingStatus, PanelType, PersonRole, Role, Strand
from cspdesk.domain.rules import is_overdue
from cspdesk.demo.generator import DemoScale, DemoSummary, generate_demo
from cspdesk.demo import DemoRefused
from cspdesk.storage import models as m
from cspdesk.storage.engine import Store, open_store


@pytest.fixture
def demo_store(engine: str, demo_target: str | Path):
    """The demo partnership's store, on each engine (the same seed and day on both)."""
    store = open_store(demo_target, key=TEST_KEY if engine == "sqlite" else None)
    yield store
    store.dispose()


def _rows(store: Store, stmt: Any) -> list[Any]:
    with store.engine.connect() as conn:
        return list(conn.execute(stmt).all())


def _panel_ids(store: Store, panel_type: PanelType) -> list[int]:
    return [r.id for r in _rows(store, select(m.Panel.id).where(m.Panel.panel_type == panel_type))]


def _fingerprint(store: Store) -> dict[str, Any]:
    """What two generations must agree on: references with subject names, actions, counts."""
    subjects = _rows(
        store,
        select(m.Case.reference, m.Person.given_name, m.Person.family_name, m.Case.status, m.Case.referral_date)
        .outerjoin(m.Person, m.Person.id == m.Case.subject_person_id),
    )
    actions = _rows(store, select(m.Action.text, m.Action.due_date, m.Action.status, m.Action.owner_name))
    counts = {}
    for model in (m.Person, m.Case, m.Meeting, m.AgendaItem, m.Attendance, m.Action, m.ActionUpdate, m.RiskAnswer):
        counts[model.__tablename__] = _rows(store, select(func.count()).select_from(model))[0][0]
    return {"subjects": sorted(map(tuple, subjects)), "actions": sorted(map(tuple, actions)), "counts": counts}


def test_the_partnership_row_agencies_and_every_panel_type(demo_store: Store) -> None:
    (p,) = _rows(demo_store, select(m.Partnership))
    assert p.name == "Safer Swale & Maidstone Partnership (demo)"
    assert p.protective_marking == "OFFICIAL-SENSITIVE"
    assert "confidential" in p.confidentiality_statement and len(p.confidentiality_statement) > 200
    assert 200_000 <= p.population_adults <= 240_000
    assert 100_000 <= p.population_adult_women <= 120_000

    agencies = _rows(demo_store, select(m.Agency))
    assert 14 <= len(agencies) <= 20
    names = {a.name for a in agencies}
    assert {"Kent Police", "Swale Borough Council", "Maidstone Borough Council", "Golding Homes", "Optivo"} <= names
    assert all(a.short_code and a.sector for a in agencies)

    panels = {p.name: p for p in _rows(demo_store, select(m.Panel))}
    assert {p.panel_type for p in panels.values()} == set(PanelType)
    assert panels["Swale MARAC"].ref_prefix == "MARAC"
    assert panels["Kent SOCP"].uses_strands and not panels["Maidstone CSVG"].uses_strands
    core = Counter(r.panel_id for r in _rows(demo_store, select(m.PanelAgency).where(m.PanelAgency.is_core)))
    assert all(core[p.id] >= 5 for p in panels.values())


def test_every_role_has_an_account_with_need_to_know(demo_store: Store) -> None:
    users = {u.username: u for u in _rows(demo_store, select(m.UserAccount))}
    assert {u.role for u in users.values()} == set(Role)
    assert {"admin", "chair.marac", "coord", "officer.police", "officer.housing", "viewer"} <= set(users)
    assert all(u.password_hash is None for u in users.values())
    linked = {r.user_id for r in _rows(demo_store, select(m.Member.user_id).where(m.Member.user_id.is_not(None)))}
    assert linked == {u.id for u in users.values()}

    panel_type = {p.id: p.panel_type for p in _rows(demo_store, select(m.Panel))}
    member_of: dict[str, set[PanelType]] = {}
    for pm in _rows(demo_store, select(m.PanelMembership)):
        name = next(n for n, u in users.items() if u.id == pm.user_id)
        member_of.setdefault(name, set()).add(panel_type[pm.panel_id])
    assert member_of["admin"] == set(PanelType)
    assert {PanelType.CSVG, PanelType.MARAC} <= member_of["officer.housing"]
    assert PanelType.SOCP not in member_of["officer.housing"]


def test_marac_year_has_about_200_cases_and_a_third_repeats(demo_store: Store) -> None:
    (marac,) = _panel_ids(demo_store, PanelType.MARAC)
    cases = {c.id: c for c in _rows(demo_store, select(m.Case).where(m.Case.panel_id == marac))}
    assert 180 <= len(cases) <= 230
    repeats = [c for c in cases.values() if c.repeat_of_case_id is not None]
    assert 0.25 <= len(repeats) / len(cases) <= 0.45
    for case in repeats:
        earlier = cases[case.repeat_of_case_id]
        assert case.crit_repeat
        assert earlier.subject_person_id == case.subject_person_id
        assert timedelta(0) < case.referral_date - earlier.referral_date <= timedelta(days=366)

    people = _rows(demo_store, select(m.CasePerson).where(m.CasePerson.case_id.in_(cases)))
    roles = Counter(p.role for p in people)
    assert roles[PersonRole.VICTIM] == len(cases) and roles[PersonRole.PERPETRATOR] == len(cases)
    assert 150 <= roles[PersonRole.CHILD] <= 320  # the seeds: 232 children for 202 cases
    victims = {p.case_id: p.person_id for p in people if p.role is PersonRole.VICTIM}
    assert all(victims[c.id] == c.subject_person_id for c in cases.values())

    dash = _rows(demo_store, select(m.RiskAssessment).where(m.RiskAssessment.case_id.in_(cases)))
    assert len(dash) == len(cases)
    assert sum(a.score >= 14 for a in dash) / len(dash) > 0.6
    answers = _rows(demo_store, select(m.RiskAnswer).where(m.RiskAnswer.assessment_id == dash[0].id))
    assert sorted(a.item for a in answers) == [f"q{i:02d}" for i in range(1, 25)]
    assert sum(a.value == "yes" for a in answers) == dash[0].score
    assert all(c.professional_judgement_reason for c in cases.values() if c.crit_professional_judgement)
    assert any(c.crit_escalation for c in cases.values())


def test_case_lifecycle_and_meetings(demo_store: Store) -> None:
    cases = _rows(demo_store, select(m.Case))
    statuses = Counter(c.status for c in cases)
    assert {CaseStatus.RECEIVED, CaseStatus.DECLINED, CaseStatus.LISTED, CaseStatus.OPEN, CaseStatus.CLOSED} <= set(statuses)
    assert all(c.status_reason for c in cases if c.status is CaseStatus.DECLINED)
    assert all(c.closed_on and c.outcome for c in cases if c.status is CaseStatus.CLOSED)
    last = {}
    for change in _rows(demo_store, select(m.CaseStatusChange).order_by(m.CaseStatusChange.at, m.CaseStatusChange.id)):
        last[change.case_id] = change.to_status
    assert all(last[c.id] == c.status for c in cases)

    csvg_cases = [c for c in cases if c.panel_id in _panel_ids(demo_store, PanelType.CSVG)]
    assert 420 <= len(csvg_cases) <= 600
    flags = Counter(f.flag for f in _rows(demo_store, select(m.CaseFlag)
                                          .where(m.CaseFlag.case_id.in_([c.id for c in csvg_cases]))))
    assert 0.6 <= flags["mental_health"] / len(csvg_cases) <= 0.8
    assert 0.4 <= flags["substance_misuse"] / len(csvg_cases) <= 0.56

    meetings = _rows(demo_store, select(m.Meeting))
    for mt in meetings:
        if mt.starts_at.date() >= DEMO_TODAY:
            assert mt.status is MeetingStatus.PLANNED
        else:
            assert mt.status in (MeetingStatus.HELD, MeetingStatus.FINALISED)
    attendance = _rows(demo_store, select(m.Attendance))
    assert {a.status for a in attendance} == {"present", "apologies", "absent"}
    assert any(a.is_observer and a.confidentiality_signed for a in attendance)


def test_every_action_status_and_some_overdue(demo_store: Store) -> None:
    actions = _rows(demo_store, select(m.Action))
    assert {a.status for a in actions} == set(ActionStatus)
    assert sum(is_overdue(a.status, a.due_date, DEMO_TODAY) for a in actions) >= 10
    assert all(a.status_reason for a in actions if a.status in (ActionStatus.ON_HOLD, ActionStatus.DISCONTINUED))
    assert all(a.completed_on <= DEMO_TODAY for a in actions if a.status is ActionStatus.COMPLETED)
    case_actions = [a for a in actions if a.case_id is not None]
    assert all(a.meeting_id and a.agenda_item_id and a.owner_agency_id and a.owner_name for a in case_actions)
    per_case = Counter(a.case_id for a in case_actions)
    assert 3 <= sum(per_case.values()) / len(per_case) <= 12
    logged = {u.action_id for u in _rows(demo_store, select(m.ActionUpdate.action_id))}
    assert all(a.id in logged for a in actions if a.status is not ActionStatus.OPEN)


def test_socp_actions_all_have_strands_and_ocgs_have_histories(demo_store: Store) -> None:
    (socp,) = _panel_ids(demo_store, PanelType.SOCP)
    actions = _rows(demo_store, select(m.Action).where(m.Action.panel_id == socp))
    assert actions and all(a.strand is not None and a.group_id is not None for a in actions)
    assert all(a.strand is None for a in _rows(demo_store, select(m.Action).where(m.Action.panel_id != socp)))
    by_group: dict[int, set[Strand]] = {}
    for a in actions:
        by_group.setdefault(a.group_id, set()).add(a.strand)
    assert all(strands == set(Strand) for strands in by_group.values())

    ocgs = _rows(demo_store, select(m.SubjectGroup).where(m.SubjectGroup.kind == "ocg"))
    assert 10 <= len(ocgs) <= 14
    assert "OCG-0001" in {g.reference for g in ocgs}
    assert {g.status for g in ocgs} == {"active", "under_review", "archived"}
    assert all(g.archived_on and g.archive_reason and g.archive_approved_by for g in ocgs if g.status == "archived")
    roles = Counter(r.role for r in _rows(demo_store, select(m.GroupPerson.role)
                                         .where(m.GroupPerson.group_id.in_([g.id for g in ocgs]))))
    assert {"principal", "lieutenant", "runner"} <= set(roles)
    scores = _rows(demo_store, select(m.RiskAssessment).where(m.RiskAssessment.kind == "threat_harm"))
    assert len(scores) > len(ocgs)  # a history, not one score each


def test_the_csp_plan_is_the_swale_action_plan(demo_store: Store) -> None:
    (csp,) = _panel_ids(demo_store, PanelType.PARTNERSHIP)
    plan = {a.number: a for a in _rows(demo_store, select(m.Action).where(m.Action.panel_id == csp))}
    assert {"1.1", "2.1", "4.10", "7.4"} <= set(plan)
    first = plan["1.1"]
    assert first.heading == "Priority 1: Domestic Abuse"
    assert first.text.startswith("Manage the Violence Against Women and Children group")
    assert first.outcome and first.milestones and first.timescale and first.owner_name == "VAWC Group"


def test_names_telephones_and_postcodes_are_synthetic(demo_store: Store) -> None:
    people = _rows(demo_store, select(m.Person.phone, m.Person.postcode, m.Person.given_name,
                                      m.Person.given_norm, m.Person.family_norm))
    assert all(p.phone.startswith("07700 900") for p in people if p.phone)
    assert all(p.postcode.startswith("ME") for p in people if p.postcode)
    assert len({p.given_name for p in people}) > 150
    assert all(p.given_norm and p.family_norm for p in people)
    minoritised = _rows(demo_store, select(func.avg(cast(m.Person.racially_minoritised, Integer))))[0][0]
    assert 0.05 <= minoritised <= 0.25


def test_nothing_is_dated_after_today(demo_store: Store) -> None:
    today = DEMO_TODAY
    assert all(r.created_at.date() < today for r in _rows(demo_store, select(m.Person.created_at)))
    assert all(r.updated_at.date() < today for r in _rows(demo_store, select(m.Case.updated_at)))
    assert all(r.at.date() < today for r in _rows(demo_store, select(m.CaseStatusChange.at)))
    assert all(r.at.date() < today for r in _rows(demo_store, select(m.ActionUpdate.at)))
    assert all(r.created_at.date() < today for r in _rows(demo_store, select(m.Meeting.created_at)))
    with demo_store.engine.connect() as conn:
        assert dangling_references(conn) == []


def test_same_seed_and_day_give_the_same_data(demo_db: Path, tmp_path: Path) -> None:
    calls: list[tuple[int, str]] = []
    again = open_store(tmp_path / "again.db", key=TEST_KEY)
    summary = generate_demo(again, scale=DemoScale.SMALL, seed=1, today=DEMO_TODAY,
                            progress=lambda pct, msg: calls.append((pct, msg)))
    assert isinstance(summary, DemoSummary)
    assert summary.panels == 5 and summary.users >= 5 and summary.cases > 700 and summary.actions > 2000
    assert summary.seconds < 30
    percents = [p for p, _ in calls]
    assert percents[0] == 0 and percents[-1] == 100 and percents == sorted(percents) and len(calls) >= 10
    assert all(isinstance(msg, str) and msg for _, msg in calls)

    first = open_store(demo_db, key=TEST_KEY)
    try:
        assert _fingerprint(again) == _fingerprint(first)
    finally:
        first.dispose()

    other = open_store(tmp_path / "other.db", key=TEST_KEY)
    try:
        generate_demo(other, seed=2, today=DEMO_TODAY)
        assert _fingerprint(other)["subjects"] != _fingerprint(again)["subjects"]
    finally:
        other.dispose()
        again.dispose()


def test_dates_follow_today(tmp_path: Path) -> None:
    store = open_store(tmp_path / "later.db", key=TEST_KEY)
    try:
        later = date(2031, 3, 15)
        generate_demo(store, today=later)
        newest = _rows(store, select(func.max(m.Case.referral_date)))[0][0]
        assert later - timedelta(days=30) <= newest < later
        planned = _rows(store, select(m.Meeting.starts_at).where(m.Meeting.status == MeetingStatus.PLANNED))
        assert planned and all(later <= p.starts_at.date() <= later + timedelta(days=60) for p in planned)
    finally:
        store.dispose()


def test_refuses_a_database_that_is_not_empty(demo_db: Path, tmp_path: Path) -> None:
    store = open_store(demo_db, key=TEST_KEY)
    try:
        before = _rows(store, select(func.count()).select_from(m.Case))[0][0]
        with pytest.raises(DemoRefused, match="already"):
            generate_demo(store, today=DEMO_TODAY)
        assert _rows(store, select(func.count()).select_from(m.Case))[0][0] == before
    finally:
        store.dispose()

    # A partnership row alone (a real partnership just set up) is enough to refuse.
    fresh = open_store(tmp_path / "real.db", key=TEST_KEY)
    try:
        with fresh.session_factory.begin() as s:
            s.add(m.Partnership(name="Real Partnership", protective_marking="OFFICIAL-SENSITIVE",
                                confidentiality_statement="", amber_days=14, small_number_threshold=5,
                                settings={}, created_at=DEMO_TODAY))
        with pytest.raises(DemoRefused):
            generate_demo(fresh, today=DEMO_TODAY)
        assert _rows(fresh, select(func.count()).select_from(m.Agency))[0][0] == 0
        assert [r.name for r in _rows(fresh, select(m.Partnership.name))] == ["Real Partnership"]
    finally:
        fresh.dispose()


@pytest.mark.postgres
def test_the_demo_on_postgresql_leaves_the_id_sequences_ahead(pg_url: str) -> None:
    store = open_store(pg_url)
    try:
        summary = generate_demo(store, seed=3, today=DEMO_TODAY)
        assert summary.cases > 700
        # The application's own inserts carry on after the generated ids.
        with store.session_factory.begin() as s:
            agency = m.Agency(name="A New Agency", short_code="NEW", sector="other", is_active=True)
            s.add(agency)
            s.flush()
            assert agency.id == summary.agencies + 1
        with pytest.raises(DemoRefused):
            generate_demo(store, seed=3, today=DEMO_TODAY)
    finally:
        store.dispose()


@pytest.mark.postgres
def test_the_same_seed_gives_the_same_partnership_on_both_engines(demo_db: Path, pg_demo_url: str) -> None:
    """The server's demo template and the file's come from one seed and day: what the suites check
    on one engine they check on the same data on the other (and values survive both round trips)."""
    on_file = open_store(demo_db, key=TEST_KEY)
    on_server = open_store(pg_demo_url)
    try:
        assert _fingerprint(on_server) == _fingerprint(on_file)
    finally:
        on_file.dispose()
        on_server.dispose()
