"""Argument first: the packet's first page states the claim with its numbers, and the evidence that decides
the appeal kind leads (resources/appeal_layouts.toml, checked when loaded)."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from desk.domain import CaseDraft, CaseType, EvidenceKind
from desk.pdf import layouts


def _png(colour: tuple[int, int, int]) -> bytes:
    buf = BytesIO()
    Image.new("RGB", (300, 200), colour).save(buf, "PNG")
    return buf.getvalue()


def test_the_shipped_layouts_are_valid_and_name_real_evidence() -> None:
    shipped = layouts.shipped()
    assert {"goods", "freight", "dispute_rate", "generic"} <= set(shipped)
    assert shipped["goods"].lead[:2] == ("仓库称重图", "快递内网重量图")
    assert shipped["freight"].lead[0] == "运费凭证"


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"generic": {"claim": "x"}, "refund": {"claim": "y"}}, "申诉类型“refund”不存在"),
        ({"generic": {"claim": "{金额}"}}, "不存在的变量：金额"),
        ({"generic": {"claim": "x", "lead": ["称重图"]}}, "不存在的证据类型"),
        ({"goods": {"claim": "x"}}, r"缺少 \[generic\]"),
    ],
)
def test_a_broken_layout_is_refused_in_plain_words(data: dict[str, Any], words: str) -> None:
    with pytest.raises(layouts.LayoutError, match=words):
        layouts.parse(data, "appeal_layouts.toml")


def _first_page(path: Path) -> str:
    return "".join((PdfReader(path).pages[0].extract_text() or "").split())


def test_goods_appeal_states_the_claim_and_leads_with_the_weights(desk: Any, tmp_path: Path) -> None:
    case, _ = desk.cases.create(
        CaseDraft(
            order_no="261120-583920174650321",
            after_sales_no="9102847561203",
            case_type=CaseType.MISSING_ITEM,
            appeal_type="goods",
            refund_amount=Decimal("29.90"),
            description="买家称少发一件，仓库称重与快递揽收重量一致。",
        )
    )
    # Imported in the "wrong" order: the buyer's photo first.
    desk.evidence.import_bytes(case.id, _png((200, 0, 0)), "买家.png", kind=EvidenceKind.BUYER_PHOTO)
    desk.evidence.import_bytes(case.id, _png((0, 200, 0)), "揽收.png", kind=EvidenceKind.COURIER_WEIGHT)
    desk.evidence.import_bytes(case.id, _png((0, 0, 200)), "称重.png", kind=EvidenceKind.WAREHOUSE_WEIGHT)
    content = desk.packets.content(case.id)
    assert [e.kind for e in content.evidence] == ["仓库称重图", "快递内网重量图", "买家照片"]
    out = tmp_path / "goods.pdf"
    desk.packets.build(case.id, out)
    page = _first_page(out)
    assert "申诉要点" in page
    assert "商家就订单261120-583920174650321（售后单号9102847561203，漏发少件）提出维权申诉·货款申诉" in page
    assert "申请追回已退款¥29.90" in page
    assert page.index("申诉要点") < page.index("基本信息")


def test_freight_appeal_leads_with_the_voucher_and_names_the_amount(desk: Any) -> None:
    case, _ = desk.cases.create(
        CaseDraft(
            order_no="261120-1",
            case_type=CaseType.UNWANTED,
            appeal_type="freight",
            freight_paid=Decimal("12.00"),
        )
    )
    desk.evidence.import_bytes(case.id, _png((9, 9, 9)), "聊天.png", kind=EvidenceKind.CHAT)
    desk.evidence.import_bytes(case.id, _png((8, 8, 8)), "凭证.png", kind=EvidenceKind.FREIGHT_VOUCHER)
    content = desk.packets.content(case.id)
    assert content.evidence[0].kind == "运费凭证"
    assert "退货运费 ¥12.00 由商家垫付" in content.claim
    assert "（未填写售后单号）" in content.claim  # a missing number is named, never a brace
