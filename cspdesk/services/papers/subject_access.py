"""Subject access requests: find a person, gather everything held about them, export it.

Administrators only. :meth:`SubjectAccessService.collect` returns the plain bundle
(:class:`~cspdesk.reports.subject_access.SubjectAccessData`); :meth:`SubjectAccessService.export`
writes it as JSON and PDF. The bundle is the whole record, third-party information included, for
the data protection officer to review and redact before disclosure; nothing is withheld here.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select, union
from sqlalchemy.orm import Session

from cspdesk.domain.enums import AuditKind, PersonRole
from cspdesk.domain.rules import normalise_name, person_display_name
from cspdesk.reports.subject_access import (
    SarAction,
    SarActionUpdate,
    SarAddendum,
    SarAnswer,
    SarAssessment,
    SarAuditEntry,
    SarCase,
    SarDiscussion,
    SarLink,
    SarPerson,
    SarStatusStep,
    SubjectAccessData,
    render_subject_access_pdf,
    subject_access_json,
)
from cspdesk.services.audit import audit
from cspdesk.services.referrals.cases import MIN_NAME_TERM, _prefix_range
from cspdesk.services.partnership.partnership import paper_heading
from cspdesk.services.context import Permission, ServiceContext
from cspdesk.services.errors import NotFound, ValidationError
from cspdesk.services.files import write_atomically
from cspdesk.storage.models import (
    Action,
    ActionUpdate,
    AgendaItem,
    Agency,
    AuditEvent,
    Case,
    CaseFlag,
    CasePerson,
    CaseStatusChange,
    GroupPerson,
    Location,
    LocationPerson,
    Meeting,
    MinutesAddendum,
    Panel,
    Person,
    PersonAlias,
    RiskAnswer,
    RiskAssessment,
    SubjectGroup,
)

__all__ = ["PersonMatch", "SubjectAccessData", "SubjectAccessService"]

_DASH_ITEM = re.compile(r"^q0*(\d+)$")


@dataclass(frozen=True)
class PersonMatch:
    id: int
    display_name: str
    date_of_birth: date | None
    cases: int


def _label(value: object | None) -> str:
    """An enum's label, or "" for None."""
    if value is None:
        return ""
    return getattr(value, "label", str(value))


def _answer_label(value: str) -> str:
    return {"yes": "Yes", "no": "No", "dont_know": "Don't know"}.get(value, value)


def _item_label(item: str) -> str:
    m = _DASH_ITEM.match(item)
    return f"Q{m.group(1)}" if m else item.replace("_", " ").capitalize()


class SubjectAccessService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    # -- finding the person ---------------------------------------------------------------------

    def find_people(self, text: str, limit: int = 50) -> list[PersonMatch]:
        """People whose given or family names start with every word of ``text`` (in any order), or
        one of whose aliases starts with it; by family name. Administrators only."""
        self._ctx.require(Permission.ADMINISTER)
        words = normalise_name(text).split()
        if not words or len(" ".join(words)) < MIN_NAME_TERM:
            return []
        by_name = select(Person.id)
        for word in words:
            by_name = by_name.where(
                or_(_prefix_range(Person.given_norm, word), _prefix_range(Person.family_norm, word))
            )
        by_alias = select(PersonAlias.person_id).where(_prefix_range(PersonAlias.alias_norm, " ".join(words)))
        ids = union(by_name, by_alias).subquery()
        links = union(
            select(Case.subject_person_id.label("person_id"), Case.id.label("case_id")).where(
                Case.subject_person_id.is_not(None)
            ),
            select(CasePerson.person_id, CasePerson.case_id),
        ).subquery()
        case_count = (
            select(func.count(func.distinct(links.c.case_id)))
            .where(links.c.person_id == Person.id)
            .scalar_subquery()
        )
        stmt = (
            select(Person.id, Person.given_name, Person.family_name, Person.date_of_birth, case_count)
            .where(Person.id.in_(select(ids.c[0])))
            .order_by(Person.family_norm, Person.given_norm, Person.id)
            .limit(max(1, limit))
        )
        with self._ctx.reading() as s:
            return [
                PersonMatch(pid, person_display_name(given, family), dob, count or 0)
                for pid, given, family, dob, count in s.execute(stmt)
            ]

    # -- gathering --------------------------------------------------------------------------------

    def collect(self, person_id: int) -> SubjectAccessData:
        """Everything held about one person, as plain data. Administrators only. Recorded in the
        audit trail as a view of the person (no personal data in the entry)."""
        self._ctx.require(Permission.ADMINISTER)
        with self._ctx.viewing() as s:
            data = self._gather(s, person_id)
            audit.record(s, self._ctx.actor, AuditKind.VIEW, "person", person_id,
                         {"subject_access": True, "cases": len(data.cases)}, at=self._ctx.now())
        return data

    def export(self, person_id: int, out_dir: Path) -> tuple[Path, Path]:
        """Write ``SAR-<person id>-<date>.json`` and ``.pdf`` into ``out_dir``; return their paths.

        Administrators only. The data is gathered and both documents are built in memory first;
        each file is then written to a temporary name beside its final one, flushed to disk and
        renamed into place, so a crash leaves either no file or a whole one. Files of the same name
        (an export earlier the same day) are replaced. The export is audited (which files; no
        personal data) in the same transaction that gathered the data: if the audit entry cannot
        be written, the files are removed again.
        """
        self._ctx.require(Permission.ADMINISTER)
        out_dir = Path(out_dir)
        if not out_dir.is_dir():
            raise ValidationError("out_dir", f"There is no folder at {out_dir}.")
        stem = f"SAR-{person_id}-{self._ctx.today().isoformat()}"
        json_path, pdf_path = out_dir / f"{stem}.json", out_dir / f"{stem}.pdf"
        written: list[Path] = []
        try:
            with self._ctx.unit_of_work() as s:
                data = self._gather(s, person_id)
                json_bytes = subject_access_json(data).encode("utf-8")
                pdf_bytes = render_subject_access_pdf(data)
                audit.record(s, self._ctx.actor, AuditKind.EXPORT, "person", person_id,
                             {"subject_access": True, "files": [json_path.name, pdf_path.name],
                              "cases": len(data.cases)}, at=self._ctx.now())
                for path, content in ((json_path, json_bytes), (pdf_path, pdf_bytes)):
                    write_atomically(path, content)
                    written.append(path)
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise
        return json_path, pdf_path

    # -- the queries ----------------------------------------------------------------------------

    def _gather(self, s: Session, person_id: int) -> SubjectAccessData:
        person = s.get(Person, person_id)
        if person is None:
            raise NotFound("There is no such person.")
        heading = paper_heading(s)

        aliases = tuple(s.scalars(select(PersonAlias.alias).where(PersonAlias.person_id == person_id)
                                  .order_by(PersonAlias.id)))

        # The cases they are in, and their role(s) in each.
        roles: dict[int, list[str]] = defaultdict(list)
        for cid in s.scalars(select(Case.id).where(Case.subject_person_id == person_id)):
            roles[cid].append(PersonRole.SUBJECT.label)
        for cid, role in s.execute(select(CasePerson.case_id, CasePerson.role).where(CasePerson.person_id == person_id)
                                   .order_by(CasePerson.id)):
            if role.label not in roles[cid]:
                roles[cid].append(role.label)
        case_ids = sorted(roles)
        cases = tuple(gather_case(s, cid, person_id, roles[cid]) for cid in self._ordered_cases(s, case_ids))

        groups = tuple(
            SarLink(_label(g.kind), g.name, g.reference or "", role)
            for g, role in s.execute(
                select(SubjectGroup, GroupPerson.role).join(GroupPerson, GroupPerson.group_id == SubjectGroup.id)
                .where(GroupPerson.person_id == person_id).order_by(SubjectGroup.name, SubjectGroup.id)
            )
        )
        locations = tuple(
            SarLink(loc.kind, loc.name, "", role, ", ".join(x for x in (loc.address, loc.postcode) if x))
            for loc, role in s.execute(
                select(Location, LocationPerson.role).join(LocationPerson, LocationPerson.location_id == Location.id)
                .where(LocationPerson.person_id == person_id).order_by(Location.name, Location.id)
            )
        )
        audit_entries = tuple(
            SarAuditEntry(e.id, e.at, e.username, e.kind.label, _audit_text(e.details))
            for e in s.scalars(
                select(AuditEvent).where(AuditEvent.entity == "person", AuditEvent.entity_id == person_id)
                .order_by(AuditEvent.id)
            )
        )
        return SubjectAccessData(
            **heading.fields(),
            generated_at=self._ctx.now(),
            generated_by=self._ctx.actor.username,
            person=SarPerson(
                id=person.id, given_name=person.given_name, family_name=person.family_name,
                date_of_birth=person.date_of_birth, gender=person.gender, address=person.address,
                postcode=person.postcode, phone=person.phone, safe_to_call=person.safe_to_call,
                safe_times=person.safe_times, contact_notes=person.contact_notes, ethnicity=person.ethnicity,
                racially_minoritised=person.racially_minoritised, disability=person.disability, lgbt=person.lgbt,
                language=person.language, interpreter_needed=bool(person.interpreter_needed),
                created_at=person.created_at,
            ),
            aliases=aliases,
            cases=cases,
            groups=groups,
            locations=locations,
            audit=audit_entries,
        )

    @staticmethod
    def _ordered_cases(s: Session, case_ids: list[int]) -> list[int]:
        if not case_ids:
            return []
        return list(s.scalars(select(Case.id).where(Case.id.in_(case_ids)).order_by(Case.referral_date, Case.id)))


def gather_case(s: Session, case_id: int, person_id: int | None = None, roles: Sequence[str] = ()) -> SarCase:
    """Everything held about one case: details, status history, discussions at meetings (with
    addenda), risk assessments with their answers, and actions with their update logs.
    ``other_people`` counts the people linked besides ``person_id`` (all of them when None)."""
    case, panel, agency = s.execute(
        select(Case, Panel, Agency).join(Panel, Panel.id == Case.panel_id)
        .outerjoin(Agency, Agency.id == Case.referring_agency_id).where(Case.id == case_id)
    ).one()
    others = s.scalar(
        select(func.count(func.distinct(CasePerson.person_id)))
        .where(CasePerson.case_id == case_id, *([CasePerson.person_id != person_id] if person_id is not None else []))
    ) or 0
    flags = tuple(sorted(f.label for f in s.scalars(select(CaseFlag.flag).where(CaseFlag.case_id == case_id))))
    history = tuple(
        SarStatusStep(c.at, _label(c.from_status), _label(c.to_status), c.reason)
        for c in s.scalars(select(CaseStatusChange).where(CaseStatusChange.case_id == case_id)
                           .order_by(CaseStatusChange.at, CaseStatusChange.id))
    )

    items = s.execute(
        select(AgendaItem, Meeting.starts_at, Meeting.status).join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.case_id == case_id).order_by(Meeting.starts_at, AgendaItem.id)
    ).all()
    addenda: dict[int, list[SarAddendum]] = defaultdict(list)
    if items:
        for a in s.scalars(select(MinutesAddendum).where(MinutesAddendum.agenda_item_id.in_([i.id for i, *_ in items]))
                           .order_by(MinutesAddendum.at, MinutesAddendum.id)):
            addenda[a.agenda_item_id].append(SarAddendum(a.at, a.text))
    discussions = tuple(
        SarDiscussion(starts_at, _label(status), _label(item.listing), item.discussion, item.risks,
                      _label(item.decision), item.decision_notes, tuple(addenda.get(item.id, ())))
        for item, starts_at, status in items
    )

    assessments = []
    for ra in s.scalars(select(RiskAssessment).where(RiskAssessment.case_id == case_id)
                        .order_by(RiskAssessment.assessed_on, RiskAssessment.id)):
        answers = tuple(
            SarAnswer(_item_label(a.item), _answer_label(a.value), a.source)
            for a in s.scalars(select(RiskAnswer).where(RiskAnswer.assessment_id == ra.id).order_by(RiskAnswer.item))
        )
        assessments.append(SarAssessment(_label(ra.kind), ra.assessed_on, ra.assessor, ra.score,
                                         _label(ra.risk_level), ra.notes, answers))

    actions_rows = s.execute(
        select(Action, Agency.name, Meeting.starts_at)
        .outerjoin(Agency, Agency.id == Action.owner_agency_id)
        .outerjoin(Meeting, Meeting.id == Action.meeting_id)
        .where(Action.case_id == case_id).order_by(Action.created_at, Action.id)
    ).all()
    updates: dict[int, list[SarActionUpdate]] = defaultdict(list)
    if actions_rows:
        for u in s.scalars(select(ActionUpdate).where(ActionUpdate.action_id.in_([a.id for a, *_ in actions_rows]))
                           .order_by(ActionUpdate.at, ActionUpdate.id)):
            change = ""
            if u.new_status is not None and u.new_status != u.old_status:
                change = f"{_label(u.old_status) or '—'} → {_label(u.new_status)}"
            updates[u.action_id].append(SarActionUpdate(u.at, u.by_name, u.text, change))
    actions = tuple(
        SarAction(a.number, a.text, agency_name or "", a.owner_name, _label(a.strand), a.due_date,
                  _label(a.status), a.status_reason, a.completed_on,
                  starts_at.date() if starts_at else None, tuple(updates.get(a.id, ())))
        for a, agency_name, starts_at in actions_rows
    )

    return SarCase(
        reference=case.reference, panel=panel.name, panel_type=_label(panel.panel_type), roles=tuple(roles),
        referral_date=case.referral_date, referring_agency=agency.name if agency else "",
        referrer=case.referrer_name, status=_label(case.status), status_reason=case.status_reason,
        outcome=case.outcome, closed_on=case.closed_on, risk_level=_label(case.risk_level),
        reason=case.reason, summary=case.summary, flags=flags, other_people=others, history=history,
        discussions=discussions, assessments=tuple(assessments), actions=actions,
    )


def _audit_text(details: dict[str, Any]) -> str:
    """An audit entry's details for people: "field: old → new" for changes, "key: value" otherwise."""
    if details == audit.REDACTED:
        return "(details erased)"

    def show(value: Any) -> str:
        if isinstance(value, list):
            return ", ".join(show(v) for v in value)
        if isinstance(value, bool):
            return "yes" if value else "no"
        return "—" if value in (None, "") else str(value)

    parts = []
    for key, value in sorted(details.items()):
        if key == "changes" and isinstance(value, dict):
            for name, change in sorted(value.items()):
                if isinstance(change, dict):
                    parts.append(f"{name}: {show(change.get('old'))} → {show(change.get('new'))}")
                else:
                    parts.append(f"{name}: {show(change)}")
        else:
            parts.append(f"{key.replace('_', ' ')}: {show(value)}")
    return "; ".join(parts)
