"""What the About box says: CSPDesk's version and licence, and the libraries it is built on.

No Qt here (the list is tested without it). Versions, licences and project addresses are read
from each installed distribution's metadata; where a distribution does not declare its licence in
a form worth showing, the licence written here (checked by hand against the project) is shown.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from importlib import metadata

import cspdesk

#: CSPDesk's own licence (pyproject's ``license``).
LICENCE = "GPL-3.0-or-later"
PROJECT = "cspdesk"
#: Where the installers put the full licence texts of CSPDesk and of every bundled library.
LICENCE_FOLDER = "licenses"

QT_NOTE = (
    "Qt and PySide6 are used under the GNU Lesser General Public License v3 (LGPL-3.0). They are "
    "separate, unmodified libraries: you may replace them with another build of the same version "
    "(the Qt and PySide6 libraries sit in the PySide6 folder of the install folder)."
)


@dataclass(frozen=True)
class Library:
    """One library CSPDesk is built on and ships with."""

    name: str
    #: The installed version; None when it is not installed here (PySide6 beside the core alone).
    version: str | None
    #: An SPDX-style licence name or expression.
    licence: str
    url: str
    #: What it does for CSPDesk, in a few words.
    purpose: str

    @property
    def installed(self) -> bool:
        return self.version is not None


@dataclass(frozen=True)
class _Known:
    name: str
    distributions: tuple[str, ...]  # the first installed one is read
    licence: str  # the licence CSPDesk relies on, when the metadata says nothing useful
    url: str
    purpose: str
    prefer_known: bool = False  # the metadata offers a choice; this is the one taken


#: The libraries the installers bundle, in the order the About box lists them.
KNOWN_LIBRARIES: tuple[_Known, ...] = (
    _Known("PySide6 (Qt for Python) and Qt 6", ("PySide6-Essentials", "PySide6", "shiboken6"), "LGPL-3.0-only",
           "https://www.qt.io/qt-for-python", "the windows", prefer_known=True),
    _Known("SQLAlchemy", ("SQLAlchemy",), "MIT", "https://www.sqlalchemy.org", "the database layer"),
    _Known("Alembic", ("alembic",), "MIT", "https://alembic.sqlalchemy.org", "database migrations"),
    _Known("sqlcipher3 (SQLCipher)", ("sqlcipher3", "sqlcipher3-binary"),
           "Zlib (sqlcipher3); BSD-3-Clause (SQLCipher)", "https://github.com/coleifer/sqlcipher3",
           "the encrypted database file"),
    _Known("argon2-cffi", ("argon2-cffi",), "MIT", "https://argon2-cffi.readthedocs.io", "password hashing"),
    _Known("cryptography", ("cryptography",), "Apache-2.0 OR BSD-3-Clause", "https://cryptography.io",
           "the key file's encryption"),
    _Known("ReportLab", ("reportlab",), "BSD-3-Clause", "https://www.reportlab.com", "the PDF papers"),
    _Known("rl_accel", ("rl_accel",), "BSD-3-Clause", "https://www.reportlab.com", "faster PDFs"),
    _Known("psycopg", ("psycopg", "psycopg-binary"), "LGPL-3.0-only", "https://www.psycopg.org",
           "PostgreSQL servers"),
    _Known("platformdirs", ("platformdirs",), "MIT", "https://github.com/tox-dev/platformdirs",
           "where files are kept"),
    _Known("jellyfish", ("jellyfish",), "MIT", "https://github.com/jamesturk/jellyfish",
           "finding people already held"),
    _Known("openpyxl", ("openpyxl",), "MIT", "https://openpyxl.readthedocs.io", "Excel files"),
    _Known("pypdfium2 (PDFium)", ("pypdfium2",), "Apache-2.0 OR BSD-3-Clause",
           "https://github.com/pypdfium2-team/pypdfium2", "print preview"),
)


def app_version() -> str:
    """CSPDesk's version: the installed distribution's, else the package's ``__version__``."""
    try:
        return metadata.version(PROJECT)
    except metadata.PackageNotFoundError:
        return getattr(cspdesk, "__version__", "0")


def python_library() -> Library:
    """Python itself (the installers bundle its runtime)."""
    version = ".".join(str(n) for n in sys.version_info[:3])
    return Library("Python", version, "PSF-2.0", "https://www.python.org", "the language")


def bundled_libraries() -> list[Library]:
    """Every library in :data:`KNOWN_LIBRARIES`, with its installed version (None when absent)."""
    out = []
    for known in KNOWN_LIBRARIES:
        dist = _first_installed(known.distributions)
        if dist is None:
            out.append(Library(known.name, None, known.licence, known.url, known.purpose))
            continue
        declared = None if known.prefer_known else declared_licence(dist.metadata)
        out.append(Library(known.name, dist.version, declared or known.licence, known.url, known.purpose))
    return out


def _first_installed(names: tuple[str, ...]) -> metadata.Distribution | None:
    for name in names:
        try:
            return metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
    return None


#: Longer than this, a free-text ``License`` field is a licence's whole text, not its name.
_SHORT = 60


def declared_licence(meta) -> str | None:  # noqa: ANN001 - importlib.metadata's PackageMetadata
    """The licence a distribution declares, as a name: its ``License-Expression`` (PEP 639), else
    a short one-line ``License``, else its "License ::" classifier; None when it says nothing usable."""
    expression = (meta.get("License-Expression") or "").strip()
    if expression:
        return expression
    free = (meta.get("License") or "").strip()
    if free and "\n" not in free and len(free) <= _SHORT and "see " not in free.lower():
        return free
    for classifier in meta.get_all("Classifier") or []:
        if classifier.startswith("License ::"):
            name = classifier.rsplit("::", 1)[-1].strip()
            if name and name != "OSI Approved":
                return name
    return None
