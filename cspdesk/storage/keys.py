"""The 256-bit SQLCipher key of each database file.

Interim arrangement until accounts wrap the key under each user's password (the security issue):
a random key per database, kept in the user's data folder (never beside the database, so a copied
or e-mailed database file is useless alone), file mode 0600. ``CSPDESK_KEY`` (64 hex digits) or an
explicit key passed by the caller overrides it, for CI and tests.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from cspdesk.storage.paths import data_dir

KEY_BYTES = 32


class StoreKeyError(Exception):
    """A key is missing or malformed; the message is for people."""


def _key_path(db_path: Path) -> Path:
    digest = hashlib.sha256(str(db_path.resolve()).encode("utf-8")).hexdigest()[:32]
    return data_dir() / "keys" / f"{digest}.key"


def parse_hex_key(text: str) -> bytes:
    text = text.strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise StoreKeyError("The database key must be 64 hexadecimal digits.") from None
    if len(key) != KEY_BYTES:
        raise StoreKeyError("The database key must be 64 hexadecimal digits (256 bits).")
    return key


def key_for_database(db_path: Path, *, create: bool) -> bytes:
    """The key of ``db_path``: from ``CSPDESK_KEY``, else this computer's key file.

    With ``create`` a new random key is made when the database file does not exist yet.
    """
    env = os.environ.get("CSPDESK_KEY")
    if env:
        return parse_hex_key(env)
    path = _key_path(db_path)
    if path.exists():
        return parse_hex_key(path.read_text(encoding="ascii"))
    if not create or db_path.exists():
        raise StoreKeyError(
            f"This computer holds no key for the database {db_path.name}. "
            "Open it on the computer that created it, or set CSPDESK_KEY."
        )
    key = secrets.token_bytes(KEY_BYTES)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex())
    return key


def forget_key(db_path: Path) -> None:
    """Remove this computer's key file for ``db_path`` (used when a new database replaces it)."""
    _key_path(db_path).unlink(missing_ok=True)
