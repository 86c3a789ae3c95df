"""The wizard through the core API: every path per case type, timeline, checklist, apply, drafts, scripts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from desk.domain import CaseDraft, CaseType, EventKind, EvidenceKind, Platform
from desk.errors import DeskError, NotFound, ValidationFailed
from desk.playbooks.walker import all_paths

REPO = Path(__file__).resolve().parents[1]


def make_case(desk, case_type: CaseType = CaseType.MISSING_ITEM, **kw):  # type: ignore[no-untyped-def]
    shop, _ = desk.shops.create(f"店{case_type.value}", Platform.PDD)
    case, _ = desk.cases.create(
        CaseDraft(
            case_type=case_type,
            shop_id=shop.id,
            order_no="240101-123456789012345",
            tracking_no="YT7512049386021",
            courier="圆通速递",
            refund_amount=Decimal("29.90"),
            **kw,
        )
    )
    return case


@pytest.mark.parametrize("case_type", list(CaseType))
def test_every_path_through_the_service(desk, case_type: CaseType) -> None:  # type: ignore[no-untyped-def]
    case = make_case(desk, case_type)
    pb = desk.wizard.playbooks.for_case_type(case_type.value)
    for answers, outcome_id in all_paths(pb):
        view, _ = desk.wizard.run_answers(case.id, list(answers))
        assert view.state.outcome is not None and view.state.outcome.id == outcome_id
        if view.state.outcome.appeal:
            assert view.draft is not None and "240101-123456789012345" in view.draft.text
            assert {c.kind for c in view.checklist if c.required} == set(view.state.outcome.evidence_required)


def test_answers_recorded_on_timeline_and_resumable(desk) -> None:  # type: ignore[no-untyped-def]
    case = make_case(desk)
    view = desk.wizard.view(case.id)
    assert view.step.title.startswith("先让买家拍照")
    desk.wizard.answer(case.id, 0)
    view, changes = desk.wizard.answer(case.id, 1)  # package intact
    assert case.id in changes.cases
    steps = [e.words().line() for e in desk.cases.timeline(case.id) if e.kind == EventKind.WIZARD]
    assert "处理流程：签收时外包装是否有破损？ → 外包装完好" in steps
    # A new wizard (e.g. after restarting the app) resumes where the case was left.
    again = desk.wizard.view(case.id)
    assert again.choices == (0, 1) and again.step.title == "是否为买家本人签收？"
    view, _ = desk.wizard.back(case.id)
    assert view.step.title.startswith("签收时外包装")


def test_checklist_ticks_from_gallery_and_apply_sets_status(desk) -> None:  # type: ignore[no-untyped-def]
    from tests.test_evidence_store import jpeg_bytes

    case = make_case(desk)
    view, _ = desk.wizard.run_answers(case.id, [1, 0, 1, 2])  # weights match, no agreement → appeal
    assert view.missing_required == ("仓库称重图", "快递内网重量图")
    desk.evidence.import_bytes(case.id, jpeg_bytes(), "称重.jpg", kind=EvidenceKind.WAREHOUSE_WEIGHT)
    view = desk.wizard.view(case.id)
    assert view.missing_required == ("快递内网重量图",)
    assert view.weight_conclusion  # the weight step shows the weight check's words
    view, _ = desk.wizard.apply_outcome(case.id)
    after = desk.cases.get(case.id)
    assert str(after.status) == "申诉中"
    assert str(getattr(after, "resolution", "申诉")) == "申诉"
    assert view.applied


def test_apply_before_the_end_is_refused(desk) -> None:  # type: ignore[no-untyped-def]
    case = make_case(desk)
    with pytest.raises(DeskError, match="还没有走到结果"):
        desk.wizard.apply_outcome(case.id)
    with pytest.raises(ValidationFailed):
        desk.wizard.answer(case.id, 5)


def test_appeal_threshold_says_not_worthwhile(desk, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    case = make_case(desk, CaseType.UNWANTED)
    monkeypatch.setattr(desk.wizard, "_threshold", lambda _case: Decimal("50"))
    view, _ = desk.wizard.run_answers(case.id, [1, 1])  # no insurance, buyer refuses → freight appeal
    assert view.state.outcome is not None and view.state.outcome.appeal == "freight"
    assert view.advice is not None and not view.advice.worthwhile and "门槛" in view.advice.reason


def test_scripts_fill_flag_and_edit(desk) -> None:  # type: ignore[no-untyped-def]
    case = make_case(desk, buyer_nick="小雨点")
    filled = desk.scripts.fill_for_case("common.reship_notice", case.id)
    assert "圆通速递" in filled.text and filled.missing == ("补发单号",)
    desk.scripts.save("common.thanks", title="感谢", text="谢谢{买家}！", category="通用")
    assert desk.scripts.fill_for_case("common.thanks", case.id).text == "谢谢小雨点！"
    assert desk.scripts.is_modified("common.thanks")
    desk.scripts.restore_default("common.thanks")
    assert "祝您生活愉快" in desk.scripts.get("common.thanks").text
    desk.scripts.save("本店.催退货", title="催退货", text="请尽快寄回", category="本店")
    assert [s.id for s in desk.scripts.list(search="催退货")] == ["本店.催退货"]
    with pytest.raises(ValidationFailed):
        desk.scripts.save("bad id!", title="x", text="y")
    with pytest.raises(NotFound):
        desk.scripts.restore_default("nope")


def test_cli_wizard_answers_and_apply(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    profile = tmp_path / "p"

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "desk", "--profile", str(profile), *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            input=stdin,
            timeout=120,
        )

    assert run("demo").returncode == 0
    cases = json.loads(run("cases", "--json").stdout)
    unwanted = next(c for c in cases if c["case_type"] == "不想要了")
    out = run("wizard", str(unwanted["id"]), "--answers", "2,2", "--apply", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["outcome"] == "freight_appeal" and data["applied"]
    assert "运费凭证" in [e["kind"] for e in data["evidence"] if e["required"]]
    assert unwanted["order_no"] in data["draft"]
    shown = json.loads(run("cases", "--json").stdout)
    assert next(c for c in shown if c["id"] == unwanted["id"])["status"] == "申诉中"
    # Interactive: Enter passes the information step, then two answers.
    inter = run("wizard", str(unwanted["id"]), stdin="\n2\n1\n")
    assert inter.returncode == 0, inter.stderr
    assert "买家自付运费" in inter.stdout
    bad = run("wizard", str(unwanted["id"]), "--answers", "9")
    assert bad.returncode == 1 and "没有第 9 个回答" in bad.stderr
    listed = run("scripts", "list", "--search", "忙中出错")
    assert "核实少件" in listed.stdout


# -- what the desk knows ----------------------------------------------------------------------------------

ORDER = "261120-583920174650321"


def order_case(  # type: ignore[no-untyped-def]
    desk, tmp_path: Path, case_type: CaseType = CaseType.MISSING_ITEM, *, warehouse_g: int | None = None, **kw
):
    """A case whose order was imported (3 收纳盒 × 480 g + 2 挂钩 × 35 g + 110 g packaging = 1,620 g,
    signed for on 2026-11-22 10:00 China time), with a warehouse weighing if given."""
    import csv
    import io

    from desk.orders.model import WeightKind
    from tests.test_weights import PDD_HEADER

    rows = [
        ["收纳盒", ORDER, "已收货", "3", "灰色", "SNH", "89.70", "89.70", "YT75120493", "圆通速递"],
        ["挂钩", ORDER, "已收货", "2", "12只装", "GZ", "89.70", "19.80", "YT75120493", "圆通速递"],
    ]
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow([*PDD_HEADER, "确认收货时间"])
    w.writerows([[*r, "2026-11-20 18:00:00", "2026-11-22 10:00:00"] for r in rows])
    path = tmp_path / "orders.csv"
    path.write_bytes(buf.getvalue().encode("gbk"))
    assert not desk.orders.import_file(path).failed
    for p in desk.products.list():
        desk.products.update(p.id, unit_weight_g=480 if p.sku_code == "SNH" else 35, packaging_g=110)
    desk.weights.set_tolerance(precision_g=20, percent=Decimal("3"), default_packaging_g=0)
    shop, _ = desk.shops.create(f"店{case_type.value}", Platform.PDD)
    case, _ = desk.cases.create(
        CaseDraft(case_type=case_type, shop_id=shop.id, order_no=ORDER, tracking_no="YT75120493", **kw)
    )
    if warehouse_g is not None:
        desk.weights.add(case.id, WeightKind.WAREHOUSE, warehouse_g)
    return case


def wizard_lines(desk, case_id) -> list[str]:  # type: ignore[no-untyped-def]
    return [e.words().line() for e in desk.cases.timeline(case_id) if e.kind == EventKind.WIZARD]


def test_weight_question_is_answered_by_the_weight_check(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from desk.services.wizard import Contradiction

    case = order_case(desk, tmp_path, warehouse_g=1190)  # 430 g light: one 收纳盒
    view, _ = desk.wizard.run_answers(case.id, [1, 0])  # intact, signed by the buyer
    assert view.step.title == "重量对比的结论？"
    known = view.known
    assert known is not None and known.choice == 0 and known.answer.startswith("核实少件")
    assert known.reason.startswith("称重核对：相差 430 g ≈ 1 件 〈收纳盒（灰色）〉")
    # "Weights match" against a check that says one item is short: refused, nothing recorded.
    before = wizard_lines(desk, case.id)
    with pytest.raises(Contradiction) as refused:
        desk.wizard.answer(case.id, 1)
    assert "核实少件" in refused.value.message and "相差 430 g" in refused.value.message
    assert wizard_lines(desk, case.id) == before
    assert desk.wizard.view(case.id).step.title == "重量对比的结论？"
    # Confirmed: it goes on, and the timeline says it overrode the data, and what the data said.
    view, _ = desk.wizard.answer(case.id, 1, confirm=True)
    assert view.step.title == "与买家友好协商的结果？"
    said = wizard_lines(desk, case.id)[-1]
    assert said.startswith("处理流程：重量对比的结论？ → 重量相符，买家仍坚持漏发（与数据不符，已确认：")
    assert "数据给出“核实少件" in said and "相差 430 g" in said
    event = [e for e in desk.cases.timeline(case.id) if e.kind == EventKind.WIZARD][-1]
    assert event.data["override"] is True and event.data["known"]["value"] == "short"
    # The data's own answer needs no confirmation and is recorded as agreeing with it.
    desk.wizard.back(case.id)
    view, _ = desk.wizard.answer(case.id, 0)
    assert view.state.outcome is not None and view.state.outcome.id == "short_confirmed"
    assert "（按数据：称重核对：相差 430 g" in wizard_lines(desk, case.id)[-1]


def test_matching_weights_and_refund_answer_their_questions(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    case = order_case(desk, tmp_path, warehouse_g=1610, refund_paid=Decimal("29.90"))
    view, _ = desk.wizard.run_answers(case.id, [1, 0, 1])  # weights match (as the check says)
    assert view.known is not None and view.known.choice == 2  # the refund happened: appeal
    assert view.known.reason == "退款：已记录实退金额 ¥29.90"
    assert [k.node_id for k in view.known_answers] == ["weight_result", "negotiate"]
    assert view.known_for("weight_result").answer == "重量相符，买家仍坚持漏发"  # type: ignore[union-attr]


def test_unsettled_questions_are_simply_asked(desk) -> None:  # type: ignore[no-untyped-def]
    case = make_case(desk)  # no order, no weighing, no refund
    view, _ = desk.wizard.run_answers(case.id, [1, 0])
    assert view.known is None and view.known_answers == ()
    view, _ = desk.wizard.answer(case.id, 1)  # anything goes
    assert view.step.title == "与买家友好协商的结果？"


def test_after_sales_period_from_the_order_and_the_platform_profile(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace
    from datetime import UTC, datetime

    from desk.domain import PlatformFacts
    from desk.platforms.model import Setting

    case = order_case(desk, tmp_path, CaseType.QUALITY)
    pdd = desk.platforms.for_platform(Platform.PDD)
    without = tuple(t for t in pdd.timers if t.key != "after_sales_days")
    desk.platforms.save_user_copy(replace(pdd, timers=without))  # a copy that states no period
    view, _ = desk.wizard.run_answers(case.id, [2])  # problems after some use
    assert view.step.title == "订单是否还在售后期内？" and view.known is None  # no period in the profile
    desk.platforms.save_user_copy(
        replace(pdd, timers=(*without, Setting("after_sales_days", "售后期", 7, "天", False)))
    )
    desk.cases.sync_platform(case.id, PlatformFacts(applied_at=datetime(2026, 12, 1, 1, 0, tzinfo=UTC)))
    known = desk.wizard.view(case.id).known
    assert known is not None and known.answer == "已过售后期"
    assert "签收 2026-11-22 02:00 起 7 天" in known.reason and "买家申请售后 2026-12-01 01:00" in known.reason
    desk.cases.sync_platform(case.id, PlatformFacts(applied_at=datetime(2026, 11, 25, 1, 0, tzinfo=UTC)))
    assert desk.wizard.view(case.id).known.answer == "在售后期内"  # type: ignore[union-attr]


def test_apply_sets_the_appeal_kind_and_merges_the_description(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from desk.playbooks.merge import MergeChoice

    mine = "买家说少了一个收纳盒，聊天里有照片。"
    case = order_case(desk, tmp_path, warehouse_g=1610, description=mine, refund_paid=Decimal("29.90"))
    view, _ = desk.wizard.run_answers(case.id, [1, 0, 1, 2])  # weights match, refunded → appeal
    assert view.state.outcome is not None and view.state.outcome.appeal == "goods"
    merge = view.merge
    assert merge is not None and merge.current == mine and merge.draft == view.draft.text  # type: ignore[union-attr]
    assert ("removed", mine) in [(p.kind, p.text) for p in merge.diff] and merge.missing == ()
    assert merge.default == MergeChoice.KEEP
    view, _ = desk.wizard.apply_outcome(case.id, description="append")
    after = desk.cases.get(case.id)
    assert (after.appeal_type, str(after.resolution), str(after.status)) == ("goods", "申诉", "申诉中")
    assert after.description.startswith(mine) and after.description.endswith(view.draft.text)  # type: ignore[union-attr]
    said = wizard_lines(desk, case.id)[-1]
    assert "申诉类型 维权申诉 · 货款申诉" in said and "处理方式 申诉" in said
    assert "把草稿追加在问题描述后面" in said


def test_a_draft_with_gaps_never_replaces_the_description(desk) -> None:  # type: ignore[no-untyped-def]
    mine = "我写的说明"
    case = make_case(desk, description=mine)  # no weighing: {重量结论} stays a gap
    view, _ = desk.wizard.run_answers(case.id, [1, 0, 1, 2])
    assert view.draft is not None and view.draft.missing == ("重量结论",)
    assert view.merge is not None and view.merge.missing == ("重量结论",)
    with pytest.raises(ValidationFailed, match="缺：重量结论"):
        desk.wizard.apply_outcome(case.id, description="replace")
    assert desk.cases.get(case.id).description == mine
    # The operator filled the gap in the draft by hand: that text is written.
    written = view.draft.text.replace("【缺：重量结论】", "复称与发货重量一致")
    desk.wizard.apply_outcome(case.id, description="replace", draft=written)
    assert desk.cases.get(case.id).description == written
    with pytest.raises(ValidationFailed, match="无效"):
        desk.wizard.apply_outcome(case.id, description="overwrite")


def test_case_fields_fill_the_scripts_and_the_freight_draft(desk) -> None:  # type: ignore[no-untyped-def]
    case = make_case(desk, CaseType.UNWANTED)
    filled = desk.scripts.fill_for_case("quality.offer_compensation", case.id)
    assert filled.missing == ("协商补偿金额",) and "29.90" not in filled.text  # never the refund amount
    view, _ = desk.wizard.run_answers(case.id, [1, 1])  # no insurance, buyer refuses → freight appeal
    assert view.draft is not None and view.draft.missing == ("退货单号", "运费金额")
    desk.cases.update(
        case.id,
        reship_tracking_no="SF1234567890",
        return_tracking_no="YT9988776655",
        agreed_compensation="5",
        freight_paid="12",
    )
    view = desk.wizard.view(case.id)
    assert view.draft is not None and view.draft.missing == ()
    assert "退货运单号 YT9988776655，运费 12.00 元" in view.draft.text
    assert "YT7512049386021" not in view.draft.text  # not the outbound waybill
    assert "补贴 5.00 元" in desk.scripts.fill_for_case("quality.offer_compensation", case.id).text
    assert "单号 SF1234567890" in desk.scripts.fill_for_case("common.reship_notice", case.id).text


def test_new_case_fields_are_stored_exported_and_undone(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from desk.domain import PlatformFacts
    from desk.services.export import export_cases

    case = make_case(desk)
    updated, _ = desk.cases.update(
        case.id, reship_tracking_no=" SF 123 ", agreed_compensation="8.5", return_tracking_no="YT1"
    )
    assert (updated.reship_tracking_no, updated.agreed_compensation, updated.return_tracking_no) == (
        "SF 123",
        Decimal("8.50"),
        "YT1",
    )
    assert updated.net_cost == Decimal("0.00")  # agreed is not paid
    lines = [e.words().line() for e in desk.cases.timeline(case.id)]
    assert "修改补发单号：（空） → SF 123" in lines and "修改协商补偿金额：（空） → 8.50" in lines
    assert "修改退货运单号：（空） → YT1" in lines
    # An export without a 退货运单号 keeps the typed one; one with a number replaces it.
    desk.cases.sync_platform(case.id, PlatformFacts(platform_status="待商家处理"))
    assert desk.cases.get(case.id).return_tracking_no == "YT1"
    desk.cases.sync_platform(case.id, PlatformFacts(platform_status="待商家处理", return_tracking_no="YT2"))
    assert desk.cases.get(case.id).return_tracking_no == "YT2"
    import csv

    path = export_cases(desk.cases.get_many([case.id]), tmp_path / "导出.csv")
    rows = list(csv.reader(path.read_text("utf-8-sig").splitlines()))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["补发单号"], row["协商补偿金额"], row["退货运单号"]) == ("SF 123", "8.50", "YT2")
    from desk.services.undo import UndoService

    desk.cases.bulk_update([case.id], agreed_compensation="20")
    assert desk.cases.get(case.id).agreed_compensation == Decimal("20.00")
    UndoService.for_desk(desk).undo()
    assert desk.cases.get(case.id).agreed_compensation == Decimal("8.50")


def test_cli_shows_pre_answers_and_needs_confirm_to_contradict(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_cli import run

    profile = tmp_path / "profile"
    case = order_case(desk, tmp_path, warehouse_g=1190)  # the weight check says one item is short
    cid = str(case.id)
    refused = run(profile, "wizard", cid, "--answers", "2,1,2", check=False)
    assert refused.returncode == 1
    assert "售后数据给出“核实少件" in refused.stderr and "请加 --confirm" in refused.stderr
    meant = json.loads(run(profile, "wizard", cid, "--answers", "2,1,2,1", "--confirm", "--json").stdout)
    weight = next(s for s in meant["steps"] if s["id"] == "weight_result")
    assert weight["override"] and weight["known"]["answer"].startswith("核实少件")
    assert any("与数据不符，已确认" in line for line in wizard_lines(desk, case.id))
    # The data's answer, with each step's scripts and the outcome's, filled from the case.
    out = run(profile, "wizard", cid, "--answers", "2,1,1").stdout
    assert (
        "■ 重量对比的结论？ → 核实少件（重量偏轻，差值约为漏发商品的重量）（按数据：称重核对：相差 430 g"
        in out
    )
    assert "参考话术（请买家拍照确认漏发）：亲亲，非常抱歉" in out
    assert "参考话术（告知补寄单号）" in out and "缺：补发单号（填写售后的“补发单号”）" in out


def test_cli_interactive_enter_takes_the_data_and_a_contradiction_asks(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_cli import REPO

    case = order_case(desk, tmp_path, warehouse_g=1190)

    def interact(keys: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        env.pop("DESK_HOME", None)
        return subprocess.run(
            [sys.executable, "-m", "desk", "--profile", str(tmp_path / "profile"), "wizard", str(case.id)],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            input=keys,
            timeout=120,
        )

    # Enter, intact, signed by the buyer, Enter; "2" contradicts → asked, "n"; Enter takes the data's answer.
    said = interact("\n2\n1\n\n2\nn\n\n")
    assert said.returncode == 0, said.stderr
    assert "数据已给出：1. 核实少件（重量偏轻，差值约为漏发商品的重量）（称重核对：相差 430 g" in said.stdout
    assert "这与售后数据不符（称重核对：相差 430 g" in said.stdout
    assert "结果：核实少件：安抚买家并安排补发" in said.stdout
    assert "参考话术（请买家拍照确认漏发）" in said.stdout  # a step's scripts, as it is shown
    assert not any("与数据不符" in line for line in wizard_lines(desk, case.id))
    # "y" confirms the contradiction: recorded.
    said = interact("\n2\n1\n\n2\ny\n1\n")
    assert said.returncode == 0, said.stderr
    assert "结果：买家接受解释，售后撤销" in said.stdout
    assert any("重量相符，买家仍坚持漏发（与数据不符，已确认" in line for line in wizard_lines(desk, case.id))


def test_cli_refuses_a_broken_playbook_copy_with_file_and_line(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from desk.playbooks.loader import PLAYBOOK_DIR
    from tests.test_cli import run

    case = make_case(desk)
    copy = tmp_path / "profile" / "playbooks" / "missing_item.toml"
    copy.parent.mkdir()
    text = (PLAYBOOK_DIR / "missing_item.toml").read_text("utf-8")
    copy.write_text(text.replace('known = "weight_verdict"', 'known = "weight_feel"'), encoding="utf-8")
    line = next(i for i, ln in enumerate(copy.read_text("utf-8").splitlines(), 1) if "weight_feel" in ln)
    out = run(tmp_path / "profile", "wizard", str(case.id), "--answers", "1", check=False)
    assert out.returncode == 2
    first = out.stderr.splitlines()[0]
    assert first.startswith(f"{copy}:{line}: ") and "weight_feel" in first


def test_cli_apply_writes_the_amount_the_appeal_states(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.test_cli import run

    profile = tmp_path / "profile"
    case = order_case(desk, tmp_path, warehouse_g=1610)  # the weights match: a goods appeal
    cid = str(case.id)
    said = run(profile, "wizard", cid, "--answers", "2,1,2,3").stdout
    assert "申诉要写明退款金额，售后记录里还没有：加 --apply --amount 金额 一并写入" in said
    alone = run(profile, "wizard", cid, "--answers", "2,1,2,3", "--amount", "59", check=False)
    assert alone.returncode == 2 and "--amount 只和 --apply 一起用" in alone.stderr
    zero = run(profile, "wizard", cid, "--answers", "2,1,2,3", "--apply", "--amount", "0", check=False)
    assert zero.returncode != 0 and "退款金额要大于 0" in zero.stderr
    data = json.loads(
        run(profile, "wizard", cid, "--answers", "2,1,2,3", "--apply", "--amount", "59.00", "--json").stdout
    )
    assert data["applied"] and data["amount_needed"] is None
    assert str(desk.cases.get(case.id).refund_amount) == "59.00"
