"""Demo orders, products and weights: a 拼多多 订单导出 (GBK, as the platform writes it) imported the real way."""

from __future__ import annotations

import csv
import io
import random
import tempfile
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from desk.domain import CaseId, EvidenceKind, Platform
from desk.orders.model import WeightKind

PDD_HEADER = [
    "商品",
    "订单号",
    "订单状态",
    "商品数量(件)",
    "是否审核中",
    "支付时间",
    "拼单成功时间",
    "订单确认时间",
    "承诺发货时间",
    "发货时间",
    "确认收货时间",
    "商品id",
    "商品规格",
    "样式ID",
    "商家编码-SKU维度",
    "商家编码-商品维度",
    "商家备注",
    "买家留言",
    "售后状态",
    "商品总价(元)",
    "店铺优惠折扣(元)",
    "平台优惠折扣(元)",
    "邮费(元)",
    "用户实付金额(元)",
    "商家实收金额(元)",
    "快递单号",
    "快递公司",
    "收货人",
    "手机",
    "省",
    "市",
    "区",
    "详细地址",
    "是否抽奖或0元试用",
]

# (商家编码, 商品, 规格, 单价, 单件重量 g or None, 包装 g or None, 商品id, 样式ID)
DEMO_PRODUCTS: tuple[tuple[str, str, str, Decimal, int | None, int | None, str, str], ...] = (
    ("SNH-L-GRY", "加厚收纳盒", "灰色 大号", Decimal("29.90"), 380, 110, "418273645", "1001"),
    ("LAN-M-GRY", "棉麻收纳篮", "灰色 中号", Decimal("45.00"), 260, 90, "418273777", "2001"),
    ("YSD-8", "真空压缩袋", "8 件套", Decimal("59.90"), 520, 80, "418274011", "3001"),
    ("ZWJ-3", "桌面置物架", "三层 白色", Decimal("129.00"), 1450, 260, "418274230", "4001"),
    ("FGB-4", "抽屉分隔板", "4 片装", Decimal("35.00"), None, None, "418274499", "5001"),
    ("GZ-12", "挂钩", "12 只装", Decimal("9.90"), None, None, "418274588", "6001"),
)
COURIERS = (
    ("YT", "圆通速递"),
    ("ZT", "中通快递"),
    ("SF", "顺丰速运"),
    ("YD", "韵达快递"),
    ("JT", "极兔速递"),
)


def _fmt(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S")


def demo_export_rows(
    case_orders: dict[str, tuple[str, str, int, str]], extra: int, seed: int = 7
) -> list[list[str]]:
    """Rows of a PDD order export: the demo cases' orders (sku, tracking, qty, courier) and `extra` more."""
    rng = random.Random(seed)
    by_sku = {p[0]: p for p in DEMO_PRODUCTS}
    rows: list[list[str]] = []
    start = datetime(2026, 11, 20, 9, 30)

    def row(order_no: str, sku: str, qty: int, tracking: str, courier: str, paid: datetime) -> list[str]:
        code, name, spec, price, _w, _p, goods_id, style = by_sku[sku]
        total = price * qty
        shipped = paid + timedelta(hours=rng.randint(3, 30))
        signed = shipped + timedelta(days=rng.randint(2, 4))
        return [
            name,
            order_no,
            "已收货",
            str(qty),
            "否",
            _fmt(paid),
            _fmt(paid + timedelta(seconds=5)),
            _fmt(paid + timedelta(minutes=1)),
            _fmt(paid + timedelta(hours=48)),
            _fmt(shipped),
            _fmt(signed),
            goods_id,
            spec,
            style,
            code,
            code.split("-")[0],
            "",
            "",
            "无售后或售后取消",
            f"{total:,.2f}",
            "0",
            "0",
            "0",
            f"{total:.2f}",
            f"{total:.2f}",
            tracking,
            courier,
            "王**",
            "138****8000",
            "浙江省",
            "杭州市",
            "西湖区",
            "***",
            "否",
        ]

    for i, (order_no, (sku, tracking, qty, courier)) in enumerate(case_orders.items()):
        rows.append(row(order_no, sku, qty, tracking, courier, start - timedelta(days=i * 2, hours=i)))
    for n in range(extra):
        paid = start - timedelta(days=n // 4, hours=rng.randint(0, 20), minutes=rng.randint(0, 59))
        order_no = f"{paid:%y%m%d}-{rng.randint(10**14, 10**15 - 1)}"
        prefix, courier = rng.choice(COURIERS)
        tracking = f"{prefix}{rng.randint(10**11, 10**12 - 1)}"
        sku = rng.choice(DEMO_PRODUCTS)[0]
        rows.append(row(order_no, sku, rng.choice((1, 1, 1, 2, 3)), tracking, courier, paid))
        if n % 7 == 3:  # an order of two different goods: two item rows
            other = rng.choice([p[0] for p in DEMO_PRODUCTS if p[0] != sku])
            rows.append(row(order_no, other, 1, tracking, courier, paid))
    return rows


def write_pdd_export(path: Path, rows: Sequence[Sequence[str]], encoding: str = "gbk") -> Path:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(PDD_HEADER)
    writer.writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def fill_demo_orders(desk: Any, case_ids: Sequence[CaseId] = ()) -> None:
    """Import demo orders for the demo's 拼多多 cases, give most SKUs weights, record the weights of case 1."""
    cases = [desk.cases.get(c) for c in case_ids]
    pdd = [c for c in cases if c.platform == Platform.PDD and c.order_no]
    skus = ("SNH-L-GRY", "LAN-M-GRY", "ZWJ-3", "YSD-8", "FGB-4")
    quantities = (3, 1, 1, 1, 1)
    case_orders = {
        c.order_no: (
            skus[i % len(skus)],
            c.tracking_no or f"YT{7512049386021 + i}",
            quantities[i % 5],
            c.courier or "圆通速递",
        )
        for i, c in enumerate(pdd)
    }
    shop_id = pdd[0].shop_id if pdd else None
    with tempfile.TemporaryDirectory(prefix="desk-demo-orders-") as tmp:
        path = write_pdd_export(
            Path(tmp) / "orders_export20261127.csv", demo_export_rows(case_orders, extra=60)
        )
        desk.orders.import_file(path, shop_id=shop_id)
    for product in desk.products.list():
        spec = next((p for p in DEMO_PRODUCTS if p[0] == product.sku_code), None)
        if spec is not None and spec[4] is not None:
            desk.products.update(product.id, unit_weight_g=spec[4], packaging_g=spec[5])
    if not pdd:
        return
    first = pdd[0]  # 漏发少件: 3 收纳盒, warehouse 1.25 kg, courier 1.26 kg, re-weigh 1.25 kg
    evidence = {e.kind: e.id for e in desk.evidence.list(first.id)}
    for kind, grams in (
        (WeightKind.WAREHOUSE, 1250),
        (WeightKind.COURIER_PICKUP, 1260),
        (WeightKind.REWEIGH, 1250),
    ):
        picture = {
            WeightKind.WAREHOUSE: EvidenceKind.WAREHOUSE_WEIGHT,
            WeightKind.COURIER_PICKUP: EvidenceKind.COURIER_WEIGHT,
            WeightKind.REWEIGH: EvidenceKind.REWEIGH,
        }[kind]
        desk.weights.add(first.id, kind, grams, evidence_id=evidence.get(picture))
