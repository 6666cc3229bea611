"""audit signing keys and checkpoints

Each account signs its audit entries with an Ed25519 key (its private half wrapped under the
account's password); administrators seal the chain's head in checkpoints. Entries already in the
trail stay unsigned: verification reports them as written before signing began (issue 22, item 7).

Revision ID: 0009_audit
Revises: 0004_actions
Create Date: 2026-12-07 09:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_audit'
down_revision: str | None = '0007_history'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('signing_key_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('signature', sa.String(length=128), server_default='', nullable=False))
    op.create_table(
        'audit_signing_key',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('public_key', sa.String(length=64), nullable=False),
        sa.Column('wrapped_private', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('retired_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_signing_key')),
    )
    with op.batch_alter_table('audit_signing_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_signing_key_user_id'), ['user_id'], unique=False)
    op.create_table(
        'audit_checkpoint',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('head_hash', sa.String(length=64), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('signing_key_id', sa.Integer(), nullable=False),
        sa.Column('signature', sa.String(length=128), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoint')),
    )


def downgrade() -> None:
    op.drop_table('audit_checkpoint')
    with op.batch_alter_table('audit_signing_key', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_signing_key_user_id'))
    op.drop_table('audit_signing_key')
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_column('signature')
        batch_op.drop_column('signing_key_id')
