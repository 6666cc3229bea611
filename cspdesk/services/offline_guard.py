"""Others see a checked-out meeting read-only: every unit of work's flush refuses a change to it.

Listened for on every service session (cspdesk.services.context). Only the check-in, which brings
the meeting back, turns it off for its own session (``CHECKING_IN``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.services.errors import ServiceError
from cspdesk.storage.model_offline import MeetingCheckout
from cspdesk.storage.models import AgendaItem, Attendance, Meeting, MinutesAddendum

#: Session.info key: this session is the check-in of a meeting (its changes are the meeting's own).
CHECKING_IN = "cspdesk_offline_checking_in"
OUT = "out"


class MeetingCheckedOut(ServiceError):
    """The meeting is checked out to run offline; it is read-only here until it is checked in."""


def _meeting_id(obj: Any) -> int | None:
    if isinstance(obj, Meeting):
        return obj.id
    if isinstance(obj, (AgendaItem, Attendance, MinutesAddendum)):
        return obj.meeting_id
    return None


def refuse_checked_out(session: Session, _flush_context: Any, _instances: Any) -> None:
    """before_flush: refuse (with a plain message) any change to a meeting checked out elsewhere,
    its agenda items, attendance and addenda."""
    if session.info.get(CHECKING_IN):
        return
    ids = {mid for obj in (*session.new, *session.dirty, *session.deleted)
           if (mid := _meeting_id(obj)) is not None}
    if not ids:
        return
    with session.no_autoflush:
        out = session.execute(
            select(MeetingCheckout.username, MeetingCheckout.until)
            .where(MeetingCheckout.meeting_id.in_(sorted(ids)), MeetingCheckout.state == OUT).limit(1)
        ).first()
    if out is not None:
        raise MeetingCheckedOut(
            f"This meeting is checked out by {out.username} until {out.until:%d %b %Y} to run without a network: "
            "it can be read here but not changed until it is checked in (or an administrator cancels the checkout)."
        )
