"""The kind a pasted picture is guessed to be, from the text read in it: what the gallery suggests."""

from __future__ import annotations

import pytest

from desk.domain import EvidenceKind
from desk.recognition.kinds import guess_kind, suggested_weight
from desk.recognition.types import Line

pytestmark = pytest.mark.no_database  # reads pictures, opens no desk: not in the PostgreSQL pass


def lines(*texts: str) -> list[Line]:
    """Lines one under another, as the engine gives them."""
    return [
        Line(text, ((0.0, 40.0 * i), (400.0, 40.0 * i), (400.0, 40.0 * i + 30), (0.0, 40.0 * i + 30)), 0.95)
        for i, text in enumerate(texts)
    ]


# What the engine read in tests/data/ocr/courier-000-table.png (a table of the day's weighings).
COURIER = lines(
    "顺丰速运·网点管理系统",
    "运单查询",
    "运单号",
    "SF2802172889885",
    "揽收重量(kg)",
    "计费重量(kg)",
    "上车扫描重量",
    "下车扫描重量",
    "揽收重量：24.68kg",
    "计费重量：24.7kg",
)
CHAT = lines(
    "10:32",
    "拼多多买家·咨询示例旗舰店",
    "订单号261122-546424545889864",
    "你好，我的包裹少了一件",
    "好的亲，已记录，稍后联系您",
    "已读",
    "联系我：13558911594",
    "快捷短语",
)


def test_a_courier_page_is_a_courier_weighing_with_its_pickup_weight() -> None:
    assert guess_kind(COURIER, 1280, 800) is EvidenceKind.COURIER_WEIGHT
    assert suggested_weight(COURIER, EvidenceKind.COURIER_WEIGHT) == 24680


def test_a_chat_screenshot_is_a_chat_and_suggests_no_weight() -> None:
    assert guess_kind(CHAT, 1080, 2112) is EvidenceKind.CHAT
    assert suggested_weight(CHAT, EvidenceKind.CHAT) is None


def test_a_scale_photo_is_the_warehouse_weighing_until_the_case_has_one() -> None:
    display = lines("1.250kg", "YT75120493")
    assert guess_kind(display, 1600, 1200) is EvidenceKind.WAREHOUSE_WEIGHT
    assert suggested_weight(display, EvidenceKind.WAREHOUSE_WEIGHT) == 1250
    # What the engine read in desk_demo's scale photo: the display's point was lost, the scale's words
    # still say what it is (and no weight is suggested from a display read wrong).
    photo = lines(
        "2026-11-20 15:24:36仓库称重A05", "DeskDemo 电子计重秤", "零位", "稳定", "净重", "1258", "kg"
    )
    assert guess_kind(photo, 1600, 1200) is EvidenceKind.WAREHOUSE_WEIGHT
    assert suggested_weight(photo, EvidenceKind.WAREHOUSE_WEIGHT) is None
    assert guess_kind([], 1600, 1200) is None  # a blank picture says nothing about itself
    # A second scale photo is more likely a 复称 the operator names: no guess.
    assert guess_kind(display, 1600, 1200, has_warehouse_weight=True) is None


def test_a_scale_display_with_grams_or_two_numbers() -> None:
    assert suggested_weight(lines("1250g"), EvidenceKind.WAREHOUSE_WEIGHT) == 1250
    assert suggested_weight(lines("1.25", "3.40"), EvidenceKind.WAREHOUSE_WEIGHT) is None  # which one?
    assert suggested_weight(lines("货号 12"), EvidenceKind.WAREHOUSE_WEIGHT) is None


def test_a_page_of_text_that_is_none_of_these_is_not_guessed() -> None:
    page = lines(
        "商品详情", "规格：蓝色", "材质：不锈钢", "容量：500ml", "产地：浙江", "保修：一年", "售后：七天"
    )
    assert guess_kind(page, 1280, 800) is None
