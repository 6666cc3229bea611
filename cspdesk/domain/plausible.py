"""The window a typed or imported date must fall in to be believed (issue 16, item 9).

A referral dated 01/01/0001 or an action due in 2999 is a typing or spreadsheet slip, never a
record: such dates are refused with the field named. The window is here, once; the referral form
and service, the referral import, the action services and the action import all ask it.
"""

from __future__ import annotations

from datetime import date

from cspdesk.domain.rules import add_months

#: No CSP case record predates MARACs (the first ran in 2003); 1990 leaves room for back-records.
EARLIEST_REFERRAL_DATE = date(1990, 1, 1)
#: An action (or review) is due at most this many years ahead of today.
DUE_DATE_YEARS_AHEAD = 10


def _shown(day: date) -> str:
    # strftime writes year 1 as "1"; a slip should read as typed: 01/01/0001.
    return f"{day.day:02d}/{day.month:02d}/{day.year:04d}"


def latest_due_date(today: date) -> date:
    return add_months(today, 12 * DUE_DATE_YEARS_AHEAD)


def referral_date_problem(day: date, today: date, what: str = "Referral date") -> str | None:
    """Why ``day`` cannot be a referral's date (None when it can): before 1990 or after today."""
    if day < EARLIEST_REFERRAL_DATE:
        return f"{what}: {_shown(day)} is before {_shown(EARLIEST_REFERRAL_DATE)}; check the year."
    if day > today:
        return f"{what} is in the future."
    return None


def due_date_problem(day: date, today: date, what: str = "Due date") -> str | None:
    """Why ``day`` cannot be a due date (None when it can): more than ten years ahead of today,
    or before 1990. (Whether a due date may lie in the past is the caller's rule.)"""
    if day > latest_due_date(today):
        return f"{what}: {_shown(day)} is more than {DUE_DATE_YEARS_AHEAD} years ahead; check the year."
    if day < EARLIEST_REFERRAL_DATE:
        return f"{what}: {_shown(day)} is before {_shown(EARLIEST_REFERRAL_DATE)}; check the year."
    return None
