"""meetings: cancelled meetings and the "Deferred — not heard" decision

A meeting can be cancelled (with a reason, when and by whom; its cases go back to be listed), and
a case on a meeting's agenda can be deferred (not heard). Both are new values of CHECK-limited
columns, so the two CHECK constraints are replaced (issue 16, items 4 and 7).

Revision ID: 0006_meetings
Revises: 0004_actions
Create Date: 2026-12-07 09:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006_meetings'
down_revision: str | None = '0005_record'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MEETING_STATUSES = ('planned', 'in_progress', 'held', 'finalised')
DECISIONS = ('continue', 'close', 'refer_on')


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancel_reason', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_by_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_meeting_cancelled_by_user_id_user_account'), 'user_account',
                                    ['cancelled_by_user_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_constraint(op.f('ck_meeting_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_meeting_status'), _in('status', (*MEETING_STATUSES, 'cancelled')))
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_agenda_item_decision'), type_='check')
        batch_op.create_check_constraint(op.f('ck_agenda_item_decision'), _in('decision', (*DECISIONS, 'deferred')))


def downgrade() -> None:
    # Deferred items go back to having no decision; cancelled meetings to planned.
    op.execute("UPDATE agenda_item SET decision = NULL WHERE decision = 'deferred'")
    op.execute("UPDATE meeting SET status = 'planned' WHERE status = 'cancelled'")
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_agenda_item_decision'), type_='check')
        batch_op.create_check_constraint(op.f('ck_agenda_item_decision'), _in('decision', DECISIONS))
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_meeting_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_meeting_status'), _in('status', MEETING_STATUSES))
        batch_op.drop_constraint(op.f('fk_meeting_cancelled_by_user_id_user_account'), type_='foreignkey')
        batch_op.drop_column('cancelled_by_user_id')
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('cancel_reason')
