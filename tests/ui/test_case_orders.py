"""The case view's orders and disclosures, the reminder in My actions, and meeting mode's brief
(issue 19, part B): real widgets on the demo partnership, a screenshot at 1366×768."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from PySide6.QtWidgets import QLabel, QScrollArea
from sqlalchemy import select

from cspdesk.domain.enums import PanelType, PersonRole
from cspdesk.domain.orders import DvdsDecision, DvdsRoute, OrderKind
from cspdesk.services.access.auth import DEMO_PASSWORD, sign_in
from cspdesk.services.database.workspace import close_workspace
from cspdesk.services.meetings.meetings import MeetingService
from cspdesk.services.orders.orders import DvdsDraft, OrderDraft, OrdersService
from cspdesk.storage import models as m
from cspdesk_gui.dialogs.case_view import CaseDialog
from cspdesk_gui.pages.my_actions import MyActionsView

SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def _marac_case(ctx, agency_code: str) -> tuple[int, int, int, int]:  # noqa: ANN001
    """An open MARAC case with a victim and a perpetrator, and the id of the agency ``agency_code``."""
    with ctx.reading() as s:
        agency = s.scalar(select(m.Agency.id).where(m.Agency.short_code == agency_code))
        for case in s.scalars(select(m.Case).join(m.Panel, m.Panel.id == m.Case.panel_id)
                              .where(m.Panel.panel_type == PanelType.MARAC).order_by(m.Case.id.desc())):
            roles = dict(s.execute(select(m.CasePerson.role, m.CasePerson.person_id)
                                   .where(m.CasePerson.case_id == case.id)).all())
            if PersonRole.VICTIM in roles and PersonRole.PERPETRATOR in roles:
                return case.id, roles[PersonRole.VICTIM], roles[PersonRole.PERPETRATOR], agency
    raise AssertionError("no MARAC case with a victim and a perpetrator in the demo data")


def _orders(ctx, agency_code: str) -> int:  # noqa: ANN001
    case_id, victim, perpetrator, agency = _marac_case(ctx, agency_code)
    today = ctx.today()
    service = OrdersService(ctx)
    service.add_order(case_id, OrderDraft(kind=OrderKind.DAPO, protected_person_id=victim,
                                          restrained_person_id=perpetrator, agency_id=agency,
                                          made_on=today - timedelta(days=60), expires_on=today + timedelta(days=5),
                                          conditions="Not to contact her or enter her road"))
    service.add_order(case_id, OrderDraft(kind=OrderKind.BAIL_CONDITIONS, restrained_person_id=perpetrator,
                                          agency_id=agency, made_on=today - timedelta(days=3),
                                          expires_on=today + timedelta(days=40)))
    service.add_dvds(case_id, DvdsDraft(route=DvdsRoute.RIGHT_TO_KNOW, applicant="Police (right to know)",
                                        received_on=today - timedelta(days=31)))
    service.add_dvds(case_id, DvdsDraft(route=DvdsRoute.RIGHT_TO_ASK, applicant="Her mother",
                                        received_on=today - timedelta(days=10)))
    service.add_dvds(case_id, DvdsDraft(route=DvdsRoute.RIGHT_TO_ASK, applicant="The victim",
                                        received_on=today - timedelta(days=50), decision=DvdsDecision.DISCLOSE,
                                        decided_on=today - timedelta(days=30)))
    return case_id


def test_the_case_view_shows_orders_with_the_reminder_and_dvds_with_its_clock(qtbot, demo_admin_ctx, laptop):  # noqa: ANN001
    name, area = laptop
    ctx = demo_admin_ctx
    case_id = _orders(ctx, "IDVA")
    dialog = CaseDialog.open_case(ctx, case_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    section = dialog.orders_section
    assert section is not None
    assert section.reminder.isVisible() and section.reminder.text() == "Reminder: 1 order expires within 14 days."
    assert [label.text().split(" (")[0] for label in section.order_labels] == ["Expires in 5 days", "Expires in 40 days"]
    assert section.order_labels[0].objectName() == "riskHigh" and section.order_labels[1].objectName() == "mutedText"
    clocks = [label.text() for label in section.dvds_labels]
    assert clocks[0].startswith("18 days left") and clocks[1].startswith("Overdue by 3 days") and clocks[2] == "Decided"
    assert dialog.transfer_button.isVisible() == (dialog.status.value in {"received", "accepted", "listed", "open"})
    scroll = dialog.findChild(QScrollArea, "caseScroll")
    scroll.ensureWidgetVisible(section)
    qtbot.waitUntil(lambda: section.visibleRegion().boundingRect().height() > 60, timeout=2000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert dialog.grab().save(str(SHOTS / f"case-orders-{name}.png"))
    # Everything the chair needs fits in the laptop's screen.
    assert dialog.frameGeometry().width() <= area.width() and dialog.frameGeometry().height() <= area.height()


def test_my_actions_reminds_the_holding_agency_only(qtbot, demo_accounts_db, demo_admin_ctx):  # noqa: ANN001
    _orders(demo_admin_ctx, "IDVA")
    for username, expected in (("officer.idva", 1), ("officer.housing", 0)):
        ctx = sign_in(demo_accounts_db, username, DEMO_PASSWORD)
        try:
            view = MyActionsView(ctx)
            qtbot.addWidget(view)
            view.show()
            with qtbot.waitSignal(view.order_reminders.read_done, timeout=10_000) as done:
                view.read()
            assert len(done.args[0]) == expected, username
            assert view.order_reminders.isVisible() == bool(expected)
            if expected:
                assert "Domestic Abuse Protection Order (DAPO) on MARAC-" in view.order_reminders.text()
                assert "Expires in 5 days" in view.order_reminders.text()
            view.close()
        finally:
            close_workspace(ctx)


def test_meeting_modes_brief_carries_the_dvds_clock(demo_admin_ctx):  # noqa: ANN001
    case_id = _orders(demo_admin_ctx, "IDVA")
    brief = MeetingService(demo_admin_ctx).case_brief(case_id)
    assert brief.orders[0].startswith("DVDS right to ask, received") and "18 days left" in brief.orders[0]
    assert "Overdue by 3 days" in brief.orders[1] and brief.orders[2].endswith(": Disclose")
    assert brief.orders[3].startswith("Domestic Abuse Protection Order (DAPO): Expires in 5 days")
    assert brief.orders[3].endswith("(reminder)") and not brief.orders[4].endswith("(reminder)")


def test_transfer_out_and_in_from_the_command_line(demo_accounts_db, account_db, tmp_path, capsys,  # noqa: ANN001
                                                   monkeypatch) -> None:
    """Out of the demo partnership (signed with the account's own key), in to another encrypted
    database; a pack changed on the way is refused with exit 1, naming what is wrong."""
    import json
    import sys

    from cspdesk.cli import main

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
    from referral_setup import make_intake

    from ui_accounts import ADMIN_PASSWORD, ADMIN_USER

    admin = sign_in(demo_accounts_db, "admin", DEMO_PASSWORD)
    try:
        case_id, *_ = _marac_case(admin, "IDVA")
        with admin.reading() as s:
            reference = s.get(m.Case, case_id).reference
    finally:
        close_workspace(admin)
    other = sign_in(account_db.path, ADMIN_USER, ADMIN_PASSWORD)
    try:
        make_intake(other)
    finally:
        close_workspace(other)

    pack = tmp_path / "pack.json"
    monkeypatch.setenv("CSPDESK_PASSWORD", DEMO_PASSWORD)
    assert main(["transfer", "out", "--db", str(demo_accounts_db), "--user", "admin", "--case", reference,
                 "--to", "Testshire MARAC", "--file", str(pack)]) == 0
    said = capsys.readouterr().out
    assert f"{reference}: transferred out to Testshire MARAC" in said and "your signing key" in said
    assert pack.with_suffix(".pdf").read_bytes().startswith(b"%PDF")

    changed = json.loads(pack.read_text(encoding="utf-8"))
    changed["payload"]["people"][0]["family_name"] = "Someone Else"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(changed), encoding="utf-8")
    monkeypatch.setenv("CSPDESK_PASSWORD", ADMIN_PASSWORD)
    common = ["--db", str(account_db.path), "--user", ADMIN_USER, "--panel", "Testshire MARAC"]
    assert main(["transfer", "in", "--file", str(tampered), *common]) == 1
    assert "Refused (digest): The pack has been changed since it was made" in capsys.readouterr().err

    assert main(["transfer", "in", "--file", str(pack), *common]) == 0
    said = capsys.readouterr().out
    assert "transferred in from" in said and "the sender’s signing key" in said
    ctx = sign_in(account_db.path, ADMIN_USER, ADMIN_PASSWORD)
    try:
        with ctx.reading() as s:
            (case,) = s.scalars(select(m.Case)).all()
            assert case.referrer_name.endswith("MARAC") and case.status.value == "accepted"
    finally:
        close_workspace(ctx)


def test_an_order_and_a_dvds_request_added_from_the_case_view(qtbot, demo_admin_ctx) -> None:  # noqa: ANN001
    ctx = demo_admin_ctx
    case_id, victim, perpetrator, agency = _marac_case(ctx, "IDVA")
    dialog = CaseDialog.open_case(ctx, case_id)
    qtbot.addWidget(dialog)
    section = dialog.orders_section
    assert section is not None and section.order_labels == [] and section.dvds_labels == []

    order = section.add_order()
    order.kind.setCurrentIndex(order.kind.findData(OrderKind.NON_MOLESTATION))
    order.protected.setCurrentIndex(order.protected.findData(victim))
    order.restrained.setCurrentIndex(order.restrained.findData(perpetrator))
    order.agency.setCurrentIndex(order.agency.findData(agency))
    order.expires_on.setText((ctx.today() + timedelta(days=2)).strftime("%d/%m/%Y"))
    order.made_on.setText("31/2/2026")
    order.save()
    assert order.error.text() == "“31/2/2026” is not a real date."  # nothing saved
    order.made_on.setText("")
    with qtbot.waitSignal(section.changes_made, timeout=10_000):
        order.save()
    assert [label.text().split(" (")[0] for label in section.order_labels] == ["Expires in 2 days"]
    assert not section.reminder.isHidden()  # the case view is not shown in this test

    request = section.add_dvds()
    request.received_on.setText((ctx.today() - timedelta(days=28)).strftime("%d/%m/%Y"))
    request.save()  # refused by the service, on the database thread
    qtbot.waitUntil(lambda: "Say who applied" in request.error.text(), timeout=10_000)
    request.applicant.setText("Her brother")
    with qtbot.waitSignal(section.changes_made, timeout=10_000):
        request.save()
    assert [label.text().split(" (")[0] for label in section.dvds_labels] == ["Due today"]


def test_transfer_out_from_the_case_view_then_in_from_the_cases_page(qtbot, demo_admin_ctx, tmp_path,  # noqa: ANN001
                                                                     make_window) -> None:
    ctx = demo_admin_ctx
    case_id, *_ = _marac_case(ctx, "IDVA")
    dialog = CaseDialog.open_case(ctx, case_id)
    qtbot.addWidget(dialog)
    assert dialog.transfer_button.isVisibleTo(dialog)  # the demo's newest MARAC cases are still open
    transfer = dialog.transfer_out()
    pack = tmp_path / "out.json"
    transfer.to.setText("Northshire MARAC")
    transfer.file.setText(str(pack))
    with qtbot.waitSignal(dialog.changes_made, timeout=15_000):
        transfer.save()
    assert dialog.status_chip.text() == "Closed" and dialog.transfer_button.isHidden()
    assert pack.exists() and pack.with_suffix(".pdf").exists()
    assert any("Transferred out to Northshire MARAC" in label.text()
               for label in dialog.orders_section.findChildren(QLabel))

    window = make_window(ctx)
    from cspdesk_gui.main_window import Section

    window.show_section(Section.CASES)
    taking = window.page(Section.CASES).take_in_transfer()
    taking.file.setText(str(pack))
    with qtbot.waitSignal(taking.saved, timeout=15_000):
        taking.save()
    assert taking.taken_in is not None and taking.taken_in.from_marac
