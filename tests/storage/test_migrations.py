"""The migration chain: empty → head on SQLite (encrypted) and PostgreSQL; models and migrations agree."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from constants import TEST_KEY
from cspdesk.storage.engine import open_store
from cspdesk.storage.migrate import HEAD_REVISION, SchemaTooNewError, alembic_config, current_revision, upgrade_to_head
from cspdesk.storage.models import Base


def _differences(engine) -> list:  # noqa: ANN001
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(ctx, Base.metadata)


def test_head_constant_matches_the_scripts() -> None:
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    assert heads == [HEAD_REVISION]


def test_empty_file_migrates_to_head_and_matches_models(db_path: Path) -> None:
    store = open_store(db_path, key=TEST_KEY)
    try:
        assert current_revision(store.engine) == HEAD_REVISION
        assert set(Base.metadata.tables) <= set(inspect(store.engine).get_table_names())
        # The same check as `alembic check`: nothing left to autogenerate.
        assert _differences(store.engine) == []
        # A second start-up applies nothing.
        assert upgrade_to_head(store.engine) is False
    finally:
        store.dispose()


def test_constraints_are_named(db_path: Path) -> None:
    store = open_store(db_path, key=TEST_KEY)
    try:
        sql = store.engine.connect().execute(text("SELECT sql FROM sqlite_master WHERE name = 'action'")).scalar()
        assert "CONSTRAINT ck_action_status_has_reason" in sql
        assert "CONSTRAINT fk_action_panel_id_panel" in sql
    finally:
        store.dispose()


def test_a_database_from_a_newer_version_is_refused_untouched(db_path: Path) -> None:
    store = open_store(db_path, key=TEST_KEY)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    with pytest.raises(SchemaTooNewError, match="newer version of CSPDesk"):
        upgrade_to_head(store.engine)
    assert current_revision(store.engine) == "9999_future"
    store.dispose()


@pytest.mark.postgres
def test_postgres_migrates_to_head_and_matches_models(pg_url: str) -> None:
    store = open_store(pg_url)
    try:
        assert current_revision(store.engine) == HEAD_REVISION
        assert _differences(store.engine) == []
    finally:
        store.dispose()
