"""Helpers shared by the meeting papers' tests: the demo meeting with the most to print."""

from __future__ import annotations

from sqlalchemy import func, select

from cspdesk.domain.enums import AgendaItemKind, MeetingStatus, PanelType
from cspdesk.services.context import ServiceContext
from cspdesk.storage import models as m


def busiest_finalised_meeting(ctx: ServiceContext) -> int:
    """The finalised MARAC meeting with the most cases (and actions agreed at it)."""
    return busiest_meeting(ctx, MeetingStatus.FINALISED)


def busiest_meeting(ctx: ServiceContext, status: MeetingStatus) -> int:
    """The MARAC meeting in ``status`` with the most cases."""
    with ctx.reading() as s:
        return s.execute(
            select(m.Meeting.id).join(m.Panel, m.Panel.id == m.Meeting.panel_id)
            .join(m.AgendaItem, m.AgendaItem.meeting_id == m.Meeting.id)
            .where(m.Panel.panel_type == PanelType.MARAC, m.Meeting.status == status,
                   m.AgendaItem.kind == AgendaItemKind.CASE)
            .group_by(m.Meeting.id).order_by(func.count().desc(), m.Meeting.id).limit(1)
        ).scalar_one()
