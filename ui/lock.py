"""Locking the window: after a spell without keyboard or mouse input, or on Ctrl+L.

While locked the main window's content is swapped (in its central stack) for a lock page that asks
the signed-in user for their password; the menus, their shortcuts and the status bar are
disabled or hidden, and the title says only "CSPDesk — locked". Nothing is destroyed or reset:
widgets are hidden, so whatever was typed is there after unlocking, with the focus where it was.

Other windows open at that moment:

* non-modal ones (a case being read) are hidden and shown again afterwards;
* modal ones (a dialog half filled in) cannot be hidden — hiding a dialog ends its ``exec()`` and
  would throw away what was typed — so each is covered by an opaque panel of its own that asks for
  the password too (the main window's lock page cannot take input while a modal dialog blocks it).

The password is checked with :func:`cspdesk.services.access.auth.verify_password` on a worker thread: a
wrong one is counted as a failed sign-in and slowed like one.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import isValid

from cspdesk_gui.operations import run_op
from cspdesk_gui.dialogs.forms import error_label, line_edit
from cspdesk_gui.signals import emit

if TYPE_CHECKING:
    from cspdesk_gui.shell.window_protocol import ShellWindow

LOCKED_TITLE = "CSPDesk — locked"

#: Events that count as someone at the keyboard.
_INPUT_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.KeyRelease,
        QEvent.Type.MouseButtonPress,
        QEvent.Type.MouseButtonRelease,
        QEvent.Type.MouseButtonDblClick,
        QEvent.Type.MouseMove,
        QEvent.Type.Wheel,
        QEvent.Type.TouchBegin,
        QEvent.Type.TouchUpdate,
        QEvent.Type.TabletPress,
        QEvent.Type.TabletMove,
    }
)

class LockPanel(QFrame):
    """The form on a lock page or cover: who is signed in, their password, Unlock."""

    unlock_requested = Signal(str)
    sign_out_requested = Signal()

    def __init__(self, parent: QWidget | None = None, *, compact: bool = False, offer_sign_out: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("lockCard")
        layout = QVBoxLayout(self)
        margin = 16 if compact else 32
        layout.setContentsMargins(margin, margin - 4, margin, margin - 4)
        layout.setSpacing(8 if compact else 10)
        self.heading = QLabel("CSPDesk is locked", self)
        self.heading.setObjectName("lockHeading" if not compact else "sectionCaption")
        layout.addWidget(self.heading)
        self.identity_label = QLabel("", self)
        self.identity_label.setWordWrap(True)
        self.identity_label.setTextFormat(Qt.TextFormat.PlainText)
        layout.addWidget(self.identity_label)
        if not compact:
            note = QLabel("Enter your password to go back to where you were. Nothing you had open was lost.", self)
            note.setObjectName("mutedText")
            note.setWordWrap(True)
            layout.addWidget(note)
            layout.addSpacing(4)

        row = QHBoxLayout()
        row.setSpacing(8)
        self.password_edit = line_edit(self, "lockPassword", "Password", password=True)
        self.password_edit.setPlaceholderText("Password")
        self.password_edit.returnPressed.connect(self._unlock_clicked)
        row.addWidget(self.password_edit, 1)
        self.unlock_button = QPushButton("Unlock", self)
        self.unlock_button.setObjectName("primaryButton")
        self.unlock_button.setAutoDefault(False)
        self.unlock_button.clicked.connect(self._unlock_clicked)
        row.addWidget(self.unlock_button)
        layout.addLayout(row)
        self.error_label = error_label(self)
        layout.addWidget(self.error_label)

        self.sign_out_button: QPushButton | None = None
        if offer_sign_out:
            layout.addSpacing(6)
            rule = QFrame(self)
            rule.setFrameShape(QFrame.Shape.HLine)
            rule.setObjectName("lockRule")
            layout.addWidget(rule)
            bottom = QHBoxLayout()
            other = QLabel("Not you, or cannot unlock?", self)
            other.setObjectName("mutedText")
            bottom.addWidget(other)
            bottom.addStretch(1)
            self.sign_out_button = QPushButton("Sign out", self)
            self.sign_out_button.setObjectName("signOutButton")
            self.sign_out_button.setAutoDefault(False)
            self.sign_out_button.setToolTip("Closes the window; anything not yet saved is lost")
            self.sign_out_button.clicked.connect(self._sign_out_clicked)
            bottom.addWidget(self.sign_out_button)
            layout.addLayout(bottom)
        self.setFocusProxy(self.password_edit)

    def _sign_out_clicked(self) -> None:
        emit(self.sign_out_requested)

    def _unlock_clicked(self) -> None:
        if self.unlock_button.isEnabled():
            emit(self.unlock_requested, self.password_edit.text())

    def set_identity(self, text: str) -> None:
        self.identity_label.setText(text)

    def reset(self) -> None:
        self.password_edit.clear()
        self.error_label.hide()
        self.set_busy(False)

    def set_busy(self, busy: bool) -> None:
        self.password_edit.setEnabled(not busy)
        self.unlock_button.setEnabled(not busy)
        self.unlock_button.setText("Checking…" if busy else "Unlock")

    def show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.setVisible(bool(message))

    def error_text(self) -> str:
        return "" if self.error_label.isHidden() else self.error_label.text()


class LockScreen(QWidget):
    """The main window's lock page: the panel, centred on a plain background."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockScreen")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.panel = LockPanel(self, offer_sign_out=True)
        self.panel.setFixedWidth(460)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.panel)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(3)
        self.setFocusProxy(self.panel)


class _DialogCover(QWidget):
    """An opaque panel over a modal dialog while the window is locked; the dialog's own widgets
    are disabled underneath (so Tab cannot reach them) and enabled again when it is removed."""

    def __init__(self, dialog: QWidget, lock: WindowLock, identity: str) -> None:
        super().__init__(dialog)
        self.dialog = dialog
        self.setObjectName("lockCover")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.panel = LockPanel(self, compact=True)
        self.panel.set_identity(identity)
        self.panel.unlock_requested.connect(lock.unlock)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addStretch(1)
        layout.addWidget(self.panel)
        layout.addStretch(1)
        self._focus = dialog.focusWidget()
        self._disabled = [
            child
            for child in dialog.findChildren(QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
            if child is not self and not child.isWindow() and child.isEnabled()
        ]
        for child in self._disabled:
            child.setEnabled(False)
        # A dialog too small for the form grows while locked, and gets its size back afterwards.
        self._size = dialog.size()
        wanted = self.sizeHint().expandedTo(QSize(340, 180))
        if wanted.width() > self._size.width() or wanted.height() > self._size.height():
            dialog.resize(self._size.expandedTo(wanted))
        self.setGeometry(dialog.rect())
        self.raise_()
        self.show()
        dialog.installEventFilter(self)
        self.panel.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is self.dialog:
            if event.type() == QEvent.Type.Resize:
                self.setGeometry(self.dialog.rect())
            elif event.type() == QEvent.Type.Close:
                event.ignore()  # closing would reject the dialog and lose what was typed
                return True
        return False

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        # Escape would reject the dialog underneath, Enter would press its default button.
        event.accept()

    def remove(self) -> None:
        self.dialog.removeEventFilter(self)
        for child in self._disabled:
            if isValid(child):
                child.setEnabled(True)
        if self.dialog.size() != self._size:
            self.dialog.resize(self._size)
        self.hide()
        focus = self._focus
        if focus is not None and isValid(focus) and focus.isVisible():
            focus.setFocus(Qt.FocusReason.OtherFocusReason)
        self.deleteLater()


class WindowLock(QObject):
    """The idle timer and the lock of one :class:`~cspdesk_gui.main_window.MainWindow`.

    The window gives it a ``central_stack`` holding its ``content`` and its ``lock_screen``.
    ``configure(ctx)`` reads the idle interval and switches locking on when someone is signed in
    with an account (a context opened with a raw key has no password to unlock with).
    """

    locked = Signal()
    unlocked = Signal()
    #: A wrong password was given: the message shown.
    unlock_failed = Signal(str)

    def __init__(self, window: ShellWindow) -> None:
        super().__init__(window)
        self._window = window
        self._enabled = False
        self._locked = False
        self._checking = False
        self._timeout_ms = 10 * 60 * 1000
        self._last_input = time.monotonic()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._check_idle)
        self._disabled_actions: list[QAction] = []
        self._hidden_windows: list[QWidget] = []
        self._covers: list[_DialogCover] = []
        self._focus: QWidget | None = None
        self._status_bar_was_visible = True
        self._menu_bar_was_visible = True
        self._identity = ""
        window.lock_screen.panel.unlock_requested.connect(self.unlock)
        window.lock_screen.panel.sign_out_requested.connect(window.sign_out)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    # -- settings --------------------------------------------------------------------------------

    def configure(self, *, enabled: bool, idle_minutes: int, identity: str) -> None:
        self._enabled = enabled
        self._identity = identity
        self._timeout_ms = max(1, idle_minutes) * 60 * 1000
        self._window.lock_screen.panel.set_identity(identity)
        self._restart()

    def is_enabled(self) -> bool:
        return self._enabled

    def timeout_ms(self) -> int:
        return self._timeout_ms

    def set_timeout_ms(self, ms: int) -> None:
        """The idle interval in milliseconds (tests use a short one)."""
        self._timeout_ms = max(1, int(ms))
        self._restart()

    def _restart(self) -> None:
        self._last_input = time.monotonic()
        if self._enabled and not self._locked:
            self._timer.start(self._timeout_ms)
        else:
            self._timer.stop()

    def stop(self) -> None:
        """The window is closing: no more locking, and no more watching every event."""
        self._enabled = False
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)

    # -- idle ------------------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() in _INPUT_EVENTS:
            self._last_input = time.monotonic()
        return False

    def _check_idle(self) -> None:
        if not self._enabled or self._locked:
            return
        idle_ms = (time.monotonic() - self._last_input) * 1000
        if idle_ms >= self._timeout_ms:
            self.lock()
        else:
            self._timer.start(max(1, int(self._timeout_ms - idle_ms)))

    # -- locking ---------------------------------------------------------------------------------

    def is_locked(self) -> bool:
        return self._locked

    def covers(self) -> list[_DialogCover]:
        return list(self._covers)

    def lock(self) -> bool:
        """Cover everything. Returns False when locking is off (nobody signed in with an account)."""
        if self._locked:
            return True
        if not self._enabled:
            return False
        window = self._window
        self._locked = True
        self._timer.stop()
        self._focus = window.focusWidget()

        # Every action of the window (menus, shortcuts, the pages' own), but not Qt's internal ones
        # (a line edit's clear button) whose state Qt manages itself.
        self._disabled_actions = [
            a for a in window.findChildren(QAction) if a.isEnabled() and not a.objectName().startswith("_q_")
        ]
        for action in self._disabled_actions:
            action.setEnabled(False)
        # Disabled, and hidden too: the stylesheet gives disabled menus the same colour as live ones.
        window.menuBar().setEnabled(False)
        self._menu_bar_was_visible = not window.menuBar().isHidden()
        window.menuBar().hide()
        self._status_bar_was_visible = not window.statusBar().isHidden()
        window.statusBar().hide()

        self._hidden_windows = []
        self._covers = []
        for widget in QApplication.topLevelWidgets():
            if widget is window or not widget.isVisible():
                continue
            if widget.windowType() in (Qt.WindowType.Popup, Qt.WindowType.ToolTip):
                widget.close()  # open menus and tooltips are simply closed
            elif widget.isModal():
                self._covers.append(_DialogCover(widget, self, self._identity))
            else:
                widget.hide()
                self._hidden_windows.append(widget)

        screen = window.lock_screen
        screen.panel.reset()
        screen.panel.set_identity(self._identity)
        window.central_stack.setCurrentWidget(screen)
        window.setWindowTitle(LOCKED_TITLE)
        if self._covers:
            self._covers[-1].activateWindow()
            self._covers[-1].panel.setFocus()
        else:
            window.activateWindow()
            screen.panel.setFocus()
        emit(self.locked)
        return True

    def unlock(self, password: str) -> None:
        """Check ``password`` on a worker thread; unlock if it is the signed-in user's."""
        if not self._locked or self._checking:
            return
        if not password:
            self._say_wrong("Type your password.")
            return
        self._checking = True
        self._panels_busy(True)
        ctx = self._window.ctx
        lock = self

        def call() -> bool:
            from cspdesk.services.access.auth import verify_password

            return verify_password(ctx, password)

        def succeeded(ok: object) -> None:
            if not isValid(lock):
                return
            lock._checking = False
            lock._panels_busy(False)
            if ok:
                lock._restore()
            else:
                lock._say_wrong("That password is not right.")

        def failed(exc: BaseException) -> None:
            if not isValid(lock):
                return
            lock._checking = False
            lock._panels_busy(False)
            from cspdesk.services.errors import ServiceError

            # A locked or disabled account says so, whatever was typed (the service checks it).
            lock._say_wrong(str(exc) if isinstance(exc, ServiceError)
                            else f"The password could not be checked ({type(exc).__name__}).")

        run_op(call, succeeded, failed)

    def is_checking(self) -> bool:
        return self._checking

    def _panels(self) -> list[LockPanel]:
        return [self._window.lock_screen.panel] + [c.panel for c in self._covers if isValid(c)]

    def _panels_busy(self, busy: bool) -> None:
        for panel in self._panels():
            panel.set_busy(busy)

    def _say_wrong(self, message: str) -> None:
        for panel in self._panels():
            panel.password_edit.clear()
            panel.show_error(message)
        focus_panel = self._covers[-1].panel if self._covers else self._window.lock_screen.panel
        focus_panel.password_edit.setFocus()
        emit(self.unlock_failed, message)

    def _restore(self) -> None:
        window = self._window
        window.central_stack.setCurrentWidget(window.content)
        window.setWindowTitle(window.unlocked_title())
        window.menuBar().setEnabled(True)
        if self._menu_bar_was_visible:
            window.menuBar().show()
        for action in self._disabled_actions:
            if isValid(action):
                action.setEnabled(True)
        self._disabled_actions = []
        if self._status_bar_was_visible:
            window.statusBar().show()
        window.lock_screen.panel.reset()
        self._locked = False
        for widget in self._hidden_windows:
            if isValid(widget):
                widget.show()
        self._hidden_windows = []
        focus = self._focus
        self._focus = None
        if focus is not None and isValid(focus) and focus.isVisibleTo(window):
            focus.setFocus(Qt.FocusReason.OtherFocusReason)
        covers, self._covers = self._covers, []
        for cover in covers:
            if isValid(cover):
                cover.remove()
        if covers and isValid(covers[-1].dialog):
            covers[-1].dialog.activateWindow()
        else:
            window.activateWindow()
        self._restart()
        emit(self.unlocked)
