#!/bin/sh
# Install CSPDesk from this unpacked archive.
#
#   ./install.sh              as root: /opt/cspdesk, /usr/local/bin/cspdesk, /usr/share/applications, /usr/share/icons
#                             otherwise: ~/.local/opt/cspdesk, ~/.local/bin/cspdesk, ~/.local/share/applications, …/icons
#   ./install.sh --user       the per-user places even as root
#   ./install.sh --uninstall  remove what the same kind of install put there (your data folder is left alone)
#
# The computer needs (Debian/Ubuntu names): libgl1 libegl1 libxkbcommon0 fontconfig-config fonts-dejavu-core,
# and for the window on X11 (or XWayland) libxkbcommon-x11-0 libxcb-cursor0.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
MODE=install
SCOPE=auto
for arg in "$@"; do
    case "$arg" in
        --user) SCOPE=user ;;
        --uninstall) MODE=uninstall ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown option $arg (see --help)" >&2; exit 2 ;;
    esac
done
if [ "$SCOPE" = auto ] && [ "$(id -u)" = 0 ]; then
    OPT=/opt BIN=/usr/local/bin SHARE=/usr/share
else
    OPT="$HOME/.local/opt" BIN="$HOME/.local/bin" SHARE="${XDG_DATA_HOME:-$HOME/.local/share}"
fi
TARGET="$OPT/cspdesk"
SIZES="16 24 32 48 64 128 256 512"

refresh_caches() {
    command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$SHARE/applications" || true
    command -v gtk-update-icon-cache >/dev/null 2>&1 && gtk-update-icon-cache -q -t "$SHARE/icons/hicolor" || true
}

if [ "$MODE" = uninstall ]; then
    rm -rf "$TARGET"
    [ -L "$BIN/cspdesk" ] && rm -f "$BIN/cspdesk"
    rm -f "$SHARE/applications/cspdesk.desktop" "$SHARE/icons/hicolor/scalable/apps/cspdesk.svg"
    for size in $SIZES; do rm -f "$SHARE/icons/hicolor/${size}x${size}/apps/cspdesk.png"; done
    refresh_caches
    echo "CSPDesk removed from $TARGET (databases in your data folder are kept)."
    exit 0
fi

# The program: copied whole beside the old one, then swapped in.
mkdir -p "$OPT" "$BIN" "$SHARE/applications"
rm -rf "$TARGET.new"
cp -R "$HERE/cspdesk" "$TARGET.new"
rm -rf "$TARGET"
mv "$TARGET.new" "$TARGET"
ln -sf "$TARGET/cspdesk" "$BIN/cspdesk"

# The menu entry (run by its full path: ~/.local/bin need not be on PATH) and the icons.
sed "s|^Exec=.*|Exec=\"$TARGET/cspdesk\"|" "$HERE/cspdesk.desktop" > "$SHARE/applications/cspdesk.desktop"
chmod 644 "$SHARE/applications/cspdesk.desktop"
for size in $SIZES; do
    mkdir -p "$SHARE/icons/hicolor/${size}x${size}/apps"
    cp "$HERE/icons/hicolor/${size}x${size}/apps/cspdesk.png" "$SHARE/icons/hicolor/${size}x${size}/apps/"
done
mkdir -p "$SHARE/icons/hicolor/scalable/apps"
cp "$HERE/icons/hicolor/scalable/apps/cspdesk.svg" "$SHARE/icons/hicolor/scalable/apps/"
refresh_caches

for lib in libGL.so.1 libEGL.so.1 libfontconfig.so.1; do
    if command -v ldconfig >/dev/null 2>&1 && ! ldconfig -p 2>/dev/null | grep -q "$lib"; then
        echo "install.sh: $lib is missing; install libgl1 libegl1 fontconfig-config fonts-dejavu-core." >&2
    fi
done
echo "CSPDesk installed in $TARGET; run it from the menu or as $BIN/cspdesk ('cspdesk --self-test' checks it)."
