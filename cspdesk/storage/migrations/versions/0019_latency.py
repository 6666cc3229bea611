"""latency: the audit chain's lock and head in one round trip on a server

``cspdesk_audit_locked_head()`` takes the chain's advisory lock and then reads the newest entry,
in one call: appending an audit entry on PostgreSQL was three sequential round trips (lock, head,
insert), now two (issue 23). The head is read by a second statement inside the function, after
the lock is held, so (a VOLATILE function's statements each take a fresh snapshot) it sees the
entry of a writer that held the lock just before. A file is unchanged: its unit of work's write
lock serialises appends there.

Revision ID: 0019_latency
Revises: 0013_engine
Create Date: 2026-12-07 12:50:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0019_latency'
down_revision: str | None = '0013_engine'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The same lock number cspdesk.services.audit.audit takes.
_CHAIN_LOCK = 7244701


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # Like cspdesk_audit_head (0010_rls): the owner's, since an account's role cannot read other
    # panels' entries yet appends to the one trail.
    op.execute(
        f"""CREATE OR REPLACE FUNCTION cspdesk_audit_locked_head() RETURNS TABLE (id integer, hash varchar)
          LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT AS $$
          BEGIN
            PERFORM pg_advisory_xact_lock({_CHAIN_LOCK});
            RETURN QUERY SELECT e.id, e.hash FROM audit_event e ORDER BY e.id DESC LIMIT 1;
          END $$"""
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS cspdesk_audit_locked_head()")
