"""Values found in recognised lines (desk/recognition/fields.py): pure functions, no engine needed.

Phone numbers are the text masker's: every form it masks is found in a line of a picture, with a box over
the digits it hides; numbers already masked, order numbers, waybills and amounts are left alone."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desk.privacy import mask_phones
from desk.recognition.fields import (
    find_fields,
    find_money,
    find_orders,
    find_phones,
    find_times,
    find_waybills,
    find_weights,
    propose_redactions,
    span_box,
)
from desk.recognition.types import Line, Quad

pytestmark = pytest.mark.no_database


def box(x0: float, y0: float, x1: float, y1: float) -> Quad:
    return ((x0, y0), (x1, y0), (x1, y1), (x0, y1))


def line(text: str, x0: float = 100, y0: float = 100, height: float = 30, conf: float = 0.99) -> Line:
    width = sum(height if ord(c) > 0x2E80 else height * 0.55 for c in text) or height
    return Line(text, box(x0, y0, x0 + width, y0 + height), conf)


mobiles = st.builds(
    lambda second, rest: f"1{second}{rest}",
    st.sampled_from("3456789"),
    st.text("0123456789", min_size=9, max_size=9),
)
FORMS = {
    "full": lambda n: n,
    "spaced": lambda n: f"{n[:3]} {n[3:7]} {n[7:]}",
    "hyphen": lambda n: f"{n[:3]}-{n[3:7]}-{n[7:]}",
    "dotted": lambda n: f"{n[:3]}.{n[3:7]}.{n[7:]}",
    "plus86": lambda n: f"+86 {n[:3]} {n[3:7]} {n[7:]}",
    "fullwidth": lambda n: n.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
}
words = st.sampled_from(["", "我电话", "联系我：", "手机 ", "收件人：张三 ", "tel:", "麻烦打"])
tails = st.sampled_from(["", " 谢谢", "，尽快联系", "。", " 下午在家"])


@settings(max_examples=150, deadline=None)
@given(mobiles, st.sampled_from(sorted(FORMS)), words, tails)
def test_every_form_of_a_mobile_is_found_with_a_box_inside_its_line(
    number: str, form: str, before: str, after: str
) -> None:
    written = FORMS[form](number)
    ln = line(before + written + after)
    phones = find_phones([ln])
    assert len(phones) == 1, (ln.text, phones)
    assert phones[0].value.endswith(number)
    assert phones[0].text == written
    (red,) = propose_redactions([ln])
    x_lo, x_hi = ln.box[0][0], ln.box[1][0]
    xs = [p[0] for p in red.box]
    assert x_lo <= min(xs) < max(xs) <= x_hi
    # The box covers the hidden digits: it starts after the line's beginning text and the first three digits.
    start_of_number = span_box(ln, len(before), len(before) + 1)[0][0]
    assert min(xs) > start_of_number
    assert mask_phones(number)[3:7] == "****"  # the masker hides the same four digits the box covers
    assert red.reason.startswith("电话号码 ")


@settings(max_examples=80, deadline=None)
@given(mobiles, words)
def test_a_masked_number_is_no_phone_any_more(number: str, before: str) -> None:
    ln = line(f"{before}{number[:3]}****{number[7:]}")
    assert find_phones([ln]) == []
    assert propose_redactions([ln]) == []


@settings(max_examples=80, deadline=None)
@given(st.sampled_from(["SF", "YT", "JT", "ZT", "YD"]), st.text("0123456789", min_size=12, max_size=13))
def test_waybills_are_found_and_never_taken_for_phones(prefix: str, digits: str) -> None:
    code = prefix + digits
    lines = [line(f"运单号：{code}"), line(f"退货单号 {code}", y0=150)]
    assert [f.value for f in find_waybills(lines)] == [code, code]
    assert find_phones(lines) == []


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(["揽收", "计费", "上车", "下车"]),
    st.integers(1, 50000),
    st.sampled_from(["称重 ", "重量：", "扫描，发往金华转运中心，称重", "扫描重量："]),
    st.sampled_from(["kg", " kg", "公斤", "KG"]),
)
def test_a_weight_written_after_its_label_is_found_with_label_and_unit(
    label: str, centigrams: int, middle: str, unit: str
) -> None:
    value = f"{centigrams / 100:.2f}"
    (w,) = find_weights([line(f"{label}{middle}{value}{unit}")])
    assert (w.label, w.value, w.unit) == (label, value, "kg")


def test_a_weights_table_pairs_each_header_with_the_number_below_it() -> None:
    headers = ["运单号", "揽收重量(kg)", "计费重量(kg)", "上车扫描重量", "下车扫描重量", "揽收网点"]
    values = ["SF1234567890123", "1.25", "1.3", "1.24", "1.23", "浙江义乌北苑网点"]
    lines = [Line(t, box(240 + i * 142, 308, 330 + i * 142, 330), 0.99) for i, t in enumerate(headers)]
    lines += [Line(t, box(240 + i * 142, 349, 300 + i * 142, 371), 0.99) for i, t in enumerate(values)]
    # A number in another column, and one far below, must not be paired.
    lines.append(Line("9.99", box(30, 349, 60, 371), 0.99))
    lines.append(Line("8.88", box(384, 700, 420, 722), 0.99))
    found = {(f.label, f.value, f.unit) for f in find_weights(lines)}
    assert found == {
        ("揽收", "1.25", "kg"),
        ("计费", "1.3", "kg"),
        ("上车", "1.24", "kg"),
        ("下车", "1.23", "kg"),
    }


def test_orders_money_and_times() -> None:
    lines = [
        line("订单号 231204-123456789012345，实付 ¥39.90"),
        line("售后单号：3012345678901234", y0=140),
        line("查询时间2026-11-2414:35:08", y0=180),
        line("退款 12.5元 已到账 2026/11/20", y0=220),
    ]
    assert [(f.label, f.value) for f in find_orders(lines)] == [
        ("订单", "231204-123456789012345"),
        ("售后单", "3012345678901234"),
    ]
    assert [f.value for f in find_money(lines)] == ["39.90", "12.5"]
    assert [f.value for f in find_times(lines)] == ["2026-11-24T14:35:08", "2026-11-20"]
    assert find_phones(lines) == []
    kinds = [f.kind for f in find_fields(lines)]
    assert kinds.count("order") == 2 and "phone" not in kinds


@given(st.text(max_size=40))
def test_any_text_gives_boxes_within_its_line(text: str) -> None:
    ln = line(text)
    for f in find_fields([ln]):
        xs = [p[0] for p in f.box]
        assert ln.box[0][0] - 1e-6 <= min(xs) <= max(xs) <= ln.box[1][0] + 1e-6, (text, f)
