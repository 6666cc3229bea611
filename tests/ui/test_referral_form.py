"""The referral form, as a coordinator uses it: keys only, the DASH grid answered with 1/2/3, the
people already held offered as they type, the repeat banner, and the case found in the list after."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from cspdesk.domain.children import CscStatus
from cspdesk.domain.enums import PanelType, PersonRole
from cspdesk.services.referrals.children import ChildrenService
from cspdesk.services.referrals.cases import CaseQuery, CaseService
from cspdesk.services.partnership.panels import PanelService
from cspdesk.services.referrals.referrals import ReferralService
from cspdesk_gui.main_window import Section
from cspdesk_gui.models.case_table import CaseIdRole, Column
from cspdesk_gui.referrals.dash import DONT_KNOW, NO, YES, DashColumn, DashGrid, DashModel
from cspdesk_gui.referrals.dialog import ReferralDialog
from cspdesk_gui.referrals.fields import DateUnreadable, parse_date


def _panel(ctx, kind: PanelType) -> int:  # noqa: ANN001
    return next(p.id for p in PanelService(ctx).list_panels() if p.panel_type == kind)


def _focus():  # noqa: ANN202
    return QApplication.focusWidget()


def _tab(qtbot, times: int = 1) -> None:  # noqa: ANN001
    for _ in range(times):
        qtbot.keyClick(_focus(), Qt.Key.Key_Tab)


def _type(qtbot, text: str) -> None:  # noqa: ANN001
    qtbot.keyClicks(_focus(), text)


def _open_form(qtbot, make_window, ctx, kind: PanelType = PanelType.MARAC):  # noqa: ANN001, ANN202
    """The cases page filtered to the panel, then Ctrl+N: the form for that panel."""
    window = make_window(ctx)
    window.show_section(Section.CASES)
    cases = window.page(Section.CASES)
    cases.show_panel(_panel(ctx, kind))
    cases.table.setFocus()
    with qtbot.waitSignal(cases.referral_dialog_opened, timeout=5000) as opened:
        qtbot.keyClick(cases.table, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    dialog = opened.args[0]
    assert isinstance(dialog, ReferralDialog)
    with qtbot.waitExposed(dialog), qtbot.waitActive(dialog):
        dialog.activateWindow()
    return window, cases, dialog


def _demo_victim(ctx, *, repeat: bool):  # noqa: ANN001, ANN202
    """A MARAC victim held in the demo data whose last referral is (or is not) within 12 months."""
    service = ReferralService(ctx)
    cases = CaseService(ctx)
    marac = _panel(ctx, PanelType.MARAC)
    ids = cases.case_ids(CaseQuery(panel_id=marac, statuses=None))
    seen: set[int] = set()
    for row in cases.case_rows(ids[:400]):
        detail_people = [p for p in cases.get_case(row.id).people if p.role == PersonRole.VICTIM]
        for person in detail_people:
            if person.person_id in seen or person.date_of_birth is None:
                continue
            seen.add(person.person_id)
            found = service.check_repeat(marac, person.person_id, ctx.today())
            if (found is not None) == repeat:
                return person, found
    raise AssertionError("no such victim in the demo data")


# -- the DASH grid --------------------------------------------------------------------------------


def test_the_dash_model_passes_the_model_tester(qtmodeltester):
    model = DashModel([f"Question {n}" for n in range(1, 25)])
    model.set_answer(0, YES)
    model.set_answer(1, DONT_KNOW)
    model.set_source(1, "Police officer")
    qtmodeltester.check(model)
    assert model.yes_count() == 1
    assert model.answers() == {1: YES, 2: DONT_KNOW}
    assert model.sources() == {2: "Police officer"}
    with pytest.raises(ValueError):
        model.set_answer(2, "maybe")


def test_keys_1_2_3_answer_the_current_row_and_move_on(qtbot):
    grid = DashGrid([f"Question {n}" for n in range(1, 25)], lambda n: "High" if n >= 14 else "Low", 14)
    qtbot.addWidget(grid)
    grid.show()
    grid.table.setFocus()
    grid.table.setCurrentIndex(grid.model.index(0, DashColumn.ANSWER))
    with qtbot.waitSignal(grid.yes_count_changed) as counted:
        qtbot.keyClick(grid.table, Qt.Key.Key_1)
    assert counted.args == [1]
    qtbot.keyClicks(grid.table, "23" + "1" * 13)
    assert grid.model.answers()[2] == NO and grid.model.answers()[3] == DONT_KNOW
    assert grid.model.yes_count() == 14
    assert grid.table.currentIndex().row() == 16  # moved one row per answer
    assert grid.count_label.text() == "Yes: 14 of 24  (16 answered)"
    assert grid.band_label.text().startswith("Band: High")
    assert grid.visible_high_risk()
    # Space clears the current row's answer; going back and answering again replaces an answer.
    qtbot.keyClick(grid.table, Qt.Key.Key_Up)
    qtbot.keyClick(grid.table, Qt.Key.Key_Space)
    assert grid.model.answer(15) is None
    assert grid.model.yes_count() == 13
    assert grid.band_label.text() == "Band: Low"


def test_dates_are_typed_day_first():
    assert parse_date("2/11/2026") == date(2026, 11, 2)
    assert parse_date(" 02-11-2026 ") == date(2026, 11, 2)
    assert parse_date("2026-11-02") == date(2026, 11, 2)
    assert parse_date("2 Nov 2026") == date(2026, 11, 2)
    assert parse_date("") is None
    with pytest.raises(DateUnreadable, match="not a real date"):
        parse_date("31/02/2026")
    with pytest.raises(DateUnreadable, match="day/month/year"):
        parse_date("next tuesday")


# -- the form, keys only -----------------------------------------------------------------------


def test_a_marac_referral_entered_by_keyboard_alone_is_found_in_the_list(qtbot, make_window, demo_ctx):
    window, cases, dialog = _open_form(qtbot, make_window, demo_ctx)
    assert _focus() is dialog.referral_date
    assert dialog.referral_date.value() == demo_ctx.today() == date(2026, 11, 2)  # today, already filled in

    _tab(qtbot)
    assert _focus() is dialog.agency
    _type(qtbot, "Kent Pol")  # typed into: the agencies containing it are offered
    _tab(qtbot)
    agency = dialog.agency.currentText()
    assert agency == "Kent Police" and dialog.agency.currentData() is not None
    assert _focus() is dialog.referrer
    _type(qtbot, "DC Example, Public Protection Unit")
    _tab(qtbot)
    assert _focus() is dialog.reason
    _type(qtbot, "Strangulation reported after separation; victim very frightened.")
    _tab(qtbot)
    assert _focus() is dialog.victim.given
    _type(qtbot, "Zelinda")
    _tab(qtbot)
    _type(qtbot, "Quorrington")
    _tab(qtbot)
    _type(qtbot, "14/02/1991")
    _tab(qtbot)
    assert _focus() is dialog.address
    _type(qtbot, "1 Example Row, Sittingbourne")
    _tab(qtbot, 2)  # postcode left empty
    assert _focus() is dialog.phone
    _type(qtbot, "07700 900123")
    _tab(qtbot)
    assert _focus() is dialog.safe_to_call
    qtbot.keyClick(_focus(), Qt.Key.Key_Down)  # "Yes, safe to call"
    _tab(qtbot)
    _type(qtbot, "Weekdays 10:00 to 14:00")

    # The perpetrator's row, then a child added from the keyboard.
    _tab(qtbot)
    perpetrator = dialog.perpetrators.rows[0]
    assert _focus() is perpetrator.entry.given
    _type(qtbot, "Orrin")
    _tab(qtbot)
    _type(qtbot, "Quorrington")
    _tab(qtbot, 2)  # date of birth not known
    _type(qtbot, "Husband")
    _tab(qtbot, 2)  # past Remove, to "Add perpetrator"
    assert _focus() is dialog.perpetrators.add_button
    _tab(qtbot)
    assert _focus() is dialog.children_rows.add_button
    qtbot.keyClick(_focus(), Qt.Key.Key_Space)
    child = dialog.children_rows.rows[0]
    assert _focus() is child.entry.given
    _type(qtbot, "Pip")
    _tab(qtbot)
    _type(qtbot, "Quorrington")
    _tab(qtbot)
    _type(qtbot, "3/5/2019")
    _tab(qtbot)
    _type(qtbot, "Son")
    _tab(qtbot)
    _type(qtbot, "Son")
    _tab(qtbot)
    _type(qtbot, "Example Primary School")

    # The child's second line (issue 19): children's services, Encompass, notified on and by.
    _tab(qtbot)
    assert _focus() is child.extras["csc_status"]
    qtbot.keyClick(_focus(), Qt.Key.Key_Down)  # "CSC: none"
    _tab(qtbot)
    assert _focus() is child.extras["encompass"]
    qtbot.keyClick(_focus(), Qt.Key.Key_Down)  # "Encompass: notified"
    _tab(qtbot, 3)  # past the date and the notifier, left empty
    assert _focus() is child.remove_button

    # Past the child's Remove button and both Add buttons to the risk tool (DASH 2009 kept), then
    # the DASH grid: 15 yes, 5 no, 4 don't know.
    _tab(qtbot, 2)
    assert _focus() is dialog.tool_combo and dialog.tool_combo.currentData() == "dash_2009"
    _tab(qtbot)
    assert _focus() is dialog.dash.table
    _type(qtbot, "1" * 15 + "2" * 5 + "3" * 4)
    assert dialog.dash.model.yes_count() == 15
    assert dialog.dash.model.answered_count() == 24
    assert dialog.dash.count_label.text() == "Yes: 15 of 24  (24 answered)"
    assert dialog.dash.band_label.text() == "Band: High  — visible high risk"
    assert dialog.crit_visible.text() == "Met: 15 yes answers (threshold 14)"

    _tab(qtbot)
    assert _focus() is dialog.judgement
    _tab(qtbot)  # the reason box is off until judgement is ticked: straight to the incidents
    assert _focus() is dialog.incidents
    _type(qtbot, "4")
    assert "Potential escalation: met" in dialog.crit_escalation.text()
    _tab(qtbot)
    qtbot.keyClick(_focus(), Qt.Key.Key_Down)  # victim aware: Yes
    _tab(qtbot)
    assert _focus() is dialog.consent
    qtbot.keyClick(_focus(), Qt.Key.Key_Down)  # consent: Yes
    assert not dialog.lawful_basis.isEnabled()

    with qtbot.waitSignal(dialog.referral_saved, timeout=5000) as saved:
        qtbot.keyClick(_focus(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    created, _changes = saved.args
    assert created.reference.startswith("MARAC-2026-")
    assert created.repeat_of is None
    assert created.criteria.visible_high_risk and created.criteria.potential_escalation
    assert len(created.created_person_ids) == 3  # victim, perpetrator, child

    # The list shows it, selected.
    qtbot.waitUntil(lambda: cases.model.row_of(created.case_id) is not None, timeout=5000)
    current = cases.table.currentIndex()
    assert current.data(CaseIdRole) == created.case_id
    cases.model.row_now(current.row())  # its page read (on the database thread) if it was not yet
    assert cases.model.index(current.row(), Column.SUBJECT).data() == "Zelinda Quorrington"
    assert cases.model.index(current.row(), Column.RISK).data() == "High"
    assert cases.model.index(current.row(), Column.REFERRER).data() == agency
    detail = CaseService(demo_ctx).get_case(created.case_id)
    roles = sorted((p.name, p.role.value) for p in detail.people)
    assert roles == [("Orrin Quorrington", "perpetrator"), ("Pip Quorrington", "child"),
                     ("Zelinda Quorrington", "victim")]
    assert [p.safe_to_call for p in detail.people if p.role == PersonRole.VICTIM] == [True]
    (pip,) = ChildrenService(demo_ctx).children(created.case_id)
    assert (pip.details.education_setting, pip.details.csc_status, pip.details.encompass_notified) == \
        ("Example Primary School", CscStatus.NONE, True)
    # And the search finds it by name.
    cases.set_search_text("Quorrington")
    qtbot.waitUntil(lambda: cases.model.query.text == "Quorrington", timeout=2000)
    assert created.case_id in [cases.model.case_id(r) for r in range(cases.model.rowCount())]


def test_nothing_is_saved_until_every_problem_beside_its_field_is_put_right(qtbot, make_window, demo_ctx):
    _window, _cases, dialog = _open_form(qtbot, make_window, demo_ctx)
    before = len(CaseService(demo_ctx).case_ids(CaseQuery(statuses=None)))
    dialog.referral_date.setText("3/11/2026")  # the day after "today"
    dialog.victim.family.setText("Example")
    dialog.victim.dob.setText("1/1/2015")  # 11: under 16
    dialog.perpetrators.rows[0].entry.given.setText("Someone")  # a row with no family name
    qtbot.keyClick(dialog.dash.table, Qt.Key.Key_1)  # one answer of 24
    dialog.judgement.setChecked(True)  # no reason written
    assert dialog.save() is None
    # The form's own problem (a half-answered DASH) and the service's, all at once.
    joined = " ".join(dialog.error_texts())
    assert "DASH: question 2 has no answer" in joined
    assert "Referral date is in the future." in joined
    assert "Perpetrator: give a family name" in joined
    assert "Professional judgement: write the reason" in joined
    assert "Lawful basis" in joined
    # Each message sits beside its own field.
    assert dialog._targets["referral_date"][1].text() == "Referral date is in the future."
    assert "Perpetrator" in dialog.perpetrators.rows[0].error.text()
    assert dialog._targets["professional_judgement_reason"][1].isVisibleTo(dialog)
    assert _focus() is dialog.referral_date  # the first problem has the cursor
    assert len(CaseService(demo_ctx).case_ids(CaseQuery(statuses=None))) == before

    dialog.dash.model.set_answer(0, None)  # no checklist at all is allowed
    dialog.referral_date.setText("2/11/2026")
    assert dialog.save() is None
    joined = " ".join(dialog.error_texts())
    assert "Victim: MARAC is for victims aged 16 or over" in joined
    assert "DASH" not in joined and "Referral date" not in joined
    assert len(CaseService(demo_ctx).case_ids(CaseQuery(statuses=None))) == before


def test_escape_asks_twice_once_something_was_typed(qtbot, make_window, demo_ctx):
    _window, _cases, dialog = _open_form(qtbot, make_window, demo_ctx)
    qtbot.keyClicks(dialog.victim.given, "Half")
    qtbot.keyClick(dialog.victim.given, Qt.Key.Key_Escape)
    assert dialog.isVisible()
    assert dialog.escape_note.isVisible()
    qtbot.keyClick(dialog.victim.given, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=2000)


# -- people held, and repeats ------------------------------------------------------------------


def test_typing_a_name_held_offers_it_and_linking_creates_no_new_person(qtbot, make_window, demo_ctx, monkeypatch):
    person, _repeat = _demo_victim(demo_ctx, repeat=False)
    given, family = person.name.split(" ", 1)
    _window, _cases, dialog = _open_form(qtbot, make_window, demo_ctx)
    dialog.victim.given.setFocus()
    qtbot.keyClicks(dialog.victim.given, given)
    qtbot.keyClick(dialog.victim.given, Qt.Key.Key_Tab)
    with qtbot.waitSignal(dialog.match_panel.matches_shown, timeout=3000) as shown:
        qtbot.keyClicks(dialog.victim.family, family)
    matches = shown.args[0]
    assert person.person_id in [m.person_id for m in matches]
    panel = dialog.match_panel
    assert panel.list.isVisibleTo(dialog)
    row = next(i for i in range(panel.model.rowCount()) if panel.model.match(i).person_id == person.person_id)
    text = panel.model.index(row, 0).data()
    assert text.startswith(person.name)
    assert "MARAC-" in text  # their earlier case is named

    # Alt+M to the list, arrows to the person, Enter links.
    qtbot.keyClick(dialog, Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    assert _focus() is panel.list
    for _ in range(row):
        qtbot.keyClick(panel.list, Qt.Key.Key_Down)
    with qtbot.waitSignal(panel.linked, timeout=2000):
        qtbot.keyClick(panel.list, Qt.Key.Key_Return)
    assert dialog.victim.linked is not None and dialog.victim.linked.person_id == person.person_id
    assert dialog.victim.link_label.isVisibleTo(dialog)
    assert "no new person will be created" in dialog.victim.link_label.text()
    assert not dialog.repeat_banner.isVisibleTo(dialog)  # not referred within 12 months

    dialog.perpetrators.remove_row(dialog.perpetrators.rows[0])
    dialog.consent.setCurrentIndex(dialog.consent.findData(True))
    dialog.agency.setCurrentIndex(1)  # a MARAC referral names its agency (issue 16)
    # No DASH and no criterion met: the form asks first (tests/ui/test_referral_record_window.py).
    monkeypatch.setattr("cspdesk_gui.referrals.dialog.confirm", lambda *_a, **_k: True)
    with qtbot.waitSignal(dialog.referral_saved, timeout=5000) as saved:
        qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    created = saved.args[0]
    assert created.created_person_ids == ()
    assert created.subject_person_id == person.person_id


def test_editing_a_linked_name_unlinks_it(qtbot, make_window, demo_ctx):
    person, _repeat = _demo_victim(demo_ctx, repeat=False)
    given, family = person.name.split(" ", 1)
    _window, _cases, dialog = _open_form(qtbot, make_window, demo_ctx)
    qtbot.keyClicks(dialog.victim.given, given)
    qtbot.keyClicks(dialog.victim.family, family)
    dialog.match_panel.search_now()
    assert dialog.match_panel.model.rowCount() >= 1
    dialog.match_panel.link_current()
    assert dialog.victim.linked is not None
    qtbot.keyClicks(dialog.victim.family, "x")
    assert dialog.victim.linked is None
    assert not dialog.victim.link_label.isVisibleTo(dialog)


def test_a_repeat_victim_shows_the_banner_naming_the_earlier_case(qtbot, make_window, demo_ctx):
    person, repeat = _demo_victim(demo_ctx, repeat=True)
    given, family = person.name.split(" ", 1)
    _window, _cases, dialog = _open_form(qtbot, make_window, demo_ctx)
    qtbot.keyClicks(dialog.victim.given, given)
    qtbot.keyClicks(dialog.victim.family, family)
    qtbot.keyClicks(dialog.victim.dob, person.date_of_birth.strftime("%d/%m/%Y"))
    qtbot.waitUntil(lambda: not dialog.match_panel.is_pending() and dialog.match_panel.model.rowCount() > 0,
                    timeout=3000)
    panel = dialog.match_panel
    row = next(i for i in range(panel.model.rowCount()) if panel.model.match(i).person_id == person.person_id)
    assert f"Linking makes this a repeat of {repeat.reference}" in panel.model.index(row, 0).data()
    panel.list.setCurrentIndex(panel.model.index(row, 0))
    with qtbot.waitSignal(dialog.repeat_changed, timeout=2000) as changed:
        qtbot.keyClick(dialog, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    assert changed.args[0] == repeat
    assert dialog.repeat_banner.isVisibleTo(dialog)
    text = dialog.repeat_label.text()
    assert repeat.reference in text
    assert f"{repeat.referral_date.day} {repeat.referral_date:%b %Y}" in text
    assert person.name in text
    assert dialog.crit_repeat.text().startswith(f"Met: {repeat.reference}")

    # Editing the name unlinks the victim, and the banner goes with the link.
    qtbot.keyClicks(dialog.victim.given, "x")
    assert not dialog.repeat_banner.isVisibleTo(dialog)


# -- other panel types ----------------------------------------------------------------------


def test_a_csvg_referral_for_a_household_with_flags(qtbot, make_window, demo_ctx):
    _window, cases, dialog = _open_form(qtbot, make_window, demo_ctx, PanelType.CSVG)
    assert not dialog.group_box.isVisibleTo(dialog)
    dialog.subject_choice.button(1).setChecked(True)
    assert dialog.group_box.isVisibleTo(dialog) and not dialog.person_box.isVisibleTo(dialog)
    dialog.group_name.setText("The household at 9 Example Close")
    member = dialog.members.add_row()
    member.entry.given.setText("Ada")
    member.entry.family.setText("Examplewood")
    member.set_value("role", "Tenant")
    assert dialog.save() is None
    assert "Risk level: choose" in " ".join(dialog.error_texts())
    dialog.flag_boxes[next(iter(dialog.flag_boxes))].setChecked(True)
    dialog.risk_level.setCurrentIndex(1)
    dialog.presenting.setPlainText("Hoarding; fire risk; neighbours report ASB.")
    with qtbot.waitSignal(dialog.referral_saved, timeout=5000) as saved:
        dialog.save()
    created = saved.args[0]
    assert created.reference.startswith("CSVG-")
    assert CaseService(demo_ctx).case_rows([created.case_id])[0].subject == "The household at 9 Example Close"


def test_a_socp_referral_needs_its_score(qtbot, make_window, demo_ctx):
    _window, _cases, dialog = _open_form(qtbot, make_window, demo_ctx, PanelType.SOCP)
    dialog.ocg_name.setText("Example Lines")
    dialog.nominals.rows[0].entry.given.setText("Nom")
    dialog.nominals.rows[0].entry.family.setText("Inal")
    dialog.nominals.rows[0].set_value("role", "Runner")
    assert dialog.save() is None
    assert any("Threat score" in t for t in dialog.error_texts())
    for box in dialog.threat_boxes.values():
        box.setValue(3)
    assert dialog.threat_total.text().startswith("18 of 24")
    with qtbot.waitSignal(dialog.referral_saved, timeout=5000) as saved:
        dialog.save()
    created = saved.args[0]
    assert created.reference.startswith("SOCP-")
    assert created.risk_level is not None


def test_a_socp_referral_for_an_ocg_already_held_joins_it(qtbot, make_window, demo_ctx):
    socp = _panel(demo_ctx, PanelType.SOCP)
    service = CaseService(demo_ctx)
    held = next(r for r in service.case_rows(service.case_ids(CaseQuery(panel_id=socp, statuses=None))[:50])
                if r.subject_kind == "group")
    _window, _cases, dialog = _open_form(qtbot, make_window, demo_ctx, PanelType.SOCP)
    dialog.ocg_name.setFocus()
    qtbot.keyClicks(dialog.ocg_name, held.subject.upper())  # any case: names are compared normalised
    qtbot.keyClick(dialog.ocg_name, Qt.Key.Key_Tab)
    assert dialog.ocg_note.isVisibleTo(dialog)
    dialog.nominals.remove_row(dialog.nominals.rows[0])  # an OCG held needs no new nominal
    for box in dialog.threat_boxes.values():
        box.setValue(1)
    with qtbot.waitSignal(dialog.referral_saved, timeout=5000) as saved:
        dialog.save()
    row = service.case_rows([saved.args[0].case_id])[0]
    assert row.subject == held.subject


def test_a_carm_referral_for_a_place_with_people_linked(qtbot, make_window, demo_ctx):
    _window, _cases, dialog = _open_form(qtbot, make_window, demo_ctx, PanelType.CARM)
    assert dialog.person_box.isVisibleTo(dialog) and not dialog.place_box.isVisibleTo(dialog)
    qtbot.keyClick(dialog, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)  # "&3  A place"
    qtbot.waitUntil(lambda: dialog.subject_choice.checkedId() == 2, timeout=2000)  # a mnemonic animates its click
    assert dialog.place_box.isVisibleTo(dialog) and not dialog.person_box.isVisibleTo(dialog)
    dialog.place_name.setText("Example Rec skate park")
    linked = dialog.linked.add_row()
    linked.entry.given.setText("Kit")
    linked.entry.family.setText("Examplefield")
    linked.entry.dob.setText("2/3/2011")
    linked.set_value("role", "Seen there most evenings")
    dialog.risk_level.setCurrentIndex(dialog.risk_level.findText("Medium"))
    with qtbot.waitSignal(dialog.referral_saved, timeout=5000) as saved:
        dialog.save()
    created = saved.args[0]
    assert created.reference.startswith("CARM-")
    detail = CaseService(demo_ctx).get_case(created.case_id)
    assert detail.row.subject == "Example Rec skate park"
    assert [p.name for p in detail.people] == ["Kit Examplefield"]


def test_a_dash_source_is_typed_after_f2(qtbot):
    grid = DashGrid([f"Question {n}" for n in range(1, 25)], lambda n: "Low", 14)
    qtbot.addWidget(grid)
    with qtbot.waitExposed(grid), qtbot.waitActive(grid):
        grid.show()
        grid.activateWindow()
    grid.table.setFocus()
    grid.table.setCurrentIndex(grid.model.index(4, DashColumn.SOURCE))
    qtbot.keyClick(grid.table, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert editor is not grid.table
    qtbot.keyClicks(editor, "Police officer's observation")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    # The delegate commits on the next turn of the event loop.
    qtbot.waitUntil(lambda: grid.model.sources() == {5: "Police officer's observation"}, timeout=2000)
    assert grid.model.answer(4) is None  # typing a source answers nothing


@pytest.mark.parametrize("kind", [PanelType.MARAC, PanelType.CSVG, PanelType.SOCP, PanelType.CARM])
def test_every_alt_key_on_a_form_does_one_thing(qtbot, demo_ctx, kind):
    """Two fields sharing an Alt+letter would make that key ambiguous (Qt then does nothing)."""
    import re as _re

    from PySide6.QtWidgets import QAbstractButton, QLabel

    dialog = ReferralDialog(demo_ctx, _panel(demo_ctx, kind))
    qtbot.addWidget(dialog)
    dialog.show()
    for choice in range(len(getattr(dialog, "subject_choice", None) and dialog.subject_choice.buttons() or [0])):
        if hasattr(dialog, "subject_choice"):
            dialog.subject_choice.button(choice).setChecked(True)
        keys: dict[str, str] = {"m": "Alt+M (people held)"}
        for widget in dialog.findChildren(QLabel) + dialog.findChildren(QAbstractButton):
            if not widget.isVisibleTo(dialog):
                continue
            found = _re.search(r"&([^&])", widget.text().replace("&&", ""))
            if found is None:
                continue
            key = found[1].lower()
            assert key not in keys, f"Alt+{key} is both {keys[key]!r} and {widget.text()!r}"
            keys[key] = widget.text()
        assert len(keys) >= 8


def test_each_panel_type_opens_its_own_form_class(qtbot, demo_ctx):
    """ReferralDialog(ctx, panel) is the form of the panel's type (one class per type, issue 23);
    the partnership's panel takes no referrals of its own."""
    from cspdesk.services.errors import ServiceError
    from cspdesk_gui.referrals.panel_forms import FORM_CLASSES

    for kind, form in FORM_CLASSES.items():
        dialog = ReferralDialog(demo_ctx, _panel(demo_ctx, kind))
        qtbot.addWidget(dialog)
        assert type(dialog) is form and isinstance(dialog, ReferralDialog)
        assert dialog.asks.panel_type is kind
    assert len(set(FORM_CLASSES.values())) == 4
    partnership = [p.id for p in PanelService(demo_ctx).list_panels() if p.panel_type == PanelType.PARTNERSHIP]
    assert partnership
    for panel_id in partnership:
        with pytest.raises(ServiceError, match="takes no referrals of its own"):
            ReferralDialog(demo_ctx, panel_id)
