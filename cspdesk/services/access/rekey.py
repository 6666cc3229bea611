"""Changing the database key: after an account is disabled, a password is reset by an
administrator, or when an administrator asks (Administration, ``cspdesk rekey``).

Every account's password unwraps the one database key, so anyone who ever held a valid password
(and kept a copy of the keyring — every backup has one) could open the file for as long as the key
stays the same. Changing it, and sealing the new key to the *remaining* accounts only
(cspdesk.storage.keyring), shuts out every old entry at once.

The order makes a SIGKILL at any moment safe (tests/reliability/test_crash.py kills it at each
step and at random):

1. the new key, sealed to each remaining account and to the recovery key, is saved in the keyring
   as ``pending`` (one atomic save; the current entries are untouched);
2. the file is re-encrypted with ``PRAGMA rekey`` (one SQLite transaction: the file is whole under
   the old key or the new one);
3. the keyring makes the pending key current and drops every other entry (one atomic save).

Signing in tries the current key, then the pending one, and finishes (or forgets) a re-key that was
interrupted between steps 1 and 3 (auth._settle_rekey).

The recovery key keeps working: the new key is sealed to it too. A recovery entry from before key
pairs cannot be sealed to, so a new recovery key is made and returned (shown once). A backup keeps
the key it was made with; the keyring keeps earlier keys, encrypted under the current one, so this
copy of CSPDesk can still check and restore older backups.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from cspdesk.domain.enums import AuditKind
from cspdesk.services.audit import audit
from cspdesk.services.context import OpChanges, OpResult, Permission, ServiceContext, Vault, storage_faults
from cspdesk.services.errors import ReadOnlySession
from cspdesk.storage.keyring import Keyring, new_recovery_key
from cspdesk.storage.models import UserAccount

Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class RekeyResult:
    #: Accounts whose entry now opens the file.
    accounts: int
    #: Active accounts whose keyring entry dates from before key pairs (never signed in since this
    #: version): the new key could not be sealed to them, so they need a password reset.
    left_out: tuple[str, ...]
    #: A new recovery key (to write down now) when the old one could not follow the new key.
    new_recovery_key: str | None


class RekeyService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def change_key(self, *, progress: Progress | None = None) -> OpResult[RekeyResult]:
        """Administrators only: a new database key now (audited)."""
        self._ctx.require(Permission.ADMINISTER)
        return OpResult(rekey_file(self._ctx, reason="asked", progress=progress), OpChanges(partnership=True))


def rekey_file(ctx: ServiceContext, *, reason: str, progress: Progress | None = None) -> RekeyResult:
    """Change the open file's key (the steps are in the module's docstring). No permission check:
    :class:`RekeyService` and the account services that call it check their own. A server
    database has no file key: nothing to do."""
    report = progress or (lambda _p, _m: None)
    vault = ctx.vault
    if vault is None:
        return RekeyResult(0, (), None)
    if ctx.read_only:
        raise ReadOnlySession("This window has the database open read-only: change the key from the copy of "
                              "CSPDesk that has it open for writing.")
    path, old_key, new_key = vault.db_path, vault.db_key, secrets.token_bytes(32)
    report(0, "Sealing the new key for each account")
    with ctx.reading() as s:
        active = set(s.scalars(select(UserAccount.username).where(UserAccount.is_active)))
    with storage_faults(ctx.store):
        with Keyring.editing(path) as keyring:
            left_out = keyring.begin_rekey(old_key, new_key, active)
            recovery_follows = keyring.recovery_is_sealed
            pending = keyring.pending
            assert pending is not None  # begin_rekey has just set it
            kept = len(pending["accounts"])
        report(20, "Re-encrypting the database")
        try:
            ctx.store.change_key(old_key, new_key)
        except Exception:
            # Rekey is one transaction: if the file still opens with the old key, the pending one
            # is forgotten; otherwise it stays, and the next sign-in makes it current.
            if ctx.store.opens_with(old_key):
                with Keyring.editing(path) as keyring:
                    keyring.abandon_rekey()
            raise
        ctx.vault = Vault(path, new_key)
        report(90, "Saving the keyring")
        recovery = None
        with Keyring.editing(path) as keyring:
            keyring.commit_rekey()
            if not recovery_follows:
                recovery = new_recovery_key()
                keyring.set_recovery(recovery, new_key)
    with ctx.unit_of_work() as s:
        audit.record(s, ctx.actor, AuditKind.UPDATE, "database", None,
                     {"key_changed": True, "reason": reason, "accounts": kept,
                      "accounts_left_out": len(left_out), "new_recovery_key": recovery is not None},
                     at=ctx.now())
    report(100, "The database has a new key")
    return RekeyResult(kept, tuple(left_out), recovery)
