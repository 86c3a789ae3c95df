"""The warehouse scale photo: a parcel on a platform scale, its seven-segment display showing the weight."""

from __future__ import annotations

import math
import random
from datetime import datetime

from PIL import Image, ImageDraw

from desk_demo.images.common import (
    _INK,
    _WHITE,
    PHOTO_SIZE,
    Color,
    Point,
    _barcode,
    _box,
    _cast_shadows,
    _default_time,
    _demo_tag,
    _fake_tracking,
    _finish_photo,
    _font,
    _jpeg,
    _light,
    _lit,
    _paste_rotated,
    _rng,
    _textured,
)

# Which segments a b c d e f g (top, top right, bottom right, bottom, bottom left, top left, middle) each
# character lights; the OCR test set (desk_demo/ocr_set.py) draws its displays with the same table.
SEGMENTS = {
    "0": "abcdef",
    "1": "bc",
    "2": "abdeg",
    "3": "abcdg",
    "4": "bcfg",
    "5": "acdfg",
    "6": "acdefg",
    "7": "abc",
    "8": "abcdefg",
    "9": "abcdfg",
    "-": "g",
}


def _segment_polys(x: float, y: float, w: float, h: float, t: float, slant: float) -> dict[str, list[Point]]:
    g = t * 0.1
    ht = t / 2
    ym = y + h / 2

    def hseg(yc: float) -> list[Point]:
        return [
            (x + ht + g, yc),
            (x + t + g, yc - ht),
            (x + w - t - g, yc - ht),
            (x + w - ht - g, yc),
            (x + w - t - g, yc + ht),
            (x + t + g, yc + ht),
        ]

    def vseg(xc: float, y0: float, y1: float) -> list[Point]:
        return [
            (xc, y0 + ht + g),
            (xc + ht, y0 + t + g),
            (xc + ht, y1 - t - g),
            (xc, y1 - ht - g),
            (xc - ht, y1 - t - g),
            (xc - ht, y0 + t + g),
        ]

    segs = {
        "a": hseg(y + ht),
        "g": hseg(ym),
        "d": hseg(y + h - ht),
        "f": vseg(x + ht, y, ym),
        "b": vseg(x + w - ht, y, ym),
        "e": vseg(x + ht, ym, y + h),
        "c": vseg(x + w - ht, ym, y + h),
    }
    return {k: [(px + (ym - py) * slant, py) for px, py in poly] for k, poly in segs.items()}


def _seven_segment(
    draw: ImageDraw.ImageDraw,
    origin: Point,
    digit: tuple[float, float],
    pitch: float,
    text: str,
    cells: int,
    on: Color,
    off: tuple[int, int, int, int],
) -> None:
    """Right-aligned seven-segment readout with decimal points; unlit segments drawn faintly."""
    parsed: list[tuple[str, bool]] = []
    for ch in text:
        if ch == "." and parsed:
            parsed[-1] = (parsed[-1][0], True)
        else:
            parsed.append((ch, False))
    parsed = [(" ", False)] * max(0, cells - len(parsed)) + parsed[-cells:]
    dw, dh = digit
    t = dw * 0.24
    slant = 0.07
    ox, oy = origin
    for i, (ch, dot) in enumerate(parsed):
        x = ox + i * pitch
        lit = SEGMENTS.get(ch, "")
        for name, poly in _segment_polys(x, oy, dw, dh, t, slant).items():
            draw.polygon(poly, fill=on if name in lit else off)
        dx = x + dw + (pitch - dw) / 2 - t * 0.5 - dh / 2 * slant
        draw.rectangle((dx, oy + dh - t, dx + t, oy + dh), fill=on if dot else off)


def _format_weight(weight_g: int) -> str:
    return f"{weight_g // 1000}.{weight_g % 1000:03d}"


def _shipping_label(tracking: str, courier: str, rng: random.Random) -> Image.Image:
    """The small thermal label stuck on the parcel in the scale photo (300x400 RGBA)."""
    w, h = 300, 400
    lab = Image.new("RGBA", (w, h), (248, 248, 244, 255))
    d = ImageDraw.Draw(lab)
    d.text((14, 12), courier, font=_font(30), fill=_INK, stroke_width=1, stroke_fill=_INK)
    d.rectangle((w - 104, 14, w - 14, 48), outline=_INK, width=2)
    d.text((w - 59, 31), "标准快递", font=_font(19), fill=_INK, anchor="mm")
    d.line((10, 60, w - 10, 60), fill=_INK, width=3)
    _barcode(d, (18, 74, w - 18, 160), tracking, _INK)
    d.text((w / 2, 176), tracking, font=_font(22, mono=True), fill=_INK, anchor="mt")
    d.line((10, 210, w - 10, 210), fill=_INK, width=2)
    d.text((14, 222), "收", font=_font(30), fill=_INK)
    d.text((60, 222), "张*  138****8000", font=_font(22), fill=_INK)
    d.text((60, 254), "浙江省杭州市西湖区****", font=_font(17), fill=_INK)
    d.line((10, 290, w - 10, 290), fill=_INK, width=2)
    d.text((14, 302), "寄", font=_font(30), fill=_INK)
    d.text((60, 302), "示例旗舰店", font=_font(22), fill=_INK)
    d.text((60, 334), "浙江省金华市义乌市****", font=_font(17), fill=_INK)
    d.text(
        (14, h - 12),
        f"DeskDemo · {rng.randint(100, 999)}-{rng.randint(10, 99)}",
        font=_font(14),
        fill=_INK,
        anchor="ls",
    )
    return lab


def scale_display_photo(
    weight_g: int,
    *,
    label: str = "仓库称重",
    seed: int = 0,
    tracking_no: str | None = None,
    taken_at: datetime | None = None,
) -> bytes:
    """JPEG, 1600x1200: a parcel on a warehouse platform scale whose green LCD reads ``weight_g`` in kg
    (e.g. 1250 -> "1.250 kg"), with a camera timestamp overlay "YYYY-MM-DD HH:MM:SS {label} A01".

    EXIF: Make "DeskDemo", Model "Scale Cam", DateTimeOriginal = ``taken_at`` (default: a seed-derived
    time on 2026-11-20), Orientation 1. ``tracking_no`` is printed on the parcel label (seed-derived
    when None). ``weight_g`` must be 0..999999.
    """
    if not 0 <= weight_g <= 999_999:
        raise ValueError(f"weight_g must be 0..999999, got {weight_g}")
    rng = _rng("scale", seed)
    when = taken_at or _default_time(rng, 0)
    tracking = tracking_no or _fake_tracking(rng)
    cam = f"A{rng.randint(1, 12):02d}"
    size = PHOTO_SIZE
    img = _textured(size, rng, (146, 149, 150), blotch=16, streak=4, rows=300)

    jx, jy = rng.randint(-25, 25), rng.randint(-20, 20)
    px0, py0, px1, py1 = 130 + jx, 210 + jy, 1000 + jx, 1050 + jy  # scale platform
    ix0, iy0 = 1070 + jx + rng.randint(-10, 10), 300 + jy + rng.randint(-30, 30)  # indicator head
    ix1, iy1 = ix0 + 480, iy0 + 450
    img = _cast_shadows(
        img,
        [_box(px0 - 6, py0 + 4, px1 + 6, py1 + 30), _box(ix0, iy0, ix1, iy1)],
        (14, 18),
        30,
        0.55,
    )
    d = ImageDraw.Draw(img, "RGBA")

    # cable from the indicator to the platform
    cable = [
        (
            ix0 + 40 + (px1 - 20 - ix0 - 40) * t + math.sin(t * math.pi) * 20,
            iy1 - 20 + (py1 - 160 - iy1 + 20) * t + math.sin(t * math.pi) * 90,
        )
        for t in (i / 24 for i in range(25))
    ]
    d.line(cable, fill=(34, 34, 38), width=12, joint="curve")

    # platform: dark body edge, then the brushed steel plate
    d.rounded_rectangle((px0 - 6, py0 + 8, px1 + 6, py1 + 26), 30, fill=(62, 64, 70))
    bx0, by0 = px0 + 95 + rng.randint(-15, 15), py0 + 100 + rng.randint(-15, 15)  # parcel
    bx1, by1 = bx0 + 660, by0 + 500
    front = 80
    plate = _textured((px1 - px0, py1 - py0), rng, (186, 189, 192), blotch=5, streak=12, rows=400)
    plate = _lit(plate, _light(plate.size, (255, 240, 236, 214), 0))
    plate = _cast_shadows(
        plate, [_box(bx0 - px0, by0 - py0, bx1 - px0, by1 + front - py0)], (12, 16), 22, 0.45
    )
    pmask = Image.new("L", plate.size, 0)
    ImageDraw.Draw(pmask).rounded_rectangle((0, 0, plate.width - 1, plate.height - 1), 26, fill=255)
    img.paste(plate, (px0, py0), pmask)
    d = ImageDraw.Draw(img, "RGBA")
    d.rounded_rectangle((px0, py0, px1, py1), 26, outline=(132, 135, 140), width=3)
    d.rounded_rectangle((px0 + 8, py0 + 8, px1 - 8, py1 - 8), 20, outline=(214, 216, 219, 160), width=2)

    # parcel: top face and a strip of the front face, kraft texture, tape
    carton = _textured((bx1 - bx0, by1 - by0 + front), rng, (198, 156, 106), blotch=12, grain=6)
    cd = ImageDraw.Draw(carton, "RGBA")
    cd.rectangle((0, by1 - by0, carton.width, carton.height), fill=(96, 62, 26, 90))
    cd.text(
        (24, by1 - by0 + 12), "5号纸箱\n350×250×190 mm", font=_font(22), fill=(92, 60, 30, 200), spacing=6
    )
    cd.text(
        (carton.width - 24, by1 - by0 + front / 2),
        "↑↑ 此面向上",
        font=_font(24),
        fill=(92, 60, 30, 200),
        anchor="rm",
    )
    tx = carton.width // 2 - 40 + rng.randint(-20, 20)
    cd.rectangle((tx, 0, tx + 76, carton.height), fill=(172, 124, 68, 235))
    cd.rectangle((tx + 8, 0, tx + 22, carton.height), fill=(255, 255, 255, 45))
    img.paste(carton, (bx0, by0))
    d = ImageDraw.Draw(img, "RGBA")
    d.rectangle((bx0, by0, bx1, by1 + front), outline=(120, 86, 50), width=2)
    d.line((bx0, by1, bx1, by1), fill=(150, 108, 64), width=3)
    lab_outline = _paste_rotated(
        img,
        _shipping_label(tracking, "示例速运", rng),
        (bx0 + 490 + rng.randint(-10, 10), by0 + 250 + rng.randint(-15, 15)),
        rng.uniform(-5, 5),
    )
    d.polygon(lab_outline, outline=(190, 180, 168))

    # indicator head with the LCD
    d.rounded_rectangle((ix0, iy0, ix1, iy1), 28, fill=(56, 60, 68))
    d.rounded_rectangle((ix0 + 6, iy0 + 6, ix1 - 6, iy0 + 60), 22, fill=(70, 75, 84))
    d.text((ix0 + 30, iy0 + 36), "DeskDemo  电子计重秤", font=_font(28), fill=(232, 234, 238), anchor="lm")
    lx0, ly0, lx1, ly1 = ix0 + 26, iy0 + 104, ix1 - 26, iy0 + 280
    for lx, word in ((lx0 + 40, "零位"), (lx0 + 120, "稳定"), (lx0 + 200, "净重"), (lx1 - 40, "kg")):
        d.text((lx, ly0 - 12), word, font=_font(20), fill=(196, 200, 206), anchor="ms")
    d.rounded_rectangle((lx0 - 8, ly0 - 8, lx1 + 8, ly1 + 8), 12, fill=(26, 28, 32))
    lcd = Image.new("RGB", (lx1 - lx0, ly1 - ly0), (132, 198, 104))
    lcd = _lit(lcd, _light(lcd.size, (236, 255, 255, 226), 0))
    img.paste(lcd, (lx0, ly0))
    d = ImageDraw.Draw(img, "RGBA")
    seg_on, seg_off = (22, 44, 20), (20, 70, 20, 26)
    for lx, lit in ((lx0 + 40, weight_g == 0), (lx0 + 120, True), (lx0 + 200, False), (lx1 - 40, True)):
        d.polygon(
            [(lx - 9, ly0 + 6), (lx + 9, ly0 + 6), (lx, ly0 + 20)], fill=seg_on if lit else (*seg_on, 40)
        )
    _seven_segment(d, (lx0 + 18, ly0 + 38), (46, 108), 60, _format_weight(weight_g), 6, seg_on, seg_off)
    d.text((lx1 - 14, ly1 - 16), "kg", font=_font(36), fill=seg_on, anchor="rs")
    bw = (ix1 - ix0 - 60 - 3 * 16) / 4
    for i, word in enumerate(("置零", "去皮", "累计", "开/关")):
        x = ix0 + 30 + i * (bw + 16)
        d.rounded_rectangle(
            (x, iy0 + 318, x + bw, iy0 + 376), 14, fill=(92, 98, 110), outline=(40, 42, 48), width=2
        )
        d.text((x + bw / 2, iy0 + 347), word, font=_font(24), fill=(236, 238, 242), anchor="mm")
    capacity = next(c for c in (60, 150, 300, 1000) if weight_g <= c * 1000)
    d.text(
        (ix0 + 30, iy1 - 30), f"Max {capacity}kg   d=1g", font=_font(20), fill=(170, 176, 186), anchor="ls"
    )
    d.text((ix1 - 30, iy1 - 30), "FOR DEMO", font=_font(20), fill=(170, 176, 186), anchor="rs")

    img = _finish_photo(img, (255, 246, 236, 214), 0.38, 7)

    # camera on-screen display, drawn crisp after the optics
    d = ImageDraw.Draw(img, "RGBA")
    osd = _font(34, mono=True)
    d.text(
        (28, 24),
        f"{when:%Y-%m-%d %H:%M:%S} {label} {cam}",
        font=osd,
        fill=_WHITE,
        stroke_width=2,
        stroke_fill=(0, 0, 0),
    )
    d.text(
        (size[0] - 28, 24),
        f"CH{cam[1:]}",
        font=osd,
        fill=_WHITE,
        stroke_width=2,
        stroke_fill=(0, 0, 0),
        anchor="ra",
    )
    _demo_tag(d, size, (255, 255, 255, 150))
    return _jpeg(img, when, "Scale Cam")
