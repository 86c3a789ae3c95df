"""Orders, order items, products (SKU catalog with weights), weight records and their settings.

Revision ID: 0004_orders
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_orders"
down_revision = "0001"
branch_labels = None
depends_on = None

PLATFORMS = ("拼多多", "淘宝/天猫", "京东", "抖店", "快手", "微信小店", "其他")
WEIGHT_KINDS = ("仓库称重", "快递揽收重量", "快递上车重量", "快递下车重量", "复称")


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "platform",
            sa.Enum(*PLATFORMS, name="platform", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("order_no", sa.String(length=64), nullable=False),
        sa.Column("shop_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=64), nullable=False),
        sa.Column("after_sales_status", sa.String(length=64), nullable=False),
        sa.Column("goods_summary", sa.Text(), nullable=False),
        sa.Column("goods_total", sa.BigInteger(), nullable=True),
        sa.Column("shipping_fee", sa.BigInteger(), nullable=True),
        sa.Column("shop_discount", sa.BigInteger(), nullable=True),
        sa.Column("platform_discount", sa.BigInteger(), nullable=True),
        sa.Column("paid_amount", sa.BigInteger(), nullable=True),
        sa.Column("received_amount", sa.BigInteger(), nullable=True),
        sa.Column("ordered_at", sa.DateTime(), nullable=True),
        sa.Column("paid_at", sa.DateTime(), nullable=True),
        sa.Column("shipped_at", sa.DateTime(), nullable=True),
        sa.Column("signed_at", sa.DateTime(), nullable=True),
        sa.Column("tracking_no", sa.String(length=64), nullable=False),
        sa.Column("courier", sa.String(length=64), nullable=False),
        sa.Column("merchant_note", sa.Text(), nullable=False),
        sa.Column("buyer_message", sa.Text(), nullable=False),
        sa.Column("buyer_nick", sa.String(length=128), nullable=False),
        sa.Column("receiver_name", sa.String(length=128), nullable=False),
        sa.Column("receiver_phone", sa.String(length=64), nullable=False),
        sa.Column("receiver_address", sa.Text(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"], ["shops.id"], name=op.f("fk_orders_shop_id_shops"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("order_no", "platform", name=op.f("uq_orders_order_no")),
    )
    op.create_index(op.f("ix_orders_shop_id"), "orders", ["shop_id"], unique=False)

    op.create_table(
        "order_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("sub_order_no", sa.String(length=64), nullable=False),
        sa.Column("product_key", sa.String(length=255), nullable=False),
        sa.Column("product_name", sa.Text(), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("sku_code", sa.String(length=128), nullable=False),
        sa.Column("goods_code", sa.String(length=128), nullable=False),
        sa.Column("goods_id", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_items_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_items")),
    )
    op.create_index(op.f("ix_order_items_order_id"), "order_items", ["order_id"], unique=False)
    op.create_index(op.f("ix_order_items_product_key"), "order_items", ["product_key"], unique=False)

    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("sku_code", sa.String(length=128), nullable=False),
        sa.Column("goods_code", sa.String(length=128), nullable=False),
        sa.Column("goods_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("spec", sa.Text(), nullable=False),
        sa.Column("unit_weight_g", sa.Integer(), nullable=True),
        sa.Column("packaging_g", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("key", name=op.f("uq_products_key")),
    )
    op.create_index(op.f("ix_products_sku_code"), "products", ["sku_code"], unique=False)

    op.create_table(
        "weight_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*WEIGHT_KINDS, name="weightkind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("grams", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_weight_records_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["evidence.id"],
            name=op.f("fk_weight_records_evidence_id_evidence"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weight_records")),
    )
    op.create_index(op.f("ix_weight_records_case_id"), "weight_records", ["case_id"], unique=False)
    op.create_index(op.f("ix_weight_records_evidence_id"), "weight_records", ["evidence_id"], unique=False)

    op.create_table(
        "order_settings",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_order_settings")),
    )


def downgrade() -> None:
    op.drop_table("order_settings")
    op.drop_index(op.f("ix_weight_records_evidence_id"), table_name="weight_records")
    op.drop_index(op.f("ix_weight_records_case_id"), table_name="weight_records")
    op.drop_table("weight_records")
    op.drop_index(op.f("ix_products_sku_code"), table_name="products")
    op.drop_table("products")
    op.drop_index(op.f("ix_order_items_product_key"), table_name="order_items")
    op.drop_index(op.f("ix_order_items_order_id"), table_name="order_items")
    op.drop_table("order_items")
    op.drop_index(op.f("ix_orders_shop_id"), table_name="orders")
    op.drop_table("orders")
