"""统计: every total and grouping equals a brute-force sum over the same generated cases; the product of a
case, appeal win rates by kind and by evidence, the date range, and the XLSX workbook."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from desk.db import models as m
from desk.db import models_orders as mo
from desk.domain import AppealResult, CaseDraft, CaseStatus, CaseType, EvidenceKind, Platform
from desk.errors import ValidationFailed
from desk.services.stats import DIMENSIONS, MONEY, export_xlsx

START = datetime(2026, 1, 1, tzinfo=UTC)
REASONS = ["", "少件/漏发", "质量问题", "七天无理由退货"]
COURIERS = ["", "中通快递", "顺丰速运"]
SKUS = ["", "收纳盒 大号", "保温杯 白色"]

money = st.one_of(st.none(), st.integers(min_value=0, max_value=500_000).map(lambda fen: Decimal(fen) / 100))
case_rows = st.fixed_dictionaries(
    {
        "shop": st.integers(min_value=0, max_value=2),  # 0: no shop
        "platform": st.sampled_from([Platform.PDD, Platform.TAOBAO, Platform.JD]),
        "case_type": st.sampled_from(list(CaseType)),
        "after_sales_reason": st.sampled_from(REASONS),
        "courier": st.sampled_from(COURIERS),
        "sku_info": st.sampled_from(SKUS),
        "day": st.integers(min_value=0, max_value=400),
        "trashed": st.booleans(),
        **{f: money for f in MONEY},
    }
)


@pytest.fixture
def shops(desk: Any) -> list[int]:
    return [desk.shops.create(name, Platform.PDD)[0].id for name in ("优品家居旗舰店", "暖暖童装小店")]


def _fill(desk: Any, rows: list[dict[str, Any]], shops: list[int]) -> None:
    with desk.engine.begin() as conn:
        conn.execute(delete(m.Case))
        if not rows:
            return
        conn.execute(
            insert(m.Case),
            [
                {
                    "platform": r["platform"],
                    "shop_id": shops[r["shop"] - 1] if r["shop"] else None,
                    "case_type": r["case_type"],
                    "after_sales_reason": r["after_sales_reason"],
                    "courier": r["courier"],
                    "sku_info": r["sku_info"],
                    "created_at": START + timedelta(days=r["day"], hours=13),
                    "updated_at": START,
                    "deleted_at": START if r["trashed"] else None,
                    **{f: r[f] for f in MONEY},
                }
                for r in rows
            ],
        )


def _brute(rows: list[dict[str, Any]], key: Any) -> dict[str, list[Any]]:
    """[cases, sums of MONEY…] per key, by plain Python over the generated rows."""
    out: dict[str, list[Any]] = defaultdict(lambda: [0] + [Decimal(0)] * len(MONEY))
    for r in rows:
        if r["trashed"]:
            continue
        acc = out[key(r)]
        acc[0] += 1
        for i, f in enumerate(MONEY, 1):
            acc[i] += r[f] or Decimal(0)
    return dict(out)


def _seen(rows: Any) -> dict[str, list[Any]]:
    return {g.key: [g.totals.cases, *(getattr(g.totals, f) for f in MONEY)] for g in rows}


@given(st.lists(case_rows, max_size=40))
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_every_grouping_equals_a_brute_force_sum(
    desk: Any, shops: list[int], rows: list[dict[str, Any]]
) -> None:
    _fill(desk, rows, shops)
    report = desk.stats.report()
    (total,) = _brute(rows, lambda r: "").values() or [[0] + [Decimal(0)] * len(MONEY)]
    assert [report.totals.cases, *(getattr(report.totals, f) for f in MONEY)] == total
    paid = sum(total[1:5], Decimal(0))
    assert report.totals.net_cost == paid - total[5] - total[6]
    expected = {
        "month": _brute(rows, lambda r: (START + timedelta(days=r["day"])).strftime("%Y-%m")),
        "shop": _brute(rows, lambda r: str(shops[r["shop"] - 1]) if r["shop"] else ""),
        "platform": _brute(rows, lambda r: r["platform"].value),
        "case_type": _brute(rows, lambda r: r["case_type"].value),
        "reason": _brute(rows, lambda r: r["after_sales_reason"]),
        "courier": _brute(rows, lambda r: r["courier"]),
        "product": _brute(rows, lambda r: f"s:{r['sku_info']}" if r["sku_info"] else ""),
    }
    assert [d for d, _rows in report.groups] == list(DIMENSIONS)
    for dim, want in expected.items():
        assert _seen(report.group(dim)) == want, dim
    # The words a reader sees.
    labels = {g.key: g.label for g in report.group("platform")}
    assert all(labels[k] in ("拼多多", "淘宝/天猫", "京东") for k in labels)
    assert all(g.label == "（未填写）" for g in report.group("courier") if g.key == "")


def test_the_product_of_a_case(desk: Any) -> None:
    """sku信息 of the export first; else the imported order's product, 多种商品 for several; else unset."""
    now = datetime.now(UTC)
    with desk.engine.begin() as conn:
        for order_id, order_no, products in (
            (1, "A1", ["SKU-1"]),
            (2, "A2", ["SKU-1", "SKU-2"]),
            (3, "A3", []),
        ):
            conn.execute(
                insert(mo.Order).values(
                    id=order_id, platform="PDD", order_no=order_no, imported_at=now, updated_at=now
                )
            )
            for line, key in enumerate(products, 1):
                conn.execute(
                    insert(mo.OrderItem).values(
                        order_id=order_id,
                        line_no=line,
                        product_key=key,
                        product_name=f"商品{key}",
                        spec="大号",
                    )
                )
    for order_no, sku, refund in (
        ("A1", "", "10"),
        ("A1", "保温杯 白色", "20"),
        ("A2", "", "30"),
        ("A3", "", "40"),
        ("", "", "50"),
        ("B9", "", "60"),  # an order never imported
    ):
        case, _ = desk.cases.create(CaseDraft(order_no=order_no, refund_paid=Decimal(refund)))
        if sku:
            desk.cases.sync_platform(case.id, desk.cases.get(case.id).facts.__class__(sku_info=sku))
    rows = {
        g.label: (g.key, g.totals.cases, g.totals.refund_paid)
        for g in desk.stats.report(by=["product"]).group("product")
    }
    assert rows == {
        "商品SKU-1（大号）": ("p:SKU-1", 1, Decimal("10.00")),
        "保温杯 白色": ("s:保温杯 白色", 1, Decimal("20.00")),
        "（多种商品）": ("m:", 1, Decimal("30.00")),
        "（未填写）": ("", 3, Decimal("150.00")),
    }


def test_win_rates_by_appeal_kind_and_by_evidence(desk: Any, tmp_path: Path) -> None:
    def case(
        status: CaseStatus = CaseStatus.OPEN, appeal: str = "goods", courier_weight: bool = False
    ) -> Any:
        c, _ = desk.cases.create(CaseDraft(appeal_type=appeal, status=status))
        if courier_weight:
            with desk.engine.begin() as conn:
                conn.execute(
                    insert(m.Evidence).values(
                        case_id=c.id,
                        kind=EvidenceKind.COURIER_WEIGHT,
                        sha256=f"{c.id:064x}",
                        original_name="揽收.jpg",
                        media_type="image/jpeg",
                        byte_size=0,
                        imported_at=datetime.now(UTC),
                    )
                )
        return c

    for result, weight in (
        (AppealResult.WON, True),
        (AppealResult.WON, True),
        (AppealResult.REJECTED, False),
    ):
        desk.outcomes.record_appeal(
            case(courier_weight=weight).id,
            result=result,
            amount_returned="5" if result == AppealResult.WON else None,
        )
    desk.outcomes.record_appeal(case(appeal="freight").id, result=AppealResult.PARTIAL, amount_returned="3")
    desk.outcomes.record_appeal(case(appeal="freight").id)  # still pending
    lost = case(appeal="freight")
    with desk.engine.begin() as conn:  # settled before decisions were recorded: counted by status
        conn.execute(m.Case.__table__.update().where(m.Case.id == lost.id).values(status="APPEAL_LOST"))
    trashed = case(courier_weight=True)
    desk.outcomes.record_appeal(trashed.id, result=AppealResult.WON, amount_returned="1")
    desk.cases.trash([trashed.id])

    report = desk.stats.report()
    kinds = {w.key: (w.won, w.partial, w.rejected, w.pending, w.rate) for w in report.by_appeal_kind}
    assert kinds == {
        "goods": (2, 0, 1, 0, Decimal("0.6667")),
        "freight": (0, 1, 1, 1, Decimal("0.5000")),
    }
    assert (report.appeals.decided, report.appeals.pending, report.appeals.rate_text()) == (5, 1, "60.0%")
    courier = next(e for e in report.by_evidence if e.kind == EvidenceKind.COURIER_WEIGHT)
    assert (courier.present.label, courier.present.won, courier.present.decided) == ("有快递内网重量图", 2, 2)
    assert (courier.absent.label, courier.absent.decided, courier.absent.rate) == (
        "无快递内网重量图",
        3,
        Decimal("0.3333"),
    )
    # Within a date range the appeals are found through their cases: the same answer.
    dated = desk.stats.report(since=date.today() - timedelta(days=1), until=date.today() + timedelta(days=1))
    assert dated.by_appeal_kind == report.by_appeal_kind and dated.by_evidence == report.by_evidence
    chat = next(e for e in report.by_evidence if e.kind == EvidenceKind.CHAT)
    assert chat.present.decided == 0 and chat.present.rate is None and chat.present.rate_text() == "—"


def test_a_date_range_keeps_the_cases_registered_within_it(desk: Any, shops: list[int]) -> None:
    rows = [
        {
            "shop": 1,
            "platform": Platform.PDD,
            "case_type": CaseType.QUALITY,
            "after_sales_reason": "",
            "courier": "",
            "sku_info": "",
            "day": day,
            "trashed": False,
            **{f: Decimal("1.00") for f in MONEY},
        }
        for day in (0, 31, 32, 59, 60)
    ]
    _fill(desk, rows, shops)
    report = desk.stats.report(since=date(2026, 2, 1), until=date(2026, 3, 1))
    assert report.totals.cases == 3
    assert [(g.key, g.totals.cases) for g in report.group("month")] == [("2026-02", 2), ("2026-03", 1)]
    with pytest.raises(ValidationFailed, match="开始日期 2026-03-01 晚于结束日期 2026-02-01"):
        desk.stats.report(since=date(2026, 3, 1), until=date(2026, 2, 1))
    with pytest.raises(ValidationFailed, match="统计维度“颜色”无效"):
        desk.stats.report(by=["颜色"])


def test_the_workbook(desk: Any, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    desk.cases.create(
        CaseDraft(
            after_sales_reason='=HYPERLINK("x") 13800138000', refund_paid=Decimal("12.50"), courier="中通快递"
        )
    )
    report = desk.stats.report()
    (tmp_path / "out").mkdir()
    path = export_xlsx(report, tmp_path / "out" / "统计.xlsx")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["统计.xlsx"]  # nothing .partial left
    wb = load_workbook(path)
    assert wb.sheetnames == [
        "汇总",
        "按月份",
        "按店铺",
        "按平台",
        "按售后类型",
        "按退款原因",
        "按商品",
        "按快递公司",
        "申诉成功率",
    ]
    reason = wb["按退款原因"]
    assert [c.value for c in reason[1]][:3] == ["退款原因", "售后数", "实退金额"]
    cell = reason["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")  # text, never a formula
    assert "13800138000" not in cell.value and "138****8000" in cell.value
    assert reason["C2"].value == 12.5 and reason["C2"].number_format == "0.00"
