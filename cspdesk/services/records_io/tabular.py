"""Reading a table someone made in a spreadsheet: CSV (any common encoding, with or without a BOM,
comma/semicolon/tab/bar separated) or XLSX (openpyxl, read-only, imported only when an XLSX is read),
from a path or from bytes already in memory.

What it gives back is plain: the header row as written, each header's *key* (case folded, spaces,
underscores, hyphens and dots dropped, so "Date of Birth", "date_of_birth" and "DATE-OF-BIRTH"
are one column), and every non-blank row below it with the row number the spreadsheet shows
(a CSV cell holding line breaks is still one row, as Excel shows it). A row's cells can be read by
position (``row.cells[i]``, one per header column) or by the column's key (``row.get("dob")``).
Values are strings from a CSV; from an XLSX they may also be numbers, booleans, dates, datetimes
and times. The ``parse_*`` helpers turn a cell of either into a value, raising ``ValueError`` with
words a user can read ("not a date: 31/02/2026").

The header is the first row, among the first few that are not blank, with at least two filled
cells (else simply the first non-blank row): a title row above the header, as partnerships keep
their trackers, is passed over.

Used by the referral import (issue 4) and the action import; nothing here knows either.

Hazards
- A file that cannot be read at all raises :class:`TabularError` (a ``ValidationError`` of the
  field "file") whose message names the file and says why in plain words; malformed input never
  escapes as another exception.
- Reading is bounded (file size, the unzipped size of an XLSX against zip bombs, rows, columns,
  cell length) so a hostile file cannot exhaust memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import math
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from cspdesk.services.errors import ValidationError

Cell = str | int | float | bool | date | datetime | time | None

#: More rows than this is not a list a person keeps: refuse rather than read a runaway file.
MAX_ROWS = 100_000
#: A filled cell to the right of this many columns refuses the file (a stray cell far to the right,
#: or a damaged file); empty cells there are passed over.
MAX_COLUMNS = 1_000
#: Excel's last row: nothing numbered past it is read.
EXCEL_MAX_ROWS = 1_048_576
#: Longest cell kept: longer text is cut to this (Excel's own limit).
MAX_CELL = 32_767
#: Largest file read.
MAX_BYTES = 50 * 1024 * 1024
#: Largest total of an XLSX's parts once unzipped (a zip bomb is far larger).
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024
#: The header is looked for among this many non-blank rows at the top.
HEADER_SEARCH_ROWS = 20

_XLSX_SUFFIXES = {".xlsx", ".xlsm"}
_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls (and password-protected workbooks)


class TabularError(ValidationError):
    """The file cannot be read as a table at all (not found, not a CSV or XLSX, damaged, empty).
    Its ``field`` is "file"; its message names the file."""

    def __init__(self, message: str) -> None:
        super().__init__("file", message)


def header_key(text: object) -> str:
    """``"Date of Birth"``, ``"date_of_birth"``, ``" DATE-OF-BIRTH "`` → ``"dateofbirth"``."""
    value = "" if text is None else str(text)
    return _key(value) if len(value) <= 200 else _KEY_SEPARATORS.sub("", value.replace("\ufeff", "").casefold())


_KEY_SEPARATORS = re.compile(r"[\s_\-.]+")


@lru_cache(maxsize=8192)
def _key(value: str) -> str:
    # Cached: a reader asks for the same few column names on every row of a long file.
    return _KEY_SEPARATORS.sub("", value.replace("\ufeff", "").casefold())


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


#: The names code asks rows for → their header keys (a plain dict: cheaper than header_key's cache).
_ASKED_KEYS: dict[str, str] = {}


@dataclass(frozen=True)
class TableRow:
    """One row: ``number`` is the row number the spreadsheet shows (the header is above it);
    ``cells`` one per header column (padded with None); ``extra`` the filled cells to the right of
    the last header column."""

    number: int
    cells: tuple[Cell, ...]
    extra: tuple[Cell, ...] = ()
    #: header key → column position (shared by the rows of one table).
    index: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def is_blank(self) -> bool:
        return all(_blank(c) for c in self.cells) and not self.extra

    def get(self, key: str, default: Any = None) -> Any:
        """The cell under the column whose key is ``header_key(key)``; ``default`` when the column
        is absent or the cell empty."""
        hk = _ASKED_KEYS.get(key)
        if hk is None:  # a reader asks for the same few names on every row of a long file
            hk = header_key(key)
            if len(_ASKED_KEYS) < 4096:
                _ASKED_KEYS[key] = hk
        i = self.index.get(hk)
        if i is None or i >= len(self.cells):
            return default
        value = self.cells[i]
        return default if value is None or (isinstance(value, str) and not value.strip()) else value

    def text(self, key: str) -> str:
        return cell_text(self.get(key))

    def items(self) -> Iterator[tuple[str, Cell]]:
        """(key, cell) for each named column."""
        for key, i in self.index.items():
            yield key, self.cells[i] if i < len(self.cells) else None


@dataclass(frozen=True)
class Table:
    source: str  # the file's name (not its folder)
    sheet: str  # the worksheet read ("" for CSV)
    header_row: int  # the row number of the header in the file
    headers: tuple[str, ...]  # as written ("Column 3" for a column with no header)
    rows: tuple[TableRow, ...]
    keys: tuple[str, ...] = ()  # header_key of each header ("" for none), aliases applied
    format: str = ""  # "csv" or "xlsx"
    encoding: str = ""  # a CSV's

    def __post_init__(self) -> None:
        if not self.keys:
            object.__setattr__(self, "keys", tuple(header_key(h) for h in self.headers))

    def has(self, key: str) -> bool:
        return header_key(key) in self.keys

    def missing(self, required: Iterable[str]) -> list[str]:
        """The required column names (as given) that the file does not have."""
        return [name for name in required if header_key(name) not in self.keys]


def read_table(path: str | Path, *, sheet: str | None = None, aliases: Mapping[str, Sequence[str]] | None = None,
               allow_duplicate_headers: bool = False, max_rows: int = MAX_ROWS) -> Table:
    """Read a CSV or XLSX file into a :class:`Table`.

    ``aliases`` maps a column's name to other headers that mean it (``{"family_name": ["surname",
    "last name"]}``): a row's cells are then found under the name's key whichever was written.
    Blank rows are skipped (their numbers are not reused). ``sheet`` picks an XLSX sheet by name
    (default: the first with anything in it). Two headers with one key are refused, unless
    ``allow_duplicate_headers`` (for a reader that takes cells by position: ``get`` then finds the
    first)."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except FileNotFoundError:
        raise TabularError(f"There is no file at {p}.") from None
    except OSError as exc:
        raise TabularError(f"{p.name} cannot be read ({exc.strerror or 'an error of the file system'}).") from None
    if not p.is_file():
        raise TabularError(f"{p.name} is a folder, not a file.")
    if size > MAX_BYTES:
        raise TabularError(f"{p.name} is larger than {MAX_BYTES // (1024 * 1024)} MB: split it into smaller files.")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise TabularError(f"{p.name} cannot be read ({exc.strerror or 'an error of the file system'}).") from None
    return read_table_bytes(data, p.name, sheet=sheet, aliases=aliases,
                            allow_duplicate_headers=allow_duplicate_headers, max_rows=max_rows)


def read_table_bytes(data: bytes, name: str, *, sheet: str | None = None,
                     aliases: Mapping[str, Sequence[str]] | None = None, allow_duplicate_headers: bool = False,
                     max_rows: int = MAX_ROWS) -> Table:
    """The same as :func:`read_table` for bytes already in memory; ``name`` is the file's name
    (its suffix says the kind when the bytes do not)."""
    suffix = Path(name).suffix.lower()
    if len(data) > MAX_BYTES:
        raise TabularError(f"{name} is larger than {MAX_BYTES // (1024 * 1024)} MB: split it into smaller files.")
    if data.startswith(_OLE_MAGIC) or suffix == ".xls":
        raise TabularError(f"{name} is an old Excel (.xls) file: save it as .xlsx or CSV and import that.")
    if data.startswith(_ZIP_MAGIC) or suffix in _XLSX_SUFFIXES:
        sheet_name, raw = _xlsx_rows(data, name, sheet, max_rows)
        encoding, fmt = "", "xlsx"
    elif suffix in _CSV_SUFFIXES:
        text, encoding = _decode(data, name)
        raw, sheet_name, fmt = _csv_rows(text, name), "", "csv"
    else:
        raise TabularError(f"{name} is not a CSV or Excel (.xlsx) file: choose one of those.")
    return _build(raw, name, fmt, sheet_name, encoding, aliases or {}, allow_duplicate_headers, max_rows)


def table_from_rows(headers: Iterable[str], rows: Iterable[Sequence[Cell]], *, source: str = "(pasted)") -> Table:
    """A Table from cells already in memory (tests, a paste from the clipboard): the header is row
    1, the rows are numbered from 2 as given, blank ones included."""
    headers = tuple(headers)
    keys = tuple(header_key(h) for h in headers)
    index = _index(keys)
    width = len(headers)
    out = []
    for number, r in enumerate(rows, start=2):
        values = [_clean(v) for v in r]
        out.append(TableRow(number, _fit(values, width), tuple(v for v in values[width:] if not _blank(v)), index))
    return Table(source, "", 1, headers, tuple(out), keys)


# -- CSV ------------------------------------------------------------------------------------------

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _decode(data: bytes, name: str) -> tuple[str, str]:
    """The file's text and the encoding it was read with: a BOM says which; else UTF-8 if it is
    valid UTF-8; else Windows-1252 (what Excel on Windows writes); else Latin-1, which reads any
    bytes."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                raise TabularError(f"{name} says it is {encoding.upper()} but is not: save it again as "
                                   "CSV UTF-8.") from None
    # UTF-16 without a BOM: every other byte of ASCII text is NUL.
    if len(data) >= 4 and data[1:2] == b"\x00" and data[3:4] == b"\x00" and data[0:1] != b"\x00":
        try:
            return data.decode("utf-16-le"), "utf-16-le"
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


_DELIMITERS = (",", ";", "\t", "|")


def _delimiter(text: str) -> str:
    """The separator the first line that has one uses most: comma, semicolon (Excel in much of
    Europe), tab or bar. (csv.Sniffer guesses wrong on short files with spaces in the cells.) A title
    line above the header with no separator in it is passed over."""
    for line in itertools.islice((line for line in text.splitlines() if line.strip()), HEADER_SEARCH_ROWS):
        unquoted = re.sub(r'"[^"]*"', "", line)
        counts = {d: unquoted.count(d) for d in _DELIMITERS}
        best = max(counts, key=lambda d: counts[d])
        if counts[best]:
            return best
    return ","


def _csv_rows(text: str, name: str) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells) for each record: the number counts records, as a spreadsheet program
    shows the file, so a cell holding line breaks does not shift the rows below it."""
    if "\x00" in text:
        raise TabularError(f"{name} is not a text (CSV) file: it holds binary data.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text), quotechar='"', doublequote=True,
                        skipinitialspace=False, strict=False)
    try:
        for number, row in enumerate(reader, start=1):
            yield number, _within_columns(row, number, name)
    except csv.Error as exc:
        raise TabularError(f"{name} could not be read as CSV at line {reader.line_num}: {exc}.") from None


# -- XLSX -----------------------------------------------------------------------------------------

_NOT_A_WORKBOOK = ("could not be read as an XLSX workbook: it may be damaged, password-protected or not a "
                   "workbook. Save it again from Excel, or as CSV.")


def _xlsx_rows(data: bytes, name: str, sheet: str | None, max_rows: int) -> tuple[str, list[tuple[int, list[Any]]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES or len(infos) > 10_000:
                raise TabularError(f"{name} is too large to read once unzipped: it is not an ordinary workbook.")
            if "[Content_Types].xml" not in archive.namelist():
                raise TabularError(f"{name} {_NOT_A_WORKBOOK}")
    except TabularError:
        raise
    except Exception:  # noqa: BLE001 - zipfile raises several kinds on damaged archives
        raise TabularError(f"{name} {_NOT_A_WORKBOOK}") from None
    # openpyxl warns about workbooks other programs write ("no default style", unknown extensions);
    # none of that matters for reading values, and a warning must not stop an import.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _xlsx_rows_quietly(data, name, sheet, max_rows)


def _xlsx_rows_quietly(data: bytes, name: str, sheet: str | None,
                       max_rows: int) -> tuple[str, list[tuple[int, list[Any]]]]:
    try:
        import openpyxl  # heavy: only when an XLSX is read
    except ImportError:  # pragma: no cover - a dependency of the package
        raise TabularError(f"Reading {name} needs openpyxl, which is not installed.") from None
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - a damaged workbook raises anything from zipfile to lxml
        raise TabularError(f"{name} {_NOT_A_WORKBOOK}") from None
    try:
        names = list(workbook.sheetnames)
        if sheet is not None:
            if sheet not in names:
                raise TabularError(f"{name} has no sheet called {sheet!r} (it has: {', '.join(names)}).")
            chosen = [sheet]
        else:
            chosen = names
        if not chosen:
            raise TabularError(f"{name} has no worksheet.")
        # The named sheet, else the first with anything in it (a blank cover sheet is passed over).
        for sheet_name in chosen:
            rows = _sheet_rows(workbook[sheet_name], max_rows, name)
            if rows:
                return sheet_name, rows
        return chosen[0], []
    except TabularError:
        raise
    except Exception:  # noqa: BLE001 - as above: a damaged sheet part
        raise TabularError(f"{name} could not be read as an XLSX workbook: a sheet in it is damaged. "
                           "Save it again from Excel, or as CSV.") from None
    finally:
        try:
            workbook.close()
        except Exception:  # noqa: BLE001 - closing a damaged archive must not hide the real error
            pass


def _sheet_rows(ws, max_rows: int, name: str) -> list[tuple[int, list[Any]]]:  # noqa: ANN001 - openpyxl's
    """The sheet's non-blank rows with their numbers, read from the cells the file holds.

    The size a sheet *declares* (its ``<dimension>``) is not trusted: openpyxl's read-only
    iterator pads every row to it, so a 5 KB file declaring A1:XFD1048576 would be read as 17
    billion empty cells (it hung the importers). With the dimensions reset, rows come back only
    as long as their last filled cell, and a row the file leaves out comes back empty; row numbers
    are counted, and nothing past Excel's last row (1,048,576) is read."""
    out: list[tuple[int, list[Any]]] = []
    for number, cells in _filled_rows(ws):
        if number > EXCEL_MAX_ROWS:
            break  # a damaged or hostile file numbering rows past Excel's own limit
        if not cells:
            continue
        values = [_xlsx_cell(v) for v in cells]
        if any(not _blank(v) for v in values):
            out.append((number, _within_columns(values, number, name)))
            if len(out) > max_rows + HEADER_SEARCH_ROWS:
                break  # enough to know it is too long
    return out


_XLSX_MAX_COLUMN = 16_384 + 1  # XFD, and one past it


def _filled_rows(ws) -> Iterator[tuple[int, list[Any]]]:  # noqa: ANN001 - openpyxl's ReadOnlyWorksheet
    """(row number, values up to the row's last cell) for each row the sheet's XML holds, in order.

    openpyxl's own iterator (``iter_rows``) yields an empty row for every row number the file
    skips: a workbook with one cell at A1048576 cost a million empty rows, read twice per import
    (most of the fuzzing run's time). Its parser yields only the rows written, so that is read
    here; a row numbered at or before the one before it (a damaged file) is passed over, as
    ``iter_rows`` does."""
    from openpyxl.worksheet._reader import WorkSheetParser

    book = ws.parent
    with ws._get_source() as src:
        parser = WorkSheetParser(src, ws._shared_strings, data_only=book.data_only, epoch=book.epoch,
                                 date_formats=book._date_formats, timedelta_formats=book._timedelta_formats)
        last = 0
        for number, cells in parser.parse():
            if number <= last:
                continue
            last = number
            if not cells:
                yield number, []
                continue
            # As wide as the row's last cell (so a stray cell far right is named by its column);
            # no wider than a damaged file's numbering past Excel's last column (XFD) allows.
            values: list[Any] = [None] * min(max(c["column"] for c in cells), _XLSX_MAX_COLUMN)
            for c in cells:
                if 1 <= c["column"] <= len(values):
                    values[c["column"] - 1] = c["value"]
            yield number, values


def _within_columns(values: list[Any], number: int, name: str) -> list[Any]:
    """The row's first :data:`MAX_COLUMNS` cells; a filled cell beyond them refuses the file with
    a message saying where (no person keeps a list that wide: it is a stray cell or a damaged file)."""
    if len(values) > MAX_COLUMNS:
        beyond = next((i for i in range(MAX_COLUMNS, len(values)) if not _blank(values[i])), None)
        if beyond is not None:
            raise TabularError(
                f"{name} has something in column {_column_letters(beyond + 1)} of row {number}, beyond the "
                f"{MAX_COLUMNS:,} columns CSPDesk reads: delete that cell (or copy the table alone into a new "
                "sheet) and import again.")
        del values[MAX_COLUMNS:]
    return values


def _column_letters(column: int) -> str:
    """1 → "A", 16384 → "XFD" (as a spreadsheet names its columns)."""
    letters = ""
    while column > 0:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _xlsx_cell(value: object) -> Cell:
    if value is None or isinstance(value, (str, int, float, bool, date, datetime, time)):
        return value  # type: ignore[return-value]
    return str(value)  # durations and anything else openpyxl may give


# -- both -----------------------------------------------------------------------------------------


def _clean(value: Any) -> Any:
    """A cell as kept: text stripped, without BOMs or NULs and cut to :data:`MAX_CELL`; NaN and
    infinity as empty."""
    if isinstance(value, str):
        value = value.replace("\ufeff", "").replace("\x00", "").strip()
        return value[:MAX_CELL]
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def _fit(values: Sequence[Any], width: int) -> tuple[Any, ...]:
    return tuple(values[:width]) + (None,) * max(0, width - len(values))


def _index(keys: Sequence[str]) -> dict[str, int]:
    """Key → position of the first column with that key."""
    index: dict[str, int] = {}
    for i, k in enumerate(keys):
        if k and k not in index:
            index[k] = i
    return index


def _build(raw: Iterable[tuple[int, list[Any]]], name: str, fmt: str, sheet: str, encoding: str,
           aliases: Mapping[str, Sequence[str]], allow_duplicate_headers: bool, max_rows: int) -> Table:
    alias_of: dict[str, str] = {}
    for canonical, others in aliases.items():
        for other in others:
            alias_of[header_key(other)] = header_key(canonical)
    filled = ((number, cleaned) for number, cleaned in ((n, [_clean(v) for v in values]) for n, values in raw)
              if any(not _blank(v) for v in cleaned))
    top = list(itertools.islice(filled, HEADER_SEARCH_ROWS))
    if not top:
        raise TabularError(f"{name} is empty: it has no header row and no rows.")
    # The header: the first row naming two columns or more (a title row above it is passed over).
    at = next((i for i, (_, values) in enumerate(top) if sum(1 for v in values if not _blank(v)) >= 2), 0)
    header_row, header_cells = top[at]
    header = [cell_text(v) for v in header_cells]
    while header and not header[-1]:
        header.pop()
    keys = [alias_of.get(header_key(h), header_key(h)) for h in header]
    seen: dict[str, str] = {}
    twice: dict[str, list[str]] = {}
    for h, k in zip(header, keys, strict=True):
        if not k:
            continue
        if k in seen:
            twice.setdefault(k, [seen[k]]).append(h)
        seen.setdefault(k, h)
    if twice and not allow_duplicate_headers:
        named = "; ".join(" and ".join(repr(h[:60]) for h in hs) for hs in twice.values())
        raise TabularError(f"{name}: the same column is headed twice ({named}). Give each column its own "
                           "heading, or delete the copy, and import again.")
    if not seen:
        raise TabularError(f"{name}: the first row should name the columns, but it is empty.")
    index = _index(keys)
    width = len(header)
    rows: list[TableRow] = []
    for number, values in itertools.chain(top[at + 1:], filled):
        if len(rows) >= max_rows:
            raise TabularError(f"{name} has more than {max_rows:,} rows: split it into smaller files.")
        extra = tuple(v for v in values[width:] if not _blank(v))
        rows.append(TableRow(number, _fit(values, width), extra, index))
    headers = tuple(h or f"Column {i + 1}" for i, h in enumerate(header))
    return Table(name, sheet, header_row, headers, tuple(rows), tuple(keys), fmt, encoding)


# -- cells ----------------------------------------------------------------------------------------

#: Excel's day 0 (its 1900 leap-year bug folded in: serial 60 is not a real day, and 61 is 1 March).
_EXCEL_EPOCH = date(1899, 12, 30)
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_MONTHS.update({"sept": 9, "january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7,
                "august": 8, "september": 9, "october": 10, "november": 11, "december": 12})


def cell_text(value: Any) -> str:
    """A cell as text: strings stripped, whole numbers without ".0", dates and times as ISO, empty as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value).strip()


def parse_date(value: Any, *, day_first: bool = True, month_year: bool = False, serials: bool = True) -> date | None:
    """A cell as a date, or None when empty. Accepts XLSX dates, Excel serial numbers, ISO
    (2026-03-04), UK day-first (04/03/2026, 4.3.26, 4-3-2026) and month names (4 Mar 2026,
    March 4 2026). Two-digit years 00–69 are 2000s, 70–99 1900s. Raises ValueError naming the text.

    ``month_year``: a month and year alone (Mar 2026, March 26, Mar-26, 03/2026) is that month's
    last day, as a due date written so means. ``serials=False``: a number is not a date (where a
    number in the column is more likely a slip than an Excel date)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise ValueError(f"not a date: {cell_text(value)}")
    if isinstance(value, (int, float)):
        if not serials:
            raise ValueError(f"not a date: {cell_text(value)} is a number")
        return _from_serial(float(value))
    text = str(value).strip()
    if not text:
        return None
    if len(text) > 64:  # no date is this long: not kept in the cache (a huge cell would fill it)
        return _parse_date_text.__wrapped__(text, day_first, month_year, serials)
    return _parse_date_text(text, day_first, month_year, serials)


@lru_cache(maxsize=8192)
def _parse_date_text(text: str, day_first: bool, month_year: bool, serials: bool) -> date | None:
    # Cached: a long log repeats the same dates (referral and meeting dates) on many rows. A
    # ValueError is not cached, so a bad date costs its parse each time (rare, and reported).
    if serials and re.fullmatch(r"\d{4,5}(\.\d+)?", text):
        return _from_serial(float(text))
    # ISO date, maybe with a time after it.
    m = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", text)
    if m:
        return _make(int(m[1]), int(m[2]), int(m[3]), text)
    m = re.fullmatch(r"(\d{1,2})[-/. ](\d{1,2})[-/. ](\d{2}|\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?", text)
    if m:
        a, b, y = int(m[1]), int(m[2]), _year(m[3])
        day, month = (a, b) if day_first else (b, a)
        return _make(y, month, day, text)
    words = re.split(r"[\s,\-/.]+", text.casefold())
    words = [w for w in words if w]
    if len(words) == 3:
        if words[0].isdigit() and words[1] in _MONTHS and words[2].isdigit():  # 4 Mar 2026
            return _make(_year(words[2]), _MONTHS[words[1]], int(words[0].rstrip("stndrh")), text)
        first = re.sub(r"(st|nd|rd|th)$", "", words[0])
        if first.isdigit() and words[1] in _MONTHS and words[2].isdigit():
            return _make(_year(words[2]), _MONTHS[words[1]], int(first), text)
        second = re.sub(r"(st|nd|rd|th)$", "", words[1])
        if words[0] in _MONTHS and second.isdigit() and words[2].isdigit():  # March 4 2026
            return _make(_year(words[2]), _MONTHS[words[0]], int(second), text)
    if month_year:
        m = re.fullmatch(r"(\d{1,2})[-/.](\d{4})", text)
        if m:
            return _month_end(int(m[2]), int(m[1]), text)
        if len(words) == 2 and words[0] in _MONTHS and re.fullmatch(r"\d{2}|\d{4}", words[1]):
            return _month_end(_year(words[1]), _MONTHS[words[0]], text)
    raise ValueError(f"not a date: {text[:40]}")


def _month_end(year: int, month: int, text: str) -> date:
    first = _make(year, month, 1, text)
    if month == 12:
        return first.replace(day=31)
    return first.replace(month=month + 1) - timedelta(days=1)


def _year(text: str) -> int:
    y = int(text)
    if len(text) == 2:
        return 2000 + y if y < 70 else 1900 + y
    return y


def _make(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"not a date: {text[:40]}") from None


def _from_serial(serial: float) -> date:
    if not 1 <= serial < 2_958_466:  # Excel's own range: 1900-01-01 … 9999-12-31
        raise ValueError(f"not a date: {cell_text(serial)}")
    days = int(serial)
    if days < 61:
        days += 1  # before Excel's phantom 29 February 1900
    return _EXCEL_EPOCH + timedelta(days=days)


_TRUE = {"yes", "y", "true", "t", "1", "x", "✓", "ticked"}
_FALSE = {"no", "n", "false", "f", "0", ""}


def parse_bool(value: Any, *, blank: bool | None = None) -> bool | None:
    """Yes/No, Y/N, True/False, 1/0, X (ticked) → bool; an empty cell → ``blank``."""
    if value is None:
        return blank
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = cell_text(value).casefold()
    if text == "":
        return blank
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"not yes or no: {text[:40]}")


def parse_int(value: Any) -> int | None:
    """A whole number, or None when empty. "3", 3, 3.0 → 3; "3.5", "three" → ValueError."""
    if value is None or isinstance(value, bool):
        if isinstance(value, bool):
            raise ValueError(f"not a whole number: {cell_text(value)}")
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError(f"not a whole number: {cell_text(value)}")
    text = cell_text(value)
    if not text:
        return None
    if re.fullmatch(r"[+-]?\d{1,9}(\.0+)?", text):
        return int(float(text))
    raise ValueError(f"not a whole number: {text[:40]}")
