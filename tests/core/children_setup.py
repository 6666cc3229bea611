"""A small MARAC quarter with children in their own right and serial perpetrators, written straight
into a real database. Every figure the return should show is HAND-COUNTED beside the data below."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from cspdesk.domain.children import CscStatus
from cspdesk.domain.enums import AgendaItemKind, CaseStatus, Listing, MeetingStatus, PanelType, PersonRole, Sector, SubjectKind
from cspdesk.domain.periods import between
from cspdesk.services.context import ServiceContext
from cspdesk.storage import models as m
from cspdesk.storage.model_children import CaseChild

T0 = datetime(2026, 1, 1, 9, 0)
QUARTER = between(date(2026, 1, 1), date(2026, 3, 31))

#: The figures, counted by hand from the cases below (each heard case heard once in the quarter).
#: Children in the households: A 3 + B 1 + C max(0 named, 2 from the log) + F 0 = 6.
#: Children's services: child protection 1 (C1), early help 1 (C2), none 1 (C3), looked after 1 (C4),
#: child in need 0 (C5 is on case E, not heard), not recorded 6 − 4 = 2 (case C's two unnamed children).
#: Encompass: made 1 (C1), not made 1 (C2), not recorded 1 (C4, in education); C3 is not in education.
#: Serial perpetrators heard: P1 (victims V1, V2) and P2 (V3 here, V4 on the other panel) = 2;
#: P3 (only V5) and P4 (only V6) are not. Cases involving one: A, B, C = 3 of 4 heard (A, B, C, F).
EXPECTED = {
    ("Cases discussed", "Children in the households"): 6,
    ("Children in their own right", "Children's services: child protection"): 1,
    ("Children in their own right", "Children's services: early help"): 1,
    ("Children in their own right", "Children's services: none"): 1,
    ("Children in their own right", "Children's services: looked after"): 1,
    ("Children in their own right", "Children's services: child in need"): 0,
    ("Children in their own right", "Children's services status not recorded"): 2,
    ("Children in their own right", "Operation Encompass notifications made"): 1,
    ("Children in their own right", "Operation Encompass notifications not made"): 1,
    ("Children in their own right", "Operation Encompass not recorded (child in education)"): 1,
    ("Serial perpetrators", "Serial perpetrators heard (linked to 2+ victims)"): 2,
    ("Serial perpetrators", "Cases involving a serial perpetrator"): 3,
}


@dataclass(frozen=True)
class Quarter:
    panel: int
    other_panel: int
    cases: dict[str, int]  # "A".."F" on the panel, "D" on the other panel
    people: dict[str, int]  # "V1", "P1", "C1", …
    links: dict[str, int]  # "C1" … → the child's case_person id
    police: int


def make_quarter(ctx: ServiceContext) -> Quarter:
    with ctx.unit_of_work() as s:
        s.add(m.Partnership(name="Testshire CSP", created_at=T0))
        police = m.Agency(name="Testshire Police", short_code="TP", sector=Sector.POLICE)
        panel = m.Panel(name="Testshire MARAC", panel_type=PanelType.MARAC, ref_prefix="MARAC", created_at=T0)
        other = m.Panel(name="Otherton MARAC", panel_type=PanelType.MARAC, ref_prefix="OMARAC", created_at=T0)
        s.add_all([police, panel, other])
        s.flush()
        meeting = m.Meeting(panel_id=panel.id, starts_at=datetime(2026, 2, 10, 10), status=MeetingStatus.FINALISED,
                            created_at=T0)
        later = m.Meeting(panel_id=panel.id, starts_at=datetime(2026, 4, 14, 10), status=MeetingStatus.PLANNED,
                          created_at=T0)
        s.add_all([meeting, later])
        s.flush()
        people: dict[str, int] = {}

        def person(key: str) -> int:
            p = m.Person(given_name=f"Given{key}", family_name=f"Family{key}", given_norm=f"given{key}".lower(),
                         family_norm=f"family{key}".lower(), created_at=T0)
            s.add(p)
            s.flush()
            people[key] = p.id
            return p.id

        cases: dict[str, int] = {}
        links: dict[str, int] = {}

        def case(key: str, on_panel: m.Panel, victim: str, perpetrator: str, *, listing: Listing | None,
                 heard_at: m.Meeting | None = None, children_count: int | None = None) -> int:
            seq = len(cases) + 1
            vid = people.get(victim) or person(victim)
            c = m.Case(panel_id=on_panel.id, reference=f"{on_panel.ref_prefix}-2026-{seq:04d}", ref_year=2026,
                       ref_seq=seq, referral_date=date(2026, 1, 20), subject_kind=SubjectKind.PERSON,
                       subject_person_id=vid, status=CaseStatus.OPEN, children_count=children_count,
                       created_at=T0, updated_at=T0)
            s.add(c)
            s.flush()
            s.add(m.CasePerson(case_id=c.id, person_id=vid, role=PersonRole.VICTIM))
            s.add(m.CasePerson(case_id=c.id, person_id=people.get(perpetrator) or person(perpetrator),
                               role=PersonRole.PERPETRATOR))
            if listing is not None:
                s.add(m.AgendaItem(meeting_id=(heard_at or meeting).id, position=seq, kind=AgendaItemKind.CASE,
                                   case_id=c.id, listing=listing))
            cases[key] = c.id
            return c.id

        def child(key: str, case_key: str, school: str = "", **details: object) -> None:
            link = m.CasePerson(case_id=cases[case_key], person_id=person(key), role=PersonRole.CHILD, school=school)
            s.add(link)
            s.flush()
            links[key] = link.id
            if details:
                s.add(CaseChild(case_person_id=link.id, **details))

        case("A", panel, "V1", "P1", listing=Listing.NEW)
        child("C1", "A", "Testtown Primary", csc_status=CscStatus.CHILD_PROTECTION, encompass_notified=True,
              encompass_on=date(2026, 1, 21), encompass_by_agency_id=police.id)
        child("C2", "A", "Testtown Primary", csc_status=CscStatus.EARLY_HELP, encompass_notified=False)
        child("C3", "A", not_in_education=True, csc_status=CscStatus.NONE)
        case("B", panel, "V2", "P1", listing=Listing.NEW)
        child("C4", "B", "Little Acorns Nursery", csc_status=CscStatus.LOOKED_AFTER)
        case("C", panel, "V3", "P2", listing=Listing.REPEAT, children_count=2)
        case("D", other, "V4", "P2", listing=None)  # the other panel: makes P2 serial
        case("E", panel, "V5", "P3", listing=Listing.NEW, heard_at=later)  # not heard in the quarter
        child("C5", "E", "Testtown Academy", csc_status=CscStatus.CHILD_IN_NEED, encompass_notified=True)
        case("F", panel, "V6", "P4", listing=Listing.NEW)
        s.flush()
        return Quarter(panel.id, other.id, cases, people, links, police.id)
