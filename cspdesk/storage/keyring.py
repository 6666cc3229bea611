"""The keyring: the database key, wrapped once per account, in a file beside the database.

The SQLCipher key is 256 random bits that no one ever sees. Each account holds a copy of it
encrypted (AES-256-GCM) under a key derived from that user's password with argon2id; a recovery
copy is encrypted under a key derived from the recovery key shown once at set-up. Nothing in this
file opens the database without a password: it holds salts, nonces and ciphertexts only. A wrong
password fails GCM's authentication, which is also how a password is checked.

The file also counts failed sign-ins (the database cannot be written before it is unlocked) and
keeps them until the next successful sign-in moves them into the audit trail. Someone who can
edit this file could reset those counters; what protects the data from them is argon2's cost per
guess, not the counter.

Writes are atomic (temporary file, fsync, rename), so a crash leaves the old or the new keyring.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

KEY_BYTES = 32
FORMAT = "cspdesk-keyring/1"
RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed from paper


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


def _wrap(db_key: bytes, secret: str, aad: bytes, params: KdfParams) -> dict[str, Any]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = secrets.token_bytes(16), secrets.token_bytes(12)
    wrapped = AESGCM(_derive(secret, salt, params)).encrypt(nonce, db_key, aad)
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
        """Wrap ``db_key`` under ``password`` for ``username`` (adds or replaces the entry)."""
        name = normalise_username(username)
        self._data["accounts"][name] = _wrap(db_key, password, self._aad(f"user:{name}"), params or KdfParams.default())

    def remove_account(self, username: str) -> None:
        self._data["accounts"].pop(normalise_username(username), None)
        self._data["failed"].pop(normalise_username(username), None)

    def unwrap(self, username: str, password: str) -> bytes:
        """The database key, or :class:`WrongSecret`. Does not count failures (see record_failure)."""
        name = normalise_username(username)
        entry = self._data["accounts"].get(name)
        if entry is None:
            # Derive anyway, so an unknown name costs as long as a wrong password.
            _derive(password, b"0" * 16, KdfParams.default())
            raise WrongSecret("unknown account")
        return _unwrap(entry, password, self._aad(f"user:{name}"))

    # -- recovery ----------------------------------------------------------------------------

    def set_recovery(self, recovery_key: str, db_key: bytes, params: KdfParams | None = None) -> None:
        self._data["recovery"] = _wrap(
            db_key, normalise_recovery_key(recovery_key), self._aad("recovery"), params or KdfParams.default()
        )

    def unwrap_recovery(self, recovery_key: str) -> bytes:
        entry = self._data.get("recovery")
        if entry is None:
            raise KeyringError("This database has no recovery key.")
        return _unwrap(entry, normalise_recovery_key(recovery_key), self._aad("recovery"))

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
        events, self._data["pending_events"] = self._data["pending_events"], []
        return events
