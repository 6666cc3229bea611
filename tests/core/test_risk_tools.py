"""Risk tools as definition files (issue 19): every shipped file loads, a broken one is refused
with a message naming the file and the field, and each tool grades by its own rule."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cspdesk.domain.enums import RiskLevel
from cspdesk.domain.risk_tools import (
    DASH_2009,
    PROFESSIONAL_JUDGEMENT,
    SCORE_ONLY,
    SHIPPED_DIR,
    RiskToolError,
    load_tool,
    load_tools,
    recorded_tool,
    risk_tool,
)

GOOD_CHOICE_TOOL = """
id = "example"
name = "Example checklist"
version = "1.0"
[grading]
method = "count"
counts = "high"
visible_high_risk_at = 2
medium_at = 1
[[questions]]
id = "a"
text = "First?"
answers = "choice"
choices = ["low", "high"]
[[questions]]
id = "b"
text = "Second?"
answers = "yes_no_not_known"
"""


def test_every_shipped_definition_loads() -> None:
    files = sorted(SHIPPED_DIR.glob("*.toml"))
    tools = load_tools(SHIPPED_DIR)
    assert len(tools) == len(files) >= 3
    assert {i for i, _ in tools} >= {DASH_2009, PROFESSIONAL_JUDGEMENT, SCORE_ONLY}
    for path in files:
        load_tool(path)  # each on its own, too


def test_dash_2009_has_the_grid_s_24_questions_stored_as_q01_to_q24() -> None:
    tool = risk_tool(DASH_2009)
    assert (tool.name, tool.version) == ("DASH 2009", "2009")
    assert [q.id for q in tool.questions] == [f"q{i:02d}" for i in range(1, 25)]
    assert tool.questions[0].text == "Has the current incident resulted in injury?"
    assert tool.questions[14].text == "Has the abuser attempted to strangle, choke, suffocate or drown the victim?"
    assert all(q.answers == ("yes", "no", "dont_know") for q in tool.questions)


@pytest.mark.parametrize(("yes", "band", "visible"), [(0, RiskLevel.LOW, False), (9, RiskLevel.LOW, False),
                                                      (10, RiskLevel.MEDIUM, False), (13, RiskLevel.MEDIUM, False),
                                                      (14, RiskLevel.HIGH, True), (24, RiskLevel.HIGH, True)])
def test_dash_2009_grades_by_the_count_of_yes(yes: int, band: RiskLevel, visible: bool) -> None:
    tool = risk_tool(DASH_2009)
    answers = {f"q{i:02d}": "yes" if i <= yes else "dont_know" for i in range(1, 25)}
    assert tool.score(answers) == yes
    assert tool.band(yes) is band
    assert tool.visible_high_risk(yes) is visible


def test_a_panel_s_own_threshold_moves_the_rule_and_the_medium_band_with_it() -> None:
    tool = risk_tool(DASH_2009)
    assert tool.visible_high_risk(12, threshold=12) and not tool.visible_high_risk(11, threshold=12)
    assert tool.band(8, threshold=12) is RiskLevel.MEDIUM and tool.band(7, threshold=12) is RiskLevel.LOW


def test_professional_judgement_has_no_questions_and_never_shows_visible_high_risk() -> None:
    tool = risk_tool(PROFESSIONAL_JUDGEMENT)
    assert tool.questions == () and not tool.scored
    assert not tool.visible_high_risk(24) and not tool.visible_high_risk(24, threshold=1)
    assert tool.band(24) is None


def test_score_only_holds_no_answers_and_grades_the_score() -> None:
    tool = risk_tool(SCORE_ONLY)
    assert not tool.holds_answers
    assert tool.visible_high_risk(14) and not tool.visible_high_risk(13)
    assert tool.band(11) is RiskLevel.MEDIUM
    with pytest.raises(ValueError, match="does not score answers"):
        tool.score({})


def test_a_tool_of_choices_counts_its_own_answer(tmp_path: Path) -> None:
    (tmp_path / "example.toml").write_text(GOOD_CHOICE_TOOL, encoding="utf-8")
    tool = load_tool(tmp_path / "example.toml")
    assert tool.questions[0].answers == ("low", "high")
    assert tool.score({"a": "high", "b": "yes"}) == 1 and tool.band(1) is RiskLevel.MEDIUM


def test_a_new_version_is_a_new_file_and_the_newest_is_the_default(tmp_path: Path) -> None:
    shutil.copy(SHIPPED_DIR / "score_only.toml", tmp_path / "score_only.toml")
    (tmp_path / "score_only_10.toml").write_text(
        (SHIPPED_DIR / "score_only.toml").read_text(encoding="utf-8").replace('version = "1"', 'version = "10"'),
        encoding="utf-8")
    assert set(load_tools(tmp_path)) == {(SCORE_ONLY, "1"), (SCORE_ONLY, "10")}
    (tmp_path / "again.toml").write_text((SHIPPED_DIR / "score_only.toml").read_text(encoding="utf-8"),
                                         encoding="utf-8")
    with pytest.raises(RiskToolError, match=r"score_only.toml") as e:
        load_tools(tmp_path)
    assert e.value.field == "version"


@pytest.mark.parametrize(("broken", "field"), [
    (('visible_high_risk_at = 2', 'visible_high_risk_at = "two"'), "grading.visible_high_risk_at"),
    (('visible_high_risk_at = 2', 'visible_high_risk_at = 3'), "grading.visible_high_risk_at"),
    (('medium_at = 1', 'medium_at = 5'), "grading.medium_at"),
    (('medium_at = 1', 'medium_at = -1'), "grading.medium_at"),
    (('visible_high_risk_at = 2', 'visible_high_risk_at = true'), "grading.visible_high_risk_at"),
    (('method = "count"', 'method = "vibes"'), "grading.method"),
    (('counts = "high"', 'counts = "maybe"'), "grading.counts"),
    (('name = "Example checklist"', ''), "name"),
    (('text = "Second?"', 'text = ""'), "questions[2].text"),
    (('id = "b"', 'id = "a"'), "questions[2].id"),
    (('answers = "yes_no_not_known"', 'answers = "free_text"'), "questions[2].answers"),
    (('choices = ["low", "high"]', 'choices = ["low"]'), "questions[1].choices"),
    (('[grading]', '[gradingx]'), "grading"),
    (('name = "Example checklist"', 'name = "Example'), "(file)"),
])
def test_a_broken_definition_is_refused_naming_the_file_and_the_field(tmp_path: Path, broken: tuple[str, str],
                                                                     field: str) -> None:
    old, new = broken
    assert old in GOOD_CHOICE_TOOL
    path = tmp_path / "broken_tool.toml"
    path.write_text(GOOD_CHOICE_TOOL.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RiskToolError) as e:
        load_tool(path)
    assert e.value.file == "broken_tool.toml" and e.value.field == field
    assert str(e.value).startswith(f"Risk tool broken_tool.toml: {field}: ")


def test_a_judgement_tool_with_questions_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pj.toml"
    path.write_text((SHIPPED_DIR / "professional_judgement.toml").read_text(encoding="utf-8")
                    + '\n[[questions]]\nid = "x"\ntext = "X?"\nanswers = "yes_no_not_known"\n', encoding="utf-8")
    with pytest.raises(RiskToolError, match="pj.toml: questions: a judgement tool has no questions"):
        load_tool(path)


def test_a_recorded_tool_falls_back_to_its_newest_version_and_none_when_unknown() -> None:
    assert recorded_tool(DASH_2009, "2009") is risk_tool(DASH_2009)
    assert recorded_tool(DASH_2009, "1999") is risk_tool(DASH_2009)  # a version no longer shipped
    assert recorded_tool("no_such_tool", "1") is None and recorded_tool(None, None) is None
