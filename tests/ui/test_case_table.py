"""The lazy case list model: ids from SQL, rows fetched a page at a time, sorting and search in SQL."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt

from cspdesk.domain.enums import CaseStatus
from cspdesk.domain.rules import normalise_name
from cspdesk.services.referrals.cases import CaseQuery, CaseService, CaseSort
from cspdesk_gui.models.case_table import CaseIdRole, CaseTableModel, Column, RepeatRole
from cspdesk_gui.models.paged import PENDING_TEXT

ALL = CaseQuery(statuses=None)


@pytest.fixture
def service(demo_ctx):  # noqa: ANN001, ANN201
    return CaseService(demo_ctx)


def _model(service, query=ALL, **kwargs):  # noqa: ANN001, ANN202
    model = CaseTableModel(service, **kwargs)
    model.set_query(query)
    return model


def _column(model, column):  # noqa: ANN001, ANN202
    # Each row's page read (on the database thread) before data() is asked for it.
    return [(model.row_now(r), model.index(r, column).data())[1] for r in range(model.rowCount())]


def _wait_rows(qtbot, model) -> None:  # noqa: ANN001
    qtbot.waitUntil(lambda: model.pages_pending() == 0, timeout=10_000)


def test_passes_the_model_tester(qtmodeltester, service):
    model = _model(service, page_size=25)
    assert model.rowCount() > 0
    qtmodeltester.check(model)


def test_an_empty_model_passes_the_model_tester(qtmodeltester, ctx):
    model = _model(CaseService(ctx))
    assert model.rowCount() == 0
    qtmodeltester.check(model)


def test_row_count_is_the_number_of_ids(service):
    model = _model(service)
    ids = service.case_ids(ALL)
    assert model.rowCount() == len(ids)
    assert [model.index(r, 0).data(CaseIdRole) for r in range(model.rowCount())] == ids
    assert model.columnCount() == len(Column) == 9


def test_nothing_is_fetched_for_counts_headers_and_flags(service):
    model = _model(service, page_size=10)
    assert model.fetch_count == 0
    model.rowCount()
    model.columnCount()
    for column in Column:
        model.headerData(column, Qt.Orientation.Horizontal)
        model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
        model.flags(model.index(model.rowCount() - 1, column))
    model.index(0, 0).data(CaseIdRole)  # the id is held, not fetched
    assert model.fetch_count == 0
    assert model.cached_pages() == [0]  # read with the ids


def test_only_the_pages_touched_are_fetched(qtbot, service):
    model = _model(service, page_size=10)
    assert model.rowCount() > 30
    for row in range(10):
        for column in Column:
            assert model.index(row, column).data() != PENDING_TEXT  # page 0 came with the ids
    assert model.fetch_count == 0
    assert model.index(25, Column.SUBJECT).data() == PENDING_TEXT
    model.index(26, Column.SUBJECT).data()  # asked for once
    _wait_rows(qtbot, model)
    assert model.fetch_count == 1
    assert model.cached_pages() == [0, 2]


def test_the_page_cache_is_bounded(qtbot, service):
    model = _model(service, page_size=10, max_pages=2)
    for row in (10, 20):
        model.index(row, 0).data()
    _wait_rows(qtbot, model)
    assert model.cached_pages() == [1, 2]
    assert model.fetch_count == 2
    assert model.index(5, 0).data() == PENDING_TEXT  # page 0 was dropped: fetched again
    _wait_rows(qtbot, model)
    assert model.fetch_count == 3
    assert model.cached_pages() == [2, 0]


def test_a_new_query_forgets_the_cache(service):
    model = _model(service, page_size=10)
    model.index(0, 0).data()
    with_signal = []
    model.query_changed.connect(lambda: with_signal.append(True))
    model.set_query(CaseQuery(statuses=frozenset({CaseStatus.CLOSED})))
    assert with_signal == [True]
    assert model.cached_pages() == [0]  # the new query's first page, read with its ids
    assert set(_column(model, Column.STATUS)) <= {"Closed"}


def test_sorting_by_subject_is_alphabetical(service):
    model = _model(service)
    model.sort(Column.SUBJECT, Qt.SortOrder.AscendingOrder)
    assert model.query.sort == CaseSort.SUBJECT and not model.query.descending
    ascending = [model.index(r, 0).data(CaseIdRole) for r in range(model.rowCount())]
    rows = {r.id: r for r in service.case_rows(ascending)}
    people = [rows[i].subject for i in ascending if rows[i].subject_kind == "person"]
    # The service sorts people by family name, then given name.
    keys = [normalise_name(" ".join(reversed(name.rsplit(" ", 1)))) for name in people]
    assert len(keys) > 10
    assert keys == sorted(keys)

    model.sort(Column.SUBJECT, Qt.SortOrder.DescendingOrder)
    descending = [model.index(r, 0).data(CaseIdRole) for r in range(model.rowCount())]
    assert descending == list(reversed(ascending))


def test_sorting_by_reference_and_date(service):
    model = _model(service)
    model.sort(Column.REFERENCE, Qt.SortOrder.AscendingOrder)
    refs = _column(model, Column.REFERENCE)
    assert refs == sorted(refs)
    model.sort(Column.REFERRED, Qt.SortOrder.DescendingOrder)
    ids = [model.index(r, 0).data(CaseIdRole) for r in range(model.rowCount())]
    dates = [row.referral_date for row in service.case_rows(ids)]
    assert dates == sorted(dates, reverse=True)


def test_a_column_without_a_sql_sort_is_ignored(service):
    model = _model(service)
    before = model.query
    reads = model.fetch_count
    model.sort(Column.OPEN_ACTIONS, Qt.SortOrder.AscendingOrder)
    assert model.query == before
    assert model.fetch_count == reads


def test_a_text_query_narrows_the_rows_to_matches(service):
    model = _model(service)
    total = model.rowCount()
    ids = [model.index(r, 0).data(CaseIdRole) for r in range(total)]
    person = next(r for r in service.case_rows(ids) if r.subject_kind == "person")
    family = person.subject.rsplit(" ", 1)[-1]

    model.set_query(CaseQuery(statuses=None, text=family))
    assert 0 < model.rowCount() < total
    found = [model.index(r, 0).data(CaseIdRole) for r in range(model.rowCount())]
    assert person.id in found

    model.set_query(CaseQuery(statuses=None, text=person.reference))
    assert _column(model, Column.REFERENCE) == [person.reference]

    model.set_query(CaseQuery(statuses=None, text="zzqx"))
    assert model.rowCount() == 0


def test_rows_read_as_people_expect(service):
    model = _model(service)
    ids = [model.index(r, 0).data(CaseIdRole) for r in range(model.rowCount())]
    rows = {r.id: r for r in service.case_rows(ids)}
    date_pattern = re.compile(r"^\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}$")
    for r in range(model.rowCount()):
        row = rows[ids[r]]
        model.row_now(r)  # its page read before data() is asked
        assert date_pattern.match(model.index(r, Column.REFERRED).data())
        assert model.index(r, Column.STATUS).data() == row.status.label
        assert model.index(r, Column.PANEL).data() == row.panel_name
        risk = model.index(r, Column.RISK).data()
        assert risk == (row.risk_level.label if row.risk_level else "—")
        actions = model.index(r, Column.OPEN_ACTIONS)
        assert actions.data() == str(row.open_actions)
        assert actions.data(Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight
        assert actions.data(RepeatRole) == row.is_repeat
        subject = model.index(r, Column.SUBJECT)
        assert subject.data().startswith(row.subject)
        assert subject.data().endswith(" (repeat)") == row.is_repeat
        assert subject.data(Qt.ItemDataRole.ToolTipRole).startswith(row.subject)
        assert ("repeat referral" in subject.data(Qt.ItemDataRole.ToolTipRole)) == row.is_repeat
    # Every column has something in it for at least one row (no empty columns).
    for column in Column:
        assert any(_column(model, column)), column.title


def test_headers(service):
    model = _model(service)
    titles = [model.headerData(c, Qt.Orientation.Horizontal) for c in Column]
    assert titles == ["Reference", "Subject", "Panel", "Referred", "Referrer", "Status", "Risk", "Open actions", "Review"]
    assert model.headerData(0, Qt.Orientation.Vertical) is None


@pytest.mark.parametrize("sort", [CaseSort.REFERRAL_DATE, CaseSort.SUBJECT, CaseSort.STATUS, CaseSort.RISK,
                                  CaseSort.REVIEW_DATE, CaseSort.REFERRER, CaseSort.PANEL])
def test_a_long_list_opens_on_its_first_window_of_ids(service, monkeypatch, sort: CaseSort) -> None:
    """Issue 23: the list no longer reads every id to show the first page. It reads one window and
    a count; a row further down reads its own window when shown; the rows are the list's all the same."""
    monkeypatch.setattr(CaseTableModel, "id_window", 20)
    asked: list[tuple[int, int | None]] = []
    case_ids = service.case_ids

    def counted(query, *, offset=0, limit=None):  # noqa: ANN001, ANN202 - the service's own signature
        asked.append((offset, limit))
        return case_ids(query, offset=offset, limit=limit)

    monkeypatch.setattr(service, "case_ids", counted)
    query = CaseQuery(statuses=None, sort=sort, descending=False)
    model = _model(service, query, page_size=10)
    expected = case_ids(query)
    assert asked == [(0, 20)]
    assert model.rowCount() == len(expected) > 60
    assert model.index(0, Column.REFERENCE).data() is not None
    last = model.rowCount() - 1
    assert model.case_id(last) == expected[last]
    assert asked == [(0, 20), (last // 20 * 20, 20)]
    assert [model.case_id(r) for r in range(model.rowCount())] == expected
    assert model.row_of(expected[45]) == 45


# -- rows read on the database thread (issue 23) -----------------------------------------------------


def test_a_page_not_yet_read_shows_a_placeholder_and_comes_by_datachanged(qtbot, service, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(CaseTableModel, "id_window", 20)
    model = _model(service, page_size=10)
    expected = service.case_ids(ALL)
    assert model.rowCount() == len(expected) > 60
    assert model.index(0, Column.REFERENCE).data() not in (None, PENDING_TEXT)  # read with the ids
    last = model.rowCount() - 1
    with qtbot.waitSignal(model.dataChanged, timeout=10_000) as changed:
        assert model.index(last, 0).data(CaseIdRole) is None  # its window of ids is not read yet (asked for now)
        assert model.index(last, Column.REFERENCE).data() == PENDING_TEXT
        assert model.index(last, Column.REFERENCE).data(Qt.ItemDataRole.ToolTipRole) is None
    first, bottom = changed.args[:2]  # (top-left, bottom-right, roles)
    assert first.row() <= last <= bottom.row()
    assert model.index(last, 0).data(CaseIdRole) == expected[last]
    assert model.index(last, Column.REFERENCE).data() == service.case_rows([expected[last]])[0].reference


def test_data_runs_no_sql_on_the_gui_thread_and_keys_move_through_a_loading_list(qtbot, service, demo_ctx,
                                                                                  monkeypatch) -> None:  # noqa: ANN001
    """PageDown and End through a long list while its pages load: the current row and the selection
    move at once; the rows fill in as they come; not one statement runs on the GUI thread."""
    import threading

    from PySide6.QtWidgets import QAbstractItemView, QTableView
    from sqlalchemy import event

    monkeypatch.setattr(CaseTableModel, "id_window", 20)
    model = _model(service, page_size=10)
    expected = service.case_ids(ALL)
    view = QTableView()
    qtbot.addWidget(view)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setModel(model)
    view.resize(600, 300)
    view.show()
    qtbot.waitExposed(view)
    gui = threading.current_thread()
    on_gui: list[str] = []

    def noted(conn, cursor, statement, *_args) -> None:  # noqa: ANN001
        if threading.current_thread() is gui:
            on_gui.append(statement)

    engine = demo_ctx.store.engine
    event.listen(engine, "before_cursor_execute", noted)
    try:
        view.setCurrentIndex(model.index(0, 0))
        rows = [0]
        for _ in range(4):
            qtbot.keyClick(view, Qt.Key.Key_PageDown)
            rows.append(view.currentIndex().row())
        assert rows == sorted(rows) and rows[-1] > rows[1] > 0  # moved at once, page by page
        assert [i.row() for i in view.selectionModel().selectedRows()] == [rows[-1]]
        qtbot.keyClick(view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)  # End alone: the row's last cell
        last = model.rowCount() - 1
        assert view.currentIndex().row() == last
        qtbot.keyClick(view, Qt.Key.Key_Up)  # Ctrl moves without selecting; a plain key selects
        qtbot.keyClick(view, Qt.Key.Key_Down)
        assert [i.row() for i in view.selectionModel().selectedRows()] == [last]
        _wait_rows(qtbot, model)
        qtbot.waitUntil(lambda: model.index(last, Column.REFERENCE).data() != PENDING_TEXT, timeout=10_000)
        view.viewport().repaint()  # a paint asks data() for every visible cell
        assert view.currentIndex().data(CaseIdRole) == expected[last]
        qtbot.keyClick(view, Qt.Key.Key_Home, Qt.KeyboardModifier.ControlModifier)
        assert view.currentIndex().row() == 0
    finally:
        event.remove(engine, "before_cursor_execute", noted)
    assert on_gui == []
