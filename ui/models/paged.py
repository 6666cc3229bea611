"""The lazy table model every long list uses (cases, actions, OCGs, the audit trail).

The ids a query selects are read in SQL's order: all at once, or — in a model with an
``id_window`` (the case list and the tracker, issue 23) — a window at a time: the first window and
a count when the query changes, any other window when a row in it is first shown, so a list of
60,000 opens without reading 60,000 ids (:class:`IdWindows`). The rows
themselves are read a page at a time, only when the view asks for one, and at most ``max_pages``
pages are kept (the least recently used page is dropped first). A row that vanished since the
ids were read is shown as nothing rather than failing.

Nothing is read on the GUI thread (issue 23): ``data()`` never executes SQL. The ids' first window
and the first page of rows are read together when the query changes (the caller waits, the window
keeps painting); any other page — and the window of ids it lies in — is asked of the database
thread the first time ``data()`` wants a row of it, its cells show :data:`PENDING_TEXT` meanwhile,
and ``dataChanged`` tells the view when it has come. Keys and selection work on rows not yet read
(they are rows of a known count). :meth:`PagedTableModel.row_now` and ``ids()`` are for slots that
cannot go on without the answer: they wait for it (never call them from ``data()``).

Hazard (windowed models): the windows are read with OFFSET at different moments, so a case added
or removed meanwhile shifts later windows by a row (shown again, or skipped, until the next refresh).
``ids()`` and ``row_of()`` of a row not yet shown read every id, as an unwindowed model does.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from functools import partial
from typing import Any, overload

import shiboken6
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from cspdesk_gui.operations import Op, run_and_wait
from cspdesk_gui.signals import emit

_Index = QModelIndex | QPersistentModelIndex

#: Ids a windowed model reads at a time (ten pages of the usual hundred rows).
ID_WINDOW = 1000

#: What a cell shows while its page is being read on the database thread.
PENDING_TEXT = "…"


class _Pending:
    def __repr__(self) -> str:
        return "PENDING"


#: What :meth:`PagedTableModel._row` returns for a row whose page is still being read.
PENDING: Any = _Pending()


class PagedTableModel(QAbstractTableModel):
    """Rows for the ids a query selects, read a page at a time. A subclass says how to read the
    ids (:meth:`_read_ids`) and the rows (:meth:`_read_rows`; each row has an ``id``), how many
    columns it has (:attr:`columns`), and what each cell shows (``data``/``headerData``)."""

    #: Emitted after the ids were read again (a new query, a new sort or a refresh).
    query_changed = Signal()

    #: The column enum (an IntEnum): its length is the column count.
    columns: Any = ()

    #: Ids read per window (a subclass that sets it provides :meth:`_read_id_window` and
    #: :meth:`_count`); None: every id at once, with :meth:`_read_ids`.
    id_window: int | None = None

    def __init__(self, query: Any, *, page_size: int, max_pages: int, parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self._query = query
        self._page_size = page_size
        self._max_pages = max_pages
        self._ids: Sequence[int] = []
        # page number -> rows of that page (None where a row vanished since the ids were read)
        self._pages: OrderedDict[int, list[Any]] = OrderedDict()
        #: How many times a page was read from the database as rows were shown (the first page,
        #: read with the ids, is not counted) — for tests and for profiling.
        self.fetch_count = 0
        self._loaded = False
        self._generation = 0
        # Pages asked of the database thread and not yet come; pages forgotten (forget_rows) whose
        # old rows are shown until the new ones come, so nothing flickers.
        self._requested: set[int] = set()
        self._stale: dict[int, list[Any]] = {}
        self._pages_generation = 0  # a page read before this changed is not kept

    # -- what a subclass provides ----------------------------------------------------------------

    def _read_ids(self, query: Any) -> list[int]:
        raise NotImplementedError

    def _read_rows(self, ids: Sequence[int]) -> Iterable[Any]:
        raise NotImplementedError

    def _read_id_window(self, query: Any, offset: int, limit: int) -> list[int]:
        raise NotImplementedError

    def _count(self, query: Any) -> int:
        raise NotImplementedError

    # -- the query ---------------------------------------------------------------------------

    @property
    def query(self) -> Any:
        return self._query

    @property
    def page_size(self) -> int:
        return self._page_size

    def set_query(self, query: Any) -> None:
        """Read the ids for ``query`` and reset the model (the view scrolls back to the top)."""
        self._query = query
        self.refresh()

    def refresh(self) -> None:
        """Read the ids again for the current query — the first window of them where the model
        reads in windows — on the database thread (the window keeps painting meanwhile), and forget
        every cached page. If another refresh starts while this one waits (a sort or a keystroke
        handled meanwhile), the later one's ids are kept."""
        self._generation += 1
        generation, query, read_ids, read_rows = self._generation, self._query, self._read_ids, self._read_rows
        size = self._page_size
        ids: Sequence[int]
        if self.id_window is None:
            def every_id() -> tuple[list[int], dict[int, Any]]:
                found = read_ids(query)
                return found, _by_id(read_rows(found[:size]))

            ids, first_rows = run_and_wait(every_id)
        else:
            window, read_window, count = self.id_window, self._read_id_window, self._count

            def first_window() -> tuple[list[int], int, dict[int, Any]]:
                first = read_window(query, 0, window)
                # A short first window is the whole list: no count needed.
                total = count(query) if len(first) >= window else len(first)
                return first, total, _by_id(read_rows(first[:size]))

            first, total, first_rows = run_and_wait(first_window)
            # Called on the database thread (a page read there) or from a slot here, never from data().
            ids = IdWindows(first, total, window,
                            lambda offset: run_and_wait(lambda: read_window(query, offset, window)),
                            lambda: run_and_wait(lambda: read_ids(query)))
        if generation != self._generation:
            return  # a newer refresh has already shown its ids
        if not shiboken6.isValid(self):
            return  # the window closed while the ids were read (the wait runs the event loop)
        self.beginResetModel()
        self._ids = ids
        self._pages.clear()
        self._requested.clear()
        self._stale.clear()
        self._pages_generation += 1
        if len(ids):
            # Read with the ids: not counted in fetch_count, which counts pages read as shown.
            self._store(0, [first_rows.get(i) for i in ids[:size]], counted=False)
        self._loaded = True
        self.endResetModel()
        emit(self.query_changed)

    def is_loaded(self) -> bool:
        return self._loaded

    def ids(self) -> list[int]:
        """Every id the query selects, in order (a windowed model reads those not yet read)."""
        return list(self._ids)

    def row_of(self, record_id: int) -> int | None:
        try:
            return self._ids.index(record_id)
        except ValueError:
            return None

    def cached_pages(self) -> list[int]:
        """The page numbers held in the cache, least recently used first."""
        return list(self._pages)

    # -- Qt's model interface ---------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802 - Qt's name
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008, N802
        return 0 if parent.isValid() else len(self.columns)

    def flags(self, index: _Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemNeverHasChildren

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort in SQL: read the ids again in the new order. A column whose enum member has no
        ``sort_key`` (or a list whose query cannot sort) is ignored."""
        if not 0 <= column < len(self.columns):
            return
        key = getattr(self.columns(column), "sort_key", None)
        if key is None:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if key == self._query.sort and descending == self._query.descending:
            return
        query = replace(self._query, sort=key, descending=descending)
        if self._loaded:
            self.set_query(query)
        else:
            # A view calls sort() as soon as sorting is switched on; nothing is read until the
            # first set_query()/refresh().
            self._query = query

    # -- pages ---------------------------------------------------------------------------------

    def _id_at(self, position: int) -> int | None:
        """The id at ``position`` if it has been read (None: its window is still to be read, and has
        been asked for). For ``data()``: never waits."""
        ids = self._ids
        if isinstance(ids, IdWindows):
            found = ids.peek(position)
            if found is None:
                self._request(position // self._page_size)
            return found
        return ids[position]

    def _row(self, position: int) -> Any:
        """The row shown at ``position``: None (outside the list, or vanished), or :data:`PENDING`
        while its page is read on the database thread (asked for here). Never waits."""
        if not 0 <= position < len(self._ids):
            return None
        page_no, offset = divmod(position, self._page_size)
        page = self._pages.get(page_no)
        if page is not None:
            self._pages.move_to_end(page_no)
            return page[offset]
        self._request(page_no)
        stale = self._stale.get(page_no)
        return stale[offset] if stale is not None and offset < len(stale) else PENDING

    def row_now(self, position: int) -> Any:
        """The row at ``position`` (None: outside the list, or vanished), waiting for its page if
        need be. For a slot that needs it now (the rows a person selected), never for ``data()``."""
        if not 0 <= position < len(self._ids):
            return None
        page_no, offset = divmod(position, self._page_size)
        page = self._pages.get(page_no)
        if page is None and page_no in self._requested:
            # Already asked for: the thread runs in order, so once this empty call is back the
            # page has come (unless a refresh made it stale meanwhile).
            run_and_wait(lambda: None)
            page = self._pages.get(page_no)
        if page is None:
            page_ids, rows = run_and_wait(partial(self._read_page, self._ids, page_no))
            page = self._store(page_no, [rows.get(i) for i in page_ids])
        else:
            self._pages.move_to_end(page_no)
        return page[offset]

    def pages_pending(self) -> int:
        """How many pages have been asked of the database thread and not yet come (for tests)."""
        return len(self._requested)

    def _read_page(self, ids: Sequence[int], page_no: int) -> tuple[list[int], dict[int, Any]]:
        """On the database thread: the ids of page ``page_no`` (reading their window if need be) and
        their rows by id."""
        start = page_no * self._page_size
        page_ids = list(ids[start : start + self._page_size])
        return page_ids, _by_id(self._read_rows(page_ids))

    def _request(self, page_no: int) -> None:
        if page_no in self._requested:
            return
        self._requested.add(page_no)
        generation = self._pages_generation
        (Op(partial(self._read_page, self._ids, page_no), parent=self)  # type: ignore[arg-type] - any QObject
         .success(partial(self._arrived, generation, page_no))
         .failure(partial(self._not_read, generation, page_no))
         .run())

    def _arrived(self, generation: int, page_no: int, result: tuple[list[int], dict[int, Any]]) -> None:
        if generation != self._pages_generation:
            return  # read for a query, a refresh or rows since replaced
        self._requested.discard(page_no)
        page_ids, rows = result
        self._store(page_no, [rows.get(i) for i in page_ids])
        self._page_changed(page_no)

    def _not_read(self, generation: int, page_no: int, _exc: BaseException) -> None:
        """A page that could not be read shows as empty rows (the runner has logged a bug; asking
        again at every paint would ask forever)."""
        if generation != self._pages_generation:
            return
        self._requested.discard(page_no)
        start = page_no * self._page_size
        self._store(page_no, [None] * max(0, min(self._page_size, len(self._ids) - start)))
        self._page_changed(page_no)

    def _page_changed(self, page_no: int) -> None:
        """Tell the view the rows of ``page_no`` have come (and the row after: a row may draw from
        the one before it, as the tracker's group rule does)."""
        first = page_no * self._page_size
        last = min(first + self._page_size, len(self._ids) - 1)
        if first <= last and self.columnCount():
            emit(self.dataChanged, self.index(first, 0), self.index(last, self.columnCount() - 1))

    def _store(self, page_no: int, page: list[Any], *, counted: bool = True) -> list[Any]:
        self.fetch_count += counted
        self._stale.pop(page_no, None)
        self._pages[page_no] = page
        self._pages.move_to_end(page_no)
        while len(self._pages) > self._max_pages:
            self._pages.popitem(last=False)
        return page

    def forget_pages(self, page_numbers: Iterable[int] | None = None) -> None:
        """Read these pages (all: None) again when next shown, showing their old rows meanwhile."""
        for page_no in list(self._pages) if page_numbers is None else list(page_numbers):
            page = self._pages.pop(page_no, None)
            if page is not None:
                self._stale[page_no] = page
        self._requested.clear()
        self._pages_generation += 1  # pages on their way were read before the change


def pending_cell(role: int) -> str | None:
    """What a cell of a row still being read answers for ``role``."""
    return PENDING_TEXT if role == Qt.ItemDataRole.DisplayRole else None


def _by_id(rows: Iterable[Any]) -> dict[int, Any]:
    return {r.id: r for r in rows}


class IdWindows(Sequence[int]):
    """A list's ids, read a window at a time as positions in it are asked for. Its length is the
    count made when the first window was read; a position past the ids the database still holds
    reads as 0 (no record: the row shows as vanished). ``index`` and iteration read every id once,
    in one statement."""

    def __init__(self, first: list[int], total: int, window: int, read_window: Callable[[int], list[int]],
                 read_all: Callable[[], list[int]]) -> None:
        self._total = max(total, len(first))
        self._window = window
        self._windows: dict[int, list[int]] = {0: first}
        self._read_window = read_window
        self._read_all = read_all
        self._all: list[int] | None = first if len(first) >= self._total else None

    @property
    def windows_read(self) -> int:
        """How many windows were read (for tests and profiling)."""
        return len(self._windows)

    def __len__(self) -> int:
        return self._total

    def peek(self, position: int) -> int | None:
        """The id at ``position`` if its window has been read, else None (reads nothing)."""
        if not 0 <= position < self._total:
            return None
        if self._all is not None:
            return self._all[position] if position < len(self._all) else 0
        number, offset = divmod(position, self._window)
        ids = self._windows.get(number)
        if ids is None:
            return None
        return ids[offset] if offset < len(ids) else 0

    def _at(self, position: int) -> int:
        if self._all is not None:
            return self._all[position] if position < len(self._all) else 0
        number, offset = divmod(position, self._window)
        ids = self._windows.get(number)
        if ids is None:
            ids = self._windows[number] = self._read_window(number * self._window)
        return ids[offset] if offset < len(ids) else 0

    @overload
    def __getitem__(self, index: int) -> int: ...
    @overload
    def __getitem__(self, index: slice) -> list[int]: ...

    def __getitem__(self, index: int | slice) -> int | list[int]:
        if isinstance(index, slice):
            return [self._at(i) for i in range(*index.indices(self._total))]
        if index < 0:
            index += self._total
        if not 0 <= index < self._total:
            raise IndexError(index)
        return self._at(index)

    def _every(self) -> list[int]:
        if self._all is None:
            self._all = self._read_all()[: self._total]
            self._all += [0] * (self._total - len(self._all))
        return self._all

    def __iter__(self) -> Iterator[int]:
        return iter(self._every())

    def __contains__(self, value: object) -> bool:
        return value in self._every()

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        for number, ids in self._windows.items():  # a row already shown: no statement
            if value in ids:
                return number * self._window + ids.index(value)
        return self._every().index(value, start, self._total if stop is None else stop)
