"""The keyring: the database key, wrapped once per account, in a file beside the database.

The SQLCipher key is 256 random bits that no one ever sees. Each account (and the recovery key
shown once at set-up) has an X25519 key pair: the private half is encrypted (AES-256-GCM) under a
key derived from the password with argon2id, the public half is in the clear, and the database key
is *sealed* to the public half (ephemeral X25519, HKDF, AES-GCM). Nothing in this file opens the
database without a password: it holds salts, nonces, public keys and ciphertexts only. A wrong
password fails GCM's authentication, which is also how a password is checked.

Why key pairs: the database key can be changed (:mod:`cspdesk.services.access.rekey`) and the new one
sealed to every remaining account *without knowing their passwords*, so a disabled account's (or a
reset password's) entry in an old copy of this file no longer opens the database. Entries written
before key pairs existed (``wrapped`` holds the database key itself) still open it, and are turned
into key-pair entries at their next sign-in.

A re-key in progress is kept under ``pending``: the new key sealed to the remaining accounts,
written *before* the database is re-encrypted, made current (one atomic save) after. Signing in
tries the current key, then the pending one, so a crash at any moment leaves a file that opens.

The file also counts failed sign-ins (the database cannot be written before it is unlocked) and
keeps them until the next successful sign-in moves them into the audit trail. Someone who can
edit this file could reset those counters; what protects the data from them is argon2's cost per
guess, not the counter.

Writes are atomic (temporary file, fsync, rename), so a crash leaves the old or the new keyring.
Read-modify-write goes through :meth:`Keyring.editing`, which holds an OS lock on
``<db>.keyring.lock`` throughout, so parallel sign-ins (other processes) never lose a count.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

#: When an account's keys were last unwrapped here (its argon2 derivation done), by
#: ``time.perf_counter()``: the start-up benchmark's "main window after argon2" (tests/perf).
last_unwrapped_at: float | None = None

KEY_BYTES = 32
FORMAT = "cspdesk-keyring/1"
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from paper
#: How many earlier database keys the keyring keeps (encrypted under the current one) for backups.
PREVIOUS_KEYS_KEPT = 50


@dataclass(frozen=True)
class KdfParams:
    """argon2id cost. The default is argon2-cffi's own (64 MiB, 3 passes): ~0.18 s here."""

    time_cost: int = 3
    memory_cost: int = 65536  # KiB
    parallelism: int = 4

    @classmethod
    def default(cls) -> KdfParams:
        # Tests ask for a cheap derivation; never set this for real data.
        if os.environ.get("CSPDESK_FAST_KDF") == "1":
            return cls(time_cost=1, memory_cost=8192, parallelism=1)
        return cls()


class KeyringError(Exception):
    """The keyring is missing, unreadable or refuses; the message is for people."""


class WrongSecret(KeyringError):
    """The password (or recovery key) does not unwrap the key."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


def _utcnow() -> str:
    return datetime.now(timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds")


def keyring_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".keyring")


def normalise_username(username: str) -> str:
    return username.strip().casefold()


def new_recovery_key() -> str:
    """25 characters from a 32-letter alphabet (125 bits), in five groups: ``ABCDE-FGHJK-…``."""
    chars = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(25))
    return "-".join(chars[i : i + 5] for i in range(0, 25, 5))


def normalise_recovery_key(text: str) -> str:
    return "".join(c for c in text.upper() if c.isalnum())


def _derive(secret: str, salt: bytes, params: KdfParams) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(
        secret.encode("utf-8"),
        salt,
        time_cost=params.time_cost,
        memory_cost=params.memory_cost,
        parallelism=params.parallelism,
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def _wrap(data: bytes, secret: str, aad: bytes, params: KdfParams) -> dict[str, Any]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    wrapped = AESGCM(_derive(secret, salt, params)).encrypt(nonce, data, aad)
    return {
        "kdf": {"alg": "argon2id", "t": params.time_cost, "m": params.memory_cost, "p": params.parallelism},
        "salt": _b64(salt),
        "nonce": _b64(nonce),
        "wrapped": _b64(wrapped),
    }


def _unwrap(entry: dict[str, Any], secret: str, aad: bytes) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    kdf = entry["kdf"]
    params = KdfParams(time_cost=kdf["t"], memory_cost=kdf["m"], parallelism=kdf["p"])
    try:
        return AESGCM(_derive(secret, _unb64(entry["salt"]), params)).decrypt(
            _unb64(entry["nonce"]), _unb64(entry["wrapped"]), aad
        )
    except InvalidTag:
        raise WrongSecret("wrong secret") from None


# -- sealing the database key to a public key (X25519 + HKDF-SHA256 + AES-256-GCM) ---------------


def _new_keypair() -> tuple[bytes, bytes]:
    """(private, public), 32 bytes each."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    private = X25519PrivateKey.generate()
    raw = serialization.Encoding.Raw
    return (private.private_bytes(raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()),
            private.public_key().public_bytes(raw, serialization.PublicFormat.Raw))


def _box_key(shared: bytes, ephemeral_public: bytes, recipient_public: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=ephemeral_public + recipient_public,
                info=b"cspdesk-keyring-seal/1").derive(shared)


def _seal(db_key: bytes, public: bytes, aad: bytes) -> dict[str, str]:
    """``db_key`` encrypted so that only the holder of ``public``'s private half can read it."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = _new_public(ephemeral)
    key = _box_key(ephemeral.exchange(X25519PublicKey.from_public_bytes(public)), ephemeral_public, public)
    nonce = secrets.token_bytes(12)
    return {"epk": _b64(ephemeral_public), "nonce": _b64(nonce), "ct": _b64(AESGCM(key).encrypt(nonce, db_key, aad))}


def _new_public(private: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    public: bytes = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return public


def _open_sealed(sealed: dict[str, str], private: bytes, aad: bytes) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    me = X25519PrivateKey.from_private_bytes(private)
    ephemeral_public = _unb64(sealed["epk"])
    key = _box_key(me.exchange(X25519PublicKey.from_public_bytes(ephemeral_public)), ephemeral_public,
                   _new_public(me))
    try:
        return AESGCM(key).decrypt(_unb64(sealed["nonce"]), _unb64(sealed["ct"]), aad)
    except InvalidTag:
        raise WrongSecret("sealed for another key") from None


def _encrypt_with(key: bytes, data: bytes, aad: bytes) -> dict[str, str]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(12)
    return {"nonce": _b64(nonce), "ct": _b64(AESGCM(key).encrypt(nonce, data, aad))}


def _decrypt_with(key: bytes, box: dict[str, str], aad: bytes) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(key).decrypt(_unb64(box["nonce"]), _unb64(box["ct"]), aad)
    except InvalidTag:
        raise WrongSecret("not this key") from None


# -- the OS lock around read-modify-write -----------------------------------------------------------


def keyring_lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".keyring.lock")


@contextmanager
def keyring_locked(db_path: Path) -> Iterator[None]:
    """Hold the keyring's OS lock (``flock`` on POSIX, ``msvcrt.locking`` on Windows: both released
    by the OS if the holder dies). Waits for another holder; raises OSError if the lock file cannot
    be made (a read-only folder). A file system without locks (some shares) goes on unlocked."""
    fd = os.open(keyring_lock_path(db_path), os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
    locked = False
    try:
        if sys.platform == "win32":
            import msvcrt

            deadline = time.monotonic() + 30
            while not locked:
                try:
                    msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                    locked = True
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.01)
        else:
            import errno
            import fcntl

            try:
                fcntl.flock(fd, fcntl.LOCK_EX)  # held for a read-modify-write only: never long
                locked = True
            except OSError as exc:
                if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP):
                    raise
        yield
    finally:
        if locked and sys.platform == "win32":
            import msvcrt

            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        os.close(fd)  # releases flock


class Keyring:
    """The keyring file of one database. Load it, change it in memory, :meth:`save` it."""

    def __init__(self, path: Path, data: dict[str, Any]) -> None:
        self.path = path
        self._data = data

    # -- files -------------------------------------------------------------------------------

    @classmethod
    def create(cls, db_path: Path) -> Keyring:
        data = {
            "format": FORMAT,
            "database_id": str(uuid.uuid4()),
            "max_failed_attempts": 5,
            "accounts": {},
            "recovery": None,
            "failed": {},
            "pending_events": [],
        }
        return cls(keyring_path(db_path), data)

    @classmethod
    def load(cls, db_path: Path) -> Keyring:
        path = keyring_path(db_path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise KeyringError(
                f"The keyring of {db_path.name} is missing ({path.name} should be beside it): "
                "without it nobody can sign in. Restore it from a backup."
            ) from None
        except (OSError, ValueError):
            raise KeyringError(f"The keyring {path.name} is damaged. Restore it from a backup.") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise KeyringError(f"{path.name} is not a CSPDesk keyring, or is from a newer version.")
        return cls(path, data)

    @classmethod
    @contextmanager
    def editing(cls, db_path: Path) -> Iterator[Keyring]:
        """Load, change and save under the keyring's OS lock (the only way to change it while
        others may: parallel sign-ins count their failures here). Saved only if the body returns."""
        with keyring_locked(db_path):
            keyring = cls.load(db_path)
            yield keyring
            keyring.save()

    @staticmethod
    def exists(db_path: Path) -> bool:
        return keyring_path(db_path).exists()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=self.path.name, suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self._data, fh, indent=1, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    # -- accounts ----------------------------------------------------------------------------

    def _aad(self, label: str) -> bytes:
        return f"{self._data['database_id']}:{label}".encode()

    def has_account(self, username: str) -> bool:
        return normalise_username(username) in self._data["accounts"]

    def usernames(self) -> list[str]:
        return sorted(self._data["accounts"])

    def set_account(self, username: str, password: str, db_key: bytes, params: KdfParams | None = None) -> None:
        """A new key pair for ``username`` (its private half wrapped under ``password``) and
        ``db_key`` sealed to it. Adds or replaces the entry: an old password's pair is gone."""
        name = normalise_username(username)
        self._data["accounts"][name] = self._new_entry(f"user:{name}", password, db_key, params)

    def _new_entry(self, label: str, secret: str, db_key: bytes, params: KdfParams | None) -> dict[str, Any]:
        private, public = _new_keypair()
        entry = _wrap(private, secret, self._aad(label), params or KdfParams.default())
        entry["public"] = _b64(public)
        entry["sealed"] = _seal(db_key, public, self._aad(f"seal:{label}"))
        return entry

    def remove_account(self, username: str) -> None:
        self._data["accounts"].pop(normalise_username(username), None)
        self._data["failed"].pop(normalise_username(username), None)

    def _dummy_derive(self, secret: str) -> None:
        """As long as a real entry's derivation, so an unknown name costs what a known one does."""
        kdf = next((e["kdf"] for e in self._data["accounts"].values()), None)
        params = (KdfParams(time_cost=kdf["t"], memory_cost=kdf["m"], parallelism=kdf["p"]) if kdf
                  else KdfParams.default())
        _derive(secret, b"0" * 16, params)

    def unwrap(self, username: str, password: str) -> bytes:
        """The current database key, or :class:`WrongSecret`. Does not count failures (see
        record_failure)."""
        return self.unwrap_keys(username, password)[0]

    def unwrap_keys(self, username: str, password: str) -> list[bytes]:
        """The keys this account may open the file with: the current one, then (a re-key under
        way or interrupted) the pending one. One argon2 derivation. :class:`WrongSecret` if the
        password is wrong or the name unknown."""
        name = normalise_username(username)
        entry = self._data["accounts"].get(name)
        if entry is None:
            self._dummy_derive(password)
            raise WrongSecret("unknown account")
        keys = self._keys(entry, f"user:{name}", password, (self.pending or {}).get("accounts", {}).get(name))
        global last_unwrapped_at
        last_unwrapped_at = time.perf_counter()
        return keys

    def _keys(self, entry: dict[str, Any], label: str, secret: str, pending: dict[str, str] | None) -> list[bytes]:
        opened = _unwrap(entry, secret, self._aad(label))
        if "public" not in entry:
            return [opened]  # an entry from before key pairs: it wraps the database key itself
        keys = [_open_sealed(entry["sealed"], opened, self._aad(f"seal:{label}"))]
        if pending is not None:
            keys.append(_open_sealed(pending, opened, self._aad(f"seal:{label}")))
        return keys

    def is_sealed_entry(self, username: str) -> bool:
        """Does the account's entry have a key pair (so a re-key can seal the new key to it)?"""
        return "public" in self._data["accounts"].get(normalise_username(username), {})

    # -- recovery ----------------------------------------------------------------------------

    def set_recovery(self, recovery_key: str, db_key: bytes, params: KdfParams | None = None) -> None:
        self._data["recovery"] = self._new_entry("recovery", normalise_recovery_key(recovery_key), db_key, params)

    def unwrap_recovery(self, recovery_key: str) -> bytes:
        return self.recovery_keys(recovery_key)[0]

    def recovery_keys(self, recovery_key: str) -> list[bytes]:
        entry = self._data.get("recovery")
        if entry is None:
            raise KeyringError("This database has no recovery key.")
        return self._keys(entry, "recovery", normalise_recovery_key(recovery_key),
                          (self.pending or {}).get("recovery"))

    @property
    def recovery_is_sealed(self) -> bool:
        return "public" in (self._data.get("recovery") or {})

    # -- changing the database key (cspdesk.services.access.rekey) ---------------------------------------

    @property
    def pending(self) -> dict[str, Any] | None:
        return self._data.get("pending")

    def begin_rekey(self, old_key: bytes, new_key: bytes, keep: set[str]) -> list[str]:
        """Seal ``new_key`` to the accounts in ``keep`` that have a key pair, and to the recovery
        key, under ``pending`` (save before re-encrypting the file). Returns the names left out:
        in ``keep`` but with an entry from before key pairs (they need a password reset)."""
        wanted = {normalise_username(n) for n in keep}
        sealed, left_out = {}, []
        for name, entry in self._data["accounts"].items():
            if name not in wanted:
                continue
            if "public" not in entry:
                left_out.append(name)
                continue
            sealed[name] = _seal(new_key, _unb64(entry["public"]), self._aad(f"seal:user:{name}"))
        recovery = self._data.get("recovery")
        self._data["pending"] = {
            "started_at": _utcnow(),
            "accounts": sealed,
            "recovery": (_seal(new_key, _unb64(recovery["public"]), self._aad("seal:recovery"))
                         if recovery and "public" in recovery else None),
            "previous_keys": _encrypt_with(new_key, json.dumps(
                [_b64(k) for k in [old_key, *self.previous_keys(old_key)]][:PREVIOUS_KEYS_KEPT]).encode(),
                self._aad("previous_keys")),
        }
        return sorted(left_out)

    def commit_rekey(self) -> None:
        """The file is re-encrypted: the pending key becomes the current one, for the accounts it
        was sealed to only (every other entry is removed)."""
        pending = self._data.pop("pending")
        for name in list(self._data["accounts"]):
            if name in pending["accounts"]:
                self._data["accounts"][name]["sealed"] = pending["accounts"][name]
            else:
                self.remove_account(name)
        if pending["recovery"] is not None:
            self._data["recovery"]["sealed"] = pending["recovery"]
        else:
            self._data["recovery"] = None  # from before key pairs: cannot follow; a new one is issued
        self._data["previous_keys"] = pending["previous_keys"]

    def abandon_rekey(self) -> None:
        self._data.pop("pending", None)

    def previous_keys(self, db_key: bytes) -> list[bytes]:
        """Keys the file had before (newest first), read with the current key: backups made before
        a re-key keep their own key, and this window still needs it to check or restore them."""
        box = self._data.get("previous_keys")
        if not box:
            return []
        try:
            return [_unb64(k) for k in json.loads(_decrypt_with(db_key, box, self._aad("previous_keys")))]
        except WrongSecret:
            return []

    # -- failed attempts ---------------------------------------------------------------------

    @property
    def max_failed_attempts(self) -> int:
        return int(self._data.get("max_failed_attempts", 5))

    @max_failed_attempts.setter
    def max_failed_attempts(self, value: int) -> None:
        self._data["max_failed_attempts"] = int(value)

    def failures(self, username: str) -> int:
        return int(self._data["failed"].get(normalise_username(username), 0))

    def is_locked(self, username: str) -> bool:
        return self.failures(username) >= self.max_failed_attempts

    def record_failure(self, username: str) -> int:
        """Count a failed sign-in (known accounts only) and keep it for the audit trail."""
        name = normalise_username(username)
        count = self.failures(name)
        if name in self._data["accounts"]:
            count += 1
            self._data["failed"][name] = count
        # An unknown name is not kept: people type passwords into the name box.
        known = name in self._data["accounts"]
        self._data["pending_events"].append(
            {"kind": "login_failed", "username": name if known else "", "at": _utcnow()}
        )
        del self._data["pending_events"][:-1000]  # bounded: a flood of guesses must not fill the disk
        return count

    def clear_failures(self, username: str) -> None:
        self._data["failed"].pop(normalise_username(username), None)

    def take_pending_events(self) -> list[dict[str, str]]:
        """Failed sign-ins since the last successful one; emptied (save to make it stick)."""
        events: list[dict[str, str]] = self._data["pending_events"]
        self._data["pending_events"] = []
        return events
