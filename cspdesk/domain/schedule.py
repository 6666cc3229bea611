"""Meeting dates: one-off, weekly, fortnightly, or monthly on a weekday ("the second Tuesday").

Plain rules, no storage: the meetings service turns the dates into meetings.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import StrEnum

#: The most meetings one "plan recurring meetings" call makes (about two years of weekly ones).
MAX_RECURRING = 104

_ORDINALS = ("first", "second", "third", "fourth", "last")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Recurrence(StrEnum):
    ONE_OFF = "one_off"
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    MONTHLY = "monthly"

    @property
    def label(self) -> str:
        return {
            Recurrence.ONE_OFF: "One-off",
            Recurrence.WEEKLY: "Weekly",
            Recurrence.FORTNIGHTLY: "Fortnightly",
            Recurrence.MONTHLY: "Monthly, on the same weekday",
        }[self]


def week_of_month(day: date) -> int:
    """1–4 for the first to fourth such weekday of its month; 5 means "the last" (a fifth
    Tuesday does not exist every month, so a meeting on one recurs on the last Tuesday)."""
    return min(5, (day.day - 1) // 7 + 1)


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The ``n``-th (1–4) ``weekday`` (Monday 0) of the month, or the last one for ``n`` = 5."""
    if n >= 5:
        last = date(year, month, calendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def describe_monthly(first: date) -> str:
    """"the second Tuesday of each month"."""
    return f"the {_ORDINALS[week_of_month(first) - 1]} {_WEEKDAYS[first.weekday()]} of each month"


def meeting_dates(first: date, recurrence: Recurrence, count: int) -> list[date]:
    """``count`` meeting days starting with ``first`` (which is always the first of them).

    Monthly meetings fall on the same weekday in the same week of each month as ``first``
    (the second Tuesday; a meeting on a fifth weekday recurs on the last one).
    """
    if count < 1:
        raise ValueError("count must be at least 1")
    if recurrence is Recurrence.ONE_OFF:
        return [first]
    if recurrence in (Recurrence.WEEKLY, Recurrence.FORTNIGHTLY):
        step = 7 if recurrence is Recurrence.WEEKLY else 14
        return [first + timedelta(days=step * i) for i in range(count)]
    n = week_of_month(first)
    out = [first]
    year, month = first.year, first.month
    while len(out) < count:
        month += 1
        if month > 12:
            year, month = year + 1, 1
        out.append(nth_weekday(year, month, first.weekday(), n))
    return out
