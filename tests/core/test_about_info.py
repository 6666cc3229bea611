"""The About box's facts, read without Qt: CSPDesk's version and licence, and the libraries."""

from __future__ import annotations

import importlib.util

import cspdesk
from cspdesk.about import LICENCE, QT_NOTE, app_version, bundled_libraries, declared_licence, python_library


def test_the_version_is_the_installed_one_or_the_packages() -> None:
    assert app_version() == cspdesk.__version__  # pyproject and __init__ agree


def test_cspdesk_is_gpl() -> None:
    assert LICENCE == "GPL-3.0-or-later"


def test_every_core_library_is_listed_with_its_version_and_licence() -> None:
    libraries = {lib.name: lib for lib in bundled_libraries()}
    for name in ("SQLAlchemy", "Alembic", "sqlcipher3 (SQLCipher)", "argon2-cffi", "cryptography", "ReportLab",
                 "rl_accel", "psycopg", "platformdirs", "jellyfish", "openpyxl"):
        lib = libraries[name]
        assert lib.installed and lib.version and lib.version[0].isdigit(), name
        assert lib.licence and lib.url.startswith("http"), name
    assert libraries["SQLAlchemy"].licence == "MIT"
    assert "LGPL" in libraries["psycopg"].licence
    assert "Apache-2.0" in libraries["cryptography"].licence
    assert "BSD" in libraries["ReportLab"].licence


def test_qt_is_listed_under_the_lgpl() -> None:
    qt = next(lib for lib in bundled_libraries() if lib.name.startswith("PySide6"))
    assert "LGPL" in qt.licence
    assert "LGPL" in QT_NOTE and "replace" in QT_NOTE
    if importlib.util.find_spec("PySide6") is None:  # the core's own run, without Qt
        assert qt.version is None and not qt.installed
    else:
        assert qt.installed and qt.licence == "LGPL-3.0-only"


def test_python_is_listed() -> None:
    assert python_library().version.count(".") == 2


class _Meta(dict):
    def get_all(self, name: str) -> list[str]:
        value = self.get(name)
        return value if isinstance(value, list) else []


def test_a_declared_licence_is_a_name_not_a_whole_text() -> None:
    assert declared_licence(_Meta({"License-Expression": "MIT"})) == "MIT"
    assert declared_licence(_Meta({"License": "BSD"})) == "BSD"
    long_text = "Permission is hereby granted, free of charge, to any person obtaining a copy\nof this software"
    assert declared_licence(_Meta({"License": long_text})) is None
    classified = _Meta({"License": long_text, "Classifier": ["License :: OSI Approved :: MIT License"]})
    assert declared_licence(classified) == "MIT License"


def test_where_the_data_lives(ctx, tmp_path) -> None:  # noqa: ANN001 - the shared fixture
    from cspdesk.services.database.backup import data_locations

    places = data_locations(ctx)
    assert places.logs.is_dir()
    if ctx.store.target.path is None:  # the [postgres] run: a server, its password hidden
        assert places.on_server and places.keyring is None and places.backups is None
        assert places.database.startswith("postgresql")
        assert "***" in places.database or ":" not in places.database.split("@")[0].split("//")[-1]
    else:
        assert places.database == str(ctx.store.target.path)
        assert places.keyring is not None and places.keyring.name.endswith(".keyring")
        assert places.backups is not None and "backups" in places.backups.parts
