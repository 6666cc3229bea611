#!/usr/bin/env bash
# Unpack a built archive into a temporary folder and run the bundle's self-test there, offscreen;
# then install it as a user would (install.sh --user, HOME in the temporary folder) and run it again
# through the ~/.local/bin link.
#
#   installer/selftest-linux.sh [dist/cspdesk-<version>-linux-<arch>.tar.gz]   (default: the newest in dist/)
#   RUNS=3 installer/selftest-linux.sh …   # run the unpacked self-test 3 times; prints each wall time and the median
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ARCHIVE=${1:-$(ls -t "$ROOT"/dist/cspdesk-*-linux-*.tar.gz | head -n 1)}
RUNS=${RUNS:-1}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export QT_QPA_PLATFORM=offscreen

tar -C "$WORK" -xzf "$ARCHIVE"
TOP=$(echo "$WORK"/cspdesk-*)
echo "== $(basename "$ARCHIVE") unpacked: $(du -sh "$TOP/cspdesk" | cut -f1) (archive $(du -h "$ARCHIVE" | cut -f1))"

times=()
for run in $(seq "$RUNS"); do
    echo "== self-test, run $run of $RUNS"
    began=$(date +%s.%N)
    "$TOP/cspdesk/cspdesk" --self-test
    ended=$(date +%s.%N)
    wall=$(awk "BEGIN { printf \"%.3f\", $ended - $began }")
    times+=("$wall")
    echo "wall time: $wall s"
done
if (( RUNS > 1 )); then
    median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p")
    echo "== wall times: ${times[*]} s; median $median s"
fi

echo "== install.sh --user, then the self-test through ~/.local/bin/cspdesk"
HOME="$WORK/home" "$TOP/install.sh" --user
HOME="$WORK/home" "$WORK/home/.local/bin/cspdesk" --self-test >/dev/null
grep -q "^Exec=\"$WORK/home/.local/opt/cspdesk/cspdesk\"$" "$WORK/home/.local/share/applications/cspdesk.desktop"
test -f "$WORK/home/.local/share/icons/hicolor/48x48/apps/cspdesk.png"
if command -v desktop-file-validate >/dev/null 2>&1; then
    desktop-file-validate "$WORK/home/.local/share/applications/cspdesk.desktop"
fi
HOME="$WORK/home" "$TOP/install.sh" --user --uninstall
test ! -e "$WORK/home/.local/opt/cspdesk"
echo "== self-test of $(basename "$ARCHIVE"): passed"
