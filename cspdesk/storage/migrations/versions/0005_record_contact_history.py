"""a person's contact history (issue 16, item 1)

Adds ``person_contact_change``: the contact details a person had before a referral (or an edit)
replaced them, with who, when and on which case — an address history is a safeguarding record.

Revision ID: 0005_record
Revises: 0004_actions
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005_record'
down_revision: str | None = '0004_actions'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'person_contact_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.Column('changed_by_user_id', sa.Integer(), nullable=True),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('address', sa.Text(), nullable=False),
        sa.Column('postcode', sa.String(length=12), nullable=False),
        sa.Column('phone', sa.String(length=40), nullable=False),
        sa.Column('safe_to_call', sa.Boolean(), nullable=True),
        sa.Column('safe_times', sa.String(length=200), nullable=False),
        sa.Column('contact_notes', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case_record.id'],
                                name=op.f('fk_person_contact_change_case_id_case_record'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['changed_by_user_id'], ['user_account.id'],
                                name=op.f('fk_person_contact_change_changed_by_user_id_user_account'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['person_id'], ['person.id'],
                                name=op.f('fk_person_contact_change_person_id_person'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_person_contact_change')),
    )
    with op.batch_alter_table('person_contact_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_contact_change_person_id'), ['person_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('person_contact_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_contact_change_person_id'))
    op.drop_table('person_contact_change')
