"""Read an SQLCipher 4 database the way an attacker holding the key would: page by page.

The app keys every file with a raw 256-bit key (``PRAGMA key = "x'<64 hex>'"``, see
cspdesk.storage.engine), so no key derivation is involved: the raw key *is* the AES-256 key.
SQLCipher 4's defaults, which the app keeps:

- page size 4096, of which the last 80 bytes are reserved: a 16-byte IV, then a 64-byte
  HMAC-SHA512 of the page;
- page 1 starts with the file's 16-byte salt in clear; its encrypted part is bytes 16..4016;
  every other page encrypts bytes 0..4016;
- AES-256-CBC, no padding, with the page's own IV at ``page[4016:4032]``.

A WAL file holds a 32-byte header, then frames of a 24-byte header (page number first) and one
page encrypted exactly as in the main file.

The HMAC is not checked: we want the plain bytes of every page, including free pages and stale
WAL frames — the places deleted data hides — not a verdict on integrity. This reader exists only
for tests that prove erased data is gone from the pages, not only from the tables.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

PAGE_SIZE = 4096
RESERVE = 80  # 16-byte IV + 64-byte HMAC-SHA512
IV_SIZE = 16
SALT_SIZE = 16
WAL_HEADER = 32
WAL_FRAME_HEADER = 24

#: Bytes 16..24 of the SQLite header for this app's files: page size 4096 (big-endian), file format
#: write/read versions 2 (WAL), 80 reserved bytes per page, payload fractions 64/32/32.
EXPECTED_HEADER_16_24 = bytes([0x10, 0x00, 0x02, 0x02, RESERVE, 0x40, 0x20, 0x20])


@dataclass(frozen=True)
class Page:
    source: str  # "main" or "wal"
    number: int  # 1-based page number in the database
    plain: bytes  # decrypted bytes; for page 1, bytes 0..16 are the salt, as in the file


def decrypt_page(raw: bytes, key: bytes, page_number: int) -> bytes:
    """The plain text of one encrypted page (its reserved tail is returned as zeros)."""
    if len(raw) != PAGE_SIZE:
        raise ValueError(f"a page is {PAGE_SIZE} bytes, not {len(raw)}")
    if len(key) != 32:
        raise ValueError("SQLCipher raw keys are 32 bytes")
    start = SALT_SIZE if page_number == 1 else 0
    end = PAGE_SIZE - RESERVE
    iv = raw[end : end + IV_SIZE]
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    body = decryptor.update(raw[start:end]) + decryptor.finalize()
    return raw[:start] + body + bytes(RESERVE)


def main_pages(path: Path, key: bytes) -> Iterator[Page]:
    data = path.read_bytes()
    if len(data) % PAGE_SIZE:
        raise ValueError(f"{path} is not a whole number of {PAGE_SIZE}-byte pages")
    for index in range(len(data) // PAGE_SIZE):
        raw = data[index * PAGE_SIZE : (index + 1) * PAGE_SIZE]
        yield Page("main", index + 1, decrypt_page(raw, key, index + 1))


def wal_pages(path: Path, key: bytes) -> Iterator[Page]:
    """Every frame of a WAL file, whether or not a checkpoint has already copied it back."""
    if not path.exists():
        return
    data = path.read_bytes()
    offset = WAL_HEADER
    frame = WAL_FRAME_HEADER + PAGE_SIZE
    while offset + frame <= len(data):
        number = int.from_bytes(data[offset : offset + 4], "big")
        raw = data[offset + WAL_FRAME_HEADER : offset + frame]
        if number > 0:
            yield Page("wal", number, decrypt_page(raw, key, number))
        offset += frame


def all_pages(db_path: Path, key: bytes) -> list[Page]:
    """The main file's pages, then the WAL's frames (``<db>-wal``) if there is one."""
    pages = list(main_pages(db_path, key))
    pages.extend(wal_pages(db_path.with_name(db_path.name + "-wal"), key))
    return pages


def header_is_sqlite(page_one: Page) -> bool:
    """Page 1 decrypted from offset 16 carries on as an SQLite header does (see EXPECTED_HEADER_16_24)."""
    return page_one.number == 1 and page_one.plain[16:24] == EXPECTED_HEADER_16_24


def pages_containing(pages: list[Page], needle: str) -> list[Page]:
    """Pages whose plain bytes hold ``needle`` in UTF-8, in any letter case (the ``*_norm``
    columns and their indexes store names in lower case)."""
    wanted = needle.casefold().encode("utf-8")
    return [p for p in pages if wanted in p.plain.lower()]
