"""Rules with one owner, in cspdesk/domain (issue 23): ages, the protective marking, what each
panel type asks, a panel's criteria and bands, and the referral drafts. Qt-free and storage-free.

The last tests read the source: the default marking is written in one place, and the referral
forms choose by class, not by ``if panel_type ==`` or ``hasattr``."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from cspdesk.domain.ages import add_years, age_on, age_on_or_none, whole_years_between
from cspdesk.domain.enums import AssessmentKind, PanelType, PersonRole, RiskLevel, SubjectKind
from cspdesk.domain.marking import DEFAULT_MARKING, MARKINGS, marking_or_default
from cspdesk.domain.panels import PANEL_ASKS, panel_asks
from cspdesk.domain.referrals import (
    DEFAULT_THREAT_TEMPLATE,
    DRAFT_PANEL_TYPE,
    DashAnswer,
    DashChecklist,
    DashItem,
    MaracDraft,
    PanelRules,
    PersonDraft,
    draft_criteria,
    threat_template_from_settings,
)

ROOT = Path(__file__).resolve().parents[2]


# -- ages ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("born", "on", "years"), [
    (date(2010, 5, 6), date(2026, 5, 5), 15),   # the day before the birthday
    (date(2010, 5, 6), date(2026, 5, 6), 16),   # the birthday itself counts
    (date(2008, 2, 29), date(2026, 2, 28), 17),  # a leap-day birthday in a common year: not yet
    (date(2008, 2, 29), date(2026, 3, 1), 18),
    (date(2026, 1, 1), date(2026, 12, 31), 0),
])
def test_age_on_counts_whole_years(born: date, on: date, years: int) -> None:
    assert age_on(born, on) == years
    assert age_on_or_none(born, on) == years


def test_age_without_a_date_of_birth_is_none() -> None:
    assert age_on_or_none(None, date(2026, 1, 1)) is None


def test_years_between_and_adding_years() -> None:
    assert whole_years_between(date(2020, 6, 1), date(2026, 5, 31)) == 5
    assert whole_years_between(date(2026, 6, 1), date(2020, 6, 1)) == 0  # never below 0
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), -1) == date(2023, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_the_services_and_meeting_mode_use_the_one_age_rule() -> None:
    """Nowhere else spells out the birthday comparison."""
    spelled = re.compile(r"\(\s*\w+\.month,\s*\w+\.day\)\s*<\s*\(\s*\w+\.month,\s*\w+\.day\)")
    found = [str(p.relative_to(ROOT)) for p in _sources() if spelled.search(p.read_text(encoding="utf-8"))
             and p != ROOT / "cspdesk/domain/ages.py"]
    assert not found, f"an age computed outside cspdesk/domain/ages.py: {found}"


# -- the marking -----------------------------------------------------------------------------------

def test_the_marking_defaults_when_none_is_held() -> None:
    assert marking_or_default(None) == DEFAULT_MARKING
    assert marking_or_default("   ") == DEFAULT_MARKING
    assert marking_or_default(" OFFICIAL ") == "OFFICIAL"
    assert MARKINGS[0] == DEFAULT_MARKING


def _sources() -> list[Path]:
    return sorted(p for folder in ("cspdesk", "ui") for p in (ROOT / folder).rglob("*.py"))


def test_the_default_marking_is_written_only_where_it_is_owned() -> None:
    """"OFFICIAL-SENSITIVE" as a literal outside cspdesk/domain/marking.py is a second owner."""
    literal = re.compile(r"OFFICIAL\s*-\s*SENSITIVE")
    owner = ROOT / "cspdesk/domain/marking.py"
    found = [f"{p.relative_to(ROOT)}:{n}" for p in _sources() if p != owner
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if literal.search(line)]
    assert not found, f"the marking written outside its owner: {found}"


# -- what each panel type asks ---------------------------------------------------------------------

def test_what_each_panel_type_asks() -> None:
    marac, csvg, socp, carm = (PANEL_ASKS[t] for t in (PanelType.MARAC, PanelType.CSVG, PanelType.SOCP,
                                                          PanelType.CARM))
    assert marac.takes_dash and marac.criteria_apply and not marac.takes_flags and not marac.takes_risk_level
    assert [s.kind for s in marac.subjects] == [SubjectKind.PERSON]
    assert socp.takes_threat_score and not socp.takes_dash and socp.linked_role is PersonRole.NOMINAL
    assert [s.kind for s in socp.subjects] == [SubjectKind.GROUP]
    assert csvg.takes_flags and csvg.takes_risk_level and csvg.assessment is AssessmentKind.VULNERABILITY
    assert [s.key for s in csvg.subjects] == ["person", "household"]
    assert carm.takes_flags and carm.assessment is AssessmentKind.CONTEXTUAL
    assert [s.kind for s in carm.subjects] == [SubjectKind.PERSON, SubjectKind.GROUP, SubjectKind.LOCATION]
    assert not any(a.criteria_apply for a in (csvg, socp, carm))
    assert panel_asks(PanelType.PARTNERSHIP) is None  # it takes no referrals of its own
    assert set(DRAFT_PANEL_TYPE.values()) == set(PANEL_ASKS)  # one draft per panel type that asks


# -- a panel's rules: criteria and bands on its own thresholds ------------------------------------

def _rules(panel_type: PanelType = PanelType.MARAC, *, threshold: int = 14, escalation: int = 3) -> PanelRules:
    return PanelRules(1, "Panel", panel_type, "P", threshold, escalation, 12, DEFAULT_THREAT_TEMPLATE)


def test_a_panels_criteria_follow_its_own_threshold() -> None:
    strict, usual = _rules(threshold=10), _rules()
    met = strict.criteria(yes_count=10, professional_judgement=False, police_incidents_12m=None, repeat=False)
    assert met.visible_high_risk and met.risk_level is RiskLevel.HIGH
    met = usual.criteria(yes_count=10, professional_judgement=False, police_incidents_12m=None, repeat=False)
    assert not met.visible_high_risk and met.risk_level is RiskLevel.MEDIUM
    assert usual.dash_band(13) is RiskLevel.MEDIUM and usual.dash_band(14) is RiskLevel.HIGH
    assert usual.dash_band(9) is RiskLevel.LOW
    escalating = _rules(escalation=5)
    assert not escalating.criteria(yes_count=None, professional_judgement=False, police_incidents_12m=4,
                                   repeat=False).potential_escalation
    assert escalating.criteria(yes_count=None, professional_judgement=False, police_incidents_12m=5,
                               repeat=False).potential_escalation
    assert _rules(PanelType.CSVG).asks is PANEL_ASKS[PanelType.CSVG]


def test_a_drafts_criteria_count_its_checklist_or_its_score_only() -> None:
    yes, no = DashItem(DashAnswer.YES), DashItem(DashAnswer.NO)
    victim = PersonDraft(given_name="A", family_name="B")
    checklist = DashChecklist(answers=(yes,) * 14 + (no,) * 10)
    draft = MaracDraft(panel_id=1, referral_date=date(2026, 1, 5), victim=victim, dash=checklist)
    assert draft_criteria(draft, _rules()).visible_high_risk
    scored = MaracDraft(panel_id=1, referral_date=date(2026, 1, 5), victim=victim, dash_score_only=15)
    assert draft_criteria(scored, _rules()).yes_count == 15
    bare = MaracDraft(panel_id=1, referral_date=date(2026, 1, 5), victim=victim)
    met = draft_criteria(bare, _rules(), repeat=True)
    assert met.yes_count is None and met.repeat and met.met_labels == ("Repeat",)


def test_a_malformed_threat_template_setting_falls_back_to_the_default() -> None:
    assert threat_template_from_settings(None) is DEFAULT_THREAT_TEMPLATE
    assert threat_template_from_settings({"threat_harm_template": {"factors": []}}) is DEFAULT_THREAT_TEMPLATE
    own = threat_template_from_settings({"threat_harm_template": {
        "name": "Ours", "medium_from": 2, "high_from": 4, "factors": [{"key": "harm", "max": 3, "weight": 2}]}})
    assert own.name == "Ours" and own.maximum_score == 6 and own.level(own.score({"harm": 2})) is RiskLevel.HIGH


# -- the referral forms choose by class ------------------------------------------------------------

def test_the_referral_forms_neither_branch_on_the_panel_type_nor_probe_attributes() -> None:
    forms = sorted((ROOT / "ui/referrals").glob("*.py"))
    form_files = [p for p in forms if p.name in {"dialog.py", "subject_form.py", "panel_forms.py"}
                  or p.name.endswith("_form.py")]
    assert len(form_files) >= 7
    bad = re.compile(r"panel_type\s*(==|!=|is|in)\b|\bhasattr\(|\bgetattr\(")
    found = [f"{p.name}:{n}" for p in form_files
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if bad.search(line)]
    assert not found, f"the referral form branches on its panel type: {found}"
