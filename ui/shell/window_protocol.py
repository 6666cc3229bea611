"""What the shell's parts need of the main window — a structural type, so that :mod:`cspdesk_gui.lock`,
:mod:`cspdesk_gui.change_watch` and the controllers in :mod:`cspdesk_gui.shell` do not import :mod:`cspdesk_gui.main_window`
(which imports them): the arrows point one way, checked by an import-linter contract."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMenuBar, QStackedWidget, QStatusBar, QWidget

    from cspdesk.services.context import OpChanges, ServiceContext
    from cspdesk_gui.pages.base import Page


class Lockable(Protocol):
    def is_locked(self) -> bool: ...


class ShellWindow(Protocol):
    """The main window as its parts see it."""

    ctx: ServiceContext
    lock: Lockable
    #: The stack of two the lock switches between: the content and the lock screen.
    central_stack: QStackedWidget
    content: QWidget
    lock_screen: Any

    def menuBar(self) -> QMenuBar: ...  # noqa: N802 - Qt's name

    def setWindowTitle(self, title: str) -> None: ...  # noqa: N802 - Qt's name

    def focusWidget(self) -> QWidget | None: ...  # noqa: N802 - Qt's name

    def activateWindow(self) -> None: ...  # noqa: N802 - Qt's name

    def findChildren(self, kind: type) -> list[Any]: ...  # noqa: N802 - Qt's name

    def statusBar(self) -> QStatusBar: ...  # noqa: N802 - Qt's name

    def page(self, section: str) -> Page: ...

    def show_section(self, section: str) -> None: ...

    def apply_changes(self, changes: OpChanges) -> None: ...

    def sign_out(self) -> None: ...

    def close(self) -> bool: ...

    def unlocked_title(self) -> str: ...

    def window(self) -> QWidget: ...
