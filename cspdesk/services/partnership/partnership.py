"""The partnership this database belongs to: is it set up, its name and marking."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cspdesk.domain.enums import AuditKind
from cspdesk.domain.marking import DEFAULT_MARKING as DEFAULT_MARKING  # its owner is the domain
from cspdesk.domain.marking import marking_or_default
from cspdesk.services.audit import audit
from cspdesk.services.context import OpChanges, OpResult, Permission, ServiceContext
from cspdesk.services.errors import ValidationError
from cspdesk.storage.models import Partnership

DEFAULT_CONFIDENTIALITY_STATEMENT = (
    "The information shared at this meeting is confidential. It is shared only to protect people "
    "at risk and to prevent crime, under the partnership's information sharing agreement. It must "
    "not be passed on, recorded or used for any other purpose without the agreement of the agency "
    "that provided it. Anyone present who has not signed the confidentiality statement must do so "
    "before the meeting continues."
)


@dataclass(frozen=True)
class PartnershipInfo:
    name: str
    protective_marking: str
    confidentiality_statement: str
    amber_days: int


@dataclass(frozen=True)
class PaperHeading:
    """What every paper prints at its head: the partnership's name and protective marking."""

    partnership: str
    protective_marking: str

    def fields(self) -> dict[str, str]:
        """The two as keyword arguments of a report's data (``partnership``, ``protective_marking``)."""
        return {"partnership": self.partnership, "protective_marking": self.protective_marking}


def paper_heading(s: Session) -> PaperHeading:
    """The partnership's name and marking in one read; the domain's default marking (and no name)
    while no partnership is held. Every paper service asks this instead of reading them itself."""
    row = s.execute(select(Partnership.name, Partnership.protective_marking)
                    .order_by(Partnership.id).limit(1)).first()
    if row is None:
        return PaperHeading("", marking_or_default(None))
    return PaperHeading(row.name, marking_or_default(row.protective_marking))


class PartnershipService:
    def __init__(self, ctx: ServiceContext) -> None:
        self._ctx = ctx

    def get(self) -> PartnershipInfo | None:
        """The partnership, or None while the database is empty (first run)."""
        with self._ctx.reading() as s:
            row = s.scalars(select(Partnership).order_by(Partnership.id).limit(1)).first()
            if row is None:
                return None
            return PartnershipInfo(row.name, row.protective_marking, row.confidentiality_statement, row.amber_days)

    def is_set_up(self) -> bool:
        return self.get() is not None

    def set_up(self, name: str, protective_marking: str = DEFAULT_MARKING) -> OpResult[PartnershipInfo]:
        """Name a new partnership in an empty database."""
        self._ctx.require(Permission.ADMINISTER)
        name = name.strip()
        marking = protective_marking.strip() or DEFAULT_MARKING
        if not name:
            raise ValidationError("name", "Give the partnership a name.")
        if len(name) > 200:
            raise ValidationError("name", "The partnership's name must be 200 characters or fewer.")
        with self._ctx.unit_of_work() as s:
            if s.scalar(select(Partnership.id).limit(1)) is not None:
                raise ValidationError("name", "This database already belongs to a partnership.")
            partnership = Partnership(
                name=name,
                protective_marking=marking,
                confidentiality_statement=DEFAULT_CONFIDENTIALITY_STATEMENT,
                amber_days=14,
                small_number_threshold=5,
                settings={},
                created_at=self._ctx.now(),
            )
            s.add(partnership)
            s.flush()
            audit.record(s, self._ctx.actor, AuditKind.CREATE, "partnership", partnership.id,
                         {"name": name, "protective_marking": marking}, at=self._ctx.now())
        info = PartnershipInfo(name, marking, DEFAULT_CONFIDENTIALITY_STATEMENT, 14)
        return OpResult(info, OpChanges(partnership=True))
