"""User accounts: administrators add, disable, reset and place them on panels; users change their
own password. On a local file every change to who may sign in is mirrored in the keyring."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from cspdesk.domain.enums import AuditKind, Role
from cspdesk.services.audit import audit
from cspdesk.services.audit import audit_signing
from cspdesk.services.access.auth import check_display_name, check_new_password, check_username
from cspdesk.services.context import OpChanges, OpResult, Permission, ServiceContext
from cspdesk.services.errors import NotFound, PermissionDenied, ValidationError
from cspdesk.services.access.rekey import RekeyResult, rekey_file
from cspdesk.storage.keyring import Keyring
from cspdesk.storage.models import Agency, Panel, PanelMembership, Partnership, UserAccount

ACCOUNT_CHANGES = OpChanges(partnership=True)


@dataclass(frozen=True)
class AccountRow:
    id: int
    username: str
    display_name: str
    role: Role
    agency_id: int | None
    agency: str
    panel_ids: frozenset[int]
    is_active: bool
    locked: bool
    must_change_password: bool
    created_at: datetime


@dataclass(frozen=True)
class SecuritySettings:
    idle_lock_minutes: int
    max_failed_attempts: int


class AccountService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx
        #: What the last disable or reset changed in the file's key (None on a server): a new
        #: recovery key in it must be shown to the administrator once.
        self.last_rekey: RekeyResult | None = None

    # -- reading -------------------------------------------------------------------------------

    def list_accounts(self) -> list[AccountRow]:
        self._ctx.require(Permission.ADMINISTER)
        keyring = Keyring.load(self._ctx.vault.db_path) if self._ctx.vault else None
        with self._ctx.reading() as s:
            agencies = dict(s.execute(select(Agency.id, Agency.name)).all())
            panels: dict[int, set[int]] = {}
            for user_id, panel_id in s.execute(select(PanelMembership.user_id, PanelMembership.panel_id)):
                panels.setdefault(user_id, set()).add(panel_id)
            rows = []
            for a in s.scalars(select(UserAccount).order_by(UserAccount.username)):
                locked = a.locked_at is not None or (keyring is not None and keyring.is_locked(a.username))
                rows.append(AccountRow(a.id, a.username, a.display_name, a.role, a.agency_id,
                                       agencies.get(a.agency_id, ""), frozenset(panels.get(a.id, ())),
                                       a.is_active, locked, a.must_change_password, a.created_at))
            return rows

    def me(self) -> AccountRow | None:
        """The signed-in user's own account (any role)."""
        with self._ctx.reading() as s:
            a = s.get(UserAccount, self._ctx.actor.user_id) if self._ctx.actor.user_id else None
            if a is None:
                return None
            agency = s.get(Agency, a.agency_id).name if a.agency_id else ""
            panel_ids = frozenset(s.scalars(select(PanelMembership.panel_id).where(PanelMembership.user_id == a.id)))
            return AccountRow(a.id, a.username, a.display_name, a.role, a.agency_id, agency, panel_ids,
                              a.is_active, a.locked_at is not None, a.must_change_password, a.created_at)

    def agencies(self) -> list[tuple[int, str]]:
        """(id, name) of every active agency, by name: for account and action pickers."""
        with self._ctx.reading() as s:
            return [(i, n) for i, n in s.execute(select(Agency.id, Agency.name).where(Agency.is_active).order_by(Agency.name))]

    # -- administrators ------------------------------------------------------------------------

    def add_account(self, username: str, display_name: str, role: Role, *, agency_id: int | None,
                    panel_ids: frozenset[int], temporary_password: str) -> OpResult[AccountRow]:
        self._ctx.require(Permission.ADMINISTER)
        name = check_username(username)
        display_name = check_display_name(display_name)
        check_new_password(temporary_password, field="temporary_password")
        with self._ctx.unit_of_work() as s:
            if s.scalar(select(UserAccount.id).where(UserAccount.username == name)) is not None:
                raise ValidationError("username", f"There is already an account called {name}.")
            if agency_id is not None and s.get(Agency, agency_id) is None:
                raise ValidationError("agency", "That agency does not exist.")
            self._check_panels(s, panel_ids)
            account = UserAccount(username=name, display_name=display_name.strip(), role=role, agency_id=agency_id,
                                  is_active=True, failed_logins=0, created_at=self._ctx.now(),
                                  must_change_password=True)
            s.add(account)
            s.flush()
            for pid in sorted(panel_ids):
                s.add(PanelMembership(panel_id=pid, user_id=account.id))
            self._server_password(s, account, temporary_password)
            audit.record(s, self._ctx.actor, AuditKind.CREATE, "user_account", account.id,
                         {"username": name, "role": role.value, "agency_id": agency_id,
                          "panel_ids": sorted(panel_ids)}, at=self._ctx.now())
            audit_signing.issue_key(s, account.id, name, temporary_password, self._ctx.now(), self._ctx.signer)
            self._keyring_set(name, temporary_password)  # inside the transaction: fails → rolled back
            new_id = account.id
        return OpResult(self._row(new_id), ACCOUNT_CHANGES)

    def update_account(self, user_id: int, *, display_name: str, role: Role, agency_id: int | None,
                       panel_ids: frozenset[int]) -> OpResult[AccountRow]:
        self._ctx.require(Permission.ADMINISTER)
        display_name = check_display_name(display_name)
        with self._ctx.unit_of_work() as s:
            a = self._get(s, user_id)
            self._check_panels(s, panel_ids)
            if a.role is Role.ADMINISTRATOR and role is not Role.ADMINISTRATOR:
                self._keep_an_administrator(s, a.id)
            old_panels = set(s.scalars(select(PanelMembership.panel_id).where(PanelMembership.user_id == a.id)))
            old = {"display_name": a.display_name, "role": a.role.value, "agency_id": a.agency_id,
                   "panel_ids": sorted(old_panels)}
            a.display_name, a.role, a.agency_id = display_name.strip(), role, agency_id
            s.execute(delete(PanelMembership).where(PanelMembership.user_id == a.id))
            for pid in sorted(panel_ids):
                s.add(PanelMembership(panel_id=pid, user_id=a.id))
            new = {"display_name": a.display_name, "role": role.value, "agency_id": agency_id,
                   "panel_ids": sorted(panel_ids)}
            self._server_role(s, a)  # an administrator's role gains or loses administrators' rights
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "user_account", a.id,
                         {"changes": audit.changed_fields(old, new)}, at=self._ctx.now())
        return OpResult(self._row(user_id), ACCOUNT_CHANGES)

    def disable_account(self, user_id: int) -> OpResult[AccountRow]:
        """The account can no longer sign in: its copy of the key is removed from the keyring, and
        the file gets a new key (cspdesk.services.access.rekey), so no old copy of its entry opens it."""
        self._not_yourself(user_id, "disable")
        with self._ctx.unit_of_work() as s:
            a = self._leaving(s, user_id)
            a.is_active = False
            self._server_role(s, a)  # NOLOGIN: the server refuses its connections from now on
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "user_account", a.id,
                         {"changes": {"is_active": {"old": True, "new": False}}}, at=self._ctx.now())
            self._keyring_remove(a.username)
        self._rekey("account_disabled")
        return OpResult(self._row(user_id), ACCOUNT_CHANGES)

    def remove_account(self, user_id: int) -> OpResult[None]:
        """Delete the account (its entries in the audit trail keep its name). Its keyring entry
        goes and the file gets a new key; on a server its login role is dropped in the same
        transaction."""
        self._not_yourself(user_id, "remove")
        with self._ctx.unit_of_work() as s:
            a = self._leaving(s, user_id)
            username, had_role = a.username, a.db_role is not None
            s.delete(a)
            s.flush()
            if had_role:
                from cspdesk.storage.server_roles import drop_account_role

                drop_account_role(s, username)
            audit.record(s, self._ctx.actor, AuditKind.DELETE, "user_account", user_id, {"username": username},
                         at=self._ctx.now())
            self._keyring_remove(username)
        self._rekey("account_removed")
        return OpResult(None, ACCOUNT_CHANGES)

    def reset_password(self, user_id: int, temporary_password: str) -> OpResult[AccountRow]:
        """A new temporary password (to be changed at next sign-in); also unlocks and re-enables.
        The file gets a new key, so the old password's entry in an old keyring copy opens nothing."""
        self._ctx.require(Permission.ADMINISTER)
        check_new_password(temporary_password, field="temporary_password")
        with self._ctx.unit_of_work() as s:
            a = self._get(s, user_id)
            a.is_active, a.locked_at, a.failed_logins = True, None, 0
            a.must_change_password = True
            self._server_password(s, a, temporary_password)
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "user_account", a.id,
                         {"password_reset": True}, at=self._ctx.now())
            # The old key stays unknown to the administrator; the new one is theirs until the
            # account changes its password (which takes a fresh key: change_password).
            audit_signing.issue_key(s, a.id, a.username, temporary_password, self._ctx.now(), self._ctx.signer)
            self._keyring_set(a.username, temporary_password, clear_failures=True)
            username = a.username
        self._rekey("password_reset")
        self._reconnect_if_own(username, temporary_password)
        return OpResult(self._row(user_id), ACCOUNT_CHANGES)

    def security_settings(self) -> SecuritySettings:
        with self._ctx.reading() as s:
            settings = s.scalar(select(Partnership.settings).limit(1)) or {}
        return SecuritySettings(int(settings.get("idle_lock_minutes", 10)), int(settings.get("max_failed_attempts", 5)))

    def set_security_settings(self, idle_lock_minutes: int, max_failed_attempts: int) -> OpResult[SecuritySettings]:
        self._ctx.require(Permission.ADMINISTER)
        # The type first: comparing text or None with a number would raise TypeError.
        if isinstance(idle_lock_minutes, bool) or not isinstance(idle_lock_minutes, int):
            raise ValidationError("idle_lock_minutes", "Give the idle lock as a whole number of minutes.")
        if isinstance(max_failed_attempts, bool) or not isinstance(max_failed_attempts, int):
            raise ValidationError("max_failed_attempts", "Give the failed attempts as a whole number.")
        if not 1 <= idle_lock_minutes <= 240:
            raise ValidationError("idle_lock_minutes", "The idle lock must be between 1 and 240 minutes.")
        if not 3 <= max_failed_attempts <= 20:
            raise ValidationError("max_failed_attempts", "Allow between 3 and 20 failed attempts.")
        with self._ctx.unit_of_work() as s:
            p = s.scalar(select(Partnership).limit(1))
            if p is None:
                raise ValidationError("partnership", "Set up the partnership first.")
            old = dict(p.settings or {})
            new = {**old, "idle_lock_minutes": idle_lock_minutes, "max_failed_attempts": max_failed_attempts}
            changes = audit.changed_fields(
                {k: old.get(k) for k in ("idle_lock_minutes", "max_failed_attempts")},
                {"idle_lock_minutes": idle_lock_minutes, "max_failed_attempts": max_failed_attempts})
            p.settings = new
            if changes:  # saving what was there already changes nothing, and records nothing
                audit.record(s, self._ctx.actor, AuditKind.UPDATE, "partnership", p.id, {"changes": changes},
                             at=self._ctx.now())
            if self._ctx.vault is not None:
                with Keyring.editing(self._ctx.vault.db_path) as keyring:
                    keyring.max_failed_attempts = max_failed_attempts
        return OpResult(SecuritySettings(idle_lock_minutes, max_failed_attempts), OpChanges(partnership=True))

    # -- everyone ------------------------------------------------------------------------------

    def change_password(self, old_password: str, new_password: str) -> None:
        """The signed-in user's own password."""
        actor = self._ctx.actor
        if actor.user_id is None:
            raise PermissionDenied("Sign in to change a password.")
        check_new_password(new_password, field="new_password")
        if new_password == old_password:
            raise ValidationError("new_password", "Choose a password different from the old one.")
        from cspdesk.services.access.auth import verify_password

        if not verify_password(self._ctx, old_password):
            raise ValidationError("old_password", "The current password is not right.")
        with self._ctx.unit_of_work() as s:
            a = self._get(s, actor.user_id)
            a.must_change_password = False
            self._server_password(s, a, new_password, own=True)
            audit.record(s, actor, AuditKind.UPDATE, "user_account", a.id, {"password_changed": True},
                         at=self._ctx.now())
            signer = self._ctx.signer
            if signer is not None:  # a fresh key that no one who knew the old password holds
                signer = audit_signing.rotate_own_key(s, signer, a.username, new_password, self._ctx.now())
            self._keyring_set(a.username, new_password, clear_failures=True)
        self._ctx.signer = signer
        self._reconnect_if_own(actor.username, new_password)

    # -- helpers -------------------------------------------------------------------------------

    def _row(self, user_id: int) -> AccountRow:
        return next(r for r in self.list_accounts() if r.id == user_id)

    @staticmethod
    def _get(s, user_id: int) -> UserAccount:  # noqa: ANN001
        a = s.get(UserAccount, user_id)
        if a is None:
            raise NotFound("That account does not exist.")
        return a

    def _not_yourself(self, user_id: int, verb: str) -> None:
        self._ctx.require(Permission.ADMINISTER)
        if user_id == self._ctx.actor.user_id:
            raise ValidationError("account", f"You cannot {verb} your own account.")

    def _leaving(self, s, user_id: int) -> UserAccount:  # noqa: ANN001
        """An account about to be disabled or removed: never the last active administrator."""
        a = self._get(s, user_id)
        if a.role is Role.ADMINISTRATOR:
            self._keep_an_administrator(s, a.id)
        return a

    @staticmethod
    def _check_panels(s, panel_ids: frozenset[int]) -> None:  # noqa: ANN001
        if panel_ids:
            found = set(s.scalars(select(Panel.id).where(Panel.id.in_(sorted(panel_ids)))))
            if found != set(panel_ids):
                raise ValidationError("panels", "One of the chosen panels does not exist.")

    @staticmethod
    def _keep_an_administrator(s, leaving_id: int) -> None:  # noqa: ANN001
        others = s.scalar(
            select(UserAccount.id).where(UserAccount.role == Role.ADMINISTRATOR, UserAccount.is_active,
                                         UserAccount.id != leaving_id).limit(1)
        )
        if others is None:
            raise ValidationError("role", "The partnership must keep at least one active administrator.")

    def _server_password(self, s, account: UserAccount, password: str, *, own: bool = False) -> None:  # noqa: ANN001
        """On a server, the account's login role takes ``password`` (and is created if need be);
        a file checks passwords with the keyring. ``own``: the signed-in account changing its own,
        which its role may do itself."""
        if self._ctx.vault is not None:
            return
        from cspdesk.storage import server_roles

        url = self._ctx.store.target.url or ""
        if own and server_roles.connected_as_account(url, account.username):
            s.flush()
            server_roles.set_own_password(s, password)
            account.password_hash = None
            return
        from cspdesk.services.access.auth import give_server_role

        give_server_role(s, account, password)

    def _reconnect_if_own(self, username: str, password: str) -> None:
        """The signed-in account's own role has a new password: later connections use it (the
        open ones carry on; PostgreSQL checks a password only when a connection opens)."""
        from cspdesk.storage import server_roles
        from cspdesk.storage.engine import DatabaseTarget, open_store

        url = self._ctx.store.target.url
        if url is None or not server_roles.connected_as_account(url, username):
            return
        old = self._ctx.store
        self._ctx.store = open_store(DatabaseTarget(url=server_roles.account_url(url, username, password)),
                                     create=False, migrate=False)
        old.dispose()

    def _server_role(self, s, account: UserAccount) -> None:  # noqa: ANN001
        """On a server, bring the account's login role in line with its row (active, role)."""
        if self._ctx.vault is not None or not account.db_role:
            return
        from cspdesk.storage import server_roles

        s.flush()
        server_roles.sync_account(s, account.id, None)

    def _keyring_set(self, username: str, password: str, *, clear_failures: bool = False) -> None:
        vault = self._ctx.vault
        if vault is None:
            return
        with Keyring.editing(vault.db_path) as keyring:
            keyring.set_account(username, password, vault.db_key)
            if clear_failures:
                keyring.clear_failures(username)

    def _keyring_remove(self, username: str) -> None:
        if self._ctx.vault is None:
            return
        with Keyring.editing(self._ctx.vault.db_path) as keyring:
            keyring.remove_account(username)

    def _rekey(self, reason: str) -> None:
        if self._ctx.vault is not None:
            self.last_rekey = rekey_file(self._ctx, reason=reason)


