"""Children in their own right and serial perpetrators (issue 19, part A): the vocabularies and
rules, owned here so the services, the return, the papers and the GUI ask one place.

- A child on a MARAC case has an education setting (a school or nursery's name, or "not in
  education"), an **Operation Encompass** notification (a statutory duty since the Victims and
  Prisoners Act 2024: whether the child's school was told, when, and by which agency) and a
  **children's services status**.
- A **serial perpetrator** is a person linked as perpetrator to two or more different victims,
  counted across every case they are on (on every panel). Users who are not on the other cases'
  panels see the flag, never the other cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

#: A perpetrator linked to this many different victims, or more, is flagged.
SERIAL_VICTIMS = 2
#: What the flag says wherever it is shown (it names no other case or victim).
SERIAL_FLAG = "Serial perpetrator (2+ victims)"
#: The education setting's words for a child with none (shown, and matched on import).
NOT_IN_EDUCATION = "not in education"


class CscStatus(StrEnum):
    """A child's status with children's social care, lowest to highest involvement."""

    NONE = "none"
    EARLY_HELP = "early_help"
    CHILD_IN_NEED = "child_in_need"
    CHILD_PROTECTION = "child_protection"
    LOOKED_AFTER = "looked_after"

    @property
    def label(self) -> str:
        return _CSC_LABELS[self]


_CSC_LABELS = {
    CscStatus.NONE: "None",
    CscStatus.EARLY_HELP: "Early help",
    CscStatus.CHILD_IN_NEED: "Child in need",
    CscStatus.CHILD_PROTECTION: "Child protection",
    CscStatus.LOOKED_AFTER: "Looked after",
}

#: The words a referral log uses for each status (lower case, as read by :func:`csc_status_from_text`).
_CSC_WORDS = {
    "none": CscStatus.NONE, "no": CscStatus.NONE, "not known": CscStatus.NONE, "nfa": CscStatus.NONE,
    "early help": CscStatus.EARLY_HELP, "eh": CscStatus.EARLY_HELP,
    "child in need": CscStatus.CHILD_IN_NEED, "cin": CscStatus.CHILD_IN_NEED, "s17": CscStatus.CHILD_IN_NEED,
    "child protection": CscStatus.CHILD_PROTECTION, "cp": CscStatus.CHILD_PROTECTION,
    "cpp": CscStatus.CHILD_PROTECTION, "child protection plan": CscStatus.CHILD_PROTECTION,
    "s47": CscStatus.CHILD_PROTECTION,
    "looked after": CscStatus.LOOKED_AFTER, "lac": CscStatus.LOOKED_AFTER, "cla": CscStatus.LOOKED_AFTER,
    "looked after child": CscStatus.LOOKED_AFTER, "child looked after": CscStatus.LOOKED_AFTER,
}


def csc_status_from_text(text: str) -> CscStatus | None:
    """A log's children's-services status ("CIN", "Child protection", "LAC", …); None when blank.
    Raises ValueError naming the accepted words for anything else."""
    key = " ".join(text.replace("_", " ").replace("-", " ").split()).casefold()
    if not key:
        return None
    for status in CscStatus:
        if key == status.value.replace("_", " "):
            return status
    if key in _CSC_WORDS:
        return _CSC_WORDS[key]
    raise ValueError("not a children's services status: use none, early help, child in need (CIN), "
                     "child protection (CP) or looked after (LAC)")


@dataclass(frozen=True)
class ChildDetails:
    """What is known about one child on one case, beyond the person and the relationships."""

    #: The school's or nursery's name ("" when not known or not in education).
    education_setting: str = ""
    not_in_education: bool = False
    #: Whether the school was notified under Operation Encompass (None: not recorded).
    encompass_notified: bool | None = None
    encompass_on: date | None = None
    encompass_by_agency_id: int | None = None
    #: Who notified (a name or role), when not an agency of the partnership or as well as one.
    encompass_by: str = ""
    csc_status: CscStatus | None = None

    def education_text(self) -> str:
        """The setting as read: its name, "not in education", or ""."""
        return NOT_IN_EDUCATION.capitalize() if self.not_in_education else self.education_setting

    def problems(self) -> list[tuple[str, str]]:
        """(field, message) for what cannot be so; no personal data in the messages."""
        out: list[tuple[str, str]] = []
        if self.not_in_education and self.education_setting.strip():
            out.append(("education_setting", "A child not in education has no school or nursery to name."))
        if self.encompass_notified is not True and (self.encompass_on is not None or self.encompass_by_agency_id
                                                     or self.encompass_by.strip()):
            out.append(("encompass_notified", "A date or notifier is given but the school is not marked as notified."))
        if self.encompass_notified is True and self.not_in_education:
            out.append(("encompass_notified", "A child not in education has no school to notify."))
        if len(self.education_setting) > 200 or len(self.encompass_by) > 200:
            out.append(("education_setting", "A name is too long (200 characters at most)."))
        return out


def is_serial(victim_count: int) -> bool:
    """Whether a perpetrator linked to ``victim_count`` different victims is flagged."""
    return victim_count >= SERIAL_VICTIMS


def yes_no_from_text(text: str) -> bool | None:
    """A log's yes/no cell ("Y", "Yes", "No", "N", "true", blank); None when blank. ValueError otherwise."""
    key = text.strip().casefold()
    if not key:
        return None
    if key in {"y", "yes", "true", "1", "notified"}:
        return True
    if key in {"n", "no", "false", "0", "not notified"}:
        return False
    raise ValueError("not a yes or no")
