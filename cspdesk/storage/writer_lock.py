"""One writer at a time: ``<db>.lock`` beside the database says who has it open for writing.

SQLite's own locks keep two *transactions* apart, not two *copies of CSPDesk*: two copies writing
the same file would each believe their view is current, and on a network share SQLite's locks
(and WAL's shared memory) do not work across computers at all. So a copy that opens a file for
writing takes this lock, and a second copy either refuses or opens read-only.

Two lines of defence:

1. **The record** in the lock file: host name, process id, a random token, when it was taken and
   a heartbeat the holder rewrites every :data:`HEARTBEAT_EVERY` seconds. It works wherever the
   file does, network shares included. A record whose heartbeat is older than
   :data:`STALE_AFTER`, or whose process is dead on this same computer, is stale and may be
   taken over (a crash, a power cut, a laptop closed mid-meeting).
2. **An OS lock** on the lock file (``flock`` on POSIX, ``msvcrt.locking`` on Windows), released
   by the OS when the holder dies however it dies. Between processes of one computer it is exact,
   so there it decides; across computers on a share it may be missing or stale, so there the
   heartbeat decides. A held OS lock always means "in use".

3. **The file's identity.** The lock file is named after the database's real path (symlinks
   resolved), and the holder also takes an OS lock on the *database file itself* (its device and
   inode; on Windows its file id): a second name for the same file — a bind mount, another mount
   of the same share — meets the same lock. A database file with more than one name (a hard link)
   is refused outright for writing: SQLite names the ``-wal`` after the name given, so two names
   mean two write-ahead logs for one file, and writes lost.

   SQLite's own exclusive locking mode is *not* used: it would shut out the read-only second window
   (which reads through the WAL's shared memory). The identity lock is taken on one byte of
   SQLite's lock page, which SQLite never reads or writes as data, so it disturbs no reader.

The holder's heartbeat also notices a takeover (its token replaced: it slept past the stale limit
and someone took the file), and reports it through ``on_lost`` so the session stops writing.

Hazard: staleness is judged by comparing the holder's clock (in the record, UTC) with the
reader's; computers whose clocks differ by more than :data:`STALE_AFTER` could misjudge it. A
heartbeat from the future counts as live, so skew errs towards refusing.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import socket
import struct
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

log = logging.getLogger(__name__)

FORMAT = "cspdesk-lock/1"
#: Seconds between heartbeats of a holder.
HEARTBEAT_EVERY = 20.0
#: A heartbeat older than this (seconds) means the holder is gone.
STALE_AFTER = 120.0
#: The record is written in place at the start of the file, padded to this size, so a rewrite
#: never needs new disk space (a full disk must not break the heartbeat).
RECORD_BYTES = 512
#: The OS lock covers one byte here, past the record: on Windows a locked range cannot be read by
#: others, and they must be able to read who holds the file.
OS_LOCK_OFFSET = 4096


#: The byte of the database file the identity lock covers: in SQLite's lock page (the page holding
#: byte 0x40000000, never used for data) and past the 512 bytes SQLite itself locks there. Needs a
#: page size of at least 1024 (SQLCipher's is 4096).
IDENTITY_LOCK_BYTE = 0x40000000 + 600


def lock_path(db_path: Path) -> Path:
    """``<db>.lock`` beside the database's real file (a symlink's name does not count)."""
    real = Path(os.path.realpath(db_path))
    return real.with_name(real.name + ".lock")


class FileHasOtherNames(Exception):
    """The database file has another name (a hard link): refused for writing. Plain message."""

    def __init__(self, db_path: Path) -> None:
        super().__init__(
            f"{db_path.name} is also reachable under another name (a hard link), so CSPDesk will not open it "
            "for writing: changes made under one name could be lost under the other. Remove the other name, "
            "or copy the database and its keyring to a new place, then open the copy."
        )


def _utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def this_host() -> str:
    return socket.gethostname() or "unknown"


@dataclass(frozen=True)
class LockHolder:
    host: str
    pid: int
    token: str
    since: datetime  # naive UTC
    heartbeat: datetime  # naive UTC

    @property
    def on_this_host(self) -> bool:
        return self.host == this_host()

    def is_stale(self, now: datetime | None = None, stale_after: float = STALE_AFTER) -> bool:
        age = ((now or _utcnow()) - self.heartbeat).total_seconds()
        return age > stale_after

    def since_local(self) -> str:
        """When it was taken, in this computer's local time: "10:02", or "3 Nov 10:02"."""
        local = self.since.replace(tzinfo=timezone.utc).astimezone()
        today = datetime.now().astimezone().date()
        return f"{local:%H:%M}" if local.date() == today else f"{local.day} {local:%b %H:%M}"

    def where(self) -> str:
        return "on this computer" if self.on_this_host else f"on computer {self.host}"


class WriterLockHeld(Exception):
    """Another live copy of CSPDesk has the file open for writing. ``holder`` says which (None
    when the OS lock is held but no record could be read yet)."""

    def __init__(self, holder: LockHolder | None) -> None:
        self.holder = holder
        where = holder.where() if holder else "on another computer or in another window"
        super().__init__(f"CSPDesk is already open on this file {where}.")


class WriterLockLost(Exception):
    """The lock was taken over by another copy (this one's heartbeat went stale)."""


def pid_alive(pid: int) -> bool:
    """Is process ``pid`` running on this computer? (Errs towards True when it cannot tell.)"""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would *terminate* the process on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return ctypes.get_last_error() == 5  # access denied: it exists
        try:
            code = ctypes.c_ulong()
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# -- the OS lock -------------------------------------------------------------------------------


def _nonblocking(take: Callable[[], None], what: str) -> bool | None:
    """Run ``take`` (an OS lock call that does not wait): True taken, False held by someone else,
    None unsupported on this file system."""
    try:
        take()
        return True
    except (BlockingIOError, PermissionError):
        return False
    except OSError as exc:
        import errno

        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EDEADLK):
            return False
        # ENOLCK and friends: this file system does not lock (some network shares). The record
        # (and the heartbeat) still guard the file.
        log.info("no %s on this file system (errno %s); relying on the heartbeat", what, exc.errno)
        return None


def _os_lock(fd: int) -> bool | None:
    """Try the OS lock without waiting: True taken, False held by someone else, None unsupported."""

    def take() -> None:
        if sys.platform == "win32":
            import msvcrt

            os.lseek(fd, OS_LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            # flock, not lockf: POSIX record locks are per process, so closing *any* descriptor
            # of the file in this process (reading the record, say) would drop them.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    return _nonblocking(take, "OS lock")


def _os_unlock(fd: int) -> None:
    try:
        if sys.platform == "win32":
            import msvcrt

            os.lseek(fd, OS_LOCK_OFFSET, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_UN)
    except OSError:
        pass  # closing the descriptor releases it anyway


def _identity_lock(fd: int) -> bool | None:
    """Lock :data:`IDENTITY_LOCK_BYTE` of the open database file without waiting: True taken,
    False held by another copy, None not supported here."""

    def take() -> None:
        if sys.platform == "win32":
            import msvcrt

            os.lseek(fd, IDENTITY_LOCK_BYTE, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return
        import fcntl

        if hasattr(fcntl, "F_OFD_SETLK"):
            # Linux: an open-file-description lock on one byte. Unlike a plain fcntl lock it is not
            # dropped when SQLite closes another descriptor of the same file in this process, and
            # on a network share it is a byte-range lock the server keeps (flock may be emulated
            # there as a lock on the whole file, which would block SQLite's readers).
            flock = struct.pack("@hhqqixxxx", fcntl.F_WRLCK, os.SEEK_SET, IDENTITY_LOCK_BYTE, 1, 0)
            fcntl.fcntl(fd, fcntl.F_OFD_SETLK, flock)
        else:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # independent of SQLite's fcntl locks

    return _nonblocking(take, "identity lock")


# -- the record --------------------------------------------------------------------------------


def _read_record(fd: int) -> LockHolder | None:
    os.lseek(fd, 0, os.SEEK_SET)
    raw = os.read(fd, RECORD_BYTES)
    text_value = raw.decode("utf-8", errors="replace").strip().strip("\x00")
    if not text_value:
        return None
    try:
        data = json.loads(text_value)
        if data.get("format") != FORMAT:
            return None
        return LockHolder(
            host=str(data["host"]), pid=int(data["pid"]), token=str(data["token"]),
            since=datetime.fromisoformat(data["since"]), heartbeat=datetime.fromisoformat(data["heartbeat"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # torn or foreign: treated as no record (the OS lock still speaks)


def _write_record(fd: int, holder: LockHolder | None) -> None:
    if holder is None:
        payload = b""
    else:
        payload = json.dumps({
            "format": FORMAT, "host": holder.host, "pid": holder.pid, "token": holder.token,
            "since": holder.since.isoformat(timespec="seconds"),
            "heartbeat": holder.heartbeat.isoformat(timespec="seconds"),
        }).encode("utf-8")
    if len(payload) > RECORD_BYTES - 1:
        raise ValueError("lock record too long")
    block = payload + b" " * (RECORD_BYTES - 1 - len(payload)) + b"\n"
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, block)
    os.fsync(fd)


def read_holder(db_path: Path) -> LockHolder | None:
    """Who holds ``db_path`` for writing, if anyone is recorded (live or stale)."""
    try:
        fd = os.open(lock_path(db_path), os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        return _read_record(fd)
    finally:
        os.close(fd)


class _Hold:
    """This process's hold on one lock file, shared by every :class:`WriterLock` handle on it."""

    def __init__(self, key: str, fd: int, os_locked: bool, record: LockHolder) -> None:
        self.key = key
        self.fd = fd
        #: The database file itself, held open for its identity lock (-1: not yet, or no file).
        self.db_fd = -1
        self.os_locked = os_locked
        self.record = record
        self.handles = 0
        self.lost = False
        self.mutex = threading.Lock()
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None
        self.on_lost: list[Callable[[], None]] = []


#: Holds by lock-file path. One process is one copy of CSPDesk: a second sign-in to the same file
#: from the same process (another user at the same window, a test) shares the hold rather than
#: being refused; SQLite's own locks keep its transactions apart.
_HOLDS: dict[str, _Hold] = {}
_HOLDS_MUTEX = threading.Lock()


class WriterLock:
    """A handle on the writer's lock of one database file: ``acquire`` → (``refresh`` …) →
    ``release``. Handles in one process share one hold (reference-counted).

    ``refresh`` is cheap (one 512-byte write and fsync); call it every :data:`HEARTBEAT_EVERY`
    seconds, or let :meth:`start_heartbeat` do it on a background thread.
    """

    def __init__(self, db_path: Path, *, stale_after: float | None = None,
                 heartbeat_every: float | None = None, settle_seconds: float = 0.05) -> None:
        self.db_path = Path(db_path)
        self.path = lock_path(self.db_path)
        self.stale_after = STALE_AFTER if stale_after is None else stale_after
        self.heartbeat_every = HEARTBEAT_EVERY if heartbeat_every is None else heartbeat_every
        #: After writing our record, wait this long and read it back: a copy on another computer
        #: (whose OS lock we may not see) may have judged the same record free at the same moment;
        #: the last writer wins, and the loser must see that it lost.
        self.settle_seconds = settle_seconds
        self._hold: _Hold | None = None
        self._callback: Callable[[], None] | None = None

    @property
    def held(self) -> bool:
        return self._hold is not None and not self._hold.lost

    @property
    def record(self) -> LockHolder | None:
        return self._hold.record if self._hold is not None else None

    def acquire(self) -> WriterLock:
        """Take the lock, or raise :class:`WriterLockHeld` (or OSError: the folder is read-only,
        the disk is full…). Returns self."""
        if self._hold is not None:
            return self
        key = os.path.realpath(self.path)
        with _HOLDS_MUTEX:
            hold = _HOLDS.get(key)
            if hold is None or hold.lost:
                hold = self._take(key)
                _HOLDS[key] = hold
            hold.handles += 1
            self._hold = hold
        try:
            self.bind_file()
        except BaseException:
            self.release()
            raise
        return self

    def bind_file(self) -> None:
        """Take the identity lock on the database file (done by :meth:`acquire` when the file
        exists; call again once a new database file has been made). Raises
        :class:`FileHasOtherNames` for a hard-linked file, :class:`WriterLockHeld` if another
        copy holds the file under another name."""
        hold = self._hold
        if hold is None or hold.db_fd >= 0:
            return
        real = os.path.realpath(self.db_path)
        try:
            fd = os.open(real, os.O_RDWR | getattr(os, "O_BINARY", 0))
        except FileNotFoundError:
            return  # a database not made yet
        try:
            if os.fstat(fd).st_nlink > 1:
                raise FileHasOtherNames(self.db_path)
            if _identity_lock(fd) is False:
                raise WriterLockHeld(None)
        except BaseException:
            os.close(fd)
            raise
        with hold.mutex:
            hold.db_fd = fd

    def _take(self, key: str) -> _Hold:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
        os_locked = None
        try:
            os_locked = _os_lock(fd)
            current = _read_record(fd)
            if os_locked is False:
                raise WriterLockHeld(current)
            if current is not None and not self._may_take_over(current, os_locked):
                raise WriterLockHeld(current)
            now = _utcnow()
            mine = LockHolder(this_host(), os.getpid(), secrets.token_hex(16), now, now)
            _write_record(fd, mine)
            if self.settle_seconds > 0:
                threading.Event().wait(self.settle_seconds)
                seen = _read_record(fd)
                if seen is None or seen.token != mine.token:
                    raise WriterLockHeld(seen)
            if current is not None:
                log.info("took over a stale writer's lock (heartbeat %s)", current.heartbeat.isoformat())
        except BaseException:
            if os_locked:
                _os_unlock(fd)
            os.close(fd)
            raise
        return _Hold(key, fd, bool(os_locked), mine)

    def _may_take_over(self, current: LockHolder, os_locked: bool | None) -> bool:
        if current.on_this_host:
            if os_locked:
                # One computer's OS locks are exact: the recorded process does not hold the file
                # (it died, and its pid may have been reused).
                return True
            return not pid_alive(current.pid) or current.is_stale(stale_after=self.stale_after)
        return current.is_stale(stale_after=self.stale_after)

    def refresh(self) -> None:
        """Rewrite the heartbeat. Raises :class:`WriterLockLost` if another copy has taken over
        (the hold is then given up), OSError if the file cannot be written."""
        hold = self._hold
        if hold is None:
            raise WriterLockLost("this lock is not held")
        with hold.mutex:
            if hold.lost:
                raise WriterLockLost("another copy of CSPDesk took over this file")
            seen = _read_record(hold.fd)
            if seen is None or seen.token != hold.record.token:
                hold.lost = True
                _close_hold(hold, clear=False)
                raise WriterLockLost("another copy of CSPDesk took over this file")
            hold.record = LockHolder(seen.host, seen.pid, seen.token, seen.since, _utcnow())
            _write_record(hold.fd, hold.record)

    def release(self) -> None:
        """Give this handle up (idempotent); the last handle in the process frees the file. The
        record is cleared only if it is still ours."""
        hold, self._hold = self._hold, None
        if hold is None:
            return
        with _HOLDS_MUTEX:
            if self._callback is not None and self._callback in hold.on_lost:
                hold.on_lost.remove(self._callback)
            hold.handles -= 1
            if hold.handles > 0:
                return
            if _HOLDS.get(hold.key) is hold:
                del _HOLDS[hold.key]
        hold.stop.set()
        thread = hold.thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)
        with hold.mutex:
            _close_hold(hold, clear=True)

    # -- the heartbeat thread (no Qt: a plain daemon thread) -----------------------------------

    def start_heartbeat(self, on_lost: Callable[[], None] | None = None) -> None:
        """Refresh every ``heartbeat_every`` seconds until the last :meth:`release`. If the lock
        is lost, ``on_lost`` (of every handle) is called on the heartbeat thread."""
        hold = self._hold
        if hold is None:
            raise WriterLockLost("this lock is not held")
        if on_lost is not None:
            self._callback = on_lost
            hold.on_lost.append(on_lost)
        if hold.thread is not None:
            return
        interval = self.heartbeat_every

        def run() -> None:
            handle = WriterLock(self.db_path)
            handle._hold = hold  # refresh through the shared hold, without counting a handle
            while not hold.stop.wait(interval):
                try:
                    handle.refresh()
                except WriterLockLost:
                    log.warning("the writer's lock was taken over by another copy of CSPDesk")
                    for callback in list(hold.on_lost):
                        callback()
                    return
                except OSError as exc:  # a share gone for a moment, a full disk: keep trying
                    log.warning("could not refresh the writer's lock (errno %s)", exc.errno)

        hold.thread = threading.Thread(target=run, name="cspdesk-writer-lock", daemon=True)
        hold.thread.start()

    def __enter__(self) -> WriterLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _close_hold(hold: _Hold, *, clear: bool) -> None:
    """Close the hold's descriptor (the caller holds ``hold.mutex``)."""
    if hold.fd < 0:
        return
    try:
        if clear and not hold.lost:
            try:
                seen = _read_record(hold.fd)
                if seen is not None and seen.token == hold.record.token:
                    # Emptied, not deleted: deleting a lock file races with someone opening it.
                    _write_record(hold.fd, None)
            except OSError:
                pass  # a moved folder or a full disk: the dead pid / stale heartbeat frees it
        if hold.os_locked:
            _os_unlock(hold.fd)
    finally:
        os.close(hold.fd)
        hold.fd = -1
        if hold.db_fd >= 0:
            os.close(hold.db_fd)  # releases the identity lock (OFD, flock or msvcrt alike)
            hold.db_fd = -1
