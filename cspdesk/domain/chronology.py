"""A chronology's rules: what kinds of event it holds, the one order they are read in, and what a
filter lets through (issue 20: "one person, one picture").

The services gather the events (cspdesk.services.people.chronology); the order and the filter are here so
that the window, the printed copy and the command line can never disagree about them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum


class EventKind(StrEnum):
    REFERRAL = "referral"
    STATUS = "status"
    ASSESSMENT = "assessment"
    HEARING = "hearing"
    DECISION = "decision"
    ACTION = "action"
    ACTION_UPDATE = "action_update"
    CONTACT = "contact"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    EventKind.REFERRAL: "Referral",
    EventKind.STATUS: "Status change",
    EventKind.ASSESSMENT: "Assessment",
    EventKind.HEARING: "Meeting",
    EventKind.DECISION: "Decision",
    EventKind.ACTION: "Action",
    EventKind.ACTION_UPDATE: "Action update",
    EventKind.CONTACT: "Contact details",
}

#: On the same date and time, the order a reader expects: a referral before what followed from
#: it, a hearing before its decision and the actions it set.
_RANK = {kind: n for n, kind in enumerate(EventKind)}


@dataclass(frozen=True)
class ChronologyEvent:
    """One dated thing that happened. ``at`` is the time when the record holds one (a meeting, a
    status change, an update); ``on`` is the day either way."""

    on: date
    at: datetime | None
    kind: EventKind
    panel_id: int | None  # None: the person's own record (contact details), on no panel
    panel: str
    case_reference: str
    title: str
    detail: str
    #: The row the event comes from, so events of one kind at one moment keep one order.
    source_id: int
    case_id: int | None = None


def order_key(event: ChronologyEvent) -> tuple[date, datetime, int, str, int]:
    """The chronology's order: by day, then time (a day's untimed events first), then kind, then
    the panel and the record's own id — total, so the same events always read the same way on
    either engine."""
    moment = event.at if event.at is not None else datetime.combine(event.on, time.min)
    return (event.on, moment, _RANK[event.kind], event.panel or "", event.source_id)


def in_order(events: Iterable[ChronologyEvent]) -> tuple[ChronologyEvent, ...]:
    return tuple(sorted(events, key=order_key))


@dataclass(frozen=True)
class ChronologyFilter:
    """Which events to show. None (or empty) for a field means no limit on it. The dates are
    inclusive. A panel the user may not see is never shown whatever this says: the services
    gather only the user's panels before the filter is applied."""

    panel_ids: frozenset[int] | None = None
    kinds: frozenset[EventKind] | None = None
    start: date | None = None
    end: date | None = None

    def admits(self, event: ChronologyEvent) -> bool:
        if self.panel_ids and event.panel_id not in self.panel_ids:
            return False
        if self.kinds and event.kind not in self.kinds:
            return False
        if self.start is not None and event.on < self.start:
            return False
        return self.end is None or event.on <= self.end

    def apply(self, events: Iterable[ChronologyEvent]) -> tuple[ChronologyEvent, ...]:
        return tuple(e for e in events if self.admits(e))

    def describe(self, panel_names: dict[int, str]) -> str:
        """The filter in words, for a printed copy ("" when nothing is filtered)."""
        parts = []
        if self.panel_ids:
            parts.append("panels: " + ", ".join(sorted(panel_names.get(p, "?") for p in self.panel_ids)))
        if self.kinds:
            parts.append("events: " + ", ".join(k.label for k in EventKind if k in self.kinds))
        if self.start or self.end:
            parts.append("dates: " + (f"{self.start:%d %b %Y}" if self.start else "the start") + " to "
                         + (f"{self.end:%d %b %Y}" if self.end else "today"))
        return "; ".join(parts)


#: No filter: every event.
EVERYTHING = ChronologyFilter()


def kinds_named(names: Collection[str]) -> frozenset[EventKind]:
    """Event kinds from their stored values ("referral", "action_update"): the command line's words."""
    return frozenset(EventKind(n) for n in names)
