"""Light and dark: one stylesheet template filled from a palette per scheme, and the choice."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from cspdesk_gui import theme


@pytest.fixture
def restore_theme():
    """Each test leaves the application drawn as the others expect it (light)."""
    yield
    theme.install(QApplication.instance(), theme.LIGHT_SCHEME)


def test_both_palettes_name_the_same_colours() -> None:
    assert theme.LIGHT.keys() == theme.DARK.keys()


@pytest.mark.parametrize("scheme", [theme.LIGHT_SCHEME, theme.DARK_SCHEME])
def test_no_placeholder_is_left_after_filling_in(scheme: str) -> None:
    rendered = theme.render_stylesheet(scheme)
    assert theme.placeholders_left(rendered) == []
    assert theme.PALETTES[scheme]["window"] in rendered


def test_an_unknown_name_in_the_template_is_an_error() -> None:
    with pytest.raises(KeyError, match="@nonsense"):
        theme.render_stylesheet(theme.LIGHT_SCHEME, template="QWidget { color: @nonsense; }")


def test_the_type_scale_follows_the_base_font() -> None:
    assert theme.font_sizes(9)["fontPage"] == "17pt"
    assert theme.font_sizes(13)["fontPage"] == "24.5pt"


def test_dark_changes_the_window_background_and_the_stylesheet(qtbot, make_window, admin_ctx,  # noqa: ANN001
                                                                restore_theme) -> None:
    app = QApplication.instance()
    window = make_window(admin_ctx)
    current = theme.install(app, theme.LIGHT_SCHEME)
    light_sheet = app.styleSheet()
    light_window = window.palette().color(QPalette.ColorRole.Window).name()
    grabbed_light = window.grab().toImage().pixelColor(window.width() - 20, window.height() // 2).lightness()

    with qtbot.waitSignal(current.scheme_changed) as blocker:
        current.choose(theme.DARK_SCHEME)
    assert blocker.args == [theme.DARK_SCHEME]
    assert theme.current_scheme() == theme.DARK_SCHEME
    dark_sheet = app.styleSheet()
    assert dark_sheet != light_sheet and theme.DARK["window"] in dark_sheet
    assert theme.placeholders_left(dark_sheet) == []
    assert app.palette().color(QPalette.ColorRole.Window).name() == theme.DARK["window"]
    assert window.palette().color(QPalette.ColorRole.Window).name() != light_window
    # What is drawn turns dark too, and the lists' colours come from the dark palette.
    grabbed_dark = window.grab().toImage().pixelColor(window.width() - 20, window.height() // 2).lightness()
    assert grabbed_dark < grabbed_light
    assert theme.brush("danger").color().name() == theme.DARK["danger"]


def test_the_environment_chooses_and_the_menu_overrides(qtbot, make_window, admin_ctx, monkeypatch,  # noqa: ANN001
                                                        restore_theme) -> None:
    from cspdesk_gui.preferences import appearance

    monkeypatch.setenv(theme.THEME_ENV, "dark")
    app = QApplication.instance()
    current = theme.install(app)
    assert current.choice == theme.DARK_SCHEME and current.scheme == theme.DARK_SCHEME

    window = make_window(admin_ctx)
    assert window.appearance_actions[theme.DARK_SCHEME].isChecked()
    window.appearance_actions[theme.LIGHT_SCHEME].trigger()
    assert current.scheme == theme.LIGHT_SCHEME
    assert appearance() == theme.LIGHT_SCHEME  # remembered for the next start

    monkeypatch.delenv(theme.THEME_ENV)
    assert theme.install(app).choice == theme.LIGHT_SCHEME  # the remembered choice, with no override


def test_following_the_system_with_no_answer_is_light(restore_theme) -> None:  # noqa: ANN001
    current = theme.install(QApplication.instance(), theme.SYSTEM)
    # The offscreen platform does not say (Unknown): light.
    assert current.scheme == theme.system_scheme() == theme.LIGHT_SCHEME


def _brightest(button) -> int:  # noqa: ANN001
    """The lightness (0–255) of the brightest pixel drawn: the words on a filled button."""
    image = button.grab().toImage()
    return max(image.pixelColor(x, y).lightness() for x in range(image.width()) for y in range(image.height()))


@pytest.mark.parametrize("name", ["primaryButton", "dangerButton"])
def test_a_greyed_out_filled_button_looks_greyed_out_in_dark(qtbot, restore_theme, name: str) -> None:  # noqa: ANN001
    """White words on a darker fill read as a button at rest: in dark, greyed out is dim words on
    a fill near the window's own colour ("Open meeting mode" with no meeting, "Continue" unticked)."""
    from PySide6.QtWidgets import QPushButton

    theme.install(QApplication.instance(), theme.DARK_SCHEME)
    enabled, disabled = QPushButton("Open meeting mode"), QPushButton("Open meeting mode")
    for button in (enabled, disabled):
        qtbot.addWidget(button)
        button.setObjectName(name)
        button.ensurePolished()
        button.resize(button.sizeHint())
    disabled.setEnabled(False)
    window = theme.colour("window")

    def fill(button) -> QColor:  # noqa: ANN001 - a pixel inside the border, left of the words
        return button.grab().toImage().pixelColor(4, button.height() // 2)

    assert _brightest(enabled) >= 240  # white words
    assert _brightest(disabled) <= 160  # dim words
    def distance(button) -> int:  # noqa: ANN001
        return abs(fill(button).lightness() - window.lightness())

    assert distance(disabled) <= 25 < distance(enabled)  # near the window, unlike the live button
