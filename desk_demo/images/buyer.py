"""The buyer's phone photo: an opened parcel with the damaged or wrong item, marked up by hand."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import datetime

from PIL import Image, ImageChops, ImageDraw

from desk_demo.images.common import (
    _BOX_COLORS,
    PHOTO_SIZE,
    Point,
    _box,
    _cast_shadows,
    _default_time,
    _demo_tag,
    _finish_photo,
    _font,
    _is_light,
    _jpeg,
    _paste_rotated,
    _rng,
    _rotated,
    _shift,
    _text_on,
    _textured,
    _wrap_limited,
)

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
