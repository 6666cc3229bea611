"""Benchmark: the map of a busy place (issue 20) — the place with the most people linked to it, its
map gathered and laid out (``ContextMapService.build(MapQuery(place=...))``) within 1 s.

With ``CSPDESK_PERF_SCALE`` set, on the county database (scripts/bench). Unset, on a synthetic
busy place built in a few seconds: a CARM panel whose park has ``BUSY_PEOPLE`` young people linked
to it, each with a case of their own naming one of a pool of adults, and peer groups among them —
one connected map of several hundred nodes, the size at which the spring layout is the cost. Run
with ``pytest tests/perf/test_context_map_bench.py -s -m perf -o addopts=""``.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import date, datetime

import pytest

from constants import TEST_KEY
from perf.conftest import PERF_PASSWORD, PERF_USER

pytestmark = pytest.mark.perf

BUDGET = 1.0
RUNS = 5
BUSY_PEOPLE = 240
ADULTS = 30
GROUP_SIZE = 12


def _synthetic(path):  # noqa: ANN001, ANN202
    """A small file holding one busy place (see the module's docstring), the local owner acting.
    Rows go in by bulk INSERTs with ids chosen here (the ORM's flush per row took 18 s)."""
    from sqlalchemy import insert

    from cspdesk.domain.enums import CaseStatus, GroupKind, PanelType, PersonRole, SubjectKind
    from cspdesk.services.database.workspace import open_workspace
    from cspdesk.services.partnership.partnership import PartnershipService
    from cspdesk.storage.models import (
        Case, CasePerson, GroupPerson, Location, LocationPerson, Panel, Person, SubjectGroup,
    )

    ctx = open_workspace(path, key=TEST_KEY)
    PartnershipService(ctx).set_up("Bench")
    t0 = datetime(2026, 1, 1)
    park, quiet = 1, 2
    adults = list(range(1, ADULTS + 1))
    young = list(range(ADULTS + 1, ADULTS + BUSY_PEOPLE + 1))
    groups = list(range(1, BUSY_PEOPLE // GROUP_SIZE + 1))
    cases: list[dict] = []

    def case(kind: SubjectKind, **subject: int) -> int:
        n = len(cases) + 1
        cases.append({"id": n, "panel_id": 1, "reference": f"CARM-2026-{n:05d}", "ref_year": 2026, "ref_seq": n,
                      "referral_date": date(2026, 1, 1 + n % 28), "subject_kind": kind, "status": CaseStatus.OPEN,
                      "created_at": t0, "updated_at": t0, "subject_person_id": None, "subject_group_id": None,
                      "subject_location_id": None, **subject})
        return n

    place_case = case(SubjectKind.LOCATION, subject_location_id=park)
    case(SubjectKind.LOCATION, subject_location_id=quiet)
    own = [case(SubjectKind.PERSON, subject_person_id=y) for y in young]
    for g in groups:
        case(SubjectKind.GROUP, subject_group_id=g)
    people = [{"id": i, "given_name": f"P{i}", "family_name": "Bench", "given_norm": f"p{i}", "family_norm": "bench",
               "date_of_birth": date(1990, 1, 1) if i in adults else date(2010, 1, 1), "created_at": t0}
              for i in (*adults, *young)]
    with ctx.unit_of_work() as s:
        s.execute(insert(Panel), [{"id": 1, "name": "Bench CARM", "panel_type": PanelType.CARM, "ref_prefix": "CARM",
                                   "created_at": t0}])
        s.execute(insert(Location), [{"id": park, "name": "Busy Park", "name_norm": "busy park", "kind": "park",
                                      "created_at": t0},
                                     {"id": quiet, "name": "Quiet Lane", "name_norm": "quiet lane", "kind": "street",
                                      "created_at": t0}])
        s.execute(insert(Person), people)
        s.execute(insert(SubjectGroup), [{"id": g, "kind": GroupKind.PEER_GROUP, "name": f"Group {g}",
                                          "name_norm": f"group {g}", "created_at": t0} for g in groups])
        s.execute(insert(Case), cases)
        s.execute(insert(LocationPerson), [{"location_id": park, "person_id": y, "role": "seen there"} for y in young])
        s.execute(insert(CasePerson), [
            *({"case_id": c, "person_id": adults[i % ADULTS], "role": PersonRole.PERPETRATOR}
              for i, c in enumerate(own)),
            *({"case_id": place_case, "person_id": y, "role": PersonRole.CHILD} for y in young[:40])])
        s.execute(insert(GroupPerson), [{"group_id": g, "person_id": y, "role": "member"} for g in groups
                                        for y in young[(g - 1) * GROUP_SIZE:g * GROUP_SIZE]])
    return ctx


@pytest.fixture
def busy_ctx(tmp_path):  # noqa: ANN001, ANN201
    from cspdesk.services.database.workspace import close_workspace

    if os.environ.get("CSPDESK_PERF_SCALE"):
        from cspdesk.services.access.auth import sign_in

        county_db = pytest.importorskip("perf.conftest").PERF_DB
        ctx = sign_in(county_db, PERF_USER, PERF_PASSWORD)
    else:
        started = time.perf_counter()
        ctx = _synthetic(tmp_path / "busy.db")
        print(f"\nsynthetic busy place built in {time.perf_counter() - started:.1f} s")
    yield ctx
    close_workspace(ctx)


def _busiest_place(ctx) -> int:  # noqa: ANN001
    from sqlalchemy import func, select

    from cspdesk.storage.models import LocationPerson

    with ctx.reading() as s:
        return s.execute(select(LocationPerson.location_id, func.count()).group_by(LocationPerson.location_id)
                         .order_by(func.count().desc(), LocationPerson.location_id).limit(1)).one()[0]


def test_the_map_of_the_busiest_place_draws_within_a_second(busy_ctx) -> None:  # noqa: ANN001
    from cspdesk.services.people.context_map import ContextMapService, MapQuery

    query = MapQuery(place=_busiest_place(busy_ctx))
    service = ContextMapService(busy_ctx)
    found = service.build(query)
    samples = []
    for _ in range(RUNS):
        started = time.perf_counter()
        again = service.build(query)
        samples.append(time.perf_counter() - started)
    assert again == found  # seeded: the same map draws the same way
    median = statistics.median(samples)
    print(f"\nmap of the busiest place: {len(found.nodes)} nodes, {len(found.edges)} edges — "
          f"median {median * 1000:.0f} ms, min {min(samples) * 1000:.0f}, max {max(samples) * 1000:.0f} "
          f"(budget {BUDGET * 1000:.0f} ms, n={RUNS})")
    assert median <= BUDGET
