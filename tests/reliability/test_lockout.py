"""Lock-out that holds (issue 22, item 6): parallel guesses all count, a read-only keyring neither
speeds a guess up nor tells the right password apart, the idle lock checks the lock-out, and an
unknown name takes as long as a known one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from reliability_helpers import PASSWORD, fast_kdf, make_db, read_only_view  # noqa: F401 - fast_kdf: autouse

from cspdesk.services.access import auth
from cspdesk.services.access.auth import AccountLocked, sign_in, verify_password
from cspdesk.services.errors import FileReadOnly
from cspdesk.services.database.workspace import close_workspace
from cspdesk.storage.keyring import Keyring

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="processes started with fork-safe POSIX tools")

#: One guesser: waits for the start file, then one wrong sign-in.
GUESSER = """
import os, sys, time
os.environ["CSPDESK_FAST_KDF"] = "1"
from cspdesk.services.access import auth
auth.FAILED_DELAY_STEP = 0.0
db, go = sys.argv[1], sys.argv[2]
while not os.path.exists(go):
    time.sleep(0.001)
try:
    auth.sign_in(db, "admin", "not the password at all")
except auth.SignInFailed:
    print("refused", flush=True)
"""


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = make_db(tmp_path / "panel.db")
    ring = Keyring.load(path)
    ring.max_failed_attempts = 20  # ten guesses must count without locking
    ring.save()
    return path


def test_ten_parallel_wrong_guesses_count_ten(db: Path, tmp_path: Path) -> None:
    go = tmp_path / "go"
    env = {**os.environ, "CSPDESK_FAST_KDF": "1", "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [subprocess.Popen([sys.executable, "-c", GUESSER, str(db), str(go)], stdout=subprocess.PIPE,
                              text=True, env=env) for _ in range(10)]
    time.sleep(2.0)  # let all ten import and wait at the start line
    go.touch()
    outs = [p.communicate(timeout=120)[0] for p in procs]
    assert outs == ["refused\n"] * 10
    assert Keyring.load(db).failures("admin") == 10


def test_a_read_only_keyring_delays_and_answers_alike(db: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "FAILED_DELAY_STEP", 0.4)
    with read_only_view(db.parent, tmp_path / "ro") as view:
        answers = []
        for password in ("a wrong password", PASSWORD):
            start = time.monotonic()
            with pytest.raises(FileReadOnly) as refused:
                sign_in(view / db.name, "admin", password)
            answers.append((str(refused.value), time.monotonic() - start))
        (wrong, wrong_s), (right, right_s) = answers
        assert wrong == right  # the message does not tell the right password apart
        assert wrong_s >= 0.4 and right_s >= 0.4  # and neither answers before the delay
        # A wrong guess on a read-only sign-in is slowed too, though it cannot be counted here.
        start = time.monotonic()
        with pytest.raises(auth.SignInFailed, match="not right"):
            sign_in(view / db.name, "admin", "a wrong password", read_only=True)
        assert time.monotonic() - start >= 0.4
        close_workspace(sign_in(view / db.name, "admin", PASSWORD, read_only=True))


def test_a_locked_account_cannot_unlock_the_idle_lock(db: Path) -> None:
    ctx = sign_in(db, "admin", PASSWORD)
    assert verify_password(ctx, PASSWORD)
    ring = Keyring.load(db)  # guesses from elsewhere lock the account meanwhile
    for _ in range(ring.max_failed_attempts):
        ring.record_failure("admin")
    ring.save()
    with pytest.raises(AccountLocked):
        verify_password(ctx, PASSWORD)
    close_workspace(ctx)


def test_an_unknown_name_takes_as_long_as_a_known_one(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Measured relative to each other, with the delay on (the argon2 cost is the entries' own)."""
    monkeypatch.setattr(auth, "FAILED_DELAY_STEP", 0.3)

    def timed(name: str) -> float:
        start = time.monotonic()
        with pytest.raises(auth.SignInFailed, match="not right"):
            sign_in(db, name, "a wrong password")
        return time.monotonic() - start

    known, unknown = timed("admin"), timed("nobody.here")
    assert known >= 0.3 and abs(known - unknown) < 0.15, (known, unknown)
