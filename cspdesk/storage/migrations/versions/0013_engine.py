"""engine: a stored subject sort key for the case list

``case_record.subject_sort`` holds the subject as the list sorts it, with an index, so sorting by
subject no longer computes a name over three outer joins for every case (issue 23). Filled here for
the cases already held, with the same expression cspdesk.storage.sort_keys uses.

Revision ID: 0013_engine
Revises: 0006_meetings
Create Date: 2026-12-07 10:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013_engine'
down_revision: str | None = '0012_plans'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_sort', sa.String(length=300), nullable=False, server_default=''))
        batch_op.create_index('ix_case_record_subject_sort', ['subject_sort'], unique=False)
    op.execute(
        "UPDATE case_record SET subject_sort = COALESCE("
        "(SELECT person.family_norm || ' ' || person.given_norm FROM person"
        " WHERE person.id = case_record.subject_person_id),"
        " (SELECT subject_group.name_norm FROM subject_group WHERE subject_group.id = case_record.subject_group_id),"
        " (SELECT location.name_norm FROM location WHERE location.id = case_record.subject_location_id),"
        " '')"
    )


def downgrade() -> None:
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.drop_index('ix_case_record_subject_sort')
        batch_op.drop_column('subject_sort')
