"""referral history

A partnership's own referral history (issue 17): meetings made from a log's meeting dates are
marked imported; a case keeps a log's number of children (when the children are not named) and
the victim's age band (when the date of birth is not held); a person keeps sexual orientation and
gender identity as recorded.

Revision ID: 0007_history
Revises: 0004_actions
Create Date: 2026-12-07 09:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007_history'
down_revision: str | None = '0006_meetings'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('imported', sa.Boolean(), server_default='0', nullable=False))
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('children_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('victim_age_band', sa.String(length=20), server_default='', nullable=False))
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sexual_orientation', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('gender_identity', sa.String(length=40), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('gender_identity')
        batch_op.drop_column('sexual_orientation')
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.drop_column('victim_age_band')
        batch_op.drop_column('children_count')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_column('imported')
