"""an action completed on a day no one knows

A partnership's imported plan may say an action was delivered without saying when (issue 17): its
completion date is then unknown, not the day of the import. The check that a completed action has
a completion date goes; the services still ask for the date wherever a person marks an action
completed.

Revision ID: 0012_plans
Revises: 0004_actions
Create Date: 2026-12-07 10:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012_plans'
down_revision: str | None = '0010_rls'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_action_completed_has_date'), type_='check')


def downgrade() -> None:
    # Completed actions with no date cannot satisfy the check: they keep the day they were last changed.
    op.execute(sa.text("UPDATE action SET completed_on = CAST(updated_at AS DATE) "
                       "WHERE status = 'completed' AND completed_on IS NULL"))
    with op.batch_alter_table('action', schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f('ck_action_completed_has_date'),
                                         "status <> 'completed' OR completed_on IS NOT NULL")
