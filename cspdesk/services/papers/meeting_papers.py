"""A meeting's papers: ``cspdesk print agenda`` and ``cspdesk print minutes [--distribution]``.

The meeting itself comes from :class:`~cspdesk.services.meetings.meetings.MeetingService` (the same data the
meeting screens show); the people on each case, the reasons actions were not done, and the contact
details a distribution copy must leave out are read here, in one read transaction.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.domain.enums import AgendaItemKind, AuditKind, PersonRole
from cspdesk.domain.redaction import KnownContacts, redact_for_circulation
from cspdesk.domain.rules import FINISHED_ACTION_STATUSES, is_overdue, person_display_name
from cspdesk.reports.meeting_papers import (
    MeetingPapers,
    PaperAction,
    PaperAttendee,
    PaperItem,
    PaperPerson,
    render_agenda_pdf,
    render_minutes_pdf,
)
from cspdesk.services.audit import audit
from cspdesk.services.partnership.partnership import paper_heading
from cspdesk.services.agencies.research import research_by_case
from cspdesk.services.context import ServiceContext
from cspdesk.services.files import check_output_path, write_atomically
from cspdesk.services.referrals.cases import referral_criteria
from cspdesk.services.meetings.meetings import ActionRow, MeetingDetail, MeetingService
from cspdesk.storage.models import ActionUpdate, Case, CasePerson, Person

#: The partnership's own words, printed as set (a meeting's venue is an office's address, not a person's).
_NOT_REDACTED = ("venue", "confidentiality_statement")

#: People listed under a case, in this order (the person at risk first).
_ROLE_ORDER = {r: n for n, r in enumerate((PersonRole.VICTIM, PersonRole.SUBJECT, PersonRole.PERSON_OF_CONCERN,
                                           PersonRole.PERPETRATOR, PersonRole.CHILD, PersonRole.HOUSEHOLD_MEMBER,
                                           PersonRole.NOMINAL, PersonRole.ASSOCIATE))}


class MeetingPapersService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx
        self._meetings = MeetingService(ctx)

    def build(self, meeting_id: int, *, distribution: bool = False) -> MeetingPapers:
        """Everything the agenda and the minutes print. Members of the meeting's panel only
        (MeetingService checks). ``distribution``: no addresses, telephone numbers or contact
        notes anywhere — not in the people tables and not in anything typed: the whole paper goes
        through :func:`~cspdesk.domain.redaction.redact_for_circulation`."""
        detail = self._meetings.get_meeting(meeting_id)
        carried = self._meetings.carried_actions(meeting_id)
        agreed = self._meetings.meeting_actions(meeting_id)
        with self._ctx.reading() as s:
            return self._assemble(s, detail, carried, agreed, distribution)

    def write_agenda(self, meeting_id: int, out: Path, *, invariant: bool = False) -> MeetingPapers:
        out = check_output_path(out, (".pdf",))
        data = self.build(meeting_id, distribution=True)  # an agenda circulates: no contact details
        self._write(meeting_id, out, render_agenda_pdf(data, invariant=invariant), "agenda", distribution=True)
        return data

    def write_minutes(self, meeting_id: int, out: Path, *, distribution: bool = False,
                      invariant: bool = False) -> MeetingPapers:
        out = check_output_path(out, (".pdf",))
        data = self.build(meeting_id, distribution=distribution)
        self._write(meeting_id, out, render_minutes_pdf(data, invariant=invariant), "minutes", distribution=distribution)
        return data

    # -- for the print preview ----------------------------------------------------------------------

    def render_agenda(self, meeting_id: int, *, invariant: bool = False) -> bytes:
        """The agenda as PDF bytes, for the print preview. Not recorded: nothing has left the app
        yet — :meth:`write_agenda` (Save as PDF) and :meth:`record_printed` (Print) record it."""
        return render_agenda_pdf(self.build(meeting_id, distribution=True), invariant=invariant)

    def render_minutes(self, meeting_id: int, *, distribution: bool = False, invariant: bool = False) -> bytes:
        """The minutes (full record, or the distribution copy) as PDF bytes, for the preview."""
        return render_minutes_pdf(self.build(meeting_id, distribution=distribution), invariant=invariant)

    def record_printed(self, meeting_id: int, report: str, *, distribution: bool, pages: int, printer: str) -> None:
        """Record in the audit trail that the agenda or the minutes (``report``) went to a printer."""
        if report not in ("agenda", "minutes"):
            raise ValueError(report)
        self._meetings.get_meeting(meeting_id)  # a member of the meeting's panel, and the meeting exists
        with self._ctx.unit_of_work() as s:
            audit.record(s, self._ctx.actor, AuditKind.PRINT, "meeting", meeting_id,
                         {"report": report, "distribution": distribution, "printer": printer, "pages": pages},
                         at=self._ctx.now())

    def _write(self, meeting_id: int, out: Path, content: bytes, report: str, *, distribution: bool) -> None:
        """The file written and the print audited in one transaction: no entry, no file."""
        with self._ctx.unit_of_work() as s:
            audit.record(s, self._ctx.actor, AuditKind.PRINT, "meeting", meeting_id,
                         {"report": report, "distribution": distribution, "file": out.name}, at=self._ctx.now())
            write_atomically(out, content)

    # -- assembling --------------------------------------------------------------------------------

    def _assemble(self, s: Session, d: MeetingDetail, carried: list[ActionRow], agreed: list[ActionRow],
                  distribution: bool) -> MeetingPapers:
        today = self._ctx.today()
        case_ids = [i.case_id for i in d.items if i.case_id is not None]
        # Earlier actions can be about cases not on this agenda: their people's details go too.
        known_case_ids = {*case_ids, *(a.case_id for a in carried if a.case_id is not None)}
        cases = {c.id: c for c in s.scalars(select(Case).where(Case.id.in_(case_ids)))} if case_ids else {}
        people: dict[int, list[tuple[int, int, Person]]] = defaultdict(list)
        schools: set[str] = set()  # the children's: identifying on a paper that circulates (issue 19)
        if known_case_ids:
            for link, person in s.execute(select(CasePerson, Person).join(Person, Person.id == CasePerson.person_id)
                                          .where(CasePerson.case_id.in_(known_case_ids))):
                people[link.case_id].append((_ROLE_ORDER.get(link.role, 99), link.id, link.role, person))
                if link.school:
                    schools.add(link.school)
        reasons = self._latest_updates(s, [a.id for a in carried])

        def action(a: ActionRow) -> PaperAction:
            reason = a.status_reason
            if a.status not in FINISHED_ACTION_STATUSES and not reason:
                reason = reasons.get(a.id, "")
            return PaperAction(
                reference=a.reference, agency=a.agency, owner=a.owner, text=a.text, due_date=a.due_date,
                status=a.status.label + (f" {a.completed_on:%d %b %Y}" if a.completed_on else ""),
                reason=reason, agreed_on=a.agreed_on, overdue=is_overdue(a.status, a.due_date, today),
            )

        by_item: dict[int | None, list[PaperAction]] = defaultdict(list)
        for a in agreed:
            by_item[a.agenda_item_id].append(action(a))
        open_by_case: dict[int | None, list[PaperAction]] = defaultdict(list)
        for a in carried:
            if a.status not in FINISHED_ACTION_STATUSES:
                open_by_case[a.case_id].append(action(a))

        # Agencies' returned research (issue 18): the full record only, never read for a distribution copy.
        research = {} if distribution else research_by_case(s, d.row.id)
        items = []
        for entry in d.items:
            case = cases.get(entry.case_id) if entry.case_id is not None else None
            linked = sorted(people.get(entry.case_id, []), key=lambda t: (t[0], t[1])) if case else []
            earlier = list(open_by_case.get(entry.case_id, [])) if case else []
            if case is not None and case.repeat_of_case_id is not None:
                earlier += open_by_case.get(case.repeat_of_case_id, [])
            items.append(PaperItem(
                kind=entry.kind.value,
                title=entry.title if entry.kind is not AgendaItemKind.CASE else entry.label,
                slot=f"{entry.slot_start:%H:%M}–{entry.slot_end:%H:%M}",
                reference=entry.reference,
                subject=entry.subject,
                listing=entry.listing.label if entry.listing else "",
                referring_agency=entry.referring_agency,
                risk_level=entry.risk_level.label if entry.risk_level else "",
                reason=case.reason if case else "",
                summary=case.summary if case else "",
                people=tuple(
                    PaperPerson(role=role.label, name=person_display_name(p.given_name, p.family_name),
                                date_of_birth=p.date_of_birth,
                                address="" if distribution else ", ".join(x for x in (p.address, p.postcode) if x),
                                phone="" if distribution else p.phone)
                    for _, _, role, p in linked
                ),
                discussion=entry.discussion,
                risks=entry.risks,
                decision=entry.decision.label if entry.decision else "",
                decision_notes=entry.decision_notes,
                actions=tuple(by_item.get(entry.id, ())),
                earlier_actions=tuple(earlier),
                # The full minutes only: the distribution copy and the agenda print no criteria.
                criteria=self._criteria(s, case) if case is not None and not distribution else (),
                research=research.get(entry.case_id, ()) if case is not None else (),
            ))
        titles = {i.id: i.label for i in d.items}
        heading = paper_heading(s)
        row = d.row
        papers = MeetingPapers(
            **heading.fields(),
            generated_at=self._ctx.now(),
            generated_by=self._ctx.actor.username,
            meeting_id=row.id,
            panel=row.panel_name,
            starts_at=row.starts_at,
            venue=row.venue,
            chair=row.chair,
            minute_taker=row.minute_taker,
            status=row.status.label,
            items=tuple(items),
            attendance=tuple(
                PaperAttendee(agency=a.agency, name=a.name, status=a.status.value, information_sent=a.information_sent,
                              observer=a.is_observer, confidentiality_signed=a.confidentiality_signed)
                for a in d.attendance
            ),
            missing_core_agencies=d.missing_core_agencies,
            confidentiality_statement=d.confidentiality_statement,
            carried_actions=tuple(action(a) for a in carried),
            next_meeting=d.next_meeting,
            finalised_at=d.finalised_at,
            finalised_by=d.finalised_by,
            addenda=tuple((a.at, a.by, titles.get(a.agenda_item_id, "The meeting") if a.agenda_item_id else "The meeting",
                           a.text) for a in d.addenda),
            distribution=distribution,
        )
        if not distribution:
            return papers
        known = KnownContacts.of(((p.address, p.postcode, p.phone, p.contact_notes)
                                  for linked in people.values() for *_, p in linked), schools)
        return redact_for_circulation(papers, known, keep=_NOT_REDACTED)

    @staticmethod
    def _criteria(s: Session, case: Case) -> tuple[tuple[str, str], ...]:
        found = referral_criteria(s, case)
        return found.lines() if found is not None else ()

    @staticmethod
    def _latest_updates(s: Session, action_ids: list[int]) -> dict[int, str]:
        """Each action's latest note, for "the reason when not done"."""
        if not action_ids:
            return {}
        latest = (select(ActionUpdate.action_id, func.max(ActionUpdate.id).label("id"))
                  .where(ActionUpdate.action_id.in_(action_ids), ActionUpdate.text != "")
                  .group_by(ActionUpdate.action_id).subquery())
        return dict(s.execute(select(ActionUpdate.action_id, ActionUpdate.text)
                              .join(latest, latest.c.id == ActionUpdate.id)).all())
