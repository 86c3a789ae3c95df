"""Preparing a packet's pictures: photos and video frames decoded, turned upright, marked, scaled
to their box and encoded (desk.pdf.images does each one) on worker threads, through the cache of
prepared pictures when there is one; and reading a picture's header to know how it will print."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial

from PIL import __version__ as PIL_VERSION

from desk.domain import MarkShape
from desk.pdf.cache import PreparedCache, cache_key
from desk.pdf.content import PacketEvidence
from desk.pdf.images import (
    ENLARGE_MAX,
    JPEG_QUALITY,
    PREP_VERSION,
    Crop,
    PreparedImage,
    prepare_image,
    prepare_video_frame,
)
from desk.pdf.vouchers import Box
from desk.store import media

IMAGE_DPI = 200
# Photos two to a row print about 78 mm wide: 170 dpi is 520 px there, which a 12-MP photo gives straight
# from its 1/8-scale JPEG decode (no larger decode, no resampling); prints the same as 200 dpi.
ROW_DPI = 170
# A picture at least this much taller than wide as printed is a tall screenshot: it prints at the
# legible width below, cut into page-height slices.
TALL_RATIO = 1.5
# Legible at 100 % print. Text on a phone screenshot is about 14 px high when the screen is 1080 px
# wide, and scales with the screen: 14/1080 of the picture's width. For that text to print at least
# 2 mm high, the picture must print at least 1080 / 14 × 2 mm ≈ 154.3 mm wide (437 pt), whatever its
# pixel count (a 720-px screenshot has ~9-px text and needs the same width). A screenshot smaller
# than that in points is printed at one point per pixel (it is not blown up): its text is then at
# least 14 × w/1080 pt high, which is as large as its pixels allow.
PHONE_WIDTH_PX = 1080
PHONE_TEXT_PX = 14
MIN_TEXT_MM = 2.0
LEGIBLE_W = PHONE_WIDTH_PX / PHONE_TEXT_PX * MIN_TEXT_MM * 72 / 25.4  # points, ≈ 437.3 (154.3 mm)
# Pictures are prepared by worker threads (Pillow releases the GIL while decoding, resampling and
# encoding), while the layout waits for them in printed order.
PREPARE_WORKERS = max(2, min(4, os.cpu_count() or 2))


def marks_key(ev: PacketEvidence) -> tuple[tuple[object, ...], ...]:
    """The operator's marks as plain values, for a cache key: a changed mark is a new picture."""
    return tuple((str(m.shape), m.x0, m.y0, m.x1, m.y1, m.text) for m in ev.marks)


class Preparer:
    """Prepares a packet's pictures on worker threads, through the cache when there is one.

    Each distinct request is prepared once: asking again returns the same future, so the layout
    first queues every picture in printed order and then waits for each one as it places it.
    A cache key holds everything the prepared bytes depend on: the original's SHA-256, the box
    and resolution, rotation and marks, and the versions of the code that makes them.
    """

    def __init__(self, cache: PreparedCache | None, workers: int) -> None:
        self.cache = cache
        self._pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="desk-packet")
        self._jobs: dict[tuple[object, ...], Future[PreparedImage]] = {}

    def _submit(self, parts: tuple[object, ...], make: Callable[[], PreparedImage]) -> Future[PreparedImage]:
        job = self._jobs.get(parts)
        if job is None:
            cache = self.cache
            if cache is None:
                job = self._pool.submit(make)
            else:
                job = self._pool.submit(cache.fetch, cache_key(*parts), make)
            self._jobs[parts] = job
        return job

    def image(
        self,
        ev: PacketEvidence,
        box_w: float,
        box_h: float,
        crop: Crop | None = None,
        dpi: int = IMAGE_DPI,
    ) -> Future[PreparedImage]:
        """The picture fitted into the box; with `crop`, that region of it enlarged to fill the box."""
        parts: tuple[object, ...] = (
            "image",
            PREP_VERSION,
            PIL_VERSION,
            JPEG_QUALITY,
            dpi,
            ev.sha256,
            ev.media_type,
            box_w,
            box_h,
            ev.rotation % 360,
            marks_key(ev),
        )
        if crop is not None:
            parts += ("region", ENLARGE_MAX, *crop)
        return self._submit(
            parts,
            partial(
                prepare_image,
                ev.blob_path,
                ev.media_type,
                box_w,
                box_h,
                dpi,
                marks=ev.marks,
                rotation=ev.rotation,
                crop=crop,
            ),
        )

    def frame(self, ev: PacketEvidence, at_ms: int, box_w: float, box_h: float) -> Future[PreparedImage]:
        import av  # decoders of another version may give other pixels

        parts = (
            "frame",
            PREP_VERSION,
            PIL_VERSION,
            av.__version__,
            JPEG_QUALITY,
            IMAGE_DPI,
            ev.sha256,
            ev.media_type,
            at_ms,
            box_w,
            box_h,
            ev.rotation % 360,
        )
        return self._submit(
            parts,
            partial(
                prepare_video_frame,
                ev.blob_path,
                ev.media_type,
                at_ms,
                box_w,
                box_h,
                IMAGE_DPI,
                rotation=ev.rotation,
            ),
        )

    def voucher_page(self, ev: PacketEvidence, index: int, boxes: list[Box]) -> PreparedImage:
        """A voucher page that shows a phone number, drawn as a picture with the number blacked out."""
        from desk.pdf.vouchers import VOUCHER_DPI, VOUCHER_VERSION, drawn_page, pdfium_version

        parts = ("voucher", VOUCHER_VERSION, PIL_VERSION, pdfium_version(), VOUCHER_DPI, ev.sha256, index)
        return self._submit(parts, partial(drawn_page, ev.blob_path, index, boxes, VOUCHER_DPI)).result()

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def printed_size(ev: PacketEvidence) -> tuple[int, int] | None:
    """A still picture's size in pixels as it prints (after EXIF and operator rotation), read from its
    header only; None for anything else, or a picture that cannot be read (it becomes a placeholder)."""
    if not ev.media_type.startswith("image/"):
        return None
    try:
        from PIL import Image as PILImage

        with PILImage.open(ev.blob_path) as im:  # reads the header only
            w, h = media.upright_size(im)
    except Exception:  # unreadable: the single-item path shows the placeholder
        return None
    if ev.rotation % 180 == 90:
        w, h = h, w
    return (w, h) if w > 0 and h > 0 else None


def detail_regions(ev: PacketEvidence) -> list[Crop]:
    """The 放大区域 the operator marked on a picture, in 0..1 coordinates of the upright picture."""
    return [(m.x0, m.y0, m.x1, m.y1) for m in ev.marks if m.shape == MarkShape.DETAIL]


def printed_region(crop: Crop, rotation: int) -> Crop:
    """A region of the upright picture (as marks are stored) in 0..1 coordinates of the printed picture,
    which is the upright one turned clockwise by `rotation`; left < right and top < bottom."""
    x0, x1 = sorted((crop[0], crop[2]))
    y0, y1 = sorted((crop[1], crop[3]))
    turn = rotation % 360
    if turn == 90:
        return (1 - y1, x0, 1 - y0, x1)
    if turn == 180:
        return (1 - x1, 1 - y1, 1 - x0, 1 - y0)
    if turn == 270:
        return (y0, 1 - x1, y1, 1 - x0)
    return (x0, y0, x1, y1)
