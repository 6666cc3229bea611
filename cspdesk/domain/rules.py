"""Rules that are derived, never stored: RAG and overdue, DASH band, references, display names."""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date

from cspdesk.domain.ages import age_on as age_on  # the one rule for ages, re-exported where it was
from cspdesk.domain.dash import DASH_QUESTIONS as _DASH_QUESTIONS
from cspdesk.domain.enums import ActionStatus, CaseStatus, Rag, RiskLevel
from cspdesk.domain.risk_tools import DASH_2009, risk_tool

FINISHED_ACTION_STATUSES = frozenset({ActionStatus.COMPLETED, ActionStatus.DISCONTINUED})
#: On hold and Discontinued need a reason (PRODUCT.md "Action").
ACTION_STATUSES_NEEDING_REASON = frozenset({ActionStatus.ON_HOLD, ActionStatus.DISCONTINUED})

DASH_QUESTION_COUNT = len(_DASH_QUESTIONS)
#: DASH 2009's own threshold (its definition file's ``visible_high_risk_at``); a panel may set its own.
DEFAULT_DASH_THRESHOLD = risk_tool(DASH_2009, "2009").grading.visible_high_risk_at or 14
DEFAULT_AMBER_DAYS = 14


def is_overdue(status: ActionStatus, due: date | None, today: date) -> bool:
    """Past its due date and neither Completed nor Discontinued."""
    return due is not None and due < today and status not in FINISHED_ACTION_STATUSES


def rag(status: ActionStatus, due: date | None, today: date, amber_days: int = DEFAULT_AMBER_DAYS) -> Rag:
    """Blue completed (or discontinued), Red overdue, Amber due within ``amber_days`` or on hold,
    Green ongoing, Grey open and not started."""
    if status in FINISHED_ACTION_STATUSES:
        return Rag.BLUE
    if is_overdue(status, due, today):
        return Rag.RED
    if status == ActionStatus.ON_HOLD or (due is not None and (due - today).days <= amber_days):
        return Rag.AMBER
    if status == ActionStatus.ONGOING:
        return Rag.GREEN
    return Rag.GREY


def dash_visible_high_risk(yes_count: int, threshold: int = DEFAULT_DASH_THRESHOLD) -> bool:
    """DASH 2009's "visible high risk" rule (the tool's, :mod:`cspdesk.domain.risk_tools`)."""
    return risk_tool(DASH_2009).visible_high_risk(yes_count, threshold)


def case_reference(prefix: str, year: int, seq: int) -> str:
    """``MARAC-2026-0042``: per panel prefix, per year, four digits (more when a year runs past 9999)."""
    return f"{prefix}-{year}-{seq:04d}"


#: Letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "æ": "ae", "œ": "oe", "þ": "th", "ı": "i"})


_NOT_ASCII_ALNUM = re.compile(r"[^0-9a-z]+")


def normalise_name(text: str) -> str:
    """Lower case, accents stripped, punctuation to spaces, runs of space folded.

    Stored beside each name so searches use an index on both SQLite and PostgreSQL
    (no collation or LIKE tricks that differ between the two).
    """
    if text.isascii():  # most names: no accents to strip, so the same answer without the Unicode walk
        return " ".join(_NOT_ASCII_ALNUM.sub(" ", text.casefold()).split())
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_UNDECOMPOSED))
    kept = "".join(c for c in decomposed if not unicodedata.combining(c))
    cleaned = "".join(c if c.isalnum() else " " for c in kept.casefold())
    return " ".join(cleaned.split())


def person_display_name(given: str, family: str) -> str:
    return f"{given} {family}".strip()


# --- Referrals (issue 4) ---------------------------------------------------------------------

#: DASH answers as stored in ``risk_answer.value``; items are ``q01`` … ``q24``.
DASH_YES, DASH_NO, DASH_DONT_KNOW = "yes", "no", "dont_know"
DASH_VALUES = (DASH_YES, DASH_NO, DASH_DONT_KNOW)
#: Below the visible-high-risk threshold by this many or fewer "yes" answers is Medium (DASH 2009's file).
DASH_MEDIUM_MARGIN = DEFAULT_DASH_THRESHOLD - (risk_tool(DASH_2009, "2009").grading.medium_at or 10)
#: MARAC is for victims aged 16 and over (PRODUCT.md "The panels").
MARAC_MIN_VICTIM_AGE = 16


def dash_item(number: int) -> str:
    """``q01`` … ``q24``: the key a DASH answer is stored under."""
    return f"q{number:02d}"


def dash_risk_level(yes_count: int, threshold: int = DEFAULT_DASH_THRESHOLD) -> RiskLevel:
    """The band shown beside the live count, by DASH 2009's rule: High at the visible-high-risk
    threshold, Medium within :data:`DASH_MEDIUM_MARGIN` of it, Low below. (Only the threshold is
    SafeLives' rule; the Medium band is a reading aid, not an official score.)"""
    band = risk_tool(DASH_2009).band(yes_count, threshold)
    assert band is not None, "DASH 2009 is a scored tool"
    return band


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months, the day of the month clipped to the month's end."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


#: The case lifecycle: Received → Accepted / Declined → Listed → Open → Closed / Archived.
#: Open → Listed is a review listing; Listed → Closed a case closed at its first hearing;
#: Accepted → Declined a referral declined once more is known.
CASE_TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.RECEIVED: frozenset({CaseStatus.ACCEPTED, CaseStatus.DECLINED}),
    CaseStatus.ACCEPTED: frozenset({CaseStatus.LISTED, CaseStatus.DECLINED}),
    CaseStatus.DECLINED: frozenset({CaseStatus.ARCHIVED}),
    CaseStatus.LISTED: frozenset({CaseStatus.OPEN, CaseStatus.CLOSED}),
    CaseStatus.OPEN: frozenset({CaseStatus.LISTED, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset({CaseStatus.ARCHIVED}),
    CaseStatus.ARCHIVED: frozenset(),
}


def can_move(from_status: CaseStatus, to_status: CaseStatus) -> bool:
    return to_status in CASE_TRANSITIONS[from_status]


def _metaphone(word: str) -> str:
    import jellyfish  # a compiled library; imported when first needed, not at start-up

    # "th" (0) and "sh" (X) fold into T and S, so Thompson/Tomson and Sean/Shaun share a key.
    return jellyfish.metaphone(word).replace("0", "T").replace("X", "S")


def name_key(text: str) -> str:
    """A phonetic key of a name (Metaphone, lightly folded), kept beside the normalised name and
    indexed, so spelling variants (Smith/Smyth, Katherine/Kathryn, Mohammed/Muhammad) find each
    other through an index. Several words are keyed as one (``smith jones`` → ``SMTJNS``);
    the key is at most 40 characters."""
    norm = normalise_name(text).replace(" ", "")
    letters = "".join(c for c in norm if "a" <= c <= "z")
    return _metaphone(letters)[:40] if letters else ""


def first_word(text: str) -> str:
    words = normalise_name(text).split()
    return words[0] if words else ""


def last_word(text: str) -> str:
    words = normalise_name(text).split()
    return words[-1] if words else ""


# -- SOCP threat, risk and harm (a local matrix in the style of MoRiLE; not an official formula) --

THREAT_HARM_FACTORS = ("harm", "likelihood", "position")
THREAT_HARM_FACTOR_RANGE = (1, 5)
#: Score at or above which a group is High / Medium (partnership settings may change these).
DEFAULT_THREAT_HARM_HIGH = 45
DEFAULT_THREAT_HARM_MEDIUM = 18


def threat_harm_score(harm: int, likelihood: int, position: int) -> int:
    """Harm × likelihood × organisational position, each 1–5 (so 1–125)."""
    lo, hi = THREAT_HARM_FACTOR_RANGE
    for name, value in zip(THREAT_HARM_FACTORS, (harm, likelihood, position), strict=True):
        if not lo <= value <= hi:
            raise ValueError(f"{name} must be between {lo} and {hi}")
    return harm * likelihood * position


def threat_harm_level(score: int, high: int = DEFAULT_THREAT_HARM_HIGH,
                      medium: int = DEFAULT_THREAT_HARM_MEDIUM) -> RiskLevel:
    if score >= high:
        return RiskLevel.HIGH
    if score >= medium:
        return RiskLevel.MEDIUM
    return RiskLevel.LOW


#: The 24 DASH questions (one wording, the form's: cspdesk.domain.dash).
DASH_QUESTIONS = _DASH_QUESTIONS
