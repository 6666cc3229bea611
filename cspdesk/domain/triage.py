"""Daily triage: which referrals a morning's triage meeting looks at, and what it may decide.

The rule has one owner, here. A triage meeting held on day D looks at the referrals **received**
(their referral date) in the last 24 hours — the day before and D itself — or, on a Monday, the
last 72 hours (Friday, Saturday, Sunday and Monday), that are not triaged yet. Referral dates are
dates, not times, so "24 hours" is read as "since the day before": a referral received on Monday
afternoon, after Monday's meeting, is on Tuesday's. Bank holidays are not counted specially (the
meeting after one takes the days it missed only through the carry-forward: a referral left
undecided at one triage meeting is on the next).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class TriageOutcome(StrEnum):
    TO_MARAC = "to_marac"
    SINGLE_AGENCY = "single_agency"
    NO_FURTHER_ACTION = "nfa"

    @property
    def label(self) -> str:
        return TRIAGE_LABELS[self]


TRIAGE_LABELS = {
    TriageOutcome.TO_MARAC: "To MARAC",
    TriageOutcome.SINGLE_AGENCY: "Single-agency response",
    TriageOutcome.NO_FURTHER_ACTION: "No further action",
}

#: The key that records each outcome in the triage dialog (one key per outcome).
TRIAGE_KEYS = {TriageOutcome.TO_MARAC: "M", TriageOutcome.SINGLE_AGENCY: "S", TriageOutcome.NO_FURTHER_ACTION: "N"}

#: The longest minute (a short reason) a triage decision keeps.
MINUTE_LIMIT = 1000


@dataclass(frozen=True)
class TriageWindow:
    """Referral dates from ``first`` to ``last`` inclusive; ``hours`` as the guidance says it."""

    first: date
    last: date
    hours: int

    def __contains__(self, day: date) -> bool:
        return self.first <= day <= self.last

    @property
    def label(self) -> str:
        return f"received {self.first:%a %d %b} to {self.last:%a %d %b %Y} (the last {self.hours} hours)"


def triage_window(day: date) -> TriageWindow:
    """The referral dates a triage meeting on ``day`` takes: 72 hours on a Monday, else 24."""
    hours = 72 if day.weekday() == 0 else 24
    return TriageWindow(day - timedelta(days=hours // 24), day, hours)
