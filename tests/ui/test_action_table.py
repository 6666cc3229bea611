"""The lazy action tracker model: ids from SQL, rows a page at a time, RAG in colour and words,
groups named on their first row."""

from __future__ import annotations

from dataclasses import replace

import pytest
from PySide6.QtCore import Qt

from cspdesk.domain.enums import ActionStatus, Rag
from cspdesk.services.actions.actions import ActionGroupBy, ActionQuery, ActionService, ActionSort
from cspdesk_gui.models.action_table import ActionColumn, ActionIdRole, ActionTableModel, GroupStartRole, RagRole
from cspdesk_gui.models.paged import PENDING_TEXT
from cspdesk_gui.rag import RAG_COLOURS


@pytest.fixture
def service(demo_ctx):  # noqa: ANN001, ANN201
    return ActionService(demo_ctx)


def _model(service, query=ActionQuery(), **kwargs):  # noqa: ANN001, ANN202
    model = ActionTableModel(service, **kwargs)
    model.set_query(query)
    return model


def test_passes_the_model_tester(qtmodeltester, service):
    model = _model(service, page_size=25)
    assert model.rowCount() > 50
    qtmodeltester.check(model)


def test_a_grouped_model_passes_the_model_tester(qtmodeltester, service):
    model = _model(service, ActionQuery(group_by=ActionGroupBy.AGENCY), page_size=25)
    assert model.rowCount() > 0
    qtmodeltester.check(model)


def test_an_empty_model_passes_the_model_tester(qtmodeltester, ctx):
    model = _model(ActionService(ctx))
    assert model.rowCount() == 0
    qtmodeltester.check(model)


def test_rows_are_the_ids_and_nothing_is_fetched_for_counts_headers_and_flags(service):
    model = _model(service, page_size=10)
    ids = service.action_ids(ActionQuery())
    assert model.rowCount() == len(ids)
    for column in ActionColumn:
        model.headerData(column, Qt.Orientation.Horizontal)
        model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
        model.flags(model.index(model.rowCount() - 1, column))
    assert [model.action_id(r) for r in range(model.rowCount())] == ids
    assert model.index(0, 0).data(ActionIdRole) == ids[0]
    assert model.fetch_count == 0
    model.index(0, ActionColumn.ACTION).data()
    model.index(9, ActionColumn.ACTION).data()
    assert model.fetch_count == 0  # page 0 came with the ids
    assert model.index(25, ActionColumn.ACTION).data() == PENDING_TEXT  # read on the database thread
    model.action_row(25)  # waits for it
    assert model.cached_pages() == [0, 2]
    assert model.fetch_count == 1


def test_rag_shows_as_a_word_and_a_colour(service):
    model = _model(service, ActionQuery(sort=ActionSort.RAG))
    seen = set()
    for r in range(model.rowCount()):
        model.action_row(r)  # its page read (on the database thread) before data() is asked
        index = model.index(r, ActionColumn.RAG)
        rag = Rag(index.data(RagRole))  # a StrEnum comes back from Qt as a plain str
        assert index.data() == rag.label  # the word
        assert index.data(Qt.ItemDataRole.ForegroundRole).color().name() == RAG_COLOURS[rag]
        assert index.data(Qt.ItemDataRole.DecorationRole) is not None
        seen.add(rag)
    assert {Rag.RED, Rag.BLUE} <= seen  # the demo data has overdue and completed actions


def test_the_text_and_status_columns_read_from_the_row(service):
    model = _model(service, ActionQuery(statuses=frozenset({ActionStatus.ON_HOLD})))
    assert model.rowCount() > 0
    row = model.action_row(0)
    assert model.index(0, ActionColumn.STATUS).data() == "On hold"
    assert model.index(0, ActionColumn.STATUS).data(Qt.ItemDataRole.ToolTipRole) == f"On hold: {row.status_reason}"
    assert model.index(0, ActionColumn.ACTION).data(Qt.ItemDataRole.ToolTipRole) == row.text


def test_a_group_is_named_on_its_first_row_only(service):
    model = _model(service, ActionQuery(group_by=ActionGroupBy.AGENCY), page_size=7, max_pages=1000)
    for r in range(0, model.rowCount(), 7):
        model.action_row(r)  # every page read (on the database thread) before data() is asked
    names = [model.index(r, ActionColumn.GROUP).data() for r in range(model.rowCount())]
    starts = [bool(model.index(r, ActionColumn.ACTION).data(GroupStartRole)) for r in range(model.rowCount())]
    agencies = [model.action_row(r).group_label(ActionGroupBy.AGENCY) for r in range(model.rowCount())]
    assert starts[0] and names[0] == agencies[0]
    for r in range(1, len(agencies)):
        assert starts[r] == (agencies[r] != agencies[r - 1])
        assert names[r] == (agencies[r] if starts[r] else "")
    # Grouped by agency, each agency appears as one run.
    runs = [a for r, a in enumerate(agencies) if starts[r]]
    assert len(runs) == len(set(runs)) > 1
    assert model.headerData(ActionColumn.GROUP, Qt.Orientation.Horizontal) == "Agency"


def test_sorting_by_a_column_sorts_in_sql(service):
    model = _model(service)
    model.sort(ActionColumn.DUE, Qt.SortOrder.DescendingOrder)
    assert model.query.sort == ActionSort.DUE_DATE and model.query.descending
    assert model.ids() == service.action_ids(replace(ActionQuery(), descending=True))
    before = model.ids()
    model.sort(ActionColumn.ACTION, Qt.SortOrder.AscendingOrder)  # no SQL sort: ignored
    assert model.ids() == before
