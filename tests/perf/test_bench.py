"""Benchmarks at county scale: start-up, the case list's first page, a case search.

Run with ``scripts/bench`` (or ``pytest tests/perf -s``). Each figure is the median of several
runs on this machine; the budgets come from the foundation issue and fail the run if missed.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from perf.conftest import PERF_PASSWORD, PERF_USER

pytestmark = pytest.mark.perf

RUNS = 7
FIGURES: list[str] = []


def _report(name: str, samples: list[float], budget: float) -> float:
    median = statistics.median(samples)
    line = (
        f"{name:<44} median {median * 1000:7.1f} ms   min {min(samples) * 1000:7.1f}   "
        f"max {max(samples) * 1000:7.1f}   budget {budget * 1000:.0f} ms   (n={len(samples)})"
    )
    FIGURES.append(line)
    print("\n" + line)
    return median


def _sign_in(county_db: Path):  # noqa: ANN202
    from cspdesk.services.access.auth import sign_in

    return sign_in(county_db, PERF_USER, PERF_PASSWORD)


@pytest.fixture
def county_ctx(county_db: Path):
    """Signed in for one test only: an open session holds the file's writer lock, and the start-up
    benchmark's own process must be able to take it."""
    from cspdesk.services.database.workspace import close_workspace

    ctx = _sign_in(county_db)
    yield ctx
    close_workspace(ctx)


def test_county_scale_is_what_it_claims(county_ctx) -> None:
    from sqlalchemy import func, select

    from cspdesk.storage.models import Action, Case

    with county_ctx.reading() as s:
        cases = s.scalar(select(func.count()).select_from(Case))
        actions = s.scalar(select(func.count()).select_from(Action))
    FIGURES.append(f"county database: {cases:,} cases, {actions:,} actions")
    assert cases >= 45_000
    assert actions >= 450_000


def test_startup_to_a_shown_main_window(county_db: Path) -> None:
    """A real process, from exec to the main window's first paint, on the county database:
    Python and Qt start, argon2id unwraps the key (production cost), the store opens. Also how
    long after argon2 finished the window was drawn (the issue's budget: 0.3 s; the mappers and
    the window's imports are done on a thread while argon2 runs: ui/warm_up.py)."""
    env = _startup_env()
    cmd = [sys.executable, "-m", "cspdesk_gui.launcher", "--db", str(county_db), "--user", PERF_USER, "--print-startup-time"]
    samples, after_key = _time_until_shown(cmd, env)
    # The baseline, in the same run: a bare PySide6 window (tests/perf/baseline_bare_window.py).
    baseline = statistics.median(_time_until_shown([sys.executable, str(BARE_WINDOW)], env)[0])
    median = _report("start-up to main window shown", samples, 1.5)
    _ratio("start-up / bare PySide6 window", median, baseline, goal=2.0)
    after = _report("main window shown after argon2 finished", after_key, AFTER_ARGON2_BUDGET)
    assert median <= 1.5
    assert after <= AFTER_ARGON2_BUDGET


#: The issue's budget for the main window after the key derivation (argon2) has finished.
AFTER_ARGON2_BUDGET = 0.3


def test_sign_in_window_against_a_bare_window(county_db: Path) -> None:
    """From exec to the sign-in window's first paint (no password given: the dialog), beside a bare
    PySide6 window; the issue's goal is 2x. The sign-in window loads neither SQLAlchemy nor the
    pages after it (ui/warm_up.py loads them on a thread once it is up)."""
    env = _startup_env()
    env.pop("CSPDESK_PASSWORD", None)
    cmd = [sys.executable, "-m", "cspdesk_gui.launcher", "--db", str(county_db), "--print-startup-time"]
    samples, _ = _time_until_shown(cmd, env)
    baseline = statistics.median(_time_until_shown([sys.executable, str(BARE_WINDOW)], env)[0])
    median = _report("start-up to sign-in window shown", samples, SIGN_IN_RATIO_GOAL * baseline)
    ratio = _ratio("sign-in window / bare PySide6 window", median, baseline, goal=SIGN_IN_RATIO_GOAL)
    assert ratio <= SIGN_IN_RATIO_GOAL


SIGN_IN_RATIO_GOAL = 2.0


def _startup_env() -> dict[str, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CSPDESK_PASSWORD": PERF_PASSWORD}
    # As installed (pip and PyInstaller both ship compiled bytecode): a machine that sets
    # PYTHONDONTWRITEBYTECODE would otherwise compile every module of the program on every start.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


BARE_WINDOW = Path(__file__).with_name("baseline_bare_window.py")


def _time_until_shown(cmd: list[str], env: dict[str, str]) -> tuple[list[float], list[float]]:
    """Seconds from exec to the process printing ``shown`` (its first paint), RUNS times; and the
    seconds after the key derivation it reports beside (``shown after-key-derivation S``), if any."""
    subprocess.run(cmd, capture_output=True, env=env, timeout=60, check=True)  # writes the bytecode; not counted
    samples, after_key = [], []
    for _ in range(RUNS):
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        samples.append(time.perf_counter() - start)
        _, err = proc.communicate(timeout=30)
        assert line.startswith("shown"), (line, err)
        assert proc.returncode == 0, err
        words = line.split()
        if "after-key-derivation" in words:
            after_key.append(float(words[words.index("after-key-derivation") + 1]))
    return samples, after_key


def _ratio(name: str, ours: float, baseline: float, *, goal: float) -> float:
    """Print (and keep for the summary) ours / baseline beside the issue's goal; not a budget."""
    ratio = ours / baseline
    line = (f"{name:<44} ratio {ratio:6.2f}x   ours {ours * 1000:7.1f} ms   baseline {baseline * 1000:7.1f} ms   "
            f"goal <= {goal:.1f}x")
    FIGURES.append(line)
    print("\n" + line)
    return ratio


def test_case_list_first_page(county_db: Path) -> None:
    """What the Cases page does when it opens: every id, sorted newest first, then one page of rows.
    Each run opens the database afresh, so no page of it is cached from the run before."""
    from cspdesk.services.referrals.cases import CaseQuery, CaseService
    from cspdesk.services.database.workspace import close_workspace

    samples = []
    for _ in range(RUNS):
        ctx = _sign_in(county_db)
        start = time.perf_counter()
        service = CaseService(ctx)
        ids = service.case_ids(CaseQuery())
        rows = service.case_rows(ids[:100])
        samples.append(time.perf_counter() - start)
        close_workspace(ctx)
        assert len(ids) >= 45_000 and len(rows) == 100
    assert _report("case list: all ids + first page (cold)", samples, 0.1) <= 0.1


def test_case_list_first_page_sorted_by_subject(county_ctx) -> None:
    from cspdesk.services.referrals.cases import CaseQuery, CaseService, CaseSort

    service = CaseService(county_ctx)
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        ids = service.case_ids(CaseQuery(sort=CaseSort.SUBJECT, descending=False))
        service.case_rows(ids[:100])
        samples.append(time.perf_counter() - start)
    # Not one of the foundation issue's budgets: a header click, allowed a quarter of a second.
    assert _report("case list sorted by subject (warm)", samples, 0.25) <= 0.25


@pytest.mark.parametrize("term", ["smi", "sarah k", "MARAC-SW-2024-00", "ali", "ko", "ma", "sa", "jo", "zq"])
def test_case_search(county_ctx, term: str) -> None:
    from cspdesk.services.referrals.cases import CaseService

    service = CaseService(county_ctx)
    service.search(term)  # the first search warms the page cache, as the first keystroke would
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        hits = service.search(term)
        samples.append(time.perf_counter() - start)
    assert hits or term == "zq", term  # "zq" starts no name: the worst case, a walk that finds nothing
    # Issue 23: every term, two-letter prefixes too, within 16 ms.
    assert _report(f"case search {term!r} (50 rows)", samples, 0.016) <= 0.016


def test_sign_in(county_db: Path) -> None:
    """Password to an open store: argon2id (64 MiB, 3 passes), AES-GCM unwrap, SQLCipher open, the
    schema check and the audit entry. The issue's budget: 1 s."""
    from cspdesk.services.database.workspace import close_workspace

    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        ctx = _sign_in(county_db)
        samples.append(time.perf_counter() - start)
        close_workspace(ctx)
    assert _report("sign-in (key derivation and unlock)", samples, 1.0) <= 1.0


REPORTLAB_MINUTES = Path(__file__).with_name("baseline_reportlab_minutes.py")


def test_print_minutes_process_against_plain_reportlab(county_db: Path, tmp_path: Path) -> None:
    """``cspdesk print minutes`` as a whole process (interpreter, imports, sign-in, render, write)
    beside a plain reportlab script typesetting the same minutes' text (baseline_reportlab_minutes.py)."""
    from pypdf import PdfReader
    from sqlalchemy import func, select

    from cspdesk.domain.enums import AgendaItemKind
    from cspdesk.services.database.workspace import close_workspace
    from cspdesk.storage.models import AgendaItem

    ctx = _sign_in(county_db)
    try:
        with ctx.reading() as s:
            cases = func.count(func.distinct(AgendaItem.id))
            meeting_id = s.scalar(
                select(AgendaItem.meeting_id).where(AgendaItem.kind == AgendaItemKind.CASE)
                .group_by(AgendaItem.meeting_id).having(cases >= 20).order_by(cases, AgendaItem.meeting_id).limit(1)
            )
    finally:
        close_workspace(ctx)  # the process below signs in itself
    env = {**os.environ, "CSPDESK_PASSWORD": PERF_PASSWORD}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    ours_pdf, text_file, plain_pdf = tmp_path / "minutes.pdf", tmp_path / "minutes.txt", tmp_path / "plain.pdf"
    ours_cmd = [sys.executable, "-m", "cspdesk_gui.launcher", "--db", str(county_db), "--user", PERF_USER,
                "print", "minutes", "--meeting", str(meeting_id), "--out", str(ours_pdf)]
    plain_cmd = [sys.executable, str(REPORTLAB_MINUTES), str(text_file), str(plain_pdf)]

    def timed(cmd: list[str]) -> float:
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, env=env, timeout=120, check=True)
        return time.perf_counter() - start

    timed(ours_cmd)  # writes the bytecode; not counted
    pages = PdfReader(ours_pdf).pages
    text_file.write_text("\f".join(page.extract_text() for page in pages), encoding="utf-8")
    timed(plain_cmd)
    ours = _report(f"print minutes as a process ({len(pages)} pages)", [timed(ours_cmd) for _ in range(RUNS)], 3.0)
    baseline = statistics.median([timed(plain_cmd) for _ in range(RUNS)])
    _ratio("print minutes / plain reportlab", ours, baseline, goal=2.0)
    assert ours <= 3.0


def test_zz_print_figures() -> None:
    print("\n\n== Benchmark figures ==\n" + "\n".join(FIGURES))
