"""Helpers shared by the action tests: act as a demo account, find panels and agencies."""

from __future__ import annotations

from sqlalchemy import select

from cspdesk.domain.enums import PanelType
from cspdesk.services.context import ServiceContext
from cspdesk.storage.models import Agency, Panel, UserAccount


def act_as(ctx: ServiceContext, username: str) -> None:
    """Make ``username`` (a demo account) the acting user, with its role, agency and panels."""
    from cspdesk.services.access.auth import _actor_for

    with ctx.reading() as s:
        account = s.scalars(select(UserAccount).where(UserAccount.username == username)).one()
        ctx.actor = _actor_for(s, account)


def panel_id(ctx: ServiceContext, panel_type: PanelType) -> int:
    with ctx.reading() as s:
        return s.scalars(select(Panel.id).where(Panel.panel_type == panel_type).order_by(Panel.id)).first()


def agency_id(ctx: ServiceContext, code: str) -> int:
    with ctx.reading() as s:
        return s.scalars(select(Agency.id).where(Agency.short_code == code)).one()
