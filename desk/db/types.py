"""Column types that keep money exact and times in UTC on every database."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, String
from sqlalchemy.types import TypeDecorator


class Money(TypeDecorator[Decimal]):
    """Yuan as Decimal, stored as integer fen so no float ever touches money."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        fen = (Decimal(value) * 100).to_integral_value()
        if fen != Decimal(value) * 100:
            raise ValueError(f"金额最多两位小数：{value}")
        return int(fen)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(int(value)) / 100).quantize(Decimal("0.01"))


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC)


class KeyEnum(TypeDecorator[enum.Enum]):
    """An enum member stored as its key (the member's value, e.g. "MISSING_ITEM") in a VARCHAR(32).

    Binding accepts a member, a key or anything the enum itself accepts (the vocabulary enums take their
    Chinese labels too), and refuses the rest before it reaches the database. Reading goes through the enum
    as well, so a label left by an older release (a column default SQLite cannot change without rebuilding
    the table) still reads as its member instead of failing the whole list. No CHECK constraint: members
    added by later versions need no table rebuild on SQLite.
    """

    impl = String(32)
    cache_ok = True

    def __init__(self, enum_class: type[enum.Enum]) -> None:
        super().__init__()
        self.enum_class = enum_class

    def process_bind_param(self, value: Any | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        member = value if isinstance(value, self.enum_class) else self.enum_class(value)
        return str(member.value)

    def process_result_value(self, value: Any | None, dialect: Dialect) -> enum.Enum | None:
        if value is None:
            return None
        return self.enum_class(value)

    @property
    def python_type(self) -> type[enum.Enum]:
        return self.enum_class


def utcnow() -> datetime:
    return datetime.now(UTC)
