"""Tables of what became of a case: the platform's decision on each appeal, courier claims (快递理赔), and
the keys that recognise a buyer again (keyed hashes only: desk/services/buyers.py)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from desk.db.models import Base, Case, Evidence, _enum
from desk.db.models_orders import OrderItem
from desk.db.types import utcnow
from desk.domain import AppealResult, BuyerKeyKind, ClaimStatus


class AppealOutcome(Base):
    """One appeal sent to the platform and, once it answered, its decision and the money it returned."""

    __tablename__ = "appeal_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    appeal_kind: Mapped[str] = mapped_column(String(64), default="")  # key: goods, freight, … ("" generic)
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    result: Mapped[AppealResult] = mapped_column(_enum(AppealResult), default=AppealResult.PENDING)
    amount_returned: Mapped[Decimal | None]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CourierClaim(Base):
    """A claim against the courier for a parcel that arrived short or broken (the guide's 快递理赔)."""

    __tablename__ = "courier_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    courier: Mapped[str] = mapped_column(String(64), default="")
    claim_no: Mapped[str] = mapped_column(String(64), default="")
    filed_at: Mapped[datetime | None]
    status: Mapped[ClaimStatus] = mapped_column(_enum(ClaimStatus), default=ClaimStatus.FILED)
    amount_claimed: Mapped[Decimal | None]
    amount_paid: Mapped[Decimal | None]
    paid_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class BuyerKey(Base):
    """One thing that identifies a case's buyer, as HMAC-SHA256 of its normalised value under the desk's
    secret (which never enters the database). Equal keys on two cases: the same buyer."""

    __tablename__ = "buyer_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[BuyerKeyKind] = mapped_column(_enum(BuyerKeyKind))
    key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("case_id", "kind"),
        Index("ix_buyer_keys_key", "key"),
    )


# The buyer's other cases are found by their nickname too (the nickname is on the case already). A common
# nickname matches hundreds of cases, so the index holds all the count needs (platform, time, trash,
# status): the 买家售后 column counts a screenful of buyers without reading a case row (desk/services/buyers.py).
Index(
    "ix_cases_buyer_history",
    *(Case.__table__.c[name] for name in ("buyer_nick", "platform", "created_at", "deleted_at", "status")),
)

# Reminders ask, at start-up and at each wake, for the running cases due soon and for how many are overdue.
# Without this, SQLite (no statistics) takes the trash index: every live case read, ~75 ms per question over
# 100,000 cases, on the read worker the case list shares, which stalled scrolling. Trash and pause first
# (both IS NULL: equalities), then the deadline range, with status to filter without the row.
Index(
    "ix_cases_running_due",
    *(Case.__table__.c[name] for name in ("deleted_at", "due_paused_at", "due_at", "status")),
)

# 统计 (desk/services/stats.py) reads these instead of the cases: each holds what one of its queries needs,
# in the order it groups by, so SQLite neither sorts 100,000 rows nor reads the wide case rows.
_MONEY = (
    "refund_paid",
    "compensation_paid",
    "reship_cost",
    "freight_paid",
    "recovered_appeal",
    "recovered_courier",
)
_cases = Case.__table__.c
Index(
    "ix_cases_stats_groups",
    *(_cases[name] for name in ("shop_id", "platform", "case_type", "after_sales_reason", "courier")),
    _cases.deleted_at,
    _cases.created_at,
    *(_cases[name] for name in _MONEY),
)
Index("ix_cases_stats_created", _cases.created_at, _cases.deleted_at, *(_cases[name] for name in _MONEY))
# Partial: only cases whose after-sales export named the product (sku信息).
Index(
    "ix_cases_stats_sku",
    _cases.sku_info,
    _cases.deleted_at,
    _cases.created_at,
    *(_cases[name] for name in _MONEY),
    sqlite_where=text("sku_info != ''"),
    postgresql_where=text("sku_info != ''"),
)
# Partial: cases without sku信息, whose product comes from their imported order.
Index(
    "ix_cases_stats_orders",
    _cases.order_no,
    _cases.platform,
    _cases.sku_info,  # always "" here; held so that SQLite reads nothing else
    _cases.deleted_at,
    _cases.created_at,
    *(_cases[name] for name in _MONEY),
    sqlite_where=text("sku_info = ''"),
    postgresql_where=text("sku_info = ''"),
)
# An order's products, read without its item rows (the product of a case).
Index("ix_order_items_order_product", OrderItem.__table__.c.order_id, OrderItem.__table__.c.product_key)
# The kinds of evidence a case holds, read without the evidence rows (win rates by evidence mix).
Index("ix_evidence_case_id_kind", Evidence.__table__.c.case_id, Evidence.__table__.c.kind)
