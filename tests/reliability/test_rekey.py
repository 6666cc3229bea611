"""The database key changes (issue 22, item 4): disabling an account, an administrator's password
reset, or asking for it re-encrypts the file under a new key sealed for the remaining accounts only.

Real encrypted files, real keyrings and real copies of them (as a departing user would keep)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from reliability_helpers import fast_kdf, run_cli  # noqa: F401 - fast_kdf: autouse

from cspdesk.domain.enums import Role
from cspdesk.services.access.accounts import AccountService
from cspdesk.services.access.auth import SignInFailed, create_database, recover, sign_in
from cspdesk.services.database.backup import BackupService, restore_backup
from cspdesk.services.access.rekey import RekeyService
from cspdesk.services.database.workspace import close_workspace
from cspdesk.storage.engine import StoreOpenError, open_store
from cspdesk.services.errors import PermissionDenied
from cspdesk.storage.keyring import KdfParams, Keyring, _wrap, keyring_path

PASSWORD = "correct horse battery"
OFFICER = "officer password 1"


@pytest.fixture
def db(db_path: Path) -> tuple[Path, str]:
    """admin (administrator) and olive (officer, must change her password; she has not yet)."""
    created = create_database(db_path, admin_username="admin", admin_name="Ada Admin", password=PASSWORD,
                              partnership_name="Safer Testshire")
    AccountService(created.ctx).add_account("olive", "Olive Officer", Role.OFFICER, agency_id=None,
                                            panel_ids=frozenset(), temporary_password=OFFICER)
    close_workspace(created.ctx)
    assert created.recovery_key
    return db_path, created.recovery_key


def _opens(db: Path, key: bytes) -> bool:
    try:
        store = open_store(db, key=key, create=False, migrate=False, read_only=True)
    except StoreOpenError:
        return False
    store.dispose()
    return True


def _keep_copy(db: Path, where: Path) -> Path:
    """What a departing user keeps: a copy of the keyring as it was."""
    where.mkdir(exist_ok=True)
    copy = where / db.name
    shutil.copyfile(keyring_path(db), keyring_path(copy))
    return copy


def test_disabling_an_account_shuts_out_every_old_copy_of_its_entry(db, tmp_path: Path) -> None:
    path, _ = db
    stolen = _keep_copy(path, tmp_path / "olive-kept")
    old_key = Keyring.load(stolen).unwrap("olive", OFFICER)
    assert _opens(path, old_key)  # before: her copy opens the live file

    ctx = sign_in(path, "admin", PASSWORD)
    backup = BackupService(ctx).backup_now(tmp_path / "before")
    olive = next(a for a in AccountService(ctx).list_accounts() if a.username == "olive")
    AccountService(ctx).disable_account(olive.id)
    assert ctx.vault.db_key != old_key
    # The session carries on under the new key.
    assert AccountService(ctx).me().username == "admin"
    assert BackupService(ctx).verify(backup).ok  # a backup from before keeps (and opens with) its key
    restored = BackupService(ctx).restore(backup, into=tmp_path / "restored-here.db")  # and restores here
    assert _opens(restored.db_path, old_key)
    close_workspace(ctx)

    assert Keyring.load(stolen).unwrap("olive", OFFICER) == old_key
    assert not _opens(path, old_key)  # her kept copy no longer opens the file
    assert not Keyring.load(path).has_account("olive")
    with pytest.raises(SignInFailed):
        sign_in(path, "olive", OFFICER)
    close_workspace(sign_in(path, "admin", PASSWORD))  # the remaining account does

    # The backup made before opens with its own keyring and key, and restores.
    backup_key = Keyring.load(backup.db_file).unwrap("admin", PASSWORD)
    assert backup_key == old_key and _opens(backup.db_file, backup_key)
    info = restore_backup(backup.folder, into=tmp_path / "restored.db", username="admin", password=PASSWORD)
    close_workspace(sign_in(info.db_path, "olive", OFFICER))  # the backup's own world: she was active then


def test_a_reset_password_s_old_entry_no_longer_opens_the_file(db, tmp_path: Path) -> None:
    path, _ = db
    stolen = _keep_copy(path, tmp_path / "kept")
    old_key = Keyring.load(stolen).unwrap("olive", OFFICER)
    ctx = sign_in(path, "admin", PASSWORD)
    olive = next(a for a in AccountService(ctx).list_accounts() if a.username == "olive")
    AccountService(ctx).reset_password(olive.id, "a brand new temporary")
    close_workspace(ctx)
    assert not _opens(path, old_key)
    with pytest.raises(SignInFailed, match="not right"):
        sign_in(path, "olive", OFFICER)
    close_workspace(sign_in(path, "olive", "a brand new temporary"))


def test_asked_for_the_recovery_key_follows_and_other_accounts_keep_their_passwords(db, tmp_path: Path) -> None:
    path, recovery_key = db
    ctx = sign_in(path, "admin", PASSWORD)
    before = ctx.vault.db_key
    result = RekeyService(ctx).change_key().value
    assert result.accounts == 2 and result.left_out == () and result.new_recovery_key is None
    close_workspace(ctx)
    assert not _opens(path, before)
    close_workspace(sign_in(path, "olive", OFFICER))  # nobody needed her password for this
    close_workspace(recover(path, recovery_key, "admin", "a new admin password"))
    olive = sign_in(path, "olive", OFFICER)
    with pytest.raises(PermissionDenied):
        RekeyService(olive).change_key()
    close_workspace(olive)


def test_a_keyring_from_before_key_pairs_still_opens_and_is_upgraded(db) -> None:
    """Entries written by the previous version wrap the database key itself. They sign in, are
    turned into key pairs at that sign-in; a legacy recovery entry is replaced by a new recovery key
    at the next re-key (it cannot be sealed to)."""
    path, recovery_key = db
    ctx = sign_in(path, "admin", PASSWORD)
    key = ctx.vault.db_key
    close_workspace(ctx)
    ring = json.loads(keyring_path(path).read_text())
    for name, password in (("admin", PASSWORD), ("olive", OFFICER)):
        ring["accounts"][name] = _wrap(key, password, f"{ring['database_id']}:user:{name}".encode(),
                                       KdfParams.default())
    ring["recovery"] = _wrap(key, "".join(c for c in recovery_key if c.isalnum()),
                             f"{ring['database_id']}:recovery".encode(), KdfParams.default())
    keyring_path(path).write_text(json.dumps(ring))
    assert not Keyring.load(path).is_sealed_entry("admin")

    ctx = sign_in(path, "admin", PASSWORD)
    assert Keyring.load(path).is_sealed_entry("admin") and not Keyring.load(path).is_sealed_entry("olive")
    result = RekeyService(ctx).change_key().value
    close_workspace(ctx)
    # Olive has not signed in since: the new key could not be sealed for her; she needs a reset.
    assert result.left_out == ("olive",) and result.accounts == 1
    assert result.new_recovery_key
    with pytest.raises(SignInFailed):
        sign_in(path, "olive", OFFICER)
    close_workspace(recover(path, result.new_recovery_key, "admin", "another admin password"))


def test_an_interrupted_re_key_is_settled_at_the_next_sign_in(db) -> None:
    path, _ = db
    ctx = sign_in(path, "admin", PASSWORD)
    old = ctx.vault.db_key
    close_workspace(ctx)

    # Stopped after the pending key was saved, before the file was re-encrypted.
    with Keyring.editing(path) as ring:
        ring.begin_rekey(old, b"\x01" * 32, {"admin", "olive"})
    ctx = sign_in(path, "olive", OFFICER)
    assert ctx.vault.db_key == old and Keyring.load(path).pending is None
    close_workspace(ctx)

    # Stopped after the file was re-encrypted, before the keyring made the new key current.
    new = b"\x02" * 32
    with Keyring.editing(path) as ring:
        ring.begin_rekey(old, new, {"admin"})
    store = open_store(path, key=old, create=False, migrate=False)
    store.change_key(old, new)
    store.dispose()
    with pytest.raises(SignInFailed, match="can no longer open"):
        sign_in(path, "olive", OFFICER)  # she was not among the remaining accounts
    ctx = sign_in(path, "admin", PASSWORD)
    assert ctx.vault.db_key == new and Keyring.load(path).pending is None
    close_workspace(ctx)
    assert not Keyring.load(path).has_account("olive")


def test_cspdesk_rekey_command(db) -> None:
    path, _ = db
    before = Keyring.load(path).unwrap("olive", OFFICER)
    done = run_cli("--db", str(path), "rekey", "--user", "admin")
    assert done.returncode == 0, done.stderr
    assert "new key, sealed for 2 account(s)" in done.stdout
    assert not _opens(path, before)
    refused = run_cli("--db", str(path), "rekey", "--user", "olive", password=OFFICER)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
