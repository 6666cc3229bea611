"""The one guard every CSV or XLSX cell CSPDesk writes goes through (issue 22, item 3).

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some,
a tab or carriage return before one of them) as a formula: a partnership, panel, agency or action
named ``=HYPERLINK(…)`` would become live when the export is opened. OWASP's advice is followed:
such a text cell is written with a single quote in front, which Excel and LibreOffice show as text.
A plain number (``-3``, ``-0.5``) is left alone: it is not a formula, and a return's figures must
stay numbers. Importers take the quote off again with :func:`unguard_cell`.
"""

from __future__ import annotations

from typing import Any

#: The characters that make a spreadsheet cell a formula (or smuggle one in).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return text.strip() == text  # " -1" or "-1\t" is text, not a number


def guard_cell(value: Any) -> Any:
    """``value`` as it may be written to a CSV or XLSX cell: text starting like a formula gets a
    leading ``'``; anything else (numbers, dates, None, safe text) is returned unchanged."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS and not _is_number(value):
        return "'" + value
    return value


def guard_row(values: Any) -> list[Any]:
    """Every cell of a row through :func:`guard_cell`."""
    return [guard_cell(v) for v in values]


def unguard_cell(text: str) -> str:
    """The text :func:`guard_cell` was given (for importers reading an export back)."""
    return text[1:] if text[:1] == "'" and text[1:2] != "" and text[1:2] in FORMULA_STARTS else text
