"""CARM's map (issue 20, item 3) on both engines: its nodes and edges for a known fixture, the trend
alerts, the panel and date filters, and that another panel's OCG is not drawn for a CARM member."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from core.chronology_setup import CarmMap, make_carm_map
from cspdesk.domain.context_map import NodeKind
from cspdesk.services.people.context_map import ContextMapService, MapQuery


@pytest.fixture
def carm(ctx) -> CarmMap:  # noqa: ANN001
    return make_carm_map(ctx)


def _kinds(found) -> dict[str, NodeKind]:  # noqa: ANN001
    return {n.key: n.kind for n in found.nodes}


def test_the_map_of_a_carm_member_has_the_fixtures_nodes_edges_and_alerts(carm: CarmMap) -> None:
    known = carm.known
    ctx = known.intake.ctx
    ctx.actor = known.user("CARM")
    found = ContextMapService(ctx).build()
    y1, y2, y3 = (f"person:{p}" for p in carm.young)
    adult, park, peers = f"person:{carm.adult}", f"place:{carm.park}", f"group:{carm.peer_group}"
    alex, jordan = f"person:{known.person}", f"person:{known.other}"
    assert _kinds(found) == {
        y1: NodeKind.YOUNG_PERSON, y2: NodeKind.YOUNG_PERSON, y3: NodeKind.YOUNG_PERSON,
        adult: NodeKind.ADULT, alex: NodeKind.ADULT,  # an associate on Jordan's case
        jordan: NodeKind.PERSON, park: NodeKind.PLACE, peers: NodeKind.PEER_GROUP,
    }  # no OCG: it is SOCP's, and this member is not on SOCP
    edges = {(e.a, e.b): e.why for e in found.edges}
    assert edges == {
        tuple(sorted((alex, jordan))): "On case CARM-2026-0001",
        **{tuple(sorted((park, y))): "Linked to the place (seen there)" for y in (y1, y2, y3)},
        **{tuple(sorted((peers, y))): "Member (member)" for y in (y1, y2)},
        **{tuple(sorted((y, adult))): f"On case CARM-2026-000{4 + n}" for n, y in enumerate((y1, y2, y3))},
    }
    assert [(a.key, a.young_people) for a in found.alerts] == [(adult, 3), (park, 3)]
    assert all(-1.01 <= n.x <= 1.01 and -1.01 <= n.y <= 1.01 for n in found.nodes)
    assert ContextMapService(ctx).build() == found  # the same map draws the same way


def test_the_ocg_is_drawn_for_a_member_of_socp_too(carm: CarmMap) -> None:
    known = carm.known
    ctx = known.intake.ctx
    ctx.actor = known.user("CARM", "SOCP")
    found = ContextMapService(ctx).build(MapQuery(panels=frozenset({known.intake.carm})))
    assert _kinds(found)[f"group:{known.ocg}"] == NodeKind.OCG
    assert (f"group:{known.ocg}", f"person:{carm.young[2]}") in {(e.a, e.b) for e in found.edges}


def test_dates_and_panels_filter_the_map(carm: CarmMap) -> None:
    known = carm.known
    ctx = known.intake.ctx
    ctx.actor = known.user("CARM", "MARAC")
    april = ContextMapService(ctx).build(MapQuery(start=date(2026, 4, 1), end=date(2026, 4, 30)))
    assert f"person:{known.other}" not in _kinds(april)  # March's case is outside
    assert [a.key for a in april.alerts] == [f"place:{carm.park}"]  # May's cases link the adult: outside
    marac_only = ContextMapService(ctx).build(MapQuery(panels=frozenset({known.intake.marac})))
    assert {n.kind for n in marac_only.nodes} <= {NodeKind.PERSON, NodeKind.ADULT, NodeKind.YOUNG_PERSON}
    assert f"place:{carm.park}" not in _kinds(marac_only)
    ctx.actor = known.user("MARAC")
    asked = ContextMapService(ctx).build(MapQuery(panels=frozenset({known.intake.carm})))  # not theirs
    assert asked.nodes == () and asked.panels == ()


def test_the_printed_map_is_marked_and_lists_the_alerts(carm: CarmMap, tmp_path: Path) -> None:
    ctx = carm.known.intake.ctx
    ctx.actor = carm.known.user("CARM")
    out = tmp_path / "map.pdf"
    ContextMapService(ctx).write(MapQuery(), out, invariant=True)
    reader = PdfReader(out)
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "OFFICIAL-SENSITIVE" in text and "Map of contexts" in text and "Victoria Park" in text
    assert "Trend alerts" in text and "Dev Older" in text
    assert reader.metadata.title == "Map of contexts"


def test_the_map_around_one_place_holds_its_cases_and_its_peoples(carm: CarmMap) -> None:
    known = carm.known
    ctx = known.intake.ctx
    ctx.actor = known.user("CARM")
    found = ContextMapService(ctx).build(MapQuery(place=carm.park))
    assert set(_kinds(found)) == {f"place:{carm.park}", f"group:{carm.peer_group}", f"person:{carm.adult}",
                                  *(f"person:{y}" for y in carm.young)}  # not Jordan's case, nor Alex
    assert ContextMapService(ctx).build(MapQuery(place=carm.park)) == found


def test_a_big_part_is_laid_out_with_fewer_iterations_and_the_same_way_each_time() -> None:
    from cspdesk.domain.context_map import MapEdge, MapNode, spring_iterations, spring_positions

    assert [spring_iterations(n) for n in (3, 120, 121, 240, 499)] == [50, 50, 49, 12, 10]
    nodes = [MapNode(f"person:{i}", NodeKind.YOUNG_PERSON, f"P{i}") for i in range(300)]
    edges = [MapEdge(*sorted(("person:0", f"person:{i}")), "link") for i in range(1, 300)]
    edges += [MapEdge(*sorted((f"person:{i}", f"person:{i + 1}")), "link") for i in range(1, 299, 3)]
    first = spring_positions(nodes, edges)
    assert spring_positions(list(reversed(nodes)), list(reversed(edges))) == first  # seeded, order-free
    centre = first["person:0"]
    radii = {round(((x - centre[0]) ** 2 + (y - centre[1]) ** 2) ** 0.5, 2) for k, (x, y) in first.items()
             if k != "person:0"}
    assert len(radii) > 20  # a spring layout, not the circle kept for parts of 500 nodes and more
