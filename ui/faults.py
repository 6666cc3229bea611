"""One place where a service's refusal that no one caught is shown: a plain message, never a traceback.

Services raise :class:`~cspdesk.services.errors.ServiceError` subclasses whose messages are written
for people: a :class:`StorageFault` (the disk is full, the file was made read-only, moved, deleted
or is damaged), :class:`ReadOnlySession` (this window opened the file read-only), and the rest.
Dialogs that expect a refusal (a field that is wrong) show it under their fields. Anything that
escapes a slot or a model's ``data()`` reaches Python's ``sys.excepthook``; :func:`install` puts a
hook there that shows a :class:`ServiceError` in a message box over the window in front — so the
dialog the person was typing in stays open with what they typed — and hands every other
exception (a bug) to the hook that was there before.

For a damaged or missing file the box offers **Restore a backup…**, which calls the handler the
main window registers with :meth:`FaultReporter.set_restore_handler`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from shiboken6 import isValid

from cspdesk.services.errors import (
    DatabaseDamaged,
    DiskFull,
    FileMissing,
    FileReadOnly,
    ReadOnlySession,
    ServiceError,
    StorageFault,
)
from cspdesk_gui.signals import emit

log = logging.getLogger(__name__)

RESTORE_TEXT = "Restore a backup…"


def title_for(exc: BaseException) -> str:
    """The message box's title: what kind of trouble, in two or three words."""
    if isinstance(exc, DiskFull):
        return "The disk is full"
    if isinstance(exc, FileReadOnly):
        return "The file is read-only"
    if isinstance(exc, FileMissing):
        return "The database file has gone"
    if isinstance(exc, DatabaseDamaged):
        return "The database file is damaged"
    if isinstance(exc, StorageFault):
        return "The database file could not be used"
    if isinstance(exc, ReadOnlySession):
        return "Open read-only"
    return "CSPDesk"


def offers_restore(exc: BaseException) -> bool:
    return isinstance(exc, (DatabaseDamaged, FileMissing))


class FaultReporter(QObject):
    """Shows service errors in plain words. One per application (:func:`reporter`)."""

    #: A message was shown: (title, message).
    fault_shown = Signal(str, str)

    def __init__(self) -> None:
        super().__init__()
        self._restore: Callable[[], object] | None = None
        self._previous_hook: Callable[..., object] | None = None
        #: The box shown last (for tests: its buttons can be clicked), while it is open.
        self.box: QMessageBox | None = None
        self._shown_text = ""

    # -- the hook -----------------------------------------------------------------------------

    def install(self) -> None:
        """Put the hook in front of whatever ``sys.excepthook`` is now (idempotent). Called when
        a main window is built: test runners replace the hook per test, and this chains to theirs."""
        if getattr(sys.excepthook, "__self__", None) is self:
            return
        self._previous_hook = sys.excepthook
        sys.excepthook = self._hook

    def _hook(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if isinstance(exc, ServiceError) and QApplication.instance() is not None:
            log.info("a service refused: %s", exc_type.__name__)  # the class only: messages can name people
            self.show(exc)
            return
        previous = self._previous_hook or sys.__excepthook__
        previous(exc_type, exc, tb)

    # -- showing ------------------------------------------------------------------------------

    def set_restore_handler(self, handler: Callable[[], object] | None) -> None:
        """What **Restore a backup…** does (the main window's restore), or None to not offer it."""
        self._restore = handler

    def forget(self, owner: QObject) -> None:
        """``owner`` (a window) is closing: drop its restore handler if it is the one registered."""
        if getattr(self._restore, "__self__", None) is owner:
            self._restore = None

    def show(self, exc: BaseException, parent: QWidget | None = None) -> QMessageBox | None:
        """Show ``exc``'s message over ``parent`` (default: the dialog or window in front), without
        blocking. The same message twice while its box is still open is shown once."""
        message = str(exc) if isinstance(exc, ServiceError) else "Something went wrong; nothing more was saved."
        title = title_for(exc)
        if self.box is not None and isValid(self.box) and self.box.isVisible() and self._shown_text == message:
            return self.box
        if parent is None:
            parent = QApplication.activeModalWidget() or QApplication.activeWindow()
        icon = QMessageBox.Icon.Information if isinstance(exc, ReadOnlySession) else QMessageBox.Icon.Warning
        box = QMessageBox(icon, title, message, QMessageBox.StandardButton.NoButton, parent)
        box.setObjectName("faultMessage")
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        if parent is not None:
            box.setWindowModality(Qt.WindowModality.WindowModal)
        ok = box.addButton(QMessageBox.StandardButton.Ok)
        box.setDefaultButton(ok)
        box.setEscapeButton(ok)
        if offers_restore(exc) and self._restore is not None:
            restore = box.addButton(RESTORE_TEXT, QMessageBox.ButtonRole.ActionRole)
            restore.setObjectName("restoreButton")
            restore.clicked.connect(self._restore_clicked)
        self.box = box
        self._shown_text = message
        box.show()
        emit(self.fault_shown, title, message)
        return box

    def _restore_clicked(self) -> None:
        if self._restore is not None:
            self._restore()


_REPORTER: FaultReporter | None = None


def reporter() -> FaultReporter:
    """The application's one reporter (made on first use; needs a QApplication)."""
    global _REPORTER
    if _REPORTER is None or not isValid(_REPORTER):
        _REPORTER = FaultReporter()
    return _REPORTER


def install() -> FaultReporter:
    """Route uncaught service errors to :func:`reporter` (see the module's docstring)."""
    found = reporter()
    found.install()
    return found


def show_fault(exc: BaseException, parent: QWidget | None = None) -> QMessageBox | None:
    """Show a service error caught by the caller (a background call's failure) the same way."""
    return reporter().show(exc, parent)
