"""Shared fixtures. Real encrypted SQLite files in temporary folders; nothing mocked."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

# Qt without a screen: without this a pytest-qt run aborts (exit 134) on a machine with no display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

# tests/pg.py and other helpers are imported by name.
sys.path.insert(0, str(Path(__file__).parent))

TEST_KEY = bytes(range(32))
#: The demo data is generated relative to this day, so every run sees the same overdue actions.
DEMO_TODAY = date(2026, 11, 2)


@pytest.fixture(autouse=True)
def _data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own user data folder: no test touches the real one, and key files
    written by one test are invisible to the next."""
    folder = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("CSPDESK_DATA_DIR", str(folder))
    monkeypatch.delenv("CSPDESK_KEY", raising=False)
    return folder


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "cspdesk.db"


@pytest.fixture
def ctx(db_path: Path):
    """A fresh, empty, encrypted and migrated database with the local owner acting."""
    from cspdesk.services.workspace import close_workspace, open_workspace

    context = open_workspace(db_path, key=TEST_KEY)
    yield context
    close_workspace(context)


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo partnership, generated once per test run into an encrypted file."""
    from cspdesk.services.demo import DemoScale, generate_demo
    from cspdesk.storage.engine import open_store

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    store = open_store(path, key=TEST_KEY)
    generate_demo(store, scale=DemoScale.SMALL, seed=1, today=DEMO_TODAY)
    # Fold the WAL back into the main file so a plain file copy carries everything.
    with store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    store.dispose()
    return path


@pytest.fixture
def demo_db(_demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the small demo database (tests may change it)."""
    path = tmp_path / "demo.db"
    shutil.copyfile(_demo_template, path)
    return path


@pytest.fixture
def demo_ctx(demo_db: Path):
    from cspdesk.services.workspace import close_workspace, open_workspace

    context = open_workspace(demo_db, key=TEST_KEY)
    context.today = lambda: DEMO_TODAY
    yield context
    close_workspace(context)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """The URL of a real PostgreSQL server (see tests/pg.py)."""
    from pg import PostgresUnavailable, postgres_server

    try:
        with postgres_server() as url:
            yield url
    except PostgresUnavailable as exc:
        if os.environ.get("CSPDESK_REQUIRE_PG") == "1":
            pytest.fail(str(exc))
        pytest.skip(str(exc))


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh, empty database on the server for one test, dropped afterwards."""
    import secrets

    from sqlalchemy import create_engine, make_url, text

    name = f"t_{secrets.token_hex(6)}"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()
