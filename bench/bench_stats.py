"""统计 over 100,000 cases: the full statistics report (totals, every grouping, appeal win rates).

The profile is filled with Core bulk inserts through the real schema: cases with money, reasons, couriers,
shops and platforms over 18 months; an imported order (one or two products) for 60% of them; evidence
rows (kinds only, no originals) for the win rates by evidence mix; statuses weighted as a shop's cases end
(STATUS_WEIGHTS_BY_KEY: 7% settled appeals) and recorded appeal decisions for one case in ten; sku信息 (from
an after-sales export) on three cases in four. Measured: `desk.stats.report()` with every grouping, median
of RUNS calls after one warm-up.

Anchors, same run, same file: a bare `SELECT count(*), sum(…)` over the cases (one scan, the floor of any
report), and the same seven groupings written by hand as plain SQL on a `sqlite3` connection (what the
report costs without the desk around it).

Also measured: the buyer history column of the case list for a screenful of 100 rows
(`desk.buyers.histories`), and the XLSX export of the report.

BENCH_CASES=20000 runs a smaller set (the target is for 100,000).
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

TITLE = "Statistics: the full report over 100,000 cases"
CASES = int(os.environ.get("BENCH_CASES", "100000"))
RUNS = 7
TARGET_S = 0.300
HISTORY_TARGET_S = 0.050
NOTES = """
How the report reads 100,000 cases (desk/services/stats.py, indexes of migration 0013): the five groupings
shop, platform, case type, reason and courier and the totals come from one scan of a covering index, grouped
in index order (no sort) and added up per grouping from a few thousand combined rows; months are ranges of
a covering index on the creation time; products come from a partial index on sku信息 and, for cases without
it, from their imported order; the win rates are one pass over the appeals with a bit mask of each case's
evidence kinds. The hand-written anchor is the naive form: the same seven groupings and totals as plain
GROUP BY queries on the cases (it may use the same indexes, but sorts for each grouping).
The machine is shared: runs made while other benchmarks and tests used its two cores measured up to
315 ms; the ratio to the bare scan of the same run (×7–11) is the steadier number.
"""

Row = tuple[str, str, str, str, str]

REASONS = (
    "少件/漏发",
    "发错货",
    "质量问题",
    "不喜欢/效果不好",
    "七天无理由退货",
    "商品破损",
    "与商品描述不符",
    "快递一直未送达",
    "",
)
COURIERS = ("圆通速递", "中通快递", "申通快递", "韵达快递", "顺丰速运", "极兔速递", "邮政快递包裹", "")
PRODUCTS = [(f"SKU{i:04d}", f"商品{i}", ("大号", "小号", "")[i % 3]) for i in range(400)]
NICKS = [f"买家{i}" for i in range(30000)]
# Where cases stand: most end refunded, reshipped or closed; appeals are the minority the guide says
# malicious buyers are. One case in ten has recorded appeal decisions.
STATUS_WEIGHTS_BY_KEY = {
    "OPEN": 8,
    "NEGOTIATING": 5,
    "WAITING_RETURN": 4,
    "WAITING_COURIER": 2,
    "RESHIPPED": 10,
    "REFUNDED": 28,
    "APPEALING": 2,
    "APPEAL_SUBMITTED": 2,
    "APPEAL_WON": 4,
    "APPEAL_LOST": 3,
    "CLOSED": 32,
}
APPEALED = 0.10


def ms(x: float) -> str:
    return f"{x * 1000:.1f} ms"


def _money(r: random.Random, p: float, hi: int) -> Decimal | None:
    return Decimal(r.randrange(100, hi)) / 100 if r.random() < p else None


def build(root: Path) -> dict[str, Any]:
    from sqlalchemy import insert

    from desk.app import open_desk
    from desk.db import models as m
    from desk.db import models_orders as mo
    from desk.db import models_outcomes as mx
    from desk.domain import AppealResult, CaseStatus, CaseType, EvidenceKind, Platform, Resolution

    r = random.Random(23)
    statuses = list(CaseStatus)
    weights = [STATUS_WEIGHTS_BY_KEY[s.value] for s in statuses]
    started = time.perf_counter()
    desk = open_desk(root)
    try:
        shops = [
            (desk.shops.create(name, platform)[0].id, platform)
            for name, platform in (
                ("优品家居旗舰店", Platform.PDD),
                ("暖暖童装小店", Platform.TAOBAO),
                ("好物数码", Platform.DOUYIN),
                ("京选百货", Platform.JD),
            )
        ]
        start = datetime(2025, 7, 1, tzinfo=UTC)
        span = int(timedelta(days=548).total_seconds())
        cases: list[dict[str, Any]] = []
        orders: list[dict[str, Any]] = []
        items: list[dict[str, Any]] = []
        evidence: list[dict[str, Any]] = []
        outcomes: list[dict[str, Any]] = []
        kinds = list(EvidenceKind)
        for i in range(1, CASES + 1):
            created = start + timedelta(seconds=r.randrange(span))
            # A shop sells on one platform; a few cases have no shop yet.
            shop_id, platform = shops[r.randrange(len(shops))] if r.random() < 0.95 else (None, Platform.PDD)
            order_no = f"{created:%y%m%d}-{i:015d}"
            status = r.choices(statuses, weights)[0]
            appeal = ("goods", "freight", "dispute_rate", "")[r.randrange(4)]
            cases.append(
                {
                    "id": i,
                    "platform": platform,
                    "shop_id": shop_id,
                    "order_no": order_no,
                    "courier": COURIERS[r.randrange(len(COURIERS))],
                    "buyer_nick": NICKS[r.randrange(len(NICKS))],
                    "case_type": list(CaseType)[r.randrange(5)],
                    "status": status,
                    "resolution": list(Resolution)[r.randrange(len(Resolution))],
                    "after_sales_reason": REASONS[r.randrange(len(REASONS))],
                    "appeal_type": appeal,
                    # Cases made from an after-sales export carry its sku信息; typed ones do not.
                    "sku_info": PRODUCTS[r.randrange(len(PRODUCTS))][1] if r.random() < 0.75 else "",
                    "refund_amount": _money(r, 0.9, 50000),
                    "refund_paid": _money(r, 0.6, 50000),
                    "compensation_paid": _money(r, 0.2, 3000),
                    "reship_cost": _money(r, 0.15, 4000),
                    "freight_paid": _money(r, 0.3, 2000),
                    "recovered_appeal": _money(r, 0.1, 20000),
                    "recovered_courier": _money(r, 0.05, 10000),
                    "created_at": created,
                    "updated_at": created,
                    "deleted_at": created if r.random() < 0.01 else None,
                }
            )
            if r.random() < 0.6:
                orders.append({"id": len(orders) + 1, "platform": platform, "order_no": order_no})
                for line in range(1 if r.random() < 0.85 else 2):
                    key, name, spec = PRODUCTS[r.randrange(len(PRODUCTS))]
                    items.append(
                        {
                            "order_id": len(orders),
                            "line_no": line + 1,
                            "product_key": key,
                            "product_name": name,
                            "spec": spec,
                            "quantity": 1,
                        }
                    )
            for position in range(r.choice((0, 0, 1, 2))):
                evidence.append(
                    {
                        "case_id": i,
                        "kind": kinds[r.randrange(len(kinds))],
                        "sha256": f"{i:032x}{position:032x}",
                        "original_name": f"证据{position + 1}.jpg",
                        "media_type": "image/jpeg",
                        "byte_size": 0,
                        "imported_at": created,
                        "position": position,
                    }
                )
            if r.random() < APPEALED:
                result = (
                    AppealResult.WON,
                    AppealResult.PARTIAL,
                    AppealResult.REJECTED,
                    AppealResult.PENDING,
                )[r.randrange(4)]
                outcomes.append(
                    {
                        "case_id": i,
                        "appeal_kind": appeal,
                        "result": result,
                        "submitted_at": created,
                        "decided_at": None if result == AppealResult.PENDING else created + timedelta(days=3),
                        "amount_returned": _money(r, 1.0, 20000)
                        if result in (AppealResult.WON, AppealResult.PARTIAL)
                        else None,
                        "created_at": created,
                        "updated_at": created,
                    }
                )
        with desk.engine.begin() as conn:
            for table, rows in (
                (m.Case, cases),
                (mo.Order, orders),
                (mo.OrderItem, items),
                (m.Evidence, evidence),
                (mx.AppealOutcome, outcomes),
            ):
                for k in range(0, len(rows), 5000):
                    conn.execute(insert(table), rows[k : k + 5000])
        counts = {
            "cases": len(cases),
            "orders": len(orders),
            "items": len(items),
            "evidence": len(evidence),
            "outcomes": len(outcomes),
        }
    finally:
        desk.close()
    counts["seconds"] = time.perf_counter() - started  # type: ignore[assignment]
    return counts


def timed(fn: Any, runs: int = RUNS) -> tuple[float, Any]:
    result = fn()  # warm: caches and the page cache, as a second look at the screen would find them
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), result


HAND_WRITTEN = [
    "SELECT count(*), sum(refund_paid), sum(compensation_paid), sum(reship_cost), sum(freight_paid),"
    " sum(recovered_appeal), sum(recovered_courier) FROM cases WHERE +deleted_at IS NULL",
    *(
        f"SELECT {key}, count(*), sum(refund_paid), sum(compensation_paid), sum(reship_cost), sum(freight_paid),"
        f" sum(recovered_appeal), sum(recovered_courier) FROM cases WHERE +deleted_at IS NULL GROUP BY {key}"
        for key in (
            "strftime('%Y-%m', created_at)",
            "shop_id",
            "platform",
            "case_type",
            "after_sales_reason",
            "sku_info",
            "courier",
        )
    ),
]


def run() -> list[Row]:
    from desk.app import open_desk
    from desk.services.stats import export_xlsx

    with tempfile.TemporaryDirectory(prefix="desk-bench-stats-") as tmp:
        root = Path(tmp) / "profile"
        counts = build(root)
        con = sqlite3.connect(f"{(root / 'desk.sqlite3').as_uri()}?mode=ro", uri=True)
        try:
            scan, _ = timed(lambda: con.execute(HAND_WRITTEN[0]).fetchall())
            hand, _ = timed(lambda: [con.execute(q).fetchall() for q in HAND_WRITTEN])
        finally:
            con.close()
        desk = open_desk(root)
        try:
            full, report = timed(desk.stats.report)
            assert 0 < report.totals.cases <= counts["cases"]
            ids = desk.cases.list_ids()[:100]
            history, found = timed(lambda: desk.buyers.histories(ids))
            assert len(found) == len(ids)
            xlsx = Path(tmp) / "统计.xlsx"
            started = time.perf_counter()
            export_xlsx(report, xlsx)
            export_s = time.perf_counter() - started
        finally:
            desk.close()
    groups = sum(len(rows) for _dim, rows in report.groups)
    what = (
        f"stats report over {counts['cases']:,} cases ({counts['orders']:,} orders, {counts['evidence']:,} "
        f"evidence rows, {counts['outcomes']:,} appeal decisions): totals, 7 groupings ({groups} rows), "
        f"win rates by appeal kind and evidence mix; median of {RUNS}"
    )
    return [
        (
            what,
            ms(full),
            f"≤ {TARGET_S * 1000:.0f} ms",
            f"bare count/sum scan {ms(scan)} (×{full / scan:.1f}); the seven groupings and totals as "
            f"hand-written sqlite3 SQL {ms(hand)} (×{full / hand:.1f})",
            "pass" if full <= TARGET_S else "FAIL",
        ),
        (
            "buyer history column for a screenful of 100 rows (该买家 90 天内第 N 次售后)",
            ms(history),
            f"≤ {HISTORY_TARGET_S * 1000:.0f} ms",
            f"bare count/sum scan {ms(scan)}",
            "pass" if history <= HISTORY_TARGET_S else "FAIL",
        ),
        ("XLSX export of the report", ms(export_s), "—", "—", "—"),
        (
            "filling the profile (bulk inserts, search index triggers)",
            f"{counts['seconds']:.1f} s",
            "—",
            "—",
            "—",
        ),
    ]


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
