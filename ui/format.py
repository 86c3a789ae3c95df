"""How domain values read on screen: money, times, optional values."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal


def money(value: Decimal | None) -> str:
    return "" if value is None else f"{value:.2f}"


def when(value: datetime | None) -> str:
    """Local time of an aware (UTC) datetime; naive ones are shown as they are."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone()
    # The case list formats thousands of these while scrolling; an f-string is ~3× strftime.
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:{value.minute:02d}"


def byte_size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / 1024 / 1024:.1f} MB"
