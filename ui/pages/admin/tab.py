"""What every Administration tab shares: loading only when first shown, and reporting what it changed."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from cspdesk.services.context import OpChanges


class AdminTab(QWidget):
    """One tab of the Administration page. Reads nothing until it is first shown (the page calls
    :meth:`ensure_loaded`); after a change it is marked stale and read again when next shown.
    A write made here is announced with :attr:`changes_made`, which the page passes on."""

    #: The tab's label in the tab bar (with its mnemonic).
    tab_label = ""

    #: Something was written: the :class:`OpChanges`.
    changes_made = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._stale = True
        self.setObjectName(type(self).__name__)
        self.tab_layout = QVBoxLayout(self)
        self.tab_layout.setContentsMargins(12, 12, 12, 8)
        self.tab_layout.setSpacing(10)

    def hint(self, text: str) -> QLabel:
        label = QLabel(text, self)
        label.setObjectName("pageHint")
        label.setWordWrap(True)
        return label

    def reload(self) -> None:
        """Read what the tab shows from the services."""

    def is_stale(self) -> bool:
        return self._stale

    def mark_stale(self) -> None:
        self._stale = True

    def refresh(self) -> None:
        self._stale = False
        self.reload()

    def ensure_loaded(self) -> None:
        if self._stale:
            self.refresh()

    def cares_about(self, changes: OpChanges) -> bool:
        return bool(changes)
