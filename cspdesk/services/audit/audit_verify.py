"""Checking the audit trail: the hash chain, every entry's signature, and the administrators' seals.

The walk reads the raw columns (details as text), so an entry whose details are not valid JSON, or
that lacks a field, is reported with its number instead of stopping the check. Every problem is
listed (up to :data:`MAX_PROBLEMS`); the first is the "break" the CLI and window name.

What each check catches (README, "What the audit trail detects"):

- the chain (each hash covers the one before): an entry changed, inserted or deleted in the middle;
- signatures: an entry appended, or the tail rewritten and re-chained, by anyone who cannot unwrap
  the signing key of the account the entry names (so a Viewer cannot write a Chair's entry);
- seals (signed by an administrator, kept in the table and in the keyring file): the trail cut
  short below a seal, or a sealed entry or signing key changed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, select
from sqlalchemy.orm import Session

from cspdesk.domain.enums import AuditKind, Role
from cspdesk.services.audit import audit_signing as signing
from cspdesk.services.audit.audit_text import REDACTED
from cspdesk.storage.models import AuditCheckpoint, AuditEvent, AuditSigningKey, UserAccount

MAX_PROBLEMS = 50
GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainReport:
    entries: int
    ok: bool
    first_break_id: int | None = None
    problem: str = ""
    #: Every problem found: (entry number or None, what is wrong), in trail order.
    problems: tuple[tuple[int | None, str], ...] = ()
    signed: int = 0
    #: Entries written before signing began (a database from before this version): not failures.
    unsigned_before_signing: int = 0
    signing_began_at: int | None = None
    seals: int = 0
    last_sealed_entry: int | None = None
    last_sealed_at: str = ""
    #: Things an administrator should know that are not tampering (a key taken with the recovery key).
    notes: tuple[str, ...] = ()


@dataclass
class _Seal:
    seq: int
    hash: str
    at: str
    reason: str
    key_id: int
    keys_upto: int
    keys: str
    signed_from: int | None
    valid: bool

    def named(self) -> str:
        return f"the seal of {self.at.replace('T', ' ')} UTC ({self.reason})"


@dataclass
class _Walk:
    keys: dict[int, tuple[int, str]]  # key id -> (account id, public key)
    administrators: set[int]
    problems: list[tuple[int | None, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def problem(self, entry_id: int | None, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append((entry_id, text))


def _parse_seal(walk: _Walk, raw: Any) -> _Seal | None:
    try:
        payload = json.loads(raw["payload"])
        signature = str(raw["signature"])
        seal = _Seal(int(payload["seq"]), str(payload["hash"]), str(payload["at"]), str(payload["reason"]),
                     int(payload["key_id"]), int(payload["keys_upto"]), str(payload["keys"]),
                     None if payload.get("signed_from") is None else int(payload["signed_from"]), False)
    except (KeyError, TypeError, ValueError, AttributeError):
        walk.problem(None, "a seal is damaged (not one CSPDesk wrote)")
        return None
    key = walk.keys.get(seal.key_id)
    if key is None:
        walk.problem(seal.seq, f"{seal.named()} is signed with a key this database does not hold")
    elif not signing.public_key_ok(key[1], signature, signing.SEAL_DOMAIN + raw["payload"].encode("utf-8")):
        walk.problem(seal.seq, f"{seal.named()} has a signature that does not match: it was forged or changed")
    else:
        seal.valid = True
    return seal


def _seals(session: Session, walk: _Walk, outside: Iterable[dict[str, Any]]) -> list[_Seal]:
    raw = [{"payload": p, "signature": s} for p, s in session.execute(
        select(AuditCheckpoint.payload, AuditCheckpoint.signature).order_by(AuditCheckpoint.id))]
    seen: set[tuple[str, str]] = set()
    seals = []
    for item in [*raw, *outside]:
        marker = (str(item.get("payload")), str(item.get("signature")))
        if marker in seen:
            continue
        seen.add(marker)
        seal = _parse_seal(walk, item)
        if seal is not None:
            seals.append(seal)
    return seals


def _at(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def verify_trail(session: Session, *, outside_seals: Sequence[dict[str, Any]] = (),
                 anchor: signing.AuditSigner | None = None, batch: int = 5000) -> ChainReport:
    """Walk every entry in id order (in batches, so a long trail needs little memory), then check
    the seals. ``outside_seals``: seals kept outside the table (the keyring's); ``anchor``: the
    verifying administrator's own key, unwrapped with their password, which the table cannot fake."""
    from cspdesk.services.audit.audit import digest, entry_hash

    keys = {k: (u, p) for k, u, p in session.execute(
        select(AuditSigningKey.id, AuditSigningKey.user_id, AuditSigningKey.public_key))}
    admins = set(session.scalars(select(UserAccount.id).where(UserAccount.role == Role.ADMINISTRATOR)))
    walk = _Walk(keys, admins)
    if anchor is not None and keys.get(anchor.key_id, (None, None))[1] != anchor.public_key:
        walk.problem(None, "your own signing key in the database has been replaced")
    seals = _seals(session, walk, outside_seals)
    first_signed = session.scalar(select(AuditEvent.id).where(AuditEvent.signature != "").order_by(AuditEvent.id)
                                  .limit(1))
    starts = [s.signed_from for s in seals if s.valid and s.signed_from is not None]
    if first_signed is not None:
        starts.append(first_signed)
    signing_from = min(starts) if starts else None
    sealed_seqs = {s.seq for s in seals if s.valid}
    seen_hashes: dict[int, str] = {}

    registered: dict[int, int] = {}  # key id -> entry that registered it
    first_key_of: dict[int, int] = {}  # account id -> its first registered key
    redacted_ids: set[int] = set()
    erasures_named: set[int] = set()
    prev_hash, prev_id, count, signed, unsigned_before = GENESIS, 0, 0, 0, 0
    t = AuditEvent.__table__.c
    cols = (t.id, cast(t.at, Text), t.user_id, t.username, cast(t.kind, Text), t.entity, t.entity_id,
            cast(t.details, Text), t.details_digest, t.prev_hash, t.hash, t.signing_key_id, t.signature)
    last_id = 0
    while True:
        rows = session.execute(select(*cols).where(t.id > last_id).order_by(t.id).limit(batch)).all()
        if not rows:
            break
        for (eid, at_text, user_id, username, kind_text, entity, entity_id, details_text, details_digest,
             stored_prev, stored_hash, key_id, signature) in rows:
            count += 1
            if eid in sealed_seqs:
                seen_hashes[eid] = stored_hash or ""
            if eid != prev_id + 1:
                walk.problem(eid, f"entry {prev_id + 1} is missing (next is {eid})")
            elif stored_prev != prev_hash:
                walk.problem(eid, "its link to the entry before does not match")
            prev_hash, prev_id = stored_hash, eid
            missing = [name for name, value in (("time", at_text), ("kind", kind_text), ("hash", stored_hash),
                                                ("link", stored_prev), ("details", details_text),
                                                ("details digest", details_digest)) if not value]
            if missing:
                walk.problem(eid, f"its {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} missing")
                continue
            try:
                details = json.loads(details_text)
            except ValueError:
                walk.problem(eid, "its details are not valid JSON")
                continue
            if not isinstance(details, dict):
                walk.problem(eid, "its details are not a JSON object")
                continue
            try:
                kind = AuditKind(kind_text)
                at = _at(at_text)
            except ValueError:
                walk.problem(eid, "its kind or time is not one CSPDesk writes")
                continue
            if details == REDACTED:
                redacted_ids.add(eid)
            elif digest(details) != details_digest:
                walk.problem(eid, "its details were changed after they were written")
            if stored_hash != entry_hash(stored_prev, eid, at, user_id, username or "", kind.value, entity or "",
                                         entity_id, details_digest):
                walk.problem(eid, "its contents do not match its hash")
            if kind is AuditKind.DELETE and entity == "erasure":
                named = details.get("redacted_audit_ids")
                if not isinstance(named, list) or not all(isinstance(i, int) for i in named):
                    walk.problem(eid, "its list of erased entries is missing or damaged")
                else:
                    erasures_named.update(named)
            if kind is AuditKind.CREATE and entity == signing.KEY_ENTITY and entity_id is not None:
                _check_registration(walk, eid, entity_id, details, key_id, registered, first_key_of)
            if signature:
                signed += 1
                _check_signature(walk, eid, user_id, stored_hash, key_id, signature, registered)
                if entity == "user_account" and _grants_administrator(details) and \
                        walk.keys.get(key_id, (None, ""))[0] in walk.administrators:
                    walk.administrators.add(entity_id)  # an administrator then, whatever the role now
            elif signing_from is not None and eid >= signing_from and not _may_be_unsigned(kind, entity, user_id,
                                                                                          details):
                walk.problem(eid, f"it is not signed, though signing began at entry {signing_from}")
            else:
                unsigned_before += 1
                if entity == "user_account" and _grants_administrator(details):
                    walk.administrators.add(entity_id)
        last_id = rows[-1][0]
    for key_id, (user_id, _public) in sorted(keys.items()):
        if key_id not in registered:
            walk.problem(None, f"signing key {key_id} (account {user_id}) is not registered in the trail")
    unexplained = sorted(redacted_ids - erasures_named)
    if unexplained:
        walk.problem(unexplained[0], "its details were removed without a recorded erasure")
    for seal in seals:  # whose seal it is, known once the trail has said who was an administrator
        if seal.valid and keys[seal.key_id][0] not in walk.administrators:
            walk.problem(seal.seq, f"{seal.named()} is signed by an account that is not an administrator")
            seal.valid = False
    valid = [s for s in seals if s.valid]
    for seal in valid:
        _check_seal(walk, seal, seen_hashes, keys, count)
    walk.problems.sort(key=lambda p: (p[0] is None, p[0] or 0))
    last = max(valid, key=lambda s: s.seq, default=None)
    first = walk.problems[0] if walk.problems else (None, "")
    return ChainReport(
        count, not walk.problems, first[0], first[1], tuple(walk.problems), signed, unsigned_before, signing_from,
        len(valid), last.seq if last else None, last.at if last else "", tuple(walk.notes),
    )


def _grants_administrator(details: dict[str, Any]) -> bool:
    """An account entry making someone an administrator (created as one, or its role changed to it):
    their keys' registrations and seals stay valid if the role is later taken away."""
    change = details.get("changes", {}).get("role") if isinstance(details.get("changes"), dict) else None
    new_role = change.get("new") if isinstance(change, dict) else None
    return Role.ADMINISTRATOR.value in (details.get("role"), new_role)


def _may_be_unsigned(kind: AuditKind, entity: str | None, user_id: int | None, details: dict[str, Any]) -> bool:
    """Entries nobody signed in can sign: a failed sign-in on a server (written before anyone is
    signed in), and the entry a restore writes into the restored file."""
    if kind is AuditKind.LOGIN_FAILED and user_id is None:
        return True
    return kind is AuditKind.UPDATE and entity == "database" and "restored_from_backup" in details


def _check_registration(walk: _Walk, eid: int, key_id: int, details: dict[str, Any], signed_with: int | None,
                        registered: dict[int, int], first_key_of: dict[int, int]) -> None:
    key = walk.keys.get(key_id)
    if key is None:
        return  # reported with the signature check when used; a registration of a removed key is harmless
    account, public = key
    if details.get("public_key") != public or details.get("user_id") != account:
        walk.problem(eid, f"signing key {key_id} has been replaced since this entry registered it")
        return
    registered[key_id] = eid
    if signed_with == key_id and account in first_key_of:
        if details.get("registered_by") == "recovery" and account in walk.administrators:
            walk.notes.append(f"Entry {eid}: administrator account {account} took a new signing key with the "
                              "recovery key.")
        else:
            walk.problem(eid, f"it registers a second signing key for account {account} signed only by that "
                              "new key")
    elif signed_with is not None and signed_with != key_id:
        by = walk.keys.get(signed_with, (None, ""))[0]
        if by != account and by not in walk.administrators:
            walk.problem(eid, f"it registers a signing key for account {account}, signed by an account that is "
                              "neither it nor an administrator")
    first_key_of.setdefault(account, key_id)


def _check_signature(walk: _Walk, eid: int, user_id: int | None, entry_hash: str, key_id: int | None,
                     signature: str, registered: dict[int, int]) -> None:
    key = walk.keys.get(key_id) if key_id is not None else None
    if key is None:
        walk.problem(eid, "it is signed with a key this database does not hold")
    elif user_id is not None and key[0] != user_id:
        walk.problem(eid, f"it names account {user_id} but is signed with account {key[0]}'s key")
    elif not signing.public_key_ok(key[1], signature, signing.ENTRY_DOMAIN + entry_hash.encode("ascii")):
        walk.problem(eid, "its signature does not match: it was forged, or changed after it was signed")
    elif key_id not in registered:
        walk.problem(eid, f"it is signed with key {key_id}, which the trail never registered before it")


def _check_seal(walk: _Walk, seal: _Seal, seen_hashes: dict[int, str], keys: dict[int, tuple[int, str]],
                count: int) -> None:
    if seal.seq > 0 and seal.seq not in seen_hashes:
        walk.problem(seal.seq, f"it is missing, but {seal.named()} covers it: the trail was cut short "
                               f"(it now holds {count} entries) or the entry deleted")
    elif seal.seq > 0 and seen_hashes[seal.seq] != seal.hash:
        walk.problem(seal.seq, f"it has changed since {seal.named()}")
    sealed_keys = ((k, u, p) for k, (u, p) in keys.items() if k <= seal.keys_upto)
    if signing.keys_digest(sealed_keys) != seal.keys:
        walk.problem(None, f"the signing keys held at {seal.named()} have been changed or removed since")
