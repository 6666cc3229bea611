"""Benchmarks for printing at county scale: the minutes of a 20-case meeting (budget 0.5 s), a
quarter's data return, a case summary. Run with ``scripts/bench``."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import pytest

from perf.conftest import PERF_PASSWORD, PERF_USER

pytestmark = pytest.mark.perf

RUNS = 5


def _median(name: str, fn, budget: float) -> float:  # noqa: ANN001
    fn()  # warm: fonts registered, pages of the file in the cache
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    median = statistics.median(samples)
    print(f"\n{name:<48} median {median * 1000:7.1f} ms   min {min(samples) * 1000:7.1f}   "
          f"max {max(samples) * 1000:7.1f}   budget {budget * 1000:.0f} ms   (n={RUNS})")
    return median


@pytest.fixture(scope="module")
def county_ctx(county_db: Path):
    from cspdesk.services.access.auth import sign_in
    from cspdesk.services.database.workspace import close_workspace

    ctx = sign_in(county_db, PERF_USER, PERF_PASSWORD)
    yield ctx
    close_workspace(ctx)


def test_minutes_of_a_20_case_meeting(county_ctx, tmp_path: Path) -> None:
    from sqlalchemy import func, select

    from cspdesk.domain.enums import AgendaItemKind
    from cspdesk.services.papers.meeting_papers import MeetingPapersService
    from cspdesk.storage.models import Action, AgendaItem

    with county_ctx.reading() as s:
        cases = func.count(func.distinct(AgendaItem.id))
        meeting_id, n = s.execute(
            select(AgendaItem.meeting_id, cases).where(AgendaItem.kind == AgendaItemKind.CASE)
            .group_by(AgendaItem.meeting_id).having(cases >= 20).order_by(cases, AgendaItem.meeting_id).limit(1)
        ).one()
        actions = s.scalar(select(func.count()).select_from(Action).where(Action.meeting_id == meeting_id))
    service = MeetingPapersService(county_ctx)
    out = tmp_path / "minutes.pdf"
    median = _median(f"minutes, {n} cases, {actions} actions", lambda: service.write_minutes(meeting_id, out), 0.5)
    assert median <= 0.5


def test_quarterly_data_return(county_ctx, tmp_path: Path) -> None:
    from sqlalchemy import select

    from cspdesk.domain.enums import PanelType
    from cspdesk.services.papers.returns import ReturnService, quarter
    from cspdesk.storage.models import Panel

    with county_ctx.reading() as s:
        panel_id = s.scalar(select(Panel.id).where(Panel.panel_type == PanelType.MARAC).order_by(Panel.id).limit(1))
    service = ReturnService(county_ctx)
    out = tmp_path / "return.pdf"
    median = _median("data return PDF, a MARAC quarter", lambda: service.write(panel_id, quarter("2026Q3"), out), 2.0)
    assert median <= 2.0


def test_tracker_of_2000_actions(county_ctx, tmp_path: Path) -> None:
    from sqlalchemy import func, select

    from cspdesk.services.papers.action_papers import ActionPapersService
    from cspdesk.services.actions.actions import ActionQuery, ActionService
    from cspdesk.storage.models import Action

    # The panel and agency whose actions number nearest 2,000 above it.
    with county_ctx.reading() as s:
        n = func.count()
        panel_id, agency_id, count = s.execute(
            select(Action.panel_id, Action.owner_agency_id, n).group_by(Action.panel_id, Action.owner_agency_id)
            .having(n >= 2000).order_by(n).limit(1)).one()
    query = ActionQuery(panel_id=panel_id, agency_id=agency_id)
    assert len(ActionService(county_ctx).action_ids(query)) == count
    service = ActionPapersService(county_ctx)
    out = tmp_path / "tracker.pdf"
    median = _median(f"tracker PDF, {count:,} actions", lambda: service.write_tracker(query, out), 3.0)
    assert median <= 3.0
