"""Children in their own right on a MARAC case (issue 19, part A): each child's education
setting, Operation Encompass notification and children's services status, read and changed here.

The school's name is ``case_person.school``; the rest is ``case_child`` (one row per child per
case, made when first needed). Changing them is a case edit: coordinators and chairs of the case's
panel; audited without the values (a school can identify a child).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.domain.children import ChildDetails
from cspdesk.domain.enums import AuditKind, PersonRole
from cspdesk.services.audit import audit
from cspdesk.services.context import OpChanges, OpResult, Permission, ServiceContext
from cspdesk.services.errors import NotFound, ValidationError
from cspdesk.storage.model_children import CaseChild
from cspdesk.storage.models import Agency, Case, CasePerson, Person

__all__ = ["CaseChildView", "ChildrenService", "child_details_of", "schools_of_cases", "write_child_details"]

NO_SUCH_CASE = "That case does not exist, or is on a panel you are not a member of."


@dataclass(frozen=True)
class CaseChildView:
    """One child on a case, as the case view, the form and the brief show them."""

    case_person_id: int
    person_id: int
    name: str
    date_of_birth: date | None
    relationship_to_victim: str
    relationship_to_perpetrator: str
    details: ChildDetails
    #: The notifying agency's name ("" when none is recorded).
    encompass_agency: str = ""

    def own_right_lines(self) -> tuple[str, ...]:
        """What is recorded beyond the school, as papers and the brief say it ("" parts left out)."""
        d = self.details
        return tuple(x for x in (
            "not in education" if d.not_in_education else "",
            encompass_text(d, self.encompass_agency),
            f"children's services: {d.csc_status.label.lower()}" if d.csc_status is not None else "",
        ) if x)


def encompass_text(details: ChildDetails, agency: str = "") -> str:
    """"Encompass: school notified 21 Jan 2026 by Police (DSL)", "Encompass: school not notified",
    or "" when not recorded."""
    if details.encompass_notified is None:
        return ""
    if not details.encompass_notified:
        return "Encompass: school not notified"
    on = f" {details.encompass_on.day} {details.encompass_on:%b %Y}" if details.encompass_on else ""
    who = " and ".join(x for x in (agency, details.encompass_by) if x)
    return f"Encompass: school notified{on}" + (f" by {who}" if who else "")


def child_details_of(s: Session, case_ids: list[int]) -> dict[int, list[CaseChildView]]:
    """case id → its children in the order they were linked (one statement a 900 cases)."""
    out: dict[int, list[CaseChildView]] = {}
    for start in range(0, len(case_ids), 900):
        chunk = case_ids[start:start + 900]
        rows = s.execute(
            select(CasePerson, Person, CaseChild, Agency.name)
            .join(Person, Person.id == CasePerson.person_id)
            .outerjoin(CaseChild, CaseChild.case_person_id == CasePerson.id)
            .outerjoin(Agency, Agency.id == CaseChild.encompass_by_agency_id)
            .where(CasePerson.case_id.in_(chunk), CasePerson.role == PersonRole.CHILD)
            .order_by(CasePerson.case_id, CasePerson.id)
        ).all()
        for link, person, child, agency in rows:
            details = ChildDetails(
                education_setting=link.school,
                not_in_education=bool(child and child.not_in_education),
                encompass_notified=child.encompass_notified if child else None,
                encompass_on=child.encompass_on if child else None,
                encompass_by_agency_id=child.encompass_by_agency_id if child else None,
                encompass_by=child.encompass_by if child else "",
                csc_status=child.csc_status if child else None,
            )
            out.setdefault(link.case_id, []).append(CaseChildView(
                link.id, person.id, f"{person.given_name} {person.family_name}".strip(), person.date_of_birth,
                link.relationship_to_victim, link.relationship_to_perpetrator, details, agency or ""))
    return out


def schools_of_cases(s: Session, case_ids: list[int]) -> set[str]:
    """The schools and nurseries of the children on ``case_ids`` (for redaction: identifying)."""
    out: set[str] = set()
    for start in range(0, len(case_ids), 900):
        out.update(s.scalars(select(CasePerson.school).where(CasePerson.case_id.in_(case_ids[start:start + 900]),
                                                             CasePerson.school != "")))
    return out


def check_child_details(details: ChildDetails, field_prefix: str) -> None:
    """Raise ValidationError naming ``field_prefix.field`` for the first problem."""
    for field, message in details.problems():
        raise ValidationError(f"{field_prefix}.{field}", message)


def write_child_details(s: Session, link: CasePerson, details: ChildDetails) -> None:
    """Keep ``details`` for the child ``link`` (inside the caller's transaction)."""
    link.school = "" if details.not_in_education else details.education_setting.strip()
    row = s.scalar(select(CaseChild).where(CaseChild.case_person_id == link.id)) if link.id else None
    if row is None:
        row = CaseChild()
        if not link.id:  # a new link: flushed for its id
            s.flush()
        row.case_person_id = link.id
        s.add(row)
    row.not_in_education = details.not_in_education
    row.encompass_notified = details.encompass_notified
    row.encompass_on = details.encompass_on if details.encompass_notified else None
    row.encompass_by_agency_id = details.encompass_by_agency_id if details.encompass_notified else None
    row.encompass_by = details.encompass_by.strip() if details.encompass_notified else ""
    row.csc_status = details.csc_status


class ChildrenService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def children(self, case_id: int) -> tuple[CaseChildView, ...]:
        """The children on a case with what is known about each. Members of the case's panel."""
        self._ctx.require(Permission.VIEW_CASES)
        with self._ctx.reading() as s:
            self._case(s, case_id)
            return tuple(child_details_of(s, [case_id]).get(case_id, []))

    def set_details(self, case_id: int, case_person_id: int, details: ChildDetails) -> OpResult[CaseChildView]:
        """Change one child's education setting, Encompass notification and children's services
        status. Refused (naming the field) when the details contradict themselves, or when the
        notifying agency does not exist."""
        self._ctx.require(Permission.EDIT_CASES)
        with self._ctx.unit_of_work() as s:
            # The case and the child first: another panel's case is refused as a missing one,
            # whatever the details say (a refusal is no oracle).
            case_ = self._case(s, case_id)
            self._ctx.require(Permission.EDIT_CASES, panel_id=case_.panel_id)
            link = s.get(CasePerson, case_person_id)
            if link is None or link.case_id != case_id or link.role is not PersonRole.CHILD:
                raise NotFound("That child is not on this case.")
            check_child_details(details, "child")
            if details.encompass_by_agency_id is not None and s.get(Agency, details.encompass_by_agency_id) is None:
                raise ValidationError("child.encompass_by_agency_id", "There is no such agency.")
            write_child_details(s, link, details)
            case_.updated_at = self._ctx.now()
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "case", case_id,
                         {"child": case_person_id, "fields": ["education", "encompass", "csc_status"]},
                         at=self._ctx.now())
            s.flush()
            view = next(c for c in child_details_of(s, [case_id])[case_id] if c.case_person_id == case_person_id)
        return OpResult(view, OpChanges(cases=True))

    def _case(self, s: Session, case_id: int) -> Case:
        case_ = s.get(Case, case_id)
        if case_ is None or not self._ctx.actor.sees_panel(case_.panel_id):
            raise NotFound(NO_SUCH_CASE)
        return case_
