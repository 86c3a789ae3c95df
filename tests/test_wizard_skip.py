"""Evidence-only wizard steps the case's evidence already completes are passed over, and the timeline says so."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image

from desk.domain import EventKind, EvidenceKind
from tests.test_wizard import order_case


def png(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (seed * 40 % 256, 120, 200)).save(out, "PNG")
    return out.getvalue()


def add(desk: Any, case_id: Any, kind: EvidenceKind, seed: int) -> None:
    report = desk.evidence.import_bytes(case_id, png(seed), f"{kind}.png", kind=kind)
    assert not report.rejected


def wizard_events(desk: Any, case_id: Any) -> list[Any]:
    return [e for e in desk.cases.timeline(case_id) if e.kind == EventKind.WIZARD]


def test_opening_passes_over_the_steps_the_weight_pictures_complete(desk: Any, tmp_path: Path) -> None:
    case = order_case(desk, tmp_path, warehouse_g=1610)
    add(desk, case.id, EvidenceKind.WAREHOUSE_WEIGHT, 1)
    add(desk, case.id, EvidenceKind.COURIER_WEIGHT, 2)
    view, changes = desk.wizard.open(case.id)
    # 先让买家拍照 is done by the pictures: the first thing asked is the package question.
    assert view.step.id == "damaged" and case.id in changes.cases
    assert [p.words for p in view.passed] == ["✓ 已有：仓库称重图、快递内网重量图"]
    view, _ = desk.wizard.answer(case.id, 1)  # intact
    view, _ = desk.wizard.answer(case.id, 0)  # signed by the buyer; 复称 step passed over too
    assert view.step.id == "weight_result"
    assert [p.node_id for p in view.passed] == ["ask_photos", "reweigh"]
    passed = [e.data for e in wizard_events(desk, case.id) if e.data.get("evidence")]
    assert [d["step"] for d in passed] == ["ask_photos", "reweigh"]
    assert passed[0]["evidence"] == ["仓库称重图", "快递内网重量图"]
    # Opening again changes nothing: the walk is where it was.
    again, more = desk.wizard.open(case.id)
    assert again.choices == view.choices and not more.cases


def test_a_missing_picture_keeps_the_step(desk: Any, tmp_path: Path) -> None:
    case = order_case(desk, tmp_path, warehouse_g=1610)
    add(desk, case.id, EvidenceKind.WAREHOUSE_WEIGHT, 1)  # no courier page yet
    view, changes = desk.wizard.open(case.id)
    assert view.step.id == "ask_photos" and not view.passed and not changes.cases
    assert not wizard_events(desk, case.id)


def test_apply_fills_an_empty_refund_with_the_missing_pieces_price(desk: Any, tmp_path: Path) -> None:
    from decimal import Decimal

    case = order_case(desk, tmp_path, warehouse_g=1190)  # 430 g light: one 收纳盒 (3 for ¥89.70)
    view, _ = desk.wizard.run_answers(case.id, [1, 0, 0])  # intact, signed, short as weighed
    assert view.state.outcome.id == "short_confirmed"
    assert view.refund_note == "应用结果时，退款金额按少发的 1 件收纳盒填写：¥29.90，可修改"
    view, _ = desk.wizard.apply_outcome(case.id)
    assert desk.cases.get(case.id).refund_amount == Decimal("29.90")
    assert view.refund_note == "退款金额按少发的 1 件收纳盒填写：¥29.90，可修改"
    assert any("退款金额 29.90" in e.words().line() for e in wizard_events(desk, case.id))


def test_apply_never_overwrites_the_refund_the_operator_typed(desk: Any, tmp_path: Path) -> None:
    from decimal import Decimal

    case = order_case(desk, tmp_path, warehouse_g=1190, refund_amount=Decimal("35.00"))
    view, _ = desk.wizard.run_answers(case.id, [1, 0, 0])
    assert view.refund_note == ""
    desk.wizard.apply_outcome(case.id)
    assert desk.cases.get(case.id).refund_amount == Decimal("35.00")


def test_weights_that_match_fill_nothing(desk: Any, tmp_path: Path) -> None:
    case = order_case(desk, tmp_path, warehouse_g=1610)
    view, _ = desk.wizard.run_answers(case.id, [1, 0, 1, 2])  # weights match, appeal
    desk.wizard.apply_outcome(case.id)
    assert view.refund_note == "" and desk.cases.get(case.id).refund_amount is None


def test_the_window_takes_the_weight_checks_answer_without_asking_and_back_returns_to_it(
    desk: Any, tmp_path: Path
) -> None:
    """重量对比的结论？ is decided by the weight check (data_decides): the window's walk passes it with the
    check's answer, shown as done and on the timeline as answered by the data; 上一步 asks it again."""
    case = order_case(desk, tmp_path, warehouse_g=1610)  # 1,610 g against 1,620 g: the weights match
    desk.wizard.open(case.id, take_data_answers=True)
    for choice in (0, 1, 0):  # 先让买家拍照 (no pictures here: done by hand), intact, signed
        view, _ = desk.wizard.answer(case.id, choice, take_data_answers=True)
    assert view.step.id == "reweigh"
    view, _ = desk.wizard.answer(case.id, 0, take_data_answers=True)
    assert view.step.id == "negotiate"
    decided = next(p for p in view.passed if p.node_id == "weight_result")
    assert decided.words.startswith("✓ 按售后数据：重量相符，买家仍坚持漏发（称重核对：")
    event = [e for e in wizard_events(desk, case.id) if e.data.get("step") == "weight_result"][-1]
    assert event.data["by_data"] and event.data["answer"] == "重量相符，买家仍坚持漏发"
    assert "由售后数据回答，未询问" in event.words().line()
    view, _ = desk.wizard.back(case.id)
    assert view.step.id == "weight_result" and view.known is not None  # asked, the data's answer marked
    # The CLI's answers stay one per question: the same walk there answers the weight question itself.
    view, _ = desk.wizard.run_answers(case.id, [1, 0, 1])
    assert view.step.id == "negotiate"
    event = [e for e in wizard_events(desk, case.id) if e.data.get("step") == "weight_result"][-1]
    assert not event.data.get("by_data") and "由售后数据回答" not in event.words().line()


def test_a_weight_check_without_a_verdict_leaves_the_question_to_the_operator(
    desk: Any, tmp_path: Path
) -> None:
    case = order_case(desk, tmp_path)  # no warehouse weighing: no verdict
    desk.wizard.open(case.id, take_data_answers=True)
    for choice in (0, 1, 0, 0):
        view, _ = desk.wizard.answer(case.id, choice, take_data_answers=True)
    assert view.step.id == "weight_result"
    assert view.known is None and not any(p.node_id == "weight_result" for p in view.passed)


def test_the_outcome_asks_for_the_amount_its_appeal_states_and_applies_it(desk: Any, tmp_path: Path) -> None:
    from decimal import Decimal

    from desk.errors import ValidationFailed

    case = order_case(desk, tmp_path, warehouse_g=1610)
    view, _ = desk.wizard.run_answers(case.id, [1, 0, 1, 2])  # weights match, appeal
    assert view.state.outcome.id == "appeal_weights" and view.claim_needed == ("refund_amount", "退款金额")
    for bad in ("0", "-5"):
        try:
            desk.wizard.apply_outcome(case.id, claim_amount=bad)
        except ValidationFailed as exc:
            assert "退款金额要大于 0" in exc.message
        else:
            raise AssertionError(f"{bad} was taken as a refund")
    assert desk.cases.get(case.id).refund_amount is None  # nothing half-written
    view, _ = desk.wizard.apply_outcome(case.id, claim_amount="59.00")
    after = desk.cases.get(case.id)
    assert after.refund_amount == Decimal("59.00") and after.appeal_type == "goods"
    assert view.claim_needed is None
    assert any("退款金额 59.00" in e.words().line() for e in wizard_events(desk, case.id))
    assert any(i.rule == "amount" and i.ok for i in desk.packets.readiness(case.id).items)
