"""Serial perpetrators (issue 19, part A): a person linked as perpetrator to two or more different
victims, across every case on every panel (cspdesk.domain.children owns the rule).

Need to know: the flag is shown to anyone who may see the person; the other cases are not. On a
file the service counts itself (it reads every row; the callers pass only people and cases the user
reaches). On a server an account cannot read other panels' cases (row-level security), so the
database's ``cspdesk_victim_count`` (migration 0025_children, run as the owner) counts, and answers
0 for a person not on one of the account's panels.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, exists, func, select, text
from sqlalchemy.orm import Session, aliased

from cspdesk.domain.children import SERIAL_VICTIMS, is_serial
from cspdesk.domain.enums import PersonRole
from cspdesk.storage.models import Case, CasePerson

__all__ = ["serial_case_column", "serial_people", "victim_counts"]


def victim_counts(s: Session, person_ids: Iterable[int]) -> dict[int, int]:
    """person id → the number of different victims they are linked to as perpetrator, on any case.
    Only the people given; a person with none is left out."""
    wanted = sorted({int(p) for p in person_ids})
    if not wanted:
        return {}
    if s.get_bind().dialect.name != "sqlite":
        # One round trip for all of them (the function answers 0 for anyone not on the user's panels).
        return {int(pid): int(n) for pid, n in s.execute(
            text("SELECT p, cspdesk_victim_count(p) FROM unnest(CAST(:ids AS integer[])) AS p"), {"ids": wanted})
            if n}
    perp, victim = aliased(CasePerson), aliased(CasePerson)
    found: dict[int, int] = {}
    for start in range(0, len(wanted), 900):
        chunk = wanted[start:start + 900]
        found.update((int(pid), int(n)) for pid, n in s.execute(
            select(perp.person_id, func.count(victim.person_id.distinct()))
            .join(victim, (victim.case_id == perp.case_id) & (victim.role == PersonRole.VICTIM)
                  & (victim.person_id != perp.person_id))
            .where(perp.person_id.in_(chunk), perp.role == PersonRole.PERPETRATOR)
            .group_by(perp.person_id)
        ).all())
    return found


def serial_case_column(dialect: str) -> ColumnElement[bool]:
    """SQL, correlated on ``case.id``: the case has a serial perpetrator linked as perpetrator —
    a column of the case list's own statement, so the flag costs no round trip of its own (issue
    23). On a server the count is ``cspdesk_victim_count``'s (row-level security would hide the
    other panels' victims from a plain count); on a file, the same count as :func:`victim_counts`."""
    perp = aliased(CasePerson)
    count: ColumnElement[int]
    if dialect == "postgresql":
        count = func.cspdesk_victim_count(perp.person_id)
    else:
        again, victim = aliased(CasePerson), aliased(CasePerson)
        count = (select(func.count(victim.person_id.distinct())).select_from(again)
                 .join(victim, (victim.case_id == again.case_id) & (victim.role == PersonRole.VICTIM)
                       & (victim.person_id != again.person_id))
                 .where(again.person_id == perp.person_id, again.role == PersonRole.PERPETRATOR)
                 .scalar_subquery())
    return exists(select(perp.case_id).where(perp.case_id == Case.id, perp.role == PersonRole.PERPETRATOR,
                                             count >= SERIAL_VICTIMS))


def serial_people(s: Session, person_ids: Iterable[int]) -> set[int]:
    """Which of ``person_ids`` are serial perpetrators."""
    return {pid for pid, n in victim_counts(s, person_ids).items() if is_serial(n)}
