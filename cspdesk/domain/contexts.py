"""CARM contexts (issue 20): the peer groups, places and schools a CARM panel assesses and plans
for as it does for a young person — contextual safeguarding.

A context is the CARM case about a place or a peer group (a case whose subject is a location or a
group), recorded as a context of one of three kinds. A school is its own kind, not a place with a
label: a CARM coordinator plans with a school through its designated safeguarding lead, and
counts schools apart in the return. Places and schools are held as locations, peer groups as
groups: the rule of which fits which lives here, once.

Each context has a **context assessment** — what happens there, who is harmed, the guardians
present, the safety plan — dated and kept as versions (the newest by date is current, as with risk
assessments), and a **context plan** in the shape of the Contextual Outcomes Framework: goals, each
with the measures that show progress, and responses (agency actions with owner, due date and
status) under them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from cspdesk.domain.enums import SubjectKind


class ContextKind(StrEnum):
    PEER_GROUP = "peer_group"
    PLACE = "place"
    SCHOOL = "school"

    @property
    def label(self) -> str:
        return {"peer_group": "Peer group", "place": "Place", "school": "School"}[self.value]


#: The subject a context's case must be about, for each kind.
SUBJECT_OF_KIND: dict[ContextKind, SubjectKind] = {
    ContextKind.PEER_GROUP: SubjectKind.GROUP,
    ContextKind.PLACE: SubjectKind.LOCATION,
    ContextKind.SCHOOL: SubjectKind.LOCATION,
}

#: Words in a place's own kind ("Secondary school", "Academy") that make it a school by default.
_SCHOOL_WORDS = ("school", "academy", "college", "pupil referral", "pru")


def default_kind(subject: SubjectKind, place_kind: str = "") -> ContextKind | None:
    """The kind a context about this subject starts as (None: a person's case is no context)."""
    if subject is SubjectKind.GROUP:
        return ContextKind.PEER_GROUP
    if subject is SubjectKind.LOCATION:
        words = place_kind.casefold()
        return ContextKind.SCHOOL if any(w in words for w in _SCHOOL_WORDS) else ContextKind.PLACE
    return None


def kind_fits(kind: ContextKind, subject: SubjectKind) -> bool:
    return SUBJECT_OF_KIND[kind] is subject


#: The four parts of a context assessment, as (field, heading), in the order they are asked and printed.
ASSESSMENT_PARTS: tuple[tuple[str, str], ...] = (
    ("what_happens", "What happens there"),
    ("who_is_harmed", "Who is harmed"),
    ("guardians", "Guardians present"),
    ("safety_plan", "Safety plan"),
)


@dataclass(frozen=True)
class AssessmentVersion:
    """Enough of an assessment to order its versions."""

    id: int
    assessed_on: date


def current_version(versions: list[AssessmentVersion]) -> AssessmentVersion | None:
    """The current assessment: the newest by date; of two on one day, the one recorded later."""
    return max(versions, key=lambda v: (v.assessed_on, v.id), default=None)


def assessment_summary(parts: dict[str, str], *, limit: int = 240) -> str:
    """One paragraph for the chair's screen: each part's first words, headed."""
    out = []
    for field, heading in ASSESSMENT_PARTS:
        text = " ".join((parts.get(field) or "").split())
        if text:
            out.append(f"{heading}: {text if len(text) <= limit else text[:limit - 1] + '…'}")
    return "\n".join(out)
