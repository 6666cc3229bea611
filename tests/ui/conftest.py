"""Fixtures for the Qt layer: windows on real encrypted databases, registered with qtbot."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# Cheap argon2 for every keyring these tests write (never set for real data).
os.environ.setdefault("CSPDESK_FAST_KDF", "1")

from ui_accounts import ADMIN_NAME, ADMIN_PASSWORD, ADMIN_USER, PARTNERSHIP  # noqa: E402


@pytest.fixture(autouse=True)
def _stylesheet(qapp):  # noqa: ANN001 - pytest-qt's QApplication
    """Tests see the same stylesheet as the app (a stylesheet that fails to parse warns, and a
    Qt warning fails the test)."""
    from cspdesk_gui.app import make_application

    make_application()
    yield


@pytest.fixture(autouse=True)
def _no_sign_in_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wrong password is slowed by a second per failure in real use; not in tests."""
    import cspdesk.services.access.auth

    monkeypatch.setattr(cspdesk.services.access.auth, "FAILED_DELAY_STEP", 0)


@pytest.fixture(autouse=True)
def _background_calls_end(qtbot) -> Iterator[None]:  # noqa: ANN001
    """No test leaves a worker thread running into the next one."""
    yield
    from cspdesk_gui.operations import running_ops as running_calls

    qtbot.waitUntil(lambda: running_calls() == 0, timeout=30_000)


@pytest.fixture(params=["1366x768", "1024x700"])
def laptop(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN201 - (name, QRect)
    """A council laptop's screen: windows see its available geometry (``cspdesk_gui.windows.available_area``)
    instead of the offscreen platform's one 800×800 screen. (name, the area)."""
    import cspdesk_gui.windows
    from fit_walk import LAPTOPS

    area = LAPTOPS[request.param]
    monkeypatch.setattr(cspdesk_gui.windows, "available_area", lambda _window: area)
    return request.param, area


@pytest.fixture
def make_window(qtbot) -> Callable:  # noqa: ANN001
    """Build a shown MainWindow on a context, registered for closing after the test."""
    from cspdesk_gui.main_window import MainWindow

    def make(ctx, *, show: bool = True, **kwargs):  # noqa: ANN001, ANN202, ANN003
        window = MainWindow(ctx, **kwargs)
        qtbot.addWidget(window)
        if show:
            # Shortcuts (Ctrl+2, Ctrl+F) reach only the active window.
            with qtbot.waitExposed(window), qtbot.waitActive(window):
                window.show()
                window.activateWindow()
        return window

    return make


@dataclass
class AccountDb:
    path: Path
    recovery_key: str


@pytest.fixture
def account_db(tmp_path: Path) -> AccountDb:
    """A new database made as the first run makes it: a partnership and its first administrator."""
    from cspdesk.services.access.auth import create_database
    from cspdesk.services.database.workspace import close_workspace

    path = tmp_path / "partnership.db"
    created = create_database(
        path, admin_username=ADMIN_USER, admin_name=ADMIN_NAME, password=ADMIN_PASSWORD, partnership_name=PARTNERSHIP
    )
    close_workspace(created.ctx)
    assert created.recovery_key
    return AccountDb(path, created.recovery_key)


@pytest.fixture
def admin_ctx(account_db: AccountDb) -> Iterator:
    """Signed in to ``account_db`` as its administrator."""
    from cspdesk.services.access.auth import sign_in
    from cspdesk.services.database.workspace import close_workspace

    ctx = sign_in(account_db.path, ADMIN_USER, ADMIN_PASSWORD)
    yield ctx
    close_workspace(ctx)


def _database_files(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("", ".keyring", "-wal", "-shm")]


@pytest.fixture(scope="session")
def _demo_accounts_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    """The small demo partnership with every demo account in its keyring, made once per run."""
    from cspdesk.services.access.auth import create_demo_database
    from cspdesk.services.database.workspace import close_workspace

    path = tmp_path_factory.mktemp("demo-accounts") / "demo.db"
    created, accounts = create_demo_database(path)
    close_workspace(created.ctx)
    return path, accounts


@pytest.fixture
def demo_accounts_db(_demo_accounts_template: tuple[Path, list], tmp_path: Path) -> Path:
    """A private copy (database and keyring) of the demo partnership made by create_demo_database."""
    template, _accounts = _demo_accounts_template
    target = tmp_path / "demo.db"
    for source, copy in zip(_database_files(template), _database_files(target), strict=True):
        if source.exists():
            shutil.copyfile(source, copy)
    return target


@pytest.fixture
def demo_accounts(_demo_accounts_template: tuple[Path, list]) -> list:
    return _demo_accounts_template[1]


@pytest.fixture
def demo_admin_ctx(demo_accounts_db: Path) -> Iterator:
    from cspdesk.services.access.auth import DEMO_PASSWORD, sign_in
    from cspdesk.services.database.workspace import close_workspace

    ctx = sign_in(demo_accounts_db, "admin", DEMO_PASSWORD)
    yield ctx
    close_workspace(ctx)
