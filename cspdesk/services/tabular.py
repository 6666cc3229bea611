"""Reading a table someone made in a spreadsheet: CSV (any common encoding, with or without a BOM,
comma/semicolon/tab separated) or XLSX (openpyxl, read-only, imported only when an XLSX is read).

What it gives back is plain: the header row as written, each header's *key* (case folded, spaces,
underscores, hyphens and dots dropped, so "Date of Birth", "date_of_birth" and "DATE-OF-BIRTH"
are one column), and every non-blank row with the row number the spreadsheet shows. Values are
strings from a CSV; from an XLSX they may also be numbers, booleans, dates and datetimes. The
``parse_*`` helpers turn a cell of either into a value, raising ``ValueError`` with words a user
can read ("not a date: 31/02/2026").

Used by the referral import (issue 4) and the action import; nothing here knows either.

Hazards
- A file that cannot be read at all raises :class:`TabularError` (a ``ServiceError``) whose message
  says why in plain words; malformed input never escapes as another exception.
- Reading is bounded (``max_rows``, cell length) so a hostile file cannot exhaust memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from cspdesk.services.errors import ServiceError

#: More rows than this is not a referral list: refuse rather than read a runaway file.
MAX_ROWS = 100_000
#: Longest cell kept (longer ones are an error in the row, not a crash).
MAX_CELL = 32_767  # Excel's own limit
#: Largest file read.
MAX_BYTES = 50 * 1024 * 1024

_XLSX_SUFFIXES = {".xlsx", ".xlsm"}
_CSV_SUFFIXES = {".csv", ".txt", ".tsv"}
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls


class TabularError(ServiceError):
    """The file cannot be read as a table at all (not found, not a CSV or XLSX, damaged, empty)."""


def header_key(text: object) -> str:
    """``"Date of Birth"``, ``"date_of_birth"``, ``" DATE-OF-BIRTH "`` → ``"dateofbirth"``."""
    value = "" if text is None else str(text)
    value = value.replace("\ufeff", "").casefold()
    return re.sub(r"[\s_\-.]+", "", value)


@dataclass(frozen=True)
class TabularRow:
    """One row: ``number`` is the row number the spreadsheet shows (the header is above it)."""

    number: int
    cells: Mapping[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        """The cell under the column whose key is ``header_key(key)``; ``default`` when the column
        is absent or the cell empty."""
        value = self.cells.get(header_key(key))
        if value is None or (isinstance(value, str) and not value.strip()):
            return default
        return value

    def text(self, key: str) -> str:
        return cell_text(self.cells.get(header_key(key)))


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]  # as written in the file
    keys: tuple[str, ...]  # header_key of each
    rows: tuple[TabularRow, ...]
    header_row: int  # the row number of the header in the file
    format: str  # "csv" or "xlsx"
    sheet: str = ""
    encoding: str = ""

    def has(self, key: str) -> bool:
        return header_key(key) in self.keys

    def missing(self, required: Iterable[str]) -> list[str]:
        """The required column names (as given) that the file does not have."""
        return [name for name in required if header_key(name) not in self.keys]


def read_table(path: str | Path, *, sheet: str | None = None, aliases: Mapping[str, Sequence[str]] | None = None,
               max_rows: int = MAX_ROWS) -> Table:
    """Read a CSV or XLSX file into a :class:`Table`.

    ``aliases`` maps a column's name to other headers that mean it (``{"family_name": ["surname",
    "last name"]}``): a row's cells are then found under the name's key whichever was written. The
    first non-blank row is the header; blank rows are skipped (their numbers are not reused).
    ``sheet`` picks an XLSX sheet by name (default: the first)."""
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
        with p.open("rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise TabularError(f"{p.name} cannot be read ({exc.strerror or 'an error of the file system'}).") from None
    if head.startswith(_OLE_MAGIC) or p.suffix.lower() == ".xls":
        raise TabularError(f"{p.name} is an old Excel (.xls) file: save it as .xlsx or CSV and import that.")
    if head.startswith(_ZIP_MAGIC) or p.suffix.lower() in _XLSX_SUFFIXES:
        sheet_name, raw_rows = _xlsx_rows(p, sheet, max_rows)
        encoding, fmt = "", "xlsx"
    else:
        text, encoding = _decode(p)
        raw_rows, sheet_name, fmt = _csv_rows(text, p.name), "", "csv"
    return _build(raw_rows, p.name, fmt, sheet_name, encoding, aliases or {}, max_rows)


# -- CSV ------------------------------------------------------------------------------------------

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _decode(p: Path) -> tuple[str, str]:
    """The file's text and the encoding it was read with: a BOM says which; else UTF-8 if it is
    valid UTF-8; else Windows-1252 (what Excel on Windows writes); else Latin-1, which reads any
    bytes."""
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise TabularError(f"{p.name} cannot be read ({exc.strerror or 'an error of the file system'}).") from None
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                raise TabularError(f"{p.name} says it is {encoding.upper()} but is not: save it again as "
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


def _delimiter(text: str) -> str:
    """The separator the header row uses most: comma, semicolon (Excel in much of Europe), tab or
    bar. (csv.Sniffer guesses wrong on short files with spaces in the cells.)"""
    header = next((line for line in text.splitlines() if line.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {d: unquoted.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(text: str, name: str) -> Iterator[tuple[int, list[Any]]]:
    if "\x00" in text:
        raise TabularError(f"{name} is not a text (CSV) file: it holds binary data.")
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True,
                        skipinitialspace=False, strict=False)
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:
        raise TabularError(f"{name} could not be read as CSV at line {reader.line_num}: {exc}.") from None


# -- XLSX -----------------------------------------------------------------------------------------

def _xlsx_rows(p: Path, sheet: str | None, max_rows: int) -> tuple[str, list[tuple[int, list[Any]]]]:
    # openpyxl warns about workbooks other programs write ("no default style", unknown extensions);
    # none of that matters for reading values, and a warning must not stop an import.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return _xlsx_rows_quietly(p, sheet, max_rows)


def _xlsx_rows_quietly(p: Path, sheet: str | None, max_rows: int) -> tuple[str, list[tuple[int, list[Any]]]]:
    try:
        import openpyxl  # heavy: only when an XLSX is read
    except ImportError:  # pragma: no cover - a dependency of the package
        raise TabularError("Reading XLSX needs openpyxl, which is not installed.") from None
    try:
        workbook = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - a damaged workbook raises anything from zipfile to lxml
        raise TabularError(f"{p.name} could not be read as an XLSX workbook: it may be damaged, "
                           "password-protected or not a workbook. Save it again from Excel, or as CSV.") from None
    try:
        if sheet is not None:
            if sheet not in workbook.sheetnames:
                raise TabularError(f"{p.name} has no sheet called {sheet!r} (it has: {', '.join(workbook.sheetnames)}).")
            ws = workbook[sheet]
        else:
            ws = workbook.worksheets[0] if workbook.worksheets else None
            if ws is None:
                raise TabularError(f"{p.name} has no worksheet.")
        out: list[tuple[int, list[Any]]] = []
        # Row numbers come from the cells themselves: read-only mode skips rows the file leaves out.
        for cells in ws.iter_rows():
            number = next((c.row for c in cells if getattr(c, "row", None) is not None), None)
            values = [getattr(c, "value", None) for c in cells]
            if number is None:
                continue
            if any(v is not None and v != "" for v in values):
                out.append((number, values))
                if len(out) > max_rows + 1:
                    break
        return str(ws.title), out
    except TabularError:
        raise
    except Exception:  # noqa: BLE001 - as above: a damaged sheet part
        raise TabularError(f"{p.name} could not be read as an XLSX workbook: a sheet in it is damaged. "
                           "Save it again from Excel, or as CSV.") from None
    finally:
        try:
            workbook.close()
        except Exception:  # noqa: BLE001, S110 - closing a damaged archive must not hide the real error
            pass


# -- both -----------------------------------------------------------------------------------------


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        value = value.replace("\ufeff", "").strip()
        return value
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value


def _build(raw: Iterable[tuple[int, list[Any]]], name: str, fmt: str, sheet: str, encoding: str,
           aliases: Mapping[str, Sequence[str]], max_rows: int) -> Table:
    alias_of: dict[str, str] = {}
    for canonical, others in aliases.items():
        for other in others:
            alias_of[header_key(other)] = header_key(canonical)
    header: list[str] | None = None
    keys: list[str] = []
    header_row = 0
    rows: list[TabularRow] = []
    for number, values in raw:
        values = [_clean(v) for v in values]
        if not any(v is not None and v != "" for v in values):
            continue
        if header is None:
            header = ["" if v is None else str(v) for v in values]
            while header and not header[-1]:
                header.pop()
            header_row = number
            keys = [alias_of.get(header_key(h), header_key(h)) for h in header]
            seen: dict[str, str] = {}
            for h, k in zip(header, keys, strict=True):
                if not k:
                    continue
                if k in seen:
                    raise TabularError(f"{name}: the columns {seen[k]!r} and {h!r} are the same column twice.")
                seen[k] = h
            if not seen:
                raise TabularError(f"{name}: the first row should name the columns, but it is empty.")
            continue
        if len(rows) >= max_rows:
            raise TabularError(f"{name} has more than {max_rows:,} rows: split it into smaller files.")
        cells: dict[str, Any] = {}
        for k, v in zip(keys, values, strict=False):
            if k:
                cells[k] = v
        extra = [v for v in values[len(keys):] if v is not None and v != ""]
        if extra:
            cells["__extra__"] = tuple(extra)
        rows.append(TabularRow(number, cells))
    if header is None:
        raise TabularError(f"{name} is empty: it has no header row and no rows.")
    return Table(tuple(header), tuple(keys), tuple(rows), header_row, fmt, sheet, encoding)


# -- cells ----------------------------------------------------------------------------------------

#: Excel's day 0 (its 1900 leap-year bug folded in: serial 60 is not a real day, and 61 is 1 March).
_EXCEL_EPOCH = date(1899, 12, 30)
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_MONTHS.update({"sept": 9, "january": 1, "february": 2, "march": 3, "april": 4, "june": 6, "july": 7,
                "august": 8, "september": 9, "october": 10, "november": 11, "december": 12})


def cell_text(value: Any) -> str:
    """A cell as text: strings stripped, whole numbers without ".0", dates as ISO, empty as ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def parse_date(value: Any, *, day_first: bool = True) -> date | None:
    """A cell as a date, or None when empty. Accepts XLSX dates, Excel serial numbers, ISO
    (2026-03-04), UK day-first (04/03/2026, 4.3.26, 4-3-2026) and month names (4 Mar 2026,
    March 4 2026). Two-digit years 00–69 are 2000s, 70–99 1900s. Raises ValueError naming the text."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise ValueError(f"not a date: {cell_text(value)}")
    if isinstance(value, (int, float)):
        return _from_serial(float(value))
    text = str(value).strip()
    if not text:
        return None
    if re.fullmatch(r"\d{4,5}(\.\d+)?", text):
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
    raise ValueError(f"not a date: {text[:40]}")


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
