"""Stored sort keys: a case's subject is kept in ``case_record.subject_sort`` so the case list sorts
by subject from an index, instead of joining three tables for every case on every header click.

The key is "family given" (normalised) for a person, else the group's or the place's normalised
name — the order the list always had. It is written once, when a case is logged: people's, groups'
and places' names are not changed afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable

from typing import cast

from sqlalchemy import ColumnElement, Connection, Table, case, func, literal, select, update
from sqlalchemy.orm import Session

from cspdesk.domain.enums import CaseStatus, RiskLevel
from cspdesk.storage.models import Agency, Case, Location, Panel, Person, SubjectGroup

#: The orders the list sorts statuses and risk levels in (their meaning, not the alphabet's).
STATUS_ORDER = tuple(CaseStatus)
RISK_ORDER = (RiskLevel.LOW, RiskLevel.MEDIUM, RiskLevel.HIGH)


def subject_sort_key() -> ColumnElement[str]:
    """The key computed for one ``Case`` row (a correlated expression)."""
    person = (select(Person.family_norm + literal(" ") + Person.given_norm)
              .where(Person.id == Case.subject_person_id).scalar_subquery())
    group = select(SubjectGroup.name_norm).where(SubjectGroup.id == Case.subject_group_id).scalar_subquery()
    place = select(Location.name_norm).where(Location.id == Case.subject_location_id).scalar_subquery()
    return func.coalesce(person, group, place, literal(""))


def refresh_subject_sort(conn: Connection | Session, case_ids: Iterable[int] | None = None) -> None:
    """Write the key of the cases given (every case when None), in the caller's transaction."""
    table = cast(Table, Case.__table__)
    stmt = update(table).values(subject_sort=subject_sort_key())
    if case_ids is not None:
        stmt = stmt.where(table.c.id.in_(list(case_ids)))
    conn.execute(stmt)


def refresh_case_sort_keys(conn: Connection | Session, case_ids: Iterable[int] | None = None) -> None:
    """Write the cases' other sort keys (status and risk ranks, panel and referrer names) — every
    case when ``case_ids`` is None — in the caller's transaction. Kept by the session as cases,
    panels and agencies change (cspdesk.storage.search_keys)."""
    table = cast(Table, Case.__table__)
    stmt = update(table).values(
        status_rank=case({s.value: i for i, s in enumerate(STATUS_ORDER)}, value=table.c.status, else_=0),
        risk_rank=case({r.value: i for i, r in enumerate(RISK_ORDER)}, value=table.c.risk_level, else_=None),
        panel_sort=select(Panel.name).where(Panel.id == table.c.panel_id).scalar_subquery(),
        referrer_sort=select(Agency.name).where(Agency.id == table.c.referring_agency_id).scalar_subquery(),
    )
    if case_ids is not None:
        ids = sorted(set(case_ids))
        for start in range(0, len(ids), 500):
            conn.execute(stmt.where(table.c.id.in_(ids[start:start + 500])))
    else:
        conn.execute(stmt)
