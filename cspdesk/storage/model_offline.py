"""A meeting checked out to run without a network (issue 21).

One table serves both ends. On the server a row says the meeting is out (``state`` "out"), who has
it and until when; it becomes "in" once checked in, or "cancelled" when an administrator cancels
the checkout. In the meeting file the same table holds one row, ``state`` "file": the token that
ties the file to the server's row, and ``snapshot``, what the meeting's records were at checkout
(the ids copied, the versions of versioned rows and the values of the columns meeting mode
writes), against which the check-in finds what was changed offline and what changed on the server.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from cspdesk.storage.models import Base, fk


#: The state of the one checkout row in a meeting file.
STATE_IN_FILE = "file"


class MeetingCheckout(Base):
    __tablename__ = "meeting_checkout"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(fk("meeting.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)  # no FK: the file holds one account only
    username: Mapped[str] = mapped_column(String(80), default="")
    checked_out_at: Mapped[datetime] = mapped_column(DateTime)
    until: Mapped[date] = mapped_column(Date)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    #: "out", "in", "cancelled" on the server; "file" in a meeting file.
    state: Mapped[str] = mapped_column(String(20))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_by: Mapped[str] = mapped_column(String(80), default="")
    #: Where the meeting came from (a server URL without its password): the file's row only.
    server: Mapped[str] = mapped_column(String(500), default="")
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
