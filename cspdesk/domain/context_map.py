"""CARM's map of contexts (issue 20, item 3): young people, the adults who pose a risk to them, peer
groups, OCGs and places, and the links between them — and the trend rule that flags a place or an
adult linked to several young people in a period. Plain types and rules; the service gathers the
records (on the user's panels only) and the layout is networkx's spring layout, seeded, so the same
map always draws the same way."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from cspdesk.domain.enums import GroupKind, PersonRole

#: Under this age at the referral a person is a young person on the map.
ADULT_AGE = 18
#: A place or an adult linked to at least this many young people in the period is a trend alert.
TREND_YOUNG_PEOPLE = 3
#: Roles in which an adult on a case poses the risk (rather than being a parent or a neighbour).
RISK_ROLES = frozenset({PersonRole.PERPETRATOR, PersonRole.PERSON_OF_CONCERN, PersonRole.ASSOCIATE,
                        PersonRole.NOMINAL})


class NodeKind(StrEnum):
    YOUNG_PERSON = "young_person"
    ADULT = "adult"  # an adult who poses a risk
    PERSON = "person"  # any other adult linked
    PEER_GROUP = "peer_group"
    OCG = "ocg"
    PLACE = "place"

    @property
    def label(self) -> str:
        return {NodeKind.YOUNG_PERSON: "Young person", NodeKind.ADULT: "Adult posing a risk",
                NodeKind.PERSON: "Other person", NodeKind.PEER_GROUP: "Peer group", NodeKind.OCG: "OCG",
                NodeKind.PLACE: "Place"}[self]


def group_node_kind(kind: GroupKind) -> NodeKind:
    return NodeKind.OCG if kind == GroupKind.OCG else NodeKind.PEER_GROUP


@dataclass(frozen=True)
class MapNode:
    #: "person:12", "group:3", "place:7": unique on the map, and says which record it opens.
    key: str
    kind: NodeKind
    label: str
    x: float = 0.0  # the layout's position, in [-1, 1]
    y: float = 0.0
    #: A place's record is the case about it (the first on the map), which the node opens.
    case_id: int | None = None

    @property
    def record(self) -> tuple[str, int]:
        """("person" | "group" | "place", id): the record the node opens."""
        entity, _, number = self.key.partition(":")
        return entity, int(number)


@dataclass(frozen=True)
class MapEdge:
    a: str  # node keys, in order (a < b)
    b: str
    why: str  # "Peer group member", "Linked to the place", "On case CARM-2026-0004"


@dataclass(frozen=True)
class TrendAlert:
    key: str  # the place's or the adult's node
    label: str
    young_people: int

    def describe(self) -> str:
        return f"{self.label}: linked to {self.young_people} young people in the period"


@dataclass(frozen=True)
class ContextMap:
    """A map as drawn: laid-out nodes, edges, and the trend alerts, for the panels and period asked."""

    nodes: tuple[MapNode, ...]
    edges: tuple[MapEdge, ...]
    alerts: tuple[TrendAlert, ...]
    panels: tuple[str, ...]  # the panels drawn from, by name
    start: date | None
    end: date | None

    def node(self, key: str) -> MapNode:
        return next(n for n in self.nodes if n.key == key)

    def links(self, key: str) -> int:
        return sum(key in (e.a, e.b) for e in self.edges)


def trend_alerts(nodes: Iterable[MapNode], edges: Iterable[MapEdge],
                 threshold: int = TREND_YOUNG_PEOPLE) -> tuple[TrendAlert, ...]:
    """Places and adults posing a risk linked directly to ``threshold`` or more young people; the
    most linked first."""
    by_key = {n.key: n for n in nodes}
    young: dict[str, set[str]] = defaultdict(set)
    for e in edges:
        for one, other in ((e.a, e.b), (e.b, e.a)):
            if by_key[one].kind in (NodeKind.PLACE, NodeKind.ADULT) and by_key[other].kind == NodeKind.YOUNG_PERSON:
                young[one].add(other)
    alerts = [TrendAlert(k, by_key[k].label, len(v)) for k, v in young.items() if len(v) >= threshold]
    return tuple(sorted(alerts, key=lambda a: (-a.young_people, a.label, a.key)))


#: A connected part this big is laid on a circle, not by the spring layout (see spring_positions).
LARGEST_SPRING = 500
#: The spring layout's iterations for a part of up to ``FULL_SPRING`` nodes; a bigger part gets
#: fewer (each iteration costs the square of its nodes), never under ``FEWEST_ITERATIONS``.
SPRING_ITERATIONS = 50
FULL_SPRING = 120
FEWEST_ITERATIONS = 10


def spring_iterations(nodes: int) -> int:
    """How many iterations the spring layout of a connected part of ``nodes`` nodes runs: the map of
    a busy place (several hundred nodes) took 1.4 s of layout at 50 (issue 20's benchmark, on a
    loaded two-core machine); the cost is held near that of a part of ``FULL_SPRING`` nodes."""
    if nodes <= FULL_SPRING:
        return SPRING_ITERATIONS
    return max(FEWEST_ITERATIONS, int(SPRING_ITERATIONS * (FULL_SPRING / nodes) ** 2))


def spring_positions(nodes: Iterable[MapNode], edges: Iterable[MapEdge]) -> dict[str, tuple[float, float]]:
    """A force-directed layout (networkx's spring layout, seeded: the same map draws the same way),
    each connected group of nodes laid out on its own and the groups set side by side in rows,
    biggest first — laid out together, unconnected groups fly to the edges and crowd their own
    nodes into a corner. Positions in [-1, 1]."""
    import math

    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(sorted(n.key for n in nodes))
    graph.add_edges_from(sorted((e.a, e.b) for e in edges))
    parts = sorted((sorted(c) for c in nx.connected_components(graph)), key=lambda c: (-len(c), c[0]))
    if not parts:
        return {}
    columns = math.ceil(math.sqrt(len(parts)))
    placed: dict[str, tuple[float, float]] = {}
    for n, part in enumerate(parts):
        row, column = divmod(n, columns)
        if len(part) <= 2:  # one node, or a pair: nothing for the forces to do
            spots = {key: (i * 0.6 - 0.3 * (len(part) - 1), 0.0) for i, key in enumerate(part)}
        elif len(part) >= LARGEST_SPRING:
            # networkx's layout of this many nodes needs scipy (a large dependency for one case):
            # a circle, which the reader can still follow by the links highlighted on search.
            spots = nx.circular_layout(graph.subgraph(part), scale=0.9)
        else:
            spots = nx.spring_layout(graph.subgraph(part), seed=20, iterations=spring_iterations(len(part)),
                                     scale=0.8)
        for key, (x, y) in spots.items():
            placed[key] = (column * 2.0 + float(x), -row * 2.0 + float(y))
    xs = [x for x, _ in placed.values()]
    ys = [y for _, y in placed.values()]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return {key: ((x - cx) * 2 / span, (y - cy) * 2 / span) for key, (x, y) in placed.items()}
