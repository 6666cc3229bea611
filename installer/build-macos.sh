#!/usr/bin/env bash
# Build CSPDesk.app and a .dmg on macOS (UNTESTED here: written for the macos-latest CI runner).
#
#   python3.11 -m venv /tmp/venv-bundle && /tmp/venv-bundle/bin/pip install -e '.[gui]' 'pyinstaller~=6.22'
#   PYTHON=/tmp/venv-bundle/bin/python installer/build-macos.sh [--self-test]
#
# Makes dist/CSPDesk.app (the spec's BUNDLE: windowed, the .icns from installer/make_icons.py) and
# dist/cspdesk-<version>-macos-<arch>.dmg (the app and a link to /Applications). Unsigned: Gatekeeper
# asks the first time (right-click, Open) until it is signed and notarised (codesign, notarytool).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-python3}
cd "$ROOT"
VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' cspdesk/__init__.py)
DMG="dist/cspdesk-$VERSION-macos-$(uname -m).dmg"

echo "== icons"
QT_QPA_PLATFORM=offscreen "$PYTHON" installer/make_icons.py

echo "== PyInstaller (CSPDesk.app)"
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller installer/cspdesk.spec
du -sh dist/CSPDesk.app

if [[ "${1:-}" == "--self-test" ]]; then
    echo "== self-test"
    QT_QPA_PLATFORM=offscreen dist/CSPDesk.app/Contents/MacOS/cspdesk --self-test
fi

echo "== disk image"
STAGE=build/dmg
rm -rf "$STAGE" "$DMG"
mkdir -p "$STAGE"
cp -R dist/CSPDesk.app "$STAGE/"
ln -s /Applications "$STAGE/Applications"
hdiutil create -volname "CSPDesk $VERSION" -srcfolder "$STAGE" -fs HFS+ -format UDZO -ov "$DMG"
ls -l "$DMG"
