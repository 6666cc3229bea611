"""Loading what comes after the sign-in window while the person signs in (issue 23: start-up).

The sign-in window needs neither SQLAlchemy nor the pages after it, so it comes up near a bare
Qt window's time; this thread then imports the services, configures the ORM mappers and imports
the main window's modules — while the person types, and while argon2 (which lets go of the GIL)
derives the key — so the main window follows the password in a fraction of a second.

Hazard: only *imports* run here (module-level code that makes no widget). Whoever builds the main
window calls :func:`finish` first, so no module is imported by two threads at once.
"""

from __future__ import annotations

import logging
import threading

log = logging.getLogger(__name__)

_thread: threading.Thread | None = None
_lock = threading.Lock()


def _warm() -> None:
    try:
        from cspdesk.services.access.auth import load_services

        load_services()
        import cspdesk_gui.main_window  # noqa: F401 - the window and its pages
    except Exception:
        log.debug("warming up failed; the window imports what it needs itself", exc_info=True)


def start() -> None:
    """Begin warming up (once per process; later calls do nothing)."""
    global _thread
    with _lock:
        if _thread is None:
            _thread = threading.Thread(target=_warm, name="cspdesk-warm-up", daemon=True)
            _thread.start()


def finish(timeout: float = 30.0) -> None:
    """Wait for the warm-up, if one was started (before building the main window)."""
    thread = _thread
    if thread is not None and thread is not threading.current_thread():
        thread.join(timeout)
