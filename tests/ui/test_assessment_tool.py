"""The assessment dialog and the MARAC referral form offer the risk tool (issue 19): DASH 2009 by
default, or "professional judgement only" — the grid gives way to a level (or the ticked
judgement), and the reason is required."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel

from cspdesk.domain.enums import CaseStatus, PanelType, RiskLevel
from cspdesk.services.partnership.panels import PanelService
from cspdesk.services.referrals.cases import CaseQuery, CaseService
from cspdesk.services.referrals.referrals import ReferralService
from cspdesk_gui.referrals.assessment import AssessmentDialog
from cspdesk_gui.referrals.dialog import ReferralDialog


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


def test_the_marac_referral_form_offers_professional_judgement_only(qtbot, demo_ctx):
    marac = next(p.id for p in PanelService(demo_ctx).list_panels() if p.panel_type == PanelType.MARAC)
    form = ReferralDialog(demo_ctx, marac)
    qtbot.addWidget(form)
    form.show()
    qtbot.waitExposed(form)
    assert form.tool_combo.currentData() == "dash_2009" and form.dash.isVisible()
    assert not form.judgement.isChecked()
    form.tool_combo.setCurrentIndex(form.tool_combo.findData("professional_judgement"))
    assert not form.dash.isVisible() and form.judgement.isChecked()
    assert form.crit_visible.text() == "Not met: no checklist (professional judgement only)"
    form.judgement_reason.setPlainText("Strangulation last week")
    # A checklist half-filled before the choice is not sent: the tool takes no answers.
    form.dash.model.set_answer(0, "yes")
    draft = form.draft()
    assert draft.risk_tool_id == "professional_judgement" and draft.dash is None
    assert draft.professional_judgement and draft.professional_judgement_reason == "Strangulation last week"


def test_the_case_view_names_each_assessment_s_tool(qtbot, make_window, demo_ctx):
    marac = next(p.id for p in PanelService(demo_ctx).list_panels() if p.panel_type == PanelType.MARAC)
    case_id = CaseService(demo_ctx).case_ids(CaseQuery(panel_id=marac, statuses=frozenset({CaseStatus.RECEIVED})))[0]
    ReferralService(demo_ctx).add_assessment(case_id, risk_level=RiskLevel.MEDIUM, notes="Seen at clinic",
                                             tool_id="professional_judgement")
    window = make_window(demo_ctx)
    dialog = window.open_case(case_id)
    qtbot.waitExposed(dialog)
    shown = {label.text() for label in dialog.findChildren(QLabel)}
    assert {"DASH 2009", "Professional judgement only"} <= shown
    dialog.close()
