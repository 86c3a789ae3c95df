"""`cases` filters and `case show|set`, as an operator runs them (same validation and timeline as the window)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import run

# One demo profile, made once, for every test here: on PostgreSQL one schema for the module.
pytestmark = pytest.mark.database_per_module


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("case-cli") / "profile"
    run(root, "demo")
    return root


def cases(profile: Path, *args: str) -> list[dict]:  # type: ignore[type-arg]
    return json.loads(run(profile, "cases", "--json", *args).stdout)


def test_filters(profile: Path) -> None:
    everything = cases(profile)
    assert len(everything) >= 5
    negotiating = cases(profile, "--status", "协商中")
    assert negotiating and all(c["status"] == "协商中" for c in negotiating)
    two = cases(profile, "--status", "协商中,申诉中")
    assert {c["status"] for c in two} <= {"协商中", "申诉中"} and len(two) > len(negotiating)
    wrong = cases(profile, "--type", "发错商品")
    assert wrong and all(c["case_type"] == "发错商品" for c in wrong)
    shop = cases(profile, "--shop", "暖暖童装小店")
    assert shop and all(c["shop_name"] == "暖暖童装小店" for c in shop)
    found = cases(profile, "--search", "收纳")
    assert found
    for c in found:
        detail = run(profile, "case", "show", str(c["id"]), "--json").stdout
        assert "收纳" in json.dumps(json.loads(detail), ensure_ascii=False)
    assert cases(profile, "--search", "灯罩 裂痕")[0]["case_type"] == "质量问题"
    # The demo has one case past its deadline, one due within 24 hours and one held by 等待退货.
    assert [c["case_type"] for c in cases(profile, "--due", "overdue")] == ["发错商品"]
    assert [c["case_type"] for c in cases(profile, "--due", "即将超时")] == ["漏发少件"]
    paused = cases(profile, "--due", "paused")
    assert [c["status"] for c in paused] == ["等待退货"] and paused[0]["due"].startswith("已暂停")


def test_bad_filter_value_is_a_sentence(profile: Path) -> None:
    out = run(profile, "cases", "--status", "乱写", check=False)
    assert out.returncode == 1 and "状态“乱写”无效" in out.stderr
    out = run(profile, "cases", "--shop", "不存在的店", check=False)
    assert out.returncode == 1 and "没有名为“不存在的店”的店铺" in out.stderr


def test_case_set_validates_and_records(profile: Path) -> None:
    target = next(c for c in cases(profile) if c["status"] == "待处理")
    cid = str(target["id"])
    out = run(profile, "case", "set", cid, "status=协商中", "截止时间=剩余1天2小时", "实退金额=12.5")
    assert "状态：待处理 → 协商中" in out.stdout
    shown = json.loads(run(profile, "case", "show", cid, "--json").stdout)
    assert (
        shown["status"] == "协商中"
        and shown["refund_paid"] == "12.50"
        and shown["due"].startswith("剩余 1 天")
    )
    timeline = {(e["field"], e["old"], e["new"]) for e in shown["timeline"]}
    assert ("status", "OPEN", "NEGOTIATING") in timeline and ("refund_paid", "", "12.50") in timeline
    assert "修改状态：待处理 → 协商中" in [e["text"] for e in shown["timeline"]]
    refused = run(profile, "case", "set", cid, "status=申诉成功", check=False)
    assert refused.returncode == 1 and "状态不能从“协商中”改为“申诉成功”" in refused.stderr
    bad = run(profile, "case", "set", cid, "颜色=红", check=False)
    assert bad.returncode == 1 and "没有名为“颜色”的字段" in bad.stderr
    bad_due = run(profile, "case", "set", cid, "due_at=下周吧", check=False)
    assert bad_due.returncode == 1 and "截止时间“下周吧”无法识别" in bad_due.stderr
    after = json.loads(run(profile, "case", "show", cid, "--json").stdout)
    assert after["version"] == shown["version"]  # the refused changes saved nothing


def test_trash_and_restore_from_the_command_line(profile: Path, tmp_path: Path) -> None:
    target = cases(profile)[-1]
    run(profile, "case", "delete", str(target["id"]))
    assert target["id"] not in [c["id"] for c in cases(profile)]
    assert [c["id"] for c in cases(profile, "--trash")] == [target["id"]]
    run(profile, "case", "restore", str(target["id"]))
    assert target["id"] in [c["id"] for c in cases(profile)]
    out = run(profile, "cases", "--type", "漏发少件", "--export", str(tmp_path / "漏发.xlsx"))
    assert "已导出" in out.stdout and (tmp_path / "漏发.xlsx").stat().st_size > 0
