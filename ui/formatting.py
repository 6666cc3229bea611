"""How values read on screen: dates as "2 Nov 2026", counts with thousands separators.

Month names are spelt out here rather than taken from ``strftime("%b")``, which follows the
process locale and would print "févr." on a French Windows laptop.
"""

from __future__ import annotations

from datetime import date, datetime

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def short_date(value: date | None) -> str:
    """``2 Nov 2026``; an empty string for no date."""
    if value is None:
        return ""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def short_datetime(value: datetime | None) -> str:
    """``2 Nov 2026, 10:00``; an empty string for no date."""
    if value is None:
        return ""
    return f"{short_date(value.date())}, {value:%H:%M}"


def count(n: int, singular: str, plural: str | None = None) -> str:
    """``1 case``, ``1,234 cases``."""
    word = singular if n == 1 else (plural or singular + "s")
    return f"{n:,} {word}"
