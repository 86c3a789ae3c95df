"""Phone numbers in the spellings buyers really use never reach the packet PDF or the upload kit, and the
order, after-sales and waybill numbers next to them stay readable."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from PIL import Image
from pypdf import PdfReader

from desk.domain import CaseDraft, EvidenceKind, Platform

ORDER_NO = "231204-123456789012345"
AFTER_SALES_NO = "2612041380013800"
TRACKING = "SF1234567890123"
# (as typed, the digits that must not survive)
PHONES = [
    ("tel13800138000", "13800138000"),
    ("(010) 6552 9988", "65529988"),
    ("0755-86013388", "86013388"),
    ("+1 (415) 555-0132", "4155550132"),
    ("415.555.0132", "4155550132"),
    ("+852 9123 4567", "91234567"),
]
DESCRIPTION = (
    f"买家留言：{PHONES[0][0]}，座机{PHONES[1][0]}，门店{PHONES[2][0]}；"
    f"海外号码 {PHONES[3][0]} 或 {PHONES[4][0]}，香港{PHONES[5][0]}。"
    f"订单 {ORDER_NO}，快递 {TRACKING}，退款 ¥12.50，重量 1.250kg，2026-12-04 16:52 签收。"
)


def _leaks(text: str) -> list[str]:
    """Phones whose digits still stand together on one side of a mask."""
    pieces = [re.sub(r"[^0-9]", "", p) for p in re.split(r"[*＊]+", text)]
    return [typed for typed, digits in PHONES if any(digits in p for p in pieces)]


def _case(desk: Any, tmp_path: Path) -> Any:
    case, _ = desk.cases.create(
        CaseDraft(
            platform=Platform.PDD,
            order_no=ORDER_NO,
            after_sales_no=AFTER_SALES_NO,
            tracking_no=TRACKING,
            description=DESCRIPTION,
        )
    )
    chat = tmp_path / "聊天tel13800138000.png"
    Image.new("RGB", (300, 500), (220, 230, 240)).save(chat)
    (ev,) = desk.evidence.import_files(case.id, [chat], kind=EvidenceKind.CHAT).added
    desk.evidence.update(ev.id, caption="买家 +1 (415) 555-0132 承认收到")
    return case


def test_packet_text_has_no_phone_in_any_spelling(desk: Any, tmp_path: Path) -> None:
    case = _case(desk, tmp_path)
    out = tmp_path / "packet.pdf"
    desk.packets.build(case.id, out)
    text = "\n".join(page.extract_text() for page in PdfReader(out).pages)
    flat = re.sub(r"\s+", "", text)  # the PDF may wrap a number over two lines
    assert _leaks(text) == [] and _leaks(flat) == []
    assert "138****8000" in flat and "010-****9988" in flat and "415****0132" in flat
    for kept in (ORDER_NO, AFTER_SALES_NO, TRACKING, "¥12.50", "1.250kg", "2026-12-04"):
        assert kept in flat, kept


def test_upload_kit_text_and_names_have_no_phone(desk: Any, tmp_path: Path) -> None:
    case = _case(desk, tmp_path)
    result = desk.packets.build_upload_kit(case.id, None, tmp_path / "kit")
    names = [p.name for p in (tmp_path / "kit").iterdir()]
    assert _leaks(" ".join(names)) == [], names
    assert any("+1 415＊＊＊＊0132" in n for n in names), names  # the caption names the picture
    raw = (tmp_path / "kit" / "申诉说明.txt").read_bytes().decode("utf-8-sig")
    assert _leaks(raw) == [], raw
    for kept in (ORDER_NO, TRACKING, "¥12.50", "1.250kg", "2026-12-04 16:52"):
        assert kept in raw, kept
    assert _leaks(result.summary()) == [] and _leaks(result.text) == []
