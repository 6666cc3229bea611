"""When a case counts as heard: one rule for listing (new or review) and for the data return.

A case is heard at a meeting that took place (started, held or finalised — never one planned or
cancelled) unless the panel's decision on it was "Deferred — not heard".
"""

from __future__ import annotations

from cspdesk.domain.enums import Decision, MeetingStatus

#: Meetings that took place: their agendas are hearings.
MET_STATUSES = (MeetingStatus.IN_PROGRESS, MeetingStatus.HELD, MeetingStatus.FINALISED)
#: Meetings still to be held: a case on one of their agendas is listed already.
PENDING_STATUSES = (MeetingStatus.PLANNED, MeetingStatus.IN_PROGRESS)


def took_place(status: MeetingStatus) -> bool:
    return status in MET_STATUSES


def is_heard(meeting_status: MeetingStatus, decision: Decision | None) -> bool:
    """True when a case on this meeting's agenda, with this decision (None: none yet), was heard."""
    return took_place(meeting_status) and decision is not Decision.DEFERRED
