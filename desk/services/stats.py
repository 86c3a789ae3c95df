"""统计: what after-sales cost and what came back, by month, shop, platform, case type, reason, product and
courier; and how often appeals win, by appeal kind and by the evidence they carried.

Every number is a SQL aggregate (GROUP BY on the database), never a Python loop over the cases: the full
report over 100,000 cases is measured by bench/bench_stats.py. Money is summed as the integer fen the
columns hold, so totals are exact. Trashed cases are left out. Months are calendar months on this
computer's clock.

An appeal counts once it has a recorded decision (desk.services.outcomes); a case whose appeal was settled
before decisions were recorded (status 申诉成功 / 申诉失败, no decision rows) counts as one appeal of its own
appeal type. 部分支持 counts as a win: money came back.
"""

from __future__ import annotations

import functools
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session, sessionmaker

from desk.db import models as m
from desk.db import models_orders as mo
from desk.db import models_outcomes as mx
from desk.domain import (
    COST_FIELDS,
    RECOVERED_FIELDS,
    AppealResult,
    CaseStatus,
    EvidenceKind,
)
from desk.errors import ValidationFailed
from desk.fileops import write_atomically
from desk.labels import (
    CASE_FIELD_LABELS,
    STATS_DIMENSION_LABELS,
    STATS_MEASURE_LABELS,
    STATS_MULTI_PRODUCT,
    STATS_UNSET,
    appeal_kind_label,
    enum_label,
)
from desk.privacy import mask_phones
from desk.services.export import ExportFailed

DIMENSIONS: tuple[str, ...] = tuple(STATS_DIMENSION_LABELS)
MONEY: tuple[str, ...] = (*COST_FIELDS, *RECOVERED_FIELDS)
# Evidence whose presence the win rates are split by; the courier's own weight screenshot leads.
MIX_KINDS: tuple[EvidenceKind, ...] = (
    EvidenceKind.COURIER_WEIGHT,
    EvidenceKind.WAREHOUSE_WEIGHT,
    EvidenceKind.REWEIGH,
    EvidenceKind.GOODS_WITH_LABEL,
    EvidenceKind.CHAT,
    EvidenceKind.FREIGHT_VOUCHER,
)
_MULTI = "m:"  # the product key of orders with more than one product ("s:" sku信息, "p:" a product)
ZERO = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class Totals:
    """Cases and their money (yuan): paid out, recovered, and the difference."""

    cases: int = 0
    refund_paid: Decimal = ZERO
    compensation_paid: Decimal = ZERO
    reship_cost: Decimal = ZERO
    freight_paid: Decimal = ZERO
    recovered_appeal: Decimal = ZERO
    recovered_courier: Decimal = ZERO

    @property
    def paid(self) -> Decimal:
        return sum((getattr(self, f) for f in COST_FIELDS), ZERO)

    @property
    def recovered(self) -> Decimal:
        return sum((getattr(self, f) for f in RECOVERED_FIELDS), ZERO)

    @property
    def net_cost(self) -> Decimal:
        return self.paid - self.recovered

    def __add__(self, other: Totals) -> Totals:
        return Totals(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(Totals)))

    def as_dict(self) -> dict[str, Any]:
        return {**{f.name: getattr(self, f.name) for f in fields(Totals)}, "net_cost": self.net_cost}


@dataclass(frozen=True, slots=True)
class GroupRow:
    """One line of a grouping: its key (what the database holds), its words, its totals."""

    key: str
    label: str
    totals: Totals


@dataclass(frozen=True, slots=True)
class WinRate:
    """Appeals of one kind (or evidence mix) and their decisions."""

    key: str
    label: str
    won: int = 0
    partial: int = 0
    rejected: int = 0
    pending: int = 0

    @property
    def decided(self) -> int:
        return self.won + self.partial + self.rejected

    @property
    def rate(self) -> Decimal | None:
        """Wins (部分支持 included) among decided appeals, 0–1 to four places; None with none decided."""
        if not self.decided:
            return None
        return (Decimal(self.won + self.partial) / Decimal(self.decided)).quantize(Decimal("0.0001"))

    def rate_text(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"

    def __add__(self, other: WinRate) -> WinRate:
        return WinRate(
            self.key,
            self.label,
            self.won + other.won,
            self.partial + other.partial,
            self.rejected + other.rejected,
            self.pending + other.pending,
        )


@dataclass(frozen=True, slots=True)
class EvidenceWinRate:
    """Win rates of appeals whose case had a kind of evidence, and of those without it."""

    kind: EvidenceKind
    present: WinRate
    absent: WinRate


@dataclass(frozen=True, slots=True)
class StatsReport:
    since: date | None
    until: date | None
    totals: Totals
    groups: tuple[tuple[str, tuple[GroupRow, ...]], ...]  # (dimension, rows, biggest net cost first)
    by_appeal_kind: tuple[WinRate, ...] = ()
    by_evidence: tuple[EvidenceWinRate, ...] = ()
    appeals: WinRate = field(default_factory=lambda: WinRate("", "全部申诉"))

    def group(self, dimension: str) -> tuple[GroupRow, ...]:
        return dict(self.groups).get(dimension, ())

    def as_dict(self) -> dict[str, Any]:
        """Plain data for --json: keys and words, money as yuan."""

        def rate(w: WinRate) -> dict[str, Any]:
            return {
                "key": w.key,
                "label": w.label,
                "won": w.won,
                "partial": w.partial,
                "rejected": w.rejected,
                "pending": w.pending,
                "decided": w.decided,
                "win_rate": w.rate,
            }

        return {
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
            "totals": self.totals.as_dict(),
            "groups": {
                dim: [{"key": r.key, "label": r.label, **r.totals.as_dict()} for r in rows]
                for dim, rows in self.groups
            },
            "win_rates": {
                "all": rate(self.appeals),
                "by_appeal_kind": [rate(w) for w in self.by_appeal_kind],
                "by_evidence": [
                    {"kind": str(e.kind), "with": rate(e.present), "without": rate(e.absent)}
                    for e in self.by_evidence
                ],
            },
        }


def dimension_key(text: str) -> str:
    """A grouping named by key or by its words (month / 月份)."""
    text = text.strip()
    if text in STATS_DIMENSION_LABELS:
        return text
    for key, words in STATS_DIMENSION_LABELS.items():
        if text in (words, words.removeprefix("按")):
            return key
    allowed = "、".join(f"{k}（{w}）" for k, w in STATS_DIMENSION_LABELS.items())
    raise ValidationFailed(f"统计维度“{text}”无效，可选：{allowed}")


def _local_offset_minutes() -> int:
    offset = datetime.now().astimezone().utcoffset() or timedelta(0)
    return int(offset.total_seconds() // 60)


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0)).astimezone().astimezone(UTC)


class StatsService:
    """Read-only aggregates over the cases and their outcomes."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def report(
        self,
        *,
        by: Sequence[str] = DIMENSIONS,
        since: date | None = None,
        until: date | None = None,
        win_rates: bool = True,
    ) -> StatsReport:
        """Totals, the groupings asked for (all by default) and the appeal win rates, for the live cases
        registered from `since` to `until` (local calendar days, inclusive)."""
        dims = list(dict.fromkeys(dimension_key(d) for d in by))
        if since and until and since > until:
            raise ValidationFailed(f"开始日期 {since} 晚于结束日期 {until}")
        start = _day_start(since) if since is not None else None
        end = _day_start(until + timedelta(days=1)) if until is not None else None
        # Statements are built once per shape (dated or not) and cached; the dates go in as parameters.
        flags = (start is not None, end is not None)
        params = {name: value for name, value in (("start", start), ("end", end)) if value is not None}
        with self._sessions() as s:
            dialect = s.get_bind().dialect.name
            rolled = _composite(s, flags, params)
            total_fen = rolled.get(("", None), [0] * (1 + len(MONEY)))
            totals = _as_totals(total_fen)
            groups: list[tuple[str, tuple[GroupRow, ...]]] = []
            for dim in dims:
                if dim in COMPOSITE:
                    groups.append((dim, _rollup(s, rolled, dim)))
                elif dim == "month":
                    groups.append((dim, _by_month(s, flags, params, dialect, start, end)))
                else:
                    groups.append((dim, _by_product(s, flags, params, total_fen)))
            kinds: tuple[WinRate, ...] = ()
            mixes: tuple[EvidenceWinRate, ...] = ()
            overall = WinRate("", "全部申诉")
            if win_rates:
                overall, kinds, mixes = _win_rates(s, flags, params)
        return StatsReport(since, until, totals, tuple(groups), kinds, mixes, overall)


# -- the groupings -------------------------------------------------------------------------------------------

# Groupings read from one scan of the cases, grouped by all five at once (the shop decides the platform,
# the case type the usual reasons, so the combinations are few) and added up per grouping here.
COMPOSITE: tuple[str, ...] = ("shop", "platform", "case_type", "reason", "courier")
_COMPOSITE_COLUMNS = ("shop_id", "platform", "case_type", "after_sales_reason", "courier")


Flags = tuple[bool, bool]  # (a start date is given, an end date is given)


def _where(flags: Flags) -> list[ColumnElement[bool]]:
    """Live cases, within the dates when given (as parameters "start" and "end")."""
    c = m.Case.__table__.c
    # Written so that SQLite's planner does not take the trash index (deleted_at, updated_at) for a
    # condition nearly every case meets, which would read the whole table in random order.
    out: list[ColumnElement[bool]] = [func.coalesce(c.deleted_at, None).is_(None)]
    if flags[0]:
        out.append(c.created_at >= bindparam("start"))
    if flags[1]:
        out.append(c.created_at < bindparam("end"))
    return out


def _money_columns(source: Any) -> list[Any]:
    # Summed as the integer fen the columns hold (read back as int, not through the Money type).
    return [func.coalesce(func.sum(type_coerce(getattr(source, f), BigInteger)), 0) for f in MONEY]


def _as_totals(acc: Sequence[int]) -> Totals:
    # Fen to yuan: an integer scaled by 10⁻² has exactly two places.
    return Totals(int(acc[0]), *(Decimal(int(v)).scaleb(-2) for v in acc[1:]))


def _masked(text: str) -> str:
    """mask_phones, skipping the common label with too few digits to hold a phone number."""
    return mask_phones(text) if sum(map(str.isdigit, text)) >= 7 else text


def _composite(s: Session, flags: Flags, params: dict[str, Any]) -> dict[tuple[str, str | None], list[int]]:
    """The five groupings and the totals in one statement: the cases grouped by all five at once (in the
    order of their covering index, so without a sort), then that small result added up per grouping.
    Keyed (grouping, key); the totals are ("", None)."""
    out: dict[tuple[str, str | None], list[int]] = {}
    for dim, key, *values in s.execute(_composite_stmt(flags), params):
        if dim == "" and values[0] is None:
            continue  # no cases at all: the totals row of an empty set
        out[(str(dim), None if key is None else str(key))] = [int(v or 0) for v in values]
    return out


@functools.lru_cache(maxsize=8)
def _composite_stmt(flags: Flags) -> Any:
    c = m.Case.__table__.c
    keys = [getattr(c, name) for name in _COMPOSITE_COLUMNS]
    combined = (
        select(
            *(k.label(name) for k, name in zip(keys, COMPOSITE, strict=True)),
            func.count().label("n"),
            *(s_.label(f) for s_, f in zip(_money_columns(c), MONEY, strict=True)),
        )
        .where(*_where(flags))
        .group_by(*keys)
        .cte("combined")
        .prefix_with("MATERIALIZED", dialect="sqlite")
    )
    sums = [func.sum(combined.c.n), *(func.sum(combined.c[f]) for f in MONEY)]
    parts = [
        select(literal(dim), cast(combined.c[dim], String), *sums).group_by(combined.c[dim])
        for dim in COMPOSITE
    ]
    parts.append(select(literal(""), cast(null(), String), *sums))
    return union_all(*parts)


def _rollup(s: Session, rolled: dict[tuple[str, str | None], list[int]], dim: str) -> tuple[GroupRow, ...]:
    acc: dict[str, list[int]] = {}
    for (of, key), values in rolled.items():
        if of != dim:
            continue
        k = key or ""
        acc[k] = values if k not in acc else [a + b for a, b in zip(acc[k], values, strict=True)]
    label = _labeller(s, dim, list(acc))
    return _ordered(
        GroupRow(k, _masked(label(k)) if k else STATS_UNSET, _as_totals(v)) for k, v in acc.items()
    )


def _labeller(s: Session, dim: str, keys: list[str]) -> Callable[[str], str]:
    if dim == "shop":
        names = {str(i): n for i, n in s.execute(select(m.Shop.id, m.Shop.name))}
        return lambda k: names.get(k, f"店铺 #{k}")
    if dim == "platform":
        return lambda k: enum_label("Platform", k)
    if dim == "case_type":
        return lambda k: enum_label("CaseType", k)
    return str


def _ordered(rows: Iterable[GroupRow]) -> tuple[GroupRow, ...]:
    return tuple(sorted(rows, key=lambda g: (-g.totals.net_cost, -g.totals.cases, g.key)))


def _month_starts(first: datetime, last: datetime) -> list[tuple[str, datetime]]:
    """(YYYY-MM, its start in UTC) for every local calendar month from first's to last's, and the month
    after (whose start ends the last range)."""
    local, stop = first.astimezone(), last.astimezone()
    y, mo_ = local.year, local.month
    out: list[tuple[str, datetime]] = []
    while True:
        out.append((f"{y:04d}-{mo_:02d}", datetime(y, mo_, 1).astimezone().astimezone(UTC)))
        if (y, mo_) > (stop.year, stop.month):
            return out
        y, mo_ = (y + 1, 1) if mo_ == 12 else (y, mo_ + 1)


_MONTHS_PER_STATEMENT = 400  # SQLite allows 500 terms in one compound select
_FIRST = select(func.min(m.Case.__table__.c.created_at))
_LAST = select(func.max(m.Case.__table__.c.created_at))


def _by_month(
    s: Session,
    flags: Flags,
    params: dict[str, Any],
    dialect: str,
    start: datetime | None,
    end: datetime | None,
) -> tuple[GroupRow, ...]:
    if dialect == "postgresql":
        found = list(s.execute(_pg_month_stmt(flags, _local_offset_minutes()), params))
    else:
        # One range of the created_at index per month, read in order: no per-row date arithmetic and no
        # sort; the months follow this computer's calendar (daylight saving included). min() and max()
        # are asked apart: SQLite answers each alone from an end of the index, both together by reading
        # all of it.
        first: datetime | None = s.execute(_FIRST).scalar()
        last: datetime | None = s.execute(_LAST).scalar()
        if first is None or last is None:
            return ()
        first, last = max(first, start or first), min(last, end or last)
        if first > last:
            return ()
        ranges = list(itertools.pairwise(_month_starts(first, last)))
        found = []
        for i in range(0, len(ranges), _MONTHS_PER_STATEMENT):
            chunk = ranges[i : i + _MONTHS_PER_STATEMENT]
            values = dict(params)
            for j, ((label, lo), (_next, hi)) in enumerate(chunk):
                values.update({f"m{j}": label, f"lo{j}": lo, f"hi{j}": hi})
            found += list(s.execute(_month_stmt(flags, len(chunk)), values))
    rows = [GroupRow(str(r[0]), str(r[0]), _as_totals([int(v or 0) for v in r[1:]])) for r in found if r[1]]
    return tuple(sorted(rows, key=lambda g: g.key))  # months in calendar order


@functools.lru_cache(maxsize=64)
def _month_stmt(flags: Flags, months: int) -> Any:
    c = m.Case.__table__.c
    where = _where(flags)
    return union_all(
        *(
            select(bindparam(f"m{j}", type_=String), func.count(), *_money_columns(c)).where(
                *where, c.created_at >= bindparam(f"lo{j}"), c.created_at < bindparam(f"hi{j}")
            )
            for j in range(months)
        )
    )


@functools.lru_cache(maxsize=8)
def _pg_month_stmt(flags: Flags, offset: int) -> Any:
    c = m.Case.__table__.c
    key = func.to_char(c.created_at + literal_column(f"interval '{int(offset)} minutes'"), "YYYY-MM")
    inner = select(key.label("k"), *(getattr(c, f) for f in MONEY)).where(*_where(flags)).subquery()
    return select(inner.c.k, func.count(), *_money_columns(inner.c)).group_by(inner.c.k)


def _by_product(
    s: Session, flags: Flags, params: dict[str, Any], total_fen: Sequence[int]
) -> tuple[GroupRow, ...]:
    """The product of a case: the sku信息 of the platform's after-sales export, else the product of its
    imported order (多种商品 when the order holds several); cases with neither are （未填写）."""
    sku_stmt, linked_stmt = _product_stmts(flags)
    rows: list[GroupRow] = []
    placed = [0] * (1 + len(MONEY))  # fen of the cases given a product, to find the rest
    for r in s.execute(sku_stmt, params):
        sums = [int(v or 0) for v in r[1:]]
        placed = [a + b for a, b in zip(placed, sums, strict=True)]
        rows.append(GroupRow(f"s:{r[0]}", _masked(str(r[0])), _as_totals(sums)))
    by_order = {str(r[0] or ""): [int(v or 0) for v in r[1:]] for r in s.execute(linked_stmt, params)}
    names = _product_names(s, [k[2:] for k in by_order if k.startswith("p:")])
    for key, acc in by_order.items():
        if key:
            label = STATS_MULTI_PRODUCT if key == _MULTI else _masked(names.get(key[2:], key[2:]))
            placed = [a + b for a, b in zip(placed, acc, strict=True)]
            rows.append(GroupRow(key, label, _as_totals(acc)))
    # The rest (no sku信息, no imported order): every case minus those placed above.
    rest = [a - b for a, b in zip(total_fen, placed, strict=True)]
    if rest[0]:
        rows.append(GroupRow("", STATS_UNSET, _as_totals(rest)))
    return _ordered(rows)


@functools.lru_cache(maxsize=8)
def _product_stmts(flags: Flags) -> tuple[Any, Any]:
    c = m.Case.__table__.c
    where = _where(flags)
    no_sku: Any = literal_column("''")  # written out, so SQLite can use the partial indexes on sku_info
    by_sku = (
        select(c.sku_info, func.count(), *_money_columns(c))
        .where(*where, c.sku_info != no_sku)
        .group_by(c.sku_info)
    )
    # Cases without sku信息 whose order was imported: one look at the order's items gives its product: one
    # kind ("p:" key), several ("m:"), none ("").
    orders = mo.Order.__table__.c
    items = mo.OrderItem.__table__.c
    product = (
        select(
            case(
                (func.count() == 0, ""),
                (
                    func.min(items.product_key) == func.max(items.product_key),
                    "p:" + func.min(items.product_key),
                ),
                else_=_MULTI,
            )
        )
        .where(items.order_id == orders.id)
        .scalar_subquery()
    )
    linked = (
        select(product.label("k"), *(getattr(c, f) for f in MONEY))
        .select_from(
            m.Case.__table__.join(
                mo.Order.__table__, and_(orders.order_no == c.order_no, orders.platform == c.platform)
            )
        )
        .where(*where, c.sku_info == no_sku, c.order_no != no_sku)
        .cte("linked")
        .prefix_with("MATERIALIZED", dialect="sqlite")
    )
    by_order = select(linked.c.k, func.count(), *_money_columns(linked.c)).group_by(linked.c.k)
    return by_sku, by_order


def _product_names(s: Session, keys: list[str]) -> dict[str, str]:
    """Words of product keys: the catalog's, else those of the first order line with the key."""
    names: dict[str, str] = {}
    oi = mo.OrderItem.__table__.c
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        first = select(func.min(oi.id)).where(oi.product_key.in_(chunk)).group_by(oi.product_key)
        for key, name, spec in s.execute(
            select(oi.product_key, oi.product_name, oi.spec).where(oi.id.in_(first.scalar_subquery()))
        ):
            if name:
                names[key] = f"{name}（{spec}）" if spec else name
        for key, name, spec in s.execute(
            select(mo.Product.key, mo.Product.name, mo.Product.spec).where(mo.Product.key.in_(chunk))
        ):
            if name:  # the catalog's words win over an order's
                names[key] = f"{name}（{spec}）" if spec else name
    return names


# -- win rates -----------------------------------------------------------------------------------------------


def _win_rates(
    s: Session, flags: Flags, params: dict[str, Any]
) -> tuple[WinRate, tuple[WinRate, ...], tuple[EvidenceWinRate, ...]]:
    """Decisions by appeal kind, and by whether the case had each kind of evidence: one pass over the
    appeals, each with a bit mask of the evidence kinds its case holds (grouped, so few rows come back)."""
    # Counts per (who, result): who is "" (every appeal), an appeal kind, or ("with"/"without", evidence kind).
    order = (AppealResult.WON, AppealResult.PARTIAL, AppealResult.REJECTED, AppealResult.PENDING)
    slot = {r.value: i for i, r in enumerate(order)}
    counts: dict[Any, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for kind, result, held, count in s.execute(_win_stmt(flags), params):
        i, n, bits = slot.get(str(result), 3), int(count), int(held or 0)
        counts[""][i] += n
        counts[("kind", str(kind or ""))][i] += n
        for j, k in enumerate(MIX_KINDS):
            counts[("with" if bits & (1 << j) else "without", k)][i] += n

    def rate(who: Any, key: str, label: str) -> WinRate:
        return WinRate(key, label, *counts.get(who, [0, 0, 0, 0]))

    kinds = [rate(who, who[1], appeal_kind_label(who[1])) for who in counts if who and who[0] == "kind"]
    by_kind = tuple(sorted(kinds, key=lambda w: (-w.decided, w.key)))
    by_evidence = tuple(
        EvidenceWinRate(k, rate(("with", k), k.value, f"有{k}"), rate(("without", k), k.value, f"无{k}"))
        for k in MIX_KINDS
    )
    return rate("", "", "全部申诉"), by_kind, by_evidence


@functools.lru_cache(maxsize=8)
def _win_stmt(flags: Flags) -> Any:
    where = _where(flags)
    c = m.Case.__table__.c
    ao = mx.AppealOutcome.__table__.c
    ev = m.Evidence.__table__.c
    # Bit i set: the case holds evidence of MIX_KINDS[i] (one max() per kind: no DISTINCT, no sort).
    held = [
        func.max(case((ev.kind == literal_column(f"'{k.value}'"), 1 << i), else_=0))
        for i, k in enumerate(MIX_KINDS)
    ]

    def mask(case_id: Any) -> Any:
        total: Any = held[0]
        for term in held[1:]:
            total = total + term
        return select(func.coalesce(total, 0)).where(ev.case_id == case_id).scalar_subquery()

    recorded: Any = select(
        ao.appeal_kind.label("kind"),
        type_coerce(ao.result, String).label("result"),
        mask(ao.case_id).label("mask"),
    )
    if any(flags):
        recorded = recorded.select_from(mx.AppealOutcome.__table__.join(m.Case.__table__, c.id == ao.case_id))
        recorded = recorded.where(*where)
    else:
        # Every case but the few in the trash: a list of those, instead of a look at each appeal's case.
        trash = select(c.id).where(c.deleted_at.is_not(None))
        recorded = recorded.where(ao.case_id.not_in(trash))
    settled = select(
        c.appeal_type.label("kind"),
        case(
            (c.status == CaseStatus.APPEAL_WON.value, AppealResult.WON.value),
            else_=AppealResult.REJECTED.value,
        ).label("result"),
        mask(c.id).label("mask"),
    ).where(
        *where,
        c.status.in_([CaseStatus.APPEAL_WON.value, CaseStatus.APPEAL_LOST.value]),
        c.id.not_in(select(ao.case_id)),  # one list of the cases with decisions, not a look per case
    )
    attempts = union_all(recorded, settled).subquery()
    return select(attempts.c.kind, attempts.c.result, attempts.c.mask, func.count()).group_by(
        attempts.c.kind, attempts.c.result, attempts.c.mask
    )


# -- XLSX ----------------------------------------------------------------------------------------------------


def measure_columns() -> list[tuple[str, str]]:
    """(measure, words) of a statistics table, in order."""
    return [
        ("cases", STATS_MEASURE_LABELS["cases"]),
        *((f, CASE_FIELD_LABELS[f]) for f in MONEY),
        ("net_cost", STATS_MEASURE_LABELS["net_cost"]),
    ]


def export_xlsx(report: StatsReport, path: Path) -> Path:
    """The report as a workbook (one sheet per grouping, then the win rates), written whole or not at all.

    Labels come from the operator and the platforms (shop names, reasons): every text is a string cell, so
    a spreadsheet never runs one as a formula; phone numbers in them are masked.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    def write(target: Path) -> None:
        wb = Workbook(write_only=True)
        bold = Font(bold=True)

        def row(ws: Any, values: Sequence[Any], *, header: bool = False) -> None:
            cells = []
            for value in values:
                cell = WriteOnlyCell(ws, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"
                elif isinstance(value, Decimal):
                    # Money has two places; a win rate (a fraction) has four and reads as a percentage.
                    cell.number_format = "0.00" if value.as_tuple().exponent == -2 else "0.0%"
                if header:
                    cell.font = bold
                cells.append(cell)
            ws.append(cells)

        measures = measure_columns()

        def money_row(name: str, totals: Totals) -> list[Any]:
            data = totals.as_dict()
            return [name, *(data[k] for k, _ in measures)]

        summary = wb.create_sheet("汇总")
        row(summary, ["", *(w for _, w in measures)], header=True)
        row(summary, money_row("合计", report.totals))
        period = "、".join(
            x
            for x in (
                f"从 {report.since}" if report.since else "",
                f"到 {report.until}" if report.until else "",
            )
            if x
        )
        row(summary, [f"统计范围：{period or '全部'}（不含回收站）"])
        for dim, rows in report.groups:
            ws = wb.create_sheet(f"按{STATS_DIMENSION_LABELS[dim]}")
            row(ws, [STATS_DIMENSION_LABELS[dim], *(w for _, w in measures)], header=True)
            for g in rows:
                row(ws, money_row(g.label, g.totals))
            row(ws, money_row("合计", report.totals), header=True)
        ws = wb.create_sheet("申诉成功率")
        rate_head = [
            STATS_MEASURE_LABELS[k] for k in ("decided", "won", "partial", "rejected", "pending", "win_rate")
        ]

        def rate_row(name: str, w: WinRate) -> list[Any]:
            return [
                name,
                w.decided,
                w.won,
                w.partial,
                w.rejected,
                w.pending,
                w.rate if w.rate is not None else "—",
            ]

        row(ws, ["申诉类型", *rate_head], header=True)
        for w in report.by_appeal_kind:
            row(ws, rate_row(w.label, w))
        row(ws, rate_row("全部申诉", report.appeals), header=True)
        row(ws, [])
        row(ws, ["证据组合", *rate_head], header=True)
        for e in report.by_evidence:
            row(ws, rate_row(e.present.label, e.present))
            row(ws, rate_row(e.absent.label, e.absent))
        wb.save(target)

    return _write_atomically(path, write)


def _write_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    try:
        return write_atomically(path, write)
    except OSError as exc:
        raise ExportFailed(f"无法写入“{path}”：{exc.strerror or exc}。没有留下任何文件。") from exc
