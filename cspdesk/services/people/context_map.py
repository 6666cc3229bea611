"""CARM's map (issue 20, item 3): the young people, adults posing a risk, peer groups, OCGs and places
of the cases referred to the chosen panels in a period, linked as the records link them, laid out
by a seeded spring layout, with trend alerts (a place or an adult linked to several young people).

Only the user's panels: the cases that seed the map are on panels the user is a member of, and a
group or place is drawn only when it is on one of the user's panels itself (cspdesk.services.access.reach),
so an OCG known only to SOCP never appears on a CARM member's map. Building the map is audited as
a view (which panels and period, how many nodes; no names).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cspdesk.domain.marking import marking_or_default
from cspdesk.domain.context_map import (
    ADULT_AGE,
    ContextMap,
    RISK_ROLES,
    TREND_YOUNG_PEOPLE,
    MapEdge,
    MapNode,
    NodeKind,
    group_node_kind,
    spring_positions,
    trend_alerts,
)
from cspdesk.domain.enums import AuditKind, PersonRole
from cspdesk.domain.rules import age_on, person_display_name
from cspdesk.reports.context_map import ContextMapPaper, render_context_map_pdf
from cspdesk.services.audit import audit
from cspdesk.services.context import Permission, ServiceContext
from cspdesk.services.files import check_output_path, write_atomically
from cspdesk.services.access.reach import group_on_panels
from cspdesk.storage.models import Case, CasePerson, GroupPerson, Location, LocationPerson, Panel, Partnership, Person, SubjectGroup

__all__ = ["ContextMap", "ContextMapService", "MapQuery"]


@dataclass(frozen=True)
class MapQuery:
    """Which cases seed the map: those referred to ``panels`` (None: all the user's panels) between
    ``start`` and ``end`` (inclusive; None: no limit). With ``place``, only the map around that
    place: the cases about it, and those of the people linked to it (a context's own map)."""

    panels: frozenset[int] | None = None
    start: date | None = None
    end: date | None = None
    threshold: int = TREND_YOUNG_PEOPLE
    place: int | None = None


class ContextMapService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def build(self, query: MapQuery = MapQuery()) -> ContextMap:
        """The map, laid out (audited as a view)."""
        with self._ctx.viewing() as s:
            found = self._gather(s, query)
            self._audit(s, AuditKind.VIEW, query, found, {})
        return found

    def render(self, query: MapQuery = MapQuery(), *, invariant: bool = False) -> bytes:
        """The map as PDF bytes for the print preview (audited as a view)."""
        with self._ctx.viewing() as s:
            paper = self._paper(s, query)
            self._audit(s, AuditKind.VIEW, query, paper.map, {"preview": True})
        return render_context_map_pdf(paper, invariant=invariant)

    def record_printed(self, query: MapQuery, *, pages: int, printer: str) -> None:
        with self._ctx.unit_of_work() as s:
            self._audit(s, AuditKind.PRINT, query, self._gather(s, query), {"printer": printer, "pages": pages})

    def write(self, query: MapQuery, out: Path, *, invariant: bool = False) -> ContextMapPaper:
        out = check_output_path(out, (".pdf",))
        with self._ctx.unit_of_work() as s:
            paper = self._paper(s, query)
            content = render_context_map_pdf(paper, invariant=invariant)
            self._audit(s, AuditKind.PRINT, query, paper.map, {"file": out.name})
            write_atomically(out, content)
        return paper

    # -- gathering ---------------------------------------------------------------------------------

    def _audit(self, s: Session, kind: AuditKind, query: MapQuery, found: ContextMap, extra: dict) -> None:
        audit.record(s, self._ctx.actor, kind, "context_map", None,
                     {"panels": sorted(self._panels(s, query)), "nodes": len(found.nodes),
                      "from": query.start.isoformat() if query.start else None,
                      "to": query.end.isoformat() if query.end else None,
                      **({"place": query.place} if query.place is not None else {}), **extra}, at=self._ctx.now())

    def _panels(self, s: Session, query: MapQuery) -> set[int]:
        visible = self._ctx.visible_panel_ids()
        every = set(s.scalars(select(Panel.id))) if visible is None else set(visible)
        return every if query.panels is None else every & set(query.panels)

    def _paper(self, s: Session, query: MapQuery) -> ContextMapPaper:
        partnership = s.scalars(select(Partnership).order_by(Partnership.id).limit(1)).first()
        return ContextMapPaper(
            partnership=partnership.name if partnership else "",
            protective_marking=marking_or_default(partnership.protective_marking if partnership else None),
            generated_at=self._ctx.now(), generated_by=self._ctx.actor.username, map=self._gather(s, query))

    def _gather(self, s: Session, query: MapQuery) -> ContextMap:
        self._ctx.require(Permission.VIEW_CASES)
        panels = self._panels(s, query)
        visible = self._ctx.visible_panel_ids()
        reach = sorted(panels if visible is None else visible)  # groups and places: on the user's panels
        stmt = select(Case.id, Case.reference, Case.referral_date, Case.subject_person_id, Case.subject_group_id,
                      Case.subject_location_id).where(Case.panel_id.in_(sorted(panels)))
        if query.start is not None:
            stmt = stmt.where(Case.referral_date >= query.start)
        if query.end is not None:
            stmt = stmt.where(Case.referral_date <= query.end)
        if query.place is not None:
            linked = select(LocationPerson.person_id).where(LocationPerson.location_id == query.place)
            stmt = stmt.where(or_(Case.subject_location_id == query.place, Case.subject_person_id.in_(linked),
                                  Case.id.in_(select(CasePerson.case_id).where(CasePerson.person_id.in_(linked)))))
        cases = s.execute(stmt.order_by(Case.referral_date, Case.id)).all()
        names = tuple(sorted(s.scalars(select(Panel.name).where(Panel.id.in_(sorted(panels))))))
        graph = _Graph()
        on_case: dict[int, list[tuple[int, PersonRole]]] = {c.id: [] for c in cases}
        for case_id, person_id, role in s.execute(select(CasePerson.case_id, CasePerson.person_id, CasePerson.role)
                                                  .where(CasePerson.case_id.in_(list(on_case)))):
            on_case[case_id].append((person_id, role))
        for c in cases:
            if c.subject_person_id is not None:
                on_case[c.id].insert(0, (c.subject_person_id, PersonRole.SUBJECT))
        self._people(s, graph, cases, on_case)
        groups = self._groups(s, graph, {c.subject_group_id for c in cases if c.subject_group_id}, reach)
        places = self._places(s, graph, {c.subject_location_id for c in cases if c.subject_location_id}, reach)
        for c in cases:
            if c.subject_location_id in places:
                graph.opens(f"place:{c.subject_location_id}", c.id)
            hub = (f"person:{c.subject_person_id}" if c.subject_person_id else
                   f"group:{c.subject_group_id}" if c.subject_group_id in groups else
                   f"place:{c.subject_location_id}" if c.subject_location_id in places else None)
            for person_id, _ in on_case[c.id]:
                if hub is not None:
                    graph.link(hub, f"person:{person_id}", f"On case {c.reference}")
        return graph.laid_out(names, query)

    @staticmethod
    def _people(s: Session, graph: _Graph, cases, on_case: dict[int, list[tuple[int, PersonRole]]]) -> None:  # noqa: ANN001
        ids = sorted({p for links in on_case.values() for p, _ in links})
        people = {p.id: p for p in s.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}
        kinds: dict[int, NodeKind] = {}
        rank = {NodeKind.YOUNG_PERSON: 0, NodeKind.ADULT: 1, NodeKind.PERSON: 2}
        for c in cases:
            for person_id, role in on_case[c.id]:
                born = people[person_id].date_of_birth
                young = born is not None and age_on(born, c.referral_date) < ADULT_AGE
                kind = NodeKind.YOUNG_PERSON if young else NodeKind.ADULT if role in RISK_ROLES else NodeKind.PERSON
                if rank[kind] < rank[kinds.get(person_id, NodeKind.PERSON)] or person_id not in kinds:
                    kinds[person_id] = kind
        for person_id, kind in kinds.items():
            p = people[person_id]
            graph.add(f"person:{person_id}", kind, person_display_name(p.given_name, p.family_name))

    @staticmethod
    def _groups(s: Session, graph: _Graph, subjects: set[int], reach: Collection[int]) -> set[int]:
        people = graph.people()
        links = s.execute(select(GroupPerson.group_id, GroupPerson.person_id, GroupPerson.role)
                          .where(GroupPerson.person_id.in_(people))).all() if people else []
        wanted = subjects | {g for g, _, _ in links}
        shown = {g.id: g for g in s.scalars(select(SubjectGroup).where(SubjectGroup.id.in_(sorted(wanted)),
                                                                       group_on_panels(reach)))} if wanted else {}
        for g in shown.values():
            graph.add(f"group:{g.id}", group_node_kind(g.kind), " ".join(x for x in (g.reference or "", g.name) if x))
        for group_id, person_id, role in links:
            if group_id in shown:
                graph.link(f"group:{group_id}", f"person:{person_id}", f"Member{' (' + role + ')' if role else ''}")
        return set(shown)

    @staticmethod
    def _places(s: Session, graph: _Graph, subjects: set[int], reach: Collection[int]) -> set[int]:
        people = graph.people()
        links = s.execute(select(LocationPerson.location_id, LocationPerson.person_id, LocationPerson.role)
                          .where(LocationPerson.person_id.in_(people))).all() if people else []
        wanted = subjects | {loc for loc, _, _ in links}
        on_reach = select(Case.subject_location_id).where(Case.panel_id.in_(sorted(reach)))
        shown = {p.id: p for p in s.scalars(select(Location).where(Location.id.in_(sorted(wanted)),
                                                                   Location.id.in_(on_reach)))} if wanted else {}
        for place in shown.values():
            graph.add(f"place:{place.id}", NodeKind.PLACE, place.name)
        for location_id, person_id, role in links:
            if location_id in shown:
                graph.link(f"place:{location_id}", f"person:{person_id}",
                           f"Linked to the place{' (' + role + ')' if role else ''}")
        return set(shown)


class _Graph:
    """Nodes and edges as they are gathered: each node once, each pair of nodes once."""

    def __init__(self) -> None:
        self.nodes: dict[str, MapNode] = {}
        self.edges: dict[tuple[str, str], MapEdge] = {}

    def add(self, key: str, kind: NodeKind, label: str) -> None:
        self.nodes.setdefault(key, MapNode(key, kind, label))

    def opens(self, key: str, case_id: int) -> None:
        """The case a node opens (a place's first case on the map)."""
        if self.nodes[key].case_id is None:
            self.nodes[key] = replace(self.nodes[key], case_id=case_id)

    def people(self) -> list[int]:
        return sorted(n.record[1] for n in self.nodes.values() if n.record[0] == "person")

    def link(self, one: str, other: str, why: str) -> None:
        if one == other or one not in self.nodes or other not in self.nodes:
            return
        a, b = sorted((one, other))
        self.edges.setdefault((a, b), MapEdge(a, b, why))

    def laid_out(self, panels: tuple[str, ...], query: MapQuery) -> ContextMap:
        nodes = sorted(self.nodes.values(), key=lambda n: n.key)
        edges = [self.edges[k] for k in sorted(self.edges)]
        where = spring_positions(nodes, edges)
        placed = tuple(replace(n, x=where[n.key][0], y=where[n.key][1]) for n in nodes)
        return ContextMap(placed, tuple(edges), trend_alerts(placed, edges, query.threshold), panels,
                          query.start, query.end)
