"""Chronologies: everything that happened to a person, a case or an OCG, dated, in one order
(issue 20, "one person, one picture").

What a chronology holds: each referral, status change, risk assessment (its tool and score),
meeting hearing, decision, action and its updates, and (for a person) each change of their contact
details — across every panel the acting user is a member of, and **only** those: an event on a panel
the user may not see is not gathered at all, so it leaves no gap, no count and no reference behind.
On a server row-level security holds as well; the services' own filter is what holds on a file.

The order and the filters are the domain's (cspdesk.domain.chronology). Showing a chronology is
audited as a view of its subject, printing it as a print; neither entry holds personal data.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cspdesk.domain.marking import marking_or_default
from cspdesk.domain.chronology import EVERYTHING, ChronologyEvent, ChronologyFilter, EventKind, in_order
from cspdesk.domain.enums import AuditKind, Decision, MeetingStatus
from cspdesk.domain.redaction import KnownContacts, redact_for_circulation
from cspdesk.domain.rules import person_display_name
from cspdesk.reports.chronology import ChronologyPaper, PaperEvent, render_chronology_pdf
from cspdesk.services.audit import audit
from cspdesk.services.referrals.cases import contact_history
from cspdesk.services.context import Permission, ServiceContext
from cspdesk.services.errors import NotFound
from cspdesk.services.files import check_output_path, write_atomically
from cspdesk.services.access.reach import NO_SUCH_GROUP, group_reachable, require_person
from cspdesk.storage.models import (
    Action,
    ActionUpdate,
    AgendaItem,
    Agency,
    Case,
    CasePerson,
    CaseStatusChange,
    Meeting,
    Panel,
    Partnership,
    Person,
    PersonContactChange,
    RiskAssessment,
    SubjectGroup,
)

__all__ = ["Chronology", "ChronologyService", "Subject"]

NO_SUCH_CASE = "That case does not exist, or is on a panel you are not a member of."

#: What a chronology is of: its audit entity names.
PERSON, CASE, GROUP = "person", "case", "group"


@dataclass(frozen=True)
class Subject:
    """What a chronology is of: a person, a case or a group, by id."""

    kind: str  # PERSON, CASE or GROUP
    id: int

    @classmethod
    def person(cls, number: int) -> Subject:
        return cls(PERSON, number)

    @classmethod
    def case(cls, number: int) -> Subject:
        return cls(CASE, number)

    @classmethod
    def group(cls, number: int) -> Subject:
        return cls(GROUP, number)


@dataclass(frozen=True)
class Chronology:
    """A chronology as gathered: every event the user may see, in order, before any filter."""

    of: Subject
    #: "Sarah Example", "MARAC-2026-0042", "OCG-0003 Eastside crew": for the window's title and
    #: the printed copy's body (never a PDF's metadata).
    subject: str
    events: tuple[ChronologyEvent, ...]

    def panels(self) -> tuple[tuple[int, str], ...]:
        """The panels its events are on, by name: the choices of the panel filter."""
        seen = {e.panel_id: e.panel for e in self.events if e.panel_id is not None}
        return tuple(sorted(seen.items(), key=lambda p: (p[1], p[0])))

    def filtered(self, chosen: ChronologyFilter) -> Chronology:
        return replace(self, events=chosen.apply(self.events))


class ChronologyService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    # -- reading -----------------------------------------------------------------------------------

    def person(self, person_id: int, chosen: ChronologyFilter = EVERYTHING) -> Chronology:
        """A person's chronology across the user's panels (audited as a view of the person)."""
        return self._viewed(Subject.person(person_id), chosen)

    def case(self, case_id: int, chosen: ChronologyFilter = EVERYTHING) -> Chronology:
        """One case's chronology (audited as a view of the case)."""
        return self._viewed(Subject.case(case_id), chosen)

    def group(self, group_id: int, chosen: ChronologyFilter = EVERYTHING) -> Chronology:
        """An OCG's (or any group's) chronology: the cases about it and the actions and
        assessments on it, on the user's panels (audited as a view of the group)."""
        return self._viewed(Subject.group(group_id), chosen)

    # -- printing ----------------------------------------------------------------------------------

    def paper(self, of: Subject, chosen: ChronologyFilter = EVERYTHING,
              *, redacted: bool = False) -> ChronologyPaper:
        """The printed chronology's plain data (not audited: :meth:`render` and :meth:`write` are)."""
        with self._ctx.reading() as s:
            return self._paper(s, of, chosen, redacted)

    def render(self, of: Subject, chosen: ChronologyFilter = EVERYTHING,
               *, redacted: bool = False, invariant: bool = False) -> bytes:
        """The chronology as PDF bytes for the print preview: a view of its subject, recorded as one."""
        with self._ctx.viewing() as s:
            paper = self._paper(s, of, chosen, redacted)
            audit.record(s, self._ctx.actor, AuditKind.VIEW, of.kind, of.id,
                         {"report": "chronology", "preview": True, "redacted": redacted,
                          "events": len(paper.events)}, at=self._ctx.now())
        return render_chronology_pdf(paper, invariant=invariant)

    def record_printed(self, of: Subject, *, redacted: bool, pages: int,
                       printer: str) -> None:
        """Record that the chronology went to a printer."""
        with self._ctx.unit_of_work() as s:
            self._gather(s, of)  # the same refusal as showing it
            audit.record(s, self._ctx.actor, AuditKind.PRINT, of.kind, of.id,
                         {"report": "chronology", "printer": printer, "pages": pages, "redacted": redacted},
                         at=self._ctx.now())

    def write(self, of: Subject, out: Path,
              chosen: ChronologyFilter = EVERYTHING, *, redacted: bool = False,
              invariant: bool = False) -> ChronologyPaper:
        """The chronology PDF at ``out``; the print is audited in the same transaction."""
        out = check_output_path(out, (".pdf",))
        with self._ctx.unit_of_work() as s:
            paper = self._paper(s, of, chosen, redacted)
            content = render_chronology_pdf(paper, invariant=invariant)
            audit.record(s, self._ctx.actor, AuditKind.PRINT, of.kind, of.id,
                         {"report": "chronology", "file": out.name, "redacted": redacted,
                          "events": len(paper.events)}, at=self._ctx.now())
            write_atomically(out, content)
        return paper

    # -- gathering ---------------------------------------------------------------------------------

    def _viewed(self, of: Subject, chosen: ChronologyFilter) -> Chronology:
        with self._ctx.viewing() as s:
            found = self._gather(s, of)
            audit.record(s, self._ctx.actor, AuditKind.VIEW, of.kind, of.id,
                         {"report": "chronology", "events": len(found.events)}, at=self._ctx.now())
        return found.filtered(chosen)

    def _paper(self, s: Session, of: Subject, chosen: ChronologyFilter,
               redacted: bool) -> ChronologyPaper:
        found = self._gather(s, of)
        names = dict(found.panels())
        shown = found.filtered(chosen)
        partnership = s.scalars(select(Partnership).order_by(Partnership.id).limit(1)).first()
        paper = ChronologyPaper(
            partnership=partnership.name if partnership else "",
            protective_marking=marking_or_default(partnership.protective_marking if partnership else None),
            generated_at=self._ctx.now(),
            generated_by=self._ctx.actor.username,
            title={PERSON: "Chronology of a person", CASE: "Chronology of a case",
                   GROUP: "Chronology of a group"}[of.kind],
            subject=found.subject,
            panels=tuple(name for _, name in found.panels()),
            filters=chosen.describe(names),
            events=tuple(PaperEvent(e.on, e.at, e.kind.label, e.panel, e.case_reference, e.title, e.detail)
                         for e in shown.events),
            redacted=redacted,
        )
        if not redacted:
            return paper
        # The copy for circulation: every string through the one redaction, with the recorded
        # contact details (today's and earlier) of everyone the chronology is about.
        return redact_for_circulation(paper, self._known(s, of, shown),
                                      keep=("partnership", "protective_marking", "generated_by", "panels"))

    def _gather(self, s: Session, of: Subject) -> Chronology:
        self._ctx.require(Permission.VIEW_CASES)
        visible = self._ctx.visible_panel_ids()
        subject_id = of.id
        if of.kind == PERSON:
            require_person(s, self._ctx, subject_id)
            person = s.get(Person, subject_id)
            subject = person_display_name(person.given_name, person.family_name)
            linked = select(CasePerson.case_id).where(CasePerson.person_id == subject_id)
            cases = self._cases(s, or_(Case.subject_person_id == subject_id, Case.id.in_(linked)), visible)
            events = _case_events(s, cases) + _contact_events(s, subject_id, cases)
        elif of.kind == CASE:
            row = s.execute(select(Case.reference, Case.panel_id).where(Case.id == subject_id)).first()
            if row is None or not self._ctx.actor.sees_panel(row.panel_id):  # the same words: no oracle
                raise NotFound(NO_SUCH_CASE)
            subject = row.reference
            events = _case_events(s, self._cases(s, Case.id == subject_id, visible))
        elif of.kind == GROUP:
            if not group_reachable(s, self._ctx, subject_id):
                raise NotFound(NO_SUCH_GROUP)
            group = s.get(SubjectGroup, subject_id)
            subject = " ".join(x for x in (group.reference or "", group.name) if x)
            cases = self._cases(s, Case.subject_group_id == subject_id, visible)
            events = _case_events(s, cases) + _group_events(s, subject_id, visible)
        else:
            raise NotFound("There is no such kind of record.")
        return Chronology(of, subject, in_order(events))

    @staticmethod
    def _cases(s: Session, which, visible: frozenset[int] | None) -> dict[int, tuple[str, int, str]]:  # noqa: ANN001
        """The cases ``which`` selects on the user's panels: id → (reference, panel id, panel name)."""
        stmt = select(Case.id, Case.reference, Panel.id, Panel.name).join(Panel, Panel.id == Case.panel_id).where(which)
        if visible is not None:
            stmt = stmt.where(Case.panel_id.in_(sorted(visible)))
        return {cid: (ref, pid, name) for cid, ref, pid, name in s.execute(stmt)}

    def _known(self, s: Session, of: Subject, shown: Chronology) -> KnownContacts:
        """The recorded contact details of the people in the chronology, today's and earlier."""
        case_ids = sorted({e.case_id for e in shown.events if e.case_id is not None})
        people = set()
        if of.kind == PERSON:
            people.add(of.id)
        if case_ids:
            people.update(s.scalars(select(CasePerson.person_id).where(CasePerson.case_id.in_(case_ids))))
            people.update(p for p in s.scalars(select(Case.subject_person_id).where(Case.id.in_(case_ids))) if p)
        rows = [(p.address, p.postcode, p.phone, p.contact_notes)
                for p in s.scalars(select(Person).where(Person.id.in_(sorted(people))))]
        rows += [(c.address, c.postcode, c.phone, c.contact_notes)
                 for c in s.scalars(select(PersonContactChange).where(PersonContactChange.person_id.in_(sorted(people))))]
        return KnownContacts.of(rows)


# -- the events of each kind -------------------------------------------------------------------------

Cases = dict[int, tuple[str, int, str]]


def _label(value: object | None) -> str:
    return "" if value is None else getattr(value, "label", str(value))


def _event(kind: EventKind, on: date, at: datetime | None, where: tuple[str, int, str] | None, title: str,
           detail: str, source_id: int, case_id: int | None) -> ChronologyEvent:
    reference, panel_id, panel = where if where is not None else ("", None, "")
    return ChronologyEvent(on=on, at=at, kind=kind, panel_id=panel_id, panel=panel, case_reference=reference,
                           title=title, detail=detail, source_id=source_id, case_id=case_id)


def _lines(*parts: str) -> str:
    return "\n".join(p for p in parts if p)


def _case_events(s: Session, cases: Cases) -> list[ChronologyEvent]:
    if not cases:
        return []
    ids = sorted(cases)
    out = []
    for case, agency in s.execute(select(Case, Agency.name).outerjoin(Agency, Agency.id == Case.referring_agency_id)
                                  .where(Case.id.in_(ids))):
        where = cases[case.id]
        risk = f"Risk: {case.risk_level.label.lower()}" if case.risk_level else ""
        out.append(_event(EventKind.REFERRAL, case.referral_date, None, where,
                          f"Referred to {where[2]}" + (f" by {agency}" if agency else ""),
                          _lines(risk, case.reason), case.id, case.id))
    for c in s.scalars(select(CaseStatusChange).where(CaseStatusChange.case_id.in_(ids))):
        title = f"{_label(c.from_status)} → {_label(c.to_status)}" if c.from_status else _label(c.to_status)
        out.append(_event(EventKind.STATUS, c.at.date(), c.at, cases[c.case_id], title, c.reason, c.id, c.case_id))
    for a in s.scalars(select(RiskAssessment).where(RiskAssessment.case_id.in_(ids))):
        out.append(_assessment(a, cases[a.case_id]))
    for item, starts_at, status in s.execute(
            select(AgendaItem, Meeting.starts_at, Meeting.status).join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(AgendaItem.case_id.in_(ids), Meeting.status != MeetingStatus.CANCELLED)):
        where = cases[item.case_id]
        heard = status in (MeetingStatus.HELD, MeetingStatus.FINALISED, MeetingStatus.IN_PROGRESS) \
            and item.decision != Decision.DEFERRED
        listing = f" ({item.listing.label.lower()})" if item.listing else ""
        title = (f"Heard at {where[2]}" if heard else f"Listed at {where[2]}") + listing
        out.append(_event(EventKind.HEARING, starts_at.date(), starts_at, where, title,
                          _lines(item.discussion, f"Risks: {item.risks}" if item.risks else ""), item.id, item.case_id))
        if item.decision is not None:
            out.append(_event(EventKind.DECISION, starts_at.date(), starts_at, where,
                              f"Decision: {item.decision.label}", item.decision_notes, item.id, item.case_id))
    actions = select(Action).where(Action.case_id.in_(ids))
    out += _action_events(s, actions, lambda a: cases[a.case_id])
    return out


def _assessment(a: RiskAssessment, where: tuple[str, int, str] | None) -> ChronologyEvent:
    score = f", score {a.score}" if a.score is not None else ""
    level = f", {a.risk_level.label.lower()} risk" if a.risk_level else ""
    return _event(EventKind.ASSESSMENT, a.assessed_on, None, where, f"{a.kind.label}{score}{level}",
                  _lines(f"By {a.assessor}" if a.assessor else "", a.notes), a.id, a.case_id)


def _action_events(s: Session, actions, where_of) -> list[ChronologyEvent]:  # noqa: ANN001
    out = []
    rows = s.execute(select(Action, Agency.name).outerjoin(Agency, Agency.id == Action.owner_agency_id)
                     .where(Action.id.in_(actions.with_only_columns(Action.id)))).all()
    by_id = {}
    for action, agency in rows:
        where = where_of(action)
        by_id[action.id] = (action, where)
        owner = agency or action.owner_name
        due = f"Due {action.due_date.day} {action.due_date:%b %Y}" if action.due_date else ""
        out.append(_event(EventKind.ACTION, action.created_at.date(), action.created_at, where,
                          f"Action{' for ' + owner if owner else ''}: {action.text}",
                          _lines(", ".join(x for x in (due, f"now {action.status.label.lower()}") if x)),
                          action.id, action.case_id))
    if by_id:
        for u in s.scalars(select(ActionUpdate).where(ActionUpdate.action_id.in_(sorted(by_id)))):
            action, where = by_id[u.action_id]
            change = f"{_label(u.old_status) or '—'} → {_label(u.new_status)}" \
                if u.new_status is not None and u.new_status != u.old_status else "Note"
            number = f" {action.number}" if action.number else ""
            out.append(_event(EventKind.ACTION_UPDATE, u.at.date(), u.at, where, f"Action{number} update: {change}",
                              _lines(u.text, f"By {u.by_name}" if u.by_name else ""), u.id, action.case_id))
    return out


def _group_events(s: Session, group_id: int, visible: Collection[int] | None) -> list[ChronologyEvent]:
    """What is on the group itself rather than on a case about it: its actions on the user's panels,
    and its threat/risk/harm scores (seen by anyone who may see the group)."""
    panels = {pid: name for pid, name in s.execute(select(Panel.id, Panel.name))}
    actions = select(Action).where(Action.group_id == group_id, Action.case_id.is_(None))
    if visible is not None:
        actions = actions.where(Action.panel_id.in_(sorted(visible)))
    out = _action_events(s, actions, lambda a: ("", a.panel_id, panels[a.panel_id]))
    for a in s.scalars(select(RiskAssessment).where(RiskAssessment.group_id == group_id,
                                                    RiskAssessment.case_id.is_(None))):
        out.append(_assessment(a, None))
    return out


def _contact_events(s: Session, person_id: int, cases: Cases) -> list[ChronologyEvent]:
    """Each change of the person's contact details — unless it was made on a case the user may not
    see (its reference, and that a change was made there, are that panel's). Judged by the change's
    own case id: on a server the other panel's case is not even readable, so its reference would
    come back empty and look like a change made outside any case."""
    rows = s.execute(select(PersonContactChange.id, PersonContactChange.case_id)
                     .where(PersonContactChange.person_id == person_id)
                     .order_by(PersonContactChange.changed_at, PersonContactChange.id)).all()
    history = list(reversed(contact_history(s, [person_id]).get(person_id, ())))  # oldest first, as ``rows``
    out = []
    for (source_id, case_id), change in zip(rows, history, strict=True):
        if case_id is not None and case_id not in cases:
            continue
        out.append(_event(EventKind.CONTACT, change.changed_at.date(), change.changed_at,
                          cases.get(case_id) if case_id is not None else None,
                          "Contact details changed", change.describe(), source_id, None))
    return out
