"""The Security tab: when an idle window locks, how many wrong passwords lock an account, and
(on a local file) changing the database key now."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget
from shiboken6 import isValid

from cspdesk.services.access.accounts import AccountService, SecuritySettings
from cspdesk.services.context import OpResult, ServiceContext
from cspdesk.services.errors import ServiceError, ValidationError
from cspdesk.services.access.rekey import RekeyResult, RekeyService
from cspdesk_gui.operations import run_op
from cspdesk_gui.pages.admin import common
from cspdesk_gui.pages.admin.common import FieldErrors, MessageLine, error_label
from cspdesk_gui.pages.admin.tab import AdminTab
from cspdesk_gui.signals import emit
from cspdesk_gui.accessibility import hand_focus_to

#: The ranges the service accepts (it checks them again).
IDLE_RANGE = (1, 240)
ATTEMPTS_RANGE = (3, 20)


class SecurityTab(AdminTab):
    tab_label = "&Security"
    #: The database key was changed (the result says for how many accounts, and any new recovery key).
    key_changed = Signal(object)

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = AccountService(ctx)
        self._rekey = RekeyService(ctx)
        self._saved: SecuritySettings | None = None
        self._rekeying = False

        self.tab_layout.addWidget(self.hint("These apply to everyone who uses this database."))

        # A column of settings, each a caption, its box and what it means; kept to a readable width.
        self._settings = QWidget(self)
        self._settings.setMaximumWidth(640)
        settings = QVBoxLayout(self._settings)
        settings.setContentsMargins(0, 0, 0, 0)
        settings.setSpacing(16)

        self.idle_spin = QSpinBox(self)
        self.idle_spin.setObjectName("idleLockMinutes")
        self.idle_spin.setRange(*IDLE_RANGE)
        self.idle_spin.setSuffix(" minutes")
        self.idle_spin.setAccessibleName("Lock an idle window after, in minutes")
        self.idle_error = error_label(self)
        settings.addWidget(self._setting(
            "&Lock an idle window after", self.idle_spin, self.idle_error,
            "With no typing or clicking for this long, CSPDesk hides what is on screen and asks for the "
            "password again. Shorter is safer in shared offices.",
        ))

        self.attempts_spin = QSpinBox(self)
        self.attempts_spin.setObjectName("maxFailedAttempts")
        self.attempts_spin.setRange(*ATTEMPTS_RANGE)
        self.attempts_spin.setSuffix(" wrong passwords")
        self.attempts_spin.setAccessibleName("Lock an account after this many wrong passwords")
        self.attempts_error = error_label(self)
        settings.addWidget(self._setting(
            "Lock an account &after", self.attempts_spin, self.attempts_error,
            "Wrong passwords in a row before the account locks. An administrator unlocks it by resetting "
            "its password.",
        ))
        self.tab_layout.addWidget(self._settings)

        row = QHBoxLayout()
        self.save_button = QPushButton("Sav&e", self)
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
        self.errors.add("idle_lock_minutes", self.idle_error, self.idle_spin)
        self.errors.add("max_failed_attempts", self.attempts_error, self.attempts_spin)
        self.message = MessageLine(self)
        self.tab_layout.addWidget(self.message)
        self._add_key_section(ctx)
        self.tab_layout.addStretch(1)

        self.idle_spin.valueChanged.connect(self._edited)
        self.attempts_spin.valueChanged.connect(self._edited)
        hand_focus_to(self, self.idle_spin)  # not setFocusProxy: Tab would skip what comes before it
        self._edited()

    def _setting(self, caption: str, field: QWidget, error: QLabel, note: str, *,
                 parent: QWidget | None = None) -> QWidget:
        box = QWidget(parent or self._settings)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        label = QLabel(caption, box)
        label.setObjectName("settingCaption")
        label.setBuddy(field)
        column.addWidget(label)
        if isinstance(field, QSpinBox):
            field.setMinimumWidth(field.fontMetrics().horizontalAdvance("20 wrong passwords") + 48)
        line = QHBoxLayout()
        line.addWidget(field)
        line.addStretch(1)
        column.addLayout(line)
        hint = QLabel(note, box)
        hint.setObjectName("mutedText")
        hint.setWordWrap(True)
        column.addWidget(hint)
        column.addWidget(error)
        box.setFocusProxy(field)
        return box

    def _add_key_section(self, ctx: ServiceContext) -> None:
        """The database key: only a local file has one (a server's separation is its own)."""
        buttons = QWidget(self)
        row = QHBoxLayout(buttons)
        row.setContentsMargins(0, 0, 0, 0)
        self.rekey_button = QPushButton("Change the database &key now", buttons)
        self.rekey_button.setObjectName("rekeyButton")
        self.rekey_button.clicked.connect(self.change_key)
        row.addWidget(self.rekey_button)
        self.rekey_progress = common.small_progress_bar(buttons)
        row.addWidget(self.rekey_progress)
        self.key_message = MessageLine(self)
        self.key_box = self._setting(
            "Database key", buttons, self.key_message,
            "Every account's password opens this file's key, and so does any old copy of the keyring (each "
            "backup has one). CSPDesk changes the key when an account is disabled or a password reset; change "
            "it now if a keyring copy may have gone astray. Nobody's password changes; backups keep their key.",
            parent=self,
        )
        self.key_box.setMaximumWidth(640)
        self.key_box.layout().setContentsMargins(0, 24, 0, 0)
        self.tab_layout.addWidget(self.key_box)
        self.key_box.setVisible(ctx.vault is not None)

    def is_busy(self) -> bool:
        return self._rekeying

    def change_key(self) -> None:
        """Ask, then re-encrypt the file on the database thread, showing progress."""
        if self._rekeying or not common.confirm(
            self, "Change the database key", "Change the database key now?", "Change the key",
            informative="The file is re-encrypted under a new key for the active accounts only. It takes "
                        "a moment on a large file; other windows open on it must sign in again.",
        ):
            return
        self._rekeying = True
        self.rekey_button.setEnabled(False)
        self.rekey_progress.setValue(0)
        self.rekey_progress.show()
        self.key_message.say("Changing the key…")
        service, tab = self._rekey, self

        def call(report):  # noqa: ANN001, ANN202
            return service.change_key(progress=report)

        def done(result: object) -> None:
            if isValid(tab):
                tab._key_done(result)

        def failed(exc: BaseException) -> None:
            if isValid(tab):
                tab._key_done(None)
                tab.key_message.bad(str(exc) if isinstance(exc, ServiceError)
                                    else "The key could not be changed; the file keeps its old key.")

        def progressed(percent: int, _message: str) -> None:
            if isValid(tab):
                tab.rekey_progress.setValue(percent)

        run_op(call, done, failed, on_progress=progressed)

    def _key_done(self, result: object) -> None:
        self._rekeying = False
        self.rekey_button.setEnabled(True)
        self.rekey_progress.hide()
        if not isinstance(result, OpResult):
            return
        value: RekeyResult = result.value
        said = f"The database has a new key, for {value.accounts} account{'s' if value.accounts != 1 else ''}."
        if value.left_out:
            said += (" Reset the passwords of those who have not signed in since the update: "
                     + ", ".join(value.left_out) + ".")
        if value.new_recovery_key:
            said += f" New recovery key (write it down now; it is not shown again): {value.new_recovery_key}"
        self.key_message.good(said)
        emit(self.key_changed, value)
        emit(self.changes_made, result.changes)

    def reload(self) -> None:
        self._saved = self._service.security_settings()
        self._show_saved()

    def _show_saved(self) -> None:
        if self._saved is None:
            return
        self.idle_spin.setValue(self._saved.idle_lock_minutes)
        self.attempts_spin.setValue(self._saved.max_failed_attempts)
        self.errors.clear()
        self._edited()

    def is_edited(self) -> bool:
        return self._saved is not None and (
            self.idle_spin.value() != self._saved.idle_lock_minutes
            or self.attempts_spin.value() != self._saved.max_failed_attempts
        )

    def _edited(self, *_args: object) -> None:
        edited = self.is_edited()
        self.save_button.setEnabled(edited)
        self.revert_button.setEnabled(edited)
        if edited:
            self.message.clear_message()

    def save(self) -> OpResult[SecuritySettings] | None:
        self.errors.clear()
        try:
            result = self._service.set_security_settings(self.idle_spin.value(), self.attempts_spin.value())
        except ValidationError as exc:
            self.errors.show(exc.field, str(exc))
            return None
        except ServiceError as exc:
            self.errors.show(None, str(exc))
            return None
        self._saved = result.value
        self._edited()
        self.message.good("Saved.")
        emit(self.changes_made, result.changes)
        return result
