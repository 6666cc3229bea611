"""Repeat referrals, worked out from referral dates (issue 16 item 3, issue 17).

SafeLives: a referral is a *repeat* when it comes within 12 months (the panel's repeat window) of
the last referral of the same victim to the panel. That is a fact about dates, never about the
order in which referrals were typed or imported: a log filed newest first gives the same repeats
as the same log filed oldest first, and a back-dated referral typed today becomes the earlier
referral of one typed last week.

This module is the rule's one owner: a pure function over ``(case, person, referral date)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from cspdesk.domain.rules import add_months

#: SafeLives' window; a panel may set another (``panel.repeat_window_months``).
DEFAULT_REPEAT_WINDOW_MONTHS = 12


@dataclass(frozen=True, order=True)
class ReferralDate:
    """One referral of one person to one panel. ``case_id`` only breaks ties between two
    referrals of the same person on the same day (the earlier-made case counts as the earlier)."""

    referral_date: date
    case_id: int
    person_id: int


def repeat_links(referrals: Iterable[ReferralDate],
                 window_months: int = DEFAULT_REPEAT_WINDOW_MONTHS) -> dict[int, int | None]:
    """For every case given: the case it repeats (the same person's last earlier referral, if that
    was within ``window_months`` of this one), or None.

    Give every referral that counts (declined referrals do not) of every person concerned on one
    panel; the answer does not depend on the order they are given in. A case appearing under two
    people (a victim linked twice) is a repeat if it repeats either, of the latest such case."""
    by_person: dict[int, list[ReferralDate]] = {}
    for r in referrals:
        by_person.setdefault(r.person_id, []).append(r)
    out: dict[int, int | None] = {}
    best: dict[int, ReferralDate] = {}
    for rows in by_person.values():
        rows.sort()
        for earlier, later in zip(rows, rows[1:], strict=False):
            out.setdefault(earlier.case_id, None)
            if earlier.case_id == later.case_id:
                continue
            if add_months(earlier.referral_date, window_months) >= later.referral_date:
                held = best.get(later.case_id)
                if held is None or earlier > held:
                    best[later.case_id] = earlier
        if rows:
            out.setdefault(rows[-1].case_id, None)
    for case_id, earlier in best.items():
        out[case_id] = earlier.case_id
    return out


@dataclass(frozen=True)
class RepeatChange:
    """A case whose repeat link changed: what it was and what it is now (None: not a repeat)."""

    case_id: int
    was_repeat_of: int | None
    now_repeat_of: int | None


def changed_links(before: Mapping[int, int | None], after: Mapping[int, int | None]) -> list[RepeatChange]:
    """The cases of ``after`` whose link differs from ``before`` (a case missing before was not a
    repeat), in case order."""
    return [RepeatChange(cid, before.get(cid), now) for cid, now in sorted(after.items())
            if before.get(cid) != now]
