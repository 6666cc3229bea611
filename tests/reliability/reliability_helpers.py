"""Helpers for the reliability tests: databases, and real faults (mounts, read-only folders)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

PASSWORD = "correct horse battery"
REPO = Path(__file__).resolve().parents[2]


# Not a conftest.py: tests/storage imports ``conftest`` by name (tests/conftest.py), and a second
# conftest module here would shadow it. Each test module imports this autouse fixture instead.
@pytest.fixture(autouse=True)
def fast_kdf(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 made cheap and failed sign-ins not slowed: these tests sign in many times."""
    monkeypatch.setenv("CSPDESK_FAST_KDF", "1")
    from cspdesk.services.access import auth

    monkeypatch.setattr(auth, "FAILED_DELAY_STEP", 0.0)


def make_db(path: Path, *, partnership: str | None = "Safer Testshire") -> Path:
    """A new database with the administrator ``admin`` / :data:`PASSWORD`, closed again."""
    from cspdesk.services.access.auth import create_database
    from cspdesk.services.database.workspace import close_workspace

    created = create_database(path, admin_username="admin", admin_name="Ada Admin", password=PASSWORD,
                              partnership_name=partnership)
    close_workspace(created.ctx)
    return path


def fingerprint(*paths: Path) -> dict[str, str]:
    """SHA-256 of each file that exists (to show that nothing was changed)."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.exists()}


def files_of(db: Path) -> list[Path]:
    return [db, db.with_name(db.name + ".keyring"), db.with_name(db.name + "-wal")]


def run_cli(*args: str, password: str = PASSWORD, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -m cspdesk ARGS`` in a fresh process, as a person would run it."""
    full_env = {**os.environ, "CSPDESK_PASSWORD": password, "CSPDESK_FAST_KDF": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "cspdesk", *args], capture_output=True, text=True,
                          env=full_env, cwd=REPO, timeout=timeout)


def _run(cmd: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True)


@contextmanager
def small_filesystem(where: Path, size: str) -> Iterator[Path]:
    """A real file system of ``size`` (a tmpfs) mounted at ``where``; skips the test if this
    machine does not allow mounting (not root, or a container without CAP_SYS_ADMIN)."""
    if shutil.which("mount") is None or os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root (run as root, e.g. in CI's container)")
    where.mkdir(parents=True, exist_ok=True)
    done = _run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)])
    if done.returncode != 0:
        pytest.skip(f"this machine does not allow mounting a tmpfs: {done.stderr.strip()}")
    try:
        yield where
    finally:
        _run(["umount", "-l", str(where)])


@contextmanager
def read_only_view(folder: Path, view: Path) -> Iterator[Path]:
    """``folder`` seen read-only at ``view``, for real: a read-only bind mount when running as root
    (chmod does not stop root), otherwise permissions (0555 folder, 0444 files), which do stop
    everyone else."""
    if os.geteuid() == 0:
        view.mkdir(parents=True, exist_ok=True)
        bind = _run(["mount", "--bind", str(folder), str(view)])
        if bind.returncode != 0:
            pytest.skip(f"root, but no bind mounts here: {bind.stderr.strip()}")
        try:
            ro = _run(["mount", "-o", "remount,bind,ro", str(view)])
            if ro.returncode != 0:
                pytest.skip(f"a bind mount cannot be made read-only here: {ro.stderr.strip()}")
            yield view
        finally:
            _run(["umount", "-l", str(view)])
        return
    modes = {p: p.stat().st_mode for p in [folder, *folder.iterdir()]}
    for p in folder.iterdir():
        p.chmod(0o444)
    folder.chmod(0o555)
    try:
        yield folder
    finally:
        for p, mode in modes.items():
            p.chmod(mode)
