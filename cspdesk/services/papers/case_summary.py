"""Printing one case: ``cspdesk print case --case REF`` and the case view's Print."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cspdesk.domain.ages import age_on_or_none
from cspdesk.domain.enums import AuditKind, PersonRole
from cspdesk.domain.redaction import KnownContacts, redact_for_circulation
from cspdesk.domain.rules import person_display_name
from cspdesk.reports.case_summary import CaseSummaryData, SummaryPerson, render_case_summary_pdf
from cspdesk.services.audit import audit
from cspdesk.services.referrals.children import child_details_of
from cspdesk.services.partnership.partnership import paper_heading
from cspdesk.services.context import Permission, ServiceContext
from cspdesk.services.errors import NotFound
from cspdesk.services.files import check_output_path, write_atomically
from cspdesk.services.referrals.cases import contact_history, referral_criteria
from cspdesk.services.papers.subject_access import gather_case
from cspdesk.storage.models import Case, CasePerson, Person

#: The order people are listed in: the person at risk first, children before the wider household.
_ROLE_ORDER = {role: n for n, role in enumerate((
    PersonRole.VICTIM, PersonRole.SUBJECT, PersonRole.PERSON_OF_CONCERN, PersonRole.PERPETRATOR,
    PersonRole.CHILD, PersonRole.HOUSEHOLD_MEMBER, PersonRole.NOMINAL, PersonRole.ASSOCIATE,
))}


class CaseSummaryService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def case_id(self, reference: str) -> int:
        """A case by its reference, ignoring case and spaces; only cases of the user's panels."""
        wanted = "".join(reference.split()).upper()
        with self._ctx.reading() as s:
            row = s.execute(select(Case.id, Case.panel_id).where(func.upper(Case.reference) == wanted)).first()
        if row is None or not self._ctx.actor.sees_panel(row.panel_id):
            raise NotFound(f"There is no case {reference!r} on your panels.")
        return int(row.id)

    def build(self, case_id: int, *, contact_details: bool = True) -> CaseSummaryData:
        with self._ctx.reading() as s:
            return self._gather(s, case_id, contact_details)

    def render(self, case_id: int, *, contact_details: bool = True, invariant: bool = False) -> bytes:
        """The case summary as PDF bytes, for the print preview. Showing it is a view of the case,
        recorded as one (with ``"report": "case_summary"``); printing or saving it is recorded
        again by :meth:`record_printed` or :meth:`write`."""
        with self._ctx.viewing() as s:
            data = self._gather(s, case_id, contact_details)
            audit.record(s, self._ctx.actor, AuditKind.VIEW, "case", case_id,
                         {"report": "case_summary", "preview": True, "contact_details": contact_details},
                         at=self._ctx.now())
        return render_case_summary_pdf(data, invariant=invariant)

    def record_printed(self, case_id: int, *, contact_details: bool, pages: int, printer: str) -> None:
        """Record in the audit trail that the case summary went to a printer (``pages`` pages)."""
        with self._ctx.unit_of_work() as s:
            self._check_sees(s, case_id)
            audit.record(s, self._ctx.actor, AuditKind.PRINT, "case", case_id,
                         {"report": "case_summary", "printer": printer, "pages": pages,
                          "contact_details": contact_details},
                         at=self._ctx.now())

    def write(self, case_id: int, out: Path, *, contact_details: bool = True, invariant: bool = False) -> CaseSummaryData:
        """The case summary PDF at ``out``; the print is audited in the same transaction."""
        out = check_output_path(out, (".pdf",))
        with self._ctx.unit_of_work() as s:
            data = self._gather(s, case_id, contact_details)
            content = render_case_summary_pdf(data, invariant=invariant)
            audit.record(s, self._ctx.actor, AuditKind.PRINT, "case", case_id,
                         {"report": "case_summary", "file": out.name, "contact_details": contact_details},
                         at=self._ctx.now())
            write_atomically(out, content)
        return data

    def _check_sees(self, s: Session, case_id: int) -> None:
        panel_id = s.scalar(select(Case.panel_id).where(Case.id == case_id))
        if panel_id is None or not self._ctx.actor.sees_panel(panel_id):  # the same words: no oracle
            raise NotFound("That case does not exist, or is on a panel you are not a member of.")
        self._ctx.require(Permission.VIEW_CASES, panel_id=panel_id)

    def _gather(self, s: Session, case_id: int, contact_details: bool) -> CaseSummaryData:
        self._check_sees(s, case_id)
        case = gather_case(s, case_id)
        referral_date = case.referral_date
        people = []
        known = []
        links = s.execute(
            select(CasePerson, Person).join(Person, Person.id == CasePerson.person_id)
            .where(CasePerson.case_id == case_id).order_by(CasePerson.id)
        ).all()
        histories = contact_history(s, [p.id for _, p in links]) if contact_details else {}
        children = {c.case_person_id: c for c in child_details_of(s, [case_id]).get(case_id, [])}
        for link, person in links:
            details = ", ".join(x for x in (
                f"to victim: {link.relationship_to_victim}" if link.relationship_to_victim else "",
                f"to perpetrator: {link.relationship_to_perpetrator}" if link.relationship_to_perpetrator else "",
                f"school: {link.school}" if link.school else "",
                *(children[link.id].own_right_lines() if link.id in children else ()),
            ) if x)
            known.append((person.address, person.postcode, person.phone, person.contact_notes))
            born = person.date_of_birth
            age = age_on_or_none(born, referral_date)
            people.append((_ROLE_ORDER.get(link.role, 99), link.id, SummaryPerson(
                role=link.role.label, name=person_display_name(person.given_name, person.family_name),
                date_of_birth=born, age=age, details=details,
                address=", ".join(x for x in (person.address, person.postcode) if x) if contact_details else "",
                phone=person.phone if contact_details else "",
                safe_to_call=person.safe_to_call if contact_details else None,
                safe_times=person.safe_times if contact_details else "",
                contact_history=tuple(h.describe() for h in histories.get(person.id, ())),
            )))
        heading = paper_heading(s)
        data = CaseSummaryData(
            **heading.fields(),
            generated_at=self._ctx.now(),
            generated_by=self._ctx.actor.username,
            case=case,
            people=tuple(p for *_, p in sorted(people, key=lambda t: (t[0], t[1]))),
            contact_details=contact_details,
            criteria=self._criteria(s, case_id),
        )
        # A copy without contact details is for circulation: nothing typed about the case (notes,
        # discussions, decisions, actions and their updates) may carry an address or a number either.
        schools = [link.school for link, _p in links]
        return data if contact_details else redact_for_circulation(data, KnownContacts.of(known, schools))

    @staticmethod
    def _criteria(s: Session, case_id: int) -> tuple[tuple[str, str], ...]:
        case_ = s.get(Case, case_id)
        criteria = referral_criteria(s, case_) if case_ is not None else None
        if criteria is None:
            return ()
        # A copy without contact details passes whole through the redaction (reason, lawful basis…).
        return criteria.lines()
