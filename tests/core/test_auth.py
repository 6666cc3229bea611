"""Accounts unlock the store: the keyring, signing in, lock-out, recovery, account administration.

Real encrypted files and real keyrings; argon2 made cheap by CSPDESK_FAST_KDF (the production
cost is measured in tests/perf)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from cspdesk.domain.enums import AuditKind, PanelType, Role
from cspdesk.services.access import auth
from cspdesk.services.access.accounts import AccountService
from cspdesk.services.audit.audit import AuditQuery, AuditService
from cspdesk.services.access.auth import (
    AccountLocked,
    SignInFailed,
    create_database,
    create_demo_database,
    recover,
    sign_in,
)
from cspdesk.services.referrals.cases import CaseQuery, CaseService
from cspdesk.services.errors import PermissionDenied, ValidationError
from cspdesk.services.partnership.panels import PanelService
from cspdesk.services.database.workspace import OpenFailed, close_workspace, open_workspace

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CSPDESK_FAST_KDF", "1")
    monkeypatch.setattr(auth, "FAILED_DELAY_STEP", 0.0)


@pytest.fixture
def new_db(db_path: Path):
    created = create_database(db_path, admin_username="Admin", admin_name="Ada Admin", password=PASSWORD,
                              partnership_name="Safer Testshire")
    close_workspace(created.ctx)
    return db_path, created.recovery_key


@pytest.fixture(scope="module")
def _demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import os

    os.environ["CSPDESK_FAST_KDF"] = "1"
    path = tmp_path_factory.mktemp("demo-auth") / "demo.db"
    created, _ = create_demo_database(path, password=PASSWORD)
    with created.ctx.store.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    close_workspace(created.ctx)
    return path


@pytest.fixture
def demo_file(_demo_template: Path, tmp_path: Path) -> Path:
    import shutil

    path = tmp_path / "demo.db"
    shutil.copyfile(_demo_template, path)
    shutil.copyfile(_demo_template.with_name("demo.db.keyring"), tmp_path / "demo.db.keyring")
    return path


def test_the_file_opens_only_with_an_account(new_db) -> None:
    db_path, _ = new_db
    ctx = sign_in(db_path, "admin", PASSWORD)  # user names are not case-sensitive
    assert ctx.actor.role is Role.ADMINISTRATOR and ctx.actor.username == "admin"
    close_workspace(ctx)
    with pytest.raises(SignInFailed, match="not right"):
        sign_in(db_path, "admin", "wrong password!")
    with pytest.raises(SignInFailed, match="not right"):
        sign_in(db_path, "nobody", PASSWORD)
    with pytest.raises(OpenFailed):
        open_workspace(db_path)  # no key, no way in
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(db_path).execute("SELECT * FROM sqlite_master").fetchall()


def test_the_keyring_holds_no_key_in_the_clear(new_db) -> None:
    db_path, recovery_key = new_db
    ctx = sign_in(db_path, "admin", PASSWORD)
    raw_key = ctx.vault.db_key
    close_workspace(ctx)
    keyring_bytes = db_path.with_name(db_path.name + ".keyring").read_bytes()
    assert raw_key.hex().encode() not in keyring_bytes
    assert raw_key not in keyring_bytes
    import base64

    assert base64.b64encode(raw_key) not in keyring_bytes
    assert PASSWORD.encode() not in keyring_bytes
    assert recovery_key.encode() not in keyring_bytes
    # and nothing of the kind in the user's data folder either
    assert not any(p.suffix == ".key" for p in db_path.parent.rglob("*"))


def test_failed_attempts_lock_the_account_and_are_audited(new_db) -> None:
    db_path, _ = new_db
    for _ in range(3):
        with pytest.raises(SignInFailed):
            sign_in(db_path, "admin", "not the password")
    with pytest.raises(SignInFailed, match="1 more attempt before the account locks"):
        sign_in(db_path, "admin", "not the password")
    with pytest.raises(SignInFailed):
        sign_in(db_path, "admin", "not the password")
    with pytest.raises(AccountLocked):
        sign_in(db_path, "admin", PASSWORD)  # right password, but locked

    # The recovery key gets an administrator back in; the failures are in the audit trail.
    _, recovery_key = new_db
    ctx = recover(db_path, recovery_key.lower().replace("-", " "), "admin", "a brand new password")
    close_workspace(ctx)
    ctx = sign_in(db_path, "admin", "a brand new password")
    failed = AuditService(ctx).event_ids(AuditQuery(kinds=frozenset({AuditKind.LOGIN_FAILED})))
    assert len(failed) == 6
    assert AuditService(ctx).verify().ok
    close_workspace(ctx)


def test_a_wrong_recovery_key_is_refused(new_db) -> None:
    db_path, _ = new_db
    with pytest.raises(SignInFailed, match="recovery key is not right"):
        recover(db_path, "AAAAA-BBBBB-CCCCC-DDDDD-EEEEE", "admin", "a brand new password")


def test_create_database_validates_and_leaves_nothing_behind(db_path: Path) -> None:
    for kwargs, field in [
        ({"admin_username": "", "admin_name": "A", "password": PASSWORD}, "admin_username"),
        ({"admin_username": "a b", "admin_name": "A", "password": PASSWORD}, "admin_username"),
        ({"admin_username": "ada", "admin_name": " ", "password": PASSWORD}, "admin_name"),
        ({"admin_username": "ada", "admin_name": "A", "password": "short"}, "password"),
        # Long enough, but the first guesses: a breach list's favourite, one key held down.
        ({"admin_username": "ada", "admin_name": "A", "password": "Password123"}, "password"),
        ({"admin_username": "ada", "admin_name": "A", "password": "aaaaaaaaaaaa"}, "password"),
        ({"admin_username": "ada", "admin_name": "A", "password": "abababababab"}, "password"),
    ]:
        with pytest.raises(ValidationError) as err:
            create_database(db_path, **kwargs)
        assert err.value.field == field
        assert not db_path.exists()
    created = create_database(db_path, admin_username="ada", admin_name="Ada", password=PASSWORD)
    close_workspace(created.ctx)
    with pytest.raises(ValidationError, match="already exists"):
        create_database(db_path, admin_username="bob", admin_name="Bob", password=PASSWORD)


def test_account_administration(new_db) -> None:
    db_path, _ = new_db
    admin = sign_in(db_path, "admin", PASSWORD)
    accounts = AccountService(admin)
    row = accounts.add_account("sam.officer", "Sam Officer", Role.OFFICER, agency_id=None,
                               panel_ids=frozenset(), temporary_password="temporary pass 1").value
    assert row.must_change_password and row.is_active

    sam = sign_in(db_path, "sam.officer", "temporary pass 1")
    assert AccountService(sam).me().must_change_password
    with pytest.raises(ValidationError) as err:
        AccountService(sam).change_password("wrong old one", "my own password")
    assert err.value.field == "old_password"
    AccountService(sam).change_password("temporary pass 1", "my own password")
    close_workspace(sam)
    with pytest.raises(SignInFailed):
        sign_in(db_path, "sam.officer", "temporary pass 1")
    close_workspace(sign_in(db_path, "sam.officer", "my own password"))

    # Officers administer nothing, whatever the UI shows.
    sam = sign_in(db_path, "sam.officer", "my own password")
    with pytest.raises(PermissionDenied):
        AccountService(sam).add_account("x.y", "X", Role.ADMINISTRATOR, agency_id=None, panel_ids=frozenset(),
                                        temporary_password="another password")
    with pytest.raises(PermissionDenied):
        AuditService(sam).verify()
    close_workspace(sam)

    accounts.disable_account(row.id)
    with pytest.raises(SignInFailed):
        sign_in(db_path, "sam.officer", "my own password")
    with pytest.raises(ValidationError):
        accounts.disable_account(admin.actor.user_id)  # not yourself
    accounts.reset_password(row.id, "reset password 22")
    close_workspace(sign_in(db_path, "sam.officer", "reset password 22"))
    assert AuditService(admin).verify().ok
    close_workspace(admin)


def test_a_removed_account_is_gone_from_the_table_and_the_keyring(new_db) -> None:
    db_path, _ = new_db
    admin = sign_in(db_path, "admin", PASSWORD)
    accounts = AccountService(admin)
    row = accounts.add_account("sam.officer", "Sam", Role.OFFICER, agency_id=None, panel_ids=frozenset(),
                               temporary_password="temporary pass 1").value
    with pytest.raises(ValidationError):
        accounts.remove_account(admin.actor.user_id)  # not yourself
    sam = sign_in(db_path, "sam.officer", "temporary pass 1")
    with pytest.raises(PermissionDenied):
        AccountService(sam).remove_account(admin.actor.user_id)
    close_workspace(sam)
    accounts.remove_account(row.id)
    assert "sam.officer" not in {a.username for a in accounts.list_accounts()}
    with pytest.raises(SignInFailed):
        sign_in(db_path, "sam.officer", "temporary pass 1")
    assert AuditService(admin).verify().ok
    close_workspace(admin)


def test_need_to_know_for_signed_in_users(demo_file: Path) -> None:
    officer = sign_in(demo_file, "officer.housing", PASSWORD)
    panels = PanelService(officer).list_panels()
    types = {p.panel_type for p in panels}
    assert PanelType.SOCP not in types and PanelType.CSVG in types
    admin = sign_in(demo_file, "admin", PASSWORD)
    socp = next(p for p in PanelService(admin).list_panels() if p.panel_type is PanelType.SOCP)
    # Calling the service directly for a panel they are not on is refused.
    with pytest.raises(PermissionDenied):
        CaseService(officer).case_ids(CaseQuery(panel_id=socp.id))
    socp_case = CaseService(admin).case_ids(CaseQuery(panel_id=socp.id))[0]
    with pytest.raises(Exception) as err:
        CaseService(officer).get_case(socp_case)
    assert type(err.value).__name__ in {"NotFound", "PermissionDenied"}
    visible = CaseService(officer).case_rows(CaseService(officer).case_ids())
    assert visible and socp.id not in {r.panel_id for r in visible}
    close_workspace(officer)
    close_workspace(admin)


def test_every_view_of_a_case_is_audited(demo_file: Path) -> None:
    ctx = sign_in(demo_file, "coord", PASSWORD)
    case_id = CaseService(ctx).case_ids()[0]
    CaseService(ctx).get_case(case_id)
    CaseService(ctx).get_case(case_id)
    admin = sign_in(demo_file, "admin", PASSWORD)
    views = AuditService(admin).event_rows(
        AuditService(admin).event_ids(AuditQuery(kinds=frozenset({AuditKind.VIEW}), entity="case", entity_id=case_id))
    )
    assert [v.username for v in views] == ["coord", "coord"]
    close_workspace(ctx)
    close_workspace(admin)


def test_demo_database_gives_every_account_the_password(demo_file: Path) -> None:
    keyring = json.loads(demo_file.with_name("demo.db.keyring").read_text())
    assert {"admin", "chair.marac", "coord", "officer.housing", "viewer"} <= set(keyring["accounts"])
    for username in ("viewer", "chair.marac"):
        close_workspace(sign_in(demo_file, username, PASSWORD))


def test_security_settings_reach_the_keyring(new_db) -> None:
    db_path, _ = new_db
    admin = sign_in(db_path, "admin", PASSWORD)
    AccountService(admin).set_security_settings(idle_lock_minutes=5, max_failed_attempts=3)
    assert AccountService(admin).security_settings().idle_lock_minutes == 5
    close_workspace(admin)
    for _ in range(3):
        with pytest.raises(SignInFailed):
            sign_in(db_path, "admin", "nope nope nope")
    with pytest.raises(AccountLocked):
        sign_in(db_path, "admin", PASSWORD)
    recovered = recover(db_path, new_db[1], "admin", "recovered password 1")
    with pytest.raises(ValidationError) as err:
        AccountService(recovered).set_security_settings(0, 5)
    assert err.value.field == "idle_lock_minutes"
    close_workspace(recovered)


def test_saving_unchanged_security_settings_records_nothing(new_db) -> None:
    db_path, _ = new_db
    ctx = sign_in(db_path, "admin", PASSWORD)
    try:
        audit = AuditService(ctx)
        updates = AuditQuery(kinds=frozenset({AuditKind.UPDATE}))
        before = len(audit.event_ids(updates))
        AccountService(ctx).set_security_settings(12, 6)
        AccountService(ctx).set_security_settings(12, 6)  # saved again as it stands: no entry
        assert len(audit.event_ids(updates)) == before + 1
        assert AccountService(ctx).security_settings().idle_lock_minutes == 12
    finally:
        close_workspace(ctx)
