"""OcgService: SOCP 4P plans — list and detail, archiving with reason and approver, scores with
history, counts managed and archived in a period, need to know."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from actions_helpers import act_as, panel_id
from constants import DEMO_TODAY
from sqlalchemy import func, select

from cspdesk.domain.enums import AuditKind, GroupStatus, PanelType, RiskLevel, Strand
from cspdesk.domain.rules import threat_harm_level, threat_harm_score
from cspdesk.services.referrals.ocgs import OcgQuery, OcgService, OcgSort
from cspdesk.services.errors import NotFound, PermissionDenied, ValidationError
from cspdesk.storage.models import AuditEvent, GroupPerson, SubjectGroup


def _active(svc: OcgService) -> list[int]:
    return svc.ocg_ids(OcgQuery(statuses=frozenset({GroupStatus.ACTIVE})))


def test_list_and_detail(demo_ctx) -> None:
    svc = OcgService(demo_ctx)
    ids = svc.ocg_ids()
    rows = svc.ocg_rows(ids)
    assert len(rows) >= 5 and [r.reference for r in rows] == sorted(r.reference for r in rows)
    socp = panel_id(demo_ctx, PanelType.SOCP)
    assert all(r.panel_id == socp and r.case_reference.startswith("SOCP") for r in rows)
    row = next(r for r in rows if r.status == GroupStatus.ACTIVE)
    detail = svc.get_ocg(row.id)
    with demo_ctx.reading() as s:
        nominals = s.scalar(select(func.count()).select_from(GroupPerson).where(GroupPerson.group_id == row.id))
    assert len(detail.nominals) == nominals == row.nominals > 0
    assert detail.nominals[0].role == "principal"
    assert [sa.strand for sa in detail.strands][:4] == list(Strand)
    assert all(a.strand == sa.strand and a.group_id == row.id for sa in detail.strands for a in sa.actions)
    assert sum(len(sa.actions) for sa in detail.strands) > 0
    assert row.lead_officer and row.lead_officer_agency == "Kent Police"
    # Scores: newest first, the row shows the latest.
    dates = [sc.assessed_on for sc in detail.scores]
    assert dates == sorted(dates, reverse=True) and detail.scores[0].score == row.score
    assert {k for k, _ in detail.scores[0].factors} == {"harm", "likelihood", "position"}
    with demo_ctx.reading() as s:
        viewed = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.kind == AuditKind.VIEW, AuditEvent.entity == "group", AuditEvent.entity_id == row.id))
    assert viewed == 1


def test_search_and_sort(demo_ctx) -> None:
    svc = OcgService(demo_ctx)
    first = svc.ocg_rows(svc.ocg_ids())[0]
    assert svc.ocg_ids(OcgQuery(text=first.reference)) == [first.id]
    assert first.id in svc.ocg_ids(OcgQuery(text=first.name.split()[0]))
    by_score = svc.ocg_rows(svc.ocg_ids(OcgQuery(sort=OcgSort.SCORE, descending=True)))
    scores = [r.score for r in by_score if r.score is not None]
    assert scores == sorted(scores, reverse=True)


def test_archiving_needs_a_reason_and_who_approved_and_leaves_the_active_list(demo_ctx) -> None:
    svc = OcgService(demo_ctx)
    group = _active(svc)[0]
    with pytest.raises(ValidationError) as err:
        svc.archive(group, "", "DCI Example")
    assert err.value.field == "reason"
    with pytest.raises(ValidationError) as err:
        svc.archive(group, "Principal imprisoned", " ")
    assert err.value.field == "approved_by"
    with pytest.raises(ValidationError):
        svc.archive(group, "Principal imprisoned", "DCI Example", on=DEMO_TODAY + timedelta(days=1))
    assert group in _active(svc)
    row = svc.archive(group, "Principal imprisoned", "DCI Example").value
    assert row.status == GroupStatus.ARCHIVED and row.archived_on == DEMO_TODAY
    assert group not in _active(svc)
    assert group in svc.ocg_ids(OcgQuery(statuses=frozenset({GroupStatus.ARCHIVED})))
    detail = svc.get_ocg(group)
    assert (detail.archive_reason, detail.archive_approved_by) == ("Principal imprisoned", "DCI Example")
    # Back under review: the archive fields are cleared.
    row = svc.set_status(group, GroupStatus.UNDER_REVIEW).value
    assert row.archived_on is None
    with demo_ctx.reading() as s:
        g = s.get(SubjectGroup, group)
        assert (g.archive_reason, g.archive_approved_by) == ("", "")


def test_scores_keep_their_history(demo_ctx) -> None:
    svc = OcgService(demo_ctx)
    group = _active(svc)[0]
    before = len(svc.get_ocg(group).scores)
    with pytest.raises(ValidationError) as err:
        svc.record_score(group, harm=6, likelihood=3, position=3)
    assert err.value.field == "harm"
    result = svc.record_score(group, harm=5, likelihood=4, position=3, assessor="Analyst").value
    assert result.score == threat_harm_score(5, 4, 3) == 60 and result.risk_level == RiskLevel.HIGH
    detail = svc.get_ocg(group)
    assert len(detail.scores) == before + 1 and detail.scores[0].id == result.id
    assert detail.row.score == 60
    assert threat_harm_level(17) == RiskLevel.LOW and threat_harm_level(18) == RiskLevel.MEDIUM


def test_counts_managed_and_archived_in_a_period(demo_ctx) -> None:
    svc = OcgService(demo_ctx)
    start, end = date(DEMO_TODAY.year, 1, 1), DEMO_TODAY
    rows = svc.ocg_rows(svc.ocg_ids())
    counts = svc.counts(start, end)
    expected_archived = sum(1 for r in rows if r.archived_on and start <= r.archived_on <= end)
    expected_managed = sum(1 for r in rows if r.created_at.date() <= end
                           and (r.archived_on is None or r.archived_on >= start))
    assert counts.archived == expected_archived
    assert counts.managed == expected_managed > 0
    group = _active(svc)[0]
    svc.archive(group, "Dismantled", "Chair")
    after = svc.counts(start, end)
    assert after.archived == counts.archived + 1 and after.managed == counts.managed
    with pytest.raises(ValidationError):
        svc.counts(end, start)


def test_need_to_know_and_roles(demo_ctx) -> None:
    svc = OcgService(demo_ctx)
    group = _active(svc)[0]
    act_as(demo_ctx, "officer.idva")  # MARAC only
    assert svc.ocg_ids() == []
    with pytest.raises(NotFound):
        svc.get_ocg(group)
    act_as(demo_ctx, "officer.police")  # on SOCP, but an officer may not archive
    assert group in svc.ocg_ids()
    with pytest.raises(PermissionDenied):
        svc.archive(group, "x", "y")
    act_as(demo_ctx, "chair.socp")
    svc.archive(group, "Dismantled", "Chair of SOCP")
    assert group not in _active(svc)
