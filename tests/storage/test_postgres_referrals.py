"""Referrals on a PostgreSQL server: the same references, matching, repeats, filters and import."""

from __future__ import annotations

from datetime import date

import pytest

from core.referral_setup import make_intake
from cspdesk.domain.enums import RiskLevel, VulnerabilityFlag
from cspdesk.services.access import auth
from cspdesk.services.referrals.cases import CaseQuery, CaseService
from cspdesk.services.referrals.referrals import (
    CsvgDraft,
    MaracDraft,
    PersonDraft,
    ReferralService,
    dash_from_values,
)
from cspdesk.services.database.workspace import close_workspace

pytestmark = pytest.mark.postgres


def test_referrals_on_a_server(pg_url: str, tmp_path) -> None:  # noqa: ANN001
    created = auth.create_database(pg_url, admin_username="admin", admin_name="Ada",
                                   password="correct horse battery", partnership_name="Safer Testshire")
    it = make_intake(created.ctx)
    service = ReferralService(it.ctx)
    draft = MaracDraft(panel_id=it.marac, referral_date=date(2026, 2, 1), consent_given=True,
                       referring_agency_id=it.police,
                       victim=PersonDraft(given_name="Katherine", family_name="Smith", date_of_birth=date(1980, 1, 2),
                                          aliases=("Kate Marlowe",)),
                       dash=dash_from_values(["yes"] * 14 + ["no"] * 10))
    first = service.create(draft).value
    match = service.find_people("Kathryn", "Smyth")[0]
    again = service.create(MaracDraft(panel_id=it.marac, referral_date=date(2026, 5, 1), consent_given=True,
                                      referring_agency_id=it.police,
                                      victim=PersonDraft(existing_person_id=match.person_id))).value
    assert (first.reference, again.reference) == ("MARAC-2026-0001", "MARAC-2026-0002")
    assert again.repeat_of is not None and again.repeat_of.case_id == first.case_id
    flagged = service.create(CsvgDraft(panel_id=it.csvg, referral_date=date(2026, 3, 1),
                                       person=PersonDraft(given_name="Pat", family_name="Green"),
                                       flags=frozenset({VulnerabilityFlag.HOMELESSNESS}), risk_level=RiskLevel.LOW,
                                       presenting_issues="Sleeping rough")).value
    cases = CaseService(it.ctx)
    assert cases.case_ids(CaseQuery(flags=frozenset({VulnerabilityFlag.HOMELESSNESS}))) == [flagged.case_id]
    assert cases.case_ids(CaseQuery(risk_levels=frozenset({RiskLevel.HIGH}))) == [first.case_id]
    assert {r.id for r in cases.search("marlowe")} == {first.case_id, again.case_id}
    close_workspace(it.ctx)
