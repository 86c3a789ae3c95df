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
    ],
)
def test_other_numbers_untouched(text: str) -> None:
    assert mask_phones(text) == text
