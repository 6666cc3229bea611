"""Checking a meeting out of a server into an encrypted meeting file (issue 21).

The meeting file is a local database like any other: made by the normal create-and-migrate path,
encrypted with SQLCipher under a random key that the keyring wraps under the chair's own password
(cspdesk.storage.keyring), so it opens with that password and runs meeting mode as a local file
does. It holds only what the meeting needs, read through the chair's own connection (so the
server's row-level security decides what the chair may see): the partnership's name and marking,
the panel, its agencies and their members, the chair's account and signing key, the meeting, its
agenda, attendance and addenda, the cases on the agenda with their people, flags and latest
assessment, the earlier open actions of those cases with their updates, and the panel's next
meeting (for review dates). A column pointing at a record not copied is left empty in the file;
the check-in writes back only what was changed offline, so those columns are never written back.

On the server the meeting is then marked checked out (``meeting_checkout``, state "out"):
others read it, and every service refuses to change it (cspdesk.services.offline_guard).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, func, make_url, select
from sqlalchemy.orm import Session

from cspdesk.domain.enums import ActionStatus, AuditKind, MeetingStatus
from cspdesk.services.audit import audit
from cspdesk.services.context import OpChanges, OpResult, Permission, ServiceContext
from cspdesk.services.errors import NotFound, PermissionDenied, ServiceError, ValidationError
from cspdesk.services.offline_guard import OUT
from cspdesk.storage.engine import DatabaseTarget, StoreOpenError, open_store
from cspdesk.storage.keyring import Keyring, keyring_path
from cspdesk.storage.model_offline import STATE_IN_FILE, MeetingCheckout
from cspdesk.storage.models import (
    Action, ActionUpdate, AgendaItem, Agency, Attendance, AuditSigningKey, Base, Case, CaseFlag, CasePerson,
    GroupPerson, Location, LocationPerson, Meeting, Member, MinutesAddendum, Panel, PanelAgency, PanelMembership,
    Partnership, Person, PersonAlias, RiskAnswer, RiskAssessment, SubjectGroup, UserAccount,
)

#: In the meeting file, the checkout row's state.
IN_FILE = STATE_IN_FILE
#: A checkout lasts this long unless the chair says otherwise.
DEFAULT_DAYS = 7
#: Actions still to do (reviewed at the meeting); the others are history.
OPEN_STATUSES = (ActionStatus.OPEN, ActionStatus.ONGOING, ActionStatus.ON_HOLD)

#: The columns meeting mode writes, per table: the snapshot keeps their values at checkout, and the
#: check-in writes back only those changed offline. Tables not named here are never written back
#: (their new rows, made offline, are: see ``NEW_ROW_TABLES``).
WRITABLE: dict[str, tuple[str, ...]] = {
    "meeting": ("status", "starts_at", "venue", "chair_member_id", "minute_taker_member_id", "finalised_at",
                "finalised_by_user_id"),
    "agenda_item": ("position", "listing", "title", "minutes_allowed", "discussion", "risks", "decision",
                    "decision_notes", "started_at", "ended_at"),
    "attendance": ("agency_id", "member_id", "attendee_name", "status", "information_sent", "is_observer",
                   "confidentiality_signed"),
    "action": ("text", "owner_agency_id", "owner_member_id", "owner_name", "due_date", "status", "status_reason",
               "completed_on", "updated_at"),
    "case_record": ("status", "status_reason", "status_rank", "outcome", "closed_on", "review_date", "updated_at"),
}
#: Tables whose rows made offline are inserted on the server at check-in, parents first.
NEW_ROW_TABLES = ("agenda_item", "attendance", "action", "action_update", "minutes_addendum", "case_status_change")


class CheckoutRefused(ServiceError):
    """The meeting was not checked out; the message says why. Nothing was left behind."""


@dataclass(frozen=True)
class CheckoutReport:
    meeting_id: int
    path: Path
    until: date
    #: Rows copied, per table.
    counts: dict[str, int]


def jsonable(value: Any) -> Any:
    """A column's value as the snapshot's JSON keeps it (and as the check-in compares it)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if hasattr(value, "value"):  # enums
        return value.value
    return value


def server_without_password(url: str) -> str:
    """Where the meeting came from, as the file may keep it: no password, ever."""
    return make_url(url).set(password=None).render_as_string(hide_password=False)


def _rows(s: Session, table: Table, *where: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in s.execute(select(table).where(*where)).mappings()]


def _ids(rows: Iterable[dict[str, Any]], column: str = "id") -> set[int]:
    return {r[column] for r in rows if r.get(column) is not None}


def _meeting_rows(s: Session, meeting: Meeting, chair_id: int) -> dict[str, list[dict[str, Any]]]:
    """Everything the meeting file holds, read as the chair (row-level security applies)."""
    t = {m.__tablename__: m.__table__ for m in (
        Partnership, Panel, PanelAgency, Agency, Member, UserAccount, PanelMembership, Meeting, AgendaItem,
        Attendance, MinutesAddendum, Case, CaseFlag, CasePerson, Person, PersonAlias, SubjectGroup, GroupPerson,
        Location, LocationPerson, RiskAssessment, RiskAnswer, Action, ActionUpdate, AuditSigningKey)}
    out: dict[str, list[dict[str, Any]]] = {}
    out["partnership"] = _rows(s, t["partnership"])
    out["panel"] = _rows(s, t["panel"], Panel.id == meeting.panel_id)
    out["panel_agency"] = _rows(s, t["panel_agency"], PanelAgency.panel_id == meeting.panel_id)
    following = select(Meeting.id).where(Meeting.panel_id == meeting.panel_id, Meeting.starts_at > meeting.starts_at,
                                         Meeting.status == MeetingStatus.PLANNED).order_by(Meeting.starts_at).limit(1)
    out["meeting"] = _rows(s, t["meeting"], Meeting.id.in_([meeting.id, *s.scalars(following)]))
    out["agenda_item"] = _rows(s, t["agenda_item"], AgendaItem.meeting_id == meeting.id)
    out["attendance"] = _rows(s, t["attendance"], Attendance.meeting_id == meeting.id)
    out["minutes_addendum"] = _rows(s, t["minutes_addendum"], MinutesAddendum.meeting_id == meeting.id)
    case_ids = sorted(_ids(out["agenda_item"], "case_id"))
    out["case_record"] = _rows(s, t["case_record"], Case.id.in_(case_ids))
    out["case_flag"] = _rows(s, t["case_flag"], CaseFlag.case_id.in_(case_ids))
    out["case_person"] = _rows(s, t["case_person"], CasePerson.case_id.in_(case_ids))
    group_ids = sorted(_ids(out["case_record"], "subject_group_id"))
    location_ids = sorted(_ids(out["case_record"], "subject_location_id"))
    out["subject_group"] = _rows(s, t["subject_group"], SubjectGroup.id.in_(group_ids))
    out["group_person"] = _rows(s, t["group_person"], GroupPerson.group_id.in_(group_ids))
    out["location"] = _rows(s, t["location"], Location.id.in_(location_ids))
    out["location_person"] = _rows(s, t["location_person"], LocationPerson.location_id.in_(location_ids))
    person_ids = sorted(_ids(out["case_record"], "subject_person_id") | _ids(out["case_person"], "person_id")
                        | _ids(out["group_person"], "person_id") | _ids(out["location_person"], "person_id"))
    out["person"] = _rows(s, t["person"], Person.id.in_(person_ids))
    out["person_alias"] = _rows(s, t["person_alias"], PersonAlias.person_id.in_(person_ids))
    latest = (select(func.max(RiskAssessment.id)).where(RiskAssessment.case_id.in_(case_ids))
              .group_by(RiskAssessment.case_id))
    out["risk_assessment"] = _rows(s, t["risk_assessment"], RiskAssessment.id.in_(latest))
    out["risk_answer"] = _rows(s, t["risk_answer"], RiskAnswer.assessment_id.in_(_ids(out["risk_assessment"])))
    out["action"] = _rows(s, t["action"], (Action.case_id.in_(case_ids) & Action.status.in_(OPEN_STATUSES))
                          | (Action.meeting_id == meeting.id))
    out["action_update"] = _rows(s, t["action_update"], ActionUpdate.action_id.in_(_ids(out["action"])))
    agency_ids = (_ids(out["panel_agency"], "agency_id") | _ids(out["action"], "owner_agency_id")
                  | _ids(out["attendance"], "agency_id") | _ids(out["case_record"], "referring_agency_id"))
    chair = _rows(s, t["user_account"], UserAccount.id == chair_id)
    for row in chair:  # the file checks the password with its keyring: no hash, no server role
        row.update(password_hash=None, db_role=None, failed_logins=0, locked_at=None, must_change_password=False)
    agency_ids |= _ids(chair, "agency_id")
    out["agency"] = _rows(s, t["agency"], Agency.id.in_(sorted(agency_ids)))
    out["member"] = _rows(s, t["member"], Member.agency_id.in_(sorted(agency_ids)))
    out["user_account"] = chair
    out["panel_membership"] = _rows(s, t["panel_membership"], PanelMembership.panel_id == meeting.panel_id,
                                    PanelMembership.user_id == chair_id)
    out["audit_signing_key"] = _rows(s, t["audit_signing_key"], AuditSigningKey.user_id == chair_id,
                                     AuditSigningKey.retired_at.is_(None))
    return out


def _trim_links(rows: dict[str, list[dict[str, Any]]]) -> None:
    """Empty each column pointing at a record the file does not hold (a case's earlier case, an
    action's earlier meeting, another account); drop a row that cannot stand without one."""
    for table in Base.metadata.sorted_tables:
        present = rows.get(table.name)
        if not present:
            continue
        kept = []
        for row in present:
            ok = True
            for fk in table.foreign_keys:
                column, target = fk.parent, fk.column.table.name
                value = row.get(column.name)
                if value is None or value in _ids(rows.get(target, ()), fk.column.name):
                    continue
                if column.nullable and not column.primary_key:
                    row[column.name] = None
                else:
                    ok = False
            if ok:
                kept.append(row)
        rows[table.name] = kept


def _snapshot(rows: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """What the check-in compares with: the ids copied, each versioned row's version, and the
    values of the columns meeting mode writes."""
    return {
        "ids": {name: sorted(_ids(rows.get(name, ()))) for name in (*WRITABLE, *NEW_ROW_TABLES)},
        "versions": {name: {str(r["id"]): r["version"] for r in rows.get(name, ()) if "version" in r}
                     for name in WRITABLE},
        "values": {name: {str(r["id"]): {c: jsonable(r[c]) for c in cols} for r in rows.get(name, ())}
                   for name, cols in WRITABLE.items()},
    }


def _write_file(path: Path, username: str, password: str, rows: dict[str, list[dict[str, Any]]],
                checkout: dict[str, Any]) -> None:
    """The meeting file: a new encrypted database (the normal create path), its keyring holding
    the key for the chair's password only, and the rows, in one transaction. Nothing is left
    behind if any step fails."""
    key = secrets.token_bytes(32)
    keyring = Keyring.create(path)
    keyring.set_account(username, password, key)
    store = None
    try:
        keyring.save()
        store = open_store(DatabaseTarget(path=path), key=key, create=True)
        with store.engine.begin() as conn:
            _insert_all(conn, rows)
            conn.execute(MeetingCheckout.__table__.insert(), [{**checkout, "state": IN_FILE}])
    except BaseException:
        if store is not None:
            store.dispose()
            store = None
        from cspdesk.services.offline.wipe import meeting_file_parts

        for leftover in meeting_file_parts(path):
            leftover.unlink(missing_ok=True)
        raise
    finally:
        if store is not None:
            store.dispose()


def _insert_all(conn: Connection, rows: dict[str, list[dict[str, Any]]]) -> None:
    for table in Base.metadata.sorted_tables:
        if rows.get(table.name):
            conn.execute(table.insert(), rows[table.name])


def check_out(ctx: ServiceContext, meeting_id: int, to: str | Path, *, password: str,
              until: date | None = None) -> OpResult[CheckoutReport]:
    """Write meeting ``meeting_id`` into a new meeting file at ``to`` that opens with the signed-in
    chair's ``password``, and mark the meeting checked out on the server until ``until`` (a week
    from today by default). Refused on a local file, for a meeting already out, cancelled or
    finalised, and for an account that may not run the panel's meetings."""
    from cspdesk.services.access.auth import verify_password

    path = Path(to)
    if ctx.store.is_sqlite or ctx.store.target.url is None:
        raise CheckoutRefused("This partnership is in a local file already: run the meeting here. Checking a "
                              "meeting out is for a partnership on a server.")
    if ctx.actor.user_id is None:
        raise PermissionDenied("Sign in with your own account to check a meeting out.")
    until = until or ctx.today() + timedelta(days=DEFAULT_DAYS)
    if until < ctx.today():
        raise ValidationError("until", "The checkout must last until today or later.")
    if path.exists() or keyring_path(path).exists():
        raise ValidationError("to", f"{path} already exists. Choose a new file for the meeting.")
    if not verify_password(ctx, password):
        raise ValidationError("password", "That is not your password: the meeting file opens with your own.")
    with ctx.reading() as s:
        meeting = s.get(Meeting, meeting_id)
        if meeting is None or not ctx.actor.sees_panel(meeting.panel_id):
            raise NotFound("That meeting does not exist, or is on a panel you are not a member of.")
        ctx.require(Permission.RUN_MEETINGS, panel_id=meeting.panel_id)
        if meeting.status in (MeetingStatus.CANCELLED, MeetingStatus.FINALISED):
            raise CheckoutRefused(f"This meeting is {meeting.status.label.lower()}: there is nothing to run offline.")
        _refuse_if_out(s, meeting_id)
        rows = _meeting_rows(s, meeting, ctx.actor.user_id)
    _trim_links(rows)
    now = ctx.now()
    checkout = {"meeting_id": meeting_id, "user_id": ctx.actor.user_id, "username": ctx.actor.username,
                "checked_out_at": now, "until": until, "token": secrets.token_hex(32), "ended_by": "",
                "server": server_without_password(ctx.store.target.url), "snapshot": _snapshot(rows)}
    try:
        _write_file(path, ctx.actor.username, password, rows, checkout)
    except StoreOpenError as exc:
        raise CheckoutRefused(f"The meeting file could not be made: {exc}") from None
    try:
        with ctx.unit_of_work() as s:
            s.execute(select(Meeting.id).where(Meeting.id == meeting_id).with_for_update())
            _refuse_if_out(s, meeting_id)  # checked again under the meeting's row lock
            s.add(MeetingCheckout(**{**checkout, "server": "", "snapshot": {}}, state=OUT))
            audit.record(s, ctx.actor, AuditKind.UPDATE, "meeting", meeting_id,
                         {"checked_out": {"until": until, "rows": sum(len(v) for v in rows.values())}}, at=now)
    except BaseException:
        from cspdesk.services.offline.wipe import wipe_meeting_file

        wipe_meeting_file(path)
        raise
    report = CheckoutReport(meeting_id, path, until, {k: len(v) for k, v in rows.items() if v})
    return OpResult(report, OpChanges(meetings=True))


def _refuse_if_out(s: Session, meeting_id: int) -> None:
    out = s.execute(select(MeetingCheckout.username, MeetingCheckout.until)
                    .where(MeetingCheckout.meeting_id == meeting_id, MeetingCheckout.state == OUT)).first()
    if out is not None:
        raise CheckoutRefused(f"This meeting is already checked out by {out.username} until {out.until:%d %b %Y}.")


@dataclass(frozen=True)
class CheckoutState:
    meeting_id: int
    username: str
    until: date
    checked_out_at: datetime


def checkouts(ctx: ServiceContext, meeting_ids: Iterable[int] | None = None) -> dict[int, CheckoutState]:
    """The meetings out now (of those visible), for the Meetings page to mark them."""
    with ctx.reading() as s:
        stmt = select(MeetingCheckout).join(Meeting, Meeting.id == MeetingCheckout.meeting_id).where(
            MeetingCheckout.state == OUT)
        if meeting_ids is not None:
            stmt = stmt.where(MeetingCheckout.meeting_id.in_(list(meeting_ids)))
        return {c.meeting_id: CheckoutState(c.meeting_id, c.username, c.until, c.checked_out_at)
                for c in s.scalars(stmt) if ctx.actor.sees_panel(_panel_of(s, c.meeting_id))}


def _panel_of(s: Session, meeting_id: int) -> int:
    return s.scalar(select(Meeting.panel_id).where(Meeting.id == meeting_id)) or 0


def cancel_checkout(ctx: ServiceContext, meeting_id: int) -> OpResult[None]:
    """An administrator ends a checkout: the meeting can be changed on the server again, and the
    meeting file can no longer be checked in (it says so when tried)."""
    ctx.require(Permission.ADMINISTER)
    with ctx.unit_of_work() as s:
        row = s.scalar(select(MeetingCheckout).where(MeetingCheckout.meeting_id == meeting_id,
                                                     MeetingCheckout.state == OUT).with_for_update())
        if row is None:
            raise NotFound("That meeting is not checked out.")
        row.state, row.ended_at, row.ended_by = "cancelled", ctx.now(), ctx.actor.username
        audit.record(s, ctx.actor, AuditKind.UPDATE, "meeting", meeting_id,
                     {"checkout_cancelled": {"was_out_to": row.username}}, at=ctx.now())
    return OpResult(None, OpChanges(meetings=True))
