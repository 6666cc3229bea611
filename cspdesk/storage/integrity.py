"""The database file's health: integrity checks, and what its faults mean in plain words.

Two kinds of check, because SQLite's own is costly on an encrypted file (every page is read,
HMAC-checked and decrypted). Measured on the county demo file (434 MB, ~50,000 cases, ~500,000
actions, 2 cores): ``PRAGMA quick_check`` 6-9 s, ``PRAGMA integrity_check`` 10 s; the small tables
sign-in needs: milliseconds. So:

- :func:`startup_check` (called by signing in) runs the full ``quick_check`` on files up to
  :data:`FULL_CHECK_MAX_BYTES` (about a second at most), and on larger files checks the tables
  that signing in and the first screens read. The UI runs :func:`quick_check` afterwards on its
  database thread; every backup runs ``integrity_check`` on its copy.
- Between checks, SQLCipher verifies each page's HMAC whenever the page is read, so damage
  anywhere is still caught when it is touched; :func:`describe_fault` turns the driver's
  "database disk image is malformed" into the same plain message.

Nothing here knows about services: :func:`describe_fault` returns a :class:`Fault` (a kind and
a message); ``cspdesk.services.context`` turns it into the ServiceError the UI shows.
"""

from __future__ import annotations

import errno
import os
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from cspdesk.storage.paths import data_dir

#: Files up to this size get the full quick_check at sign-in (~15 ms per MB measured: < 1 s).
FULL_CHECK_MAX_BYTES = 64 * 1024 * 1024

#: The tables signing in and the first screens read: checked at every sign-in, whatever the size.
STARTUP_TABLES = ("alembic_version", "partnership", "user_account", "agency", "panel", "panel_membership")


@dataclass(frozen=True)
class IntegrityReport:
    ok: bool
    #: "ok", or the first problems SQLite reported (page and table numbers; never row contents).
    message: str
    seconds: float = 0.0
    #: False when only part of the file was checked (large files at sign-in).
    complete: bool = True


def _run_check(engine: Engine, pragma: str, *, limit: int = 20) -> IntegrityReport:
    if engine.dialect.name != "sqlite":
        return IntegrityReport(True, "not applicable: the server checks its own storage")
    start = time.perf_counter()
    try:
        with engine.connect() as conn:
            rows = [r[0] for r in conn.exec_driver_sql(pragma).fetchmany(limit)]
    except DBAPIError as exc:
        # A page that fails its HMAC or a broken b-tree makes the pragma itself fail.
        return IntegrityReport(False, _sqlite_error_name(exc) or "the check could not read the file",
                               time.perf_counter() - start)
    ok = rows == ["ok"]
    return IntegrityReport(ok, "ok" if ok else "; ".join(str(r) for r in rows), time.perf_counter() - start)


def quick_check(engine: Engine) -> IntegrityReport:
    """``PRAGMA quick_check`` over the whole file: b-tree structure and every page readable
    (skips only the index-against-table comparison). Seconds on a county-size file."""
    return _run_check(engine, "PRAGMA quick_check")


def integrity_check(engine: Engine) -> IntegrityReport:
    """``PRAGMA integrity_check``: quick_check plus every index against its table."""
    return _run_check(engine, "PRAGMA integrity_check")


def startup_check(engine: Engine, path: Path | None) -> IntegrityReport:
    """What signing in runs: the full quick_check on a file up to :data:`FULL_CHECK_MAX_BYTES`,
    otherwise the schema and :data:`STARTUP_TABLES` (``complete=False``)."""
    if engine.dialect.name != "sqlite":
        return IntegrityReport(True, "not applicable: the server checks its own storage")
    size = path.stat().st_size if path is not None and path.exists() else 0
    if size <= FULL_CHECK_MAX_BYTES:
        return quick_check(engine)
    start = time.perf_counter()
    problems: list[str] = []
    for table in STARTUP_TABLES:
        report = _run_check(engine, f'PRAGMA quick_check("{table}")')
        if not report.ok:
            problems.append(report.message)
            break
    seconds = time.perf_counter() - start
    if problems:
        return IntegrityReport(False, problems[0], seconds, complete=False)
    return IntegrityReport(True, "ok", seconds, complete=False)


def sqlite_file_integrity(con: Any) -> IntegrityReport:  # a DB-API (sqlcipher3) connection
    """``PRAGMA integrity_check`` on an open DB-API connection (backups use their own)."""
    start = time.perf_counter()
    try:
        rows = [r[0] for r in con.execute("PRAGMA integrity_check").fetchmany(20)]
    except Exception as exc:  # noqa: BLE001 - the driver's DatabaseError; its name is kept, not its text
        return IntegrityReport(False, getattr(exc, "sqlite_errorname", "") or "the file could not be read",
                               time.perf_counter() - start)
    ok = rows == ["ok"]
    return IntegrityReport(ok, "ok" if ok else "; ".join(str(r) for r in rows), time.perf_counter() - start)


# -- where a file's backups are ------------------------------------------------------------------


def default_backup_folder(db_path: Path) -> Path:
    """``<data dir>/backups/<db stem>/``: where automatic backups go and where messages point."""
    return data_dir() / "backups" / db_path.stem


# -- the file is still the one we opened ---------------------------------------------------------


def file_identity(path: Path) -> tuple[int, int] | None:
    """(device, inode) of ``path``; None if it is not there."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


# -- faults ---------------------------------------------------------------------------------------


class FaultKind(StrEnum):
    DISK_FULL = "disk_full"
    READ_ONLY = "read_only"
    MISSING = "missing"
    DAMAGED = "damaged"
    IO_ERROR = "io_error"
    BUSY = "busy"


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    message: str


def _sqlite_error_name(exc: BaseException) -> str:
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    return str(getattr(orig, "sqlite_errorname", "") or "")


#: SQLite's fixed texts for its result codes (sqlite3_errstr), for driver errors raised without
#: ``sqlite_errorname`` (the backup API's, in sqlcipher3). Only used to classify, never shown.
_SQLITE_TEXTS = {
    "database or disk is full": "SQLITE_FULL",
    "attempt to write a readonly database": "SQLITE_READONLY",
    "disk I/O error": "SQLITE_IOERR",
    "database disk image is malformed": "SQLITE_CORRUPT",
    "file is not a database": "SQLITE_NOTADB",
    "unable to open database file": "SQLITE_CANTOPEN",
    "database is locked": "SQLITE_BUSY",
}


def _name_from_text(exc: BaseException) -> str:
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if not type(orig).__module__.startswith(("sqlite3", "sqlcipher3", "pysqlite")):
        return ""
    return _SQLITE_TEXTS.get(str(orig).strip(), "")


_ERRNO_KINDS = {
    errno.ENOSPC: FaultKind.DISK_FULL,
    errno.EDQUOT: FaultKind.DISK_FULL,
    errno.EFBIG: FaultKind.DISK_FULL,
    errno.EROFS: FaultKind.READ_ONLY,
    errno.EACCES: FaultKind.READ_ONLY,
    errno.EPERM: FaultKind.READ_ONLY,
    errno.EIO: FaultKind.IO_ERROR,
}


def fault_kind(exc: BaseException) -> FaultKind | None:
    """Which fault of the file (if any) an exception from the driver or the OS stands for.
    None: not a fault of the file (a bug, a constraint) — let it propagate as it is."""
    if isinstance(exc, OSError):
        return _ERRNO_KINDS.get(exc.errno or -1)
    name = _sqlite_error_name(exc) or _name_from_text(exc)
    if not name:
        return None
    if name.startswith("SQLITE_FULL"):
        return FaultKind.DISK_FULL
    if name.startswith("SQLITE_READONLY"):
        # SQLITE_READONLY_DBMOVED: the file was renamed or unlinked under an open connection.
        return FaultKind.MISSING if name == "SQLITE_READONLY_DBMOVED" else FaultKind.READ_ONLY
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return FaultKind.DAMAGED
    if name.startswith("SQLITE_CANTOPEN"):
        return FaultKind.MISSING
    if name.startswith("SQLITE_IOERR"):
        return FaultKind.DISK_FULL if "SQLITE_FULL" in name else FaultKind.IO_ERROR
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return FaultKind.BUSY
    if name == "SQLITE_ERROR":
        orig = exc.orig if isinstance(exc, DBAPIError) else exc
        # A new connection to a path that now holds an empty (or another) database.
        if str(orig).startswith("no such table"):
            return FaultKind.MISSING
    return None


def fault_message(kind: FaultKind, path: Path | None) -> str:
    """The plain message for ``kind`` on the database at ``path`` (None: a server)."""
    where = str(path) if path is not None else "the database"
    backups = default_backup_folder(path) if path is not None else None
    restore = (f"restore the latest backup (they are in {backups}); an administrator can do this in "
               "CSPDesk or with 'cspdesk restore'") if backups else "ask the database's administrator"
    if kind is FaultKind.DISK_FULL:
        return (f"The disk holding {where} is full, so the last change was not saved. Everything saved "
                "before it is safe. Free some space (or move the database to a disk with room), then try again.")
    if kind is FaultKind.READ_ONLY:
        return (f"{where} is read-only, so the last change was not saved. Everything saved before it is safe. "
                "Copy the database and its keyring to a folder you can write to (or ask whoever manages "
                "this computer to allow changes), or open it read-only.")
    if kind is FaultKind.MISSING:
        return (f"The database file {where} was moved, renamed or deleted while CSPDesk had it open, so "
                "the last change was not saved (everything saved before it is in the file). Sign in again "
                f"where the file is now, with its keyring beside it; if it was deleted, {restore}.")
    if kind is FaultKind.DAMAGED:
        return (f"The database file {where} is damaged, so CSPDesk will not use it (nothing more has been "
                f"written to it). To carry on, {restore}.")
    if kind is FaultKind.BUSY:
        return "The database is busy with another change and nothing was saved. Try again in a moment."
    return (f"{where} could not be read or written (the disk, or the network connection to it, failed), "
            "so the last change was not saved. Check the disk or the connection and try again; if it "
            f"keeps happening, {restore}.")


def describe_fault(exc: BaseException, path: Path | None) -> Fault | None:
    kind = fault_kind(exc)
    if kind is None:
        return None
    return Fault(kind, fault_message(kind, path))
