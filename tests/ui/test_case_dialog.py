"""Opening a case: a read-only dialog, contact details hidden until asked for, one audited view
per opening."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt

from cspdesk.domain.enums import AuditKind, PersonRole
from cspdesk.services.audit.audit import AuditQuery, AuditService
from cspdesk.services.referrals.cases import CaseService, LinkedPerson
from cspdesk_gui.dialogs.case_view import CaseDialog
from cspdesk_gui.main_window import Section
from cspdesk_gui.models.case_people import CasePeopleModel, PeopleColumn


def _case_views(ctx, case_id: int) -> list[int]:  # noqa: ANN001
    query = AuditQuery(kinds=frozenset({AuditKind.VIEW}), entity="case", entity_id=case_id)
    return AuditService(ctx).event_ids(query)


def _case_about_a_person(ctx) -> int:  # noqa: ANN001
    """A case about a person (so it has people, with their contact details)."""
    service = CaseService(ctx)
    for case_id in service.case_ids()[:200]:
        rows = service.case_rows([case_id])
        if rows and rows[0].subject_kind == "person":
            return case_id
    raise AssertionError("no case about a person in the demo data")


def test_enter_on_a_case_opens_it_read_only(qtbot, make_window, demo_admin_ctx):
    window = make_window(demo_admin_ctx)
    window.show_section(Section.CASES)
    cases = window.page(Section.CASES)
    cases.table.setFocus()
    cases.table.setCurrentIndex(cases.model.index(0, 0))
    case_id = cases.model.case_id(0)
    reference = cases.model.index(0, 0).data()
    before = _case_views(demo_admin_ctx, case_id)

    with qtbot.waitSignal(window.case_dialog_opened, timeout=5000) as opened:
        qtbot.keyClick(cases.table, Qt.Key.Key_Return)
    dialog = opened.args[0]
    assert isinstance(dialog, CaseDialog)
    qtbot.waitExposed(dialog)
    assert not dialog.isModal()  # the list stays usable beside it
    assert dialog.windowTitle().startswith(reference)
    assert dialog.fact_labels["Panel"].text().startswith(cases.model.index(0, 2).data())
    assert dialog.status_chip.text() == cases.model.index(0, 5).data()
    assert dialog.fact_labels["Referred"].text().startswith(cases.model.index(0, 3).data())
    # Exactly one view in the audit trail for opening it.
    assert len(_case_views(demo_admin_ctx, case_id)) == len(before) + 1

    # Opening it again while it is open brings it forward; nothing is read again.
    assert window.open_case(case_id) is dialog
    assert len(_case_views(demo_admin_ctx, case_id)) == len(before) + 1

    # Escape closes it; opening it again is a new view.
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.case_dialogs() == [], timeout=2000)
    again = window.open_case(case_id)
    assert again is not None
    assert len(_case_views(demo_admin_ctx, case_id)) == len(before) + 2
    again.close()


def test_contact_details_stay_hidden_until_asked_for(qtbot, make_window, demo_admin_ctx):
    window = make_window(demo_admin_ctx)
    case_id = _case_about_a_person(demo_admin_ctx)
    before = len(_case_views(demo_admin_ctx, case_id))
    dialog = window.open_case(case_id)
    qtbot.waitExposed(dialog)
    table = dialog.people_table
    assert dialog.people_model.rowCount() >= 1
    assert not dialog.contact_details_shown()
    for column in (PeopleColumn.ADDRESS, PeopleColumn.PHONE, PeopleColumn.SAFE_TO_CALL):
        assert table.isColumnHidden(column)
    for column in (PeopleColumn.NAME, PeopleColumn.ROLE, PeopleColumn.BORN):
        assert not table.isColumnHidden(column)
    assert dialog.contact_button.text() == "Show contact details"
    assert dialog.contact_note.isVisible()

    qtbot.mouseClick(dialog.contact_button, Qt.MouseButton.LeftButton)
    assert dialog.contact_details_shown()
    assert not table.isColumnHidden(PeopleColumn.ADDRESS)
    assert dialog.contact_button.text() == "Hide contact details"
    assert not dialog.contact_note.isVisible()
    qtbot.mouseClick(dialog.contact_button, Qt.MouseButton.LeftButton)
    assert table.isColumnHidden(PeopleColumn.PHONE)
    # Toggling and repainting read nothing: still one view.
    dialog.repaint()
    assert len(_case_views(demo_admin_ctx, case_id)) == before + 1
    dialog.close()


def test_the_case_text_and_history_are_shown(qtbot, demo_admin_ctx):
    service = CaseService(demo_admin_ctx)
    case_id = service.case_ids()[0]
    detail = service.get_case(case_id)
    dialog = CaseDialog(detail)
    qtbot.addWidget(dialog)
    texts = [label.text() for label in dialog.findChildren(type(dialog.status_chip))]
    assert detail.reason.strip() in texts
    assert dialog.history_rows == len(detail.history)
    assert detail.row.status.label == dialog.status_chip.text()


def test_the_people_model(qtmodeltester):
    people = [
        LinkedPerson(1, "Jane Doe", PersonRole.VICTIM, date(1990, 4, 2), "1 High St\nMaidstone", "07700 900001", False),
        LinkedPerson(2, "John Doe", PersonRole.PERPETRATOR, None, "", "", None),
    ]
    model = CasePeopleModel(people)
    qtmodeltester.check(model)
    cell = lambda r, c: model.index(r, c).data()  # noqa: E731
    assert [cell(0, c) for c in PeopleColumn] == [
        "Jane Doe", "Victim", "2 Apr 1990", "1 High St Maidstone", "07700 900001", "No — do not call",
    ]
    assert cell(1, PeopleColumn.SAFE_TO_CALL) == "Not recorded"
    assert model.index(0, PeopleColumn.SAFE_TO_CALL).data(Qt.ItemDataRole.ForegroundRole).color().name() == "#a61b1b"
