"""Wiping a meeting file once its meeting is back on the server (or was never made whole)."""

from __future__ import annotations

import os
from pathlib import Path

from cspdesk.storage.keyring import keyring_path

#: Bytes overwritten per write.
_CHUNK = 1 << 20


def meeting_file_parts(path: Path) -> tuple[Path, ...]:
    """The file and everything SQLCipher and CSPDesk keep beside it."""
    return (path, keyring_path(path), path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"),
            path.with_name(path.name + ".lock"), path.with_name(path.name + ".keyring.lock"))


def _overwrite(part: Path) -> None:
    size = part.stat().st_size
    with open(part, "r+b", buffering=0) as fh:
        done = 0
        while done < size:
            n = min(_CHUNK, size - done)
            fh.write(os.urandom(n))
            done += n
        os.fsync(fh.fileno())


def wipe_meeting_file(path: Path) -> None:
    """Overwrite the file and its companions with random bytes, fsync, and delete them. (On a
    copy-on-write or flash file system the old blocks may survive the overwrite; the file was
    encrypted throughout, and its key goes with the keyring.)"""
    for part in meeting_file_parts(Path(path)):
        if not part.exists():
            continue
        try:
            _overwrite(part)
        finally:
            part.unlink(missing_ok=True)
