"""A small, defensive reader of CSV and XLSX files as a table of cells.

The action importer reads spreadsheets people made by hand: a title row above the header, blank
rows, cells holding dates or numbers or text, CSV files saved by Excel in Windows-1252 with
semicolons. This module finds the header row and hands back every later row with the row number
the spreadsheet itself shows, so errors can name it.

Untrusted input: any file that cannot be read comes out as a ValidationError naming the file —
never another exception — and limits bound what one file can cost (size, rows, columns, and the
uncompressed size of an XLSX's parts, against zip bombs).

Why not :mod:`cspdesk.services.tabular` (the referral import's reader, merged in later): it takes
the first non-blank row as the header and keys cells by header name, refusing a header written
twice. Action trackers are kept differently: a title row (or several) above the header, as the
Swale plan has; columns mapped by position in the mapping step, where two columns may share a
header or have none. The two could become one reader with a header-row search and positional
access; until then this one serves the action import only.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from cspdesk.services.errors import ValidationError

Cell = str | int | float | bool | date | datetime | time | None

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 300 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 32_767  # Excel's own limit
#: The header is the first row (among this many) with at least two filled cells.
HEADER_SEARCH_ROWS = 20

SUFFIXES = (".csv", ".txt", ".xlsx", ".xlsm")


@dataclass(frozen=True)
class TableRow:
    number: int  # as the spreadsheet shows it: the first row of the file is 1
    cells: tuple[Cell, ...]  # one per header column (padded with None)

    def is_blank(self) -> bool:
        return all(_blank(c) for c in self.cells)


@dataclass(frozen=True)
class Table:
    source: str  # the file's name (not its folder)
    sheet: str  # the worksheet read ("" for CSV)
    header_row: int
    headers: tuple[str, ...]
    rows: tuple[TableRow, ...]


def _blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def cell_text(cell: Cell) -> str:
    """A cell as text: dates as ISO, whole floats without ".0", text stripped."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "Yes" if cell else "No"
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == time() else cell.isoformat(sep=" ")
    if isinstance(cell, (date, time)):
        return cell.isoformat()
    if isinstance(cell, float):
        if cell != cell or cell in (float("inf"), float("-inf")):
            return ""
        return str(int(cell)) if cell.is_integer() and abs(cell) < 1e15 else repr(cell)
    return str(cell).strip()


def _bad(name: str, message: str) -> ValidationError:
    return ValidationError("file", f"{name}: {message}")


def read_table(path: str | Path, *, sheet: str | None = None) -> Table:
    """Read a CSV or XLSX file. ``sheet`` picks a worksheet by name (default: the first one with
    anything in it). Raises ValidationError naming the file when it cannot be read."""
    path = Path(path)
    name = path.name
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise _bad(name, "choose a CSV or Excel (.xlsx) file.")
    try:
        size = path.stat().st_size
    except OSError:
        raise _bad(name, "the file cannot be found or opened.") from None
    if size > MAX_FILE_BYTES:
        raise _bad(name, f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
    try:
        data = path.read_bytes()
    except OSError:
        raise _bad(name, "the file cannot be read.") from None
    if suffix in (".xlsx", ".xlsm"):
        sheet_name, raw = _xlsx_rows(data, name, sheet)
    else:
        sheet_name, raw = "", _csv_rows(data, name)
    return _tabulate(name, sheet_name, raw)


def read_table_bytes(data: bytes, name: str, *, sheet: str | None = None) -> Table:
    """The same as :func:`read_table` for bytes already in memory (``name`` gives the kind)."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise _bad(name, "choose a CSV or Excel (.xlsx) file.")
    if len(data) > MAX_FILE_BYTES:
        raise _bad(name, "the file is too large.")
    if suffix in (".xlsx", ".xlsm"):
        sheet_name, raw = _xlsx_rows(data, name, sheet)
    else:
        sheet_name, raw = "", _csv_rows(data, name)
    return _tabulate(name, sheet_name, raw)


# -- CSV ----------------------------------------------------------------------------------------


def _decode(data: bytes, name: str) -> str:
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _bad(name, "this is not a text (CSV) file.")
    for encoding in ("utf-8-sig", "utf-16") if data.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig",):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    # Excel on Windows saves "CSV" in the ANSI code page.
    return data.decode("cp1252", errors="replace")


def _csv_rows(data: bytes, name: str) -> list[list[Cell]]:
    text = _decode(data, name).replace("\x00", "")
    sample = text[:20_000]
    delimiter = ","
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        pass
    rows: list[list[Cell]] = []
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
        for row in reader:
            if len(rows) >= MAX_ROWS + HEADER_SEARCH_ROWS:
                raise _bad(name, f"the file has more than {MAX_ROWS:,} rows.")
            rows.append(list(row[:MAX_COLUMNS]))
    except csv.Error as exc:
        raise _bad(name, f"the CSV file is malformed near row {len(rows) + 1} ({exc}).") from None
    return rows


# -- XLSX ---------------------------------------------------------------------------------------


def _xlsx_rows(data: bytes, name: str, sheet: str | None) -> tuple[str, list[list[Cell]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES or len(infos) > 10_000:
                raise _bad(name, "the workbook is too large to read.")
            if "[Content_Types].xml" not in archive.namelist():
                raise _bad(name, "this is not an Excel workbook (.xlsx).")
    except zipfile.BadZipFile:
        raise _bad(name, "this is not an Excel workbook (.xlsx), or it is damaged.") from None
    except ValidationError:
        raise
    except Exception:  # zipfile raises several kinds on damaged archives
        raise _bad(name, "the workbook is damaged and cannot be read.") from None
    try:
        import openpyxl  # heavy: imported when first needed

        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a damaged or hostile workbook can fail in many ways inside openpyxl
        raise _bad(name, "the workbook is damaged or not an Excel workbook, and cannot be read.") from None
    try:
        names = list(workbook.sheetnames)
        if sheet is not None:
            if sheet not in names:
                raise _bad(name, f"there is no worksheet called {sheet!r} (it has {', '.join(names)}).")
            chosen = [sheet]
        else:
            chosen = names
        for sheet_name in chosen:
            ws = workbook[sheet_name]
            rows = list(_sheet_rows(ws, name))
            if any(any(not _blank(c) for c in r) for r in rows) or sheet is not None:
                return sheet_name, rows
        return (chosen[0] if chosen else ""), []
    except ValidationError:
        raise
    except Exception:
        raise _bad(name, "the workbook is damaged and cannot be read.") from None
    finally:
        workbook.close()


def _sheet_rows(ws, name: str) -> Iterator[list[Cell]]:  # noqa: ANN001 - openpyxl's worksheet
    count = 0
    for row in ws.iter_rows(values_only=True):
        count += 1
        if count > MAX_ROWS + HEADER_SEARCH_ROWS:
            raise _bad(name, f"the worksheet has more than {MAX_ROWS:,} rows.")
        yield [_xlsx_cell(c) for c in row[:MAX_COLUMNS]]


def _xlsx_cell(value: object) -> Cell:
    if value is None or isinstance(value, (str, int, float, bool, date, datetime, time)):
        return value  # type: ignore[return-value]
    return str(value)  # formulas' errors ("#N/A"), durations…


# -- the table ----------------------------------------------------------------------------------


def _clip(cell: Cell) -> Cell:
    if isinstance(cell, str):
        cell = cell.replace("\x00", "")
        if len(cell) > MAX_CELL_CHARS:
            return cell[:MAX_CELL_CHARS]
    return cell


def _tabulate(name: str, sheet: str, raw: Sequence[Sequence[Cell]]) -> Table:
    header_index = None
    for i, row in enumerate(raw[:HEADER_SEARCH_ROWS]):
        if sum(1 for c in row if not _blank(c)) >= 2:
            header_index = i
            break
    if header_index is None:
        raise _bad(name, "no header row found: the first rows should name the columns.")
    header_cells = list(raw[header_index])
    while header_cells and _blank(header_cells[-1]):
        header_cells.pop()
    headers = tuple(cell_text(c) or f"Column {i + 1}" for i, c in enumerate(header_cells))
    width = len(headers)
    rows = []
    for offset, row in enumerate(raw[header_index + 1 :], start=header_index + 2):
        cells = tuple(_clip(c) for c in list(row[:width]) + [None] * max(0, width - len(row)))
        rows.append(TableRow(offset, cells))
    if len(rows) > MAX_ROWS:
        raise _bad(name, f"the file has more than {MAX_ROWS:,} rows.")
    return Table(name, sheet, header_index + 1, headers, tuple(rows))


def table_from_rows(headers: Iterable[str], rows: Iterable[Sequence[Cell]], *, source: str = "(pasted)") -> Table:
    """A Table from cells already in memory (tests, paste from the clipboard)."""
    headers = tuple(headers)
    width = len(headers)
    out = tuple(
        TableRow(i, tuple(_clip(c) for c in list(r[:width]) + [None] * max(0, width - len(r))))
        for i, r in enumerate(rows, start=2)
    )
    return Table(source, "", 1, headers, out)
