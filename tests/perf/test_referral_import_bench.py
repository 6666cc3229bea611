"""How long a good referral log takes to import (issue 17). Not part of the default run (tests/perf
is ignored there); run on its own: ``python -m pytest tests/perf/test_referral_import_bench.py -s``
with ``CSPDESK_IMPORT_ROWS`` for the number of rows (default 100,000; try 10,000 first).

Figures on the shared 2-core machine (December 2026): before the bulk writer, the check ~0.7 ms a
row and the write ~60 ms a row (each row written by the form's own ``_create``, each record
flushed): a 100,000-row log took well over an hour. The write is now the bulk writer
(cspdesk/services/records_io/bulk_referrals.py: multi-row INSERTs in one transaction); the test
prints rows a second for the check and for the whole import."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest


pytestmark = pytest.mark.perf

ROWS = int(os.environ.get("CSPDESK_IMPORT_ROWS", "100000"))


def test_a_good_log_imports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from core.referral_setup import make_intake
    from core.test_referral_import_long import _long_log
    from cspdesk.services.records_io.referral_import import import_referrals
    from cspdesk.services.database.workspace import close_workspace, open_workspace

    monkeypatch.setenv("CSPDESK_DATA_DIR", str(tmp_path / "data"))
    ctx = open_workspace(tmp_path / "bench.db", key=bytes(range(32)))
    try:
        intake = make_intake(ctx)
        path = _long_log(tmp_path / "log.csv", ROWS, ["01/06/2026", "POL", "Last Row", "01/01/1980", "15", "Yes", ""])
        started = time.perf_counter()
        checked = import_referrals(ctx, path, intake.marac, good_rows_only=False, dry_run=True).value
        check_took = time.perf_counter() - started
        started, cpu_started = time.perf_counter(), time.process_time()
        report = import_referrals(ctx, path, intake.marac, good_rows_only=False).value
        took, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        print(f"\n{ROWS:,} good rows: dry run {check_took:.1f} s ({ROWS / check_took:,.0f} rows/s), import "
              f"{took:.1f} s ({ROWS / took:,.0f} rows/s, {took / ROWS * 1000:.2f} ms a row; {cpu:.1f} s of CPU, "
              f"{ROWS / cpu:,.0f} rows/s of CPU)")
        assert checked.problems == () and report.committed and len(report.imported) == ROWS
    finally:
        close_workspace(ctx)
