"""``cspdesk --self-test``, the core half: prove an installed copy (or a PyInstaller bundle) works.

Each step runs for real in a temporary folder: a new encrypted database (the Alembic migrations,
SQLCipher, argon2), a panel and an agency, a MARAC referral made through the services, and the
case summary rendered to PDF (reportlab) and checked. The Qt half (``cspdesk_gui.self_test``) adds the
window on the same database. Nothing here imports Qt.

Every step prints one line with its time, so a slow or broken install shows where.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TextIO

from cspdesk import __version__

#: The self-test partnership's administrator (a throwaway database, deleted at the end).
SELF_TEST_USER = "selftest"
SELF_TEST_PASSWORD = "self-test-password-not-secret"

_PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


class SelfTestFailed(Exception):
    """A step found something wrong; the message says what, in plain words."""


def process_age() -> float | None:
    """Seconds since this process started (the bundle's bootloader included), where the system
    tells (Linux); None elsewhere."""
    try:
        stat = Path("/proc/self/stat").read_text()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        # Field 22 (starttime, in clock ticks since boot), counted after the ")" ending the name.
        started_ticks = int(stat.rsplit(")", 1)[1].split()[19])
        return max(uptime - started_ticks / os.sysconf("SC_CLK_TCK"), 0.0)
    except (OSError, ValueError, IndexError, AttributeError):
        return None


@dataclass
class SelfTest:
    """Runs named steps, printing ``self-test  <step>  ok  <seconds> s  <detail>`` for each."""

    out: TextIO = sys.stdout
    folder: Path | None = None
    ctx: Any = None
    case_id: int | None = None
    pdf: bytes = b""
    results: dict[str, float] = field(default_factory=dict)
    _started: float = field(default_factory=time.perf_counter)

    def say(self, text: str) -> None:
        print(f"self-test  {text}", file=self.out, flush=True)

    def step(self, name: str, action: Callable[[], str]) -> None:
        """Run ``action`` (it returns a short detail to print); a failure raises SelfTestFailed."""
        began = time.perf_counter()
        try:
            detail = action()
        except SelfTestFailed:
            raise
        except Exception as exc:  # any failure is reported by step, in plain words
            raise SelfTestFailed(f"{name}: {type(exc).__name__}: {exc}") from exc
        took = time.perf_counter() - began
        self.results[name] = took
        self.say(f"{name:<10} ok  {took:6.3f} s  {detail}".rstrip())

    def elapsed(self) -> float:
        return time.perf_counter() - self._started

    # -- the core steps ------------------------------------------------------------------------

    def header(self) -> None:
        frozen = "bundle" if getattr(sys, "frozen", False) else "from source"
        self.say(f"CSPDesk {__version__} ({frozen}), Python {sys.version.split()[0]} on {sys.platform}")
        age = process_age()
        if age is not None:
            self.say(f"{'start':<10} ok  {age:6.3f} s  process start to the self-test's first line")

    def create_database(self) -> str:
        from cspdesk.services.access.auth import create_database

        assert self.folder is not None
        created = create_database(
            self.folder / "selftest.db", admin_username=SELF_TEST_USER, admin_name="Self Test",
            password=SELF_TEST_PASSWORD, partnership_name="Self-test partnership",
        )
        self.ctx = created.ctx
        return "encrypted file, migrations at head, an administrator"

    def add_panel(self) -> str:
        from cspdesk.domain.enums import PanelType
        from cspdesk.services.partnership.starter import BUILT_IN_PANELS, COMMON_AGENCIES, StructureService

        service = StructureService(self.ctx)
        service.add_agency(COMMON_AGENCIES[0])
        marac = next(p for p in BUILT_IN_PANELS if p.panel_type is PanelType.MARAC)
        service.add_panel(marac)
        return "a MARAC panel and an agency, as Administration adds them"

    def create_case(self) -> str:
        from cspdesk.services.access.accounts import AccountService
        from cspdesk.services.partnership.panels import PanelService
        from cspdesk.services.referrals.referrals import MaracDraft, PersonDraft, ReferralService, dash_from_values

        panel = PanelService(self.ctx).list_panels()[0]
        agency_id = AccountService(self.ctx).agencies()[0][0]  # a MARAC referral names its agency
        draft = MaracDraft(
            panel_id=panel.id, referral_date=date.today() - timedelta(days=1), referrer_name="PC Self Test",
            referring_agency_id=agency_id,
            reason="Self-test referral", consent_given=True, victim_aware=True,
            victim=PersonDraft(given_name="Alex", family_name="Example", date_of_birth=date(1990, 1, 1)),
            dash=dash_from_values(["yes"] * 15 + ["no"] * 9),
        )
        created = ReferralService(self.ctx).create(draft).value
        self.case_id = created.case_id
        return f"{created.reference} ({created.risk_level.label})"

    def render_pdf(self) -> str:
        from cspdesk.services.papers.case_summary import CaseSummaryService

        assert self.case_id is not None
        self.pdf = CaseSummaryService(self.ctx).render(self.case_id)
        pages = check_pdf(self.pdf)
        return f"case summary, {pages} page{'s' if pages != 1 else ''}, {len(self.pdf):,} bytes"

    def check_about(self) -> str:
        """The About box's list: every bundled library must report its version (a bundle built
        without the libraries' metadata would show blanks there)."""
        import importlib.util

        from cspdesk.about import bundled_libraries

        # The window's libraries (the gui extra) are left out of a core-only install; when their
        # module is there, their metadata must be too.
        absent = {name for name in ("PySide6", "pypdfium2") if importlib.util.find_spec(name) is None}
        libraries = [lib for lib in bundled_libraries()
                     if lib.name != "Python" and not any(lib.name.startswith(name) for name in absent)]
        missing = [lib.name for lib in libraries if not lib.version]
        if missing:
            raise SelfTestFailed(f"about: no version found for {', '.join(missing)} (library metadata missing)")
        return f"{len(libraries)} libraries with their versions and licences"

    def run_core(self) -> None:
        self.step("database", self.create_database)
        self.step("panel", self.add_panel)
        self.step("case", self.create_case)
        self.step("pdf", self.render_pdf)
        self.step("about", self.check_about)

    def close(self) -> None:
        if self.ctx is not None:
            from cspdesk.services.database.workspace import close_workspace

            close_workspace(self.ctx)
            self.ctx = None


def check_pdf(content: bytes) -> int:
    """The number of pages of ``content``; SelfTestFailed unless it looks like a whole PDF."""
    if not content.startswith(b"%PDF-"):
        raise SelfTestFailed(f"pdf: the report does not start with %PDF- (it starts {content[:8]!r}).")
    if b"%%EOF" not in content[-1024:]:
        raise SelfTestFailed("pdf: the report has no %%EOF at its end (it was cut short).")
    pages = len(_PAGE_OBJECT.findall(content))
    if pages < 1:
        raise SelfTestFailed("pdf: the report has no pages.")
    return pages


@contextmanager
def self_test_folder() -> Iterator[Path]:
    """A temporary folder that is also the data folder while the self-test runs (so the user's own
    data folder, log and settings are never touched), removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="cspdesk-selftest-"))
    previous = os.environ.get("CSPDESK_DATA_DIR")
    os.environ["CSPDESK_DATA_DIR"] = str(folder)
    try:
        yield folder
    finally:
        if previous is None:
            os.environ.pop("CSPDESK_DATA_DIR", None)
        else:
            os.environ["CSPDESK_DATA_DIR"] = previous
        shutil.rmtree(folder, ignore_errors=True)


def run(extra: Callable[[SelfTest], None] | None = None, out: TextIO = sys.stdout) -> int:
    """The whole self-test: the core steps, then ``extra`` (the window, from ``cspdesk_gui.self_test``).
    Returns the exit code: 0 when every step passed, 1 (with a plain message on stderr) otherwise."""
    test = SelfTest(out=out)
    test.header()
    try:
        with self_test_folder() as folder:
            test.folder = folder
            try:
                test.run_core()
                if extra is not None:
                    extra(test)
            finally:
                test.close()
    except SelfTestFailed as exc:
        print(f"cspdesk: the self-test failed at {exc}", file=sys.stderr, flush=True)
        return 1
    if test.folder is not None and test.folder.exists():
        print(f"cspdesk: the self-test could not remove {test.folder}.", file=sys.stderr, flush=True)
        return 1
    test.say(f"passed in {test.elapsed():.3f} s")
    return 0
