"""Alembic environment: runs on the connection the application hands over (no ini file, no URL)."""

from alembic import context

from cspdesk.storage.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("CSPDesk migrations run on a connection given by cspdesk.storage.migrate.")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # Batch mode: SQLite cannot ALTER most things, so Alembic copies tables; on PostgreSQL it
        # emits plain ALTERs. The naming convention gives every constraint a name to alter by.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise RuntimeError("Offline (SQL script) migrations are not supported.")
run_migrations_online()
