"""The audit trail in words: what an entry's Record and Details say to the people reading it.

Details are stored as written (canonical JSON, enums by their stored values, so that the hash
chain never depends on wording). This turns them into text people read: enums by their labels
("sector: Drug and alcohol", not ``substance_misuse``), changes as "old → new", a record by the
name its entry gives ("Agency: Kent Police", not "Agency 17"). Plain Python, no Qt: the Audit tab
shows it, and so could the command line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Any, TypeGuard, cast

from cspdesk.domain import enums
from cspdesk.domain.orders import DvdsDecision, DvdsRoute, OrderKind

#: The details of an entry that erasure emptied.
REDACTED = {"redacted": True}
ERASED_TEXT = "(details erased)"

#: What the entities services write are called (anything else: its name in words).
ENTITY_NAMES = {
    "user_account": "Account",
    "partnership": "Partnership",
    "panel": "Panel",
    "case": "Case",
    "person": "Person",
    "meeting": "Meeting",
    "action": "Action",
    "agency": "Agency",
    "group": "Group",
    "erasure": "Erasure",
    "retention": "Retention",
    "subject_access": "Subject access",
    "protective_order": "Protective order",  # issue 19
    "dvds_request": "DVDS request",
}

#: Records there is only one of: named without a number.
ONLY_ONE = frozenset({"partnership"})

#: Detail keys whose values are stored enum values, whatever the entry is about.
KEY_ENUMS: dict[str, type[StrEnum]] = {
    "sector": enums.Sector,
    "panel_type": enums.PanelType,
    "role": enums.Role,
    "risk_level": enums.RiskLevel,
    "listing": enums.Listing,
    "decision": enums.Decision,
    "strand": enums.Strand,
    "rag": enums.Rag,
    "subject_kind": enums.SubjectKind,
    "group_kind": enums.GroupKind,
    "person_role": enums.PersonRole,
    "flags": enums.VulnerabilityFlag,
}

#: ``status`` and ``kind`` mean different enums on different records.
ENTITY_ENUMS: dict[tuple[str, str], type[StrEnum]] = {
    ("case", "status"): enums.CaseStatus,
    ("action", "status"): enums.ActionStatus,
    ("meeting", "status"): enums.MeetingStatus,
    ("group", "status"): enums.GroupStatus,
    ("attendance", "status"): enums.AttendanceStatus,
    ("agenda_item", "kind"): enums.AgendaItemKind,
    ("risk_assessment", "kind"): enums.AssessmentKind,
    ("group", "kind"): enums.GroupKind,
    ("protective_order", "kind"): OrderKind,  # issue 19
    ("dvds_request", "decision"): DvdsDecision,
    ("dvds_request", "route"): DvdsRoute,
}

#: Detail keys said better than by their spelling with spaces.
KEY_WORDS = {
    "ref_prefix": "reference prefix",
    "short_code": "short code",
}

#: The detail keys that name the record, best first: shown in the Record column, not in Details.
NAME_KEYS = ("name", "reference", "username")

_ISO_DAY = re.compile(r"\d{4}-\d\d-\d\d")


def entity_name(entity: str) -> str:
    return ENTITY_NAMES.get(entity, entity.replace("_", " ").capitalize())


def _key_text(key: str) -> str:
    return KEY_WORDS.get(key, key.replace("_", " "))


def _is_change(value: object) -> TypeGuard[Mapping[str, Any]]:
    return isinstance(value, Mapping) and set(value) == {"old", "new"}


def _record_name(details: Mapping[str, Any]) -> tuple[str, str] | None:
    """The detail (key, name) that names the record: a renamed record goes by its new name."""
    for key in NAME_KEYS:
        value = details.get(key)
        if _is_change(value):
            value = value["new"]
        if isinstance(value, str) and value.strip():
            return key, value.strip()
    return None


def record_text(entity: str, entity_id: int | None, details: Mapping[str, Any]) -> str:
    """"Agency: Kent Police" when the entry names it, else "Agency 17" (or just "Agency")."""
    if not entity:
        return ""
    word = entity_name(entity)
    named = _record_name(details) if details != REDACTED else None
    if named is not None:
        return f"{word}: {named[1]}"
    return f"{word} {entity_id}" if entity_id is not None and entity not in ONLY_ONE else word


def value_text(value: object, *, key: str = "", entity: str = "") -> str:
    """One stored value in words: enums by label, yes/no, dates as "2 Jan 2026", lists joined."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    if isinstance(value, list):
        return ", ".join(value_text(v, key=key, entity=entity) for v in value) or "none"
    if _is_change(value):
        old, new = (value_text(value[k], key=key, entity=entity) for k in ("old", "new"))
        return f"{old} → {new}"
    if isinstance(value, Mapping):
        return "(" + details_text(value, entity=entity) + ")" if value else "none"
    if isinstance(value, str):
        enum = ENTITY_ENUMS.get((entity, key)) or KEY_ENUMS.get(key)
        if enum is not None and value in enum._value2member_map_:
            label: str = cast(Any, enum(value)).label  # every enum listed has a label
            return label
        if _ISO_DAY.fullmatch(value):
            day = date.fromisoformat(value)
            return f"{day.day} {day:%b %Y}"
    return str(value)


def details_text(details: Mapping[str, Any], *, entity: str = "", skip: frozenset[str] = frozenset()) -> str:
    """The entry's details as "key: value; …"; a ``changes`` record as "Changed field: old → new; …"."""
    parts = []
    for key, value in details.items():
        if key in skip:
            continue
        if key == "changes" and isinstance(value, Mapping):
            changed = details_text(value, entity=entity)
            parts.append(f"Changed {changed}" if changed else "Changed nothing")
        else:
            parts.append(f"{_key_text(key)}: {value_text(value, key=key, entity=entity)}")
    return "; ".join(parts)


def entry_details_text(entity: str, details: Mapping[str, Any]) -> str:
    """What the Details column says: everything but the name the Record column already gives
    (unless the name changed: then "name: old → new" says how)."""
    if details == REDACTED:
        return ERASED_TEXT
    named = _record_name(details)
    skip = frozenset({named[0]}) if named is not None and not _is_change(details[named[0]]) else frozenset()
    return details_text(details, entity=entity, skip=skip)


def audit_summary(report: Any) -> list[str]:  # a ChainReport (audit_verify imports this module)
    """What ``audit verify`` and the Administration audit tab say beyond intact/broken: signatures,
    entries from before signing began, and the last seal."""
    lines = [f"Signed entries: {report.signed:,}."]
    if report.unsigned_before_signing:
        began = (f"before signing began at entry {report.signing_began_at:,}" if report.signing_began_at
                 else "before signing began")
        lines.append(f"Unsigned, {began}: {report.unsigned_before_signing:,} (written by an earlier version, "
                     "or a failed sign-in on a server).")
    if report.last_sealed_entry is not None:
        when = report.last_sealed_at.replace("T", " ")[:16]
        lines.append(f"Seals checked: {report.seals:,}; the last covers entry {report.last_sealed_entry:,} "
                     f"(sealed {when} UTC).")
    else:
        lines.append("No seal yet: an administrator's sign-in, a backup or Seal now makes one.")
    lines.extend(report.notes)
    return lines
