"""speed: stored search keys for the case search, and stored sort keys for the case list

``case_search_key`` holds every word a case is found by (its reference, the names and aliases of
its people, its group's or place's name), each with the case's referral date and panel, so a search
of any term — two letters too — walks one index in the list's order and stops at its limit
(issue 23). Filled here for the cases already held, with the code that keeps it
(cspdesk.storage.search_keys). The case list's other sort keys (status and risk ranks, panel and
referrer names) are stored on ``case_record`` with an index each, with the review date's, so a
window of ids in any order is an index walk (cspdesk.storage.sort_keys).

Revision ID: 0018_speed
Revises: 0021_chronology
Create Date: 2026-12-07 12:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0018_speed'
down_revision: str | None = '0021_chronology'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WORK_TABLES = ("case_search_key",)
#: Names of people: only the keys of cases on the account's panels.
POLICIES = {"case_search_key": "panel_id = ANY ({mine})"}


def upgrade() -> None:
    op.create_table(
        'case_search_key',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('panel_id', sa.Integer(), nullable=False),
        sa.Column('referral_date', sa.Date(), nullable=False),
        sa.Column('owner', sa.Integer(), nullable=False),
        sa.Column('word', sa.String(length=200), nullable=False),
        sa.Column('key2', sa.String(length=2), nullable=False),
        sa.Column('key3', sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(['case_id'], ['case_record.id'], name=op.f('fk_case_search_key_case_id_case_record'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_search_key')),
    )
    with op.batch_alter_table('case_search_key', schema=None) as batch_op:
        batch_op.create_index('ix_case_search_key_key2', ['key2', 'referral_date', 'case_id', 'owner', 'panel_id'],
                              unique=False)
        batch_op.create_index('ix_case_search_key_key3',
                              ['key3', 'referral_date', 'case_id', 'owner', 'panel_id', 'word'], unique=False)
        batch_op.create_index('ix_case_search_key_case_owner_word', ['case_id', 'owner', 'word'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        from cspdesk.storage.server_roles import grant_new_tables

        grant_new_tables(op.execute, WORK_TABLES, POLICIES)
    with op.batch_alter_table('case_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status_rank', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('risk_rank', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('panel_sort', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('referrer_sort', sa.String(length=200), nullable=True))
        batch_op.create_index('ix_case_record_status_rank', ['status_rank', 'id'], unique=False)
        batch_op.create_index('ix_case_record_risk_rank', ['risk_rank', 'id'], unique=False)
        batch_op.create_index('ix_case_record_panel_sort', ['panel_sort', 'id'], unique=False)
        batch_op.create_index('ix_case_record_referrer_sort', ['referrer_sort', 'id'], unique=False)
        batch_op.create_index('ix_case_record_review_date', ['review_date', 'id'], unique=False)
    from cspdesk.storage.search_keys import refresh_search_keys
    from cspdesk.storage.sort_keys import refresh_case_sort_keys

    refresh_search_keys(op.get_bind())
    refresh_case_sort_keys(op.get_bind())


def downgrade() -> None:
    # Not batch mode: on SQLite a batch drop copies the table and drops the old one, which with
    # foreign keys on fails (or cascades) for a table others refer to. SQLite 3.35+ (SQLCipher's is
    # newer) and PostgreSQL both drop a column in place.
    for name in ('review_date', 'referrer_sort', 'panel_sort', 'risk_rank', 'status_rank'):
        op.drop_index(f'ix_case_record_{name}', table_name='case_record')
    for column in ('referrer_sort', 'panel_sort', 'risk_rank', 'status_rank'):
        op.drop_column('case_record', column)
    with op.batch_alter_table('case_search_key', schema=None) as batch_op:
        batch_op.drop_index('ix_case_search_key_case_owner_word')
        batch_op.drop_index('ix_case_search_key_key3')
        batch_op.drop_index('ix_case_search_key_key2')
    op.drop_table('case_search_key')
