"""orders: protective orders, DVDS (Clare's Law) requests and MARAC-to-MARAC transfers

Issue 19, part B. Three tables, each row belonging to a case: on a server an account sees only
the rows of its panels' cases (the same rule as ``case_flag`` in ``0010_rls``).

Revision ID: 0026_orders
Revises: 0025_children
Create Date: 2026-12-07 16:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from cspdesk.storage.server_roles import grant_new_tables

revision: str = "0026_orders"
down_revision: str | None = '0025_children'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WORK_TABLES: tuple[str, ...] = ("protective_order", "dvds_request", "case_transfer")
_OF_MY_CASES = "case_id IN (SELECT id FROM case_record)"
POLICIES: dict[str, str] = {t: _OF_MY_CASES for t in WORK_TABLES}



def _case_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["case_id"], ["case_record.id"], name=op.f(f"fk_{table}_case_id_case_record"),
                                   ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "protective_order",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.Enum("dapn", "dapo", "dvpn", "dvpo", "non_molestation", "restraining",
                                  "bail_conditions", "other", name="kind", native_enum=False,
                                  create_constraint=True, length=19), nullable=False),
        sa.Column("protected_person_id", sa.Integer(), nullable=True),
        sa.Column("restrained_person_id", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.Integer(), nullable=True),
        sa.Column("made_on", sa.Date(), nullable=True),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"], name=op.f("fk_protective_order_agency_id_agency")),
        _case_fk("protective_order"),
        sa.ForeignKeyConstraint(["protected_person_id"], ["person.id"],
                                name=op.f("fk_protective_order_protected_person_id_person")),
        sa.ForeignKeyConstraint(["restrained_person_id"], ["person.id"],
                                name=op.f("fk_protective_order_restrained_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_protective_order")),
    )
    op.create_index(op.f("ix_protective_order_agency_id"), "protective_order", ["agency_id"])
    op.create_index(op.f("ix_protective_order_case_id"), "protective_order", ["case_id"])
    op.create_index(op.f("ix_protective_order_expires_on"), "protective_order", ["expires_on"])
    op.create_table(
        "dvds_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("route", sa.Enum("right_to_ask", "right_to_know", name="route", native_enum=False,
                                   create_constraint=True, length=17), nullable=False),
        sa.Column("applicant", sa.String(length=200), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("decision", sa.Enum("pending", "disclose", "not_disclose", name="decision", native_enum=False,
                                      create_constraint=True, length=16), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        _case_fk("dvds_request"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dvds_request")),
    )
    op.create_index(op.f("ix_dvds_request_case_id"), "dvds_request", ["case_id"])
    op.create_table(
        "case_transfer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.Enum("out", "in", name="direction", native_enum=False, create_constraint=True,
                                       length=7), nullable=False),
        sa.Column("other_marac", sa.String(length=200), nullable=False),
        sa.Column("transferred_on", sa.Date(), nullable=False),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("by_username", sa.String(length=120), nullable=False),
        sa.Column("pack_digest", sa.String(length=64), nullable=False),
        sa.Column("signer_key", sa.String(length=64), nullable=False),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["by_user_id"], ["user_account.id"], name=op.f("fk_case_transfer_by_user_id_user_account"),
                                ondelete="SET NULL"),
        _case_fk("case_transfer"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_transfer")),
    )
    op.create_index(op.f("ix_case_transfer_case_id"), "case_transfer", ["case_id"])
    op.create_index(op.f("ix_case_transfer_transferred_on"), "case_transfer", ["transferred_on"])
    if op.get_bind().dialect.name == "postgresql":
        grant_new_tables(op.execute, WORK_TABLES, POLICIES)


def downgrade() -> None:
    for table in ("case_transfer", "dvds_request", "protective_order"):
        op.drop_table(table)
