"""Need to know for records that belong to no panel themselves: people, groups and places.

A person, a group (OCG, household, peer group) or a place has no ``panel_id``; it reaches a panel
through what links it there. This module is the one owner of that rule (issue 22, item 1):

- a **group** is on a panel when a case of that panel is about it, or an action of that panel is
  on it (an action can only be put on a group already on its panel: ActionService checks);
- a **person** is on a panel when they are linked to a case of it (as subject or linked person),
  or are a member of a group on it, or are linked to a place a case of it is about.

A user whose ``panel_ids`` is None (administrators, the local owner) reaches everyone. Anyone else
reaches only what is on one of their panels; a person or group on no panel at all (orphaned when
every case about them was erased) is reached by nobody but them. Refusals say the same thing
whether the record exists or not, so a refusal is no oracle.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import ColumnElement, exists, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from cspdesk.services.context import ServiceContext
from cspdesk.services.errors import NotFound
from cspdesk.storage.models import Action, Case, CasePerson, GroupPerson, Location, LocationPerson, Person, SubjectGroup

#: An id to test: a column (``Person.id``, ``GroupPerson.group_id``) or a correlated expression.
IdColumn = ColumnElement[int] | InstrumentedAttribute[int]

#: What every refusal of an unreachable person says (the same whether or not the id exists).
NO_SUCH_PERSON = "That person does not exist, or is not on a panel you are a member of."
NO_SUCH_GROUP = "That group does not exist, or is not on a panel you are a member of."


def group_on_panels(panel_ids: Collection[int] | None, group_id: IdColumn = SubjectGroup.id) -> ColumnElement[bool]:
    """SQL: the group ``group_id`` (a column or a value) has a case or an action on one of
    ``panel_ids`` (None: on any panel)."""
    case_on = select(Case.id).where(Case.subject_group_id == group_id)
    action_on = select(Action.id).where(Action.group_id == group_id)
    if panel_ids is not None:
        ids = sorted(panel_ids)
        case_on = case_on.where(Case.panel_id.in_(ids))
        action_on = action_on.where(Action.panel_id.in_(ids))
    return or_(exists(case_on), exists(action_on))


def person_on_panels(panel_ids: Collection[int], person_id: IdColumn) -> ColumnElement[bool]:
    """SQL: the person ``person_id`` (a column or a value) is on one of ``panel_ids``. Each branch
    starts from the person's own rows (indexed on person_id), so it costs a few lookups a person."""
    ids = sorted(panel_ids)
    return or_(
        exists(select(Case.id).where(Case.subject_person_id == person_id, Case.panel_id.in_(ids))),
        exists(select(CasePerson.case_id).join(Case, Case.id == CasePerson.case_id)
               .where(CasePerson.person_id == person_id, Case.panel_id.in_(ids))),
        exists(select(GroupPerson.group_id).where(GroupPerson.person_id == person_id,
                                                  group_on_panels(ids, GroupPerson.group_id))),
        exists(select(LocationPerson.location_id)
               .join(Case, Case.subject_location_id == LocationPerson.location_id)
               .where(LocationPerson.person_id == person_id, Case.panel_id.in_(ids))),
    )


def reachable_people(s: Session, ctx: ServiceContext, person_ids: Iterable[int]) -> set[int]:
    """Which of ``person_ids`` the acting user may see (and so link, match and print)."""
    wanted = sorted({int(p) for p in person_ids})
    visible = ctx.visible_panel_ids()
    out: set[int] = set()
    for start in range(0, len(wanted), 900):
        chunk = wanted[start:start + 900]
        stmt = select(Person.id).where(Person.id.in_(chunk))
        if visible is not None:
            stmt = stmt.where(person_on_panels(visible, Person.id))
        out.update(s.scalars(stmt))
    return out


def require_person(s: Session, ctx: ServiceContext, person_id: int) -> None:
    """Raise NotFound unless the person exists and the acting user may see them."""
    if person_id not in reachable_people(s, ctx, [person_id]):
        raise NotFound(NO_SUCH_PERSON)


def group_reachable(s: Session, ctx: ServiceContext, group_id: int, panel_id: int | None = None) -> bool:
    """Whether the group exists and is on one of the user's panels (and on ``panel_id`` when
    given)."""
    visible = ctx.visible_panel_ids()
    stmt = select(SubjectGroup.id).where(SubjectGroup.id == group_id)
    if visible is not None:
        stmt = stmt.where(group_on_panels(visible))
    if panel_id is not None:
        stmt = stmt.where(group_on_panels({panel_id}))
    return s.scalar(stmt) is not None


def location_reachable(s: Session, ctx: ServiceContext, location_id: int) -> bool:
    """Whether the place exists and a case on one of the user's panels is about it."""
    visible = ctx.visible_panel_ids()
    stmt = select(Location.id).where(Location.id == location_id)
    if visible is not None:
        stmt = stmt.where(exists(select(Case.id).where(Case.subject_location_id == Location.id,
                                                       Case.panel_id.in_(sorted(visible)))))
    return s.scalar(stmt) is not None
