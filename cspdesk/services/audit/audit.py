"""The audit trail: append-only, each entry chained to the one before by a hash.

``hash = sha256(prev_hash | id | at | user_id | username | kind | entity | entity_id | details_digest)``
and ``details_digest = sha256(canonical JSON of details)``. Verification walks the entries in id
order and reports every entry whose link, hash or digest does not hold. Erasure may replace an
old entry's details with ``{"redacted": true}`` (keeping its digest, so the chain still holds); a
redacted entry is accepted only when a later ``erasure`` entry names it.

Each entry is also signed, in the same transaction, by the signing key of the account that wrote it,
and administrators seal the chain's head (cspdesk.services.audit.audit_signing); verification checks the
chain, the signatures and the seals (cspdesk.services.audit.audit_verify).

Details never hold passwords or keys. They do hold old and new values of records, which may be
personal; that is why erasure redacts them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from cspdesk.domain.enums import AuditKind
from cspdesk.services.audit.audit_signing import SIGNER_INFO, AuditSigner, SealReason, read_local_seals, seals_outside
from cspdesk.services.audit.audit_verify import ChainReport, verify_trail
from cspdesk.services.audit.audit_text import ERASED_TEXT, REDACTED, entry_details_text, record_text
from cspdesk.services.context import Actor, OpChanges, OpResult, Permission, ServiceContext, storage_faults
from cspdesk.storage.models import AuditEvent

GENESIS = "0" * 64


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return str(value)


def canonical(details: dict[str, Any]) -> str:
    return json.dumps(details, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def digest(details: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(details).encode("utf-8")).hexdigest()


def entry_hash(prev_hash: str, event_id: int, at: datetime, user_id: int | None, username: str,
               kind: str, entity: str, entity_id: int | None, details_digest: str) -> str:
    fields = [prev_hash, str(event_id), at.isoformat(timespec="microseconds"), "" if user_id is None else str(user_id),
              username, kind, entity, "" if entity_id is None else str(entity_id), details_digest]
    return hashlib.sha256("\x1f".join(fields).encode("utf-8")).hexdigest()


def _locked_chain_head(session: Session) -> tuple[int, str] | None:
    """Serialise appends so two writers never fork the chain, and read the newest entry's id and
    hash. SQLite: the unit of work's write lock serialises (see engine: BEGIN IMMEDIATE).
    PostgreSQL: ``cspdesk_audit_locked_head`` takes a transaction-scoped advisory lock and reads
    the head in one round trip, as the owner (an account's role cannot read other panels' entries,
    yet appends to the one chain)."""
    if session.get_bind().dialect.name == "postgresql":
        from cspdesk.storage.server_roles import locked_audit_head

        return locked_audit_head(session)
    last = session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    return (last.id, last.hash) if last else None


def record(session: Session, actor: Actor | None, kind: AuditKind, entity: str = "",
           entity_id: int | None = None, details: dict[str, Any] | None = None, *,
           at: datetime, username: str | None = None, user_id: int | None = None) -> None:
    """Append one entry inside the caller's transaction (it is lost with it on rollback). A view
    read through a read-only workspace (``ServiceContext.viewing``) cannot be written and is not."""
    if kind == AuditKind.VIEW and session.info.get("cspdesk_read_only_view"):
        return
    details = json.loads(canonical(details or {}))  # what the database will hand back
    last_id, prev_hash = _locked_chain_head(session) or (0, GENESIS)
    event_id = last_id + 1
    uid = user_id if user_id is not None else (actor.user_id if actor else None)
    uname = username if username is not None else (actor.username if actor else "")
    d = digest(details)
    h = entry_hash(prev_hash, event_id, at, uid, uname, kind.value, entity, entity_id, d)
    # Signed by the session's account (cspdesk.services.audit.audit_signing), in this same transaction. An
    # entry claiming another account is left unsigned rather than signed with the wrong key.
    signer: AuditSigner | None = session.info.get(SIGNER_INFO)
    if signer is not None and uid is not None and uid != signer.user_id:
        signer = None
    session.add(
        AuditEvent(
            id=event_id, at=at, user_id=uid, username=uname, kind=kind, entity=entity, entity_id=entity_id,
            details=details, details_digest=d, prev_hash=prev_hash, hash=h,
            signing_key_id=signer.key_id if signer else None, signature=signer.sign_entry(h) if signer else "",
        )
    )
    session.flush()


def changed_fields(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """``{"field": {"old": …, "new": …}}`` for the fields that differ."""
    return {k: {"old": old.get(k), "new": new.get(k)} for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)}


def redact(session: Session, event_ids: Iterable[int]) -> list[int]:
    """Replace the details of these entries with the redaction marker (their digest stays).
    The caller must then record an ``erasure`` entry listing the ids returned."""
    ids = sorted(set(event_ids))
    if session.get_bind().dialect.name == "postgresql":
        # No account's role may change an audit entry: the owner's function does it (migration 0010_rls).
        from cspdesk.storage.server_roles import redact_audit

        session.flush()
        done = []
        for chunk in range(0, len(ids), 500):
            done += redact_audit(session, ids[chunk : chunk + 500])
        return sorted(done)
    done = []
    for chunk in range(0, len(ids), 500):
        for event in session.scalars(select(AuditEvent).where(AuditEvent.id.in_(ids[chunk : chunk + 500]))):
            event.details = dict(REDACTED)
            done.append(event.id)
    session.flush()
    return done


# -- verification: cspdesk.services.audit.audit_verify ------------------------------------------------


def verify_chain(session: Session, *, batch: int = 5000, outside_seals: Sequence[dict[str, Any]] = (),
                 anchor: AuditSigner | None = None) -> ChainReport:
    """Every entry's link, hash, digest and signature, and every seal (see audit_verify)."""
    return verify_trail(session, batch=batch, outside_seals=outside_seals, anchor=anchor)


# -- the service the UI and CLI call ------------------------------------------------------------


@dataclass(frozen=True)
class AuditQuery:
    kinds: frozenset[AuditKind] | None = None
    username: str = ""
    entity: str = ""
    entity_id: int | None = None
    since: date | None = None
    until: date | None = None  # inclusive
    newest_first: bool = True


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    username: str
    kind: AuditKind
    entity: str
    entity_id: int | None
    #: The details as stored, in short (compact JSON, or "changed a, b"): for tools and tests.
    summary: str
    #: What the entry is about, in words: "Agency: Kent Police", "Case 12".
    record: str = ""
    #: The details in words: enums by their labels, changes as "old → new".
    details_text: str = ""


def _summary(details: dict[str, Any]) -> str:
    if details == REDACTED:
        return ERASED_TEXT
    if "changes" in details and isinstance(details["changes"], dict):
        return "changed " + ", ".join(sorted(details["changes"]))
    text_value = canonical(details)
    return text_value if len(text_value) <= 160 else text_value[:157] + "…"


class AuditService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def _filtered(self, stmt: Select[Any], q: AuditQuery) -> Select[Any]:
        if q.kinds:
            stmt = stmt.where(AuditEvent.kind.in_(sorted(q.kinds)))
        if q.username.strip():
            stmt = stmt.where(AuditEvent.username == q.username.strip().casefold())
        if q.entity:
            stmt = stmt.where(AuditEvent.entity == q.entity)
        if q.entity_id is not None:
            stmt = stmt.where(AuditEvent.entity_id == q.entity_id)
        if q.since:
            stmt = stmt.where(AuditEvent.at >= datetime.combine(q.since, datetime.min.time()))
        if q.until:
            stmt = stmt.where(AuditEvent.at < datetime.combine(q.until, datetime.max.time()))
        return stmt

    def event_ids(self, query: AuditQuery = AuditQuery()) -> list[int]:
        """Administrators only: ids of matching entries, for a lazy table."""
        self._ctx.require(Permission.ADMINISTER)
        stmt = self._filtered(select(AuditEvent.id), query)
        stmt = stmt.order_by(AuditEvent.id.desc() if query.newest_first else AuditEvent.id.asc())
        with self._ctx.reading() as s:
            return list(s.scalars(stmt))

    def event_rows(self, ids: Sequence[int]) -> list[AuditRow]:
        self._ctx.require(Permission.ADMINISTER)
        if not ids:
            return []
        with self._ctx.reading() as s:
            by_id = {
                e.id: AuditRow(e.id, e.at, e.username, e.kind, e.entity, e.entity_id, _summary(e.details),
                               record_text(e.entity, e.entity_id, e.details), entry_details_text(e.entity, e.details))
                for e in s.scalars(select(AuditEvent).where(AuditEvent.id.in_(list(ids))))
            }
        return [by_id[i] for i in ids if i in by_id]

    def usernames(self) -> list[str]:
        self._ctx.require(Permission.ADMINISTER)
        with self._ctx.reading() as s:
            return [u for u in s.scalars(select(AuditEvent.username).distinct().order_by(AuditEvent.username)) if u]

    def count(self) -> int:
        self._ctx.require(Permission.ADMINISTER)
        with self._ctx.reading() as s:
            return s.scalar(select(func.count()).select_from(AuditEvent)) or 0

    def verify(self, backup_files: Sequence[Path] = ()) -> ChainReport:
        """Administrators only (the CLI's ``audit verify`` signs in as one). Reads the seals kept in
        the keyring file as well as the table's, and those of the backups' database files named in
        ``backup_files`` (kept elsewhere, they still hold seals when both copies here were thrown
        away: :func:`cspdesk.services.database.backup.read_backup` finds a backup folder's file);
        anchors on the verifier's own signing key."""
        self._ctx.require(Permission.ADMINISTER)
        outside = seals_outside(self._ctx.vault.db_path if self._ctx.vault else None)
        if self._ctx.vault is None and self._ctx.store.target.url is not None:
            outside.extend(read_local_seals(self._ctx.store.target.url))
        for db_file in backup_files:
            outside.extend(seals_outside(db_file))
        with self._ctx.reading() as s:
            return verify_chain(s, outside_seals=outside, anchor=self._ctx.signer)

    def seal(self) -> OpResult[Seal]:
        """Administrators only: seal the chain's head now (the Administration audit tab's button and
        ``cspdesk audit seal``). Needs a signed-in administrator's signing key."""
        self._ctx.require(Permission.ADMINISTER)
        return OpResult(seal_now(self._ctx, SealReason.ON_DEMAND), OpChanges())


@dataclass(frozen=True)
class Seal:
    entry: int
    at: datetime


def seal_now(ctx: ServiceContext, reason: str) -> Seal:
    """Seal the head in its own transaction and keep the seal in the keyring file too. Callers check
    the permission (an administrator's sign-in, a backup, the Seal button)."""
    from cspdesk.services.audit.audit_signing import remember_in_file, remember_locally, seal
    from cspdesk.services.errors import PermissionDenied

    signer = ctx.signer
    if signer is None or ctx.actor.user_id != signer.user_id:
        raise PermissionDenied("Only an administrator who has signed in with a password can seal the audit trail.")
    with ctx.unit_of_work() as s:
        sealed = seal(s, signer, reason, ctx.now())
    with storage_faults(ctx.store):
        if ctx.vault is not None:
            remember_in_file(ctx.vault.db_path, sealed)
        elif ctx.store.target.url is not None:
            remember_locally(ctx.store.target.url, sealed)
    payload = json.loads(sealed["payload"])
    return Seal(int(payload["seq"]), datetime.fromisoformat(payload["at"]))
