"""Research requests for a planned meeting, the research agencies return, and who has not returned.

The research copy is the one paper that carries names, aliases, dates of birth and addresses: it is
built here and passed whole through :func:`cspdesk.domain.redaction.redact` at the explicit
research-copy level (telephone numbers, e-mail addresses and contact notes still go).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.domain.agency_loop import KNOWN, NOT_KNOWN, CirculationKind, ReturnState
from cspdesk.domain.enums import AgendaItemKind
from cspdesk.domain.redaction import KnownContacts, Level, redact
from cspdesk.domain.rules import person_display_name
from cspdesk.reports.agency_sheets import ResearchCase, ResearchPerson, ResearchRequest
from cspdesk.reports.meeting_papers import PaperResearch
from cspdesk.services.agencies.common import AgencyRef, new_circulation, panel_agencies, working_meeting
from cspdesk.services.context import ServiceContext
from cspdesk.storage.models import (
    Agency,
    AgencyCirculation,
    AgencyResearch,
    AgendaItem,
    Case,
    CasePerson,
    Meeting,
    Person,
)


def _known_label(known: bool | None) -> str:
    return "" if known is None else (KNOWN if known else NOT_KNOWN)


def meeting_cases(s: Session, meeting_id: int) -> list[tuple[AgendaItem, Case]]:
    """The cases on the meeting's agenda, in agenda order."""
    return list(s.execute(select(AgendaItem, Case).join(Case, Case.id == AgendaItem.case_id)
                          .where(AgendaItem.meeting_id == meeting_id, AgendaItem.kind == AgendaItemKind.CASE)
                          .order_by(AgendaItem.position, AgendaItem.id)))


def _subject_name(case: Case) -> str:
    if case.subject_person is not None:
        return person_display_name(case.subject_person.given_name, case.subject_person.family_name)
    if case.subject_group is not None:
        return case.subject_group.name
    if case.subject_location is not None:
        return case.subject_location.name
    return ""


def build_research_request(s: Session, ctx: ServiceContext, meeting: Meeting,
                           agency: AgencyRef) -> tuple[ResearchRequest, AgencyCirculation]:
    """One agency's research request for ``meeting``, recorded as sent (in the caller's unit of work)."""
    cases = meeting_cases(s, meeting.id)
    people: dict[int, list[tuple[str, Person]]] = defaultdict(list)
    ids = [c.id for _, c in cases]
    if ids:
        for link, person in s.execute(select(CasePerson, Person).join(Person, Person.id == CasePerson.person_id)
                                      .where(CasePerson.case_id.in_(ids)).order_by(CasePerson.id)):
            people[link.case_id].append((link.role.label, person))
    contacts: list[Person] = []
    research_cases = []
    for _, case in cases:
        linked = list(people.get(case.id, []))
        subject = case.subject_person
        if subject is not None and all(p.id != subject.id for _, p in linked):
            linked.insert(0, ("Subject", subject))
        contacts += [p for _, p in linked]
        research_cases.append(ResearchCase(
            case_id=case.id, reference=case.reference, name=_subject_name(case), referral_date=case.referral_date,
            risk_level=case.risk_level.label if case.risk_level else "",
            referring_agency=case.referring_agency.name if case.referring_agency else "",
            people=tuple(ResearchPerson(role=role, name=person_display_name(p.given_name, p.family_name),
                                        aliases=tuple(a.alias for a in p.aliases), date_of_birth=p.date_of_birth,
                                        address=", ".join(x for x in (p.address, p.postcode) if x))
                         for role, p in linked)))
    circ, header = new_circulation(s, ctx, meeting, agency, CirculationKind.RESEARCH,
                                   [(c.case_id, c.reference, None) for c in research_cases])
    paper = ResearchRequest(header=header, cases=tuple(research_cases))
    known = KnownContacts.of((p.address, p.postcode, p.phone, p.contact_notes) for p in contacts)
    # The agency's and panel's names are the partnership's own words, kept as they are.
    return redact(paper, known, level=Level.RESEARCH_COPY, keep=("partnership", "panel", "agency")), circ


def research_by_case(s: Session, meeting_id: int) -> dict[int, tuple[PaperResearch, ...]]:
    """Each case's returned research at this meeting, by agency name (the full minutes' and meeting
    mode's; never a distribution copy's). The caller has checked the meeting is the user's to see."""
    out: dict[int, list[PaperResearch]] = defaultdict(list)
    for r, agency in s.execute(select(AgencyResearch, Agency.name).join(Agency, Agency.id == AgencyResearch.agency_id)
                               .where(AgencyResearch.meeting_id == meeting_id)
                               .order_by(Agency.name, AgencyResearch.id)):
        out[r.case_id].append(PaperResearch(agency=agency, known=_known_label(r.known), summary=r.summary,
                                            risks=r.risks, victim_contact=r.victim_contact))
    return {k: tuple(v) for k, v in out.items()}


@dataclass(frozen=True)
class AgencyState:
    """An agency's research request for a meeting: sent, returned, or not."""

    agency_id: int
    agency: str
    secure_email: str
    state: ReturnState
    sent_at: datetime | None
    returned_at: datetime | None
    #: Cases it returned research on.
    cases_returned: int = 0

    @property
    def state_text(self) -> str:
        if self.state is ReturnState.RETURNED and self.returned_at:
            return f"Returned {self.returned_at:%d %b %Y}"
        if self.state is ReturnState.SENT and self.sent_at:
            return f"Sent {self.sent_at:%d %b %Y}, not returned"
        return self.state.label


@dataclass(frozen=True)
class CirculationEntry:
    """A line of a meeting's circulation log."""

    at: datetime
    agency: str
    what: str
    by: str
    returned_at: datetime | None
    returned_by: str
    files: tuple[str, ...]


class ResearchService:
    """What the meeting shows of agencies' research: each agency's state, the chase list, the log."""

    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def states(self, meeting_id: int) -> list[AgencyState]:
        """Every active agency on the meeting's panel with the state of its research request (the
        newest one sent), by name."""
        with self._ctx.reading() as s:
            meeting = working_meeting(s, self._ctx, meeting_id)
            agencies = panel_agencies(s, meeting.panel_id)
            latest: dict[int, AgencyCirculation] = {}
            for c in s.scalars(select(AgencyCirculation).where(AgencyCirculation.meeting_id == meeting_id,
                                                               AgencyCirculation.kind == CirculationKind.RESEARCH)
                               .order_by(AgencyCirculation.sent_at, AgencyCirculation.id)):
                latest[c.agency_id] = c
            counts: dict[int, int] = defaultdict(int)
            for agency_id in s.scalars(select(AgencyResearch.agency_id).where(AgencyResearch.meeting_id == meeting_id)):
                counts[agency_id] += 1
            out = []
            for a in agencies:
                sent = latest.get(a.id)
                state = ReturnState.NOT_SENT if sent is None else (
                    ReturnState.RETURNED if sent.returned_at is not None else ReturnState.SENT)
                out.append(AgencyState(a.id, a.name, a.secure_email, state, sent.sent_at if sent else None,
                                       sent.returned_at if sent else None, counts.get(a.id, 0)))
            return out

    def chase_list(self, meeting_id: int) -> list[AgencyState]:
        """Agencies sent a research request that have not returned it, the longest waiting first."""
        waiting = [a for a in self.states(meeting_id) if a.state is ReturnState.SENT]
        return sorted(waiting, key=lambda a: (a.sent_at or datetime.min, a.agency.casefold()))

    def research(self, meeting_id: int) -> dict[int, tuple[PaperResearch, ...]]:
        """Each case's returned research (by case id), for meeting mode."""
        with self._ctx.reading() as s:
            working_meeting(s, self._ctx, meeting_id)
            return research_by_case(s, meeting_id)

    def circulation_log(self, meeting_id: int) -> list[CirculationEntry]:
        """What was sent to whom, when, by whom, and what came back, oldest first."""
        with self._ctx.reading() as s:
            working_meeting(s, self._ctx, meeting_id)
            return [CirculationEntry(c.sent_at, name, c.kind.label, c.sent_by, c.returned_at, c.returned_by,
                                     tuple(c.files or ()))
                    for c, name in s.execute(select(AgencyCirculation, Agency.name)
                                             .join(Agency, Agency.id == AgencyCirculation.agency_id)
                                             .where(AgencyCirculation.meeting_id == meeting_id)
                                             .order_by(AgencyCirculation.sent_at, AgencyCirculation.id))]
