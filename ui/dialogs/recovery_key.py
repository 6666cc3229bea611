"""The recovery key, shown once when a database is created, never again.

Continue stays disabled until the person ticks "I have stored the recovery key somewhere safe";
Escape and the close button do nothing until then either, because the key cannot be shown again.
"""

from __future__ import annotations

import textwrap
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cspdesk_gui.dialogs.forms import make_primary, monospace_font


#: What the saved and the printed key say about keeping it.
RECOVERY_ADVICE = (
    "With this key an administrator's account can be given a new password when no administrator can sign "
    "in. Anyone holding it and a copy of the database can read everything in it: keep it offline (printed, "
    "in a safe, or in your organisation's password vault), not beside the database and not in email."
)


def _recovery_facts(database: str, partnership: str) -> list[str]:
    """Which database the key opens, and when it was made."""
    facts = [f"Database: {database}"]
    if partnership:
        facts.append(f"Partnership: {partnership}")
    facts.append(f"Created: {datetime.now():%d %b %Y, %H:%M}")
    return facts


def recovery_file_text(recovery_key: str, database: str, partnership: str = "") -> str:
    """What "Save to file…" writes: the key, and enough to know which database it opens."""
    lines = ["CSPDesk recovery key", "", f"    {recovery_key}", "", *_recovery_facts(database, partnership), "",
             *textwrap.wrap(RECOVERY_ADVICE, 95), ""]
    return "\n".join(lines)


class RecoveryKeyDialog(QDialog):
    """Shows ``recovery_key`` in large monospace, with Copy, Save to file… and Print…."""

    def __init__(
        self, recovery_key: str, database: str, parent: QWidget | None = None, *, partnership: str = ""
    ) -> None:
        super().__init__(parent)
        self.recovery_key = recovery_key
        self.database = database
        self.partnership = partnership
        self.saved_to: Path | None = None
        self.setObjectName("recoveryKeyDialog")
        self.setWindowTitle("Your recovery key")
        self.setModal(True)
        self.setMinimumWidth(560)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(12)
        heading = QLabel("Store this recovery key now", self)
        heading.setObjectName("dialogHeading")
        layout.addWidget(heading)
        intro = QLabel(
            "If every administrator forgets their password or is locked out, this key is the only way "
            "back into the database. Keep it offline and away from the database file: printed and locked "
            "away, or in your organisation's password vault.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)

        self.key_label = QLabel(recovery_key, self)
        self.key_label.setObjectName("recoveryKey")
        font = monospace_font()
        font.setPointSize(17)
        font.setBold(True)
        self.key_label.setFont(font)
        self.key_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.key_label.setTextFormat(Qt.TextFormat.PlainText)
        self.key_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.key_label.setAccessibleName("Recovery key")
        layout.addWidget(self.key_label)

        actions = QHBoxLayout()
        actions.setSpacing(8)
        self.copy_button = QPushButton("&Copy", self)
        self.copy_button.setAutoDefault(False)
        self.copy_button.clicked.connect(self.copy)
        actions.addWidget(self.copy_button)
        self.save_button = QPushButton("&Save to file…", self)
        self.save_button.setAutoDefault(False)
        self.save_button.clicked.connect(self.choose_file)
        actions.addWidget(self.save_button)
        self.print_button = QPushButton("&Print…", self)
        self.print_button.setAutoDefault(False)
        self.print_button.clicked.connect(self.choose_printer)
        actions.addWidget(self.print_button)
        self.done_label = QLabel("", self)
        self.done_label.setObjectName("mutedText")
        self.done_label.setWordWrap(True)
        actions.addWidget(self.done_label, 1)
        layout.addLayout(actions)

        warning = QLabel("It is shown only this once: CSPDesk keeps no copy it could show you again.", self)
        warning.setObjectName("warningNote")
        warning.setWordWrap(True)
        layout.addWidget(warning)

        self.stored_check = QCheckBox("I have stored the recovery key somewhere safe", self)
        self.stored_check.setObjectName("storedCheck")
        layout.addWidget(self.stored_check)

        self.buttons = QDialogButtonBox(self)
        self.continue_button = self.buttons.addButton("Continue", QDialogButtonBox.ButtonRole.AcceptRole)
        make_primary(self.continue_button)
        self.continue_button.setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        layout.addWidget(self.buttons)
        self.stored_check.toggled.connect(self._stored_toggled)
        self.copy_button.setFocus()

    def _stored_toggled(self, checked: bool) -> None:
        self.continue_button.setEnabled(checked)
        self.continue_button.setDefault(checked)

    def copy(self) -> None:
        QGuiApplication.clipboard().setText(self.recovery_key)
        self.done_label.setText("Copied. Paste it somewhere safe, then clear your clipboard.")

    def choose_file(self) -> None:
        start = str(Path.home() / "CSPDesk recovery key.txt")
        path, _filter = QFileDialog.getSaveFileName(self, "Save the recovery key", start, "Text files (*.txt)")
        if path:
            self.save_to(Path(path))

    def save_to(self, path: Path) -> bool:
        try:
            path.write_text(recovery_file_text(self.recovery_key, self.database, self.partnership), encoding="utf-8")
        except OSError as exc:
            self.done_label.setText(f"It could not be saved there ({exc.strerror or exc}).")
            return False
        self.saved_to = path
        self.done_label.setText(f"Saved to {path}. Move it somewhere safe, away from the database.")
        return True

    def choose_printer(self) -> None:
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("Print the recovery key")
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.print_to(printer)

    def print_to(self, printer) -> None:  # noqa: ANN001 - QPrinter (QtPrintSupport loads only when printing)
        """Print the key (large, monospace) and what it opens, with the saved file's words."""
        from html import escape

        from PySide6.QtGui import QTextDocument

        details = "".join(f"<p>{escape(line)}</p>" for line in _recovery_facts(self.database, self.partnership))
        mono = escape(monospace_font().family())
        document = QTextDocument(self)
        document.setHtml(
            f"<h2>CSPDesk recovery key</h2>"
            f"<p style='font-family:\"{mono}\"; font-size:20pt; font-weight:bold'>{escape(self.recovery_key)}</p>"
            f"{details}<p>{escape(RECOVERY_ADVICE)}</p>"
        )
        document.print_(printer)
        self.done_label.setText("Sent to the printer. Lock the page away from the computer.")

    # Until the box is ticked, the dialog cannot be left: the key would be lost for good.
    def accept(self) -> None:
        if self.stored_check.isChecked():
            super().accept()

    def reject(self) -> None:
        if self.stored_check.isChecked():
            super().accept()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if self.stored_check.isChecked():
            super().closeEvent(event)
        else:
            event.ignore()
