"""chronology: "also known to" settings per pair of panels, and the server's function for them

Issue 20. ``panel_disclosure`` holds the pairs of panels whose "also known to" setting differs from
the default (cspdesk.domain.known_to: shown between MARAC, CSVG and CARM, never for SOCP). On
PostgreSQL an account cannot read another panel's rows (row-level security), so it cannot find out
itself which other panels hold a person: ``cspdesk_also_known_to(person, panels)`` runs as the
owner and returns only the names the setting allows for the calling account's own panels (those of
``panels`` it is a member of) — and nothing at all unless the person is on one of them (no oracle).
Only the accounts' group role and the owner may call it. Everyone reads the settings; administrators change them.

Revision ID: 0021_chronology
Revises: 0020_agencies
Create Date: 2026-12-07 12:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021_chronology"
down_revision: str | None = '0020_agencies'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: Accounts read the settings (a partnership setting, no person's data); administrators change them.
READ_TABLES = ("panel_disclosure",)
WORK_TABLES: tuple[str, ...] = ()
POLICIES: dict[str, str] = {}

#: The default as it stood when this migration was written (cspdesk.domain.known_to.SHOWN_BY_DEFAULT).
_SHOWN = "('marac', 'csvg', 'carm')"

ALSO_KNOWN_TO = f"""
CREATE OR REPLACE FUNCTION cspdesk_also_known_to(pid integer, asked integer[]) RETURNS SETOF varchar
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  -- The panels asked about, as far as they are the calling account's own (an account's role is
  -- the session's user; inside this function current_user is the owner). The owner itself, which
  -- reads every row anyway, is taken at its word.
  WITH mine AS (
    SELECT id FROM unnest(asked) AS a(id)
    WHERE session_user = current_user
       OR id IN (SELECT pm.panel_id FROM panel_membership pm JOIN user_account u ON u.id = pm.user_id
                 WHERE u.db_role = session_user AND u.is_active)),
  holding AS (
    SELECT panel_id FROM case_record WHERE subject_person_id = pid
    UNION SELECT c.panel_id FROM case_person cp JOIN case_record c ON c.id = cp.case_id WHERE cp.person_id = pid
    UNION SELECT c.panel_id FROM group_person gp JOIN case_record c ON c.subject_group_id = gp.group_id
          WHERE gp.person_id = pid
    UNION SELECT a.panel_id FROM group_person gp JOIN action a ON a.group_id = gp.group_id WHERE gp.person_id = pid
    UNION SELECT c.panel_id FROM location_person lp JOIN case_record c ON c.subject_location_id = lp.location_id
          WHERE lp.person_id = pid)
  SELECT other.name FROM panel other
  WHERE other.id IN (SELECT panel_id FROM holding)
    AND other.id NOT IN (SELECT id FROM mine)
    AND EXISTS (SELECT 1 FROM holding h JOIN mine m ON m.id = h.panel_id)
    AND EXISTS (
      SELECT 1 FROM mine m JOIN panel own ON own.id = m.id
      WHERE COALESCE(
        (SELECT d.shown FROM panel_disclosure d
         WHERE d.panel_id = LEAST(own.id, other.id) AND d.other_panel_id = GREATEST(own.id, other.id)),
        own.panel_type IN {_SHOWN} AND other.panel_type IN {_SHOWN}))
  ORDER BY other.name $$"""


def upgrade() -> None:
    op.create_table(
        "panel_disclosure",
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.Column("other_panel_id", sa.Integer(), nullable=False),
        sa.Column("shown", sa.Boolean(), nullable=False),
        sa.CheckConstraint("panel_id < other_panel_id", name=op.f("ck_panel_disclosure_pair_in_order")),
        sa.ForeignKeyConstraint(["other_panel_id"], ["panel.id"], name=op.f("fk_panel_disclosure_other_panel_id_panel"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["panel_id"], ["panel.id"], name=op.f("fk_panel_disclosure_panel_id_panel"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("panel_id", "other_panel_id", name=op.f("pk_panel_disclosure")),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(ALSO_KNOWN_TO)
    op.execute("REVOKE EXECUTE ON FUNCTION cspdesk_also_known_to(integer, integer[]) FROM PUBLIC")
    op.execute("""DO $$ BEGIN
        EXECUTE format('GRANT EXECUTE ON FUNCTION cspdesk_also_known_to(integer, integer[]) TO %I',
                       cspdesk_role_name('+users'));
        EXECUTE format('GRANT SELECT ON panel_disclosure TO %I', cspdesk_role_name('+users'));
        EXECUTE format('GRANT INSERT, UPDATE, DELETE ON panel_disclosure TO %I', cspdesk_role_name('+admins'));
      END $$""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS cspdesk_also_known_to(integer, integer[])")
    op.drop_table("panel_disclosure")
