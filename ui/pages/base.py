"""What every page of the main window shares: a heading, and loading its data only when shown."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from cspdesk.services.context import OpChanges


class Page(QWidget):
    """A section of the main window.

    Pages read from the database lazily: nothing at construction, everything on first show, and
    after a change only when it touches what they show (``on_changes``) — at once if visible,
    otherwise the next time they are shown. Subclasses implement :meth:`reload` and say which
    changes concern them in :meth:`cares_about`.
    """

    title = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stale = True
        self.setObjectName(type(self).__name__)
        self.page_layout = QVBoxLayout(self)
        self.page_layout.setContentsMargins(20, 16, 20, 12)
        self.page_layout.setSpacing(10)

    def heading(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setObjectName("pageHeading")
        label.setAccessibleName(text)
        return label

    # -- loading --------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read what the page shows from the services."""

    def cares_about(self, changes: OpChanges) -> bool:
        return False

    def is_stale(self) -> bool:
        return self._stale

    def refresh(self) -> None:
        self._stale = False
        self.reload()

    def ensure_loaded(self) -> None:
        if self._stale:
            self.refresh()

    def on_changes(self, changes: OpChanges) -> None:
        if not self.cares_about(changes):
            return
        self._stale = True
        if self.isVisible():
            self.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        self.ensure_loaded()


def empty_state(text: str, parent: QWidget | None = None, *, object_name: str = "emptyState") -> QLabel:
    """A centred, wrapped message for a list with nothing in it."""
    label = QLabel(text, parent)
    label.setObjectName(object_name)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label
