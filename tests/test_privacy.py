"""Phone masking: every spelling of a buyer's phone is masked, order and tracking numbers are not."""

from __future__ import annotations

import pytest

from desk.privacy import mask_phones


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("电话13812348000", "电话138****8000"),
        ("手机 138 1234 8000 谢谢", "手机 138****8000 谢谢"),
        ("+86 138-1234-8000", "138****8000"),
        ("008613812348000", "138****8000"),
        ("１３８１２３４８０００", "138****8000"),
        ("座机 010-12345678", "座机 010-****5678"),
        # Letters glued to the digits, landlines in brackets, North American numbers.
        ("tel13800138000", "tel138****8000"),
        ("TEL:13800138000", "TEL:138****8000"),
        ("买家电话(010) 6552 9988请回电", "买家电话010-****9988请回电"),
        ("（010）65529988", "010-****9988"),
        ("010-65529988", "010-****9988"),
        ("门店 0755-8601 3388", "门店 0755-****3388"),
        ("+86 10 6552 9988", "010-****9988"),
        ("+1 (415) 555-0132", "+1 415****0132"),
        ("415.555.0132", "415****0132"),
        ("香港 +852 9123 4567", "香港 +852 ****4567"),
        # Invisible characters between the digits hide nothing.
        ("电话138\u202d0013\u202c8000", "电话138****8000"),
        ("138\u200b0013\u200b8000", "138****8000"),
    ],
)
def test_phones_masked(text: str, expected: str) -> None:
    assert mask_phones(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "订单号 240101-123456789012345",
        "快递单号 SF1420593871264",
        "YT7512049386021",
        "售后单号 9102847561203",
        "金额 1380.00 元，重量 1.25 kg，时间 2026-11-20 14:32:07",
        "（全角括号保持原样）",
        "拼多多 231204-123456789012345",
        "淘宝 3745120958127364512",
        "SF1234567890123 YT7512049386021 JT0012345678901 75123456789012",
        "SF13812345678",
        "售后单号 2612041380013800",
        "¥12.50 ¥1,380.00 1.250kg 2026-12-04 16:52 2026/12/04 16:52:07",
        "SHA-256 a15735329947",
        "尺寸 300 400 1200 mm",
        "2026-12-04T16:52:07+08:00",
    ],
)
def test_other_numbers_untouched(text: str) -> None:
    assert mask_phones(text) == text
