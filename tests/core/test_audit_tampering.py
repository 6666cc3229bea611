"""Issue 22, item 7: an insider who holds a password rewrites the audit trail with raw SQL, and
``audit verify`` says so.

On SQLite the insider is a Viewer: their password unwraps the database key from the keyring, and
sqlcipher3 opens the encrypted file with it (no CSPDesk code in between). On PostgreSQL the insider
connects with psycopg. Every case runs on both engines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import make_url

from cspdesk.domain.enums import Role
from cspdesk.services.audit import audit
from cspdesk.services.access import auth
from cspdesk.services.access.accounts import AccountService
from cspdesk.services.audit.audit import AuditService
from cspdesk.services.audit.audit_verify import ChainReport
from cspdesk.services.access.auth import create_database, sign_in
from cspdesk.services.database.workspace import close_workspace
from cspdesk.storage.keyring import Keyring, _unwrap

from test_audit import PASSWORD, _fast  # noqa: F401 - the same cheap argon2 and no failed-attempt delay

CHAIR_PASSWORD = "chair's own long phrase"
VIEWER_PASSWORD = "viewer's own long phrase"


@dataclass
class Insider:
    """Raw SQL on the database, outside CSPDesk: sqlcipher3 with the key a Viewer's password
    unwraps, or psycopg on the server. ``?`` placeholders on both."""

    target: str | Path
    con: Any
    chair_id: int
    viewer_id: int

    @property
    def postgres(self) -> bool:
        return not isinstance(self.target, Path)

    def run(self, sql: str, *params: object) -> list[tuple]:
        cur = self.con.execute(sql.replace("?", "%s") if self.postgres else sql, params)
        rows = cur.fetchall() if cur.description else []
        self.con.commit()
        return rows

    def last(self) -> tuple[int, str]:
        return self.run("SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1")[0]

    def count(self) -> int:
        return self.run("SELECT count(*) FROM audit_event")[0][0]

    def append(self, user_id: int, username: str, *, sign: str | None, key_id: int | None) -> int:
        """A new entry at the end with a valid SHA-256 chain; ``sign``: 'absent', 'garbage', or the
        hex private key to sign with."""
        from datetime import datetime

        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from cspdesk.services.audit.audit_signing import ENTRY_DOMAIN

        last_id, last_hash = self.last()
        at = datetime(2026, 12, 7, 10, 0, 0)
        details = {"changes": {"phone": {"old": "01632 960001", "new": "01632 960999"}}}
        d = audit.digest(details)
        h = audit.entry_hash(last_hash, last_id + 1, at, user_id, username, "update", "person", 1, d)
        signature = ""
        if sign == "garbage":
            signature = "ab" * 64
        elif sign not in (None, "absent"):
            signature = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(sign)).sign(
                ENTRY_DOMAIN + h.encode()).hex()
        self.run("INSERT INTO audit_event (id, at, user_id, username, kind, entity, entity_id, details, "
                 "details_digest, prev_hash, hash, signing_key_id, signature) "
                 "VALUES (?, ?, ?, ?, 'update', 'person', 1, ?, ?, ?, ?, ?, ?)",
                 last_id + 1, at.isoformat(sep=" ", timespec="microseconds"), user_id, username,
                 audit.canonical(details), d, last_hash, h, key_id, signature)
        return last_id + 1

    def viewer_private_key(self) -> tuple[int, str]:
        """The Viewer's own signing key, unwrapped with their own password (all an insider has)."""
        key_id, public, wrapped = self.run(
            "SELECT id, public_key, wrapped_private FROM audit_signing_key WHERE user_id = ? AND retired_at IS NULL",
            self.viewer_id)[0]
        wrapped = wrapped if isinstance(wrapped, dict) else json.loads(wrapped)
        raw = _unwrap(wrapped, VIEWER_PASSWORD, f"cspdesk-signing-key:{self.viewer_id}:{public}".encode())
        return key_id, raw.hex()

    def rechain_from(self, first: int) -> None:
        """Recompute every hash from entry ``first`` on, so the SHA-256 chain holds again."""
        from datetime import datetime

        rows = self.run("SELECT id, at, user_id, username, kind, entity, entity_id, details_digest FROM audit_event "
                        "WHERE id >= ? ORDER BY id", first)
        prev = self.run("SELECT hash FROM audit_event WHERE id = ?", first - 1)[0][0]
        for eid, at, uid, uname, kind, entity, entity_id, d in rows:
            at = at if isinstance(at, datetime) else datetime.fromisoformat(at)
            h = audit.entry_hash(prev, eid, at, uid, uname, kind, entity, entity_id, d)
            self.run("UPDATE audit_event SET prev_hash = ?, hash = ? WHERE id = ?", prev, h, eid)
            prev = h


def _connect(target: str | Path, password: str = VIEWER_PASSWORD) -> Any:
    if isinstance(target, Path):
        import sqlcipher3

        key = Keyring.load(target).unwrap("viewer", password)
        con = sqlcipher3.connect(str(target))
        con.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
        return con
    import psycopg

    url = make_url(target).set(drivername="postgresql").render_as_string(hide_password=False)
    return psycopg.connect(url)


@pytest.fixture
def insider(engine: str, request: pytest.FixtureRequest) -> Iterator[Insider]:
    """A database with an administrator, a Chair and a Viewer who have each signed in; the
    administrator signed in last, so a seal covers the newest entry."""
    target = request.getfixturevalue("pg_empty_url" if engine == "postgres" else "db_path")
    created = create_database(target, admin_username="admin", admin_name="Ada", password=PASSWORD,
                              partnership_name="Safer Testshire")
    accounts = AccountService(created.ctx)
    chair = accounts.add_account("chair", "Chris Chair", Role.CHAIR, agency_id=None, panel_ids=frozenset(),
                                 temporary_password=CHAIR_PASSWORD).value
    viewer = accounts.add_account("viewer", "Val Viewer", Role.VIEWER, agency_id=None, panel_ids=frozenset(),
                                  temporary_password=VIEWER_PASSWORD).value
    close_workspace(created.ctx)
    for user, password in (("chair", CHAIR_PASSWORD), ("viewer", VIEWER_PASSWORD), ("chair", CHAIR_PASSWORD),
                           ("admin", PASSWORD)):
        close_workspace(sign_in(target, user, password))
    con = _connect(target)
    yield Insider(target, con, chair.id, viewer.id)
    con.close()


def _verify(target: str | Path) -> ChainReport:
    ctx = sign_in(target, "admin", PASSWORD)
    try:
        return AuditService(ctx).verify()
    finally:
        close_workspace(ctx)


def _problems(report: ChainReport) -> str:
    return "\n".join(f"{entry}: {text}" for entry, text in report.problems)


def test_an_untouched_trail_verifies_with_every_entry_signed_and_sealed(insider: Insider) -> None:
    report = _verify(insider.target)
    assert report.ok, _problems(report)
    assert report.signed == report.entries and report.unsigned_before_signing == 0
    assert report.last_sealed_entry == report.entries  # the verifying administrator's sign-in sealed it


def test_deleting_the_last_entry_is_detected(insider: Insider) -> None:
    last, _ = insider.last()
    insider.run("DELETE FROM audit_event WHERE id = ?", last)
    report = _verify(insider.target)
    assert not report.ok
    # Verifying signs in (a new entry takes number `last` again), so the seal finds a different entry.
    assert (last, f"it has changed since {report.problems[0][1].split('since ')[1]}") in report.problems
    assert "seal of" in _problems(report)


def test_deleting_the_last_half_is_detected(insider: Insider) -> None:
    total = insider.count()
    insider.run("DELETE FROM audit_event WHERE id > ?", total // 2)
    report = _verify(insider.target)
    assert not report.ok
    assert f"{total}: it is missing, but the seal of" in _problems(report)
    assert "the trail was cut short" in _problems(report)


def test_deleting_every_entry_is_detected(insider: Insider) -> None:
    total = insider.count()
    insider.run("DELETE FROM audit_event")
    report = _verify(insider.target)
    assert not report.ok
    assert f"{total}: it is missing, but the seal of" in _problems(report)
    # Every signing key is now unregistered too.
    assert "is not registered in the trail" in _problems(report)


def test_truncation_is_detected_from_seals_outside_even_with_the_table_of_seals_emptied(insider: Insider) -> None:
    """A file's seals are in its keyring too; a server's, in the administrator's data folder."""
    total = insider.count()
    insider.run("DELETE FROM audit_event WHERE id > ?", total // 2)
    insider.run("DELETE FROM audit_checkpoint")
    report = _verify(insider.target)
    assert not report.ok
    assert f"{total}: it is missing, but the seal of" in _problems(report)


def test_an_edit_re_chained_is_detected_by_the_signatures(insider: Insider) -> None:
    insider.run("UPDATE audit_event SET username = 'mallory' WHERE id = 4")
    insider.rechain_from(4)
    report = _verify(insider.target)
    assert not report.ok
    assert report.first_break_id == 4
    assert "its signature does not match" in report.problem
    # Every re-chained entry's signature now fails, and the seal no longer matches its entry.
    assert "has changed since the seal of" in _problems(report)


def test_an_edit_re_chained_and_re_signed_with_the_viewers_key_is_detected(insider: Insider) -> None:
    key_id, private = insider.viewer_private_key()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from cspdesk.services.audit.audit_signing import ENTRY_DOMAIN

    insider.run("UPDATE audit_event SET username = 'mallory' WHERE id = 4")
    insider.rechain_from(4)
    signer = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(private))
    for eid, h in insider.run("SELECT id, hash FROM audit_event WHERE id >= 4"):
        insider.run("UPDATE audit_event SET signing_key_id = ?, signature = ? WHERE id = ?",
                    key_id, signer.sign(ENTRY_DOMAIN + h.encode()).hex(), eid)
    report = _verify(insider.target)
    assert not report.ok
    assert f"names account {insider.chair_id} but is signed with account {insider.viewer_id}'s key" \
        in _problems(report)


@pytest.mark.parametrize("sign", ["absent", "garbage"])
def test_a_forged_appended_entry_without_a_valid_signature_is_detected(insider: Insider, sign: str) -> None:
    chair_key = insider.run("SELECT id FROM audit_signing_key WHERE user_id = ? AND retired_at IS NULL",
                            insider.chair_id)[0][0]
    forged = insider.append(insider.chair_id, "chair", sign=sign, key_id=None if sign == "absent" else chair_key)
    report = _verify(insider.target)
    assert not report.ok
    assert report.first_break_id == forged
    assert report.problem == ("it is not signed, though signing began at entry 1" if sign == "absent"
                              else "its signature does not match: it was forged, or changed after it was signed")


def test_a_forged_entry_signed_by_a_viewer_claiming_to_be_the_chair_is_detected(insider: Insider) -> None:
    key_id, private = insider.viewer_private_key()
    forged = insider.append(insider.chair_id, "chair", sign=private, key_id=key_id)
    report = _verify(insider.target)
    assert not report.ok
    assert report.first_break_id == forged
    assert report.problem == f"it names account {insider.chair_id} but is signed with account {insider.viewer_id}'s key"


def test_a_key_planted_for_the_chair_by_a_viewer_is_detected(insider: Insider) -> None:
    """The Viewer makes a key pair, files it as the Chair's, registers it with an entry signed by
    that key, and signs a forged Chair entry with it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from cspdesk.services.audit.audit_signing import ENTRY_DOMAIN

    private = Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption()).hex()
    key_id = insider.run("SELECT max(id) FROM audit_signing_key")[0][0] + 1
    insider.run("INSERT INTO audit_signing_key (id, user_id, public_key, wrapped_private, created_at) "
                "VALUES (?, ?, ?, '{}', '2026-12-07 10:00:00')", key_id, insider.chair_id, public)
    last_id, last_hash = insider.last()
    details = {"public_key": public, "registered_by": "self", "user_id": insider.chair_id}
    from datetime import datetime

    at = datetime(2026, 12, 7, 10, 0, 0)
    h = audit.entry_hash(last_hash, last_id + 1, at, insider.chair_id, "chair", "create", "signing_key", key_id,
                         audit.digest(details))
    insider.run("INSERT INTO audit_event (id, at, user_id, username, kind, entity, entity_id, details, "
                "details_digest, prev_hash, hash, signing_key_id, signature) "
                "VALUES (?, ?, ?, 'chair', 'create', 'signing_key', ?, ?, ?, ?, ?, ?, ?)",
                last_id + 1, at.isoformat(sep=" ", timespec="microseconds"), insider.chair_id, key_id,
                audit.canonical(details), audit.digest(details), last_hash, h, key_id,
                private.sign(ENTRY_DOMAIN + h.encode()).hex())
    insider.append(insider.chair_id, "chair", sign=raw, key_id=key_id)
    report = _verify(insider.target)
    assert not report.ok
    assert report.first_break_id == last_id + 1
    assert "registers a second signing key for account" in report.problem


def test_invalid_json_is_reported_with_the_entry_number_not_a_crash(insider: Insider, engine: str) -> None:
    if engine == "postgres":
        # The server's json column refuses invalid JSON outright; the nearest an insider gets is
        # valid JSON that is not an object.
        insider.run("UPDATE audit_event SET details = '[1, 2]' WHERE id = 3")
        expected = "its details are not a JSON object"
    else:
        insider.run("UPDATE audit_event SET details = '{\"name\": ' WHERE id = 3")
        expected = "its details are not valid JSON"
    result = _verify_cli(insider.target)
    assert result.returncode == 1, result.stderr
    assert f"broken at entry 3: {expected}" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_missing_field_is_reported_with_the_entry_number_not_a_crash(insider: Insider) -> None:
    insider.run("UPDATE audit_event SET details_digest = '', hash = '' WHERE id = 5")
    result = _verify_cli(insider.target)
    assert result.returncode == 1, result.stderr
    assert "broken at entry 5: its hash, details digest are missing" in result.stdout
    assert "entry 6: its link to the entry before does not match" in result.stdout


def test_an_erasure_without_its_list_is_reported_not_a_crash(insider: Insider) -> None:
    forged = insider.append(insider.chair_id, "chair", sign="absent", key_id=None)
    details = {"redacted_audit_ids": "all of them"}
    insider.run("UPDATE audit_event SET kind = 'delete', entity = 'erasure', details = ?, details_digest = ? "
                "WHERE id = ?", audit.canonical(details), audit.digest(details), forged)
    report = _verify(insider.target)
    assert (forged, "its list of erased entries is missing or damaged") in report.problems


def test_entries_from_before_signing_are_reported_as_such_not_as_failures(insider: Insider, engine: str) -> None:
    """A database from before this version: no keys, no seals, no signatures. Its first
    administrator sign-in gives a key and a seal; the old entries are 'unsigned, before signing'."""
    insider.run("UPDATE audit_event SET signing_key_id = NULL, signature = ''")
    insider.run("DELETE FROM audit_checkpoint")
    insider.run("DELETE FROM audit_signing_key")
    insider.run("DELETE FROM audit_event WHERE entity = 'signing_key'")
    total = insider.count()
    insider.run("UPDATE audit_event SET id = id + 1000")  # renumber 1..total without gaps
    for new_id, (old_id,) in enumerate(insider.run("SELECT id FROM audit_event ORDER BY id"), start=1):
        insider.run("UPDATE audit_event SET id = ? WHERE id = ?", new_id, old_id)
    insider.run("UPDATE audit_event SET prev_hash = ? WHERE id = 1", audit.GENESIS)
    insider.rechain_from(2)
    insider.run("UPDATE audit_event SET hash = ? WHERE id = 1", _hash_of_first(insider))
    insider.rechain_from(2)
    if engine == "sqlite":
        keyring = Keyring.load(insider.target)
        keyring._data.pop("audit_checkpoints", None)  # noqa: SLF001 - an old keyring has none
        keyring.save()
    else:
        from cspdesk.services.audit.audit_signing import local_seals_file

        local_seals_file(str(insider.target)).unlink()  # nor had this computer kept any
    report = _verify(insider.target)
    assert report.ok, _problems(report)
    assert report.unsigned_before_signing == total
    assert report.signing_began_at == total + 1  # the administrator's new key, then the sign-in
    assert report.signed == 2


def _hash_of_first(insider: Insider) -> str:
    from datetime import datetime

    eid, at, uid, uname, kind, entity, entity_id, d = insider.run(
        "SELECT id, at, user_id, username, kind, entity, entity_id, details_digest FROM audit_event WHERE id = 1")[0]
    at = at if isinstance(at, datetime) else datetime.fromisoformat(at)
    return audit.entry_hash(audit.GENESIS, eid, at, uid, uname, kind, entity, entity_id, d)


def _verify_cli(target: str | Path, *more: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CSPDESK_PASSWORD": PASSWORD, "CSPDESK_FAST_KDF": "1"}
    return subprocess.run(
        [sys.executable, "-m", "cspdesk", "audit", "verify", "--db", str(target), "--user", "admin", *more],
        capture_output=True, text=True, env=env, timeout=60,
    )


def test_a_backup_kept_elsewhere_still_holds_seals_thrown_away_here(insider: Insider, engine: str,
                                                                    tmp_path: Path) -> None:
    """The insider deletes the newest entries and every seal they can reach (the table's and the
    keyring's); a backup made before, kept elsewhere, still catches it (`audit verify --against`)."""
    if engine == "postgres":
        pytest.skip("backups are of local files")
    from cspdesk.services.database.backup import BackupService

    ctx = sign_in(insider.target, "admin", PASSWORD)
    backup = BackupService(ctx).backup_now(tmp_path / "elsewhere").folder  # sealed first, then copied
    close_workspace(ctx)
    sealed, _ = insider.run("SELECT max(seq), 0 FROM audit_checkpoint")[0]
    insider.run("DELETE FROM audit_event WHERE id >= ?", sealed)
    insider.run("DELETE FROM audit_checkpoint")
    keyring = Keyring.load(insider.target)
    keyring._data.pop("audit_checkpoints", None)  # noqa: SLF001 - what an insider editing the file does
    keyring.save()

    assert _verify(insider.target).ok  # nothing here remembers the entries removed (README says so)
    result = _verify_cli(insider.target, "--against", str(backup))
    assert result.returncode == 1
    assert f"broken at entry {sealed}: it has changed since the seal of" in result.stdout


def test_new_keys_from_password_changes_and_resets_verify(insider: Insider) -> None:
    """The ways an account legitimately gets a new key raise no alarm: its own password change (the
    old key registers the new) and an administrator's reset (the administrator's key does)."""
    chair = sign_in(insider.target, "chair", CHAIR_PASSWORD)
    AccountService(chair).change_password(CHAIR_PASSWORD, "the chair's newer phrase")
    close_workspace(chair)
    close_workspace(sign_in(insider.target, "chair", "the chair's newer phrase"))
    admin = sign_in(insider.target, "admin", PASSWORD)
    AccountService(admin).reset_password(insider.viewer_id, "a reset viewer phrase")
    close_workspace(admin)
    close_workspace(sign_in(insider.target, "viewer", "a reset viewer phrase"))
    if not insider.postgres:  # a reset gives the file a new key (issue 22 item 4): the old one opens nothing
        insider.con.close()
        insider.con = _connect(insider.target, "a reset viewer phrase")
    keys = insider.run("SELECT count(*) FROM audit_signing_key WHERE user_id IN (?, ?)",
                       insider.chair_id, insider.viewer_id)[0][0]
    assert keys == 4  # each account's first key, and one more each
    report = _verify(insider.target)
    assert report.ok, _problems(report)
    assert report.signed == report.entries - report.unsigned_before_signing


def test_a_recovered_administrator_takes_a_new_key_and_verify_notes_it(db_path: Path) -> None:
    created = create_database(db_path, admin_username="admin", admin_name="Ada", password=PASSWORD)
    close_workspace(created.ctx)
    close_workspace(auth.recover(db_path, created.recovery_key, "admin", "a recovered phrase"))
    ctx = sign_in(db_path, "admin", "a recovered phrase")
    report = AuditService(ctx).verify()
    close_workspace(ctx)
    assert report.ok, _problems(report)
    assert any("took a new signing key with the recovery key" in note for note in report.notes)


def test_an_administrator_made_a_chair_later_leaves_their_seals_and_keys_valid(insider: Insider) -> None:
    admin = sign_in(insider.target, "admin", PASSWORD)
    accounts = AccountService(admin)
    second = accounts.add_account("admin2", "Second Admin", Role.ADMINISTRATOR, agency_id=None,
                                  panel_ids=frozenset(), temporary_password="second admin phrase").value
    close_workspace(admin)
    second_ctx = sign_in(insider.target, "admin2", "second admin phrase")  # seals as an administrator
    AccountService(second_ctx).add_account("officer", "Olly Officer", Role.OFFICER, agency_id=None,
                                           panel_ids=frozenset(), temporary_password="officer's phrase")
    close_workspace(second_ctx)
    admin = sign_in(insider.target, "admin", PASSWORD)
    AccountService(admin).update_account(second.id, display_name="Second Admin", role=Role.CHAIR,
                                         agency_id=None, panel_ids=frozenset())
    close_workspace(admin)
    report = _verify(insider.target)
    assert report.ok, _problems(report)


def test_a_viewer_cannot_make_themselves_an_administrator_in_the_trail(insider: Insider) -> None:
    """The Viewer appends an entry 'making' themselves an administrator, signed with their own key,
    then registers a key for the Chair with the Viewer's key, as an administrator would."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from cspdesk.services.audit.audit_signing import ENTRY_DOMAIN

    key_id, private = insider.viewer_private_key()
    signer = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(private))
    grant = insider.append(insider.viewer_id, "viewer", sign=private, key_id=key_id)
    _rewrite(insider, grant, "user_account", insider.viewer_id,
             {"changes": {"role": {"old": "viewer", "new": "administrator"}}}, signer, key_id, ENTRY_DOMAIN)
    planted = Ed25519PrivateKey.generate().public_key().public_bytes(serialization.Encoding.Raw,
                                                                     serialization.PublicFormat.Raw).hex()
    planted_id = insider.run("SELECT max(id) FROM audit_signing_key")[0][0] + 1
    insider.run("INSERT INTO audit_signing_key (id, user_id, public_key, wrapped_private, created_at) "
                "VALUES (?, ?, ?, '{}', '2026-12-07 10:00:00')", planted_id, insider.chair_id, planted)
    registration = insider.append(insider.viewer_id, "viewer", sign=private, key_id=key_id)
    _rewrite(insider, registration, "signing_key", planted_id,
             {"public_key": planted, "registered_by": "administrator", "user_id": insider.chair_id},
             signer, key_id, ENTRY_DOMAIN)
    report = _verify(insider.target)
    assert (registration, f"it registers a signing key for account {insider.chair_id}, signed by an account that "
                          "is neither it nor an administrator") in report.problems


def _rewrite(insider: Insider, eid: int, entity: str, entity_id: int, details: dict, signer, key_id: int,  # noqa: ANN001
             domain: bytes) -> None:
    """Make the (last) entry ``eid`` say something else, re-hashed and re-signed with ``signer``:
    a registration (``signing_key``) is a 'create', anything else an 'update'."""
    from datetime import datetime

    prev, at, uid, uname = insider.run("SELECT prev_hash, at, user_id, username FROM audit_event WHERE id = ?",
                                       eid)[0]
    at = at if isinstance(at, datetime) else datetime.fromisoformat(at)
    kind = "create" if entity == "signing_key" else "update"
    d = audit.digest(details)
    h = audit.entry_hash(prev, eid, at, uid, uname, kind, entity, entity_id, d)
    insider.run("UPDATE audit_event SET kind = ?, entity = ?, entity_id = ?, details = ?, details_digest = ?, "
                "hash = ?, signing_key_id = ?, signature = ? WHERE id = ?", kind, entity, entity_id,
                audit.canonical(details), d, h, key_id, signer.sign(domain + h.encode()).hex(), eid)
