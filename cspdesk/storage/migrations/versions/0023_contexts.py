"""contexts: CARM's peer groups, places and schools, their assessments and plans

Issue 20. ``carm_context`` makes the CARM case about a place or a peer group a context (peer group,
place or school); ``context_assessment`` holds its dated assessment versions; ``context_goal`` its
plan's goals and measures; ``context_response`` ties a response (an action on the context's case)
to the goal it serves. No existing table changes. On a server every row is kept to the panel of
the context's case (row-level security, through ``case_record``'s own policy).

Revision ID: 0023_contexts
Revises: 0022_risktools
Create Date: 2026-12-07 16:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cspdesk.storage.server_roles import grant_new_tables

revision: str = "0023_contexts"
down_revision: str | None = '0022_risktools'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WORK_TABLES: tuple[str, ...] = ("carm_context", "context_assessment", "context_goal", "context_response")
POLICIES: dict[str, str] = {
    "carm_context": "case_id IN (SELECT id FROM case_record)",
    "context_assessment": "context_id IN (SELECT id FROM carm_context)",
    "context_goal": "context_id IN (SELECT id FROM carm_context)",
    "context_response": "action_id IN (SELECT id FROM action)",
}


def upgrade() -> None:
    op.create_table(
        "carm_context",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("peer_group", "place", "school", name="kind", native_enum=False,
                                  create_constraint=True, length=14), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by_user_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case_record.id"], name=op.f("fk_carm_context_case_id_case_record"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_user_id"], ["user_account.id"],
                                name=op.f("fk_carm_context_created_by_user_id_user_account"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carm_context")),
        sa.UniqueConstraint("case_id", name=op.f("uq_carm_context_case_id")),
    )
    op.create_table(
        "context_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.Integer(), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("assessor", sa.String(length=200), nullable=False),
        sa.Column("what_happens", sa.Text(), nullable=False),
        sa.Column("who_is_harmed", sa.Text(), nullable=False),
        sa.Column("guardians", sa.Text(), nullable=False),
        sa.Column("safety_plan", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["by_user_id"], ["user_account.id"],
                                name=op.f("fk_context_assessment_by_user_id_user_account"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["context_id"], ["carm_context.id"],
                                name=op.f("fk_context_assessment_context_id_carm_context"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_context_assessment")),
    )
    op.create_index("ix_context_assessment_context_on", "context_assessment", ["context_id", "assessed_on"])
    op.create_table(
        "context_goal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("goal", sa.Text(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["context_id"], ["carm_context.id"],
                                name=op.f("fk_context_goal_context_id_carm_context"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_context_goal")),
    )
    op.create_index(op.f("ix_context_goal_context_id"), "context_goal", ["context_id"])
    op.create_table(
        "context_response",
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("goal_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["action_id"], ["action.id"], name=op.f("fk_context_response_action_id_action"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["goal_id"], ["context_goal.id"],
                                name=op.f("fk_context_response_goal_id_context_goal"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("action_id", name=op.f("pk_context_response")),
    )
    op.create_index(op.f("ix_context_response_goal_id"), "context_response", ["goal_id"])
    if op.get_bind().dialect.name == "postgresql":
        grant_new_tables(op.execute, WORK_TABLES, POLICIES)


def downgrade() -> None:
    op.drop_table("context_response")
    op.drop_table("context_goal")
    op.drop_table("context_assessment")
    op.drop_table("carm_context")
