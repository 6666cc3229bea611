"""Meetings run without a network (issue 21): check a meeting out into a meeting file, check a
meeting file back in, and settle conflicts (keep mine / keep theirs).

Every service call goes through the runner (cspdesk_gui.operations): checking out and in write to
the server and to files. Opened with ``open()`` (never ``exec()``); on success ``result_value``
holds the service's OpResult and the dialog is accepted.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout,
    QWidget,
)

from cspdesk.services.context import ServiceContext
from cspdesk.services.offline.checkin import MINE, THEIRS, CheckinConflicts, Conflict, check_in
from cspdesk.services.offline.checkout import check_out
from cspdesk_gui.dialogs.forms import error_label, line_edit, make_primary
from cspdesk_gui.operations import run_op

#: The suffix offered for a meeting file.
SUFFIX = ".cspmeeting"


class _FileAndPassword(QDialog):
    """A meeting file's path (typed, or chosen) and the signed-in account's password."""

    def __init__(self, ctx: ServiceContext, title: str, intro: str, ok_text: str, *, saving: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._ctx = ctx
        self._saving = saving
        self.result_value = None
        layout = QVBoxLayout(self)
        text = QLabel(intro, self)
        text.setWordWrap(True)
        layout.addWidget(text)
        form = QFormLayout()
        row = QHBoxLayout()
        self.path_edit = line_edit(self, "meetingFileEdit", "Meeting file", placeholder=f"meeting{SUFFIX}")
        browse = QPushButton("&Browse…", self)
        browse.clicked.connect(self._browse)
        row.addWidget(self.path_edit)
        row.addWidget(browse)
        form.addRow("Meeting &file", row)
        self.password_edit = line_edit(self, "meetingPasswordEdit", "Your password", password=True)
        form.addRow("Your &password", self.password_edit)
        layout.addLayout(form)
        self.error = error_label(self)
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel,
                                        self)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText(ok_text)
        make_primary(ok)
        self.buttons.accepted.connect(self.go)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.resize(520, self.sizeHint().height())

    def _browse(self) -> None:
        pick = QFileDialog.getSaveFileName if self._saving else QFileDialog.getOpenFileName
        path, _ = pick(self, self.windowTitle(), self.path_edit.text(), f"Meeting files (*{SUFFIX});;All files (*)")
        if path:
            self.path_edit.setText(path)

    def show_error(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.error.setText(str(exc))
        self.error.show()

    def _done(self, result: object) -> None:
        self.result_value = result
        self.accept()

    def go(self) -> None:
        raise NotImplementedError

    def _run(self, missing: str, call, on_failure, label: str) -> None:  # noqa: ANN001 - callables
        """``call(path, password)`` on the database thread, the buttons off until it answers."""
        path, password = self.path_edit.text().strip(), self.password_edit.text()
        if not path:
            self.show_error(ValueError(missing))
            return
        self.buttons.setEnabled(False)
        run_op(lambda: call(path, password), self._done, on_failure, parent=self, label=label)


class CheckoutDialog(_FileAndPassword):
    """Check the selected meeting out of the server into a new meeting file."""

    def __init__(self, ctx: ServiceContext, meeting_id: int, words: str, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Check out to run offline",
                         f"Take the meeting of {words} to a room with no network: a meeting file on this computer "
                         "holds its agenda, cases, earlier actions and attendance, encrypted, and opens with your "
                         "password. Meanwhile others can read the meeting here but not change it. Open the file "
                         "with File → Open database…, run the meeting, then check it in.",
                         "Check &out", saving=True, parent=parent)
        self.setObjectName("checkoutDialog")
        self._meeting_id = meeting_id

    def go(self) -> None:
        self._run("Choose where to save the meeting file.",
                  lambda path, password: check_out(self._ctx, self._meeting_id, path, password=password),
                  self.show_error, "Checking the meeting out…")


class CheckinDialog(_FileAndPassword):
    """Check a meeting file back in; conflicts are settled in a ConflictDialog, then it goes again."""

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, "Check in a meeting file",
                         "Bring a meeting run offline back: everything done in it is written here in one go, in "
                         "the order it was done, with its audit entries; then the file is wiped.",
                         "Check &in", saving=False, parent=parent)
        self.setObjectName("checkinDialog")
        self.keep: dict[str, str] = {}
        self.conflicts: ConflictDialog | None = None

    def go(self) -> None:
        keep = dict(self.keep)
        self._run("Choose the meeting file.",
                  lambda path, password: check_in(self._ctx, Path(path), password=password, keep=keep),
                  self._failed, "Checking the meeting in…")

    def _failed(self, exc: BaseException) -> None:
        if not isinstance(exc, CheckinConflicts):
            self.show_error(exc)
            return
        self.buttons.setEnabled(True)
        self.conflicts = ConflictDialog(exc.conflicts, self)
        self.conflicts.accepted.connect(self._settled)
        self.conflicts.open()

    def _settled(self) -> None:
        assert self.conflicts is not None
        self.keep.update(self.conflicts.choices())
        self.go()


class ConflictDialog(QDialog):
    """Each record changed both offline and on the server: keep mine or keep theirs."""

    def __init__(self, conflicts: tuple[Conflict, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("checkinConflictDialog")
        self.setWindowTitle("Changed on both sides")
        layout = QVBoxLayout(self)
        intro = QLabel("These were changed on the server since the meeting was checked out, and in the meeting too. "
                       "Nothing has been checked in yet. For each, keep yours or theirs.", self)
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self._boxes: dict[str, QComboBox] = {}
        for conflict in conflicts:
            box = QComboBox(self)
            box.addItem("Keep mine (from the meeting)", MINE)
            box.addItem("Keep theirs (on the server)", THEIRS)
            box.setAccessibleName(conflict.describe())
            label = QLabel(conflict.describe(), self)
            label.setWordWrap(True)
            form.addRow(label, box)
            self._boxes[conflict.key] = box
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Check &in with these")
        make_primary(buttons.button(QDialogButtonBox.StandardButton.Ok))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def choices(self) -> dict[str, str]:
        return {key: box.currentData() for key, box in self._boxes.items()}


def offline_button(page) -> QWidget:  # noqa: ANN001 - the MeetingsPage (importing it would be a cycle)
    """The Meetings page's "Offline ▾" button, on a server only: check the selected meeting out,
    check a meeting file in, and (administrators) cancel the selected meeting's checkout."""
    from PySide6.QtWidgets import QMenu, QToolButton

    from cspdesk.services.context import Permission
    from cspdesk.services.offline.checkout import cancel_checkout
    from cspdesk_gui.signals import emit

    button = QToolButton(page)
    button.setObjectName("offlineMeeting")
    button.setText("Offline")
    button.setToolTip("Run a meeting where there is no network: check it out into a meeting file, and check it "
                      "back in afterwards")
    button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
    menu = QMenu(button)
    ctx = page.ctx

    def say(exc: BaseException) -> None:
        page.warning.setText(str(exc))
        page.warning.show()

    def changed(result: object) -> None:
        page.detail = None
        page._load_meetings()  # noqa: SLF001 - the page's own reload, as after its other actions
        emit(page.changes_made, result.changes)

    def check_out_selected() -> None:
        if page.detail is None:
            say(ValueError("Choose the meeting to check out."))
            return
        page.checkout_dialog = CheckoutDialog(ctx, page.detail.row.id, page._meeting_words(), page)  # noqa: SLF001
        page.checkout_dialog.accepted.connect(lambda: changed(page.checkout_dialog.result_value))
        page.checkout_dialog.open()

    def check_in_file() -> None:
        page.checkin_dialog = CheckinDialog(ctx, page)
        page.checkin_dialog.accepted.connect(lambda: changed(page.checkin_dialog.result_value))
        page.checkin_dialog.open()

    def cancel_selected() -> None:
        if page.detail is not None:
            run_op(lambda: cancel_checkout(ctx, page.detail.row.id), changed, say, parent=page)

    page.checkout_action = menu.addAction("Check out to run offline…", check_out_selected)
    page.checkin_action = menu.addAction("Check in a meeting file…", check_in_file)
    if ctx.actor.can(Permission.ADMINISTER):
        page.cancel_checkout_action = menu.addAction("Cancel the meeting's checkout", cancel_selected)
    button.setMenu(menu)
    button.setVisible(page.can_run and not ctx.store.is_sqlite)
    return button
