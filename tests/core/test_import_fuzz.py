"""Fuzzing both importers (issue 17, "Bad files"): generated CSV and XLSX files — encodings, BOMs,
NULs, huge cells, formulas, truncated zips, odd dimensions, duplicate and missing headers — go
through the action-plan import and the referral import, each file with a time limit.

What must hold for every file:
- no hang: each file has :data:`PER_FILE_SECONDS` (a timer interrupts it; faulthandler ends the
  run outright if even that cannot);
- no traceback: anything raised is a ServiceError subclass (a message for the person);
- no half-written import: when a file is refused (or only checked), every table has the rows it had.

CI runs :data:`SHORT_RUN` files. The long run: ``CSPDESK_FUZZ_FILES=100000`` (and optionally
``CSPDESK_FUZZ_SEED``, ``CSPDESK_FUZZ_MINUTES`` to stop after so long, ``CSPDESK_FUZZ_OUT`` for a
folder to keep the files that failed). Every file
is made from its own number, so a failure names the number that makes it again:
``python -m pytest tests/core/test_import_fuzz.py`` with ``CSPDESK_FUZZ_ONLY=<number>``.
"""

from __future__ import annotations

import codecs
import csv
import faulthandler
import io
import os
import random
import signal
import sys
import time
import zipfile
from collections import Counter
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from actions_helpers import panel_id
from sqlalchemy import func, select, text

from cspdesk.domain.enums import PanelType
from cspdesk.services.records_io.action_import import ActionField, ActionImportService
from cspdesk.services.errors import ServiceError
from cspdesk.services.records_io.referral_import import import_referrals
from cspdesk.storage.models import Base

SHORT_RUN = 300
PER_FILE_SECONDS = float(os.environ.get("CSPDESK_FUZZ_SECONDS", "20"))

ACTION_HEADERS = ["No.", "Action", "Desired Outcome", "Key Milestones", "Timescales", "Lead agency", "Owner",
                  "Due date", "Target date", "Status", "Reason", "Date completed", "Update", "Group", "Priority",
                  "Theme", "Strand", "4P strand", "Case reference", "Latest update", "RAG"]
REFERRAL_HEADERS = ["referral_date", "referring_agency", "referrer_name", "reason", "summary", "given_name",
                    "family_name", "date_of_birth", "gender", "postcode", "phone", "safe_to_call", "q1", "q2", "q14",
                    "q24", "dash_score", "risk_level", "child1_name", "child1_date_of_birth", "perpetrator_given_name",
                    "Date of referral", "Victim name", "Victim DOB", "Referring agency", "DASH score", "person_id"]
WORDS = ["Ongoing", "Delivered", "On hold", "Discontinued", "Complete", "Not started", "Kent Police", "KP", "SBC",
         "Swale CSU/Kent Police", "By Mar 20", "Q3 2019/20", "2019-2022", "Ongoing", "31/03/2020", "2026-01-31",
         "31/02/2020", "Y", "N", "DK", "14", "Smith", "Ann", "Zoë", "Łukasz", "محمد", "张伟", "ME14 1AA", "yes"]
FORMULAS = ["=1+1", "=cmd|' /C calc'!A0", "+SUM(A1:A9)", "-2+3", "@SUM(1)", "=HYPERLINK(\"http://x\",\"y\")",
            "'=quoted", "=A1/0"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252", "latin-1"]
BOMS = [codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, b""]


class FuzzTimeout(BaseException):
    """A file ran past its time (BaseException: no ``except Exception`` in the code under test stops it)."""


# -- the generator ------------------------------------------------------------------------------------


def _cell(rng: random.Random) -> object:
    pick = rng.random()
    if pick < 0.35:
        return rng.choice(WORDS)
    if pick < 0.45:
        return rng.choice(FORMULAS)
    if pick < 0.55:
        return None
    if pick < 0.62:
        return rng.randint(-10**6, 10**7)
    if pick < 0.66:
        return rng.choice([0.5, 1e300, -0.0, 43921.0, 2958466.0, float("nan"), float("inf")])
    if pick < 0.70:
        return rng.choice([date(2020, 3, 31), datetime(1900, 1, 1), date(9999, 12, 31), True, False])
    if pick < 0.74:  # huge: over Excel's cell limit, over csv's field limit
        return rng.choice("ab\n ,\"") * rng.choice([5_000, 40_000, 140_000])
    if pick < 0.80:
        return "".join(chr(rng.choice([0, 1, 7, 9, 10, 13, 0xfeff, 0x202e, 0xd7ff, 0xfffe, 0x10ffff,
                                        rng.randint(32, 0x2fff)])) for _ in range(rng.randint(1, 12)))
    return "".join(rng.choice("abcdefghij klmnop,;|\t\"'") for _ in range(rng.randint(0, 30)))


def _headers(rng: random.Random) -> list[object]:
    pool = ACTION_HEADERS + REFERRAL_HEADERS
    headers: list[object] = rng.sample(pool, rng.randint(1, 9))
    pick = rng.random()
    if pick < 0.15:  # written twice, maybe in other case
        h = str(rng.choice(headers))
        headers.insert(rng.randrange(len(headers) + 1), rng.choice([h, h.upper(), h.lower(), f" {h} "]))
    elif pick < 0.25:  # missing: blank headers
        for i in range(len(headers)):
            if rng.random() < 0.5:
                headers[i] = rng.choice(["", None, " "])
    elif pick < 0.30:
        headers = [_cell(rng) for _ in range(rng.randint(1, 6))]
    return headers


#: Files that mostly make sense, so some import: (header, a plausible cell for it).
PLAUSIBLE = {
    "actions": [("No.", lambda r: f"{r.randint(1, 4)}.{r.randint(1, 9)}"),
                ("Action", lambda r: r.choice(["Map services", "Run the hub", "", "Target hotspots"])),
                ("Status", lambda r: r.choice(["Ongoing", "Delivered", "On hold", "Discontinued", "Parked", ""])),
                ("Timescales", lambda r: r.choice(["By Mar 20", "Q3 2019/20", "Ongoing", "2019-2022", ""])),
                ("Lead agency", lambda r: r.choice(["Kent Police", "KSS CRC/ Kent Police/NPS", "SBC", ""])),
                ("Update", lambda r: r.choice(["", "On track", "Paused"]))],
}


def _mostly(rng: random.Random, good: list[str], bad: list[str]) -> str:
    return rng.choice(good if rng.random() < 0.9 else bad)


def _template_rows() -> list[list[str]]:
    """The MARAC template's header and its example row (a referral that imports)."""
    from cspdesk.services.records_io.referral_import import TEMPLATE_DIR

    text = (TEMPLATE_DIR / "referrals-marac.csv").read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(text)))[:2]


def _grid(rng: random.Random) -> list[list[object]]:
    if rng.random() < 0.15:  # the template's referral, several times, some cells changed
        header, example = _template_rows()
        rows = [list(header)]
        for _ in range(rng.randint(1, 5)):
            row: list[object] = list(example)
            row[header.index("family_name")] = rng.choice(["Smith", "Ng", "Łukasz", "محمد", "O'Neil"])
            row[header.index("referral_date")] = _mostly(rng, ["01/10/2026", "2026-09-30"], ["31/02/2026", "soon"])
            for i in range(len(row)):
                if rng.random() < 0.01:
                    row[i] = _cell(rng)
            rows.append(row)
        return rows
    if rng.random() < 0.2:
        columns = PLAUSIBLE[rng.choice(sorted(PLAUSIBLE))]
        rows: list[list[object]] = [[h for h, _ in columns]]
        for _ in range(rng.randint(1, 6)):
            rows.append([make(rng) if rng.random() > 0.02 else _cell(rng) for _, make in columns])
        return rows
    headers = _headers(rng)
    rows = [headers]
    if rng.random() < 0.1:
        rows.insert(0, ["Action plan tracker 2019/20"])  # a title row above the header
    for _ in range(rng.randint(0, 8)):
        width = max(1, len(headers) + rng.choice([-2, -1, 0, 0, 0, 1, 3]))
        rows.append([_cell(rng) for _ in range(width)])
    if rng.random() < 0.1:
        rows.append([])
    return rows


def _csv_bytes(rng: random.Random, grid: list[list[object]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=rng.choice([",", ",", ";", "\t", "|"]),
                        quoting=rng.choice([csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]))
    for row in grid:
        writer.writerow(["" if v is None else v for v in row])
    text = buf.getvalue()
    if rng.random() < 0.1:
        text = text.replace("\r\n", rng.choice(["\n", "\r", "\u2028"]))
    encoding = rng.choice(ENCODINGS)
    data = text.encode(encoding, errors="replace" if encoding in ("cp1252", "latin-1") else "surrogatepass")
    if rng.random() < 0.1:
        data = rng.choice(BOMS) + data  # a BOM that may not be the file's
    return _mutate(rng, data)


def _mutate(rng: random.Random, data: bytes) -> bytes:
    pick = rng.random()
    out = bytearray(data)
    if pick < 0.08 and out:
        for _ in range(rng.randint(1, 10)):
            out[rng.randrange(len(out))] = rng.randrange(256)
    elif pick < 0.14 and out:
        out = out[: rng.randrange(len(out))]
    elif pick < 0.18:
        out[rng.randrange(len(out) + 1):0] = b"\x00" * rng.randint(1, 5)
    return bytes(out)


def _xlsx_bytes(rng: random.Random, grid: list[list[object]]) -> bytes:
    import openpyxl
    from openpyxl.utils.exceptions import IllegalCharacterError

    wb = openpyxl.Workbook()
    ws = wb.active
    if rng.random() < 0.1:
        ws.title = "Cover"
        ws = wb.create_sheet("Plan")
    for r, row in enumerate(grid, start=1):
        for c, value in enumerate(row, start=1):
            if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
                value = None
            if isinstance(value, str) and len(value) > 32_767:
                value = value[:32_767]
            try:
                ws.cell(r, c, value)
            except (IllegalCharacterError, ValueError):
                ws.cell(r, c, "?")
    if rng.random() < 0.25:  # odd dimensions: a cell far right, far down, or both
        ref = rng.choice(["XFD1", "A1048576", "XFD1048576", "ALM2", "ALL2", f"B{rng.randint(100, 300_000)}"])
        ws[ref] = rng.choice(["x", "Delivered", 1])
    buf = io.BytesIO()
    wb.save(buf)
    data = buf.getvalue()
    pick = rng.random()
    if pick < 0.25:
        data = _rewrite_parts(rng, data)
    elif pick < 0.35:  # a truncated zip
        data = data[: rng.randrange(len(data))]
    else:
        data = _mutate(rng, data)
    return data


def _rewrite_parts(rng: random.Random, data: bytes) -> bytes:
    """The same workbook with its XML edited: declared dimensions, row and cell numbers that lie,
    parts cut short or left out."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                text = body.decode("utf-8")
                pick = rng.random()
                if pick < 0.3:
                    text = text.replace('<dimension ref="', '<dimension ref="A1:XFD1048576" x="', 1)
                elif pick < 0.5:
                    text = text.replace('r="2"', f'r="{rng.choice(["0", "-1", "99999999999", "1048577", "2"])}"')
                elif pick < 0.65:
                    text = text.replace('r="A2"', f'r="{rng.choice(["ZZZZ2", "A0", "XFE2", "2A", ""])}"')
                elif pick < 0.8:
                    text = text[: rng.randrange(len(text))]
                body = text.encode("utf-8")
            elif rng.random() < 0.05:
                continue  # a part left out
            dst.writestr(info.filename, body)
    return buf.getvalue()


def make_file(number: int, seed: int = 0) -> tuple[str, bytes]:
    """File ``number`` of the run: its name and bytes (the same every time)."""
    rng = random.Random(f"{seed}:{number}")
    grid = _grid(rng)
    pick = rng.random()
    if pick < 0.5:
        return f"f{number}{rng.choice(['.csv', '.csv', '.txt', '.tsv'])}", _csv_bytes(rng, grid)
    if pick < 0.95:
        return f"f{number}{rng.choice(['.xlsx', '.xlsx', '.xlsm'])}", _xlsx_bytes(rng, grid)
    return f"f{number}{rng.choice(['.csv', '.xlsx', '.xls'])}", rng.randbytes(rng.randint(0, 3000))


# -- the run ------------------------------------------------------------------------------------------


_COUNTS: list[object] = []


def _row_counts(ctx) -> tuple[int, ...]:  # noqa: ANN001
    """Every table's row count, in one statement built once (building it — some 60 subqueries —
    for each of three calls a file was a quarter of the harness's time)."""
    with ctx.reading() as s:
        if not _COUNTS:  # compiled once to plain SQL: no parameters, no cache key to work out each time
            tables = Base.metadata.sorted_tables
            stmt = select(*[select(func.count()).select_from(t).scalar_subquery() for t in tables])
            _COUNTS.append(text(str(stmt.compile(dialect=s.get_bind().dialect))))
        return tuple(s.execute(_COUNTS[0]).one())


def _on_alarm(signum, frame) -> None:  # noqa: ANN001, ARG001
    raise FuzzTimeout


def _through_the_action_import(ctx, panel: int, path: Path, rng: random.Random) -> bool:  # noqa: ANN001
    """True when the file was written into the database."""
    svc = ActionImportService(ctx)
    table = svc.read(path)
    mapping = svc.suggest_mapping(panel, table).mapping
    if mapping.column_of(ActionField.TEXT) is None and rng.random() < 0.7:
        mapping = mapping.with_column(rng.randrange(len(table.headers)), ActionField.TEXT)
    if rng.random() < 0.3:
        mapping = replace(mapping, heading_rows=False)
    report = svc.import_actions(panel, table, mapping, good_rows_only=rng.random() < 0.4,
                                dry_run=rng.random() < 0.2, remember=rng.random() < 0.5).value
    return report.written


def _through_the_referral_import(ctx, panel: int, path: Path, rng: random.Random) -> bool:  # noqa: ANN001
    report = import_referrals(ctx, path, panel, good_rows_only=rng.random() < 0.5,
                              dry_run=rng.random() < 0.2).value
    return report.committed


def run_fuzz(ctx, folder: Path, files: int, *, seed: int = 0, only: int | None = None,  # noqa: ANN001
             keep: Path | None = None, minutes: float | None = None) -> dict[str, object]:
    """Run ``files`` files (or file ``only``) through both importers; stop early after ``minutes``.
    Prints a line every 1,000 files, so a long run shows how far it got."""
    plan = panel_id(ctx, PanelType.PARTNERSHIP)
    marac = panel_id(ctx, PanelType.MARAC)
    importers = (("actions", plan, _through_the_action_import), ("referrals", marac, _through_the_referral_import))
    outcome: Counter[str] = Counter()
    failures: list[str] = []
    slowest = (0.0, -1)
    previous = signal.signal(signal.SIGALRM, _on_alarm)
    started = time.monotonic()
    try:
        numbers = [only] if only is not None else range(files)
        done = 0
        for number in numbers:
            if minutes is not None and time.monotonic() - started > minutes * 60:
                break
            done += 1
            if done % 1000 == 0:
                print(f"fuzz: {done} files in {time.monotonic() - started:.0f} s, {dict(outcome)}, "
                      f"{len(failures)} failures", flush=True)
            name, data = make_file(number, seed)
            path = folder / name
            path.write_bytes(data)
            rng = random.Random(f"{seed}:{number}:run")
            begun = time.monotonic()
            # If the timer cannot interrupt (stuck in C code), end the whole run with every stack
            # printed; armed again for each file.
            print(f"fuzz: file {number}", file=sys.stderr, flush=True)
            faulthandler.dump_traceback_later(PER_FILE_SECONDS * 6, exit=True)
            failed_before = len(failures)
            before = _row_counts(ctx)  # then each importer's "after" is the next one's "before"
            for label, panel, importer in importers:
                written = False
                try:
                    signal.setitimer(signal.ITIMER_REAL, PER_FILE_SECONDS)
                    try:
                        written = importer(ctx, panel, path, rng)
                    finally:
                        signal.setitimer(signal.ITIMER_REAL, 0)
                    outcome[f"{label} written" if written else f"{label} not written"] += 1
                except FuzzTimeout:
                    outcome["hangs"] += 1
                    failures.append(f"file {number} ({name}), {label}: still running after {PER_FILE_SECONDS} s")
                except ServiceError:
                    outcome[f"{label} refused"] += 1
                except Exception as exc:  # noqa: BLE001 - what the harness is here to find
                    outcome["tracebacks"] += 1
                    failures.append(f"file {number} ({name}), {label}: {type(exc).__name__}: {str(exc)[:200]}")
                after = _row_counts(ctx)
                if not written and after != before:
                    outcome["half-written"] += 1
                    failures.append(f"file {number} ({name}), {label}: refused or checked, yet rows changed")
                before = after
            took = time.monotonic() - begun
            slowest = max(slowest, (took, number))
            if len(failures) > failed_before and keep is not None:  # this file failed (not merely one before it)
                keep.mkdir(parents=True, exist_ok=True)
                (keep / name).write_bytes(data)
            path.unlink()
    finally:
        faulthandler.cancel_dump_traceback_later()
        signal.signal(signal.SIGALRM, previous)
    seconds = time.monotonic() - started
    return {"files": done, "seconds": round(seconds, 1), "files_per_second": round(done / max(seconds, 1e-9), 2),
            "outcome": dict(outcome), "failures": failures, "slowest": slowest}


def summary_line(result: dict[str, object]) -> str:
    """The long run's last line: files, imports written, hangs, tracebacks, half-written imports."""
    outcome: dict[str, int] = result["outcome"]  # type: ignore[assignment]
    imports = sum(v for k, v in outcome.items() if k.startswith(("actions", "referrals")))
    written = outcome.get("actions written", 0) + outcome.get("referrals written", 0)
    return (f"fuzz: {result['files']} files in {result['seconds']} s ({result['files_per_second']} files/s): "
            f"{imports} imports ({written} written), {outcome.get('hangs', 0)} hangs, "
            f"{outcome.get('tracebacks', 0)} tracebacks, {outcome.get('half-written', 0)} half-written imports")


@pytest.mark.sqlite_only  # one engine is enough for the file handling; the half-written check is per engine
def test_generated_files_never_hang_crash_or_half_import(demo_ctx, tmp_path: Path) -> None:
    files = int(os.environ.get("CSPDESK_FUZZ_FILES", SHORT_RUN))
    only = os.environ.get("CSPDESK_FUZZ_ONLY")
    keep = os.environ.get("CSPDESK_FUZZ_OUT")
    minutes = os.environ.get("CSPDESK_FUZZ_MINUTES")
    result = run_fuzz(demo_ctx, tmp_path, files, seed=int(os.environ.get("CSPDESK_FUZZ_SEED", "0")),
                      only=int(only) if only else None, keep=Path(keep) if keep else None,
                      minutes=float(minutes) if minutes else None)
    print(f"\nfuzz: {result}\n{summary_line(result)}")
    outcome = result["outcome"]
    assert result["failures"] == [], result["failures"][:20]
    assert not outcome.get("hangs") and not outcome.get("tracebacks") and not outcome.get("half-written")
    if only is None and result["files"] >= SHORT_RUN:
        # The run exercised every path: files refused, files written, by both importers.
        for key in ("actions refused", "actions written", "referrals refused", "referrals written"):
            assert outcome.get(key, 0) > 0, (key, outcome)


def test_the_generator_makes_every_kind_of_file() -> None:
    kinds = Counter()
    for number in range(400):
        name, data = make_file(number)
        suffix = Path(name).suffix
        kinds[suffix] += 1
        if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) or data[:3] == codecs.BOM_UTF8:
            kinds["bom"] += 1
        if b"\x00" in data and suffix in (".csv", ".txt", ".tsv"):
            kinds["nul"] += 1
        if suffix == ".xlsx" and data[:4] == b"PK\x03\x04":
            try:
                zipfile.ZipFile(io.BytesIO(data)).testzip()
            except Exception:  # noqa: BLE001 - a truncated or damaged zip is what we count here
                kinds["broken zip"] += 1
    assert all(kinds[k] > 0 for k in (".csv", ".xlsx", ".txt", "bom", "nul", "broken zip")), kinds
    assert make_file(7) == make_file(7)  # reproducible from its number
