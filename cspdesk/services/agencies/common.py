"""What the agency papers share: the permission check, the agencies of a meeting's panel, the
sheet header, and the circulation record kept for each paper sent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.domain.marking import marking_or_default
from cspdesk.domain.agency_loop import CirculationKind, list_digest, new_sheet_id
from cspdesk.domain.enums import AuditKind
from cspdesk.reports.agency_sheets import SheetHeader
from cspdesk.services.audit import audit
from cspdesk.services.context import Permission, ServiceContext
from cspdesk.services.errors import NotFound, ValidationError
from cspdesk.storage.models import Agency, AgencyCirculation, Meeting, Panel, PanelAgency, Partnership, UserAccount

NO_SUCH_MEETING = "That meeting does not exist, or is of a panel you are not a member of."


@dataclass(frozen=True)
class AgencyRef:
    id: int
    name: str
    short_code: str
    secure_email: str


def working_meeting(s: Session, ctx: ServiceContext, meeting_id: int) -> Meeting:
    """The meeting, for making or filing agency papers: only accounts on its panel (need to know)
    whose role runs meetings. The refusal is the same whether or not the meeting exists."""
    meeting = s.get(Meeting, meeting_id)
    if meeting is None or not ctx.actor.sees_panel(meeting.panel_id):
        raise NotFound(NO_SUCH_MEETING)
    ctx.require(Permission.RUN_MEETINGS, panel_id=meeting.panel_id)
    return meeting


def panel_agencies(s: Session, panel_id: int, agency: str | None = None) -> list[AgencyRef]:
    """The active agencies sitting on the panel, by name; only the one named (its name or short
    code, any case) when ``agency`` is given — ValidationError naming the field if none is."""
    rows = s.scalars(select(Agency).join(PanelAgency, PanelAgency.agency_id == Agency.id)
                     .where(PanelAgency.panel_id == panel_id, Agency.is_active)).all()
    found = sorted((AgencyRef(a.id, a.name, a.short_code, a.secure_email) for a in rows),
                   key=lambda a: a.name.casefold())
    if agency is None:
        return found
    wanted = agency.strip().casefold()
    chosen = [a for a in found if wanted in (a.name.casefold(), a.short_code.casefold())]
    if not chosen:
        raise ValidationError("agency", "No active agency of that name or short code sits on this meeting's panel.")
    return chosen


def acting_name(s: Session, ctx: ServiceContext) -> str:
    if ctx.actor.user_id is not None:
        name = s.scalar(select(UserAccount.display_name).where(UserAccount.id == ctx.actor.user_id))
        if name:
            return name
    return ctx.actor.username


def new_circulation(s: Session, ctx: ServiceContext, meeting: Meeting, agency: AgencyRef, kind: CirculationKind,
                    rows: Sequence[tuple[int, str, int | None]]) -> tuple[AgencyCirculation, SheetHeader]:
    """Record a paper going to ``agency`` (its rows: id, reference, version) and return the record
    and the header its sheet carries. Audited; in the caller's unit of work."""
    digest = list_digest(kind, meeting.id, agency.id, [(r[0], r[1]) for r in rows])
    now = ctx.now()
    circ = AgencyCirculation(meeting_id=meeting.id, agency_id=agency.id, kind=kind, sheet_id=new_sheet_id(),
                             digest=digest, rows=[{"id": i, "ref": ref, "version": v} for i, ref, v in rows],
                             files=[], sent_at=now, sent_by=acting_name(s, ctx), returned_by="", return_summary={})
    s.add(circ)
    s.flush()
    audit.record(s, ctx.actor, AuditKind.EXPORT, "meeting", meeting.id,
                 {"circulation": kind.value, "agency_id": agency.id, "circulation_id": circ.id, "rows": len(rows)},
                 at=now)
    partnership = s.scalars(select(Partnership).order_by(Partnership.id).limit(1)).first()
    panel = s.get(Panel, meeting.panel_id)
    header = SheetHeader(
        partnership=partnership.name if partnership else "",
        protective_marking=marking_or_default(partnership.protective_marking if partnership else None),
        panel=panel.name if panel else "", meeting_id=meeting.id, starts_at=meeting.starts_at,
        agency_id=agency.id, agency=agency.name, sheet_id=circ.sheet_id, digest=digest,
        generated_at=now, generated_by=ctx.actor.username)
    return circ, header
