"""County-scale fixtures for the benchmarks (not part of the default run: see scripts/bench)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: A fixed key: the benchmark database is synthetic and lives outside the repository.
PERF_KEY = bytes.fromhex("5eed" * 16)
PERF_DB = Path(os.environ.get("CSPDESK_PERF_DB", "/tmp/cspdesk-perf/county.db"))


@pytest.fixture(scope="session")
def county_db() -> Path:
    """The county demo database (~50,000 cases, ~500,000 actions), generated once and kept."""
    from cspdesk.services.demo import DemoScale, generate_demo
    from cspdesk.storage.engine import open_store

    done = PERF_DB.with_suffix(".complete")
    if not (PERF_DB.exists() and done.exists()):
        for stale in (PERF_DB, done, PERF_DB.with_name(PERF_DB.name + "-wal")):
            stale.unlink(missing_ok=True)
        PERF_DB.parent.mkdir(parents=True, exist_ok=True)
        store = open_store(PERF_DB, key=PERF_KEY)
        summary = generate_demo(store, scale=DemoScale.COUNTY, seed=1)
        with store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        store.dispose()
        done.write_text(f"{summary}\n")
        print(f"\ngenerated the county database in {summary.seconds:.0f} s: {summary}")
    return PERF_DB
