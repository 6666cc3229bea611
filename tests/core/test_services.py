"""Services on real encrypted files: transactions, validation, need to know, the case list."""

from __future__ import annotations

import dataclasses

import pytest

from cspdesk.domain.enums import CaseStatus, PanelType, Role
from cspdesk.services.referrals.cases import CaseQuery, CaseService, CaseSort
from cspdesk.services.context import Actor, OpChanges
from cspdesk.services.errors import PermissionDenied, ValidationError
from cspdesk.services.partnership.panels import PanelService
from cspdesk.services.partnership.partnership import PartnershipService


def test_an_empty_database_has_no_partnership(ctx) -> None:
    assert PartnershipService(ctx).get() is None
    assert PanelService(ctx).list_panels() == []
    assert CaseService(ctx).case_ids() == []


def test_setting_up_a_partnership(ctx) -> None:
    result = PartnershipService(ctx).set_up("  Safer Testshire  ", "")
    assert result.changes == OpChanges(partnership=True)
    info = PartnershipService(ctx).get()
    assert info is not None and info.name == "Safer Testshire"
    assert info.protective_marking == "OFFICIAL-SENSITIVE"
    assert "confidential" in info.confidentiality_statement
    # A second set-up is refused and changes nothing.
    with pytest.raises(ValidationError) as err:
        PartnershipService(ctx).set_up("Another")
    assert err.value.field == "name"
    assert PartnershipService(ctx).get().name == "Safer Testshire"


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_a_bad_partnership_name_names_the_field(ctx, name: str) -> None:
    with pytest.raises(ValidationError) as err:
        PartnershipService(ctx).set_up(name)
    assert err.value.field == "name"
    assert PartnershipService(ctx).get() is None


def test_a_viewer_cannot_set_up_a_partnership(ctx) -> None:
    ctx.actor = Actor(user_id=9, username="viewer", role=Role.VIEWER)
    with pytest.raises(PermissionDenied):
        PartnershipService(ctx).set_up("Safer Testshire")
    assert PartnershipService(ctx).get() is None


def test_a_failed_unit_of_work_leaves_nothing_behind(ctx) -> None:
    from cspdesk.storage.models import Partnership

    with pytest.raises(RuntimeError):
        with ctx.unit_of_work() as s:
            s.add(Partnership(name="Half", protective_marking="X", confidentiality_statement="",
                              amber_days=14, small_number_threshold=5, settings={}, created_at=ctx.now()))
            s.flush()
            raise RuntimeError("crash in the middle")
    assert PartnershipService(ctx).get() is None


def test_panel_list_on_demo_data(demo_ctx) -> None:
    panels = PanelService(demo_ctx).list_panels()
    assert {p.panel_type for p in panels} >= set(PanelType)
    assert [p.name for p in panels] == sorted(p.name for p in panels)
    marac = next(p for p in panels if p.panel_type is PanelType.MARAC)
    assert marac.active_cases > 0
    assert sum(p.overdue_actions for p in panels) > 0
    assert any(p.next_meeting is not None for p in panels)


def test_need_to_know_limits_panels_and_cases(demo_ctx) -> None:
    panels = PanelService(demo_ctx).list_panels()
    csvg = next(p for p in panels if p.panel_type is PanelType.CSVG)
    socp = next(p for p in panels if p.panel_type is PanelType.SOCP)
    demo_ctx.actor = Actor(user_id=99, username="officer", role=Role.OFFICER, panel_ids=frozenset({csvg.id}))

    assert [p.id for p in PanelService(demo_ctx).list_panels()] == [csvg.id]
    rows = CaseService(demo_ctx).case_rows(CaseService(demo_ctx).case_ids()[:500])
    assert rows and {r.panel_id for r in rows} == {csvg.id}
    # Asking for another panel's cases directly is refused by the service itself.
    with pytest.raises(PermissionDenied):
        CaseService(demo_ctx).case_ids(CaseQuery(panel_id=socp.id))
    # And rows of cases on other panels are not handed out, even by id.
    all_ids = list(range(1, 2000))
    assert {r.panel_id for r in CaseService(demo_ctx).case_rows(all_ids)} == {csvg.id}


def test_case_list_is_sorted_and_filtered_in_sql(demo_ctx) -> None:
    service = CaseService(demo_ctx)
    ids = service.case_ids(CaseQuery(sort=CaseSort.REFERRAL_DATE, descending=True))
    rows = service.case_rows(ids)
    assert len(rows) == len(ids) > 700
    dates = [r.referral_date for r in rows]
    assert dates == sorted(dates, reverse=True)

    by_ref = service.case_rows(service.case_ids(CaseQuery(sort=CaseSort.REFERENCE, descending=False)))
    assert [r.reference for r in by_ref] == sorted(r.reference for r in by_ref)

    by_subject = service.case_rows(service.case_ids(CaseQuery(sort=CaseSort.SUBJECT, descending=False)))
    persons = [r for r in by_subject if r.subject_kind.value == "person"]
    surnames = [r.subject.split()[-1].casefold() for r in persons]
    assert surnames[:50] == sorted(surnames[:50])

    marac = next(p for p in PanelService(demo_ctx).list_panels() if p.panel_type is PanelType.MARAC)
    open_only = service.case_rows(
        service.case_ids(CaseQuery(panel_id=marac.id, statuses=frozenset({CaseStatus.OPEN})))
    )
    assert open_only and all(r.panel_id == marac.id and r.status is CaseStatus.OPEN for r in open_only)


def test_case_rows_keep_the_order_asked_for(demo_ctx) -> None:
    service = CaseService(demo_ctx)
    ids = service.case_ids()[:30]
    shuffled = ids[::-1]
    assert [r.id for r in service.case_rows(shuffled)] == shuffled


def test_search_by_name_prefix_alias_and_reference(demo_ctx) -> None:
    service = CaseService(demo_ctx)
    sample = service.case_rows(service.case_ids(CaseQuery(sort=CaseSort.REFERENCE, descending=False))[:40])
    person_row = next(r for r in sample if r.subject_kind.value == "person")
    given, family = person_row.subject.split()[0], person_row.subject.split()[-1]

    hits = service.search(f"{given[:3]} {family[:4]}", limit=500)
    assert person_row.id in {h.id for h in hits}
    assert len(hits) < 100  # two prefixes narrow a district's year to a handful

    assert [h.reference for h in service.search(person_row.reference)] == [person_row.reference]
    assert person_row.id in {h.id for h in service.search(person_row.reference.lower()[:-1])}
    assert service.search("zzzzzz-no-such-person") == []


def test_search_gives_the_head_of_the_filtered_list(demo_ctx) -> None:
    """``search`` walks the stored search keys newest first and stops at its limit: its answer is
    exactly the first ``limit`` ids the case list gives for the same text."""
    service = CaseService(demo_ctx)
    rows = service.case_rows(service.case_ids()[:60])
    terms = {"ma", "sa", "jo", "ka", "zz", "a", "M"}
    for row in rows[::6]:
        words = row.subject.lower().split()
        terms |= {row.reference, row.reference[:-2].lower(), words[0][:2], words[-1][:3], " ".join(w[:2] for w in words)}
    for term in sorted(terms):
        for limit in (1, 5, 50):
            expected = service.case_ids(CaseQuery(text=term))[:limit]
            assert [r.id for r in service.search(term, limit=limit)] == expected, (term, limit)


def test_the_number_of_a_reference_alone_finds_the_case(demo_ctx) -> None:
    """"0183" finds MARAC-2026-0183 (and any other panel's reference ending -0183); "183" too."""
    service = CaseService(demo_ctx)
    row = service.case_rows(service.case_ids(CaseQuery(sort=CaseSort.REFERENCE, descending=False))[:1])[0]
    number = row.reference.rsplit("-", 1)[1]
    for typed in (number, number.lstrip("0")):
        found = service.case_rows(service.case_ids(CaseQuery(text=typed)))
        assert row.id in {r.id for r in found}, typed
        assert all(r.reference.endswith(f"-{number}") for r in found)


def test_case_rows_are_frozen(demo_ctx) -> None:
    row = CaseService(demo_ctx).case_rows(CaseService(demo_ctx).case_ids()[:1])[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.reference = "X"  # type: ignore[misc]


def test_risk_and_status_sort_by_meaning_not_alphabet(demo_ctx) -> None:
    from cspdesk.domain.enums import RiskLevel

    service = CaseService(demo_ctx)
    risks = [r.risk_level for r in service.case_rows(service.case_ids(CaseQuery(sort=CaseSort.RISK)))]
    rated = [r for r in risks if r is not None]
    order = {RiskLevel.HIGH: 0, RiskLevel.MEDIUM: 1, RiskLevel.LOW: 2}
    assert [order[r] for r in rated] == sorted(order[r] for r in rated)
    assert set(rated) == set(RiskLevel)
    assert risks[len(rated):] == [None] * (len(risks) - len(rated))  # unrated last

    statuses = [r.status for r in service.case_rows(
        service.case_ids(CaseQuery(sort=CaseSort.STATUS, descending=False)))]
    lifecycle = list(CaseStatus)
    assert [lifecycle.index(s) for s in statuses] == sorted(lifecycle.index(s) for s in statuses)


def test_status_changes_made_at_the_same_moment_keep_their_order(demo_ctx) -> None:
    """Two steps saved in one go share a time. SQLite happens to hand ties back in insertion
    order; PostgreSQL gives ties no order, so the history must say how to break them (by id).
    The rows are written in reverse id order, so a sort without the tie-break shows it."""
    from sqlalchemy import func, select

    from cspdesk.storage.models import CaseStatusChange

    service = CaseService(demo_ctx)
    case_id = service.case_ids(CaseQuery(statuses=frozenset({CaseStatus.CLOSED})))[0]
    at = demo_ctx.now()
    with demo_ctx.unit_of_work() as s:
        top = s.scalar(select(func.max(CaseStatusChange.id)))
        for id_, to in ((top + 2, CaseStatus.CLOSED), (top + 1, CaseStatus.OPEN)):
            s.add(CaseStatusChange(id=id_, case_id=case_id, from_status=None, to_status=to, reason="", at=at))
            s.flush()
    history = service.get_case(case_id).history
    assert [step.to_status for step in history[-2:]] == [CaseStatus.OPEN, CaseStatus.CLOSED]


def test_every_demo_case_has_its_subject_sort_key(demo_ctx) -> None:
    """The demo writes cases with Core inserts, then the keys in one statement: a person's is
    "family given" (normalised), a group's or place's its normalised name."""
    from sqlalchemy import literal, select

    from cspdesk.storage.models import Case, Location, Person, SubjectGroup

    with demo_ctx.reading() as s:
        keys = dict(s.execute(select(Case.id, Case.subject_sort)).all())
        expected = dict(s.execute(select(Case.id, Person.family_norm + literal(" ") + Person.given_norm)
                                  .join(Person, Person.id == Case.subject_person_id)).all())
        groups = dict(s.execute(select(Case.id, SubjectGroup.name_norm)
                                .join(SubjectGroup, SubjectGroup.id == Case.subject_group_id)).all())
        places = dict(s.execute(select(Case.id, Location.name_norm)
                                .join(Location, Location.id == Case.subject_location_id)).all())
    assert expected and groups and places  # all three kinds of subject are in the demo
    expected |= groups | places
    assert keys == expected
    assert all(keys.values())


def test_stored_sort_and_search_keys_follow_the_changes_made(demo_ctx) -> None:
    """Issue 23: the list sorts by keys stored on the case and searches stored words; a status
    change and a new alias are sorted and found at once (the session keeps both as it writes)."""
    from cspdesk.services.referrals.referrals import ReferralService
    from cspdesk.storage.models import Case, PersonAlias

    cases = CaseService(demo_ctx)
    received = cases.case_ids(CaseQuery(statuses=frozenset({CaseStatus.RECEIVED})))[0]
    ReferralService(demo_ctx).change_status(received, CaseStatus.DECLINED, reason="Does not meet the threshold")
    by_status = cases.case_ids(CaseQuery(sort=CaseSort.STATUS, descending=False), limit=100_000)
    rows = cases.case_rows(by_status)
    order = list(CaseStatus)
    assert [order.index(r.status) for r in rows] == sorted(order.index(r.status) for r in rows)
    assert next(r for r in rows if r.id == received).status is CaseStatus.DECLINED

    with demo_ctx.store.session_factory() as s, s.begin():
        person_id = s.get(Case, received).subject_person_id or s.get(Case, received).people[0].person_id
        s.add(PersonAlias(person_id=person_id, alias="Quixwell Street", alias_norm="quixwell street"))
    assert received in {r.id for r in cases.search("quixw")}
    assert received in {r.id for r in cases.search("qu")}
