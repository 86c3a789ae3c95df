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
    assert {"goods", "freight", "dispute_rate", "generic"} <= set(shipped.kinds)
    assert shipped.kinds["goods"].lead[:2] == ("仓库称重图", "快递内网重量图")
    assert shipped.kinds["freight"].lead[0] == "运费凭证"
    assert shipped.kinds["freight"].decisive == ("运费凭证",)
    assert shipped.kinds["freight"].facts == ("运费金额", "退货运单号")


def test_a_case_type_refines_its_appeal_kind() -> None:
    shipped = layouts.shipped()
    missing = shipped.for_case("goods", CaseType.MISSING_ITEM)
    assert missing.decisive == ("仓库称重图", "快递内网重量图") and "重量计算" in missing.facts
    wrong = shipped.for_case("goods", "发错商品")  # the case type's words work too
    assert wrong.decisive == ("发货商品与面单合照", "店铺在售商品截图")
    assert shipped.for_case("goods", CaseType.MALICIOUS).decisive == wrong.decisive
    assert shipped.for_case("goods", CaseType.QUALITY).decisive == ("聊天截图",)
    # A case type without its own layout takes its appeal kind's; an unknown kind is generic.
    assert shipped.for_case("goods", CaseType.UNWANTED) == shipped.kinds["goods"]
    assert shipped.for_case("退款纠纷举证", CaseType.QUALITY) == shipped.kinds["generic"]
    # What a case type's layout leaves out comes from its appeal kind.
    data = {
        "generic": {"claim": "x"},
        "goods": {"claim": "总的", "lead": ["复称图"], "MISSING_ITEM": {"claim": "少件"}},
    }
    refined = layouts.parse(data, "t.toml").for_case("goods", CaseType.MISSING_ITEM)
    assert (refined.claim, refined.lead) == ("少件", ("复称图",))


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"generic": {"claim": "x"}, "refund": {"claim": "y"}}, "申诉类型“refund”不存在"),
        ({"generic": {"claim": "{金额}"}}, "不存在的变量：金额"),
        ({"generic": {"claim": "x", "lead": ["称重图"]}}, "不存在的证据类型"),
        ({"goods": {"claim": "x"}}, r"缺少 \[generic\]"),
        ({"generic": {"claim": "x"}, "goods": {"claim": "y", "少件": {}}}, "既不是版式的项.*也不是售后类型"),
        ({"generic": {"claim": "x", "decisive": ["仓库称重图", "复称图", "聊天截图"]}}, "decisive 最多 2 项"),
        ({"generic": {"claim": "x", "facts": ["金额"]}}, "facts 里有不认识的项"),
        (
            {"generic": {"claim": "x"}, "goods": {"claim": "y", "QUALITY": {"claim": "z", "color": 1}}},
            "不认识的项：color",
        ),
    ],
)
def test_a_broken_layout_is_refused_in_plain_words(data: dict[str, Any], words: str) -> None:
    with pytest.raises(layouts.LayoutError, match=words):
        layouts.parse(data, "appeal_layouts.toml")


def _user_copy(desk: Any, text: str) -> Path:
    path = desk.profile.root / "appeal_layouts.toml"
    path.write_text(text, encoding="utf-8")
    return path


SHIPPED = layouts.resource(layouts.FILE_NAME).read_text("utf-8")


def test_the_operators_copy_of_the_layouts_wins(desk: Any) -> None:
    case, _ = desk.cases.create(
        CaseDraft(order_no="261120-1", case_type=CaseType.QUALITY, appeal_type="goods")
    )
    assert desk.packets.layouts_file == desk.profile.root / "appeal_layouts.toml"
    _user_copy(desk, SHIPPED.replace("并非商品质量问题。", "并非商品质量问题（本店自定）。"))
    content = desk.packets.content(case.id)
    assert content.claim.endswith("并非商品质量问题（本店自定）。")
    assert not [
        w for w in content.warnings if "版式" in w
    ]  # (the case has no evidence yet: that one is said)
    assert any("首页应放的证据还没有：聊天截图" in w for w in content.warnings)


@pytest.mark.parametrize(
    ("broken", "words"),
    [
        # a variable that does not exist, on the claim of [goods.QUALITY]
        (
            lambda text: text.replace("（见下方聊天截图）", "{截图}"),
            "的 [goods.QUALITY] 用了不存在的变量：截图",
        ),
        # not TOML at all
        (lambda text: text.replace("[freight]", "[freight"), "格式有误"),
    ],
)
def test_a_broken_copy_is_named_with_its_line_and_the_packaged_layouts_are_used(
    desk: Any, broken: Any, words: str
) -> None:
    case, _ = desk.cases.create(
        CaseDraft(order_no="261120-1", case_type=CaseType.QUALITY, appeal_type="goods")
    )
    text = broken(SHIPPED)
    path = _user_copy(desk, text)
    changed = next(
        no for no, (a, b) in enumerate(zip(text.splitlines(), SHIPPED.splitlines(), strict=True), 1) if a != b
    )
    content = desk.packets.content(case.id)
    (warning,) = [w for w in content.warnings if "版式" in w]
    assert str(path) in warning and f"第 {changed} 行" in warning and words in warning
    assert "已改用随软件附带的版式" in warning
    assert content.claim.endswith("（见下方聊天截图），并非商品质量问题。")  # the packaged claim
    # The build reports it to the operator; the packet itself never prints it.
    out = desk.profile.root / "q.pdf"
    result = desk.packets.build(case.id, out)
    assert warning in result.warnings
    assert "已改用" not in "".join(page.extract_text() for page in PdfReader(out).pages)


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
    assert page.index("申诉要点") < page.index("关键证据") < page.index("基本信息")


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
