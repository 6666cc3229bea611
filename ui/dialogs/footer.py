"""The foot of the daily triage and ASB case review dialogs: Close at the end of their button row,
then an error line and a status line below."""

from __future__ import annotations

from PySide6.QtWidgets import QBoxLayout, QDialog, QLabel, QPushButton

from cspdesk_gui.dialogs.forms import error_label


def add_footer(dialog: QDialog, layout: QBoxLayout, buttons: QBoxLayout) -> tuple[QLabel, QLabel]:
    """Close (Alt+C) ends ``buttons``, which goes into ``layout``; returns (error, status)."""
    close = QPushButton("&Close", dialog)
    close.clicked.connect(dialog.close)
    buttons.addWidget(close)
    layout.addLayout(buttons)
    error = error_label(dialog)
    layout.addWidget(error)
    status = QLabel("", dialog)
    status.setObjectName("mutedText")
    layout.addWidget(status)
    return error, status
