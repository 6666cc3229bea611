"""Importing an action tracker from CSV/XLSX and exporting it: the mapping step, status words,
lead agencies, bad rows, all-or-nothing, remembered mappings, the Swale 2019/20 plan, export."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

import pytest
from actions_helpers import act_as, agency_id, panel_id
from sqlalchemy import func, select

from cspdesk.domain.enums import ActionStatus, AuditKind, PanelType
from cspdesk.services.records_io.action_import import (
    ActionField,
    ActionImportService,
    AgencyOption,
    ImportRefused,
    match_agency,
    parse_date,
    status_from_word,
    suggest_columns,
)
from cspdesk.services.actions.actions import ActionGroupBy, ActionQuery, ActionService, ActionSort
from cspdesk.services.errors import PermissionDenied, ValidationError
from cspdesk.services.records_io.tabular import read_table, table_from_rows
from cspdesk.storage.models import Action, AuditEvent

SWALE = Path(__file__).parent.parent / "data" / "swale_2019_20_plan.xlsx"
HEADERS = ("No.", "Action", "Lead agency", "Due date", "Status", "Update")


def _actions(ctx) -> int:
    with ctx.reading() as s:
        return s.scalar(select(func.count()).select_from(Action))


def _write_csv(path: Path, rows: list[list[str]], headers=HEADERS, *, encoding="utf-8", delimiter=",") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(headers)
        w.writerows(rows)
    return path


# -- the pieces ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("word", "status"), [
    ("Delivered", ActionStatus.COMPLETED), ("Complete", ActionStatus.COMPLETED), ("COMPLETED", ActionStatus.COMPLETED),
    ("Ongoing", ActionStatus.ONGOING), ("In progress", ActionStatus.ONGOING), ("in-progress", ActionStatus.ONGOING),
    ("On-hold", ActionStatus.ON_HOLD), ("On hold", ActionStatus.ON_HOLD), ("on_hold", ActionStatus.ON_HOLD),
    ("Discontinued", ActionStatus.DISCONTINUED), ("Cancelled", ActionStatus.DISCONTINUED),
    ("Not started", ActionStatus.OPEN), ("Open", ActionStatus.OPEN), ("", ActionStatus.OPEN),
    ("Banana", None),
])
def test_status_words(word: str, status: ActionStatus | None) -> None:
    assert status_from_word(word) == status


def test_header_suggestions() -> None:
    headers = ("No.", "Action", "Desired Outcome", "Key Milestones", "Timescales", "Lead agency", "Target date",
               "Status", "Update", "Something else")
    assert suggest_columns(headers) == (
        ActionField.NUMBER, ActionField.TEXT, ActionField.OUTCOME, ActionField.MILESTONES, ActionField.TIMESCALE,
        ActionField.AGENCY, ActionField.DUE_DATE, ActionField.STATUS, ActionField.UPDATE, None)
    other = suggest_columns(("Ref", "Action required", "Responsible officer", "Deadline", "Progress update",
                             "Current status", "Reason for status", "Date completed", "Case reference"))
    assert other == (ActionField.NUMBER, ActionField.TEXT, ActionField.OWNER, ActionField.DUE_DATE,
                     ActionField.UPDATE, ActionField.STATUS, ActionField.REASON, ActionField.COMPLETED_ON,
                     ActionField.CASE)


def test_dates() -> None:
    assert parse_date("31/03/2020") == date(2020, 3, 31)
    assert parse_date("2020-03-31") == date(2020, 3, 31)
    assert parse_date("31 Mar 2020") == date(2020, 3, 31)
    assert parse_date("Mar 2020") == date(2020, 3, 31)
    assert parse_date(datetime(2020, 3, 31, 0, 0)) == date(2020, 3, 31)
    assert parse_date("  ") is None
    with pytest.raises(ValueError):
        parse_date("soon")
    with pytest.raises(ValueError):
        parse_date(43921.0)


def test_agency_matching() -> None:
    agencies = (AgencyOption(1, "Kent Police", "KP"), AgencyOption(2, "Swale Borough Council", "SBC"),
                AgencyOption(3, "Probation Service", "PROB"))
    assert match_agency("Kent Police", agencies) == 1
    assert match_agency("kp", agencies) == 1
    assert match_agency("Swale CSU/Kent Police", agencies) == 1
    assert match_agency("KSS CRC/ Kent Police/NPS", agencies) == 1
    assert match_agency("SBC & Kent Police", agencies) == 2
    assert match_agency("VAWC Group", agencies) is None
    assert match_agency("Swale CSU", agencies, {"swale csu": 2}) == 2
    assert match_agency("Swale CSU/Kent Police", agencies, {"swale csu": 2}) == 2


# -- importing ----------------------------------------------------------------------------------


def _good_rows() -> list[list[str]]:
    return [
        ["1", "Refer to the One Stop Shop", "Kent Police", "31/12/2026", "Ongoing", "Referral made"],
        ["2", "Review the tenancy", "SBC", "2026-10-01", "Delivered", "Done in October"],
        ["3", "Fit a Keep Safe alarm", "Swale CSU", "", "On-hold", "Waiting for the contractor"],
        ["4", "Offer the Caring Dads programme", "Probation Service", "Mar 2027", "Not started", ""],
    ]


def test_import_a_csv_tracker(demo_ctx, tmp_path: Path) -> None:
    plan = panel_id(demo_ctx, PanelType.PARTNERSHIP)
    svc = ActionImportService(demo_ctx)
    table = svc.read(_write_csv(tmp_path / "tracker.csv", _good_rows()))
    suggestion = svc.suggest_mapping(plan, table)
    assert suggestion.mapping.columns == (ActionField.NUMBER, ActionField.TEXT, ActionField.AGENCY,
                                          ActionField.DUE_DATE, ActionField.STATUS, ActionField.UPDATE)
    assert dict(suggestion.status_words)["Delivered"] == ActionStatus.COMPLETED
    assert dict(suggestion.agency_words)["Swale CSU"] is None
    report = svc.import_actions(plan, table, suggestion.mapping).value
    assert (report.imported, report.bad_rows, report.written) == (4, (), True)
    assert report.unmatched_agencies == ("Swale CSU",)
    rows = ActionService(demo_ctx).action_rows(list(report.action_ids))
    by_number = {r.number: r for r in rows}
    assert by_number["1"].owner_agency_code == "KP" and by_number["1"].due_date == date(2026, 12, 31)
    # Delivered with no completion date: the date is unknown, not the due date nor the day of the import.
    assert by_number["2"].status == ActionStatus.COMPLETED and by_number["2"].completed_on is None
    assert by_number["3"].status == ActionStatus.ON_HOLD
    assert by_number["3"].status_reason == "Waiting for the contractor"
    assert by_number["3"].owner_agency_id is None and by_number["3"].owner_name == "Swale CSU"
    assert by_number["4"].status == ActionStatus.OPEN and by_number["4"].due_date == date(2027, 3, 31)
    log = ActionService(demo_ctx).get_action(by_number["1"].id).log
    assert log[0].text == "Referral made"
    with demo_ctx.reading() as s:
        entry = s.scalars(select(AuditEvent.details).where(AuditEvent.entity == "action_import")).one()
    assert entry["imported"] == 4 and sorted(entry["action_ids"]) == sorted(report.action_ids)


def test_bad_rows_are_reported_and_nothing_is_half_imported(demo_ctx, tmp_path: Path) -> None:
    plan = panel_id(demo_ctx, PanelType.PARTNERSHIP)
    svc = ActionImportService(demo_ctx)
    rows = _good_rows() + [
        ["5", "", "Kent Police", "", "Ongoing", ""],  # row 6: no action
        ["6", "Chase the GP", "Kent Police", "next week", "Ongoing", ""],  # row 7: not a date
        ["7", "Check the CCTV", "Kent Police", "", "Parked", ""],  # row 8: unknown status
        ["8", "Stop the patrols", "Kent Police", "", "Discontinued", ""],  # row 9: no reason, imports
    ]
    table = svc.read(_write_csv(tmp_path / "t.csv", rows))
    mapping = svc.suggest_mapping(plan, table).mapping
    before = _actions(demo_ctx)
    with pytest.raises(ImportRefused) as err:
        svc.import_actions(plan, table, mapping)
    bad = err.value.report.bad_rows
    assert [(b.row, b.field) for b in bad] == [(6, "text"), (7, "due_date"), (8, "status")]
    assert "Row 7" in str(bad[1]) and "next week" in bad[1].reason
    assert "Nothing was imported" in str(err.value)
    assert _actions(demo_ctx) == before

    dry = svc.check(plan, table, mapping)
    assert (dry.good, dry.imported, dry.written, len(dry.bad_rows)) == (5, 0, False, 3)
    assert _actions(demo_ctx) == before

    report = svc.import_actions(plan, table, mapping, good_rows_only=True).value
    assert report.imported == 5 and len(report.bad_rows) == 3
    assert _actions(demo_ctx) == before + 5
    stopped = [r for r in ActionService(demo_ctx).action_rows(list(report.action_ids)) if r.number == "8"]
    assert stopped[0].status == ActionStatus.DISCONTINUED
    assert stopped[0].status_reason == "not given in the imported plan"


def test_a_cell_over_its_limit_is_a_bad_row_never_cut(demo_ctx, tmp_path: Path) -> None:
    """A number over 20 characters and a timescale over 200 were cut to fit, in silence."""
    plan = panel_id(demo_ctx, PanelType.PARTNERSHIP)
    svc = ActionImportService(demo_ctx)
    headers = (*HEADERS, "Timescales")
    rows = [
        ["1" * 21, "Chase the GP", "Kent Police", "", "Ongoing", "", ""],  # row 2: number too long
        ["2", "Check the CCTV", "Kent Police", "", "Ongoing", "", "T" * 201],  # row 3: timescale too long
        ["3", "Visit the school", "Kent Police", "", "Ongoing", "", "T" * 200],  # row 4: at the limit, imports
    ]
    table = svc.read(_write_csv(tmp_path / "t.csv", rows, headers))
    mapping = svc.suggest_mapping(plan, table).mapping
    dry = svc.check(plan, table, mapping)
    assert [(b.row, b.field) for b in dry.bad_rows] == [(2, "number"), (3, "timescale")]
    assert "20 characters" in dry.bad_rows[0].reason and "200 characters" in dry.bad_rows[1].reason
    assert dry.good == 1


def test_the_mapping_is_remembered_per_panel(demo_ctx, tmp_path: Path) -> None:
    plan = panel_id(demo_ctx, PanelType.PARTNERSHIP)
    svc = ActionImportService(demo_ctx)
    headers = ("Ref", "Narrative", "Who leads", "RAG comments", "Progress")
    rows = [["A1", "Map the services", "Swale CSU", "Quarterly report", "Parked"]]
    table = svc.read(_write_csv(tmp_path / "odd.csv", rows, headers))
    suggestion = svc.suggest_mapping(plan, table)
    assert not suggestion.remembered
    assert suggestion.mapping.columns[1] is None  # "Narrative" is not a header CSPDesk knows
    mapping = (suggestion.mapping.with_column(1, ActionField.TEXT).with_column(2, ActionField.AGENCY)
               .with_column(4, ActionField.STATUS))
    from dataclasses import replace

    mapping = replace(mapping, statuses={"parked": ActionStatus.ON_HOLD},
                      agencies={"swale csu": agency_id(demo_ctx, "SBC")})
    svc.import_actions(plan, table, mapping)
    again = svc.suggest_mapping(plan, table)
    assert again.remembered
    assert again.mapping.columns == mapping.columns
    assert dict(again.status_words)["Parked"] == ActionStatus.ON_HOLD
    assert dict(again.agency_words)["Swale CSU"] == agency_id(demo_ctx, "SBC")
    # Another panel does not inherit it.
    other = svc.suggest_mapping(panel_id(demo_ctx, PanelType.MARAC), table)
    assert not other.remembered


def test_csv_from_excel_on_windows(demo_ctx, tmp_path: Path) -> None:
    """cp1252, semicolons, a title row above the header."""
    path = tmp_path / "excel.csv"
    with path.open("w", encoding="cp1252", newline="") as fh:
        fh.write("Safer Maidstone – action tracker;;;;;\r\n")
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADERS)
        w.writerow(["1", "Café outreach – weekly", "Kent Police", "01/12/2026", "Ongoing", "£200 grant agreed"])
    table = read_table(path)
    assert table.header_row == 2 and table.headers == HEADERS
    assert table.rows[0].number == 3 and table.rows[0].cells[1] == "Café outreach – weekly"


def test_officers_may_not_import(demo_ctx, tmp_path: Path) -> None:
    marac = panel_id(demo_ctx, PanelType.MARAC)
    table = read_table(_write_csv(tmp_path / "t.csv", _good_rows()))
    act_as(demo_ctx, "officer.idva")
    svc = ActionImportService(demo_ctx)
    mapping = svc.suggest_mapping(marac, table).mapping
    with pytest.raises(PermissionDenied):
        svc.import_actions(marac, table, mapping)


def test_the_mapping_must_name_the_action_column(demo_ctx) -> None:
    plan = panel_id(demo_ctx, PanelType.PARTNERSHIP)
    table = table_from_rows(("A", "B"), [["x", "y"]])
    svc = ActionImportService(demo_ctx)
    mapping = svc.suggest_mapping(plan, table).mapping
    with pytest.raises(ValidationError) as err:
        svc.import_actions(plan, table, mapping)
    assert err.value.field == "mapping"


# -- the Swale 2019/20 plan ---------------------------------------------------------------------


def test_the_swale_plan_spreadsheet_imports_with_its_agencies_milestones_and_timescales(demo_ctx) -> None:
    # Into a panel with no plan yet (the demo's CSP Executive Group holds this plan already).
    plan = panel_id(demo_ctx, PanelType.CARM)
    svc = ActionImportService(demo_ctx)
    table = svc.read(SWALE)
    assert table.header_row == 3  # a title row and a blank row above it, as a partnership keeps it
    suggestion = svc.suggest_mapping(plan, table)
    assert None not in suggestion.mapping.columns
    words = dict(suggestion.status_words)
    # "On hold" and "On-hold" are one word to the mapping step (both are in the sheet).
    assert {"Delivered", "Complete", "Completed", "Ongoing", "In progress", "On-hold", "Discontinued",
            "Not started", "Open"} <= set(words)
    assert None not in words.values()
    from dataclasses import replace

    sbc = agency_id(demo_ctx, "SBC")
    agencies = dict(suggestion.mapping.agencies)
    agencies["swale csu"] = sbc  # the person says: the CSU is the council's
    mapping = replace(suggestion.mapping, agencies=agencies)
    report = svc.import_actions(plan, table, mapping).value
    assert report.bad_rows == () and report.imported == 33 and report.heading_rows == 6

    actions = ActionService(demo_ctx)
    ids = actions.action_ids(ActionQuery(panel_id=plan, panel_level_only=True, group_by=ActionGroupBy.HEADING,
                                         sort=ActionSort.NUMBER))
    rows = [r for r in actions.action_rows(ids) if r.id in set(report.action_ids)]
    numbers = [r.number for r in rows]
    assert numbers[0] == "1.1" and numbers[-1] == "7.4" and len(numbers) == 33
    assert numbers.index("4.10") == numbers.index("4.9") + 1  # natural order within the priority
    headings = list(dict.fromkeys(r.heading for r in rows))
    assert headings == ["Priority 1: Domestic Abuse", "Priority 2: Crime", "Priority 3: ASB",
                        "Priority 4: Supporting Vulnerable People", "Cross Cutting Theme 1: Reducing Reoffending",
                        "Cross Cutting Theme 2: Communication and Information Sharing"]
    by_number = {r.number: r for r in rows}
    first = by_number["1.1"]
    assert first.heading == "Priority 1: Domestic Abuse"
    assert first.milestones.splitlines()[0] == "Mapping exercise reviewed on quarterly basis."
    assert len(first.milestones.splitlines()) == 7
    assert first.timescale.splitlines() == ["Quarterly", "Quarterly", "As required", "As required", "As required",
                                            "By Mar 20", "Ongoing"]
    assert first.outcome.startswith("Strategic oversight of VAWG issues")
    assert first.owner_name == "VAWC Group" and first.owner_agency_id is None
    assert by_number["3.1"].owner_agency_id == sbc  # "Swale CSU", as mapped
    # "Swale CSU/Kent Police": suggested as Kent Police (the part that names an agency), and left so.
    assert by_number["2.3"].owner_agency_code == "KP" and by_number["2.3"].owner_name == "Swale CSU/Kent Police"
    assert by_number["6.1"].owner_agency_code == "KP"  # "KSS CRC/ Kent Police/NPS"
    assert by_number["6.1"].owner_name == "KSS CRC/ Kent Police/NPS"
    # "Delivered" with no date: completed on a day the plan does not say (not the day of the import).
    assert by_number["1.2"].status == ActionStatus.COMPLETED and by_number["1.2"].completed_on is None
    assert by_number["1.5"].status == ActionStatus.ON_HOLD and by_number["1.5"].status_reason
    assert by_number["4.10"].text.startswith("Support the delivery of the Amelix")
    grouped = [r.group_label(ActionGroupBy.HEADING) for r in rows]
    assert [h for i, h in enumerate(grouped) if i == 0 or grouped[i - 1] != h] == headings  # each heading once
    # Remembered: the next import of the same sheet maps by itself, the CSU included.
    again = svc.suggest_mapping(plan, table)
    assert again.remembered and dict(again.agency_words)["Swale CSU"] == sbc


# -- export -------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_round_trips_through_import(demo_ctx, tmp_path: Path, suffix: str) -> None:
    plan = panel_id(demo_ctx, PanelType.PARTNERSHIP)
    imp = ActionImportService(demo_ctx)
    query = ActionQuery(panel_id=plan, group_by=ActionGroupBy.HEADING, sort=ActionSort.NUMBER)
    before = ActionService(demo_ctx).action_rows(ActionService(demo_ctx).action_ids(query))
    out = tmp_path / f"plan{suffix}"
    exports = _audit(demo_ctx, AuditKind.EXPORT)
    assert imp.export(query, out).value == len(before) > 20
    assert _audit(demo_ctx, AuditKind.EXPORT) == exports + 1
    table = imp.read(out)
    assert len(table.rows) == len(before)
    # Into an empty copy of the panel: the same actions come back.
    marac = panel_id(demo_ctx, PanelType.MARAC)
    suggestion = imp.suggest_mapping(marac, table)
    mapping = suggestion.mapping.with_column(table.headers.index("Case reference"), None)
    report = imp.import_actions(marac, table, mapping).value
    assert report.bad_rows == () and report.imported == len(before)
    after = ActionService(demo_ctx).action_rows(list(report.action_ids))
    key = lambda r: (r.number, r.text, r.heading, r.owner_agency_id, r.due_date, r.status, r.status_reason,  # noqa: E731
                     r.completed_on, r.milestones, r.timescale, r.outcome)
    assert sorted(map(key, after), key=repr) == sorted(map(key, before), key=repr)


def _audit(ctx, kind: AuditKind) -> int:
    with ctx.reading() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == kind))


def test_export_quotes_formula_like_cells(demo_ctx, tmp_path: Path) -> None:
    from cspdesk.services.actions.actions import NewAction

    plan = panel_id(demo_ctx, PanelType.PARTNERSHIP)
    ActionService(demo_ctx).add_action(NewAction(panel_id=plan, text="=HYPERLINK(\"http://x\")", number="99.1"))
    out = tmp_path / "x.csv"
    ActionImportService(demo_ctx).export(ActionQuery(panel_id=plan), out)
    assert "'=HYPERLINK" in out.read_text(encoding="utf-8-sig")


# -- the command line ---------------------------------------------------------------------------


def test_the_command_line_imports_and_exports(demo_ctx, tmp_path: Path, capsys, monkeypatch) -> None:
    from cspdesk import cli

    monkeypatch.setattr(cli, "_open", lambda args: demo_ctx)
    common = ["--db", "x.db", "--user", "coord"]
    bad = _write_csv(tmp_path / "bad.csv", [["1", "Do it", "Kent Police", "", "Parked", ""],
                                            ["2", "", "Kent Police", "", "Open", ""],
                                            ["3", "Fine", "Kent Police", "", "Ongoing", ""]])
    before = _actions(demo_ctx)
    assert cli.run(cli.build_parser().parse_args(
        ["import", "actions", str(bad), "--panel", "CSP Executive Group", *common])) == 2
    err = capsys.readouterr().err
    assert "Row 2: the status 'Parked'" in err and "Row 3: the action is empty" in err
    assert _actions(demo_ctx) == before
    assert cli.run(cli.build_parser().parse_args(
        ["import", "actions", str(bad), "--panel", "CSP Executive Group", "--good-rows-only", *common])) == 0
    assert "imported 1 new action(s), 0 updated, 0 unchanged; 2 bad row(s)" in capsys.readouterr().out
    assert _actions(demo_ctx) == before + 1

    assert cli.run(cli.build_parser().parse_args(
        ["import", "actions", str(SWALE), "--panel", "CSP Executive Group", "--dry-run",
         "--agency", "Swale CSU=SBC", "--map", "Target date=none", *common])) == 0
    out = capsys.readouterr().out
    # The demo's CSP Executive Group holds the Swale plan already: the dry run says what would change.
    assert "would import 0 new action(s), " in out and "; 0 bad row(s); 6 heading row(s)" in out
    assert "Target date" in out and "(ignored)" in out
    assert _actions(demo_ctx) == before + 1

    out_file = tmp_path / "tracker.xlsx"
    assert cli.run(cli.build_parser().parse_args(
        ["export", "actions", "--panel", "Swale MARAC", "--agency", "IDVA", "--open-only", "--out", str(out_file),
         *common])) == 0
    table = read_table(out_file)
    assert table.rows and all(r.cells[table.headers.index("Lead agency")] == "Choices IDVA Service"
                              for r in table.rows)
    assert all(r.cells[table.headers.index("Status")] in ("Open", "Ongoing", "On hold") for r in table.rows)
