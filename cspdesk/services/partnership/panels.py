"""Panels: the list a user sees (need to know), with their workload at a glance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, select

from cspdesk.domain.enums import ActionStatus, CaseStatus, MeetingStatus, PanelType
from cspdesk.domain.rules import FINISHED_ACTION_STATUSES
from cspdesk.services.context import Permission, ServiceContext
from cspdesk.storage.models import Action, Case, Meeting, Panel

ACTIVE_CASE_STATUSES = (CaseStatus.RECEIVED, CaseStatus.ACCEPTED, CaseStatus.LISTED, CaseStatus.OPEN)
UNFINISHED_ACTION_STATUSES = tuple(s for s in ActionStatus if s not in FINISHED_ACTION_STATUSES)


@dataclass(frozen=True)
class PanelRow:
    id: int
    name: str
    panel_type: PanelType
    ref_prefix: str
    active_cases: int
    overdue_actions: int
    next_meeting: datetime | None


class PanelService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def anything_recorded(self) -> bool:
        """Has a case or a meeting been recorded on any panel the user sees? (A new partnership's
        Panels page shows its first steps until one has.)"""
        self._ctx.require(Permission.VIEW_CASES)
        visible = self._ctx.visible_panel_ids()
        with self._ctx.reading() as s:
            for model in (Case, Meeting):
                q = select(model.id).limit(1)
                if visible is not None:
                    q = q.where(model.panel_id.in_(visible))
                if s.scalar(q) is not None:
                    return True
        return False

    def list_panels(self) -> list[PanelRow]:
        """The panels the acting user belongs to, by name, with active cases, overdue actions and
        the next planned meeting. Three grouped queries, whatever the number of panels."""
        self._ctx.require(Permission.VIEW_CASES)
        visible = self._ctx.visible_panel_ids()
        today = self._ctx.today()
        now = datetime.combine(today, datetime.min.time())
        with self._ctx.reading() as s:
            q = select(Panel).where(Panel.is_active).order_by(Panel.name)
            if visible is not None:
                q = q.where(Panel.id.in_(visible))
            panels = s.scalars(q).all()
            ids = [p.id for p in panels]
            if not ids:
                return []
            active = dict(
                s.execute(
                    select(Case.panel_id, func.count())
                    .where(Case.panel_id.in_(ids), Case.status.in_(ACTIVE_CASE_STATUSES))
                    .group_by(Case.panel_id)
                ).all()
            )
            overdue = dict(
                s.execute(
                    select(Action.panel_id, func.count())
                    .where(
                        Action.panel_id.in_(ids),
                        Action.status.in_(UNFINISHED_ACTION_STATUSES),
                        Action.due_date < today,
                    )
                    .group_by(Action.panel_id)
                ).all()
            )
            upcoming = dict(
                s.execute(
                    select(Meeting.panel_id, func.min(Meeting.starts_at))
                    .where(and_(Meeting.panel_id.in_(ids), Meeting.starts_at >= now,
                                Meeting.status != MeetingStatus.CANCELLED))
                    .group_by(Meeting.panel_id)
                ).all()
            )
            return [
                PanelRow(
                    id=p.id,
                    name=p.name,
                    panel_type=p.panel_type,
                    ref_prefix=p.ref_prefix,
                    active_cases=active.get(p.id, 0),
                    overdue_actions=overdue.get(p.id, 0),
                    next_meeting=upcoming.get(p.id),
                )
                for p in panels
            ]
