"""triage: daily triage meetings and ASB case reviews (the Community Trigger)

Issue 19, part C. ``triage_meeting`` / ``triage_item``: a MARAC panel's daily triage of the referrals
received in the last 24 hours (72 on Mondays), each with its outcome and minute.
``community_trigger`` with its ``_incident`` and ``_recommendation`` rows: ASB case review
applications on Community MARAC / CSVG panels. The threshold and timescale settings live in
``partnership.settings["community_trigger"]`` (JSON; no column).

On a server each table is granted to the accounts' group and kept to the account's panels by
row-level security: a triage meeting and an application by their panel; their rows through them.

Revision ID: 0027_triage
Revises: 0026_orders
Create Date: 2026-12-07 16:05:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cspdesk.storage.server_roles import grant_new_tables

revision: str = '0027_triage'
down_revision: str | None = '0026_orders'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WORK_TABLES: tuple[str, ...] = ('triage_meeting', 'triage_item', 'community_trigger', 'community_trigger_incident',
                                'community_trigger_recommendation')
POLICIES: dict[str, str] = {
    "triage_meeting": "panel_id = ANY ({mine})",
    "triage_item": "triage_meeting_id IN (SELECT id FROM triage_meeting)"
                   " AND case_id IN (SELECT id FROM case_record)",
    "community_trigger": "panel_id = ANY ({mine})",
    "community_trigger_incident": "trigger_id IN (SELECT id FROM community_trigger)",
    "community_trigger_recommendation": "trigger_id IN (SELECT id FROM community_trigger)",
}


def upgrade() -> None:
    op.create_table('triage_meeting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('window_first', sa.Date(), nullable=False),
    sa.Column('window_last', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_user_id'], ['user_account.id'], name=op.f('fk_triage_meeting_created_by_user_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['panel_id'], ['panel.id'], name=op.f('fk_triage_meeting_panel_id_panel')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_triage_meeting')),
    sa.UniqueConstraint('panel_id', 'held_on', name=op.f('uq_triage_meeting_panel_id_held_on'))
    )
    with op.batch_alter_table('triage_meeting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_triage_meeting_panel_id'), ['panel_id'], unique=False)

    op.create_table('community_trigger',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('ref_year', sa.Integer(), nullable=False),
    sa.Column('ref_seq', sa.Integer(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('applicant_name', sa.String(length=200), nullable=False),
    sa.Column('applicant_address', sa.Text(), nullable=False),
    sa.Column('applicant_is_victim', sa.Boolean(), nullable=False),
    sa.Column('on_behalf_of', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('acknowledged_on', sa.Date(), nullable=True),
    sa.Column('threshold_met', sa.Boolean(), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.Column('review_meeting_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_on', sa.Date(), nullable=True),
    sa.Column('review_notes', sa.Text(), nullable=False),
    sa.Column('response_sent_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['panel_id'], ['panel.id'], name=op.f('fk_community_trigger_panel_id_panel')),
    sa.ForeignKeyConstraint(['review_meeting_id'], ['meeting.id'], name=op.f('fk_community_trigger_review_meeting_id_meeting'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_trigger')),
    sa.UniqueConstraint('panel_id', 'ref_year', 'ref_seq', name=op.f('uq_community_trigger_panel_id_ref_year_ref_seq')),
    sa.UniqueConstraint('reference', name=op.f('uq_community_trigger_reference'))
    )
    with op.batch_alter_table('community_trigger', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_community_trigger_decided_on'), ['decided_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_community_trigger_panel_id'), ['panel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_community_trigger_received_on'), ['received_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_community_trigger_review_meeting_id'), ['review_meeting_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_community_trigger_reviewed_on'), ['reviewed_on'], unique=False)

    op.create_table('community_trigger_incident',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trigger_id', sa.Integer(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('complainant', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_community_trigger_incident_agency_id_agency'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['trigger_id'], ['community_trigger.id'], name=op.f('fk_community_trigger_incident_trigger_id_community_trigger'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_trigger_incident'))
    )
    with op.batch_alter_table('community_trigger_incident', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_community_trigger_incident_trigger_id'), ['trigger_id'], unique=False)

    op.create_table('community_trigger_recommendation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('trigger_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_community_trigger_recommendation_agency_id_agency'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['trigger_id'], ['community_trigger.id'], name=op.f('fk_community_trigger_recommendation_trigger_id_community_trigger'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_community_trigger_recommendation'))
    )
    with op.batch_alter_table('community_trigger_recommendation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_community_trigger_recommendation_trigger_id'), ['trigger_id'], unique=False)

    op.create_table('triage_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('triage_meeting_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('to_marac', 'single_agency', 'nfa', name='outcome', native_enum=False, create_constraint=True, length=17), nullable=True),
    sa.Column('minute', sa.Text(), nullable=False),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('decided_by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_triage_item_case_id_case_record'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_user_id'], ['user_account.id'], name=op.f('fk_triage_item_decided_by_user_id_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['triage_meeting_id'], ['triage_meeting.id'], name=op.f('fk_triage_item_triage_meeting_id_triage_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_triage_item')),
    sa.UniqueConstraint('case_id', name=op.f('uq_triage_item_case_id'))
    )
    with op.batch_alter_table('triage_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_triage_item_triage_meeting_id'), ['triage_meeting_id'], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        grant_new_tables(op.execute, WORK_TABLES, POLICIES)


def downgrade() -> None:
    op.drop_table('triage_item')
    op.drop_table('community_trigger_recommendation')
    op.drop_table('community_trigger_incident')
    op.drop_table('community_trigger')
    op.drop_table('triage_meeting')
