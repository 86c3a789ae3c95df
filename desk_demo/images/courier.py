"""The courier's intranet screenshot: the parcel's scans with the weight recorded at pick-up."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from PIL import Image, ImageDraw

from desk_demo.images.common import (
    _WHITE,
    COURIER_SCREENSHOT_SIZE,
    _default_time,
    _ellipsize,
    _font,
    _parse_decimal,
    _png,
    _rng,
)


def _decimal_places(d: Decimal) -> int:
    exp = d.as_tuple().exponent
    return max(0, -exp) if isinstance(exp, int) else 0


def _fmt(d: Decimal, places: int) -> str:
    return f"{d.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"


def _scan_weights(weight_kg: str, rng: random.Random) -> tuple[str, str, str, str]:
    """揽收 / 计费 / 上车扫描 / 下车扫描 weights: the stated weight, rounded up to 0.1 kg for billing,
    and two scans within ±20 g of it."""
    w = _parse_decimal(weight_kg)
    if w is None or w < 0:
        return weight_kg, weight_kg, weight_kg, weight_kg
    places = max(2, _decimal_places(w))
    billed = max(w.quantize(Decimal("0.1"), rounding=ROUND_CEILING), Decimal("0.1"))
    up = max(Decimal(0), w + Decimal(rng.randint(-2, 2)) / 100)
    down = max(Decimal(0), w + Decimal(rng.randint(-2, 2)) / 100)
    return weight_kg.strip(), f"{billed:.1f}", _fmt(up, places), _fmt(down, places)


def _default_events(rng: random.Random, weights: tuple[str, str, str, str]) -> list[tuple[str, str]]:
    t = _default_time(rng, 0)
    origin, hub1, hub2, dest = "浙江义乌北苑网点", "金华转运中心", "杭州转运中心", "杭州西湖文三网点"
    steps = [
        (0, f"【{origin}】快件已揽收，揽收员：王**，揽收称重 {weights[0]}kg"),
        (85, f"【{origin}】上车扫描，发往 {hub1}，称重 {weights[2]}kg"),
        (190, f"【{hub1}】下车扫描，到达转运中心，称重 {weights[3]}kg"),
        (260, f"【{hub1}】已发出，下一站 {hub2}"),
        (455, f"【{hub2}】已到达"),
        (530, f"【{hub2}】已发出，下一站 {dest}"),
        (1290, f"【{dest}】派件中，派件员：李**，电话 138****1234"),
        (1420, f"【{dest}】已签收，签收人：本人，感谢使用"),
    ]
    out = []
    for minutes, text in steps:
        when = t + timedelta(minutes=minutes + rng.randint(0, 25), seconds=rng.randint(0, 59))
        out.append((f"{when:%Y-%m-%d %H:%M:%S}", text))
    return out


def _split_site(text: str) -> tuple[str, str]:
    """ "【网点】操作" -> ("网点", "操作"); text without a leading 【...】 has no 网点."""
    if text.startswith("【") and "】" in text:
        site, rest = text[1:].split("】", 1)
        return site, rest.strip()
    return "", text


def courier_system_screenshot(
    tracking_no: str,
    courier: str,
    weight_kg: str,
    *,
    events: list[tuple[str, str]] | None = None,
    seed: int = 0,
) -> bytes:
    """PNG, 1280x800: a courier's intranet page "{courier} · 网点管理系统" showing the waybill query
    for ``tracking_no``: a weights table (运单号 / 揽收重量(kg) / 计费重量(kg) / 上车扫描重量 /
    下车扫描重量 / 揽收网点) and the scan history (时间 / 网点 / 操作).

    ``weight_kg`` is shown as 揽收重量; 计费重量 is it rounded up to 0.1 kg and the two scans differ
    by at most 20 g (seed-derived). ``events`` are (time, text) rows in display order; a text starting
    with "【网点】" fills the 网点 column. Default: a seed-derived pickup-to-delivery history.
    Rows that do not fit are summarised in the footer.
    """
    rng = _rng("courier", seed, tracking_no)
    weights = _scan_weights(weight_kg, rng)
    rows = events if events is not None else _default_events(rng, weights)
    pickup_site = next((site for _, text in rows if (site := _split_site(text)[0])), "浙江义乌北苑网点")
    w, h = COURIER_SCREENSHOT_SIZE
    img = Image.new("RGB", (w, h), (240, 242, 245))
    d = ImageDraw.Draw(img)
    grey, mid, dark, blue = (140, 146, 156), (96, 102, 112), (48, 52, 60), (24, 104, 204)
    line = (226, 230, 236)

    # browser chrome
    d.rectangle((0, 0, w, 74), fill=(222, 225, 230))
    d.rounded_rectangle((12, 6, 300, 44), 8, fill=(248, 249, 250))
    d.text((28, 25), "网点管理系统 - 运单查询", font=_font(16), fill=dark, anchor="lm")
    d.text((282, 25), "×", font=_font(16), fill=grey, anchor="mm")
    d.rectangle((0, 38, w, 74), fill=(248, 249, 250))
    for i, glyph in enumerate(("←", "→")):
        d.text((22 + i * 30, 56), glyph, font=_font(20), fill=mid, anchor="mm")
    d.arc((74, 46, 94, 66), 40, 340, fill=mid, width=2)
    d.rounded_rectangle((112, 43, w - 20, 69), 13, fill=(236, 238, 241))
    d.text(
        (130, 56),
        f"10.12.8.21:8080/wdgl/waybill/query?no={tracking_no}",
        font=_font(15),
        fill=mid,
        anchor="lm",
    )

    # application header
    top = 74
    d.rectangle((0, top, w, top + 56), fill=blue)
    d.text(
        (24, top + 28),
        _ellipsize(f"{courier} · 网点管理系统", _font(24), 560),
        font=_font(24),
        fill=_WHITE,
        anchor="lm",
        stroke_width=1,
        stroke_fill=_WHITE,
    )
    op = f"A{rng.randint(100, 999)}"
    d.text(
        (w - 24, top + 28),
        f"网点：{_ellipsize(pickup_site, _font(16), 220)}   |   操作员：{op}   |   退出",
        font=_font(16),
        fill=(226, 236, 250),
        anchor="rm",
    )

    # side navigation
    nav_w = 190
    body = top + 56
    d.rectangle((0, body, nav_w, h), fill=(40, 50, 66))
    for i, item in enumerate(
        ("首页", "运单查询", "称重管理", "扫描记录", "问题件处理", "理赔管理", "结算对账", "系统设置")
    ):
        y = body + 12 + i * 46
        if i == 1:
            d.rectangle((0, y, nav_w, y + 44), fill=(30, 38, 52))
            d.rectangle((0, y, 4, y + 44), fill=(64, 158, 255))
        d.text(
            (34, y + 22),
            item,
            font=_font(17),
            fill=(64, 158, 255) if i == 1 else (196, 204, 216),
            anchor="lm",
        )

    x0, x1 = nav_w + 20, w - 20
    d.text((x0, body + 22), "首页  /  运单管理  /  运单查询", font=_font(15), fill=grey, anchor="lm")

    # search card
    y = body + 40
    d.rounded_rectangle((x0, y, x1, y + 70), 6, fill=_WHITE)
    d.text((x0 + 20, y + 35), "运单号", font=_font(17), fill=dark, anchor="lm")
    d.rounded_rectangle((x0 + 90, y + 17, x0 + 430, y + 53), 4, fill=_WHITE, outline=(64, 158, 255), width=2)
    d.text(
        (x0 + 102, y + 35),
        _ellipsize(tracking_no, _font(17, mono=True), 316),
        font=_font(17, mono=True),
        fill=dark,
        anchor="lm",
    )
    d.rounded_rectangle((x0 + 446, y + 17, x0 + 526, y + 53), 4, fill=(64, 158, 255))
    d.text((x0 + 486, y + 35), "查询", font=_font(17), fill=_WHITE, anchor="mm")
    d.rounded_rectangle((x0 + 538, y + 17, x0 + 618, y + 53), 4, fill=_WHITE, outline=(210, 214, 220))
    d.text((x0 + 578, y + 35), "重置", font=_font(17), fill=dark, anchor="mm")
    queried = _default_time(rng, 4)
    d.text((x1 - 20, y + 35), f"查询时间 {queried:%Y-%m-%d %H:%M:%S}", font=_font(15), fill=grey, anchor="rm")

    def table(
        top_y: int,
        title: str,
        cols: Sequence[tuple[str, float]],
        data: Sequence[Sequence[str]],
        row_h: int,
        bottom: int,
        mono_col: int = -1,
    ) -> int:
        """Draw a titled table card; returns how many data rows fitted."""
        d.rounded_rectangle((x0, top_y, x1, bottom), 6, fill=_WHITE)
        d.rectangle((x0 + 20, top_y + 16, x0 + 24, top_y + 36), fill=(64, 158, 255))
        d.text((x0 + 34, top_y + 26), title, font=_font(19), fill=(20, 22, 26), anchor="lm")
        ty = top_y + 48
        inner_w = x1 - x0 - 40
        xs: list[float] = [x0 + 20]
        for _, frac in cols:
            xs.append(xs[-1] + inner_w * frac)
        d.rectangle((x0 + 20, ty, x1 - 20, ty + 38), fill=(242, 246, 252))
        for (name, _), cx in zip(cols, xs, strict=False):
            d.text((cx + 12, ty + 19), name, font=_font(16), fill=mid, anchor="lm")
        ty += 38
        fitted = 0
        for r, row in enumerate(data):
            if ty + row_h > bottom - 8:
                break
            if r % 2:
                d.rectangle((x0 + 20, ty + 1, x1 - 20, ty + row_h - 1), fill=(250, 251, 253))
            for c, (cell, cx) in enumerate(zip(row, xs, strict=False)):
                f = _font(16, mono=c == mono_col)
                d.text(
                    (cx + 12, ty + row_h / 2),
                    _ellipsize(cell, f, xs[c + 1] - cx - 20),
                    font=f,
                    fill=dark,
                    anchor="lm",
                )
            d.line((x0 + 20, ty + row_h, x1 - 20, ty + row_h), fill=line)
            ty += row_h
            fitted += 1
        return fitted

    y += 82
    weight_cols = [
        ("运单号", 0.22),
        ("揽收重量(kg)", 0.14),
        ("计费重量(kg)", 0.14),
        ("上车扫描重量", 0.14),
        ("下车扫描重量", 0.14),
        ("揽收网点", 0.22),
    ]
    table(y, "运单称重信息", weight_cols, [[tracking_no, *weights, pickup_site]], 42, y + 136, mono_col=0)

    y += 148
    scan_cols = [("时间", 0.2), ("网点", 0.22), ("操作", 0.58)]
    scan_rows = [(t, *(_split_site(text)[0] or "—", _split_site(text)[1])) for t, text in rows]
    shown = table(y, "扫描记录", scan_cols, scan_rows, 33, h - 38)
    d.text(
        (x1 - 20, h - 19),
        f"共 {len(rows)} 条，显示 {min(shown, len(rows))} 条" if shown < len(rows) else f"共 {len(rows)} 条",
        font=_font(15),
        fill=grey,
        anchor="rm",
    )
    d.text((x0, h - 19), "© DeskDemo 演示数据 · 非真实快递系统", font=_font(14), fill=grey, anchor="lm")
    return _png(img)
