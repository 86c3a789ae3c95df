"""The shop's own listings: a merchant back-office page showing every product on sale, and a search for
what the buyer pictured that finds nothing — the proof a shop does not sell an item."""

from __future__ import annotations

from collections.abc import Sequence

from PIL import Image, ImageDraw

from desk_demo.images.common import (
    _WHITE,
    STORE_SCREENSHOT_SIZE,
    _default_time,
    _ellipsize,
    _font,
    _png,
    _rng,
)

_SWATCHES = ((214, 196, 170), (186, 204, 214), (200, 214, 190), (226, 208, 196), (206, 196, 220))


def store_listing_screenshot(
    shop_name: str,
    products: Sequence[tuple[str, str]],
    searched: str,
    *,
    seed: int = 0,
) -> bytes:
    """PNG, 1280x800: the merchant back office "{shop_name} · 商品管理", tab 在售中, after searching the
    shop's goods for ``searched``: the result line says no product matches, and below it every product
    on sale is listed (name, price; ``products`` are (name, price) pairs), with the total.
    """
    rng = _rng("store", seed, shop_name, searched)
    w, h = STORE_SCREENSHOT_SIZE
    img = Image.new("RGB", (w, h), (244, 245, 247))
    d = ImageDraw.Draw(img)
    grey, dark, red = (140, 146, 156), (40, 44, 52), (224, 46, 36)
    line = (228, 231, 236)

    # application header
    d.rectangle((0, 0, w, 60), fill=_WHITE)
    d.text((24, 30), "拼多多商家后台", font=_font(24), fill=red, anchor="lm", stroke_width=1, stroke_fill=red)
    d.text(
        (w - 24, 30), _ellipsize(f"店铺：{shop_name}", _font(17), 360), font=_font(17), fill=dark, anchor="rm"
    )
    d.line((0, 60, w, 60), fill=line, width=2)

    # side navigation
    nav_w = 180
    d.rectangle((0, 61, nav_w, h), fill=_WHITE)
    for i, item in enumerate(
        ("首页", "商品管理", "订单管理", "售后管理", "店铺营销", "数据中心", "资金账户")
    ):
        y = 80 + i * 46
        selected = i == 1
        if selected:
            d.rectangle((0, y, nav_w, y + 40), fill=(255, 240, 238))
            d.rectangle((0, y, 4, y + 40), fill=red)
        d.text((30, y + 20), item, font=_font(17), fill=red if selected else dark, anchor="lm")

    x0, x1 = nav_w + 20, w - 20
    d.text((x0, 82), "商品管理  /  商品列表", font=_font(15), fill=grey, anchor="lm")

    # the search, and its empty result
    y = 100
    d.rounded_rectangle((x0, y, x1, y + 124), 6, fill=_WHITE)
    d.text((x0 + 20, y + 32), "商品名称", font=_font(17), fill=dark, anchor="lm")
    d.rounded_rectangle((x0 + 110, y + 14, x0 + 520, y + 50), 4, fill=_WHITE, outline=red, width=2)
    d.text((x0 + 122, y + 32), _ellipsize(searched, _font(17), 380), font=_font(17), fill=dark, anchor="lm")
    d.rounded_rectangle((x0 + 536, y + 14, x0 + 616, y + 50), 4, fill=red)
    d.text((x0 + 576, y + 32), "查询", font=_font(17), fill=_WHITE, anchor="mm")
    queried = _default_time(rng, 5)
    d.text((x1 - 20, y + 32), f"查询时间 {queried:%Y-%m-%d %H:%M}", font=_font(15), fill=grey, anchor="rm")
    d.rounded_rectangle((x0 + 20, y + 66, x1 - 20, y + 110), 4, fill=(255, 247, 230))
    d.text(
        (x0 + 36, y + 88),
        _ellipsize(f"在售中 · 共 0 件商品符合“{searched}”：本店没有该商品", _font(19), x1 - x0 - 80),
        font=_font(19),
        fill=(170, 90, 10),
        anchor="lm",
    )

    # every product on sale
    y += 140
    bottom = h - 40
    d.rounded_rectangle((x0, y, x1, bottom), 6, fill=_WHITE)
    d.rectangle((x0 + 20, y + 16, x0 + 24, y + 36), fill=red)
    d.text(
        (x0 + 34, y + 26), f"在售中（共 {len(products)} 件）", font=_font(19), fill=(20, 22, 26), anchor="lm"
    )
    ty = y + 50
    d.rectangle((x0 + 20, ty, x1 - 20, ty + 36), fill=(246, 247, 249))
    cols = (("商品", x0 + 110), ("商品ID", x0 + 560), ("价格", x0 + 760), ("状态", x0 + 880))
    for name, cx in cols:
        d.text((cx, ty + 18), name, font=_font(16), fill=grey, anchor="lm")
    ty += 36
    row_h = 56
    shown = 0
    for name, price in products:
        if ty + row_h > bottom - 10:
            break
        swatch = rng.choice(_SWATCHES)
        d.rounded_rectangle((x0 + 36, ty + 8, x0 + 76, ty + 48), 6, fill=swatch)
        d.text(
            (x0 + 110, ty + row_h / 2),
            _ellipsize(name, _font(17), 430),
            font=_font(17),
            fill=dark,
            anchor="lm",
        )
        d.text(
            (x0 + 560, ty + row_h / 2),
            f"{rng.randint(10**10, 10**11 - 1)}",
            font=_font(16, mono=True),
            fill=dark,
            anchor="lm",
        )
        d.text((x0 + 760, ty + row_h / 2), f"¥{price}", font=_font(17), fill=red, anchor="lm")
        d.text((x0 + 880, ty + row_h / 2), "在售中", font=_font(16), fill=(46, 150, 80), anchor="lm")
        d.line((x0 + 20, ty + row_h, x1 - 20, ty + row_h), fill=line)
        ty += row_h
        shown += 1
    if shown < len(products):
        d.text(
            (x1 - 20, bottom - 16),
            f"显示 {shown} / {len(products)} 件",
            font=_font(15),
            fill=grey,
            anchor="rm",
        )
    d.text((x0, h - 20), "© DeskDemo 演示数据 · 非真实商家后台", font=_font(14), fill=grey, anchor="lm")
    return _png(img)
