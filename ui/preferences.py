"""Remembered choices of the window (the last user name that signed in): a small ini file beside
the default database, in the user's data folder.

Not QSettings' default place: that is shared by every test run and every data folder, while this
follows ``CSPDESK_DATA_DIR`` like the database does. Nothing secret is ever written here.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings

from cspdesk.services.database.workspace import default_database

LAST_USER = "signIn/lastUser"


def settings() -> QSettings:
    path = default_database().with_name("cspdesk-window.ini")
    return QSettings(str(path), QSettings.Format.IniFormat)


def last_user() -> str:
    value = settings().value(LAST_USER, "")
    return value if isinstance(value, str) else ""


def remember_user(username: str) -> None:
    store = settings()
    store.setValue(LAST_USER, username)
    store.sync()


APPEARANCE = "view/appearance"


def appearance() -> str:
    """View → Appearance: ``system`` (follow the system's light or dark), ``light`` or ``dark``."""
    value = settings().value(APPEARANCE, "system")
    return value if value in ("system", "light", "dark") else "system"


def remember_appearance(choice: str) -> None:
    store = settings()
    store.setValue(APPEARANCE, choice)
    store.sync()
