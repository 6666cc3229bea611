#!/usr/bin/env bash
# Build the Linux bundle and its archive: dist/cspdesk-<version>-linux-<arch>.tar.gz
#
#   installer/build-linux.sh [--self-test]
#
# Run it in a virtualenv holding the project with its gui extra and PyInstaller (or set PYTHON):
#   python3.11 -m venv /tmp/venv-bundle
#   /tmp/venv-bundle/bin/pip install -e '.[gui]' 'pyinstaller~=6.22'
#   PYTHON=/tmp/venv-bundle/bin/python installer/build-linux.sh --self-test
#
# The archive holds cspdesk/ (the one-folder bundle), cspdesk.desktop, icons/hicolor/ and install.sh.
# --self-test then unpacks it and runs the bundle's --self-test (installer/selftest-linux.sh).
# What the target computer needs is in install.sh and the README ("Installers").
set -euo pipefail

# shellcheck source=installer/build-bundle.sh
source "$(dirname "$0")/build-bundle.sh"   # icons and PyInstaller; sets ROOT, PYTHON, VERSION
NAME="cspdesk-$VERSION-linux-$(uname -m)"

echo "== archive"
STAGE="build/linux/$NAME"
rm -rf build/linux
mkdir -p "$STAGE"
cp -R dist/cspdesk "$STAGE/cspdesk"
cp installer/linux/cspdesk.desktop "$STAGE/"
install -m 755 installer/linux/install.sh "$STAGE/install.sh"
for size in 16 24 32 48 64 128 256 512; do
    install -D -m 644 "installer/build/icons/png/cspdesk-$size.png" "$STAGE/icons/hicolor/${size}x${size}/apps/cspdesk.png"
done
install -D -m 644 resources/icons/cspdesk.svg "$STAGE/icons/hicolor/scalable/apps/cspdesk.svg"
tar -C build/linux -czf "dist/$NAME.tar.gz" "$NAME"

echo "== built"
du -sh dist/cspdesk
ls -l "dist/$NAME.tar.gz"

if [[ "${1:-}" == "--self-test" ]]; then
    installer/selftest-linux.sh "dist/$NAME.tar.gz"
fi
