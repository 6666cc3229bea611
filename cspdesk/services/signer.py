"""The signed-in account's audit signing key, as the unit of work carries it.

Kept apart from :mod:`cspdesk.services.audit.audit_signing` (which makes, wraps and registers the
keys) so that :mod:`cspdesk.services.context`, which every service uses, needs nothing of the audit
area: the areas import the context, never the other way round.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: ``Session.info`` key: the signer of the unit of work (set by ServiceContext.unit_of_work).
SIGNER_INFO = "cspdesk_audit_signer"
#: What an entry's signature signs: this prefix, then the entry's hash.
ENTRY_DOMAIN = b"cspdesk-audit-entry/1\x1f"


@dataclass(frozen=True)
class AuditSigner:
    """One account's unwrapped signing key, for the length of a signed-in session."""

    key_id: int
    user_id: int
    public_key: str
    _private: Any = field(repr=False, compare=False)

    def sign(self, message: bytes) -> str:
        signature: bytes = self._private.sign(message)
        return signature.hex()

    def sign_entry(self, entry_hash: str) -> str:
        return self.sign(ENTRY_DOMAIN + entry_hash.encode("ascii"))
