"""phonetic name keys for finding people as the coordinator types; case list indexes (issue 4)

Adds ``person.given_key``/``family_key`` and ``person_alias.alias_key`` (see
``cspdesk.domain.rules.name_key``), indexed, and fills them for the people already held; and two
indexes that let the case list filter by risk or referring agency, newest first, from the index,
and one that lets search read every alias from an index.

Revision ID: 0003_referrals
Revises: 0002_security
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cspdesk.domain.rules import first_word, last_word, name_key

revision: str = '0003_referrals'
down_revision: str | None = '0002_security'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('given_key', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('family_key', sa.String(length=40), server_default='', nullable=False))
        batch_op.create_index('ix_person_family_key', ['family_key'], unique=False)
        batch_op.create_index('ix_person_given_key_date_of_birth', ['given_key', 'date_of_birth'], unique=False)

    with op.batch_alter_table('person_alias', schema=None) as batch_op:
        batch_op.add_column(sa.Column('alias_key', sa.String(length=40), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_person_alias_alias_key'), ['alias_key'], unique=False)
        batch_op.create_index('ix_person_alias_person_norm', ['person_id', 'alias_norm'], unique=False)

    op.create_index('ix_case_record_risk_level_referral', 'case_record', ['risk_level', 'referral_date'])
    op.create_index('ix_case_record_agency_referral', 'case_record', ['referring_agency_id', 'referral_date'])

    # Fill the keys of the people already held (the demo's, or a partnership's).
    conn = op.get_bind()
    person = sa.table('person', sa.column('id'), sa.column('given_name'), sa.column('family_name'),
                      sa.column('given_key'), sa.column('family_key'))
    alias = sa.table('person_alias', sa.column('id'), sa.column('alias'), sa.column('alias_key'))
    rows = conn.execute(sa.select(person.c.id, person.c.given_name, person.c.family_name)).all()
    update = sa.update(person).where(person.c.id == sa.bindparam('pid')).values(
        given_key=sa.bindparam('gk'), family_key=sa.bindparam('fk'))
    for start in range(0, len(rows), BATCH):
        conn.execute(update, [{'pid': r.id, 'gk': name_key(first_word(r.given_name)), 'fk': name_key(r.family_name)}
                              for r in rows[start:start + BATCH]])
    alias_rows = conn.execute(sa.select(alias.c.id, alias.c.alias)).all()
    update = sa.update(alias).where(alias.c.id == sa.bindparam('aid')).values(alias_key=sa.bindparam('ak'))
    for start in range(0, len(alias_rows), BATCH):
        conn.execute(update, [{'aid': r.id, 'ak': name_key(last_word(r.alias))}
                              for r in alias_rows[start:start + BATCH]])


def downgrade() -> None:
    op.drop_index('ix_case_record_agency_referral', table_name='case_record')
    op.drop_index('ix_case_record_risk_level_referral', table_name='case_record')

    with op.batch_alter_table('person_alias', schema=None) as batch_op:
        batch_op.drop_index('ix_person_alias_person_norm')
        batch_op.drop_index(batch_op.f('ix_person_alias_alias_key'))
        batch_op.drop_column('alias_key')

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_given_key_date_of_birth')
        batch_op.drop_index('ix_person_family_key')
        batch_op.drop_column('family_key')
        batch_op.drop_column('given_key')
