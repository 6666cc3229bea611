"""Light and dark: the colours, type and spacing every window is drawn with, in one place.

``resources/style/cspdesk.qss`` is a template: each ``@name`` in it is filled from the palette of
the scheme in use (:data:`LIGHT`, :data:`DARK`), from the spacing scale (:data:`SPACING`) and from
the type scale (:data:`FONT_SCALE`, multiples of the system's own font size, so a person who
chose larger text gets larger headings too). The same palette sets the Fusion style's
:class:`QPalette`, so widgets the stylesheet does not name (menus, scroll bars, spin boxes) follow,
and item models take their text colours from :func:`brush`.

Which scheme: ``CSPDESK_THEME`` (``light``, ``dark`` or ``system``) when set, else the choice made
in View → Appearance (remembered), else the system's (Qt's ``colorScheme``), followed live when
it changes. A system that does not say (``Unknown``, as on the offscreen platform) gets light.
"""

from __future__ import annotations

import os
import re
from functools import cache

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QBrush, QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QMenu

from cspdesk_gui.resources import resource_path, resources_dir
from cspdesk_gui.signals import emit

#: The environment variable that overrides the scheme (tests, screenshots, people who prefer it).
THEME_ENV = "CSPDESK_THEME"
#: The choices: follow the system, or always one scheme.
SYSTEM, LIGHT_SCHEME, DARK_SCHEME = "system", "light", "dark"
CHOICES = (SYSTEM, LIGHT_SCHEME, DARK_SCHEME)

#: The light scheme: a quiet grey-blue on white. Text colours keep 4.5:1 on ``base`` and ``window``.
LIGHT: dict[str, str] = {
    "window": "#f6f7f9",  # behind everything
    "base": "#ffffff",  # inputs, tables, cards
    "alternate": "#f8fafc",  # every other table row
    "panel": "#e9edf2",  # the sidebar, the status bar, the lock screen
    "panelHover": "#dde3ea",
    "header": "#eef1f5",  # table headings, read-only fields
    "tabPane": "#fbfcfd",
    "text": "#1f2933",
    "secondary": "#374151",  # captions, column headings
    "faint": "#4b5563",  # the empty state, the database in the status bar
    "muted": "#5f6773",  # hints, finished rows (4.5:1 on the panel too, as in the status bar)
    "disabledText": "#9aa3ad",
    "border": "#d8dde3",
    "borderSoft": "#e3e7ec",
    "borderInput": "#7a838e",  # 3:1 on every surface a field sits on
    "borderButton": "#c9d0d8",
    "buttonHover": "#f0f3f7",
    "indicatorBorder": "#7a838e",
    "focus": "#1d4e89",  # the focus ring of every focus stop (3:1 on every surface)
    "focusOnFill": "#ffffff",  # the focus ring inside a filled (primary, danger) button
    "accent": "#1d4e89",  # filled: the primary button, the chosen page
    "accentHover": "#163d6b",
    "accentStrong": "#0b2545",
    "accentDisabled": "#8aa4c4",
    "onAccent": "#ffffff",
    "onAccentDisabled": "#ffffff",  # the words on a greyed-out filled button
    "accentText": "#1d4e89",  # written: links, section titles, figures
    "accentTextHover": "#163d6b",
    "selection": "#dbe7f5",
    "selectionText": "#1f2933",
    "chip": "#dbe7f5",
    "chipText": "#1d4e89",
    "chipMuted": "#eef0f3",
    "danger": "#a61b1b",  # written: errors, overdue, high risk
    "dangerFill": "#a61b1b",  # filled: the erase button
    "dangerHover": "#861515",
    "dangerStrong": "#4a0b0b",
    "dangerDisabled": "#d9a3a3",
    "caution": "#8a5a00",  # medium risk, attempts left
    "good": "#1e6b34",
    "notice": "#fff4d6",  # the read-only banner, a repeat referral
    "noticeText": "#5c3d00",
    "noticeBorder": "#e8c96a",
    "noticeSoft": "#fff7e0",
    "noticeSoftBorder": "#e8d9a8",
    "success": "#e8f3ec",
    "successText": "#1e6b34",
    "successBorder": "#b8dcc4",
    "marking": "#1f2933",  # the protective marking in the status bar
    "markingText": "#ffffff",
    # Print preview and charts: paper stays paper in both schemes.
    "desk": "#c9ced6",
    "paper": "#ffffff",
    "paperBorder": "#8a939e",
    "paperText": "#1f2933",
    "paperMuted": "#5f6773",
    # Charts on screen: drawn from the scheme (the PDF keeps its greys on paper).
    "chartBar": "#6b7a8f",
    "chartInk": "#1f2933",  # words, axes and the bars' outline
    # RAG: the colour (dots, borders, words) and a tint behind it. The word always goes with it.
    "ragRed": "#b42318",
    "ragAmber": "#a33f06",  # darker than before: 4.5:1 on a selected row too
    "ragGreen": "#1a6e2e",
    "ragBlue": "#1d5fa8",
    "ragGrey": "#5f6671",  # 4.5:1 as words on its tint (the Grey chip)
    "ragRedTint": "#fde8e7",
    "ragAmberTint": "#fdf0dc",
    "ragGreenTint": "#e3f3e6",
    "ragBlueTint": "#e2ecf8",
    "ragGreyTint": "#eef0f3",
    # The Fusion style's bevels (QPalette's Light … Shadow).
    "bevelLight": "#ffffff",
    "bevelMidlight": "#eef1f5",
    "bevelMid": "#b9c1ca",
    "bevelDark": "#8a94a0",
    "bevelShadow": "#4b5563",
}

#: The dark scheme: the same roles, lighter text on charcoal; colours that are *written* (danger,
#: accentText, RAG) are lightened so they keep their contrast on ``base``.
DARK: dict[str, str] = {
    "window": "#1c2026",
    "base": "#252a31",
    "alternate": "#2a3038",
    "panel": "#20252b",
    "panelHover": "#2f363f",
    "header": "#2c323a",
    "tabPane": "#21262d",
    "text": "#e6e9ed",
    "secondary": "#cdd3da",
    "faint": "#b4bcc6",
    "muted": "#9aa4b2",
    "disabledText": "#6b7480",
    "border": "#3a424c",
    "borderSoft": "#323941",
    "borderInput": "#7d8794",
    "borderButton": "#48515c",
    "buttonHover": "#2f363f",
    "indicatorBorder": "#7d8794",
    "focus": "#8cb8f2",
    "focusOnFill": "#ffffff",
    "accent": "#2f6db5",
    "accentHover": "#285f9e",  # darker, not lighter: white words keep 4.5:1
    "accentStrong": "#a9c8ef",
    # Greyed out is washed into the background: a faint fill and dim words (white on a darker
    # blue read as a button at rest, not one that cannot be pressed).
    "accentDisabled": "#2a3543",
    "onAccent": "#ffffff",
    "onAccentDisabled": "#7d8897",
    "accentText": "#8cb8f2",
    "accentTextHover": "#b0cff7",
    "selection": "#223652",  # dark enough for the coloured words (RAG, risk) on a selected row
    "selectionText": "#f1f4f7",
    "chip": "#2d4a6e",
    "chipText": "#cfe0f7",
    "chipMuted": "#30363e",
    "danger": "#ff8a80",
    "dangerFill": "#b3261e",
    "dangerHover": "#c7382f",
    "dangerStrong": "#ffb4ab",
    "dangerDisabled": "#3a2a2b",
    "caution": "#e8b04e",
    "good": "#72d08f",
    "notice": "#3b3014",
    "noticeText": "#f3d58a",
    "noticeBorder": "#7a6421",
    "noticeSoft": "#332a14",
    "noticeSoftBorder": "#5e4f25",
    "success": "#173122",
    "successText": "#8fdca5",
    "successBorder": "#2f5c3f",
    "marking": "#e6e9ed",
    "markingText": "#1c2026",
    "desk": "#14171b",
    "paper": "#ffffff",
    "paperBorder": "#000000",
    "paperText": "#1f2933",
    "paperMuted": "#5f6773",
    "chartBar": "#8fa3bd",
    "chartInk": "#e6e9ed",
    "ragRed": "#ff7b72",
    "ragAmber": "#f0a04b",
    "ragGreen": "#5fcb7c",
    "ragBlue": "#79b0f2",
    "ragGrey": "#a3acb8",
    "ragRedTint": "#41201e",
    "ragAmberTint": "#3d2c16",
    "ragGreenTint": "#183222",
    "ragBlueTint": "#1b2d45",
    "ragGreyTint": "#2c3239",
    "bevelLight": "#3a424c",
    "bevelMidlight": "#30363e",
    "bevelMid": "#1e2328",
    "bevelDark": "#15181c",
    "bevelShadow": "#000000",
}

PALETTES: dict[str, dict[str, str]] = {LIGHT_SCHEME: LIGHT, DARK_SCHEME: DARK}

#: The spacing scale: every padding and margin in the stylesheet is one of these.
SPACING: dict[str, str] = {
    "sp1": "2px",
    "sp2": "4px",
    "sp3": "6px",
    "sp4": "8px",
    "sp5": "10px",
    "sp6": "14px",
    "sp7": "16px",
    "sp8": "24px",
    "sp9": "40px",
    "radius": "4px",
    "radiusLarge": "6px",
    "radiusChip": "9px",
}

#: The type scale: multiples of the base (the system's) font size. At the usual 9 pt these give
#: 9, 11, 12, 13, 15, 17 and 20 pt.
FONT_SCALE: dict[str, float] = {
    "fontSmall": 1.0,
    "fontMedium": 11 / 9,
    "fontLarge": 12 / 9,
    "fontTitle": 13 / 9,
    "fontHeading": 15 / 9,
    "fontPage": 17 / 9,
    "fontDisplay": 20 / 9,
}
#: The base when the system font is sized in pixels (no point size to scale from).
FALLBACK_POINT_SIZE = 9.0

_PLACEHOLDER = re.compile(r"@([A-Za-z][A-Za-z0-9]*)")
_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)

#: The palette in use (light until a scheme is applied): what :func:`colour` reads.
_current: dict[str, str] = LIGHT


@cache
def stylesheet_template() -> str:
    return resource_path("style", "cspdesk.qss").read_text(encoding="utf-8")


def font_sizes(base_points: float) -> dict[str, str]:
    """The type scale in points for a base font of ``base_points`` (rounded to half points)."""
    return {name: f"{round(base_points * factor * 2) / 2:g}pt" for name, factor in FONT_SCALE.items()}


def render_stylesheet(scheme: str, *, base_points: float = FALLBACK_POINT_SIZE, template: str | None = None) -> str:
    """The stylesheet for ``scheme`` (``light`` or ``dark``) with every ``@name`` filled in.
    An ``@name`` no table holds raises KeyError (a typo in the template must not pass silently)."""
    # @resources: the folder of the icons a rule draws (url(@resources/icons/check.svg)).
    values = {**PALETTES[scheme], **SPACING, **font_sizes(base_points), "resources": resources_dir().as_posix()}

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"The stylesheet names @{name}, which no palette or scale holds.")
        return values[name]

    text = stylesheet_template() if template is None else template
    return _PLACEHOLDER.sub(fill, _COMMENT.sub("", text))  # comments may speak of @names


def placeholders_left(stylesheet: str) -> list[str]:
    """The ``@name`` placeholders still in ``stylesheet`` (none, once rendered)."""
    return _PLACEHOLDER.findall(stylesheet)


def qpalette(scheme: str) -> QPalette:
    """The Fusion style's palette for ``scheme``, from the same colours as the stylesheet."""
    c = {name: QColor(value) for name, value in PALETTES[scheme].items()}
    palette = QPalette()
    role = QPalette.ColorRole
    for r, name in (
        (role.Window, "window"),
        (role.WindowText, "text"),
        (role.Base, "base"),
        (role.AlternateBase, "alternate"),
        (role.Text, "text"),
        (role.Button, "base"),
        (role.ButtonText, "text"),
        (role.ToolTipBase, "base"),
        (role.ToolTipText, "text"),
        (role.PlaceholderText, "muted"),
        (role.Highlight, "accent"),
        (role.HighlightedText, "onAccent"),
        (role.Link, "accentText"),
        (role.LinkVisited, "accentText"),
        (role.BrightText, "danger"),
        (role.Light, "bevelLight"),
        (role.Midlight, "bevelMidlight"),
        (role.Mid, "bevelMid"),
        (role.Dark, "bevelDark"),
        (role.Shadow, "bevelShadow"),
    ):
        palette.setColor(r, c[name])
    disabled = QPalette.ColorGroup.Disabled
    for r in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(disabled, r, c["disabledText"])
    palette.setColor(disabled, role.Highlight, c["accentDisabled"])
    return palette


def current_scheme() -> str:
    """``light`` or ``dark``: the scheme the windows are drawn in now."""
    return DARK_SCHEME if _current is DARK else LIGHT_SCHEME


def colour(name: str) -> QColor:
    """A colour of the scheme in use, by its name in the palette (``muted``, ``danger`` …).
    Read it when drawing, not at import: the scheme can change while the program runs."""
    return _colour(current_scheme(), name)


def brush(name: str) -> QBrush:
    """:func:`colour` as a brush, for item models' ``ForegroundRole``."""
    return _brush(current_scheme(), name)


@cache
def _colour(scheme: str, name: str) -> QColor:
    return QColor(PALETTES[scheme][name])


@cache
def _brush(scheme: str, name: str) -> QBrush:
    return QBrush(_colour(scheme, name))


#: The colours :func:`chart_svg` finds in the report's SVG charts (drawn for paper), and the
#: palette colour each becomes on screen.
_CHART_COLOURS = {"rgb(0%,0%,0%)": "chartInk", "rgb(20%,20%,20%)": "chartInk", "rgb(41%,47%,56%)": "chartBar"}


def chart_svg(svg: bytes, scheme: str | None = None) -> bytes:
    """A report chart's SVG (drawn in greys for paper) recoloured for the screen in ``scheme``
    (None: the one in use): ink and bars from the palette, the background left to the card."""
    text = svg.decode("utf-8")
    palette = PALETTES[scheme or current_scheme()]
    for paper, name in _CHART_COLOURS.items():
        text = text.replace(paper, palette[name])
    return text.encode("utf-8")


def system_scheme() -> str:
    """What the system asks for: ``dark`` only when it says so."""
    hints = QGuiApplication.styleHints()
    return DARK_SCHEME if hints.colorScheme() == Qt.ColorScheme.Dark else LIGHT_SCHEME


def environment_choice() -> str | None:
    """``CSPDESK_THEME`` when it holds one of :data:`CHOICES`, else None."""
    value = os.environ.get(THEME_ENV, "").strip().lower()
    return value if value in CHOICES else None


class Theme(QObject):
    """Applies the scheme to the application and follows the system's changes (one per app)."""

    #: The scheme drawn changed: ``light`` or ``dark``.
    scheme_changed = Signal(str)

    OBJECT_NAME = "cspdeskTheme"

    def __init__(self, app: QApplication, choice: str = SYSTEM) -> None:
        super().__init__(app)
        self.setObjectName(self.OBJECT_NAME)
        self._app = app
        self.choice = choice if choice in CHOICES else SYSTEM
        self.scheme = ""
        font = app.font()
        self.base_points = font.pointSizeF() if font.pointSizeF() > 0 else FALLBACK_POINT_SIZE
        app.styleHints().colorSchemeChanged.connect(self._system_changed)

    def wanted_scheme(self) -> str:
        return system_scheme() if self.choice == SYSTEM else self.choice

    def choose(self, choice: str) -> None:
        """Follow the system (``system``) or keep to one scheme, from now on."""
        if choice not in CHOICES:
            raise ValueError(f"{choice!r} is not one of {', '.join(CHOICES)}.")
        self.choice = choice
        self.apply()

    def apply(self, *, force: bool = False) -> None:
        """Draw every window in the wanted scheme (nothing to do when it is drawn already)."""
        global _current
        scheme = self.wanted_scheme()
        if scheme == self.scheme and not force:
            return
        _current = PALETTES[scheme]
        self._app.setPalette(qpalette(scheme))
        self._app.setStyleSheet(render_stylesheet(scheme, base_points=self.base_points))
        changed = scheme != self.scheme
        self.scheme = scheme
        if changed:
            emit(self.scheme_changed, scheme)

    def _system_changed(self, _scheme: Qt.ColorScheme) -> None:
        if self.choice == SYSTEM:
            self.apply()


def theme(app: QApplication | None = None) -> Theme | None:
    """The application's :class:`Theme`, once :func:`install` has made it."""
    app = app or QApplication.instance()  # type: ignore[assignment]
    if app is None:
        return None
    return app.findChild(Theme, Theme.OBJECT_NAME)


def install(app: QApplication, choice: str | None = None) -> Theme:
    """Make (or reuse) the application's :class:`Theme` and apply it. ``choice`` None: the
    environment's, else the remembered one, else follow the system."""
    if choice is None:
        choice = environment_choice() or remembered_choice()
    current = theme(app)
    if current is None:
        current = Theme(app, choice)
    else:
        current.choice = choice
    current.apply(force=True)
    return current


def remembered_choice() -> str:
    """The View → Appearance choice saved in the window's settings (``system`` when none)."""
    from cspdesk_gui.preferences import appearance

    return appearance()


#: View → Appearance: the menu's words for each choice.
APPEARANCE_LABELS = {SYSTEM: "Follow the &system", LIGHT_SCHEME: "&Light", DARK_SCHEME: "&Dark"}


def appearance_menu(menu: QMenu, parent: QObject) -> dict[str, QAction]:
    """Fill ``menu`` with the three choices (one ticked); choosing one applies it at once and
    remembers it for the next start (``CSPDESK_THEME``, when set, still wins at start)."""
    group = QActionGroup(parent)
    group.setExclusive(True)
    current = theme()
    chosen = current.choice if current is not None else SYSTEM
    actions: dict[str, QAction] = {}
    for choice in CHOICES:
        action = QAction(APPEARANCE_LABELS[choice], parent)
        action.setCheckable(True)
        action.setChecked(choice == chosen)
        action.setObjectName(f"appearance_{choice}")
        action.triggered.connect(lambda _checked=False, c=choice: choose_appearance(c))
        group.addAction(action)
        menu.addAction(action)
        actions[choice] = action
    return actions


def choose_appearance(choice: str) -> None:
    """Apply ``choice`` (system, light or dark) and remember it."""
    from cspdesk_gui.preferences import remember_appearance

    current = theme()
    if current is not None:
        current.choose(choice)
    remember_appearance(choice)


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2.2's relative luminance of an sRGB colour written ``#rrggbb``."""
    value = hex_colour.lstrip("#")

    def channel(pair: str) -> float:
        c = int(pair, 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(value[i:i + 2]) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    """WCAG's contrast ratio of two colours (1 to 21): text needs 4.5, focus rings and borders 3."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
