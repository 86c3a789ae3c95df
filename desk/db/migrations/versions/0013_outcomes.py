"""What became of a case: the platform's decision on each appeal (appeal_outcomes), courier claims
(courier_claims), and the keys that recognise a buyer again (buyer_keys: keyed hashes, never a phone or an
address in clear); an index on the cases' buyer nickname for the buyer's history, and the covering
indexes statistics read (desk/db/models_outcomes.py says why).

New tables and one CREATE INDEX, no table rebuild: the search index's triggers on `cases` stay as they are.

Revision ID: 0013_outcomes
Revises: 0012_case_script_fields
Create Date: 2026-12-14
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_outcomes"
down_revision = "0012_case_script_fields"
branch_labels = None
depends_on = None

MONEY = [
    "refund_paid",
    "compensation_paid",
    "reship_cost",
    "freight_paid",
    "recovered_appeal",
    "recovered_courier",
]


def upgrade() -> None:
    op.create_table(
        "appeal_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("appeal_kind", sa.String(length=64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("result", sa.String(length=32), nullable=False),
        sa.Column("amount_returned", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_appeal_outcomes_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeal_outcomes")),
    )
    op.create_index(op.f("ix_appeal_outcomes_case_id"), "appeal_outcomes", ["case_id"])

    op.create_table(
        "courier_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("courier", sa.String(length=64), nullable=False),
        sa.Column("claim_no", sa.String(length=64), nullable=False),
        sa.Column("filed_at", sa.DateTime(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("amount_claimed", sa.BigInteger(), nullable=True),
        sa.Column("amount_paid", sa.BigInteger(), nullable=True),
        sa.Column("paid_at", sa.DateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_courier_claims_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courier_claims")),
    )
    op.create_index(op.f("ix_courier_claims_case_id"), "courier_claims", ["case_id"])

    op.create_table(
        "buyer_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_buyer_keys_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_buyer_keys")),
        sa.UniqueConstraint("case_id", "kind", name=op.f("uq_buyer_keys_case_id")),
    )
    op.create_index("ix_buyer_keys_key", "buyer_keys", ["key"])

    op.create_index("ix_cases_buyer_nick", "cases", ["buyer_nick"])
    op.create_index(
        "ix_cases_stats_groups",
        "cases",
        [
            "shop_id",
            "platform",
            "case_type",
            "after_sales_reason",
            "courier",
            "deleted_at",
            "created_at",
            *MONEY,
        ],
    )
    op.create_index("ix_cases_stats_created", "cases", ["created_at", "deleted_at", *MONEY])
    op.create_index(
        "ix_cases_stats_sku",
        "cases",
        ["sku_info", "deleted_at", "created_at", *MONEY],
        sqlite_where=sa.text("sku_info != ''"),
        postgresql_where=sa.text("sku_info != ''"),
    )
    op.create_index(
        "ix_cases_stats_orders",
        "cases",
        ["order_no", "platform", "sku_info", "deleted_at", "created_at", *MONEY],
        sqlite_where=sa.text("sku_info = ''"),
        postgresql_where=sa.text("sku_info = ''"),
    )
    op.create_index("ix_order_items_order_product", "order_items", ["order_id", "product_key"])
    op.create_index("ix_evidence_case_id_kind", "evidence", ["case_id", "kind"])


def downgrade() -> None:
    op.drop_index("ix_evidence_case_id_kind", table_name="evidence")
    op.drop_index("ix_order_items_order_product", table_name="order_items")
    op.drop_index("ix_cases_stats_orders", table_name="cases")
    op.drop_index("ix_cases_stats_sku", table_name="cases")
    op.drop_index("ix_cases_stats_created", table_name="cases")
    op.drop_index("ix_cases_stats_groups", table_name="cases")
    op.drop_index("ix_cases_buyer_nick", table_name="cases")
    op.drop_index("ix_buyer_keys_key", table_name="buyer_keys")
    op.drop_table("buyer_keys")
    op.drop_index(op.f("ix_courier_claims_case_id"), table_name="courier_claims")
    op.drop_table("courier_claims")
    op.drop_index(op.f("ix_appeal_outcomes_case_id"), table_name="appeal_outcomes")
    op.drop_table("appeal_outcomes")
