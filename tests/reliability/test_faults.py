"""Faults produced for real, each with a plain message, no traceback, and nothing lost: a read-only
file, the file moved or deleted while open, a damaged file, a backup from a newer version, a full
disk (a small tmpfs; where mounting is not allowed, a file-size limit in a subprocess)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from reliability_helpers import (  # noqa: F401 - fast_kdf: autouse
    PASSWORD,
    fast_kdf,
    files_of,
    fingerprint,
    make_db,
    read_only_view,
    run_cli,
    small_filesystem,
)

from cspdesk.services.database import backup as backup_module
from cspdesk.services.access.accounts import AccountService
from cspdesk.services.audit.audit import AuditService
from cspdesk.services.access.auth import create_demo_database, sign_in
from cspdesk.services.database.backup import BackupService, RestoreRefused
from cspdesk.services.referrals.cases import CaseService
from cspdesk.services.errors import (
    DatabaseDamaged,
    DiskFull,
    FileMissing,
    FileReadOnly,
    ReadOnlySession,
    StorageFault,
)
from cspdesk.services.partnership.retention import RetentionService
from cspdesk.services.database.workspace import OpenFailed, close_workspace
from cspdesk.storage import integrity
from cspdesk.storage.integrity import default_backup_folder, integrity_check, quick_check
from cspdesk.storage.keyring import keyring_path

PAGE = 4096


@pytest.fixture(scope="module")
def _demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CSPDESK_FAST_KDF", "1")
        mp.setenv("CSPDESK_DATA_DIR", str(tmp_path_factory.mktemp("demo-data")))
        path = tmp_path_factory.mktemp("demo-faults") / "demo.db"
        created, _ = create_demo_database(path, password=PASSWORD)
        close_workspace(created.ctx)
    return path


@pytest.fixture
def demo(_demo: Path, tmp_path: Path) -> Path:
    path = tmp_path / "demo.db"
    shutil.copyfile(_demo, path)
    shutil.copyfile(keyring_path(_demo), keyring_path(path))
    return path


def _root_page(db: Path, key: bytes, table: str) -> int:
    con = backup_module._connect(db, key, read_only=True)  # noqa: SLF001 - the test reads the raw file
    try:
        return int(con.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0])
    finally:
        con.close()


def _damage(db: Path, pages: list[int]) -> None:
    """Overwrite whole pages (1-based) with noise, as a failing disk or a bad copy would."""
    rng = __import__("random").Random(8)
    with db.open("r+b") as fh:
        for page in pages:
            fh.seek((page - 1) * PAGE)
            fh.write(bytes(rng.getrandbits(8) for _ in range(PAGE)))


def _key(db: Path) -> bytes:
    ctx = sign_in(db, "admin", PASSWORD, read_only=True)
    key = ctx.vault.db_key
    close_workspace(ctx)
    return key


# -- the file made read-only -----------------------------------------------------------------------


def test_a_read_only_file_is_refused_plainly_and_can_be_opened_read_only(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    db = make_db(src / "panel.db")
    before = fingerprint(*files_of(db))
    with read_only_view(src, tmp_path / "ro") as view:
        ro_db = view / "panel.db"
        with pytest.raises(FileReadOnly) as err:
            sign_in(ro_db, "admin", PASSWORD)
        assert "read-only" in str(err.value) and "open it read-only" in str(err.value)

        done = run_cli("panels", "--db", str(ro_db), "--user", "admin")
        assert done.returncode == 2 and "read-only" in done.stderr and "Traceback" not in done.stderr

        viewer = sign_in(ro_db, "admin", PASSWORD, read_only=True)
        assert [a.username for a in AccountService(viewer).list_accounts()] == ["admin"]
        with pytest.raises(ReadOnlySession):
            AccountService(viewer).set_security_settings(30, 5)
        # A session that believed it could write meets SQLite's own refusal, said plainly too.
        viewer.read_only = False
        with pytest.raises(FileReadOnly, match="the last change was not saved"):
            AccountService(viewer).set_security_settings(30, 5)
        close_workspace(viewer)
    assert fingerprint(*files_of(db)) == before


# -- moved or deleted while open -------------------------------------------------------------------


def test_the_file_moved_while_open_keeps_everything_committed(tmp_path: Path) -> None:
    db = make_db(tmp_path / "panel.db")
    ctx = sign_in(db, "admin", PASSWORD)
    AccountService(ctx).set_security_settings(30, 5)  # committed before the move
    moved = tmp_path / "elsewhere" / "panel.db"
    moved.parent.mkdir()
    os.rename(db, moved)  # as a file manager would: the .db file (and its keyring) only
    os.rename(keyring_path(db), keyring_path(moved))

    with pytest.raises(FileMissing) as err:
        AccountService(ctx).set_security_settings(45, 6)
    assert "moved, renamed or deleted" in str(err.value) and "was not saved" in str(err.value)
    assert not db.exists()  # no empty database was started at the old path
    close_workspace(ctx)
    assert not db.exists()

    again = sign_in(moved, "admin", PASSWORD)
    settings = AccountService(again).security_settings()
    assert (settings.idle_lock_minutes, settings.max_failed_attempts) == (30, 5)
    assert AuditService(again).verify().ok
    assert integrity_check(again.store.engine).ok
    close_workspace(again)


def test_the_file_deleted_while_open_points_to_the_backups(tmp_path: Path, _data_dir: Path) -> None:
    db = make_db(tmp_path / "panel.db")
    ctx = sign_in(db, "admin", PASSWORD)
    AccountService(ctx).set_security_settings(30, 5)
    BackupService(ctx).backup_now()
    os.unlink(db)
    with pytest.raises(FileMissing) as err:
        AccountService(ctx).set_security_settings(45, 6)
    assert str(default_backup_folder(db)) in str(err.value)
    close_workspace(ctx)
    assert not db.exists()

    newest = BackupService.__new__(BackupService)  # listing needs no session: the folder is known
    backups = backup_module.list_backups_in(default_backup_folder(db))
    assert backups and newest is not None
    done = run_cli("restore", str(backups[0].folder), "--db", str(db), "--user", "admin",
                   env={"CSPDESK_DATA_DIR": str(_data_dir)})
    assert done.returncode == 0, done.stderr
    back = sign_in(db, "admin", PASSWORD)
    assert AccountService(back).security_settings().idle_lock_minutes == 30
    close_workspace(back)


# -- a damaged file --------------------------------------------------------------------------------


def test_a_damaged_file_is_refused_and_a_backup_restores_it(demo: Path, _data_dir: Path) -> None:
    ctx = sign_in(demo, "admin", PASSWORD)
    info = BackupService(ctx).backup_now()
    key = ctx.vault.db_key
    cases = len(CaseService(ctx).case_ids())
    close_workspace(ctx)

    pages = demo.stat().st_size // PAGE
    _damage(demo, [_root_page(demo, key, "case_record"), pages // 2, pages // 2 + 1])
    damaged = fingerprint(demo)

    with pytest.raises(DatabaseDamaged) as err:
        sign_in(demo, "admin", PASSWORD)
    message = str(err.value)
    assert "is damaged" in message and str(default_backup_folder(demo)) in message and "cspdesk restore" in message
    assert fingerprint(demo) == damaged  # nothing was written to it: not even the sign-in

    env = {"CSPDESK_DATA_DIR": str(_data_dir)}
    done = run_cli("cases", "--db", str(demo), "--user", "admin", env=env)
    assert done.returncode == 2 and "is damaged" in done.stderr and "Traceback" not in done.stderr

    done = run_cli("restore", str(info.folder), "--db", str(demo), "--user", "admin", env=env)
    assert done.returncode == 0, done.stderr
    ctx = sign_in(demo, "admin", PASSWORD)
    assert len(CaseService(ctx).case_ids()) == cases and integrity_check(ctx.store.engine).ok
    close_workspace(ctx)
    kept = list(demo.parent.glob("demo.db.before-restore-*"))
    assert [fingerprint(p)[p.name] for p in kept if not p.name.endswith(".keyring")] == [damaged["demo.db"]]


def test_a_damaged_first_page_is_called_damaged_not_a_wrong_key(demo: Path) -> None:
    with demo.open("r+b") as fh:
        fh.seek(100)
        fh.write(b"\xff" * 200)
    with pytest.raises(DatabaseDamaged, match="is damaged"):
        sign_in(demo, "admin", PASSWORD)


def test_damage_beyond_the_start_up_check_is_caught_when_read(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a large file sign-in checks only the tables it needs (see cspdesk.storage.integrity);
    damage elsewhere is caught by SQLCipher's page HMAC when read, with the same plain message,
    and by the full check the window runs afterwards."""
    monkeypatch.setattr(integrity, "FULL_CHECK_MAX_BYTES", 0)  # treat the demo file as large
    _damage(demo, [_root_page(demo, _key(demo), "case_record")])
    ctx = sign_in(demo, "admin", PASSWORD)
    cases = CaseService(ctx)
    with pytest.raises(DatabaseDamaged, match="is damaged"):
        cases.case_rows(cases.case_ids()[:20])  # the rows themselves: the damaged table
    report = quick_check(ctx.store.engine)
    assert not report.ok and report.message
    close_workspace(ctx)


# -- a backup from a newer version -----------------------------------------------------------------


def _as_if_from_a_newer_version(info: backup_module.BackupInfo, key: bytes) -> None:
    con = backup_module._connect(info.db_file, key)  # noqa: SLF001
    con.execute("UPDATE alembic_version SET version_num = '0099_from_the_future'")
    con.commit()
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    manifest = info.folder / backup_module.MANIFEST
    data = json.loads(manifest.read_text(encoding="utf-8"))
    data.update(schema_revision="0099_from_the_future", db_sha256=backup_module._sha256(info.db_file))  # noqa: SLF001
    manifest.write_text(json.dumps(data), encoding="utf-8")


def test_a_backup_from_a_newer_version_is_refused_and_nothing_changes(tmp_path: Path) -> None:
    db = make_db(tmp_path / "panel.db")
    ctx = sign_in(db, "admin", PASSWORD)
    info = BackupService(ctx).backup_now(tmp_path / "future")
    key = ctx.vault.db_key
    _as_if_from_a_newer_version(info, key)
    info = backup_module.read_backup(info.folder)  # as the newer version wrote it, manifest and all
    before = fingerprint(db, keyring_path(db))

    with pytest.raises(RestoreRefused, match="newer version of CSPDesk") as err:
        BackupService(ctx).restore(info)
    assert "Nothing has been changed" in str(err.value)
    assert not ctx.read_only  # the session carries on
    AccountService(ctx).set_security_settings(30, 5)
    close_workspace(ctx)
    before = fingerprint(db, keyring_path(db))

    done = run_cli("restore", str(info.folder), "--db", str(db), "--user", "admin")
    assert done.returncode == 2 and "newer version of CSPDesk" in done.stderr and "Traceback" not in done.stderr
    assert fingerprint(db, keyring_path(db)) == before
    assert not [p for p in tmp_path.iterdir() if ".before-restore-" in p.name or ".restoring-" in p.name]

    # Opening such a file directly says the same, and changes nothing either. (A newer version's
    # own file is in WAL mode, as every live CSPDesk file is; the backup copy is not.)
    newer = tmp_path / "newer.db"
    shutil.copyfile(info.db_file, newer)
    shutil.copyfile(keyring_path(info.db_file), keyring_path(newer))
    con = backup_module._connect(newer, key)  # noqa: SLF001
    con.execute("PRAGMA journal_mode = WAL")
    con.close()
    snapshot = fingerprint(newer)
    with pytest.raises(OpenFailed, match="newer version of CSPDesk"):
        sign_in(newer, "admin", PASSWORD)
    assert fingerprint(newer) == snapshot


def test_a_damaged_backup_is_refused_before_anything_is_replaced(tmp_path: Path) -> None:
    db = make_db(tmp_path / "panel.db")
    ctx = sign_in(db, "admin", PASSWORD)
    info = BackupService(ctx).backup_now(tmp_path / "b")
    _damage(info.db_file, [2, 3])
    before = fingerprint(db, keyring_path(db))
    with pytest.raises(RestoreRefused, match="damaged"):
        BackupService(ctx).restore(info)
    assert fingerprint(db, keyring_path(db)) == before and not ctx.read_only
    close_workspace(ctx)


# -- a full disk -----------------------------------------------------------------------------------


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    # Unbuffered: a buffered file's close() would try the last partial block again and raise.
    with filler.open("wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 65536)
        except OSError:
            pass
        try:
            while True:
                fh.write(b"\0" * 512)  # down to the last few blocks
        except OSError:
            pass
    return filler


def test_a_full_disk_is_reported_plainly_and_loses_nothing(_demo: Path, tmp_path: Path) -> None:
    size = _demo.stat().st_size
    with small_filesystem(tmp_path / "small", f"{size // 1024 + 1536}k") as small:
        db = small / "demo.db"
        shutil.copyfile(_demo, db)
        shutil.copyfile(keyring_path(_demo), keyring_path(db))
        ctx = sign_in(db, "admin", PASSWORD)
        retention = RetentionService(ctx)
        panels = [r.panel_id for r in retention.retention_settings()]
        committed: dict[int, int] = {}

        def write(i: int) -> None:
            panel = panels[i % len(panels)]
            years = i % 90 + 2
            retention.set_retention(panel, years)
            committed[panel] = years  # only once the call has returned

        for i in range(5):
            write(i)
        _fill(small)
        with pytest.raises(DiskFull) as err:
            for i in range(5, 50_000):
                write(i)
        message = str(err.value)
        assert "is full" in message and "was not saved" in message and "Everything saved before it is safe" in message
        with pytest.raises(DiskFull):  # a change that also writes the keyring
            AccountService(ctx).set_security_settings(31, 5)
        with pytest.raises(DiskFull, match="not enough free space for a backup"):
            BackupService(ctx).backup_now(small / "backup")
        assert not [p for p in small.iterdir() if "backup" in p.name]
        close_workspace(ctx)

        (small / "filler").unlink()
        again = sign_in(db, "admin", PASSWORD)
        now = {r.panel_id: r.retention_years for r in RetentionService(again).retention_settings()}
        assert all(now[p] == years for p, years in committed.items())
        assert AccountService(again).security_settings().idle_lock_minutes != 31
        assert integrity_check(again.store.engine).ok and AuditService(again).verify().ok
        close_workspace(again)


LIMITED_WRITER = """
import json, os, resource, signal, sys
os.environ["CSPDESK_FAST_KDF"] = "1"
from cspdesk.services.access.accounts import AccountService
from cspdesk.services.access.auth import sign_in
from cspdesk.services.errors import StorageFault
from cspdesk.services.database.workspace import close_workspace
ctx = sign_in(sys.argv[1], "admin", sys.argv[2])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing us
limit = max(os.path.getsize(sys.argv[1]), 1) + 256 * 1024
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
done, error = [], None
try:
    for i in range(100_000):
        AccountService(ctx).set_security_settings(i % 240 + 1, 5)
        done.append(i % 240 + 1)
except StorageFault as exc:
    error = [type(exc).__name__, str(exc)]
print(json.dumps({"last": done[-1] if done else None, "count": len(done), "error": error}), flush=True)
close_workspace(ctx)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_a_file_size_limit_is_reported_plainly_and_loses_nothing(tmp_path: Path) -> None:
    """The closest thing to a full disk that needs no mount: the kernel refuses to let the
    database's files grow (RLIMIT_FSIZE) in a real process."""
    db = make_db(tmp_path / "panel.db")
    done = subprocess.run([sys.executable, "-c", LIMITED_WRITER, str(db), PASSWORD], capture_output=True,
                          text=True, env={**os.environ, "CSPDESK_FAST_KDF": "1"}, timeout=300)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["error"] is not None and result["count"] > 0
    kind, message = result["error"]
    assert kind in {"DiskFull", "StorageFault"} and "was not saved" in message
    ctx = sign_in(db, "admin", PASSWORD)
    assert AccountService(ctx).security_settings().idle_lock_minutes == result["last"]
    assert integrity_check(ctx.store.engine).ok and AuditService(ctx).verify().ok
    close_workspace(ctx)


def test_storage_faults_carry_no_driver_text() -> None:
    """The driver's message can quote values; the plain message never includes it."""
    from sqlalchemy.exc import OperationalError

    from cspdesk.services.context import storage_faults

    class Orig(Exception):
        sqlite_errorname = "SQLITE_FULL"

    with pytest.raises(DiskFull) as err, storage_faults(None, Path("/somewhere/panel.db")):
        raise OperationalError("INSERT ... 'Jane Doe'", {}, Orig("database or disk is full"))
    assert "Jane" not in str(err.value) and err.value.__cause__ is None
    with pytest.raises(StorageFault), storage_faults(None, None):
        raise OSError(5, "Input/output error")
    with pytest.raises(ZeroDivisionError), storage_faults(None, None):
        raise ZeroDivisionError  # not a fault of the file: a bug, left as it is
