"""Settings of orders and the weight check, stored in the database (a shared desk shares them)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlalchemy.orm import Session

from desk.db import models_orders as mo
from desk.errors import ValidationFailed
from desk.orders.model import Tolerance

STORE_BUYER_INFO = "orders.store_buyer_info"
PRECISION_G = "weight.precision_g"
PERCENT = "weight.percent"
DEFAULT_PACKAGING_G = "weight.default_packaging_g"

MAX_PRECISION_G = 5_000
MAX_PERCENT = Decimal("50")
MAX_PACKAGING_G = 50_000


def get(s: Session, key: str, default: str = "") -> str:
    row = s.get(mo.OrderSetting, key)
    return row.value if row is not None else default


def put(s: Session, key: str, value: str) -> None:
    row = s.get(mo.OrderSetting, key)
    if row is None:
        s.add(mo.OrderSetting(key=key, value=value))
    else:
        row.value = value


def store_buyer_info(s: Session) -> bool:
    return get(s, STORE_BUYER_INFO, "0") == "1"


def tolerance(s: Session) -> Tolerance:
    default = Tolerance()
    try:
        return Tolerance(
            precision_g=int(get(s, PRECISION_G, str(default.precision_g))),
            percent=Decimal(get(s, PERCENT, str(default.percent))),
            default_packaging_g=int(get(s, DEFAULT_PACKAGING_G, str(default.default_packaging_g))),
        )
    except (ValueError, InvalidOperation):
        return default


def check_tolerance(precision_g: int, percent: Decimal, default_packaging_g: int) -> Tolerance:
    if not 0 <= precision_g <= MAX_PRECISION_G:
        raise ValidationFailed(f"秤的精度应在 0–{MAX_PRECISION_G} g 之间，现在是 {precision_g} g")
    if not percent.is_finite() or not Decimal(0) <= percent <= MAX_PERCENT:
        raise ValidationFailed(f"允许的百分比应在 0–{MAX_PERCENT}% 之间，现在是 {percent}%")
    if not 0 <= default_packaging_g <= MAX_PACKAGING_G:
        raise ValidationFailed(f"默认包装重量应在 0–{MAX_PACKAGING_G} g 之间，现在是 {default_packaging_g} g")
    return Tolerance(precision_g, percent.quantize(Decimal("0.1")), default_packaging_g)
