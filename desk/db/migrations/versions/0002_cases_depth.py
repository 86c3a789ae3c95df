"""Cases at full depth: platform type and reason, resolution, deadline, money, trash; shop details;
saved views; the case search index (FTS5 trigram + 2-character index on SQLite, pg_trgm on PostgreSQL).

Revision ID: 0002_cases_depth
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_cases_depth"
down_revision = "0001"
branch_labels = None
depends_on = None

RESOLUTIONS = (
    "未定",
    "补发",
    "补差价",
    "换货",
    "退货退款",
    "仅退款",
    "维修",
    "驳回",
    "申诉",
    "快递理赔",
    "买家撤销",
)
MONEY = (
    "refund_paid",
    "compensation_paid",
    "reship_cost",
    "freight_paid",
    "recovered_appeal",
    "recovered_courier",
)


def upgrade() -> None:
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("return_address", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("return_policy", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("contact", sa.String(length=200), server_default="", nullable=False))

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("after_sales_type", sa.String(length=32), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column("after_sales_reason", sa.String(length=64), server_default="", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "resolution",
                sa.Enum(*RESOLUTIONS, name="resolution", native_enum=False, length=32),
                server_default="未定",
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("appeal_type", sa.String(length=64), server_default="", nullable=False))
        batch_op.add_column(sa.Column("due_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("due_paused_at", sa.DateTime(), nullable=True))
        for name in MONEY:
            batch_op.add_column(sa.Column(name, sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_cases_due_at"), ["due_at"], unique=False)
        batch_op.create_index("ix_cases_deleted_at_updated_at", ["deleted_at", "updated_at"], unique=False)
        batch_op.create_index("ix_cases_created_at", ["created_at"], unique=False)

    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("filter_json", sa.Text(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_views")),
        sa.UniqueConstraint("name", name=op.f("uq_saved_views_name")),
    )

    from desk.db import search_schema

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        # Version 1 of the index (frozen in search_schema); the cases already there are indexed now.
        search_schema.create_sqlite_search(bind.exec_driver_sql, fill=True)
    elif bind.dialect.name == "postgresql":
        search_schema.create_postgresql_search(bind)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in (
            "case_search_cases_ai",
            "case_search_cases_au",
            "case_search_cases_ad",
            "case_search_evidence_ai",
            "case_search_evidence_au",
            "case_search_evidence_ad",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS case_search_bi")
        op.execute("DROP TABLE IF EXISTS case_search_tri")
        op.execute("DROP VIEW IF EXISTS case_search_grams")
        op.execute("DROP VIEW IF EXISTS case_search_doc")
        op.execute("DROP TABLE IF EXISTS case_search")
    elif bind.dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS case_search_pg_cases")
        op.execute("DROP INDEX IF EXISTS case_search_pg_captions")
    op.drop_table("saved_views")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_created_at")
        batch_op.drop_index("ix_cases_deleted_at_updated_at")
        batch_op.drop_index(batch_op.f("ix_cases_due_at"))
        batch_op.drop_column("deleted_at")
        for name in reversed(MONEY):
            batch_op.drop_column(name)
        batch_op.drop_column("due_paused_at")
        batch_op.drop_column("due_at")
        batch_op.drop_column("appeal_type")
        batch_op.drop_column("resolution")
        batch_op.drop_column("after_sales_reason")
        batch_op.drop_column("after_sales_type")
    with op.batch_alter_table("shops", schema=None) as batch_op:
        batch_op.drop_column("contact")
        batch_op.drop_column("return_policy")
        batch_op.drop_column("return_address")
