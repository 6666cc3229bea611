"""Walkers the accessibility tests share: the Tab cycle of a window, its focus stops, their names."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QTextEdit,
    QWidget,
)


def focus_target(widget: QWidget) -> QWidget:
    """Where focus lands when ``widget`` is given it (its focus proxy, followed to the end)."""
    while widget.focusProxy() is not None:
        widget = widget.focusProxy()
    return widget


def focus_stops(window: QWidget) -> list[QWidget]:
    """Every widget of ``window`` that Tab should reach: shown, enabled, taking focus by Tab."""
    stops: list[QWidget] = []
    for widget in window.findChildren(QWidget):
        if widget.window() is not window or not widget.isVisibleTo(window) or not widget.isEnabled():
            continue
        if not widget.focusPolicy() & Qt.FocusPolicy.TabFocus or widget.focusProxy() is not None:
            continue
        if widget.visibleRegion().isEmpty():
            continue
        stops.append(widget)
    return stops


def tab_cycle(qtbot, window: QWidget, start: QWidget, *, backwards: bool = False, limit: int = 400) -> list[QWidget]:  # noqa: ANN001
    """Press Tab (Shift+Tab) from ``start`` until focus comes back to it; the stops in order.
    Fails when focus never comes back (a trap) within ``limit`` presses."""
    start = focus_target(start)
    start.setFocus(Qt.FocusReason.OtherFocusReason)
    qtbot.waitUntil(start.hasFocus)
    key = Qt.Key.Key_Backtab if backwards else Qt.Key.Key_Tab
    modifier = Qt.KeyboardModifier.ShiftModifier if backwards else Qt.KeyboardModifier.NoModifier
    seen: list[QWidget] = [start]
    for _ in range(limit):
        qtbot.keyClick(QApplication.focusWidget(), key, modifier)
        now = QApplication.focusWidget()
        if now is seen[-1]:
            continue  # Tab moved inside the control (a date's day, month and year), not out of it
        if now is start:
            return seen
        seen.append(now)
    trapped = {_describe(w) for w in seen[-10:]}
    raise AssertionError(f"Tab never came back to {_describe(start)}: stuck in {sorted(trapped)}")


def _describe(widget: QWidget | None) -> str:
    if widget is None:
        return "nothing"
    return f"{type(widget).__name__}#{widget.objectName() or '?'}({accessible_name(widget)!r})"


def describe(widgets) -> list[str]:  # noqa: ANN001
    return [_describe(w) for w in widgets]


def accessible_name(widget: QWidget) -> str:
    """What a screen reader says for ``widget``: its accessible name as Qt's accessibility computes
    it (the set name, else the text, else the buddy label's)."""
    iface = QAccessible.queryAccessibleInterface(widget)
    if iface is None:
        return ""
    return (iface.text(QAccessible.Text.Name) or "").strip()


def out_of_reading_order(cycle: list[QWidget]) -> list[str]:
    """Steps of a Tab cycle that go back up, or leftwards on one line, between two controls
    laid out side by side in the same container (reading order: top to bottom, left to right)."""
    found = []
    for a, b in zip(cycle, cycle[1:]):
        if a.parentWidget() is not b.parentWidget() or a.parentWidget() is None:
            continue
        ra, rb = a.geometry(), b.geometry()
        same_line = abs(ra.center().y() - rb.center().y()) < max(ra.height(), rb.height()) / 2
        if (same_line and rb.center().x() < ra.center().x()) or (not same_line and rb.bottom() < ra.top()):
            found.append(f"{_describe(a)} → {_describe(b)}")
    return found


def _unreached(stops: list[QWidget], seen: list[QWidget]) -> list[QWidget]:
    """Stops the cycle missed; a radio button counts as reached when one of its group was."""
    seen_set = set(seen)
    missed = []
    for widget in stops:
        if widget in seen_set:
            continue
        if isinstance(widget, QRadioButton) and widget.autoExclusive():
            siblings = [w for w in seen if isinstance(w, QRadioButton) and w.parent() is widget.parent()]
            if siblings:
                continue
        missed.append(widget)
    return missed


def check_keyboard_and_names(qtbot, window: QWidget, start: QWidget) -> None:  # noqa: ANN001
    stops = focus_stops(window)
    assert stops, "nothing to focus"
    forwards = tab_cycle(qtbot, window, start)
    assert not _unreached(stops, forwards), f"Tab skips {describe(_unreached(stops, forwards))}"
    assert not out_of_reading_order(forwards), f"Tab against reading order: {out_of_reading_order(forwards)}"
    backwards = tab_cycle(qtbot, window, start, backwards=True)
    assert set(backwards) == set(forwards), "Shift+Tab does not go round the same stops"
    unnamed = [w for w in stops if not accessible_name(w)]
    assert not unnamed, f"focus stops without a name: {describe(unnamed)}"
    fields = (QLineEdit, QComboBox, QAbstractSpinBox, QPlainTextEdit, QTextEdit)
    bound = {label.buddy() for label in window.findChildren(QLabel) if label.buddy() is not None}
    nameless = [
        w for w in stops
        if isinstance(w, fields) and w not in bound and (not w.accessibleName() or w.property("cspdeskFallbackName"))
    ]
    assert not nameless, f"fields with neither a label bound to them nor a name of their own: {describe(nameless)}"
    unbound = [
        label for label in window.findChildren(QLabel)
        if label.isVisibleTo(window) and mnemonic(label.text()) and label.buddy() is None
    ]
    assert not unbound, f"labels with an Alt letter but no buddy: {describe(unbound)}"


def mnemonic(text: str) -> str | None:
    found = re.search(r"&([^&\s])", (text or "").replace("&&", ""))
    return found.group(1).lower() if found else None
