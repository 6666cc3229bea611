"""Choosers of a person complete as you type, case-insensitively, take a part of a name ("okaf"
chooses the one person it names) and never swallow a key (issue 24). Each is tested by typing:
the action owner in meeting mode, a representative's name in the attendance grid, and the
person in the audit log's filter. (The chair and minute-taker of a new meeting, and the agency
choosers, are tested in test_keyboard_path.py.)"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit

from cspdesk.domain.enums import MeetingStatus, PanelType
from cspdesk.services.meetings.meetings import MeetingService
from cspdesk.services.partnership.panels import PanelService
from cspdesk_gui.main_window import Section

ALT = Qt.KeyboardModifier.AltModifier


def _shown(qtbot, window):  # noqa: ANN001, ANN202
    qtbot.addWidget(window)
    with qtbot.waitExposed(window), qtbot.waitActive(window):
        window.show()
        window.activateWindow()
    return window


def _meeting_mode(qtbot, ctx):  # noqa: ANN001, ANN202
    from cspdesk_gui.meeting_mode import MeetingModeWindow

    svc = MeetingService(ctx)
    panel = next(p.id for p in PanelService(ctx).list_panels() if p.panel_type is PanelType.MARAC)
    planned = [r for r in svc.list_meetings(panel) if r.status is MeetingStatus.PLANNED and r.cases]
    return _shown(qtbot, MeetingModeWindow(ctx, planned[0].id))


def _type(qtbot, text: str) -> None:
    for char in text:
        qtbot.keyClicks(QApplication.focusWidget(), char)
        QApplication.processEvents()  # as between a person's keystrokes


def _press(qtbot, key, modifier=Qt.KeyboardModifier.NoModifier) -> None:  # noqa: ANN001
    qtbot.keyClick(QApplication.focusWidget(), key, modifier)
    QApplication.processEvents()


def test_the_action_owner_completes_and_takes_part_of_a_name(demo_ctx, qtbot):
    window = _meeting_mode(qtbot, demo_ctx)
    window.go_to(next(n for n, item in enumerate(window.detail.items) if item.case_id is not None))
    members = {}
    for member in window._members:
        members.setdefault(member.agency_id, []).append(member)
    agency = next(a for a in window._agencies if len(members.get(a.id, [])) >= 2)
    member = members[agency.id][0]
    family = member.name.split()[-1]
    # A part from the middle of the name, typed in the wrong case, that names this one person.
    part = next(family[i:i + 4] for i in range(len(family) - 3)
                if sum(family[i:i + 4].casefold() in m.name.casefold() for m in members[agency.id]) == 1)

    _press(qtbot, Qt.Key.Key_G, ALT)
    assert QApplication.focusWidget() is window.agency_edit
    _type(qtbot, agency.name)
    _press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is window.owner_edit
    # The start of the name in capitals completes in the line, the typed letters kept as typed.
    _type(qtbot, member.name[:3].upper())
    assert window.owner_edit.text().casefold().startswith(member.name[:3].casefold())
    assert window.owner_edit.text()[:3] == member.name[:3].upper()  # no key lost or changed
    window.owner_edit.clear()
    _type(qtbot, part.upper())
    assert window.owner_edit.text() == part.upper()  # every key reached the line; nothing guessed
    _press(qtbot, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is window.text_edit  # Tab was not taken by a popup
    _type(qtbot, "Visit the address")
    _press(qtbot, Qt.Key.Key_Return)
    added = window.agreed_model.row_at(window.agreed_model.rowCount() - 1)
    assert added.owner_member_id == member.id, window.action_error.text()


# The completer's list offscreen cannot raise itself or grab the keyboard (Qt says so; harmless here).
@pytest.mark.qt_log_ignore("This plugin does not support raise", "This plugin does not support grabbing the keyboard")
def test_a_representatives_name_completes_from_part_of_it(demo_ctx, qtbot):
    from cspdesk_gui.models.meetings import AttendanceColumn

    window = _meeting_mode(qtbot, demo_ctx)
    view, model = window.attendance_view, window.attendance_model
    names = window.service.attendee_names(window.meeting_id)
    row = next(r for r in range(model.rowCount()) if len(names.get(model.row_at(r).agency_id, ())) >= 1)
    name = names[model.row_at(row).agency_id][0]
    part = name.split()[-1][1:4].upper()
    view.setCurrentIndex(model.index(row, AttendanceColumn.NAME))
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    _press(qtbot, Qt.Key.Key_F2)
    editor = QApplication.focusWidget()
    assert isinstance(editor, QLineEdit) and editor.objectName() == "attendanceNameEdit"
    editor.selectAll()
    _type(qtbot, part)
    assert editor.text() == part  # every key reached the line
    completer = editor.completer()
    offered = [completer.completionModel().index(n, 0).data() for n in range(completer.completionCount())]
    assert name in offered  # contains-match, case-insensitive
    completer.popup().hide()


def test_the_audit_logs_person_filter_is_typed_into(demo_admin_ctx, make_window, qtbot):
    window = make_window(demo_admin_ctx, section=Section.ADMIN)
    page = window.page(Section.ADMIN)
    audit = page.audit_tab
    page.show_tab(audit)
    combo = audit.user_combo
    users = [combo.itemText(n) for n in range(1, combo.count())]
    wanted = next(u for u in users if sum(u[1:4].casefold() in v.casefold() for v in users) == 1)
    assert combo.isEditable()
    combo.setFocus()
    qtbot.waitUntil(combo.hasFocus)
    _type(qtbot, wanted[1:4].upper() + " ")  # a part of the name, and a space, in the wrong case
    assert combo.currentText() == wanted[1:4].upper() + " "  # no key swallowed, no list opened
    _press(qtbot, Qt.Key.Key_Tab)
    assert combo.currentData() == wanted
