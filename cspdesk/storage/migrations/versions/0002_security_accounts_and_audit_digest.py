"""accounts and audit digest

Revision ID: 0002_security
Revises: 0001_initial
Create Date: 2026-11-22 02:51:34.508306
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002_security'
down_revision: str | None = '0001_initial'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('details_digest', sa.String(length=64), server_default='', nullable=False))

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default='0', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('must_change_password')

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('details_digest')

