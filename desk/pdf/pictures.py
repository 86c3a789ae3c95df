"""Preparing a packet's pictures: photos and video frames decoded, turned upright, marked, scaled
to their box and encoded (desk.pdf.images does each one) on worker threads, through the cache of
prepared pictures when there is one; and reading a picture's header to know how it will print."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial

from PIL import __version__ as PIL_VERSION

from desk.pdf.cache import PreparedCache, cache_key
from desk.pdf.content import PacketEvidence
from desk.pdf.images import (
    JPEG_QUALITY,
    PREP_VERSION,
    PreparedImage,
    prepare_image,
    prepare_video_frame,
)
from desk.pdf.vouchers import Box
from desk.store import media

IMAGE_DPI = 200
# A picture at least this much taller than wide as printed is a tall screenshot (three share a row).
TALL_RATIO = 1.5
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

    def image(self, ev: PacketEvidence, box_w: float, box_h: float) -> Future[PreparedImage]:
        parts = (
            "image",
            PREP_VERSION,
            PIL_VERSION,
            JPEG_QUALITY,
            IMAGE_DPI,
            ev.sha256,
            ev.media_type,
            box_w,
            box_h,
            ev.rotation % 360,
            marks_key(ev),
        )
        return self._submit(
            parts,
            partial(
                prepare_image,
                ev.blob_path,
                ev.media_type,
                box_w,
                box_h,
                IMAGE_DPI,
                marks=ev.marks,
                rotation=ev.rotation,
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


def is_tall(ev: PacketEvidence) -> bool:
    """A still picture clearly taller than wide as printed (after EXIF and operator rotation)."""
    if not ev.media_type.startswith("image/"):
        return False
    try:
        from PIL import Image as PILImage

        with PILImage.open(ev.blob_path) as im:  # reads the header only
            w, h = media.upright_size(im)
    except Exception:  # unreadable: the single-item path shows the placeholder
        return False
    if ev.rotation % 180 == 90:
        w, h = h, w
    return h >= TALL_RATIO * w
