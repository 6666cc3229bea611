"""County-scale fixtures for the benchmarks (not part of the default run: see scripts/bench)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: The growth benchmark (issue 23): CSPDESK_PERF_SCALE=county4 runs every benchmark on a database
#: four times the county's (~200,000 cases, ~2,000,000 actions; building it takes long, so it is opt-in).
PERF_SCALE = os.environ.get("CSPDESK_PERF_SCALE", "county")
#: The benchmark database is synthetic and lives outside the repository.
PERF_DB = Path(os.environ.get("CSPDESK_PERF_DB", f"/tmp/cspdesk-perf/{PERF_SCALE}.db"))
PERF_USER = "admin"
PERF_PASSWORD = "benchmark-password"


@pytest.fixture(scope="session")
def county_db() -> Path:
    """The county demo database (~50,000 cases, ~500,000 actions), generated once and kept.
    Its accounts use the production argon2 cost, so sign-in is measured as users meet it."""
    from cspdesk.services.access.auth import create_demo_database
    from cspdesk.storage.keyring import keyring_path

    done = PERF_DB.with_suffix(".complete")
    if not (PERF_DB.exists() and done.exists() and keyring_path(PERF_DB).exists()):
        for stale in (PERF_DB, done, keyring_path(PERF_DB), PERF_DB.with_name(PERF_DB.name + "-wal")):
            stale.unlink(missing_ok=True)
        PERF_DB.parent.mkdir(parents=True, exist_ok=True)
        assert os.environ.get("CSPDESK_FAST_KDF") != "1", "benchmarks measure the real argon2 cost"
        created, accounts = create_demo_database(PERF_DB, password=PERF_PASSWORD, scale=PERF_SCALE, seed=1)
        with created.ctx.store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        created.ctx.store.dispose()
        done.write_text(f"{len(accounts)} accounts\n")
    return PERF_DB
