"""Where the files in the top-level ``resources/`` folder are: icons, the stylesheet.

From a checkout (or an editable install) the folder sits beside the ``ui`` folder; a wheel (or
``pip install .``) carries it inside the package as ``cspdesk_gui/_resources`` (setup.py copies it there,
so nothing is installed as a top-level ``resources``); in a PyInstaller bundle it is unpacked
under ``sys._MEIPASS`` (the installer's spec copies it there as ``resources``).
"""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """The ``resources`` folder of this copy of CSPDesk (it is not checked to exist)."""
    if getattr(sys, "frozen", False) and hasattr(sys, "_MEIPASS"):
        return Path(sys._MEIPASS) / "resources"  # noqa: SLF001 - PyInstaller's documented attribute
    here = Path(__file__).resolve().parent
    installed = here / "_resources"
    # Checked first: beside an installed package, site-packages/resources may be anyone's.
    if installed.is_dir():
        return installed
    return here.parent / "resources"


def resource_path(*parts: str) -> Path:
    """``resource_path("icons", "cspdesk.svg")``: a file (or folder) under ``resources``."""
    return resources_dir().joinpath(*parts)
