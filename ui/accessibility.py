"""Keyboard and screen-reader rules every window follows, applied in one place.

:class:`AccessibilityPolicy` is installed on the application by :func:`cspdesk_gui.app.make_application`
and looks at each widget once, as Qt polishes it (before it is first shown), so no window has to
remember these rules:

- **No keyboard traps** (WCAG 2.1.2): a table or tree is one focus stop. Arrows move between its
  cells; Tab and Shift+Tab leave it (Qt's default wraps Tab between cells for ever).
- **Headers by keyboard**: in a table, the Menu key or Shift+F10 opens the header's menu: sort by
  the current column (ascending / descending) and, where the header has one, its own column
  menu ("Choose columns…").
- **Reading order**: a scroll area holding focus stops is not one itself (Tab reaches its
  contents, and it scrolls to them).
- **A name for every control**: a field bound to a label (its buddy) is named by the label's
  words; a focusable widget with no name otherwise takes its tool tip's first sentence, or its
  placeholder text, or (a scroll area) its window's title.

Hazard: pages hand their focus to a child with :func:`hand_focus_to` rather than
``setFocusProxy``: in Qt 6 a focus proxy that is a descendant makes Tab skip every sibling
before it in the chain (the toolbars above a page's table).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QScrollArea,
    QTableView,
    QTreeView,
    QWidget,
)

from cspdesk_gui.signals import emit

OBJECT_NAME = "cspdeskAccessibility"
#: The object name of the header menu the keyboard opens (tests find it by this).
HEADER_MENU = "headerKeyboardMenu"


def opens_context_menu(event: QKeyEvent) -> bool:
    """The Menu key, or Shift+F10: the keys that open a context menu on every desktop."""
    key, mods = event.key(), event.modifiers()
    if key == Qt.Key.Key_Menu:
        return True
    return key == Qt.Key.Key_F10 and mods == Qt.KeyboardModifier.ShiftModifier


def header_of(view: QAbstractItemView) -> QHeaderView | None:
    if isinstance(view, QTableView):
        header = view.horizontalHeader()
    elif isinstance(view, QTreeView):
        header = view.header()
    else:
        return None
    return header if header is not None and not header.isHidden() else None


def header_menu(view: QAbstractItemView) -> QMenu | None:
    """The menu the keyboard opens on ``view``'s header (None: the view has no header to offer).
    Sorting applies to the current cell's column (else the sorted one)."""
    header = header_of(view)
    if header is None:
        return None
    model = view.model()
    column = view.currentIndex().column() if view.currentIndex().isValid() else header.sortIndicatorSection()
    if model is None or not 0 <= column < model.columnCount():
        column = header.logicalIndex(0)
    sortable = bool(getattr(view, "isSortingEnabled", lambda: False)()) and header.isSortIndicatorShown()
    custom = header.contextMenuPolicy() == Qt.ContextMenuPolicy.CustomContextMenu
    if not sortable and not custom:
        return None
    menu = QMenu(view)
    menu.setObjectName(HEADER_MENU)
    menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if sortable:
        title = str(model.headerData(column, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole) or "")
        title = " ".join(title.split())  # two-line headings
        for text, order in ((f"Sort by {title}, &ascending", Qt.SortOrder.AscendingOrder),
                            (f"Sort by {title}, &descending", Qt.SortOrder.DescendingOrder)):
            action = menu.addAction(text)
            action.setCheckable(True)
            action.setChecked(header.sortIndicatorSection() == column and header.sortIndicatorOrder() == order)
            action.triggered.connect(lambda _c=False, o=order: header.setSortIndicator(column, o))
    if custom:
        centre = QPoint(header.sectionViewportPosition(column) + header.sectionSize(column) // 2, header.height() // 2)
        action = menu.addAction("&Choose columns…")
        action.triggered.connect(lambda: emit(header.customContextMenuRequested, centre))
    return menu


def open_header_menu(view: QAbstractItemView) -> QMenu | None:
    """Open :func:`header_menu` under the current cell (or the top of the view)."""
    menu = header_menu(view)
    if menu is None:
        return None
    rect = view.visualRect(view.currentIndex()) if view.currentIndex().isValid() else view.viewport().rect()
    menu.popup(view.viewport().mapToGlobal(rect.bottomLeft() if rect.height() else QPoint(0, 0)))
    return menu


def hand_focus_to(widget: QWidget, target: QWidget) -> None:
    """Give ``widget``'s focus to ``target`` (a descendant) when something calls ``setFocus`` on
    it, without a Qt focus proxy (which makes Tab skip the toolbars before ``target``)."""
    _FocusHandOff(widget, target)


class _FocusHandOff(QObject):
    def __init__(self, widget: QWidget, target: QWidget) -> None:
        super().__init__(widget)
        self._target = target
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.FocusIn and self._target.isVisible() and self._target.isEnabled():
            self._target.setFocus(Qt.FocusReason.OtherFocusReason)
        return False


def fallback_name(widget: QWidget) -> str:
    """A name for a control that has none: its tool tip's first sentence, else its placeholder
    (a button with words is named by them already)."""
    if isinstance(widget, QAbstractButton) and widget.text():
        return ""
    tip = " ".join(widget.toolTip().split())
    if tip and not tip.startswith("<"):
        return tip.split(". ")[0].split(" (")[0].rstrip(".")
    if isinstance(widget, QLineEdit) and widget.placeholderText():
        return widget.placeholderText()
    if isinstance(widget, QScrollArea) and widget.window().windowTitle():
        return widget.window().windowTitle()  # a scrolling form or page: named as its window
    return ""


class AccessibilityPolicy(QObject):
    """The application-wide event filter applying the rules above (one per application)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        kind = event.type()
        if kind == QEvent.Type.Polish and isinstance(watched, QWidget):
            self._polish(watched)
        elif kind == QEvent.Type.KeyPress and isinstance(watched, QAbstractItemView):
            if opens_context_menu(event) and open_header_menu(watched) is not None:  # type: ignore[arg-type]
                return True
        return False

    @staticmethod
    def _polish(widget: QWidget) -> None:
        if isinstance(widget, QAbstractItemView):
            widget.setTabKeyNavigation(False)
        if isinstance(widget, QScrollArea) and _holds_focus_stops(widget):
            # Tab reaches what it holds (and the area scrolls to it): the area itself is no stop,
            # or it would come after its own contents, out of reading order.
            widget.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        if isinstance(widget, QLabel) and widget.buddy() is not None:
            name_from_label(widget)
        if widget.accessibleName() or not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            return
        name = fallback_name(widget)
        if name:
            widget.setAccessibleName(name)
            widget.setProperty(_FALLBACK, True)  # a label bound to it later still wins


def _holds_focus_stops(area: QScrollArea) -> bool:
    inner = area.widget()
    if inner is None:
        return False
    return any(w.focusPolicy() & Qt.FocusPolicy.TabFocus for w in inner.findChildren(QWidget))


#: Marks a name taken from a tool tip or placeholder, which a buddy label's words replace.
_FALLBACK = "cspdeskFallbackName"


def label_words(text: str) -> str:
    """A label's words as a name: no Alt marker, one line, no trailing colon."""
    return " ".join(text.replace("&&", "\0").replace("&", "").replace("\0", "&").split()).rstrip(":")


def name_from_label(label: QLabel) -> None:
    """Name ``label``'s buddy by the label's words, unless it was named on purpose. Qt's own
    accessibility looks for a buddy label only among the field's siblings, so a field laid out
    in a cell of its own (beside its error line) was announced with no name."""
    buddy = label.buddy()
    while buddy.focusProxy() is not None:
        buddy = buddy.focusProxy()
    if buddy.accessibleName() and not buddy.property(_FALLBACK):
        return
    words = label_words(label.text())
    if words:
        buddy.setAccessibleName(words)
        buddy.setProperty(_FALLBACK, False)


def install(app: QApplication) -> AccessibilityPolicy:
    """Install the policy on ``app`` (once; later calls return the one installed)."""
    existing = app.findChild(AccessibilityPolicy, OBJECT_NAME)
    if existing is not None:
        return existing
    policy = AccessibilityPolicy(app)
    policy.setObjectName(OBJECT_NAME)
    app.installEventFilter(policy)
    return policy
