"""Tables of issue 19, part C: daily triage meetings and ASB Case Reviews (the Community Trigger).

Imported by the last line of :mod:`cspdesk.storage.models` (same ``Base``), so every table is in
the one metadata Alembic compares with the migrations.

A triage meeting is its own record on a MARAC panel, not a ``meeting`` row of another kind: a MARAC
meeting carries attendance, agenda items with listings, decisions, timed clocks and locked minutes,
and every "next meeting" and "heard" rule reads the meeting table — a triage is a day's list of
referrals with one outcome and a minute each, and keeping it apart leaves those rules untouched.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cspdesk.domain.triage import TriageOutcome
from cspdesk.storage.models import Base, enum_column, fk


class TriageMeeting(Base):
    """A daily triage meeting of a MARAC panel: the referrals received in its window."""

    __tablename__ = "triage_meeting"
    __table_args__ = (UniqueConstraint("panel_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(fk("panel.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    #: The referral dates it took (cspdesk.domain.triage.triage_window), kept as they were then.
    window_first: Mapped[date] = mapped_column(Date)
    window_last: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by_user_id: Mapped[int | None] = mapped_column(fk("user_account.id", ondelete="SET NULL"))

    items: Mapped[list[TriageItem]] = relationship(cascade="all, delete-orphan", order_by="TriageItem.position")


class TriageItem(Base):
    """A referral on a triage agenda and, once decided, its outcome and minute. A referral is on
    one triage agenda at a time (one row each); one left undecided moves to the next meeting."""

    __tablename__ = "triage_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    triage_meeting_id: Mapped[int] = mapped_column(fk("triage_meeting.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(fk("case_record.id", ondelete="CASCADE"), unique=True)
    position: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[TriageOutcome | None] = mapped_column(enum_column(TriageOutcome, "outcome"))
    minute: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    decided_by_user_id: Mapped[int | None] = mapped_column(fk("user_account.id", ondelete="SET NULL"))


class CommunityTrigger(Base):
    """An ASB Case Review application (the Community Trigger) to a Community MARAC / CSVG panel."""

    __tablename__ = "community_trigger"
    __table_args__ = (UniqueConstraint("panel_id", "ref_year", "ref_seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(fk("panel.id"), index=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    ref_year: Mapped[int] = mapped_column(Integer)
    ref_seq: Mapped[int] = mapped_column(Integer)
    received_on: Mapped[date] = mapped_column(Date, index=True)
    applicant_name: Mapped[str] = mapped_column(String(200))
    #: The applicant's postal address, for the response letter.
    applicant_address: Mapped[str] = mapped_column(Text, default="")
    #: True: the applicant is the victim; False: someone applying on the victim's behalf.
    applicant_is_victim: Mapped[bool] = mapped_column(Boolean, default=True)
    on_behalf_of: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    acknowledged_on: Mapped[date | None] = mapped_column(Date)
    threshold_met: Mapped[bool | None] = mapped_column(Boolean)
    decided_on: Mapped[date | None] = mapped_column(Date, index=True)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    #: The panel meeting the review was held at (optional: a review may be held apart).
    review_meeting_id: Mapped[int | None] = mapped_column(fk("meeting.id", ondelete="SET NULL"), index=True)
    reviewed_on: Mapped[date | None] = mapped_column(Date, index=True)
    review_notes: Mapped[str] = mapped_column(Text, default="")
    response_sent_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    incidents: Mapped[list[TriggerIncident]] = relationship(cascade="all, delete-orphan",
                                                            order_by="TriggerIncident.occurred_on")
    recommendations: Mapped[list[TriggerRecommendation]] = relationship(
        cascade="all, delete-orphan", order_by="TriggerRecommendation.position")


class TriggerIncident(Base):
    """An incident the application reports: when, to which agency, and who complained."""

    __tablename__ = "community_trigger_incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    trigger_id: Mapped[int] = mapped_column(fk("community_trigger.id", ondelete="CASCADE"), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    reported_on: Mapped[date | None] = mapped_column(Date)
    agency_id: Mapped[int | None] = mapped_column(fk("agency.id", ondelete="SET NULL"))
    #: Who complained; "" for the applicant (the second threshold rule counts different people).
    complainant: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")


class TriggerRecommendation(Base):
    """A recommendation of the review, to an agency."""

    __tablename__ = "community_trigger_recommendation"

    id: Mapped[int] = mapped_column(primary_key=True)
    trigger_id: Mapped[int] = mapped_column(fk("community_trigger.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    agency_id: Mapped[int | None] = mapped_column(fk("agency.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
