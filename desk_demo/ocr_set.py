"""A generated test set for text recognition, with exact ground truth: courier intranet pages in three
layouts (the demo's weights table, a detail card of label: value rows, a compact table with units in the
cells); chat screenshots, light and dark, where the buyer writes phone numbers full, spaced, hyphenated,
with +86, as a landline, or already masked (138****5678, which must not be found), among order numbers,
waybills and amounts that must not be taken for phones, and street addresses in the forms buyers write
them (spaced, labelled, an estate or a village with its building and room, building-unit-room with dashes,
most wrapped over two rows of their bubble) among texts that name places, streets and numbers but are no
address (路上, a city, a courier's scan line, a shop or product name); and photographed scale displays with
seven-segment digits (lit segments over the faint ghosts of unlit ones, a decimal point, some turned in
perspective or noisy).

`python -m desk_demo.ocr_set FOLDER [--chats N] [--couriers N] [--displays N]` writes the pictures and truth.json;
tests/data/ocr/ holds a small set made so before chats had addresses (tests/test_recognition.py),
bench/bench_ocr.py a larger one, and `score_addresses` scores a reading's proposed address boxes against
the truth (the benchmark, and tests/test_ocr_set.py on the generator's own lines). Everything is derived
from the seed: the same arguments give the same pictures.
"""

from __future__ import annotations

import argparse
import difflib
import io
import json
import random
import re
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageOps

from desk.recognition.fields import span_box
from desk.recognition.types import Line, Redaction
from desk_demo.images.chat import chat_screenshot, message_lines
from desk_demo.images.common import (
    _WHITE,
    CHAT_MAX_HEIGHT,
    CHAT_MIN_HEIGHT,
    COURIER_SCREENSHOT_SIZE,
    _font,
    _png,
    _rng,
)
from desk_demo.images.courier import _scan_weights, courier_system_screenshot
from desk_demo.images.scale import SEGMENTS

LABELS = ("揽收", "计费", "上车", "下车")
_COURIERS = (
    ("顺丰速运", "SF"),
    ("圆通速递", "YT"),
    ("中通快递", "ZT"),
    ("极兔速递", "JT"),
    ("韵达快递", "YD"),
)


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randint(0, 9)}{rng.randint(0, 99999999):08d}"


def _weight(rng: random.Random) -> str:
    return f"{rng.randint(5, 2500) / 100:.2f}"


# --- courier pages ----------------------------------------------------------------------------------


def _card_page(courier: str, waybill: str, weights: dict[str, str], seed: int, *, compact: bool) -> bytes:
    """A courier's waybill detail page: label: value rows (compact=False) or a small table whose cells
    carry their unit (compact=True)."""
    rng = _rng("ocr-card", seed, waybill)
    w, h = COURIER_SCREENSHOT_SIZE
    accent = rng.choice(((24, 104, 204), (210, 60, 40), (30, 140, 90), (120, 60, 170)))
    img = Image.new("RGB", (w, h), (246, 247, 249))
    d = ImageDraw.Draw(img)
    dark, grey = (40, 44, 52), (130, 136, 146)
    d.rectangle((0, 0, w, 64), fill=accent)
    d.text((28, 32), f"{courier} 运单详情", font=_font(26), fill=_WHITE, anchor="lm")
    d.text((w - 28, 32), f"工号 {rng.randint(10000, 99999)}", font=_font(16), fill=_WHITE, anchor="rm")
    d.rounded_rectangle((40, 96, w - 40, h - 60), 8, fill=_WHITE)
    y = 130
    d.text((70, y), f"运单号：{waybill}", font=_font(22), fill=dark, anchor="lm")
    d.text(
        (w - 70, y),
        f"状态：{rng.choice(('运输中', '已签收', '派件中'))}",
        font=_font(20),
        fill=grey,
        anchor="rm",
    )
    y += 60
    if not compact:
        for label in LABELS:
            name = f"{label}重量" if label in ("揽收", "计费") else f"{label}扫描重量"
            d.text((70, y), f"{name}：{weights[label]} kg", font=_font(21), fill=dark, anchor="lm")
            y += 52
    else:
        cols = [("揽收重量", 70), ("计费重量", 330), ("上车重量", 590), ("下车重量", 850)]
        d.rectangle((60, y - 22, w - 60, y + 22), fill=(240, 243, 248))
        for name, x in cols:
            d.text((x, y), name, font=_font(19), fill=grey, anchor="lm")
        y += 56
        for (_, x), label in zip(cols, LABELS, strict=True):
            d.text((x, y), f"{weights[label]}kg", font=_font(21), fill=dark, anchor="lm")
        y += 60
    y += 20
    d.text((70, y), "收件人：张** 电话：139****2211", font=_font(20), fill=grey, anchor="lm")
    y += 44
    d.text(
        (70, y),
        f"寄件网点：{rng.choice(('义乌北苑', '广州白云', '杭州萧山'))}网点",
        font=_font(20),
        fill=grey,
        anchor="lm",
    )
    d.text((70, h - 90), "演示数据 · 非真实快递系统", font=_font(15), fill=grey, anchor="lm")
    return _png(img)


def courier_pages(count: int, seed: int = 0) -> Iterator[tuple[str, bytes, dict[str, Any]]]:
    """(file name, PNG, truth) for `count` courier pages, the three layouts in turn."""
    for i in range(count):
        rng = _rng("ocr-courier", seed, i)
        courier, prefix = rng.choice(_COURIERS)
        waybill = prefix + "".join(rng.choice("0123456789") for _ in range(13))
        layout = ("table", "card", "compact")[i % 3]
        if layout == "table":
            stated = _weight(rng)
            page_seed = seed * 1000 + i
            w = _scan_weights(stated, _rng("courier", page_seed, waybill))
            weights = dict(zip(LABELS, w, strict=True))
            png = courier_system_screenshot(waybill, courier, stated, seed=page_seed)
        else:
            base = float(_weight(rng))
            weights = {
                "揽收": f"{base:.2f}",
                "计费": f"{max(0.1, round(base + 0.049, 1)):.1f}",
                "上车": f"{base + rng.randint(-2, 2) / 100:.2f}",
                "下车": f"{base + rng.randint(-2, 2) / 100:.2f}",
            }
            png = _card_page(courier, waybill, weights, seed * 1000 + i, compact=layout == "compact")
        photographed = i % 4 == 3  # every fourth page as a phone photo of the screen
        if photographed:
            png = photographed_screen(png, seed * 1000 + i)
        truth = {
            "kind": "courier",
            "layout": layout,
            "waybill": waybill,
            "weights": weights,
            "unit": "kg",
            "photographed": photographed,
        }
        yield f"courier-{i:03d}-{layout}{'-photo.jpg' if photographed else '.png'}", png, truth


def photographed_screen(png: bytes, seed: int) -> bytes:
    """The screenshot as an operator's phone photo of the monitor: taken a little from one side (the page
    narrows towards one edge), a dark bezel around it, slightly out of focus, brighter in the middle than at
    the edges, with sensor noise, saved as a phone saves it (JPEG)."""
    import io

    import numpy as np
    from PIL import Image, ImageFilter

    rng = _rng("ocr-photo", seed, 0)
    page = Image.open(io.BytesIO(png)).convert("RGB")
    w, h = page.size
    margin = int(0.06 * w)
    frame = Image.new("RGB", (w + 2 * margin, h + 2 * margin), (28, 28, 30))
    frame.paste(page, (margin, margin))
    fw, fh = float(frame.width), float(frame.height)
    k = rng.uniform(0.02, 0.05) * fh
    src = [(0.0, 0.0), (fw, 0.0), (fw, fh), (0.0, fh)]
    dst = (
        [(0.0, k), (fw, 0.0), (fw, fh), (0.0, fh - k)]
        if rng.random() < 0.5
        else [(0.0, 0.0), (fw, k), (fw, fh - k), (0.0, fh)]
    )
    img = frame.transform(
        frame.size,
        Image.Transform.PERSPECTIVE,
        _perspective(dst, src),
        Image.Resampling.BICUBIC,
        fillcolor=(20, 20, 22),
    )
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 1.1)))
    arr = np.asarray(img).astype(np.float32)
    yy, xx = np.mgrid[0 : img.height, 0 : img.width]
    cx, cy = img.width / 2, img.height / 2
    falloff = 1 - 0.18 * (((xx - cx) / cx) ** 2 + ((yy - cy) / cy) ** 2) / 2
    arr = arr * falloff[..., None] + np.random.default_rng(seed).normal(0, 6, arr.shape)
    out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=88)
    return buf.getvalue()


# --- freight vouchers -------------------------------------------------------------------------------

VOUCHER_SIZE = (750, 1334)  # a phone's payment receipt


def freight_voucher(seed: int) -> tuple[bytes, dict[str, Any]]:
    """A phone screenshot of the receipt for a return's freight (运费凭证): the amount paid large, the
    courier, the waybill, when it was paid, and a long transaction number that is not a waybill. Truth:
    the amount (元, two decimals), the waybill and the time (ISO, seconds)."""
    rng = _rng("ocr-voucher", seed, 0)
    courier, prefix = rng.choice(_COURIERS)
    waybill = prefix + "".join(rng.choice("0123456789") for _ in range(13))
    amount = f"{rng.choice((8, 10, 12, 12, 13, 15, 18, 22, 23)) + rng.choice((0, 0, 0.5, 0.8)):.2f}"
    when = (
        f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d} "
        f"{rng.randint(8, 22):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    )
    trade = "".join(rng.choice("0123456789") for _ in range(28))
    w, h = VOUCHER_SIZE
    img = Image.new("RGB", (w, h), (245, 245, 245))
    d = ImageDraw.Draw(img)
    dark, grey = (30, 30, 30), (128, 128, 128)
    d.text((w // 2, 60), "账单详情", font=_font(30), fill=dark, anchor="mm")
    d.ellipse((w // 2 - 44, 130, w // 2 + 44, 218), fill=(7, 193, 96))
    d.text((w // 2, 174), "✓", font=_font(48), fill=_WHITE, anchor="mm")
    d.text((w // 2, 262), f"{courier}-寄件运费", font=_font(26), fill=dark, anchor="mm")
    yuan = rng.random() < 0.5
    shown = f"-{amount}" if yuan else f"¥{amount}"
    d.text((w // 2, 340), shown, font=_font(56), fill=dark, anchor="mm")
    d.text((w // 2, 400), "支付成功", font=_font(24), fill=(7, 160, 80), anchor="mm")
    rows = [
        ("当前状态", "支付成功"),
        ("商品说明", f"退货运费 运单号 {waybill}"),
        ("收款方", f"{courier}（代收）"),
        ("支付时间", when),
        ("支付方式", rng.choice(("零钱", "招商银行储蓄卡(2231)", "余额宝"))),
        ("交易单号", trade),
    ]
    if yuan:
        rows.insert(1, ("支付金额", f"{amount}元"))
    y = 480
    d.line((40, y - 30, w - 40, y - 30), fill=(225, 225, 225), width=2)
    for label, value in rows:
        d.text((48, y), label, font=_font(22), fill=grey, anchor="lm")
        d.text((220, y), value, font=_font(22), fill=dark, anchor="lm")
        y += 64
    d.text((w // 2, h - 60), "演示数据 · 非真实支付凭证", font=_font(18), fill=grey, anchor="mm")
    truth = {
        "kind": "voucher",
        "amount": amount,
        "waybill": waybill,
        "time": when.replace(" ", "T"),
        "unit": "元",
    }
    return _png(img), truth


def freight_vouchers(count: int, seed: int = 0) -> Iterator[tuple[str, bytes, dict[str, Any]]]:
    """(file name, PNG, truth) for `count` freight vouchers."""
    for i in range(count):
        png, truth = freight_voucher(seed * 1000 + i)
        yield f"voucher-{i:03d}.png", png, truth


# --- chat screenshots -------------------------------------------------------------------------------


def _written(number: str, style: str) -> str:
    a, b, c = number[:3], number[3:7], number[7:]
    return {
        "full": number,
        "spaced": f"{a} {b} {c}",
        "hyphen": f"{a}-{b}-{c}",
        "plus86": f"+86 {a} {b} {c}",
    }[style]


# Where buyers live: region (stays readable), then streets, estates, towers and villages in it.
_REGIONS = (
    ("浙江省", "杭州市", "西湖区"),
    ("广东省", "深圳市", "南山区"),
    ("江苏省", "苏州市", "吴中区"),
    ("河南省", "郑州市", "金水区"),
    ("四川省", "成都市", "武侯区"),
    ("湖北省", "武汉市", "洪山区"),
    ("", "上海市", "浦东新区"),
    ("", "北京市", "朝阳区"),
)
_STREETS = (
    "文三路",
    "科技南路",
    "人民大道",
    "中山北街",
    "解放路",
    "学院路",
    "建设大街",
    "长江东路",
    "丰潭路",
)
_ESTATES = ("阳光花园", "幸福小区", "金色家园", "望京花园", "锦绣公寓", "翠苑")
_TOWERS = ("华星时代广场", "东方大厦", "创业大厦", "国际金融中心")
_VILLAGES = (
    ("杭州市", "桐庐县", "江南镇", "环溪村"),
    ("金华市", "义乌市", "佛堂镇", "倍磊村"),
    ("金华市", "武义县", "柳城镇", "上坦村"),
)
_NAMES = ("张女士", "李先生", "王女士", "陈先生")


def _address(form: int, rng: random.Random) -> tuple[str, str]:
    """A buyer's message with a street address in one of the forms buyers write them, and the part that
    finds the door (street → room, estate → room, village → house), which a redaction must cover; the
    region before it (浙江省杭州市西湖区) may stay readable (desk/privacy.py address_matches)."""
    province, city, district = rng.choice(_REGIONS)
    region = province + city + district
    street, estate, tower = rng.choice(_STREETS), rng.choice(_ESTATES), rng.choice(_TOWERS)
    n, b, u = rng.randint(1, 999), rng.randint(1, 30), rng.randint(1, 6)
    room = f"{rng.randint(1, 32)}{rng.randint(1, 4):02d}"
    if form == 0:  # spaced, as typed on a phone
        door = f"{street} {n} 号 {b} 幢 {room} 室"
        return f"我地址是{region}{door}", door
    if form == 1:  # labelled, a tower and floor after the number
        door = f"{street}{n}号" + (f"{tower}{rng.randint(2, 40)}楼" if rng.random() < 0.5 else "")
        return f"收货地址：{region}{door}", door
    if form == 2:  # a housing estate, building, unit, room
        door = f"{estate}{b}栋{u}单元{room}"
        return f"寄到{city}{district}{door}", door
    if form == 3:  # a village, its group and house
        city, county, town, village = rng.choice(_VILLAGES)
        door = f"{village}{rng.randint(1, 12)}组{n}号"
        return f"我家是浙江省{city}{county}{town}{door}，放门口就行", door
    if form == 4:  # building-unit-room with dashes
        door = f"{street}{n}号{b}-{u}-{room}"
        return f"麻烦寄到{district}{door}，谢谢", door
    if form == 5:  # long: wraps over the bubble's rows, the door split between two of them
        door = f"{street}{n}号{tower}{rng.randint(2, 40)}楼{room}室"
        return f"你好，我换个地址，新地址是{region}{door}，麻烦改一下", door
    # two explicit lines, name then address
    door = f"{street}{n}号{estate}{b}幢{room}室"
    return f"收件人：{rng.choice(_NAMES)}\n收货地址：{region}{door}", door


ADDRESS_FORMS = 7
# Text that names places, streets or numbers but is no address: none of it may be blacked out.
DISTRACTORS = (
    ("buyer", "快递还在路上吗，三天了还没到"),
    ("buyer", "发到杭州了吗"),
    ("shop", "物流显示【杭州市】已揽收，请耐心等待"),
    ("shop", "【杭州市】文三路营业部 已发出，下一站 杭州转运中心"),
    ("buyer", "我在一路发百货也买过，3号收纳盒大号的那款"),
    ("buyer", "买的是北欧风 2 号收纳箱，少了一个盖子"),
    ("buyer", "下班路上去驿站问了，没有"),
    ("buyer", "买的路亚竿2.1米，少发了一节"),
    ("shop", "好的知道了，大概 11 号能到"),
    ("buyer", "杭州市西湖区今天下大雨，会不会延误"),
    ("shop", "亲，本店是路路通家居旗舰店，发货地在浙江省金华市义乌市"),
)
# Small talk that makes a long chat.
_FILLERS = (
    ("buyer", "在吗"),
    ("shop", "亲，在的，请问有什么可以帮您"),
    ("buyer", "东西收到了，但是少了一件"),
    ("shop", "亲亲稍等，这边帮您核实一下"),
    ("buyer", "好的，麻烦快点"),
    ("shop", "您看一下包装里面有没有小袋子"),
    ("buyer", "都翻过了，没有"),
    ("shop", "好的，给您登记补发"),
    ("buyer", "什么时候能发出"),
    ("shop", "今天下午四点前安排"),
)
_LONG = 2150  # a long chat is at least this tall, up to the screenshot's limit


def _chat_height(messages: list[tuple[str, str]]) -> int:
    """The picture's height chat_screenshot gives these messages (its layout: title, order card and input
    bar; a time separator every five messages; bubbles as tall as their rows), for planning long chats."""
    items = 0
    for count, (_, text) in enumerate(messages):
        items += 80 if count % 5 == 0 else 0
        items += max(100, (len(message_lines(text)) - 1) * 60 + 92) + 36
    return max(CHAT_MIN_HEIGHT, 84 + 140 + 170 + 190 + 40 + items)


def _dark(png: bytes) -> bytes:
    """The screenshot as the app's dark mode shows it: light turned dark and dark light, colours kept
    (light text on near-black bubbles and background)."""
    img = ImageOps.invert(Image.open(io.BytesIO(png)).convert("RGB"))
    h, s, v = img.convert("HSV").split()
    img = Image.merge("HSV", (h.point(lambda x: (x + 128) % 256), s, v)).convert("RGB")
    return _png(img.point(lambda c: 24 + c * 211 // 255))


def chat_screenshots(count: int, seed: int = 0) -> Iterator[tuple[str, bytes, dict[str, Any]]]:
    """(file name, PNG, truth) for `count` chats; truth lists the phone digits that must be found and the
    masked numbers that must not, the street addresses (the part a redaction must cover: `addresses`) and
    the texts that must not be taken for one (`distractors`), the theme (every other chat dark), and the
    messages as drawn. Most chats have one address, every seventh from the sixth two, every fourth none.
    Everything must fit on one screen (a taller chat scrolls its oldest messages away, and the truth
    would list what the picture does not show), so small talk goes first when it would not; every
    third chat is made long with small talk before the case."""
    styles = ("full", "spaced", "hyphen", "plus86")
    for i in range(count):
        rng = _rng("ocr-chat", seed, i)
        # (message, how soon it goes when the chat would not fit on one screen: 0 never)
        parts: list[tuple[tuple[str, str], int]] = [(("buyer", "你好，我的包裹少了一件"), 3)]
        phones: list[str] = []
        masked: list[str] = []
        for k in range(rng.randint(1, 2)):
            number = _mobile(rng)
            style = styles[(i + k) % len(styles)]
            written = _written(number, style)
            phones.append(("86" if style == "plus86" else "") + number)
            parts.append((("buyer", rng.choice(("我电话", "联系我：", "手机号 ", "打这个")) + written), 0))
            parts.append((("shop", "好的亲，已记录，稍后联系您"), 4))
        if i % 2 == 0:
            area, local = (
                rng.choice((("0571", "8801"), ("010", "6552"), ("0755", "8601"))),
                rng.randint(1000, 9999),
            )
            parts.append((("buyer", f"座机也行：{area[0]}-{area[1]} {local}"), 0))
            phones.append(f"{area[0]}{area[1]}{local}")
        # Addresses, distractors and small talk come from a generator of their own, so the phone numbers,
        # order and waybill stay what they were before chats had addresses.
        extra = _rng("ocr-chat-address", seed, i)
        addresses: list[str] = []
        for k in range(0 if i % 4 == 3 else 2 if i % 7 == 5 else 1):
            text, door = _address((i + 3 * k) % ADDRESS_FORMS, extra)
            parts.append((("buyer", text), 0))
            parts.append((("shop", extra.choice(("好的亲，地址已备注", "收到，按这个地址补发"))), 5))
            addresses.append(door)
        distractors = [DISTRACTORS[(2 * i + k) % len(DISTRACTORS)] for k in range(2)]
        parts.insert(1, (distractors[0], 1))
        hidden = _mobile(rng)
        masked.append(f"{hidden[:3]}****{hidden[7:]}")
        parts.append((("shop", f"核对一下收件电话 {masked[-1]} 对吗"), 0))
        order = f"{rng.randint(200000, 269999)}-{rng.randint(10**14, 10**15 - 1)}"
        parts.append((("shop", f"订单号 {order}，实付 ¥{rng.randint(10, 300)}.{rng.randint(0, 99):02d}"), 0))
        parts.append((distractors[1], 2))
        parts.append((("buyer", f"退货单号 SF{rng.randint(10**12, 10**13 - 1)}"), 0))
        while _chat_height([m for m, _ in parts]) >= CHAT_MAX_HEIGHT:
            soonest = max(range(len(parts)), key=lambda j: parts[j][1])
            if parts[soonest][1] == 0:
                raise ValueError(f"chat {i} does not fit on one screen")
            del parts[soonest]
        messages = [m for m, _ in parts]
        if i % 3 == 2:
            fillers: list[tuple[str, str]] = []
            for filler in _FILLERS:
                if _chat_height([*fillers, filler, *messages]) >= CHAT_MAX_HEIGHT:
                    break
                fillers.append(filler)
                if _chat_height([*fillers, *messages]) >= _LONG:
                    break
            messages = [*fillers, *messages]
        png = chat_screenshot(messages, seed=seed * 1000 + i)
        if Image.open(io.BytesIO(png)).height >= CHAT_MAX_HEIGHT:
            raise ValueError(f"chat {i} does not fit on one screen")  # the layout changed: see _chat_height
        theme = "dark" if i % 2 else "light"
        if theme == "dark":
            png = _dark(png)
        truth = {
            "kind": "chat",
            "phones": phones,
            "masked": masked,
            "order": order,
            "addresses": addresses,
            "distractors": [d[1] for d in distractors if d in messages],
            "theme": theme,
            "messages": [list(m) for m in messages],
        }
        yield f"chat-{i:03d}.png", png, truth


def _plain(text: str) -> str:
    """Text compared as a reader would: full-width forms as plain ones, no spaces."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _closest(text: str, want: str) -> tuple[int, int] | None:
    """Where `want` stands in `text` read with a slip or two (a character misread, dropped or added): the
    window most like it, if at least 80 % alike; None when the engine did not read it recognisably."""
    best: tuple[float, int, int] | None = None
    for size in range(max(1, len(want) - 2), len(want) + 3):
        for at in range(0, max(0, len(text) - size) + 1):
            ratio = difflib.SequenceMatcher(None, text[at : at + size], want, autojunk=False).ratio()
            if best is None or ratio > best[0]:
                best = (ratio, at, at + size)
    return (best[1], best[2]) if best is not None and best[0] >= 0.8 else None


def score_addresses(
    doors: Sequence[str], lines: Sequence[Line], redactions: Sequence[Redaction]
) -> dict[str, Any]:
    """How a picture's proposed address redactions (reason 地址 …) compare with its true addresses.

    A character of a line is under a box when its estimated centre (fields.span_box, the estimate the
    boxes are made with) lies within the box's width on that line. The picture's text is read as one
    string in the engine's order (spaces dropped, full-width folded), so an address wrapped over two rows
    is one piece of it.
    - An address is found when every character of its door (`doors`: street → room) is under a box,
      wherever the engine read it; when the engine misread a character or two, the stretch of its text
      most like the door (≥ 80 % alike) must be under boxes; when it read nothing like it, it is missed.
    - A proposed box is right when at least half of the characters under it belong to a true door (a
      label or a few words before the street may go with it; a box over a shop name, a city or a
      courier's scan line is wrong, and so is a box over no character)."""
    boxes = [
        (j, r.line, min(p[0] for p in r.box), max(p[0] for p in r.box))
        for j, r in enumerate(redactions)
        if r.reason.startswith("地址")
    ]
    chars: list[tuple[str, frozenset[int]]] = []  # the picture's text, each character with its boxes
    for i, line in enumerate(lines):
        for k, ch in enumerate(line.text):
            quad = span_box(line, k, k + 1)
            x = sum(p[0] for p in quad) / 4
            over = frozenset(j for j, at, lo, hi in boxes if at == i and lo <= x <= hi)
            chars.extend((c, over) for c in unicodedata.normalize("NFKC", ch) if not c.isspace())
    text = "".join(c for c, _ in chars)
    located: list[tuple[int, int]] = []
    hits, misread = 0, 0
    missed: list[str] = []
    for door in doors:
        want = _plain(door)
        spans = [(m.start(), m.start() + len(want)) for m in re.finditer(re.escape(want), text)]
        if not spans:
            near = _closest(text, want)
            if near is None:
                missed.append(f"{door}: not read")
                continue
            misread += 1
            spans = [near]
        located.extend(spans)
        if all(chars[k][1] for s, e in spans for k in range(s, e)):
            hits += 1
        else:
            shown = "".join(c if over else "_" for s, e in spans for c, over in chars[s:e])
            missed.append(f"{door}: covered {shown}")
    wrong: list[str] = []
    for j, _, _, _ in boxes:
        under = [k for k, (_, js) in enumerate(chars) if j in js]
        inside = sum(1 for k in under if any(s <= k < e for s, e in located))
        if not under or 2 * inside < len(under):
            wrong.append(redactions[j].reason + ": " + "".join(chars[k][0] for k in under))
    return {
        "addresses": len(doors),
        "address_hits": hits,
        "address_misread": misread,
        "address_found": len(boxes),
        "address_false": len(wrong),
        "missed": missed,
        "wrong": wrong,
    }


# --- scale displays ---------------------------------------------------------------------------------


def _segment_polygons(x: float, y: float, w: float, h: float, t: float, skew: float) -> dict[str, list]:
    """The seven segments of one digit cell (top-left x, y; width w, height h; stroke t) as polygons,
    slanted by `skew` (x shift per pixel up), like the digits of a shop scale."""
    half = h / 2

    def horizontal(cy: float) -> list[tuple[float, float]]:
        return [
            (x + t / 2, cy),
            (x + t, cy - t / 2),
            (x + w - t, cy - t / 2),
            (x + w - t / 2, cy),
            (x + w - t, cy + t / 2),
            (x + t, cy + t / 2),
        ]

    def vertical(cx: float, y0: float, y1: float) -> list[tuple[float, float]]:
        return [
            (cx, y0 + t / 2),
            (cx + t / 2, y0 + t),
            (cx + t / 2, y1 - t),
            (cx, y1 - t / 2),
            (cx - t / 2, y1 - t),
            (cx - t / 2, y0 + t),
        ]

    shapes = {
        "a": horizontal(y + t / 2),
        "g": horizontal(y + half),
        "d": horizontal(y + h - t / 2),
        "f": vertical(x + t / 2, y, y + half),
        "b": vertical(x + w - t / 2, y, y + half),
        "e": vertical(x + t / 2, y + half, y + h),
        "c": vertical(x + w - t / 2, y + half, y + h),
    }
    bottom = y + h
    return {k: [(px + (bottom - py) * skew, py) for px, py in pts] for k, pts in shapes.items()}


def _display_value(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.5:
        return f"{rng.randint(5, 4999) / 100:.2f}"  # kg with two decimals: 0.05 – 49.99
    if kind < 0.8:
        return f"{rng.randint(5, 9999) / 1000:.3f}"  # kg with three decimals: 0.005 – 9.999
    return f"{rng.randint(10, 9999) / 10:.1f}"  # grams or kg with one decimal


def display_photo(value: str, seed: int) -> tuple[bytes, dict[str, Any]]:
    """A photographed scale display showing `value` on seven-segment digits: an LCD (dark segments on
    grey-green) or LED (red on black) panel, unlit segments faintly visible, the decimal point a small
    square; every third photo turned in perspective, every fourth with sensor noise. Digits are right
    aligned in a five-digit panel; leading places stay dark as on a real scale."""
    import numpy as np
    from PIL import ImageFilter

    rng = _rng("ocr-display", seed, value)
    led = rng.random() < 0.4
    body = (rng.randint(170, 215),) * 3
    w, h = 1200, 800
    img = Image.new("RGB", (w, h), body)
    d = ImageDraw.Draw(img)
    panel = (150, 200, 1050, 560)
    if led:
        bg, lit, ghost = (12, 12, 14), (255, 48, 40), (48, 20, 20)
    else:
        bg, lit, ghost = (178, 192, 170), (24, 30, 26), (160, 172, 152)
    d.rounded_rectangle((panel[0] - 30, panel[1] - 30, panel[2] + 30, panel[3] + 30), 24, fill=(60, 62, 66))
    d.rectangle(panel, fill=bg)
    places = 5
    digits = value.replace(".", "")
    point_after = value.index(".") - 1  # index in digits after which the point sits
    cell_w, cell_h, gap = 130, 250, 38
    stroke = rng.randint(20, 26)
    skew = rng.choice((0.0, 0.08, 0.12))
    x0 = panel[2] - 60 - places * cell_w - (places - 1) * gap
    y0 = (panel[1] + panel[3]) / 2 - cell_h / 2
    start = places - len(digits)
    for slot in range(places):
        x = x0 + slot * (cell_w + gap)
        polys = _segment_polygons(x, y0, cell_w, cell_h, stroke, skew)
        on = SEGMENTS[digits[slot - start]] if slot >= start else ""
        for seg, pts in polys.items():
            d.polygon(pts, fill=lit if seg in on else ghost)
        dot = (
            x + cell_w + gap / 2 - stroke / 2,
            y0 + cell_h - stroke,
            x + cell_w + gap / 2 + stroke / 2,
            y0 + cell_h,
        )
        d.rectangle(dot, fill=lit if slot - start == point_after else ghost)
    d.text((panel[2] + 45, panel[3] - 20), "kg", font=_font(44), fill=(30, 30, 30), anchor="ls")
    d.text(
        (panel[0], panel[3] + 110),
        rng.choice(("电子计重秤", "ACS-30 计价秤", "台秤")),
        font=_font(34),
        fill=(50, 50, 55),
    )
    turned = seed % 3 == 2
    noisy = seed % 4 == 3
    if turned:
        # A photo taken from a little to one side: the panel narrows towards one end.
        k = rng.uniform(60, 110)
        side = rng.choice((0, 1))
        fw, fh = float(w), float(h)
        src = [(0.0, 0.0), (fw, 0.0), (fw, fh), (0.0, fh)]
        dst = (
            [(0.0, k), (fw, 0.0), (fw, fh), (0.0, fh - k)]
            if side
            else [(0.0, 0.0), (fw, k), (fw, fh - k), (0.0, fh)]
        )
        coeffs = _perspective(dst, src)
        img = img.transform(
            (w, h), Image.Transform.PERSPECTIVE, coeffs, Image.Resampling.BICUBIC, fillcolor=body
        )
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(0.6, 1.4)))
    if noisy:
        arr = np.asarray(img).astype(np.int16)
        noise = np.random.default_rng(seed).normal(0, 12, arr.shape)
        img = Image.fromarray(np.clip(arr + noise, 0, 255).astype(np.uint8))
    truth = {"kind": "display", "value": value, "unit": "kg", "led": led, "turned": turned, "noisy": noisy}
    return _png(img), truth


def _perspective(dst: list[tuple[float, float]], src: list[tuple[float, float]]) -> list[float]:
    """Coefficients for Image.transform(PERSPECTIVE) mapping output points `dst` to input points `src`."""
    import numpy as np

    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=float)
    b = np.array([c for p in src for c in p], dtype=float)
    return [float(c) for c in np.linalg.solve(a, b)]


def display_photos(count: int, seed: int = 0) -> Iterator[tuple[str, bytes, dict[str, Any]]]:
    """(file name, PNG, truth) for `count` scale display photos; truth has the value with its decimal point."""
    for i in range(count):
        value = _display_value(_rng("ocr-display-value", seed, i))
        png, truth = display_photo(value, seed * 1000 + i)
        yield f"display-{i:03d}.png", png, truth


def write_set(
    folder: Path, *, chats: int, couriers: int, displays: int = 0, vouchers: int = 0, seed: int = 0
) -> dict[str, Any]:
    """Write the pictures and truth.json ({file name: truth}) into folder; returns the truth."""
    folder.mkdir(parents=True, exist_ok=True)
    truth: dict[str, Any] = {}
    for name, png, item in [
        *courier_pages(couriers, seed),
        *chat_screenshots(chats, seed),
        *display_photos(displays, seed),
        *freight_vouchers(vouchers, seed),
    ]:
        (folder / name).write_bytes(png)
        truth[name] = item
    (folder / "truth.json").write_text(
        json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    return truth


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m desk_demo.ocr_set", description="生成文字识别测试图片及标准答案"
    )
    p.add_argument("folder", type=Path)
    p.add_argument("--chats", type=int, default=4)
    p.add_argument("--couriers", type=int, default=3)
    p.add_argument("--displays", type=int, default=0)
    p.add_argument("--vouchers", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    truth = write_set(
        args.folder,
        chats=args.chats,
        couriers=args.couriers,
        displays=args.displays,
        vouchers=args.vouchers,
        seed=args.seed,
    )
    print(f"{len(truth)} 张图片及 truth.json 已写入 {args.folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
