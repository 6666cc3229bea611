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

# shellcheck source=installer/build-bundle.sh
source "$(dirname "$0")/build-bundle.sh"   # icons and PyInstaller; sets ROOT, PYTHON, VERSION
DMG="dist/cspdesk-$VERSION-macos-$(uname -m).dmg"
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
