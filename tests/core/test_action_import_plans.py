"""Action plans as partnerships keep them (issue 17): rows with no reason, timescales in words,
completion dates nobody wrote, several lead agencies, their own headings, importing the same plan
again, the export round trip, the tracker's outcome and latest update — and the bad files (a cell
at XFD1048576, headers written twice, a long file with one bad last row)."""

from __future__ import annotations

import csv
import io
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from actions_helpers import agency_id, panel_id

from core.referral_setup import intake  # noqa: F401 - the fixture
from sqlalchemy import func, select

from cspdesk.domain.enums import ActionStatus, PanelType
from cspdesk.services.records_io.action_import import (
    REASON_NOT_GIVEN,
    ActionField,
    ActionImportService,
    ImportRefused,
    suggest_columns,
)
from cspdesk.services.actions.actions import ActionQuery, ActionService
from cspdesk.services.errors import ValidationError
from cspdesk.services.records_io.tabular import TabularError, read_table, read_table_bytes
from cspdesk.storage.models import Action, ActionUpdate, AuditEvent

SWALE = Path(__file__).parent.parent / "data" / "swale_2019_20_plan.xlsx"


def _counts(ctx) -> tuple[int, int, int]:  # noqa: ANN001
    with ctx.reading() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (Action, ActionUpdate, AuditEvent))


def _csv(path: Path, headers, rows) -> Path:  # noqa: ANN001
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        w.writerows(rows)
    return path


def _import(ctx, panel: int, path: Path, **kw):  # noqa: ANN001, ANN202
    svc = ActionImportService(ctx)
    table = svc.read(path)
    return svc.import_actions(panel, table, svc.suggest_mapping(panel, table).mapping, **kw).value


#: A plan kept as partnerships keep it: a Group heading column, no reason column, no due-date
#: column (timescales in words), statuses with no dates, a cell naming three lead agencies.
PLAN_HEADERS = ("Group", "No.", "Action", "Desired Outcome", "Timescales", "Lead agency", "Lead officer", "Status",
                "Update")
PLAN_ROWS = [
    ["Priority 1: Domestic Abuse", "1.1", "Map DA services", "Oversight of VAWG", "By Mar 20", "Kent Police", "",
     "On hold", ""],
    ["Priority 1: Domestic Abuse", "1.2", "Run the One Stop Shop", "Victims supported", "Quarterly", "SBC", "",
     "Discontinued", ""],
    ["Priority 2: Crime", "2.1", "Target hotspots", "Less crime", "Q3 2019/20", "Kent Police", "", "Delivered", ""],
    ["Priority 2: Crime", "2.2", "Reduce reoffending", "Fewer repeat offenders", "Sept 19\nEnd April 19\n2019-2022",
     "KSS CRC/ Kent Police/NPS", "J. Smith", "Ongoing", "Panel meets monthly"],
    ["Priority 3: ASB", "3.1", "Community trigger reviews", "", "Ongoing", "SBC", "", "Complete", "Done"],
]


def test_a_plan_imports_as_kept(demo_ctx, tmp_path: Path) -> None:
    carm = panel_id(demo_ctx, PanelType.CARM)
    report = _import(demo_ctx, carm, _csv(tmp_path / "plan.csv", PLAN_HEADERS, PLAN_ROWS))
    assert (report.imported, report.bad_rows) == (5, ())
    rows = {r.number: r for r in ActionService(demo_ctx).action_rows(list(report.action_ids))}
    # On hold and Discontinued with no reason anywhere: imported, the reason said to be missing.
    assert (rows["1.1"].status, rows["1.1"].status_reason) == (ActionStatus.ON_HOLD, REASON_NOT_GIVEN)
    assert (rows["1.2"].status, rows["1.2"].status_reason) == (ActionStatus.DISCONTINUED, REASON_NOT_GIVEN)
    # Timescales: the last day meant, the words kept; none where they name no time.
    assert (rows["1.1"].due_date, rows["1.1"].timescale) == (date(2020, 3, 31), "By Mar 20")
    assert (rows["1.2"].due_date, rows["1.2"].timescale) == (None, "Quarterly")
    assert rows["2.1"].due_date == date(2019, 12, 31)
    assert rows["2.2"].due_date == date(2022, 12, 31)  # the latest of three
    assert rows["2.2"].timescale == "Sept 19\nEnd April 19\n2019-2022"
    # Completed with no date: the date is unknown, and the log says so.
    assert (rows["2.1"].status, rows["2.1"].completed_on) == (ActionStatus.COMPLETED, None)
    assert rows["3.1"].completed_on is None
    log = ActionService(demo_ctx).get_action(rows["2.1"].id).log
    assert any("left unknown" in e.text for e in log)
    # Several lead agencies: owned by the one CSPDesk holds, the others still named.
    assert rows["2.2"].owner_agency_code == "KP"
    assert rows["2.2"].owner_name == "J. Smith (lead: KSS CRC/ Kent Police/NPS)"
    # The Group column is the heading.
    assert rows["1.1"].heading == "Priority 1: Domestic Abuse" and rows["3.1"].heading == "Priority 3: ASB"


@pytest.mark.parametrize("header", ["Group", "Priority", "Theme", "Strand"])
def test_plan_headings_are_recognised_without_a_map(header: str) -> None:
    assert suggest_columns((header, "Action"))[0] == ActionField.HEADING
    assert suggest_columns(("Lead group", "Action"))[0] != ActionField.HEADING  # a whole header only
    assert suggest_columns(("4P strand", "Action"))[0] == ActionField.STRAND


def test_a_strand_column_of_4p_words_is_the_4p_strand(demo_ctx, tmp_path: Path) -> None:
    carm = panel_id(demo_ctx, PanelType.CARM)
    svc = ActionImportService(demo_ctx)
    fourp = svc.read(_csv(tmp_path / "a.csv", ("Strand", "Action"), [["Pursue", "x"], ["Protect", "y"]]))
    assert svc.suggest_mapping(carm, fourp).mapping.columns[0] == ActionField.STRAND
    themes = svc.read(_csv(tmp_path / "b.csv", ("Strand", "Action"), [["Safer streets", "x"], ["Pursue", "y"]]))
    assert svc.suggest_mapping(carm, themes).mapping.columns[0] == ActionField.HEADING


def test_importing_the_same_plan_again_updates_and_never_duplicates(demo_ctx) -> None:
    carm = panel_id(demo_ctx, PanelType.CARM)
    svc = ActionImportService(demo_ctx)
    table = svc.read(SWALE)

    def mapping():  # noqa: ANN202
        m = svc.suggest_mapping(carm, table).mapping
        return replace(m, agencies={**m.agencies, "swale csu": agency_id(demo_ctx, "SBC")})

    first = svc.import_actions(carm, table, mapping()).value
    assert first.imported == 33
    before = _counts(demo_ctx)
    dry = svc.check(carm, table, mapping())
    assert (dry.new, dry.updated, dry.unchanged) == (0, 0, 33)
    assert "would import 0 new action(s), 0 updated, 33 unchanged" in dry.summary()
    again = svc.import_actions(carm, table, mapping()).value
    assert (again.imported, again.updated, again.unchanged, again.written) == (0, 0, 33, False)
    assert again.summary().startswith("imported 0 new action(s), 0 updated, 33 unchanged")
    assert sorted(again.action_ids) == sorted(first.action_ids)
    assert _counts(demo_ctx) == before  # nothing written, nothing logged


def test_a_changed_row_updates_its_action_and_logs_each_change(demo_ctx, tmp_path: Path) -> None:
    carm = panel_id(demo_ctx, PanelType.CARM)
    path = _csv(tmp_path / "plan.csv", PLAN_HEADERS, PLAN_ROWS)
    first = _import(demo_ctx, carm, path)
    changed = [list(r) for r in PLAN_ROWS]
    changed[0][7], changed[0][8] = "Ongoing", "Restarted in April"  # 1.1: status and a new update
    changed[2][2] = "Target the hotspots in Sittingbourne"  # 2.1: the action's words (matched by No.)
    del changed[3][1]  # 2.2 loses its number: matched by its text instead
    changed[3].insert(1, "")
    path = _csv(tmp_path / "plan2.csv", PLAN_HEADERS, changed)
    before = _counts(demo_ctx)
    dry = _import(demo_ctx, carm, path, dry_run=True)
    assert (dry.new, dry.updated, dry.unchanged) == (0, 3, 2) and _counts(demo_ctx) == before
    report = _import(demo_ctx, carm, path)
    assert (report.imported, report.updated, report.unchanged) == (0, 3, 2)
    after = _counts(demo_ctx)
    assert after[0] == before[0]  # no new actions
    rows = {r.text: r for r in ActionService(demo_ctx).action_rows(list(first.action_ids))}
    one = rows["Map DA services"]
    assert (one.status, one.status_reason) == (ActionStatus.ONGOING, "")
    log = ActionService(demo_ctx).get_action(one.id).log
    change = [e for e in log if e.new_status == ActionStatus.ONGOING]
    assert len(change) == 1 and change[0].old_status == ActionStatus.ON_HOLD
    assert "Status: On hold → Ongoing" in change[0].text and "plan2.csv (row 2)" in change[0].text
    assert log[-1].text == "Restarted in April"
    assert "Target the hotspots in Sittingbourne" in rows
    assert rows["Reduce reoffending"].number == ""
    with demo_ctx.reading() as s:
        entry = s.scalars(select(AuditEvent.details).where(AuditEvent.entity == "action_import")
                          .order_by(AuditEvent.id.desc())).first()
    assert entry["imported"] == 0 and len(entry["updated"]) == 3 and entry["unchanged"] == 2
    assert entry["updated"][str(one.id)]["changes"]["status"] == ["On hold", "Ongoing"]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_edit_a_status_import_gives_one_update(demo_ctx, tmp_path: Path, suffix: str) -> None:
    plan = panel_id(demo_ctx, PanelType.PARTNERSHIP)
    svc = ActionImportService(demo_ctx)
    query = ActionQuery(panel_id=plan)
    out = tmp_path / f"plan{suffix}"
    count = svc.export(query, out).value
    table = svc.read(out)
    latest, log = table.headers.index("Latest update"), table.headers.index("Update log")
    assert any(r.cells[latest] for r in table.rows) and any(r.cells[log] for r in table.rows)
    status = table.headers.index("Status")
    victim = next(r for r in table.rows if r.cells[status] == "Ongoing")
    rows = [[*r.cells] for r in table.rows]
    rows[table.rows.index(victim)][status] = "Delivered"
    edited = tmp_path / "edited.csv"
    _csv(edited, table.headers, rows)
    before = _counts(demo_ctx)
    report = _import(demo_ctx, plan, edited)
    assert (report.imported, report.updated, report.unchanged) == (0, 1, count - 1)
    assert _counts(demo_ctx)[0] == before[0]


def test_the_tracker_prints_the_desired_outcome_and_latest_update(demo_ctx, tmp_path: Path) -> None:
    from pypdf import PdfReader

    from cspdesk.reports.action_papers import render_tracker_pdf

    carm = panel_id(demo_ctx, PanelType.CARM)
    _import(demo_ctx, carm, _csv(tmp_path / "plan.csv", PLAN_HEADERS, PLAN_ROWS))
    from cspdesk.services.papers.action_papers import ActionPapersService

    data = ActionPapersService(demo_ctx).tracker(ActionQuery(panel_id=carm))
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(render_tracker_pdf(data))).pages)
    text = " ".join(text.split())
    assert "Desired outcome: Fewer repeat offenders" in text
    assert "Latest update" in text and "Panel meets monthly" in text


# -- bad files ------------------------------------------------------------------------------------


def _workbook(cells) -> bytes:  # noqa: ANN001
    import openpyxl

    wb = openpyxl.Workbook()
    for ref, value in cells:
        wb.active[ref] = value
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_small_workbook_with_a_cell_at_xfd1048576_is_read_in_a_moment(demo_ctx, tmp_path: Path) -> None:
    """It declares A1:XFD1048576; openpyxl's read-only iterator padded every row to that and the
    importers hung. Now the cells that exist are read, and the far cell is refused by name."""
    data = _workbook([("A1", "No."), ("B1", "Action"), ("A2", "1"), ("B2", "Do it"), ("XFD1048576", "x")])
    assert len(data) < 6 * 1024
    started = time.perf_counter()
    with pytest.raises(TabularError, match=r"column XFD of row 1,?048,?576.*1,000 columns"):
        read_table_bytes(data, "far.xlsx")
    far_down = _workbook([("A1", "No."), ("B1", "Action"), ("A1048576", "9"), ("B1048576", "Last")])
    table = read_table_bytes(far_down, "deep.xlsx")
    assert [(r.number, r.cells) for r in table.rows] == [(1048576, ("9", "Last"))]
    assert time.perf_counter() - started < 10
    (tmp_path / "far.xlsx").write_bytes(data)
    with pytest.raises(TabularError, match="XFD"):
        ActionImportService(demo_ctx).read(tmp_path / "far.xlsx")


def test_headers_written_twice_are_an_error_naming_them_and_leave_the_memory_alone(demo_ctx, tmp_path: Path) -> None:
    carm = panel_id(demo_ctx, PanelType.CARM)
    svc = ActionImportService(demo_ctx)
    _import(demo_ctx, carm, _csv(tmp_path / "plan.csv", PLAN_HEADERS, PLAN_ROWS))
    remembered = svc.remembered(carm)
    path = _csv(tmp_path / "dup.csv", ("No.", "Action", "Status", "STATUS"), [["1", "x", "Open", "Ongoing"]])
    with pytest.raises(TabularError, match="'Status' and 'STATUS'"):
        svc.read(path)
    from cspdesk.services.records_io.tabular import table_from_rows

    table = table_from_rows(("No.", "Action", "Status", "status"), [["1", "x", "Open", "Ongoing"]])
    with pytest.raises(ValidationError, match="'Status' and 'status'"):
        svc.import_actions(carm, table, svc.suggest_mapping(carm, table).mapping)
    assert svc.remembered(carm) == remembered


def test_a_long_file_with_one_bad_last_row_is_refused_in_seconds(demo_ctx, tmp_path: Path) -> None:
    carm = panel_id(demo_ctx, PanelType.CARM)
    rows = [[f"{i}", f"Action {i}", "Kent Police", "31/12/2026", "Ongoing", ""] for i in range(99_999)]
    rows.append(["x", "The last", "Kent Police", "soon", "Ongoing", ""])
    path = _csv(tmp_path / "long.csv", ("No.", "Action", "Lead agency", "Due date", "Status", "Update"), rows)
    before = _counts(demo_ctx)
    started = time.perf_counter()
    with pytest.raises(ImportRefused) as err:
        _import(demo_ctx, carm, path)
    took = time.perf_counter() - started
    assert [b.row for b in err.value.report.bad_rows] == [100_001]
    assert err.value.report.good == 99_999 and _counts(demo_ctx) == before
    assert took < 30, took  # was minutes: every row was written, then rolled back
    assert read_table(path).rows[-1].number == 100_001


def test_a_long_referral_file_with_a_bad_cell_is_refused_on_its_cells(intake, tmp_path: Path,  # noqa: F811
                                                                      monkeypatch) -> None:
    """From CELLS_FIRST_ROWS rows, an all-or-nothing referral import is refused on each row's own
    problems (its cells and the form's rules) before any row is matched against the people held
    (what made 100,000 rows take minutes)."""
    from core.test_referral_import import MIXED, snapshot, write_csv
    from cspdesk.services.records_io import referral_import

    path = write_csv(tmp_path / "mixed.csv", MIXED)
    full = referral_import.import_referrals(intake.ctx, path, intake.marac, good_rows_only=False).value
    monkeypatch.setattr(referral_import, "CELLS_FIRST_ROWS", 5)
    before = snapshot(intake.ctx)
    quick = referral_import.import_referrals(intake.ctx, path, intake.marac, good_rows_only=False).value
    assert not quick.committed and quick.imported == () and snapshot(intake.ctx) == before
    assert quick.bad_rows and set(quick.bad_rows) <= set(full.bad_rows)
    assert quick.problems == full.problems  # every row's own problems, found without matching a row
    assert "Nothing was imported" in quick.summary
    # A good-rows-only import still checks everything.
    partial = referral_import.import_referrals(intake.ctx, path, intake.marac, good_rows_only=True,
                                               dry_run=True).value
    assert partial.bad_rows == full.bad_rows
