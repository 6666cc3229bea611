#!/usr/bin/env bash
# Build CSPDesk's MSI with msitools (wixl, wixl-heat) on Linux from a one-folder bundle.
#
#   installer/windows/build-msi-wixl.sh [BUNDLE_DIR] [OUT.msi]
#
# BUNDLE_DIR defaults to dist/CSPDesk, the folder PyInstaller makes on Windows (a Windows bundle
# copied here, e.g. the CI artifact). Given the Linux folder dist/cspdesk it builds a STAND-IN MSI:
# only a check that cspdesk.wxs and the harvested fragment are valid; it would not run on Windows.
# Needs: apt-get install wixl msitools (for msiinfo, to list the tables).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
BUNDLE=${1:-dist/CSPDesk}
VERSION=$(sed -n 's/^__version__ = "\(.*\)"/\1/p' cspdesk/__init__.py)
OUT=${2:-dist/cspdesk-$VERSION-windows-x64.msi}
ICON=installer/build/icons/cspdesk.ico
[[ -d "$BUNDLE" ]] || { echo "build-msi-wixl: no bundle folder $BUNDLE" >&2; exit 2; }
[[ -f "$ICON" ]] || QT_QPA_PLATFORM=offscreen "${PYTHON:-python3}" installer/make_icons.py

mkdir -p build/msi "$(dirname "$OUT")"
# Every file of the bundle as a component under INSTALLDIR, sources as $(var.SourceDir)/….
find "$BUNDLE" -type f | sort | wixl-heat --prefix "$BUNDLE/" --directory-ref INSTALLDIR \
    --component-group CSPDeskFiles --var var.SourceDir --win64 > build/msi/files.wxs
wixl --arch x64 -D Version="$VERSION" -D Win64=yes -D SourceDir="$BUNDLE" -D IconFile="$ICON" \
    -o "$OUT" installer/windows/cspdesk.wxs build/msi/files.wxs
echo "build-msi-wixl: $OUT ($(du -h "$OUT" | cut -f1), $(grep -c '<File ' build/msi/files.wxs) files)"
