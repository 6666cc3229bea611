"""Protective orders, DVDS (Clare's Law) requests and MARAC-to-MARAC transfers on a case (issue 19,
part B). Each row belongs to a case, and so to its panel: need to know follows the case (row-level
security on a server: migration ``0026_orders``)."""

from __future__ import annotations

from datetime import date, datetime

from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cspdesk.domain.orders import DvdsDecision, DvdsRoute, OrderKind, TransferDirection
from cspdesk.storage.models import Base, enum_column


class ProtectiveOrder(Base):
    """An order or notice protecting someone on a case (DAPO, DVPO, non-molestation, bail…)."""

    __tablename__ = "protective_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    kind: Mapped[OrderKind] = mapped_column(enum_column(OrderKind, "kind"))
    protected_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    restrained_person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    #: The agency holding the order (its reminder shows in that agency's "My actions").
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    made_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date, index=True)
    conditions: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class DvdsRequest(Base):
    """A Domestic Violence Disclosure Scheme application about a case's perpetrator."""

    __tablename__ = "dvds_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    route: Mapped[DvdsRoute] = mapped_column(enum_column(DvdsRoute, "route"))
    #: Who applied (right to ask: the person or someone close to them; right to know: the agency).
    applicant: Mapped[str] = mapped_column(String(200), default="")
    received_on: Mapped[date] = mapped_column(Date)
    decision: Mapped[DvdsDecision] = mapped_column(enum_column(DvdsDecision, "decision"), default=DvdsDecision.PENDING)
    decided_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class CaseTransfer(Base):
    """A case sent to another MARAC (out: the case is closed as transferred) or received from one
    (in: the case was created from the pack)."""

    __tablename__ = "case_transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_record.id", ondelete="CASCADE"), index=True)
    direction: Mapped[TransferDirection] = mapped_column(enum_column(TransferDirection, "direction"))
    #: The other MARAC's name, as the sender typed it or the pack gave it.
    other_marac: Mapped[str] = mapped_column(String(200))
    transferred_on: Mapped[date] = mapped_column(Date, index=True)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    by_username: Mapped[str] = mapped_column(String(120), default="")
    #: The pack's SHA-256 (out: of the pack written; in: of the pack read) and the sender's key.
    pack_digest: Mapped[str] = mapped_column(String(64), default="")
    signer_key: Mapped[str] = mapped_column(String(64), default="")
    #: In: what the pack brought that has no place of its own here, kept as received — the sending
    #: MARAC's open actions and minutes extracts (history, not this MARAC's actions).
    history: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime)
