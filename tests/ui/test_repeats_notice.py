"""The cases page says in plain words which cases a back-dated referral made repeats (issue 16
item 3); the import dialog's report lists them too."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import func, select

from cspdesk.domain.enums import PanelType
from cspdesk.services.referrals.referrals import MaracDraft, PersonDraft, ReferralService
from cspdesk.services.records_io.referral_import import ImportReport
from cspdesk.services.referrals.repeats import RepeatRelisted
from cspdesk.storage.models import Agency, Case, Panel
from cspdesk_gui.main_window import Section
from cspdesk_gui.referrals.import_dialog import ReportModel


def _an_agency(ctx) -> int:  # noqa: ANN001 - a MARAC referral names its referring agency
    with ctx.reading() as s:
        return s.scalars(select(Agency.id).order_by(Agency.id)).first()


def test_a_back_dated_referral_names_the_case_it_made_a_repeat(make_window, demo_ctx):
    window = make_window(demo_ctx)
    window.show_section(Section.CASES)
    page = window.page(Section.CASES)
    with demo_ctx.reading() as s:
        # A MARAC victim referred once: a referral a month earlier makes that case a repeat.
        once = (select(Case.subject_person_id).join(Panel, Panel.id == Case.panel_id)
                .where(Panel.panel_type == PanelType.MARAC, Case.subject_person_id.is_not(None))
                .group_by(Case.subject_person_id).having(func.count() == 1))
        case_ = s.scalars(select(Case).where(Case.subject_person_id.in_(once)).order_by(Case.id)).first()
        later_ref, panel_id, person_id, day = (case_.reference, case_.panel_id, case_.subject_person_id,
                                               case_.referral_date)
    created = ReferralService(demo_ctx).create(MaracDraft(
        panel_id=panel_id, referral_date=day - timedelta(days=30), referrer_name="PC Test", reason="Assault",
        referring_agency_id=_an_agency(demo_ctx), victim=PersonDraft(existing_person_id=person_id),
        professional_judgement=True,
        professional_judgement_reason="escalating", consent_given=True))
    assert not page.repeats_notice.isVisibleTo(page)
    page._referral_saved(created.value, created.changes)
    assert page.repeats_notice.isVisibleTo(page)
    assert f"{later_ref} is now a repeat of {created.value.reference}" in page.repeats_notice.text()


def test_the_import_report_lists_cases_already_held_whose_repeat_changed(qtmodeltester):
    report = ImportReport("log.csv", "Testshire MARAC", 1, 1, (), (), (), True, False, False,
                          (RepeatRelisted(7, "MARAC-2026-0007", None, "MARAC-2025-0100"),))
    model = ReportModel()
    model.set_report(report)
    qtmodeltester.check(model)
    assert model.index(0, 0).data() == "Held"
    assert model.index(0, 2).data() == "MARAC-2026-0007 is now a repeat of MARAC-2025-0100."
    assert replace(report, relisted=()).lines() != report.lines()
