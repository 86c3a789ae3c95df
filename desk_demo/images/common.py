"""What every demo picture shares: the bundled font, light and noise, text wrapping, bar and QR codes,
EXIF and the corner mark that says it is a demo."""

from __future__ import annotations

import functools
import io
import math
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageFont, PngImagePlugin

from desk.resources import resource

FONT_PATH = resource("fonts", "wqy-microhei.ttc")

PHOTO_SIZE = (1600, 1200)  # landscape photos; buyer_photo(portrait=True) displays as 1200x1600
COURIER_SCREENSHOT_SIZE = (1280, 800)
CHAT_WIDTH = 1080
CHAT_MIN_HEIGHT = 1000
CHAT_MAX_HEIGHT = 2400
VOUCHER_SIZE = (1200, 880)
STORE_SCREENSHOT_SIZE = (1280, 800)

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
    exif[0x0131] = "desk_demo.images"  # Software
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
    info.add_text("Software", "desk_demo.images")
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


# The product colours: boxes in the packing photo, the item in the buyer's, the chat's order card.
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
