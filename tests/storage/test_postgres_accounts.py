"""Accounts on a PostgreSQL server: argon2id hashes in the database, the same audit chain."""

from __future__ import annotations

import pytest

from cspdesk.domain.enums import AuditKind, Role
from cspdesk.services.access import auth
from cspdesk.services.access.accounts import AccountService
from cspdesk.services.audit.audit import AuditQuery, AuditService
from cspdesk.services.database.workspace import close_workspace

pytestmark = pytest.mark.postgres
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(auth, "FAILED_DELAY_STEP", 0.0)


def test_sign_in_lockout_and_audit_on_a_server(pg_url: str) -> None:
    created = auth.create_database(pg_url, admin_username="admin", admin_name="Ada", password=PASSWORD,
                                   partnership_name="Safer Testshire")
    assert created.recovery_key is None  # a server has no keyring: its DBA recovers it
    admin = created.ctx
    AccountService(admin).add_account("sam", "Sam", Role.OFFICER, agency_id=None, panel_ids=frozenset(),
                                      temporary_password="temporary pass 1")
    close_workspace(auth.sign_in(pg_url, "sam", "temporary pass 1"))
    for _ in range(5):
        with pytest.raises(auth.SignInFailed):
            auth.sign_in(pg_url, "sam", "wrong password")
    with pytest.raises(auth.AccountLocked):
        auth.sign_in(pg_url, "sam", "temporary pass 1")
    failed = AuditService(admin).event_ids(AuditQuery(kinds=frozenset({AuditKind.LOGIN_FAILED})))
    assert len(failed) == 6
    sam_id = next(a.id for a in AccountService(admin).list_accounts() if a.username == "sam")
    AccountService(admin).reset_password(sam_id, "a new password 2")
    close_workspace(auth.sign_in(pg_url, "sam", "a new password 2"))
    assert AuditService(admin).verify().ok
    close_workspace(admin)


def test_demo_partnership_on_a_server(pg_url: str) -> None:
    created, accounts = auth.create_demo_database(pg_url, password=PASSWORD)
    close_workspace(created.ctx)
    assert any(a.role is Role.VIEWER for a in accounts)
    ctx = auth.sign_in(pg_url, "viewer", PASSWORD)
    assert ctx.actor.role is Role.VIEWER and ctx.actor.panel_ids
    close_workspace(ctx)


def test_a_locked_account_cannot_unlock_its_idle_window_on_a_server(pg_url: str) -> None:
    """Issue 22, item 6: every password check looks at the lock-out, the idle lock's too; and a wrong
    password there counts like a failed sign-in."""
    created = auth.create_database(pg_url, admin_username="admin", admin_name="Ada", password=PASSWORD,
                                   partnership_name="Safer Testshire")
    AccountService(created.ctx).add_account("sam", "Sam", Role.OFFICER, agency_id=None, panel_ids=frozenset(),
                                            temporary_password="temporary pass 1")
    sam = auth.sign_in(pg_url, "sam", "temporary pass 1")
    assert auth.verify_password(sam, "temporary pass 1")
    assert not auth.verify_password(sam, "wrong password")  # counted
    for _ in range(4):
        with pytest.raises(auth.SignInFailed):
            auth.sign_in(pg_url, "sam", "wrong password")
    with pytest.raises(auth.AccountLocked):
        auth.verify_password(sam, "temporary pass 1")
    failed = AuditService(created.ctx).event_ids(AuditQuery(kinds=frozenset({AuditKind.LOGIN_FAILED})))
    assert len(failed) == 5
    close_workspace(sam)
    close_workspace(created.ctx)
