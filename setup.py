"""Only what pyproject.toml cannot say: the top-level ``resources/`` folder (stylesheet, icons)
goes into the wheel as ``ui/_resources`` — inside the GUI package, so a plain install never
writes a top-level ``resources`` directory into site-packages (a name any package may use).

An editable install skips the copy: it reads ``resources/`` from the checkout (ui/resources.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildPyWithResources(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "ui" / "_resources"
        shutil.copytree(HERE / "resources", target, dirs_exist_ok=True)


setup(cmdclass={"build_py": BuildPyWithResources})
