"""Names in every script on the papers: Arabic joined and right to left, Chinese and emoji in a
font that has them, Polish and Vietnamese as typed — read back from real PDFs."""

from __future__ import annotations

import io
import shutil
import subprocess
import unicodedata
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from cspdesk.reports import glyphs
from cspdesk.reports.document import PageFurniture, esc, key_values, register_fonts, render_pdf, table

ARABIC = "محمد عبد الله"
CHINESE = "王小明"
POLISH = "Zażółć Gęślą-Jaźń"
VIETNAMESE = "Nguyễn Thị Hương"

needs_cjk_font = pytest.mark.skipif(
    not any(name == "CSPDesk-CJK" for name, _ in glyphs._fallbacks()),
    reason="no TrueType CJK font installed (scripts/test installs fonts-droid-fallback)",
)


def _pdftotext(pdf: bytes) -> str:
    """The text as a PDF reader gives it for copy and search (poppler puts right-to-left runs
    back in logical order)."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    # Arabic is drawn in its joined (presentation) forms; compatibility folding gives the letters.
    text = unicodedata.normalize("NFKC", out.stdout.decode("utf-8"))
    return "".join(ch for ch in text if not "\u202a" <= ch <= "\u202e")  # its embedding marks


def _fonts(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(str(font.get_object()["/BaseFont"]))
    return names


def _paper(names: list[str]) -> bytes:
    furniture = PageFurniture(protective_marking="OFFICIAL-SENSITIVE", partnership="Safer Testshire",
                              document="Case summary", printed_by="coord",
                              printed_at=datetime(2026, 12, 7, 9, 0, tzinfo=UTC).replace(tzinfo=None))

    def story(st, width):  # noqa: ANN001, ANN202
        from reportlab.platypus import Paragraph

        return [
            Paragraph(esc(f"Victim: {names[0]}"), st.body),
            key_values(st, width, [("Perpetrator", names[1]), ("Child", names[2])]),
            table(st, width, ["Name", "Role"], [[n, "Person"] for n in names], [0.6, 0.4]),
        ]

    return render_pdf(furniture, story, invariant=True)


def test_visual_order_leaves_left_to_right_text_alone() -> None:
    for text in ("Victim: Sarah Jones", POLISH, VIETNAMESE, CHINESE, ""):
        assert glyphs.visual(text) == text


def test_arabic_is_joined_and_laid_out_right_to_left() -> None:
    shown = glyphs.visual(ARABIC)
    # Joined forms (presentation forms A and B), drawn from the right: the last letter first.
    assert all("\ufb50" <= ch <= "\ufeff" or ch == " " for ch in shown)
    assert unicodedata.normalize("NFKC", shown[::-1]) == ARABIC
    # Inside a left-to-right line only the Arabic run turns round.
    line = glyphs.visual(f"Victim: {ARABIC} (MARAC-2026-0001)")
    assert line.startswith("Victim: ") and line.endswith(" (MARAC-2026-0001)")


@needs_cjk_font
def test_glyphs_the_main_font_lacks_get_a_fallback_font() -> None:
    regular, _ = register_fonts()
    marked = glyphs.markup(f"{CHINESE} & Co", regular)
    assert marked == f'<font face="CSPDesk-CJK">{CHINESE}</font> &amp; Co'
    assert glyphs.markup(POLISH, regular) == POLISH  # the main font has every letter
    assert not glyphs.is_simple(CHINESE, regular) and glyphs.is_simple(VIETNAMESE, regular)
    assert not glyphs.is_simple(ARABIC, regular)  # needs shaping, even where the font has the forms


@needs_cjk_font
def test_four_scripts_read_back_from_the_pdf_in_logical_order() -> None:
    names = [ARABIC, CHINESE, POLISH, VIETNAMESE]
    pdf = _paper(names)
    text = _pdftotext(pdf)
    # Arabic in the paragraph and the table; Chinese and Polish in the label/value table and the
    # table; Vietnamese in the table.
    for name, times in zip(names, [2, 2, 2, 1], strict=True):
        assert text.count(name) == times, (name, text)
    # pypdf (no bidi) still finds the left-to-right names exactly as typed.
    plain = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for name in (CHINESE, POLISH, VIETNAMESE):
        assert name in plain
    # The Chinese name is drawn in the fallback font, embedded in the file (not as boxes).
    cjk_file = glyphs.fallback_font_names()["CSPDesk-CJK"]
    assert any(font.endswith(f"+{cjk_file}") for font in _fonts(pdf)), _fonts(pdf)


def test_a_case_summary_prints_a_victim_named_in_arabic(demo_ctx) -> None:  # noqa: ANN001
    """Through the service, as a coordinator prints it."""
    from sqlalchemy import select

    from cspdesk.services.papers.case_summary import CaseSummaryService
    from cspdesk.storage.models import Case, CasePerson, Person

    with demo_ctx.unit_of_work() as s:
        case_id, person_id = s.execute(
            select(Case.id, CasePerson.person_id).join(CasePerson, CasePerson.case_id == Case.id).limit(1)
        ).one()
        person = s.get(Person, person_id)
        person.given_name, person.family_name = "محمد", "عبد الله"
    pdf = CaseSummaryService(demo_ctx).render(case_id, invariant=True)
    assert "محمد عبد الله" in _pdftotext(pdf) or "عبد الله محمد" in _pdftotext(pdf)


@needs_cjk_font
def test_the_tracker_prints_actions_naming_people_in_other_scripts() -> None:
    """The tracker draws most cells as pre-wrapped plain strings (for speed); a cell in another
    script becomes a shaped Paragraph instead."""
    from datetime import date

    from cspdesk.reports.action_papers import TrackerData, TrackerGroup, TrackerLine, render_tracker_pdf

    lines = tuple(
        TrackerLine(number=str(i), subject="MARAC-2026-0001", text=f"Visit {name} at home", agency="IDVA",
                    owner=name, due_date=date(2026, 12, 20), status="Open", reason="", completed_on=None,
                    rag="green", overdue=False)
        for i, name in enumerate([ARABIC, CHINESE, POLISH, VIETNAMESE], start=1)
    )
    data = TrackerData(partnership="Safer Testshire", protective_marking="OFFICIAL-SENSITIVE",
                       generated_at=datetime(2026, 12, 7, 9, 0), generated_by="coord", panel="Testshire MARAC",
                       title="Action tracker", filters=(), groups=(TrackerGroup("", lines),),
                       counts=(("green", 4),), today=date(2026, 12, 7), amber_days=14)
    text = _pdftotext(render_tracker_pdf(data, invariant=True))
    for name in (ARABIC, CHINESE, POLISH, VIETNAMESE):
        assert f"Visit {name} at home" in text.replace("\n", " ") or text.count(name) >= 2, (name, text)
