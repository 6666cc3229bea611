"""Benchmarks at county scale for the referral form (issue 4): people already held, repeats, and the
filtered case list. Budgets: duplicate/repeat lookup ≤ 50 ms, case search ≤ 50 ms (medians); the
filtered list (all ids + the first page) gets the case list's own 100 ms.

The inputs are drawn from the county database itself (seeded), with one letter of each family
name changed, as a coordinator mistyping or a referrer misspelling would.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import date
from pathlib import Path

import pytest

from perf.conftest import PERF_PASSWORD, PERF_USER

pytestmark = pytest.mark.perf

FIGURES: list[str] = []


def _report(name: str, samples: list[float], budget: float) -> float:
    median = statistics.median(samples)
    line = (
        f"{name:<44} median {median * 1000:7.1f} ms   min {min(samples) * 1000:7.1f}   "
        f"max {max(samples) * 1000:7.1f}   budget {budget * 1000:.0f} ms   (n={len(samples)})"
    )
    FIGURES.append(line)
    print("\n" + line)
    return median


@pytest.fixture(scope="module")
def county(county_db: Path):
    from cspdesk.services.access.auth import sign_in
    from cspdesk.services.database.workspace import close_workspace

    ctx = sign_in(county_db, PERF_USER, PERF_PASSWORD)
    yield ctx
    close_workspace(ctx)


def _misspelt(name: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(name)) if len(name) > 1 else 0
    letter = "e" if name[i] != "e" else "a"
    return name[:i] + letter + name[i + 1:]


def test_find_people_as_they_type(county) -> None:
    from sqlalchemy import func, select

    from cspdesk.services.referrals.referrals import ReferralService
    from cspdesk.storage.models import Person

    rng = random.Random(4)
    with county.reading() as s:
        total = s.scalar(select(func.count()).select_from(Person))
        people = s.execute(select(Person.id, Person.given_name, Person.family_name, Person.date_of_birth)
                           .where(Person.id.in_(rng.sample(range(1, total), 60)))).all()
    assert total >= 75_000
    service = ReferralService(county)
    service.find_people("Sarah", "Smith")  # the first keystroke warms the page cache
    samples, found = [], 0
    for pid, given, family, dob in people:
        start = time.perf_counter()
        matches = service.find_people(given, _misspelt(family, rng), dob)
        samples.append(time.perf_counter() - start)
        found += any(m.person_id == pid for m in matches)
    # The commonest names hold the most candidates: measure them as well.
    for given, family in [("Sarah", "Smith"), ("Emma", "Jones"), ("Mohammed", "Khan"), ("Jessica", "Brown")]:
        start = time.perf_counter()
        service.find_people(given, family)
        samples.append(time.perf_counter() - start)
    FIGURES.append(f"find_people: {found}/{len(people)} misspelt people found, among {total:,} people")
    assert found >= len(people) * 0.9
    assert _report("find_people (misspelt name + date of birth)", samples, 0.05) <= 0.05


def test_check_repeat(county) -> None:
    from sqlalchemy import select

    from cspdesk.domain.enums import CaseStatus, PanelType
    from cspdesk.services.referrals.referrals import ReferralService
    from cspdesk.storage.models import Case, Panel

    rng = random.Random(5)
    with county.reading() as s:
        rows = s.execute(select(Case.panel_id, Case.subject_person_id, Case.referral_date)
                         .join(Panel, Panel.id == Case.panel_id).where(Panel.panel_type == PanelType.MARAC, Case.status != CaseStatus.DECLINED)).all()
    service = ReferralService(county)
    samples, repeats = [], 0
    for panel_id, person_id, referred in rng.sample(rows, 60):
        start = time.perf_counter()
        repeats += service.check_repeat(panel_id, person_id, referred) is not None
        samples.append(time.perf_counter() - start)
    assert repeats == 60  # a referral (not declined) is always within the window of itself
    assert _report("check_repeat (MARAC victim)", samples, 0.05) <= 0.05


def test_whole_case_list_baseline(county) -> None:
    """The same measurement without a filter, in the same run: the machine's load shows here too."""
    from cspdesk.services.referrals.cases import CaseQuery, CaseService

    service = CaseService(county)
    service.case_ids(CaseQuery())
    samples = []
    for _ in range(7):
        start = time.perf_counter()
        ids = service.case_ids(CaseQuery())
        service.case_rows(ids[:100])
        samples.append(time.perf_counter() - start)
    assert _report(f"case list, no filter, warm ({len(ids):,})", samples, 0.1) <= 0.1


@pytest.mark.parametrize("label", ["risk high", "flag mental health", "agency", "dates 2025", "all four"])
def test_filtered_case_list(county, label: str) -> None:
    from cspdesk.domain.enums import RiskLevel, VulnerabilityFlag
    from cspdesk.services.referrals.cases import CaseQuery, CaseService

    queries = {
        "risk high": CaseQuery(risk_levels=frozenset({RiskLevel.HIGH})),
        "flag mental health": CaseQuery(flags=frozenset({VulnerabilityFlag.MENTAL_HEALTH})),
        "agency": CaseQuery(referring_agency_ids=frozenset({1, 2})),
        "dates 2025": CaseQuery(referred_from=date(2025, 1, 1), referred_to=date(2025, 12, 31)),
        "all four": CaseQuery(risk_levels=frozenset({RiskLevel.HIGH, RiskLevel.MEDIUM}),
                              flags=frozenset({VulnerabilityFlag.MENTAL_HEALTH, VulnerabilityFlag.SUBSTANCE_MISUSE}),
                              referring_agency_ids=frozenset(range(1, 40)), referred_from=date(2024, 1, 1),
                              referred_to=date(2026, 6, 30)),
    }
    service = CaseService(county)
    query = queries[label]
    ids = service.case_ids(query)
    samples = []
    for _ in range(7):
        start = time.perf_counter()
        ids = service.case_ids(query)
        service.case_rows(ids[:100])
        samples.append(time.perf_counter() - start)
    assert ids, label
    assert _report(f"case list filtered: {label} ({len(ids):,})", samples, 0.1) <= 0.1


@pytest.mark.parametrize("term", ["price", "sarah smi"])
def test_case_search_with_aliases(county, term: str) -> None:
    from cspdesk.services.referrals.cases import CaseService

    service = CaseService(county)
    service.search(term)
    samples = []
    for _ in range(7):
        start = time.perf_counter()
        service.search(term)
        samples.append(time.perf_counter() - start)
    assert _report(f"case search {term!r} (names and aliases)", samples, 0.05) <= 0.05


def test_zz_print_referral_figures() -> None:
    print("\n\n== Referral benchmark figures ==\n" + "\n".join(FIGURES))
