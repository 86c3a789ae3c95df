"""The desk's tables as SQLAlchemy 2 typed models."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, Integer, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from desk.db.types import Money, UTCDateTime, utcnow
from desk.domain import CaseStatus, CaseType, EventKind, EvidenceKind, Platform

# Stable constraint names so Alembic batch migrations on SQLite can address them.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _enum(cls: type[enum.Enum]) -> Enum:
    # Store the Chinese value, not the Python name, and no CHECK constraint, so new
    # values from later versions need no table rebuild on SQLite.
    return Enum(
        cls,
        native_enum=False,
        create_constraint=False,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: dict[Any, Any] = {
        datetime: UTCDateTime(),
        Decimal: Money(),
    }


class Shop(Base):
    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    platform: Mapped[Platform] = mapped_column(_enum(Platform))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("platform", "name"),)


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[Platform] = mapped_column(_enum(Platform))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id", ondelete="SET NULL"), index=True)
    order_no: Mapped[str] = mapped_column(String(64), default="", index=True)
    after_sales_no: Mapped[str] = mapped_column(String(64), default="", index=True)
    tracking_no: Mapped[str] = mapped_column(String(64), default="", index=True)
    courier: Mapped[str] = mapped_column(String(64), default="")
    buyer_nick: Mapped[str] = mapped_column(String(128), default="")
    case_type: Mapped[CaseType] = mapped_column(_enum(CaseType))
    status: Mapped[CaseStatus] = mapped_column(_enum(CaseStatus), default=CaseStatus.OPEN, index=True)
    order_amount: Mapped[Decimal | None]
    refund_amount: Mapped[Decimal | None]
    description: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Optimistic-locking counter: a second writer of the same case is detected, never silent.
    version: Mapped[int] = mapped_column(Integer, default=1)

    shop: Mapped[Shop | None] = relationship()
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Evidence.position"
    )
    events: Mapped[list[Event]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Event.id"
    )

    __mapper_args__ = {"version_id_col": version}


class Evidence(Base):
    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EvidenceKind] = mapped_column(_enum(EvidenceKind))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    original_name: Mapped[str] = mapped_column(Text)
    media_type: Mapped[str] = mapped_column(String(64))
    width: Mapped[int | None]
    height: Mapped[int | None]
    page_count: Mapped[int | None]
    byte_size: Mapped[int] = mapped_column(Integer)
    caption: Mapped[str] = mapped_column(Text, default="")
    captured_at: Mapped[datetime | None]
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    position: Mapped[int] = mapped_column(Integer, default=0)

    case: Mapped[Case] = relationship(back_populates="evidence")

    __table_args__ = (UniqueConstraint("case_id", "sha256"),)


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind))
    field: Mapped[str] = mapped_column(String(64), default="")
    old: Mapped[str] = mapped_column(Text, default="")
    new: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[Case] = relationship(back_populates="events")

    __table_args__ = (Index("ix_events_case_id_id", "case_id", "id"),)


class Packet(Base):
    __tablename__ = "packets"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    file_name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    byte_size: Mapped[int] = mapped_column(Integer)
    page_count: Mapped[int] = mapped_column(Integer)
