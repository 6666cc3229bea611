"""What each panel type asks of a referral: one owner for the form, the services and the papers.

A MARAC referral is about a victim (a person), scored on the DASH checklist and judged against
SafeLives' criteria; a CSVG referral is about a person or a household, with vulnerability flags
and a risk level the referrer chooses; a SOCP referral is about an organised crime group and its
nominals, scored on the partnership's threat/risk/harm template; a CARM referral is about a young
person, a peer group or a place, with flags and a risk level. The partnership panel takes no
referrals of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from cspdesk.domain.enums import AssessmentKind, GroupKind, PanelType, PersonRole, SubjectKind


@dataclass(frozen=True)
class SubjectChoice:
    """One kind of subject a referral may be about, as the form offers it: ``key`` names the
    choice (and, for a person, the draft field's path), ``label`` is what the form shows."""

    key: str
    label: str
    kind: SubjectKind
    group_kind: GroupKind | None = None


@dataclass(frozen=True)
class PanelAsks:
    """What a referral to a panel of ``panel_type`` asks."""

    panel_type: PanelType
    form_title: str
    #: The assessment a referral (and each later assessment) records, and its dialog's title.
    assessment: AssessmentKind
    assessment_title: str
    #: The subjects a referral may be about, in the order the form offers them (the first chosen).
    subjects: tuple[SubjectChoice, ...]
    #: The role on the case of the people linked to the subject (besides the subject itself).
    linked_role: PersonRole | None
    #: Vulnerability flags ticked by the referrer.
    takes_flags: bool = False
    #: A risk level the referrer chooses (not derived from a score).
    takes_risk_level: bool = False

    @property
    def takes_dash(self) -> bool:
        return self.assessment is AssessmentKind.DASH

    @property
    def takes_threat_score(self) -> bool:
        return self.assessment is AssessmentKind.THREAT_HARM

    @property
    def criteria_apply(self) -> bool:
        """SafeLives' MARAC criteria (visible high risk, judgement, escalation, repeat) apply."""
        return self.panel_type is PanelType.MARAC


PANEL_ASKS: dict[PanelType, PanelAsks] = {
    PanelType.MARAC: PanelAsks(
        PanelType.MARAC, "MARAC referral", AssessmentKind.DASH, "New DASH risk checklist",
        (SubjectChoice("victim", "Victim", SubjectKind.PERSON),), linked_role=None,
    ),
    PanelType.CSVG: PanelAsks(
        PanelType.CSVG, "CSVG referral", AssessmentKind.VULNERABILITY, "New vulnerability risk level",
        (SubjectChoice("person", "A person", SubjectKind.PERSON),
         SubjectChoice("household", "A household", SubjectKind.GROUP, GroupKind.HOUSEHOLD)),
        linked_role=PersonRole.HOUSEHOLD_MEMBER, takes_flags=True, takes_risk_level=True,
    ),
    PanelType.SOCP: PanelAsks(
        PanelType.SOCP, "SOCP referral", AssessmentKind.THREAT_HARM, "New threat, risk and harm score",
        (SubjectChoice("ocg", "An organised crime group", SubjectKind.GROUP, GroupKind.OCG),),
        linked_role=PersonRole.NOMINAL,
    ),
    PanelType.CARM: PanelAsks(
        PanelType.CARM, "CARM referral", AssessmentKind.CONTEXTUAL, "New contextual risk level",
        (SubjectChoice("young_person", "A young person", SubjectKind.PERSON),
         SubjectChoice("peer_group", "A peer group", SubjectKind.GROUP, GroupKind.PEER_GROUP),
         SubjectChoice("place", "A place", SubjectKind.LOCATION)),
        linked_role=PersonRole.ASSOCIATE, takes_flags=True, takes_risk_level=True,
    ),
}


def panel_asks(panel_type: PanelType) -> PanelAsks | None:
    """What a referral to a panel of ``panel_type`` asks; None for a panel that takes no
    referrals of its own (the partnership's)."""
    return PANEL_ASKS.get(panel_type)
