"""The CSV/XLSX reader: encodings, separators, headers by key, row numbers, dates and bad files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cspdesk.services.records_io.tabular import (
    MAX_CELL,
    TabularError,
    cell_text,
    header_key,
    parse_bool,
    parse_date,
    parse_int,
    read_table,
    read_table_bytes,
    table_from_rows,
)

ROWS = "Family Name,Date_of_Birth,Notes\r\nÉlodie,04/03/1985,\"a, b\"\r\n\r\nZoë,2026-01-02,\r\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-16-le"])
def test_csv_in_any_common_encoding(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(ROWS.encode(encoding))
    table = read_table(path)
    assert table.headers == ("Family Name", "Date_of_Birth", "Notes")
    assert table.keys == ("familyname", "dateofbirth", "notes")
    assert [(r.number, r.text("family name"), r.text("DATE OF BIRTH"), r.text("notes")) for r in table.rows] == [
        (2, "Élodie", "04/03/1985", "a, b"), (4, "Zoë", "2026-01-02", "")]


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_csv_separators(tmp_path: Path, sep: str) -> None:
    path = tmp_path / "f.csv"
    path.write_text(f"a{sep}b c\n1{sep}two words\n", encoding="utf-8")
    table = read_table(path)
    assert table.keys == ("a", "bc") and table.rows[0].get("b_c") == "two words"


def test_xlsx_keeps_spreadsheet_row_numbers_and_typed_cells(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Referrals"
    ws["A3"], ws["B3"], ws["C3"] = "Name", "DOB", "Score"  # the header need not be on row 1
    ws.append(["Ann", dt.date(1990, 1, 2), 14])
    ws["A9"] = "Bea"
    ws["B9"] = "31/12/1999"
    path = tmp_path / "f.xlsx"
    wb.save(path)
    table = read_table(path)
    assert table.format == "xlsx" and table.sheet == "Referrals" and table.header_row == 3
    assert [r.number for r in table.rows] == [4, 9]
    assert parse_date(table.rows[0].get("dob")) == dt.date(1990, 1, 2)
    assert parse_date(table.rows[1].get("dob")) == dt.date(1999, 12, 31)
    assert table.rows[0].get("score") == 14 and table.rows[1].get("score") is None


def test_aliases_and_duplicate_columns(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("Surname,DOB\nX,1\n", encoding="utf-8")
    table = read_table(path, aliases={"family_name": ["surname"]})
    assert table.rows[0].get("family_name") == "X" and table.missing(["family_name", "dob", "gone"]) == ["gone"]
    path.write_text("Surname,family_name\nX,Y\n", encoding="utf-8")
    with pytest.raises(TabularError, match="same column is headed twice"):
        read_table(path, aliases={"family_name": ["surname"]})


@pytest.mark.parametrize(("content", "name", "words"), [
    (b"", "empty.csv", "is empty"),
    (b"\n\n,,,\n", "blank.csv", "is empty"),
    (b"PK\x03\x04not really a zip", "broken.xlsx", "could not be read as an XLSX"),
    (b"\xd0\xcf\x11\xe0old excel", "old.xls", "old Excel"),
    (b"a,b\n1,\x002\n", "nul.csv", "binary data"),
])
def test_files_that_are_not_tables_say_why(tmp_path: Path, content: bytes, name: str, words: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(TabularError, match=words):
        read_table(path)


def test_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(TabularError, match="There is no file"):
        read_table(tmp_path / "nope.csv")


def test_header_keys() -> None:
    assert header_key(" Date of-Birth_ ") == header_key("DATE_OF_BIRTH") == "dateofbirth"
    assert header_key("\ufeffName") == "name"


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03-04", dt.date(2026, 3, 4)), ("04/03/2026", dt.date(2026, 3, 4)), ("4.3.26", dt.date(2026, 3, 4)),
    ("4 Mar 2026", dt.date(2026, 3, 4)), ("4th March 2026", dt.date(2026, 3, 4)),
    ("March 4 2026", dt.date(2026, 3, 4)), ("01/02/75", dt.date(1975, 2, 1)), ("45000", dt.date(2023, 3, 15)),
    (45000, dt.date(2023, 3, 15)), (dt.datetime(2026, 1, 1, 9, 30), dt.date(2026, 1, 1)), ("", None), (None, None),
    ("2026-01-31 10:00", dt.date(2026, 1, 31)),
])
def test_dates(text, expected) -> None:  # noqa: ANN001
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["31/02/2026", "tomorrow", "13/13/13", "2026-1", "0", True, "99999999"])
def test_not_dates(text) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match="not a date"):
        parse_date(text)


def test_bools_ints_and_text() -> None:
    assert [parse_bool(v) for v in ("Yes", "n", "TRUE", 0, "x", "", None)] == [True, False, True, False, True, None,
                                                                                None]
    with pytest.raises(ValueError, match="not yes or no"):
        parse_bool("maybe")
    assert [parse_int(v) for v in ("3", 3.0, " 12 ", "", None)] == [3, 3, 12, None, None]
    for bad in ("3.5", "three", 2.5, True):
        with pytest.raises(ValueError, match="not a whole number"):
            parse_int(bad)
    assert [cell_text(v) for v in (14.0, 1.5, dt.date(2026, 1, 2), None, True)] == ["14", "1.5", "2026-01-02", "",
                                                                                   "yes"]


def test_an_xlsx_from_another_program_reads_despite_openpyxl_warnings(tmp_path: Path) -> None:
    """A sheet entry with no part behind it (as older exporters write): openpyxl warns that it will
    drop it, and that warning must not stop the read (tests run with warnings as errors)."""
    import zipfile

    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["Name"])
    wb.active.append(["Ann"])
    full = tmp_path / "full.xlsx"
    wb.save(full)
    odd = tmp_path / "odd.xlsx"
    with zipfile.ZipFile(full) as src, zipfile.ZipFile(odd, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/workbook.xml":
                body = body.replace(b"</sheets>", b'<sheet name="Ghost" sheetId="9"/></sheets>')
            dst.writestr(item, body)
    assert [r.text("name") for r in read_table(odd).rows] == ["Ann"]


def test_a_title_row_above_the_header_is_passed_over_and_row_numbers_count_records(tmp_path: Path) -> None:
    """A title row with no separator, a blank row, then the header; a quoted cell over two lines is
    one row, as a spreadsheet program shows the file."""
    path = tmp_path / "f.csv"
    path.write_text('Referrals June 2026\n\nName;Notes\nAnn;"two\nlines"\nBea;x\n', encoding="utf-8")
    table = read_table(path)
    assert table.header_row == 3 and table.headers == ("Name", "Notes")
    assert [(r.number, r.text("name"), r.text("notes")) for r in table.rows] == [(4, "Ann", "two\nlines"),
                                                                                 (5, "Bea", "x")]


def test_bytes_positions_duplicate_headers_extra_cells_and_clipping(tmp_path: Path) -> None:
    data = ("A,B,a,\n1,2,3,\n,,,\n4,,,9\n" + "x," + "y" * 40_000 + "\n").encode("utf-8")
    with pytest.raises(TabularError, match="same column is headed twice") as err:
        read_table_bytes(data, "dup.csv")
    assert err.value.field == "file" and "dup.csv" in str(err.value)
    table = read_table_bytes(data, "dup.csv", allow_duplicate_headers=True)
    assert table.source == "dup.csv" and table.headers == ("A", "B", "a")
    assert [r.number for r in table.rows] == [2, 4, 5]  # the blank row 3 skipped
    assert table.rows[0].cells == ("1", "2", "3") and table.rows[0].get("a") == "1"  # the first "a"
    assert table.rows[1].extra == ("9",) and table.rows[1].cells == ("4", "", "")
    assert len(table.rows[2].cells[1]) == MAX_CELL
    blank = table_from_rows(("A", "B"), [["x", "y"], [None, " "]])
    assert [(r.number, r.is_blank()) for r in blank.rows] == [(2, False), (3, True)]


def test_the_first_sheet_with_anything_in_it_and_a_sheet_by_name(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Cover"
    data = wb.create_sheet("Data")
    data.append(["No.", "Action"])
    data.append(["1", "Do it"])
    path = tmp_path / "f.xlsx"
    wb.save(path)
    assert read_table(path).sheet == "Data"
    with pytest.raises(TabularError, match="no sheet called 'Gone'"):
        read_table(path, sheet="Gone")
    with pytest.raises(TabularError, match="is empty"):
        read_table(path, sheet="Cover")


def test_a_file_of_another_kind_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.pdf"
    path.write_bytes(b"%PDF-1.4 a,b\n")
    with pytest.raises(TabularError, match="not a CSV or Excel"):
        read_table(path)


def test_month_and_year_and_numbers_as_asked() -> None:
    assert parse_date("Mar 2020", month_year=True) == dt.date(2020, 3, 31)
    assert parse_date("Dec-20", month_year=True) == dt.date(2020, 12, 31)
    assert parse_date("02/2024", month_year=True) == dt.date(2024, 2, 29)
    with pytest.raises(ValueError, match="not a date"):
        parse_date("Mar 2020")
    with pytest.raises(ValueError, match="not a date"):
        parse_date(43921.0, serials=False)
    assert [cell_text(v) for v in (dt.time(9, 30), 1e20)] == ["09:30:00", "1e+20"]
