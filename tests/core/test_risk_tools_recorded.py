"""Each assessment records its risk tool and version (issue 19), and migration 0022_risktools marks
the assessments already held: DASH 2009 with answers, "score only" without — on both engines."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import select, text

from core.referral_setup import TODAY, intake  # noqa: F401 - the fixture
from core.test_referrals import dash, marac_draft
from cspdesk.domain.enums import RiskLevel
from cspdesk.domain.referrals import DASH_SCORE_ONLY
from cspdesk.domain.risk_tools import PROFESSIONAL_JUDGEMENT, SCORE_ONLY
from cspdesk.services.errors import ValidationError
from cspdesk.services.referrals.cases import referral_criteria
from cspdesk.services.referrals.referrals import ReferralInvalid, ReferralService
from cspdesk.storage.migrate import HEAD_REVISION, alembic_config, current_revision, upgrade_to_head
from cspdesk.storage.models import Case, RiskAssessment


def _tools(ctx) -> dict[int, tuple[str | None, str | None]]:  # noqa: ANN001
    with ctx.reading() as s:
        return {a.case_id: (a.tool_id, a.tool_version) for a in s.scalars(select(RiskAssessment))}


def test_a_dash_records_dash_2009_and_a_score_alone_records_score_only(intake) -> None:  # noqa: F811
    service = ReferralService(intake.ctx)
    checklist = service.create(marac_draft(intake)).value
    scored = service.create(marac_draft(intake, dash=None, dash_score_only=15)).value
    tools = _tools(intake.ctx)
    assert tools[checklist.case_id] == ("dash_2009", "2009")
    assert tools[scored.case_id] == ("score_only", "1")
    # The score-only tool's rule: 15 is visibly high risk, as on DASH 2009.
    assert scored.criteria.visible_high_risk and scored.risk_level is RiskLevel.HIGH
    later = service.add_assessment(checklist.case_id, dash(3).answers, assessed_on=TODAY).value
    assert (later.tool_id, later.tool_version) == ("dash_2009", "2009")


def test_0022_marks_assessments_already_held_and_goes_back(intake) -> None:  # noqa: F811
    ctx = intake.ctx
    service = ReferralService(ctx)
    checklist = service.create(marac_draft(intake)).value
    scored = service.create(marac_draft(intake, dash=None, dash_score_only=9)).value
    engine = ctx.store.write_engine
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0013_engine")
    assert current_revision(engine) == "0013_engine"
    with engine.connect() as conn:
        columns = conn.execute(text("SELECT * FROM risk_assessment")).keys()
    assert "tool_id" not in columns
    with engine.connect() as conn:  # going back kept every answer
        assert conn.execute(text("SELECT count(*) FROM risk_answer")).scalar() == 24
    assert upgrade_to_head(engine) is True
    assert current_revision(engine) == HEAD_REVISION
    tools = _tools(ctx)
    assert tools[checklist.case_id] == ("dash_2009", "2009")
    assert tools[scored.case_id] == ("score_only", "1")
    with ctx.reading() as s:
        assert s.scalars(select(RiskAssessment.notes).where(RiskAssessment.case_id == scored.case_id)).one() == (
            DASH_SCORE_ONLY)


def test_a_professional_judgement_only_assessment_records_its_tool_level_and_reason(intake) -> None:  # noqa: F811
    service = ReferralService(intake.ctx)
    case_id = service.create(marac_draft(intake, dash=dash(4))).value.case_id
    with pytest.raises(ValidationError) as no_reason:
        service.add_assessment(case_id, assessed_on=TODAY, risk_level=RiskLevel.HIGH, tool_id=PROFESSIONAL_JUDGEMENT)
    assert no_reason.value.field == "notes"
    with pytest.raises(ValidationError) as unknown:
        service.add_assessment(case_id, dash(3).answers, assessed_on=TODAY, tool_id=SCORE_ONLY)
    assert unknown.value.field == "tool_id"
    info = service.add_assessment(case_id, assessed_on=TODAY, assessor="IDVA", risk_level=RiskLevel.HIGH,
                                  notes="Threats since the referral", tool_id=PROFESSIONAL_JUDGEMENT).value
    assert (info.tool_id, info.tool_version, info.score, info.answers) == ("professional_judgement", "1", None, ())
    assert info.risk_level is RiskLevel.HIGH
    with intake.ctx.reading() as s:
        case_ = s.get(Case, case_id)
        assert case_.risk_level is RiskLevel.HIGH
        criteria = referral_criteria(s, case_)
    # The referral's checklist still decides visible high risk; the judgement is not a DASH band.
    assert criteria.criteria.yes_count == 4 and not criteria.criteria.visible_high_risk
    assert criteria.dash_band is RiskLevel.LOW


def test_a_referral_on_professional_judgement_only_records_that_tool(intake) -> None:  # noqa: F811
    service = ReferralService(intake.ctx)
    with pytest.raises(ReferralInvalid) as unticked:
        service.create(marac_draft(intake, dash=None, risk_tool_id=PROFESSIONAL_JUDGEMENT))
    assert "professional_judgement" in {p.field for p in unticked.value.problems}
    with pytest.raises(ReferralInvalid) as with_dash:
        service.create(marac_draft(intake, risk_tool_id=PROFESSIONAL_JUDGEMENT, professional_judgement=True,
                                   professional_judgement_reason="Strangulation"))
    assert "risk_tool_id" in {p.field for p in with_dash.value.problems}
    created = service.create(marac_draft(intake, dash=None, risk_tool_id=PROFESSIONAL_JUDGEMENT,
                                         professional_judgement=True,
                                         professional_judgement_reason="Strangulation")).value
    assert created.risk_level is RiskLevel.HIGH and created.criteria.met_labels == ("Professional judgement",)
    (info,) = service.assessments(created.case_id)
    assert (info.tool_id, info.risk_level, info.score, info.notes) == (
        "professional_judgement", RiskLevel.HIGH, None, "Strangulation")
