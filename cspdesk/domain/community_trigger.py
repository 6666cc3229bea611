"""ASB Case Review (the Community Trigger, Anti-social Behaviour, Crime and Policing Act 2014, s.104):
the threshold test and the timescales, owned here.

**Threshold.** A partnership sets its own (the Act leaves it local, within limits). The default is
the Home Office's example: *three complaints about separate incidents in the past six months*
(counted back from the date the application was received, inclusive). An optional second rule
(off by default) is met when *N different people complained about similar incidents in M months*
(the guidance's other common example: five people in six months). The threshold is met if either
rule is met.

**Timescales** are working days (Monday to Friday, less any bank holidays the partnership lists),
each counted from the day the application was received: acknowledge (default 5), decide whether
the threshold is met (10), hold the review (25). The review is due only once the threshold is met.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class TriggerSettings:
    complaints: int = 3
    months: int = 6
    #: The second rule: ``people`` different complainants in ``people_months`` months; 0 is off.
    people: int = 0
    people_months: int = 6
    acknowledge_days: int = 5
    decide_days: int = 10
    review_days: int = 25
    bank_holidays: tuple[date, ...] = ()

    @property
    def rule_text(self) -> str:
        text = f"{self.complaints} complaints about separate incidents in the past {self.months} months"
        if self.people:
            text += f", or {self.people} people complaining about similar incidents in {self.people_months} months"
        return text


#: (lowest, highest) of each whole-number setting, and its words.
SETTING_RANGES: dict[str, tuple[int, int, str]] = {
    "complaints": (1, 20, "Complaints needed"),
    "months": (1, 24, "Months the complaints are counted over"),
    "people": (0, 50, "People complaining (second rule; 0 for none)"),
    "people_months": (1, 24, "Months of the second rule"),
    "acknowledge_days": (1, 60, "Working days to acknowledge"),
    "decide_days": (1, 90, "Working days to decide the threshold"),
    "review_days": (1, 180, "Working days to hold the review"),
}


@dataclass(frozen=True)
class Complaint:
    """An incident the applicant (or another complainant) reported: when it happened, to whom."""

    occurred_on: date
    complainant: str = ""  # "" is the applicant


def months_before(day: date, months: int) -> date:
    month0 = day.month - 1 - months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class ThresholdResult:
    met: bool
    complaints: int  # separate incidents counted by the first rule
    people: int  # different complainants counted by the second rule
    reason: str


def threshold(received_on: date, complaints: Iterable[Complaint], settings: TriggerSettings) -> ThresholdResult:
    """The threshold test: separate incidents (one per date) inside the window, and — if the second
    rule is on — different complainants inside its window. Incidents after receipt do not count."""
    items = list(complaints)
    since = months_before(received_on, settings.months)
    days = {c.occurred_on for c in items if since <= c.occurred_on <= received_on}
    met_first = len(days) >= settings.complaints
    people = 0
    met_second = False
    if settings.people:
        since2 = months_before(received_on, settings.people_months)
        people = len({(c.complainant.strip().casefold() or "(applicant)") for c in items
                      if since2 <= c.occurred_on <= received_on})
        met_second = people >= settings.people
    if met_first:
        reason = f"{len(days)} separate incidents since {since:%d %b %Y} (the threshold is {settings.complaints})"
    elif met_second:
        reason = f"{people} people complained since {months_before(received_on, settings.people_months):%d %b %Y}"
    else:
        reason = (f"only {len(days)} separate incident(s) since {since:%d %b %Y} (the threshold is "
                  f"{settings.complaints})")
    return ThresholdResult(met_first or met_second, len(days), people, reason)


def add_working_days(start: date, days: int, holidays: Collection[date] = ()) -> date:
    """The ``days``-th working day after ``start`` (Monday to Friday, not a listed holiday)."""
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            left -= 1
    return day


class StepState(StrEnum):
    DONE = "done"
    DONE_LATE = "done late"
    DUE = "due"
    OVERDUE = "overdue"
    NOT_NEEDED = "not needed"


@dataclass(frozen=True)
class Step:
    name: str
    due: date
    done_on: date | None
    state: StepState

    @property
    def text(self) -> str:
        if self.state is StepState.NOT_NEEDED:
            return f"{self.name}: not needed"
        if self.done_on is not None:
            return f"{self.name}: done {self.done_on:%d %b %Y} ({self.state.value}; due {self.due:%d %b %Y})"
        return f"{self.name}: {self.state.value} {self.due:%d %b %Y}"


def _step(name: str, due: date, done_on: date | None, today: date) -> Step:
    if done_on is not None:
        return Step(name, due, done_on, StepState.DONE if done_on <= due else StepState.DONE_LATE)
    return Step(name, due, None, StepState.OVERDUE if today > due else StepState.DUE)


def timescales(received_on: date, settings: TriggerSettings, today: date, *, acknowledged_on: date | None,
               decided_on: date | None, threshold_met: bool | None, reviewed_on: date | None) -> Sequence[Step]:
    """Acknowledge, decide, review: each due so many working days after receipt, and its state."""
    hol = frozenset(settings.bank_holidays)
    steps = [
        _step("Acknowledge", add_working_days(received_on, settings.acknowledge_days, hol), acknowledged_on, today),
        _step("Decide the threshold", add_working_days(received_on, settings.decide_days, hol), decided_on, today),
    ]
    review_due = add_working_days(received_on, settings.review_days, hol)
    if threshold_met is False:
        steps.append(Step("Hold the review", review_due, None, StepState.NOT_NEEDED))
    else:
        steps.append(_step("Hold the review", review_due, reviewed_on, today))
    return steps


def settings_from_json(raw: dict[str, Any] | None) -> TriggerSettings:
    """The partnership's stored settings (``partnership.settings["community_trigger"]``), defaults
    for what is missing."""
    raw = raw or {}
    base = TriggerSettings()
    values = {name: int(raw[name]) for name in SETTING_RANGES if isinstance(raw.get(name), int)}
    holidays = tuple(sorted(date.fromisoformat(d) for d in raw.get("bank_holidays", ()) if isinstance(d, str)))
    return TriggerSettings(**{**{n: getattr(base, n) for n in SETTING_RANGES}, **values}, bank_holidays=holidays)


def settings_to_json(settings: TriggerSettings) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(settings, name) for name in SETTING_RANGES}
    out["bank_holidays"] = [d.isoformat() for d in settings.bank_holidays]
    return out
