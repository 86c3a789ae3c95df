"""Street addresses in pictures: the part that finds the door is proposed for a black box, the region stays
readable, and the many lines of a picture that only name places (a courier's scan lines, a city) are left
alone. Generated addresses in the forms buyers write them, and the desk's own demo texts as negatives."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desk.privacy import address_matches
from desk.recognition.fields import propose_redactions
from desk.recognition.types import Line

PROVINCES = ["浙江省", "广东省", "江苏省", "河南省", "内蒙古自治区", ""]
CITIES = ["杭州市", "深圳市", "苏州市", "郑州市", "呼和浩特市", ""]
DISTRICTS = ["西湖区", "南山区", "吴中区", "金水区", "义乌市", "桐庐县", ""]
STREETS = ["文三路", "科技南路", "人民大道", "中山北街", "解放巷", "农业路东段", "工人北路"]
ESTATES = ["望京花园", "幸福小区", "金山村", "阳光公寓", "东方大厦"]
AFTER = ["", "5楼502室", "3号楼2单元501", "B座1203", "1201室", "东方通信大厦5楼"]
BEFORE = ["", "收货地址：", "地址: ", "我家在", "麻烦寄到", "寄件地址："]
TAIL = ["", "，麻烦补发", " 电话 138****8000", "。谢谢"]


@settings(max_examples=300, deadline=None)
@given(
    before=st.sampled_from(BEFORE),
    province=st.sampled_from(PROVINCES),
    city=st.sampled_from(CITIES),
    district=st.sampled_from(DISTRICTS),
    street=st.sampled_from(STREETS),
    number=st.integers(1, 9999),
    after=st.sampled_from(AFTER),
    tail=st.sampled_from(TAIL),
)
def test_a_street_address_hides_from_the_street_to_the_room(
    before: str, province: str, city: str, district: str, street: str, number: int, after: str, tail: str
) -> None:
    region = province + city + district
    door = f"{street}{number}号{after}"
    text = before + region + door + tail
    found = address_matches(text)
    assert len(found) == 1, (text, found)
    start, end = found[0].hide
    hidden = text[start:end]
    # The street through the room, and nothing after it; a few words before a street with no region
    # (我家在文三路…) may be hidden with it, never less.
    assert hidden.endswith(door) and end == len(before + region + door), (text, hidden)
    assert region in text[:start]  # the region stays readable


@settings(max_examples=100, deadline=None)
@given(
    estate=st.sampled_from(ESTATES),
    building=st.integers(1, 99),
    unit=st.sampled_from(["栋", "号楼", "组", "单元"]),
    room=st.sampled_from(["", "2单元501", "1203室", "-3"]),
)
def test_an_estate_or_village_with_a_number_inside_it_counts(
    estate: str, building: int, unit: str, room: str
) -> None:
    text = f"北京市朝阳区{estate}{building}{unit}{room}"
    (found,) = address_matches(text)
    assert text[found.hide[0] : found.hide[1]] == f"{estate}{building}{unit}{room}"


@pytest.mark.parametrize(
    "text",
    [
        "浙江省杭州市",
        "【杭州市】杭州转运中心 已发出，下一站 杭州西湖营业部",
        "上车扫描，发往杭州；称重 1.24kg",
        "订单号 261120-583920174650321",
        "运单号 YT7512049300 已签收",
        "你好，包裹少了一件，我电话13812345678",
        "2026-11-24 14:35:08 快件已由本人签收",
        "发货地址：浙江省金华市义乌市",  # a region only: nothing finds a door
        "退款金额 ¥29.90，3件收纳盒",
        "我在杭州西湖边上班，路上顺便取的件",
    ],
)
def test_lines_that_only_name_places_are_left_alone(text: str) -> None:
    assert address_matches(text) == []


def test_a_labelled_value_that_is_no_street_is_hidden_after_its_region() -> None:
    text = "地址: 广东省深圳市南山区科技园"
    (found,) = address_matches(text)
    assert text[found.hide[0] : found.hide[1]] == "科技园"


def test_hostile_text_is_read_in_linear_time() -> None:
    import random
    import time

    rnd = random.Random(3)
    text = "".join(rnd.choice("路街号楼栋室村市省区县小区花园0123456789收货地址：") for _ in range(50_000))
    started = time.perf_counter()
    address_matches(text)
    assert time.perf_counter() - started < 5  # generous: a runaway pattern takes minutes


def test_a_picture_line_with_an_address_gets_a_box_over_the_door_only() -> None:
    text = "收货地址：杭州市西湖区文三路398号502室"
    width = 40.0 * len(text)
    line = Line(text, ((10.0, 100.0), (10.0 + width, 100.0), (10.0 + width, 140.0), (10.0, 140.0)), 0.95)
    (proposal,) = propose_redactions([line])
    assert proposal.reason == "地址 杭州市西湖区文三…室"
    xs = [p[0] for p in proposal.box]
    # Widths as the engine's box spreads them: a CJK glyph (the full-width colon too) about twice a digit.
    units = [1.0 if not c.isdigit() else 0.55 for c in text]
    at = [10.0 + width * sum(units[:i]) / sum(units) for i in range(len(text) + 1)]
    door = text.index("文三路")
    assert at[door - 1] < min(xs) < at[door + 1]  # the region (…西湖区) stays out, the street is in
    assert max(xs) >= at[-1] - 1  # to the end of the room number


@settings(max_examples=200, deadline=None)
@given(
    region=st.sampled_from(["浙江省杭州市西湖区", "广东省深圳市南山区", "上海市浦东新区", "朝阳区"]),
    street=st.sampled_from(STREETS),
    number=st.integers(1, 999),
    rest=st.sampled_from(["{b} 幢 {r} 室", "{b} 号楼 {u} 单元 {r}", "{b}-{u}-{r}", "{b} - {u} - {r}", ""]),
    building=st.integers(1, 30),
    unit=st.integers(1, 6),
    room=st.integers(101, 3204),
    space=st.sampled_from([" ", "", "\u3000"]),
    tail=st.sampled_from(["", "，谢谢", " 3件", "，电话 138 0013 8000"]),
)
def test_spaced_and_dashed_addresses_are_hidden_to_the_room(
    region: str,
    street: str,
    number: int,
    rest: str,
    building: int,
    unit: int,
    room: int,
    space: str,
    tail: str,
) -> None:
    # As buyers type them on a phone (文三路 128 号 3 幢 502 室) and write building-unit-room (3-2-502);
    # a count or a spaced phone number after the address is no part of it.
    after = rest.format(b=building, u=unit, r=room).replace(" ", space)
    door = f"{street}{space}{number}{space}号" + (space + after if after else "")
    text = f"我地址是{region}{door}{tail}"
    (found,) = address_matches(text)
    assert text[found.hide[0] : found.hide[1]] == door, text


@pytest.mark.parametrize(
    ("text", "door"),
    [
        ("江苏省苏州市吴中区金山村 3 组 12 号", "金山村 3 组 12 号"),
        ("北京市朝阳区望京花园 5 栋 2 单元 1203", "望京花园 5 栋 2 单元 1203"),
        ("麻烦寄到吴中区文三路75号17-6-301，谢谢", "文三路75号17-6-301"),
        ("收货地址：广东省深圳市南山区科技南路18号华星时代广场12楼", "科技南路18号华星时代广场12楼"),
    ],
)
def test_estates_villages_and_towers_with_spaces_or_dashes(text: str, door: str) -> None:
    (found,) = address_matches(text)
    assert text[found.hide[0] : found.hide[1]] == door


@pytest.mark.parametrize(
    "text",
    [
        "好的知道了，大概 11 号能到",
        "我知道 11 号能到",
        "这个味道3号那批不一样",
        "买的是北欧风 2 号收纳箱，少了一个盖子",
    ],
)
def test_words_ending_in_a_street_word_are_no_street(text: str) -> None:
    assert address_matches(text) == []


def _row(text: str, x: float, y: float, height: float = 44.0) -> Line:
    width = 42.0 * sum(1.0 if not c.isascii() else 0.55 for c in text)
    return Line(text, ((x, y), (x + width, y), (x + width, y + height), (x, y + height)), 0.95)


def test_an_address_wrapped_over_two_rows_of_a_bubble_gets_a_box_on_each() -> None:
    # chat_screenshot wraps a bubble's text at its edge; the engine reads each row as a line of its own.
    lines = [
        _row("我地址是浙江省杭州市西湖区文三", 186, 500),
        _row("路 128 号 3 幢 502 室", 186, 560),
        _row("好的亲，地址已备注", 600, 700),  # the next bubble: not part of it
    ]
    boxes = [r for r in propose_redactions(lines) if r.reason.startswith("地址")]
    assert [r.line for r in boxes] == [0, 1]
    assert {r.reason for r in boxes} == {"地址 我地址是浙江省杭州市西湖区文三…室"}
    first = [p[0] for p in boxes[0].box]
    line0 = lines[0]
    assert min(first) > line0.box[1][0] - 42 * 2.5  # only 文三 on the first row, the region readable
    second = [p[0] for p in boxes[1].box]
    assert min(second) <= lines[1].box[0][0] + 1 and max(second) >= lines[1].box[1][0] - 1  # the whole row


def test_a_row_the_engine_cut_at_a_space_is_read_as_one() -> None:
    left = _row("收货地址：广东省深圳市南山区科技南路", 186, 500)
    right = _row("88 号 1203 室", left.box[1][0] + 14, 500)
    boxes = [r for r in propose_redactions([left, right]) if r.reason.startswith("地址")]
    assert [r.line for r in boxes] == [0, 1]


def test_rows_of_different_bubbles_or_far_apart_are_not_joined() -> None:
    # 文三路 ends one bubble, 128号… starts another further down: no address in either.
    lines = [_row("我在文三路", 186, 500), _row("128号到了吗", 186, 640)]
    assert propose_redactions(lines) == []
    # Side by side but far apart (a table's columns): not one row either.
    lines = [_row("科技南路", 100, 500), _row("88号", 700, 500)]
    assert propose_redactions(lines) == []
