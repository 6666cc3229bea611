"""The protective marking printed at the top and bottom of every page: one owner for its default.

The Government Security Classifications name OFFICIAL, with OFFICIAL-SENSITIVE the handling caveat
case papers carry. A partnership may choose its own marking; where none is held (an empty
database, a blank setting) every paper, form and service falls back to :data:`DEFAULT_MARKING`.
"""

from __future__ import annotations

DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
#: The markings offered when a partnership is set up (it may type another).
MARKINGS: tuple[str, ...] = (DEFAULT_MARKING, "OFFICIAL")


def marking_or_default(marking: str | None) -> str:
    """``marking`` as set, or :data:`DEFAULT_MARKING` when none is held or it is blank."""
    return (marking or "").strip() or DEFAULT_MARKING
