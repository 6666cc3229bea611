"""The one redaction for papers meant for circulation (cspdesk.domain.redaction): what it removes,
what it must keep, and that it reaches every string of a paper's data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cspdesk.domain.enums import RiskLevel
from cspdesk.domain.redaction import (
    ADDRESS_REMOVED,
    EMAIL_REMOVED,
    PHONE_REMOVED,
    POSTCODE_REMOVED,
    KnownContacts,
    Redaction,
    redact_for_circulation,
    redact_text,
)


@pytest.mark.parametrize(("typed", "kept"), [
    ("Flag 3 Elm Close for urgent response", f"Flag {ADDRESS_REMOVED} for urgent response"),
    ("Now at Flat 2, 14 High Street, Sittingbourne", f"Now at {ADDRESS_REMOVED}, Sittingbourne"),
    ("moved to 27a victoria road last week", f"moved to {ADDRESS_REMOVED} last week"),
    ("Lives at 4 Mill Walk with mum", f"Lives at {ADDRESS_REMOVED} with mum"),
    ("Call 07700 900702 after 6pm", f"Call {PHONE_REMOVED} after 6pm"),
    ("Landline (01795) 417000.", f"Landline {PHONE_REMOVED}."),
    ("Mobile +44 7700 900 702", f"Mobile {PHONE_REMOVED}"),
    ("Mobile +44 (0)7700-900-702 or 0044 7700 900702", f"Mobile {PHONE_REMOVED} or {PHONE_REMOVED}"),
    ("Office 020 7946 0958; home 01622602000", f"Office {PHONE_REMOVED}; home {PHONE_REMOVED}"),
    ("Moved to ME11 2TU last week", f"Moved to {POSTCODE_REMOVED} last week"),
    ("postcode me10 4qz", f"postcode {POSTCODE_REMOVED}"),
    ("E-mail jo.bloggs+mum@example.org.uk today", f"E-mail {EMAIL_REMOVED} today"),
    # What must survive: references, dates, times, money and counts.
    ("Case MARAC-2026-0042 heard 12/03/2026; DASH 16 of 24", "Case MARAC-2026-0042 heard 12/03/2026; DASH 16 of 24"),
    ("Met 2026-12-07 at 10:30 and 14.15; owes £1,250.50", "Met 2026-12-07 at 10:30 and 14.15; owes £1,250.50"),
    ("Seen 3 times at the Park; a 2 mile walk; 12 March 2026", "Seen 3 times at the Park; a 2 mile walk; 12 March 2026"),
    ("Referral 07 12 2026 from SOCP-2026-0007", "Referral 07 12 2026 from SOCP-2026-0007"),
    ("He faces 2 Crown Court hearings; the 2 were very close; 3 assaults took place after a 20 mile drive",
     "He faces 2 Crown Court hearings; the 2 were very close; 3 assaults took place after a 20 mile drive"),
    ("Times 09.45 10.30 11.15 agreed", "Times 09.45 10.30 11.15 agreed"),
    ("Now at 2 Market Place and 7 Elm Court", f"Now at {ADDRESS_REMOVED} and {ADDRESS_REMOVED}"),
])
def test_patterns_remove_contact_details_and_keep_the_rest(typed: str, kept: str) -> None:
    assert redact_text(typed) == kept


def test_known_details_are_removed_however_typed() -> None:
    known = KnownContacts.of([
        ("Rose Cottage, Lower Road, Minster", "ME12 3AB", "+48 601 234 567", "Speak to her sister Ann first"),
        ("Flat 2, 14 High Street, Sittingbourne", "", "07700 900123", ""),
    ])
    redaction = Redaction(known)
    assert redaction.text("She went back to rose cottage on Friday") == f"She went back to {ADDRESS_REMOVED} on Friday"
    assert redaction.text("at flat 2 14 HIGH STREET sittingbourne") == f"at {ADDRESS_REMOVED}"
    # A foreign number no UK pattern knows, and a UK one typed without its 0.
    assert redaction.text("ring 0048 601-234-567 or 7700 900123") == f"ring {PHONE_REMOVED} or {PHONE_REMOVED}"
    assert redaction.text("Note: speak to her SISTER Ann first.") == "Note: [contact note removed]."
    assert redaction.text("ME12-3AB") == POSTCODE_REMOVED
    # The town alone is not an address, and another person's Rose Garden is not hers.
    assert redaction.text("Minster police; Rose Garden") == "Minster police; Rose Garden"


def test_contact_fields_that_say_nothing_remove_nothing() -> None:
    """"Unknown" in the address or "None" in the contact notes must not blank every "unknown" and
    "none" in the minutes; a one-word address line is a town, not an address."""
    redaction = Redaction(KnownContacts.of([("Unknown", "", "", "None"), ("Sittingbourne, Kent", "", "", "No"),
                                            ("Łódź, ul. Piotrkowska 104", "", "", "Tylko przez siostrę Annę")]))
    typed = "Address unknown; none known. No. Sittingbourne police attended."
    assert redaction.text(typed) == typed
    assert redaction.text("she is in łódź, UL. PIOTRKOWSKA 104") == f"she is in {ADDRESS_REMOVED}"
    assert redaction.text("tylko przez siostrę annę") == "[contact note removed]"


# -- property tests: generated numbers in every format go; references and dates stay ---------------

#: Not dots: "09.45 10.30 11.15" is three times, not a number (UK minutes write times with dots).
_SEPARATORS = st.sampled_from(["", " ", "-", "  "])


@st.composite
def uk_numbers(draw: st.DrawFn) -> str:
    """A UK telephone number as a person might type it: mobile or landline, with 0, +44, 0044 or
    +44 (0), spaced, hyphenated or not, the area code in brackets or not."""
    kind = draw(st.sampled_from(["mobile", "landline4", "landline3", "london"]))
    digits = {
        "mobile": "7" + draw(st.text("0123456789", min_size=9, max_size=9)),
        "landline4": "1" + draw(st.text("0123456789", min_size=3, max_size=3)) + draw(st.text("0123456789",
                                                                                              min_size=6, max_size=6)),
        "landline3": "1" + draw(st.text("0123456789", min_size=2, max_size=2)) + draw(st.text("0123456789",
                                                                                              min_size=7, max_size=7)),
        "london": "2" + draw(st.text("0123456789", min_size=9, max_size=9)),
    }[kind]
    area, rest = digits[:4], digits[4:]
    head = draw(st.sampled_from(["0", "+44 ", "+44", "0044 ", "+44 (0)", "(0"]))
    sep = draw(_SEPARATORS)
    if head == "(0":
        return f"(0{area}){draw(st.sampled_from(['', ' ']))}{rest[:3]}{sep}{rest[3:]}"
    return f"{head}{area}{sep}{rest[:3]}{sep}{rest[3:]}"


_KEPT = st.sampled_from([
    "MARAC-2026-0182", "CSVG-2025-0007", "12/03/2026", "2026-03-12", "12 March 2026", "10:30", "09.45",
    "£250", "£1,250.50", "DASH 16 of 24", "ref 0182", "3 times", "OCG-0002",
])


@settings(max_examples=300, deadline=None)
@given(number=uk_numbers(), before=_KEPT, after=_KEPT,
       glue=st.sampled_from([" ", ", ", "; call ", " or ", " (mobile) "]))
def test_every_uk_number_goes_and_references_and_dates_stay(number: str, before: str, after: str, glue: str) -> None:
    typed = f"{before}{glue}{number}{glue}{after}"
    redacted = redact_text(typed)
    assert PHONE_REMOVED in redacted, typed
    # None of its digits is left in a run of six or more (the number is gone, not half of it).
    assert not re.search(r"\d(?:[\s\-.()]*\d){5,}", redacted.replace(before, "").replace(after, "")), redacted
    assert redacted.startswith(before) and redacted.endswith(after), typed


@settings(max_examples=200, deadline=None)
@given(words=st.lists(_KEPT | st.sampled_from(["the", "case", "was", "heard", "on", "and", "at", "Kent Police"]),
                      min_size=1, max_size=12))
def test_text_without_contact_details_is_left_alone(words: list[str]) -> None:
    typed = " ".join(words)
    assert redact_text(typed) == typed


_LETTERS = "ABDEFGHJLNPRSTUWXYZ"  # those a postcode's inward part may use


@st.composite
def uk_postcodes(draw: st.DrawFn) -> str:
    """A UK postcode in any of its six outward shapes (A9, A99, AA9, AA99, A9A, AA9A), in either
    case, with or without its space."""
    area = draw(st.sampled_from(["M", "B", "ME", "SW", "CT", "TN", "EC", "W"]))
    shape = draw(st.sampled_from(["9", "99", "9A"]))
    outward = area + "".join(draw(st.sampled_from("123456789")) if c == "9" else draw(st.sampled_from("ABCHJKMNPRW"))
                             for c in shape)
    inward = draw(st.sampled_from("0123456789")) + draw(st.text(_LETTERS, min_size=2, max_size=2))
    code = outward + draw(st.sampled_from([" ", ""])) + inward
    return code.lower() if draw(st.booleans()) else code


@st.composite
def street_addresses(draw: st.DrawFn) -> str:
    """"3 Elm Close", "Flat 2, 14a High Street", "27 acacia avenue" — as people type them."""
    name = " ".join(draw(st.lists(st.sampled_from(["Elm", "High", "Acacia", "Mill", "St John's", "Castle", "Brook"]),
                                  min_size=1, max_size=2)))
    street = draw(st.sampled_from(["Close", "Street", "Road", "Avenue", "Lane", "Drive", "Way", "Crescent", "Gardens",
                                   "Terrace", "Mews", "Grove", "Rd", "St"]))
    address = f"{draw(st.integers(1, 999))}{draw(st.sampled_from(['', 'a', 'B']))} {name} {street}"
    if draw(st.booleans()):
        address = address.lower()
    if draw(st.booleans()):
        address = f"Flat {draw(st.integers(1, 40))}, {address}"
    return address


@settings(max_examples=300, deadline=None)
@given(postcode=uk_postcodes(), address=street_addresses(), before=_KEPT, after=_KEPT)
def test_every_postcode_and_street_address_goes(postcode: str, address: str, before: str, after: str) -> None:
    typed = f"{before}: moved to {address}, Sittingbourne {postcode} on {after}"
    assert redact_text(typed) == f"{before}: moved to {ADDRESS_REMOVED}, Sittingbourne {POSTCODE_REMOVED} on {after}"


# -- walking a paper --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Line:
    text: str
    due: date | None
    level: RiskLevel


@dataclass(frozen=True)
class _Paper:
    title: str
    venue: str
    printed_at: datetime
    lines: tuple[_Line, ...]
    pairs: tuple[tuple[str, str], ...]
    notes: list[str]


def test_a_paper_is_walked_to_every_string() -> None:
    paper = _Paper(
        title="Action log — call 07700 900123", venue="Swale House, East Street, ME10 3HT",
        printed_at=datetime(2026, 12, 7, 9, 0),
        lines=(_Line("Flag 3 Elm Close", date(2026, 12, 24), RiskLevel.HIGH),),
        pairs=(("Agency", "e-mail idva@example.org"),), notes=["Moved to ME11 2TU"],
    )
    copy = redact_for_circulation(paper, keep=("venue",))
    assert copy == _Paper(
        title=f"Action log — call {PHONE_REMOVED}", venue=paper.venue, printed_at=paper.printed_at,
        lines=(_Line(f"Flag {ADDRESS_REMOVED}", date(2026, 12, 24), RiskLevel.HIGH),),
        pairs=(("Agency", f"e-mail {EMAIL_REMOVED}"),), notes=[f"Moved to {POSTCODE_REMOVED}"],
    )
    assert copy.lines[0].level is RiskLevel.HIGH  # an enum stays an enum
