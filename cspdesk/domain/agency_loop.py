"""Agencies in the loop without accounts (issue 18): the rules the papers, the returns and the
services share — what is sent, how a sheet is recognised when it comes back, and an agency's state.

A sheet sent out carries its ``sheet_id`` (random, unguessable) and a digest of the list it was
made from, in a hidden sheet. The database keeps both with the circulation; a return is filed only
when the sheet's id is one this database sent, to the meeting and agency it was sent for, and its
rows are still the list that was sent (:func:`list_digest`).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable
from enum import StrEnum


class CirculationKind(StrEnum):
    """What went to an agency."""

    RESEARCH = "research"
    ACTIONS = "actions"
    MINUTES = "minutes"

    @property
    def label(self) -> str:
        return {"research": "Research request", "actions": "Action update sheet",
                "minutes": "Minutes extract"}[self.value]


class ReturnState(StrEnum):
    """An agency's research request for a meeting."""

    NOT_SENT = "not_sent"
    SENT = "sent"  # sent, nothing back yet: on the chase list
    RETURNED = "returned"

    @property
    def label(self) -> str:
        return {"not_sent": "Not sent", "sent": "Sent, not returned", "returned": "Returned"}[self.value]


#: What an agency answers for each case ("Known" column of the research sheet).
KNOWN = "Known"
NOT_KNOWN = "Not known"
KNOWN_CHOICES = (KNOWN, NOT_KNOWN)

#: The hidden sheet of every sheet CSPDesk sends, and its keys.
META_SHEET = "cspdesk"
META_KEYS = ("format", "kind", "sheet_id", "meeting_id", "agency_id", "agency", "digest", "row_ids")
SHEET_FORMAT = "cspdesk-agency-sheet-1"

#: Added beside the protective marking on the one paper that carries names, dates of birth and addresses.
RESEARCH_COPY_MARKING = "RESEARCH COPY"


def list_digest(kind: CirculationKind, meeting_id: int, agency_id: int,
                rows: Iterable[tuple[int, str]]) -> str:
    """sha256 of what a sheet was made from: its kind, meeting and agency, and each row's id and
    reference in order. A sheet whose rows were added, removed, reordered or renamed has another."""
    h = hashlib.sha256(f"{kind.value}|{meeting_id}|{agency_id}".encode())
    for row_id, reference in rows:
        h.update(f"\n{int(row_id)}|{reference.strip()}".encode())
    return h.hexdigest()


def new_sheet_id() -> str:
    return secrets.token_hex(16)


#: Letters and digits that cannot be mistaken for each other when read out over the telephone.
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY346789"


def new_password(groups: int = 4, size: int = 5) -> str:
    """A password for one agency's files: ``groups`` of ``size`` characters joined by hyphens
    (about 112 bits for 4 x 5), easy to read out."""
    return "-".join("".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(size)) for _ in range(groups))


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def folder_name(short_code: str, name: str) -> str:
    """A folder or file name for an agency: its short code, else its name, made safe on every system."""
    text = _UNSAFE.sub("_", (short_code or name).strip()).strip("._")
    return text or "agency"


_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+$")


def check_secure_email(value: str) -> str:
    """The address tidied (trimmed, lower-cased domain), or ValueError saying why it is not one.
    Empty means none is held."""
    text = value.strip()
    if not text:
        return ""
    if len(text) > 254 or not _EMAIL.match(text):
        raise ValueError("This is not an e-mail address (name@domain, e.g. marac@police.gov.uk).")
    local, domain = text.rsplit("@", 1)
    return f"{local}@{domain.lower()}"
