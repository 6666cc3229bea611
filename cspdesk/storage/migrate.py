"""Bring a database to the newest schema at start-up, without an ini file.

Start-up cost matters (a chair opens the laptop and wants the agenda): when the database already
records :data:`HEAD_REVISION` we skip importing Alembic at all. A test keeps the constant equal to
the head of the migration scripts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

#: The newest revision in ``migrations/versions``; tests/storage/test_migrations.py checks it.
HEAD_REVISION = "0027_triage"

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class SchemaTooNewError(Exception):
    """The database was written by a newer CSPDesk than this one."""


def alembic_config(connection: Any = None) -> Any:  # alembic's Config, imported lazily (start-up)
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def current_revision(engine: Engine) -> str | None:
    """The revision the database records; None for a database with no schema yet. One query
    (a missing table is the error it raises), not a catalogue look-up first: a round trip less on
    a server, and no inspector to build at every sign-in (issue 23)."""
    with engine.connect() as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DBAPIError:
            conn.rollback()
            if inspect(conn).has_table("alembic_version"):
                raise  # not the missing table: a real fault, for the caller's fault handling
            return None


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def upgrade_to_head(engine: Engine) -> bool:
    """Upgrade ``engine``'s database to the newest schema. Returns True if anything was applied."""
    current = current_revision(engine)
    if current == HEAD_REVISION:
        return False
    if current is not None and current not in known_revisions():
        raise SchemaTooNewError(
            "This database was written by a newer version of CSPDesk. "
            "Install the newer version to open it; nothing has been changed."
        )
    from alembic import command

    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "head")
    return True
