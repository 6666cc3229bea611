"""Under a real X server with a window manager (Xvfb and openbox, when installed): what the
offscreen platform cannot show — a window manager's frame (issue 24).

Meeting mode at 200 % (QT_SCALE_FACTOR=2 on a 2732×1536 screen, 16 pt text) opened with its title
bar above the top of the screen: before a window is first shown X11 knows nothing of its frame,
so the window was placed by its inside. Its whole frame now lies on the screen.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not (shutil.which("xvfb-run") and shutil.which("openbox")),
                                reason="needs Xvfb and openbox (apt-get install xvfb openbox)")

PROBE = Path(__file__).with_name("xframe_probe.py")
ROOT = Path(__file__).resolve().parents[2]


def test_meeting_mode_at_200_percent_opens_with_its_whole_frame_on_the_screen(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "QT_SCALE_FACTOR": "2", "PYTHONPATH": str(ROOT)}
    command = f"openbox >/dev/null 2>&1 & sleep 1; exec '{sys.executable}' '{PROBE}' '{tmp_path}'"
    done = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 2732x1536x24", "sh", "-c", command],
                          env=env, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    rx, ry, rw, rh = found["room"]
    fx, fy, fw, fh = found["frame"]
    assert (rw, rh) == (1366, 768)  # the screen at 200 %, in Qt's pixels
    assert found["frame"] != found["window"], "no frame: the window manager did not frame the window"
    assert rx <= fx and ry <= fy and fx + fw <= rx + rw and fy + fh <= ry + rh, (
        f"meeting mode's frame {found['frame']} runs off the screen's room {found['room']}")
