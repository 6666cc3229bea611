"""Only what pyproject.toml cannot say. The GUI package lives in the folder ``ui/`` but installs and
imports as ``cspdesk_gui``, a name no other package uses (a top-level ``ui`` would collide). The
top-level ``resources/`` folder (stylesheet, icons) goes into the wheel as ``cspdesk_gui/_resources`` — inside the GUI package, so a plain install never
writes a top-level ``resources`` directory into site-packages (a name any package may use).

An editable install skips the copy: it reads ``resources/`` from the checkout (ui/resources.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildPyWithResources(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "cspdesk_gui" / "_resources"
        shutil.copytree(HERE / "resources", target, dirs_exist_ok=True)


PACKAGES = find_packages(include=["cspdesk", "cspdesk.*"]) + [
    "cspdesk_gui" + name[len("ui"):] for name in find_packages(include=["ui", "ui.*"])]

setup(cmdclass={"build_py": BuildPyWithResources}, packages=PACKAGES, package_dir={"cspdesk_gui": "ui"})
