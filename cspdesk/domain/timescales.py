"""A plan's timescale words as a due date: "By Mar 20", "End April 19", "Q3 2019/20" → the last day meant.

Partnership action plans give timescales in words, not dates. Where the words name a time, the
action is due on the last day of it; where they name none ("Ongoing", "Quarterly", "As required")
there is no due date and the words are kept as they are. A cell listing several timescales (one per
milestone) is due at the latest of them.

Recognised (any case, with or without "by", "end of", "before"…):

* a full date: ``31/03/2020``, ``31.3.20``, ``2020-03-31``, ``31 March 2020``, ``March 31st 2020``;
* a month and year: ``March 2020``, ``Mar 20``, ``Sept 19``, ``Mar-20``, ``03/2020``;
* a financial year (April to March, as councils count): ``2019/20``, ``2019-20``, ``FY 2019/2020``;
* a quarter: ``Q3 2019/20`` (financial: Q1 is April to June), ``Q3 2019`` (calendar);
* a season: ``Summer 2020`` (spring May, summer August, autumn November, winter February after);
* a year or a span of years: ``2020``, ``2019-2022``, ``2019 to 2022`` (its last year, to December).
"""

from __future__ import annotations

import calendar
import re
from datetime import date

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>(?:19|20)\d{2}|'?\d{2})"
_SEASONS = {"spring": (0, 5), "summer": (0, 8), "autumn": (0, 11), "fall": (0, 11), "winter": (1, 2)}

# Each pattern is tried over the whole text; every match is a candidate date and the latest wins.
# Order matters only for overlaps: a span consumed by one pattern is not read again by a later one.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((name, re.compile(rx, re.IGNORECASE)) for name, rx in (
    ("iso", r"\b(?P<y>(?:19|20)\d{2})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"),
    ("dmy", r"\b(?P<d>\d{1,2})[/.](?P<m>\d{1,2})[/.](?P<y>(?:19|20)?\d{2})\b"),
    ("d_month_y", r"\b(?P<d>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+" + _YEAR + r"\b"),
    ("month_d_y", r"\b" + _MONTH + r"\s+(?P<d>\d{1,2})(?:st|nd|rd|th)?,?\s+" + _YEAR + r"\b"),
    ("quarter", r"\bQ(?P<q>[1-4])\s*(?:of\s+)?(?:FY\s*)?(?P<fy>(?:19|20)\d{2})(?:\s*[/-]\s*(?P<fy2>\d{2}|\d{4}))?\b"),
    ("fin_year", r"\b(?:FY\s*)?(?P<a>(?:19|20)\d{2})\s*/\s*(?P<b>\d{2}|(?:19|20)\d{2})\b"),
    ("fin_year_dash", r"\b(?P<a>(?:19|20)\d{2})-(?P<b>\d{2})\b(?!\d)"),
    ("year_span", r"\b(?P<a>(?:19|20)\d{2})\s*(?:-|–|to)\s*(?P<b>(?:19|20)\d{2})\b"),
    ("month_y", r"\b" + _MONTH + r"[\s\-/']*" + _YEAR + r"\b"),
    ("mm_yyyy", r"\b(?P<m>\d{1,2})/(?P<y>(?:19|20)\d{2})\b"),
    ("season", r"\b(?P<season>spring|summer|autumn|fall|winter)\s+(?P<y>(?:19|20)\d{2})\b"),
    ("year", r"\b(?P<y>(?:19|20)\d{2})\b"),
))


def _year(text: str) -> int:
    digits = text.lstrip("'")
    return int(digits) if len(digits) == 4 else 2000 + int(digits)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _candidate(name: str, m: re.Match[str]) -> date | None:
    g = m.groupdict()
    if name in ("iso", "dmy"):
        return date(_year(g["y"]), int(g["m"]), int(g["d"]))
    if name in ("d_month_y", "month_d_y"):
        return date(_year(g["year"]), _MONTHS[g["month"].lower()], int(g["d"]))
    if name == "month_y":
        return _month_end(_year(g["year"]), _MONTHS[g["month"].lower()])
    if name == "mm_yyyy":
        return _month_end(int(g["y"]), int(g["m"]))
    if name == "quarter":
        quarter, year = int(g["q"]), int(g["fy"])
        if g["fy2"]:  # financial: Q1 April–June of the first year … Q4 January–March of the next
            return _month_end(year + (quarter == 4), {1: 6, 2: 9, 3: 12, 4: 3}[quarter])
        return _month_end(year, quarter * 3)
    if name in ("fin_year", "fin_year_dash"):
        start = int(g["a"])
        end = _year(g["b"]) if len(g["b"]) == 4 else (start // 100) * 100 + int(g["b"])
        if end != start + 1:  # not a financial year ("2019/2022"): the span's last year
            return date(end, 12, 31) if end > start else None
        return date(end, 3, 31)
    if name == "year_span":
        start, end = int(g["a"]), int(g["b"])
        return date(end, 12, 31) if end >= start else None
    if name == "season":
        after, month = _SEASONS[g["season"].lower()]
        return _month_end(int(g["y"]) + after, month)
    if name == "year":
        return date(int(g["y"]), 12, 31)
    return None  # pragma: no cover - every pattern is handled above


def due_date_from_timescale(text: str | None) -> date | None:
    """The last day the words mean, or None where they name no time ("Ongoing", "Quarterly").
    Several timescales in one cell: the latest. Impossible dates ("31/02/2020") are ignored."""
    if not text or not text.strip():
        return None
    remaining = text
    found: list[date] = []
    for name, pattern in _PATTERNS:
        def take(m: re.Match[str], name: str = name) -> str:
            try:
                when = _candidate(name, m)
            except ValueError:  # 31/02/2020, month 13: not a date, so not a due date
                when = None
            if when is not None:
                found.append(when)
            return " " * len(m.group(0))  # consumed: a later, looser pattern does not read it again

        remaining = pattern.sub(take, remaining)
    return max(found) if found else None
