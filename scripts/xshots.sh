#!/usr/bin/env bash
# Screenshots under a real X server (Xvfb) with a window manager (openbox), at the council
# laptop sizes and at 200 % (issue 24): scripts/xshots.sh FOLDER. Look at every PNG it writes.
# Needs: apt-get install xvfb openbox (and the X11 libraries in scripts/_setup.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:?give the folder for the screenshots}"
PY="${PYTHON:-$ROOT/.venv/bin/python}"
mkdir -p "$OUT"
shots() {  # shots NAME WIDTHxHEIGHT [environment…]
  local name="$1" screen="$2"; shift 2
  xvfb-run -a -s "-screen 0 ${screen}x24" env "$@" QT_QPA_PLATFORM=xcb PYTHONPATH="$ROOT" \
    sh -c "openbox >/dev/null 2>&1 & sleep 1; '$PY' '$ROOT/scripts/xshots.py' '$OUT' '$name'"
}
shots 1366x768 1366x768
shots 1024x700 1024x700
shots 200pc 2732x1536 QT_SCALE_FACTOR=2
