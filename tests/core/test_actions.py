"""ActionService: the tracker's list and filters, RAG and overdue, status rules, the log,
optimistic versions, bulk changes in one transaction, permissions, audit."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import product

import pytest
from actions_helpers import act_as, agency_id, panel_id
from constants import DEMO_TODAY
from sqlalchemy import func, select

from cspdesk.domain.enums import ActionStatus, AuditKind, PanelType, Rag, Role, Strand
from cspdesk.domain.rules import is_overdue, rag
from cspdesk.services.actions.actions import (
    UNFINISHED_STATUSES,
    ActionGroupBy,
    ActionQuery,
    ActionService,
    ActionSort,
    NewAction,
)
from cspdesk.services.context import Actor
from cspdesk.services.errors import Conflict, NotFound, PermissionDenied, ValidationError
from cspdesk.storage.models import Action, ActionUpdate, AuditEvent, Partnership


def _audit_count(ctx, kind: AuditKind, entity: str = "action") -> int:
    with ctx.reading() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.kind == kind, AuditEvent.entity == entity))


def _plan_action(ctx, **kw) -> int:
    exec_panel = panel_id(ctx, PanelType.PARTNERSHIP)
    values = dict(panel_id=exec_panel, text="Deliver the thing", owner_agency_id=agency_id(ctx, "KP"))
    values.update(kw)
    return ActionService(ctx).add_action(NewAction(**values)).value.id


# -- RAG and overdue: derived, the same in SQL as in the rules ------------------------------------


def test_rag_and_overdue_in_sql_agree_with_the_rules_for_every_status_and_due_date(demo_ctx) -> None:
    svc = ActionService(demo_ctx)
    today = DEMO_TODAY
    amber = svc.amber_days()
    offsets = [None, -400, -1, 0, 1, amber - 1, amber, amber + 1, 90]
    made: dict[int, tuple[ActionStatus, date | None]] = {}
    for status, off in product(ActionStatus, offsets):
        due = None if off is None else today + timedelta(days=off)
        extra = {}
        if status in (ActionStatus.ON_HOLD, ActionStatus.DISCONTINUED):
            extra["status_reason"] = "because"
        if status == ActionStatus.COMPLETED:
            extra["completed_on"] = today
        made[_plan_action(demo_ctx, status=status, due_date=due, **extra)] = (status, due)
    plan = panel_id(demo_ctx, PanelType.PARTNERSHIP)
    rows = {r.id: r for r in svc.action_rows(list(made))}
    for action_id, (status, due) in made.items():
        assert rows[action_id].rag == rag(status, due, today, amber)
        assert rows[action_id].overdue == is_overdue(status, due, today)
    for value in Rag:
        listed = set(svc.action_ids(ActionQuery(panel_id=plan, rags=frozenset({value})))) & set(made)
        expected = {i for i, (st, due) in made.items() if rag(st, due, today, amber) == value}
        assert listed == expected, value
    counts = svc.rag_counts(ActionQuery(panel_id=plan))
    everything = svc.action_rows(svc.action_ids(ActionQuery(panel_id=plan)))
    for value in Rag:
        assert counts[value] == sum(1 for r in everything if r.rag == value)
    assert counts.overdue == sum(1 for r in everything if r.overdue)
    overdue = set(svc.action_ids(ActionQuery(panel_id=plan, overdue_only=True))) & set(made)
    assert overdue == {i for i, (st, due) in made.items() if is_overdue(st, due, today)}
    assert overdue  # the grid has overdue actions: the test can fail


def test_amber_threshold_comes_from_the_partnership_settings(demo_ctx) -> None:
    due = DEMO_TODAY + timedelta(days=20)
    action_id = _plan_action(demo_ctx, status=ActionStatus.ONGOING, due_date=due)
    svc = ActionService(demo_ctx)
    assert svc.action_rows([action_id])[0].rag == Rag.GREEN  # 20 days out, threshold 14
    with demo_ctx.unit_of_work() as s:
        s.scalars(select(Partnership)).one().amber_days = 30
    assert svc.action_rows([action_id])[0].rag == Rag.AMBER
    assert action_id in svc.action_ids(ActionQuery(rags=frozenset({Rag.AMBER})))


def test_rag_is_never_stored(demo_ctx) -> None:
    """The same action turns Red when the day passes its due date, with nothing written."""
    action_id = _plan_action(demo_ctx, status=ActionStatus.ONGOING, due_date=DEMO_TODAY + timedelta(days=1))
    svc = ActionService(demo_ctx)
    assert svc.action_rows([action_id])[0].rag == Rag.AMBER
    demo_ctx.today = lambda: DEMO_TODAY + timedelta(days=2)
    row = svc.action_rows([action_id])[0]
    assert row.rag == Rag.RED and row.overdue


def test_rag_counts_match_the_rows_and_the_filters(demo_ctx) -> None:
    svc = ActionService(demo_ctx)
    marac = panel_id(demo_ctx, PanelType.MARAC)
    query = ActionQuery(panel_id=marac)
    rows = svc.action_rows(svc.action_ids(query))
    counts = svc.rag_counts(query)
    assert counts.total == len(rows) > 100
    for value in Rag:
        assert counts[value] == sum(1 for r in rows if r.rag == value)
    assert counts.overdue == sum(1 for r in rows if r.overdue) > 0
    red_only = svc.rag_counts(ActionQuery(panel_id=marac, rags=frozenset({Rag.RED})))
    assert red_only.total == red_only.red == counts.red


# -- the list -----------------------------------------------------------------------------------


def test_filters_narrow_the_tracker(demo_ctx) -> None:
    svc = ActionService(demo_ctx)
    marac = panel_id(demo_ctx, PanelType.MARAC)
    idva = agency_id(demo_ctx, "IDVA")
    everything = svc.action_rows(svc.action_ids(ActionQuery(panel_id=marac)))
    mine = svc.action_rows(svc.action_ids(ActionQuery(panel_id=marac, agency_id=idva)))
    assert mine and len(mine) < len(everything)
    assert all(r.owner_agency_id == idva for r in mine)
    assert {r.id for r in mine} == {r.id for r in everything if r.owner_agency_id == idva}

    open_ = svc.action_rows(svc.action_ids(ActionQuery(panel_id=marac, statuses=frozenset(UNFINISHED_STATUSES))))
    assert open_ and all(r.status in UNFINISHED_STATUSES for r in open_)

    lo, hi = DEMO_TODAY - timedelta(days=60), DEMO_TODAY
    dated = svc.action_rows(svc.action_ids(ActionQuery(panel_id=marac, due_from=lo, due_to=hi)))
    assert dated and all(lo <= r.due_date <= hi for r in dated)

    case_id = next(r.case_id for r in everything if r.case_id)
    on_case = svc.action_rows(svc.action_ids(ActionQuery(case_id=case_id)))
    assert on_case and all(r.case_id == case_id for r in on_case)

    member = next(r.owner_member_id for r in everything if r.owner_member_id)
    by_owner = svc.action_rows(svc.action_ids(ActionQuery(owner_member_id=member)))
    assert by_owner and all(r.owner_member_id == member for r in by_owner)


def test_sorting_and_grouping(demo_ctx) -> None:
    svc = ActionService(demo_ctx)
    marac = panel_id(demo_ctx, PanelType.MARAC)
    by_due = svc.action_rows(svc.action_ids(ActionQuery(panel_id=marac, sort=ActionSort.DUE_DATE)))
    dues = [r.due_date for r in by_due if r.due_date]
    assert dues == sorted(dues)
    by_rag = svc.action_rows(svc.action_ids(ActionQuery(panel_id=marac, sort=ActionSort.RAG)))
    order = [Rag.RED, Rag.AMBER, Rag.GREEN, Rag.GREY, Rag.BLUE]
    ranks = [order.index(r.rag) for r in by_rag]
    assert ranks == sorted(ranks)
    grouped = svc.action_rows(svc.action_ids(ActionQuery(panel_id=marac, group_by=ActionGroupBy.AGENCY)))
    labels = [r.group_label(ActionGroupBy.AGENCY) for r in grouped]
    # Each agency's actions together, agencies in name order.
    runs = [label for i, label in enumerate(labels) if i == 0 or labels[i - 1] != label]
    assert runs == sorted(set(labels), key=str.casefold) and len(runs) > 3  # as people read names
    by_case = svc.action_rows(svc.action_ids(ActionQuery(panel_id=marac, group_by=ActionGroupBy.CASE)))
    refs = [r.group_label(ActionGroupBy.CASE) for r in by_case]
    runs = [label for i, label in enumerate(refs) if i == 0 or refs[i - 1] != label]
    assert len(runs) == len(set(runs)) > 10  # each case's actions together
    case_ids = [r.case_id for r in by_case if r.case_id]
    assert case_ids == sorted(case_ids)  # cases in the order they were recorded


def test_plan_numbers_sort_naturally_within_a_heading(demo_ctx) -> None:
    for n in ("4.10", "4.2", "4.1", "4.9"):
        _plan_action(demo_ctx, number=n, heading="Priority 4: Vulnerable people")
    svc = ActionService(demo_ctx)
    plan = panel_id(demo_ctx, PanelType.PARTNERSHIP)
    rows = svc.action_rows(svc.action_ids(ActionQuery(panel_id=plan, group_by=ActionGroupBy.HEADING,
                                                      sort=ActionSort.NUMBER)))
    ours = [r.number for r in rows if r.heading == "Priority 4: Vulnerable people"]
    assert ours == ["4.1", "4.2", "4.9", "4.10"]


def test_need_to_know_hides_other_panels_actions(demo_ctx) -> None:
    svc = ActionService(demo_ctx)
    socp = panel_id(demo_ctx, PanelType.SOCP)
    socp_action = svc.action_ids(ActionQuery(panel_id=socp))[0]
    act_as(demo_ctx, "officer.idva")  # MARAC only
    with pytest.raises(PermissionDenied):
        svc.action_ids(ActionQuery(panel_id=socp))
    assert socp_action not in svc.action_ids()
    assert svc.action_rows([socp_action]) == []
    with pytest.raises(NotFound):
        svc.get_action(socp_action)
    with pytest.raises(NotFound):
        svc.update_status(socp_action, ActionStatus.ONGOING, "x")


# -- status changes and the log -----------------------------------------------------------------


def test_on_hold_and_discontinued_need_a_reason_and_completed_a_date(demo_ctx) -> None:
    action_id = _plan_action(demo_ctx)
    svc = ActionService(demo_ctx)
    for status in (ActionStatus.ON_HOLD, ActionStatus.DISCONTINUED):
        with pytest.raises(ValidationError) as err:
            svc.update_status(action_id, status, "note", reason="  ")
        assert err.value.field == "reason"
    with pytest.raises(ValidationError) as err:
        svc.update_status(action_id, ActionStatus.COMPLETED, "done")
    assert err.value.field == "completed_on"
    with pytest.raises(ValidationError):
        svc.update_status(action_id, ActionStatus.COMPLETED, "done", completed_on=DEMO_TODAY + timedelta(days=1))
    assert svc.get_action(action_id).log == ()  # nothing written by the refusals

    row = svc.update_status(action_id, ActionStatus.ON_HOLD, "Waiting for funding", reason="Funding").value
    assert row.status == ActionStatus.ON_HOLD and row.status_reason == "Funding" and row.rag == Rag.AMBER
    row = svc.update_status(action_id, ActionStatus.COMPLETED, "Done", completed_on=DEMO_TODAY).value
    assert row.status == ActionStatus.COMPLETED and row.completed_on == DEMO_TODAY and row.status_reason == ""
    assert row.rag == Rag.BLUE


def test_each_change_appends_to_the_log_with_who_and_when(demo_ctx) -> None:
    act_as(demo_ctx, "coord")
    action_id = _plan_action(demo_ctx)
    svc = ActionService(demo_ctx)
    svc.update_status(action_id, ActionStatus.ONGOING, "Started")
    svc.add_note(action_id, "Chased the lead")
    svc.update_status(action_id, ActionStatus.ON_HOLD, "Paused", reason="Staff off sick")
    log = svc.get_action(action_id).log
    assert [(e.old_status, e.new_status) for e in log] == [
        (ActionStatus.OPEN, ActionStatus.ONGOING), (None, None), (ActionStatus.ONGOING, ActionStatus.ON_HOLD)]
    assert [e.text.splitlines()[0] for e in log] == ["Started", "Chased the lead", "Paused"]
    assert "Staff off sick" in log[2].text
    with demo_ctx.reading() as s:
        coord_name = s.scalar(select(ActionUpdate.by_name).where(ActionUpdate.action_id == action_id).limit(1))
        by_user = set(s.scalars(select(ActionUpdate.by_user_id).where(ActionUpdate.action_id == action_id)))
    assert coord_name and coord_name != "coord"  # the person's name, not the login
    assert by_user == {demo_ctx.actor.user_id}
    assert all(e.at is not None for e in log)
    with pytest.raises(ValidationError):
        svc.add_note(action_id, "   ")


def test_writes_are_audited(demo_ctx) -> None:
    before_create = _audit_count(demo_ctx, AuditKind.CREATE)
    before_update = _audit_count(demo_ctx, AuditKind.UPDATE)
    action_id = _plan_action(demo_ctx)
    svc = ActionService(demo_ctx)
    svc.update_status(action_id, ActionStatus.ONGOING, "Started")
    svc.add_note(action_id, "More")
    assert _audit_count(demo_ctx, AuditKind.CREATE) == before_create + 1
    assert _audit_count(demo_ctx, AuditKind.UPDATE) == before_update + 2
    with demo_ctx.reading() as s:
        first = s.scalars(select(AuditEvent.details).where(
            AuditEvent.entity == "action", AuditEvent.entity_id == action_id,
            AuditEvent.kind == AuditKind.UPDATE).order_by(AuditEvent.id)).first()
    assert first["changes"]["status"] == {"old": "open", "new": "ongoing"}


def test_optimistic_version_check_refuses_a_stale_change(demo_ctx) -> None:
    action_id = _plan_action(demo_ctx)
    svc = ActionService(demo_ctx)
    seen = svc.action_rows([action_id])[0].version
    svc.update_status(action_id, ActionStatus.ONGOING, "Someone else", expected_version=seen)
    with pytest.raises(Conflict) as refused:
        svc.update_status(action_id, ActionStatus.COMPLETED, "Me", completed_on=DEMO_TODAY, expected_version=seen)
    # The message says what changed (from the audit trail) and what to do, as for a case or a meeting.
    assert "status" in refused.value.fields and "Reload it" in str(refused.value)
    assert refused.value.current_version == svc.action_rows([action_id])[0].version
    row = svc.action_rows([action_id])[0]
    assert row.status == ActionStatus.ONGOING and row.version > seen
    with pytest.raises(Conflict):
        svc.add_note(action_id, "Late note", expected_version=seen)
    assert len(svc.get_action(action_id).log) == 1


def test_bulk_change_is_one_transaction(demo_ctx) -> None:
    svc = ActionService(demo_ctx)
    ids = [_plan_action(demo_ctx, owner_agency_id=agency_id(demo_ctx, "KP")) for _ in range(3)]
    other = _plan_action(demo_ctx, owner_agency_id=agency_id(demo_ctx, "SBC"))
    count = svc.bulk_update_status(ids, ActionStatus.ONGOING, "Agreed at the meeting").value
    assert count == 3
    rows = svc.action_rows(ids)
    assert all(r.status == ActionStatus.ONGOING for r in rows)
    assert all(svc.get_action(i).log[-1].text == "Agreed at the meeting" for i in ids)

    # One refused (On hold without a reason would refuse all; here an officer of another agency).
    act_as(demo_ctx, "officer.police")
    plan = panel_id(demo_ctx, PanelType.PARTNERSHIP)
    demo_ctx.actor = Actor(demo_ctx.actor.user_id, demo_ctx.actor.username, Role.OFFICER, demo_ctx.actor.agency_id,
                           (demo_ctx.actor.panel_ids or frozenset()) | {plan})
    with pytest.raises(PermissionDenied) as err:
        svc.bulk_update_status([*ids, other], ActionStatus.COMPLETED, "Done", completed_on=DEMO_TODAY)
    assert f"#{other}" in str(err.value)
    assert all(r.status == ActionStatus.ONGOING for r in svc.action_rows(ids))  # none changed
    assert all(len(svc.get_action(i).log) == 1 for i in ids)

    with pytest.raises(ValidationError) as err2:
        svc.bulk_update_status(ids, ActionStatus.ON_HOLD, "Paused")
    assert err2.value.field == "reason"
    assert all(r.status == ActionStatus.ONGOING for r in svc.action_rows(ids))


# -- permissions --------------------------------------------------------------------------------


def test_officers_change_only_their_own_agencys_actions(demo_ctx) -> None:
    svc = ActionService(demo_ctx)
    marac = panel_id(demo_ctx, PanelType.MARAC)
    idva, police = agency_id(demo_ctx, "IDVA"), agency_id(demo_ctx, "KP")
    q = dict(panel_id=marac, statuses=frozenset({ActionStatus.OPEN, ActionStatus.ONGOING}))
    theirs = svc.action_ids(ActionQuery(agency_id=idva, **q))[0]
    others = svc.action_ids(ActionQuery(agency_id=police, **q))[0]
    act_as(demo_ctx, "officer.idva")
    svc.update_status(theirs, ActionStatus.ONGOING, "Contacted her today")
    with pytest.raises(PermissionDenied):
        svc.update_status(others, ActionStatus.ONGOING, "Not mine")
    with pytest.raises(PermissionDenied):
        svc.add_note(others, "Not mine")
    with pytest.raises(PermissionDenied):
        svc.add_action(NewAction(panel_id=marac, text="x", owner_agency_id=police))
    # Reading is need to know by panel, not by agency.
    assert svc.action_rows([others])


def test_viewers_cannot_change_actions(demo_ctx) -> None:
    svc = ActionService(demo_ctx)
    action_id = _plan_action(demo_ctx)
    act_as(demo_ctx, "viewer")
    assert svc.action_rows([action_id])
    with pytest.raises(PermissionDenied):
        svc.update_status(action_id, ActionStatus.ONGOING, "x")
    with pytest.raises(PermissionDenied):
        svc.bulk_update_status([action_id], ActionStatus.ONGOING, "x")


def test_my_actions_are_my_agencys_open_actions_on_my_panels(demo_ctx) -> None:
    act_as(demo_ctx, "officer.housing")
    svc = ActionService(demo_ctx)
    mine = svc.my_actions()
    assert mine
    agency = demo_ctx.actor.agency_id
    panels = demo_ctx.actor.panel_ids
    assert all(r.owner_agency_id == agency and r.status in UNFINISHED_STATUSES and r.panel_id in panels for r in mine)
    # …and every such action is there.
    with demo_ctx.reading() as s:
        expected = set(s.scalars(select(Action.id).where(
            Action.owner_agency_id == agency, Action.status.in_(UNFINISHED_STATUSES), Action.panel_id.in_(panels))))
    assert {r.id for r in mine} == expected
    dues = [r.due_date for r in mine if r.due_date]
    assert dues == sorted(dues)
    demo_ctx.actor = Actor(None, "nobody", Role.OFFICER, None, frozenset())
    with pytest.raises(ValidationError):
        svc.my_actions()


# -- adding -------------------------------------------------------------------------------------


def test_add_a_plan_action_and_an_ocg_action(demo_ctx) -> None:
    svc = ActionService(demo_ctx)
    row = svc.action_rows([_plan_action(demo_ctx, number="1.1", heading="Priority 1: Domestic Abuse",
                                        outcome="Oversight", milestones="A\nB", timescale="Quarterly")])[0]
    assert (row.number, row.heading, row.outcome, row.milestones, row.timescale) == (
        "1.1", "Priority 1: Domestic Abuse", "Oversight", "A\nB", "Quarterly")
    assert row.case_id is None and row.group_id is None and row.group_label(ActionGroupBy.CASE) == "Panel actions"
    from cspdesk.services.referrals.ocgs import OcgService

    ocg = OcgService(demo_ctx).ocg_rows(OcgService(demo_ctx).ocg_ids())[0]
    new = svc.add_action(NewAction(panel_id=ocg.panel_id, text="Disrupt the line", group_id=ocg.id,
                                   strand=Strand.PURSUE, owner_agency_id=agency_id(demo_ctx, "KP"))).value
    assert new.group_reference == ocg.reference and new.strand == Strand.PURSUE
    with pytest.raises(ValidationError) as err:
        _plan_action(demo_ctx, strand=Strand.PURSUE)  # the plan's panel does not use strands
    assert err.value.field == "strand"
    with pytest.raises(ValidationError) as err:
        _plan_action(demo_ctx, text="   ")
    assert err.value.field == "text"
    marac = panel_id(demo_ctx, PanelType.MARAC)
    marac_case = svc.action_rows(svc.action_ids(ActionQuery(panel_id=marac)))[0].case_id
    with pytest.raises(ValidationError) as err:
        _plan_action(demo_ctx, case_id=marac_case)  # a MARAC case on the plan's panel
    assert err.value.field == "case"


def test_filter_choices(demo_ctx) -> None:
    svc = ActionService(demo_ctx)
    marac = panel_id(demo_ctx, PanelType.MARAC)
    agencies = svc.agency_choices(marac)
    assert [c.label for c in agencies] == sorted((c.label for c in agencies), key=str.casefold)
    assert "IDVA" in {c.detail for c in agencies}
    owners = svc.owner_choices(marac, agency_id(demo_ctx, "IDVA"))
    assert owners
    ids = set(svc.action_ids(ActionQuery(panel_id=marac, owner_member_id=owners[0].id)))
    assert ids and all(r.owner_agency_code == "IDVA" for r in svc.action_rows(list(ids)))


def test_plan_numbers_sort_naturally_across_headings(demo_ctx) -> None:
    svc = ActionService(demo_ctx)
    plan = panel_id(demo_ctx, PanelType.PARTNERSHIP)
    with demo_ctx.unit_of_work() as s:  # a plan of our own only
        for a in s.scalars(select(Action).where(Action.panel_id == plan)):
            s.delete(a)
    for n in ("10.1", "2.1", "1.10", "A1", "1.2", "1.1", "2"):
        _plan_action(demo_ctx, number=n)
    rows = svc.action_rows(svc.action_ids(ActionQuery(panel_id=plan, sort=ActionSort.NUMBER)))
    assert [r.number for r in rows] == ["1.1", "1.2", "1.10", "2", "2.1", "10.1", "A1"]
    rows = svc.action_rows(svc.action_ids(ActionQuery(panel_id=plan, sort=ActionSort.NUMBER, descending=True)))
    assert [r.number for r in rows] == ["A1", "10.1", "2.1", "2", "1.10", "1.2", "1.1"]
