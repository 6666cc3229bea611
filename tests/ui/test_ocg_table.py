"""The list of organised crime groups: a lazy model over ids, its words and colours."""

from __future__ import annotations

from PySide6.QtCore import Qt

from cspdesk.domain.enums import GroupStatus
from cspdesk.services.referrals.ocgs import OcgQuery, OcgService
from cspdesk_gui.models.ocg_table import OcgColumn, OcgIdRole, OcgTableModel, score_text


def test_passes_the_model_tester(qtmodeltester, demo_ctx):
    model = OcgTableModel(OcgService(demo_ctx))
    model.set_query(OcgQuery())
    assert model.rowCount() > 3
    qtmodeltester.check(model)


def test_an_empty_model_passes_the_model_tester(qtmodeltester, ctx):
    model = OcgTableModel(OcgService(ctx))
    model.set_query(OcgQuery())
    assert model.rowCount() == 0
    qtmodeltester.check(model)


def test_rows_follow_the_service_and_the_status_filter(demo_ctx):
    service = OcgService(demo_ctx)
    model = OcgTableModel(service)
    model.set_query(OcgQuery(statuses=frozenset({GroupStatus.ACTIVE})))
    ids = service.ocg_ids(OcgQuery(statuses=frozenset({GroupStatus.ACTIVE})))
    assert [model.index(r, 0).data(OcgIdRole) for r in range(model.rowCount())] == ids
    rows = service.ocg_rows(ids)
    for r, row in enumerate(rows):
        assert model.index(r, OcgColumn.REFERENCE).data() == row.reference
        assert model.index(r, OcgColumn.STATUS).data() == "Active"
        assert model.index(r, OcgColumn.SCORE).data() == score_text(row.score, row.risk_level)
        assert model.index(r, OcgColumn.OPEN_ACTIONS).data() == f"{row.open_actions:,}"
    assert model.headerData(OcgColumn.OPEN_ACTIONS, Qt.Orientation.Horizontal) == "Open"


def test_score_words():
    from cspdesk.domain.enums import RiskLevel

    assert score_text(None, None) == "Not scored"
    assert score_text(60, RiskLevel.HIGH) == "High (60)"
    assert score_text(12, None) == "12"
