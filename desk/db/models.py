"""The desk's tables as SQLAlchemy 2 typed models."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from desk.db.types import KeyEnum, Money, UTCDateTime, utcnow
from desk.domain import CaseStatus, CaseType, EventKind, EvidenceKind, MarkShape, Platform, Resolution

# Stable constraint names so Alembic batch migrations on SQLite can address them.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _enum(cls: type[enum.Enum]) -> KeyEnum:
    return KeyEnum(cls)


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
    return_address: Mapped[str] = mapped_column(Text, default="", server_default="")
    return_policy: Mapped[str] = mapped_column(Text, default="", server_default="")  # 退换货须知
    contact: Mapped[str] = mapped_column(String(200), default="", server_default="")

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
    # Issue 3: the platform's own type and reason, the settlement, the deadline, money, the trash.
    after_sales_type: Mapped[str] = mapped_column(String(32), default="", server_default="")
    after_sales_reason: Mapped[str] = mapped_column(String(64), default="", server_default="")
    resolution: Mapped[Resolution] = mapped_column(
        _enum(Resolution), default=Resolution.NONE, server_default=Resolution.NONE.value
    )
    appeal_type: Mapped[str] = mapped_column(String(64), default="", server_default="")
    due_at: Mapped[datetime | None] = mapped_column(index=True)
    due_paused_at: Mapped[datetime | None]
    refund_paid: Mapped[Decimal | None]
    compensation_paid: Mapped[Decimal | None]
    reship_cost: Mapped[Decimal | None]
    freight_paid: Mapped[Decimal | None]
    recovered_appeal: Mapped[Decimal | None]
    recovered_courier: Mapped[Decimal | None]
    deleted_at: Mapped[datetime | None]
    # The platform's own facts, as the latest after-sales export said them (desk.labels.PLATFORM_FACT_LABELS).
    platform_status: Mapped[str] = mapped_column(String(64), default="", server_default="")
    platform_order_status: Mapped[str] = mapped_column(String(64), default="", server_default="")
    applied_at: Mapped[datetime | None]
    # Indexed, as is the reship's waybill below (0017): a number read in a picture is looked up among them.
    return_tracking_no: Mapped[str] = mapped_column(String(64), default="", server_default="", index=True)
    return_logistics_status: Mapped[str] = mapped_column(String(64), default="", server_default="")
    sku_info: Mapped[str] = mapped_column(Text, default="", server_default="")
    platform_remark: Mapped[str] = mapped_column(Text, default="", server_default="")
    # What the scripts need beyond the platform's facts: the reship's waybill and the compensation agreed
    # with the buyer (a cost only once paid, as compensation_paid).
    reship_tracking_no: Mapped[str] = mapped_column(String(64), default="", server_default="", index=True)
    agreed_compensation: Mapped[Decimal | None]
    # Yes/no facts the wizard reads (运费险, 极速退款); NULL: nobody knows yet.
    freight_insurance: Mapped[bool | None]
    express_refund: Mapped[bool | None]

    shop: Mapped[Shop | None] = relationship()
    evidence: Mapped[list[Evidence]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Evidence.position"
    )
    events: Mapped[list[Event]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Event.id"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        # The list: live (or trashed) cases, newest first, read in index order.
        Index("ix_cases_deleted_at_updated_at", "deleted_at", "updated_at"),
        Index("ix_cases_created_at", "created_at"),
    )


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
    # Where captured_at came from: "metadata" (EXIF and the like), "stated" (the operator read it off the
    # picture), "" (an older release, which may have used the file's modification time: not shown as taken).
    captured_source: Mapped[str] = mapped_column(String(16), default="", server_default="")
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    position: Mapped[int] = mapped_column(Integer, default=0)
    animated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    weight_grams: Mapped[int | None] = mapped_column(Integer)
    rotation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # False while the kind is the desk's guess (from the name, or "pasted → 聊天截图").
    kind_confirmed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # What the picture says, phone numbers masked (desk/services/recognition.py): searched, never shown.
    picture_text: Mapped[str] = mapped_column(Text, default="", server_default="")

    case: Mapped[Case] = relationship(back_populates="evidence")
    marks: Mapped[list[EvidenceMark]] = relationship(
        cascade="all, delete-orphan", order_by="EvidenceMark.position", passive_deletes=True
    )
    frames: Mapped[list[EvidenceFrame]] = relationship(
        cascade="all, delete-orphan", order_by="EvidenceFrame.at_ms", passive_deletes=True
    )

    __table_args__ = (UniqueConstraint("case_id", "sha256"),)


class EvidenceMark(Base):
    """An annotation or redaction on an evidence picture; the original file is never changed."""

    __tablename__ = "evidence_marks"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    shape: Mapped[MarkShape] = mapped_column(_enum(MarkShape))
    x0: Mapped[float] = mapped_column(Float)
    y0: Mapped[float] = mapped_column(Float)
    x1: Mapped[float] = mapped_column(Float)
    y1: Mapped[float] = mapped_column(Float)
    text: Mapped[str] = mapped_column(Text, default="")


class EvidenceFrame(Base):
    """A moment of a video the operator picked to show in packets."""

    __tablename__ = "evidence_frames"

    id: Mapped[int] = mapped_column(primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence.id", ondelete="CASCADE"), index=True)
    at_ms: Mapped[int] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("evidence_id", "at_ms"),)


class Event(Base):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind))
    field: Mapped[str] = mapped_column(String(64), default="")
    old: Mapped[str] = mapped_column(Text, default="")
    new: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="")  # the operator's own words (a note), else ""
    # Structured payload (JSON object): keys and numbers that desk.labels.describe_event puts into words.
    data: Mapped[str] = mapped_column(Text, default="", server_default="")

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
    kind: Mapped[str] = mapped_column(Text, default="", server_default="")  # the appeal type it was made for


class PlatformOverride(Base):
    """The operator's choice for one entry of the story a platform reads (desk.audience): hidden, or
    reworded. The record the entry comes from is never changed."""

    __tablename__ = "platform_overrides"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    entry_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SavedView(Base):
    """A named filter of the case list, shown in the sidebar."""

    __tablename__ = "saved_views"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    filter_json: Mapped[str] = mapped_column(Text, default="{}")
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


@event.listens_for(Base.metadata, "after_create")
def _create_search_index(_target: Any, connection: Any, **_kw: Any) -> None:
    """create_all builds the search index too (migrations build it in 0002_cases_depth)."""
    from desk.db import search_schema

    if connection.dialect.name == "sqlite":
        search_schema.create_sqlite_search(connection.exec_driver_sql, version=search_schema.CURRENT_VERSION)
    elif connection.dialect.name == "postgresql":
        search_schema.create_postgresql_search(connection, search_schema.PG_TRGM_INDEXES_V4)


from desk.db import models_orders as _orders  # noqa: E402,F401
from desk.db import models_outcomes as _outcomes  # noqa: E402,F401
from desk.db import models_undo as _undo  # noqa: E402,F401
from desk.db import models_wizard as _wizard  # noqa: E402,F401
