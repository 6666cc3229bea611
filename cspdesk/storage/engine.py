"""The engine/session factory: an SQLCipher-encrypted file, or a PostgreSQL server from a URL.

Nothing here runs at import time: callers build a :class:`Store` from configuration.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Engine, create_engine, event, text
from sqlalchemy.exc import DatabaseError, DisconnectionError
from sqlalchemy.orm import Session, sessionmaker

from cspdesk.storage.target import DatabaseTarget as DatabaseTarget  # re-exported: callers open stores by it

if TYPE_CHECKING:
    from cspdesk.storage.writer_lock import WriterLock

log = logging.getLogger(__name__)


WRITE_OPTION = "cspdesk_write"


class StoreOpenError(Exception):
    """The database could not be opened. The message is written for the person at the keyboard.
    ``sqlite_error`` names SQLite's error (``SQLITE_NOTADB``, ``SQLITE_CANTOPEN``…) for callers
    that know more (signing in knows the key is right, so NOTADB there means damage)."""

    def __init__(self, message: str, sqlite_error: str = "") -> None:
        super().__init__(message)
        self.sqlite_error = sqlite_error


def _sqlcipher_engine(path: Path, key: bytes, *, echo: bool = False, read_only: bool = False) -> Engine:
    import sqlcipher3  # the DB-API module: SQLite with SQLCipher compiled in

    key_hex = key.hex()
    # mode=rw: a connection never *creates* the file. Without it, a pooled connection opened after
    # the file was moved or deleted would silently start an empty database at the old path.
    # mode=ro for read-only sessions: nor does it checkpoint the WAL when it closes (a write).
    uri = f"{path.resolve().as_uri()}?mode={'ro' if read_only else 'rw'}"
    if read_only and not os.access(path.parent, os.W_OK) and not path.with_name(path.name + "-wal").exists():
        # A read-only folder (a CD, a read-only share) and no WAL: no writer has the file open, and
        # SQLite could not create the -shm it needs for a WAL file, so it reads it as unchanging.
        uri += "&immutable=1"
    engine = create_engine(
        URL.create("sqlite", database=str(path)),
        module=sqlcipher3,
        echo=echo,
        # Error messages must not carry the values of a failed statement: they are personal data.
        hide_parameters=True,
        connect_args={"check_same_thread": False, "timeout": 10},
    )

    @event.listens_for(engine, "do_connect")
    def _connect(dialect: Any, conn_rec: Any, cargs: Any, cparams: Any) -> Any:  # SQLAlchemy's hook signature
        con = sqlcipher3.connect(uri, uri=True, **cparams)
        # A wrong key otherwise makes SQLCipher print to stderr; we give our own message instead.
        con.execute("PRAGMA cipher_log_level = NONE")
        # A raw 256-bit key: no key derivation per connection (~0.3 ms instead of ~0.1 s).
        con.execute(f"PRAGMA key = \"x'{key_hex}'\"")
        # Let SQLAlchemy, not the driver, decide where transactions begin (see _begin below).
        con.isolation_level = None
        return con

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_con: Any, conn_rec: Any) -> None:
        cur = dbapi_con.cursor()
        try:
            cur.execute("PRAGMA foreign_keys = ON")
            if read_only:
                # A second line behind mode=ro: SQLite refuses every write on this connection.
                cur.execute("PRAGMA query_only = ON")
            else:
                cur.execute("PRAGMA journal_mode = WAL")
                # Fold each commit into the main file straight away (a passive checkpoint after
                # every commit, not every 1000 pages): the .db file alone then holds everything
                # committed, so a file copied, moved or backed up by hand without its -wal loses
                # nothing. Costs one more fsync per commit, unnoticeable at a person's pace.
                cur.execute("PRAGMA wal_autocheckpoint = 1")
            # FULL: a committed transaction survives a power cut, not only a crash.
            cur.execute("PRAGMA synchronous = FULL")
            cur.execute("PRAGMA busy_timeout = 10000")
            cur.execute("PRAGMA temp_store = MEMORY")
            # 64 MiB page cache per connection: decrypted pages stay decrypted between queries.
            cur.execute("PRAGMA cache_size = -65536")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # pysqlite's own implicit BEGIN comes only before DML, so reads in a unit of work would see
        # no consistent snapshot; begin explicitly instead (SQLAlchemy's documented recipe).
        # Writers (Store.write_engine) take the write lock at once: waiting at BEGIN is safe,
        # failing to upgrade a read lock half-way through a unit of work is not.
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


#: A pooled server connection idle longer than this is checked (one round trip) before it is used
#: again: a server restarted, or a network that dropped a quiet connection, is noticed then. One
#: used more recently is trusted, as pinging before every call cost a round trip each (issue 23);
#: if it was dropped all the same, the call fails with a plain "could not be reached" and
#: SQLAlchemy's disconnect handling discards the pool, so the next call connects afresh.
IDLE_PING_SECONDS = 30.0
_IDLE_SINCE = "cspdesk_idle_since"


def _postgres_engine(url: str, *, echo: bool = False) -> Engine:
    # LIFO: the connection used last is used next, so the others lie idle (and are checked after
    # IDLE_PING_SECONDS) rather than every connection taking turns and each needing the check.
    engine = create_engine(url, echo=echo, hide_parameters=True, pool_use_lifo=True)

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception:  # noqa: BLE001 - any failure to answer means the connection is gone
            alive = False
        if not alive:
            raise DisconnectionError("a pooled connection was dropped while idle")  # the pool retries

    return engine


@dataclass
class Store:
    """An open database: its engine and the factory of sessions that services use."""

    target: DatabaseTarget
    engine: Engine
    session_factory: sessionmaker[Session]
    #: Opened read-only (query_only): every write fails in SQLite itself.
    read_only: bool = False
    #: (device, inode) of the file when it was opened: a write checks the file is still there.
    file_identity: tuple[int, int] | None = None
    #: This copy's claim to be the file's only writer (cspdesk.storage.writer_lock); released by
    #: :meth:`dispose`, after the connections are closed.
    writer_lock: WriterLock | None = None
    #: False when signing in checked only part of a large file (cspdesk.storage.integrity).
    checked_in_full: bool = True

    @cached_property
    def write_engine(self) -> Engine:
        """The same engine and pool, marked so that a transaction begins with the write lock."""
        return self.engine.execution_options(**{WRITE_OPTION: True})

    @cached_property
    def read_engine(self) -> Engine:
        """For reading sessions. On a server, autocommit: a read sends no BEGIN and no ROLLBACK,
        two round trips saved per call (issue 23). PostgreSQL's READ COMMITTED gives each
        statement its own snapshot inside a transaction too, so a read sees nothing different."""
        if self.is_sqlite:
            return self.engine
        return self.engine.execution_options(isolation_level="AUTOCOMMIT")

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def describe(self) -> str:
        return self.target.describe()

    def change_key(self, old_key: bytes, new_key: bytes) -> None:
        """Re-encrypt the whole file under ``new_key`` (SQLCipher ``PRAGMA rekey``: one transaction,
        so a crash leaves the file whole under the old key or the new one) and reopen the engine
        with it. Every pooled connection is closed first: a connection still holding the old key
        could not read a page written under the new one."""
        assert self.target.path is not None and not self.read_only
        path = self.target.path
        self.engine.dispose()
        engine = _sqlcipher_engine(path, old_key)
        try:
            raw = engine.raw_connection()  # the driver's own: no BEGIN around the pragma
            try:
                driver = raw.driver_connection
                assert driver is not None
                driver.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
            finally:
                raw.invalidate()  # never back into a pool
        finally:
            engine.dispose()
        engine = _sqlcipher_engine(path, new_key)
        try:
            with engine.connect() as conn:  # the new key opens it, or this raises
                conn.execute(text("SELECT count(*) FROM sqlite_master"))
        except BaseException:
            engine.dispose()
            raise
        self.engine = engine
        self.session_factory.configure(bind=engine)
        for derived in ("write_engine", "read_engine"):  # cached_properties, rebuilt on the new engine
            self.__dict__.pop(derived, None)

    def opens_with(self, key: bytes) -> bool:
        """Does ``key`` open the file now? (After a failed :meth:`change_key`: which key it has.)"""
        assert self.target.path is not None
        engine = _sqlcipher_engine(self.target.path, key, read_only=True)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT count(*) FROM sqlite_master"))
            return True
        except DatabaseError:
            return False
        finally:
            engine.dispose()

    def dispose(self) -> None:
        self.engine.dispose()
        if self.writer_lock is not None:
            self.writer_lock.release()


def open_store(
    target: DatabaseTarget | str | Path,
    *,
    key: bytes | None = None,
    create: bool = True,
    migrate: bool = True,
    echo: bool = False,
    read_only: bool = False,
) -> Store:
    """Open (and by default create and migrate) the database named by ``target``.

    For a file, ``key`` is the raw 256-bit SQLCipher key (unwrapped from the keyring by signing
    in: cspdesk.services.access.auth). Raises :class:`StoreOpenError` with a message for
    people when the file is not a CSPDesk database, the key is wrong, or the server is unreachable.
    ``read_only`` (files): the connections are opened read-only and query-only; nothing is
    created or migrated.
    """
    if not isinstance(target, DatabaseTarget):
        target = DatabaseTarget.parse(target)

    if target.path is not None:
        path = target.path
        if key is None:
            # The key is unwrapped from the keyring by signing in (cspdesk.services.access.auth).
            raise StoreOpenError(f"{path.name} is opened by signing in with an account.")
        if not path.exists() and not create:
            raise StoreOpenError(f"There is no database at {path}.")
        if path.exists() and path.is_dir():
            raise StoreOpenError(f"{path} is a folder, not a database file.")
        if read_only and not path.exists():
            raise StoreOpenError(f"There is no database at {path}.")
        if not path.exists():
            # Connections open with mode=rw (never creating), so a new database starts here.
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
        engine = _sqlcipher_engine(path, key, echo=echo, read_only=read_only)
    else:
        assert target.url is not None
        engine = _postgres_engine(target.url, echo=echo)

    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM sqlite_master" if target.is_file else "SELECT 1"))
    except DatabaseError as exc:
        engine.dispose()
        if target.is_file:
            raise StoreOpenError(
                f"{target.describe()} cannot be opened: it is not a CSPDesk database, "
                "or the key for it is not the right one.",
                sqlite_error=str(getattr(exc.orig, "sqlite_errorname", "") or ""),
            ) from None
        raise StoreOpenError(f"The database server could not be reached ({target.describe()}).") from exc
    except Exception as exc:  # driver-level errors (refused connection, bad URL) on servers
        engine.dispose()
        raise StoreOpenError(f"The database server could not be reached ({target.describe()}).") from exc

    store = Store(target=target, engine=engine, session_factory=sessionmaker(engine, expire_on_commit=False),
                  read_only=read_only)
    from cspdesk.storage.search_keys import keep_search_keys  # the models: not needed before a store opens

    keep_search_keys(store.session_factory)
    if target.path is not None:
        from cspdesk.storage.integrity import file_identity

        store.file_identity = file_identity(target.path)
    if migrate and not read_only:
        from cspdesk.storage.migrate import upgrade_to_head

        upgrade_to_head(store.engine)
    return store
