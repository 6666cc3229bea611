"""The offline meeting dialogs (issue 21) on their own: the conflict choices, and a check-in refused
with its plain message under the fields. The whole checkout and check-in run against a real server
in tests/core/test_offline_meeting.py."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialogButtonBox, QToolButton

from cspdesk.services.offline.checkin import Conflict
from cspdesk_gui.dialogs.offline import CheckinDialog, ConflictDialog


def test_each_conflict_is_settled_mine_or_theirs(qtbot):  # noqa: ANN001
    dialog = ConflictDialog((Conflict("action", 12, ("status",)), Conflict("case", 5, ("review_date",))))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.choices() == {"action:12": "mine", "case:5": "mine"}  # mine unless changed
    dialog._boxes["case:5"].setCurrentIndex(1)
    assert dialog.choices() == {"action:12": "mine", "case:5": "theirs"}
    assert "action 12 was changed on the server" in dialog._boxes["action:12"].accessibleName()


def test_a_check_in_on_a_local_file_is_refused_under_the_fields(qtbot, admin_ctx, tmp_path: Path):  # noqa: ANN001
    dialog = CheckinDialog(admin_ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.path_edit.setText(str(tmp_path / "meeting.cspmeeting"))
    dialog.password_edit.setText("whatever it is")
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: dialog.error.isVisible() and dialog.buttons.isEnabled())
    assert "signed in to the server it came from" in dialog.error.text()
    assert dialog.result_value is None


def test_the_offline_button_is_for_a_server_only(qtbot, admin_ctx):  # noqa: ANN001
    from cspdesk_gui.pages.meetings import MeetingsPage

    page = MeetingsPage(admin_ctx)
    qtbot.addWidget(page)
    page.show()
    button = page.findChild(QToolButton, "offlineMeeting")
    assert button is not None and not button.isVisible()  # a local file runs its meetings itself
