"""Protective orders, DVDS (Clare's Law) requests and MARAC-to-MARAC transfers: the kinds, and the
two clocks (issue 19, part B). The one owner of these rules: the services, the case view, "My
actions" and meeting mode's brief all ask here.

- An order is **expiring** when it ends today or within the reminder window (a partnership
  setting, default 14 days); an order already expired is no longer a reminder.
- A DVDS request has **28 days** from receipt to a decision (Home Office guidance, 2023: "should
  be completed within 28 calendar days"); the clock counts calendar days, so a month end is no
  different from any other day. A decided request has no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from cspdesk.domain.enums import CaseStatus

#: Days before an order's expiry that it is shown as a reminder, unless the partnership sets another.
DEFAULT_ORDER_REMINDER_DAYS = 14
#: The range that setting accepts.
ORDER_REMINDER_RANGE = (1, 90)
#: The partnership settings key (``Partnership.settings``) for the reminder window.
ORDER_REMINDER_SETTING = "order_reminder_days"
#: Calendar days from receipt of a DVDS application to its decision.
DVDS_DAYS = 28


class OrderKind(StrEnum):
    DAPN = "dapn"
    DAPO = "dapo"
    DVPN = "dvpn"
    DVPO = "dvpo"
    NON_MOLESTATION = "non_molestation"
    RESTRAINING = "restraining"
    BAIL_CONDITIONS = "bail_conditions"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _ORDER_LABELS[self]


_ORDER_LABELS = {
    OrderKind.DAPN: "Domestic Abuse Protection Notice (DAPN)",
    OrderKind.DAPO: "Domestic Abuse Protection Order (DAPO)",
    OrderKind.DVPN: "Domestic Violence Protection Notice (DVPN)",
    OrderKind.DVPO: "Domestic Violence Protection Order (DVPO)",
    OrderKind.NON_MOLESTATION: "Non-molestation order",
    OrderKind.RESTRAINING: "Restraining order",
    OrderKind.BAIL_CONDITIONS: "Bail conditions",
    OrderKind.OTHER: "Other order",
}


class DvdsRoute(StrEnum):
    RIGHT_TO_ASK = "right_to_ask"
    RIGHT_TO_KNOW = "right_to_know"

    @property
    def label(self) -> str:
        return "Right to ask" if self is DvdsRoute.RIGHT_TO_ASK else "Right to know"


class DvdsDecision(StrEnum):
    PENDING = "pending"
    DISCLOSE = "disclose"
    NOT_DISCLOSE = "not_disclose"

    @property
    def label(self) -> str:
        return {"pending": "Pending", "disclose": "Disclose", "not_disclose": "Not disclose"}[self.value]


class TransferDirection(StrEnum):
    OUT = "out"
    IN = "in"

    @property
    def label(self) -> str:
        return "Transferred out" if self is TransferDirection.OUT else "Transferred in"


def _day(d: date) -> str:
    return f"{d.day} {d:%b %Y}"


def order_expiring(expires_on: date | None, today: date, window_days: int) -> bool:
    """Is an order ending ``expires_on`` due a reminder today: it ends today or within
    ``window_days`` days (an order with no end date, or already ended, is not)?"""
    return expires_on is not None and today <= expires_on <= today + timedelta(days=window_days)


def order_expiry_text(expires_on: date | None, today: date) -> str:
    """"Expires in 3 days (10 Dec 2026)", "Expires today", "Expired 2 days ago", "No expiry date"."""
    if expires_on is None:
        return "No expiry date"
    days = (expires_on - today).days
    when = _day(expires_on)
    if days > 0:
        return f"Expires in {days} day{'s' if days != 1 else ''} ({when})"
    if days == 0:
        return f"Expires today ({when})"
    return f"Expired {-days} day{'s' if days != -1 else ''} ago ({when})"


@dataclass(frozen=True)
class DvdsClock:
    """The 28-day clock of one DVDS request on ``today``."""

    due_on: date
    #: Days from today to the due date (negative: overdue); None once decided.
    days_left: int | None
    decided: bool

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def text(self) -> str:
        if self.decided:
            return "Decided"
        assert self.days_left is not None
        if self.days_left > 0:
            return f"{self.days_left} day{'s' if self.days_left != 1 else ''} left (due {_day(self.due_on)})"
        if self.days_left == 0:
            return f"Due today ({_day(self.due_on)})"
        late = -self.days_left
        return f"Overdue by {late} day{'s' if late != 1 else ''} (due {_day(self.due_on)})"


def dvds_clock(received_on: date, decision: DvdsDecision, today: date) -> DvdsClock:
    """The clock of a request received ``received_on``: due 28 calendar days later."""
    due = received_on + timedelta(days=DVDS_DAYS)
    if decision is not DvdsDecision.PENDING:
        return DvdsClock(due_on=due, days_left=None, decided=True)
    return DvdsClock(due_on=due, days_left=(due - today).days, decided=False)


# --- Transfers between MARACs ---------------------------------------------------------------------

#: What a transfer pack file says it is, and the version of its layout this code reads and writes.
PACK_FORMAT = "cspdesk-marac-transfer"
PACK_VERSION = 1
#: What a pack's signature signs: this prefix, then the canonical JSON of its payload.
PACK_DOMAIN = b"cspdesk-marac-transfer/1\x1f"


#: Statuses a case can be transferred out from (a closed, declined or archived case has ended here).
TRANSFERABLE = frozenset({CaseStatus.RECEIVED, CaseStatus.ACCEPTED, CaseStatus.LISTED, CaseStatus.OPEN})


def transfer_out_outcome(to_marac: str) -> str:
    """The outcome a case transferred out is closed with."""
    return f"Transferred out to {to_marac}"


def transfer_in_reason(from_marac: str) -> str:
    """The status change a case transferred in starts with."""
    return f"Transferred in from {from_marac}"
