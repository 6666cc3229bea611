"""A MARAC's quality against SafeLives' ten principles (issue 19): the guide figures and the pure
arithmetic of the quality report. The service gathers the rows; nothing here reads a database.

Guide figures (RESEARCH.md §4.1–4.2): time per case 10–15 minutes (SafeLives' Toolkit for Marac:
12–15; "10 min aim, max 15"); an IDVA at every MARAC (principle 4, independent representation);
a repeat rate in SafeLives' expected range of 28–40% (a lower rate usually means repeats are not
being identified).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

#: SafeLives' guide to the time a case takes at the meeting, in minutes.
MINUTES_PER_CASE_GUIDE = (10, 15)
#: SafeLives' expected range for the share of cases that are repeats, in per cent.
REPEAT_RATE_RANGE = (28.0, 40.0)
#: The words for a measure with nothing to measure.
NOT_RECORDED = "not recorded"


def percentile(values: Sequence[float], p: float) -> float | None:
    """The ``p``-th percentile (0–100) of ``values`` by linear interpolation between closest ranks
    (numpy's default, and Excel's PERCENTILE.INC); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def item_minutes(items: Sequence[tuple[datetime | None, datetime | None]]) -> list[float | None]:
    """Minutes each agenda item took, items in their order at one meeting, each (started, ended).
    An item with no end recorded runs to the next item's start (the time between items); with no
    start, or nothing after it to end it, its time is not recorded (None)."""
    out: list[float | None] = []
    for i, (started, ended) in enumerate(items):
        if started is None:
            out.append(None)
            continue
        if ended is None:
            ended = next((s for s, _e in items[i + 1:] if s is not None), None)
        out.append((ended - started).total_seconds() / 60 if ended is not None and ended >= started else None)
    return out


def against_range(value: float, low: float, high: float) -> str:
    """"below", "within" or "above" the range [low, high]."""
    return "below" if value < low else "above" if value > high else "within"


def minutes_text(value: float) -> str:
    return f"{value:.1f} min"
