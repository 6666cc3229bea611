"""The Security tab: when an idle window locks, and how many wrong passwords lock an account."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from cspdesk.services.accounts import AccountService, SecuritySettings
from cspdesk.services.context import OpResult, ServiceContext
from cspdesk.services.errors import ServiceError, ValidationError
from ui.pages.admin.common import FieldErrors, MessageLine, error_label
from ui.pages.admin.tab import AdminTab
from ui.signals import emit
from ui.accessibility import hand_focus_to

#: The ranges the service accepts (it checks them again).
IDLE_RANGE = (1, 240)
ATTEMPTS_RANGE = (3, 20)


class SecurityTab(AdminTab):
    tab_label = "&Security"

    def __init__(self, ctx: ServiceContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = AccountService(ctx)
        self._saved: SecuritySettings | None = None

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
        self.tab_layout.addStretch(1)

        self.idle_spin.valueChanged.connect(self._edited)
        self.attempts_spin.valueChanged.connect(self._edited)
        hand_focus_to(self, self.idle_spin)  # not setFocusProxy: Tab would skip what comes before it
        self._edited()

    def _setting(self, caption: str, spin: QSpinBox, error: QLabel, note: str) -> QWidget:
        box = QWidget(self._settings)
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(4)
        label = QLabel(caption, box)
        label.setObjectName("settingCaption")
        label.setBuddy(spin)
        column.addWidget(label)
        spin.setMinimumWidth(spin.fontMetrics().horizontalAdvance("20 wrong passwords") + 48)
        line = QHBoxLayout()
        line.addWidget(spin)
        line.addStretch(1)
        column.addLayout(line)
        hint = QLabel(note, box)
        hint.setObjectName("mutedText")
        hint.setWordWrap(True)
        column.addWidget(hint)
        column.addWidget(error)
        box.setFocusProxy(spin)
        return box

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
