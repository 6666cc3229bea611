"""The people already held, read once for a whole import (issue 17: a 100,000-row file is checked
in seconds, not after a few queries a row).

:class:`HeldPeople` loads, in a handful of bulk queries, every person the acting user may reach
(need to know: the same filter as :func:`cspdesk.services.access.reach.reachable_people`), their aliases
and their cases; :meth:`HeldPeople.find` then answers as ``ReferralService.find_people`` does —
the same candidates (family name, or one starting with it; a family name that sounds alike; the
same date of birth; an alias), scored by the same :func:`~cspdesk.services.referrals.referrals.score_person`
— from memory. :class:`EarlierReferrals` does the same for the "possible earlier referral" note
of one panel.

Both are snapshots of the moment they are read: an import uses them while checking its rows,
before it writes.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.domain.rules import add_months, first_word, name_key, normalise_name
from cspdesk.services.context import ServiceContext
from cspdesk.services.access.reach import person_on_panels
from cspdesk.services.referrals.referrals import PersonCase, PersonMatch, cases_of_people, score_person
from cspdesk.storage.models import Case, Person, PersonAlias

class HeldPeople:
    """Everyone the acting user may reach, indexed in memory for matching import rows."""

    def __init__(self, s: Session, people: Sequence[Any], aliases: Sequence[tuple[int, str, str, str]],
                 visible: frozenset[int] | None) -> None:
        self._s = s  # for the cases of the people a row matches (read when first matched)
        self._people = {p.id: p for p in people}
        self._cases: dict[int, list[PersonCase]] = {}
        self._visible = visible
        self._by_family: dict[str, list[int]] = defaultdict(list)
        self._by_family_key: dict[str, list[int]] = defaultdict(list)
        self._by_dob: dict[date, list[int]] = defaultdict(list)
        for p in people:
            self._by_family[p.family_norm].append(p.id)
            if p.family_key:
                self._by_family_key[p.family_key].append(p.id)
            if p.date_of_birth is not None:
                self._by_dob[p.date_of_birth].append(p.id)
        self._families = sorted(self._by_family)
        self._alias_text: dict[int, list[str]] = defaultdict(list)
        self._by_alias_key: dict[str, set[int]] = defaultdict(set)
        self._by_alias_norm: dict[str, set[int]] = defaultdict(set)
        for pid, alias, alias_norm, alias_key in aliases:
            if pid not in self._people:
                continue
            self._alias_text[pid].append(alias)
            self._by_alias_key[alias_key].add(pid)
            self._by_alias_norm[alias_norm].add(pid)

    @classmethod
    def load(cls, s: Session, ctx: ServiceContext) -> HeldPeople:
        """Read everyone ``ctx``'s user may reach; ``s`` stays in use while :meth:`find` is asked."""
        visible = ctx.visible_panel_ids()
        stmt = select(Person.id, Person.given_name, Person.family_name, Person.given_norm, Person.family_norm,
                      Person.given_key, Person.family_key, Person.date_of_birth)
        if visible is not None:
            stmt = stmt.where(person_on_panels(visible, Person.id))
        people = s.execute(stmt).all()
        aliases = [tuple(r) for r in s.execute(select(PersonAlias.person_id, PersonAlias.alias,
                                                      PersonAlias.alias_norm, PersonAlias.alias_key))]
        return cls(s, people, aliases, None if visible is None else frozenset(visible))  # type: ignore[arg-type]

    def __len__(self) -> int:
        return len(self._people)

    def _starting_with(self, prefix: str) -> list[int]:
        out: list[int] = []
        i = bisect.bisect_left(self._families, prefix)
        while i < len(self._families) and self._families[i].startswith(prefix):
            out += self._by_family[self._families[i]]
            i += 1
        return out

    def find(self, given: str, family: str, date_of_birth: date | None, limit: int = 5) -> list[PersonMatch]:
        """As ``ReferralService.find_people``: the people who may be this one, best first."""
        g_norm, f_norm = normalise_name(given), normalise_name(family)
        g_first = first_word(given)
        g_key, f_key = name_key(g_first), name_key(family)
        if len(f_norm) < 2 and date_of_birth is None and len(g_norm) < 2:
            return []
        found: set[int] = set()
        if f_norm:
            by_name = self._starting_with(f_norm) if len(f_norm) >= 3 else list(self._by_family.get(f_norm, ()))
            if f_key:
                by_name += self._by_family_key.get(f_key, ())
            if g_first:  # a namesake whose given name shares neither sound nor first letter is not offered
                by_name = [i for i in by_name if self._people[i].given_key == g_key
                           or self._people[i].given_norm.startswith(g_first[0])]
            found.update(by_name)
        if date_of_birth is not None:
            found.update(self._by_dob.get(date_of_birth, ()))
        if f_key:
            found.update(self._by_alias_key.get(f_key, ()))
        if g_norm:
            found.update(self._by_alias_norm.get(g_norm, ()))
            if f_norm:
                found.update(self._by_alias_norm.get(f"{g_norm} {f_norm}", ()))
        scored = []
        for pid in found:
            p = self._people[pid]
            result = score_person(p, g_norm, g_first, f_norm, g_key, f_key, date_of_birth,
                                  self._alias_text.get(pid, ()))
            if result is not None:
                scored.append((result[0], p, result[1], result[2]))
        scored.sort(key=lambda t: (-t[0], t[1].family_norm, t[1].given_norm, t[1].id))
        out = []
        chosen = scored[:limit]
        unread = [t[1].id for t in chosen if t[1].id not in self._cases]
        if unread:
            found_cases = cases_of_people(self._s, unread)
            self._cases.update({pid: found_cases.get(pid, []) for pid in unread})
        for score, p, reasons, alias in chosen:
            held = self._cases[p.id]
            seen = tuple(c for c in held if self._visible is None or c.panel_id in self._visible)
            out.append(PersonMatch(p.id, p.given_name, p.family_name, p.date_of_birth, round(score, 3), reasons,
                                   alias, seen, len(held) - len(seen)))
        return out


@dataclass(frozen=True)
class _Referred:
    reference: str
    referral_date: date
    given_norm: str
    family_norm: str
    date_of_birth: date | None


class EarlierReferrals:
    """One panel's referrals of a person, by the subject's first given name: for the note "possible
    earlier referral" on an import row not linked to anyone held."""

    def __init__(self, rows: Sequence[_Referred]) -> None:
        self._by_first: dict[str, list[_Referred]] = defaultdict(list)
        for r in rows:
            first = r.given_norm.split()[0] if r.given_norm else ""
            if first:
                self._by_first[first].append(r)
        for found in self._by_first.values():
            found.sort(key=lambda r: r.referral_date, reverse=True)

    @classmethod
    def load(cls, s: Session, panel_id: int) -> EarlierReferrals:
        rows = s.execute(select(Case.reference, Case.referral_date, Person.given_norm, Person.family_norm,
                                Person.date_of_birth).join(Person, Person.id == Case.subject_person_id)
                         .where(Case.panel_id == panel_id)).all()
        return cls([_Referred(*r) for r in rows])

    def find(self, given: str, family: str, born: date | None, referral_date: date,
             window_months: int) -> _Referred | None:
        """The latest referral in the window before ``referral_date`` of someone with the same first
        given name and either the same family name with a date of birth missing on one side, or
        another family name and the same date of birth."""
        start = add_months(referral_date, -window_months)
        for r in self._by_first.get(given, ()):
            if not start <= r.referral_date <= referral_date:
                continue
            same_name = r.family_norm == family and (r.date_of_birth is None or born is None)
            new_surname = born is not None and r.family_norm != family and r.date_of_birth == born
            if same_name or new_surname:
                return r
        return None
