"""A synthetic MARAC coordinator's log, with the figures it was built to give written beside it.

Every name is invented. Victims are referred one to four times; the gap between two referrals of
one victim is chosen either well inside the 12-month repeat window (30–330 days) or well outside it
(400–700 days), so the number of repeats is known by construction, not by running the rule under
test. The same rows can be written oldest first, newest first or shuffled.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

GIVEN = ("Alexa", "Bethan", "Carys", "Dana", "Elin", "Fatima", "Grace", "Hana", "Imogen", "Jade", "Kerry",
         "Leah", "Mared", "Nadia", "Olwen", "Priya", "Rhian", "Sian", "Tamsin", "Una", "Vicky", "Wendy", "Yasmin",
         "Zara")
FAMILY = ("Example", "Sample", "Testwell", "Placeholder", "Dummy", "Mockford", "Fictive", "Madeup", "Notreal",
          "Imagined", "Inventa", "Synthe")


@dataclass(frozen=True)
class LogRow:
    referral_date: date
    given_name: str
    family_name: str
    date_of_birth: date
    victim: int           # which invented victim (the same number on each of their referrals)
    is_repeat: bool       # by construction: the last referral of this victim was 30–330 days before


@dataclass
class MaracLog:
    rows: list[LogRow] = field(default_factory=list)

    @property
    def expected_repeats(self) -> int:
        return sum(r.is_repeat for r in self.rows)

    def repeat_keys(self) -> set[tuple[str, str, date]]:
        return {(r.given_name, r.family_name, r.referral_date) for r in self.rows if r.is_repeat}

    def ordered(self, order: str, seed: int = 0) -> list[LogRow]:
        rows = sorted(self.rows, key=lambda r: (r.referral_date, r.victim))
        if order == "newest first":
            rows.reverse()
        elif order == "shuffled":
            random.Random(seed).shuffle(rows)
        return rows


def make_log(victims: int, *, seed: int = 16, first: date = date(2023, 1, 2),
             last: date = date(2026, 6, 1)) -> MaracLog:
    rng = random.Random(seed)
    log = MaracLog()
    for v in range(victims):
        given = GIVEN[v % len(GIVEN)]
        family = f"{FAMILY[(v // len(GIVEN)) % len(FAMILY)]}{'' if v < len(GIVEN) * len(FAMILY) else v}"
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 40 * 365))
        day = first + timedelta(days=rng.randrange(0, 500))
        for n in range(rng.choice((1, 1, 2, 2, 3, 4))):
            repeat = False
            if n:
                repeat = rng.random() < 0.6
                day += timedelta(days=rng.randrange(30, 331) if repeat else rng.randrange(400, 701))
            if day > last:
                break
            log.rows.append(LogRow(day, given, family, born, v, repeat))
    return log


def write_template_csv(path: Path, rows: list[LogRow], agency: str = "Testshire Police") -> Path:
    """The rows under the template's own headings."""
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["referral_date", "referring_agency", "given_name", "family_name", "date_of_birth", "reason", "consent_given"])
        for r in rows:
            w.writerow([f"{r.referral_date:%d/%m/%Y}", agency, r.given_name, r.family_name,
                        f"{r.date_of_birth:%d/%m/%Y}", "Assault", "Yes"])
    return path
