"""What the Administration tabs share: field errors under their field, a message line, temporary
passwords, confirmations, and running slow service calls off the GUI thread."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cspdesk.services.errors import ServiceError
from cspdesk_gui.operations import Op, OpCall, wait_for_ops

log = logging.getLogger(__name__)

# -- temporary passwords ---------------------------------------------------------------------------

#: Letters and digits that cannot be mistaken for one another when read aloud or copied by hand
#: (no 0/o, 1/l/i, 5/s, 2/z).
READABLE = "abcdefghjkmnpqrtuvwxy346789"
#: Three groups of four: 12 random characters from 27 (about 57 bits), and 14 with the hyphens,
#: above the 10-character minimum.
GROUPS, GROUP_LENGTH = 3, 4


def generate_password() -> str:
    """A random temporary password people can read out over the phone: ``k7mx-9rtq-pa4e``."""
    return "-".join("".join(secrets.choice(READABLE) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS))


class PasswordField(QWidget):
    """A temporary-password box (shown, not hidden: the administrator has to pass it on) with a
    Generate button, and the note that it must be changed at first sign-in."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        row = QHBoxLayout()
        row.setSpacing(6)
        self.edit = QLineEdit(self)
        self.edit.setObjectName("temporaryPassword")
        self.edit.setAccessibleName("Temporary password")
        self.edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.edit.setPlaceholderText("At least 10 characters")
        row.addWidget(self.edit, 1)
        self.generate_button = QPushButton("&Generate", self)
        self.generate_button.setObjectName("generatePassword")
        self.generate_button.setToolTip("Fill in a random password that is easy to read out")
        self.generate_button.clicked.connect(self.generate)
        row.addWidget(self.generate_button)
        layout.addLayout(row)
        self.note = QLabel(
            "They must change it the first time they sign in. Tell them in person or by phone, "
            "not in the same email as their user name.",
            self,
        )
        self.note.setObjectName("mutedText")
        self.note.setWordWrap(True)
        layout.addWidget(self.note)
        self.setFocusProxy(self.edit)

    def generate(self) -> None:
        self.edit.setText(generate_password())
        self.edit.setFocus()
        self.edit.selectAll()

    def text(self) -> str:
        return self.edit.text()


# -- errors and messages ---------------------------------------------------------------------------


def small_progress_bar(parent: QWidget) -> QProgressBar:
    """The thin bar beside a button whose work runs on the database thread (hidden until then)."""
    bar = QProgressBar(parent)
    bar.setRange(0, 100)
    bar.setTextVisible(False)
    bar.setMaximumWidth(200)
    bar.setMaximumHeight(12)
    bar.hide()
    return bar


def error_label(parent: QWidget) -> QLabel:
    label = QLabel("", parent)
    label.setObjectName("fieldError")
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.hide()
    return label


def with_error(field: QWidget, error: QLabel, parent: QWidget) -> QWidget:
    """The field with its error message right under it."""
    box = QWidget(parent)
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(3)
    column.addWidget(field)
    column.addWidget(error)
    box.setFocusProxy(field)
    return box


class FieldErrors:
    """One error label per service field name (``ValidationError.field``) and a general one for
    the rest; :meth:`show` puts a message under its field and moves the focus there."""

    def __init__(self, general: QLabel) -> None:
        self.general = general
        self._fields: dict[str, tuple[QLabel, QWidget]] = {}

    def add(self, names: str | tuple[str, ...], label: QLabel, focus: QWidget) -> None:
        for name in (names,) if isinstance(names, str) else names:
            self._fields[name] = (label, focus)

    def labels(self) -> list[QLabel]:
        seen = {id(self.general): self.general}
        for label, _focus in self._fields.values():
            seen[id(label)] = label
        return list(seen.values())

    def clear(self) -> None:
        for label in self.labels():
            label.clear()
            label.hide()

    def show(self, field: str | None, message: str) -> None:
        self.clear()
        label, focus = self._fields.get(field or "", (self.general, None))
        label.setText(message)
        label.show()
        if focus is not None:
            focus.setFocus()
            if isinstance(focus, QLineEdit):
                focus.selectAll()

    def text(self) -> str:
        """The message shown now (empty when none), for tests and screen readers."""
        return next((label.text() for label in self.labels() if not label.isHidden()), "")


class MessageLine(QLabel):
    """A one-line outcome under a tab's controls: plain, "good" (green) or "bad" (red)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setObjectName("adminMessage")
        self.setWordWrap(True)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setProperty("tone", "plain")
        self.hide()

    @property
    def tone(self) -> str:
        return str(self.property("tone"))

    def say(self, text: str, tone: str = "plain") -> None:
        self.setText(text)
        self.setProperty("tone", tone)
        self.setAccessibleDescription(text)
        # A dynamic property only restyles once the style is told to look again.
        self.style().unpolish(self)
        self.style().polish(self)
        self.setVisible(bool(text))

    def good(self, text: str) -> None:
        self.say(text, "good")

    def bad(self, text: str) -> None:
        self.say(text, "bad")

    def clear_message(self) -> None:
        self.say("")


def confirm(parent: QWidget, title: str, text: str, yes: str, *, informative: str = "") -> bool:
    """Ask before doing something that cannot simply be undone; the safe answer is the default.
    (Tests replace this function: a modal box would block them.)"""
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.NoButton, parent)
    if informative:
        box.setInformativeText(informative)
    yes_button = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)
    box.setEscapeButton(cancel)
    box.exec()
    return box.clickedButton() is yes_button


# -- slow calls ------------------------------------------------------------------------------------


def wait_for_background_calls() -> None:
    """Block until every operation started has run (before closing a database, or quitting)."""
    wait_for_ops()


def run_in_background(fn: Callable[[], object], what: str, on_success: Callable[[object], None],
                      on_failure: Callable[[ServiceError], None]) -> OpCall:
    """Run ``fn`` on the database thread (:mod:`cspdesk_gui.operations`); its outcome goes to the two
    callbacks, which are not called once the QObject they belong to is deleted. ``on_failure``
    always gets a :class:`ServiceError` whose message is for people (a :class:`ValidationError`
    keeps its field); anything unexpected (logged by the runner) becomes one naming ``what``."""

    def failed(exc: BaseException) -> None:
        if not isinstance(exc, ServiceError):
            exc = ServiceError(f"{what} did not finish ({type(exc).__name__}). Try again; "
                               "if it happens again, tell whoever looks after CSPDesk.")
        on_failure(exc)

    return Op(fn).success(on_success).failure(failed).run()
