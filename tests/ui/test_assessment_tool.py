"""The assessment dialog offers a MARAC case's risk tool (issue 19): DASH 2009 by default, or
"professional judgement only" — the grid gives way to a level, and the reason is required."""

from __future__ import annotations

from cspdesk.domain.enums import CaseStatus, PanelType, RiskLevel
from cspdesk.services.partnership.panels import PanelService
from cspdesk.services.referrals.cases import CaseQuery, CaseService
from cspdesk.services.referrals.referrals import ReferralService
from ui.referrals.assessment import AssessmentDialog


def test_professional_judgement_only_hides_the_grid_and_records_the_tool(qtbot, demo_ctx):
    marac = next(p.id for p in PanelService(demo_ctx).list_panels() if p.panel_type == PanelType.MARAC)
    case_id = CaseService(demo_ctx).case_ids(CaseQuery(panel_id=marac, statuses=frozenset({CaseStatus.RECEIVED})))[0]
    earlier = ReferralService(demo_ctx).assessments(case_id)
    dialog = AssessmentDialog(demo_ctx, case_id, marac, "MARAC-TEST")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert [dialog.tool_combo.itemText(i) for i in range(dialog.tool_combo.count())] == [
        "DASH 2009", "Professional judgement only"]
    assert dialog.dash.isVisible() and not dialog.risk_combo.isVisible()
    dialog.tool_combo.setCurrentIndex(1)
    assert not dialog.dash.isVisible() and dialog.risk_combo.isVisible()
    dialog.risk_combo.setCurrentIndex(dialog.risk_combo.findData(RiskLevel.HIGH.value))
    dialog.save()
    assert "reason" in " ".join(dialog.error_texts()).lower()
    dialog.notes.setText("New threats reported by the IDVA")
    with qtbot.waitSignal(dialog.assessment_added, timeout=3000) as saved:
        dialog.save()
    info = saved.args[0]
    assert (info.tool_id, info.risk_level, info.score) == ("professional_judgement", RiskLevel.HIGH, None)
    assert len(ReferralService(demo_ctx).assessments(case_id)) == len(earlier) + 1
