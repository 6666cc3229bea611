"""The lazy table model every long list uses (cases, actions, OCGs, the audit trail).

The ids a query selects are read in SQL's order: all at once, or — in a model with an
``id_window`` (the case list and the tracker, issue 23) — a window at a time: the first window and
a count when the query changes, any other window when a row in it is first shown, so a list of
60,000 opens without reading 60,000 ids (:class:`IdWindows`). The rows
themselves are read a page at a time, only when the view asks for one, and at most ``max_pages``
pages are kept (the least recently used page is dropped first). A row that vanished since the
ids were read is shown as nothing rather than failing.

Hazard (windowed models): the windows are read with OFFSET at different moments, so a case added
or removed meanwhile shifts later windows by a row (shown again, or skipped, until the next refresh).
``ids()`` and ``row_of()`` of a row not yet shown read every id, as an unwindowed model does.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Any, overload

import shiboken6
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from cspdesk_gui.operations import run_and_wait
from cspdesk_gui.signals import emit

_Index = QModelIndex | QPersistentModelIndex

#: Ids a windowed model reads at a time (ten pages of the usual hundred rows).
ID_WINDOW = 1000


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
        #: How many times a page was read from the database (for tests and for profiling).
        self.fetch_count = 0
        self._loaded = False
        self._generation = 0

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
        generation, query, read_ids = self._generation, self._query, self._read_ids
        ids: Sequence[int]
        if self.id_window is None:
            ids = run_and_wait(lambda: read_ids(query))
        else:
            window, read_window, count = self.id_window, self._read_id_window, self._count

            def first_window() -> tuple[Sequence[int], int]:
                first = read_window(query, 0, window)
                # A short first window is the whole list: no count needed.
                return first, (count(query) if len(first) >= window else len(first))

            first, total = run_and_wait(first_window)
            ids = IdWindows(first, total, window, lambda offset: read_window(query, offset, window),
                            lambda: read_ids(query))
        if generation != self._generation:
            return  # a newer refresh has already shown its ids
        if not shiboken6.isValid(self):
            return  # the window closed while the ids were read (the wait runs the event loop)
        self.beginResetModel()
        self._ids = ids
        self._pages.clear()
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

    def _row(self, position: int) -> Any:
        """The row shown at ``position`` (None: outside the list, or vanished), reading its page if need be."""
        if not 0 <= position < len(self._ids):
            return None
        page_no, offset = divmod(position, self._page_size)
        page = self._pages.get(page_no)
        if page is None:
            page = self._fetch(page_no)
        else:
            self._pages.move_to_end(page_no)
        return page[offset]

    def _fetch(self, page_no: int) -> list[Any]:
        start = page_no * self._page_size
        ids = self._ids[start : start + self._page_size]
        rows = {r.id: r for r in self._read_rows(ids)}
        self.fetch_count += 1
        page = [rows.get(i) for i in ids]
        self._pages[page_no] = page
        while len(self._pages) > self._max_pages:
            self._pages.popitem(last=False)
        return page


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
