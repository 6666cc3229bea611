"""``cspdesk --self-test``: the core steps (:mod:`cspdesk.selftest`), then Qt on the same database.

The Qt steps prove what a bundle most often gets wrong: the platform plugin loads (``qt``), the
stylesheet is found and the main window is built, shown and painted (``window``), and PDFium, the
native library print preview draws pages with, renders the PDF the core step made (``preview``).
Works offscreen (``QT_QPA_PLATFORM=offscreen``) as well as on a screen, where the window flashes up
for a moment.
"""

from __future__ import annotations

import sys

from cspdesk.selftest import SelfTest, SelfTestFailed, process_age
from cspdesk.selftest import run as run_self_test

#: The longest the window may take to be painted once shown.
PAINT_TIMEOUT_MS = 15_000


def _qt_steps(test: SelfTest) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    from cspdesk_gui.app import _FirstPaint, make_application

    holder: dict[str, object] = {}

    def start_qt() -> str:
        app = make_application()
        holder["app"] = app
        return f"Qt {_qt_version()}, platform plugin {app.platformName()!r}, stylesheet loaded"

    def show_window() -> str:
        from cspdesk_gui.main_window import MainWindow

        window = MainWindow(test.ctx)
        holder["window"] = window
        loop = QEventLoop()
        painted: list[bool] = []

        def on_paint() -> None:
            painted.append(True)
            loop.quit()

        window.show()
        # Painted, or the fallback after PAINT_TIMEOUT_MS (then not painted: a failure).
        _FirstPaint(window, on_paint, fallback_ms=PAINT_TIMEOUT_MS)
        QTimer.singleShot(PAINT_TIMEOUT_MS + 1000, loop.quit)
        loop.exec()
        if not painted:
            raise SelfTestFailed("window: the main window was never painted.")
        size = window.size()
        since_start = process_age()
        when = f", {since_start:.3f} s after the process started" if since_start is not None else ""
        return f"main window shown and painted ({size.width()}x{size.height()}){when}"

    def draw_preview() -> str:
        from cspdesk_gui.printing.pages import render_pages

        pages = render_pages(test.pdf, 48, last=1)
        if not pages or pages[0].image.isNull():
            raise SelfTestFailed("preview: PDFium drew no page.")
        image = pages[0].image
        return f"PDFium drew page 1 ({image.width()}x{image.height()} px)"

    def close_window() -> str:
        window = holder.get("window")
        if window is not None:
            window.close()  # type: ignore[attr-defined]
            window.deleteLater()  # type: ignore[attr-defined]
        holder.pop("window", None)
        return "window closed"

    try:
        test.step("qt", start_qt)
        test.step("window", show_window)
        test.step("preview", draw_preview)
    finally:
        if "window" in holder:
            test.step("close", close_window)


def _qt_version() -> str:
    from PySide6 import __version__ as pyside_version
    from PySide6.QtCore import qVersion

    return f"{qVersion()} (PySide6 {pyside_version})"


def main() -> int:
    """Run the self-test; the exit code (0 passed, 1 failed, 2 Qt is missing)."""
    try:
        import PySide6  # noqa: F401 - only to say plainly when it is missing
    except ImportError:
        print("cspdesk: the self-test needs PySide6, which is not installed.", file=sys.stderr)
        return 2
    return run_self_test(_qt_steps)
