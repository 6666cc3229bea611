"""Risk tools as data: each tool a definition file, validated on load (issue 19).

A tool (``cspdesk/resources/risk_tools/*.toml``) has an id, a name, a version, its questions and
how it grades. The grading — what is counted, the "visible high risk" threshold, the Medium band —
belongs to the file, not the code, so a new tool or a new version of one is a new file. Each
assessment records the tool id and version it was made with (``risk_assessment.tool_id`` /
``tool_version``).

Grading methods:

``count``     a checklist: the score is the number of answers equal to ``counts``; visible high
              risk at ``visible_high_risk_at`` or more; Medium from ``medium_at``; Low below.
``score``     a score with no answers held (imported history), banded like ``count``.
``judgement`` no questions: the assessor gives the level and a reason. It never shows "visible
              high risk" — the assessor's High is SafeLives' professional-judgement criterion,
              which stays separate from the tool (:mod:`cspdesk.domain.criteria`).

A bad file raises :class:`RiskToolError` naming the file and the field; nothing here quotes a
person's data, only the definition.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from cspdesk.domain.enums import RiskLevel

SHIPPED_DIR = Path(__file__).resolve().parents[1] / "resources" / "risk_tools"

DASH_2009 = "dash_2009"
PROFESSIONAL_JUDGEMENT = "professional_judgement"
SCORE_ONLY = "score_only"

#: Answer kinds a question may take, and the stored values of each fixed kind.
YES_NO_NOT_KNOWN = "yes_no_not_known"
CHOICE = "choice"
_FIXED_ANSWERS = {YES_NO_NOT_KNOWN: ("yes", "no", "dont_know")}
_METHODS = ("count", "score", "judgement")


class RiskToolError(ValueError):
    """A tool definition that cannot be used: says which file and which field."""

    def __init__(self, file: str, field: str, problem: str) -> None:
        super().__init__(f"Risk tool {file}: {field}: {problem}")
        self.file, self.field = file, field


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    kind: str  # YES_NO_NOT_KNOWN or CHOICE
    answers: tuple[str, ...]  # the values an answer may take


@dataclass(frozen=True)
class Grading:
    method: str
    counts: str | None = None  # the answer counted ("count" only)
    visible_high_risk_at: int | None = None
    medium_at: int | None = None
    max_score: int | None = None


@dataclass(frozen=True)
class RiskTool:
    id: str
    name: str
    version: str
    questions: tuple[Question, ...]
    grading: Grading
    source: str  # the file it came from, for messages

    @property
    def holds_answers(self) -> bool:
        return bool(self.questions)

    @property
    def scored(self) -> bool:
        """Whether the tool gives a number (a count or an imported score); judgement does not."""
        return self.grading.method in ("count", "score")

    def score(self, answers: Mapping[str, str]) -> int:
        """The count of answers equal to the counted value (``count`` tools only)."""
        if self.grading.method != "count":
            raise ValueError(f"{self.id} does not score answers")
        return sum(1 for q in self.questions if answers.get(q.id) == self.grading.counts)

    def _threshold(self, threshold: int | None) -> int | None:
        return threshold if threshold is not None and self.scored else self.grading.visible_high_risk_at

    def visible_high_risk(self, score: int | None, threshold: int | None = None) -> bool:
        """The tool's "visible high risk" rule. ``threshold`` is a panel's own setting, when it
        has one, in place of the tool's; a judgement tool is never visibly high risk."""
        at = self._threshold(threshold)
        return self.scored and score is not None and at is not None and score >= at

    def band(self, score: int | None, threshold: int | None = None) -> RiskLevel | None:
        """High at visible high risk, Medium from ``medium_at`` (moved with a panel's threshold),
        else Low; None for a judgement tool or without a score."""
        at = self._threshold(threshold)
        if not self.scored or score is None or at is None:
            return None
        if score >= at:
            return RiskLevel.HIGH
        medium_at = self.grading.medium_at
        if medium_at is not None and score >= at - (self.grading.visible_high_risk_at or at) + medium_at:
            return RiskLevel.MEDIUM
        return RiskLevel.LOW


def _field(data: Mapping[str, Any], key: str, kind: type, file: str, where: str, *, required: bool = True) -> Any:
    name = f"{where}{key}"
    if key not in data:
        if required:
            raise RiskToolError(file, name, "missing")
        return None
    value: Any = data[key]
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        raise RiskToolError(file, name, f"should be {'a number' if kind is int else 'text' if kind is str else 'a list'}")
    if isinstance(value, str) and not value.strip():
        raise RiskToolError(file, name, "is empty")
    if isinstance(value, int) and value < 0:
        raise RiskToolError(file, name, "should not be negative")
    return value


def _question(raw: Any, n: int, file: str) -> Question:
    where = f"questions[{n}]."
    if not isinstance(raw, Mapping):
        raise RiskToolError(file, f"questions[{n}]", "should be a table")
    kind = _field(raw, "answers", str, file, where)
    if kind == CHOICE:
        choices = _field(raw, "choices", list, file, where)
        if len(choices) < 2 or not all(isinstance(c, str) and c.strip() for c in choices):
            raise RiskToolError(file, f"{where}choices", "should be two or more pieces of text")
        answers = tuple(choices)
    elif kind in _FIXED_ANSWERS:
        answers = _FIXED_ANSWERS[kind]
    else:
        raise RiskToolError(file, f"{where}answers", f"should be {YES_NO_NOT_KNOWN!r} or {CHOICE!r}")
    return Question(_field(raw, "id", str, file, where), _field(raw, "text", str, file, where), kind, answers)


def _grading(raw: Any, questions: tuple[Question, ...], file: str) -> Grading:
    if not isinstance(raw, Mapping):
        raise RiskToolError(file, "grading", "missing" if raw is None else "should be a table")
    method = _field(raw, "method", str, file, "grading.")
    if method not in _METHODS:
        raise RiskToolError(file, "grading.method", f"should be one of {', '.join(_METHODS)}")
    if method == "judgement":
        if questions:
            raise RiskToolError(file, "questions", "a judgement tool has no questions")
        return Grading(method)
    at = _field(raw, "visible_high_risk_at", int, file, "grading.")
    medium = _field(raw, "medium_at", int, file, "grading.", required=False)
    if method == "count":
        counts = _field(raw, "counts", str, file, "grading.")
        if not questions:
            raise RiskToolError(file, "questions", "a counting tool needs questions")
        if not any(counts in q.answers for q in questions):
            raise RiskToolError(file, "grading.counts", "is not an answer any question can take")
        top, counted = len(questions), counts
    else:
        if questions:
            raise RiskToolError(file, "questions", "a score-only tool holds no answers")
        top, counted = _field(raw, "max_score", int, file, "grading."), None
    if at > top:
        raise RiskToolError(file, "grading.visible_high_risk_at", f"is more than the highest score ({top})")
    if medium is not None and medium > at:
        raise RiskToolError(file, "grading.medium_at", "is above visible_high_risk_at")
    return Grading(method, counted, at, medium, top)


def load_tool(path: Path) -> RiskTool:
    """One definition file, validated; :class:`RiskToolError` names the file and the field."""
    file = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise RiskToolError(file, "(file)", f"cannot be read ({type(e).__name__})") from e
    except tomllib.TOMLDecodeError as e:
        raise RiskToolError(file, "(file)", f"is not valid TOML ({e})") from e
    raw_questions = data.get("questions", [])
    if not isinstance(raw_questions, list):
        raise RiskToolError(file, "questions", "should be a list of [[questions]] tables")
    questions = tuple(_question(q, n, file) for n, q in enumerate(raw_questions, 1))
    seen: set[str] = set()
    for n, q in enumerate(questions, 1):
        if q.id in seen:
            raise RiskToolError(file, f"questions[{n}].id", f"{q.id!r} is used twice")
        seen.add(q.id)
    return RiskTool(id=_field(data, "id", str, file, ""), name=_field(data, "name", str, file, ""),
                    version=_field(data, "version", str, file, ""), questions=questions,
                    grading=_grading(data.get("grading"), questions, file), source=file)


def load_tools(directory: Path) -> dict[tuple[str, str], RiskTool]:
    """Every ``*.toml`` in ``directory`` by (id, version): a new version of a tool is a new file
    beside the old one, so assessments made with the old version still find their rule."""
    tools: dict[tuple[str, str], RiskTool] = {}
    for path in sorted(directory.glob("*.toml")):
        tool = load_tool(path)
        key = (tool.id, tool.version)
        if key in tools:
            raise RiskToolError(path.name, "version", f"{tool.id!r} version {tool.version!r} is also in "
                                                      f"{tools[key].source}")
        tools[key] = tool
    return tools


@cache
def shipped_tools() -> Mapping[tuple[str, str], RiskTool]:
    """The tools shipped with CSPDesk (read once)."""
    return load_tools(SHIPPED_DIR)


def _version_key(version: str) -> tuple[tuple[int, str], ...]:
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in version.split("."))


def risk_tool(tool_id: str, version: str | None = None) -> RiskTool:
    """A shipped tool by id and version; without a version, its newest (numeric parts compared as
    numbers). KeyError for a tool or version not shipped."""
    if version is not None:
        return shipped_tools()[(tool_id, version)]
    versions = [t for (i, _), t in shipped_tools().items() if i == tool_id]
    if not versions:
        raise KeyError(tool_id)
    return max(versions, key=lambda t: _version_key(t.version))


def recorded_tool(tool_id: str | None, version: str | None) -> RiskTool | None:
    """The tool an assessment recorded: that version, or the tool's newest when that version's
    file is no longer shipped; None when none was recorded or the tool is not shipped at all
    (callers then use DASH 2009, the only tool before issue 19)."""
    if tool_id is None:
        return None
    try:
        return risk_tool(tool_id, version)
    except KeyError:
        try:
            return risk_tool(tool_id)
        except KeyError:
            return None
