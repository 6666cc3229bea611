"""Issue 23's speed figures at county scale (or 4x county with CSPDESK_PERF_SCALE=county4): every
search term, the case list and the tracker ("All") opened and sorted by every column, and the
Python each main read call adds above the SQL it runs. Each figure is printed beside its budget.

Run with ``scripts/bench`` (or ``pytest tests/perf/test_engine_room_bench.py -s -m perf``).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from perf.conftest import PERF_SCALE
from perf.test_bench import FIGURES, RUNS, _report, _sign_in

pytestmark = pytest.mark.perf

SEARCH_BUDGET = 0.016
LIST_BUDGET = 0.03
OVERHEAD_BUDGET = 0.002


@pytest.fixture(scope="module")
def county_ctx(county_db: Path):
    from cspdesk.services.database.workspace import close_workspace

    ctx = _sign_in(county_db)
    yield ctx
    close_workspace(ctx)


def _samples(fn: Callable[[], Any], runs: int = RUNS) -> list[float]:
    fn()  # warm: the statement compiled, the index pages in the cache
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def _first_page(model) -> None:  # noqa: ANN001
    """What a view asks for when it paints: every cell of the first rows."""
    for row in range(min(model.rowCount(), 30)):
        for column in range(model.columnCount()):
            model.data(model.index(row, column))


@pytest.mark.parametrize("term", ["smi", "sarah k", "MARAC-SW-2024-00", "ali", "ko", "ma", "sa", "jo", "zq", "xu",
                                  "qu", "yv"])
def test_search_every_term(county_ctx, term: str) -> None:
    from cspdesk.services.referrals.cases import CaseService

    service = CaseService(county_ctx)
    median = _report(f"[{PERF_SCALE}] search {term!r}", _samples(lambda: service.search(term)), SEARCH_BUDGET)
    assert median <= SEARCH_BUDGET


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("sort", ["reference", "referral_date", "subject", "panel", "status", "risk", "referrer",
                                  "review_date"])
def test_case_list_all_sorted_by(qapp, county_ctx, sort: str, descending: bool) -> None:  # noqa: ANN001
    """The case list showing every case, sorted by one column: one window of ids, the count, the
    first page of rows painted."""
    from cspdesk.services.referrals.cases import CaseQuery, CaseService, CaseSort
    from cspdesk_gui.models.case_table import CaseTableModel

    service = CaseService(county_ctx)
    query = CaseQuery(statuses=None, sort=CaseSort(sort), descending=descending)

    def opened() -> None:
        model = CaseTableModel(service)
        model.set_query(query)
        _first_page(model)

    direction = "desc" if descending else "asc"
    median = _report(f"[{PERF_SCALE}] case list All by {sort} {direction}", _samples(opened), LIST_BUDGET)
    assert median <= LIST_BUDGET


@pytest.mark.parametrize("sort", ["due_date", "status", "rag", "agency", "owner", "case", "updated"])
def test_tracker_all_sorted_by(qapp, county_ctx, sort: str) -> None:  # noqa: ANN001
    """The tracker on its busiest panel, "All" (every action it ever had), sorted by one column."""
    from sqlalchemy import func, select

    from cspdesk.services.actions.actions import ActionQuery, ActionService, ActionSort
    from cspdesk.storage.models import Action
    from cspdesk_gui.models.action_table import ActionTableModel

    with county_ctx.reading() as s:
        panel_id = s.scalar(select(Action.panel_id).group_by(Action.panel_id).order_by(func.count().desc()).limit(1))
    service = ActionService(county_ctx)
    query = ActionQuery(panel_id=panel_id, sort=ActionSort(sort))

    def opened() -> None:
        model = ActionTableModel(service)
        model.set_query(query)
        _first_page(model)

    median = _report(f"[{PERF_SCALE}] tracker All by {sort}", _samples(opened), LIST_BUDGET)
    assert median <= LIST_BUDGET


def _replayed(county_ctx, call: Callable[[], Any]) -> tuple[float, float, int]:  # noqa: ANN001
    """The call's median time, the median time of the same statements run raw on the driver (its
    own connection, no ORM, no result objects), and how many statements it ran."""
    from sqlalchemy import event

    engine = county_ctx.store.engine
    seen: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001, ARG001
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    ours = statistics.median(_samples(call))
    raw_conn = engine.raw_connection()
    try:
        def raw() -> None:
            cursor = raw_conn.cursor()
            for statement, parameters in seen:
                if statement.split(None, 1)[0].upper() in {"BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE"}:
                    continue  # the driver's own transaction stands in for the service's
                cursor.execute(statement, parameters)
                if cursor.description is not None:
                    cursor.fetchall()
            cursor.close()
            raw_conn.rollback()  # as the service's read transaction ends

        baseline = statistics.median(_samples(raw))
    finally:
        raw_conn.close()
    return ours, baseline, len(seen)


# get_case is left out: it writes its audit entry, which a raw replay cannot write again.
@pytest.mark.parametrize("call", ["case_ids window", "case_rows 100", "search 'ma'", "action_ids window",
                                  "action_rows 100", "get_action"])
def test_python_above_the_sql(county_ctx, call: str) -> None:
    """Issue 23: each main read call adds at most 2 ms of Python to the SQL it runs."""
    from cspdesk.services.actions.actions import ActionQuery, ActionService
    from cspdesk.services.referrals.cases import CaseQuery, CaseService
    from cspdesk_gui.models.paged import ID_WINDOW

    cases, actions = CaseService(county_ctx), ActionService(county_ctx)
    case_ids = cases.case_ids(CaseQuery(), limit=ID_WINDOW)
    action_ids = actions.action_ids(ActionQuery(), limit=ID_WINDOW)
    calls: dict[str, Callable[[], Any]] = {
        "case_ids window": lambda: cases.case_ids(CaseQuery(), limit=ID_WINDOW),
        "case_rows 100": lambda: cases.case_rows(case_ids[:100]),
        "search 'ma'": lambda: cases.search("ma"),
        "action_ids window": lambda: actions.action_ids(ActionQuery(), limit=ID_WINDOW),
        "action_rows 100": lambda: actions.action_rows(action_ids[:100]),
        "get_action": lambda: actions.get_action(action_ids[0]),
    }
    ours, raw, statements = _replayed(county_ctx, calls[call])
    line = (f"[{PERF_SCALE}] {call + ': Python above SQL':<40} {(ours - raw) * 1000:6.2f} ms   "
            f"call {ours * 1000:6.2f} ms   raw SQL {raw * 1000:6.2f} ms ({statements} statements)   "
            f"budget {OVERHEAD_BUDGET * 1000:.0f} ms")
    FIGURES.append(line)
    print("\n" + line)
    assert ours - raw <= OVERHEAD_BUDGET
