"""``cspdesk --self-test`` run from source as a separate process, offscreen, as an installer's
check runs it in a bundle: every step reports, the exit code is 0, and nothing is left behind."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STEPS = ("database", "panel", "case", "pdf", "about", "qt", "window", "preview", "close")
STEP_LINE = re.compile(r"^self-test  (?P<step>[a-z]+)\s+ok\s+(?P<seconds>\d+\.\d{3}) s\b", re.MULTILINE)


def test_self_test_passes_from_source(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", CSPDESK_DATA_DIR=str(data_dir),
               PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
               TMPDIR=str(tmp_path))
    env.pop("CSPDESK_FAST_KDF", None)  # the real argon2 cost, as installed
    done = subprocess.run([sys.executable, "-m", "cspdesk_gui.launcher", "--self-test"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    reported = [m["step"] for m in STEP_LINE.finditer(done.stdout) if m["step"] != "start"]
    assert reported == list(STEPS), done.stdout
    assert re.search(r"^self-test  passed in \d+\.\d{3} s$", done.stdout, re.MULTILINE), done.stdout
    assert "Qt " in done.stdout and "'offscreen'" in done.stdout
    # The throwaway database went with its temporary folder; the data folder was never used.
    assert not list(tmp_path.glob("cspdesk-selftest-*"))
    assert not any(data_dir.iterdir())
