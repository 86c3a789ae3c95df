"""Deterministic, clearly-synthetic demo evidence pictures (photos, screenshots, receipts) drawn with Pillow."""

from __future__ import annotations

import functools
import io
import math
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, PngImagePlugin

__all__ = [
    "CHAT_MAX_HEIGHT",
    "CHAT_MIN_HEIGHT",
    "CHAT_WIDTH",
    "COURIER_SCREENSHOT_SIZE",
    "FONT_PATH",
    "PHOTO_SIZE",
    "VOUCHER_SIZE",
    "buyer_photo",
    "chat_screenshot",
    "courier_system_screenshot",
    "freight_voucher",
    "goods_with_label_photo",
    "scale_display_photo",
]

FONT_PATH = Path(__file__).resolve().parents[1] / "resources" / "fonts" / "wqy-microhei.ttc"

PHOTO_SIZE = (1600, 1200)  # landscape photos; buyer_photo(portrait=True) displays as 1200x1600
COURIER_SCREENSHOT_SIZE = (1280, 800)
CHAT_WIDTH = 1080
CHAT_MIN_HEIGHT = 1000
CHAT_MAX_HEIGHT = 2400
VOUCHER_SIZE = (1200, 820)

DEMO_MAKE = "DeskDemo"
_DEMO_NOTE = "DeskDemo synthetic demo image - not real evidence"
_BASE_TIME = datetime(2026, 11, 20, 8, 30, 0)

Color = tuple[int, int, int]
Point = tuple[float, float]

_INK: Color = (28, 28, 30)
_WHITE: Color = (255, 255, 255)


# --------------------------------------------------------------------------------------------------
# shared helpers


@functools.lru_cache(maxsize=64)
def _font(size: int, mono: bool = False) -> ImageFont.FreeTypeFont:
    """The bundled WenQuanYi Micro Hei (face 1 is its monospaced twin), basic layout for stable output."""
    return ImageFont.truetype(
        str(FONT_PATH), size, index=1 if mono else 0, layout_engine=ImageFont.Layout.BASIC
    )


def _rng(kind: str, seed: int, *parts: object) -> random.Random:
    """A generator seeded from a string, so results never depend on PYTHONHASHSEED."""
    return random.Random("|".join([kind, str(seed), *map(str, parts)]))


def _default_time(rng: random.Random, day: int) -> datetime:
    return _BASE_TIME + timedelta(days=day, seconds=rng.randrange(0, 9 * 3600))


def _fake_tracking(rng: random.Random) -> str:
    return "DD" + "".join(rng.choice("0123456789") for _ in range(13))


def _box(x0: float, y0: float, x1: float, y1: float) -> list[Point]:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def _rotated(poly: Sequence[Point], center: Point, degrees: float) -> list[Point]:
    """poly turned counter-clockwise on screen by degrees around center (matches Image.rotate)."""
    a = math.radians(degrees)
    ca, sa = math.cos(a), math.sin(a)
    cx, cy = center
    return [(cx + (x - cx) * ca + (y - cy) * sa, cy - (x - cx) * sa + (y - cy) * ca) for x, y in poly]


def _shift(color: Color, delta: int) -> Color:
    r, g, b = (max(0, min(255, c + delta)) for c in color)
    return (r, g, b)


def _random_layer(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    return Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))


def _blotch_layer(rng: random.Random, size: tuple[int, int], cells: tuple[int, int]) -> Image.Image:
    """Soft large-scale unevenness (dirt, lighting, paper fibres)."""
    mid = (max(cells[0], size[0] // 8), max(cells[1], size[1] // 8))
    small = _random_layer(rng, cells).resize(mid, Image.Resampling.BICUBIC)
    return small.resize(size, Image.Resampling.BILINEAR)


def _streak_layer(rng: random.Random, size: tuple[int, int], rows: int) -> Image.Image:
    """Horizontal grain (brushed metal, wood, laminate)."""
    return _random_layer(rng, (6, rows)).resize(size, Image.Resampling.BILINEAR)


def _add_layers(img: Image.Image, layers: Sequence[tuple[Image.Image, int]]) -> Image.Image:
    """Add L layers to img in one pass, each mapping 0..255 to -amount..+amount (sum of amounts <= 127)."""
    total: Image.Image | None = None
    offset = 0
    for layer, amount in layers:
        part = layer.point([v * 2 * amount // 255 for v in range(256)])
        total = part if total is None else ImageChops.add(total, part)
        offset += amount
    if total is None:
        return img
    if img.mode == "L":
        return ImageChops.add(img, total, 1.0, -offset)
    return ImageChops.add(img, Image.merge("RGB", (total, total, total)), 1.0, -offset)


def _textured(
    size: tuple[int, int], rng: random.Random, base: Color, *, blotch: int, streak: int = 0, rows: int = 200, grain: int = 0
) -> Image.Image:
    """A flat colour with blotches, optional horizontal streaks and per-pixel grain."""
    layers = [(_blotch_layer(rng, size, (12, 9)), blotch)]
    if streak:
        layers.append((_streak_layer(rng, size, rows), streak))
    if grain:
        layers.append((_random_layer(rng, size), grain))
    return _add_layers(Image.new("RGB", size, base), layers)


def _light(size: tuple[int, int], corners: tuple[int, int, int, int], vignette: float) -> Image.Image:
    """An L light field: bilinear corner brightness (TL, TR, BL, BR) times a radial vignette."""
    field = Image.new("L", (2, 2))
    field.putdata(list(corners))
    m = field.resize(size, Image.Resampling.BILINEAR)
    if vignette:
        lut = [255 - int(vignette * 255 * (v / 255) ** 2) for v in range(256)]
        v = Image.radial_gradient("L").point(lut).resize(size, Image.Resampling.BILINEAR)
        m = ImageChops.multiply(m, v)
    return m


def _lit(img: Image.Image, light: Image.Image) -> Image.Image:
    return ImageChops.multiply(img, Image.merge("RGB", (light, light, light)))


def _finish_photo(
    img: Image.Image, rng: random.Random, corners: tuple[int, int, int, int], vignette: float, grain: int
) -> Image.Image:
    """Camera look: uneven light, vignette, sensor noise."""
    img = _lit(img, _light(img.size, corners, vignette))
    return _add_layers(img, [(_random_layer(rng, img.size), grain)])


def _tint(img: Image.Image, color: Color) -> Image.Image:
    return ImageChops.multiply(img, Image.new("RGB", img.size, color))


def _cast_shadows(
    img: Image.Image, polys: Sequence[Sequence[Point]], offset: Point, blur: float, opacity: float
) -> Image.Image:
    """Darken img under the offset, blurred polygons (drawn at quarter resolution for speed)."""
    s = 4
    w, h = img.size
    mask = Image.new("L", (w // s, h // s), 0)
    d = ImageDraw.Draw(mask)
    for poly in polys:
        d.polygon([((x + offset[0]) / s, (y + offset[1]) / s) for x, y in poly], fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(blur / s)).resize((w, h), Image.Resampling.BILINEAR)
    shade = mask.point([255 - int(v * opacity) for v in range(256)])
    return ImageChops.multiply(img, Image.merge("RGB", (shade, shade, shade)))


def _paste_rotated(img: Image.Image, layer: Image.Image, center: Point, degrees: float) -> list[Point]:
    """Paste an RGBA layer turned by degrees, centred on center; returns its outline for shadows."""
    turned = layer.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True)
    x = round(center[0] - turned.width / 2)
    y = round(center[1] - turned.height / 2)
    img.paste(turned, (x, y), turned)
    lw, lh = layer.size
    outline = _box(center[0] - lw / 2, center[1] - lh / 2, center[0] + lw / 2, center[1] + lh / 2)
    return _rotated(outline, center, degrees)


def _text_w(font: ImageFont.FreeTypeFont, text: str) -> float:
    return font.getlength(text)


def _ellipsize(text: str, font: ImageFont.FreeTypeFont, max_w: float) -> str:
    if font.getlength(text) <= max_w:
        return text
    while text and font.getlength(text + "…") > max_w:
        text = text[:-1]
    return text + "…"


_NO_LINE_START = frozenset("，。、；：？！）》」』】〉”’…—,.;:?!)%")


def _is_word_char(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _wrap(text: str, font: ImageFont.FreeTypeFont, max_w: float) -> list[str]:
    """Greedy wrap by measured width: CJK breaks anywhere, ASCII words stay whole when they fit,
    closing punctuation may hang past the edge instead of starting a line."""
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for ch in para:
            cand = line + ch
            if not line or font.getlength(cand) <= max_w:
                line = cand
                continue
            if ch in _NO_LINE_START and line[-1] not in _NO_LINE_START:
                line = cand
                continue
            carry = ""
            if _is_word_char(ch):
                j = len(line)
                while j > 0 and _is_word_char(line[j - 1]):
                    j -= 1
                if j > 0 and font.getlength(line[j:] + ch) <= max_w:
                    carry, line = line[j:], line[:j]
            lines.append(line.rstrip())
            line = (carry + ch).lstrip(" ") if not carry else carry + ch
        lines.append(line)
    return lines


def _wrap_limited(text: str, font: ImageFont.FreeTypeFont, max_w: float, max_lines: int) -> list[str]:
    lines = _wrap(text, font, max_w)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = _ellipsize(lines[-1] + "…", font, max_w)
    return lines


def _barcode(draw: ImageDraw.ImageDraw, box: tuple[int, int, int, int], data: str, fill: Color) -> None:
    """Code-128-looking bars derived from data (not a scannable symbol)."""
    widths = [2, 1, 1, 2, 3, 2]
    check = 104
    for i, ch in enumerate(data):
        c = ord(ch)
        check += (i + 1) * c
        widths += [1 + (c >> k) % 3 for k in (0, 2, 4)] + [1 + (c * 7 >> k) % 3 for k in (1, 3, 5)]
    widths += [1 + (check >> k) % 3 for k in range(6)] + [2, 3, 3, 1, 1, 1, 2]
    x0, y0, x1, y1 = box
    total = sum(widths)
    module = max(1, (x1 - x0) // total)
    x = x0 + ((x1 - x0) - module * total) // 2
    for i, wd in enumerate(widths):
        if i % 2 == 0:
            draw.rectangle((x, y0, x + wd * module - 1, y1), fill=fill)
        x += wd * module


def _qr_like(draw: ImageDraw.ImageDraw, x: int, y: int, size: int, data: str, fill: Color) -> None:
    """A QR-looking 21x21 module square with finder patterns (not scannable)."""
    n = 21
    m = size // n
    rng = random.Random("qr|" + data)
    finders = [(0, 0), (n - 7, 0), (0, n - 7)]

    def in_finder(i: int, j: int) -> bool:
        return any(fx - 1 <= i <= fx + 7 and fy - 1 <= j <= fy + 7 for fx, fy in finders)

    for j in range(n):
        for i in range(n):
            if not in_finder(i, j) and rng.random() < 0.5:
                draw.rectangle((x + i * m, y + j * m, x + (i + 1) * m - 1, y + (j + 1) * m - 1), fill=fill)
    for fx, fy in finders:
        ox, oy = x + fx * m, y + fy * m
        draw.rectangle((ox, oy, ox + 7 * m - 1, oy + 7 * m - 1), fill=fill)
        draw.rectangle((ox + m, oy + m, ox + 6 * m - 1, oy + 6 * m - 1), fill=_WHITE)
        draw.rectangle((ox + 2 * m, oy + 2 * m, ox + 5 * m - 1, oy + 5 * m - 1), fill=fill)


def _exif(taken_at: datetime, model: str, orientation: int) -> Image.Exif:
    stamp = taken_at.strftime("%Y:%m:%d %H:%M:%S")
    exif = Image.Exif()
    exif[0x010E] = _DEMO_NOTE  # ImageDescription
    exif[0x010F] = DEMO_MAKE  # Make
    exif[0x0110] = model  # Model
    exif[0x0112] = orientation  # Orientation
    exif[0x0131] = "desk.demo_images"  # Software
    exif[0x0132] = stamp  # DateTime
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = stamp  # DateTimeOriginal
    sub[0x9004] = stamp  # DateTimeDigitized
    return exif


def _jpeg(img: Image.Image, taken_at: datetime, model: str, orientation: int = 1, quality: int = 87) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=quality, exif=_exif(taken_at, model, orientation))
    return buf.getvalue()


def _png(img: Image.Image) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Software", "desk.demo_images")
    info.add_text("Description", _DEMO_NOTE)
    buf = io.BytesIO()
    img.save(buf, "PNG", pnginfo=info, compress_level=3)
    return buf.getvalue()


def _demo_tag(draw: ImageDraw.ImageDraw, size: tuple[int, int], fill: tuple[int, int, int, int]) -> None:
    """A small corner mark so a demo picture is never mistaken for real evidence."""
    f = _font(20)
    draw.text((size[0] - 16, size[1] - 12), "DeskDemo 演示样图", font=f, fill=fill, anchor="rs")


def _parse_decimal(value: str) -> Decimal | None:
    try:
        d = Decimal(value.strip())
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


# --------------------------------------------------------------------------------------------------
# 1. warehouse scale photo

_SEGMENTS = {
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
        lit = _SEGMENTS.get(ch, "")
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
    d.text((14, h - 12), f"DeskDemo · {rng.randint(100, 999)}-{rng.randint(10, 99)}", font=_font(14), fill=_INK, anchor="ls")
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
        (ix0 + 40 + (px1 - 20 - ix0 - 40) * t + math.sin(t * math.pi) * 20, iy1 - 20 + (py1 - 160 - iy1 + 20) * t + math.sin(t * math.pi) * 90)
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
    plate = _cast_shadows(plate, [_box(bx0 - px0, by0 - py0, bx1 - px0, by1 + front - py0)], (12, 16), 22, 0.45)
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
    cd.text((24, by1 - by0 + 12), "5号纸箱\n350×250×190 mm", font=_font(22), fill=(92, 60, 30, 200), spacing=6)
    cd.text((carton.width - 24, by1 - by0 + front / 2), "↑↑ 此面向上", font=_font(24), fill=(92, 60, 30, 200), anchor="rm")
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
        d.polygon([(lx - 9, ly0 + 6), (lx + 9, ly0 + 6), (lx, ly0 + 20)], fill=seg_on if lit else (*seg_on, 40))
    _seven_segment(d, (lx0 + 18, ly0 + 38), (46, 108), 60, _format_weight(weight_g), 6, seg_on, seg_off)
    d.text((lx1 - 14, ly1 - 16), "kg", font=_font(36), fill=seg_on, anchor="rs")
    bw = (ix1 - ix0 - 60 - 3 * 16) / 4
    for i, word in enumerate(("置零", "去皮", "累计", "开/关")):
        x = ix0 + 30 + i * (bw + 16)
        d.rounded_rectangle((x, iy0 + 318, x + bw, iy0 + 376), 14, fill=(92, 98, 110), outline=(40, 42, 48), width=2)
        d.text((x + bw / 2, iy0 + 347), word, font=_font(24), fill=(236, 238, 242), anchor="mm")
    d.text((ix0 + 30, iy1 - 30), "Max 60kg   d=1g", font=_font(20), fill=(170, 176, 186), anchor="ls")
    d.text((ix1 - 30, iy1 - 30), "FOR DEMO", font=_font(20), fill=(170, 176, 186), anchor="rs")

    img = _finish_photo(img, rng, (255, 246, 236, 214), 0.38, 7)

    # camera on-screen display, drawn crisp after the optics
    d = ImageDraw.Draw(img, "RGBA")
    osd = _font(34, mono=True)
    d.text((28, 24), f"{when:%Y-%m-%d %H:%M:%S} {label} {cam}", font=osd, fill=_WHITE, stroke_width=2, stroke_fill=(0, 0, 0))
    d.text((size[0] - 28, 24), f"CH{cam[1:]}", font=osd, fill=_WHITE, stroke_width=2, stroke_fill=(0, 0, 0), anchor="ra")
    _demo_tag(d, size, (255, 255, 255, 150))
    return _jpeg(img, when, "Scale Cam")


# --------------------------------------------------------------------------------------------------
# 4. shipped goods next to the waybill

_BOX_COLORS: tuple[Color, ...] = (
    (206, 58, 64),
    (52, 104, 176),
    (238, 236, 228),
    (54, 146, 114),
    (236, 164, 44),
    (120, 86, 168),
)


def _text_on(color: Color) -> Color:
    return _INK if sum(color) > 480 else (250, 250, 250)


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
    band = _shift(color, -60) if sum(color) > 480 else _shift(color, 60)
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
    return f"{r.randint(100, 799)}-{r.choice('ABCDEFGHJKLMNPQRSTUVWXYZ')}{r.randint(1, 30):02d} {r.randint(0, 99):02d}"


def _waybill(tracking: str, courier: str, product_name: str, printed: datetime, qty: int) -> Image.Image:
    """A 100x150-mm thermal waybill (面单) as a 500x750 RGBA image with masked recipient."""
    w, h = 500, 750
    lab = Image.new("RGBA", (w, h), (250, 250, 247, 255))
    d = ImageDraw.Draw(lab)
    line = (18, 18, 18)
    d.rectangle((0, 0, w - 1, h - 1), outline=(200, 200, 196), width=1)
    d.text((18, 40), _ellipsize(courier, _font(38), 300), font=_font(38), fill=_INK, anchor="lm", stroke_width=1, stroke_fill=_INK)
    d.rectangle((w - 140, 18, w - 18, 62), outline=_INK, width=3)
    d.text((w - 79, 40), "标准快递", font=_font(26), fill=_INK, anchor="mm")
    d.line((0, 80, w, 80), fill=line, width=3)
    d.text((w / 2, 118), _sort_code(tracking), font=_font(52), fill=_INK, anchor="mm", stroke_width=1, stroke_fill=_INK)
    d.line((0, 156, w, 156), fill=line, width=2)
    _barcode(d, (28, 170, w - 28, 262), tracking, _INK)
    d.text((w / 2, 272), " ".join(tracking[i : i + 4] for i in range(0, len(tracking), 4)), font=_font(28, mono=True), fill=_INK, anchor="mt")
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
        [(bx, by - 34), (bx + bw + 19, by - 34), (bx + bw + 19, by + bh), (bx, by + bh)] for bx, by, bw, bh in boxes
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

    img = _finish_photo(img, rng, (250, 255, 228, 236), 0.34, 8)
    _demo_tag(ImageDraw.Draw(img, "RGBA"), size, (255, 255, 255, 150))
    return _jpeg(img, when, "Packing Cam")
