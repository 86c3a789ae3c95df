"""Deterministic, clearly-synthetic demo evidence pictures (photos, screenshots, receipts) via Pillow."""

from __future__ import annotations

import functools
import io
import math
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal, InvalidOperation

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, PngImagePlugin

from desk.resources import resource

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

FONT_PATH = resource("fonts", "wqy-microhei.ttc")

PHOTO_SIZE = (1600, 1200)  # landscape photos; buyer_photo(portrait=True) displays as 1200x1600
COURIER_SCREENSHOT_SIZE = (1280, 800)
CHAT_WIDTH = 1080
CHAT_MIN_HEIGHT = 1000
CHAT_MAX_HEIGHT = 2400
VOUCHER_SIZE = (1200, 880)

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
    size: tuple[int, int],
    rng: random.Random,
    base: Color,
    *,
    blotch: int,
    streak: int = 0,
    rows: int = 200,
    grain: int = 0,
) -> Image.Image:
    """A flat colour with blotches, optional horizontal streaks and per-pixel grain."""
    layers = [(_blotch_layer(rng, size, (12, 9)), blotch)]
    if streak:
        layers.append((_streak_layer(rng, size, rows), streak))
    if grain:
        layers.append((_random_layer(rng, size), grain))
    return _add_layers(Image.new("RGB", size, base), layers)


@functools.lru_cache(maxsize=8)
def _light(size: tuple[int, int], corners: tuple[int, int, int, int], vignette: float) -> Image.Image:
    """An L light field: bilinear corner brightness (TL, TR, BL, BR) times a radial vignette (cached)."""
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


@functools.lru_cache(maxsize=8)
def _camera_light(
    size: tuple[int, int], corners: tuple[int, int, int, int], vignette: float, white_balance: Color
) -> Image.Image:
    """The RGB multiplier of a camera look: light field tinted by the white balance (cached)."""
    light = _light(size, corners, vignette)
    r, g, b = (light.point([v * c // 255 for v in range(256)]) for c in white_balance)
    return Image.merge("RGB", (r, g, b))


@functools.lru_cache(maxsize=8)
def _sensor_noise(size: tuple[int, int], amount: int) -> Image.Image:
    """A fixed RGB grain pattern mapping to -amount..+amount around `amount` (cached)."""
    layer = _random_layer(random.Random("sensor-noise"), size)
    n = layer.point([v * 2 * amount // 255 for v in range(256)])
    return Image.merge("RGB", (n, n, n))


def _finish_photo(
    img: Image.Image,
    corners: tuple[int, int, int, int],
    vignette: float,
    grain: int,
    white_balance: Color = _WHITE,
) -> Image.Image:
    """Camera look: uneven light, vignette, colour cast, sensor noise."""
    img = ImageChops.multiply(img, _camera_light(img.size, corners, vignette, white_balance))
    return ImageChops.add(img, _sensor_noise(img.size, grain), 1.0, -grain)


def _cast_shadows(
    img: Image.Image, polys: Sequence[Sequence[Point]], offset: Point, blur: float, opacity: float
) -> Image.Image:
    """Darken img under the offset, blurred polygons (only their region, at quarter resolution)."""
    s = 4
    pad = blur * 2 + s
    xs = [x + offset[0] for poly in polys for x, _ in poly]
    ys = [y + offset[1] for poly in polys for _, y in poly]
    x0, y0 = max(0, int(min(xs) - pad)), max(0, int(min(ys) - pad))
    x1, y1 = min(img.width, int(max(xs) + pad) + 1), min(img.height, int(max(ys) + pad) + 1)
    if x1 - x0 < s or y1 - y0 < s:
        return img
    region = img.crop((x0, y0, x1, y1))
    mask = Image.new("L", ((x1 - x0) // s + 1, (y1 - y0) // s + 1), 0)
    d = ImageDraw.Draw(mask)
    for poly in polys:
        d.polygon([((x + offset[0] - x0) / s, (y + offset[1] - y0) / s) for x, y in poly], fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(blur / s)).resize(
        (mask.width * s, mask.height * s), Image.Resampling.BILINEAR
    )
    shade = mask.crop((0, 0, x1 - x0, y1 - y0)).point([255 - int(v * opacity) for v in range(256)])
    img.paste(ImageChops.multiply(region, Image.merge("RGB", (shade, shade, shade))), (x0, y0))
    return img


def _paste_rotated(img: Image.Image, layer: Image.Image, center: Point, degrees: float) -> list[Point]:
    """Paste an RGBA layer turned by degrees, centred on center; returns its outline for shadows."""
    turned = layer.rotate(degrees, resample=Image.Resampling.BILINEAR, expand=True)
    x = round(center[0] - turned.width / 2)
    y = round(center[1] - turned.height / 2)
    img.paste(turned, (x, y), turned)
    lw, lh = layer.size
    outline = _box(center[0] - lw / 2, center[1] - lh / 2, center[0] + lw / 2, center[1] + lh / 2)
    return _rotated(outline, center, degrees)


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
    return _INK if _is_light(color) else (250, 250, 250)


def _is_light(color: Color) -> bool:
    r, g, b = color
    return 0.299 * r + 0.587 * g + 0.114 * b > 150


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


# --------------------------------------------------------------------------------------------------
# 5. buyer's phone photo

_DAMAGE_WORDS = (
    "划",
    "刮",
    "磨",
    "破",
    "裂",
    "碎",
    "坏",
    "瑕疵",
    "凹",
    "瘪",
    "scratch",
    "crack",
    "damage",
    "broken",
    "dent",
)


def _bubble_wrap(img: Image.Image, poly: Sequence[Point], spacing: int) -> None:
    """A translucent bubble-wrap sheet clipped to poly."""
    xs = [p[0] for p in poly]
    ys = [p[1] for p in poly]
    x0, y0, x1, y1 = int(min(xs)), int(min(ys)), int(max(xs)) + 1, int(max(ys)) + 1
    w, h = x1 - x0, y1 - y0
    # two staggered rows of bubbles, stamped down the sheet
    strip = Image.new("RGBA", (w + spacing, 2 * spacing), (236, 242, 246, 110))
    sd = ImageDraw.Draw(strip)
    r = spacing * 0.36
    for j in range(2):
        for cx in range(0, w + spacing, spacing):
            c = (cx + j * spacing / 2, spacing / 2 + j * spacing)
            sd.ellipse(
                (c[0] - r, c[1] - r, c[0] + r, c[1] + r),
                fill=(250, 252, 255, 150),
                outline=(255, 255, 255, 215),
                width=2,
            )
    layer = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    for y in range(0, h, 2 * spacing):
        layer.paste(strip, (0, y))
    clip = Image.new("L", (w, h), 0)
    ImageDraw.Draw(clip).polygon([(x - x0, y - y0) for x, y in poly], fill=255)
    layer.putalpha(ImageChops.multiply(layer.getchannel("A"), clip))
    img.paste(layer, (x0, y0), layer)


def _open_parcel(img: Image.Image, rng: random.Random, cx: float, cy: float, unit: float) -> Image.Image:
    """Top-down open carton holding one boxed item where three would fit."""
    bw, bh = unit * 0.62, unit * 0.46
    x0, y0, x1, y1 = cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2
    fh, fw, dep = bh * 0.4, bw * 0.28, unit * 0.04
    flaps = [
        [(x0, y0), (x1, y0), (x1 - 28, y0 - fh), (x0 + 28, y0 - fh + rng.uniform(-12, 12))],
        [(x0, y1), (x1, y1), (x1 - 28, y1 + fh + rng.uniform(-12, 12)), (x0 + 28, y1 + fh)],
        [(x0, y0), (x0, y1), (x0 - fw, y1 - 28), (x0 - fw + rng.uniform(-12, 12), y0 + 28)],
        [(x1, y0), (x1, y1), (x1 + fw, y1 - 28), (x1 + fw, y0 + 28)],
    ]
    img = _cast_shadows(img, [*flaps, _box(x0, y0, x1, y1)], (18, 24), 34, 0.5)
    d = ImageDraw.Draw(img, "RGBA")
    for i, flap in enumerate(flaps):
        d.polygon(flap, fill=_shift((212, 172, 122), (-8, 6, 0, -14)[i]), outline=(150, 110, 70))
    for yy, hh in ((y0, -fh * 0.62), (y1, fh * 0.62)):
        d.rectangle((cx - 36, min(yy, yy + hh), cx + 36, max(yy, yy + hh)), fill=(168, 118, 62, 190))
    ix0, iy0, ix1, iy1 = x0 + dep, y0 + dep, x1 - dep, y1 - dep
    d.polygon([(x0, y0), (x1, y0), (ix1, iy0), (ix0, iy0)], fill=(192, 150, 100))
    d.polygon([(x0, y0), (ix0, iy0), (ix0, iy1), (x0, y1)], fill=(174, 132, 86))
    d.polygon([(x1, y0), (ix1, iy0), (ix1, iy1), (x1, y1)], fill=(150, 110, 68))
    d.polygon([(x0, y1), (ix0, iy1), (ix1, iy1), (x1, y1)], fill=(140, 100, 60))
    d.rectangle((ix0, iy0, ix1, iy1), fill=(160, 120, 76))
    d.rectangle((ix0, iy0, ix1, iy0 + dep * 0.8), fill=(90, 60, 30, 60))
    d.rectangle((ix0, iy0, ix0 + dep * 0.8, iy1), fill=(90, 60, 30, 50))
    d.polygon([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], outline=(120, 84, 48))
    # the one item that arrived, in the left third
    iw = ix1 - ix0
    px0, py0, px1, py1 = ix0 + 14, iy0 + 16, ix0 + iw / 3 - 8, iy1 - 16
    color = rng.choice(_BOX_COLORS)
    d.rectangle((px0 + 8, py0 + 10, px1 + 10, py1 + 12), fill=(60, 40, 20, 90))
    d.rectangle((px0, py0, px1, py1), fill=color, outline=_shift(color, -60))
    d.rectangle((px0, py0 + 24, px1, py0 + 64), fill=_shift(color, -50 if _is_light(color) else 50))
    ink = _text_on(color)
    d.text(
        ((px0 + px1) / 2, py0 + 44),
        "DeskDemo",
        font=_font(24),
        fill=_text_on(_shift(color, -50 if _is_light(color) else 50)),
        anchor="mm",
    )
    d.text(((px0 + px1) / 2, (py0 + py1) / 2 + 30), "优选", font=_font(40), fill=ink, anchor="mm")
    # crumpled bubble wrap pushed to the right end; the middle is empty
    wrap = [
        (ix0 + iw * 0.7 + rng.uniform(-10, 10), iy0 + 6),
        (ix1 - 4, iy0 + 4),
        (ix1 - 6, iy1 - 4),
        (ix0 + iw * 0.66 + rng.uniform(-10, 10), iy1 - 8),
        (ix0 + iw * 0.62, (iy0 + iy1) / 2 + rng.uniform(-20, 20)),
    ]
    _bubble_wrap(img, wrap, 30)
    return img


def _scratch(rng: random.Random, x: float, y: float, length: float, angle: float) -> list[Point]:
    pts = [(x, y)]
    steps = 9
    for _ in range(steps):
        angle += rng.uniform(-0.12, 0.12)
        x += math.cos(angle) * length / steps
        y += math.sin(angle) * length / steps
        pts.append((x, y))
    return pts


def _rounded_poly(x0: float, y0: float, x1: float, y1: float, r: float) -> list[Point]:
    pts: list[Point] = []
    for cx, cy, a0 in (
        (x1 - r, y0 + r, -90),
        (x1 - r, y1 - r, 0),
        (x0 + r, y1 - r, 90),
        (x0 + r, y0 + r, 180),
    ):
        for k in range(7):
            a = math.radians(a0 + k * 15)
            pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return pts


def _damaged_item(
    img: Image.Image, rng: random.Random, cx: float, cy: float, unit: float
) -> tuple[Image.Image, Point, float]:
    """A dark glossy panel with scratches and a cracked corner on bubble wrap; returns the damage ring."""
    pw, ph = unit * 0.66, unit * 0.45
    x0, y0 = cx - pw / 2, cy - ph / 2
    angle = rng.uniform(-8, 8)

    def rot(poly: Sequence[Point]) -> list[Point]:
        return _rotated(poly, (cx, cy), angle)

    sheet = _rotated(_box(cx - pw * 0.66, cy - ph * 0.72, cx + pw * 0.62, cy + ph * 0.7), (cx, cy), angle + 6)
    body = rot(_rounded_poly(x0, y0, x0 + pw, y0 + ph, 34))
    img = _cast_shadows(img, [body], (20, 26), 30, 0.55)
    _bubble_wrap(img, sheet, 34)
    d = ImageDraw.Draw(img, "RGBA")
    d.polygon(body, fill=(40, 42, 48), outline=(96, 100, 108), width=4)
    d.polygon(rot(_rounded_poly(x0 + 18, y0 + 18, x0 + pw - 18, y0 + ph - 18, 22)), fill=(30, 32, 37))
    d.polygon(
        rot(
            [
                (x0 + pw * 0.36, y0 + 19),
                (x0 + pw * 0.5, y0 + 19),
                (x0 + pw * 0.3, y0 + ph - 19),
                (x0 + pw * 0.16, y0 + ph - 19),
            ]
        ),
        fill=(255, 255, 255, 16),
    )
    sx, sy = x0 + pw * rng.uniform(0.5, 0.62), y0 + ph * rng.uniform(0.3, 0.45)
    for _ in range(6):
        a = rng.uniform(-0.5, 0.5) + math.pi * rng.choice((0, 1))
        pts = _scratch(rng, sx + rng.uniform(-40, 40), sy + rng.uniform(-30, 30), rng.uniform(120, 260), a)
        d.line(rot(pts), fill=(220, 222, 228, 235), width=3)
        d.line(rot([(x + 3, y + 2) for x, y in pts]), fill=(150, 152, 160, 160), width=1)
    kx, ky = x0 + pw - 40, y0 + ph - 36
    for k in range(7):
        d.line(
            rot(_scratch(rng, kx, ky, rng.uniform(60, 150), math.pi + k * 0.26 - 0.2)),
            fill=(226, 228, 232, 220),
            width=2,
        )
    return img, rot([(sx, sy)])[0], max(pw, ph) * 0.22


def _sticky_note(text: str, rng: random.Random) -> Image.Image:
    f = _font(30)
    lines = _wrap_limited(text, f, 300, 6)
    w, h = 340, max(220, 70 + 42 * len(lines))
    note = Image.new("RGBA", (w, h), (250, 232, 120, 255))
    nd = ImageDraw.Draw(note)
    nd.rectangle((0, 0, w, 36), fill=(240, 218, 100, 255))
    for i, line in enumerate(lines):
        nd.text((20 + rng.uniform(-2, 2), 52 + i * 42), line, font=f, fill=(36, 52, 120, 255))
    return note


def _red_ring(d: ImageDraw.ImageDraw, center: Point, r: float, rng: random.Random) -> None:
    """A hand-drawn markup circle, as buyers add in the phone's photo editor."""
    a0 = rng.uniform(0, math.tau)
    pts = []
    for i in range(48):
        t = a0 + i / 44 * math.tau
        rr = r * (1 + 0.06 * math.sin(3 * t) + i * 0.0012)
        pts.append((center[0] + rr * 1.25 * math.cos(t), center[1] + rr * math.sin(t)))
    d.line(pts, fill=(228, 36, 36), width=8, joint="curve")


def _buyer_scene(description: str, portrait: bool, seed: int) -> tuple[Image.Image, datetime]:
    """The upright buyer photo (1200x1600 portrait or 1600x1200 landscape) and its capture time."""
    rng = _rng("buyer", seed)
    when = _default_time(rng, 2)
    w, h = (PHOTO_SIZE[1], PHOTO_SIZE[0]) if portrait else PHOTO_SIZE
    img = _textured((w, h), rng, (214, 206, 192), blotch=10)
    d = ImageDraw.Draw(img, "RGBA")
    tile = 400
    ox, oy = rng.randint(0, tile), rng.randint(0, tile)
    for x in range(ox - tile, w, tile):
        d.line((x, 0, x + 6, h), fill=(170, 162, 148), width=5)
    for y in range(oy - tile, h, tile):
        d.line((0, y, w, y - 5), fill=(170, 162, 148), width=5)
    unit = min(w, h) * 1.0
    lowered = description.lower()
    damaged = any(word in lowered for word in _DAMAGE_WORDS)
    ring: tuple[Point, float] | None = None
    if damaged:
        img, center, radius = _damaged_item(img, rng, w * 0.5, h * 0.42, unit * 1.2)
        ring = (center, radius)
    else:
        img = _open_parcel(img, rng, w * (0.5 if portrait else 0.42), h * (0.4 if portrait else 0.45), unit)
    if description.strip():
        note = _sticky_note(description.strip(), rng)
        at = (w * 0.68, h * 0.83) if portrait else (w * 0.85, h * 0.77)
        angle = rng.uniform(-6, 6)
        nw, nh = note.size
        outline = _rotated(_box(at[0] - nw / 2, at[1] - nh / 2, at[0] + nw / 2, at[1] + nh / 2), at, angle)
        img = _cast_shadows(img, [outline], (8, 12), 14, 0.4)
        _paste_rotated(img, note, at, angle)
    img = _finish_photo(img, (236, 255, 214, 238), 0.3, 9, white_balance=(255, 242, 222))
    d = ImageDraw.Draw(img, "RGBA")
    if ring:
        _red_ring(d, ring[0], ring[1], rng)
    _demo_tag(d, img.size, (255, 255, 255, 160))
    return img, when


def buyer_photo(
    description: str, *, portrait: bool = True, seed: int = 0, taken_at: datetime | None = None
) -> bytes:
    """JPEG phone photo of what the buyer received, with ``description`` handwritten on a sticky note.

    A description mentioning damage (划痕/破损/裂/刮/瑕疵/scratch/crack/...) shows a scratched, cracked
    panel circled in red; anything else shows an opened carton holding one item where three would fit.
    ``portrait=True`` stores 1600x1200 landscape pixels with EXIF Orientation 6 (displays as 1200x1600,
    as phones do); ``portrait=False`` stores 1600x1200 with Orientation 1. EXIF: Make "DeskDemo",
    Model "Buyer Phone", DateTimeOriginal = ``taken_at`` (default: a seed-derived time on 2026-11-22).
    """
    img, when = _buyer_scene(description, portrait, seed)
    when = taken_at or when
    if portrait:
        # Orientation 6 means "turn 90° clockwise to display": store the scene turned counter-clockwise.
        return _jpeg(img.transpose(Image.Transpose.ROTATE_90), when, "Buyer Phone", orientation=6, quality=85)
    return _jpeg(img, when, "Buyer Phone", quality=85)


# --------------------------------------------------------------------------------------------------
# 2. courier intranet screenshot


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


# --------------------------------------------------------------------------------------------------
# 3. merchant chat screenshot

_PDD_RED: Color = (224, 46, 36)
_CHAT_BG: Color = (237, 237, 237)


def _status_bar(d: ImageDraw.ImageDraw, w: int, clock: str) -> None:
    d.text((64, 46), clock, font=_font(34), fill=_INK, anchor="lm")
    x = w - 64
    d.rounded_rectangle((x - 64, 32, x - 8, 60), 7, outline=_INK, width=3)
    d.rounded_rectangle((x - 59, 37, x - 22, 55), 3, fill=_INK)
    d.rectangle((x - 6, 41, x - 2, 51), fill=_INK)
    for i in range(4):
        bx = x - 160 + i * 14
        d.rectangle((bx, 56 - 7 * (i + 1), bx + 9, 58), fill=_INK)
    for i, r in enumerate((8, 18, 28)):
        d.arc((x - 94 - r, 58 - r, x - 94 + r, 58 + r), 225, 315, fill=_INK, width=5 if i == 0 else 4)


def _buyer_avatar(img: Image.Image, x: int, y: int, size: int, color: Color) -> None:
    layer = Image.new("RGB", (size, size), color)
    ld = ImageDraw.Draw(layer)
    ld.ellipse((size * 0.3, size * 0.18, size * 0.7, size * 0.58), fill=(250, 250, 250))
    ld.ellipse((size * 0.12, size * 0.62, size * 0.88, size * 1.3), fill=(250, 250, 250))
    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).ellipse((0, 0, size - 1, size - 1), fill=255)
    img.paste(layer, (x, y), mask)


def _letter_avatar(d: ImageDraw.ImageDraw, x: int, y: int, size: int, color: Color, text: str) -> None:
    d.ellipse((x, y, x + size - 1, y + size - 1), fill=color)
    d.text((x + size / 2, y + size / 2), text[:1] or "店", font=_font(size // 2), fill=_WHITE, anchor="mm")


def chat_screenshot(
    messages: list[tuple[str, str]],
    *,
    shop_name: str = "示例旗舰店",
    seed: int = 0,
    buyer_name: str | None = None,
    started_at: datetime | None = None,
) -> bytes:
    """PNG phone screenshot, 1080 wide and 1000..2400 high (fits the content), of a 拼多多-style merchant
    chat with the buyer: status bar, title bar with the buyer nickname, order card, time separators,
    white buyer bubbles on the left and light-blue shop bubbles on the right with round avatars.

    ``messages`` are (side, text) with side "buyer" or "shop"; text wraps by measured width (CJK
    anywhere) and keeps explicit newlines; the text "[图片]" shows a picture placeholder. A side of
    "time" inserts a separator reading text; without any, separators appear every 5 messages from
    ``started_at`` (default: seed-derived, 2026-11-22). When the chat is taller than 2400 px the newest
    messages are shown, as if scrolled to the bottom. ``buyer_name`` defaults to a seed-derived nickname.
    """
    for side, _ in messages:
        if side not in ("buyer", "shop", "time"):
            raise ValueError(f"message side must be 'buyer', 'shop' or 'time', got {side!r}")
    rng = _rng("chat", seed)
    nick = (
        buyer_name or f"{rng.choice(('小鱼', '阿杰', '木子', '晴天', '橘子', '星河'))}{rng.randint(100, 999)}"
    )
    clock = started_at or _default_time(rng, 2)
    explicit_times = any(side == "time" for side, _ in messages)
    w = CHAT_WIDTH
    font = _font(42)
    line_h, pad_x, pad_y, av, margin = 60, 32, 24, 100, 30
    max_text_w = w - 2 * (margin + av + 24) - 2 * pad_x - 40

    # lay out every item as (kind, height, lines); a picture message has no lines
    items: list[tuple[str, int, list[str] | None]] = []
    count = 0
    for side, text in messages:
        if side == "time":
            items.append(("time", 80, [text]))
            continue
        if not explicit_times and count % 5 == 0:
            label = f"{clock:%m月%d日 %H:%M}" if count == 0 else f"{clock:%H:%M}"
            items.append(("time", 80, [label]))
        clock += timedelta(minutes=rng.randint(1, 6), seconds=rng.randint(0, 59))
        count += 1
        if text.strip() == "[图片]":
            items.append((side, 320 + 36, None))
        else:
            lines = _wrap(text, font, max_text_w) or [""]
            bubble_h = (len(lines) - 1) * line_h + 44 + 2 * pad_y
            items.append((side, max(av, bubble_h) + 36, lines))

    status_h, title_h, card_h, footer_h = 84, 140, 170, 190
    chrome = status_h + title_h + card_h + footer_h
    items_h = sum(h for _, h, _ in items)
    overflow = chrome + 40 + items_h > CHAT_MAX_HEIGHT
    h = CHAT_MAX_HEIGHT if overflow else max(CHAT_MIN_HEIGHT, chrome + 40 + items_h)
    img = Image.new("RGB", (w, h), _CHAT_BG)
    d = ImageDraw.Draw(img)
    msg_top = status_h + title_h + card_h

    # messages
    # when too tall, the newest messages sit on the input bar, as if scrolled to the bottom
    y = h - footer_h - 20 - items_h if overflow else msg_top + 40
    buyer_color = rng.choice(((120, 170, 220), (236, 150, 110), (130, 190, 150), (190, 150, 210)))
    for kind, item_h, payload in items:
        if y + item_h < msg_top:  # scrolled away under the title bar
            y += item_h
            continue
        if kind == "time":
            label = payload[0] if payload else ""
            tw = _font(28).getlength(label)
            d.rounded_rectangle(
                (w / 2 - tw / 2 - 20, y + 16, w / 2 + tw / 2 + 20, y + 62), 12, fill=(222, 222, 222)
            )
            d.text((w / 2, y + 39), label, font=_font(28), fill=(120, 120, 120), anchor="mm")
            y += item_h
            continue
        left = kind == "buyer"
        ax = margin if left else w - margin - av
        if left:
            _buyer_avatar(img, ax, y, av, buyer_color)
            d = ImageDraw.Draw(img)
        else:
            _letter_avatar(d, ax, y, av, _PDD_RED, shop_name)
        fill = _WHITE if left else (206, 228, 255)
        if payload is None:  # a picture message
            bw, bh = 300, 320
        else:
            lines = payload
            bw = int(max(font.getlength(line) for line in lines) + 2 * pad_x)
            bh = (len(lines) - 1) * line_h + 44 + 2 * pad_y
        bx = ax + av + 24 if left else ax - 24 - bw
        if payload is None:
            d.rounded_rectangle((bx, y, bx + bw, y + bh), 16, fill=(200, 206, 212))
            d.polygon(
                [
                    (bx + 40, y + bh - 60),
                    (bx + 120, y + 150),
                    (bx + 180, y + 220),
                    (bx + 210, y + 190),
                    (bx + 262, y + bh - 60),
                ],
                fill=(150, 160, 170),
            )
            d.ellipse((bx + 190, y + 70, bx + 240, y + 120), fill=(236, 238, 240))
        else:
            d.rounded_rectangle((bx, y, bx + bw, y + bh), 16, fill=fill)
            tip = bx if left else bx + bw
            sgn = -1 if left else 1
            d.polygon([(tip, y + 34), (tip + sgn * 14, y + 48), (tip, y + 62)], fill=fill)
            for i, line in enumerate(lines):
                d.text((bx + pad_x, y + pad_y + i * line_h), line, font=font, fill=_INK)
        if not left:
            d.text((bx - 14, y + bh), "已读", font=_font(26), fill=(150, 150, 150), anchor="rd")
        y += item_h

    # status + title bar and order card, drawn over anything scrolled beneath them
    d.rectangle((0, 0, w, msg_top), fill=_CHAT_BG)
    d.rectangle((0, 0, w, status_h + title_h), fill=(247, 247, 247))
    _status_bar(d, w, f"{clock:%H:%M}")
    ty = status_h + title_h / 2
    d.line([(70, ty - 26), (46, ty), (70, ty + 26)], fill=_INK, width=5, joint="curve")
    d.text((w / 2, ty - 16), _ellipsize(nick, _font(44), 600), font=_font(44), fill=_INK, anchor="mm")
    d.text(
        (w / 2, ty + 36),
        _ellipsize(f"拼多多买家 · 咨询 {shop_name}", _font(28), 640),
        font=_font(28),
        fill=(140, 140, 140),
        anchor="mm",
    )
    for i in range(3):
        cx = w - 90 + i * 20
        d.ellipse((cx - 5, ty - 5, cx + 5, ty + 5), fill=_INK)
    d.line((0, status_h + title_h, w, status_h + title_h), fill=(220, 220, 220), width=2)

    # order card
    cy0 = status_h + title_h + 18
    d.rounded_rectangle((24, cy0, w - 24, cy0 + card_h - 36), 18, fill=_WHITE)
    thumb = rng.choice(_BOX_COLORS)
    d.rounded_rectangle((48, cy0 + 20, 138, cy0 + 110), 10, fill=thumb)
    d.text((93, cy0 + 65), "商品", font=_font(26), fill=_text_on(thumb), anchor="mm")
    order_no = f"{clock:%y%m%d}-{rng.randint(10**14, 10**15 - 1)}"
    d.text((162, cy0 + 40), f"订单号 {order_no}", font=_font(30), fill=_INK, anchor="lm")
    d.text(
        (162, cy0 + 88),
        f"实付 ¥{rng.randint(29, 129)}.90   共3件   已签收",
        font=_font(28),
        fill=(120, 120, 120),
        anchor="lm",
    )
    d.rounded_rectangle((w - 200, cy0 + 40, w - 48, cy0 + 90), 25, outline=_PDD_RED, width=2)
    d.text((w - 124, cy0 + 65), "查看订单", font=_font(26), fill=_PDD_RED, anchor="mm")

    # input bar
    fy = h - footer_h
    d.rectangle((0, fy, w, h), fill=(247, 247, 247))
    d.line((0, fy, w, fy), fill=(220, 220, 220), width=2)
    for i, chip in enumerate(("快捷短语", "发送商品", "邀请评价", "查看订单")):
        cx = 30 + i * 186
        d.rounded_rectangle((cx, fy + 18, cx + 170, fy + 70), 26, fill=_WHITE, outline=(225, 225, 225))
        d.text((cx + 85, fy + 44), chip, font=_font(28), fill=(90, 90, 90), anchor="mm")
    d.rounded_rectangle((30, fy + 92, w - 190, fy + 162), 14, fill=_WHITE)
    d.text((54, fy + 127), "请输入消息…", font=_font(32), fill=(170, 170, 170), anchor="lm")
    d.rounded_rectangle((w - 170, fy + 92, w - 30, fy + 162), 14, fill=_PDD_RED)
    d.text((w - 100, fy + 127), "发送", font=_font(32), fill=_WHITE, anchor="mm")
    _demo_tag(d, (w - 14, h + 6), (150, 150, 150, 255))
    return _png(img)


# --------------------------------------------------------------------------------------------------
# 6. freight voucher

_UPPER_DIGITS = "零壹贰叁肆伍陆柒捌玖"


def _rmb_upper(amount: Decimal) -> str:
    """Amount in 人民币大写, e.g. 12.50 -> 壹拾贰元伍角整, 1005.07 -> 壹仟零伍元零柒分."""
    fen = int((amount * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if fen < 0:
        raise ValueError("amount must not be negative")
    yuan, rest = divmod(fen, 100)
    jiao, cents = divmod(rest, 10)
    groups: list[int] = []
    n = yuan
    while n:
        groups.append(n % 10000)
        n //= 10000
    out = ""
    pending_zero = False
    for gi in reversed(range(len(groups))):
        g = groups[gi]
        if g == 0:
            pending_zero = bool(out)
            continue
        if out and (pending_zero or g < 1000):
            out += "零"
        part, zero = "", False
        for pos in (3, 2, 1, 0):
            digit = g // 10**pos % 10
            if digit == 0:
                zero = bool(part)
                continue
            if zero:
                part += "零"
                zero = False
            part += _UPPER_DIGITS[digit] + ("", "拾", "佰", "仟")[pos]
        out += part + ("", "万", "亿", "万亿")[gi]
        pending_zero = False
    if not yuan and not rest:
        return "零元整"
    text = out + "元" if yuan else ""
    if jiao:
        text += _UPPER_DIGITS[jiao] + "角"
    elif yuan and cents:
        text += "零"
    if cents:
        text += _UPPER_DIGITS[cents] + "分"
    else:
        text += "整"
    return text


def _seal(top_text: str, center_text: str, radius: int, color: Color, rng: random.Random) -> Image.Image:
    """A round red company seal (公章 style) with text on the upper arc and a star, slightly uneven ink."""
    size = radius * 2 + 12
    c = size / 2
    mask = Image.new("L", (size, size), 0)
    md = ImageDraw.Draw(mask)
    md.ellipse((6, 6, size - 7, size - 7), outline=255, width=max(4, radius // 16))
    star = [
        (
            c + (radius * (0.22 if k % 2 == 0 else 0.09)) * math.cos(math.radians(-90 + k * 36)),
            c + (radius * (0.22 if k % 2 == 0 else 0.09)) * math.sin(math.radians(-90 + k * 36)),
        )
        for k in range(10)
    ]
    md.polygon(star, fill=255)
    md.text((c, c + radius * 0.5), center_text, font=_font(int(radius * 0.2)), fill=255, anchor="mm")
    chars = list(top_text) or [" "]
    span = min(250.0, 24.0 * len(chars))
    r_text = radius * 0.76
    fs = int(min(radius * 0.24, r_text * math.radians(span) / len(chars) * 0.95))
    for i, ch in enumerate(chars):
        phi = 270 - span / 2 + (span * (i + 0.5) / len(chars))
        glyph = Image.new("L", (fs * 2, fs * 2), 0)
        ImageDraw.Draw(glyph).text((fs, fs), ch, font=_font(fs), fill=255, anchor="mm")
        glyph = glyph.rotate(270 - phi, resample=Image.Resampling.BILINEAR)
        gx = c + r_text * math.cos(math.radians(phi)) - fs
        gy = c + r_text * math.sin(math.radians(phi)) - fs
        mask.paste(255, (round(gx), round(gy)), glyph)
    ink = _blotch_layer(rng, (size, size), (9, 9)).point([min(255, 150 + v) for v in range(256)])
    mask = ImageChops.multiply(mask, ink).point([v * 215 // 255 for v in range(256)])
    seal = Image.new("RGBA", (size, size), (*color, 0))
    seal.putalpha(mask)
    return seal


def freight_voucher(
    tracking_no: str,
    amount_yuan: str,
    *,
    seed: int = 0,
    courier: str = "示例速运",
    issued_at: datetime | None = None,
) -> bytes:
    """PNG, 1200x880: a courier's 运费凭证 (freight receipt, laid out like a Chinese invoice) for
    ``tracking_no`` over ``amount_yuan`` (a decimal string, e.g. "12.50"; shown as ¥12.50 and
    人民币大写), payer 示例旗舰店, with a red round seal. ``issued_at`` defaults to a seed-derived
    time on 2026-11-20. Raises ValueError for an amount that is not a non-negative number.
    """
    amount = _parse_decimal(amount_yuan)
    if amount is None or amount < 0:
        raise ValueError(f"amount_yuan must be a non-negative decimal, got {amount_yuan!r}")
    amount = amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    rng = _rng("voucher", seed, tracking_no)
    when = issued_at or _default_time(rng, 0)
    w, h = VOUCHER_SIZE
    img = _add_layers(Image.new("RGB", (w, h), (251, 249, 242)), [(_blotch_layer(rng, (w, h), (10, 7)), 4)])
    d = ImageDraw.Draw(img, "RGBA")
    brown, ink, red = (150, 72, 40), (30, 32, 44), (196, 36, 32)

    d.text((w / 2, 62), "运  费  凭  证", font=_font(50), fill=brown, anchor="mm")
    d.line((w / 2 - 190, 100, w / 2 + 190, 100), fill=brown, width=3)
    d.line((w / 2 - 190, 107, w / 2 + 190, 107), fill=brown, width=2)
    subtitle = _ellipsize(f"{courier}（示例）· 寄件运费结算", _font(20), 560)
    d.text((w / 2, 132), subtitle, font=_font(20), fill=brown, anchor="mm")
    _qr_like(d, 60, 24, 105, tracking_no + amount_yuan, ink)
    d.text((180, 48), "凭证代码", font=_font(18), fill=brown, anchor="lm")
    d.text((270, 48), f"0{rng.randint(10**10, 10**11 - 1)}", font=_font(18, mono=True), fill=ink, anchor="lm")
    d.text((180, 82), "校 验 码", font=_font(18), fill=brown, anchor="lm")
    d.text(
        (270, 82),
        " ".join(f"{rng.randint(0, 99999):05d}" for _ in range(2)),
        font=_font(18, mono=True),
        fill=ink,
        anchor="lm",
    )
    d.text((w - 300, 44), "No.", font=_font(26), fill=red, anchor="lm")
    d.text(
        (w - 250, 44),
        f"{when:%y%m%d}{rng.randint(0, 9999):04d}",
        font=_font(30, mono=True),
        fill=red,
        anchor="lm",
    )
    d.text((w - 300, 90), "开具日期", font=_font(18), fill=brown, anchor="lm")
    d.text((w - 210, 90), f"{when:%Y年%m月%d日}", font=_font(20), fill=ink, anchor="lm")

    x0, x1 = 60, w - 60
    top = 160
    lab_w = 150
    val_w = (x1 - x0 - 2 * lab_w) / 2
    cols = [x0, x0 + lab_w, x0 + lab_w + val_w, x0 + 2 * lab_w + val_w, x1]
    f_lab, f_val = _font(20), _font(22)
    sent = when - timedelta(hours=rng.randint(1, 5), minutes=rng.randint(0, 59))
    info = [
        ("付 款 方", "示例旗舰店", "结算方式", "寄付现结"),
        ("运 单 号", tracking_no, "服务类型", "标准快递"),
        ("寄 件 地", "浙江省金华市义乌市", "收 件 地", "浙江省杭州市西湖区"),
        ("寄件时间", f"{sent:%Y-%m-%d %H:%M}", "托寄物", "日用品"),
    ]
    row_h = 50
    y = top
    for a, b, c2, e in info:
        for k, (text, is_label) in enumerate(((a, True), (b, False), (c2, True), (e, False))):
            cx0, cx1 = cols[k], cols[k + 1]
            if is_label:
                d.rectangle((cx0, y, cx1, y + row_h), fill=(246, 236, 226))
                d.text(((cx0 + cx1) / 2, y + row_h / 2), text, font=f_lab, fill=brown, anchor="mm")
            else:
                f = _font(22, mono=True) if text == tracking_no else f_val
                d.text(
                    (cx0 + 16, y + row_h / 2),
                    _ellipsize(text, f, cx1 - cx0 - 28),
                    font=f,
                    fill=ink,
                    anchor="lm",
                )
        y += row_h
    fee_cols = [x0, x0 + lab_w, x0 + lab_w + val_w, x1]
    d.rectangle((x0, y, x1, y + row_h), fill=(246, 236, 226))
    for k, text in enumerate(("费用项目", "金额（元）", "说明")):
        d.text(
            ((fee_cols[k] + fee_cols[k + 1]) / 2, y + row_h / 2), text, font=f_lab, fill=brown, anchor="mm"
        )
    y += row_h
    zero = Decimal("0.00")
    for name, value, note in (
        ("运    费", amount, "首重 + 续重"),
        ("保 价 费", zero, "未保价"),
        ("包 装 费", zero, "—"),
    ):
        d.text(((fee_cols[0] + fee_cols[1]) / 2, y + row_h / 2), name, font=f_lab, fill=brown, anchor="mm")
        d.text(
            (fee_cols[2] - 24, y + row_h / 2),
            f"{value:,.2f}",
            font=_font(22, mono=True),
            fill=ink,
            anchor="rm",
        )
        d.text((fee_cols[2] + 16, y + row_h / 2), note, font=f_val, fill=ink, anchor="lm")
        y += row_h
    d.rectangle((x0, y, x0 + lab_w, y + row_h + 10), fill=(246, 236, 226))
    d.text((x0 + lab_w / 2, y + (row_h + 10) / 2), "合计金额", font=f_lab, fill=brown, anchor="mm")
    figures = f"（小写）¥{amount:,.2f}"
    d.text((x1 - 24, y + (row_h + 10) / 2), figures, font=_font(24), fill=ink, anchor="rm")
    words_w = x1 - 24 - _font(24).getlength(figures) - 30 - (x0 + lab_w + 16)
    d.text(
        (x0 + lab_w + 16, y + (row_h + 10) / 2),
        _ellipsize("ⓧ " + _rmb_upper(amount), _font(24), words_w),
        font=_font(24),
        fill=ink,
        anchor="lm",
    )
    y += row_h + 10
    remark_h = 70
    d.rectangle((x0, y, x0 + lab_w, y + remark_h), fill=(246, 236, 226))
    d.text((x0 + lab_w / 2, y + remark_h / 2), "备    注", font=f_lab, fill=brown, anchor="mm")
    d.text(
        (x0 + lab_w + 16, y + 22),
        "本凭证为 DeskDemo 演示样张，仅用于软件演示，不作报销或记账凭据。",
        font=_font(19),
        fill=ink,
        anchor="lm",
    )
    d.text(
        (x0 + lab_w + 16, y + 50),
        f"运单号 {tracking_no} 的寄件运费已结清。",
        font=_font(19),
        fill=ink,
        anchor="lm",
    )
    y += remark_h
    # grid lines over the shaded cells
    d.rectangle((x0, top, x1, y), outline=brown, width=3)
    yy = top
    for _ in range(len(info) + 4):
        yy += row_h
        d.line((x0, yy, x1, yy), fill=brown, width=1)
    d.line((x0, yy + row_h + 10, x1, yy + row_h + 10), fill=brown, width=1)
    info_bottom = top + len(info) * row_h
    for cx in cols[1:-1]:
        d.line((cx, top, cx, info_bottom), fill=brown, width=1)
    for cx in fee_cols[1:-1]:
        d.line((cx, info_bottom, cx, info_bottom + 4 * row_h), fill=brown, width=1)
    d.line((x0 + lab_w, info_bottom + 4 * row_h, x0 + lab_w, y), fill=brown, width=1)

    fy = y + 40
    issuer = _ellipsize(f"开具单位：{courier}（示例）义乌北苑网点", _font(20), 460)
    d.text((x0, fy), issuer, font=_font(20), fill=brown, anchor="lm")
    d.text((x0 + 480, fy), "经办人：王**", font=_font(20), fill=brown, anchor="lm")
    d.text((x0 + 650, fy), "复核：李**", font=_font(20), fill=brown, anchor="lm")
    seal = _seal(f"{courier}（示例）有限公司", "运费专用章", 110, (214, 40, 36), rng)
    _paste_rotated(
        img, seal, (x1 - 150 + rng.uniform(-8, 8), y + 58 + rng.uniform(-6, 6)), rng.uniform(-14, 14)
    )
    return _png(img)
