"""Make the installers' icons from ``resources/icons/cspdesk.svg``.

    QT_QPA_PLATFORM=offscreen python installer/make_icons.py [OUT]   # default OUT: installer/build/icons

writes ``png/cspdesk-<N>.png`` for N in 16 … 1024, ``cspdesk.ico`` (Windows: 16 … 256) and
``cspdesk.icns`` (macOS: 16 … 1024, the @2x sizes too). Qt's QSvgRenderer draws each size from
the SVG itself (no scaling of one bitmap, so the small sizes stay sharp); the ICO and ICNS files
are PNGs in their containers, written here byte by byte, so nothing but PySide6 is needed
(Vista and later read PNG icons; macOS 10.7 and later read PNG icns entries). The output is
generated at build time and git-ignored: it is derived from the SVG and would go stale.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "resources" / "icons" / "cspdesk.svg"
DEFAULT_OUT = ROOT / "installer" / "build" / "icons"

PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512, 1024)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
#: ICNS entry types holding PNG data, and the pixel size of each.
ICNS_TYPES = (
    (b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256), (b"ic09", 512),
    (b"ic10", 1024), (b"ic11", 32), (b"ic12", 64), (b"ic13", 256), (b"ic14", 512),
)
#: The freedesktop hicolor theme's sizes (installed by the Linux archive's install.sh).
HICOLOR_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render_png(svg: Path, size: int) -> bytes:
    """``svg`` drawn at ``size`` x ``size`` pixels on a transparent background, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: {svg} is not an SVG Qt can draw.")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise SystemExit(f"make_icons: could not encode the {size} px PNG.")
    buffer.close()
    return bytes(data.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico holding one PNG per size (ICONDIR, ICONDIRENTRYs, then the images)."""
    sizes = [s for s in ICO_SIZES if s in pngs]
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, images = b"", b""
    for size in sizes:
        data = pngs[size]
        side = 0 if size >= 256 else size  # 0 means 256
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        images += data
        offset += len(data)
    return header + entries + images


def icns(pngs: dict[int, bytes]) -> bytes:
    """A macOS .icns: ``icns`` + total length, then (type, length, PNG) entries, big-endian."""
    body = b"".join(kind + struct.pack(">I", 8 + len(pngs[size])) + pngs[size] for kind, size in ICNS_TYPES)
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def make_icons(out: Path, svg: Path = SOURCE) -> list[Path]:
    from PySide6.QtGui import QGuiApplication

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])  # kept alive
    pngs = {size: render_png(svg, size) for size in PNG_SIZES}
    (out / "png").mkdir(parents=True, exist_ok=True)
    written = []
    for size, data in pngs.items():
        path = out / "png" / f"cspdesk-{size}.png"
        path.write_bytes(data)
        written.append(path)
    for name, data in (("cspdesk.ico", ico(pngs)), ("cspdesk.icns", icns(pngs)), ("cspdesk.png", pngs[256])):
        path = out / name
        path.write_bytes(data)
        written.append(path)
    return written


def main(argv: list[str]) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    out = Path(argv[0]) if argv else DEFAULT_OUT
    written = make_icons(out)
    print(f"make_icons: {len(written)} files in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
