"""Where the files in the top-level ``resources/`` folder are: icons, the stylesheet.

From a checkout (or an editable install) the folder sits beside the ``ui`` package; in a
PyInstaller bundle it is unpacked under ``sys._MEIPASS`` (the installer's spec copies it there
as ``resources``).
"""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """The ``resources`` folder of this copy of CSPDesk (it is not checked to exist)."""
    if getattr(sys, "frozen", False) and hasattr(sys, "_MEIPASS"):
        return Path(sys._MEIPASS) / "resources"  # noqa: SLF001 - PyInstaller's documented attribute
    return Path(__file__).resolve().parent.parent / "resources"


def resource_path(*parts: str) -> Path:
    """``resource_path("icons", "cspdesk.svg")``: a file (or folder) under ``resources``."""
    return resources_dir().joinpath(*parts)
