"""The weight check: conclusions at and around the tolerance bounds, missing weights, mixed SKUs, no order."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from desk.domain import CaseDraft, CaseId, CaseType, EvidenceKind
from desk.errors import ValidationFailed
from desk.orders.model import ExpectedLine, Tolerance, Verdict, WeightKind
from desk.orders.weighing import Reading, evaluate
from desk.playbooks.walker import fill

REPO = Path(__file__).resolve().parents[1]
BOX = ExpectedLine("收纳盒（灰色）", "SNH", 3, 480, 110)  # 3 × 480 + 110 = 1,550 g
TOL = Tolerance(precision_g=20, percent=Decimal("3"))  # 20 + 3 % of 1,550 (46.5 → 47) = ±67 g


def check(lines, *readings: tuple[WeightKind, int], tolerance: Tolerance = TOL, order_found: bool = True):  # type: ignore[no-untyped-def]
    return evaluate(
        case_id=CaseId(1),
        order_no="261120-583920174650321" if order_found else "",
        order_found=order_found,
        lines=lines,
        readings=[Reading(kind, grams, order=i) for i, (kind, grams) in enumerate(readings)],
        tolerance=tolerance,
    )


# -- the bounds -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("grams", "verdict"),
    [
        (1550, Verdict.MATCH),
        (1550 - 67, Verdict.MATCH),  # exactly at the lower bound
        (1550 + 67, Verdict.MATCH),  # exactly at the upper bound
        (1550 - 68, Verdict.UNCERTAIN),  # just outside, and 68 g is no whole box
        (1550 + 68, Verdict.HEAVY),
    ],
)
def test_tolerance_bounds(grams: int, verdict: Verdict) -> None:
    result = check([BOX], (WeightKind.WAREHOUSE, grams))
    assert result.expected_g == 1550 and result.allowed_g == 67
    assert result.verdict == verdict
    if verdict == Verdict.MATCH:
        assert result.conclusion == "重量相符：未发现少件"


def test_one_piece_missing_is_named_with_the_numbers() -> None:
    result = check([BOX], (WeightKind.WAREHOUSE, 1070))
    assert result.verdict == Verdict.SHORT
    assert result.conclusion == "相差 480 g ≈ 1 件 〈收纳盒（灰色）〉（单件 480 g），疑似少发"
    assert "应有重量 = 收纳盒（灰色） 480 g × 3 + 包装 110 g = 1,550 g" in result.details
    assert result.table()[1] == ("仓库称重", "1,070 g", "−480 g", "超出误差")


@pytest.mark.parametrize(("shortfall", "explained"), [(480 + 67, True), (480 + 68, False), (480 - 67, True)])
def test_shortfall_explained_only_within_the_tolerance(shortfall: int, explained: bool) -> None:
    result = check([BOX], (WeightKind.WAREHOUSE, 1550 - shortfall))
    assert result.verdict == (Verdict.SHORT if explained else Verdict.UNCERTAIN)


def test_tolerance_is_configurable() -> None:
    strict = Tolerance(precision_g=5, percent=Decimal("0"))
    assert check([BOX], (WeightKind.WAREHOUSE, 1544), tolerance=strict).verdict == Verdict.UNCERTAIN
    assert check([BOX], (WeightKind.WAREHOUSE, 1545), tolerance=strict).verdict == Verdict.MATCH


# -- mixed SKUs, several items ----------------------------------------------------------------------


def test_mixed_skus_the_right_item_is_named() -> None:
    lines = [ExpectedLine("收纳盒", "SNH", 2, 480, 110), ExpectedLine("挂钩", "GZ", 4, 35, 30)]
    expected = 2 * 480 + 4 * 35 + 110  # packaging: the larger of the two
    result = check(lines, (WeightKind.WAREHOUSE, expected - 70))
    assert result.expected_g == expected
    assert result.conclusion == "相差 70 g ≈ 2 件 〈挂钩〉（单件 35 g），疑似少发"
    result = check(lines, (WeightKind.WAREHOUSE, expected - 480))
    assert "1 件 〈收纳盒〉" in result.conclusion


def test_two_different_items_missing_together() -> None:
    lines = [ExpectedLine("置物架", "ZWJ", 1, 1450, 260), ExpectedLine("压缩袋", "YSD", 1, 520, 80)]
    result = check(lines, (WeightKind.WAREHOUSE, 1450 + 520 + 260 - 1970))
    assert result.verdict == Verdict.SHORT
    assert "1 件 〈置物架〉（单件 1450 g） + 1 件 〈压缩袋〉（单件 520 g）" in result.conclusion


# -- what is missing --------------------------------------------------------------------------------


def test_missing_sku_weight_means_no_conclusion_but_names_the_sku() -> None:
    lines = [BOX, ExpectedLine("挂钩", "GZ-12", 2, None, None)]
    result = check(lines, (WeightKind.WAREHOUSE, 1600))
    assert result.verdict == Verdict.NO_REFERENCE and result.expected_g is None
    assert result.missing_weights == ("商品“挂钩”（商家编码 GZ-12）没有单件重量",)
    assert result.sentence() == ""  # nothing goes into an appeal text


def test_reweigh_is_the_reference_when_weights_are_missing() -> None:
    lines = [BOX, ExpectedLine("挂钩", "GZ-12", 2, None, None)]
    result = check(lines, (WeightKind.WAREHOUSE, 1640), (WeightKind.REWEIGH, 1650))
    assert result.verdict == Verdict.MATCH and result.reference_g == 1650
    assert result.reference_label == "复称重量"


def test_no_order_at_all() -> None:
    result = check([], (WeightKind.WAREHOUSE, 1250), order_found=False)
    assert result.verdict == Verdict.NO_REFERENCE
    assert any("没有填写订单号" in d for d in result.details)
    with_reweigh = check([], (WeightKind.WAREHOUSE, 1250), (WeightKind.REWEIGH, 1740), order_found=False)
    assert with_reweigh.verdict == Verdict.UNCERTAIN  # 490 g lighter, and no items to explain it by


def test_no_shipping_weight_yet() -> None:
    assert check([BOX], (WeightKind.REWEIGH, 1550)).verdict == Verdict.NO_READINGS


def test_weight_lost_in_transit_is_told_apart() -> None:
    result = check(
        [BOX],
        (WeightKind.WAREHOUSE, 1550),
        (WeightKind.COURIER_LOAD, 1560),
        (WeightKind.COURIER_UNLOAD, 1070),
    )
    assert result.verdict == Verdict.TRANSIT_LOSS
    assert "快递下车重量 1,070 g 比仓库称重轻 480 g" in result.conclusion


def test_reweigh_disagreeing_with_catalog_weights_is_flagged() -> None:
    result = check([BOX], (WeightKind.WAREHOUSE, 1550), (WeightKind.REWEIGH, 1800))
    assert result.verdict == Verdict.MATCH
    assert any(d.startswith("⚠ 复称 1,800 g") for d in result.details)


# -- through the services -------------------------------------------------------------------------------

PDD_HEADER = [
    "商品",
    "订单号",
    "订单状态",
    "商品数量(件)",
    "商品规格",
    "商家编码-规格维度",
    "用户实付金额(元)",
    "商品总价(元)",
    "快递单号",
    "快递公司",
    "发货时间",
]
ORDER = "261120-583920174650321"


def import_orders(desk, tmp_path: Path, rows: list[list[str]]) -> None:  # type: ignore[no-untyped-def]
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(PDD_HEADER)
    w.writerows(rows)
    path = tmp_path / "orders.csv"
    path.write_bytes(buf.getvalue().encode("gbk"))
    report = desk.orders.import_file(path)
    assert not report.failed


def test_case_weight_check_end_to_end(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import_orders(
        desk,
        tmp_path,
        [
            [
                "收纳盒",
                ORDER,
                "已收货",
                "3",
                "灰色",
                "SNH",
                "89.70",
                "89.70",
                "YT75120493",
                "圆通速递",
                "2026-11-20 18:00:00",
            ],
            [
                "挂钩",
                ORDER,
                "已收货",
                "2",
                "12只装",
                "GZ",
                "89.70",
                "19.80",
                "YT75120493",
                "圆通速递",
                "2026-11-20 18:00:00",
            ],
        ],
    )
    case, _ = desk.cases.create(CaseDraft(order_no=ORDER, case_type=CaseType.MISSING_ITEM))
    # The case fills itself from the imported order (timeline entries through CaseService).
    filled, changes, order = desk.orders.fill_case(case.id)
    assert order is not None and case.id in changes.cases
    assert (filled.tracking_no, filled.courier, filled.order_amount) == (
        "YT75120493",
        "圆通速递",
        Decimal("89.70"),
    )
    assert {e.field for e in desk.cases.timeline(case.id)} >= {"tracking_no", "courier", "order_amount"}

    result = desk.weights.check(case.id)
    assert result.verdict == Verdict.NO_READINGS
    assert [m.split("”")[0] for m in result.missing_weights] == ["商品“收纳盒（灰色）", "商品“挂钩（12只装）"]
    for p in desk.products.list():
        desk.products.update(p.id, unit_weight_g=480 if p.sku_code == "SNH" else 35, packaging_g=110)
    desk.weights.set_tolerance(precision_g=20, percent=Decimal("3"), default_packaging_g=0)

    from desk_demo.images import scale_display_photo

    report = desk.evidence.import_bytes(
        case.id, scale_display_photo(1190), "仓库称重.jpg", kind=EvidenceKind.WAREHOUSE_WEIGHT
    )
    evidence_id = report.added[0].id
    record, changes = desk.weights.add(case.id, WeightKind.WAREHOUSE, 1190, evidence_id=evidence_id)
    assert record.evidence_name == "仓库称重.jpg" and case.id in changes.cases
    assert any("记录重量：仓库称重 1,190 g" in e.words().line() for e in desk.cases.timeline(case.id))
    result = desk.weights.check(case.id)
    expected = 3 * 480 + 2 * 35 + 110
    assert result.expected_g == expected
    assert result.conclusion == f"相差 {expected - 1190} g ≈ 1 件 〈收纳盒（灰色）〉（单件 480 g），疑似少发"
    assert result.comparisons[0].evidence_name == "仓库称重.jpg"

    # The conclusion reaches the wizard's appeal text and the packet's weight table.
    draft = fill("经核实：{重量结论}。", desk.weights.template_values(case.id))
    assert (
        draft.missing == () and "疑似少发（应有重量 1,620 g，仓库称重 1,190 g，允许误差 ±69 g）" in draft.text
    )
    table = desk.weights.packet_table(case.id)
    assert table[0] == ("应有重量", "1,620 g", "—", "参照")
    assert table[-1][0] == "结论"

    # Correcting the reading changes the conclusion; removing the evidence keeps the reading.
    desk.weights.update(record.id, grams=1610)
    assert desk.weights.check(case.id).conclusion == "重量相符：未发现少件"
    desk.evidence.remove(evidence_id)
    assert desk.weights.records(case.id)[0].evidence_id is None
    desk.weights.remove(record.id)
    assert desk.weights.check(case.id).verdict == Verdict.NO_READINGS


def test_records_are_validated(desk) -> None:  # type: ignore[no-untyped-def]
    case, _ = desk.cases.create(CaseDraft(order_no=ORDER))
    other, _ = desk.cases.create(CaseDraft(order_no="261120-000000000000001"))
    from desk_demo.images import scale_display_photo

    foreign = desk.evidence.import_bytes(other.id, scale_display_photo(1000), "别的.jpg").added[0]
    with pytest.raises(ValidationFailed, match="大于 0"):
        desk.weights.add(case.id, WeightKind.WAREHOUSE, 0)
    with pytest.raises(ValidationFailed, match="不属于售后"):
        desk.weights.add(case.id, WeightKind.WAREHOUSE, 1000, evidence_id=foreign.id)
    with pytest.raises(ValidationFailed, match="百分比"):
        desk.weights.set_tolerance(precision_g=20, percent=Decimal("90"), default_packaging_g=0)


def test_case_without_imported_order_is_left_alone(desk) -> None:  # type: ignore[no-untyped-def]
    case, _ = desk.cases.create(CaseDraft(order_no="261120-999999999999999", courier="中通快递"))
    same, changes, order = desk.orders.fill_case(case.id)
    assert order is None and not changes.cases and same.courier == "中通快递"
    assert (
        desk.weights.check(case.id).details[-1].startswith("没有找到订单 261120-999999999999999 的导入记录")
    )


# -- CLI ----------------------------------------------------------------------------------------------


def run_cli(profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "desk", "--profile", str(profile), *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_import_products_and_weight_check(tmp_path: Path) -> None:
    profile = tmp_path / "p"
    orders = tmp_path / "orders.csv"
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(PDD_HEADER)
    w.writerow(
        ["收纳盒", ORDER, "已收货", "3", "灰色", "SNH", "89.70", "89.70", "YT1", "圆通速递", "2026-11-20"]
    )
    w.writerow(["收纳盒", "261120-2", "已收货", "零", "灰色", "SNH", "1", "1", "", "", ""])
    orders.write_bytes(buf.getvalue().encode("gbk"))
    out = run_cli(profile, "import-orders", str(orders), "--json")
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert (report["imported"], report["updated"]) == (1, 0)
    assert report["failed"] == [{"row": 3, "reason": "商品数量(件)“零”不是整数"}]
    assert "失败 1 行" in report["summary"]
    text = run_cli(profile, "import-orders", str(orders)).stdout
    assert "更新 1 个订单" in text and "第 3 行：商品数量(件)“零”不是整数" in text

    sheet = tmp_path / "products.csv"
    sheet.write_text("商家编码,商品名称,单件重量(g),包装重量(g)\nSNH,收纳盒,480,110\n", encoding="utf-8-sig")
    out = run_cli(profile, "products", "import", str(sheet))
    assert out.returncode == 0 and "更新 1 个商品" in out.stdout

    from desk.app import open_desk

    d = open_desk(profile)
    try:
        case, _ = d.cases.create(CaseDraft(order_no=ORDER))
    finally:
        d.close()
    assert run_cli(profile, "weight-add", str(case.id), "仓库称重", "1.07kg").returncode == 0
    out = run_cli(profile, "weight-check", str(case.id), "--json")
    data = json.loads(out.stdout)
    assert data["verdict"] == "疑似少发"
    assert data["conclusion"] == "相差 480 g ≈ 1 件 〈收纳盒（灰色）〉（单件 480 g），疑似少发"
    assert data["expected_g"] == 1550
    out = run_cli(profile, "weight-check", str(case.id))
    assert "结论：相差 480 g" in out.stdout
    bad = run_cli(profile, "import-orders", str(tmp_path / "nope.csv"))
    assert bad.returncode == 1 and "nope.csv" in bad.stderr
