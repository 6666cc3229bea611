"""A victim's diversity as referral logs write it, mapped to what the MARAC data return counts
(SafeLives' categories: racially minoritised, LGBT+, disability, victims aged 16–17).

Each ``parse_*`` takes the words of one cell and returns what to keep, or raises ``ValueError``
whose message names the allowed values (the importer shows it as the row's error). A blank cell
is "not recorded" (None), never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from cspdesk.domain.rules import normalise_name


def _key(text: str) -> str:
    return normalise_name(text).replace(" ", "")


def _lookup(table: Mapping[str, object], text: str, what: str, allowed: str) -> object:
    value = table.get(_key(text))
    if value is None and _key(text) not in table:
        raise ValueError(f"not a {what}: {text.strip()[:40]!r}; write one of {allowed}")
    return value


@dataclass(frozen=True)
class Ethnicity:
    label: str
    #: Racially minoritised as the return counts it (everyone but White British); None: not known.
    minoritised: bool | None


_ETHNICITIES = {
    "White British": ("whitebritish", "white", "whiteenglish", "whitewelsh", "whitescottish", "british"),
    "White Irish": ("whiteirish", "irish"),
    "Gypsy or Irish Traveller": ("gypsyoririshtraveller", "gypsy", "traveller", "irishtraveller", "roma"),
    "White other": ("whiteother", "otherwhite", "whiteeuropean", "easterneuropean"),
    "Mixed or multiple": ("mixed", "mixedormultiple", "mixedwhiteandblackcaribbean", "mixedwhiteandblackafrican",
                          "mixedwhiteandasian", "mixedother", "dualheritage"),
    "Asian or Asian British": ("asian", "asianorasianbritish", "asianbritish", "indian", "pakistani",
                               "bangladeshi", "chinese", "asianother"),
    "Black or Black British": ("black", "blackorblackbritish", "blackbritish", "blackafrican", "blackcaribbean",
                               "blackother", "african", "caribbean"),
    "Arab": ("arab",),
    "Other ethnic group": ("other", "otherethnicgroup", "anyother"),
    "Not known": ("notknown", "unknown", "notrecorded", "declined", "prefernottosay", "notstated", "nk"),
}
_ETHNICITY_OF = {w: label for label, words in _ETHNICITIES.items() for w in words}
ETHNICITY_VALUES = tuple(_ETHNICITIES)


def parse_ethnicity(text: str) -> Ethnicity | None:
    if not text.strip():
        return None
    label = _lookup(_ETHNICITY_OF, text, "recognised ethnicity", ", ".join(ETHNICITY_VALUES))
    if label == "Not known":
        return Ethnicity("", None)
    return Ethnicity(str(label), label != "White British")


_YES_NO = {"y": True, "yes": True, "true": True, "1": True, "disabled": True, "n": False, "no": False,
           "false": False, "0": False, "none": False, "notdisabled": False,
           "notknown": None, "unknown": None, "dk": None, "nk": None, "prefernottosay": None, "declined": None}


def parse_disability(text: str) -> bool | None:
    if not text.strip():
        return None
    return _lookup(_YES_NO, text, "disability answer", "Yes, No or Not known")  # type: ignore[return-value]


#: Sexual orientation → (label kept, counts as LGBT+).
_ORIENTATIONS = {
    "Heterosexual": (("heterosexual", "straight", "heterosexualorstraight"), False),
    "Gay or lesbian": (("gay", "lesbian", "gayorlesbian", "gaywoman", "gayman"), True),
    "Bisexual": (("bisexual", "bi"), True),
    "Other": (("other", "pansexual", "queer", "asexual"), True),
    "Not known": (("notknown", "unknown", "prefernottosay", "declined", "notrecorded", "nk"), None),
}
_ORIENTATION_OF = {w: (label, lgbt) for label, (words, lgbt) in _ORIENTATIONS.items() for w in words}
ORIENTATION_VALUES = tuple(_ORIENTATIONS)

#: Gender identity → (label kept, counts as LGBT+ (trans or non-binary)).
_IDENTITIES = {
    "Same as at birth": (("sameasatbirth", "cisgender", "cis", "no", "n", "notrans"), False),
    "Trans": (("trans", "transgender", "yes", "y", "transwoman", "transman"), True),
    "Non-binary": (("nonbinary", "nb", "genderqueer", "genderfluid"), True),
    "Not known": (("notknown", "unknown", "prefernottosay", "declined", "notrecorded", "nk"), None),
}
_IDENTITY_OF = {w: (label, lgbt) for label, (words, lgbt) in _IDENTITIES.items() for w in words}
IDENTITY_VALUES = tuple(_IDENTITIES)


def parse_orientation(text: str) -> tuple[str, bool | None] | None:
    if not text.strip():
        return None
    return _lookup(_ORIENTATION_OF, text, "sexual orientation", ", ".join(ORIENTATION_VALUES))  # type: ignore


def parse_gender_identity(text: str) -> tuple[str, bool | None] | None:
    if not text.strip():
        return None
    return _lookup(_IDENTITY_OF, text, "gender identity", ", ".join(IDENTITY_VALUES))  # type: ignore


def lgbt_of(*answers: tuple[str, bool | None] | None) -> bool | None:
    """LGBT+ when any answer says so; not when an answer is known and none says so; else None."""
    known = [a[1] for a in answers if a is not None and a[1] is not None]
    if any(known):
        return True
    return False if known else None


AGE_BANDS = ("16-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65+")
_AGE_BAND_RE = re.compile(r"^\s*(\d{2})\s*(?:-|–|to)\s*(\d{2})\s*$|^\s*(\d{2})\s*(?:\+|and over|or over|plus)\s*$",
                          re.IGNORECASE)


def parse_age_band(text: str) -> str | None:
    """"16 - 17", "16 to 17", "65+", "65 and over" → one of :data:`AGE_BANDS`."""
    if not text.strip() or _key(text) in ("notknown", "unknown", "nk"):
        return None
    m = _AGE_BAND_RE.match(text)
    band = None
    if m and m[1]:
        band = f"{m[1]}-{m[2]}"
    elif m and m[3]:
        band = f"{m[3]}+"
    if band not in AGE_BANDS:
        raise ValueError(f"not an age band: {text.strip()[:20]!r}; write one of {', '.join(AGE_BANDS)}")
    return band

