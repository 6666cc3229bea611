"""Signing in: the account unlocks the store.

A local file (SQLCipher): the password unwraps the database key from the keyring beside it
(cspdesk.storage.keyring); nobody opens the file without an account. A server (PostgreSQL): the
password is checked against the account's argon2id hash in the database.

Every function returns a :class:`ServiceContext` whose actor is the signed-in user, or raises
:class:`SignInFailed` with a message for people. Failed sign-ins are counted, slowed and audited.
"""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from cspdesk.domain.enums import AuditKind, Role
from cspdesk.domain.marking import DEFAULT_MARKING
from cspdesk.services.audit import audit
from cspdesk.services.audit import audit_signing
from cspdesk.services.context import Actor, ServiceContext, Vault, storage_faults
# Signing-in errors live with the others; callers also find them here, as before.
from cspdesk.services.errors import AccountLocked as AccountLocked
from cspdesk.services.errors import AlreadyOpen as AlreadyOpen
from cspdesk.services.errors import SignInFailed as SignInFailed
from cspdesk.services.errors import DatabaseDamaged, FileReadOnly, ValidationError
from cspdesk.services.partnership.starter import AgencyChoice, PanelChoice, add_starter, check_agencies, check_panels
from cspdesk.services.database.workspace import (
    FAILED_DELAY_CAP,
    FAILED_DELAY_STEP,
    OpenFailed,
    default_database,
)
from cspdesk.services.database.workspace import database_exists as database_exists  # re-exported
from cspdesk.services.database.workspace import take_writer_lock as _take_writer_lock
from cspdesk.storage.engine import DatabaseTarget, Store, StoreOpenError, open_store
from cspdesk.storage.integrity import FaultKind, fault_message, startup_check
from cspdesk.storage.keyring import (
    Keyring,
    KeyringError,
    WrongSecret,
    keyring_lock_path,
    keyring_path,
    new_recovery_key,
    normalise_username,
)
from cspdesk.storage.migrate import HEAD_REVISION, SchemaTooNewError, current_revision, upgrade_to_head
from cspdesk.storage.models import PanelMembership, Partnership, UserAccount

MIN_PASSWORD_LENGTH = 10
#: The password ``cspdesk demo`` gives every demo account unless told otherwise (README).
DEMO_PASSWORD = "demo-password"


@dataclass(frozen=True)
class CreatedDatabase:
    ctx: ServiceContext
    #: Shown once, never stored: the only way back in when every administrator is locked out.
    recovery_key: str | None


@dataclass(frozen=True)
class DemoAccount:
    username: str
    display_name: str
    role: Role
    agency: str
    panels: tuple[str, ...]


#: Passwords long enough for the length rule that are still the first ones an attacker tries (the
#: top of the published breach lists, 10 characters and over). The password opens the encrypted
#: database, so these are refused.
COMMON_PASSWORDS = frozenset({
    "password123", "password1234", "password12345", "passw0rd123", "password!!", "1234567890", "0123456789",
    "12345678910", "123456789a", "a123456789", "1q2w3e4r5t", "1qaz2wsx3edc", "qwertyuiop", "qwerty1234",
    "qwerty12345", "qwerty123456", "asdfghjkl1", "zxcvbnm123", "iloveyou123", "letmein123", "welcome123",
    "welcome1234", "changeme123", "administrator", "admin12345", "football123", "monkey1234", "sunshine123",
    "princess123", "trustno1234", "abcdefghij", "abcd123456", "abc1234567", "summer2026", "winter2026",
})
#: A password made of fewer different characters than this is refused ("aaaaaaaaaa", "ababababab").
MIN_DISTINCT_CHARACTERS = 5


def check_new_password(password: str, *, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(field, f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if password.strip() != password or not password.strip():
        raise ValidationError(field, "A password cannot start or end with a space.")
    if password.casefold() in COMMON_PASSWORDS or len(set(password.casefold())) < MIN_DISTINCT_CHARACTERS:
        raise ValidationError(field, "That password is one of the first an attacker would try. Three or four "
                                     "unrelated words make a strong one that is easy to remember.")


def check_username(username: str, *, field: str = "username") -> str:
    name = normalise_username(username)
    if not name:
        raise ValidationError(field, "Give a user name.")
    if len(name) > USERNAME_MAX:
        raise ValidationError(field, f"A user name must be {USERNAME_MAX} characters or fewer (this one is {len(name):,}).")
    if not all(c.isalnum() or c in "._-@" for c in name):
        raise ValidationError(field, f"A user name uses letters, digits and . _ - @ only ({USERNAME_MAX} at most).")
    return name


#: The longest user name and person's name an account holds (the columns' lengths).
USERNAME_MAX = 80
DISPLAY_NAME_MAX = 200


def check_display_name(display_name: str, *, field: str = "display_name") -> str:
    """A person's name for an account, stripped; refused when empty or longer than the column
    holds (never cut: a form that cut a pasted name to 200 in silence lost its end)."""
    name = display_name.strip()
    if not name:
        raise ValidationError(field, "Give the person's name.")
    if len(name) > DISPLAY_NAME_MAX:
        raise ValidationError(field, f"The name must be {DISPLAY_NAME_MAX} characters or fewer "
                                     f"(this one is {len(name):,}).")
    return name


def _delay(failures: int) -> None:
    if failures > 0 and FAILED_DELAY_STEP > 0:
        time.sleep(min(FAILED_DELAY_STEP * failures, FAILED_DELAY_CAP))


def _actor_for(session: Session, account: UserAccount) -> Actor:
    panel_ids = None
    if account.role is not Role.ADMINISTRATOR:
        panel_ids = frozenset(
            session.scalars(select(PanelMembership.panel_id).where(PanelMembership.user_id == account.id))
        )
    return Actor(account.id, account.username, account.role, account.agency_id, panel_ids)


def _target(db: str | Path | None) -> DatabaseTarget:
    return DatabaseTarget.parse(db if db is not None else default_database())


def _open(target: DatabaseTarget, key: bytes | None, *, create: bool, migrate: bool = True,
          read_only: bool = False) -> Store:
    try:
        return open_store(target, key=key, create=create, migrate=migrate, read_only=read_only)
    except (StoreOpenError, SchemaTooNewError) as exc:
        raise OpenFailed(str(exc)) from None


def _watch_writer_lock(ctx: ServiceContext) -> None:
    """Keep the lock's heartbeat going; if another copy takes the file over (this computer slept
    past the stale limit), this session stops writing."""
    lock = ctx.store.writer_lock
    if lock is None:
        return

    def lost() -> None:
        ctx.read_only = True
        ctx.read_only_reason = ("Another copy of CSPDesk took over this file while this one was asleep or "
                                "cut off, so this window can no longer save changes. Close it and sign in again.")

    lock.start_heartbeat(on_lost=lost)


# -- signing in --------------------------------------------------------------------------------


def sign_in(db: str | Path | None, username: str, password: str, *, read_only: bool = False) -> ServiceContext:
    """Sign in and open the database. A file is opened for writing only by one copy of CSPDesk
    at a time (:class:`AlreadyOpen` otherwise); ``read_only=True`` opens it without writing at
    all (for looking while another copy has it): no audit entry, no keyring change, every
    unit of work refused. A damaged file raises :class:`DatabaseDamaged` before anything is
    written to it."""
    target = _target(db)
    if target.path is not None:
        return _sign_in_file(target, username, password, read_only=read_only)
    ctx = _sign_in_server(target, username, password)
    if read_only:
        ctx.read_only = True
        ctx.read_only_reason = "This database was opened read-only: nothing can be changed in this window."
    return ctx


def _finish_sign_in(session: Session, ctx: ServiceContext, account: UserAccount, pending: list[dict]) -> None:
    now = ctx.now()
    for failed in pending:  # failed attempts made while the file was locked
        audit.record(session, None, AuditKind.LOGIN_FAILED, "user_account", None, {"at": failed.get("at", "")},
                     at=now, username=failed.get("username", ""), user_id=None)
    audit.record(session, ctx.actor, AuditKind.LOGIN, "user_account", account.id, {}, at=now)


def _count_failure(db_path: Path, name: str, loaded: Keyring) -> int:
    """Count a failed attempt under the keyring's lock (parallel guesses each count) and return
    the count the delay is for. A keyring that cannot be written (a read-only folder) keeps no
    count, but the caller delays all the same: an I/O error must not answer faster than a guess."""
    try:
        with Keyring.editing(db_path) as keyring:
            return keyring.record_failure(name)
    except (OSError, KeyringError):
        return loaded.failures(name) + 1


def _refuse_wrong(failures: int, max_failed: int) -> SignInFailed:
    # An unknown name keeps no count, but waits as long as a known name's first failure does.
    _delay(max(failures, 1))
    left = max_failed - failures
    hint = f" {left} more attempt{'s' if left != 1 else ''} before the account locks." if 0 < left <= 3 else ""
    return SignInFailed("The user name or password is not right." + hint)


def _read_only_refusal(path: Path) -> FileReadOnly:
    return FileReadOnly(f"{path} is read-only (or its folder or keyring is), so CSPDesk cannot save changes to "
                        "it. Copy the database and its keyring to a folder you can write to, or open it read-only.")


def _keyring_writable(db_path: Path) -> bool:
    """Can failures be counted here? A save replaces the keyring through its folder (the file's own
    mode does not matter), under the lock file, which must be openable for writing."""
    lock = keyring_lock_path(db_path)
    return os.access(db_path.parent, os.W_OK) and (not lock.exists() or os.access(lock, os.W_OK))


def _locked_out(keyring: Keyring, db_path: Path, name: str) -> AccountLocked | None:
    """Checked before every password check (signing in, the idle lock, changing a password)."""
    if not keyring.is_locked(name):
        return None
    _count_failure(db_path, name, keyring)
    return AccountLocked(f"This account is locked after {keyring.max_failed_attempts} failed attempts. "
                         "Ask an administrator to reset its password.")


def _seal_at_sign_in(session: Session, ctx: ServiceContext) -> dict | None:
    """An administrator's every sign-in seals the chain's head (issue 22: checkpoints)."""
    if ctx.actor.role is not Role.ADMINISTRATOR or ctx.signer is None:
        return None
    sealed = audit_signing.seal(session, ctx.signer, audit_signing.SealReason.SIGN_IN, ctx.now())
    url = ctx.store.target.url
    if url is not None:  # a server has no keyring: this computer keeps the seal once it is committed
        event.listen(session, "after_commit", lambda _s: audit_signing.remember_locally(url, sealed), once=True)
    return sealed


def _sign_in_file(target: DatabaseTarget, username: str, password: str, *, read_only: bool = False) -> ServiceContext:
    assert target.path is not None
    name = normalise_username(username)
    if not target.path.exists():
        raise OpenFailed(f"There is no database at {target.path}.")
    try:
        keyring = Keyring.load(target.path)
    except KeyringError as exc:
        raise SignInFailed(str(exc)) from None
    locked = _locked_out(keyring, target.path, name)
    if locked is not None:
        raise locked
    if not read_only and not _keyring_writable(target.path):
        # Refused for right and wrong passwords alike, after the same derivation and delay: the
        # answer must not tell a guesser which password was right.
        try:
            keyring.unwrap_keys(name, password)
        except WrongSecret:
            pass
        _delay(keyring.failures(name) + 1)
        raise _read_only_refusal(target.path)
    try:
        keys = keyring.unwrap_keys(name, password)
    except WrongSecret:
        raise _refuse_wrong(_count_failure(target.path, name, keyring), keyring.max_failed_attempts) from None

    store, key = _open_checked(target, keys, read_only=read_only, pending=keyring.pending is not None)
    ctx = ServiceContext(store=store, vault=Vault(target.path, key),
                         full_check_pending=not store.checked_in_full)
    if read_only:
        ctx.read_only = True
        ctx.read_only_reason = _read_only_reason(target.path)
    try:
        if read_only:
            # Nothing is written: not the sign-in's audit entry, not the keyring (the writing copy
            # may be saving it at this moment).
            with ctx.reading() as s:
                account = s.scalar(select(UserAccount).where(UserAccount.username == name))
                if account is None or not account.is_active:
                    raise SignInFailed("This account is disabled. Ask an administrator.")
                ctx.actor = _actor_for(s, account)
                ctx.signer = audit_signing.current_signer(s, account.id, password)  # for verify, a move
            return ctx
        with storage_faults(store):
            _settle_rekey(target.path, opened_with_pending=key != keys[0])
        disabled = False
        sealed = None
        with storage_faults(store), Keyring.editing(target.path) as current:
            with ctx.unit_of_work() as s:
                account = s.scalar(select(UserAccount).where(UserAccount.username == name))
                disabled = account is None or not account.is_active
                if not disabled:
                    ctx.actor = _actor_for(s, account)
                    ctx.signer = audit_signing.signer_at_sign_in(s, account, password, ctx.now())
                    _finish_sign_in(s, ctx, account, current.take_pending_events())
                    sealed = _seal_at_sign_in(s, ctx)
            if disabled:
                current.remove_account(name)  # a stale copy must not let anyone in again
            else:
                current.clear_failures(name)
                if not current.is_sealed_entry(name):
                    current.set_account(name, password, key)  # an entry from before key pairs
                if sealed is not None:
                    audit_signing.remember(current, sealed)
        if disabled:
            raise SignInFailed("This account is disabled. Ask an administrator.")
        _watch_writer_lock(ctx)
    except BaseException:
        store.dispose()
        raise
    return ctx


def _settle_rekey(db_path: Path, *, opened_with_pending: bool) -> None:
    """A re-key was interrupted (cspdesk.services.access.rekey): the key that opened the file says how
    far it got. The pending key opened it → the file was re-encrypted: make it current. The current
    key opened it → the file never was: forget the pending one. Called holding the writer's lock."""
    if Keyring.load(db_path).pending is None:
        return  # the usual case: a read, not a locked write and an fsync
    with Keyring.editing(db_path) as keyring:
        pending = keyring.pending
        if pending is None:
            return
        if opened_with_pending:
            keyring.commit_rekey()
        else:
            keyring.abandon_rekey()


def _read_only_reason(path: Path) -> str:
    """What a window opened read-only says across its top, and when a change is refused."""
    from cspdesk.storage.writer_lock import read_holder

    try:
        holder = read_holder(path)
    except OSError:
        holder = None
    if holder is None:
        return "Open read-only: this window cannot change anything in this file."
    where = "on this computer" if holder.on_this_host else f"on {holder.host}"
    return (f"Open read-only: another copy of CSPDesk {where} is using this file. "
            "Changes are switched off.")


def _open_checked(target: DatabaseTarget, keys: list[bytes], *, read_only: bool,
                  pending: bool = False) -> tuple[Store, bytes]:
    """Open a file with the first of ``keys`` (the keyring's current key, then a re-key's pending
    one) that opens it: take the writer's lock (unless read-only), check the file's integrity
    *before* anything is written to it (migrations included), then migrate. Returns the store and
    the key that opened it."""
    path = target.path
    assert path is not None
    damaged = fault_message(FaultKind.DAMAGED, path)
    if not read_only and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        raise _read_only_refusal(path)
    lock = None if read_only else _take_writer_lock(path)
    try:
        for i, key in enumerate(keys):
            try:
                store = open_store(target, key=key, create=False, migrate=False, read_only=read_only)
                break
            except StoreOpenError as exc:
                if exc.sqlite_error.startswith(("SQLITE_NOTADB", "SQLITE_CORRUPT")):
                    if i + 1 < len(keys):
                        continue  # a re-key got as far as re-encrypting the file: the pending key
                    if pending:
                        # The file was re-encrypted for the accounts that remain, not this one.
                        raise SignInFailed("This account can no longer open this database. Ask an "
                                           "administrator.") from None
                    # The keyring unwrapped the key, so a file that does not open with it is damaged
                    # (or the keyring beside it belongs to another database).
                    raise DatabaseDamaged(damaged) from None
                raise OpenFailed(
                    f"{path} cannot be opened: it could not be read here (a folder without permission, a "
                    "network share that went away, or a read-only place). Check where it is and try again."
                ) from None
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    store.writer_lock = lock
    try:
        with storage_faults(store):
            report = startup_check(store.engine, path)
        if not report.ok:
            raise DatabaseDamaged(damaged)
        store.checked_in_full = report.complete
        with storage_faults(store):
            if read_only:
                revision = current_revision(store.engine)
                if revision != HEAD_REVISION:
                    from cspdesk.storage.migrate import known_revisions

                    if revision not in known_revisions():
                        raise SchemaTooNewError(
                            "This database was written by a newer version of CSPDesk. "
                            "Install the newer version to open it; nothing has been changed."
                        )
                    raise OpenFailed(
                        "This database needs updating to this version of CSPDesk, which cannot be done "
                        "read-only. Sign in normally once no other copy of CSPDesk has it open."
                    )
            else:
                upgrade_to_head(store.engine)
    except SchemaTooNewError as exc:
        store.dispose()
        raise OpenFailed(str(exc)) from None
    except BaseException:
        store.dispose()
        raise
    return store, key


def _sign_in_server(target: DatabaseTarget, username: str, password: str) -> ServiceContext:
    """A server: the account connects as its own login role, and that connection *is* the
    password check (PostgreSQL's SCRAM; the server holds no other copy of the password), so a
    stolen copy of the database has no password hash to attack and a role that is refused never
    touches a row. When the URL carries credentials of its own (the owner's, as the administrator
    set the server up, or a shared login from before roles), a refused attempt is counted and
    audited through them, and an account from before roles signs in with its argon2 hash once and
    is given its role then."""
    from cspdesk.storage import server_roles

    assert target.url is not None
    name = normalise_username(username)
    try:
        store = open_store(DatabaseTarget(url=server_roles.account_url(target.url, name, password)),
                           create=False, migrate=False)
    except StoreOpenError as exc:
        refused = server_roles.is_authentication_failure(exc.__cause__ or exc)
        if not server_roles.url_has_credentials(target.url):
            if not refused:
                raise OpenFailed(str(exc)) from None
            _delay(1)
            raise SignInFailed("The user name or password is not right.") from None
        return _sign_in_server_with_url(target, name, password)
    return _finish_server_sign_in(store, name, password)


def _finish_server_sign_in(store: Store, name: str, password: str) -> ServiceContext:
    """The account's role connected: check the account may sign in, and record that it did."""
    ctx = ServiceContext(store=store)
    try:
        if current_revision(store.engine) != HEAD_REVISION:
            raise OpenFailed("This server's database needs updating to this version of CSPDesk. An administrator "
                             "signs in once with the server's own connection (the one it was set up with).")
        with ctx.unit_of_work() as s:
            account = s.scalar(select(UserAccount).where(UserAccount.username == name))
            if account is None or not account.is_active:
                raise SignInFailed("This account is disabled. Ask an administrator.")
            locked = account.locked_at is not None
            if locked:
                account.failed_logins += 1
                audit.record(s, None, AuditKind.LOGIN_FAILED, "user_account", None, {},
                             at=ctx.now(), username=name, user_id=None)
            else:
                account.failed_logins = 0
                ctx.actor = _actor_for(s, account)
                ctx.signer = audit_signing.signer_at_sign_in(s, account, password, ctx.now())
                audit.record(s, ctx.actor, AuditKind.LOGIN, "user_account", account.id, {}, at=ctx.now())
                _seal_at_sign_in(s, ctx)  # a server keeps its seals in the table only
        if locked:
            raise AccountLocked("This account is locked. Ask an administrator to reset its password.")
    except BaseException:
        store.dispose()
        raise
    return ctx


def give_server_role(s: Session, account: UserAccount, password: str, *, fallback_hash: str | None = None) -> bool:
    """On a server: create or update ``account``'s own login role with ``password`` (flushed
    first; inside the caller's transaction), and keep no password hash in the table: the server's
    SCRAM verifier is the only copy. When the connection may not make roles (a shared login, not
    the owner, as before roles), the account keeps an argon2 hash instead and works as before:
    False."""
    from sqlalchemy.exc import DBAPIError

    from cspdesk.storage import server_roles

    s.flush()
    try:
        with s.begin_nested():
            server_roles.sync_account(s, account.id, password)
    except DBAPIError:
        import logging

        logging.getLogger(__name__).warning("An account could not be given its own server role: the server's "
                                            "connection may not create roles.")
        if fallback_hash is None:
            from argon2 import PasswordHasher

            fallback_hash = PasswordHasher().hash(password)
        account.password_hash = fallback_hash
        return False
    account.password_hash = None
    return True


def _sign_in_server_with_url(target: DatabaseTarget, name: str, password: str) -> ServiceContext:
    from argon2 import PasswordHasher
    from argon2.exceptions import VerificationError, VerifyMismatchError

    from cspdesk.storage import server_roles

    store = _open(target, None, create=False)
    ctx = ServiceContext(store=store)
    hasher = PasswordHasher()
    try:
        with ctx.unit_of_work() as s:
            max_failed = _max_failed_attempts(s)
            account = s.scalar(select(UserAccount).where(UserAccount.username == name))
            ok = False
            if account is not None and account.password_hash and account.locked_at is None:
                try:
                    ok = hasher.verify(account.password_hash, password)
                except (VerifyMismatchError, VerificationError):
                    ok = False
            else:
                hasher.hash(password)  # the same cost whether or not the name exists
            if ok and account is not None and account.is_active:
                account.failed_logins = 0
                ctx.actor = _actor_for(s, account)
                ctx.signer = audit_signing.signer_at_sign_in(s, account, password, ctx.now())
                audit.record(s, ctx.actor, AuditKind.LOGIN, "user_account", account.id, {}, at=ctx.now())
                _seal_at_sign_in(s, ctx)  # a server keeps its seals in the table only
                given_role = give_server_role(s, account, password,
                                              fallback_hash=account.password_hash)
            else:
                given_role = None
                failures = 0
                if account is not None:
                    failures = account.failed_logins = account.failed_logins + 1
                    if failures >= max_failed and account.locked_at is None:
                        account.locked_at = ctx.now()
                audit.record(s, None, AuditKind.LOGIN_FAILED, "user_account", None, {},
                             at=ctx.now(), username=name if account else "", user_id=None)
        if given_role is not None:
            if not given_role:
                return ctx
            # From here on this window works as the account's own role, like every later sign-in.
            store.dispose()
            role_store = _open(DatabaseTarget(url=server_roles.account_url(target.url or "", name, password)),
                               None, create=False, migrate=False)
            return ServiceContext(store=role_store, actor=ctx.actor, signer=ctx.signer)
        _delay(failures)
        if account is not None and account.locked_at is not None:
            raise AccountLocked("This account is locked. Ask an administrator to reset its password.")
        if account is not None and not account.is_active:
            raise SignInFailed("This account is disabled. Ask an administrator.")
        raise SignInFailed("The user name or password is not right.")
    except BaseException:
        store.dispose()
        raise


def _max_failed_attempts(session: Session) -> int:
    settings = session.scalar(select(Partnership.settings).limit(1)) or {}
    return int(settings.get("max_failed_attempts", 5))


def verify_password(ctx: ServiceContext, password: str) -> bool:
    """Is ``password`` the signed-in user's? (Unlocking an idle-locked window, changing one's own
    password.) A wrong one counts as a failed sign-in and is slowed like one; a locked or disabled
    account raises :class:`AccountLocked` whatever the password."""
    if ctx.vault is not None:
        path, name = ctx.vault.db_path, ctx.actor.username
        keyring = Keyring.load(path)
        if not keyring.has_account(name):
            raise AccountLocked("This account can no longer sign in. Ask an administrator.")
        locked = _locked_out(keyring, path, name)
        if locked is not None:
            raise locked
        try:
            return ctx.vault.db_key in keyring.unwrap_keys(name, password)
        except WrongSecret:
            _delay(_count_failure(path, name, keyring))
            return False
    from argon2 import PasswordHasher
    from argon2.exceptions import VerificationError, VerifyMismatchError

    from cspdesk.storage import server_roles

    url = ctx.store.target.url
    with ctx.reading() as s:
        account = s.get(UserAccount, ctx.actor.user_id)
        stored, locked_at, active = ((account.password_hash, account.locked_at, account.is_active) if account
                                     else (None, None, False))
        max_failed = _max_failed_attempts(s)
    # The lock-out first, whatever the password (issue 22 item 6), for a role's connection too.
    if locked_at is not None or not active:
        raise AccountLocked("This account is locked. Ask an administrator to reset its password.")
    if url is not None and server_roles.connected_as_account(url, ctx.actor.username):
        if server_roles.password_opens_role(url, ctx.actor.username, password):
            return True
    else:
        try:
            if stored and PasswordHasher().verify(stored, password):
                return True
        except (VerifyMismatchError, VerificationError):
            pass
    if ctx.read_only:
        _delay(1)
        return False
    with ctx.unit_of_work() as s:  # counted like a failed sign-in on the server
        account = s.get(UserAccount, ctx.actor.user_id)
        failures = account.failed_logins = account.failed_logins + 1
        if failures >= max_failed:
            account.locked_at = ctx.now()
        audit.record(s, None, AuditKind.LOGIN_FAILED, "user_account", None, {}, at=ctx.now(),
                     username=account.username, user_id=None)
    _delay(failures)
    return False


# -- creating a database -----------------------------------------------------------------------


def create_database(
    db: str | Path | None,
    *,
    admin_username: str,
    admin_name: str,
    password: str,
    partnership_name: str | None = None,
    protective_marking: str = DEFAULT_MARKING,
    panels: Sequence[PanelChoice] = (),
    agencies: Sequence[AgencyChoice] = (),
) -> CreatedDatabase:
    """A new database with its first administrator (and, when named, its partnership, and the
    panels and agencies it starts with: all in the one transaction that makes the administrator)."""
    name = check_username(admin_username, field="admin_username")
    if not admin_name.strip():
        raise ValidationError("admin_name", "Give the administrator's name.")
    admin_name = check_display_name(admin_name, field="admin_name")
    check_new_password(password)
    # Checked before any file is made: a refused row leaves nothing behind.
    panels = check_panels(panels) if panels else ()
    agencies = check_agencies(agencies) if agencies else ()
    target = _target(db)

    def first_admin(s: Session, ctx: ServiceContext, password_hash: str | None) -> None:
        account = UserAccount(username=name, display_name=admin_name.strip(), role=Role.ADMINISTRATOR,
                              is_active=True, password_hash=password_hash, failed_logins=0,
                              created_at=ctx.now(), must_change_password=False)
        s.add(account)
        s.flush()
        ctx.actor = _actor_for(s, account)
        ctx.signer = audit_signing.signer_at_sign_in(s, account, password, ctx.now())
        audit.record(s, ctx.actor, AuditKind.CREATE, "user_account", account.id,
                     {"username": name, "role": Role.ADMINISTRATOR.value}, at=ctx.now())
        if panels or agencies:
            add_starter(s, ctx, panels, agencies)

    return _create(target, first_admin, partnership_name, protective_marking, password, name)


def _create(target: DatabaseTarget, populate: Callable[[Session, ServiceContext, str | None], None],
            partnership_name: str | None, marking: str, password: str, username: str) -> CreatedDatabase:
    from cspdesk.services.partnership.partnership import PartnershipService

    if target.path is not None:
        path = target.path
        if path.exists() or keyring_path(path).exists():
            raise ValidationError("db", f"{path} already exists. Choose a new file for a new database.")
        key = secrets.token_bytes(32)
        recovery = new_recovery_key()
        keyring = Keyring.create(path)
        keyring.set_account(username, password, key)
        keyring.set_recovery(recovery, key)
        try:
            keyring.save()
            lock = _take_writer_lock(path)
            try:
                store = _open(target, key, create=True)
            except BaseException:
                lock.release()
                raise
            store.writer_lock = lock
            lock.bind_file()  # the file exists now: hold it by its identity too
            ctx = ServiceContext(store=store, vault=Vault(path, key))
            with ctx.unit_of_work() as s:
                populate(s, ctx, None)
            if partnership_name is not None:
                PartnershipService(ctx).set_up(partnership_name, marking)
            _watch_writer_lock(ctx)
        except BaseException:
            # Nothing half-made: a new database either exists whole, or not at all.
            for leftover in (path, keyring_path(path), path.with_name(path.name + "-wal"),
                             path.with_name(path.name + "-shm"), path.with_name(path.name + ".lock"),
                             path.with_name(path.name + ".keyring.lock")):
                try:
                    if "store" in locals():
                        store.dispose()
                    leftover.unlink(missing_ok=True)
                except OSError:
                    pass
            raise
        return CreatedDatabase(ctx, recovery)

    store = _open(target, None, create=True)
    ctx = ServiceContext(store=store)
    try:
        with ctx.unit_of_work() as s:
            if s.scalar(select(UserAccount.id).limit(1)) is not None:
                raise ValidationError("db", "This server database already has accounts: sign in instead.")
            populate(s, ctx, None)
            # The first administrator's own login role: the server checks the password from now on.
            first = s.scalar(select(UserAccount).where(UserAccount.username == username))
            assert first is not None
            give_server_role(s, first, password)
        if partnership_name is not None:
            PartnershipService(ctx).set_up(partnership_name, marking)
    except BaseException:
        store.dispose()
        raise
    return CreatedDatabase(ctx, None)


def create_demo_database(
    db: str | Path | None,
    *,
    password: str = DEMO_PASSWORD,
    scale: str = "small",
    seed: int = 1,
    progress: Callable[[int, str], None] | None = None,
) -> tuple[CreatedDatabase, list[DemoAccount]]:
    """A new database holding the synthetic demo partnership, every demo account given
    ``password``; signed in as the demo administrator."""
    from cspdesk.demo.generator import DemoScale, generate_demo
    from cspdesk.storage.models import Agency, Panel

    check_new_password(password)
    target = _target(db)
    report = progress or (lambda _p, _m: None)

    # generate_demo refuses a database with any account in it, so it runs first; then every demo
    # account gets its keyring entry (or, on a server, its password hash).
    target_path = target.path
    if target_path is not None and (target_path.exists() or keyring_path(target_path).exists()):
        raise ValidationError("db", f"{target_path} already exists. Demo data only goes into a new database.")
    key = secrets.token_bytes(32) if target_path is not None else None
    recovery = new_recovery_key() if target_path is not None else None
    lock = _take_writer_lock(target_path) if target_path is not None else None
    try:
        store = _open(target, key, create=True)
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    store.writer_lock = lock
    if lock is not None:
        lock.bind_file()  # the file exists now: hold it by its identity too
    ctx = ServiceContext(store=store, vault=Vault(target_path, key) if target_path is not None and key else None)
    try:
        generate_demo(store, scale=DemoScale(scale), seed=seed,
                      progress=lambda p, m: report(min(int(p * 0.85), 85), m))
        with ctx.reading() as s:
            accounts = s.scalars(select(UserAccount).order_by(UserAccount.id)).all()
            agencies = dict(s.execute(select(Agency.id, Agency.name)).all())
            panels = dict(s.execute(select(Panel.id, Panel.name)).all())
            memberships: dict[int, list[str]] = {}
            for pm in s.scalars(select(PanelMembership)):
                memberships.setdefault(pm.user_id, []).append(panels[pm.panel_id])
            listed = [
                DemoAccount(a.username, a.display_name, a.role, agencies.get(a.agency_id, ""),
                            tuple(sorted(memberships.get(a.id, []))) if a.role is not Role.ADMINISTRATOR
                            else ("all panels",))
                for a in accounts
            ]
            admin_id = next(a.id for a in accounts if a.role is Role.ADMINISTRATOR)
        if target_path is not None:
            assert key is not None and recovery is not None
            keyring = Keyring.create(target_path)
            for i, account in enumerate(listed):
                report(85 + int(14 * i / max(len(listed), 1)), "Giving each demo account its password")
                keyring.set_account(account.username, password, key)
            keyring.set_recovery(recovery, key)
            keyring.save()
        else:
            # Each demo account's own login role, all with the one password (or, where the
            # connection may not make roles, one hash: they share the password).
            hashed = None
            with ctx.unit_of_work() as s:
                for account in s.scalars(select(UserAccount).order_by(UserAccount.id)).all():
                    if not give_server_role(s, account, password, fallback_hash=hashed):
                        hashed = hashed or account.password_hash
        with ctx.unit_of_work() as s:
            account = s.get(UserAccount, admin_id)
            assert account is not None
            ctx.actor = _actor_for(s, account)
            ctx.signer = audit_signing.signer_at_sign_in(s, account, password, ctx.now())
            audit.record(s, ctx.actor, AuditKind.CREATE, "partnership", None,
                         {"demo": True, "scale": scale, "seed": seed, "accounts": len(listed)}, at=ctx.now())
        report(100, "Demo partnership ready")
        _watch_writer_lock(ctx)
    except BaseException:
        store.dispose()
        if target_path is not None:
            for leftover in (target_path, keyring_path(target_path), target_path.with_name(target_path.name + "-wal"),
                             target_path.with_name(target_path.name + "-shm"),
                             target_path.with_name(target_path.name + ".lock"),
                             target_path.with_name(target_path.name + ".keyring.lock")):
                leftover.unlink(missing_ok=True)
        raise
    return CreatedDatabase(ctx, recovery), listed


# -- recovery ----------------------------------------------------------------------------------


def recover(db: str | Path | None, recovery_key: str, username: str, new_password: str) -> ServiceContext:
    """Every administrator locked out: the recovery key resets (or re-creates) an administrator
    account with a new password. Audited as an update by the recovered account."""
    target = _target(db)
    name = check_username(username)
    check_new_password(new_password, field="new_password")
    if target.path is None:
        return _recover_on_server(target, name, new_password)
    try:
        keyring = Keyring.load(target.path)
        keys = keyring.recovery_keys(recovery_key)
    except WrongSecret:
        time.sleep(FAILED_DELAY_STEP)
        raise SignInFailed("That recovery key is not right for this database.") from None
    except KeyringError as exc:
        raise SignInFailed(str(exc)) from None
    if not target.path.exists():
        raise OpenFailed(f"There is no database at {target.path}.")
    store, key = _open_checked(target, keys, read_only=False, pending=keyring.pending is not None)
    ctx = ServiceContext(store=store, vault=Vault(target.path, key))
    try:
        with storage_faults(store):
            _settle_rekey(target.path, opened_with_pending=key != keys[0])
        with storage_faults(store), Keyring.editing(target.path) as current, ctx.unit_of_work() as s:
            account = _admin_account(s, ctx, name)
            ctx.actor = _actor_for(s, account)
            ctx.signer = audit_signing.signer_at_sign_in(s, account, new_password, ctx.now(), recovery=True)
            _restore_administrator(s, ctx, account, "recovered_with_recovery_key")
            current.set_account(name, new_password, key)
            current.clear_failures(name)
        _watch_writer_lock(ctx)
    except BaseException:
        store.dispose()
        raise
    return ctx


def _admin_account(s: Session, ctx: ServiceContext, name: str) -> UserAccount:
    """The administrator account ``name`` to restore, created when there is none by that name."""
    account = s.scalar(select(UserAccount).where(UserAccount.username == name))
    if account is None:
        account = UserAccount(username=name, display_name=name, role=Role.ADMINISTRATOR, is_active=True,
                              failed_logins=0, created_at=ctx.now(), must_change_password=False)
        s.add(account)
        s.flush()
    elif account.role is not Role.ADMINISTRATOR:
        raise ValidationError("username", "Recovery restores an administrator's account only.")
    return account


def _restore_administrator(s: Session, ctx: ServiceContext, account: UserAccount, how: str) -> None:
    account.is_active = True
    account.locked_at = None
    account.failed_logins = 0
    ctx.actor = _actor_for(s, account)
    audit.record(s, ctx.actor, AuditKind.UPDATE, "user_account", account.id, {how: True}, at=ctx.now())


def _recover_on_server(target: DatabaseTarget, name: str, new_password: str) -> ServiceContext:
    """A server has no recovery key: its database administrator, holding the owner's URL (the one
    it was set up with), restores an administrator account and gives its role the new password.
    The returned context is the owner's connection."""
    from cspdesk.storage.server_roles import url_has_credentials

    if not url_has_credentials(target.url or ""):
        raise SignInFailed("A server database is recovered by its database administrator, with the server's own "
                           "connection (the URL it was set up with, login and password included).")
    store = _open(target, None, create=False)
    ctx = ServiceContext(store=store)
    try:
        with ctx.unit_of_work() as s:
            account = _admin_account(s, ctx, name)
            _restore_administrator(s, ctx, account, "recovered_by_database_administrator")
            give_server_role(s, account, new_password)
    except BaseException:
        store.dispose()
        raise
    return ctx


def load_services() -> None:
    """Import what signing in and the services need, and configure the ORM's mappers, now rather
    than at the first call (importing this module loads SQLAlchemy, the models and what signing in uses): the window does this on a thread while the person signs in (issue 23:
    start-up; ui/warm_up.py). Safe to call more than once, from any thread."""
    from sqlalchemy.orm import configure_mappers

    configure_mappers()
