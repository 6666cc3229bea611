"""Property tests and a fuzz run over the action importer: whatever the file or the cells, reading
gives a table or a ValidationError naming the file; importing gives a report or a ServiceError;
never another exception, and a refused import writes nothing (the same count of actions, updates
and audit entries).

Every example shares one demo database (the demo_ctx fixture); state each example needs comes
from the example itself. Example counts are modest: each import is a real encrypted transaction.
"""

from __future__ import annotations

import io
import random
import uuid
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from actions_helpers import panel_id
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cspdesk.domain.enums import ActionStatus, PanelType
from cspdesk.services.records_io.action_import import (
    ActionField,
    ActionImportService,
    ImportMapping,
    ImportRefused,
    parse_date,
    status_from_word,
    suggest_columns,
)
from cspdesk.services.actions.actions import ActionQuery, ActionService, NewAction
from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk.services.records_io.tabular import read_table, read_table_bytes, table_from_rows
from cspdesk.storage.models import Action, ActionUpdate, AuditEvent

DEMO_TODAY = date(2026, 11, 2)  # conftest's
FEW = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SOME = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

SWALE = Path(__file__).parent.parent / "data" / "swale_2019_20_plan.xlsx"

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
words = st.sampled_from(["Delivered", "Complete", "Ongoing", "On-hold", "on hold", "Discontinued", "Not started",
                         "Open", "", "Parked", "DONE", "in progress", "?"])
dates = st.one_of(st.none(), st.dates(date(1990, 1, 1), date(2035, 12, 31)),
                  st.dates(date(1990, 1, 1), date(2035, 12, 31)).map(lambda d: d.strftime("%d/%m/%Y")),
                  st.sampled_from(["Mar 2020", "soon", "31/02/2020", "2020-13-01", "", "  "]))
cells = st.one_of(st.none(), text, st.integers(-10**6, 10**6), st.floats(allow_nan=True), st.booleans(),
                  st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1)))
header_pool = ["No.", "Action", "Lead agency", "Due date", "Status", "Update", "Reason", "Date completed",
               "Owner", "Priority", "Timescales", "Key Milestones", "Desired Outcome", "Case reference", "Strand",
               "Notes", "Zzz"]


def _counts(ctx) -> tuple[int, int, int]:
    with ctx.reading() as s:
        return (s.scalar(select(func.count()).select_from(Action)),
                s.scalar(select(func.count()).select_from(ActionUpdate)),
                s.scalar(select(func.count()).select_from(AuditEvent)))


# -- the pieces never raise anything unexpected ---------------------------------------------------


@SOME
@given(word=text)
def test_status_words_are_total(word: str) -> None:
    assert status_from_word(word) in (*ActionStatus, None)


@SOME
@given(cell=cells)
def test_dates_parse_or_say_why(cell) -> None:  # noqa: ANN001
    try:
        result = parse_date(cell)
    except ValueError:
        return
    assert result is None or isinstance(result, date)


@SOME
@given(headers=st.lists(st.one_of(text, st.sampled_from(header_pool)), max_size=20))
def test_each_field_is_suggested_for_one_column_at_most(headers: list[str]) -> None:
    chosen = [c for c in suggest_columns(headers) if c is not None]
    assert len(chosen) == len(set(chosen))
    assert len(suggest_columns(headers)) == len(headers)


# -- importing arbitrary sheets -------------------------------------------------------------------


row_strategy = st.fixed_dictionaries({
    "No.": st.one_of(st.none(), st.from_regex(r"[0-9]{1,2}\.[0-9]{1,2}", fullmatch=True), text),
    "Action": st.one_of(st.just(""), text, st.just("Do the thing")),
    "Lead agency": st.one_of(st.none(), st.sampled_from(["Kent Police", "KP", "SBC", "Swale CSU/Kent Police",
                                                         "Nobody"]), text),
    "Due date": dates,
    "Status": words,
    "Update": st.one_of(st.none(), text),
    "Date completed": dates,
})


@FEW
@given(rows=st.lists(row_strategy, max_size=12), good_rows_only=st.booleans(), dry_run=st.booleans())
def test_an_import_writes_every_good_row_or_nothing(demo_ctx, rows, good_rows_only, dry_run) -> None:  # noqa: ANN001
    plan = panel_id(demo_ctx, PanelType.PARTNERSHIP)
    headers = ["No.", "Action", "Lead agency", "Due date", "Status", "Update", "Date completed"]
    table = table_from_rows(headers, [[r[h] for h in headers] for r in rows])
    svc = ActionImportService(demo_ctx)
    mapping = ImportMapping(tuple(suggest_columns(headers)))
    before = _counts(demo_ctx)
    try:
        report = svc.import_actions(plan, table, mapping, good_rows_only=good_rows_only, dry_run=dry_run,
                                    remember=False).value
    except ImportRefused as exc:
        assert exc.report.bad_rows and not good_rows_only and not dry_run
        assert _counts(demo_ctx) == before
        return
    after = _counts(demo_ctx)
    if not report.written:
        assert after == before and report.imported == 0
        return
    # New rows are new actions; rows matching actions already there (an earlier example's) update them.
    assert after[0] == before[0] + report.imported and report.imported == report.new
    assert len(report.action_ids) == len(set(report.action_ids)) == report.good
    assert after[2] == before[2] + 1  # one audit entry for the import
    # Every non-blank row is either imported, a heading or reported bad.
    assert report.good + len(report.bad_rows) + report.heading_rows + report.blank_rows == len(rows)
    for row in ActionService(demo_ctx).action_rows(list(report.action_ids)):
        assert row.text.strip()
        if row.status == ActionStatus.COMPLETED:  # a date the sheet gave, or unknown: never invented
            assert row.completed_on is None or row.completed_on <= DEMO_TODAY
        if row.status in (ActionStatus.ON_HOLD, ActionStatus.DISCONTINUED):
            assert row.status_reason.strip()


plan_rows = st.lists(st.tuples(
    st.from_regex(r"[1-9]\.[0-9]{1,2}", fullmatch=True),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(str.strip),
    st.sampled_from(list(ActionStatus)),
    st.one_of(st.none(), st.dates(date(2019, 1, 1), date(2026, 10, 1))),
    st.sampled_from(["KP", "SBC", "PROB"]),
), min_size=1, max_size=8)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=plan_rows, suffix=st.sampled_from([".csv", ".xlsx"]))
def test_export_then_import_gives_the_same_actions(demo_ctx, tmp_path_factory, rows, suffix) -> None:  # noqa: ANN001
    from actions_helpers import agency_id

    carm = panel_id(demo_ctx, PanelType.CARM)
    marac = panel_id(demo_ctx, PanelType.MARAC)
    actions = ActionService(demo_ctx)
    made = []
    heading = f"Heading {uuid.uuid4().hex}"  # this example's own actions
    for number, body, status, due, code in rows:
        new = NewAction(panel_id=carm, text=body, number=number, heading=heading, due_date=due, status=status,
                        owner_agency_id=agency_id(demo_ctx, code),
                        status_reason="A reason" if status in (ActionStatus.ON_HOLD, ActionStatus.DISCONTINUED)
                        else "",
                        completed_on=date(2026, 10, 2) if status == ActionStatus.COMPLETED else None)
        made.append(actions.add_action(new).value.id)
    before = actions.action_rows(made)
    out = tmp_path_factory.mktemp("export") / f"out{suffix}"
    svc = ActionImportService(demo_ctx)
    query = ActionQuery(panel_id=carm, panel_level_only=True)
    svc.export(query, out)
    table = svc.read(out)
    mapping = svc.suggest_mapping(marac, table).mapping
    mapping = mapping.with_column(table.headers.index("Case reference"), None)
    wanted = [r for r in table.rows if r.cells[table.headers.index("Priority")] == heading]
    report = svc.import_actions(marac, table.__class__(table.source, table.sheet, table.header_row, table.headers,
                                                       tuple(wanted)), mapping, remember=False).value
    after = actions.action_rows(list(report.action_ids))

    def key(r):  # noqa: ANN001, ANN202
        return (r.number, r.text.strip(), r.status, r.due_date, r.owner_agency_id, r.status_reason, r.completed_on)

    assert sorted(map(key, after), key=repr) == sorted(map(key, before), key=repr)


# -- fuzzing the reader -----------------------------------------------------------------------------


def _read_or_refuse(data: bytes, name: str):  # noqa: ANN202
    try:
        return read_table_bytes(data, name)
    except ValidationError as exc:
        assert exc.field == "file" and name in str(exc)
        return None


@SOME
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".csv", ".xlsx", ".txt"]))
def test_random_bytes_never_crash_the_reader(data: bytes, suffix: str) -> None:
    _read_or_refuse(data, f"fuzz{suffix}")


def _mutations(seed: int, original: bytes, n: int) -> list[bytes]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        data = bytearray(original)
        kind = rng.randrange(4)
        if kind == 0:  # flip bytes anywhere
            for _ in range(rng.randint(1, 20)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        elif kind == 1:  # cut it short
            data = data[: rng.randrange(len(data))]
        elif kind == 2:  # a valid zip whose parts are garbage or truncated XML
            src = zipfile.ZipFile(io.BytesIO(original))
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w") as dst:
                for info in src.infolist():
                    body = src.read(info.filename)
                    if info.filename.endswith(".xml") and rng.random() < 0.5:
                        body = body[: rng.randrange(len(body) + 1)] + bytes(rng.randrange(256)
                                                                            for _ in range(rng.randrange(50)))
                    dst.writestr(info.filename, body)
            data = bytearray(buf.getvalue())
        else:  # a part left out
            src = zipfile.ZipFile(io.BytesIO(original))
            drop = rng.choice(src.namelist())
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w") as dst:
                for info in src.infolist():
                    if info.filename != drop:
                        dst.writestr(info.filename, src.read(info.filename))
            data = bytearray(buf.getvalue())
        out.append(bytes(data))
    return out


def test_broken_workbooks_are_refused_or_read_and_never_half_imported(demo_ctx) -> None:
    """A fuzz run over the Swale workbook: bytes flipped, cut short, XML parts garbled or left out.
    Each either fails to read with a message naming the file, or reads and imports (or is refused)
    without any other exception; a refused import leaves the counts as they were."""
    original = SWALE.read_bytes()
    plan = panel_id(demo_ctx, PanelType.PARTNERSHIP)
    svc = ActionImportService(demo_ctx)
    read = refused = imported = 0
    for data in _mutations(2026, original, 150):
        table = _read_or_refuse(data, "broken.xlsx")
        if table is None:
            refused += 1
            continue
        read += 1
        before = _counts(demo_ctx)
        try:
            mapping = svc.suggest_mapping(plan, table).mapping
            report = svc.import_actions(plan, table, mapping, remember=False).value
        except ServiceError:
            assert _counts(demo_ctx) == before
            continue
        if report.written:
            imported += 1
            assert _counts(demo_ctx)[0] == before[0] + report.imported
        else:
            assert _counts(demo_ctx) == before
    assert refused > 0 and read > 0  # the run exercised both paths


def test_a_zip_bomb_is_refused(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (400 * 1024 * 1024))
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(buf.getvalue())
    with pytest.raises(ValidationError, match="too large"):
        read_table(path)


@FEW
@given(grid=st.lists(st.lists(cells, max_size=8), max_size=15))
def test_random_cells_in_a_real_workbook(demo_ctx, tmp_path_factory, grid) -> None:  # noqa: ANN001
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["No.", "Action", "Status", "Due date", "Lead agency"])
    for row in grid:
        clean = []
        for c in row:
            if isinstance(c, str):  # characters a workbook cannot hold
                c = "".join(ch for ch in c if ch >= " " or ch in "\t\n")
            if isinstance(c, float) and (c != c or c in (float("inf"), float("-inf"))):
                c = None
            clean.append(c)
        ws.append(clean)
    path = tmp_path_factory.mktemp("grid") / "grid.xlsx"
    wb.save(path)
    table = read_table(path)
    plan = panel_id(demo_ctx, PanelType.PARTNERSHIP)
    svc = ActionImportService(demo_ctx)
    before = _counts(demo_ctx)
    mapping = svc.suggest_mapping(plan, table).mapping
    assert mapping.columns[:2] == (ActionField.NUMBER, ActionField.TEXT)
    try:
        svc.import_actions(plan, table, mapping, remember=False)
    except ImportRefused:
        assert _counts(demo_ctx) == before
