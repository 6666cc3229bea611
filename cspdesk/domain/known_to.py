""""Also known to": which other panels' names a panel's members may see when a person is on both
(issue 20, item 2). Only the name is ever shown — never a reference, a date or anything the other
panel holds — and even the name only where the partnership allows it for that pair of panels.

The default: the names are shown between MARAC, CSVG / Community MARAC and CARM (safeguarding panels
that refer to one another), and never to or from SOCP (whose interest in a person can itself be
sensitive intelligence) or the partnership's own plan. Administrators change it pair by pair; the
change is the partnership's, in ``panel_disclosure``. On a server the database function
``cspdesk_also_known_to`` (migration 0021_chronology) applies the same rule with the same default.
"""

from __future__ import annotations

from collections.abc import Mapping

from cspdesk.domain.enums import PanelType

#: Panel types whose names are shown to one another unless the partnership says otherwise.
SHOWN_BY_DEFAULT = frozenset({PanelType.MARAC, PanelType.CSVG, PanelType.CARM})


def pair(a: int, b: int) -> tuple[int, int]:
    """A pair of panels as it is stored: the smaller id first."""
    return (a, b) if a < b else (b, a)


def shown_by_default(a: PanelType, b: PanelType) -> bool:
    return a in SHOWN_BY_DEFAULT and b in SHOWN_BY_DEFAULT


def name_shown(a: int, b: int, types: Mapping[int, PanelType], overrides: Mapping[tuple[int, int], bool]) -> bool:
    """Whether panel ``b``'s name may be shown to members of panel ``a`` (and so the other way)."""
    setting = overrides.get(pair(a, b))
    return shown_by_default(types[a], types[b]) if setting is None else setting
