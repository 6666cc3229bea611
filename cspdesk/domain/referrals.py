"""Referral drafts, the rules of a panel, and the SOCP threat template: plain values with no
storage, owned here so the form, the importer and the services read one definition.

One draft dataclass per panel type (:class:`MaracDraft`, :class:`CsvgDraft`, :class:`SocpDraft`,
:class:`CarmDraft`) holds what the form (or one imported row) says;
:class:`cspdesk.services.referrals.referrals.ReferralService` checks one against the panel's rules
(:class:`PanelRules`) and writes it. What each panel type asks (flags, DASH or not, the subjects)
is :mod:`cspdesk.domain.panels`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any

from cspdesk.domain.children import ChildDetails
from cspdesk.domain.criteria import MaracCriteria, marac_criteria
from cspdesk.domain.enums import PanelType, PersonRole, RiskLevel, VulnerabilityFlag
from cspdesk.domain.panels import PanelAsks, panel_asks
from cspdesk.domain.risk_tools import DASH_2009, SCORE_ONLY, risk_tool
from cspdesk.domain.rules import DASH_DONT_KNOW, DASH_NO, DASH_YES

#: Settings key (``partnership.settings``) that overrides :data:`DEFAULT_THREAT_TEMPLATE`.
THREAT_TEMPLATE_SETTING = "threat_harm_template"


# --- Drafts: what the form (or one imported row) says -------------------------------------------


class DashAnswer(StrEnum):
    YES = DASH_YES
    NO = DASH_NO
    DONT_KNOW = DASH_DONT_KNOW

    @property
    def label(self) -> str:
        return {"yes": "Yes", "no": "No", "dont_know": "Don't know"}[self.value]


@dataclass(frozen=True)
class DashItem:
    """One DASH answer. ``source`` is empty when the victim gave it, else who did ("Police
    officer's observation")."""

    answer: DashAnswer
    source: str = ""


@dataclass(frozen=True, kw_only=True)
class DashChecklist:
    """The 24 answers in question order. ``declared_count`` is the count written on a paper or
    imported form: when given it must equal the number of "yes" answers."""

    answers: tuple[DashItem, ...]
    assessed_on: date | None = None  # default: the referral date
    assessor: str = ""
    declared_count: int | None = None
    notes: str = ""

    @property
    def yes_count(self) -> int:
        return sum(1 for a in self.answers if a.answer is DashAnswer.YES)


#: The note of a DASH assessment imported as a score without its answers.
DASH_SCORE_ONLY = "score only, answers not held"


@dataclass(frozen=True, kw_only=True)
class PersonDraft:
    """A person as typed: either a new person (names required) or ``existing_person_id`` to link
    someone already held (then the other fields are ignored unless ``update_contact``)."""

    given_name: str = ""
    family_name: str = ""
    date_of_birth: date | None = None
    existing_person_id: int | None = None
    aliases: tuple[str, ...] = ()
    gender: str = ""
    address: str = ""
    postcode: str = ""
    phone: str = ""
    safe_to_call: bool | None = None
    safe_times: str = ""
    contact_notes: str = ""
    ethnicity: str = ""
    racially_minoritised: bool | None = None
    disability: bool | None = None
    lgbt: bool | None = None
    sexual_orientation: str = ""
    gender_identity: str = ""
    language: str = ""
    interpreter_needed: bool = False
    #: With ``existing_person_id``: write every contact field given here (address, postcode, phone,
    #: safe to call, safe times, contact notes) to the record, keeping the old values in the
    #: person's contact history. Fields left empty keep what is held.
    update_contact: bool = False

    @property
    def is_link(self) -> bool:
        return self.existing_person_id is not None


@dataclass(frozen=True, kw_only=True)
class PerpetratorDraft:
    person: PersonDraft
    relationship_to_victim: str = ""


@dataclass(frozen=True, kw_only=True)
class ChildDraft:
    person: PersonDraft
    relationship_to_victim: str = ""
    relationship_to_perpetrator: str = ""
    school: str = ""
    #: Children in their own right (issue 19): not in education, Operation Encompass, children's
    #: services status (its ``education_setting`` is not read: ``school`` is the setting's name).
    own_right: ChildDetails = field(default_factory=ChildDetails)

    def details(self) -> ChildDetails:
        return replace(self.own_right, education_setting=self.school)


@dataclass(frozen=True, kw_only=True)
class LinkedPersonDraft:
    """A person linked to a group, a place or a case in a free-text role ("Nominal: runner")."""

    person: PersonDraft
    role: str = ""
    #: The role on the case; None: the panel's usual one (CSVG household member, SOCP nominal,
    #: CARM associate).
    case_role: PersonRole | None = None


@dataclass(frozen=True, kw_only=True)
class GroupDraft:
    """A household, peer group or OCG: new (``name``) or ``existing_group_id``."""

    name: str = ""
    existing_group_id: int | None = None
    description: str = ""
    reference: str = ""  # an OCG's own reference ("OCG-0042"), optional


@dataclass(frozen=True, kw_only=True)
class PlaceDraft:
    """A location: new (``name``) or ``existing_location_id``."""

    name: str = ""
    existing_location_id: int | None = None
    kind: str = ""
    address: str = ""
    postcode: str = ""


@dataclass(frozen=True, kw_only=True)
class _DraftBase:
    panel_id: int
    referral_date: date
    referring_agency_id: int | None = None
    referrer_name: str = ""
    reason: str = ""
    summary: str = ""


@dataclass(frozen=True, kw_only=True)
class MaracDraft(_DraftBase):
    """A MARAC referral. The criteria visible high risk and repeat are derived (from the DASH count
    and :meth:`ReferralService.check_repeat`); escalation from ``police_incidents_12m``;
    professional judgement is the referrer's, with a written reason."""

    victim: PersonDraft
    perpetrators: tuple[PerpetratorDraft, ...] = ()
    children: tuple[ChildDraft, ...] = ()
    dash: DashChecklist | None = None
    professional_judgement: bool = False
    professional_judgement_reason: str = ""
    police_incidents_12m: int | None = None
    victim_aware: bool | None = None
    consent_given: bool | None = None
    lawful_basis: str = ""
    #: A log's DASH score without the 24 answers (issue 17): kept as an assessment marked
    #: "score only, answers not held"; ignored when ``dash`` is given.
    dash_score_only: int | None = None
    #: A log's number of children when they are not named.
    children_count: int | None = None
    #: The risk tool (issue 19): DASH 2009 (``dash``, or none), or "professional judgement only" —
    #: no checklist; the referrer's judgement and reason make the assessment.
    risk_tool_id: str = DASH_2009
    #: The victim's age band as a log gives it, for a victim whose date of birth is not held.
    victim_age_band: str = ""


@dataclass(frozen=True, kw_only=True)
class CsvgDraft(_DraftBase):
    """CSVG / Community MARAC: a person, or a household (``household`` with its members)."""

    person: PersonDraft | None = None
    household: GroupDraft | None = None
    household_members: tuple[LinkedPersonDraft, ...] = ()
    flags: frozenset[VulnerabilityFlag] = frozenset()
    risk_level: RiskLevel | None = None
    presenting_issues: str = ""


@dataclass(frozen=True, kw_only=True)
class SocpDraft(_DraftBase):
    """SOCP: an OCG (new or existing) with its nominals, and a threat/risk/harm score on the
    partnership's template (factor key → value)."""

    ocg: GroupDraft
    nominals: tuple[LinkedPersonDraft, ...] = ()
    threat_scores: Mapping[str, int] = field(default_factory=dict)
    assessor: str = ""


@dataclass(frozen=True, kw_only=True)
class CarmDraft(_DraftBase):
    """CARM: exactly one of a young person, a peer group or a place, with the people linked to it."""

    young_person: PersonDraft | None = None
    peer_group: GroupDraft | None = None
    place: PlaceDraft | None = None
    linked: tuple[LinkedPersonDraft, ...] = ()
    flags: frozenset[VulnerabilityFlag] = frozenset()
    risk_level: RiskLevel | None = None


ReferralDraft = MaracDraft | CsvgDraft | SocpDraft | CarmDraft

DRAFT_PANEL_TYPE: dict[type, PanelType] = {
    MaracDraft: PanelType.MARAC,
    CsvgDraft: PanelType.CSVG,
    SocpDraft: PanelType.SOCP,
    CarmDraft: PanelType.CARM,
}


# --- Rules of a panel, and the SOCP threat template ----------------------------------------------


@dataclass(frozen=True)
class ThreatFactor:
    key: str
    label: str
    minimum: int = 0
    maximum: int = 4
    weight: int = 1


@dataclass(frozen=True)
class ThreatTemplate:
    """A MoRiLE-style score: the weighted sum of the factors, banded. Not an official formula."""

    name: str
    factors: tuple[ThreatFactor, ...]
    #: Scores at or above ``high_from`` are High, at or above ``medium_from`` Medium, else Low.
    medium_from: int
    high_from: int

    def score(self, values: Mapping[str, int]) -> int:
        return sum(f.weight * values.get(f.key, 0) for f in self.factors)

    def level(self, score: int) -> RiskLevel:
        return RiskLevel.HIGH if score >= self.high_from else (
            RiskLevel.MEDIUM if score >= self.medium_from else RiskLevel.LOW)

    @property
    def maximum_score(self) -> int:
        return sum(f.weight * f.maximum for f in self.factors)


DEFAULT_THREAT_TEMPLATE = ThreatTemplate(
    name="Threat, risk and harm (default)",
    factors=(
        ThreatFactor("harm", "Harm: how serious the harm the group causes", 0, 4, 2),
        ThreatFactor("likelihood", "Likelihood: how likely the harm is to happen", 0, 4, 2),
        ThreatFactor("position", "Organisational position: how established and capable the group is", 0, 4, 1),
        ThreatFactor("reach", "Reach: how many people, places and markets it touches", 0, 4, 1),
    ),
    medium_from=8,
    high_from=14,
)


def threat_template_from_settings(settings: Mapping[str, Any] | None) -> ThreatTemplate:
    """The partnership's template (``settings["threat_harm_template"]``), else the default.

    The setting is ``{"name": str, "medium_from": int, "high_from": int, "factors": [{"key",
    "label", "min", "max", "weight"}, …]}``; a malformed setting falls back to the default rather
    than stop referrals being logged."""
    raw = (settings or {}).get(THREAT_TEMPLATE_SETTING)
    if not isinstance(raw, Mapping):
        return DEFAULT_THREAT_TEMPLATE
    try:
        factors = tuple(
            ThreatFactor(str(f["key"]), str(f.get("label", f["key"])), int(f.get("min", 0)), int(f.get("max", 4)),
                         int(f.get("weight", 1)))
            for f in raw["factors"]
        )
        if not factors or len({f.key for f in factors}) != len(factors):
            return DEFAULT_THREAT_TEMPLATE
        return ThreatTemplate(str(raw.get("name", "Threat, risk and harm")), factors, int(raw["medium_from"]),
                              int(raw["high_from"]))
    except (KeyError, TypeError, ValueError):
        return DEFAULT_THREAT_TEMPLATE


@dataclass(frozen=True)
class PanelRules:
    """One panel's rules for a referral: its type (and so what it asks) and its thresholds."""

    panel_id: int
    name: str
    panel_type: PanelType
    ref_prefix: str
    dash_threshold: int
    escalation_incidents: int
    repeat_window_months: int
    threat_template: ThreatTemplate

    @property
    def asks(self) -> PanelAsks | None:
        """What a referral to this panel asks (None: it takes no referrals of its own)."""
        return panel_asks(self.panel_type)

    def dash_band(self, yes_count: int, tool_id: str = DASH_2009) -> RiskLevel:
        """The band beside a live DASH count, by the tool's rule on this panel's threshold."""
        band = risk_tool(tool_id).band(yes_count, self.dash_threshold)
        assert band is not None, "a scored tool and a count always band"
        return band

    def criteria(self, *, yes_count: int | None, professional_judgement: bool, police_incidents_12m: int | None,
                 repeat: bool, tool_id: str = DASH_2009) -> MaracCriteria:
        """The MARAC criteria met, by the tool's rule on this panel's threshold and escalation count."""
        return marac_criteria(yes_count=yes_count, professional_judgement=professional_judgement,
                              police_incidents_12m=police_incidents_12m, repeat=repeat,
                              threshold=self.dash_threshold, escalation_incidents=self.escalation_incidents,
                              tool=risk_tool(tool_id))


def draft_criteria(draft: MaracDraft, rules: PanelRules, *, repeat: bool = False) -> MaracCriteria:
    """The criteria a MARAC draft meets, by the domain's one rule (:mod:`cspdesk.domain.criteria`);
    an imported "score only" DASH counts as its score."""
    return rules.criteria(
        yes_count=draft.dash.yes_count if draft.dash is not None else draft.dash_score_only,
        professional_judgement=draft.professional_judgement, police_incidents_12m=draft.police_incidents_12m,
        repeat=repeat, tool_id=DASH_2009 if draft.dash is not None or draft.dash_score_only is None else SCORE_ONLY,
    )
