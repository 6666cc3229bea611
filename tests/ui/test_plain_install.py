"""A plain install works: the wheel built from this checkout, installed (not editable) into a
fresh virtualenv, carries the stylesheet, icons, templates and migrations, and ``cspdesk
--self-test`` passes from it offscreen — the check an installer runs.

The fresh venv gets the dependencies already installed in the test's own environment through a
``.pth`` line (a plain path line: that folder's own ``.pth`` files, among them the editable
install's hook, are not processed), so the test needs no downloads beyond the build backend,
which pip's cache holds after the first run."""

from __future__ import annotations

import os
import site
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(cmd: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kwargs)  # type: ignore[call-overload]
    assert done.returncode == 0, " ".join(cmd) + "\n" + done.stdout + done.stderr
    return done


def test_wheel_installs_and_self_test_passes(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(ROOT)])
    (wheel,) = wheels.glob("cspdesk-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "cspdesk_gui/_resources/style/cspdesk.qss" in names
    assert "cspdesk_gui/_resources/icons/cspdesk.svg" in names
    assert "cspdesk_gui/launcher.py" in names and "cspdesk_gui/pages/__init__.py" in names
    # The GUI installs under its own name: nothing lands as a top-level ``ui`` (a name others use).
    assert not any(n.startswith("ui/") for n in names)
    assert "cspdesk/resources/templates/referrals-marac.xlsx" in names
    assert "cspdesk/storage/migrations/env.py" in names
    # Nothing lands as a top-level ``resources`` package or folder in site-packages.
    assert not any(n.startswith("resources/") for n in names)

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    fresh = env_dir / "bin" / "python"
    fresh_site = Path(_run([str(fresh), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"])
                      .stdout.strip())
    ours = [p for p in site.getsitepackages() if Path(p).is_dir()] or [sysconfig.get_path("purelib")]
    (fresh_site / "_deps_from_test_env.pth").write_text("\n".join(ours) + "\n")
    _run([sys.executable, "-m", "pip", "--python", str(fresh), "install", "-q", "--no-deps", str(wheel)])

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "CSPDESK_FAST_KDF"}}
    env.update(QT_QPA_PLATFORM="offscreen", CSPDESK_DATA_DIR=str(data_dir), TMPDIR=str(tmp_path))
    where = _run([str(fresh), "-c", "import cspdesk_gui, cspdesk; print(cspdesk_gui.__file__); print(cspdesk.__file__)"],
                 cwd=tmp_path, env=env).stdout.split()
    assert all(Path(p).is_relative_to(fresh_site) for p in where), where  # the wheel, not the checkout
    done = _run([str(env_dir / "bin" / "cspdesk"), "--self-test"], cwd=tmp_path, env=env)
    assert "self-test  passed" in done.stdout, done.stdout
