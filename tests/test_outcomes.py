"""Outcomes and money: appeal decisions and courier claims keep the case's recovered money as their sum,
refusals say what is wrong, closing a case names what is missing, and the courier-claim packet is built
from the case's weight evidence."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from desk.domain import (
    AppealResult,
    CaseDraft,
    CaseStatus,
    CaseType,
    ClaimStatus,
    EvidenceKind,
    Platform,
    Resolution,
    WeightKind,
)
from desk.errors import NotFound, ValidationFailed


def _case(desk: Any, **kw: Any) -> Any:
    fields: dict[str, Any] = {
        "platform": Platform.PDD,
        "order_no": "261201-583920174650321",
        "tracking_no": "ZT7712345678901",
        "courier": "中通快递",
        "case_type": CaseType.MISSING_ITEM,
        "appeal_type": "goods",
        "refund_paid": Decimal("59.90"),
    }
    case, _ = desk.cases.create(CaseDraft(**{**fields, **kw}))
    return case


def _lines(desk: Any, case_id: int) -> list[str]:
    return [e.words().line() for e in desk.cases.timeline(case_id)]


def test_a_won_appeal_brings_its_money_back_into_the_case(desk: Any) -> None:
    case = _case(desk)
    outcome, changes = desk.outcomes.record_appeal(
        case.id, result="申诉成功", amount_returned="59.9", submitted_at="2026-11-28"
    )
    assert case.id in changes.cases
    assert (outcome.appeal_kind, outcome.result, outcome.amount_returned) == (
        "goods",
        AppealResult.WON,
        Decimal("59.90"),
    )
    assert outcome.decided_at is not None  # decided today unless told otherwise
    again = desk.cases.get(case.id)
    assert again.recovered_appeal == Decimal("59.90") and again.net_cost == Decimal("0.00")
    assert _lines(desk, case.id)[-2:] == [
        "申诉结果：维权申诉 · 货款申诉：申诉成功，追回 ¥59.90",
        "修改申诉追回：（空） → 59.90（按申诉结果）",
    ]


def test_recovered_money_is_the_sum_of_the_appeals_and_follows_each_change(desk: Any) -> None:
    case = _case(desk)
    first, _ = desk.outcomes.record_appeal(case.id, result=AppealResult.PARTIAL, amount_returned="20")
    second, _ = desk.outcomes.record_appeal(
        case.id, appeal_kind="运费申诉", result="WON", amount_returned="8.50"
    )
    assert second.appeal_kind == "freight"
    assert desk.cases.get(case.id).recovered_appeal == Decimal("28.50")
    desk.outcomes.update_appeal(first.id, amount_returned="25")
    assert desk.cases.get(case.id).recovered_appeal == Decimal("33.50")
    desk.outcomes.remove_appeal(second.id)
    assert desk.cases.get(case.id).recovered_appeal == Decimal("25.00")
    desk.outcomes.remove_appeal(first.id)
    assert desk.cases.get(case.id).recovered_appeal is None
    assert _lines(desk, case.id)[-2] == "删除申诉结果：维权申诉 · 货款申诉：部分支持，追回 ¥25.00"


def test_what_the_operator_typed_stays_while_no_appeal_carries_an_amount(desk: Any) -> None:
    case = _case(desk, recovered_appeal=Decimal("10.00"))
    outcome, _ = desk.outcomes.record_appeal(case.id)  # submitted, no decision yet
    assert outcome.result == AppealResult.PENDING and outcome.decided_at is None
    assert desk.cases.get(case.id).recovered_appeal == Decimal("10.00")
    desk.outcomes.update_appeal(outcome.id, result="REJECTED")
    assert desk.cases.get(case.id).recovered_appeal == Decimal("10.00")
    assert _lines(desk, case.id)[-1] == "修改申诉结果：维权申诉 · 货款申诉：等待结果 → 申诉驳回"


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        ({"result": "PENDING", "amount_returned": "5"}, "还在等待结果的申诉不能有追回金额"),
        ({"result": "PENDING", "decided_at": "2026-11-30"}, "还在等待结果的申诉不能有结果时间"),
        ({"result": "REJECTED", "amount_returned": "5"}, "申诉被驳回时没有追回金额"),
        ({"result": "WON", "submitted_at": "2026-11-30", "decided_at": "2026-11-29"}, "早于提交时间"),
        ({"result": "大获全胜"}, "申诉结果“大获全胜”无效，可选：等待结果、申诉成功、部分支持、申诉驳回"),
        ({"result": "WON", "amount_returned": "-3"}, "追回金额不能为负数"),
        ({"submitted_at": "昨天下午"}, "提交时间“昨天下午”无法识别"),
        (
            {"submitted_at": (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d")},
            "提交时间不能晚于现在",
        ),
    ],
)
def test_appeal_refusals_say_what_is_wrong(desk: Any, fields: dict[str, Any], said: str) -> None:
    case = _case(desk)
    with pytest.raises(ValidationFailed) as info:
        desk.outcomes.record_appeal(case.id, **fields)
    assert said in info.value.message
    assert desk.outcomes.appeals(case.id) == []  # nothing half written
    assert desk.cases.get(case.id).recovered_appeal is None


def test_a_courier_claim_from_filing_to_payment(desk: Any) -> None:
    case = _case(desk)
    claim, _ = desk.outcomes.record_claim(case.id, claim_no="LP20261201", amount_claimed="59.90")
    assert (claim.courier, claim.status, claim.filed_at is not None) == ("中通快递", ClaimStatus.FILED, True)
    assert desk.cases.get(case.id).recovered_courier is None
    with pytest.raises(ValidationFailed) as info:
        desk.outcomes.update_claim(claim.id, status="拒赔", amount_paid="10")
    assert "理赔状态为“拒赔”时没有赔付金额" in info.value.message
    paid, _ = desk.outcomes.update_claim(claim.id, status="已赔付", amount_paid="45")
    assert paid.paid_at is not None
    assert desk.cases.get(case.id).recovered_courier == Decimal("45.00")
    assert desk.cases.get(case.id).net_cost == Decimal("14.90")
    assert _lines(desk, case.id)[-2:] == [
        "修改快递理赔：中通快递 理赔单号 LP20261201：已提交 → 已赔付，索赔 ¥59.90，赔付 ¥45.00",
        "修改快递赔付：（空） → 45.00（按快递理赔结果）",
    ]
    unchanged, changes = desk.outcomes.update_claim(claim.id, amount_paid="45.00")
    assert unchanged == desk.outcomes.claim(claim.id) and not changes.cases


def test_unknown_records_are_named(desk: Any) -> None:
    with pytest.raises(NotFound, match="申诉记录 #99"):
        desk.outcomes.update_appeal(99, result="WON")
    with pytest.raises(NotFound, match="快递理赔 #98"):
        desk.outcomes.remove_claim(98)
    with pytest.raises(NotFound, match="售后记录 #97"):
        desk.outcomes.record_claim(97)


def test_closing_asks_for_what_is_missing(desk: Any) -> None:
    case = _case(desk, resolution=Resolution.COURIER_CLAIM, refund_paid=None, status=CaseStatus.REFUNDED)
    texts = [g.text for g in desk.outcomes.closing_gaps(case.id)]
    assert texts == ["处理方式是快递理赔，但还没有记录理赔", "已退款，但没有填写实退金额"]

    appeal, _ = desk.outcomes.record_appeal(case.id, submitted_at="2026-11-28 10:00")
    claim, _ = desk.outcomes.record_claim(case.id, claim_no="LP1")
    desk.cases.update(case.id, refund_paid="59.90")
    keys = [g.key for g in desk.outcomes.closing_gaps(case.id)]
    assert keys == [f"appeal_pending:{appeal.id}", f"claim_open:{claim.id}"]
    assert desk.outcomes.closing_gaps(case.id)[1].text == "快递理赔（中通快递，理赔单号 LP1）还没有结果"

    desk.outcomes.update_appeal(appeal.id, result="WON")
    desk.outcomes.update_claim(claim.id, status="PAID")
    texts = [g.text for g in desk.outcomes.closing_gaps(case.id)]
    assert texts[0].endswith("申诉成功，但没有填写追回金额")
    assert texts[1] == "快递理赔（中通快递，理赔单号 LP1）已赔付，但没有填写赔付金额"

    desk.outcomes.update_appeal(appeal.id, amount_returned="30")
    desk.outcomes.update_claim(claim.id, amount_paid="29.90")
    assert desk.outcomes.closing_gaps(case.id) == ()
    # Typed over the appeals' sum: the books no longer agree, and closing says so.
    desk.cases.update(case.id, recovered_appeal="35")
    (gap,) = desk.outcomes.closing_gaps(case.id)
    assert gap.text == "申诉追回 ¥35.00 与各次申诉结果合计 ¥30.00 不一致"


def test_a_submitted_appeal_without_a_record_is_a_gap(desk: Any) -> None:
    case = _case(desk, status=CaseStatus.APPEALING)
    assert [g.key for g in desk.outcomes.closing_gaps(case.id)] == ["appeal_missing"]


def _picture(tmp_path: Path, name: str, colour: tuple[int, int, int]) -> Path:
    path = tmp_path / name
    Image.new("RGB", (480, 360), colour).save(path)
    return path


def test_the_claim_packet_is_built_from_the_weight_evidence(desk: Any, tmp_path: Path) -> None:
    case = _case(desk, description="买家反馈少收到 1 个收纳盒，电话 13800138000。")
    (warehouse,) = desk.evidence.import_files(
        case.id, [_picture(tmp_path, "仓库称重.jpg", (200, 220, 240))], kind=EvidenceKind.WAREHOUSE_WEIGHT
    ).added
    (courier,) = desk.evidence.import_files(
        case.id, [_picture(tmp_path, "揽收重量.jpg", (240, 220, 200))], kind=EvidenceKind.COURIER_WEIGHT
    ).added
    desk.evidence.import_files(
        case.id, [_picture(tmp_path, "聊天.png", (250, 250, 250))], kind=EvidenceKind.CHAT
    )
    desk.weights.add(case.id, WeightKind.WAREHOUSE, 1250, evidence_id=warehouse.id)
    desk.weights.add(case.id, WeightKind.COURIER_PICKUP, 1240, evidence_id=courier.id)
    claim, _ = desk.outcomes.record_claim(case.id, claim_no="LP20261201", amount_claimed="59.90")

    result = desk.outcomes.claim_packet(claim.id)
    assert result.path.is_file() and result.path.parent.name == f"case-{case.id}"
    text = "".join(page.extract_text() for page in PdfReader(result.path).pages)
    flat = re.sub(r"\s+", "", text)
    for said in (
        "快递理赔材料",
        "LP20261201",
        "ZT7712345678901",
        "¥59.90",
        "仓库称重图",
        "快递内网重量图",
        "1,250",
    ):
        assert said in flat, said
    assert "聊天截图" not in flat  # the buyer's chat is not the courier's business
    assert "13800138000" not in flat and "138****8000" in flat
    assert _lines(desk, case.id)[-1] == (
        f"生成理赔材料：中通快递 理赔单号 LP20261201：{result.path.name}，{result.page_count} 页，"
        f"SHA-256 {result.sha256[:12]}"
    )


def test_no_claim_packet_without_evidence_a_courier_accepts(desk: Any, tmp_path: Path) -> None:
    case = _case(desk)
    desk.evidence.import_files(
        case.id, [_picture(tmp_path, "聊天.png", (250, 250, 250))], kind=EvidenceKind.CHAT
    )
    claim, _ = desk.outcomes.record_claim(case.id)
    with pytest.raises(ValidationFailed) as info:
        desk.outcomes.claim_packet(claim.id)
    assert "无法生成理赔材料：请先添加这些证据" in info.value.message
    assert not list((desk.profile.packets_dir).rglob("*.pdf"))
