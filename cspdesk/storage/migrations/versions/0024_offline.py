"""offline: meetings checked out to run without a network (issue 21)

``meeting_checkout`` says which meeting is out, to whom and until when (on a server), and in a
meeting file ties the file to the server's row (cspdesk.storage.model_offline). A row belongs to
its meeting's panel: an account sees the checkouts of the meetings it sees.

Revision ID: 0024_offline
Revises: 0023_contexts
Create Date: 2026-12-07 16:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cspdesk.storage.server_roles import grant_new_tables

revision: str = "0024_offline"
down_revision: str | None = '0023_contexts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WORK_TABLES: tuple[str, ...] = ("meeting_checkout",)
POLICIES: dict[str, str] = {"meeting_checkout": "meeting_id IN (SELECT id FROM meeting)"}

#: The tables of a meeting that stay read-only while it is checked out.
GUARDED = ("meeting", "agenda_item", "attendance", "minutes_addendum")

#: The server itself refuses a change to a checked-out meeting (no extra round trip for the
#: services: the refusal comes with the write). The check-in sets ``cspdesk.checking_in`` for its
#: own transaction. The message is read by cspdesk.services.offline_guard.
REFUSE_CHECKED_OUT = """
CREATE OR REPLACE FUNCTION cspdesk_refuse_checked_out() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE r record; mid integer; who text; till date;
BEGIN
  IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
  IF current_setting('cspdesk.checking_in', true) = 'on' THEN RETURN r; END IF;
  IF TG_TABLE_NAME = 'meeting' THEN mid := r.id; ELSE mid := r.meeting_id; END IF;
  SELECT username, until INTO who, till FROM meeting_checkout WHERE meeting_id = mid AND state = 'out' LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'cspdesk-checked-out|%|%', who, till USING ERRCODE = 'P0001';
  END IF;
  RETURN r;
END $$
"""


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
        op.execute(REFUSE_CHECKED_OUT)
        for table in GUARDED:
            op.execute(f"CREATE TRIGGER cspdesk_checked_out BEFORE INSERT OR UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION cspdesk_refuse_checked_out()")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in GUARDED:
            op.execute(f"DROP TRIGGER IF EXISTS cspdesk_checked_out ON {table}")
        op.execute("DROP FUNCTION IF EXISTS cspdesk_refuse_checked_out()")
    with op.batch_alter_table("meeting_checkout", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_checkout_meeting_id"))
    op.drop_table("meeting_checkout")
