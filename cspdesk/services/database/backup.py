"""Backups of a local database file, and restoring one.

**What a backup is**: a folder ``<name>/`` holding ``<db name>`` (the database, still encrypted
with the same key), ``<db name>.keyring`` (the accounts' wrapped copies of that key: without it
nobody can open the copy) and ``backup.json`` (when, from which schema, table counts, a SHA-256 of
the database file). A folder rather than one bundled file because

- it appears whole or not at all: it is written as ``.<name>.partial-…`` and renamed once
  verified, so a crash or a full disk never leaves something that looks like a backup;
- the database inside is a plain SQLCipher file with its keyring beside it under the usual name,
  so the backup can be checked (and opened read-only, or restored by hand) in place, without
  first unpacking hundreds of megabytes from an archive;
- the two files cannot drift apart when copied with the folder.

**How**: SQLite's online backup API copies the pages of one consistent snapshot (a read
transaction held for the whole copy) into a new file keyed with the same key, so the copy is
encrypted exactly as the store and the window can keep working. Each backup is verified after
writing: opened with the key, ``PRAGMA integrity_check`` = ok, the schema revision and the
counts of the main tables equal to the snapshot's. Then older backups beyond ``keep`` are deleted.

**Restore** never overwrites without keeping: the current file (with its ``-wal`` and keyring)
is renamed ``<db>.before-restore-<timestamp>`` — it can still be signed in to under that name —
and only after the backup's copy has passed its integrity check and been found to be of a
schema this version knows.

Server databases (PostgreSQL) are backed up by the server's administrator, not here.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from cspdesk import __version__
from cspdesk.domain.enums import AuditKind, Role
from cspdesk.services.audit import audit
from cspdesk.services.audit import audit_signing
from cspdesk.services.context import Actor, Permission, ServiceContext, utcnow
from cspdesk.services.database.workspace import describe_database
from cspdesk.services.errors import (
    DatabaseDamaged,
    DiskFull,
    FileReadOnly,
    PermissionDenied,
    ServiceError,
    StorageFault,
    ValidationError,
)
from cspdesk.storage.integrity import (
    FaultKind,
    IntegrityReport,
    default_backup_folder,
    fault_kind,
    fault_message,
    quick_check,
    sqlite_file_integrity,
)
from cspdesk.storage.keyring import Keyring, KeyringError, WrongSecret, keyring_path, normalise_username
from cspdesk.storage.models import AuditEvent, Partnership
from cspdesk.storage.paths import data_dir

FORMAT = "cspdesk-backup/1"
MANIFEST = "backup.json"
DEFAULT_KEEP = 10
MAX_KEEP = 365
DAILY = timedelta(hours=24)
#: Pages per step of the backup API (16 MiB): progress is reported between steps.
STEP_PAGES = 4096
#: Tables whose counts are compared between the snapshot and the copy.
COUNTED_TABLES = ("partnership", "user_account", "agency", "panel", "person", "case_record", "meeting",
                  "action", "audit_event")
#: Audit kinds that mean the data changed (a backup on close is skipped when none happened).
CHANGE_KINDS = (AuditKind.CREATE, AuditKind.UPDATE, AuditKind.DELETE)
SERVER_MESSAGE = ("This database is on a server: server databases are backed up by the server's "
                  "administrator, not by CSPDesk.")

Progress = Callable[[int, str], None]


class BackupFailed(StorageFault):
    """A backup could not be written or did not pass its check; nothing of it was kept."""


class BackupCancelled(ServiceError):
    """Raised by a progress callback to stop a backup (closing the window without waiting):
    the partial copy is removed and nothing is kept; the database itself is untouched."""


class RestoreRefused(ServiceError):
    """The backup cannot be restored (newer version, damaged, not openable); nothing was changed."""


@dataclass(frozen=True)
class BackupSettings:
    #: How many backups to keep in the default folder (older ones are deleted).
    keep: int = DEFAULT_KEEP
    #: A backup when the app starts (or is left open) and none was made in the last 24 hours.
    daily: bool = True
    #: A backup when the database is closed, if anything changed since the last one.
    on_close: bool = True
    #: Where the backups go; "" means the default folder (``<data dir>/backups/<db stem>/``).
    folder: str = ""


@dataclass(frozen=True)
class BackupInfo:
    name: str
    #: The backup's folder (or, for a bare pair of files, the folder holding them).
    folder: Path
    #: The database file inside; its keyring is beside it (``<db_file>.keyring``).
    db_file: Path
    created_at: datetime | None  # naive UTC; None for a bare pair without backup.json
    size_bytes: int
    schema_revision: str
    reason: str = ""
    database_id: str = ""
    counts: Mapping[str, int] = field(default_factory=dict)
    #: Highest audit entry id in the copy (a backup on close compares it with the store).
    audit_high_water: int = 0
    sha256: str = ""
    #: Passed its check when written (from backup.json).
    verified: bool = False


@dataclass(frozen=True)
class RestoreInfo:
    restored_from: Path
    db_path: Path
    #: Where the file that was there before now is (it opens under this name), or None.
    kept_as: Path | None
    schema_revision: str


# -- small helpers --------------------------------------------------------------------------------


def _connect(path: Path, key: bytes, *, read_only: bool = False, create: bool = False) -> Any:
    """A bare sqlcipher3 connection keyed with ``key`` (never creating a file unless ``create``)."""
    import sqlcipher3

    mode = "ro" if read_only else "rwc" if create else "rw"
    con = sqlcipher3.connect(f"{path.resolve().as_uri()}?mode={mode}", uri=True, check_same_thread=False)
    con.execute("PRAGMA cipher_log_level = NONE")
    con.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
    con.isolation_level = None
    return con


def _snapshot_facts(con: Any) -> tuple[str, dict[str, int], int]:
    """(schema revision, table counts, highest audit id) as this connection sees the database."""
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    revision = ""
    if "alembic_version" in tables:
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        revision = row[0] if row else ""
    counts = {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in COUNTED_TABLES if t in tables}
    high = con.execute("SELECT coalesce(max(id), 0) FROM audit_event").fetchone()[0] if "audit_event" in tables else 0
    return revision, counts, int(high)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    if os.name == "nt":
        return  # Windows cannot open a folder to fsync it; NTFS journals the rename
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _copy_file(src: Path, dst: Path) -> None:
    shutil.copyfile(src, dst)
    _fsync_file(dst)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _stamp(now: datetime) -> str:
    return now.strftime("%Y%m%d-%H%M%S")


def _io_error(exc: BaseException, folder: Path, db_path: Path) -> ServiceError | None:
    """A plain error for an OS or driver error met while writing a backup into ``folder``."""
    kind = fault_kind(exc)
    if kind is None:
        return None
    if kind is FaultKind.DISK_FULL:
        return DiskFull(f"There is not enough free space for a backup in {folder}. Nothing was kept, and the "
                        "database itself is unchanged. Free some space, or back up to another disk.")
    if kind is FaultKind.READ_ONLY:
        return FileReadOnly(f"The backup could not be written in {folder}: that folder is read-only. Nothing "
                            "was kept; the database itself is unchanged. Choose a folder you can write to.")
    if kind is FaultKind.DAMAGED:
        return DatabaseDamaged(fault_message(FaultKind.DAMAGED, db_path))
    return BackupFailed(f"The backup could not be written in {folder} (the disk or the connection to it failed). "
                        "Nothing was kept; the database itself is unchanged.")


# -- reading backups ------------------------------------------------------------------------------


def read_backup(path: Path | str) -> BackupInfo:
    """The backup at ``path``: a backup folder, its ``backup.json``, or a database file with its
    ``.keyring`` beside it (a bare pair). Raises :class:`RestoreRefused` if it is neither."""
    path = Path(path).expanduser()
    if path.is_file() and path.name == MANIFEST:
        path = path.parent
    if path.is_dir():
        manifest = path / MANIFEST
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise RestoreRefused(f"{path} is not a CSPDesk backup (it has no readable {MANIFEST}).") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise RestoreRefused(f"{path} is not a CSPDesk backup, or was made by a newer version of CSPDesk.")
        db_file = path / str(data.get("db_file", ""))
        return _info(path.name, path, db_file, data)
    if path.is_file():
        manifest = path.parent / MANIFEST
        data = {}
        if manifest.exists():
            try:
                candidate = json.loads(manifest.read_text(encoding="utf-8"))
                if isinstance(candidate, dict) and candidate.get("db_file") == path.name:
                    data = candidate
            except (OSError, ValueError):
                pass
        return _info(path.parent.name if data else path.name, path.parent, path, data)
    raise RestoreRefused(f"There is no backup at {path}.")


def _info(name: str, folder: Path, db_file: Path, data: Mapping[str, Any]) -> BackupInfo:
    created = data.get("created_at")
    try:
        size = db_file.stat().st_size
    except OSError:
        size = 0
    return BackupInfo(
        name=name, folder=folder, db_file=db_file,
        created_at=datetime.fromisoformat(created) if isinstance(created, str) else None,
        size_bytes=size, schema_revision=str(data.get("schema_revision", "")), reason=str(data.get("reason", "")),
        database_id=str(data.get("database_id", "")), counts=dict(data.get("counts", {})),
        audit_high_water=int(data.get("audit_high_water", 0)), sha256=str(data.get("db_sha256", "")),
        verified=bool(data.get("verified", False)),
    )


def list_backups_in(folder: Path) -> list[BackupInfo]:
    """The backups in ``folder``, newest first (folders being written are skipped)."""
    if not folder.is_dir():
        return []
    found = []
    for child in folder.iterdir():
        if child.is_dir() and not child.name.startswith(".") and (child / MANIFEST).exists():
            try:
                found.append(read_backup(child))
            except RestoreRefused:
                continue
    return sorted(found, key=lambda b: (b.created_at or datetime.min, b.name), reverse=True)


def backups_for(db: Path | str) -> list[BackupInfo]:
    """The backups of the database file ``db`` in its default folder, newest first — without
    signing in (for the sign-in screen when the file is damaged or missing)."""
    return list_backups_in(default_backup_folder(Path(db).expanduser()))


def backup_folder_for(db: Path | str) -> Path:
    """Where the backups of ``db`` go: ``<data dir>/backups/<db stem>/``."""
    return default_backup_folder(Path(db).expanduser())


def check_database(ctx: ServiceContext) -> IntegrityReport:
    """The full ``PRAGMA quick_check`` of the open file (seconds on a county-size file: run it on
    the database thread after signing in; sign-in itself checks only part of a large file)."""
    return quick_check(ctx.store.engine)


def check_database_in_full(ctx: ServiceContext) -> IntegrityReport:
    """:func:`check_database`, for the window's background check after signing in to a large file
    (``ctx.full_check_pending``): raises :class:`DatabaseDamaged` with the plain message (restore a
    backup, and where they are) when the file fails. Clears ``full_check_pending`` when it passes."""
    report = check_database(ctx)
    if not report.ok:
        if ctx.vault is None:
            raise DatabaseDamaged(fault_message(FaultKind.DAMAGED, None))
        try:
            folder = BackupService(ctx).folder()
        except ServiceError:
            folder = default_backup_folder(ctx.vault.db_path)
        raise DatabaseDamaged(
            f"The database file {ctx.vault.db_path} failed its full check: part of it is damaged, so what "
            "CSPDesk shows may be incomplete and changes may not be kept. Restore the latest backup (they are "
            f"in {folder}) with Restore a backup…, and make no more changes in this file meanwhile.")
    ctx.full_check_pending = False
    return report


# -- writing a backup -----------------------------------------------------------------------------


def write_backup(ctx: ServiceContext, folder: Path, *, reason: str, progress: Progress | None = None) -> BackupInfo:
    """Write a verified backup of ``ctx``'s file as the new folder ``folder`` (which must not
    exist). No permission check and no audit entry: :class:`BackupService` does both."""
    vault = ctx.vault
    if vault is None:
        raise ServiceError(SERVER_MESSAGE)
    report = progress or (lambda _p, _m: None)
    db_path = vault.db_path
    if folder.exists():
        raise ValidationError("out", f"{folder} already exists. Choose a new name for the backup.")
    partial = folder.with_name(f".{folder.name}.partial-{secrets.token_hex(4)}")
    copy = partial / db_path.name
    try:
        partial.mkdir(parents=True)
        report(0, "Copying the database")
        facts = _copy_snapshot(ctx, copy, report)
        revision, counts, high = facts
        report(70, "Copying the keyring")
        _copy_file(keyring_path(db_path), keyring_path(copy))
        report(75, "Checking the backup")
        _verify_copy(copy, vault.db_key, revision, counts)
        report(95, "Finishing")
        database_id = ""
        try:
            database_id = str(Keyring.load(copy)._data.get("database_id", ""))  # noqa: SLF001
        except KeyringError:
            pass
        manifest = {
            "format": FORMAT, "created_at": utcnow().isoformat(timespec="microseconds"), "reason": reason,
            "db_file": db_path.name, "source": str(db_path), "database_id": database_id,
            "schema_revision": revision, "app_version": __version__, "counts": counts,
            "audit_high_water": high, "db_sha256": _sha256(copy), "verified": True,
        }
        (partial / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
        _fsync_file(partial / MANIFEST)
        _fsync_dir(partial)
        os.replace(partial, folder)
        _fsync_dir(folder.parent)
    except BaseException as exc:
        shutil.rmtree(partial, ignore_errors=True)
        if isinstance(exc, ServiceError):
            raise
        plain = _io_error(exc, folder.parent, db_path) if isinstance(exc, Exception) else None
        if plain is not None:
            raise plain from None
        raise
    report(100, "Backup made")
    return read_backup(folder)


def _copy_snapshot(ctx: ServiceContext, copy: Path, report: Progress) -> tuple[str, dict[str, int], int]:
    """Copy one consistent snapshot of the store into ``copy`` with the backup API; return the
    snapshot's (revision, counts, audit high-water)."""
    vault = ctx.vault
    assert vault is not None
    target = _connect(copy, vault.db_key, create=True)
    try:
        with ctx.store.engine.connect() as conn:
            source = conn.connection.driver_connection
            assert source is not None  # a live pooled connection
            # One read transaction around the counts and the whole copy: they describe the same
            # snapshot, and writes by this window meanwhile go to the WAL, not into the copy.
            source.execute("BEGIN")
            try:
                facts = _snapshot_facts(source)

                def step(_status: int, remaining: int, total: int) -> None:
                    done = total - remaining
                    report(int(65 * done / max(total, 1)), "Copying the database")

                source.backup(target, pages=STEP_PAGES, progress=step)
            finally:
                source.execute("ROLLBACK")
        # A backup is one self-contained file: no -wal beside it.
        target.execute("PRAGMA journal_mode = DELETE")
    finally:
        target.close()
    _fsync_file(copy)
    return facts


def _verify_copy(copy: Path, key: bytes, revision: str, counts: Mapping[str, int]) -> None:
    con = _connect(copy, key, read_only=True)
    try:
        check = sqlite_file_integrity(con)
        if not check.ok:
            raise BackupFailed("The backup did not pass its integrity check, so it was not kept. The database "
                               "itself may be damaged: run the integrity check in CSPDesk.")
        got_revision, got_counts, _ = _snapshot_facts(con)
    finally:
        con.close()
    if got_revision != revision or got_counts != dict(counts):
        raise BackupFailed("The backup did not hold the same records as the database, so it was not kept. "
                           "Try again.")


def _rotate(folder: Path, keep: int, just_made: Path) -> list[Path]:
    """Delete the oldest backups in ``folder`` beyond ``keep`` (never the one just made)."""
    removed = []
    for info in list_backups_in(folder)[max(keep, 1):]:
        if info.folder.resolve() == just_made.resolve():
            continue
        shutil.rmtree(info.folder, ignore_errors=True)
        removed.append(info.folder)
    return removed


# -- restoring ------------------------------------------------------------------------------------


def _stage(backup: BackupInfo, key: bytes, into: Path) -> tuple[Path, str]:
    """Copy the backup's database next to ``into`` and check the copy: it opens with ``key``, passes
    ``integrity_check``, and its schema is one this version knows. Returns (copy, revision)."""
    from cspdesk.storage.migrate import known_revisions

    if not backup.db_file.is_file():
        raise RestoreRefused(f"The backup's database file is missing ({backup.db_file}).")
    if not keyring_path(backup.db_file).is_file():
        raise RestoreRefused(f"The backup's keyring is missing ({keyring_path(backup.db_file).name} should be "
                             "beside its database); without it nobody could sign in to the restored file.")
    newer = (f"The backup {backup.name} was made by a newer version of CSPDesk than this one, so this version "
             "cannot restore it. Nothing has been changed. Install the newer version (or choose an older backup).")
    if backup.schema_revision and backup.schema_revision not in known_revisions():
        raise RestoreRefused(newer)  # said by its backup.json; the copy's own revision is checked below
    into.parent.mkdir(parents=True, exist_ok=True)
    staged = into.with_name(f"{into.name}.restoring-{secrets.token_hex(4)}")
    try:
        _copy_file(backup.db_file, staged)
        if backup.sha256 and _sha256(staged) != backup.sha256:
            raise RestoreRefused(f"The backup {backup.name} has changed since it was written (it is damaged, or "
                                 "was altered), so it was not restored. Nothing has been changed. Choose "
                                 "another backup.")
        try:
            con = _connect(staged, key)
        except Exception:  # noqa: BLE001 - the driver's error; the message below says it plainly
            raise RestoreRefused(f"The backup {backup.name} cannot be opened. Nothing has been changed.") from None
        try:
            try:
                revision, _, _ = _snapshot_facts(con)
            except Exception as exc:  # noqa: BLE001
                if fault_kind(exc) is FaultKind.DAMAGED and _opens(con):
                    raise RestoreRefused(f"The backup {backup.name} is damaged, so it was not restored. Nothing "
                                         "has been changed. Choose another backup.") from None
                raise RestoreRefused(f"The backup {backup.name} does not open with this key: it is of another "
                                     "database (restore it with 'cspdesk restore' and an account of that "
                                     "database), or it is damaged. Nothing has been changed.") from None
            if revision and revision not in known_revisions():
                raise RestoreRefused(newer)
            if not revision:
                raise RestoreRefused(f"{backup.name} is not a CSPDesk database. Nothing has been changed.")
            if not sqlite_file_integrity(con).ok:
                raise RestoreRefused(f"The backup {backup.name} is damaged (it fails its integrity check), so "
                                     "it was not restored. Nothing has been changed. Choose another backup.")
            con.execute("PRAGMA journal_mode = DELETE")  # fold any -wal of a bare copy in
        finally:
            con.close()
        _fsync_file(staged)
    except BaseException as exc:
        for leftover in (staged, staged.with_name(staged.name + "-wal"), staged.with_name(staged.name + "-shm")):
            leftover.unlink(missing_ok=True)
        if isinstance(exc, Exception) and not isinstance(exc, ServiceError):
            plain = _io_error(exc, into.parent, into)
            if plain is not None:
                raise plain from None
        raise
    return staged, revision


def _opens_with(path: Path, key: bytes) -> bool:
    try:
        con = _connect(path, key, read_only=True)
    except Exception:  # noqa: BLE001 - a missing or unreadable file: the caller's checks say which
        return False
    try:
        return _opens(con)
    finally:
        con.close()


def _opens(con: Any) -> bool:
    try:
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except Exception:  # noqa: BLE001
        return False


def _swap(staged: Path, backup: BackupInfo, into: Path, key: bytes, username: str) -> RestoreInfo:
    """Put the checked copy in place of ``into``, keeping what was there, and record the restore
    in the restored file's audit trail. Holds ``into``'s writer lock throughout."""
    from cspdesk.services.database.workspace import take_writer_lock as _take_writer_lock
    from cspdesk.storage.engine import open_store
    from cspdesk.storage.models import UserAccount

    lock = _take_writer_lock(into)
    kept: Path | None = None
    try:
        stamp = _stamp(datetime.now())
        if into.exists() or keyring_path(into).exists():
            kept = into.with_name(f"{into.name}.before-restore-{stamp}")
            n = 2
            while kept.exists() or keyring_path(kept).exists():
                kept = into.with_name(f"{into.name}.before-restore-{stamp}-{n}")
                n += 1
            # The database, its WAL (committed writes not yet folded in) and its keyring move
            # together, under names that still open as a database.
            for suffix in ("", "-wal", "-shm"):
                src = into.with_name(into.name + suffix)
                if src.exists():
                    os.replace(src, kept.with_name(kept.name + suffix))
            if keyring_path(into).exists():
                os.replace(keyring_path(into), keyring_path(kept))
        os.replace(staged, into)
        tmp_keyring = into.with_name(f"{into.name}.keyring.restoring-{secrets.token_hex(4)}")
        _copy_file(keyring_path(backup.db_file), tmp_keyring)
        os.replace(tmp_keyring, keyring_path(into))
        _fsync_dir(into.parent)

        store = open_store(into, key=key, create=False, migrate=True)
        try:
            ctx = ServiceContext(store=store)
            with ctx.unit_of_work() as s:
                account = s.scalar(select(UserAccount).where(UserAccount.username == normalise_username(username)))
                actor = Actor(account.id if account else None, normalise_username(username), Role.ADMINISTRATOR)
                audit.record(s, actor, AuditKind.UPDATE, "database", None,
                             {"restored_from_backup": backup.name,
                              "backup_created_at": backup.created_at.isoformat() if backup.created_at else "",
                              "previous_file_kept_as": kept.name if kept else ""}, at=utcnow())
            from cspdesk.storage.migrate import current_revision

            revision = current_revision(store.engine) or ""
        finally:
            store.engine.dispose()
    finally:
        lock.release()
    return RestoreInfo(restored_from=backup.folder, db_path=into, kept_as=kept, schema_revision=revision)


def restore_backup(backup: Path | str | BackupInfo, *, into: Path | str, username: str, password: str) -> RestoreInfo:
    """Restore without signing in to the current file (it may be the broken one): the backup's own
    keyring must open with ``username``/``password``, and that account must be an active
    administrator *in the backup*. Checks everything before replacing anything."""
    from cspdesk.services.database.workspace import FAILED_DELAY_STEP
    from cspdesk.services.errors import SignInFailed

    info = backup if isinstance(backup, BackupInfo) else read_backup(backup)
    into = Path(into).expanduser()
    try:
        key = Keyring.load(info.db_file).unwrap(username, password)
    except WrongSecret:
        time.sleep(FAILED_DELAY_STEP)
        raise SignInFailed("The user name or password does not open this backup.") from None
    except KeyringError as exc:
        raise RestoreRefused(str(exc)) from None
    staged, _ = _stage(info, key, into)
    try:
        con = _connect(staged, key, read_only=True)
        try:
            row = con.execute("SELECT role, is_active FROM user_account WHERE username = ?",
                              (normalise_username(username),)).fetchone()
        finally:
            con.close()
        if row is None or row[0] != Role.ADMINISTRATOR.value or not row[1]:
            raise PermissionDenied("Only an administrator (an active one in the backup) can restore a backup.")
        return _swap(staged, info, into, key, username)
    finally:
        staged.unlink(missing_ok=True)


# -- the service ----------------------------------------------------------------------------------


#: The roles that may make (and verify) backups: a backup is a full copy of every panel.
BACKUP_ROLES = frozenset({Role.ADMINISTRATOR, Role.COORDINATOR})


class BackupService:
    """Backups of the signed-in file. Administrators and coordinators back up by hand; automatic
    backups (daily, on close) run for whoever is signed in; only administrators restore."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    # -- settings ---------------------------------------------------------------------------

    def settings(self) -> BackupSettings:
        with self._ctx.reading() as s:
            stored = s.scalar(select(Partnership.settings).limit(1)) or {}
        return BackupSettings(
            keep=int(stored.get("backup_keep", DEFAULT_KEEP)),
            daily=bool(stored.get("backup_daily", True)),
            on_close=bool(stored.get("backup_on_close", True)),
            folder=str(stored.get("backup_folder", "") or ""),
        )

    def set_settings(self, keep: int, *, daily: bool, on_close: bool, folder: str | Path | None = None
                     ) -> BackupSettings:
        """Administrators only; audited. ``folder`` None keeps the folder as it is; "" goes back to
        the default folder; a path must be a folder this computer can write to (it is made if
        missing), and not the database's own folder."""
        self._ctx.require(Permission.ADMINISTER)
        if isinstance(keep, bool) or not isinstance(keep, int) or not 1 <= keep <= MAX_KEEP:
            raise ValidationError("backup_keep", f"Keep between 1 and {MAX_KEEP} backups.")
        new: dict[str, Any] = {"backup_keep": keep, "backup_daily": bool(daily), "backup_on_close": bool(on_close)}
        if folder is not None:
            new["backup_folder"] = self._check_folder(folder)
        with self._ctx.unit_of_work() as s:
            p = s.scalar(select(Partnership).limit(1))
            if p is None:
                raise ValidationError("partnership", "Set up the partnership first.")
            old = dict(p.settings or {})
            p.settings = {**old, **new}
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "partnership", p.id,
                         {"changes": audit.changed_fields({k: old.get(k) for k in new}, new)}, at=self._ctx.now())
        return self.settings()

    def _check_folder(self, folder: str | Path) -> str:
        text_value = str(folder).strip()
        if not text_value:
            return ""
        path = Path(text_value).expanduser()
        if not path.is_absolute():
            raise ValidationError("backup_folder", "Give the backup folder as a full path (or leave it empty for "
                                                   "the default folder).")
        if path.exists() and not path.is_dir():
            raise ValidationError("backup_folder", f"{path} is a file, not a folder.")
        if path.resolve() == self._file().resolve().parent:
            raise ValidationError("backup_folder", "Keep backups out of the database's own folder: choose another "
                                                   "(another disk is best).")
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError:
            raise ValidationError("backup_folder", f"{path} cannot be made here. Choose a folder you can write "
                                                   "to.") from None
        if not os.access(path, os.W_OK | os.X_OK):
            raise ValidationError("backup_folder", f"{path} is read-only for you. Choose a folder you can write "
                                                   "to.")
        return str(path)

    # -- where ------------------------------------------------------------------------------

    def default_folder(self) -> Path:
        """``<data dir>/backups/<db stem>/``: where backups go unless the settings say otherwise."""
        return default_backup_folder(self._file())

    def folder(self) -> Path:
        """Where this database's backups go: the folder in the settings, else :meth:`default_folder`."""
        chosen = self.settings().folder
        return Path(chosen) if chosen else self.default_folder()

    def _file(self) -> Path:
        if self._ctx.vault is None:
            raise ServiceError(SERVER_MESSAGE)
        return self._ctx.vault.db_path

    def list_backups(self, folder: Path | None = None) -> list[BackupInfo]:
        """Newest first."""
        return list_backups_in(folder or self.folder())

    # -- backing up -------------------------------------------------------------------------

    def backup_now(self, out: Path | None = None, *, progress: Progress | None = None) -> BackupInfo:
        """A verified backup, by hand (administrators and coordinators). ``out`` names the new
        backup folder; by default a timestamped folder in :meth:`folder`, rotated to ``keep``."""
        self._require_backups()
        return self._backup(out, reason="manual", progress=progress)

    def _require_backups(self) -> None:
        """A backup is a full copy of every panel: only roles that may make one by hand (issue 22:
        automatic backups and verifying one are held to the same rule)."""
        if self._ctx.actor.role not in BACKUP_ROLES:
            raise PermissionDenied(f"Your role ({self._ctx.actor.role.label}) does not allow making backups.")

    def backup_if_due(self, daily: bool = True, *, progress: Progress | None = None) -> BackupInfo | None:
        """The automatic daily backup: made when none was made in the last 24 hours (and the
        setting is on). For the UI to call at start-up and from a timer. None when not due."""
        if not self._automatic_allowed() or not daily or not self.settings().daily:
            return None
        latest = self.list_backups()
        if latest and latest[0].created_at is not None and utcnow() - latest[0].created_at < DAILY:
            return None
        return self._backup(None, reason="daily", progress=progress)

    def backup_on_close(self, *, progress: Progress | None = None) -> BackupInfo | None:
        """The automatic backup when the window closes: made when anything changed since the last
        backup (and the setting is on). Call before closing the workspace. None when skipped."""
        if not self._automatic_allowed() or not self.settings().on_close:
            return None
        latest = self.list_backups()
        if latest:
            with self._ctx.reading() as s:
                changed = s.scalar(select(AuditEvent.id).where(AuditEvent.id > latest[0].audit_high_water,
                                                               AuditEvent.kind.in_(CHANGE_KINDS)).limit(1))
            if changed is None:
                return None
        return self._backup(None, reason="on_close", progress=progress)

    def _automatic_allowed(self) -> bool:
        """Automatic backups are made only for a signed-in account whose role may back up (an
        Officer's or a Viewer's session makes none: the next coordinator's or administrator's does)."""
        return (self._ctx.vault is not None and not self._ctx.read_only and self._ctx.actor.user_id is not None
                and self._ctx.actor.role in BACKUP_ROLES and not self._is_meeting_file())

    def _is_meeting_file(self) -> bool:
        """A meeting file checked out of a server (issue 21) is wiped once it is checked in: no
        automatic copy of it is left behind in a backup folder."""
        from cspdesk.storage.model_offline import STATE_IN_FILE, MeetingCheckout

        with self._ctx.reading() as s:
            return s.scalar(select(MeetingCheckout.id).where(MeetingCheckout.state == STATE_IN_FILE).limit(1)) is not None

    def _backup(self, out: Path | None, *, reason: str, progress: Progress | None) -> BackupInfo:
        db_path = self._file()
        if self._ctx.read_only:
            from cspdesk.services.errors import ReadOnlySession

            raise ReadOnlySession("This window has the database open read-only: back it up from the copy of "
                                  "CSPDesk that has it open for writing.")
        if out is None:
            parent = self.folder()
            now = datetime.now()
            target = parent / f"{db_path.stem}-{_stamp(now)}"
            n = 2
            while target.exists():
                target = parent / f"{db_path.stem}-{_stamp(now)}-{n}"
                n += 1
        else:
            target = Path(out).expanduser()
        if self._ctx.actor.role is Role.ADMINISTRATOR and self._ctx.signer is not None:
            # Every backup an administrator makes seals the trail first, so the copy's keyring
            # carries a seal of the head it holds (cspdesk.services.audit.audit_signing). A database disk
            # too full for the seal must not stop a backup to another disk; on the same disk the
            # backup then says plainly that there is no room.
            try:
                audit.seal_now(self._ctx, audit_signing.SealReason.BACKUP)
            except StorageFault:
                pass
        info = write_backup(self._ctx, target, reason=reason, progress=progress)
        if out is None:
            _rotate(target.parent, self.settings().keep, target)
        with self._ctx.unit_of_work() as s:
            audit.record(s, self._ctx.actor, AuditKind.EXPORT, "backup", None,
                         {"backup": info.name, "reason": reason}, at=self._ctx.now())
        return info

    def verify(self, backup: BackupInfo | Path) -> IntegrityReport:
        """Check a backup again (its file unchanged since it was written, and intact). The roles
        that may make backups only: opening one reads every panel."""
        self._require_backups()
        info = backup if isinstance(backup, BackupInfo) else read_backup(backup)
        vault = self._ctx.vault
        if vault is None:
            raise ServiceError(SERVER_MESSAGE)
        if info.sha256 and _sha256(info.db_file) != info.sha256:
            return IntegrityReport(False, "the backup file has changed since it was written")
        con = _connect(info.db_file, self._key_of(info), read_only=True)
        try:
            return sqlite_file_integrity(con)
        finally:
            con.close()

    def _key_of(self, info: BackupInfo) -> bytes:
        """The key ``info`` was made with: the file's current key, or (a backup from before a
        re-key keeps its own key) one of the earlier keys the keyring keeps under the current one.
        The current key when none opens it (the checks that follow then say so)."""
        vault = self._ctx.vault
        assert vault is not None
        if _opens_with(info.db_file, vault.db_key):
            return vault.db_key
        try:
            earlier = Keyring.load(vault.db_path).previous_keys(vault.db_key)
        except KeyringError:
            earlier = []
        return next((key for key in earlier if _opens_with(info.db_file, key)), vault.db_key)

    # -- restoring --------------------------------------------------------------------------

    def restore(self, backup: BackupInfo | Path, *, into: Path | None = None) -> RestoreInfo:
        """Administrators only. Replace ``into`` (default: the open file) with the backup, after
        checking the backup (opens with this database's key, intact, not from a newer version).
        The file that was there is kept as ``<db>.before-restore-<timestamp>``.

        Restoring over the open file closes this session (it becomes read-only, its store
        disposed): sign in again afterwards. A backup of another database (another key) is
        restored from the command line: ``cspdesk restore``."""
        self._ctx.require(Permission.ADMINISTER)
        current = self._file()
        assert self._ctx.vault is not None
        info = backup if isinstance(backup, BackupInfo) else read_backup(backup)
        target = Path(into).expanduser() if into is not None else current
        key = self._key_of(info)
        staged, _ = _stage(info, key, target)
        try:
            if target.resolve() == current.resolve():
                self._ctx.store.dispose()  # closes the connections (the WAL is folded in) and frees the lock
                self._ctx.read_only = True
                self._ctx.read_only_reason = "This database was replaced by a backup. Sign in again to carry on."
            return _swap(staged, info, target, key, self._ctx.actor.username)
        finally:
            staged.unlink(missing_ok=True)


@dataclass(frozen=True)
class DataLocations:
    """Where the open database's data lives on this computer (the About box shows it)."""

    #: The file's path, or the server's URL with its password hidden.
    database: str
    #: The key file beside the database (None for a server: passwords are hashed there).
    keyring: Path | None
    #: Where backups of the file go (None for a server: its administrator backs it up).
    backups: Path | None
    #: The folder of ``cspdesk.log`` (which never holds personal data).
    logs: Path

    @property
    def on_server(self) -> bool:
        return self.keyring is None


def data_locations(ctx: ServiceContext) -> DataLocations:
    """The database, its keyring, its backups folder (as the settings choose) and the logs folder."""
    logs = data_dir()
    path = ctx.store.target.path
    if path is None:
        return DataLocations(describe_database(ctx), None, None, logs)
    from cspdesk.storage.integrity import default_backup_folder

    try:
        backups = BackupService(ctx).folder()
    except ServiceError:  # not signed in to the file, or its settings cannot be read: the default
        backups = default_backup_folder(path)
    return DataLocations(str(path), keyring_path(path), backups, logs)
