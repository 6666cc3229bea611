""""Also known to" (issue 20, item 2): the names of the other panels holding a person, as far as
the partnership's setting for each pair of panels allows — and nothing more than the names.

On a file the service works it out; on a server an account cannot read other panels' rows, so the
database's own ``cspdesk_also_known_to`` (migration 0021_chronology, run as the owner) does, with
the same rule (cspdesk.domain.known_to). Showing names is audited as a view of the person.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from itertools import combinations

from sqlalchemy import bindparam, delete, select, text, union
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from cspdesk.domain.enums import AuditKind
from cspdesk.domain.known_to import name_shown, pair, shown_by_default
from cspdesk.services.audit import audit
from cspdesk.services.context import OpChanges, OpResult, Permission, ServiceContext
from cspdesk.services.errors import NotFound, ValidationError
from cspdesk.services.access.reach import require_person
from cspdesk.storage.models import Action, Case, CasePerson, GroupPerson, LocationPerson, Panel, PanelDisclosure

__all__ = ["AlsoKnownToService", "DisclosureSetting"]


@dataclass(frozen=True)
class DisclosureSetting:
    """One pair of panels: whether each one's name is shown to the other's members."""

    first: int
    first_name: str
    second: int
    second_name: str
    shown: bool
    by_default: bool  # what it would be with no setting of the partnership's own


class AlsoKnownToService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def names(self, person_id: int) -> tuple[str, ...]:
        """The names of the panels holding the person that the acting user is not on, as far as the
        setting allows between one of the user's panels and each of them; alphabetical. An
        administrator (on every panel) gets every panel holding the person. Refused like a missing
        person unless the person is on one of the user's panels. When names are returned, they are
        in the audit trail as shown."""
        self._ctx.require(Permission.VIEW_CASES)
        with self._ctx.viewing() as s:
            require_person(s, self._ctx, person_id)
            mine = self._ctx.visible_panel_ids()
            if mine is None:
                found = tuple(sorted(s.scalars(select(Panel.name).where(Panel.id.in_(_holding(person_id))))))
            elif self._ctx.store.is_sqlite:
                found = _allowed_names(s, person_id, mine)
            else:
                found = tuple(s.scalars(
                    text("SELECT * FROM cspdesk_also_known_to(:pid, :mine)").bindparams(
                        bindparam("mine", type_=postgresql.ARRAY(postgresql.INTEGER))),
                    {"pid": person_id, "mine": sorted(mine)}))
            if found:
                audit.record(s, self._ctx.actor, AuditKind.VIEW, "person", person_id,
                             {"also_known_to": list(found)}, at=self._ctx.now())
        return found

    # -- the partnership's setting --------------------------------------------------------------------

    def settings(self) -> tuple[DisclosureSetting, ...]:
        """Every pair of active panels with its setting. Administrators only."""
        self._ctx.require(Permission.ADMINISTER)
        with self._ctx.reading() as s:
            return _settings(s)

    def set_shown(self, first: int, second: int, shown: bool) -> OpResult[DisclosureSetting]:
        """Show (or stop showing) each panel's name to the other's members. Administrators only;
        audited. A setting equal to the default is kept as no setting, so a later change of the
        default reaches it."""
        self._ctx.require(Permission.ADMINISTER)
        if first == second:
            raise ValidationError("second", "Choose two different panels.")
        with self._ctx.unit_of_work() as s:
            types = dict(s.execute(select(Panel.id, Panel.panel_type).where(Panel.id.in_([first, second]))).all())
            if len(types) != 2:
                raise NotFound("There is no such panel.")
            a, b = pair(first, second)
            s.execute(delete(PanelDisclosure).where(PanelDisclosure.panel_id == a, PanelDisclosure.other_panel_id == b))
            if shown != shown_by_default(types[a], types[b]):
                s.add(PanelDisclosure(panel_id=a, other_panel_id=b, shown=shown))
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "panel_disclosure", None,
                         {"panels": [a, b], "shown": shown}, at=self._ctx.now())
            s.flush()
            setting = next(x for x in _settings(s) if (x.first, x.second) == (a, b))
        return OpResult(setting, OpChanges(partnership=True))


def _holding(person_id: int):  # noqa: ANN202 - a SELECT of panel ids
    """SQL: the panels holding the person, by every link that puts a person on a panel
    (cspdesk.services.access.reach: cases, groups on cases or actions, places on cases)."""
    return union(
        select(Case.panel_id).where(Case.subject_person_id == person_id),
        select(Case.panel_id).join(CasePerson, CasePerson.case_id == Case.id).where(CasePerson.person_id == person_id),
        select(Case.panel_id).join(GroupPerson, GroupPerson.group_id == Case.subject_group_id)
        .where(GroupPerson.person_id == person_id),
        select(Action.panel_id).join(GroupPerson, GroupPerson.group_id == Action.group_id)
        .where(GroupPerson.person_id == person_id),
        select(Case.panel_id).join(LocationPerson, LocationPerson.location_id == Case.subject_location_id)
        .where(LocationPerson.person_id == person_id),
    )


def _allowed_names(s: Session, person_id: int, mine: Collection[int]) -> tuple[str, ...]:
    holding = set(s.scalars(_holding(person_id)))
    if not holding & set(mine):
        return ()
    types = dict(s.execute(select(Panel.id, Panel.panel_type)).all())
    overrides = _overrides(s)
    names = dict(s.execute(select(Panel.id, Panel.name)).all())
    return tuple(sorted(names[other] for other in holding - set(mine)
                        if any(name_shown(own, other, types, overrides) for own in mine if own in types)))


def _overrides(s: Session) -> dict[tuple[int, int], bool]:
    return {(d.panel_id, d.other_panel_id): d.shown for d in s.scalars(select(PanelDisclosure))}


def _settings(s: Session) -> tuple[DisclosureSetting, ...]:
    panels = s.execute(select(Panel.id, Panel.name, Panel.panel_type).where(Panel.is_active).order_by(Panel.id)).all()
    overrides = _overrides(s)
    types = {p.id: p.panel_type for p in panels}
    return tuple(
        DisclosureSetting(a.id, a.name, b.id, b.name, name_shown(a.id, b.id, types, overrides),
                          shown_by_default(a.panel_type, b.panel_type))
        for a, b in combinations(panels, 2)
    )
