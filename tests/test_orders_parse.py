"""Cell values as exports write them: dates in several spellings, money with separators, weights."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from desk.orders import parse
from desk.orders.parse import CellError
from desk.orders.readers import detect_encoding

SHIPPED_UTC = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)  # 18:30 China time


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-20 18:30:00",
        "2026-11-20 18:30",
        "2026/11/20 18:30:00",
        "2026/11/20 18:30",
        "2026.11.20 18:30:00",
        "2026年11月20日 18:30",
        "2026年11月20日 18时30分",
        "20261120183000",
        "2026-11-20T18:30:00+08:00",
        "11/20/2026 18:30",
        " 2026-11-20 18:30:00\t",
        '="2026-11-20 18:30:00"',
    ],
)
def test_dates_in_every_spelling_are_china_time(text: str) -> None:
    assert parse.timestamp(text, "发货时间") == SHIPPED_UTC


def test_dates_other_forms_and_refusals() -> None:
    assert parse.timestamp("2026-11-20", "x") == datetime(2026, 11, 19, 16, 0, tzinfo=UTC)
    assert parse.timestamp("1795170600", "x") == SHIPPED_UTC  # Unix seconds
    assert parse.timestamp("46346.5", "x") == datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # Excel serial
    for empty in ("", "-", "—", "0000-00-00 00:00:00"):
        assert parse.timestamp(empty, "x") is None
    with pytest.raises(CellError, match="发货时间“2026-02-30 10:00”不是有效日期"):
        parse.timestamp("2026-02-30 10:00", "发货时间")
    with pytest.raises(CellError, match="不是可识别的日期时间"):
        parse.timestamp("下周一", "发货时间")


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("89.70", Decimal("89.70")),
        ("1,089.70", Decimal("1089.70")),
        ("¥1,089.7", Decimal("1089.70")),
        ("1，089.70 元", Decimal("1089.70")),
        ("(5.00)", Decimal("-5.00")),
        ("-3", Decimal("-3.00")),
        ("0", Decimal("0.00")),
        ("", None),
        ("-", None),
    ],
)
def test_money_with_separators(text: str, amount: Decimal | None) -> None:
    assert parse.money(text, "金额") == amount
    assert parse.fen(text, "金额") == (None if amount is None else int(amount * 100))


@pytest.mark.parametrize("text", ["12.345", "abc", "1e400", "NaN", "100000000", "1,2", "12,34.5"])
def test_money_refused(text: str) -> None:
    with pytest.raises(CellError, match="商品总价"):
        parse.money(text, "商品总价")
    with pytest.raises(CellError, match="商品总价"):
        parse.fen(text, "商品总价")


@pytest.mark.parametrize(
    ("text", "grams"),
    [
        ("1.25kg", 1250),
        ("1250g", 1250),
        ("1250 克", 1250),
        ("2.5斤", 1250),
        ("1.25公斤", 1250),
        ("1.25", 1250),
    ],
)
def test_weights(text: str, grams: int) -> None:
    assert parse.weight_grams(text, default_unit="kg" if text == "1.25" else "g") == grams


def test_order_numbers_and_logistics() -> None:
    assert parse.order_number('="3918475620193847561"') == "3918475620193847561"
    assert parse.order_number("\t6917926768823643751") == "6917926768823643751"
    assert parse.order_number("12345.0") == "12345"
    with pytest.raises(CellError, match="科学计数法"):
        parse.order_number("6.91792676882364E+18")
    assert parse.split_logistics("SF123-顺丰速运;YT9-圆通速递") == ("SF123", "顺丰速运")
    assert parse.quantity("3件", "数量") == 3
    with pytest.raises(CellError, match="为 0"):
        parse.quantity("0", "数量")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("=1+1", "像是表格公式"),
        ("'=1+1", "像是表格公式"),  # the apostrophe an export adds is taken off first
        ("+1", "像是表格公式"),
        ("-1", "像是表格公式"),
        ("@SUM(A1)", "像是表格公式"),
        ('="=1+1"', "像是表格公式"),
        ("12(3)", "只能由字母、数字"),
        ("a\u202eb", "只能由字母、数字"),
        ("订单;1", "只能由字母、数字"),
    ],
)
def test_order_numbers_that_are_not_order_numbers(text: str, words: str) -> None:
    with pytest.raises(CellError, match=words):
        parse.order_number(text)


def test_order_number_shapes() -> None:
    for ok in ("SO-2026/11#3", "JD_MULTI.1", "订单A1", "3918475620193847561"):
        assert parse.order_number(ok) == ok
    assert parse.order_number("261120-583920174650321", shape=parse.PDD_ORDER) == "261120-583920174650321"
    with pytest.raises(CellError, match="拼多多的订单号"):
        parse.order_number("3918475620193847561", shape=parse.PDD_ORDER)
    with pytest.raises(CellError) as caught:
        parse.order_number("a\u202eb")
    assert "\\u202e" in str(caught.value)  # shown, not obeyed


def test_short_gbk_sample_is_read_as_gb18030() -> None:
    # Two Chinese words are too little for any detector; the header decides.
    sample = "姓名,年龄\n张三,18\n".encode("gbk")
    found = detect_encoding(sample, complete=True)
    assert found.codec == "gb18030"
    assert detect_encoding("订单号".encode("utf-8-sig"), complete=True).codec == "utf-8-sig"
    assert detect_encoding("订单号\n".encode(), complete=True).codec == "utf-8"
