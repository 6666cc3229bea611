"""Text in every script on a PDF page: right-to-left shaping and fonts that have the glyphs.

People referred to a panel have names in every script. reportlab draws the characters it is given,
left to right, in one font, so without help an Arabic name comes out reversed with its letters
unjoined, and a Chinese name or an emoji as empty boxes. Two steps fix that for every string that
reaches a page:

* **Shaping and direction** (:func:`visual`): Arabic letters take their joined forms
  (arabic-reshaper) and right-to-left runs are laid out right to left inside the left-to-right
  page (python-bidi, Unicode's bidirectional algorithm with an LTR paragraph direction). A PDF
  reader's text extraction (poppler, pdfium) puts such runs back in logical order for copy and
  search.
* **Fallback fonts** (:func:`markup`): a run of characters the main font (DejaVu Sans, or Arial)
  has no glyph for is set in the first fallback font that has them — CJK from Droid Sans Fallback
  (or Noto Sans CJK/Microsoft YaHei/Arial Unicode where a TrueType one is installed), symbols and
  emoji in black and white from Symbola or Segoe UI Symbol. Fonts shipped with the application
  (``cspdesk/resources/fonts`` or the bundle's ``fonts/``) are looked for first.

A line wholly in one right-to-left script is fine; a long right-to-left paragraph that wraps over
several lines wraps from the wrong end (reportlab's line-breaking knows no direction) — rare in
names and notes, and said in the README. Colour emoji are drawn in black and white.
"""

from __future__ import annotations

import functools
import os
import re
import sys
from pathlib import Path
from xml.sax.saxutils import escape

#: Characters of right-to-left scripts (Hebrew, Arabic, Syriac, Thaana, N'Ko… and their
#: presentation forms): a string without any needs no bidi work.
_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")


def _font_dirs() -> list[Path]:
    """Folders of fonts shipped with CSPDesk, looked in before the system's."""
    dirs = []
    if os.environ.get("CSPDESK_FONT_DIR"):
        dirs.append(Path(os.environ["CSPDESK_FONT_DIR"]))
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        dirs.append(Path(bundle) / "fonts")
    dirs.append(Path(__file__).resolve().parent.parent / "resources" / "fonts")
    return dirs


_WINDOWS_FONTS = Path(os.environ.get("WINDIR", r"C:\Windows")) / "Fonts"

#: Fallback fonts by purpose, each a list of candidate files (TrueType outlines only: reportlab
#: cannot embed CFF/OpenType-PostScript fonts such as Noto Sans CJK's .otf). A ``.ttc`` is read at
#: its first face.
_FALLBACKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("CSPDesk-CJK", (
        "DroidSansFallbackFull.ttf",
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        str(_WINDOWS_FONTS / "msyh.ttc"),
        str(_WINDOWS_FONTS / "simsun.ttc"),
        "/Library/Fonts/Arial Unicode.ttf",
        "/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
    )),
    ("CSPDesk-Arabic", (
        "NotoSansArabic-Regular.ttf",
        "/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf",
        str(_WINDOWS_FONTS / "arial.ttf"),
    )),
    ("CSPDesk-Symbols", (
        "Symbola_hint.ttf",
        "/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf",
        str(_WINDOWS_FONTS / "seguisym.ttf"),
        "/System/Library/Fonts/Apple Symbols.ttf",
    )),
)


def _candidates(names: tuple[str, ...]) -> list[Path]:
    out: list[Path] = []
    for name in names:
        if os.sep in name or "/" in name:
            out.append(Path(name))
        else:  # a bare file name: a font shipped with the application
            out.extend(d / name for d in _font_dirs())
    return out


@functools.cache
def _fallbacks() -> tuple[tuple[str, frozenset[int]], ...]:
    """(registered font name, the code points it has) for each fallback font found, registered
    with reportlab once per process."""
    from reportlab.pdfbase import pdfmetrics

    found = []
    for font_name, font in _fallback_fonts().items():
        pdfmetrics.registerFont(font)
        found.append((font_name, frozenset(font.face.charToGlyph)))
    return tuple(found)


@functools.cache
def _fallback_fonts() -> dict:  # reportlab's TTFont, imported late
    from reportlab.pdfbase.ttfonts import TTFont

    fonts = {}
    for font_name, names in _FALLBACKS:
        for path in _candidates(names):
            if not path.is_file():
                continue
            try:
                fonts[font_name] = TTFont(font_name, str(path), subfontIndex=0)
            except Exception:  # noqa: BLE001 - a font reportlab cannot read (CFF outlines…): try the next
                continue
            break
    return fonts


def fallback_font_names() -> dict[str, str]:
    """Which font file's family each fallback is drawn in ({"CSPDesk-CJK": "DroidSansFallback"}):
    what the About box and the tests name."""
    return {name: font.face.name.decode() for name, font in _fallback_fonts().items()}


@functools.cache
def _covered(font_name: str) -> frozenset[int] | None:
    """The code points ``font_name`` (a registered TrueType font) has; None for the PDF standard
    fonts (Helvetica), which have Latin-1 only."""
    from reportlab.pdfbase import pdfmetrics

    face = getattr(pdfmetrics.getFont(font_name), "face", None)
    return frozenset(face.charToGlyph) if face is not None else None


def _has(font_name: str, ch: str) -> bool:
    covered = _covered(font_name)
    return ord(ch) < 256 if covered is None else (ord(ch) in covered or ch in "\n\r\t")


def visual(text: str) -> str:
    """``text`` with Arabic letters joined and right-to-left runs in the order they are drawn, on a
    left-to-right page. Text with no right-to-left character comes back unchanged (and fast)."""
    if not text or text.isascii() or not _RTL.search(text):
        return text
    from bidi import get_display

    if _ARABIC.search(text):
        import arabic_reshaper

        text = arabic_reshaper.reshape(text)
    return get_display(text, base_dir="L")


def is_simple(text: str, font_name: str) -> bool:
    """True when ``text`` can be drawn as it is in ``font_name``: no right-to-left run to shape and
    no character the font lacks. Plain table cells and header lines use this to stay cheap."""
    if text.isascii():
        return True
    return not _RTL.search(text) and all(_has(font_name, ch) for ch in text)


def markup(text: str, font_name: str) -> str:
    """One line of user text as reportlab Paragraph markup: escaped, shaped (:func:`visual`), and
    with each run of characters ``font_name`` lacks wrapped in ``<font face=…>`` of a fallback font
    that has them. A character no font has is left to the main font (it shows as a box)."""
    if text.isascii():
        return escape(text)
    text = visual(text)
    out: list[str] = []
    run: list[str] = []
    run_face: str | None = None

    def flush() -> None:
        if run:
            body = escape("".join(run))
            out.append(f'<font face="{run_face}">{body}</font>' if run_face else body)
            run.clear()

    for ch in text:
        face = None if _has(font_name, ch) else _fallback_for(ch)
        if face != run_face:
            flush()
            run_face = face
        run.append(ch)
    flush()
    return "".join(out)


def _fallback_for(ch: str) -> str | None:
    code = ord(ch)
    for font_name, covered in _fallbacks():
        if code in covered:
            return font_name
    return None
