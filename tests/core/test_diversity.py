"""A victim's diversity as logs write it → what the data return counts (issue 17)."""

from __future__ import annotations

import pytest

from cspdesk.domain import diversity


@pytest.mark.parametrize(("words", "label", "minoritised"), [
    ("White British", "White British", False), ("white - british", "White British", False),
    ("White Irish", "White Irish", True), ("Gypsy", "Gypsy or Irish Traveller", True),
    ("Black British", "Black or Black British", True), ("Mixed", "Mixed or multiple", True),
    ("Not known", "", None),
])
def test_ethnicity_words(words: str, label: str, minoritised: bool | None) -> None:
    assert diversity.parse_ethnicity(words) == diversity.Ethnicity(label, minoritised)


def test_blank_is_not_recorded_and_unknown_words_name_the_allowed_values() -> None:
    assert diversity.parse_ethnicity(" ") is None and diversity.parse_disability("") is None
    with pytest.raises(ValueError, match="White British, White Irish"):
        diversity.parse_ethnicity("Martian")
    with pytest.raises(ValueError, match="Yes, No or Not known"):
        diversity.parse_disability("sometimes")
    with pytest.raises(ValueError, match="Heterosexual, Gay or lesbian"):
        diversity.parse_orientation("fluid-ish")
    with pytest.raises(ValueError, match="16-17, 18-24"):
        diversity.parse_age_band("about 30")


def test_lgbt_from_orientation_or_identity() -> None:
    straight, lesbian = diversity.parse_orientation("straight"), diversity.parse_orientation("Lesbian")
    trans, cis = diversity.parse_gender_identity("Transgender"), diversity.parse_gender_identity("Cisgender")
    assert diversity.lgbt_of(lesbian, cis) is True and diversity.lgbt_of(straight, trans) is True
    assert diversity.lgbt_of(straight, cis) is False and diversity.lgbt_of(straight, None) is False
    assert diversity.lgbt_of(None, diversity.parse_gender_identity("Not known")) is None


@pytest.mark.parametrize(("words", "band"), [("16 - 17", "16-17"), ("16 to 17", "16-17"), ("65+", "65+"),
                                             ("65 and over", "65+"), ("25-34", "25-34"), ("Not known", None)])
def test_age_bands(words: str, band: str | None) -> None:
    assert diversity.parse_age_band(words) == band
