"""Daily triage (issue 19, part C): the 24/72-hour window, the agenda of referrals not yet triaged,
the three outcomes, "To MARAC" feeding the next MARAC agenda, the others leaving the queue, need
to know, and the printed record read back with pypdf. Both engines.

The week used is 7–11 December 2026 (Monday to Friday), which has no bank holiday.
"""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from core.referral_setup import coordinator, intake  # noqa: F401 - the fixture
from core.triage_setup import refer
from cspdesk.domain.enums import AuditKind, CaseStatus, Role
from cspdesk.domain.triage import TriageOutcome, triage_window
from cspdesk.services.context import Actor
from cspdesk.services.errors import NotFound, PermissionDenied, ValidationError
from cspdesk.services.meetings.meetings import MeetingService, SuggestionKind
from cspdesk.services.meetings.triage import TriageService
from cspdesk.storage.models import AuditEvent, Case

MONDAY = date(2026, 12, 7)
TUESDAY = date(2026, 12, 8)


# --- the window (pure) ---------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "first", "hours"), [
    (MONDAY, date(2026, 12, 4), 72),  # Monday: Friday, Saturday, Sunday and Monday
    (TUESDAY, date(2026, 12, 7), 24),
    (date(2026, 12, 9), date(2026, 12, 8), 24),
    (date(2026, 12, 10), date(2026, 12, 9), 24),
    (date(2026, 12, 11), date(2026, 12, 10), 24),  # Friday
])
def test_the_window_is_24_hours_and_72_on_mondays(day: date, first: date, hours: int) -> None:
    window = triage_window(day)
    assert (window.first, window.last, window.hours) == (first, day, hours)
    assert first in window and day in window
    assert date.fromordinal(first.toordinal() - 1) not in window


# --- the service -----------------------------------------------------------------------------------


@pytest.fixture
def week(intake):  # noqa: ANN001, F811
    """Referrals on the MARAC across the week end and the week (dates by name), today Friday 11 Dec."""
    intake.ctx.today = lambda: date(2026, 12, 11)
    days = {"thu3": date(2026, 12, 3), "fri": date(2026, 12, 4), "sat": date(2026, 12, 5),
            "sun": date(2026, 12, 6), "mon": MONDAY, "tue": TUESDAY}
    ids = {name: refer(intake, day, f"Person{name.capitalize()}") for name, day in days.items()}
    # Another MARAC's referral on the same Sunday is never on this panel's triage.
    refer(intake, days["sun"], "Other", panel_id=intake.marac2)
    return intake, ids


def _cases(detail) -> list[int]:  # noqa: ANN001
    return [e.case_id for e in detail.entries]


def test_monday_takes_72_hours_and_tuesday_24_not_yet_triaged(week) -> None:  # noqa: ANN001
    it, ids = week
    svc = TriageService(it.ctx)
    monday = svc.create(it.marac, MONDAY).value
    assert _cases(monday) == [ids["fri"], ids["sat"], ids["sun"], ids["mon"]]  # not Thursday's
    assert monday.window.hours == 72
    tuesday = svc.create(it.marac, TUESDAY).value
    # Monday's referral is on Monday's agenda (undecided: carried forward), Tuesday's is new; the
    # others left undecided on Monday are carried too.
    assert _cases(tuesday) == [ids["fri"], ids["sat"], ids["sun"], ids["mon"], ids["tue"]]
    assert svc.get(monday.id).entries == ()
    assert tuesday.window.hours == 24


def test_a_decided_referral_is_not_on_the_next_triage(week) -> None:  # noqa: ANN001
    it, ids = week
    svc = TriageService(it.ctx)
    monday = svc.create(it.marac, MONDAY).value
    for e in monday.entries:
        svc.decide(e.id, TriageOutcome.NO_FURTHER_ACTION, "Known to police; no MARAC criteria")
    tuesday = svc.create(it.marac, TUESDAY).value
    assert _cases(tuesday) == [ids["tue"]]
    with pytest.raises(ValidationError, match="already has a triage meeting"):
        svc.create(it.marac, TUESDAY)


def test_outcomes_feed_the_next_marac_agenda_and_the_others_leave_the_queue(week) -> None:  # noqa: ANN001
    it, ids = week
    meetings = MeetingService(it.ctx)
    marac_day = meetings.plan_meetings(it.marac, datetime(2026, 12, 17, 10, 0)).value[0]
    later = meetings.plan_meetings(it.marac, datetime(2027, 1, 14, 10, 0)).value[0]
    svc = TriageService(it.ctx)
    monday = svc.create(it.marac, MONDAY).value
    by_case = {e.case_id: e for e in monday.entries}
    to_marac = svc.decide(by_case[ids["fri"]].id, TriageOutcome.TO_MARAC, "DASH 15, visible high risk").value
    assert to_marac.listed_on == "17 Dec 2026"
    svc.decide(by_case[ids["sat"]].id, TriageOutcome.SINGLE_AGENCY, "IDVA to support; police to follow up")
    svc.decide(by_case[ids["sun"]].id, TriageOutcome.NO_FURTHER_ACTION, "Duplicate of a police report")
    agenda = meetings.get_meeting(marac_day).case_items
    assert [i.case_id for i in agenda] == [ids["fri"]]
    assert meetings.get_meeting(later).case_items == ()
    with it.ctx.reading() as s:
        status = dict(s.execute(select(Case.id, Case.status).where(Case.id.in_(ids.values()))).all())
        reasons = dict(s.execute(select(Case.id, Case.status_reason).where(Case.id.in_(ids.values()))).all())
    assert status[ids["fri"]] is CaseStatus.LISTED
    assert status[ids["sat"]] is CaseStatus.DECLINED and status[ids["sun"]] is CaseStatus.DECLINED
    assert reasons[ids["sat"]] == "Daily triage 07 Dec 2026: Single-agency response. IDVA to support; police to follow up"
    assert status[ids["mon"]] is CaseStatus.RECEIVED  # not decided yet
    with pytest.raises(ValidationError, match="already triaged"):
        svc.decide(by_case[ids["fri"]].id, TriageOutcome.NO_FURTHER_ACTION, "Changed my mind")
    with pytest.raises(ValidationError) as err:
        svc.decide(by_case[ids["mon"]].id, TriageOutcome.TO_MARAC, "   ")
    assert err.value.field == "minute"
    with it.ctx.reading() as s:
        kinds = set(s.scalars(select(AuditEvent.entity).where(AuditEvent.kind == AuditKind.UPDATE)))
    assert {"triage_item", "case"} <= kinds


def test_without_a_planned_marac_the_next_meeting_suggests_the_triaged_referral(week) -> None:  # noqa: ANN001
    it, ids = week
    svc = TriageService(it.ctx)
    monday = svc.create(it.marac, MONDAY).value
    first = next(e for e in monday.entries if e.case_id == ids["fri"])
    assert svc.decide(first.id, TriageOutcome.TO_MARAC, "Visible high risk").value.listed_on == ""
    meetings = MeetingService(it.ctx)
    planned = meetings.plan_meetings(it.marac, datetime(2026, 12, 17, 10, 0)).value[0]
    suggested = [sg for sg in meetings.suggestions(planned) if sg.kind is SuggestionKind.TRIAGED]
    assert [sg.case_id for sg in suggested] == [ids["fri"]]
    assert "07 Dec 2026" in suggested[0].why or "7 Dec 2026" in suggested[0].why
    meetings.add_case(planned, ids["fri"])
    assert not [sg for sg in meetings.suggestions(planned) if sg.kind is SuggestionKind.TRIAGED]


def test_only_a_marac_panels_members_triage(week) -> None:  # noqa: ANN001
    it, _ids = week
    svc = TriageService(it.ctx)
    with pytest.raises(ValidationError, match="not a MARAC"):
        svc.create(it.csvg, MONDAY)
    monday = svc.create(it.marac, MONDAY).value
    it.ctx.actor = coordinator(it.coordinator_id, it.marac2)
    with pytest.raises(PermissionDenied):
        svc.create(it.marac, TUESDAY)
    with pytest.raises(NotFound):
        svc.get(monday.id)
    with pytest.raises(NotFound):
        svc.decide(monday.entries[0].id, TriageOutcome.TO_MARAC, "Because")
    it.ctx.actor = Actor(user_id=None, username="viewer", role=Role.VIEWER, panel_ids=frozenset({it.marac}))
    assert len(svc.get(monday.id).entries) == 4
    with pytest.raises(PermissionDenied):
        svc.decide(monday.entries[0].id, TriageOutcome.TO_MARAC, "Because")


def test_the_triage_record_is_a_marked_pdf(week, tmp_path) -> None:  # noqa: ANN001
    it, ids = week
    svc = TriageService(it.ctx)
    monday = svc.create(it.marac, MONDAY).value
    svc.decide(monday.entries[0].id, TriageOutcome.TO_MARAC, "Visible high risk")
    svc.decide(monday.entries[1].id, TriageOutcome.SINGLE_AGENCY, "Housing to act")
    out = tmp_path / "triage.pdf"
    svc.write_pdf(monday.id, out, invariant=True)
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert "OFFICIAL-SENSITIVE" in text or "OFFICIAL" in text
    assert "Daily triage" in text and "Testshire MARAC" in text
    assert "To MARAC" in text and "Single-agency response" in text and "Housing to act" in text
    assert "Not yet decided: 2" in text.replace("not yet decided: 2", "Not yet decided: 2")
    assert "Person" not in (reader.metadata.title or "")
    with it.ctx.reading() as s:
        assert s.scalar(select(AuditEvent.id).where(AuditEvent.kind == AuditKind.PRINT,
                                                    AuditEvent.entity == "triage_meeting")) is not None
