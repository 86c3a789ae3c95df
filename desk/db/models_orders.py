"""Tables of imported orders, their items, the product catalog, weight records and their settings."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from desk.db.models import Base, _enum
from desk.db.types import utcnow
from desk.domain import Platform, WeightKind


class Order(Base):
    """One platform order; (platform, order_no) is unique, so a re-import updates it."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[Platform] = mapped_column(_enum(Platform))
    order_no: Mapped[str] = mapped_column(String(64))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(64), default="")
    after_sales_status: Mapped[str] = mapped_column(String(64), default="")
    goods_summary: Mapped[str] = mapped_column(Text, default="")
    goods_total: Mapped[Decimal | None]
    shipping_fee: Mapped[Decimal | None]
    shop_discount: Mapped[Decimal | None]
    platform_discount: Mapped[Decimal | None]
    paid_amount: Mapped[Decimal | None]
    received_amount: Mapped[Decimal | None]
    ordered_at: Mapped[datetime | None]
    paid_at: Mapped[datetime | None]
    shipped_at: Mapped[datetime | None]
    signed_at: Mapped[datetime | None]
    tracking_no: Mapped[str] = mapped_column(String(64), default="")
    courier: Mapped[str] = mapped_column(String(64), default="")
    merchant_note: Mapped[str] = mapped_column(Text, default="")
    buyer_message: Mapped[str] = mapped_column(Text, default="")
    # Buyer personal data: empty unless the operator opted in (orders.store_buyer_info).
    buyer_nick: Mapped[str] = mapped_column(String(128), default="")
    receiver_name: Mapped[str] = mapped_column(String(128), default="")
    receiver_phone: Mapped[str] = mapped_column(String(64), default="")
    receiver_address: Mapped[str] = mapped_column(Text, default="")
    source_file: Mapped[str] = mapped_column(Text, default="")
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    # order_no first: the same index finds an order by its number alone (a case knows no more).
    __table_args__ = (UniqueConstraint("order_no", "platform"),)


class OrderItem(Base):
    """One item row of an order (商品 × 数量)."""

    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int] = mapped_column(Integer, default=1)
    sub_order_no: Mapped[str] = mapped_column(String(64), default="")
    product_key: Mapped[str] = mapped_column(String(255), default="", index=True)
    product_name: Mapped[str] = mapped_column(Text, default="")
    spec: Mapped[str] = mapped_column(Text, default="")
    sku_code: Mapped[str] = mapped_column(String(128), default="")
    goods_code: Mapped[str] = mapped_column(String(128), default="")
    goods_id: Mapped[str] = mapped_column(String(64), default="")
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price: Mapped[Decimal | None]
    amount: Mapped[Decimal | None]


class Product(Base):
    """A SKU of the catalog; `key` is the 商家编码, or name|spec when the shop sets no code."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255), unique=True)
    sku_code: Mapped[str] = mapped_column(String(128), default="", index=True)
    goods_code: Mapped[str] = mapped_column(String(128), default="")
    goods_id: Mapped[str] = mapped_column(String(64), default="")
    name: Mapped[str] = mapped_column(Text, default="")
    spec: Mapped[str] = mapped_column(Text, default="")
    unit_weight_g: Mapped[int | None] = mapped_column(Integer)
    packaging_g: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str] = mapped_column(String(16), default="manual")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class WeightRecord(Base):
    """A weight of a case's parcel, read from a scale photo or the courier's system."""

    __tablename__ = "weight_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[WeightKind] = mapped_column(_enum(WeightKind))
    grams: Mapped[int] = mapped_column(Integer)
    evidence_id: Mapped[int | None] = mapped_column(
        ForeignKey("evidence.id", ondelete="SET NULL"), index=True
    )
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrderSetting(Base):
    """Settings of orders and weights kept with the data (shared desks share them)."""

    __tablename__ = "order_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")
