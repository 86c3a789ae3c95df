"""The recompression ladder: a picture as a clean JPEG under a byte limit, quality first, then pixels.

Steps, in order, stopping at the first that fits:

1. full size (at most ``MAX_PIXELS``, so about 16 megapixels) at JPEG quality 92, 85, 75, 65, 55;
2. still at quality 55, width and height times 0.85, 0.85², … while the short side stays at least
   ``MIN_SIDE`` pixels (a picture whose short side is already below that is never scaled).

If no step fits, the picture cannot go into the kit at this limit and the caller reports it (it is
never dropped or cropped). Only pixels are written: no EXIF, GPS, XMP, ICC profile or comments.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from PIL import Image

from desk.store import media

QUALITIES = (92, 85, 75, 65, 55)
SCALE_STEP = 0.85
MIN_SIDE = 1000  # the short side is never scaled below this: chat text and labels stay readable
MAX_PIXELS = 4096 * 4096  # a kit picture starts at most this large; platforms show nothing finer


@dataclass(frozen=True, slots=True)
class Step:
    """One rung tried: pixel size, JPEG quality and the bytes it came to."""

    width: int
    height: int
    quality: int
    byte_size: int

    def fits(self, limit: int) -> bool:
        return self.byte_size <= limit


@dataclass(frozen=True, slots=True)
class Fitted:
    """The ladder's outcome.

    Attributes:
        jpeg: the picture as written, or None when no rung fitted.
        chosen: the rung used (None when none fitted).
        steps: every rung measured, in ladder order (rungs predicted to fail are skipped).
        source_size: pixel size before any scaling.
    """

    jpeg: bytes | None
    chosen: Step | None
    steps: tuple[Step, ...]
    source_size: tuple[int, int]

    @property
    def scaled(self) -> bool:
        return self.chosen is not None and (self.chosen.width, self.chosen.height) != self.source_size


def clean_pixels(im: Image.Image) -> Image.Image:
    """A new RGB image holding only the pixels: nothing of the source's metadata travels along."""
    rgb = media.to_rgb(im)
    return Image.frombytes("RGB", rgb.size, rgb.tobytes())


def encode(im: Image.Image, quality: int, *, optimize: bool = False) -> bytes:
    buf = io.BytesIO()
    # Baseline, 4:2:0, no EXIF/ICC/comment: what every upload form accepts.
    im.save(buf, "JPEG", quality=quality, optimize=optimize, progressive=False, subsampling=2)
    return buf.getvalue()


def scale_steps(width: int, height: int) -> list[tuple[int, int]]:
    """Pixel sizes of the second half of the ladder, largest first."""
    out: list[tuple[int, int]] = []
    k = 1
    while True:
        factor = SCALE_STEP**k
        w, h = max(1, round(width * factor)), max(1, round(height * factor))
        if min(w, h) < MIN_SIDE:
            return out
        out.append((w, h))
        k += 1


def start_size(width: int, height: int) -> tuple[int, int]:
    """The pixel size the ladder starts from (the picture's own, unless above MAX_PIXELS)."""
    if width * height <= MAX_PIXELS:
        return width, height
    factor = math.sqrt(MAX_PIXELS / (width * height))
    return max(1, math.floor(width * factor)), max(1, math.floor(height * factor))


def _best(im: Image.Image, quality: int) -> bytes:
    """The smaller of the plain and the Huffman-optimised encoding (the plain one is what was measured)."""
    plain = encode(im, quality)
    optimized = encode(im, quality, optimize=True)
    return optimized if len(optimized) <= len(plain) else plain


def fit_jpeg(picture: Image.Image, limit: int) -> Fitted:
    """Run the ladder on `picture` (upright, marks drawn) for a limit of `limit` bytes."""
    im = clean_pixels(picture)
    if im.width * im.height > MAX_PIXELS:
        w, h = start_size(im.width, im.height)
        im = im.resize((w, h), Image.Resampling.LANCZOS)
    source = im.size
    steps: list[Step] = []
    for quality in QUALITIES:
        data = encode(im, quality)
        steps.append(Step(im.width, im.height, quality, len(data)))
        if len(data) <= limit:
            return Fitted(_best(im, quality), steps[-1], tuple(steps), source)
    quality = QUALITIES[-1]
    sizes = scale_steps(*source)
    if not sizes:
        return Fitted(None, None, tuple(steps), source)
    # Bytes shrink about with the pixel count: start at the largest rung predicted to fit and walk
    # from there, so a 12-megapixel photo does not need ten trial encodes. The rung chosen is the
    # one a walk from the top would find, as bytes only grow with pixels.
    full = steps[-1].byte_size
    area = source[0] * source[1]
    start = next((i for i, (w, h) in enumerate(sizes) if full * w * h / area <= limit), len(sizes) - 1)
    tried: dict[int, tuple[Step, Image.Image]] = {}

    def fits(i: int) -> bool:
        w, h = sizes[i]
        small = im.resize((w, h), Image.Resampling.LANCZOS)
        tried[i] = (Step(w, h, quality, len(encode(small, quality))), small)
        return tried[i][0].fits(limit)

    chosen: int | None = None
    if fits(start):
        chosen = start
        while chosen > 0 and fits(chosen - 1):  # a bigger rung may fit as well
            chosen -= 1
    else:
        for i in range(start + 1, len(sizes)):
            if fits(i):
                chosen = i
                break
    steps.extend(tried[k][0] for k in sorted(tried))
    if chosen is None:
        return Fitted(None, None, tuple(steps), source)
    step, small = tried[chosen]
    return Fitted(_best(small, quality), step, tuple(steps), source)
