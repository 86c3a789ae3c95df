"""Shipped goods next to the waybill: the product box and the printed label, photographed at packing."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from PIL import Image, ImageDraw

from desk_demo.images.common import (
    _BOX_COLORS,
    _INK,
    PHOTO_SIZE,
    Color,
    _barcode,
    _box,
    _cast_shadows,
    _default_time,
    _demo_tag,
    _ellipsize,
    _finish_photo,
    _font,
    _is_light,
    _jpeg,
    _paste_rotated,
    _qr_like,
    _rng,
    _rotated,
    _shift,
    _text_on,
    _textured,
    _wrap_limited,
)


def _product_box(
    d: ImageDraw.ImageDraw, x: float, y: float, w: float, h: float, depth: float, color: Color, name: str
) -> None:
    """A retail box seen from slightly above and to the left: front face at (x, y, w, h)."""
    dx, dy = depth * 0.55, depth
    top = [(x, y), (x + w, y), (x + w + dx, y - dy), (x + dx, y - dy)]
    side = [(x + w, y), (x + w + dx, y - dy), (x + w + dx, y + h - dy), (x + w, y + h)]
    d.polygon(top, fill=_shift(color, 34), outline=_shift(color, -40))
    d.polygon(side, fill=_shift(color, -46), outline=_shift(color, -70))
    d.rectangle((x, y, x + w, y + h), fill=color, outline=_shift(color, -60))
    ink = _text_on(color)
    band = _shift(color, -60) if _is_light(color) else _shift(color, 60)
    d.rectangle((x + 1, y + 26, x + w - 1, y + 70), fill=band)
    d.text((x + w / 2, y + 48), "DeskDemo 优选", font=_font(24), fill=_text_on(band), anchor="mm")
    f = _font(30)
    lines = _wrap_limited(name, f, w - 36, 4)
    ty = y + 96
    for line in lines:
        d.text((x + 18, ty), line, font=f, fill=ink)
        ty += 40
    d.ellipse((x + w / 2 - 44, y + h - 150, x + w / 2 + 44, y + h - 62), outline=ink, width=4)
    d.text((x + w / 2, y + h - 106), "✓", font=_font(44), fill=ink, anchor="mm")
    d.text((x + 18, y + h - 22), "规格：1件装", font=_font(20), fill=ink, anchor="ls")


def _sort_code(tracking: str) -> str:
    r = random.Random("sort|" + tracking)
    letter = r.choice("ABCDEFGHJKLMNPQRSTUVWXYZ")
    return f"{r.randint(100, 799)}-{letter}{r.randint(1, 30):02d} {r.randint(0, 99):02d}"


def _waybill(tracking: str, courier: str, product_name: str, printed: datetime, qty: int) -> Image.Image:
    """A 100x150-mm thermal waybill (面单) as a 500x750 RGBA image with masked recipient."""
    w, h = 500, 750
    lab = Image.new("RGBA", (w, h), (250, 250, 247, 255))
    d = ImageDraw.Draw(lab)
    line = (18, 18, 18)
    d.rectangle((0, 0, w - 1, h - 1), outline=(200, 200, 196), width=1)
    d.text(
        (18, 40),
        _ellipsize(courier, _font(38), 300),
        font=_font(38),
        fill=_INK,
        anchor="lm",
        stroke_width=1,
        stroke_fill=_INK,
    )
    d.rectangle((w - 140, 18, w - 18, 62), outline=_INK, width=3)
    d.text((w - 79, 40), "标准快递", font=_font(26), fill=_INK, anchor="mm")
    d.line((0, 80, w, 80), fill=line, width=3)
    d.text(
        (w / 2, 118),
        _sort_code(tracking),
        font=_font(52),
        fill=_INK,
        anchor="mm",
        stroke_width=1,
        stroke_fill=_INK,
    )
    d.line((0, 156, w, 156), fill=line, width=2)
    _barcode(d, (28, 170, w - 28, 262), tracking, _INK)
    d.text(
        (w / 2, 272),
        " ".join(tracking[i : i + 4] for i in range(0, len(tracking), 4)),
        font=_font(28, mono=True),
        fill=_INK,
        anchor="mt",
    )
    d.line((0, 316, w, 316), fill=line, width=2)
    for top, tag, who, addr in (
        (316, "收", "张*  138****8000", "浙江省杭州市西湖区文三路***号 **幢 ****室"),
        (448, "寄", "示例旗舰店  0579-8***6688", "浙江省金华市义乌市北苑街道 ****仓"),
    ):
        d.rectangle((14, top + 16, 70, top + 72), outline=_INK, width=3)
        d.text((42, top + 44), tag, font=_font(36), fill=_INK, anchor="mm")
        d.text((86, top + 16), who, font=_font(30), fill=_INK)
        for i, ln in enumerate(_wrap_limited(addr, _font(23), w - 104, 2)):
            d.text((86, top + 62 + i * 32), ln, font=_font(23), fill=_INK)
        d.line((0, top + 132, w, top + 132), fill=line, width=2)
    f = _font(22)
    d.text((18, 598), "物品：" + _ellipsize(product_name, f, 300), font=f, fill=_INK)
    d.text((18, 632), f"数量：{qty} 件    已验视", font=f, fill=_INK)
    _qr_like(d, w - 120, 592, 105, tracking, _INK)
    d.line((0, 704, w, 704), fill=line, width=2)
    d.text((18, 728), f"打印时间 {printed:%Y-%m-%d %H:%M}", font=_font(18), fill=_INK, anchor="lm")
    d.text((w - 18, 728), "DeskDemo 演示面单", font=_font(18), fill=_INK, anchor="rm")
    return lab


def goods_with_label_photo(
    product_name: str,
    tracking_no: str,
    *,
    seed: int = 0,
    courier: str = "示例速运",
    taken_at: datetime | None = None,
) -> bytes:
    """JPEG, 1600x1200: three boxes of ``product_name`` on a wooden packing table next to the waybill
    (面单) for ``tracking_no`` — courier name, bars, 运单号, masked recipient "张*  138****8000",
    sender 示例旗舰店.

    EXIF: Make "DeskDemo", Model "Packing Cam", DateTimeOriginal = ``taken_at`` (default: a seed-derived
    time on 2026-11-20), Orientation 1.
    """
    rng = _rng("goods", seed)
    when = taken_at or _default_time(rng, 0)
    size = PHOTO_SIZE
    img = _textured(size, rng, (178, 136, 96), blotch=14, streak=20, rows=160)
    d = ImageDraw.Draw(img, "RGBA")
    seam = rng.randint(180, 320)
    while seam < size[1]:
        d.line((0, seam, size[0], seam + rng.randint(-4, 4)), fill=(92, 62, 36, 150), width=3)
        seam += rng.randint(330, 420)

    colors = rng.sample(_BOX_COLORS, 3)
    boxes: list[tuple[float, float, float, float]] = []
    base_y = 980 + rng.randint(-30, 20)
    x = 70 + rng.randint(-10, 20)
    for _ in range(3):
        w, h = rng.randint(226, 246), rng.randint(470, 540)
        boxes.append((x, base_y - h, w, h))
        x += w + 28 + rng.randint(0, 14)
    card_center = (1190 + rng.randint(-20, 20), 600 + rng.randint(-20, 20))
    card_angle = rng.uniform(-7, 7)
    card = _box(card_center[0] - 285, card_center[1] - 420, card_center[0] + 285, card_center[1] + 420)
    card = _rotated(card, card_center, card_angle)
    shadow_polys = [
        [(bx, by - 34), (bx + bw + 19, by - 34), (bx + bw + 19, by + bh), (bx, by + bh)]
        for bx, by, bw, bh in boxes
    ]
    img = _cast_shadows(img, [*shadow_polys, card], (22, 14), 26, 0.5)
    d = ImageDraw.Draw(img, "RGBA")

    # a flattened piece of the shipping carton carrying the waybill
    d.polygon(card, fill=(196, 152, 100), outline=(140, 100, 60))
    _paste_rotated(
        img,
        _waybill(tracking_no, courier, product_name, when - timedelta(minutes=rng.randint(20, 90)), 3),
        (card_center[0] + rng.uniform(-6, 6), card_center[1] + rng.uniform(-6, 6)),
        card_angle + rng.uniform(-2, 2),
    )
    d = ImageDraw.Draw(img, "RGBA")
    for (bx, by, bw, bh), color in zip(boxes, colors, strict=True):
        _product_box(d, bx, by, bw, bh, 34, color, product_name)

    img = _finish_photo(img, (250, 255, 228, 236), 0.34, 8)
    _demo_tag(ImageDraw.Draw(img, "RGBA"), size, (255, 255, 255, 150))
    return _jpeg(img, when, "Packing Cam")
