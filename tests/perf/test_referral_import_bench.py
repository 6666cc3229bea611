"""How long a good referral log takes to import (issue 17). Not part of the default run (tests/perf
is ignored there); run on its own: ``python -m pytest tests/perf/test_referral_import_bench.py -s``
with ``CSPDESK_IMPORT_ROWS`` for the number of rows (default 100,000; try 2,000 first).

Figures on the shared 2-core machine at load 13 (December 2026): the check of every row (cells and
the form's rules, the people held read once) ~0.7 ms a row; the write ~60 ms a row (each row is
still written by the form's own ``_create``: the person, the case, its people, the DASH, the
audit entry, each flushed). A 100,000-row log is checked in about two minutes there, and written in
well over an hour: the write is what is left to make fast (a bulk writer)."""

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
        started = time.perf_counter()
        report = import_referrals(ctx, path, intake.marac, good_rows_only=False).value
        took = time.perf_counter() - started
        print(f"\n{ROWS:,} good rows: dry run {check_took:.1f} s, import {took:.1f} s "
              f"({took / ROWS * 1000:.1f} ms a row)")
        assert checked.problems == () and report.committed and len(report.imported) == ROWS
    finally:
        close_workspace(ctx)
