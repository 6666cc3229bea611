"""agencies in the loop without accounts

An agency's secure e-mail address; the papers sent to agencies for a meeting (research requests,
action update sheets, minutes extracts) and the research they return (issue 18).

Revision ID: 0020_agencies
Revises: 0019_latency
Create Date: 2026-12-07 12:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cspdesk.storage.server_roles import grant_new_tables

revision: str = '0020_agencies'
down_revision: str | None = '0019_latency'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Both tables hold what is known about a meeting's cases: accounts reach them through the meeting.
WORK_TABLES = ("agency_circulation", "agency_research")
POLICIES = {
    "agency_circulation": "meeting_id IN (SELECT id FROM meeting)",
    "agency_research": "meeting_id IN (SELECT id FROM meeting) AND case_id IN (SELECT id FROM case_record)",
}


def upgrade() -> None:
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secure_email', sa.String(length=254), nullable=False, server_default=''))
    op.create_table(
        'agency_circulation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('research', 'actions', 'minutes', name='kind', native_enum=False,
                                  create_constraint=True, length=12), nullable=False),
        sa.Column('sheet_id', sa.String(length=40), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('rows', sa.JSON(), nullable=False),
        sa.Column('files', sa.JSON(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.Column('sent_by', sa.String(length=200), nullable=False),
        sa.Column('returned_at', sa.DateTime(), nullable=True),
        sa.Column('returned_by', sa.String(length=200), nullable=False),
        sa.Column('return_summary', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_agency_circulation_agency_id_agency')),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_agency_circulation_meeting_id_meeting'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_circulation')),
        sa.UniqueConstraint('sheet_id', name=op.f('uq_agency_circulation_sheet_id')),
    )
    with op.batch_alter_table('agency_circulation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_circulation_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_circulation_meeting_id'), ['meeting_id'], unique=False)
    op.create_table(
        'agency_research',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('meeting_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('agenda_item_id', sa.Integer(), nullable=True),
        sa.Column('circulation_id', sa.Integer(), nullable=True),
        sa.Column('known', sa.Boolean(), nullable=True),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('risks', sa.Text(), nullable=False),
        sa.Column('victim_contact', sa.Text(), nullable=False),
        sa.Column('returned_at', sa.DateTime(), nullable=False),
        sa.Column('imported_by', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_agency_research_agency_id_agency')),
        sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'],
                                name=op.f('fk_agency_research_agenda_item_id_agenda_item'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_agency_research_case_id_case_record'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['circulation_id'], ['agency_circulation.id'],
                                name=op.f('fk_agency_research_circulation_id_agency_circulation'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_agency_research_meeting_id_meeting'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_research')),
        sa.UniqueConstraint('meeting_id', 'agency_id', 'case_id', name=op.f('uq_agency_research_meeting_id_agency_id_case_id')),
    )
    with op.batch_alter_table('agency_research', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_research_agency_id'), ['agency_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_research_agenda_item_id'), ['agenda_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_research_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_research_meeting_id'), ['meeting_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        grant_new_tables(op.execute, WORK_TABLES, POLICIES)


def downgrade() -> None:
    op.drop_table('agency_research')
    op.drop_table('agency_circulation')
    # Not batch mode: on SQLite a batch drop copies the table and drops the old one, which with
    # foreign keys on fails (or cascades) for a table others refer to. SQLite 3.35+ (SQLCipher's is
    # newer) and PostgreSQL both drop a column in place.
    op.drop_column('agency', 'secure_email')
