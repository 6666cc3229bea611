"""CARM contexts (issue 20): peer groups, places and schools, each with a dated, versioned context
assessment and a context plan (goals, measures and responses — the Contextual Outcomes Framework).

A context is the CARM case about a place or a peer group, recorded as a context
(cspdesk.domain.contexts). Everything about it follows its case:

- **need to know**: only members of the case's panel (a CARM panel) see or change it; anyone else
  is told it does not exist, in the same words whether it does or not (no oracle). On a server,
  row-level security keeps the rows to the same panel (migration 0023_contexts);
- **meetings**: a context is listed on a CARM meeting's agenda as its case is
  (``MeetingService.add_case``), and reviewed in meeting mode like a case — the chair sees its assessment and plan (:func:`context_brief`), and
  its responses are the case's actions, so they come up for review as earlier actions do and an
  action agreed under the item joins the plan;
- **responses** are actions on the case (owner agency, due date, status, log), tied to a goal.

Every write is one transaction with its audit entry; views and prints are audited. Errors name the
field and never quote what was typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from cspdesk.domain.contexts import (
    ASSESSMENT_PARTS,
    AssessmentVersion,
    ContextKind,
    assessment_summary,
    current_version,
    default_kind,
    kind_fits,
)
from cspdesk.domain.enums import ActionStatus, AuditKind, PanelType, SubjectKind
from cspdesk.domain.marking import marking_or_default
from cspdesk.domain.redaction import KnownContacts, redact_for_circulation
from cspdesk.domain.rules import FINISHED_ACTION_STATUSES
from cspdesk.reports.context_papers import (
    ContextPaper,
    PaperAssessment,
    PaperGoal,
    PaperResponse,
    render_context_pdf,
)
from cspdesk.services.actions.actions import ActionService, NewAction
from cspdesk.services.audit import audit
from cspdesk.services.context import OpChanges, OpResult, Permission, ServiceContext
from cspdesk.services.errors import NotFound, ValidationError, checked_text
from cspdesk.services.files import check_output_path, write_atomically
from cspdesk.storage.model_contexts import CarmContext, ContextAssessment, ContextGoal, ContextResponse
from cspdesk.storage.models import (
    Action,
    Agency,
    Case,
    CasePerson,
    Location,
    LocationPerson,
    GroupPerson,
    Member,
    Panel,
    Partnership,
    Person,
    SubjectGroup,
)

NO_SUCH_CONTEXT = "That context does not exist, or is on a panel you are not a member of."
NO_SUCH_CASE = "That case does not exist, or is on a panel you are not a member of."
MAX_PART = 20_000
MAX_LINE = 4000

__all__ = ["ContextService", "ContextRow", "ContextDetail", "ContextBrief", "context_brief", "NO_SUCH_CONTEXT"]


@dataclass(frozen=True)
class ContextRow:
    id: int
    case_id: int
    reference: str
    name: str
    kind: ContextKind
    panel_id: int
    panel: str
    #: The current assessment's date (None: not assessed yet).
    assessed_on: date | None
    open_responses: int
    #: The place's or the group's id (the map's node: "place:N" / "group:N").
    record: tuple[str, int]


@dataclass(frozen=True)
class ContextCandidate:
    case_id: int
    reference: str
    name: str
    kind: ContextKind | None


@dataclass(frozen=True)
class AssessmentRow:
    id: int
    assessed_on: date
    assessor: str
    what_happens: str
    who_is_harmed: str
    guardians: str
    safety_plan: str
    recorded_at: datetime
    recorded_by: str

    def parts(self) -> dict[str, str]:
        return {field: getattr(self, field) for field, _ in ASSESSMENT_PARTS}


@dataclass(frozen=True)
class ResponseRow:
    action_id: int
    goal_id: int | None
    text: str
    agency_id: int | None
    agency: str
    owner: str
    due_date: date | None
    status: ActionStatus
    status_reason: str
    version: int


@dataclass(frozen=True)
class GoalRow:
    id: int
    position: int
    goal: str
    measures: str
    responses: tuple[ResponseRow, ...]


@dataclass(frozen=True)
class ContextDetail:
    row: ContextRow
    #: Newest first; the first is the current one.
    assessments: tuple[AssessmentRow, ...]
    goals: tuple[GoalRow, ...]
    #: Actions on the context's case that serve no goal yet (agreed at a meeting, say).
    other_responses: tuple[ResponseRow, ...]

    @property
    def current(self) -> AssessmentRow | None:
        return self.assessments[0] if self.assessments else None


@dataclass(frozen=True)
class ContextBrief:
    """What meeting mode shows for a context: its current assessment in short, and its plan."""

    context_id: int
    kind: ContextKind
    name: str
    assessed_on: date | None
    summary: str
    goals: tuple[GoalRow, ...]


class ContextService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    # -- reading -----------------------------------------------------------------------------------

    def list_contexts(self, panel_id: int | None = None) -> list[ContextRow]:
        """The contexts on the user's panels (or on ``panel_id``), by kind then name."""
        self._ctx.require(Permission.VIEW_CASES)
        if panel_id is not None and not self._ctx.actor.sees_panel(panel_id):
            raise NotFound("That panel does not exist, or you are not a member of it.")
        with self._ctx.reading() as s:
            stmt = select(CarmContext.id)
            if panel_id is not None:
                stmt = stmt.join(Case, Case.id == CarmContext.case_id).where(Case.panel_id == panel_id)
            return self._rows(s, list(s.scalars(stmt)))

    def contexts_of(self, node: str) -> list[ContextRow]:
        """The contexts about the place or group a map node names (``"place:12"``, ``"group:3"``) on
        the user's panels; none for any other node."""
        self._ctx.require(Permission.VIEW_CASES)
        record, _, number = node.partition(":")
        column = {"place": Case.subject_location_id, "group": Case.subject_group_id}.get(record)
        if column is None or not number.isdigit():
            return []
        with self._ctx.reading() as s:
            ids = s.scalars(select(CarmContext.id).join(Case, Case.id == CarmContext.case_id)
                            .where(column == int(number)))
            return self._rows(s, list(ids))

    def get(self, context_id: int) -> ContextDetail:
        """The context with its assessments and plan; a view of it in the audit trail."""
        self._ctx.require(Permission.VIEW_CASES)
        with self._ctx.viewing() as s:
            detail = self._detail(s, context_id)
            audit.record(s, self._ctx.actor, AuditKind.VIEW, "context", context_id,
                         {"case": detail.row.reference}, at=self._ctx.now())
        return detail

    def candidates(self) -> list[ContextCandidate]:
        """The cases on the user's CARM panels about a place or a group that are not contexts yet,
        newest first: what "Make a context" offers."""
        self._ctx.require(Permission.VIEW_CASES)
        visible = self._ctx.visible_panel_ids()
        with self._ctx.reading() as s:
            stmt = (select(Case.id, Case.reference, Case.subject_kind, SubjectGroup.name, Location.name, Location.kind)
                    .join(Panel, Panel.id == Case.panel_id)
                    .outerjoin(SubjectGroup, SubjectGroup.id == Case.subject_group_id)
                    .outerjoin(Location, Location.id == Case.subject_location_id)
                    .where(Panel.panel_type == PanelType.CARM,
                           Case.subject_kind.in_([SubjectKind.GROUP, SubjectKind.LOCATION]),
                           Case.id.not_in(select(CarmContext.case_id)))
                    .order_by(Case.referral_date.desc(), Case.id.desc()))
            if visible is not None:
                stmt = stmt.where(Case.panel_id.in_(sorted(visible)))
            return [ContextCandidate(cid, ref, group or place or ref, default_kind(subject, place_kind or ""))
                    for cid, ref, subject, group, place, place_kind in s.execute(stmt)]

    # -- writing -----------------------------------------------------------------------------------

    def open_context(self, case_id: int, kind: ContextKind | None = None) -> OpResult[ContextRow]:
        """Make the CARM case about a place or a peer group a context (a school is a place's case
        recorded as a school). The kind is worked out from the subject unless given."""
        with self._ctx.unit_of_work() as s:
            case_ = s.get(Case, case_id)
            if case_ is None or not self._ctx.actor.sees_panel(case_.panel_id):
                raise NotFound(NO_SUCH_CASE)
            self._ctx.require(Permission.EDIT_CASES, panel_id=case_.panel_id)
            if s.scalar(select(Panel.panel_type).where(Panel.id == case_.panel_id)) is not PanelType.CARM:
                raise ValidationError("case", "Contexts are kept by CARM panels: this case is on another panel.")
            place_kind = s.scalar(select(Location.kind).where(Location.id == case_.subject_location_id)) or ""
            chosen = ContextKind(kind) if kind is not None else default_kind(case_.subject_kind, place_kind)
            if chosen is None or not kind_fits(chosen, case_.subject_kind):
                raise ValidationError("kind", "A peer group's context is a case about a group; a place's or a "
                                              "school's is a case about a place.")
            if s.scalar(select(CarmContext.id).where(CarmContext.case_id == case_id)) is not None:
                raise ValidationError("case", f"{case_.reference} is a context already.")
            now = self._ctx.now()
            context = CarmContext(case_id=case_id, kind=chosen, created_at=now, updated_at=now,
                                  created_by_user_id=self._ctx.actor.user_id)
            s.add(context)
            s.flush()
            audit.record(s, self._ctx.actor, AuditKind.CREATE, "context", context.id,
                         {"case": case_.reference, "kind": chosen.value}, at=now)
            row = self._rows(s, [context.id])[0]
        return OpResult(row, OpChanges(cases=True))

    def set_kind(self, context_id: int, kind: ContextKind) -> OpResult[ContextRow]:
        """A place recorded as a school, or a school as a place."""
        kind = ContextKind(kind)
        with self._ctx.unit_of_work() as s:
            context, case_ = self._writable(s, context_id)
            if not kind_fits(kind, case_.subject_kind):
                raise ValidationError("kind", f"This context cannot be a {kind.label.lower()}.")
            old = context.kind
            context.kind = kind
            context.updated_at = self._ctx.now()
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "context", context.id,
                         {"changes": audit.changed_fields({"kind": old}, {"kind": kind})}, at=self._ctx.now())
            s.flush()
            row = self._rows(s, [context.id])[0]
        return OpResult(row, OpChanges(cases=True))

    def add_assessment(self, context_id: int, *, assessed_on: date, assessor: str, what_happens: str = "",
                       who_is_harmed: str = "", guardians: str = "", safety_plan: str = ""
                       ) -> OpResult[AssessmentRow]:
        """A new version of the context's assessment, as of ``assessed_on`` (earlier versions are
        kept, never changed). The newest by date is the current one."""
        parts = {"what_happens": what_happens, "who_is_harmed": who_is_harmed, "guardians": guardians,
                 "safety_plan": safety_plan}
        parts = {field: checked_text(value, field, limit=MAX_PART) for field, value in parts.items()}
        assessor = checked_text(assessor, "assessor", limit=200, required=True, what="who assessed the context")
        if not any(parts.values()):
            raise ValidationError("what_happens", "Say what happens there, who is harmed, the guardians "
                                                  "present or the safety plan.")
        if assessed_on > self._ctx.today():
            raise ValidationError("assessed_on", "The assessment date is in the future.")
        with self._ctx.unit_of_work() as s:
            context, case_ = self._writable(s, context_id)
            now = self._ctx.now()
            row = ContextAssessment(context_id=context.id, assessed_on=assessed_on, assessor=assessor,
                                    created_at=now, by_user_id=self._ctx.actor.user_id, **parts)
            s.add(row)
            context.updated_at = now
            s.flush()
            audit.record(s, self._ctx.actor, AuditKind.CREATE, "context_assessment", row.id,
                         {"context_id": context.id, "case": case_.reference, "assessed_on": assessed_on,
                          "parts": sorted(f for f, v in parts.items() if v)}, at=now)
            found = self._assessments(s, context.id)
        return OpResult(next(a for a in found if a.id == row.id), OpChanges(cases=True))

    def add_goal(self, context_id: int, goal: str, measures: str = "") -> OpResult[GoalRow]:
        """A goal of the context's plan, with how progress towards it is measured."""
        goal = checked_text(goal, "goal", limit=MAX_LINE, required=True, what="the goal")
        measures = checked_text(measures, "measures", limit=MAX_LINE)
        with self._ctx.unit_of_work() as s:
            context, case_ = self._writable(s, context_id)
            position = (s.scalar(select(func.max(ContextGoal.position))
                                 .where(ContextGoal.context_id == context.id)) or 0) + 1
            now = self._ctx.now()
            row = ContextGoal(context_id=context.id, position=position, goal=goal, measures=measures,
                              created_at=now, updated_at=now)
            s.add(row)
            context.updated_at = now
            s.flush()
            audit.record(s, self._ctx.actor, AuditKind.CREATE, "context_goal", row.id,
                         {"context_id": context.id, "case": case_.reference, "position": position}, at=now)
        return OpResult(GoalRow(row.id, position, goal, measures, ()), OpChanges(cases=True))

    def update_goal(self, goal_id: int, goal: str, measures: str) -> OpResult[GoalRow]:
        goal = checked_text(goal, "goal", limit=MAX_LINE, required=True, what="the goal")
        measures = checked_text(measures, "measures", limit=MAX_LINE)
        with self._ctx.unit_of_work() as s:
            row = self._goal(s, goal_id)
            self._writable(s, row.context_id)
            changes = audit.changed_fields({"goal": row.goal, "measures": row.measures},
                                           {"goal": goal, "measures": measures})
            row.goal, row.measures, row.updated_at = goal, measures, self._ctx.now()
            if changes:
                audit.record(s, self._ctx.actor, AuditKind.UPDATE, "context_goal", row.id,
                             {"context_id": row.context_id, "fields": sorted(changes)}, at=self._ctx.now())
            s.flush()
            out = next(g for g in self._goals(s, row.context_id) if g.id == goal_id)
        return OpResult(out, OpChanges(cases=True))

    def add_response(self, goal_id: int, *, agency_id: int, text: str, due_date: date | None = None,
                     owner_name: str = "", owner_member_id: int | None = None) -> OpResult[ResponseRow]:
        """A response under a goal: an action on the context's case, owned by an agency, due by a
        date, tracked like every action (and so reviewed at the next meeting that lists the context)."""
        with self._ctx.unit_of_work() as s:
            goal = self._goal(s, goal_id)
            _, case_ = self._writable(s, goal.context_id)
            if agency_id is None or s.get(Agency, agency_id) is None:
                raise ValidationError("agency", "Choose the agency that owns the response.")
            action = ActionService(self._ctx).add_in_session(s, NewAction(
                panel_id=case_.panel_id, case_id=case_.id, text=text, owner_agency_id=agency_id,
                owner_member_id=owner_member_id, owner_name=owner_name, due_date=due_date))
            s.add(ContextResponse(action_id=action.id, goal_id=goal.id))
            s.flush()
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "context_goal", goal.id,
                         {"context_id": goal.context_id, "response_added": action.id}, at=self._ctx.now())
            row = self._responses(s, case_.id, goal.context_id)[action.id]
        return OpResult(row, OpChanges(actions=True, cases=True))

    def set_response_goal(self, action_id: int, goal_id: int | None) -> OpResult[ResponseRow]:
        """Put an action on the context's case (one agreed at a meeting, say) under a goal, or under none."""
        with self._ctx.unit_of_work() as s:
            action = s.get(Action, action_id)
            context_id = s.scalar(select(CarmContext.id).where(CarmContext.case_id == action.case_id)) \
                if action is not None and action.case_id is not None else None
            if action is None or context_id is None or not self._ctx.actor.sees_panel(action.panel_id):
                raise NotFound("That response does not exist, or is on a panel you are not a member of.")
            _, case_ = self._writable(s, context_id)
            if goal_id is not None and self._goal(s, goal_id).context_id != context_id:
                raise ValidationError("goal", "That goal is of another context's plan.")
            link = s.get(ContextResponse, action_id)
            old = link.goal_id if link is not None else None
            if link is not None and goal_id is None:
                s.delete(link)
            elif link is not None:
                link.goal_id = goal_id
            elif goal_id is not None:
                s.add(ContextResponse(action_id=action_id, goal_id=goal_id))
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "action", action_id,
                         {"context_id": context_id, "goal": {"old": old, "new": goal_id}}, at=self._ctx.now())
            s.flush()
            row = self._responses(s, case_.id, context_id)[action_id]
        return OpResult(row, OpChanges(actions=True, cases=True))

    # -- papers ------------------------------------------------------------------------------------

    def paper(self, context_id: int, *, redacted: bool = False) -> ContextPaper:
        """The printed assessment and plan's plain data (not audited: :meth:`render` and :meth:`write` are)."""
        with self._ctx.reading() as s:
            return self._paper(s, context_id, redacted)

    def render(self, context_id: int, *, redacted: bool = False, invariant: bool = False) -> bytes:
        """The PDF for the print preview (audited as a view)."""
        with self._ctx.viewing() as s:
            paper = self._paper(s, context_id, redacted)
            audit.record(s, self._ctx.actor, AuditKind.VIEW, "context", context_id,
                         {"report": "context", "preview": True, "redacted": redacted}, at=self._ctx.now())
        return render_context_pdf(paper, invariant=invariant)

    def record_printed(self, context_id: int, *, redacted: bool, pages: int, printer: str) -> None:
        with self._ctx.unit_of_work() as s:
            self._visible(s, context_id)
            audit.record(s, self._ctx.actor, AuditKind.PRINT, "context", context_id,
                         {"report": "context", "printer": printer, "pages": pages, "redacted": redacted},
                         at=self._ctx.now())

    def write(self, context_id: int, out: Path, *, redacted: bool = False, invariant: bool = False) -> ContextPaper:
        """The context's assessment and plan as a PDF at ``out``; audited in the same transaction."""
        out = check_output_path(out, (".pdf",))
        with self._ctx.unit_of_work() as s:
            paper = self._paper(s, context_id, redacted)
            content = render_context_pdf(paper, invariant=invariant)
            audit.record(s, self._ctx.actor, AuditKind.PRINT, "context", context_id,
                         {"report": "context", "file": out.name, "redacted": redacted}, at=self._ctx.now())
            write_atomically(out, content)
        return paper

    # -- inside a session --------------------------------------------------------------------------

    def _paper(self, s: Session, context_id: int, redacted: bool) -> ContextPaper:
        detail = self._detail(s, context_id)
        partnership = s.scalars(select(Partnership).order_by(Partnership.id).limit(1)).first()

        def response(r: ResponseRow) -> PaperResponse:
            return PaperResponse(r.text, r.agency, r.owner, r.due_date, r.status.label, r.status_reason)

        paper = ContextPaper(
            partnership=partnership.name if partnership else "",
            protective_marking=marking_or_default(partnership.protective_marking if partnership else None),
            generated_at=self._ctx.now(), generated_by=self._ctx.actor.username,
            kind=detail.row.kind.label, name=detail.row.name, reference=detail.row.reference,
            panel=detail.row.panel,
            assessments=tuple(PaperAssessment(a.assessed_on, a.assessor, tuple(
                (heading, getattr(a, field)) for field, heading in ASSESSMENT_PARTS)) for a in detail.assessments),
            goals=tuple(PaperGoal(g.goal, g.measures, tuple(response(r) for r in g.responses)) for g in detail.goals),
            other_responses=tuple(response(r) for r in detail.other_responses),
            redacted=redacted,
        )
        if not redacted:
            return paper
        return redact_for_circulation(paper, self._known(s, detail.row),
                                      keep=("partnership", "protective_marking", "generated_by", "panel",
                                            "reference", "kind"))

    @staticmethod
    def _known(s: Session, row: ContextRow) -> KnownContacts:
        """The recorded contact details of the people linked to the context's case, place or group."""
        people = set(s.scalars(select(CasePerson.person_id).where(CasePerson.case_id == row.case_id)))
        kind, record_id = row.record
        if kind == "place":
            people.update(s.scalars(select(LocationPerson.person_id).where(LocationPerson.location_id == record_id)))
            place = s.get(Location, record_id)
            extra = [(place.address, place.postcode, "", "")] if place is not None else []
        else:
            people.update(s.scalars(select(GroupPerson.person_id).where(GroupPerson.group_id == record_id)))
            extra = []
        rows = [(p.address, p.postcode, p.phone, p.contact_notes)
                for p in s.scalars(select(Person).where(Person.id.in_(sorted(people))))]
        return KnownContacts.of(rows + extra)

    def _visible(self, s: Session, context_id: int) -> tuple[CarmContext, Case]:
        context = s.get(CarmContext, context_id)
        case_ = s.get(Case, context.case_id) if context is not None else None
        if case_ is None or not self._ctx.actor.sees_panel(case_.panel_id):
            raise NotFound(NO_SUCH_CONTEXT)
        return context, case_

    def _writable(self, s: Session, context_id: int) -> tuple[CarmContext, Case]:
        context, case_ = self._visible(s, context_id)
        self._ctx.require(Permission.EDIT_CASES, panel_id=case_.panel_id)
        return context, case_

    def _goal(self, s: Session, goal_id: int) -> ContextGoal:
        goal = s.get(ContextGoal, goal_id)
        context = s.get(CarmContext, goal.context_id) if goal is not None else None
        panel_id = s.scalar(select(Case.panel_id).where(Case.id == context.case_id)) if context is not None else None
        if panel_id is None or not self._ctx.actor.sees_panel(panel_id):  # the same words: no oracle
            raise NotFound("That goal does not exist, or is on a panel you are not a member of.")
        return goal

    def _detail(self, s: Session, context_id: int) -> ContextDetail:
        context, case_ = self._visible(s, context_id)
        goals = self._goals(s, context.id)
        in_goals = {r.action_id for g in goals for r in g.responses}
        others = tuple(r for r in self._responses(s, case_.id, context.id).values() if r.action_id not in in_goals)
        return ContextDetail(self._rows(s, [context.id])[0], self._assessments(s, context.id), goals, others)

    def _rows(self, s: Session, ids: list[int]) -> list[ContextRow]:
        if not ids:
            return []
        visible = self._ctx.visible_panel_ids()
        newest = (select(ContextAssessment.context_id, func.max(ContextAssessment.assessed_on).label("on"))
                  .group_by(ContextAssessment.context_id).subquery())
        open_ = (select(Action.case_id, func.count().label("n"))
                 .where(Action.status.not_in(list(FINISHED_ACTION_STATUSES))).group_by(Action.case_id).subquery())
        group, place = aliased(SubjectGroup), aliased(Location)
        stmt = (select(CarmContext, Case.reference, Case.panel_id, Panel.name, Case.subject_kind,
                       Case.subject_group_id, Case.subject_location_id, group.name, place.name, newest.c.on,
                       open_.c.n)
                .join(Case, Case.id == CarmContext.case_id).join(Panel, Panel.id == Case.panel_id)
                .outerjoin(group, group.id == Case.subject_group_id)
                .outerjoin(place, place.id == Case.subject_location_id)
                .outerjoin(newest, newest.c.context_id == CarmContext.id)
                .outerjoin(open_, open_.c.case_id == Case.id)
                .where(CarmContext.id.in_(sorted(ids))))
        if visible is not None:
            stmt = stmt.where(Case.panel_id.in_(sorted(visible)))
        rows = []
        for c, ref, panel_id, panel, subject, group_id, place_id, group_name, place_name, on, n in s.execute(stmt):
            record = ("group", group_id) if subject is SubjectKind.GROUP else ("place", place_id)
            rows.append(ContextRow(c.id, c.case_id, ref, group_name or place_name or ref, c.kind, panel_id, panel,
                                   on, n or 0, record))
        order = list(ContextKind)
        return sorted(rows, key=lambda r: (order.index(r.kind), r.name.casefold(), r.id))

    @staticmethod
    def _assessments(s: Session, context_id: int) -> tuple[AssessmentRow, ...]:
        from cspdesk.storage.models import UserAccount

        found = s.execute(select(ContextAssessment, UserAccount.display_name)
                          .outerjoin(UserAccount, UserAccount.id == ContextAssessment.by_user_id)
                          .where(ContextAssessment.context_id == context_id)).all()
        by_id = {a.id: (a, who) for a, who in found}
        ordered: list[AssessmentRow] = []
        versions = [AssessmentVersion(a.id, a.assessed_on) for a, _ in found]
        while versions:  # newest first, by the domain's rule of which is current
            top = current_version(versions)
            assert top is not None
            versions.remove(top)
            a, who = by_id[top.id]
            ordered.append(AssessmentRow(a.id, a.assessed_on, a.assessor, a.what_happens, a.who_is_harmed,
                                         a.guardians, a.safety_plan, a.created_at, who or ""))
        return tuple(ordered)

    def _goals(self, s: Session, context_id: int) -> tuple[GoalRow, ...]:
        case_id = s.scalar(select(CarmContext.case_id).where(CarmContext.id == context_id))
        responses = self._responses(s, case_id, context_id)
        goals = s.scalars(select(ContextGoal).where(ContextGoal.context_id == context_id)
                          .order_by(ContextGoal.position, ContextGoal.id)).all()
        return tuple(GoalRow(g.id, g.position, g.goal, g.measures,
                             tuple(r for r in responses.values() if r.goal_id == g.id)) for g in goals)

    @staticmethod
    def _responses(s: Session, case_id: int, context_id: int) -> dict[int, ResponseRow]:
        """Every action on the context's case, in due order, with the goal it serves (if any)."""
        goal_of = dict(s.execute(select(ContextResponse.action_id, ContextResponse.goal_id)
                                 .join(ContextGoal, ContextGoal.id == ContextResponse.goal_id)
                                 .where(ContextGoal.context_id == context_id)).all())
        owner = aliased(Member)
        stmt = (select(Action, Agency.name, owner.name).outerjoin(Agency, Agency.id == Action.owner_agency_id)
                .outerjoin(owner, owner.id == Action.owner_member_id).where(Action.case_id == case_id)
                .order_by(Action.due_date.is_(None), Action.due_date, Action.id))
        return {a.id: ResponseRow(a.id, goal_of.get(a.id), a.text, a.owner_agency_id, agency or "",
                                  a.owner_name or member or "", a.due_date, a.status, a.status_reason, a.version)
                for a, agency, member in s.execute(stmt)}


def context_brief(s: Session, ctx: ServiceContext, case_id: int) -> ContextBrief | None:
    """For meeting mode: the context whose case this is, in short (None: the case is no context).
    The caller has checked the user sees the case's panel."""
    context_id = s.scalar(select(CarmContext.id).where(CarmContext.case_id == case_id))
    if context_id is None:
        return None
    service = ContextService(ctx)
    detail = service._detail(s, context_id)  # noqa: SLF001 - the same service's reading, in the caller's session
    current = detail.current
    return ContextBrief(context_id, detail.row.kind, detail.row.name, current.assessed_on if current else None,
                        assessment_summary(current.parts()) if current else "", detail.goals)

