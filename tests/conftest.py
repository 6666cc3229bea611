"""Shared fixtures. Real encrypted SQLite files in temporary folders; nothing mocked."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

# Qt without a screen: without this a pytest-qt run aborts (exit 134) on a machine with no display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

# tests/pg.py and other helpers are imported by name.
sys.path.insert(0, str(Path(__file__).parent))

from constants import DEMO_TODAY, TEST_KEY  # noqa: E402 - shared with the test modules (see constants.py)


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
def engine(request: pytest.FixtureRequest) -> str:
    """Which engine the test's database is on: ``"sqlite"`` (an encrypted file) or
    ``"postgres"`` (a fresh database on the test server). Parametrised by
    :func:`pytest_generate_tests`; ``"sqlite"`` where it is not."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def ctx(engine: str, request: pytest.FixtureRequest):
    """A fresh, empty, migrated database with the local owner acting: an encrypted file, or (the
    ``[postgres]`` run of suites on both engines) a new database on the test server."""
    from cspdesk.services.database.workspace import close_workspace, open_workspace

    if engine == "postgres":
        context = open_workspace(request.getfixturevalue("pg_empty_url"))
    else:
        context = open_workspace(request.getfixturevalue("db_path"), key=TEST_KEY)
    yield context
    close_workspace(context)


@pytest.fixture(scope="session")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small demo partnership, generated once per test run into an encrypted file."""
    from cspdesk.demo.generator import DemoScale, generate_demo
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
def demo_target(engine: str, request: pytest.FixtureRequest) -> str | Path:
    """Where a private copy of the small demo partnership is: a file path, or a server URL."""
    if engine == "postgres":
        return request.getfixturevalue("pg_demo_url")
    return request.getfixturevalue("demo_db")


@pytest.fixture
def demo_ctx(engine: str, demo_target: str | Path):
    from cspdesk.services.database.workspace import close_workspace, open_workspace

    if engine == "postgres":
        context = open_workspace(demo_target)
    else:
        context = open_workspace(demo_target, key=TEST_KEY)
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


# -- both engines -------------------------------------------------------------------------------
#: The suites whose tests run once per engine when they use ``ctx``, ``demo_ctx``, ``demo_target``
#: or ``engine`` (tests/ui and tests/reliability stay on SQLite: they test the window and the file).
BOTH_ENGINE_SUITES = ("core", "storage")


def _engines() -> list[str]:
    """``CSPDESK_TEST_ENGINES`` (comma-separated) narrows the engines, e.g. ``sqlite`` for the
    Qt-free run in scripts/test, which proves an import boundary and need not repeat the server."""
    wanted = [e.strip() for e in os.environ.get("CSPDESK_TEST_ENGINES", "sqlite,postgres").split(",") if e.strip()]
    return [e for e in ("sqlite", "postgres") if e in wanted]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine" not in metafunc.fixturenames:
        return
    suite = Path(str(metafunc.definition.path)).parent.name
    if suite not in BOTH_ENGINE_SUITES or metafunc.definition.get_closest_marker("sqlite_only"):
        return  # the engine fixture's default: SQLite, and no [sqlite] in the test's name
    engines = _engines()
    if engines == ["sqlite"]:
        return
    params = [pytest.param(e, marks=pytest.mark.postgres) if e == "postgres" else e for e in engines]
    metafunc.parametrize("engine", params, indirect=True)


def _clone_database(pg_server: str, template: str) -> Iterator[str]:
    """A new database copied from ``template`` on the server (CREATE DATABASE … TEMPLATE: a file
    copy on the server, ~0.1 s), yielded as a URL and dropped afterwards."""
    import secrets

    from sqlalchemy import create_engine, make_url, text

    name = f"t_{secrets.token_hex(6)}"
    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        yield make_url(pg_server).set(database=name).render_as_string(hide_password=False)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _make_template(pg_server: str, name: str, fill) -> None:  # noqa: ANN001 - fill(Store)
    """Create database ``name`` on the server, migrate it, let ``fill`` write into it, and close
    every connection (a template must have none when it is copied)."""
    from sqlalchemy import create_engine, make_url, text

    from cspdesk.storage.engine import open_store

    admin = create_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    store = open_store(make_url(pg_server).set(database=name).render_as_string(hide_password=False))
    try:
        fill(store)
    finally:
        store.dispose()


@pytest.fixture(scope="session")
def _pg_empty_template(pg_server: str) -> str:
    """An empty, migrated database on the server, made once per run to copy from."""
    _make_template(pg_server, "cspdesk_empty_template", lambda store: None)
    return "cspdesk_empty_template"


@pytest.fixture(scope="session")
def _pg_demo_template(pg_server: str) -> str:
    """The small demo partnership on the server, generated once per run to copy from (the same
    seed and day as the file template, so both engines hold the same partnership)."""
    from cspdesk.demo.generator import DemoScale, generate_demo

    _make_template(pg_server, "cspdesk_demo_template",
                   lambda store: generate_demo(store, scale=DemoScale.SMALL, seed=1, today=DEMO_TODAY))
    return "cspdesk_demo_template"


@pytest.fixture
def pg_empty_url(pg_server: str, _pg_empty_template: str) -> Iterator[str]:
    """A fresh, migrated, empty database on the server for one test."""
    yield from _clone_database(pg_server, _pg_empty_template)


@pytest.fixture
def pg_demo_url(pg_server: str, _pg_demo_template: str) -> Iterator[str]:
    """A private copy of the small demo partnership on the server for one test."""
    yield from _clone_database(pg_server, _pg_demo_template)
