"""children: each child on a case in their own right, and the server's serial-perpetrator count

Issue 19, part A. ``case_child`` holds, per child per case (a ``case_person`` in the child role):
not in education, the Operation Encompass notification (whether, when, by which agency or whom)
and the children's services status. Accounts reach a row through its case, as ``case_person``.

On PostgreSQL an account cannot read other panels' cases (row-level security), so it cannot count
a perpetrator's victims there itself: ``cspdesk_victim_count(person)`` runs as the owner and
returns the number of different victims the person is linked to as perpetrator on any case — only
a number, and 0 unless the person is on one of the calling account's own panels (no oracle).

Revision ID: 0025_children
Revises: 0024_offline
Create Date: 2026-12-07 16:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cspdesk.storage.server_roles import grant_new_tables

revision: str = "0025_children"
down_revision: str | None = '0024_offline'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: A child's details are a case's: accounts reach them through the case (as case_person).
WORK_TABLES = ("case_child",)
POLICIES = {
    "case_child": "case_person_id IN (SELECT id FROM case_person)",
}

VICTIM_COUNT = """
CREATE OR REPLACE FUNCTION cspdesk_victim_count(pid integer) RETURNS integer
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  -- The calling account's panels (inside this function current_user is the owner; the account's
  -- role is the session's user). The owner itself, which reads every row anyway, counts all.
  WITH mine AS (
    SELECT pm.panel_id AS id FROM panel_membership pm JOIN user_account u ON u.id = pm.user_id
    WHERE u.db_role = session_user AND u.is_active),
  admin AS (
    SELECT 1 FROM user_account u WHERE u.db_role = session_user AND u.is_active AND u.role = 'administrator')
  SELECT CASE WHEN session_user = current_user OR EXISTS (SELECT 1 FROM admin) OR EXISTS (
      SELECT 1 FROM case_person cp JOIN case_record c ON c.id = cp.case_id
      WHERE cp.person_id = pid AND c.panel_id IN (SELECT id FROM mine)
      UNION ALL SELECT 1 FROM case_record c WHERE c.subject_person_id = pid AND c.panel_id IN (SELECT id FROM mine))
    THEN (SELECT count(DISTINCT v.person_id)::integer
          FROM case_person p JOIN case_person v ON v.case_id = p.case_id AND v.role = 'victim'
          WHERE p.person_id = pid AND p.role = 'perpetrator' AND v.person_id <> pid)
    ELSE 0 END $$"""


def upgrade() -> None:
    op.create_table(
        "case_child",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_person_id", sa.Integer(), nullable=False),
        sa.Column("not_in_education", sa.Boolean(), nullable=False),
        sa.Column("encompass_notified", sa.Boolean(), nullable=True),
        sa.Column("encompass_on", sa.Date(), nullable=True),
        sa.Column("encompass_by_agency_id", sa.Integer(), nullable=True),
        sa.Column("encompass_by", sa.String(length=200), nullable=False),
        sa.Column("csc_status", sa.Enum("none", "early_help", "child_in_need", "child_protection", "looked_after",
                                        name="csc_status", native_enum=False, create_constraint=True, length=20),
                  nullable=True),
        sa.ForeignKeyConstraint(["case_person_id"], ["case_person.id"],
                                name=op.f("fk_case_child_case_person_id_case_person"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["encompass_by_agency_id"], ["agency.id"],
                                name=op.f("fk_case_child_encompass_by_agency_id_agency"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_child")),
        sa.UniqueConstraint("case_person_id", name=op.f("uq_case_child_case_person_id")),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    grant_new_tables(op.execute, WORK_TABLES, POLICIES)
    op.execute(VICTIM_COUNT)
    op.execute("REVOKE EXECUTE ON FUNCTION cspdesk_victim_count(integer) FROM PUBLIC")
    op.execute("""DO $$ BEGIN
        EXECUTE format('GRANT EXECUTE ON FUNCTION cspdesk_victim_count(integer) TO %I', cspdesk_role_name('+users'));
      END $$""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS cspdesk_victim_count(integer)")
    op.drop_table("case_child")
