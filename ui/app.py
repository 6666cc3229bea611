"""Starting the desktop application: ``run_gui`` is what ``cspdesk`` (no subcommand) calls.

Nobody reaches the data without signing in: the first screen is the sign-in dialog (or, with no
database yet, the first-run window); :mod:`cspdesk_gui.startup` runs the screens from there. Start-up after
signing in is kept short: the window is built with every page empty, and only the page shown first
reads from the database (the panel list: three grouped queries; the case list: the ids and one page).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from cspdesk import __version__

from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from cspdesk_gui.resources import resource_path

APP_NAME = "CSPDesk"
ORGANISATION = "CSPDesk"
#: The window icon of every window and dialog: the SVG itself, so it is sharp at any scale.
APP_ICON = resource_path("icons", "cspdesk.svg")
#: The .desktop file the Linux packages install (so the desktop matches windows to it).
DESKTOP_FILE_NAME = "cspdesk"

#: How long to let the window settle after it is first shown before a screenshot is grabbed.
SCREENSHOT_SETTLE_MS = 300
#: The longest a screenshot waits for a page's background loading to finish.
SCREENSHOT_WAIT_MS = 20_000


def _headless(app: QApplication) -> bool:
    return app.platformName() in ("offscreen", "minimal")


def _complain(app: QApplication, message: str, *, to_stderr: bool) -> None:
    """Tell the person what went wrong: a message box on a screen, stderr when there is none."""
    if to_stderr or _headless(app):
        print(f"cspdesk: {message}", file=sys.stderr, flush=True)
        return
    QMessageBox.critical(None, APP_NAME, message)


def make_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with CSPDesk's names, icon and theme (reuses one that already exists)."""
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else [sys.argv[0]])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(ORGANISATION)
    # The package's own version (tests/core/test_about_info.py holds it equal to the installed
    # distribution's): importlib.metadata would cost the first window a tenth of a second.
    app.setApplicationVersion(__version__)
    if sys.platform.startswith("linux"):
        app.setDesktopFileName(DESKTOP_FILE_NAME)
    if app.windowIcon().isNull():
        app.setWindowIcon(QIcon(str(APP_ICON)))
    app.setStyle("Fusion")  # the same look on Windows, macOS and Linux, which the stylesheet builds on
    from cspdesk_gui import theme

    theme.install(app)  # the stylesheet and palette, light or dark as the system (or the person) asks
    from cspdesk_gui import accessibility

    accessibility.install(app)  # no keyboard traps in tables, header menus by keyboard, names
    return app


class _FirstPaint(QObject):
    """Calls ``callback`` once, on the event loop, after ``widget`` has first been painted
    (or after ``fallback_ms`` if a platform never reports a paint)."""

    def __init__(self, widget, callback, fallback_ms: int = 5000) -> None:  # noqa: ANN001
        super().__init__(widget)
        self._callback = callback
        self._done = False
        widget.installEventFilter(self)
        QTimer.singleShot(fallback_ms, self, self._fire)

    def _fire(self) -> None:
        if not self._done:
            self._done = True
            self._callback()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if not self._done and event.type() == QEvent.Type.Paint:
            # After the paint event returns, not inside it.
            QTimer.singleShot(0, self, self._fire)
        return False


def _view_names() -> tuple[str, ...]:
    from cspdesk_gui.shell.sections import VIEW_NAMES

    return tuple(VIEW_NAMES)


#: Where ``run_gui(user=…)`` takes the password from (screenshots, benchmarks): no dialog at all.
PASSWORD_ENV = "CSPDESK_PASSWORD"


def run_gui(
    db: str | None,
    *,
    user: str | None = None,
    screenshot: Path | None = None,
    view: str | None = None,
    print_startup_time: bool = False,
) -> int:
    """Sign in to ``db`` (None: the default database) and run the main window until it closes.

    The first screen is the sign-in dialog when the database exists, and the first-run window
    (set up a partnership, or explore demo data) when it does not. With ``user`` and the password
    in ``CSPDESK_PASSWORD`` there is no dialog: a wrong password is reported on stderr (exit 2).
    With ``user`` alone the sign-in dialog opens with that name filled in.

    ``view`` chooses the first page (``welcome``, ``panels``, ``cases``, ``meetings``, ``actions``,
    ``reports``, ``admin``). With ``screenshot`` the first screen is drawn, saved as a PNG there,
    and the app exits; with ``print_startup_time`` it prints ``shown`` once that screen is first
    painted and exits. Returns the exit code: 0, or 2 when the database cannot be opened, the
    sign-in is refused or the view is unknown.
    """

    app = make_application()
    to_stderr = screenshot is not None or print_startup_time
    # The main window's modules (and SQLAlchemy) are not loaded before the first window is up.
    view_names = _view_names() if view is not None else ()

    if view is not None and view not in view_names:
        _complain(
            app,
            f"There is no view called “{view}”. Choose one of: {', '.join(view_names)}.",
            to_stderr=to_stderr,
        )
        return 2

    from cspdesk.services.errors import ServiceError
    from cspdesk.services.database.workspace import OpenFailed

    if db is not None and "://" not in str(db) and Path(db).is_dir():
        _complain(app, f"{db} is a folder, not a database file.", to_stderr=to_stderr)
        return 2

    ctx = None
    password = os.environ.get(PASSWORD_ENV) if user else None
    if user and password is not None:
        from cspdesk.services.access.auth import sign_in
        from cspdesk_gui import warm_up

        warm_up.start()  # the main window's imports and the mappers, while argon2 runs
        try:
            ctx = sign_in(db, user, password)
        except ServiceError as exc:  # SignInFailed, AccountLocked, OpenFailed: plain words
            # No dialog to fall back on: whoever passed the password is not at the keyboard.
            print(f"cspdesk: {exc}", file=sys.stderr, flush=True)
            return 2

    from cspdesk_gui.startup import Startup

    # A screenshot or a timing is one look: no backups behind it.
    looks_once = screenshot is not None or print_startup_time
    startup = Startup(db, view=view, username=user, auto_backups=not looks_once, warms_up=not looks_once)
    quit_on_close = app.quitOnLastWindowClosed()
    # Between screens (signing out closes the window before the sign-in dialog opens) no window
    # is visible for a moment; that must not end the application.
    app.setQuitOnLastWindowClosed(False)
    try:
        try:
            first = startup.start(ctx)
        except OpenFailed as exc:
            _complain(app, str(exc), to_stderr=to_stderr)
            return 2

        # A local event loop, not app.exec()/app.quit(): quitting the application would leave it
        # unable to run dialogs afterwards, which matters when run_gui is called in-process (tests).
        loop = QEventLoop()
        if screenshot is None and not print_startup_time:
            startup.finished.connect(loop.exit)
            if startup.is_finished():
                return startup.exit_code or 0
            return loop.exec()

        # One look at the first screen, then back.
        exit_code = 0
        if screenshot is not None:
            target = Path(screenshot)

            waited = 0
            settled: list[bool] = []

            def grab() -> None:
                nonlocal exit_code, waited
                # A page that loads on a worker thread (the Reports dashboard) is pictured loaded.
                from cspdesk_gui.operations import running_ops

                if running_ops() and waited < SCREENSHOT_WAIT_MS:
                    waited += SCREENSHOT_SETTLE_MS
                    QTimer.singleShot(SCREENSHOT_SETTLE_MS, grab)
                    return
                if not settled:
                    # What a call delivered is laid out before the picture, also when the call
                    # ended before the first look (its results then arrive in this very turn).
                    settled.append(True)
                    QTimer.singleShot(SCREENSHOT_SETTLE_MS, grab)
                    return
                target.parent.mkdir(parents=True, exist_ok=True)
                if not first.grab().save(str(target), "PNG"):
                    print(f"cspdesk: the screenshot could not be written to {target}.", file=sys.stderr)
                    exit_code = 1
                loop.quit()

            _FirstPaint(first, lambda: QTimer.singleShot(SCREENSHOT_SETTLE_MS, grab))
        else:

            def shown() -> None:
                from cspdesk.services.database.workspace import seconds_since_key_derived

                # For tests/perf: how long after argon2 finished the window was drawn.
                since = seconds_since_key_derived() if ctx is not None else None  # signed in here
                after = f" after-key-derivation {since:.4f}" if since is not None else ""
                print(f"shown{after}", flush=True)
                loop.quit()

            _FirstPaint(first, shown)
        loop.exec()
        return exit_code
    finally:
        startup.shutdown()
        app.setQuitOnLastWindowClosed(quit_on_close)
