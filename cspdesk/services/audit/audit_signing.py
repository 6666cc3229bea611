"""Signed audit entries and sealed checkpoints: a trail no account but a sealing administrator can rewrite.

**Signing.** Every account has an Ed25519 key (table ``audit_signing_key``). Its private half is
wrapped under the account's password with argon2id and AES-256-GCM (the keyring's own wrapping),
so it is unwrapped only at sign-in, by the person who knows the password, and held in memory by the
:class:`AuditSigner` on the :class:`~cspdesk.services.context.ServiceContext`. The unit of work
hands it to :func:`cspdesk.services.audit.audit.record`, which signs each entry's hash in the same
transaction as the entry. A key is registered by an audit entry ``signing_key`` naming its public
key: the first key of an account is registered by the key itself (at set-up, or at the first
sign-in after the upgrade); every later one by the account's previous key (a password change) or by
an administrator's key (a new account, a password reset). A key registered by itself when the
account already had one is accepted only for a recovery (and reported).

**Checkpoints.** A seal is the chain's head (entry number and hash), the digest of the signing keys
known then, and the entry from which signing began, signed by an administrator: at each of their
sign-ins, at every backup, and on demand. Seals are kept in ``audit_checkpoint`` and, for a local
file, in the keyring file too (and so in every backup, which copies the keyring); verification
reads both, so deleting the table's seals is not enough to hide a truncation.

Nothing here logs, and no message quotes an entry's details.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.domain.enums import AuditKind
# The keyring's own argon2id + AES-GCM wrapping (private to storage, reused rather than copied).
from cspdesk.storage.keyring import KdfParams, Keyring, KeyringError, WrongSecret, _unwrap, _wrap
from cspdesk.services.signer import ENTRY_DOMAIN as ENTRY_DOMAIN  # re-exported: verification checks it
from cspdesk.services.signer import SIGNER_INFO as SIGNER_INFO  # re-exported
from cspdesk.services.signer import AuditSigner as AuditSigner  # re-exported
from cspdesk.storage.models import AuditCheckpoint, AuditEvent, AuditSigningKey, UserAccount

#: The entity of the entry that registers a signing key (its entity_id is the key's id).
KEY_ENTITY = "signing_key"
#: Where a local file's seals are kept outside the database, in its keyring file.
KEYRING_SECTION = "audit_checkpoints"
#: Seals kept in the keyring file (the newest); the table keeps them all.
KEYRING_KEEP = 500
SEAL_DOMAIN = b"cspdesk-audit-seal/1\x1f"


class SealReason:
    SIGN_IN = "sign-in"
    BACKUP = "backup"
    ON_DEMAND = "on demand"


def _aad(user_id: int, public_hex: str) -> bytes:
    return f"cspdesk-signing-key:{user_id}:{public_hex}".encode()


def public_key_ok(public_hex: str, signature_hex: str, message: bytes) -> bool:
    """Does ``signature_hex`` sign ``message`` under ``public_hex``? False for anything malformed."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def _new_key(session: Session, user_id: int, password: str, now: datetime) -> tuple[AuditSigningKey, Any]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.generate()
    raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                serialization.NoEncryption())
    public_hex = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    row = AuditSigningKey(user_id=user_id, public_key=public_hex, created_at=now,
                          wrapped_private=_wrap(raw, password, _aad(user_id, public_hex), KdfParams.default()))
    session.add(row)
    session.flush()
    return row, private


def _register(session: Session, row: AuditSigningKey, by: str, now: datetime, *, username: str,
              user_id: int | None) -> None:
    from cspdesk.services.audit import audit

    audit.record(session, None, AuditKind.CREATE, KEY_ENTITY, row.id,
                 {"user_id": row.user_id, "public_key": row.public_key, "registered_by": by},
                 at=now, username=username, user_id=user_id)


def _retire(session: Session, user_id: int, now: datetime) -> None:
    for old in session.scalars(select(AuditSigningKey).where(AuditSigningKey.user_id == user_id,
                                                             AuditSigningKey.retired_at.is_(None))):
        old.retired_at = now


def _signer(row: AuditSigningKey, private: Any) -> AuditSigner:
    return AuditSigner(row.id, row.user_id, row.public_key, private)


def use(session: Session, signer: AuditSigner | None) -> None:
    """From here on this session's audit entries are signed by ``signer``."""
    session.info[SIGNER_INFO] = signer


def current_signer(session: Session, user_id: int, password: str) -> AuditSigner | None:
    """The account's current key unwrapped with ``password``; None if it has none or the password
    does not unwrap it (a password set outside CSPDesk). Writes nothing (a read-only sign-in)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    row = session.scalar(select(AuditSigningKey).where(AuditSigningKey.user_id == user_id,
                                                       AuditSigningKey.retired_at.is_(None))
                         .order_by(AuditSigningKey.id.desc()).limit(1))
    if row is None:
        return None
    try:
        raw = _unwrap(row.wrapped_private, password, _aad(row.user_id, row.public_key))
        return _signer(row, Ed25519PrivateKey.from_private_bytes(raw))
    except (WrongSecret, KeyError, ValueError, TypeError):
        return None


def signer_at_sign_in(session: Session, account: UserAccount, password: str, now: datetime, *,
                      recovery: bool = False) -> AuditSigner:
    """Unwrap the account's signing key with the password just checked, or give the account its
    first key (a database from before signing; a recovery) and register it in the trail. The new
    signer is put on ``session``, so the sign-in's own entry is signed."""
    signer = None if recovery else current_signer(session, account.id, password)
    if signer is None:
        _retire(session, account.id, now)
        row, private = _new_key(session, account.id, password, now)
        signer = _signer(row, private)
        use(session, signer)  # the registration is signed by the key it registers
        _register(session, row, "recovery" if recovery else "self", now, username=account.username,
                  user_id=account.id)
    else:
        use(session, signer)
    return signer


def rewrap(session: Session, signer: AuditSigner, password: str) -> None:
    """Wrap ``signer``'s key under another password in the database ``session`` writes to (moving
    to a server gives the moving administrator their password there)."""
    from cryptography.hazmat.primitives import serialization

    raw = signer._private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,  # noqa: SLF001
                                        serialization.NoEncryption())
    row = session.get(AuditSigningKey, signer.key_id)
    if row is not None:
        row.wrapped_private = _wrap(raw, password, _aad(row.user_id, row.public_key), KdfParams.default())


def issue_key(session: Session, user_id: int, username: str, password: str, now: datetime,
              by: AuditSigner | None) -> None:
    """A new key for ``user_id`` wrapped under ``password`` (a new account, a reset or changed
    password); the previous one is retired. Registered by an entry that ``by`` signs: the session's
    signer (an administrator, or the account's own previous key)."""
    _retire(session, user_id, now)
    row, _private = _new_key(session, user_id, password, now)
    who = "self" if by is not None and by.user_id == user_id else "administrator"
    _register(session, row, who, now, username=username, user_id=by.user_id if by else None)


def rotate_own_key(session: Session, signer: AuditSigner, username: str, new_password: str,
                   now: datetime) -> AuditSigner:
    """A password change: a fresh key under the new password, registered with the old key's
    signature (so the change is the account's own). Returns the new signer."""
    _retire(session, signer.user_id, now)
    row, private = _new_key(session, signer.user_id, new_password, now)
    _register(session, row, "previous key", now, username=username, user_id=signer.user_id)
    new = _signer(row, private)
    use(session, new)
    return new


# -- seals ---------------------------------------------------------------------------------------


def keys_digest(keys: Iterable[tuple[int, int, str]]) -> str:
    """Digest of (key id, account id, public key) triples, in id order."""
    text = "\n".join(f"{k}:{u}:{p}" for k, u, p in sorted(keys))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _canonical(payload: dict[str, Any]) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"))


def _signed_from(session: Session) -> int | None:
    """The first signed entry: from the last seal when it knows (a long trail from before signing
    is scanned once, at the first seal, not at every administrator's sign-in)."""
    last = session.scalar(select(AuditCheckpoint.payload).order_by(AuditCheckpoint.id.desc()).limit(1))
    try:
        known = json.loads(last).get("signed_from") if last else None
    except (ValueError, AttributeError):
        known = None
    if isinstance(known, int):
        return known
    return session.scalar(select(AuditEvent.id).where(AuditEvent.signature != "").order_by(AuditEvent.id).limit(1))


def seal(session: Session, signer: AuditSigner, reason: str, now: datetime) -> dict[str, Any]:
    """Sign the chain's head now (inside the caller's transaction) and keep the seal in the table.
    Returns the seal as kept outside the database (:func:`remember`)."""
    head = session.execute(select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    seq, head_hash = (head.id, head.hash) if head else (0, "")
    keys = session.execute(select(AuditSigningKey.id, AuditSigningKey.user_id, AuditSigningKey.public_key)).all()
    signed_from = _signed_from(session)
    payload = {
        "seq": seq, "hash": head_hash, "at": now.isoformat(timespec="seconds"), "reason": reason,
        "user_id": signer.user_id, "key_id": signer.key_id,
        "keys_upto": max((k[0] for k in keys), default=0),
        "keys": keys_digest((k[0], k[1], k[2]) for k in keys),
        "signed_from": signed_from,
    }
    text = _canonical(payload)
    signature = signer.sign(SEAL_DOMAIN + text.encode("utf-8"))
    session.add(AuditCheckpoint(seq=seq, head_hash=head_hash, payload=text, signing_key_id=signer.key_id,
                                signature=signature, at=now))
    session.flush()
    return {"payload": text, "signature": signature}


def remember(keyring: Keyring, sealed: dict[str, Any]) -> None:
    """Keep a seal in the keyring file as well (the caller saves the keyring). The keyring has no
    section of its own for this: it is one more top-level list, which Keyring.load/save carry."""
    data = keyring._data  # noqa: SLF001 - an additive section; see the module docstring
    kept = data.setdefault(KEYRING_SECTION, [])
    if sealed not in kept:
        kept.append(sealed)
    del kept[:-KEYRING_KEEP]


def remember_in_file(db_path: Path, sealed: dict[str, Any]) -> None:
    keyring = Keyring.load(db_path)
    remember(keyring, sealed)
    keyring.save()


def local_seals_file(url: str) -> Path:
    """Where this computer keeps the seals of a server database (there is no keyring file): one
    file per server and database in the user's data folder, whoever's login reached it."""
    from sqlalchemy import make_url

    from cspdesk.storage.paths import data_dir

    u = make_url(url)
    ident = hashlib.sha256(f"{u.host}:{u.port}/{u.database}".encode()).hexdigest()[:24]
    return data_dir() / "audit-seals" / f"{ident}.json"


def remember_locally(url: str, sealed: dict[str, Any]) -> None:
    """Keep a server database's seal on this computer too (atomic write; the newest KEYRING_KEEP)."""
    import os
    import tempfile

    path = local_seals_file(url)
    kept = read_local_seals(url)
    if sealed not in kept:
        kept.append(sealed)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(kept[-KEYRING_KEEP:], fh)
    os.replace(tmp, path)


def read_local_seals(url: str) -> list[dict[str, Any]]:
    try:
        kept = json.loads(local_seals_file(url).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [s for s in kept if isinstance(s, dict)] if isinstance(kept, list) else []


def seals_outside(db_path: Path | None) -> list[dict[str, Any]]:
    """The seals kept in a file database's keyring ([] for a server or an unreadable keyring)."""
    if db_path is None:
        return []
    try:
        kept = Keyring.load(db_path)._data.get(KEYRING_SECTION, [])  # noqa: SLF001
    except KeyringError:
        return []
    return [s for s in kept if isinstance(s, dict)] if isinstance(kept, list) else []

