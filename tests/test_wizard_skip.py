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
