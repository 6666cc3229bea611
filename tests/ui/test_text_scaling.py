"""Text at 200 % (issue 24): QT_SCALE_FACTOR=2 on a 2732×1536 screen and the system font at
16 pt. Every page of the main window is shown; no button, tick box or bound label is narrower
than its words, no control overlaps another, the side bar's names are whole, and the window's
minimum size fits the screen. Qt reads the scale and the screen at start-up, so the window runs
in a process of its own (tests/ui/scale_worker.py); screenshots go to CSPDESK_SHOTS when set."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("scale_worker.py")
#: The offscreen platform's screen: 2732×1536 device pixels (1366×768 at 200 %).
SCREEN = {"screens": [{"name": "scaled", "x": 0, "y": 0, "width": 2732, "height": 1536,
                       "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}


def test_every_page_at_200_percent_with_16_pt_text(tmp_path):
    config = tmp_path / "screen.json"
    config.write_text(json.dumps(SCREEN), encoding="utf-8")
    env = {**os.environ, "QT_SCALE_FACTOR": "2", "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
           "PYTHONPATH": str(ROOT), "CSPDESK_THEME": "light"}
    shots = os.environ.get("CSPDESK_SHOTS")
    args = [sys.executable, str(WORKER), str(tmp_path / "demo.db"), *([shots] if shots else [])]
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["screen"] == [1366, 768]  # the scale took
    assert report["minimum"][0] <= 1366 and report["minimum"][1] <= 768
    problems = {page: found for page, found in report.items() if isinstance(found, list) and page != "screen"
                and page not in ("window", "minimum") and found}
    assert not problems, problems
