"""Where CSPDesk keeps its files on this computer (platformdirs), overridable for tests and CI."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "CSPDesk"


def data_dir() -> Path:
    """The user's data folder; ``CSPDESK_DATA_DIR`` overrides it (tests, portable installs)."""
    override = os.environ.get("CSPDESK_DATA_DIR")
    if override:
        path = Path(override)
    else:
        import platformdirs  # only needed when no override is given

        path = platformdirs.user_data_path(APP_NAME, appauthor=False)
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_path() -> Path:
    return data_dir() / "cspdesk.db"
