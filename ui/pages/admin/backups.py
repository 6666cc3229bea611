"""The Backups tab: when automatic backups are made, how many are kept and where; the backups there
now; a backup by hand; and the way to restore one."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from cspdesk.services.database.backup import MAX_KEEP, BackupInfo, BackupService, BackupSettings
from cspdesk.services.context import OpChanges, ServiceContext
from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk_gui.operations import run_op
from cspdesk_gui.dialogs.restore import holds_text, one_line
from cspdesk_gui.pages.admin import common
from cspdesk_gui.pages.admin.common import FieldErrors, MessageLine, error_label
from cspdesk_gui.pages.admin.tab import AdminTab
from cspdesk_gui.signals import emit
from cspdesk_gui.accessibility import hand_focus_to


class BackupsTab(AdminTab):
    tab_label = "Backu&ps"

    #: "Restore a backup…" was pressed (the main window opens the restore dialog).
    restore_requested = Signal()
    #: A backup by hand was made: the BackupInfo.
    backup_made = Signal(object)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._service = BackupService(ctx)
        self._saved: BackupSettings | None = None
        self._busy = False
        self.server = ctx.vault is None

        self.tab_layout.addWidget(self.hint(
            "Backups are encrypted like the database and checked after they are written. Keep the backup "
            "folder on another disk if you can: a backup on the same disk is lost with it."))
        if self.server:
            self.tab_layout.addWidget(self.hint("This database is on a server: the server's administrator backs "
                                                "it up, not CSPDesk."))

        self._settings = QWidget(self)
        self._settings.setMaximumWidth(720)
        column = QVBoxLayout(self._settings)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(8)
        self.daily_box = QCheckBox("Back up &every day (the first time CSPDesk is open each day)", self._settings)
        self.daily_box.setObjectName("backupDaily")
        self.close_box = QCheckBox("Back up when CSPDesk &closes, if anything changed", self._settings)
        self.close_box.setObjectName("backupOnClose")
        column.addWidget(self.daily_box)
        column.addWidget(self.close_box)

        keep_row = QHBoxLayout()
        keep_label = QLabel("&Keep the newest", self._settings)
        self.keep_spin = QSpinBox(self._settings)
        self.keep_spin.setObjectName("backupKeep")
        self.keep_spin.setRange(1, MAX_KEEP)
        self.keep_spin.setSuffix(" backups")
        self.keep_spin.setAccessibleName("How many backups to keep")
        self.keep_spin.setMinimumWidth(self.keep_spin.fontMetrics().horizontalAdvance("365 backups") + 48)
        keep_label.setBuddy(self.keep_spin)
        keep_row.addWidget(keep_label)
        keep_row.addWidget(self.keep_spin)
        keep_row.addWidget(QLabel("(older ones are deleted)", self._settings))
        keep_row.addStretch(1)
        column.addLayout(keep_row)
        self.keep_error = error_label(self._settings)
        column.addWidget(self.keep_error)

        folder_caption = QLabel("Backup fo&lder", self._settings)
        folder_caption.setObjectName("settingCaption")
        column.addWidget(folder_caption)
        folder_row = QHBoxLayout()
        self.folder_edit = QLineEdit(self._settings)
        self.folder_edit.setObjectName("backupFolder")
        self.folder_edit.setAccessibleName("Backup folder")
        folder_caption.setBuddy(self.folder_edit)
        folder_row.addWidget(self.folder_edit, 1)
        self.browse_button = QPushButton("Ch&oose…", self._settings)
        self.browse_button.clicked.connect(self.choose_folder)
        folder_row.addWidget(self.browse_button)
        self.default_button = QPushButton("Use the &default", self._settings)
        self.default_button.clicked.connect(self._use_default_folder)
        folder_row.addWidget(self.default_button)
        column.addLayout(folder_row)
        self.folder_error = error_label(self._settings)
        column.addWidget(self.folder_error)
        self.tab_layout.addWidget(self._settings)

        row = QHBoxLayout()
        self.save_button = QPushButton("S&ave", self)
        self.save_button.setObjectName("primaryButton")
        self.save_button.clicked.connect(self.save)
        row.addWidget(self.save_button)
        self.revert_button = QPushButton("&Undo changes", self)
        self.revert_button.clicked.connect(self._show_saved)
        row.addWidget(self.revert_button)
        row.addStretch(1)
        self.tab_layout.addLayout(row)
        self.general_error = error_label(self)
        self.tab_layout.addWidget(self.general_error)
        self.errors = FieldErrors(self.general_error)
        self.errors.add("backup_keep", self.keep_error, self.keep_spin)
        self.errors.add("backup_folder", self.folder_error, self.folder_edit)

        heading = QLabel("Backups in the folder", self)
        heading.setObjectName("sectionHeading")
        self.tab_layout.addWidget(heading)
        self.list = QListWidget(self)
        self.list.setObjectName("backupList")
        self.list.setAccessibleName("Backups, newest first")
        self.list.setMinimumHeight(120)
        self.tab_layout.addWidget(self.list, 1)
        self.empty_label = QLabel("No backups yet.", self)
        self.empty_label.setObjectName("mutedText")
        self.empty_label.hide()
        self.tab_layout.addWidget(self.empty_label)

        actions = QHBoxLayout()
        self.backup_button = QPushButton("Back up &now", self)
        self.backup_button.clicked.connect(self.back_up_now)
        actions.addWidget(self.backup_button)
        self.restore_button = QPushButton("&Restore a backup…", self)
        self.restore_button.setObjectName("restoreBackup")
        self.restore_button.clicked.connect(self._restore_clicked)
        actions.addWidget(self.restore_button)
        self.progress = common.small_progress_bar(self)
        actions.addWidget(self.progress)
        actions.addStretch(1)
        self.tab_layout.addLayout(actions)
        self.message = MessageLine(self)
        self.tab_layout.addWidget(self.message)

        for box in (self.daily_box, self.close_box):
            box.toggled.connect(self._edited)
        self.keep_spin.valueChanged.connect(self._edited)
        self.folder_edit.textChanged.connect(self._edited)
        hand_focus_to(self, self.daily_box)  # not setFocusProxy: Tab would skip what comes before it
        for widget in (self._settings, self.save_button, self.revert_button, self.backup_button,
                       self.restore_button, self.list):
            widget.setEnabled(not self.server)
        self._edited()

    # -- reading ------------------------------------------------------------------------------

    def reload(self) -> None:
        if self.server:
            return
        self._saved = self._service.settings()
        self._show_saved()
        self._list_backups()

    def _list_backups(self) -> None:
        self.list.clear()
        try:
            found = self._service.list_backups()
        except ServiceError as exc:
            self.message.bad(str(exc))
            found = []
        for info in found:
            item = QListWidgetItem(f"{one_line(info)}  ·  {holds_text(info)}", self.list)
            item.setToolTip(str(info.folder))
            item.setData(Qt.ItemDataRole.UserRole, str(info.folder))
        self.empty_label.setVisible(not found)

    def backups_shown(self) -> int:
        return self.list.count()

    def _show_saved(self) -> None:
        saved = self._saved
        if saved is None:
            return
        self.daily_box.setChecked(saved.daily)
        self.close_box.setChecked(saved.on_close)
        self.keep_spin.setValue(saved.keep)
        self.folder_edit.setText(saved.folder or str(self._service.default_folder()))
        self.errors.clear()
        self._edited()

    def _folder_value(self) -> str:
        """"" when the box shows the default folder."""
        text_value = self.folder_edit.text().strip()
        if not self.server and text_value and Path(text_value) == self._service.default_folder():
            return ""
        return text_value

    def is_edited(self) -> bool:
        saved = self._saved
        return saved is not None and (
            self.daily_box.isChecked() != saved.daily or self.close_box.isChecked() != saved.on_close
            or self.keep_spin.value() != saved.keep or self._folder_value() != saved.folder
        )

    def _edited(self, *_args: object) -> None:
        edited = self.is_edited()
        self.save_button.setEnabled(edited and not self.server)
        self.revert_button.setEnabled(edited and not self.server)
        if edited:
            self.message.clear_message()

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Choose the backup folder", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def _use_default_folder(self) -> None:
        self.folder_edit.setText(str(self._service.default_folder()))

    # -- writing ------------------------------------------------------------------------------

    def save(self) -> BackupSettings | None:
        self.errors.clear()
        try:
            saved = self._service.set_settings(self.keep_spin.value(), daily=self.daily_box.isChecked(),
                                               on_close=self.close_box.isChecked(), folder=self._folder_value())
        except ValidationError as exc:
            self.errors.show(exc.field, str(exc))
            return None
        self._saved = saved
        self._show_saved()
        self._list_backups()
        self.message.good("Saved.")
        emit(self.changes_made, OpChanges(partnership=True))
        return saved

    def is_busy(self) -> bool:
        return self._busy

    def back_up_now(self) -> None:
        if self._busy or self.server:
            return
        self._busy = True
        self.backup_button.setEnabled(False)
        self.progress.setValue(0)
        self.progress.show()
        self.message.say("Backing up…")
        service, tab = self._service, self

        def call(report):  # noqa: ANN001, ANN202
            return service.backup_now(progress=report)

        def done(info: object) -> None:
            if isValid(tab):
                tab._backed_up(info)

        def failed(exc: BaseException) -> None:
            if isValid(tab):
                tab._backup_failed(exc)

        def progressed(percent: int, _message: str) -> None:
            if isValid(tab):
                tab.progress.setValue(percent)

        run_op(call, done, failed, on_progress=progressed)

    def _finished(self) -> None:
        self._busy = False
        self.backup_button.setEnabled(True)
        self.progress.hide()

    def _backed_up(self, info: object) -> None:
        assert isinstance(info, BackupInfo)
        self._finished()
        self._list_backups()
        self.message.good(f"Backup made: {info.folder}")
        emit(self.backup_made, info)
        emit(self.changes_made, OpChanges())  # the audit trail has a new entry

    def _backup_failed(self, exc: BaseException) -> None:
        self._finished()
        self.message.bad(str(exc) if isinstance(exc, ServiceError) else "The backup could not be made.")

    def _restore_clicked(self) -> None:
        emit(self.restore_requested)
