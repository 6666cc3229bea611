"""ASB Case Reviews — the Community Trigger (issue 19, part C): the threshold test and the working-day
timescales against hand-worked dates, the application → decision → review → letter path on both
engines, the annual figures against hand-counted data, need to know, and the letter read back."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from core.referral_setup import coordinator, intake  # noqa: F401 - the fixture
from cspdesk.domain.community_trigger import (
    Complaint,
    StepState,
    TriggerSettings,
    add_working_days,
    threshold,
    timescales,
)
from cspdesk.domain.enums import AuditKind
from cspdesk.services.errors import NotFound, PermissionDenied, ValidationError
from cspdesk.services.referrals.community_trigger import (
    ApplicationDraft,
    CommunityTriggerService,
    IncidentInput,
)
from cspdesk.storage.models import AuditEvent

DEFAULT = TriggerSettings()


# --- working days, by hand -------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "days", "holidays", "due"), [
    # Wed 4 Nov 2026: Thu 5, Fri 6, Mon 9, Tue 10, Wed 11.
    (date(2026, 11, 4), 5, (), date(2026, 11, 11)),
    (date(2026, 11, 4), 10, (), date(2026, 11, 18)),
    (date(2026, 11, 4), 25, (), date(2026, 12, 9)),
    # The same with Mon 9 Nov a holiday: one day later.
    (date(2026, 11, 4), 5, (date(2026, 11, 9),), date(2026, 11, 12)),
    # Fri 27 Nov: Mon 30, Tue 1, Wed 2, Thu 3, Fri 4 Dec.
    (date(2026, 11, 27), 5, (), date(2026, 12, 4)),
    # A Saturday start counts from Monday.
    (date(2026, 11, 28), 1, (), date(2026, 11, 30)),
    # Fri 18 Dec, Christmas Day (Fri 25) and the Boxing Day substitute (Mon 28) listed:
    # Mon 21, Tue 22, Wed 23, Thu 24, Tue 29.
    (date(2026, 12, 18), 5, (date(2026, 12, 25), date(2026, 12, 28)), date(2026, 12, 29)),
])
def test_working_days_by_hand(start: date, days: int, holidays: tuple[date, ...], due: date) -> None:
    assert add_working_days(start, days, holidays) == due


def test_the_timescales_say_what_is_due_and_overdue() -> None:
    received = date(2026, 11, 4)  # acknowledge by 11 Nov, decide by 18 Nov, review by 9 Dec
    steps = timescales(received, DEFAULT, date(2026, 11, 19), acknowledged_on=date(2026, 11, 6), decided_on=None,
                       threshold_met=None, reviewed_on=None)
    assert [(st.name, st.due, st.state) for st in steps] == [
        ("Acknowledge", date(2026, 11, 11), StepState.DONE),
        ("Decide the threshold", date(2026, 11, 18), StepState.OVERDUE),
        ("Hold the review", date(2026, 12, 9), StepState.DUE),
    ]
    late = timescales(received, DEFAULT, date(2026, 12, 1), acknowledged_on=date(2026, 11, 12),
                      decided_on=date(2026, 11, 18), threshold_met=False, reviewed_on=None)
    assert [st.state for st in late] == [StepState.DONE_LATE, StepState.DONE, StepState.NOT_NEEDED]
    custom = TriggerSettings(acknowledge_days=2, decide_days=3, review_days=4)
    assert [st.due for st in timescales(received, custom, received, acknowledged_on=None, decided_on=None,
                                        threshold_met=True, reviewed_on=None)] == [
        date(2026, 11, 6), date(2026, 11, 9), date(2026, 11, 10)]


# --- the threshold, by hand ----------------------------------------------------------------------


def test_three_separate_incidents_in_six_months() -> None:
    received = date(2026, 11, 4)  # six months back: 4 May 2026, counted
    incidents = [Complaint(date(2026, 5, 3)), Complaint(date(2026, 5, 4)), Complaint(date(2026, 8, 1)),
                 Complaint(date(2026, 8, 1))]  # 3 May is too early; two complaints of 1 Aug are one incident
    result = threshold(received, incidents, DEFAULT)
    assert (result.met, result.complaints) == (False, 2)
    met = threshold(received, [*incidents, Complaint(date(2026, 10, 20))], DEFAULT)
    assert (met.met, met.complaints) == (True, 3)
    assert "3 separate incidents since 04 May 2026" in met.reason
    assert threshold(received, [*incidents, Complaint(date(2026, 10, 20))],
                     TriggerSettings(complaints=4)).met is False


def test_the_optional_second_rule_counts_people() -> None:
    received = date(2026, 11, 4)
    incidents = [Complaint(date(2026, 9, 1)), Complaint(date(2026, 9, 1), "Neighbour A"),
                 Complaint(date(2026, 10, 1), "neighbour a "), Complaint(date(2026, 10, 1), "Neighbour B")]
    assert threshold(received, incidents, DEFAULT).met is False  # two incidents; no second rule
    second = TriggerSettings(people=3, people_months=6)
    result = threshold(received, incidents, second)
    assert (result.met, result.complaints, result.people) == (True, 2, 3)
    assert threshold(received, incidents, TriggerSettings(people=4)).met is False


# --- the service ---------------------------------------------------------------------------------------


def _apply(it, received: date, incidents: tuple[IncidentInput, ...] = (), **changes):  # noqa: ANN001, ANN003
    values = {"applicant_name": "Jo Applicant", "applicant_address": "1 High Street\nTestown TT1 1AA", **changes}
    draft = ApplicationDraft(panel_id=it.csvg, received_on=received, incidents=incidents, **values)
    return CommunityTriggerService(it.ctx).apply(draft).value


def test_an_application_from_receipt_to_the_letter(intake, tmp_path) -> None:  # noqa: ANN001, F811
    it = intake
    it.ctx.today = lambda: date(2026, 12, 10)
    svc = CommunityTriggerService(it.ctx)
    incidents = (IncidentInput(date(2026, 6, 2), it.police, description="Mr Other Neighbour shouting at 2am"),
                 IncidentInput(date(2026, 8, 14), it.housing, complainant="Neighbour B", description="Graffiti"),
                 IncidentInput(date(2026, 10, 30), it.police, description="Stones thrown"))
    d = _apply(it, date(2026, 11, 4), incidents)
    assert d.reference == "CSVG-CT-2026-001"
    assert d.test.met and d.test.complaints == 3
    assert [(st.due, st.state) for st in d.steps] == [
        (date(2026, 11, 11), StepState.OVERDUE), (date(2026, 11, 18), StepState.OVERDUE),
        (date(2026, 12, 9), StepState.OVERDUE)]
    d = svc.acknowledge(d.id, date(2026, 11, 6)).value
    d = svc.decide_threshold(d.id, True, date(2026, 11, 17)).value
    assert d.threshold_met and d.decision_reason.startswith("3 separate incidents")
    d = svc.record_review(d.id, date(2026, 12, 8), notes="Held with police and housing", recommendations=[
        (it.housing, "Housing to visit the neighbour; call 07700 900456 first"),
        (it.police, "Police to increase patrols in the evenings")]).value
    assert [st.state for st in d.steps] == [StepState.DONE, StepState.DONE, StepState.DONE]
    out = tmp_path / "letter.pdf"
    svc.write_letter(d.id, out, invariant=True)
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "Jo Applicant" in text and "TT1 1AA" in text and "CSVG-CT-2026-001" in text
    assert "04 November 2026" in text and "meets the threshold" in text and "08 December 2026" in text
    assert "Police to increase patrols" in text and "Home Housing" in text
    # Others' data is not in the letter: no incident descriptions, no other complainant, no phone.
    for other in ("Mr Other", "Neighbour B", "Graffiti", "07700 900456"):
        assert other not in text
    assert "[phone removed]" in text
    assert "OFFICIAL" in text
    assert "Jo Applicant" not in (reader.metadata.title or "")
    with it.ctx.reading() as s:
        assert s.scalar(select(AuditEvent.id).where(AuditEvent.kind == AuditKind.PRINT,
                                                    AuditEvent.entity == "community_trigger")) is not None


def test_a_refused_application_and_its_letter(intake, tmp_path) -> None:  # noqa: ANN001, F811
    it = intake
    it.ctx.today = lambda: date(2026, 12, 10)
    svc = CommunityTriggerService(it.ctx)
    d = _apply(it, date(2026, 11, 4), (IncidentInput(date(2026, 10, 1), it.police),),
               applicant_is_victim=False, on_behalf_of="Her mother")
    assert not d.test.met
    d = svc.decide_threshold(d.id, False, date(2026, 11, 10)).value
    assert d.steps[2].state is StepState.NOT_NEEDED
    with pytest.raises(ValidationError, match="only once the threshold"):
        svc.record_review(d.id, date(2026, 12, 1))
    out = tmp_path / "refused.pdf"
    svc.write_letter(d.id, out, invariant=True)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(out).pages).split())
    assert "does not meet the threshold" in text and "only 1 separate incident" in text
    assert "on behalf of the person you named" in text and "Her mother" not in text


def test_the_application_is_checked(intake) -> None:  # noqa: ANN001, F811
    it = intake
    with pytest.raises(ValidationError) as err:
        _apply(it, date(2026, 6, 1), applicant_name="  ")
    assert err.value.field == "applicant_name"
    with pytest.raises(ValidationError) as err:
        _apply(it, date(2026, 6, 1), applicant_is_victim=False)
    assert err.value.field == "on_behalf_of"
    with pytest.raises(ValidationError) as err:
        _apply(it, date(2026, 6, 1), (IncidentInput(date(2026, 6, 2)),))
    assert err.value.field == "incident 1"
    with pytest.raises(ValidationError, match="not a Community MARAC"):
        CommunityTriggerService(it.ctx).apply(ApplicationDraft(panel_id=it.marac, received_on=date(2026, 6, 1),
                                                               applicant_name="Jo"))


def test_only_the_panels_members_see_a_review(intake) -> None:  # noqa: ANN001, F811
    it = intake
    d = _apply(it, date(2026, 6, 1))
    svc = CommunityTriggerService(it.ctx)
    it.ctx.actor = coordinator(it.coordinator_id, it.marac)
    with pytest.raises(NotFound):
        svc.get(d.id)
    with pytest.raises(NotFound):
        svc.acknowledge(d.id, date(2026, 6, 2))
    with pytest.raises(PermissionDenied):
        svc.list_triggers(it.csvg)
    with pytest.raises(PermissionDenied):
        svc.annual(it.csvg, 2026)
    with pytest.raises(PermissionDenied):
        svc.set_settings(TriggerSettings(complaints=2))
    it.ctx.actor = coordinator(it.coordinator_id, it.csvg)
    assert [r.id for r in svc.list_triggers(it.csvg)] == [d.id]


def test_the_settings_are_the_partnerships(intake) -> None:  # noqa: ANN001, F811
    it = intake
    svc = CommunityTriggerService(it.ctx)
    assert svc.settings() == TriggerSettings()
    new = TriggerSettings(complaints=2, months=3, people=5, people_months=6, acknowledge_days=3, decide_days=8,
                          review_days=20, bank_holidays=(date(2026, 12, 25),))
    svc.set_settings(new)
    assert svc.settings() == new
    with pytest.raises(ValidationError) as err:
        svc.set_settings(TriggerSettings(complaints=0))
    assert err.value.field == "complaints"
    with pytest.raises(ValidationError) as err:
        svc.set_settings(TriggerSettings(acknowledge_days=12, decide_days=10))
    assert err.value.field == "decide_days"
    d = _apply(it, date(2026, 6, 1), (IncidentInput(date(2026, 5, 1)), IncidentInput(date(2026, 4, 1))))
    assert d.test.met  # two in three months under the new rule
    assert d.steps[0].due == date(2026, 6, 4)


def test_the_annual_figures_against_hand_counted_data(intake, tmp_path) -> None:  # noqa: ANN001, F811
    it = intake
    it.ctx.today = lambda: date(2027, 1, 15)
    svc = CommunityTriggerService(it.ctx)
    # A: received in 2025, decided (met) and reviewed in 2026 with 2 recommendations.
    a = _apply(it, date(2025, 12, 10))
    svc.decide_threshold(a.id, True, date(2026, 1, 5))
    svc.record_review(a.id, date(2026, 1, 20), recommendations=[(None, "One"), (it.police, "Two")])
    # B: received and decided (not met) in 2026.
    b = _apply(it, date(2026, 2, 1))
    svc.decide_threshold(b.id, False, date(2026, 2, 10))
    # C: received, met and reviewed in 2026 with 3 recommendations.
    c = _apply(it, date(2026, 3, 1))
    svc.decide_threshold(c.id, True, date(2026, 3, 5))
    svc.record_review(c.id, date(2026, 3, 20), recommendations=[(None, "A"), (None, "B"), (it.housing, "C")])
    # D: received in 2026, not decided. E: received in 2026, decided in 2027.
    _apply(it, date(2026, 11, 30))
    e = _apply(it, date(2026, 12, 20))
    svc.decide_threshold(e.id, True, date(2027, 1, 4))
    f = svc.annual(it.csvg, 2026)
    assert (f.received, f.decided, f.threshold_met, f.threshold_not_met, f.reviews_held, f.recommendations) == (
        4, 3, 2, 1, 2, 5)
    f27 = svc.annual(it.csvg, 2027)
    assert (f27.received, f27.threshold_met, f27.reviews_held, f27.recommendations) == (0, 1, 0, 0)
    out = tmp_path / "figures.pdf"
    svc.write_annual(it.csvg, 2026, out, invariant=True)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(out).pages).split())
    assert "ASB case reviews (Community Trigger), 2026" in text
    assert "Applications received 4" in text and "Recommendations made 5" in text
