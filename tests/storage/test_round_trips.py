"""Round trips per user action against PostgreSQL behind a slow link (issue 23).

The program talks to the real test server through :class:`slow_link.DelayProxy`, which adds
50 ms each way, as a server across a county's network does. For each action a person takes in the
window — a search keystroke, opening a case, opening meeting mode, moving between its items,
opening the tracker — the statements sent and the round trips waited are counted and printed
(``-s`` shows them); each is held to a budget, so a change that adds round trips fails here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from cspdesk.services.actions.actions import ActionQuery, ActionService
from cspdesk.services.referrals.cases import CaseQuery, CaseService
from cspdesk.services.meetings.meetings import MeetingService
from cspdesk.services.partnership.panels import PanelService
from cspdesk.services.database.workspace import close_workspace, open_workspace
from slow_link import DelayProxy, counting_statements, delay_proxy

pytestmark = pytest.mark.postgres

#: The issue's goal for every action below.
GOAL = 5
#: Round trips each action may take today (before issue 23's cuts: 9, 21, 22, 17, 22 and 38). A
#: change that adds one fails here; one that removes one lowers the figure.
BUDGETS = {"search keystroke": 3, "opening a case": 11, "opening meeting mode": 17,
           "moving to the next item": 13, "reading ahead (every item)": 13, "opening the tracker": 14}


@dataclass(frozen=True)
class Cost:
    statements: int
    round_trips: int
    seconds: float


@pytest.fixture
def slow(pg_demo_url: str):
    """The demo partnership on the server, opened through a link adding 50 ms each way."""
    with delay_proxy(pg_demo_url) as proxy:
        ctx = open_workspace(proxy.url(pg_demo_url))
        try:
            yield ctx, proxy
        finally:
            close_workspace(ctx)


def _cost(ctx, proxy: DelayProxy, action: Callable[[], object]) -> Cost:  # noqa: ANN001
    proxy.reset_count()
    with counting_statements(ctx.store.engine) as statements:
        start = time.perf_counter()
        action()
        seconds = time.perf_counter() - start
    return Cost(len(statements), proxy.round_trips, seconds)


def _report(name: str, cost: Cost) -> None:
    print(f"\n{name:<34} {cost.statements:3d} statements  {cost.round_trips:3d} round trips  "
          f"{cost.seconds * 1000:7.0f} ms at 50 ms each way  (goal <= {GOAL})")


def test_round_trips_per_user_action(slow) -> None:
    ctx, proxy = slow
    cases, meetings, actions = CaseService(ctx), MeetingService(ctx), ActionService(ctx)
    _cost(ctx, proxy, lambda: cases.case_ids(CaseQuery()))  # the pool's first connection: not counted
    case_id = cases.case_ids(CaseQuery())[0]
    meeting_id = next(m.id for m in meetings.list_meetings() if m.status.name in ("PLANNED", "IN_PROGRESS"))

    def search() -> None:  # what one keystroke in the Cases page's search runs (after the pause)
        ids = cases.case_ids(CaseQuery(text="sa"))
        cases.case_rows(ids[:100])

    def open_meeting_mode() -> None:  # MeetingModeWindow's constructor
        detail = meetings.start_meeting(meeting_id).value
        meetings.panel_choices(detail.row.panel_id)

    def tracker() -> None:  # the Actions page as it opens
        PanelService(ctx).list_panels()
        ids = actions.action_ids(ActionQuery())
        actions.action_rows(ids[:100])
        actions.rag_counts(ActionQuery())
        actions.get_action(ids[0])

    costs = {"search keystroke": _cost(ctx, proxy, search),
             "opening a case": _cost(ctx, proxy, lambda: cases.get_case(case_id)),
             "opening meeting mode": _cost(ctx, proxy, open_meeting_mode)}
    items = meetings.get_meeting(meeting_id).items
    costs["moving to the next item"] = _cost(ctx, proxy, lambda: (meetings.read_item(items[1].id),
                                                                  meetings.item_opened(items[1].id,
                                                                                       leaving_item_id=items[0].id)))
    costs["reading ahead (every item)"] = _cost(ctx, proxy, lambda: meetings.read_items([i.id for i in items]))
    costs["opening the tracker"] = _cost(ctx, proxy, tracker)
    for name, cost in costs.items():
        _report(name, cost)
    print(f"\n({len(items)} agenda items)")
    assert len(items) == 3  # the read-ahead's budget is for three
    over = {name: (cost.round_trips, BUDGETS[name]) for name, cost in costs.items()
            if cost.round_trips > BUDGETS[name]}
    assert not over, over


def test_a_connection_is_pinged_only_after_it_was_idle(slow, pg_server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """No round trip to check a connection used a moment ago; one idle past the limit is checked,
    and one the server dropped meanwhile is replaced without the call failing."""
    from sqlalchemy import create_engine, text

    from cspdesk.storage import engine as engine_module

    ctx, proxy = slow
    cases = CaseService(ctx)
    cases.case_ids(CaseQuery())
    assert _cost(ctx, proxy, lambda: cases.case_ids(CaseQuery())).round_trips == 1

    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            database = ctx.store.engine.url.database
            ended = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                      "WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": database}).scalar()
    finally:
        admin.dispose()
    assert ended >= 1
    monkeypatch.setattr(engine_module, "IDLE_PING_SECONDS", 0.0)
    assert cases.case_ids(CaseQuery())  # the dead connection was found by the ping and replaced
