"""offline: meetings checked out to run without a network (issue 21)

``meeting_checkout`` says which meeting is out, to whom and until when (on a server), and in a
meeting file ties the file to the server's row (cspdesk.storage.model_offline). A row belongs to
its meeting's panel: an account sees the checkouts of the meetings it sees.

Revision ID: 0024_offline
Revises: 0022_risktools
Create Date: 2026-12-07 16:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cspdesk.storage.server_roles import grant_new_tables

revision: str = "0024_offline"
down_revision: str | None = "0022_risktools"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WORK_TABLES: tuple[str, ...] = ("meeting_checkout",)
POLICIES: dict[str, str] = {"meeting_checkout": "meeting_id IN (SELECT id FROM meeting)"}


def upgrade() -> None:
    op.create_table(
        "meeting_checkout",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("checked_out_at", sa.DateTime(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("ended_by", sa.String(length=80), nullable=False),
        sa.Column("server", sa.String(length=500), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["meeting.id"], name=op.f("fk_meeting_checkout_meeting_id_meeting"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_checkout")),
        sa.UniqueConstraint("token", name=op.f("uq_meeting_checkout_token")),
    )
    with op.batch_alter_table("meeting_checkout", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_checkout_meeting_id"), ["meeting_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        grant_new_tables(op.execute, WORK_TABLES, POLICIES)


def downgrade() -> None:
    with op.batch_alter_table("meeting_checkout", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_checkout_meeting_id"))
    op.drop_table("meeting_checkout")
