"""CARM contexts' tables (issue 20): a context, its dated assessments, its plan's goals, and which
goal each response (an action on the context's case) serves. See cspdesk.domain.contexts.

Need to know: everything here hangs off the context's case, so it is on that case's panel, as the
case's risk assessments are (row-level security on a server: migration 0023_contexts)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cspdesk.domain.contexts import ContextKind
from cspdesk.storage.models import Base, enum_column, fk


class CarmContext(Base):
    """A peer group, place or school a CARM panel works with: the case about it, and its kind."""

    __tablename__ = "carm_context"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(fk("case_record.id", ondelete="CASCADE"), unique=True)
    kind: Mapped[ContextKind] = mapped_column(enum_column(ContextKind, "kind"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    created_by_user_id: Mapped[int | None] = mapped_column(fk("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class ContextAssessment(Base):
    """One version of a context's assessment, as of ``assessed_on``; never edited (a change is a
    new version), so the history shows how the context changed."""

    __tablename__ = "context_assessment"
    __table_args__ = (Index("ix_context_assessment_context_on", "context_id", "assessed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(fk("carm_context.id", ondelete="CASCADE"))
    assessed_on: Mapped[date] = mapped_column(Date)
    assessor: Mapped[str] = mapped_column(String(200), default="")
    what_happens: Mapped[str] = mapped_column(Text, default="")
    who_is_harmed: Mapped[str] = mapped_column(Text, default="")
    guardians: Mapped[str] = mapped_column(Text, default="")
    safety_plan: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    by_user_id: Mapped[int | None] = mapped_column(fk("user_account.id", ondelete="SET NULL"))


class ContextGoal(Base):
    """A goal of a context's plan (the Contextual Outcomes Framework) and how progress is measured."""

    __tablename__ = "context_goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    context_id: Mapped[int] = mapped_column(fk("carm_context.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    goal: Mapped[str] = mapped_column(Text)
    measures: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class ContextResponse(Base):
    """A response of a context's plan: an action on the context's case (so it is tracked, chased and
    reviewed at meetings like every action), serving one goal."""

    __tablename__ = "context_response"

    action_id: Mapped[int] = mapped_column(fk("action.id", ondelete="CASCADE"), primary_key=True)
    goal_id: Mapped[int] = mapped_column(fk("context_goal.id", ondelete="CASCADE"), index=True)
