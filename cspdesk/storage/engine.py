"""The engine/session factory: an SQLCipher-encrypted file, or a PostgreSQL server from a URL.

Nothing here runs at import time: callers build a :class:`Store` from configuration.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import URL, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker

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


@dataclass(frozen=True)
class DatabaseTarget:
    """What ``--db`` named: a local file path or a server URL."""

    path: Path | None = None
    url: str | None = None

    @classmethod
    def parse(cls, value: str | Path) -> DatabaseTarget:
        text_value = str(value)
        if "://" in text_value:
            return cls(url=text_value)
        return cls(path=Path(text_value).expanduser())

    @property
    def is_file(self) -> bool:
        return self.path is not None

    def describe(self) -> str:
        """For status bars and messages: the file path, or the URL without its password."""
        if self.path is not None:
            return str(self.path)
        assert self.url is not None
        return make_url(self.url).render_as_string(hide_password=True)


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
    def _connect(dialect, conn_rec, cargs, cparams):  # noqa: ANN001, ANN202 - SQLAlchemy's hook signature
        con = sqlcipher3.connect(uri, uri=True, **cparams)
        # A wrong key otherwise makes SQLCipher print to stderr; we give our own message instead.
        con.execute("PRAGMA cipher_log_level = NONE")
        # A raw 256-bit key: no key derivation per connection (~0.3 ms instead of ~0.1 s).
        con.execute(f"PRAGMA key = \"x'{key_hex}'\"")
        # Let SQLAlchemy, not the driver, decide where transactions begin (see _begin below).
        con.isolation_level = None
        return con

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_con, conn_rec) -> None:  # noqa: ANN001
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
    def _begin(conn) -> None:  # noqa: ANN001
        # pysqlite's own implicit BEGIN comes only before DML, so reads in a unit of work would see
        # no consistent snapshot; begin explicitly instead (SQLAlchemy's documented recipe).
        # Writers (Store.write_engine) take the write lock at once: waiting at BEGIN is safe,
        # failing to upgrade a read lock half-way through a unit of work is not.
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _postgres_engine(url: str, *, echo: bool = False) -> Engine:
    return create_engine(url, echo=echo, pool_pre_ping=True, hide_parameters=True)


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
                raw.driver_connection.execute(f"PRAGMA rekey = \"x'{new_key.hex()}'\"")
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
        self.__dict__.pop("write_engine", None)  # the cached_property, rebuilt on the new engine

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
    in: cspdesk.services.auth). Raises :class:`StoreOpenError` with a message for
    people when the file is not a CSPDesk database, the key is wrong, or the server is unreachable.
    ``read_only`` (files): the connections are opened read-only and query-only; nothing is
    created or migrated.
    """
    if not isinstance(target, DatabaseTarget):
        target = DatabaseTarget.parse(target)

    if target.path is not None:
        path = target.path
        if key is None:
            # The key is unwrapped from the keyring by signing in (cspdesk.services.auth).
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
