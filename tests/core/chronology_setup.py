"""A person known to three panels (MARAC, CSVG, CARM), and users on one, two and three of them
(issue 20). Written straight into a real database so every date and time is known to the tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from core.referral_setup import Intake, make_intake
from cspdesk.domain.enums import (
    ActionStatus,
    AgendaItemKind,
    AssessmentKind,
    CaseStatus,
    Decision,
    GroupKind,
    Listing,
    MeetingStatus,
    PersonRole,
    RiskLevel,
    Role,
    SubjectKind,
)
from cspdesk.services.context import Actor
from cspdesk.storage.models import (
    Action,
    ActionUpdate,
    AgendaItem,
    Case,
    CasePerson,
    CaseStatusChange,
    GroupPerson,
    Meeting,
    Person,
    PersonContactChange,
    RiskAssessment,
    SubjectGroup,
)

ADDRESS, POSTCODE, PHONE = "14 Rosemary Lane", "ME10 4AB", "07700 900123"
EARLIER_ADDRESS = "3 Elm Close"
T0 = datetime(2026, 1, 1, 9, 0)


@dataclass(frozen=True)
class Known:
    intake: Intake
    person: int  # on MARAC, CSVG and CARM
    other: int  # the CARM case's subject
    nominal: int  # on MARAC and SOCP
    cases: dict[str, int]  # "MARAC", "CSVG", "CARM", "SOCP", "MARAC2" -> case id
    ocg: int
    meeting: int

    def user(self, *prefixes: str) -> Actor:
        """An officer on the panels named by their prefixes ("MARAC", "CSVG", "CARM", "SOCP")."""
        ids = {"MARAC": self.intake.marac, "CSVG": self.intake.csvg, "CARM": self.intake.carm,
               "SOCP": self.intake.socp}
        return Actor(user_id=self.intake.coordinator_id, username="officer", role=Role.OFFICER,
                     panel_ids=frozenset(ids[p] for p in prefixes))


def _case(s, panel: int, prefix: str, seq: int, on: date, kind: SubjectKind = SubjectKind.PERSON,  # noqa: ANN001, PLR0913
          person: int | None = None, group: int | None = None, agency: int | None = None, reason: str = "",
          place: int | None = None) -> int:
    case = Case(panel_id=panel, reference=f"{prefix}-2026-{seq:04d}", ref_year=2026, ref_seq=seq, referral_date=on,
                referring_agency_id=agency, reason=reason, subject_kind=kind, subject_person_id=person,
                subject_group_id=group, subject_location_id=place, risk_level=RiskLevel.HIGH, status=CaseStatus.OPEN,
                created_at=T0, updated_at=T0)
    s.add(case)
    s.flush()
    return case.id


def _person(s, given: str, family: str, **contact: object) -> int:  # noqa: ANN001
    person = Person(given_name=given, family_name=family, given_norm=given.lower(), family_norm=family.lower(),
                    created_at=T0, **contact)
    s.add(person)
    s.flush()
    return person.id


def make_known(ctx) -> Known:  # noqa: ANN001
    intake = make_intake(ctx)
    with ctx.unit_of_work() as s:
        alex = _person(s, "Alex", "Example", address=ADDRESS, postcode=POSTCODE, phone=PHONE)
        other = _person(s, "Jordan", "Sample")
        nominal = _person(s, "Casey", "Nominal")
        cases = {
            "MARAC": _case(s, intake.marac, "MARAC", 1, date(2026, 1, 10), person=alex, agency=intake.police,
                           reason="Assault at home"),
            "CSVG": _case(s, intake.csvg, "CSVG", 1, date(2026, 2, 3), person=alex, reason="Cuckooing suspected"),
            "CARM": _case(s, intake.carm, "CARM", 1, date(2026, 3, 5), person=other, reason="Exploitation"),
            "MARAC2": _case(s, intake.marac, "MARAC", 2, date(2026, 3, 9), person=nominal, reason="Second case"),
        }
        s.add_all([CasePerson(case_id=cases["MARAC"], person_id=alex, role=PersonRole.VICTIM),
                   CasePerson(case_id=cases["CARM"], person_id=alex, role=PersonRole.ASSOCIATE),
                   CasePerson(case_id=cases["MARAC2"], person_id=nominal, role=PersonRole.VICTIM)])
        ocg = SubjectGroup(kind=GroupKind.OCG, reference="OCG-0001", name="Eastside crew", name_norm="eastside crew",
                           created_at=T0)
        s.add(ocg)
        s.flush()
        s.add(GroupPerson(group_id=ocg.id, person_id=nominal, role="nominal"))
        cases["SOCP"] = _case(s, intake.socp, "SOCP", 1, date(2026, 2, 20), kind=SubjectKind.GROUP, group=ocg.id,
                              reason="County lines")
        s.add_all([
            CaseStatusChange(case_id=cases["MARAC"], from_status=CaseStatus.RECEIVED, to_status=CaseStatus.ACCEPTED,
                             at=datetime(2026, 1, 11, 9, 30)),
            CaseStatusChange(case_id=cases["CSVG"], from_status=None, to_status=CaseStatus.RECEIVED,
                             at=datetime(2026, 2, 3, 11, 0)),
            RiskAssessment(kind=AssessmentKind.DASH, case_id=cases["MARAC"], assessed_on=date(2026, 1, 10),
                           assessor="PC Test", score=16, risk_level=RiskLevel.HIGH, created_at=T0),
            RiskAssessment(kind=AssessmentKind.THREAT_HARM, group_id=ocg.id, assessed_on=date(2026, 2, 21),
                           score=30, created_at=T0),
            # Made on the CSVG case: the earlier address, kept when the CSVG referral replaced it.
            PersonContactChange(person_id=alex, changed_at=datetime(2026, 2, 3, 11, 5), case_id=cases["CSVG"],
                                address=EARLIER_ADDRESS, postcode="ME10 1ZZ", phone=PHONE),
        ])
        meeting = Meeting(panel_id=intake.marac, starts_at=datetime(2026, 1, 20, 10, 0), status=MeetingStatus.HELD,
                          created_at=T0)
        s.add(meeting)
        s.flush()
        item = AgendaItem(meeting_id=meeting.id, position=1, kind=AgendaItemKind.CASE, case_id=cases["MARAC"],
                          listing=Listing.NEW, discussion="Risk discussed", decision=Decision.CONTINUE,
                          decision_notes=f"Police to visit {ADDRESS} weekly; call {PHONE}")
        s.add(item)
        s.flush()
        action = Action(panel_id=intake.marac, case_id=cases["MARAC"], meeting_id=meeting.id,
                        agenda_item_id=item.id, text="Flag the address", owner_agency_id=intake.police,
                        due_date=date(2026, 2, 1), status=ActionStatus.COMPLETED, completed_on=date(2026, 2, 1),
                        created_at=datetime(2026, 1, 20, 10, 0), updated_at=T0)
        s.add(action)
        s.flush()
        # Two updates saved together: they read in the order they were written.
        s.add_all([ActionUpdate(action_id=action.id, at=datetime(2026, 2, 1, 12, 0), text="Flag set",
                                old_status=ActionStatus.OPEN, new_status=ActionStatus.COMPLETED),
                   ActionUpdate(action_id=action.id, at=datetime(2026, 2, 1, 12, 0), text="Checked by sergeant")])
        s.add(Action(panel_id=intake.socp, group_id=ocg.id, text="Disrupt the line", created_at=datetime(2026, 2, 22),
                     updated_at=T0))
    return Known(intake, alex, other, nominal, cases, ocg.id, meeting.id)


@dataclass(frozen=True)
class CarmMap:
    known: Known
    park: int
    peer_group: int
    young: tuple[int, int, int]
    adult: int


def make_carm_map(ctx) -> CarmMap:  # noqa: ANN001
    """On top of :func:`make_known`: a park three young people are linked to (a CARM case about the
    place), a peer group of two of them, an adult who is the perpetrator on each young person's
    own CARM case in May, and the third young person also a member of the SOCP's OCG."""
    from cspdesk.storage.models import Location, LocationPerson

    known = make_known(ctx)
    carm = known.intake.carm
    with ctx.unit_of_work() as s:
        young = tuple(_person(s, given, "Young", date_of_birth=date(2010, 5, 1)) for given in ("Ash", "Bo", "Cal"))
        adult = _person(s, "Dev", "Older", date_of_birth=date(1990, 1, 1))
        park = Location(name="Victoria Park", name_norm="victoria park", kind="park", created_at=T0)
        peers = SubjectGroup(kind=GroupKind.PEER_GROUP, name="Park crew", name_norm="park crew", created_at=T0)
        s.add_all([park, peers])
        s.flush()
        place_case = _case(s, carm, "CARM", 2, date(2026, 4, 1), kind=SubjectKind.LOCATION, reason="Exploitation",
                           place=park.id)
        _case(s, carm, "CARM", 3, date(2026, 4, 10), kind=SubjectKind.GROUP, group=peers.id)
        for n, person in enumerate(young):
            s.add(LocationPerson(location_id=park.id, person_id=person, role="seen there"))
            s.add(CasePerson(case_id=place_case, person_id=person, role=PersonRole.CHILD))
            own = _case(s, carm, "CARM", 4 + n, date(2026, 5, 1 + n), person=person)
            s.add(CasePerson(case_id=own, person_id=adult, role=PersonRole.PERPETRATOR))
        s.add_all([GroupPerson(group_id=peers.id, person_id=young[0], role="member"),
                   GroupPerson(group_id=peers.id, person_id=young[1], role="member"),
                   GroupPerson(group_id=known.ocg, person_id=young[2], role="runner")])
    return CarmMap(known, park.id, peers.id, young, adult)
