"""SOCP 4P plans: organised crime groups, their nominals, lead officer, status, actions by strand,
and their threat/risk/harm score with its history.

An OCG is a :class:`~cspdesk.storage.models.SubjectGroup` of kind ``ocg``. It is on a panel
through the case about it (``Case.subject_group_id``) or through its actions; need to know
follows that: a user sees an OCG when it has a case or an action on one of their panels.

The score is a local matrix in the style of MoRiLE (harm × likelihood × organisational position,
each 1–5); CSPDesk does not claim it is an official formula. Each scoring is a
``risk_assessment`` row of kind ``threat_harm`` with its factors as answers, so the history is
kept. Level thresholds come from the partnership's settings (``threat_harm_high`` /
``threat_harm_medium``) or the defaults in :mod:`cspdesk.domain.rules`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Select, and_, func, or_, select

from cspdesk.domain.enums import AssessmentKind, AuditKind, GroupKind, GroupStatus, RiskLevel, Strand
from cspdesk.domain.rules import (
    DEFAULT_THREAT_HARM_HIGH,
    DEFAULT_THREAT_HARM_MEDIUM,
    THREAT_HARM_FACTOR_RANGE,
    THREAT_HARM_FACTORS,
    normalise_name,
    threat_harm_level,
    threat_harm_score,
)
from cspdesk.services.audit import audit
from cspdesk.services.actions.actions import UNFINISHED_STATUSES, ActionQuery, ActionRow, ActionService, ActionSort
from cspdesk.services.context import OpChanges, OpResult, Permission, ServiceContext
from cspdesk.services.errors import NotFound, ValidationError
from cspdesk.services.access.reach import group_on_panels
from cspdesk.storage.models import (
    Action,
    Agency,
    Case,
    GroupPerson,
    Member,
    Panel,
    Partnership,
    Person,
    PersonAlias,
    RiskAnswer,
    RiskAssessment,
    SubjectGroup,
)


class OcgSort(StrEnum):
    REFERENCE = "reference"
    NAME = "name"
    STATUS = "status"
    CREATED = "created"
    SCORE = "score"  # latest threat/risk/harm score


@dataclass(frozen=True)
class OcgQuery:
    panel_id: int | None = None
    statuses: frozenset[GroupStatus] | None = None
    text: str = ""  # a reference or name prefix
    sort: OcgSort = OcgSort.REFERENCE
    descending: bool = False


@dataclass(frozen=True)
class OcgRow:
    id: int
    reference: str
    name: str
    status: GroupStatus
    panel_id: int | None
    panel_name: str
    case_id: int | None
    case_reference: str
    lead_officer_member_id: int | None
    lead_officer: str
    lead_officer_agency: str
    nominals: int
    open_actions: int
    score: int | None
    risk_level: RiskLevel | None
    scored_on: date | None
    archived_on: date | None
    created_at: datetime


@dataclass(frozen=True)
class Nominal:
    person_id: int
    name: str
    role: str
    date_of_birth: date | None
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class ThreatScore:
    id: int
    assessed_on: date
    assessor: str
    score: int | None
    risk_level: RiskLevel | None
    factors: tuple[tuple[str, str], ...]  # (("harm", "4"), ("likelihood", "3"), ("position", "2"))
    notes: str


@dataclass(frozen=True)
class StrandActions:
    strand: Strand | None  # None: actions recorded without a strand
    actions: tuple[ActionRow, ...]


@dataclass(frozen=True)
class OcgDetail:
    row: OcgRow
    description: str
    archive_reason: str
    archive_approved_by: str
    nominals: tuple[Nominal, ...]
    strands: tuple[StrandActions, ...]  # Pursue, Prevent, Protect, Prepare, then any without a strand
    scores: tuple[ThreatScore, ...]  # newest first


@dataclass(frozen=True)
class OcgCounts:
    start: date
    end: date
    managed: int  # active (not yet archived) at some time in the period
    archived: int  # archived within the period
    adopted: int  # first recorded within the period


def _by_strand(rows: Sequence[ActionRow]) -> tuple[StrandActions, ...]:
    out = []
    for strand in [*Strand, None]:
        chosen = tuple(r for r in rows if r.strand == strand)
        if strand is not None or chosen:
            out.append(StrandActions(strand, chosen))
    return tuple(out)


class OcgService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    # -- need to know -------------------------------------------------------------------------

    def _on_panels(self, panel_ids: frozenset[int] | set[int] | None):  # noqa: ANN202 - a condition
        """OCGs with a case or an action on one of ``panel_ids`` (None: any): the rule of
        :func:`cspdesk.services.access.reach.group_on_panels`."""
        return group_on_panels(panel_ids)

    def _filtered(self, stmt: Select, q: OcgQuery) -> Select:
        stmt = stmt.where(SubjectGroup.kind == GroupKind.OCG)
        visible = self._ctx.visible_panel_ids()
        if visible is not None:
            stmt = stmt.where(self._on_panels(visible))
        if q.panel_id is not None:
            stmt = stmt.where(self._on_panels({q.panel_id}))
        if q.statuses:
            stmt = stmt.where(SubjectGroup.status.in_(sorted(q.statuses)))
        text = q.text.strip()
        if text:
            norm = normalise_name(text)
            conds = [func.upper(SubjectGroup.reference).startswith(text.upper(), autoescape=True)]
            if norm:
                conds.append(SubjectGroup.name_norm.startswith(norm, autoescape=True))
            stmt = stmt.where(or_(*conds))
        return stmt

    # -- the list -----------------------------------------------------------------------------

    def ocg_ids(self, query: OcgQuery = OcgQuery()) -> list[int]:
        self._ctx.require(Permission.VIEW_CASES, panel_id=query.panel_id)
        stmt = self._filtered(select(SubjectGroup.id), query)
        match query.sort:
            case OcgSort.REFERENCE:
                key = SubjectGroup.reference
            case OcgSort.NAME:
                key = SubjectGroup.name_norm
            case OcgSort.STATUS:
                key = SubjectGroup.status
            case OcgSort.CREATED:
                key = SubjectGroup.created_at
            case OcgSort.SCORE:
                latest = (select(RiskAssessment.score).where(RiskAssessment.group_id == SubjectGroup.id,
                                                             RiskAssessment.kind == AssessmentKind.THREAT_HARM)
                          .order_by(RiskAssessment.assessed_on.desc(), RiskAssessment.id.desc()).limit(1)
                          .scalar_subquery())
                key = latest
        order = key.desc() if query.descending else key.asc()
        stmt = stmt.order_by(order.nulls_last(), SubjectGroup.id)
        with self._ctx.reading() as s:
            return list(s.scalars(stmt))

    def ocg_rows(self, ids: Sequence[int]) -> list[OcgRow]:
        self._ctx.require(Permission.VIEW_CASES)
        if not ids:
            return []
        ids = list(ids)
        visible = self._ctx.visible_panel_ids()
        with self._ctx.reading() as s:
            stmt = (select(SubjectGroup, Member.name, Agency.name)
                    .outerjoin(Member, Member.id == SubjectGroup.lead_officer_member_id)
                    .outerjoin(Agency, Agency.id == Member.agency_id)
                    .where(SubjectGroup.id.in_(ids), SubjectGroup.kind == GroupKind.OCG))
            if visible is not None:
                stmt = stmt.where(self._on_panels(visible))
            found = s.execute(stmt).all()
            # The case about each group (the newest, on a visible panel).
            case_q = (select(Case.subject_group_id, Case.id, Case.reference, Case.panel_id, Panel.name)
                      .join(Panel, Panel.id == Case.panel_id).where(Case.subject_group_id.in_(ids))
                      .order_by(Case.referral_date, Case.id))
            if visible is not None:
                case_q = case_q.where(Case.panel_id.in_(sorted(visible)))
            cases = {gid: (cid, ref, pid, pname) for gid, cid, ref, pid, pname in s.execute(case_q)}
            action_panels = dict(s.execute(
                select(Action.group_id, func.min(Action.panel_id)).where(Action.group_id.in_(ids))
                .group_by(Action.group_id)).all())
            panel_names = dict(s.execute(select(Panel.id, Panel.name)).all())
            nominals = dict(s.execute(select(GroupPerson.group_id, func.count()).where(GroupPerson.group_id.in_(ids))
                                      .group_by(GroupPerson.group_id)).all())
            open_q = (select(Action.group_id, func.count())
                      .where(Action.group_id.in_(ids), Action.status.in_(UNFINISHED_STATUSES)))
            if visible is not None:
                open_q = open_q.where(Action.panel_id.in_(sorted(visible)))
            open_actions = dict(s.execute(open_q.group_by(Action.group_id)).all())
            scores: dict[int, tuple[int | None, RiskLevel | None, date]] = {}
            for gid, score, level, on in s.execute(
                select(RiskAssessment.group_id, RiskAssessment.score, RiskAssessment.risk_level,
                       RiskAssessment.assessed_on)
                .where(RiskAssessment.group_id.in_(ids), RiskAssessment.kind == AssessmentKind.THREAT_HARM)
                .order_by(RiskAssessment.assessed_on, RiskAssessment.id)
            ):
                scores[gid] = (score, level, on)  # the last one wins: the latest
            by_id: dict[int, OcgRow] = {}
            for g, lead, lead_agency in found:
                cid, cref, pid, pname = cases.get(g.id, (None, "", None, ""))
                if pid is None:
                    pid = action_panels.get(g.id)
                    pname = panel_names.get(pid, "") if pid is not None else ""
                score, level, on = scores.get(g.id, (None, None, None))
                by_id[g.id] = OcgRow(
                    id=g.id, reference=g.reference or "", name=g.name, status=g.status, panel_id=pid,
                    panel_name=pname, case_id=cid, case_reference=cref, lead_officer_member_id=g.lead_officer_member_id,
                    lead_officer=lead or "", lead_officer_agency=lead_agency or "", nominals=nominals.get(g.id, 0),
                    open_actions=open_actions.get(g.id, 0), score=score, risk_level=level, scored_on=on,
                    archived_on=g.archived_on, created_at=g.created_at,
                )
        return [by_id[i] for i in ids if i in by_id]

    def _row(self, group_id: int) -> OcgRow:
        rows = self.ocg_rows([group_id])
        if not rows:
            raise NotFound("That organised crime group does not exist, or is on a panel you are not a member of.")
        return rows[0]

    def get_ocg(self, group_id: int) -> OcgDetail:
        """One OCG in full: nominals with roles, actions by strand, scores newest first. Audited as a view."""
        row = self._row(group_id)
        if row.panel_id is not None:
            self._ctx.require(Permission.VIEW_CASES, panel_id=row.panel_id)
        actions = ActionService(self._ctx)
        action_ids = actions.action_ids(ActionQuery(group_id=group_id, sort=ActionSort.DUE_DATE))
        action_rows = actions.action_rows(action_ids)
        with self._ctx.viewing() as s:
            g = s.get(SubjectGroup, group_id)
            assert g is not None
            people = s.execute(
                select(Person, GroupPerson.role).join(GroupPerson, GroupPerson.person_id == Person.id)
                .where(GroupPerson.group_id == group_id).order_by(Person.family_norm, Person.given_norm)
            ).all()
            aliases: dict[int, list[str]] = {}
            for pid, alias in s.execute(select(PersonAlias.person_id, PersonAlias.alias)
                                        .where(PersonAlias.person_id.in_([p.id for p, _ in people]))
                                        .order_by(PersonAlias.id)):
                aliases.setdefault(pid, []).append(alias)
            role_rank = {"principal": 0, "lieutenant": 1, "enabler": 2, "runner": 3}
            nominals = tuple(sorted(
                (Nominal(p.id, f"{p.given_name} {p.family_name}", role, p.date_of_birth, tuple(aliases.get(p.id, ())))
                 for p, role in people),
                key=lambda n: (role_rank.get(n.role.casefold(), 9), n.role.casefold()),
            ))
            scores = tuple(
                ThreatScore(a.id, a.assessed_on, a.assessor, a.score, a.risk_level,
                            tuple((ans.item, ans.value) for ans in a.answers), a.notes)
                for a in s.scalars(
                    select(RiskAssessment).where(RiskAssessment.group_id == group_id,
                                                 RiskAssessment.kind == AssessmentKind.THREAT_HARM)
                    .order_by(RiskAssessment.assessed_on.desc(), RiskAssessment.id.desc())
                )
            )
            detail = OcgDetail(row, g.description, g.archive_reason, g.archive_approved_by, nominals,
                               _by_strand(action_rows), scores)
            audit.record(s, self._ctx.actor, AuditKind.VIEW, "group", group_id, {"reference": row.reference},
                         at=self._ctx.now())
        return detail

    # -- writes -------------------------------------------------------------------------------

    def _editable(self, s, group_id: int) -> SubjectGroup:  # noqa: ANN001
        row = self._row(group_id)  # need to know
        self._ctx.require(Permission.EDIT_CASES, panel_id=row.panel_id)
        g = s.get(SubjectGroup, group_id)
        if g is None or g.kind != GroupKind.OCG:
            raise NotFound("That organised crime group does not exist.")
        return g

    def set_status(self, group_id: int, status: GroupStatus, *, reason: str = "", approved_by: str = "",
                   on: date | None = None) -> OpResult[OcgRow]:
        """Active, Under review or Archived. Archiving needs a reason and who approved it (and takes
        ``on``, default today); leaving Archived clears them."""
        status = GroupStatus(status)
        reason, approved_by = reason.strip(), approved_by.strip()
        on = on or self._ctx.today()
        if status == GroupStatus.ARCHIVED:
            if not reason:
                raise ValidationError("reason", "Say why the group is being archived.")
            if not approved_by:
                raise ValidationError("approved_by", "Say who approved archiving the group.")
            if on > self._ctx.today():
                raise ValidationError("archived_on", "The archive date cannot be in the future.")
        with self._ctx.unit_of_work() as s:
            g = self._editable(s, group_id)
            old = {"status": g.status, "archived_on": g.archived_on, "archive_reason": g.archive_reason,
                   "archive_approved_by": g.archive_approved_by}
            g.status = status
            if status == GroupStatus.ARCHIVED:
                g.archived_on, g.archive_reason, g.archive_approved_by = on, reason, approved_by
            else:
                g.archived_on, g.archive_reason, g.archive_approved_by = None, "", ""
            s.flush()
            new = {"status": g.status, "archived_on": g.archived_on, "archive_reason": g.archive_reason,
                   "archive_approved_by": g.archive_approved_by}
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "group", group_id,
                         {"changes": audit.changed_fields(old, new)}, at=self._ctx.now())
        return OpResult(self._row(group_id), OpChanges(cases=True, actions=True))

    def archive(self, group_id: int, reason: str, approved_by: str, on: date | None = None) -> OpResult[OcgRow]:
        return self.set_status(group_id, GroupStatus.ARCHIVED, reason=reason, approved_by=approved_by, on=on)

    def set_lead_officer(self, group_id: int, member_id: int | None) -> OpResult[OcgRow]:
        with self._ctx.unit_of_work() as s:
            g = self._editable(s, group_id)
            if member_id is not None and s.get(Member, member_id) is None:
                raise ValidationError("lead_officer", "That officer does not exist.")
            old = g.lead_officer_member_id
            g.lead_officer_member_id = member_id
            audit.record(s, self._ctx.actor, AuditKind.UPDATE, "group", group_id,
                         {"changes": audit.changed_fields({"lead_officer_member_id": old},
                                                          {"lead_officer_member_id": member_id})},
                         at=self._ctx.now())
        return OpResult(self._row(group_id), OpChanges(cases=True))

    def thresholds(self) -> tuple[int, int]:
        """(high, medium): scores at or above which a group is High / Medium."""
        with self._ctx.reading() as s:
            settings = s.scalar(select(Partnership.settings).order_by(Partnership.id).limit(1)) or {}
        return (int(settings.get("threat_harm_high", DEFAULT_THREAT_HARM_HIGH)),
                int(settings.get("threat_harm_medium", DEFAULT_THREAT_HARM_MEDIUM)))

    def record_score(self, group_id: int, *, harm: int, likelihood: int, position: int,
                     assessed_on: date | None = None, assessor: str = "", notes: str = "") -> OpResult[ThreatScore]:
        """A new threat/risk/harm scoring (the old ones stay: that is the history)."""
        lo, hi = THREAT_HARM_FACTOR_RANGE
        values = dict(zip(THREAT_HARM_FACTORS, (harm, likelihood, position), strict=True))
        for name, value in values.items():
            if not isinstance(value, int) or not lo <= value <= hi:
                raise ValidationError(name, f"The {name} score must be a whole number from {lo} to {hi}.")
        assessed_on = assessed_on or self._ctx.today()
        if assessed_on > self._ctx.today():
            raise ValidationError("assessed_on", "The assessment date cannot be in the future.")
        score = threat_harm_score(harm, likelihood, position)
        level = threat_harm_level(score, *self.thresholds())
        with self._ctx.unit_of_work() as s:
            self._editable(s, group_id)
            case_id = s.scalar(select(Case.id).where(Case.subject_group_id == group_id)
                               .order_by(Case.referral_date.desc()).limit(1))
            ra = RiskAssessment(kind=AssessmentKind.THREAT_HARM, case_id=case_id, group_id=group_id,
                                assessed_on=assessed_on, assessor=assessor.strip() or self._ctx.actor.username,
                                score=score, risk_level=level, notes=notes.strip(), created_at=self._ctx.now())
            ra.answers = [RiskAnswer(item=k, value=str(v), source="SOCP") for k, v in values.items()]
            s.add(ra)
            s.flush()
            result = ThreatScore(ra.id, assessed_on, ra.assessor, score, level,
                                 tuple((k, str(v)) for k, v in values.items()), ra.notes)
            audit.record(s, self._ctx.actor, AuditKind.CREATE, "risk_assessment", ra.id,
                         {"group_id": group_id, "score": score, **values}, at=self._ctx.now())
        return OpResult(result, OpChanges(cases=True))

    # -- figures ------------------------------------------------------------------------------

    def counts(self, start: date, end: date, panel_id: int | None = None) -> OcgCounts:
        """OCGs managed in [start, end] (recorded by ``end`` and not archived before ``start``),
        archived in it, and adopted (first recorded) in it. For the quarterly SOCP return."""
        if end < start:
            raise ValidationError("end", "The period must end on or after its start.")
        self._ctx.require(Permission.VIEW_CASES, panel_id=panel_id)
        base = self._filtered(select(func.count(SubjectGroup.id)), OcgQuery(panel_id=panel_id))
        end_dt = datetime.combine(end, datetime.max.time())
        start_dt = datetime.combine(start, datetime.min.time())
        with self._ctx.reading() as s:
            managed = s.scalar(base.where(
                SubjectGroup.created_at <= end_dt,
                or_(SubjectGroup.archived_on.is_(None), SubjectGroup.archived_on >= start),
            )) or 0
            archived = s.scalar(base.where(
                SubjectGroup.status == GroupStatus.ARCHIVED,
                and_(SubjectGroup.archived_on >= start, SubjectGroup.archived_on <= end),
            )) or 0
            adopted = s.scalar(base.where(SubjectGroup.created_at >= start_dt, SubjectGroup.created_at <= end_dt)) or 0
        return OcgCounts(start, end, int(managed), int(archived), int(adopted))
