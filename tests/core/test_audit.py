"""The audit trail is tamper-evident: `cspdesk audit verify` finds the first entry changed by hand."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from cspdesk.domain.enums import AuditKind
from cspdesk.services.audit import audit
from cspdesk.services.access import auth
from cspdesk.services.access.auth import create_database, sign_in
from cspdesk.services.partnership.partnership import PartnershipService
from cspdesk.services.database.workspace import close_workspace
from cspdesk.storage.engine import Store, open_store

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSPDESK_FAST_KDF", "1")
    monkeypatch.setattr(auth, "FAILED_DELAY_STEP", 0.0)


@dataclass
class Trail:
    """A database with a few audit entries (a file or a server database), and a way to change its
    rows by hand, behind CSPDesk's back."""

    target: str | Path
    store: Store

    def tamper(self, sql: str, **params: object) -> None:
        with self.store.engine.begin() as conn:
            conn.execute(text(sql), params)

    def row(self, sql: str) -> Any:
        with self.store.engine.connect() as conn:
            return conn.execute(text(sql)).one()


@pytest.fixture
def target(engine: str, request: pytest.FixtureRequest) -> str | Path:
    """Where a new database goes: a file path, or an empty database on the test server."""
    return request.getfixturevalue("pg_empty_url" if engine == "postgres" else "db_path")


@pytest.fixture
def trail(target: str | Path) -> Iterator[Trail]:
    created = create_database(target, admin_username="admin", admin_name="Ada", password=PASSWORD,
                              partnership_name="Safer Testshire")
    key = created.ctx.vault.db_key if created.ctx.vault else None
    close_workspace(created.ctx)
    for _ in range(3):
        close_workspace(sign_in(target, "admin", PASSWORD))
    # A raw connection of our own (not CSPDesk's services): what someone editing by hand would use.
    store = open_store(target, key=key, migrate=False)
    yield Trail(target, store)
    store.dispose()


def _verify_cli(target: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CSPDESK_PASSWORD": PASSWORD, "CSPDESK_FAST_KDF": "1"}
    return subprocess.run(
        [sys.executable, "-m", "cspdesk", "audit", "verify", "--db", str(target), "--user", "admin"],
        capture_output=True, text=True, env=env, timeout=60,
    )


def test_an_intact_trail_verifies(trail: Trail) -> None:
    result = _verify_cli(trail.target)
    assert result.returncode == 0, result.stderr
    assert "intact" in result.stdout
    # the administrator's signing key, create account, create partnership, 3 sign-ins, and the
    # sign-in of the verify command itself
    assert "7 entries" in result.stdout


@pytest.mark.parametrize(
    ("tamper", "problem"),
    [
        ("UPDATE audit_event SET username = 'mallory' WHERE id = 3", "do not match its hash"),
        ("UPDATE audit_event SET at = '2020-01-01 00:00:00.000000' WHERE id = 2", "do not match its hash"),
        ("UPDATE audit_event SET details = '{\"name\": \"changed\"}' WHERE id = 2", "details were changed"),
        ("UPDATE audit_event SET details = '{\"redacted\": true}' WHERE id = 2", "without a recorded erasure"),
        ("DELETE FROM audit_event WHERE id = 3", "entry 3 is missing"),
    ],
)
def test_changing_one_row_by_hand_breaks_the_chain(trail: Trail, tamper: str, problem: str) -> None:
    trail.tamper(tamper)
    result = _verify_cli(trail.target)
    assert result.returncode == 1
    assert problem in result.stdout
    assert "broken at entry" in result.stdout


def test_rehashing_one_row_still_breaks_the_next_link(trail: Trail) -> None:
    """Someone who recomputes the changed entry's own hash still breaks its successor's link, and
    cannot make the signature of the entry's account match its new hash."""
    row = trail.row(
        "SELECT id, at, user_id, username, kind, entity, entity_id, details_digest, prev_hash FROM audit_event WHERE id = 3"
    )
    at = row[1] if isinstance(row[1], datetime) else datetime.fromisoformat(row[1])  # SQLite hands back text
    forged = audit.entry_hash(row[8], row[0], at, row[2], "mallory", row[4], row[5], row[6], row[7])
    trail.tamper("UPDATE audit_event SET username = 'mallory', hash = :h WHERE id = 3", h=forged)
    result = _verify_cli(trail.target)
    assert result.returncode == 1
    assert "broken at entry 3: its signature does not match" in result.stdout
    assert "entry 4: its link to the entry before does not match" in result.stdout


def test_appends_chain_and_roll_back_with_their_transaction(target: str | Path) -> None:
    created = create_database(target, admin_username="admin", admin_name="Ada", password=PASSWORD)
    ctx = created.ctx
    before = audit.AuditService(ctx).count()
    with pytest.raises(RuntimeError):
        with ctx.unit_of_work() as s:
            audit.record(s, ctx.actor, AuditKind.UPDATE, "x", 1, {"a": 1}, at=ctx.now())
            raise RuntimeError("the change failed, so its audit entry must go too")
    assert audit.AuditService(ctx).count() == before
    PartnershipService(ctx).set_up("Safer Testshire")
    rows = audit.AuditService(ctx).event_rows(audit.AuditService(ctx).event_ids())
    assert rows[0].kind is AuditKind.CREATE and rows[0].entity == "partnership"
    assert audit.AuditService(ctx).verify().ok
    close_workspace(ctx)


def test_details_are_canonical_json(target: str | Path) -> None:
    created = create_database(target, admin_username="admin", admin_name="Ada", password=PASSWORD)
    ctx = created.ctx
    from datetime import date

    with ctx.unit_of_work() as s:
        audit.record(s, ctx.actor, AuditKind.UPDATE, "case", 7,
                     {"changes": {"due": {"old": date(2026, 1, 2), "new": None}}}, at=ctx.now())
    assert audit.AuditService(ctx).verify().ok
    row = audit.AuditService(ctx).event_rows(audit.AuditService(ctx).event_ids()[:1])[0]
    assert row.summary == "changed due"
    assert json.loads(audit.canonical({"b": 1, "a": 2})) == {"a": 2, "b": 1}
    close_workspace(ctx)
