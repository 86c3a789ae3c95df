"""Turning an evidence photo into a small, upright, metadata-free JPEG for a packet page."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from desk.domain import Mark
from desk.errors import DeskError
from desk.store import media
from desk.store.render import draw_marks, encode_clean, rotate_clockwise

try:
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - HEIC then shows as an unusable image, nothing else breaks
    pass

# Only decoders for formats phones and PCs actually produce; obscure plugins (FITS, DDS, ...) are
# where most Pillow crash and bomb reports come from.
_WANTED_FORMATS = ("JPEG", "MPO", "PNG", "WEBP", "HEIF", "AVIF", "GIF", "BMP", "TIFF")
# Image.open(formats=...) needs the plugins loaded, and a build may lack one (AVIF).
Image.init()
ALLOWED_FORMATS = tuple(f for f in _WANTED_FORMATS if f in Image.OPEN)

JPEG_QUALITY = 85
# Small images are not blown up beyond one pixel per point, which keeps them crisp.
MIN_DPI = 72
# A JPEG is decoded at the DCT scale (1/2, 1/4, 1/8) just below the target when that still gives
# at least this share of the target's pixels per side: a 12-MP photo for a half page then comes out
# at ~185 instead of 200 dpi, which prints the same, and needs neither the larger decode nor a resample.
DRAFT_SLACK = 0.9
# A 放大区域 may be printed at up to this many points per pixel of the original (18 dpi): beyond that
# the enlargement only shows blur.
ENLARGE_MAX = 4.0
# Part of every prepared-picture cache key: bump it whenever the pixels or bytes made here change.
PREP_VERSION = 3


class ImageUnusable(DeskError):
    """An evidence image cannot be put into a packet; `reason` is plain Chinese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class PreparedImage:
    """A re-encoded image ready for the PDF, with the size it is placed at."""

    jpeg: bytes
    pixel_width: int
    pixel_height: int
    width_pt: float
    height_pt: float


def _reason(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "找不到原件文件"
    if isinstance(exc, PermissionError):
        return "没有权限读取原件文件"
    if isinstance(exc, Image.DecompressionBombError):
        return "图片像素过多，为防止电脑卡死未处理"
    if isinstance(exc, MemoryError):
        return "图片太大，内存不足"
    if isinstance(exc, UnidentifiedImageError):
        return "无法识别的图片格式，或文件已损坏"
    if isinstance(exc, OSError):
        return "图片文件已损坏或不完整"
    return "图片数据无法解码（文件已损坏或格式不受支持）"


def _fit(
    width: float, height: float, box_w_pt: float, box_h_pt: float, max_scale: float = 72 / MIN_DPI
) -> tuple[float, float]:
    scale = min(box_w_pt / width, box_h_pt / height, max_scale)
    return width * scale, height * scale


def _finish(
    upright: Image.Image,
    target: tuple[int, int],
    placed: tuple[float, float],
    marks: Sequence[Mark],
    rotation: int,
) -> PreparedImage:
    """Fit an upright picture into target pixels (before rotation), draw marks, turn, re-encode."""
    target_w, target_h = target
    rgb = media.to_rgb(upright)
    if rgb.width > target_w or rgb.height > target_h:
        factor = min(target_w / rgb.width, target_h / rgb.height)
        size = (max(1, round(rgb.width * factor)), max(1, round(rgb.height * factor)))
        rgb = rgb.resize(size, Image.Resampling.LANCZOS)
    # Marks go on at the final size, so a redaction is exactly black in the packet's pixels.
    rgb = draw_marks(rgb, marks)  # text marks take render.TEXT_LOCK themselves
    rgb = rotate_clockwise(rgb, rotation)
    # Only pixels leave this function: no EXIF (GPS, phone model), ICC or XMP.
    return PreparedImage(
        jpeg=encode_clean(rgb, "JPEG", JPEG_QUALITY),
        pixel_width=rgb.width,
        pixel_height=rgb.height,
        width_pt=placed[0],
        height_pt=placed[1],
    )


def _targets(
    width: float,
    height: float,
    rotation: int,
    box_w_pt: float,
    box_h_pt: float,
    dpi: int,
    max_scale: float = 72 / MIN_DPI,
) -> tuple[tuple[int, int], tuple[float, float]]:
    """Pixel size of the upright picture before rotation, and the placed size in points after it."""
    turned = rotation % 180 == 90
    shown_w, shown_h = (height, width) if turned else (width, height)
    placed_w, placed_h = _fit(shown_w, shown_h, box_w_pt, box_h_pt, max_scale)
    target_w = max(1, math.ceil(placed_w * dpi / 72))
    target_h = max(1, math.ceil(placed_h * dpi / 72))
    return ((target_h, target_w) if turned else (target_w, target_h)), (placed_w, placed_h)


Crop = tuple[float, float, float, float]  # x0, y0, x1, y1 from 0 to 1 of the upright picture


def _crop_box(crop: Crop, width: int, height: int) -> tuple[int, int, int, int]:
    """The pixels of a region (0..1 coordinates, either corner first), at least one pixel each way."""
    left, right = sorted((min(1.0, max(0.0, crop[0])), min(1.0, max(0.0, crop[2]))))
    top, bottom = sorted((min(1.0, max(0.0, crop[1])), min(1.0, max(0.0, crop[3]))))
    x0, y0 = math.floor(left * width), math.floor(top * height)
    x1 = max(x0 + 1, min(width, math.ceil(right * width)))
    y1 = max(y0 + 1, min(height, math.ceil(bottom * height)))
    return min(x0, width - 1), min(y0, height - 1), x1, y1


def _prepare(
    path: Path,
    box_w_pt: float,
    box_h_pt: float,
    dpi: int,
    marks: Sequence[Mark],
    rotation: int,
    crop: Crop | None = None,
) -> PreparedImage:
    with Image.open(path, formats=ALLOWED_FORMATS) as im:
        # Frame 0 only: reading n_frames or seeking is where malformed files misbehave.
        turn = media.orientation(im)
        width, height = im.size
        if media.sideways(turn):
            width, height = height, width
        if width <= 0 or height <= 0:
            raise ValueError("empty image")
        if crop is not None:
            return _prepare_region(im, turn, (width, height), box_w_pt, box_h_pt, dpi, marks, rotation, crop)
        target, placed = _targets(width, height, rotation, box_w_pt, box_h_pt, dpi)
        media.big_blocks(im)
        if im.format in ("JPEG", "MPO"):
            # draft() decodes at 1/2, 1/4 or 1/8 scale; it never goes below the requested size.
            wanted = (max(1, math.ceil(target[0] * DRAFT_SLACK)), max(1, math.ceil(target[1] * DRAFT_SLACK)))
            draft_size = (wanted[1], wanted[0]) if media.sideways(turn) else wanted
            im.draft("RGB", draft_size)
        im.load()
        upright = media.apply_orientation(im, turn)
        if upright.width < target[0] or upright.height < target[1]:
            # The draft came out a little under the target (see DRAFT_SLACK): keep it, no upscaling.
            target = (min(target[0], upright.width), min(target[1], upright.height))
        return _finish(upright, target, placed, marks, rotation)


def _prepare_region(
    im: Image.Image,
    turn: int,
    size: tuple[int, int],
    box_w_pt: float,
    box_h_pt: float,
    dpi: int,
    marks: Sequence[Mark],
    rotation: int,
    crop: Crop,
) -> PreparedImage:
    """One region of the picture (a 放大区域), enlarged to fill the box: the point is to read it bigger
    than in the whole picture, so it may be printed at up to ENLARGE_MAX points per pixel, smoothed to
    `dpi` rather than left blocky."""
    width, height = size
    x0, y0, x1, y1 = _crop_box(crop, width, height)
    target, placed = _targets(x1 - x0, y1 - y0, rotation, box_w_pt, box_h_pt, dpi, ENLARGE_MAX)
    media.big_blocks(im)
    if im.format in ("JPEG", "MPO"):
        # Decode just large enough that the region still has the target's pixels.
        factor = max(target[0] / (x1 - x0), target[1] / (y1 - y0)) * DRAFT_SLACK
        wanted = (max(1, math.ceil(width * factor)), max(1, math.ceil(height * factor)))
        draft_size = (wanted[1], wanted[0]) if media.sideways(turn) else wanted
        im.draft("RGB", draft_size)
    im.load()
    upright = media.to_rgb(media.apply_orientation(im, turn))
    # Marks (a redaction above all) go on the whole picture first, so a region never shows what they hide.
    upright = draw_marks(upright, marks)
    sx, sy = upright.width / width, upright.height / height
    box = (
        math.floor(x0 * sx),
        math.floor(y0 * sy),
        max(math.floor(x0 * sx) + 1, math.ceil(x1 * sx)),
        max(math.floor(y0 * sy) + 1, math.ceil(y1 * sy)),
    )
    region = upright.crop(box)
    if region.size != target:
        region = region.resize(target, Image.Resampling.LANCZOS)
    region = rotate_clockwise(region, rotation)
    return PreparedImage(
        jpeg=encode_clean(region, "JPEG", JPEG_QUALITY),
        pixel_width=region.width,
        pixel_height=region.height,
        width_pt=placed[0],
        height_pt=placed[1],
    )


def prepare_image(
    path: Path,
    media_type: str,
    box_w_pt: float,
    box_h_pt: float,
    dpi: int = 200,
    *,
    marks: Sequence[Mark] = (),
    rotation: int = 0,
    crop: Crop | None = None,
) -> PreparedImage:
    """Decode `path`, turn it upright, fit it into the box and re-encode it without metadata.

    The image keeps its aspect ratio and fits inside `box_w_pt` x `box_h_pt` points; it is
    downscaled to at most `dpi` at that size and never enlarged beyond 72 dpi. `marks`
    (annotations and redactions) are drawn and the operator's `rotation` applied; the original
    file is only read. With `crop` (0..1 coordinates of the upright picture, like marks) only that
    region is prepared, enlarged to fill the box. Any decoding problem raises `ImageUnusable` with a
    reason in plain Chinese.
    """
    if not media_type.startswith("image/"):
        raise ImageUnusable("不是图片文件")
    if box_w_pt <= 0 or box_h_pt <= 0 or dpi <= 0:
        raise ValueError("box and dpi must be positive")
    try:
        return _prepare(path, box_w_pt, box_h_pt, dpi, marks, rotation, crop)
    except Exception as exc:  # Pillow raises far more than OSError on malformed files
        raise ImageUnusable(_reason(exc)) from exc


def prepare_video_frame(
    path: Path,
    media_type: str,
    at_ms: int,
    box_w_pt: float,
    box_h_pt: float,
    dpi: int = 200,
    *,
    rotation: int = 0,
) -> PreparedImage:
    """One frame of a video evidence clip, prepared like a photo (upright, fitted, metadata-free)."""
    if media_type not in media.VIDEO_TYPES:
        raise ImageUnusable("不是视频文件")
    try:
        frame = media.video_frame(path, media_type, at_ms)
    except media.MediaUnusable as exc:
        raise ImageUnusable(str(exc)) from exc
    except FileNotFoundError as exc:
        raise ImageUnusable("找不到原件文件") from exc
    except Exception as exc:
        raise ImageUnusable("视频画面无法解码") from exc
    target, placed = _targets(frame.width, frame.height, rotation, box_w_pt, box_h_pt, dpi)
    return _finish(frame, target, placed, (), rotation)
