"""Phone numbers found in a picture are blacked out in what goes to the platform, unless the operator
removed the black box; then the 申诉前检查 warns. The original file never changes."""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from desk.domain import CaseDraft, CaseType, EvidenceKind, MarkShape

pytest.importorskip("rapidocr_onnxruntime")

NUMBER = "13812345678"


def _chat_case(desk: Any) -> tuple[Any, Any]:
    from desk_demo.images.chat import chat_screenshot

    case, _ = desk.cases.create(
        CaseDraft(
            order_no="261120-583920174650321",
            case_type=CaseType.MISSING_ITEM,
            appeal_type="goods",
            refund_amount=Decimal("29.90"),
            description="买家称少发一件。仓库称重与快递揽收重量一致，发货无误，恳请平台核实。",
        )
    )
    png = chat_screenshot([("buyer", "你好，包裹少了一件"), ("buyer", f"我电话{NUMBER}")], seed=1)
    ev = desk.evidence.import_bytes(case.id, png, "聊天.png", kind=EvidenceKind.CHAT)
    ev = ev.added[0] if hasattr(ev, "added") else ev
    desk.recognition.read(ev.id)
    return case, desk.evidence.get(ev.id)


def _black(path: Path, mark: Any) -> bool:
    with Image.open(path) as im:
        px = im.convert("RGB")
        w, h = px.size
        cx, cy = (mark.x0 + mark.x1) / 2 * w, (mark.y0 + mark.y1) / 2 * h
        return max(px.getpixel((round(cx), round(cy)))) < 40


def test_the_number_is_black_in_the_upload_kit_and_the_original_is_untouched(
    desk: Any, tmp_path: Path
) -> None:
    case, ev = _chat_case(desk)
    blob = desk.evidence.blob_path(ev.id)
    before = hashlib.sha256(blob.read_bytes()).hexdigest()
    desk.packets.redactions.apply(case.id)
    (mark,) = [m for m in desk.evidence.get(ev.id).marks if m.shape == MarkShape.REDACT]
    assert "138****5678" in mark.text
    result = desk.packets.build_upload_kit(case.id, "goods", tmp_path / "kit")
    pictures = [f for f in result.files if f.name.endswith(".jpg")]
    assert any(_black(tmp_path / "kit" / f.name, mark) for f in pictures)
    assert hashlib.sha256(blob.read_bytes()).hexdigest() == before == ev.sha256
    assert not any(i.rule == "phones" and not i.ok for i in desk.packets.readiness(case.id).items)


def test_a_removed_box_stays_removed_and_the_check_warns(desk: Any) -> None:
    case, ev = _chat_case(desk)
    desk.packets.redactions.apply(case.id)
    kept = [m for m in desk.evidence.get(ev.id).marks if m.shape != MarkShape.REDACT]
    desk.evidence.set_marks(ev.id, kept)  # the operator deletes the black box
    desk.packets.redactions.apply(case.id)
    assert not [m for m in desk.evidence.get(ev.id).marks if m.shape == MarkShape.REDACT]
    warnings = {i.rule: i.message for i in desk.packets.readiness(case.id).warnings}
    assert "138****5678" in warnings["phones"]


def test_a_street_address_in_a_chat_is_black_in_the_upload_kit(desk: Any, tmp_path: Path) -> None:
    """The buyer's address finds their door as their number does: the street to the room is blacked out
    in what the platform gets; the original keeps it."""
    from desk_demo.images.chat import chat_screenshot

    case, _ = _chat_case(desk)
    png = chat_screenshot([("buyer", "寄到文三路398号502室"), ("buyer", "麻烦尽快补发")], seed=2)
    report = desk.evidence.import_bytes(case.id, png, "地址.png", kind=EvidenceKind.CHAT)
    ev = report.added[0] if hasattr(report, "added") else report
    desk.recognition.read(ev.id)
    desk.packets.redactions.apply(case.id)
    marks = [m for m in desk.evidence.get(ev.id).marks if m.shape == MarkShape.REDACT]
    assert [m.text for m in marks] == ["自动遮挡：地址 寄到…室"]  # 寄到 hidden with the street: never less
    result = desk.packets.build_upload_kit(case.id, "goods", tmp_path / "kit")
    pictures = [f for f in result.files if f.name.endswith(".jpg")]
    assert any(_black(tmp_path / "kit" / f.name, marks[0]) for f in pictures)
    assert hashlib.sha256(desk.evidence.blob_path(ev.id).read_bytes()).hexdigest() == ev.sha256
