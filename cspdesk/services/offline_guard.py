"""Others see a checked-out meeting read-only (issue 21).

The server refuses the write itself: migration 0024_offline puts a trigger on the meeting, its
agenda items, attendance and addenda that raises ``cspdesk-checked-out|<user>|<until>`` while the
meeting is out, so the services pay no extra round trip for the check. The unit of work's fault
handling (cspdesk.services.context.storage_faults) turns that into :class:`MeetingCheckedOut`
with a plain message. The check-in, which brings the meeting back, sets ``cspdesk.checking_in``
for its own transaction (:func:`allow_meeting_writes`). A local file never has a meeting out.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session

from cspdesk.services.errors import ServiceError

OUT = "out"
_MARK = "cspdesk-checked-out|"


class MeetingCheckedOut(ServiceError):
    """The meeting is checked out to run offline; it is read-only here until it is checked in."""


def refusal(exc: BaseException) -> MeetingCheckedOut | None:
    """The plain refusal for the server's error, or None when ``exc`` is something else."""
    message = str(getattr(exc, "orig", None) or exc)
    start = message.find(_MARK)
    if start < 0:
        return None
    parts = message[start + len(_MARK):].splitlines()[0].split("|")
    who = parts[0] if parts else "someone"
    try:
        until = f"{date.fromisoformat(parts[1].strip()):%d %b %Y}"
    except (IndexError, ValueError):
        until = "they check it in"
    return MeetingCheckedOut(
        f"This meeting is checked out by {who} until {until} to run without a network: it can be read here but "
        "not changed until it is checked in (or an administrator cancels the checkout)."
    )


def allow_meeting_writes(session: Session) -> None:
    """For the check-in's transaction only: the checked-out meeting may be written."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT set_config('cspdesk.checking_in', 'on', true)"))
