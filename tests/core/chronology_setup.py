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


def _case(s, panel: int, prefix: str, seq: int, on: date, kind: SubjectKind = SubjectKind.PERSON,  # noqa: ANN001
          person: int | None = None, group: int | None = None, agency: int | None = None, reason: str = "") -> int:
    case = Case(panel_id=panel, reference=f"{prefix}-2026-{seq:04d}", ref_year=2026, ref_seq=seq, referral_date=on,
                referring_agency_id=agency, reason=reason, subject_kind=kind, subject_person_id=person,
                subject_group_id=group, risk_level=RiskLevel.HIGH, status=CaseStatus.OPEN,
                created_at=T0, updated_at=T0)
    s.add(case)
    s.flush()
    return case.id


def _person(s, given: str, family: str, **contact: str) -> int:  # noqa: ANN001
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
