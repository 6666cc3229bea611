"""Trust in the referral record, through the window (issue 16, items 1, 5, 8): a linked victim's
new address typed on the form is saved and the case view shows it with the old one in the
history; the form names a missing agency beside its field and asks before saving a referral with
no DASH and no criterion; the case view shows the referral's criteria and why its risk is High."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import Qt
from pypdf import PdfReader

import cspdesk_gui.referrals.dialog as dialog_module
from cspdesk.domain.enums import PanelType, RiskLevel
from cspdesk.services.papers.case_summary import CaseSummaryService
from cspdesk.services.referrals.referrals import MaracDraft, PersonDraft, ReferralService, dash_from_values
from test_referral_form import _demo_victim, _focus, _open_form, _panel
from cspdesk_gui.dialogs.case_view import CaseDialog
from cspdesk_gui.models.case_people import PeopleColumn

SHOTS = Path("/tmp/cspdesk-shots")


def _pdf_words(pdf: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def test_a_linked_victims_new_address_is_saved_and_shown_with_the_old_one(qtbot, make_window, demo_ctx,
                                                                          monkeypatch):
    person, _repeat = _demo_victim(demo_ctx, repeat=False)
    assert person.address  # the demo victim has an address to move from
    given, family = person.name.split(" ", 1)
    _window, _cases, dialog = _open_form(qtbot, make_window, demo_ctx)
    dialog.victim.given.setFocus()
    qtbot.keyClicks(dialog.victim.given, given)
    with qtbot.waitSignal(dialog.match_panel.matches_shown, timeout=3000):
        qtbot.keyClicks(dialog.victim.family, family)
    panel = dialog.match_panel
    row = next(i for i in range(panel.model.rowCount()) if panel.model.match(i).person_id == person.person_id)
    # Alt+M to the list, arrows to the person, Enter links.
    qtbot.keyClick(dialog, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    for _ in range(row):
        qtbot.keyClick(panel.list, Qt.Key.Key_Down)
    with qtbot.waitSignal(panel.linked, timeout=2000):
        qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    assert dialog.victim.linked is not None and dialog.victim.linked.person_id == person.person_id
    dialog.address.setFocus()
    qtbot.keyClicks(_focus(), "Flat 2, 9 Oak Road, Sittingbourne")
    dialog.postcode.setFocus()
    qtbot.keyClicks(_focus(), "me10 4tt")
    dialog.perpetrators.remove_row(dialog.perpetrators.rows[0])
    dialog.consent.setCurrentIndex(dialog.consent.findData(True))

    # No agency: named beside its field, nothing saved.
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert dialog.isVisible() and dialog.created is None
    assert dialog._targets["referring_agency_id"][1].text() == "Referring agency: choose the agency that referred."

    # No DASH and no criterion: the form asks, and saves once told to.
    asked: list[str] = []
    monkeypatch.setattr(dialog_module, "confirm", lambda _p, _t, text, _yes, **_k: asked.append(text) or True)
    dialog.agency.setCurrentIndex(1)
    with qtbot.waitSignal(dialog.referral_saved, timeout=5000) as saved:
        qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    assert len(asked) == 1 and "no DASH checklist" in asked[0]
    created = saved.args[0]
    assert created.subject_person_id == person.person_id and created.risk_level is None

    view = CaseDialog.open_case(demo_ctx, created.case_id)
    qtbot.addWidget(view)
    view.show()
    view.set_contact_details_shown(True)
    victim_row = next(r for r in range(view.people_model.rowCount())
                      if view.people_model.person(r).person_id == person.person_id)
    address = view.people_model.index(victim_row, PeopleColumn.ADDRESS).data()
    assert address == "Flat 2, 9 Oak Road, Sittingbourne, ME10 4TT"
    assert view.contact_history.isVisible()
    old = " ".join(person.address.split())
    assert f"{person.name}: Moved from {old}" in " ".join(view.contact_history.text().split())
    SHOTS.mkdir(exist_ok=True)
    assert view.grab().save(str(SHOTS / "case_view_contact_history.png"))
    view.set_contact_details_shown(False)
    assert not view.contact_history.isVisible()  # the history is contact details too

    summary = _pdf_words(CaseSummaryService(demo_ctx).render(created.case_id, invariant=True))
    assert "Flat 2, 9 Oak Road, Sittingbourne, ME10 4TT" in summary and f"Moved from {old}" in summary


def test_the_case_view_shows_the_criteria_and_why_the_risk_is_high(qtbot, demo_ctx):
    marac = _panel(demo_ctx, PanelType.MARAC)
    created = ReferralService(demo_ctx).create(MaracDraft(
        panel_id=marac, referral_date=demo_ctx.today() - timedelta(days=2), referring_agency_id=1,
        victim=PersonDraft(given_name="Robin", family_name="Example"),
        dash=dash_from_values(["yes"] * 11 + ["no"] * 13), professional_judgement=True,
        professional_judgement_reason="Disclosed non-fatal strangulation last week", police_incidents_12m=1,
        victim_aware=True, consent_given=False, lawful_basis="Vital interests (risk to life)")).value
    assert created.risk_level is RiskLevel.HIGH
    view = CaseDialog.open_case(demo_ctx, created.case_id)
    qtbot.addWidget(view)
    view.resize(1024, 1400)
    view.show()
    labels = {k: v.text() for k, v in view.criteria_labels.items()}
    assert labels["Risk level"] == "High: professional judgement (DASH band Medium)"
    assert labels["Professional judgement"] == "Yes — Disclosed non-fatal strangulation last week"
    assert labels["Lawful basis"] == "Vital interests (risk to life)"
    assert labels["Victim aware of referral"] == "Yes" and labels["Consent to share"] == "No"
    assert all(label.isVisible() for label in view.criteria_labels.values())
    SHOTS.mkdir(exist_ok=True)
    assert view.grab().save(str(SHOTS / "case_view_criteria.png"))


def test_a_referral_dated_year_one_is_refused_beside_its_field(qtbot, make_window, demo_ctx):
    _window, _cases, dialog = _open_form(qtbot, make_window, demo_ctx)
    dialog.referral_date.setText("01/01/0001")
    assert dialog.save() is None
    assert dialog._targets["referral_date"][1].text() == (
        "Referral date: 01/01/0001 is before 01/01/1990; check the year.")
