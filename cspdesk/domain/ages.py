"""Ages and whole years between dates: one rule for the case summary, the returns, meeting mode,
the referral checks and retention alike."""

from __future__ import annotations

from datetime import date


def age_on(born: date, on: date) -> int:
    """Whole years from ``born`` to ``on`` (a birthday counts on the day itself; someone born on
    29 February turns a year older on 1 March in a common year)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def age_on_or_none(born: date | None, on: date) -> int | None:
    """:func:`age_on`, or None when the date of birth is not held."""
    return None if born is None else age_on(born, on)


def whole_years_between(earlier: date, later: date) -> int:
    """Whole years from ``earlier`` to ``later``, never below 0."""
    return max(0, age_on(earlier, later))


def add_years(day: date, years: int) -> date:
    """``day`` moved ``years`` on; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
