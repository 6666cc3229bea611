#!/usr/bin/env bash
# The icons, then the PyInstaller one-folder bundle (dist/cspdesk on Linux, dist/CSPDesk.app on
# macOS): the step build-linux.sh and build-macos.sh share (they source this file). It leaves
# ROOT (the checkout, also the current folder), PYTHON (the build virtualenv's python) and VERSION.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
cd "$ROOT"
VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' cspdesk/__init__.py)

echo "== icons"
QT_QPA_PLATFORM=offscreen "$PYTHON" installer/make_icons.py

echo "== PyInstaller (one folder)"
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller installer/cspdesk.spec
