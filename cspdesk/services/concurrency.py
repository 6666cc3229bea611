"""Two people editing the same record: optimistic locking, told in plain words.

Cases, meetings, agenda items and actions carry a ``version`` (SQLAlchemy's ``version_id_col``):
every UPDATE says ``WHERE id = … AND version = <the version this session read>`` and bumps it. So
two writers can never silently overwrite each other:

- **The user saw an older version** (the usual case: a form opened at 10:00, saved at 10:05 after
  a colleague saved at 10:03). The service passes the version the form was filled from to
  :func:`expect_version`, which refuses at once. This is also what catches it on SQLite, where
  ``BEGIN IMMEDIATE`` makes the second writer wait for the first and then read the new version.
- **Two transactions race** (PostgreSQL: both read version N, both write). The second UPDATE waits
  for the first's row lock, then matches no row; SQLAlchemy raises ``StaleDataError`` and
  :meth:`ServiceContext.unit_of_work` turns it into the same :class:`EditConflict`.

Either way the error names the record, who changed it, when and which fields, from the audit
trail, and carries the version to re-apply on after a reload.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from cspdesk.domain.enums import AuditKind
from cspdesk.services.errors import EditConflict
from cspdesk.storage.models import Action, AgendaItem, AuditEvent, Base, Case, Meeting, UserAccount

#: The versioned tables, with the name the audit trail gives their records.
VERSIONED: dict[str, tuple[type[Any], str]] = {
    Case.__tablename__: (Case, "case"),
    Action.__tablename__: (Action, "action"),
    Meeting.__tablename__: (Meeting, "meeting"),
    AgendaItem.__tablename__: (AgendaItem, "agenda_item"),
}

#: Session.info key: the versioned records a unit of work was about to write, and the version each
#: was read at (kept by :func:`note_versioned` before every flush).
PENDING_KEY = "cspdesk_versioned"

_STALE_TABLE = re.compile(r"on table '([^']+)'")


def expect_version(session: Session, record: Base, seen_version: int | None) -> None:
    """Refuse to change ``record`` unless it is still at ``seen_version`` (the version the user's
    form was filled from; None: the caller does not know, and only a race is caught). Call it in
    the unit of work, after loading the record and before changing it."""
    if seen_version is None:
        return
    current = getattr(record, "version")
    if current != seen_version:
        table = type(record).__tablename__
        identity = inspect(record).identity
        assert identity is not None  # a loaded record
        raise describe_conflict(session, table, identity[0], seen_version)


def note_versioned(session: Session, flush_context: Any, instances: Any) -> None:
    """``before_flush`` hook: remember which versioned records this flush writes, at which version,
    so a ``StaleDataError`` can be told as a conflict on a named record."""
    pending: dict[tuple[str, int], int] = session.info.setdefault(PENDING_KEY, {})
    for obj in list(session.dirty) + list(session.deleted):
        state = inspect(obj)
        table = state.mapper.local_table.name
        if table in VERSIONED and state.identity is not None:
            pending.setdefault((table, state.identity[0]), getattr(obj, "version"))


def conflict_after_rollback(session: Session, pending: Mapping[tuple[str, int], int],
                            exc: Exception | None = None) -> EditConflict:
    """The :class:`EditConflict` for a ``StaleDataError``: ``session`` is a fresh one to look with;
    ``pending`` what the failed unit of work was writing (:data:`PENDING_KEY`)."""
    for (table, record_id), seen in pending.items():
        model, _ = VERSIONED[table]
        current = session.scalar(select(model.version).where(model.id == record_id))
        if current != seen:
            return describe_conflict(session, table, record_id, seen)
    return conflict_from_message(exc)


def conflict_from_message(exc: Exception | None) -> EditConflict:
    """When nothing better is known: the table named in SQLAlchemy's message."""
    match = _STALE_TABLE.search(str(exc or ""))
    table = match.group(1) if match else ""
    entity = VERSIONED[table][1] if table in VERSIONED else table
    what = _KIND_WORDS.get(entity, "This record")
    return EditConflict(
        f"{what} was changed by someone else while you were changing it, so your change was not saved. "
        "Reload it to see their change, then make yours again.",
        entity=entity,
    )


_KIND_WORDS = {"case": "This case", "action": "This action", "meeting": "This meeting",
               "agenda_item": "This agenda item"}


def _label(session: Session, table: str, record_id: int) -> str:
    model, entity = VERSIONED[table]
    record = session.get(model, record_id)
    if record is None:
        return _KIND_WORDS[entity]
    if isinstance(record, Case):
        return f"Case {record.reference}"
    if isinstance(record, Action):
        text = " ".join(record.text.split())
        short = text if len(text) <= 50 else text[:47].rstrip() + "…"
        number = f"{record.number} " if record.number else ""
        return f"Action {number}“{short}”"
    if isinstance(record, Meeting):
        return f"The meeting of {_day(record.starts_at)} at {record.starts_at:%H:%M}"
    if isinstance(record, AgendaItem):
        title = f" ({record.title})" if record.title else ""
        return f"Agenda item {record.position}{title}"
    return _KIND_WORDS[entity]


def _local(at: datetime) -> datetime:
    """Audit times are naive UTC; people read their own clock."""
    return at.replace(tzinfo=timezone.utc).astimezone().replace(tzinfo=None)


def _day(at: datetime) -> str:
    return f"{at.day} {at:%b %Y}"  # not %-d: Windows' strftime has no such thing


def _words(field: str) -> str:
    return field.replace("_", " ")


def describe_conflict(session: Session, table: str, record_id: int, seen_version: int) -> EditConflict:
    """Name who changed the record since ``seen_version``, when and what (from the audit trail)."""
    model, entity = VERSIONED[table]
    current = session.scalar(select(model.version).where(model.id == record_id))
    label = _label(session, table, record_id)
    # The changes since the version seen: at most one audit entry per version step (a note that
    # bumps the version without an audited field shows as a change with no field named).
    steps = max(1, min((current or seen_version + 1) - seen_version, 20))
    events = session.execute(
        select(AuditEvent.at, AuditEvent.username, AuditEvent.user_id, AuditEvent.kind, AuditEvent.details)
        .where(AuditEvent.entity == entity, AuditEvent.entity_id == record_id,
               AuditEvent.kind.in_([AuditKind.UPDATE, AuditKind.DELETE]))
        .order_by(AuditEvent.id.desc()).limit(steps)
    ).all()
    names: list[str] = []
    fields: list[str] = []
    for e in events:
        display = None
        if e.user_id is not None:
            display = session.scalar(select(UserAccount.display_name).where(UserAccount.id == e.user_id))
        who = display or e.username or "someone else"
        if who not in names:
            names.append(who)
        changes = e.details.get("changes") if isinstance(e.details, dict) else None
        for field in changes or {}:
            if field not in fields:
                fields.append(field)
    when = _local(events[0].at) if events else None
    by = " and ".join(names) if names else "someone else"
    at = f" at {when:%H:%M} on {_day(when)}" if when else ""
    if current is None:
        return EditConflict(
            f"{label} was deleted by {by}{at} after you opened it, so your change was not saved.",
            entity=entity, entity_id=record_id, changed_by=tuple(names), changed_at=when, deleted=True,
        )
    what = f" ({', '.join(_words(f) for f in fields)})" if fields else ""
    return EditConflict(
        f"{label} was changed by {by}{at}{what} after you opened it, so your change was not saved. "
        "Reload it to see their change, then make yours again.",
        entity=entity, entity_id=record_id, changed_by=tuple(names), changed_at=when, fields=tuple(fields),
        current_version=current,
    )
