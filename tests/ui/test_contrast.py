"""Contrast in both schemes, computed from the palette (WCAG 2.2 relative luminance), not eyeballed:
text 4.5:1, focus indicators, input borders and RAG markers 3:1 against what is next to them."""

from __future__ import annotations

import pytest

from cspdesk_gui.theme import DARK, LIGHT, chart_svg, contrast_ratio, render_stylesheet

SURFACES = ("base", "window", "panel", "header", "alternate", "tabPane")
RAG = ("Red", "Amber", "Green", "Blue", "Grey")

#: Text: (words, behind them) — every pair the stylesheet and the item models draw.
TEXT_PAIRS = [
    *[(fg, bg) for fg in ("text", "secondary", "faint", "muted") for bg in SURFACES],
    *[(fg, bg) for fg in ("accentText", "danger", "caution", "good") for bg in ("base", "window", "tabPane")],
    ("onAccent", "accent"), ("onAccent", "accentHover"), ("onAccent", "dangerFill"), ("onAccent", "dangerHover"),
    ("chipText", "chip"), ("faint", "chipMuted"), ("selectionText", "selection"),
    ("noticeText", "notice"), ("noticeText", "noticeSoft"), ("text", "noticeSoft"), ("successText", "success"),
    ("markingText", "marking"), ("paperText", "paper"), ("paperMuted", "paper"),
    *[("chartInk", bg) for bg in ("base", "window")],  # a chart's words and figures
    *[(f"rag{r}", f"rag{r}Tint") for r in RAG],  # the RAG chip of the action shown (Grey was 4.23)
    *[("text", f"rag{r}Tint") for r in RAG],  # the counts strip's tiles
    *[(f"rag{r}", bg) for r in RAG for bg in ("base", "alternate", "selection")],  # the RAG word in tables
    *[(fg, "selection") for fg in ("danger", "caution", "good", "muted", "accentText")],  # on a selected row
]

#: Non-text: focus indicators, input borders, check box outlines, RAG markers (3:1).
INDICATOR_PAIRS = [
    *[("focus", bg) for bg in (*SURFACES, "selection")],  # every focus stop (selected row was 1.25)
    ("focusOnFill", "accent"), ("focusOnFill", "accentHover"), ("focusOnFill", "dangerFill"),
    ("focusOnFill", "dangerHover"),  # filled buttons (primary was 1.83, danger 2.08)
    *[("borderInput", bg) for bg in ("base", "window", "tabPane")],  # was 1.82 light, 1.45 dark
    *[("indicatorBorder", bg) for bg in ("base", "window", "tabPane")],  # check boxes, radios
    *[(f"rag{r}", bg) for r in RAG for bg in ("base", "alternate")],  # RAG dots in tables
    *[(f"rag{r}", f"rag{r}Tint") for r in RAG],  # the strip's checked border
    ("chartBar", "base"),  # a chart's bars
    *[("focus", f"rag{r}Tint") for r in RAG],  # the strip's focus ring
]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("pairs", "least"), [(TEXT_PAIRS, 4.5), (INDICATOR_PAIRS, 3.0)], ids=["text", "indicators"])
def test_palette_contrast(scheme, pairs, least):
    palette = LIGHT if scheme == "light" else DARK
    low = [
        f"{fg} on {bg}: {contrast_ratio(palette[fg], palette[bg]):.2f}"
        for fg, bg in pairs
        if contrast_ratio(palette[fg], palette[bg]) < least
    ]
    assert not low, f"under {least}:1 in the {scheme} scheme: {low}"


def test_contrast_ratio_matches_wcag_examples():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # the classic AA grey


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_charts_are_drawn_from_the_scheme_not_on_a_white_box(scheme):
    """The data-return chart is the PDF's (greys for paper); on screen it takes the scheme's ink
    and bars, and its card the scheme's background (the dark scheme showed a white box)."""
    from cspdesk.reports.data_return import Series
    from cspdesk.reports.data_return import chart_svg as paper_chart

    palette = LIGHT if scheme == "light" else DARK
    svg = chart_svg(paper_chart(Series(title="Referrals", labels=("Jan", "Feb"), values=(3, 5))), scheme).decode()
    assert "rgb(" not in svg  # every paper colour replaced
    assert palette["chartInk"] in svg and palette["chartBar"] in svg
    sheet = render_stylesheet(scheme)
    card = sheet[sheet.index("QFrame#figureCard, QFrame#chartCard {"):]
    assert f"background: {palette['base']}" in card[: card.index("}")]
    assert "\nQFrame#chartCard {" not in sheet  # no rule of its own painting the card as paper
