"""Protective orders, DVDS requests and MARAC-to-MARAC transfers (issue 19, part B): the reminder
window, the 28-day clock, need to know, and a pack from one real encrypted database into another."""

from __future__ import annotations

import io
import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from constants import TEST_KEY
from core.referral_setup import TODAY, coordinator, intake, make_intake  # noqa: F401 - the fixture
from cspdesk.domain.enums import (
    ActionStatus,
    AgendaItemKind,
    CaseStatus,
    Decision,
    Listing,
    MeetingStatus,
    PersonRole,
    RiskLevel,
    Role,
)
from cspdesk.domain.orders import (
    DvdsDecision,
    DvdsRoute,
    OrderKind,
    TransferDirection,
    dvds_clock,
    order_expiring,
)
from cspdesk.domain.referrals import DashAnswer, DashChecklist, DashItem, PerpetratorDraft, ChildDraft
from cspdesk.services.context import Actor
from cspdesk.services.database.workspace import close_workspace, open_workspace
from cspdesk.services.errors import NotFound, PermissionDenied, ValidationError
from cspdesk.services.orders.orders import DvdsDraft, OrderDraft, OrdersService
from cspdesk.services.orders.transfers import PackRefused, TransferService, transfer_counts
from cspdesk.services.papers.returns import ReturnService, between
from cspdesk.services.referrals.referrals import CsvgDraft, MaracDraft, PersonDraft, ReferralService
from cspdesk.storage import models as m
from cspdesk.storage.model_orders import CaseTransfer

SECRET_ADDRESS = "14 Larkspur Close"
SECRET_POSTCODE = "ME14 2QT"
SECRET_PHONE = "07700 900456"
OTHER_PANEL_SECRET = "Hoarding at the flat above the bakery"


def _marac(it, ctx=None, **changes):  # noqa: ANN001, ANN202
    """A MARAC case with a victim (address and phone held), a perpetrator and a child."""
    values = dict(
        panel_id=it.marac, referral_date=TODAY - timedelta(days=20), referring_agency_id=it.police,
        reason=f"Assault at {SECRET_ADDRESS}; she can be called on {SECRET_PHONE}",
        summary="Strangulation reported; perpetrator on bail.",
        victim=PersonDraft(given_name="Sarah", family_name="Quenby", date_of_birth=date(1990, 5, 1),
                           phone=SECRET_PHONE, address=SECRET_ADDRESS, postcode=SECRET_POSTCODE,
                           contact_notes="Call only after 6pm"),
        perpetrators=(PerpetratorDraft(person=PersonDraft(given_name="Mark", family_name="Quenby",
                                                          date_of_birth=date(1988, 2, 2))),),
        children=(ChildDraft(person=PersonDraft(given_name="Amy", family_name="Quenby",
                                                date_of_birth=date(2018, 3, 3))),),
        dash=DashChecklist(answers=tuple(DashItem(answer=DashAnswer.YES if i < 15 else DashAnswer.NO)
                                         for i in range(24)), assessed_on=TODAY - timedelta(days=20)),
        consent_given=True)
    values.update(changes)
    return ReferralService(ctx or it.ctx).create(MaracDraft(**values)).value


def _people(ctx, case_id: int) -> dict[PersonRole, int]:  # noqa: ANN001
    with ctx.reading() as s:
        return dict(s.execute(select(m.CasePerson.role, m.CasePerson.person_id)
                              .where(m.CasePerson.case_id == case_id)).all())


# --- the rules --------------------------------------------------------------------------------------


def test_an_order_is_a_reminder_from_the_window_to_its_last_day() -> None:
    today = date(2026, 12, 7)
    assert order_expiring(today, today, 14)
    assert order_expiring(today + timedelta(days=14), today, 14)
    assert not order_expiring(today + timedelta(days=15), today, 14)
    assert not order_expiring(today - timedelta(days=1), today, 14)
    assert not order_expiring(None, today, 14)


@pytest.mark.parametrize(("received", "today", "due", "left"), [
    (date(2026, 1, 31), date(2026, 2, 1), date(2026, 2, 28), 27),   # across January's end
    (date(2026, 2, 1), date(2026, 2, 28), date(2026, 3, 1), 1),     # February (28 days) to March
    (date(2028, 2, 1), date(2028, 2, 29), date(2028, 2, 29), 0),    # a leap year: due on the 29th
    (date(2026, 12, 10), date(2027, 1, 8), date(2027, 1, 7), -1),   # across the year's end, a day late
])
def test_the_dvds_clock_counts_calendar_days_across_month_ends(received: date, today: date, due: date,
                                                               left: int) -> None:
    clock = dvds_clock(received, DvdsDecision.PENDING, today)
    assert (clock.due_on, clock.days_left, clock.overdue) == (due, left, left < 0)
    assert ("Overdue by 1 day" in clock.text) == (left == -1)
    decided = dvds_clock(received, DvdsDecision.DISCLOSE, today)
    assert decided.decided and decided.days_left is None and not decided.overdue


# --- orders -------------------------------------------------------------------------------------------


def test_orders_inside_the_window_are_reminded_to_the_agency_holding_them(intake) -> None:  # noqa: F811
    it = intake
    case = _marac(it)
    people = _people(it.ctx, case.case_id)
    service = OrdersService(it.ctx)
    made = TODAY - timedelta(days=5)
    ids = {}
    for label, expires, agency in (("inside", TODAY + timedelta(days=14), it.police),
                                   ("today", TODAY, it.police),
                                   ("outside", TODAY + timedelta(days=15), it.police),
                                   ("ended", TODAY - timedelta(days=1), it.police),
                                   ("other agency", TODAY + timedelta(days=3), it.housing)):
        ids[label] = service.add_order(case.case_id, OrderDraft(
            kind=OrderKind.DVPO, protected_person_id=people[PersonRole.VICTIM],
            restrained_person_id=people[PersonRole.PERPETRATOR], agency_id=agency, made_on=made,
            expires_on=expires, conditions="Not to enter the road")).value
    police_officer = Actor(user_id=None, username="pc", role=Role.OFFICER, agency_id=it.police,
                           panel_ids=frozenset({it.marac}))
    it.ctx.actor = police_officer
    assert [o.id for o in service.expiring_orders()] == [ids["today"], ids["inside"]]
    it.ctx.actor = Actor(user_id=None, username="hh", role=Role.OFFICER, agency_id=it.housing,
                         panel_ids=frozenset({it.marac}))
    assert [o.id for o in service.expiring_orders()] == [ids["other agency"]]
    # Another MARAC's officer of the same agency sees none of them.
    it.ctx.actor = Actor(user_id=None, username="pc2", role=Role.OFFICER, agency_id=it.police,
                         panel_ids=frozenset({it.marac2}))
    assert service.expiring_orders() == []
    with pytest.raises(NotFound):
        service.case_orders(case.case_id)
    # The window is a setting: at 20 days the one 15 days off is reminded too.
    it.ctx.actor = Actor.local_owner()
    service.set_reminder_days(20)
    it.ctx.actor = police_officer
    assert ids["outside"] in [o.id for o in service.expiring_orders()]
    shown = OrdersService(it.ctx).case_orders(case.case_id)
    assert shown.reminder_days == 20
    assert [o.expiring for o in shown.orders] == [False, True, True, True, True]  # the ended one first
    assert shown.orders[1].expiry_text.startswith("Expires today")


def test_an_order_names_only_people_of_its_case_and_officers_cannot_add_one(intake) -> None:  # noqa: F811
    it = intake
    case = _marac(it)
    other = _marac(it, victim=PersonDraft(given_name="Jo", family_name="Other"), perpetrators=(), children=())
    stranger = _people(it.ctx, other.case_id)[PersonRole.VICTIM]
    service = OrdersService(it.ctx)
    with pytest.raises(ValidationError) as refused:
        service.add_order(case.case_id, OrderDraft(kind=OrderKind.DAPO, protected_person_id=stranger))
    assert refused.value.field == "protected_person_id" and "Jo" not in str(refused.value)
    with pytest.raises(ValidationError, match="expire before"):
        service.add_order(case.case_id, OrderDraft(kind=OrderKind.DAPO, made_on=TODAY, expires_on=TODAY - timedelta(1)))
    it.ctx.actor = Actor(user_id=None, username="pc", role=Role.OFFICER, agency_id=it.police,
                         panel_ids=frozenset({it.marac}))
    with pytest.raises(PermissionDenied):
        service.add_order(case.case_id, OrderDraft(kind=OrderKind.DAPO))
    it.ctx.actor = Actor.local_owner()
    csvg = ReferralService(it.ctx).create(CsvgDraft(panel_id=it.csvg, referral_date=TODAY, referring_agency_id=it.housing,
                                                    reason="Hoarding", person=PersonDraft(given_name="A", family_name="B"),
                                                    risk_level=RiskLevel.MEDIUM)).value
    with pytest.raises(ValidationError, match="not a MARAC case"):
        service.add_order(csvg.case_id, OrderDraft(kind=OrderKind.DAPO))


def test_a_dvds_request_keeps_its_clock_until_decided_and_is_audited_without_names(intake) -> None:  # noqa: F811
    it = intake
    case = _marac(it)
    service = OrdersService(it.ctx)
    request = service.add_dvds(case.case_id, DvdsDraft(route=DvdsRoute.RIGHT_TO_ASK, applicant="Her sister",
                                                       received_on=TODAY - timedelta(days=30))).value
    (row,) = service.case_orders(case.case_id).dvds
    assert row.clock.overdue and row.clock.days_left == -2
    with pytest.raises(ValidationError) as refused:
        service.update_dvds(request, DvdsDraft(route=DvdsRoute.RIGHT_TO_ASK, applicant="Her sister",
                                               received_on=TODAY - timedelta(days=30), decision=DvdsDecision.DISCLOSE))
    assert refused.value.field == "decided_on"
    service.update_dvds(request, DvdsDraft(route=DvdsRoute.RIGHT_TO_ASK, applicant="Her sister",
                                           received_on=TODAY - timedelta(days=30), decision=DvdsDecision.DISCLOSE,
                                           decided_on=TODAY))
    (row,) = service.case_orders(case.case_id).dvds
    assert row.clock.decided and row.clock.text == "Decided"
    with it.ctx.reading() as s:
        details = [e.details for e in s.scalars(select(m.AuditEvent).where(m.AuditEvent.entity == "dvds_request"))]
    assert len(details) == 2 and "sister" not in json.dumps(details)


# --- transfers ------------------------------------------------------------------------------------------


def _hearing(it, case_id: int, *, day: date, discussion: str) -> None:  # noqa: ANN001
    with it.ctx.unit_of_work() as s:
        meeting = m.Meeting(panel_id=it.marac, starts_at=datetime.combine(day, datetime.min.time()),
                            status=MeetingStatus.HELD, created_at=datetime(2026, 1, 1))
        s.add(meeting)
        s.flush()
        s.add(m.AgendaItem(meeting_id=meeting.id, position=1, kind=AgendaItemKind.CASE, case_id=case_id,
                           listing=Listing.NEW, discussion=discussion, risks="Escalating", decision=Decision.CONTINUE))
        s.get(m.Case, case_id).status = CaseStatus.OPEN
        for n, (text, status) in enumerate((("IDVA to complete safety plan; ring " + SECRET_PHONE, ActionStatus.OPEN),
                                            ("Housing to fit locks", ActionStatus.COMPLETED))):
            s.add(m.Action(panel_id=it.marac, case_id=case_id, meeting_id=meeting.id, number=f"{n + 1}", text=text,
                           owner_agency_id=it.idva, due_date=TODAY + timedelta(days=7), status=status,
                           created_at=datetime(2026, 1, 1), updated_at=datetime(2026, 1, 1)))


def test_a_pack_travels_between_two_encrypted_databases_without_contact_details(intake, tmp_path: Path) -> None:  # noqa: F811
    it = intake
    case = _marac(it)
    # The same victim known to the CSVG, with words that must stay there.
    victim = _people(it.ctx, case.case_id)[PersonRole.VICTIM]
    ReferralService(it.ctx).create(CsvgDraft(panel_id=it.csvg, referral_date=TODAY, referring_agency_id=it.housing,
                                             reason=OTHER_PANEL_SECRET, person=PersonDraft(existing_person_id=victim),
                                             risk_level=RiskLevel.MEDIUM))
    _hearing(it, case.case_id, day=TODAY - timedelta(days=10),
             discussion=f"Victim moving from {SECRET_ADDRESS}, {SECRET_POSTCODE}; safe number {SECRET_PHONE}.")
    out = TransferService(it.ctx).transfer_out(case.case_id, "Northshire MARAC", invariant=True).value

    text = out.pack.decode("utf-8")
    for secret in (SECRET_ADDRESS, SECRET_POSTCODE, SECRET_PHONE, "Call only after 6pm", OTHER_PANEL_SECRET,
                   "Larkspur", "900456", "Housing to fit locks"):
        assert secret not in text, secret
    payload = json.loads(text)["payload"]
    assert [p["role"] for p in payload["people"]] == ["victim", "perpetrator", "child"]
    assert payload["people"][0]["date_of_birth"] == "1990-05-01"
    assert [a["text"] for a in payload["open_actions"]] == ["IDVA to complete safety plan; ring [phone removed]"]
    assert "[address removed]" in payload["minutes"][0]["discussion"]
    assert payload["assessment"]["score"] == 15 and len(payload["assessment"]["answers"]) == 24
    pdf_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(out.pdf)).pages)
    assert "MARAC transfer pack" in pdf_text and "Northshire MARAC" in pdf_text and "Sarah Quenby" in pdf_text
    assert "Larkspur" not in pdf_text and "900456" not in pdf_text
    with it.ctx.reading() as s:
        closed = s.get(m.Case, case.case_id)
        assert (closed.status, closed.outcome) == (CaseStatus.CLOSED, "Transferred out to Northshire MARAC")
        assert s.scalar(select(CaseTransfer.direction).where(CaseTransfer.case_id == case.case_id)) is TransferDirection.OUT
    with pytest.raises(ValidationError, match="closed"):
        TransferService(it.ctx).transfer_out(case.case_id, "Elsewhere MARAC")

    other = open_workspace(tmp_path / "northshire.db", key=TEST_KEY)
    try:
        there = make_intake(other)
        pack_file = tmp_path / "pack.json"
        pack_file.write_bytes(out.pack)
        took = TransferService(other).transfer_in(pack_file.read_bytes(), there.marac).value
        assert took.from_marac == "Testshire MARAC" and took.one_off_key
        with other.reading() as s:
            new = s.get(m.Case, took.case_id)
            assert new.status is CaseStatus.ACCEPTED and new.panel_id == there.marac
            assert new.summary.startswith("Summary from Testshire MARAC (MARAC-")
            names = {(p.given_name, p.address, p.phone) for p in s.scalars(select(m.Person))}
            assert names == {("Sarah", "", ""), ("Mark", "", ""), ("Amy", "", "")}
            assessment = s.scalars(select(m.RiskAssessment).where(m.RiskAssessment.case_id == took.case_id)).one()
            assert assessment.score == 15
            transfer = s.scalars(select(CaseTransfer).where(CaseTransfer.case_id == took.case_id)).one()
            assert transfer.direction is TransferDirection.IN and len(transfer.history["open_actions"]) == 1
            assert s.scalar(select(func.count()).select_from(m.Action)) == 0  # history, not this MARAC's actions
        with pytest.raises(PackRefused, match="already been taken in"):
            TransferService(other).transfer_in(out.pack, there.marac)
        # Put on an agenda, it is listed as transferred in (and so counted by the return as heard).
        from cspdesk.services.meetings.meetings import MeetingService

        meetings = MeetingService(other)
        (meeting_id,) = meetings.plan_meetings(there.marac, datetime(2026, 6, 20, 10, 0)).value
        assert meetings.add_case(meeting_id, took.case_id).value.listing is Listing.TRANSFERRED_IN
    finally:
        close_workspace(other)


@pytest.mark.parametrize(("change", "what"), [
    (lambda d: d["payload"]["case"].update(summary="Changed on the way"), "digest"),
    (lambda d: (d["payload"]["case"].update(summary="Changed"), d.update(digest=__import__("hashlib").sha256(
        json.dumps(d["payload"], sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest())),
     "signature"),
    (lambda d: d.update(format="something else"), "format"),
    (lambda d: d.pop("signature"), "signature"),
])
def test_a_changed_pack_is_refused_naming_what_is_wrong(intake, change, what: str) -> None:  # noqa: F811, ANN001
    it = intake
    case = _marac(it)
    pack = TransferService(it.ctx).transfer_out(case.case_id, "Northtown MARAC").value.pack
    document = json.loads(pack)
    change(document)
    with pytest.raises(PackRefused) as refused:
        TransferService(it.ctx).transfer_in(json.dumps(document).encode(), it.marac2)
    assert refused.value.what == what
    with pytest.raises(PackRefused, match="not JSON"):
        TransferService(it.ctx).transfer_in(b"\x00garbage", it.marac2)


def test_a_malformed_field_is_named(intake) -> None:  # noqa: F811
    """A pack signed as made but with a field of the wrong kind (a sender's bug, not tampering)."""
    from cspdesk.domain.orders import PACK_DOMAIN
    from cspdesk.services.orders.transfers import canonical
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    import hashlib

    it = intake
    case = _marac(it)
    document = json.loads(TransferService(it.ctx).transfer_out(case.case_id, "Northtown MARAC").value.pack)
    document["payload"]["people"][1]["date_of_birth"] = "2nd Feb"
    key = Ed25519PrivateKey.generate()
    message = canonical(document["payload"])
    document["digest"] = hashlib.sha256(message).hexdigest()
    document["signature"] = {"algorithm": "Ed25519", "key": "one-off", "value": key.sign(PACK_DOMAIN + message).hex(),
                             "public_key": key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()}
    with pytest.raises(PackRefused) as refused:
        TransferService(it.ctx).transfer_in(json.dumps(document).encode(), it.marac2)
    assert refused.value.what == "people[1].date_of_birth"
    assert "2nd Feb" not in str(refused.value)


def test_the_return_counts_transfers_in_and_out_in_the_period(intake) -> None:  # noqa: F811
    """Hand-counted: in the period 1 Apr – 30 Jun 2026, two out and one in on the Testshire MARAC;
    one out before the period, one in after it, and one on the other MARAC, none of which count."""
    it = intake
    cases = [_marac(it, victim=PersonDraft(given_name=f"V{n}", family_name="Count"), perpetrators=(), children=())
             for n in range(5)]
    elsewhere = _marac(it, panel_id=it.marac2, victim=PersonDraft(given_name="N", family_name="Count"),
                       perpetrators=(), children=())
    rows = [(cases[0], "out", date(2026, 4, 1)), (cases[1], "out", date(2026, 6, 30)),
            (cases[2], "in", date(2026, 5, 15)), (cases[3], "out", date(2026, 3, 31)),
            (cases[4], "in", date(2026, 7, 1)), (elsewhere, "out", date(2026, 5, 1))]
    with it.ctx.unit_of_work() as s:
        for case, way, on in rows:
            s.add(CaseTransfer(case_id=case.case_id, direction=TransferDirection(way), other_marac="X MARAC",
                               transferred_on=on, by_username="t", pack_digest="", signer_key="", history={},
                               created_at=datetime(2026, 1, 1)))
    period = between(date(2026, 4, 1), date(2026, 6, 30))
    with it.ctx.reading() as s:
        assert transfer_counts(s, it.marac, period.start, period.end) == {TransferDirection.IN: 1,
                                                                          TransferDirection.OUT: 2}
    figures = ReturnService(it.ctx).build(it.marac, period)
    (section,) = [x for x in figures.sections if x.title == "Transfers between MARACs"]
    assert [(x.name, x.count) for x in section.measures] == [("Cases transferred in", 1), ("Cases transferred out", 2)]


def test_the_audit_trail_says_orders_and_dvds_in_words() -> None:
    from cspdesk.services.audit.audit_text import entry_details_text, record_text

    assert record_text("dvds_request", 3, {"case": "MARAC-2026-0001"}) == "DVDS request 3"
    assert entry_details_text("dvds_request", {"route": "right_to_know", "decision": "not_disclose"}) == \
        "route: Right to know; decision: Not disclose"
    assert entry_details_text("protective_order", {"kind": "dapo"}) == "kind: Domestic Abuse Protection Order (DAPO)"
