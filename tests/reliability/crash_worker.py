"""The process the crash harness kills: signs in and writes through the services, forever.

After each service call has *returned* (its transaction committed) it appends one line to its
report file with ``os.write`` (no buffering, so a line written is a line the parent will read,
however the process dies):

    R <audit id> <panel id> <years>        RetentionService.set_retention
    S <audit id> <idle minutes> <max>      AccountService.set_security_settings
    A <audit id> <username>                AccountService.add_account (also writes the keyring)
    k                                      a re-key begins (mode ``rekey``)
    K <audit id>                           RekeyService.change_key has returned

The mode (last word of a ``run`` line, default ``write``): ``write`` as above; ``rekey`` changes the
database key half the time instead; ``rekey-kill:STEP`` changes it once and SIGKILLs itself at
STEP of the change (:data:`REKEY_STEPS`), for the points a random kill may miss.

Two ways to start (tests/reliability/test_crash.py uses both):

- ``crash_worker.py run DB USER PASSWORD SEED REPORT [MODE]``: a fresh interpreter (about 0.8 s of
  imports before it signs in);
- ``crash_worker.py zygote``: imports everything once, then for each ``run SEED REPORT DB USER
  PASSWORD [MODE]`` line on stdin forks a child that signs in and writes, and answers ``pid N``. The
  child is a real process of its own (it opens the database itself, after the fork); the zygote
  never opens the database. Children are reaped automatically (SIGCHLD ignored).

No Qt anywhere. ``CSPDESK_FAST_KDF=1`` keeps signing in cheap.
"""

from __future__ import annotations

import os
import random
import signal
import sys
from contextlib import contextmanager

os.environ.setdefault("CSPDESK_FAST_KDF", "1")

#: Where ``rekey-kill:STEP`` dies: around the save of the pending key, right after the file was
#: re-encrypted, and around the save that makes the new key current.
REKEY_STEPS = ("pending:before-save", "pending:after-save", "rekey:after", "commit:before-save",
               "commit:after-save")


def _imports() -> None:
    import cspdesk.services.access.accounts  # noqa: F401
    import cspdesk.services.access.auth  # noqa: F401
    import cspdesk.services.partnership.panels  # noqa: F401
    import cspdesk.services.access.rekey  # noqa: F401
    import cspdesk.services.partnership.retention  # noqa: F401


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _kill_at(step: str) -> None:
    """Make the next re-key SIGKILL this process at ``step`` (one of :data:`REKEY_STEPS`)."""
    from cspdesk.services.access import rekey
    from cspdesk.storage.engine import Store
    from cspdesk.storage.keyring import Keyring

    phases = iter(("pending", "commit"))

    class Killing(Keyring):
        @classmethod
        @contextmanager
        def editing(cls, db_path):  # noqa: ANN001, ANN206
            phase = next(phases, "later")
            with Keyring.editing(db_path) as ring:
                yield ring
                if step == f"{phase}:before-save":
                    _die()
            if step == f"{phase}:after-save":
                _die()

    change_key = Store.change_key

    def change_then_die(self, old_key: bytes, new_key: bytes) -> None:  # noqa: ANN001
        change_key(self, old_key, new_key)
        if step == "rekey:after":
            _die()

    rekey.Keyring = Killing  # type: ignore[misc]
    Store.change_key = change_then_die  # type: ignore[method-assign]


def work(db: str, user: str, password: str, seed: int, report_path: str, mode: str = "write") -> None:
    from sqlalchemy import func, select

    from cspdesk.domain.enums import Role
    from cspdesk.services.access.accounts import AccountService
    from cspdesk.services.access.auth import sign_in
    from cspdesk.services.partnership.panels import PanelService
    from cspdesk.services.access.rekey import RekeyService
    from cspdesk.services.partnership.retention import RetentionService
    from cspdesk.storage.models import AuditEvent

    out = os.open(report_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def say(line: str) -> None:
        os.write(out, (line + "\n").encode())

    rng = random.Random(seed)
    ctx = sign_in(db, user, password)
    panels = [p.id for p in PanelService(ctx).list_panels()]
    retention = RetentionService(ctx)
    accounts = AccountService(ctx)
    say("READY")

    def last_audit_id() -> int:
        with ctx.reading() as s:
            return int(s.scalar(select(func.max(AuditEvent.id))) or 0)

    if mode.startswith("rekey-kill:"):
        _kill_at(mode.split(":", 1)[1])
    n = 0
    while True:
        n += 1
        roll = rng.random()
        if mode != "write" and roll < 0.5:
            say("k")  # a re-key begins (the harness counts kills that land before its "K")
            RekeyService(ctx).change_key()
            say(f"K {last_audit_id()}")
        elif roll < 0.80:
            panel = rng.choice(panels)
            current = {r.panel_id: r.retention_years for r in retention.retention_settings()}[panel]
            years = current % 99 + 1  # always a change (set_retention writes nothing otherwise)
            retention.set_retention(panel, years)
            say(f"R {last_audit_id()} {panel} {years}")
        elif roll < 0.95:
            idle, most = rng.randint(1, 240), rng.randint(3, 20)
            accounts.set_security_settings(idle, most)
            say(f"S {last_audit_id()} {idle} {most}")
        else:
            name = f"crash.{seed}.{n}"
            accounts.add_account(name, "Crash Test", Role.VIEWER, agency_id=None, panel_ids=frozenset(),
                                 temporary_password="temporary password")
            say(f"A {last_audit_id()} {name}")


def _child(seed: int, report: str, db: str, user: str, password: str, mode: str = "write") -> None:
    try:
        work(db, user, password, seed, report, mode)
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which fails the test
        try:
            with open(report, "a", encoding="utf-8") as fh:
                fh.write(f"ERROR {type(exc).__name__}: {exc}\n")
        finally:
            os._exit(1)


def zygote() -> None:
    _imports()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "quit":
            return
        seed, report, db, user, password = int(parts[1]), parts[2], parts[3], parts[4], parts[5]
        mode = parts[6] if len(parts) > 6 else "write"
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            sys.stdin.close()
            _child(seed, report, db, user, password, mode)
            os._exit(0)
        sys.stdout.write(f"pid {pid}\n")
        sys.stdout.flush()


def main(argv: list[str]) -> None:
    if argv[:1] == ["zygote"]:
        zygote()
    elif argv[:1] == ["run"]:
        db, user, password, seed, report = argv[1:6]
        _child(int(seed), report, db, user, password, *argv[6:7])
    else:
        sys.exit("usage: crash_worker.py zygote | run DB USER PASSWORD SEED REPORT [MODE]")


if __name__ == "__main__":
    main(sys.argv[1:])
