"""Reporting periods: a quarter or any run of days."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from cspdesk.domain.ages import add_years


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both days included."""

    start: date
    end: date
    label: str

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("The period ends before it starts.")

    def year_earlier(self) -> Period:
        return Period(_years_back(self.start), _years_back(self.end), f"{self.label}, a year earlier")

    def months(self) -> list[tuple[int, int]]:
        """(year, month) of every calendar month the period touches, in order."""
        out, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out


def _years_back(day: date) -> date:
    return add_years(day, -1)  # 29 February becomes 28 February


_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)


def quarter(text: str) -> Period:
    """``2026Q3`` (calendar quarters: Q3 is July to September). ValueError for anything else."""
    match = _QUARTER.match(text or "")
    if not match:
        raise ValueError(f"“{text}” is not a quarter: write it like 2026Q3.")
    year, q = int(match[1]), int(match[2])
    start = date(year, 3 * q - 2, 1)
    end = (date(year + 1, 1, 1) if q == 4 else date(year, 3 * q + 1, 1)) - timedelta(days=1)
    return Period(start, end, f"{year} Q{q} ({start:%b}–{end:%b %Y})")


def between(start: date, end: date) -> Period:
    return Period(start, end, f"{start:%d %b %Y} to {end:%d %b %Y}")
