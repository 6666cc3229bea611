"""One writer at a time: a second copy of CSPDesk (a real second process, or a record written by
"another computer" on a share) is refused with a plain message or opens read-only; a dead or
stale holder is taken over; a holder that was taken over stops writing."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from reliability_helpers import PASSWORD, fast_kdf, fingerprint, make_db, run_cli  # noqa: F401 - fast_kdf: autouse

from cspdesk.services.access.accounts import AccountService
from cspdesk.services.audit.audit import AuditService
from cspdesk.services.access.auth import AlreadyOpen, sign_in
from cspdesk.services.errors import ReadOnlySession
from cspdesk.services.database.workspace import OpenFailed, close_workspace
from cspdesk.storage import writer_lock
from cspdesk.storage.keyring import keyring_path
from cspdesk.storage.writer_lock import (
    RECORD_BYTES,
    WriterLock,
    WriterLockHeld,
    WriterLockLost,
    lock_path,
    read_holder,
    this_host,
)

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the second copy is started with POSIX signals")

#: A second copy of CSPDesk: signs in, says "ready", holds the file until its stdin closes.
HOLDER = """
import os, sys
os.environ["CSPDESK_FAST_KDF"] = "1"
from cspdesk.services.access.auth import sign_in
from cspdesk.services.database.workspace import close_workspace
ctx = sign_in(sys.argv[1], "admin", sys.argv[2])
print("ready", flush=True)
sys.stdin.read()
close_workspace(ctx)
print("closed", flush=True)
"""

SINCE = re.compile(r"already open on this file on this computer \(since (\d+ \w+ )?\d\d:\d\d\)\. "
                   r"Close it there first, or open it read-only\.")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_db(tmp_path / "panel.db")


@pytest.fixture
def second_copy(db: Path):
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(db), PASSWORD], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True, env={**os.environ, "CSPDESK_FAST_KDF": "1"})
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    for stream in (proc.stdin, proc.stdout):
        if stream is not None and not stream.closed:
            stream.close()


def _write_foreign_record(db: Path, *, host: str, age: timedelta, pid: int = 4242) -> None:
    """What a copy on another computer leaves in the lock file on a shared folder."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    record = json.dumps({"format": writer_lock.FORMAT, "host": host, "pid": pid, "token": "f" * 32,
                         "since": (now - age).isoformat(timespec="seconds"),
                         "heartbeat": (now - age).isoformat(timespec="seconds")}).encode()
    lock_path(db).write_bytes(record.ljust(RECORD_BYTES - 1) + b"\n")


def test_a_second_copy_is_refused_with_where_and_since(db: Path, second_copy) -> None:
    with pytest.raises(AlreadyOpen) as err:
        sign_in(db, "admin", PASSWORD)
    assert SINCE.search(str(err.value)), str(err.value)
    assert err.value.host == this_host()

    # The same from the command line: a plain message, no traceback.
    done = run_cli("panels", "--db", str(db), "--user", "admin")
    assert done.returncode == 2 and SINCE.search(done.stderr) and "Traceback" not in done.stderr


def test_a_second_copy_can_open_read_only_and_changes_nothing(db: Path, second_copy) -> None:
    before = fingerprint(keyring_path(db), lock_path(db))
    viewer = sign_in(db, "admin", PASSWORD, read_only=True)
    assert viewer.read_only
    assert {a.username for a in AccountService(viewer).list_accounts()} == {"admin"}
    with pytest.raises(ReadOnlySession) as refused:
        AccountService(viewer).set_security_settings(30, 5)
    assert str(refused.value) == ("Open read-only: another copy of CSPDesk on this computer is using this file. "
                                  "Changes are switched off.")
    close_workspace(viewer)
    assert fingerprint(keyring_path(db), lock_path(db)) == before  # not even the sign-in was written

    second_copy.stdin.close()  # the first copy closes
    assert second_copy.stdout.readline().strip() == "closed"
    ctx = sign_in(db, "admin", PASSWORD)
    logins = [r for r in AuditService(ctx).event_rows(AuditService(ctx).event_ids()) if r.kind.value == "login"]
    assert len(logins) == 2  # the holder's and this one: the read-only look left no entry
    close_workspace(ctx)


def test_a_copy_that_was_killed_is_taken_over_at_once(db: Path, second_copy) -> None:
    holder = read_holder(db)
    assert holder is not None and holder.pid == second_copy.pid
    os.kill(second_copy.pid, signal.SIGKILL)
    second_copy.wait()
    ctx = sign_in(db, "admin", PASSWORD)  # same computer, dead process: no waiting for staleness
    assert read_holder(db).pid == os.getpid()
    close_workspace(ctx)
    assert read_holder(db) is None  # released on close


def test_a_copy_on_another_computer_is_refused_until_its_heartbeat_is_stale(db: Path) -> None:
    _write_foreign_record(db, host="other-pc", age=timedelta(seconds=30))
    with pytest.raises(AlreadyOpen, match=r"on computer other-pc \(since "):
        sign_in(db, "admin", PASSWORD)
    _write_foreign_record(db, host="other-pc", age=timedelta(minutes=10))  # crashed 10 minutes ago
    ctx = sign_in(db, "admin", PASSWORD)
    assert read_holder(db).host == this_host()
    close_workspace(ctx)


def test_a_heartbeat_from_the_future_counts_as_live(db: Path) -> None:
    _write_foreign_record(db, host="fast-clock-pc", age=timedelta(minutes=-30))
    with pytest.raises(AlreadyOpen):
        sign_in(db, "admin", PASSWORD)


def test_an_os_lock_held_without_a_record_is_respected(db: Path) -> None:
    """A copy that has taken the OS lock but not yet written its record (or cannot read it)."""
    grab = ("import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); "
            "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); sys.stdin.read()")
    proc = subprocess.Popen([sys.executable, "-c", grab, str(lock_path(db))], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(WriterLockHeld):
            WriterLock(db).acquire()
        with pytest.raises(AlreadyOpen, match="on another computer or in another window"):
            sign_in(db, "admin", PASSWORD)
    finally:
        proc.stdin.close()
        proc.wait()
        proc.stdout.close()
    close_workspace(sign_in(db, "admin", PASSWORD))


def test_the_heartbeat_moves_and_a_takeover_stops_the_writer(db: Path, monkeypatch) -> None:
    monkeypatch.setattr(writer_lock, "HEARTBEAT_EVERY", 0.05)
    ctx = sign_in(db, "admin", PASSWORD)
    first = read_holder(db)
    time.sleep(1.1)  # the record keeps whole seconds
    assert read_holder(db).heartbeat > first.heartbeat
    assert not ctx.read_only

    # This laptop slept past the stale limit and another computer took the file over.
    _write_foreign_record(db, host="other-pc", age=timedelta(0))
    deadline = time.monotonic() + 5
    while not ctx.read_only and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ctx.read_only
    with pytest.raises(ReadOnlySession, match="Another copy of CSPDesk took over this file"):
        AccountService(ctx).set_security_settings(30, 5)
    close_workspace(ctx)
    assert read_holder(db).host == "other-pc"  # closing did not wipe the new holder's record


def test_refresh_and_release_by_hand(db: Path) -> None:
    lock = WriterLock(db, settle_seconds=0)
    with pytest.raises(WriterLockLost):
        lock.refresh()  # not held yet
    lock.acquire()
    before = read_holder(db)
    lock.refresh()
    assert read_holder(db).token == before.token
    lock.release()
    lock.release()  # idempotent
    assert read_holder(db) is None and not lock.held


def test_one_process_shares_its_hold(db: Path) -> None:
    """Two sessions in one process (another user at the same window) are one copy of CSPDesk."""
    a = sign_in(db, "admin", PASSWORD)
    b = sign_in(db, "admin", PASSWORD)
    close_workspace(a)
    assert read_holder(db) is not None  # b still holds it
    AccountService(b).set_security_settings(30, 5)
    close_workspace(b)
    assert read_holder(db) is None


# -- the file's identity, not its name (issue 22, item 8) ------------------------------------------


def _second_name(db: Path, name: Path, *, hard: bool) -> Path:
    """Another name for the same database file, with a copy of its keyring beside it (which is all
    anyone needs to sign in through that name)."""
    if hard:
        os.link(db, name)
    else:
        name.symlink_to(db)
    shutil.copyfile(keyring_path(db), keyring_path(name))
    return name


def test_a_hard_link_is_refused_for_writing(db: Path, second_copy: subprocess.Popen, tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()
    other = _second_name(db, tmp_path / "other" / "copy.db", hard=True)
    with pytest.raises(OpenFailed, match=r"another name \(a hard link\)"):
        sign_in(other, "admin", PASSWORD)
    assert not (tmp_path / "other" / "copy.db-wal").exists()  # it wrote nothing through its own WAL
    # Still refused once the first copy has closed: two names mean two WALs for one file.
    second_copy.stdin.close()
    assert second_copy.stdout.readline().strip() == "closed"
    with pytest.raises(OpenFailed, match="hard link"):
        sign_in(other, "admin", PASSWORD)
    ctx = sign_in(other, "admin", PASSWORD, read_only=True)  # looking is harmless
    close_workspace(ctx)


def test_a_symlink_to_an_open_file_is_refused(db: Path, second_copy: subprocess.Popen, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    link = _second_name(db, tmp_path / "elsewhere" / "link.db", hard=False)
    with pytest.raises(AlreadyOpen, match="already open on this file on this computer"):
        sign_in(link, "admin", PASSWORD)
    second_copy.stdin.close()
    assert second_copy.stdout.readline().strip() == "closed"
    ctx = sign_in(link, "admin", PASSWORD)  # once closed, the link opens the one real file
    assert lock_path(link) == lock_path(db)
    close_workspace(ctx)


def test_the_same_file_under_another_mount_meets_the_identity_lock(db: Path, second_copy: subprocess.Popen,
                                                                    tmp_path: Path) -> None:
    """The database file bind-mounted into another folder: same device and inode, a path no
    realpath() leads back from, and a lock file of its own beside it."""
    if os.geteuid() != 0:
        pytest.skip("a bind mount needs root")
    (tmp_path / "mounted").mkdir()
    view = tmp_path / "mounted" / db.name
    view.touch()
    if subprocess.run(["mount", "--bind", str(db), str(view)], capture_output=True).returncode != 0:
        pytest.skip("no bind mounts here")
    try:
        shutil.copyfile(keyring_path(db), keyring_path(view))
        assert lock_path(view) != lock_path(db)  # the name-based lock alone would let it in
        with pytest.raises(AlreadyOpen):
            sign_in(view, "admin", PASSWORD)
    finally:
        subprocess.run(["umount", "-l", str(view)], capture_output=True)
