"""`outcome`, `claim` and `stats` as an operator runs them: the same services, words and refusals."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from desk.app import open_desk
from desk.domain import CaseDraft, CaseType, Platform
from tests.test_cli import run

# One profile with one case, made once; on PostgreSQL one schema for the module.
pytestmark = pytest.mark.database_per_module


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    root = tmp_path_factory.mktemp("outcome-cli") / "profile"
    desk = open_desk(root)
    try:
        shop, _ = desk.shops.create("优品家居旗舰店", Platform.PDD)
        case, _ = desk.cases.create(
            CaseDraft(
                shop_id=shop.id,
                order_no="261201-583920174650321",
                courier="中通快递",
                case_type=CaseType.MISSING_ITEM,
                appeal_type="goods",
                refund_paid=Decimal("59.90"),
                after_sales_reason="少件/漏发",
            )
        )
    finally:
        desk.close()
    return root, case.id


def test_an_appeal_and_a_claim_from_the_command_line(profile: tuple[Path, int]) -> None:
    root, case_id = profile
    added = json.loads(
        run(root, "outcome", "add", str(case_id), "--submitted", "2026-11-28", "--json").stdout
    )
    assert (added["kind_label"], added["result"]) == ("维权申诉 · 货款申诉", "等待结果")
    gaps = run(root, "outcome", "gaps", str(case_id)).stdout
    assert "结案前还缺" in gaps and "还没有平台结果" in gaps
    out = run(root, "outcome", "edit", str(added["id"]), "--result", "申诉成功", "--amount", "40").stdout
    assert out.startswith("已修改：") and "申诉成功" in out and "追回 ¥40.00" in out

    claim = run(root, "claim", "add", str(case_id), "--no", "LP778", "--claimed", "19.90").stdout
    assert "中通快递\t理赔单号 LP778\t已提交\t索赔 ¥19.90" in claim
    listed = json.loads(run(root, "claim", "list", str(case_id), "--json").stdout)
    run(root, "claim", "edit", str(listed[0]["id"]), "--status", "已赔付", "--paid", "19.90")
    assert run(root, "outcome", "gaps", str(case_id)).stdout.startswith("可以结案")

    shown = json.loads(run(root, "case", "show", str(case_id), "--json").stdout)
    assert "40.00" in json.dumps(shown, ensure_ascii=False)  # 申诉追回 follows the decision


def test_refusals_are_sentences(profile: tuple[Path, int]) -> None:
    root, case_id = profile
    bad = run(root, "outcome", "add", str(case_id), "--result", "赢了", check=False)
    assert (
        bad.returncode == 1 and "申诉结果“赢了”无效，可选：" in bad.stderr and "Traceback" not in bad.stderr
    )
    gone = run(root, "claim", "packet", "999", check=False)
    assert gone.returncode == 1 and "快递理赔 #999 不存在" in gone.stderr
    dim = run(root, "stats", "--by", "颜色", check=False)
    assert dim.returncode == 1 and "统计维度“颜色”无效" in dim.stderr


def test_stats_as_json_text_and_workbook(profile: tuple[Path, int], tmp_path: Path) -> None:
    root, _case_id = profile
    data = json.loads(run(root, "stats", "--json").stdout)
    assert data["totals"]["cases"] >= 1
    assert [g["label"] for g in data["groups"]["shop"]] == ["优品家居旗舰店"]
    assert set(data["groups"]) == {"month", "shop", "platform", "case_type", "reason", "product", "courier"}
    one = json.loads(run(root, "stats", "--json", "--by", "month,快递公司").stdout)
    assert list(one["groups"]) == ["month", "courier"]
    text = run(root, "stats", "--by", "reason").stdout
    assert "按退款原因：" in text and "少件/漏发" in text and "净支出" in text
    out = tmp_path / "统计.xlsx"
    assert "已导出统计" in run(root, "stats", "--xlsx", str(out)).stdout and out.is_file()
