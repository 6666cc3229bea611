"""Opening and closing the database a window or a command works on."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cspdesk.services.errors import AlreadyOpen, ServiceError
from cspdesk.storage.paths import default_db_path
from cspdesk.storage.target import DatabaseTarget

if TYPE_CHECKING:  # SQLAlchemy and the models load when a database is opened, not with the first window
    from cspdesk.services.context import Actor, ServiceContext
    from cspdesk.storage.writer_lock import WriterLock


class OpenFailed(ServiceError):
    """The database could not be opened; the message says why in plain words."""


#: Seconds added after each failed attempt (1 s, 2 s, 3 s… up to the cap): slows guessing.
FAILED_DELAY_STEP = 1.0
FAILED_DELAY_CAP = 5.0


def default_database() -> Path:
    """The database the app opens when none is named: ``cspdesk.db`` in the user's data folder."""
    return default_db_path()


def open_workspace(
    db: str | Path | None = None,
    *,
    key: bytes | None = None,
    create: bool = True,
    actor: Actor | None = None,
) -> ServiceContext:
    """Open ``db`` (a file path or a PostgreSQL URL; None for the default file), creating and
    migrating it as needed, and return the context every service is built on."""
    from cspdesk.services.context import Actor, ServiceContext
    from cspdesk.storage.engine import StoreOpenError, open_store
    from cspdesk.storage.migrate import SchemaTooNewError

    target = DatabaseTarget.parse(db if db is not None else default_database())
    try:
        store = open_store(target, key=key, create=create)
    except (StoreOpenError, SchemaTooNewError) as exc:
        raise OpenFailed(str(exc)) from None
    return ServiceContext(store=store, actor=actor or Actor.local_owner())


def database_exists(db: str | Path | None = None) -> bool:
    """For the window's first screen: is there a database to sign in to, or one to create? A file
    is looked at without loading SQLAlchemy (the first window comes up before it: issue 23)."""
    target = DatabaseTarget.parse(db if db is not None else default_database())
    if target.path is not None:
        from cspdesk.storage.keyring import keyring_path

        return target.path.exists() or keyring_path(target.path).exists()
    from sqlalchemy import select

    from cspdesk.storage.engine import StoreOpenError, open_store
    from cspdesk.storage.migrate import SchemaTooNewError
    from cspdesk.storage.models import UserAccount
    from cspdesk.storage.server_roles import url_has_credentials

    if not url_has_credentials(target.url or ""):
        # Only an account's own role can look, so: sign in (a server without accounts is set up
        # by its administrator with the owner's URL).
        return True
    try:
        store = open_store(target, migrate=True)
    except (StoreOpenError, SchemaTooNewError) as exc:
        raise OpenFailed(str(exc)) from None
    try:
        with store.session_factory() as s:
            return s.scalar(select(UserAccount.id).limit(1)) is not None
    finally:
        store.dispose()


def seconds_since_key_derived() -> float | None:
    """How long ago an account's keys were last unwrapped in this process (its argon2 derivation
    done), or None: for the start-up benchmark's "main window after argon2" (tests/perf)."""
    import time

    from cspdesk.storage import keyring

    derived = keyring.last_unwrapped_at
    return None if derived is None else time.perf_counter() - derived


def is_server(db: str | Path | None) -> bool:
    """Does ``db`` name a server (a URL) rather than a file? (A server has no recovery key: its
    database administrator restores access.)"""
    return db is not None and DatabaseTarget.parse(db).url is not None


def server_url(host: str, database: str, user: str, password: str, *, port: int = 5432, tls: bool = True) -> str:
    """The ``--db`` URL of a PostgreSQL database from the parts a connection form asks for (names
    and passwords with any characters are quoted). ``tls``: insist on the server's TLS. ``user``
    may be blank: each account then connects as its own login role with its own password
    (cspdesk.storage.server_roles), and this computer holds no server credentials at all."""
    from sqlalchemy import URL

    from cspdesk.services.errors import ValidationError

    for field, value in (("host", host), ("database", database)):
        if not value.strip():
            raise ValidationError(field, f"Give the server's {'address' if field == 'host' else field + ' name'}.")
    if password and not user.strip():
        raise ValidationError("user", "A server password goes with a server login: give both, or neither.")
    if not 0 < port < 65536:
        raise ValidationError("port", "A port is a number from 1 to 65535 (PostgreSQL's is usually 5432).")
    url = URL.create("postgresql+psycopg", username=user.strip() or None, password=password or None, host=host.strip(),
                     port=port, database=database.strip(), query={"sslmode": "require"} if tls else {})
    return url.render_as_string(hide_password=False)


def describe_database(ctx: ServiceContext) -> str:
    """The open database as people should see it: a file path, or a server URL without password."""
    return ctx.store.describe()


def close_workspace(ctx: ServiceContext) -> None:
    """Close the connections and give up the writer's lock (Store.dispose does both). The context
    is then read-only: a window still holding it must not write without the lock."""
    ctx.store.dispose()
    ctx.read_only = True
    ctx.read_only_reason = "This database has been closed. Sign in again to make changes."


def take_writer_lock(path: Path) -> WriterLock:
    """This copy becomes the file's only writer, or :class:`AlreadyOpen` says who is."""
    from cspdesk.services.context import storage_faults
    from cspdesk.storage.writer_lock import FileHasOtherNames, WriterLock, WriterLockHeld

    lock = WriterLock(path)
    try:
        with storage_faults(None, path):  # a read-only folder, a full disk: plain messages
            return lock.acquire()
    except FileHasOtherNames as exc:
        raise OpenFailed(str(exc)) from None
    except WriterLockHeld as exc:
        holder = exc.holder
        where = holder.where() if holder else "on another computer or in another window"
        since = f" (since {holder.since_local()})" if holder else ""
        raise AlreadyOpen(
            f"CSPDesk is already open on this file {where}{since}. Close it there first, or open "
            "it read-only.", host=holder.host if holder else "", since=holder.since_local() if holder else "",
        ) from None
