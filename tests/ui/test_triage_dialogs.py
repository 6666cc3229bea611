"""The daily triage dialog (one key per outcome) and the ASB case reviews dialog (issue 19, part C),
reached from View → Daily triage… (Ctrl+Shift+T) and ASB case reviews… (Ctrl+Shift+R)."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt

from core.referral_setup import intake  # noqa: F401 - the fixture
from core.triage_setup import refer
from cspdesk.domain.triage import TriageOutcome
from cspdesk.services.referrals.community_trigger import ApplicationDraft, CommunityTriggerService, IncidentInput
from cspdesk_gui.dialogs.community_trigger import CommunityTriggerDialog, parse_incidents, parse_lines
from cspdesk_gui.dialogs.triage import TriageDialog

#: Where screenshots go when asked for (CSPDESK_SHOTS=folder): looked at by a person, not asserted.
SHOTS = os.environ.get("CSPDESK_SHOTS")
MONDAY = date(2026, 12, 7)


def _shot(widget, name: str) -> None:  # noqa: ANN001
    if SHOTS:
        widget.resize(1366 - 40, 768 - 80)
        widget.grab().save(str(Path(SHOTS) / f"{name}.png"))


@pytest.fixture
def it(intake):  # noqa: ANN001, ANN201, F811
    intake.ctx.today = lambda: MONDAY
    return intake


def test_triage_by_keyboard_one_key_per_outcome(qtbot, it, tmp_path) -> None:  # noqa: ANN001
    ids = [refer(it, day, name) for day, name in ((date(2026, 12, 4), "Friday"), (date(2026, 12, 6), "Sunday"),
                                                   (MONDAY, "Monday"))]
    dialog = TriageDialog(it.ctx, day=MONDAY)
    qtbot.addWidget(dialog)
    with qtbot.waitExposed(dialog), qtbot.waitActive(dialog):
        dialog.show()
        dialog.activateWindow()
    dialog.panel_combo.setCurrentIndex(dialog.panel_combo.findData(it.marac))
    qtbot.keyClick(dialog.open_button, Qt.Key.Key_Space)
    assert [e.case_id for e in dialog.detail.entries] == ids
    assert dialog.table.selectionModel().selectedRows()[0].row() == 0
    # A key without a minute asks for the minute first and records nothing.
    qtbot.keyClick(dialog.table, Qt.Key.Key_M)
    assert "Type the minute" in dialog.error.text()
    assert all(not e.decided for e in dialog.detail.entries)
    for key, minute in ((Qt.Key.Key_M, "DASH 15, visible high risk"), (Qt.Key.Key_S, "IDVA to support"),
                        (Qt.Key.Key_N, "Duplicate report")):
        qtbot.keyClicks(dialog.minute_edit, minute)
        qtbot.keyClick(dialog.minute_edit, Qt.Key.Key_Return)  # back to the list
        assert dialog.table.hasFocus()
        qtbot.keyClick(dialog.table, key)
    assert [e.outcome for e in dialog.detail.entries] == [TriageOutcome.TO_MARAC, TriageOutcome.SINGLE_AGENCY,
                                                          TriageOutcome.NO_FURTHER_ACTION]
    assert dialog.model.data(dialog.model.index(1, 6)) == "IDVA to support"
    _shot(dialog, "triage-dialog")
    out = tmp_path / "t.pdf"
    dialog.write_record(str(out))
    assert "Daily triage" in " ".join(p.extract_text() for p in PdfReader(out).pages)


def test_the_triage_model_passes_the_tester(qtbot, qtmodeltester, it) -> None:  # noqa: ANN001
    refer(it, MONDAY, "Monday")
    dialog = TriageDialog(it.ctx, day=MONDAY)
    qtbot.addWidget(dialog)
    dialog.panel_combo.setCurrentIndex(dialog.panel_combo.findData(it.marac))
    dialog.open_day()
    qtmodeltester.check(dialog.model)


def test_the_review_dialog_takes_an_application_through(qtbot, it, tmp_path) -> None:  # noqa: ANN001
    it.ctx.today = lambda: date(2026, 12, 10)
    svc = CommunityTriggerService(it.ctx)
    svc.apply(ApplicationDraft(panel_id=it.csvg, received_on=date(2026, 11, 4), applicant_name="Jo Applicant",
                               incidents=(IncidentInput(date(2026, 6, 2), it.police),
                                          IncidentInput(date(2026, 8, 14), it.housing),
                                          IncidentInput(date(2026, 10, 30), it.police))))
    dialog = CommunityTriggerDialog(it.ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.model.rowCount() == 1
    assert "overdue" in dialog.details.toPlainText()
    assert "Threshold test: met" in dialog.details.toPlainText()
    qtbot.mouseClick(dialog.ack_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.met_button, Qt.MouseButton.LeftButton)
    assert dialog.detail.threshold_met is True and dialog.detail.acknowledged_on == date(2026, 12, 10)
    from datetime import datetime

    from cspdesk.services.meetings.meetings import MeetingService

    meeting = MeetingService(it.ctx).plan_meetings(it.csvg, datetime(2026, 12, 9, 10, 0)).value[0]
    dialog.record_review()
    review = dialog.child
    review.meeting_combo.setCurrentIndex(review.meeting_combo.findData(meeting))
    review.recs_edit.setPlainText("POL: Increase patrols\nHH: Visit the neighbour")
    review.save()
    assert [r.agency for r in dialog.detail.recommendations] == ["Testshire Police", "Home Housing"]
    assert dialog.detail.review_meeting_id == meeting
    _shot(dialog, "community-trigger-dialog")
    dialog.write(lambda: svc.write_letter(dialog.detail.id, tmp_path / "l.pdf"), "l.pdf")
    assert "Increase patrols" in " ".join(p.extract_text() for p in PdfReader(tmp_path / "l.pdf").pages)


def test_the_new_application_form(qtbot, it) -> None:  # noqa: ANN001
    it.ctx.today = lambda: date(2026, 12, 10)
    dialog = CommunityTriggerDialog(it.ctx)
    qtbot.addWidget(dialog)
    dialog.new_application()
    form = dialog.child
    form.name_edit.setText("Jo Applicant")
    form.incidents_edit.setPlainText("30/10/2026; POL; ; Stones thrown\n01/09/2026; hh; Neighbour; Noise")
    form.save()
    assert form.result() == form.DialogCode.Accepted
    assert dialog.model.rowCount() == 1 and len(dialog.detail.incidents) == 2
    _shot(form, "community-trigger-application")


def test_typed_lines_are_read_or_refused_by_line() -> None:
    agencies = {"pol": 1, "home housing": 2}
    assert parse_lines("POL: Patrols\nJust text\n\nHome Housing: Visit", agencies) == [
        (1, "Patrols"), (None, "Just text"), (2, "Visit")]
    incidents = parse_incidents("2026-10-30; POL\n1/9/2026;;Neighbour;Noise", agencies)
    assert [(i.occurred_on, i.agency_id, i.complainant) for i in incidents] == [
        (date(2026, 10, 30), 1, ""), (date(2026, 9, 1), None, "Neighbour")]
    from cspdesk.services.errors import ValidationError

    with pytest.raises(ValidationError) as err:
        parse_incidents("yesterday; POL", agencies)
    assert err.value.field == "incident 1"
    with pytest.raises(ValidationError, match="no agency called"):
        parse_incidents("1/9/2026; XYZ", agencies)


def test_the_settings_form_changes_the_test_and_the_timescales(qtbot, it) -> None:  # noqa: ANN001
    dialog = CommunityTriggerDialog(it.ctx)
    qtbot.addWidget(dialog)
    assert not dialog.settings_button.isHidden()  # the local owner administers
    dialog.edit_settings()
    form = dialog.child
    form.spins["complaints"].setValue(2)
    form.spins["acknowledge_days"].setValue(3)
    form.holidays_edit.setPlainText("25/12/2026\n28/12/2026")
    form.save()
    assert form.result() == form.DialogCode.Accepted
    saved = CommunityTriggerService(it.ctx).settings()
    assert (saved.complaints, saved.acknowledge_days) == (2, 3)
    assert saved.bank_holidays == (date(2026, 12, 25), date(2026, 12, 28))
    _shot(form, "community-trigger-settings")
