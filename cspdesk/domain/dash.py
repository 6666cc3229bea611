"""The DASH risk checklist's 24 questions, in their order, as the form shows them (DASH 2009).

Paraphrased from the topics of the SafeLives Dash risk checklist (RESEARCH.md §3); the official
wording is SafeLives' own and is not reproduced. Answers are stored against ``q01`` … ``q24``
(:func:`cspdesk.domain.rules.dash_item`), so the wording here can change without touching data.
"""

from __future__ import annotations

from cspdesk.domain.risk_tools import DASH_2009, risk_tool

#: Read from the tool's definition file (``resources/risk_tools/dash_2009.toml``): one source.
DASH_QUESTIONS: tuple[str, ...] = tuple(q.text for q in risk_tool(DASH_2009, "2009").questions)
