"""`cspdesk migrate --from FILE --to URL`: a local partnership moved to a real PostgreSQL server."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from cspdesk.domain.enums import Role
from cspdesk.services.access import auth
from cspdesk.services.access.accounts import AccountService
from cspdesk.services.audit.audit import AuditService
from cspdesk.services.referrals.cases import CaseService
from cspdesk.services.database.server_move import MoveRefused, move_to_server
from cspdesk.services.database.workspace import close_workspace
from cspdesk.storage.engine import open_store
from cspdesk.storage.keyring import keyring_path
from cspdesk.storage.models import Base, Case

pytestmark = pytest.mark.postgres
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSPDESK_FAST_KDF", "1")
    monkeypatch.setattr(auth, "FAILED_DELAY_STEP", 0.0)


@pytest.fixture(scope="module")
def _partnership_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo partnership in a file with accounts, and a trail with views and sign-ins in it."""
    os.environ["CSPDESK_FAST_KDF"] = "1"
    path = tmp_path_factory.mktemp("move") / "partnership.db"
    created, _ = auth.create_demo_database(path, password=PASSWORD)
    close_workspace(created.ctx)
    ctx = auth.sign_in(path, "admin", PASSWORD)
    cases = CaseService(ctx)
    for case_id in cases.case_ids()[:3]:
        cases.get_case(case_id)  # each view is an audit entry
    with ctx.store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    close_workspace(ctx)
    return path


@pytest.fixture
def partnership_file(_partnership_file: Path, tmp_path: Path) -> Path:
    path = tmp_path / "partnership.db"
    shutil.copyfile(_partnership_file, path)
    shutil.copyfile(keyring_path(_partnership_file), keyring_path(path))
    return path


def _digests(folder: Path) -> dict[str, str]:
    """Every file beside the database (the file, its keyring, any -wal), by content."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


def _counts(url: str) -> dict[str, int]:
    store = open_store(url, migrate=False)
    try:
        with store.engine.connect() as conn:
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in Base.metadata.sorted_tables}
    finally:
        store.dispose()


def _file_counts(path: Path) -> dict[str, int]:
    ctx = auth.sign_in(path, "admin", PASSWORD, read_only=True)
    try:
        with ctx.store.engine.connect() as conn:
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar() for t in Base.metadata.sorted_tables}
    finally:
        close_workspace(ctx)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CSPDESK_PASSWORD": PASSWORD, "CSPDESK_FAST_KDF": "1"}
    return subprocess.run([sys.executable, "-m", "cspdesk", *args], capture_output=True, text=True, env=env,
                          timeout=300)


def test_a_demo_partnership_moves_to_the_server(partnership_file: Path, pg_url: str) -> None:
    source = _file_counts(partnership_file)
    before = _digests(partnership_file.parent)

    moved = _cli("migrate", "--from", str(partnership_file), "--to", pg_url, "--user", "admin")
    assert moved.returncode == 0, moved.stderr
    assert "verifies on the server" in moved.stdout and "admin signs in to the server" in moved.stdout

    # The file is untouched, byte for byte (and nothing was added beside it).
    assert _digests(partnership_file.parent) == before

    # Every table holds what the file holds; the trail has one entry more: the move itself.
    server = _counts(pg_url)
    assert {k: v for k, v in server.items() if k != "audit_event"} == \
        {k: v for k, v in source.items() if k != "audit_event"}
    assert server["audit_event"] == source["audit_event"] + 1
    assert source["case_record"] > 500 and source["audit_event"] > 3
    # Cases pointing at earlier cases (repeats) kept their links.
    store = open_store(pg_url, migrate=False)
    with store.engine.connect() as conn:
        assert conn.execute(select(func.count()).where(Case.repeat_of_case_id.is_not(None))).scalar() > 0
    store.dispose()

    # The audit trail's chain verifies on the server.
    verified = _cli("audit", "verify", "--db", pg_url, "--user", "admin")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "intact" in verified.stdout

    # The mover signs in with the same password; the server's own inserts carry on after the
    # copied ids; other accounts need a new password first.
    admin = auth.sign_in(pg_url, "admin", PASSWORD)
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(pg_url, "coord", PASSWORD)
    accounts = AccountService(admin)
    accounts.add_account("new.officer", "New Officer", Role.OFFICER, agency_id=None, panel_ids=frozenset(),
                         temporary_password="temporary pass 1")
    coord = next(a for a in accounts.list_accounts() if a.username == "coord")
    accounts.reset_password(coord.id, "a new password 2")
    close_workspace(auth.sign_in(pg_url, "coord", "a new password 2"))
    # The mover's signing key came along under their server password: the move's entry, the new
    # account's and the reset's keys are all signed by it, and the trail still verifies.
    report = AuditService(admin).verify()
    assert report.ok, report.problems
    assert report.signed > 0 and report.last_sealed_entry is not None
    close_workspace(admin)


def test_a_server_database_that_is_not_empty_is_refused(partnership_file: Path, pg_url: str) -> None:
    assert _cli("migrate", "--from", str(partnership_file), "--to", pg_url, "--user", "admin").returncode == 0
    counts = _counts(pg_url)
    again = _cli("migrate", "--from", str(partnership_file), "--to", pg_url, "--user", "admin")
    assert again.returncode == 2
    assert "is not empty" in again.stderr and "name a new, empty one" in again.stderr
    assert "Traceback" not in again.stderr
    assert _counts(pg_url) == counts


def test_only_an_administrator_moves_and_only_to_a_server(partnership_file: Path, pg_url: str) -> None:
    coord = _cli("migrate", "--from", str(partnership_file), "--to", pg_url, "--user", "coord")
    assert coord.returncode == 2 and "does not allow this" in coord.stderr
    to_file = _cli("migrate", "--from", str(partnership_file), "--to", str(partnership_file.parent / "x.db"),
                   "--user", "admin")
    assert to_file.returncode == 2 and "PostgreSQL server" in to_file.stderr


def test_a_value_too_long_for_the_server_stops_the_move_and_leaves_nothing(partnership_file: Path,
                                                                           pg_url: str) -> None:
    """SQLite keeps a string of any length; the server does not. The move names the row and field
    (not the value) and rolls everything back."""
    ctx = auth.sign_in(partnership_file, "admin", PASSWORD)
    with ctx.unit_of_work() as s:
        s.execute(text("UPDATE person SET given_name = :v WHERE id = 7"), {"v": "X" * 130})
    close_workspace(ctx)
    ctx = auth.sign_in(partnership_file, "admin", PASSWORD, read_only=True)
    try:
        with pytest.raises(MoveRefused, match=r"The person 7 has a given name of 130 characters.*at most 120"):
            move_to_server(ctx, pg_url, password=PASSWORD)
    finally:
        close_workspace(ctx)
    assert set(_counts(pg_url).values()) == {0}  # the schema is there, not one row
