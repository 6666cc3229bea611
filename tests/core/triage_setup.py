"""A MARAC referral received on a given day, for the daily triage tests (core and ui)."""

from __future__ import annotations

from datetime import date

from cspdesk.services.referrals.referrals import MaracDraft, PersonDraft, ReferralService


def refer(it, day: date, family: str, *, panel_id: int | None = None) -> int:  # noqa: ANN001 - an Intake
    """A referral to ``panel_id`` (default the intake's MARAC) on ``day``, by professional
    judgement, the victim "Vic <family>"; its case id."""
    draft = MaracDraft(panel_id=panel_id or it.marac, referral_date=day, referring_agency_id=it.police,
                       referrer_name="PC Test", reason="Assault",
                       victim=PersonDraft(given_name="Vic", family_name=family), consent_given=True,
                       professional_judgement=True, professional_judgement_reason="Escalating threats")
    return ReferralService(it.ctx).create(draft).value.case_id
