"""risktools: each assessment records its risk tool and version

``risk_assessment.tool_id`` / ``tool_version`` name the definition file's tool
(``cspdesk/resources/risk_tools``; issue 19). The DASH-kind assessments already held are marked
here: with answers, DASH 2009 (the only checklist the app had); without answers, "score only
(answers not held)" — imported history, which the referral service wrote with the note
"score only, answers not held" and no answers. Other kinds (vulnerability, threat/harm,
contextual) are not tool-based and stay NULL. No table is added, so no grants or policies.

Revision ID: 0022_risktools
Revises: 0018_speed
Create Date: 2026-12-07 13:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0022_risktools'
down_revision: str | None = '0018_speed'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: No tables added (tests/storage/test_postgres_rls.py reads these).
WORK_TABLES: tuple[str, ...] = ()
POLICIES: dict[str, str] = {}

_HAS_ANSWERS = "EXISTS (SELECT 1 FROM risk_answer WHERE risk_answer.assessment_id = risk_assessment.id)"


def upgrade() -> None:
    with op.batch_alter_table('risk_assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tool_id', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('tool_version', sa.String(length=20), nullable=True))
    op.execute("UPDATE risk_assessment SET tool_id = 'dash_2009', tool_version = '2009'"
               f" WHERE kind = 'dash' AND {_HAS_ANSWERS}")
    op.execute("UPDATE risk_assessment SET tool_id = 'score_only', tool_version = '1'"
               f" WHERE kind = 'dash' AND NOT {_HAS_ANSWERS}")


def downgrade() -> None:
    # Not batch mode: on SQLite a batch drop copies the table and drops the old one, and with
    # foreign keys on, that drop cascades to every risk_answer. SQLite (3.35+, SQLCipher's is newer)
    # and PostgreSQL both drop a column in place.
    op.drop_column('risk_assessment', 'tool_version')
    op.drop_column('risk_assessment', 'tool_id')
