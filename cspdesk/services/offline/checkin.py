"""Checking a meeting file back in to the server it came from (issue 21).

Everything happens in ONE server transaction, or not at all: the changes made offline are applied
in the order they were made (the order of the file's own audit entries: each row is written when
the first entry naming it comes; the finalising — the meeting, its cases' statuses — last), the
file's audit entries are appended to the server's trail, and the checkout is closed. Only then is
the file wiped. A check-in killed at any point before the commit leaves the server as it was and
the file as it was, so it can simply be run again.

What changed offline is found against the checkout's snapshot (cspdesk.services.offline.checkout):
a row made offline is inserted (under a new server id; rows pointing at it follow), a row removed
offline is deleted, and of a row changed offline only the columns changed offline are written. An
earlier action (or a case) changed on the server since the checkout and offline too is a
**conflict**: the check-in stops before writing anything and returns them all; the chair keeps
theirs or mine for each and checks in again with those choices.

The file's audit entries are appended as new entries of the server's chain (their own chain cannot
be spliced in), each signed there by the chair and carrying, under ``offline``, the entry as it was
made: its number, link, hash and signature in the file. :func:`offline_entry_ok` checks that the
entry was signed as made, by the key that signs the chair's entries on the server too.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from cspdesk.domain.enums import AuditKind
from cspdesk.services.audit import audit
from cspdesk.services.audit.audit_signing import public_key_ok
from cspdesk.services.context import OpChanges, OpResult, ServiceContext
from cspdesk.services.errors import PermissionDenied, ServiceError
from cspdesk.services.offline.checkout import IN_FILE, WRITABLE, jsonable
from cspdesk.services.offline_guard import OUT, allow_meeting_writes
from cspdesk.services.offline.wipe import wipe_meeting_file
from cspdesk.services.signer import ENTRY_DOMAIN
from cspdesk.storage.engine import DatabaseTarget, StoreOpenError, open_store
from cspdesk.storage.keyring import Keyring, KeyringError, WrongSecret
from cspdesk.storage.model_offline import MeetingCheckout
from cspdesk.storage.models import AuditEvent, AuditSigningKey, Base

#: The test hook (tests/core/test_offline_meeting.py): seconds to wait just before the commit.
PAUSE_ENV = "CSPDESK_TEST_CHECKIN_PAUSE"
#: Tables in the order a row's parents come before it.
ORDER = ("meeting", "agenda_item", "attendance", "action", "action_update", "minutes_addendum", "case_record",
         "case_status_change")
#: The audit trail's name for each table's records.
ENTITY = {"meeting": "meeting", "agenda_item": "agenda_item", "attendance": "attendance", "action": "action",
          "minutes_addendum": "minutes_addendum", "case_record": "case"}
#: Rows whose change offline may meet a change on the server (the meeting itself cannot change
#: there: it is read-only while out).
CONFLICTING = {"action": "action", "case_record": "case"}
#: Rows meeting mode may remove (an agenda item, an attendance line, an agreed action).
DELETABLE = ("agenda_item", "attendance", "action")
#: A row made offline under a record in conflict follows the choice made for that record.
PARENT = {"action_update": ("action", "action_id"), "case_status_change": ("case_record", "case_id")}
#: Written with the finalising, after everything else.
LAST = ("meeting", "case_record", "case_status_change")
MINE, THEIRS = "mine", "theirs"


class CheckinRefused(ServiceError):
    """The file was not checked in; the message says why. Nothing changed on the server."""


@dataclass(frozen=True)
class Conflict:
    """A record changed both offline and on the server since the checkout."""

    kind: str  # "action" or "case"
    record_id: int
    #: The fields changed offline (their names; never their values).
    fields: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.record_id}"

    def describe(self) -> str:
        return (f"{self.kind} {self.record_id} was changed on the server since the meeting was checked out, and "
                f"offline too ({', '.join(f.replace('_', ' ') for f in self.fields) or 'removed'})")


class CheckinConflicts(ServiceError):
    """Records changed both offline and on the server: nothing was written. Check in again with a
    choice (keep mine / keep theirs) for each."""

    def __init__(self, conflicts: tuple[Conflict, ...]) -> None:
        super().__init__(f"{len(conflicts)} record(s) changed on the server since the meeting was checked out "
                         "were changed offline too; nothing was checked in. Choose, for each, whether to keep "
                         "yours or theirs, and check in again: " + "; ".join(c.describe() for c in conflicts) + ".")
        self.conflicts = conflicts


@dataclass(frozen=True)
class CheckinReport:
    meeting_id: int
    #: Rows inserted, updated and deleted on the server, per table.
    written: dict[str, int]
    audit_entries: int
    #: The choices made for conflicts, by Conflict.key.
    kept: dict[str, str] = field(default_factory=dict)


@dataclass
class MeetingFile:
    """What a meeting file holds for the check-in, read once."""

    token: str
    meeting_id: int
    username: str
    server: str
    snapshot: dict[str, Any]
    rows: dict[str, dict[int, dict[str, Any]]]
    events: list[dict[str, Any]]


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def read_meeting_file(path: str | Path, username: str, password: str) -> MeetingFile:
    """Open the meeting file with the chair's password (read-only: the file does not change) and
    read what the check-in needs."""
    path = Path(path)
    if not path.exists():
        raise CheckinRefused(f"There is no meeting file at {path}. A meeting file is wiped once it is checked "
                             "in: this meeting may be checked in already.")
    try:
        key = Keyring.load(path).unwrap(username, password)
    except WrongSecret:
        raise CheckinRefused("The user name or password does not open this meeting file: it opens with the "
                             "password of the chair who checked it out.") from None
    except KeyringError as exc:
        raise CheckinRefused(str(exc)) from None
    try:
        store = open_store(DatabaseTarget(path=path), key=key, create=False, migrate=False, read_only=True)
    except StoreOpenError as exc:
        raise CheckinRefused(str(exc)) from None
    try:
        with store.engine.connect() as conn:
            row = conn.execute(select(MeetingCheckout.__table__).where(MeetingCheckout.state == IN_FILE)).first()
            if row is None:
                raise CheckinRefused(f"{path.name} is not a meeting file (it holds no checked-out meeting).")
            rows = {name: {r["id"]: dict(r) for r in conn.execute(select(_table(name))).mappings()}
                    for name in ORDER}
            events = [dict(e) for e in conn.execute(select(AuditEvent.__table__).order_by(AuditEvent.id)).mappings()]
    finally:
        store.dispose()
    return MeetingFile(row.token, row.meeting_id, row.username, row.server, row.snapshot, rows, events)


def file_server(path: str | Path, username: str, password: str) -> str:
    """The server (without password) a meeting file came from: where ``cspdesk checkin`` goes."""
    return read_meeting_file(path, username, password).server


def _changed(mf: MeetingFile, name: str, rid: int) -> tuple[str, ...] | None:
    """The columns of an existing row changed offline: None if none, () if the row was removed."""
    row = mf.rows[name].get(rid)
    if row is None:
        return ()
    before = mf.snapshot["values"][name].get(str(rid), {})
    cols = tuple(c for c in WRITABLE[name] if jsonable(row[c]) != before.get(c))
    return cols or None


def _conflicts(s: Session, mf: MeetingFile, keep: dict[str, str]) -> list[Conflict]:
    found = []
    for name, kind in CONFLICTING.items():
        versions = mf.snapshot["versions"].get(name, {})
        table = _table(name)
        server = dict(s.execute(select(table.c.id, table.c.version)
                                .where(table.c.id.in_([int(i) for i in versions]))).all()) if versions else {}
        for rid_text, version in versions.items():
            rid = int(rid_text)
            mine = _changed(mf, name, rid)
            if mine is None or server.get(rid) == version:
                continue
            conflict = Conflict(kind, rid, mine)
            if keep.get(conflict.key) not in (MINE, THEIRS):
                found.append(conflict)
    return found


def _positions(mf: MeetingFile) -> dict[tuple[str, int], int]:
    """Where each record first appears in the offline trail (the order things were done)."""
    first: dict[tuple[str, int], int] = {}
    for n, e in enumerate(mf.events):
        if e["entity_id"] is not None:
            first.setdefault((e["entity"], e["entity_id"]), n)
    return first


def _operations(mf: MeetingFile) -> list[tuple[int, int, str, str, int]]:
    """(position, rank, table, "insert" | "update" | "delete", file id), in the order to apply."""
    first = _positions(mf)
    end = len(mf.events)
    ids = mf.snapshot["ids"]
    ops = []
    for rank, name in enumerate(ORDER):
        copied = set(ids.get(name, ()))
        for rid, row in mf.rows[name].items():
            if rid not in copied:
                kind = "insert"
            elif name in WRITABLE and _changed(mf, name, rid):
                kind = "update"
            else:
                continue
            parent = ("action", row["action_id"]) if name == "action_update" else (ENTITY.get(name, ""), rid)
            pos = end if name in LAST else first.get(parent, end)
            ops.append((pos, rank, name, kind, rid))
        if name in DELETABLE:
            for rid in sorted(copied - set(mf.rows[name])):
                ops.append((first.get((ENTITY[name], rid), end), rank, name, "delete", rid))
    return sorted(ops)


def _apply(s: Session, mf: MeetingFile, keep: dict[str, str]) -> tuple[dict[str, int], dict[str, dict[int, int]]]:
    """Write the offline changes (inside the caller's transaction). Returns the counts per table
    and the new server ids of rows made offline."""
    idmap: dict[str, dict[int, int]] = {name: {} for name in ORDER}
    written: dict[str, int] = {}
    for _pos, _rank, name, kind, rid in _operations(mf):
        table = _table(name)
        if name in PARENT and kind == "insert":
            parent, column = PARENT[name]
            choice = keep.get(f"{CONFLICTING[parent]}:{mf.rows[name][rid][column]}")
        else:
            choice = keep.get(f"{CONFLICTING[name]}:{rid}") if name in CONFLICTING else None
        if choice == THEIRS:
            continue
        if kind == "insert":
            row = {k: v for k, v in mf.rows[name][rid].items() if k != "id"}
            for fk in table.foreign_keys:
                target = fk.column.table.name
                value = row.get(fk.parent.name)
                if value is not None and value in idmap.get(target, {}):
                    row[fk.parent.name] = idmap[target][value]
            idmap[name][rid] = s.execute(table.insert().values(row).returning(table.c.id)).scalar_one()
        elif kind == "delete":
            s.execute(table.delete().where(table.c.id == rid))
        else:
            row = mf.rows[name][rid]
            values = {c: row[c] for c in _changed(mf, name, rid) or ()}
            if "version" in table.c:
                current = s.scalar(select(table.c.version).where(table.c.id == rid))
                if current is None:
                    continue  # removed on the server meanwhile (kept: theirs)
                values["version"] = current + 1
            s.execute(table.update().where(table.c.id == rid).values(values))
        written[name] = written.get(name, 0) + 1
    return written, idmap


def _append_trail(s: Session, ctx: ServiceContext, mf: MeetingFile, idmap: dict[str, dict[int, int]]) -> int:
    """The file's entries, in order, as new entries of the server's chain (see the module's note)."""
    by_entity = {entity: idmap.get(name, {}) for name, entity in ENTITY.items()}
    for e in mf.events:
        entity_id = e["entity_id"]
        if entity_id is not None:
            entity_id = by_entity.get(e["entity"], {}).get(entity_id, entity_id)
        offline = {"entry": e["id"], "entity_id": e["entity_id"], "prev_hash": e["prev_hash"], "hash": e["hash"],
                   "signing_key_id": e["signing_key_id"], "signature": e["signature"], "file": mf.token[:16]}
        audit.record(s, None, AuditKind(e["kind"]), e["entity"], entity_id, {**(e["details"] or {}), "offline": offline},
                     at=e["at"], username=e["username"], user_id=e["user_id"])
    return len(mf.events)


def offline_entry_ok(s: Session, event: AuditEvent) -> bool:
    """Was this entry, appended by a check-in, signed as it was made offline? Recomputes the
    entry's hash in the file's chain from its fields and checks the signature it had there."""
    offline = (event.details or {}).get("offline")
    if not isinstance(offline, dict) or not offline.get("signature"):
        return False
    details = {k: v for k, v in event.details.items() if k != "offline"}
    h = audit.entry_hash(offline["prev_hash"], offline["entry"], event.at, event.user_id, event.username,
                         event.kind.value, event.entity, offline["entity_id"], audit.digest(details))
    key = s.get(AuditSigningKey, offline["signing_key_id"])
    return (h == offline["hash"] and key is not None and key.user_id == event.user_id
            and public_key_ok(key.public_key, offline["signature"], ENTRY_DOMAIN + h.encode("ascii")))


def check_in(ctx: ServiceContext, path: str | Path, *, password: str,
             keep: dict[str, str] | None = None) -> OpResult[CheckinReport]:
    """Bring the meeting file at ``path`` back to the server ``ctx`` is signed in to, as the chair
    who checked it out (``password`` opens the file). ``keep`` settles conflicts: Conflict.key →
    "mine" or "theirs". Raises :class:`CheckinConflicts` (nothing written) when a conflict is not
    settled, :class:`CheckinRefused` when the file cannot be checked in (already checked in, the
    checkout cancelled, another server's). On success the file is wiped."""
    keep = dict(keep or {})
    if ctx.store.is_sqlite:
        raise CheckinRefused("Check a meeting file in while signed in to the server it came from.")
    mf = read_meeting_file(path, ctx.actor.username, password)
    now = ctx.now()
    with ctx.unit_of_work() as s:
        allow_meeting_writes(s)
        checkout = s.scalar(select(MeetingCheckout).where(MeetingCheckout.token == mf.token).with_for_update())
        _refuse(checkout, ctx, Path(path))
        assert checkout is not None
        conflicts = _conflicts(s, mf, keep)
        if conflicts:
            raise CheckinConflicts(tuple(conflicts))
        written, idmap = _apply(s, mf, keep)
        entries = _append_trail(s, ctx, mf, idmap)
        checkout.state, checkout.ended_at, checkout.ended_by = "in", now, ctx.actor.username
        audit.record(s, ctx.actor, AuditKind.UPDATE, "meeting", mf.meeting_id,
                     {"checked_in": {"offline_entries": entries, "written": written, "kept": keep}}, at=now)
        s.flush()
        pause = os.environ.get(PAUSE_ENV)
        if pause:  # the crash test kills the process here, with everything written but not committed
            print("checkin: about to commit", flush=True)
            time.sleep(float(pause))
    wipe_meeting_file(Path(path))
    return OpResult(CheckinReport(mf.meeting_id, written, entries, keep),
                    OpChanges(meetings=True, actions=True, cases=True))


def _refuse(checkout: MeetingCheckout | None, ctx: ServiceContext, path: Path) -> None:
    if checkout is None:
        raise CheckinRefused(f"{path.name} was not checked out of this server: check it in to the server it "
                             "came from.")
    if checkout.state == "cancelled":
        when = checkout.ended_at
        raise CheckinRefused(f"The checkout of this meeting was cancelled by {checkout.ended_by}"
                             f"{f' on {when.day} {when:%b %Y}' if when else ''}: this file cannot be checked in. "
                             "Make its changes on the server instead.")
    if checkout.state != OUT:
        raise CheckinRefused("This meeting file was already checked in: its changes are on the server.")
    if checkout.user_id != ctx.actor.user_id:
        raise PermissionDenied(f"Only {checkout.username}, who checked this meeting out, can check it in.")
