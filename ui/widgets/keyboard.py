"""Widgets that keep what is typed: choosers you can type into, check boxes whose Alt+letter
moves the focus (Space then ticks), and scrolling forms that follow the focus.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QCompleter, QScrollArea, QWidget


class FocusCheckBox(QCheckBox):
    """A check box whose underlined Alt+letter moves the focus to it and leaves it as it was.

    A plain QCheckBox ticks itself on its mnemonic; the Space a person presses next (to tick it,
    as on any focused box) then unticked it again. Here Alt+letter goes to the box, Space ticks.
    """

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Shortcut:
            self.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return True
        return super().event(event)


def make_typeable(combo: QComboBox) -> QCompleter:
    """Let a chooser (agencies, people) be typed into. What is typed is completed in the line as
    you type ("Kent Pol" shows Kent Police, the rest selected), case-insensitive; on leaving, the
    choice is the one named, else the only one containing the text ("pol" is Kent Police), else
    the first (empty) choice — never a guess. A space is a space (a closed combo opened its list
    on Space and lost the next letters). No list pops up to take the keyboard: Alt+Down opens the
    whole list when wanted.
    """
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    completer = QCompleter(combo.model(), combo)
    completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    completer.setCompletionMode(QCompleter.CompletionMode.InlineCompletion)
    combo.setCompleter(completer)
    combo.lineEdit().returnPressed.connect(lambda: take_typed_choice(combo))
    _TypedChoice(combo)
    return completer


class _TypedChoice(QObject):
    """On the way in, the text is selected (typing replaces the choice shown); on the way out,
    the typed text becomes a choice. (Watched through the application's focus changes: an
    editable combo's line edit never sees its own focus leave.)"""

    def __init__(self, combo: QComboBox) -> None:
        super().__init__(combo)
        self.combo = combo
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._focus_changed)

    def _inside(self, widget: QWidget | None) -> bool:
        return widget is not None and (widget is self.combo or self.combo.isAncestorOf(widget))

    def _focus_changed(self, old: QWidget | None, new: QWidget | None) -> None:
        if self._inside(new) and not self._inside(old):
            self.combo.lineEdit().selectAll()
        elif self._inside(old) and not self._inside(new) and new is not None:
            take_typed_choice(self.combo)


def take_typed_choice(combo: QComboBox) -> None:
    """Choose the item the edit's text names: the exact one, else the only one containing it,
    else the first (empty) choice — never a choice the text does not name."""
    text = combo.currentText().strip().casefold()
    names = [combo.itemText(n).casefold() for n in range(combo.count())]
    if text in names:
        index = names.index(text)
    else:
        containing = [n for n, name in enumerate(names) if text and text in name]
        index = containing[0] if len(containing) == 1 else 0
    combo.setCurrentIndex(index)
    combo.setEditText(combo.itemText(index))


class FollowFocus(QObject):
    """Scrolls ``area`` so the widget that takes the focus inside it is shown (after Alt+H adds a
    child, Alt+D goes to the DASH grid, Tab moves on: what is typed is seen)."""

    def __init__(self, area: QScrollArea) -> None:
        super().__init__(area)
        self.area = area
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        app.focusChanged.connect(self._focus_changed)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        body = self.area.widget()
        if new is None or body is None or not body.isAncestorOf(new):
            return
        # The field's own row, with a little room around it.
        self.area.ensureWidgetVisible(new, 16, 24)
