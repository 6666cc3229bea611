"""The MARAC referral criteria and the risk level they give: one rule, asked by the form, the
services, the case view, meeting mode and the papers alike (issue 16, item 5).

SafeLives' criteria: visible high risk (the DASH "yes" count at the threshold), professional
judgement (with a written reason), potential escalation (police incidents in 12 months) and
repeat (a referral within the repeat window). The risk level shown for a MARAC case is High when
the DASH shows visible high risk *or* the referrer judged it so; otherwise the DASH band; none
without a DASH and without professional judgement.
"""

from __future__ import annotations

from dataclasses import dataclass

from cspdesk.domain.enums import RiskLevel
from cspdesk.domain.risk_tools import DASH_2009, RiskTool, risk_tool


@dataclass(frozen=True)
class MaracCriteria:
    """Which criteria a referral meets. ``yes_count`` is None without a DASH checklist."""

    yes_count: int | None
    band: RiskLevel | None  # the DASH band; None without a DASH
    visible_high_risk: bool
    professional_judgement: bool
    potential_escalation: bool
    repeat: bool

    @property
    def any_met(self) -> bool:
        return self.visible_high_risk or self.professional_judgement or self.potential_escalation or self.repeat

    @property
    def risk_level(self) -> RiskLevel | None:
        return marac_risk_level(self.band, professional_judgement=self.professional_judgement,
                                visible_high_risk=self.visible_high_risk)

    @property
    def met_labels(self) -> tuple[str, ...]:
        """The criteria met, in SafeLives' order, as the case view and papers name them."""
        named = (("Visible high risk", self.visible_high_risk), ("Professional judgement", self.professional_judgement),
                 ("Potential escalation", self.potential_escalation), ("Repeat", self.repeat))
        return tuple(label for label, met in named if met)


def marac_criteria(*, yes_count: int | None, professional_judgement: bool, police_incidents_12m: int | None,
                   repeat: bool, threshold: int | None = None, escalation_incidents: int = 3,
                   tool: RiskTool | None = None) -> MaracCriteria:
    """The criteria met by a referral with ``yes_count`` DASH "yes" answers (None: no DASH).
    Visible high risk and the band are ``tool``'s rule (DASH 2009 by default), on the panel's own
    ``threshold`` when it has one; the other three criteria are not the tool's."""
    tool = tool or risk_tool(DASH_2009)
    return MaracCriteria(
        yes_count=yes_count,
        band=tool.band(yes_count, threshold),
        visible_high_risk=tool.visible_high_risk(yes_count, threshold),
        professional_judgement=professional_judgement,
        potential_escalation=(police_incidents_12m or 0) >= escalation_incidents,
        repeat=repeat,
    )


def marac_risk_level(band: RiskLevel | None, *, professional_judgement: bool,
                     visible_high_risk: bool = False) -> RiskLevel | None:
    """The risk level of a MARAC case: High on visible high risk or professional judgement, else
    the DASH band (None without one). A later DASH changes the band, never the judgement."""
    if visible_high_risk or professional_judgement or band is RiskLevel.HIGH:
        return RiskLevel.HIGH
    return band


def marac_risk_reason(risk: RiskLevel | None, *, professional_judgement: bool, band: RiskLevel | None) -> str:
    """Why a MARAC case carries ``risk`` in a few words ("High: professional judgement; DASH band
    Medium"), so a High in the list beside a Medium DASH is never left unexplained."""
    if risk is None:
        return "No risk level: no DASH and no professional judgement"
    if professional_judgement and band is not RiskLevel.HIGH:
        dash = f"DASH band {band.label}" if band is not None else "no DASH"
        return f"{risk.label}: professional judgement ({dash})"
    return f"{risk.label}: DASH band {band.label}" if band is not None else risk.label


def _yes_no_unknown(value: bool | None) -> str:
    return "Not known" if value is None else ("Yes" if value else "No")


@dataclass(frozen=True)
class ReferralCriteria:
    """What a MARAC referral recorded about its criteria, consent and lawful basis, with the risk
    level the case holds and the newest DASH band: what the case view, meeting mode's brief, the
    case summary and the full minutes show (never the distribution copy or agenda)."""

    criteria: MaracCriteria
    professional_judgement_reason: str
    police_incidents_12m: int | None
    escalation_incidents: int
    victim_aware: bool | None
    consent_given: bool | None
    lawful_basis: str
    risk_level: RiskLevel | None
    dash_band: RiskLevel | None

    @property
    def risk_reason(self) -> str:
        return marac_risk_reason(self.risk_level, professional_judgement=self.criteria.professional_judgement,
                                 band=self.dash_band)

    def lines(self) -> tuple[tuple[str, str], ...]:
        """(label, value) pairs, in the order the form asks them."""
        c = self.criteria
        dash = ("no DASH checklist" if c.yes_count is None else f"{c.yes_count} yes answers on the DASH")
        incidents = "Not known" if self.police_incidents_12m is None else str(self.police_incidents_12m)
        judgement = "No"
        if c.professional_judgement:
            judgement = "Yes — " + (self.professional_judgement_reason or "no reason recorded")
        out = [
            ("Risk level", self.risk_reason),
            ("Criteria met", ", ".join(c.met_labels) or "None"),
            ("Visible high risk", f"{'Yes' if c.visible_high_risk else 'No'} ({dash})"),
            ("Professional judgement", judgement),
            ("Police incidents in 12 months",
             f"{incidents} — potential escalation {'met' if c.potential_escalation else 'not met'} "
             f"({self.escalation_incidents} or more)"),
            ("Repeat referral", "Yes" if c.repeat else "No"),
            ("Victim aware of referral", _yes_no_unknown(self.victim_aware)),
            ("Consent to share", _yes_no_unknown(self.consent_given)),
        ]
        if self.consent_given is not True:
            out.append(("Lawful basis", self.lawful_basis or "Not recorded"))
        return tuple(out)
