"""action tracker indexes

Indexes for the action tracker at county scale (~500,000 actions, issue 6): a panel's actions in
due-date order (with status, for RAG), one agency's actions on a panel, a panel's actions by case, and RAG/overdue filters across panels (status and
due date). Each covers its query, so the tracker's id list is read from the index alone.

Revision ID: 0004_actions
Revises: 0003_referrals
Create Date: 2026-11-22 06:10:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0004_actions'
down_revision: str | None = '0003_referrals'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_action_panel_due', 'action', ['panel_id', 'due_date', 'status'], unique=False)
    op.create_index('ix_action_panel_agency_due', 'action', ['panel_id', 'owner_agency_id', 'due_date'], unique=False)
    op.create_index('ix_action_panel_case', 'action', ['panel_id', 'case_id', 'group_id', 'due_date'], unique=False)
    op.create_index('ix_action_status_due', 'action', ['status', 'due_date'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_action_status_due', table_name='action')
    op.drop_index('ix_action_panel_case', table_name='action')
    op.drop_index('ix_action_panel_agency_due', table_name='action')
    op.drop_index('ix_action_panel_due', table_name='action')
