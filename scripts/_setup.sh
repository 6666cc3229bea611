# Shared by scripts/run and scripts/test: Debian packages and the project's virtualenv.
# Sourced, not run. Works on a fresh Debian 12 / Ubuntu 22.04+ machine with Python 3.11+.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

# apt_need PKG…: install the Debian packages that are not installed yet (nothing to do, no apt run).
apt_need() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "Installing Debian packages: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# What Qt needs to draw offscreen (tests, screenshots); without a font every glyph is a box.
QT_OFFSCREEN_PKGS=(libglib2.0-0 libgl1 libegl1 libxkbcommon0 libfontconfig1 libdbus-1-3 fonts-dejavu-core)
# Fonts the papers fall back to for glyphs DejaVu lacks: Chinese/Japanese/Korean (a TrueType font:
# reportlab cannot embed Noto CJK's PostScript outlines) and symbols/emoji in black and white.
PAPER_FONT_PKGS=(fonts-droid-fallback fonts-symbola)
# What Qt needs for a real window on X11.
QT_X11_PKGS=(libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-sync1 libxcb-shm0 libxcb-xkb1 libx11-xcb1 libxcb-util1)

# quietly CMD…: run CMD; show its output only if it fails (pip is chatty).
quietly() {
  local out
  if ! out=$("$@" 2>&1); then
    echo "$out" >&2
    return 1
  fi
}

# make_venv DIR EXTRAS: a virtualenv at DIR with the project installed (editable) with EXTRAS.
make_venv() {
  local dir="$1" extras="$2"
  if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "CSPDesk needs Python 3.11 or newer; $PYTHON is $("$PYTHON" --version 2>&1)." >&2
    exit 1
  fi
  if [ ! -x "$dir/bin/python" ]; then
    "$PYTHON" -m venv "$dir" 2>/dev/null || { apt_need python3-venv; "$PYTHON" -m venv "$dir"; }
  fi
  echo "Installing CSPDesk$extras into $dir" >&2
  quietly "$dir/bin/python" -m pip install -q -e "$ROOT$extras"
}
