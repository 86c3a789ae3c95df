"""Cell values of platform exports: text clean-up, money with separators, dates in several spellings, weights."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

# Platform exports write mainland China time without a zone (no daylight saving there).
CHINA = timezone(timedelta(hours=8), "北京时间")
EMPTY = frozenset(
    {"", "-", "--", "—", "——", "/", "无", "null", "NULL", "None", "0000-00-00 00:00:00", "0000-00-00"}
)
MAX_MONEY = Decimal("100000000")
MAX_QUANTITY = 100_000
MAX_GRAMS = 1_000_000  # one tonne: nothing a parcel scale shows is heavier
EXCEL_EPOCH = datetime(1899, 12, 30)


class CellError(ValueError):
    """A cell whose value cannot be used; the message is the reason in words (without the row)."""


def clean(value: str) -> str:
    """Undo what exports do to keep Excel from mangling numbers: ="…", a leading ' or tab, NBSPs."""
    if not value:
        return ""
    v = value.strip()
    if not v:
        return ""
    if v[0] == "=" and len(v) >= 3 and v[1] == '"' and v[-1] == '"':
        v = v[2:-1].strip()
    elif v[0] == "'":
        v = v[1:].strip()
    if "\x00" in v:  # never typed by anyone; PostgreSQL cannot store it
        v = v.replace("\x00", "")
    if "\u00a0" in v or "\u3000" in v:
        v = v.replace("\u00a0", " ").replace("\u3000", " ").strip()
    return v


_SPACE = re.compile(r"\s")
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
# Any order number: letters and digits (any script), joined by - _ . / #; never a sign, quote, bracket or
# operator, so "=1+1" or "@SUM(A1)" (which a spreadsheet would run) is refused.
_ORDER_SHAPE = re.compile(r"[^\W_][\w\-./#]*")


@dataclass(frozen=True, slots=True)
class Shape:
    """What a platform's numbers look like, and the words that say so."""

    pattern: re.Pattern[str]
    words: str


# The platform's own numbers are \d{6}-\d{15} (a date, then a serial); shorter serials are let through.
PDD_ORDER = Shape(
    re.compile(r"\d{6}-\d+"), "拼多多的订单号是 6 位日期、短横线和数字，形如 261120-583920174650321"
)
# (export profile key, field) → the shape of its numbers, where a source says what it is: 拼多多's
# order number (platform-facts.md §4). Other platforms' numbers only get the general shape above.
SHAPES: dict[tuple[str, str], Shape] = {
    ("pdd_orders", "order_no"): PDD_ORDER,
    ("pdd_after_sales", "order_no"): PDD_ORDER,
}


def _quoted(v: str) -> str:
    from desk.names import shown

    return shown(v if len(v) <= 40 else v[:40] + "…")


def order_number(value: str, label: str = "订单号", shape: Shape | None = None) -> str:
    v = clean(value)
    if not v or v in EMPTY:
        raise CellError(f"{label}为空")
    if _SCIENTIFIC.match(v):
        raise CellError(
            f"{label}“{v}”是科学计数法，末几位已经丢失（文件可能在 Excel 里打开后另存过）。请从平台重新导出后再导入"
        )
    if v.endswith(".0") and v[:-2].isdigit():
        v = v[:-2]
    if len(v) > 64:
        raise CellError(f"{label}太长（{len(v)} 个字符）")
    if _SPACE.search(v):
        raise CellError(f"{label}“{_quoted(v)}”中间有空格")
    if not _ORDER_SHAPE.fullmatch(v):
        if v[0] in "=+-@":
            raise CellError(f"{label}“{_quoted(v)}”像是表格公式，不是{label}")
        raise CellError(f"{label}“{_quoted(v)}”不像{label}：只能由字母、数字和 - _ . / # 组成")
    if shape is not None and not shape.pattern.fullmatch(v):
        raise CellError(f"{label}“{_quoted(v)}”不像{label}：{shape.words}")
    return v


_MONEY_JUNK = re.compile(r"[\s¥￥元]")
# Thousands separators only in groups of three: "1,089.70" yes, "1,2" (a decimal comma?) no.
_GROUPED = re.compile(r"^[-(]?\d{1,3}(?:[,，]\d{3})+(?:\.\d+)?\)?$")


def money(value: str, label: str) -> Decimal | None:
    """ "1,234.50" → Decimal("1234.50"); empty / "-" → None; more than two decimals is refused."""
    v = clean(value)
    if v in EMPTY:
        return None
    try:
        amount = Decimal(v)
    except InvalidOperation:
        text = _MONEY_JUNK.sub("", v)
        if _GROUPED.match(text):
            text = text.replace(",", "").replace("，", "")
        if text.startswith("(") and text.endswith(")"):  # accounting style negative
            text = "-" + text[1:-1]
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise CellError(f"{label}“{value.strip()}”不是金额") from None
    if not amount.is_finite() or abs(amount) >= MAX_MONEY:
        raise CellError(
            f"{label}“{value.strip()}”不是金额" if not amount.is_finite() else f"{label}“{value.strip()}”过大"
        )
    quantized = amount.quantize(Decimal("0.01"))
    if quantized != amount:
        raise CellError(f"{label}“{value.strip()}”超过两位小数")
    if abs(quantized) >= MAX_MONEY:
        raise CellError(f"{label}“{value.strip()}”过大")
    return quantized


_HUNDRED = Decimal(100)
MAX_FEN = int(MAX_MONEY * 100)


_FEN_CACHE: dict[str, int | None] = {}


def fen(value: str, label: str) -> int | None:
    """money() as integer fen (what the database stores), for bulk imports."""
    cached = _FEN_CACHE.get(value, _MISS)
    if cached is not _MISS:
        return cached  # type: ignore[return-value]
    result = _fen(value, label)
    if len(_FEN_CACHE) > 50_000:  # exports repeat amounts (0, prices); keep the memo small
        _FEN_CACHE.clear()
    _FEN_CACHE[value] = result
    return result


_MISS = object()


def _fen(value: str, label: str) -> int | None:
    v = clean(value)
    if v in EMPTY:
        return None
    try:
        scaled = Decimal(v if "," not in v or not _GROUPED.match(v) else v.replace(",", "")) * _HUNDRED
        whole = int(scaled)
    except (InvalidOperation, ValueError, OverflowError):
        amount = money(value, label)
        return None if amount is None else int(amount * _HUNDRED)
    if whole != scaled:
        raise CellError(f"{label}“{value.strip()}”超过两位小数")
    if abs(whole) >= MAX_FEN:
        raise CellError(f"{label}“{value.strip()}”过大")
    return whole


_INT_UNIT = re.compile(r"^(\d+)(?:\.0+)?\s*(?:件|个|只|套|箱|包|袋|瓶|盒|双|条|台)?$")


def quantity(value: str, label: str) -> int:
    v = clean(value).replace(",", "")
    m = _INT_UNIT.match(v)
    if not m:
        if v in EMPTY:
            raise CellError(f"{label}为空")
        raise CellError(f"{label}“{value.strip()}”不是整数")
    n = int(m.group(1))
    if n <= 0:
        raise CellError(f"{label}为 0")
    if n > MAX_QUANTITY:
        raise CellError(f"{label}“{n}”过大")
    return n


_DATE_FORMS = (
    re.compile(
        r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
        r"(?:[ T]+(?P<H>\d{1,2})[:：时](?P<M>\d{1,2})(?:[:：分](?:(?P<S>\d{1,2})(?:\.\d+)?秒?)?)?)?$"
    ),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})(?:(?P<H>\d{2})(?P<M>\d{2})(?P<S>\d{2})?)?$"),
    # US-style month/day/year as a re-saved sheet in an English Excel writes it.
    re.compile(
        r"^(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
    ),
)


def _aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=CHINA).astimezone(UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def timestamp(value: str, label: str) -> datetime | None:
    """A time as exports write it (China time unless it says otherwise), returned in UTC."""
    naive = utc_naive(value, label)
    return None if naive is None else naive.replace(tzinfo=UTC)


_EIGHT_HOURS = timedelta(hours=8)


def utc_naive(value: str, label: str) -> datetime | None:
    """timestamp() without the zone attached: the fast path of bulk imports (UTC, naive)."""
    v = clean(value)
    if v in EMPTY:
        return None
    try:
        dt = datetime.fromisoformat(v)
    except ValueError:
        return _slow_timestamp(v, label).replace(tzinfo=None)
    if dt.tzinfo is None:
        return dt - _EIGHT_HOURS
    return dt.astimezone(UTC).replace(tzinfo=None)


def _slow_timestamp(v: str, label: str) -> datetime:
    for form in _DATE_FORMS:
        m = form.match(v)
        if m is None:
            continue
        g = m.groupdict()
        try:
            dt = datetime(
                int(g["y"]), int(g["m"]), int(g["d"]), int(g["H"] or 0), int(g["M"] or 0), int(g["S"] or 0)
            )
        except ValueError:
            raise CellError(f"{label}“{v}”不是有效日期") from None
        return _aware(dt)
    if re.fullmatch(r"\d{10}|\d{13}", v):  # Unix seconds / milliseconds
        seconds = int(v) / (1000 if len(v) == 13 else 1)
        return datetime.fromtimestamp(seconds, UTC)
    if re.fullmatch(r"\d{5}(\.\d+)?", v):  # an Excel serial date number
        serial = float(v)
        if 20000 <= serial <= 80000:
            return _aware(EXCEL_EPOCH + timedelta(days=serial))
    raise CellError(f"{label}“{v}”不是可识别的日期时间")


_WEIGHT = re.compile(
    r"^(?P<n>\d+(?:\.\d+)?)\s*(?P<u>g|克|kg|千克|公斤|斤|lb|lbs|磅)?$",
    re.IGNORECASE,
)
_UNIT_GRAMS = {
    "g": Decimal(1),
    "克": Decimal(1),
    "kg": Decimal(1000),
    "千克": Decimal(1000),
    "公斤": Decimal(1000),
    "斤": Decimal(500),
    "lb": Decimal("453.59237"),
    "lbs": Decimal("453.59237"),
    "磅": Decimal("453.59237"),
}


def weight_grams(value: str, label: str = "重量", *, default_unit: str = "g") -> int | None:
    """ "1.25kg" / "1250g" / "1250 克" / "2.5斤" → grams (rounded); a bare number is in default_unit."""
    v = clean(value).replace(",", "").replace("，", "")
    if v in EMPTY:
        return None
    m = _WEIGHT.match(v)
    if m is None:
        raise CellError(f"{label}“{value.strip()}”不是重量（例如 1.25kg、1250g 或 2.5斤）")
    unit = (m.group("u") or default_unit).lower()
    grams = (Decimal(m.group("n")) * _UNIT_GRAMS[unit]).to_integral_value()
    if grams <= 0:
        raise CellError(f"{label}不能为 0")
    if grams > MAX_GRAMS:
        raise CellError(f"{label}“{value.strip()}”过大（上限 1000 kg）")
    return int(grams)


def split_logistics(value: str) -> tuple[str, str]:
    """抖店's 快递信息 "SF123-顺丰速运" (several parcels separated by ; or ,) → (tracking no., courier)."""
    v = clean(value)
    if v in EMPTY:
        return "", ""
    first = re.split(r"[;；,，\n]", v)[0].strip()
    if "-" in first:
        number, _, courier = first.partition("-")
        return number.strip(), courier.strip()
    return first, ""
