"""One redaction for every paper meant for circulation.

Minutes for distribution, the agenda, a case summary without contact details, an action tracker
or action log printed for circulation (and per-agency extracts later) go to many agencies; an
address in them can cost a life. Every such paper is built as plain report data first and then
passed whole through :func:`redact_for_circulation`, which walks the dataclass and redacts every
free-text string in it — so a field added to a paper later is redacted without anyone remembering to.

What is removed, and the marker left in its place so the reader knows something was there:

- the known contact details of the people involved (their recorded addresses, postcodes, telephone
  numbers and safe-contact notes), however they were typed (any case, spacing or punctuation);
- the schools and nurseries of the children on the cases (a school says where a child can be
  found: identifying, as an address is);
- by pattern: e-mail addresses, UK street addresses ("3 Elm Close", "Flat 2, 14 High Street"),
  UK telephone numbers (07…, 01…/02…/03…, +44 and 0044, spaced, hyphenated, bracketed or not) and
  UK postcodes.

References ("MARAC-2026-0182"), dates (12/03/2026, 2026-03-12, 12 March 2026), times and money
survive: the patterns are written not to match them (and tests/core/test_redaction.py checks it).

The patterns err on the side of removing: a number followed by words ending in a street word
("2 way street") goes too. That is the right way round for a paper that circulates.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar, cast

ADDRESS_REMOVED = "[address removed]"
PHONE_REMOVED = "[phone removed]"
EMAIL_REMOVED = "[email removed]"
POSTCODE_REMOVED = "[postcode removed]"
CONTACT_NOTE_REMOVED = "[contact note removed]"
#: A child's school or nursery (issue 19): it says where a child can be found, as an address does.
SCHOOL_REMOVED = "[school removed]"
MARKERS = (ADDRESS_REMOVED, PHONE_REMOVED, EMAIL_REMOVED, POSTCODE_REMOVED, CONTACT_NOTE_REMOVED, SCHOOL_REMOVED)

T = TypeVar("T")

# -- patterns --------------------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")

#: A UK telephone number: 0 (or +44 / 0044, with an optional "(0)") and then 9 or 10 digits, with
#: spaces, hyphens or brackets between them as people type them (not dots or colons: times). Not glued to a word, to more
#: digits or to a hyphenated run, so references (MARAC-2026-0182 2026-03-12), dates and sums do not match.
_PHONE = re.compile(r"(?<![\w+\-.:/])(?:(?:\+|00)\s?44\s?(?:\(0\)\s?)?|\(?0)(?:[\s\-()]{0,2}\d){9,10}(?!\d|[\-.:/]\d)")
#: "07 12 2026 10" has the digits of a number but is a date typed with spaces: kept.
_SPACED_DATE = re.compile(r"^0[1-9][\s.\-](?:0[1-9]|1[0-2])[\s.\-](?:19|20)\d\d\b")

#: A UK postcode (the inward part's letters never include C, I, K, M, O or V), in any case.
_POSTCODE = re.compile(r"(?<![\w\-])[A-Z]{1,2}\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2}(?![\w\-])", re.IGNORECASE)

#: Street words that rarely end anything but an address: matched whatever the case ("3 elm close").
_STREET_WORDS = ("street|st|road|rd|avenue|ave|lane|ln|close|drive|crescent|cres|gardens|gdns|terrace|mews|grove|"
                 "square|sq|way|parade|boulevard|approach")
#: Street words that are also everyday words ("a 2 mile walk", "3 assaults took place"): only as a
#: capitalised name ("4 Mill Walk", "2 Market Place").
_PLACE_WORDS = ("Hill|Park|Green|Walk|Rise|Row|View|Gate|Fields|Croft|Chase|Vale|Wharf|Yard|Meadows?|End|Wood|"
                "Place|Court|Ct")
#: Words that cannot be part of a street's name: they mean the number counts something, or the
#: street word is an everyday one ("the 2 were very close").
_NOT_A_NAME = ("the|a|an|of|in|on|at|to|for|and|or|by|with|from|per|times?|days?|weeks?|months?|years?|hours?|"
               "minutes?|mins?|miles?|calls?|incidents?|children|people|officers?|visits?|referrals?|cases?|"
               "is|are|was|were|be|been|being|remains?|stay(?:s|ed)?|live[sd]?|living|very|so|too|quite|really|"
               "not|now|still|also|get|got|keep|kept")
#: "2 Crown Court hearings" are not an address.
_COURTS = re.compile(r"\b(?:Crown|Magistrates'?|Family|County|Youth|Civil|High|Coroner'?s)\s+C(?:our)?t\b",
                     re.IGNORECASE)
_REPEATED_MARKER = re.compile(r"(\[address removed\])(?:[\s,]*\1)+")
_HOUSE = r"(?<![\w£$.,:/\-])\d{1,4}[A-Za-z]?(?:-\d{1,4}[A-Za-z]?)?,?\s+"
_FLAT = r"(?:(?i:flat|apartment|apt|unit|room)\s*\d{1,4}[A-Za-z]?,?\s+)?"
_NAME = rf"(?:The|(?!(?i:{_NOT_A_NAME})\b)[A-Za-z][A-Za-z'’\-]*)"
_ADDRESS = re.compile(
    rf"{_FLAT}{_HOUSE}(?:"
    rf"(?:{_NAME}\s+){{1,4}}(?i:{_STREET_WORDS})\b\.?"
    rf"|(?:(?:The|[A-Z][a-z'’\-]+)\s+){{1,3}}(?:{_PLACE_WORDS})\b)"
)


def _address_or_court(match: re.Match[str]) -> str:
    return match.group(0) if _COURTS.search(match.group(0)) else ADDRESS_REMOVED


def _phone_or_date(match: re.Match[str]) -> str:
    return match.group(0) if _SPACED_DATE.match(match.group(0)) else PHONE_REMOVED


#: Words and numbers apart ("14a" is "14" and "a"): how known details are found in text quickly.
_TOKEN = re.compile(r"[^\W\d_]+|\d+")
#: What people type in a contact field when there is nothing to say: never removed from the text
#: ("address unknown" must still read so).
_SAYS_NOTHING = frozenset({
    "unknown", "not known", "none", "n a", "na", "nfa", "no fixed abode", "tbc", "tba", "withheld", "refused",
    "not given", "not recorded", "see notes", "see above", "as above", "no", "yes", "none known",
})
_NOT_DIGITS = re.compile(r"\D")
_DIGIT = re.compile(r"\d")
#: Digits as a telephone number is typed, in any country's format: for the known numbers.
_DIGIT_RUN = re.compile(r"(?<![\w+])(?:\+|00|\()?\d(?:[\s\-.()]{0,3}\d){5,16}(?!\d)")


def _keys(text: str) -> set[str]:
    """The look-up keys of ``text``: its words and numbers, lower case."""
    return set(_TOKEN.findall(text.lower()))


def _words(value: str) -> list[str]:
    return re.findall(r"[^\W_]+", value)


def _loose(value: str) -> str | None:
    """A pattern matching ``value`` whatever its case, spacing and punctuation, as a whole word."""
    words = _words(value)
    if not words or len("".join(words)) < 4:  # too short to be a contact detail ("Flat", "2")
        return None
    return r"(?<![^\W_])" + r"[\W_]*".join(re.escape(w) for w in words) + r"(?![^\W_])"


def _national(number: str) -> str:
    """A telephone number's digits as dialled inside the UK without its leading 0 ("+44 (0)7700
    900123", "0044 7700 900123", "07700 900123" and "7700900123" are all "7700900123")."""
    digits = _NOT_DIGITS.sub("", number)
    if number.lstrip().startswith("+44") or digits.startswith("0044"):
        digits = digits[4:] if digits.startswith("0044") else digits[2:]
    return digits.lstrip("0")


@dataclass(frozen=True)
class KnownContacts:
    """The contact details recorded for the people a paper is about: removed wherever they appear,
    however typed, on top of what the patterns find."""

    addresses: tuple[str, ...] = ()
    postcodes: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    contact_notes: tuple[str, ...] = ()
    #: The schools and nurseries of the children on the cases (issue 19): identifying, as addresses.
    schools: tuple[str, ...] = ()

    @classmethod
    def of(cls, people: Iterable[tuple[str, str, str, str]], schools: Iterable[str] = ()) -> KnownContacts:
        """From each person's (address, postcode, phone, contact notes), as recorded, and the
        children's schools."""
        addresses: set[str] = set()
        postcodes: set[str] = set()
        phones: set[str] = set()
        notes: set[str] = set()
        for address, postcode, phone, note in people:
            for value, into in ((address, addresses), (postcode, postcodes), (phone, phones), (note, notes)):
                if value and value.strip():
                    into.add(value.strip())
        return cls(tuple(sorted(addresses)), tuple(sorted(postcodes)), tuple(sorted(phones)), (),
                   tuple(sorted(notes)), tuple(sorted({x.strip() for x in schools if x and x.strip()})))


class Redaction:
    """Redacts text for circulation. Build one per paper: the known details compile once, and each
    is tried only on text that holds every word of it (found by its rarest), so a tracker of
    thousands of actions over thousands of people costs a dictionary look-up per word, not a
    pattern per person."""

    def __init__(self, known: KnownContacts = KnownContacts()) -> None:  # frozen, immutable
        rules: set[tuple[str, str, frozenset[str]]] = set()  # (pattern, marker, keys text must hold)

        def loose(value: str, marker: str, *, words: int = 1) -> None:
            """Remove ``value`` wherever it appears — unless it says nothing ("Unknown", "none"),
            or has fewer than ``words`` words (a town alone is not an address)."""
            said = _words(value.lower())
            if len(said) < words or " ".join(said) in _SAYS_NOTHING:
                return
            pattern = _loose(value)
            if pattern:
                rules.add((pattern, marker, frozenset(_TOKEN.findall(value.lower()))))

        for note in known.contact_notes:
            loose(note, CONTACT_NOTE_REMOVED, words=3)
        for address in known.addresses:
            parts = [p for p in re.split(r"[,\n]", address) if p.strip()]
            # The whole address, and each line but the town ("Flat 2", "14 High Street").
            for value in [address, *parts[:-1]]:
                loose(value, ADDRESS_REMOVED, words=2)
        for email in known.emails:
            loose(email, EMAIL_REMOVED)
        for school in known.schools:
            loose(school, SCHOOL_REMOVED)
        for postcode in known.postcodes:
            loose(postcode, POSTCODE_REMOVED)
        #: Known numbers in any country's format, found by their digits (one pattern for them all).
        self._phones = {n for n in (_national(p) for p in known.phones) if len(n) >= 6}
        # Longest first: a whole address before its first line, a note before the number in it.
        ordered = sorted(rules, key=lambda r: (-len(r[0]), r[0], r[1]))
        # Each rule is filed under its rarest key ("rosemary", not "street" or the town).
        counts = Counter(key for *_, keys in ordered for key in keys)
        self._index: dict[str, list[tuple[int, str, str, frozenset[str]]]] = {}
        for order, (pattern, marker, keys) in enumerate(ordered):
            anchor = min(keys, key=lambda k: (counts[k], -len(k), k))
            self._index.setdefault(anchor, []).append((order, pattern, marker, keys))
        self._compiled: dict[str, re.Pattern[str]] = {}  # compiled when first needed: most never are
        self._done: dict[str, str] = {}

    def text(self, text: str) -> str:
        """``text`` with every contact detail replaced by its marker."""
        done = self._done.get(text)
        if done is None:
            # A paper repeats itself (agencies, owners, statuses on every line): each string once.
            done = self._done[text] = self._redact(text) if text else text
        return done

    def _redact(self, text: str) -> str:
        if self._index:
            keys = _keys(text)
            candidates = sorted((rule for key in keys for rule in self._index.get(key, ()) if rule[3] <= keys),
                                key=lambda rule: rule[0])
            for _, pattern, marker, _keys_needed in candidates:
                compiled = self._compiled.get(pattern)
                if compiled is None:
                    compiled = self._compiled[pattern] = re.compile(pattern, re.IGNORECASE)
                text = compiled.sub(marker, text)
        if "@" in text:
            text = _EMAIL.sub(EMAIL_REMOVED, text)
        if _DIGIT.search(text):  # every pattern here needs a digit: most notes are spared them
            if self._phones:
                text = _DIGIT_RUN.sub(self._known_phone, text)
            text = _ADDRESS.sub(_address_or_court, text)
            text = _PHONE.sub(_phone_or_date, text)
            text = _POSTCODE.sub(POSTCODE_REMOVED, text)
        if text.count(ADDRESS_REMOVED) > 1:  # "Flat 2, 14 High Street": one address, one marker
            text = _REPEATED_MARKER.sub(ADDRESS_REMOVED, text)
        return text

    def text_without_addresses(self, text: str) -> str:
        """``text`` with telephone numbers, e-mail addresses and known contact notes removed, and
        addresses and postcodes left: for the identifying fields of a research copy."""
        for _, pattern, marker, _keys_needed in sorted((r for rules in self._index.values() for r in rules),
                                                       key=lambda r: r[0]):
            if marker in (ADDRESS_REMOVED, POSTCODE_REMOVED):
                continue
            text = re.compile(pattern, re.IGNORECASE).sub(marker, text)
        if "@" in text:
            text = _EMAIL.sub(EMAIL_REMOVED, text)
        if _DIGIT.search(text):
            if self._phones:
                text = _DIGIT_RUN.sub(self._known_phone, text)
            text = _PHONE.sub(_phone_or_date, text)
        return text

    def _known_phone(self, match: re.Match[str]) -> str:
        """A run of digits that is, begins or ends with a known number (two numbers typed one
        after the other read as one run)."""
        digits = _national(match.group(0))
        if any(digits[:n] in self._phones or digits[-n:] in self._phones for n in range(6, min(len(digits), 15) + 1)):
            return PHONE_REMOVED
        return match.group(0)

    def paper(self, paper: T, *, keep: Collection[str] = ()) -> T:
        """A copy of ``paper`` (a report dataclass) with every string in it redacted, at any depth:
        in fields, tuples and lists of them, and nested dataclasses. ``keep`` names fields left as
        they are — only the partnership's own words (a meeting's venue), never what was typed
        about a case."""
        return cast(T, _walk(paper, self.text, frozenset(keep)))  # _walk keeps every value's type


def redact_text(text: str, known: KnownContacts = KnownContacts()) -> str:  # frozen, immutable
    """One string redacted for circulation (see :class:`Redaction`)."""
    return Redaction(known).text(text)


def redact_for_circulation(paper: T, known: KnownContacts = KnownContacts(),  # frozen, immutable
                           *, keep: Collection[str] = ()) -> T:
    """The one entry point for papers meant for circulation: ``paper`` (a plain report dataclass)
    with every free-text string in it redacted. See :meth:`Redaction.paper`."""
    return Redaction(known).paper(paper, keep=keep)


class Level(StrEnum):
    """How much a paper may carry. Every paper that leaves the application passes through
    :func:`redact` at one of these levels — never around it."""

    #: Minutes for distribution, agendas, trackers, extracts: no contact details anywhere.
    CIRCULATION = "circulation"
    #: The research copy sent to an agency so it can find its own records (issue 18): the people's
    #: names, aliases, dates of birth and addresses stay in the fields that identify them
    #: (:data:`RESEARCH_IDENTITY_FIELDS`); telephone numbers, e-mail addresses and contact notes go,
    #: and every other string is redacted as for circulation. Marked so on every page.
    RESEARCH_COPY = "research copy"


#: The fields a research copy keeps as recorded, at any depth of the paper.
RESEARCH_IDENTITY_FIELDS = ("name", "aliases", "address")


def redact(paper: T, known: KnownContacts = KnownContacts(), *, level: Level,  # frozen, immutable
           keep: Collection[str] = ()) -> T:
    """``paper`` redacted at ``level`` (see :class:`Level`). At :attr:`Level.RESEARCH_COPY` the
    identifying fields are kept, but a telephone number, e-mail address or contact note typed into
    one of them still goes: only names, aliases, dates of birth and addresses are the research copy's."""
    if level is Level.CIRCULATION:
        return redact_for_circulation(paper, known, keep=keep)
    if level is not Level.RESEARCH_COPY:
        raise ValueError(level)
    identity_only = KnownContacts(phones=known.phones, emails=known.emails, contact_notes=known.contact_notes)
    kept = Redaction(known).paper(paper, keep=(*keep, *RESEARCH_IDENTITY_FIELDS))
    # The identifying fields themselves: no addresses removed (they are the point), the rest is.
    return cast(T, _walk_fields(kept, frozenset(RESEARCH_IDENTITY_FIELDS),  # _walk_fields keeps every value's type
                                Redaction(identity_only).text_without_addresses))


def _walk_fields(value: object, fields: frozenset[str], redact_text_: Callable[[str], str]) -> object:
    """``value`` with the strings under the dataclass fields named in ``fields`` (at any depth) passed
    through ``redact_text_``; everything else as it is."""
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_walk_fields(v, fields, redact_text_) for v in value)
    if isinstance(value, list):
        return [_walk_fields(v, fields, redact_text_) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for f in dataclasses.fields(value):
            if not f.init:
                continue
            inner = getattr(value, f.name)
            changes[f.name] = (_walk(inner, redact_text_, frozenset()) if f.name in fields
                               else _walk_fields(inner, fields, redact_text_))
        return dataclasses.replace(value, **changes)
    return value


def _walk(value: object, redact: Callable[[str], str], keep: frozenset[str]) -> object:
    if type(value) is str:  # exactly str: an enum that is also a str keeps its type and value
        return redact(value)
    if isinstance(value, tuple):
        items = [_walk(v, redact, keep) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)  # type: ignore[arg-type]  # a named tuple takes its fields, not one iterable  # a named tuple keeps its type
    if isinstance(value, list):
        return [_walk(v, redact, keep) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _walk(getattr(value, f.name), redact, keep)
                   for f in dataclasses.fields(value) if f.init and f.name not in keep}
        return dataclasses.replace(value, **changes)
    return value


__all__ = [
    "ADDRESS_REMOVED", "CONTACT_NOTE_REMOVED", "EMAIL_REMOVED", "MARKERS", "PHONE_REMOVED", "POSTCODE_REMOVED",
    "SCHOOL_REMOVED",
    "RESEARCH_IDENTITY_FIELDS", "KnownContacts", "Level", "Redaction", "redact", "redact_for_circulation",
    "redact_text",
]
