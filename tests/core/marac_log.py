"""A synthetic MARAC coordinator's log, with the figures it was built to give written beside it.

Every name is invented. Victims are referred one to four times; the gap between two referrals of
one victim is chosen either well inside the 12-month repeat window (30–330 days) or well outside it
(400–700 days), so the number of repeats is known by construction, not by running the rule under
test. The same rows can be written oldest first, newest first or shuffled.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field, replace
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
    # The history a coordinator's log holds (make_history_log fills these in).
    marac_date: date | None = None
    decision: str = ""
    children: int = 0
    dash_score: int | None = None
    ethnicity: str = ""
    minoritised: bool = False
    disability: str = ""
    orientation: str = ""
    identity: str = ""
    lgbt: bool = False
    age_band: str = ""
    dob_blank: bool = False


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


#: Fortnightly meetings, on Thursdays, from the first week of the log.
FIRST_MEETING = date(2023, 1, 5)

#: Diversity as logs write it: (ethnicity words, minoritised), (orientation, identity, LGBT+).
ETHNICITIES = (("White British", False), ("white british", False), ("White - other", True), ("Asian", True),
               ("Black British", True), ("Mixed", True), ("Not known", False), ("", False))
LGBT = (("Heterosexual", "Cisgender", False), ("straight", "", False), ("Lesbian", "", True),
        ("Bisexual", "Same as at birth", True), ("", "Trans", True), ("", "", False), ("Not known", "", False))
DECISIONS = ("Continue", "Closed", "Refer on", "", "Open")


def heard_on(referral: date, last: date) -> date | None:
    """The first fortnightly meeting a week or more after the referral (None after ``last``)."""
    day = FIRST_MEETING
    while day < referral + timedelta(days=7):
        day += timedelta(days=14)
    return day if day <= last else None


def make_history_log(victims: int, *, seed: int = 17, last_meeting: date = date(2026, 6, 11)) -> MaracLog:
    """:func:`make_log` with what a coordinator's log holds besides: the MARAC date and decision,
    a number of children without names, a DASH score without answers for some rows, the victim's
    diversity, and for some victims no date of birth but an age band."""
    base = make_log(victims, seed=seed)
    rng = random.Random(seed + 1)
    per_victim: dict[int, dict] = {}
    out = MaracLog()
    for r in base.rows:
        v = per_victim.setdefault(r.victim, {})
        if not v:
            v["ethnicity"] = rng.choice(ETHNICITIES)
            v["lgbt"] = rng.choice(LGBT)
            v["disability"] = rng.choice(("Yes", "No", "N", "", "Not known"))
            v["young"] = rng.random() < 0.08
            v["dob_blank"] = v["young"] or rng.random() < 0.1
        young = v["young"]
        out.rows.append(LogRow(
            r.referral_date, r.given_name, r.family_name, r.date_of_birth, r.victim, r.is_repeat,
            marac_date=heard_on(r.referral_date, last_meeting), decision=rng.choice(DECISIONS),
            children=rng.choice((0, 0, 1, 2, 3)), dash_score=rng.choice((None, 14, 15, 18, 22)),
            ethnicity=v["ethnicity"][0], minoritised=v["ethnicity"][1], disability=v["disability"],
            orientation=v["lgbt"][0], identity=v["lgbt"][1], lgbt=v["lgbt"][2],
            age_band=("16 - 17" if young else rng.choice(("25-34", "35-44", ""))), dob_blank=v["dob_blank"]))
    return out


def figures(log: MaracLog, start: date, end: date) -> dict[str, int]:
    """What the data return must show for cases heard from ``start`` to ``end``, counted from the
    log as it was built (never through CSPDesk)."""
    heard = [r for r in log.rows if r.marac_date is not None and start <= r.marac_date <= end]
    return {"cases": len(heard), "repeats": sum(r.is_repeat for r in heard),
            "children": sum(r.children for r in heard), "minoritised": sum(r.minoritised for r in heard),
            "lgbt": sum(r.lgbt for r in heard),
            "disabled": sum(r.disability in ("Yes",) for r in heard),
            "young": sum(r.age_band == "16 - 17" for r in heard),
            "meetings": len({r.marac_date for r in heard})}


#: A coordinator's own headings (and one column CSPDesk does not read, and one mapped with --map).
COORDINATOR_HEADERS = ("Date of referral", "Victim name", "Victim DOB", "Referring agency", "DASH score",
                       "Number of children", "MARAC date", "Decision", "Repeat (Y/N)", "Ethnicity", "Disability",
                       "Sexual orientation", "Gender identity", "Age band", "Consent?", "Notes for chair")


def write_coordinator_csv(path: Path, rows: list[LogRow]) -> Path:
    """The rows as a coordinator keeps them: their own headings, "Police" for the police, one
    name column, blanks where a log has blanks."""
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(COORDINATOR_HEADERS)
        for r in rows:
            w.writerow([f"{r.referral_date:%d/%m/%Y}", f"{r.given_name} {r.family_name}",
                        "" if r.dob_blank else f"{r.date_of_birth:%d/%m/%Y}", "Police",
                        "" if r.dash_score is None else r.dash_score, r.children,
                        f"{r.marac_date:%d/%m/%Y}" if r.marac_date else "", r.decision if r.marac_date else "",
                        "Y" if r.is_repeat else "N", r.ethnicity, r.disability, r.orientation, r.identity,
                        r.age_band, "Yes", "see file"])
    return path


#: A MARAC year mirroring Maidstone's published figures, written next to the data built to give
#: them: 202 cases heard from 1 April 2025 to 31 March 2026, 66 of them repeats, 232 children in
#: the households.
MAIDSTONE_YEAR = {"cases": 202, "repeats": 66, "children": 232}
MAIDSTONE_START, MAIDSTONE_END = date(2025, 4, 1), date(2026, 3, 31)


def make_maidstone_year(seed: int = 202) -> MaracLog:
    """136 invented victims referred in the year, 66 of them again 30–150 days later (a repeat by
    construction: within the 12-month window, and nobody was referred before the year); every
    referral heard at the first fortnightly meeting a week on, all inside the year. 30 households
    with two children and 172 with one: 232 children."""
    rng = random.Random(seed)
    log = MaracLog()
    last_referral = date(2026, 3, 5)  # heard by the end of March at the latest
    for v in range(136):
        given, family = GIVEN[v % len(GIVEN)], FAMILY[(v // len(GIVEN)) % len(FAMILY)]
        born = date(1960, 1, 1) + timedelta(days=v * 97 + rng.randrange(0, 90))  # distinct per victim
        repeats = v < 66
        first = MAIDSTONE_START + timedelta(days=rng.randrange(0, 180 if repeats else 330))
        days = [first] + ([first + timedelta(days=rng.randrange(30, 151))] if repeats else [])
        for n, day in enumerate(days):
            assert day <= last_referral
            log.rows.append(LogRow(day, given, family, born, v, n == 1,
                                   marac_date=heard_on(day, MAIDSTONE_END), decision=rng.choice(DECISIONS),
                                   dash_score=rng.choice((14, 15, 18, 22))))
    # Children by position (the first 30 rows in date order have two), so the total is exact.
    ordered = sorted(log.rows, key=lambda r: (r.referral_date, r.victim))
    keyed = {id(r): (2 if i < 30 else 1) for i, r in enumerate(ordered)}
    log.rows = [replace(r, children=keyed[id(r)]) for r in log.rows]
    return log
