"""The lazy table model every long list uses (cases, actions, OCGs, the audit trail).

The ids a query selects are read at once, in SQL's order (cheap even at county scale); the rows
themselves are read a page at a time, only when the view asks for one, and at most ``max_pages``
pages are kept (the least recently used page is dropped first). A row that vanished since the
ids were read is shown as nothing rather than failing.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from ui.operations import run_and_wait
from ui.signals import emit

_Index = QModelIndex | QPersistentModelIndex


class PagedTableModel(QAbstractTableModel):
    """Rows for the ids a query selects, read a page at a time. A subclass says how to read the
    ids (:meth:`_read_ids`) and the rows (:meth:`_read_rows`; each row has an ``id``), how many
    columns it has (:attr:`columns`), and what each cell shows (``data``/``headerData``)."""

    #: Emitted after the ids were read again (a new query, a new sort or a refresh).
    query_changed = Signal()

    #: The column enum (an IntEnum): its length is the column count.
    columns: Any = ()

    def __init__(self, query: Any, *, page_size: int, max_pages: int, parent=None) -> None:  # noqa: ANN001
        super().__init__(parent)
        self._query = query
        self._page_size = page_size
        self._max_pages = max_pages
        self._ids: list[int] = []
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
        """Read the ids again for the current query (on the database thread: the window keeps
        painting meanwhile) and forget every cached page. If another refresh starts while this one
        waits (a sort or a keystroke handled meanwhile), the later one's ids are kept."""
        self._generation += 1
        generation, query, read_ids = self._generation, self._query, self._read_ids
        ids = run_and_wait(lambda: read_ids(query))
        if generation != self._generation:
            return  # a newer refresh has already shown its ids
        self.beginResetModel()
        self._ids = ids
        self._pages.clear()
        self._loaded = True
        self.endResetModel()
        emit(self.query_changed)

    def is_loaded(self) -> bool:
        return self._loaded

    def ids(self) -> list[int]:
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
