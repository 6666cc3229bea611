"""Restore a backup: choose one, see when it was made and what it holds, confirm, restore.

Two ways in:

* **Signed in** (File → Restore a backup…, Administration → Backups, or the message about a
  damaged file): ``RestoreDialog(parent, ctx=ctx)`` restores with
  :meth:`BackupService.restore <cspdesk.services.database.backup.BackupService.restore>` — the backup must
  open with this database's key; the session is closed afterwards and the person signs in again.
* **Not signed in** (the sign-in dialog, when the file is damaged or gone):
  ``RestoreDialog(parent, db=path, username=…)`` lists the backups in the file's default folder and
  restores with :func:`~cspdesk.services.database.backup.restore_backup`, which needs an administrator's user
  name and password *in the backup*.

Either way the file there now is kept (``<db>.before-restore-<date and time>``), and nothing is
replaced until the backup has passed its checks. The restore runs off the GUI thread.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from cspdesk.services.database.backup import BackupInfo, BackupService, RestoreInfo, backups_for, read_backup, restore_backup
from cspdesk.services.context import ServiceContext
from cspdesk.services.errors import ServiceError
from cspdesk_gui.operations import run_op
from cspdesk_gui.dialogs.forms import error_label, line_edit, make_primary
from cspdesk_gui.formatting import short_datetime
from cspdesk_gui.signals import emit
from cspdesk_gui.windows import room_for_wrapped_text

#: How backup.json's reasons read.
REASONS = {"manual": "made by hand", "daily": "daily", "on_close": "on closing", "": ""}
#: What a backup holds, in the order shown (table → words).
HOLDS = (("case_record", "case"), ("person", "person", "people"), ("meeting", "meeting"), ("action", "action"),
         ("user_account", "account"))


def local_time(info: BackupInfo) -> str:
    """When the backup was made, in this computer's time: ``22 Nov 2026, 05:40``."""
    if info.created_at is None:
        return "an unknown date"
    return short_datetime(info.created_at.replace(tzinfo=timezone.utc).astimezone().replace(tzinfo=None))


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{max(size // 1024, 1)} KB"


def holds_text(info: BackupInfo) -> str:
    """``212 cases, 530 people, 48 meetings, 1,204 actions, 9 accounts``."""
    parts = []
    for entry in HOLDS:
        table, singular = entry[0], entry[1]
        plural = entry[2] if len(entry) > 2 else singular + "s"
        if table in info.counts:
            n = int(info.counts[table])
            parts.append(f"{n:,} {singular if n == 1 else plural}")
    return ", ".join(parts) if parts else "not recorded (a copy without backup.json)"


def one_line(info: BackupInfo) -> str:
    reason = REASONS.get(info.reason, info.reason)
    return f"{local_time(info)}" + (f"  ·  {reason}" if reason else "") + f"  ·  {size_text(info.size_bytes)}"


class RestoreDialog(QDialog):
    """Choose a backup and restore it. Emits :attr:`restored` and accepts when done."""

    #: The backup was restored: the :class:`RestoreInfo`.
    restored = Signal(object)
    #: The restore was refused: the message shown.
    restore_failed = Signal(str)

    def __init__(self, parent: QWidget | None = None, *, ctx: ServiceContext | None = None,
                 db: str | Path | None = None, username: str = "") -> None:
        super().__init__(parent)
        if (ctx is None) == (db is None):
            raise ValueError("give ctx (signed in) or db (not signed in)")
        self.ctx = ctx
        self._service = BackupService(ctx) if ctx is not None else None
        self.db = Path(db) if db is not None else (ctx.vault.db_path if ctx is not None and ctx.vault else None)
        self._busy = False
        self.result_info: RestoreInfo | None = None
        self.setObjectName("restoreDialog")
        self.setWindowTitle("Restore a backup — CSPDesk")
        self.setMinimumWidth(600)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(10)
        heading = QLabel("Restore a backup", self)
        heading.setObjectName("dialogHeading")
        layout.addWidget(heading)
        where = str(self.db) if self.db is not None else "this database"
        intro = QLabel(f"The database {where} is replaced by the backup you choose. Everything changed "
                       "since that backup was made is replaced with it.", self)
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(intro)

        top = QHBoxLayout()
        caption = QLabel("&Backups", self)
        caption.setObjectName("settingCaption")
        top.addWidget(caption)
        top.addStretch(1)
        self.choose_button = QPushButton("&Choose another backup…", self)
        self.choose_button.setAutoDefault(False)
        self.choose_button.setToolTip("A backup folder elsewhere (another disk, a copy someone sent)")
        self.choose_button.clicked.connect(self.choose_other)
        top.addWidget(self.choose_button)
        layout.addLayout(top)
        self.list = QListWidget(self)
        self.list.setObjectName("backupList")
        self.list.setAccessibleName("Backups, newest first")
        self.list.setMinimumHeight(140)
        caption.setBuddy(self.list)
        self.list.currentRowChanged.connect(self._selected)
        layout.addWidget(self.list, 1)
        self.empty_label = QLabel("", self)
        self.empty_label.setObjectName("mutedText")
        self.empty_label.setWordWrap(True)
        self.empty_label.hide()
        layout.addWidget(self.empty_label)

        details = QFormLayout()
        details.setVerticalSpacing(4)
        details.setHorizontalSpacing(14)
        self.made_value = self._value()
        self.holds_value = self._value()
        self.checked_value = self._value()
        self.where_value = self._value()
        self.where_value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        details.addRow("Made", self.made_value)
        details.addRow("Holds", self.holds_value)
        details.addRow("Checked", self.checked_value)
        details.addRow("Folder", self.where_value)
        layout.addLayout(details)

        self.kept_note = QLabel("", self)
        self.kept_note.setObjectName("keptNote")
        self.kept_note.setWordWrap(True)
        self.kept_note.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.kept_note)

        self.username_edit = None
        self.password_edit = None
        if ctx is None:
            form = QFormLayout()
            form.setVerticalSpacing(8)
            note = QLabel("Restoring needs an administrator's user name and password as they were when the "
                          "backup was made.", self)
            note.setWordWrap(True)
            note.setObjectName("mutedText")
            layout.addWidget(note)
            self.username_edit = line_edit(self, "restoreUsername", "Administrator's user name")
            self.username_edit.setText(username)
            self.password_edit = line_edit(self, "restorePassword", "Password", password=True)
            user_label = QLabel("&User name", self)
            user_label.setBuddy(self.username_edit)
            password_label = QLabel("&Password", self)
            password_label.setBuddy(self.password_edit)
            form.addRow(user_label, self.username_edit)
            form.addRow(password_label, self.password_edit)
            layout.addLayout(form)

        self.confirm_box = QCheckBox("&Replace the database with this backup", self)
        self.confirm_box.setObjectName("confirmRestore")
        self.confirm_box.toggled.connect(self._update_buttons)
        layout.addWidget(self.confirm_box)

        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(8)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.error = error_label(self)
        layout.addWidget(self.error)

        self.buttons = QDialogButtonBox(self)
        self.restore_button = self.buttons.addButton("Restore", QDialogButtonBox.ButtonRole.AcceptRole)
        make_primary(self.restore_button)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

        self._backups: list[BackupInfo] = []
        self.reload()
        self.list.setFocus()

    def _value(self) -> QLabel:
        label = QLabel("", self)
        label.setObjectName("detailValue")
        label.setWordWrap(True)
        label.setTextFormat(Qt.TextFormat.PlainText)
        return label

    # -- the list -----------------------------------------------------------------------------

    def reload(self, extra: BackupInfo | None = None) -> None:
        """Read the backups folder again (and put ``extra``, one chosen elsewhere, first)."""
        try:
            found = self._service.list_backups() if self._service is not None else backups_for(self.db)
        except ServiceError as exc:
            found = []
            self.error.setText(str(exc))
            self.error.show()
        if extra is not None:
            found = [extra, *[b for b in found if b.folder != extra.folder]]
        self._backups = found
        self.list.clear()
        for info in found:
            item = QListWidgetItem(one_line(info), self.list)
            item.setToolTip(str(info.folder))
        # An empty list needs little room; on a 1024×700 laptop the message below it needs that room.
        self.list.setMinimumHeight(140 if found else 60)
        if found:
            self.empty_label.hide()
            self.list.setCurrentRow(0)
        else:
            self.empty_label.setText("There are no backups in this database's backup folder. Choose one "
                                     "elsewhere with “Choose another backup…”.")
            self.empty_label.show()
            self._selected(-1)
        if self.isVisible():
            room_for_wrapped_text(self)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        room_for_wrapped_text(self)

    def backups(self) -> list[BackupInfo]:
        return list(self._backups)

    def selected(self) -> BackupInfo | None:
        row = self.list.currentRow()
        return self._backups[row] if 0 <= row < len(self._backups) else None

    def select(self, info_or_path: BackupInfo | Path | str) -> BackupInfo:
        """Choose a backup (one of the list, or a folder anywhere): what the file dialog does."""
        info = info_or_path if isinstance(info_or_path, BackupInfo) else read_backup(info_or_path)
        for row, known in enumerate(self._backups):
            if known.folder == info.folder and known.db_file == info.db_file:
                self.list.setCurrentRow(row)
                return known
        self.reload(extra=info)
        return info

    def choose_other(self) -> None:
        start = str(self._backups[0].folder.parent) if self._backups else str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Choose a backup folder", start)
        if not folder:
            return
        try:
            self.select(folder)
        except ServiceError as exc:
            self._show_error(str(exc))

    def _selected(self, _row: int) -> None:
        info = self.selected()
        self.confirm_box.setChecked(False)
        if info is None:
            for label in (self.made_value, self.holds_value, self.checked_value, self.where_value):
                label.setText("—")
            self.kept_note.hide()
        else:
            reason = REASONS.get(info.reason, info.reason)
            self.made_value.setText(local_time(info) + (f" ({reason})" if reason else ""))
            self.holds_value.setText(holds_text(info))
            self.checked_value.setText("Yes, opened and checked when it was made" if info.verified
                                       else "No record of a check: it is checked before anything is replaced")
            self.where_value.setText(str(info.folder))
            name = self.db.name if self.db is not None else "the database"
            self.kept_note.setText(f"Nothing is deleted: the database there now is kept beside it, renamed "
                                   f"{name}.before-restore-{datetime.now():%Y%m%d}-… (with the time of the "
                                   "restore), and can still be opened.")
            self.kept_note.show()
        self._show_error("")
        self._update_buttons()

    def _update_buttons(self, *_args: object) -> None:
        self.restore_button.setEnabled(not self._busy and self.selected() is not None
                                       and self.confirm_box.isChecked())

    def _show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(bool(message))

    def error_text(self) -> str:
        return self.error.text() if not self.error.isHidden() else ""

    # -- restoring ----------------------------------------------------------------------------

    def is_busy(self) -> bool:
        return self._busy

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        for widget in (self.list, self.choose_button, self.confirm_box, self.username_edit, self.password_edit):
            if widget is not None:
                widget.setEnabled(not busy)
        self.cancel_button.setEnabled(not busy)
        self.progress.setVisible(busy)
        self.restore_button.setText("Restoring…" if busy else "Restore")
        self._update_buttons()

    def accept(self) -> None:
        """Restore on a worker thread; the dialog closes only when that succeeded."""
        info = self.selected()
        if self._busy or info is None:
            return
        if not self.confirm_box.isChecked():
            self._show_error("Tick “Replace the database with this backup” to go ahead.")
            return
        self._show_error("")
        if self._service is not None:
            service = self._service

            def call() -> RestoreInfo:
                return service.restore(info)
        else:
            assert self.username_edit is not None and self.password_edit is not None and self.db is not None
            username, password, into = self.username_edit.text().strip(), self.password_edit.text(), self.db
            if not username or not password:
                self._show_error("Give an administrator's user name and password from the backup.")
                (self.username_edit if not username else self.password_edit).setFocus()
                return

            def call() -> RestoreInfo:
                return restore_backup(info, into=into, username=username, password=password)

        self._set_busy(True)
        dialog = self

        def succeeded(result: object) -> None:
            if isValid(dialog):
                dialog._restored(result)

        def failed(exc: BaseException) -> None:
            if isValid(dialog):
                dialog._refused(exc)

        run_op(call, succeeded, failed)

    def _restored(self, result: object) -> None:
        assert isinstance(result, RestoreInfo)
        self._set_busy(False)
        self.result_info = result
        if self.password_edit is not None:
            self.password_edit.clear()
        emit(self.restored, result)
        super().accept()

    def _refused(self, exc: BaseException) -> None:
        self._set_busy(False)
        message = str(exc) if isinstance(exc, ServiceError) else (
            f"The backup could not be restored ({type(exc).__name__}). Nothing has been changed.")
        self._show_error(message)
        if self.password_edit is not None:
            self.password_edit.clear()
        emit(self.restore_failed, message)

    def reject(self) -> None:
        if self._busy:  # a restore half-way must finish: it keeps the old file either way
            return
        super().reject()


def restored_notice(info: RestoreInfo) -> str:
    """What the sign-in dialog says after a restore."""
    kept = f" The file that was there is kept as {info.kept_as.name}." if info.kept_as is not None else ""
    return f"The backup was restored.{kept} Sign in to carry on."
