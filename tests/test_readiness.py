"""申诉前检查: one test per rule, through the service the window and the CLI both ask."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from typing import Any

import pytest
from PIL import Image

from desk.domain import CaseDraft, CaseType, EvidenceKind, WeightKind

READY = "买家称少发一件。仓库称重与快递揽收重量一致，发货无误，恳请平台核实。"


def _png(colour: tuple[int, int, int] = (90, 90, 90)) -> bytes:
    buf = BytesIO()
    Image.new("RGB", (320, 240), colour).save(buf, "PNG")
    return buf.getvalue()


def _ready_case(desk: Any, **changes: Any) -> Any:
    values = {
        "order_no": "261120-583920174650321",
        "case_type": CaseType.MISSING_ITEM,
        "appeal_type": "goods",
        "refund_amount": Decimal("29.90"),
        "description": READY,
        **changes,
    }
    case, _ = desk.cases.create(CaseDraft(**values))
    desk.evidence.import_bytes(case.id, _png(), "称重.png", kind=EvidenceKind.WAREHOUSE_WEIGHT)
    desk.evidence.import_bytes(case.id, _png((1, 2, 3)), "揽收.png", kind=EvidenceKind.COURIER_WEIGHT)
    return case


def _failed(desk: Any, case_id: Any, kind: str | None = None) -> dict[str, str]:
    return {i.rule: i.message for i in desk.packets.readiness(case_id, kind).problems}


def test_a_complete_appeal_is_ready(desk: Any) -> None:
    ready = desk.packets.readiness(_ready_case(desk).id)
    assert ready.ok, ready.report()
    assert ready.appeal == "goods"


def test_the_appeal_kind_must_be_set(desk: Any) -> None:
    case = _ready_case(desk, appeal_type="")
    assert "还没有选申诉类型" in _failed(desk, case.id)["appeal_kind"]
    assert desk.packets.readiness(case.id, "goods").ok  # chosen for this packet: fine


@pytest.mark.parametrize(("text", "words"), [("", "还没写"), ("少件", "只有 2 个字")])
def test_the_statement_must_be_written(desk: Any, text: str, words: str) -> None:
    case = _ready_case(desk, description=text)
    assert words in _failed(desk, case.id)["statement"]


def test_no_placeholder_may_remain(desk: Any) -> None:
    case = _ready_case(desk, description=READY + "重量结论：【缺：重量结论】")
    failed = _failed(desk, case.id)
    assert failed == {"placeholders": "问题描述里还有待补的内容：【缺：重量结论】"}


def test_required_evidence_must_be_there(desk: Any) -> None:
    case, _ = desk.cases.create(
        CaseDraft(
            case_type=CaseType.MISSING_ITEM,
            appeal_type="goods",
            refund_amount=Decimal("9.9"),
            description=READY,
        )
    )
    ready = desk.packets.readiness(case.id)
    missing = [i for i in ready.problems if i.rule == "evidence"]
    assert [i.fix for i in missing] == ["evidence:仓库称重图", "evidence:快递内网重量图"]


def test_a_money_claim_states_its_amount(desk: Any) -> None:
    case = _ready_case(desk, refund_amount=None)
    assert _failed(desk, case.id) == {"amount": "维权申诉 · 货款申诉要写明退款金额"}
    freight = _ready_case(desk, case_type=CaseType.UNWANTED, appeal_type="freight")
    assert "运费金额" in _failed(desk, freight.id)["amount"]


def test_the_statement_must_agree_with_the_desks_own_weights(desk: Any) -> None:
    case = _ready_case(desk)
    # No order to compute the expected weight: nothing to conclude, nothing contradicts.
    assert desk.packets.readiness(case.id).ok
    from desk.services.readiness import check

    verdict_short = check(
        desk.cases.get(case.id),
        "goods",
        present_kinds={"仓库称重图", "快递内网重量图"},
        required=("仓库称重图",),
        weight_verdict="SHORT",
    )
    assert [i.rule for i in verdict_short.problems] == ["weights"]
    assert "疑似少发" in verdict_short.problems[0].message
    desk.weights.add(case.id, WeightKind.WAREHOUSE, 1250)  # a reading alone decides nothing either
    assert desk.packets.readiness(case.id).ok


def test_the_platforms_limits_are_part_of_the_check(desk: Any) -> None:
    from tests.test_upload_kit import set_limits

    case = _ready_case(desk)
    set_limits(desk, image_count=1)
    failed = desk.packets.readiness(case.id).problems
    assert [i.rule for i in failed] == ["limits"] and "图片张数" in failed[0].message
