"""Evidence as a picture: upright, annotated and redacted, turned, and re-encoded without metadata.

One set of drawing rules serves exported copies and packets (the viewer mirrors them with Qt), so a
black box the operator drew is black wherever the picture leaves the desk. Marks are stored in
coordinates from 0 to 1 of the upright picture (EXIF orientation applied), before the operator's
rotation; they are drawn first, then the picture is turned.
"""

from __future__ import annotations

import io
import math
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from desk.domain import Mark, MarkShape
from desk.resources import resource
from desk.store import media

MARK_RED = (225, 29, 29)
LABEL_BACKGROUND = (255, 255, 255)
FONT_PATH = resource("fonts", "wqy-microhei.ttc")
EXPORT_JPEG_QUALITY = 92
# Sources that are usually screenshots or drawings stay lossless when exported.
LOSSLESS_SOURCES = frozenset({"image/png", "image/gif", "image/bmp", "image/tiff"})
MAX_TEXT = 200
MAX_MARKS = 200
# libjpeg refuses a side longer than this ("Maximum supported image dimension is 65500 pixels", printed
# to stderr by the C library, then an OSError that looks like any write error): never hand it one.
JPEG_MAX_SIDE = 65_500

_fonts: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}
# Those fonts are shared FreeType objects and not thread-safe; packets, upload kits and exports draw
# marks on worker threads, so text is measured and drawn by one thread at a time (shapes need no lock).
TEXT_LOCK = threading.Lock()


def mark_metrics(width: int, height: int) -> tuple[int, int]:
    """(line width, text size) in pixels for a picture of this size; the viewer uses the same."""
    side = max(width, height, 1)
    return max(2, round(side * 0.005)), max(12, round(side * 0.03))


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    font = _fonts.get(size)
    if font is None:
        try:
            font = ImageFont.truetype(str(FONT_PATH), size)
        except OSError:  # the bundled font is missing: a plain font still shows Latin and digits
            font = ImageFont.load_default(size)
        _fonts[size] = font
    return font


def clamp_mark(mark: Mark) -> Mark:
    """The mark with finite coordinates inside the picture and a bounded text."""

    def c(v: float) -> float:
        return min(1.0, max(0.0, v)) if math.isfinite(v) else 0.0

    return Mark(MarkShape(mark.shape), c(mark.x0), c(mark.y0), c(mark.x1), c(mark.y1), mark.text[:MAX_TEXT])


def redaction_box(mark: Mark, width: int, height: int) -> tuple[int, int, int, int]:
    """The pixels a redaction covers, rounded outwards so no edge pixel stays readable."""
    left, right = sorted((mark.x0, mark.x1))
    top, bottom = sorted((mark.y0, mark.y1))
    return (
        math.floor(left * width),
        math.floor(top * height),
        max(math.ceil(right * width), math.floor(left * width) + 1) - 1,
        max(math.ceil(bottom * height), math.floor(top * height) + 1) - 1,
    )


def arrow_head(x0: float, y0: float, x1: float, y1: float, size: float) -> list[tuple[float, float]]:
    angle = math.atan2(y1 - y0, x1 - x0)
    spread = math.radians(28)
    return [
        (x1, y1),
        (x1 - size * math.cos(angle - spread), y1 - size * math.sin(angle - spread)),
        (x1 - size * math.cos(angle + spread), y1 - size * math.sin(angle + spread)),
    ]


def draw_marks(im: Image.Image, marks: Sequence[Mark]) -> Image.Image:
    """Draw marks onto an RGB picture (in place). Redactions go last, so nothing is drawn over them."""
    if not marks:
        return im
    im = media.to_rgb(im)
    width, height = im.size
    line, text_px = mark_metrics(width, height)
    draw = ImageDraw.Draw(im)
    ordered = [m for m in marks if m.shape != MarkShape.REDACT] + [
        m for m in marks if m.shape == MarkShape.REDACT
    ]
    for raw in ordered:
        mark = clamp_mark(raw)
        x0, y0, x1, y1 = mark.x0 * width, mark.y0 * height, mark.x1 * width, mark.y1 * height
        if mark.shape == MarkShape.REDACT:
            draw.rectangle(redaction_box(mark, width, height), fill=(0, 0, 0))
        elif mark.shape == MarkShape.BOX:
            box = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
            draw.rectangle(box, outline=MARK_RED, width=line)
        elif mark.shape == MarkShape.ARROW:
            draw.line((x0, y0, x1, y1), fill=MARK_RED, width=line)
            draw.polygon(arrow_head(x0, y0, x1, y1, line * 5), fill=MARK_RED)
        elif mark.shape == MarkShape.TEXT and mark.text.strip():
            pad = max(2, text_px // 6)
            with TEXT_LOCK:
                font = _font(text_px)
                left, top, right, bottom = draw.textbbox((x0, y0), mark.text, font=font)
                draw.rectangle((left - pad, top - pad, right + pad, bottom + pad), fill=LABEL_BACKGROUND)
                draw.text((x0, y0), mark.text, fill=MARK_RED, font=font)
    return im


def rotate_clockwise(im: Image.Image, degrees: int) -> Image.Image:
    turn = degrees % 360
    if turn == 90:
        return im.transpose(Image.Transpose.ROTATE_270)
    if turn == 180:
        return im.transpose(Image.Transpose.ROTATE_180)
    if turn == 270:
        return im.transpose(Image.Transpose.ROTATE_90)
    return im


def load_upright(source: Path | bytes, media_type: str, max_side: int | None = None) -> Image.Image:
    """The evidence picture as RGB, upright; for a PDF its first page, for a video its first frame.

    With max_side, large JPEGs are decoded at reduced size (draft) and the result fits max_side.
    """
    if media_type == media.PDF_TYPE:
        return media.render_pdf_page(source, 0, max_side or 2000)
    if media_type in media.VIDEO_TYPES:
        im = media.video_frame(source, media_type, 0)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            opened = Image.open(
                io.BytesIO(source) if isinstance(source, bytes) else source,
                formats=media.image_formats(media_type),
            )
            with opened:
                media.big_blocks(opened)
                turn = media.orientation(opened)
                if max_side and opened.format in ("JPEG", "MPO"):
                    opened.draft("RGB", (max_side, max_side))
                opened.load()
                im = media.to_rgb(opened)
                if im is opened:
                    im = opened.copy()
        im = media.apply_orientation(im, turn)
    if max_side and max(im.size) > max_side:
        im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return im


def render(
    source: Path | bytes,
    media_type: str,
    *,
    marks: Sequence[Mark] = (),
    rotation: int = 0,
    max_side: int | None = None,
    at_ms: int | None = None,
) -> Image.Image:
    """Upright picture (or video frame at at_ms), marks drawn, then turned by the operator's rotation."""
    if at_ms is not None and media_type in media.VIDEO_TYPES:
        im = media.video_frame(source, media_type, at_ms)
        if max_side and max(im.size) > max_side:
            im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    else:
        im = load_upright(source, media_type, max_side)
    im = draw_marks(im, marks)
    return rotate_clockwise(im, rotation)


def fit_jpeg_side(im: Image.Image) -> Image.Image:
    """The picture scaled so that neither side exceeds JPEG_MAX_SIDE (unchanged when it fits)."""
    long_side = max(im.size)
    if long_side <= JPEG_MAX_SIDE:
        return im
    factor = JPEG_MAX_SIDE / long_side
    size = (
        min(JPEG_MAX_SIDE, max(1, round(im.width * factor))),
        min(JPEG_MAX_SIDE, max(1, round(im.height * factor))),
    )
    return im.resize(size, Image.Resampling.LANCZOS)


def encode_clean(im: Image.Image, fmt: str = "JPEG", quality: int = EXPORT_JPEG_QUALITY) -> bytes:
    """Pixels only: no EXIF (GPS, camera, phone numbers in comments), no ICC, no XMP, no text chunks."""
    rgb = media.to_rgb(im, keep_grey=True)
    if fmt != "PNG" and max(rgb.size) > JPEG_MAX_SIDE:
        # Only an exported copy of a picture at JPEG's own size limit (65535) gets here; a few pixels
        # less is the only way it can be a JPEG at all. Kits cut such pictures instead (upload.preflight).
        rgb = fit_jpeg_side(rgb)
    clean = Image.frombytes(rgb.mode, rgb.size, rgb.tobytes())
    buf = io.BytesIO()
    if fmt == "PNG":
        clean.save(buf, "PNG", optimize=False, compress_level=6)
    else:
        clean.save(buf, "JPEG", quality=quality, optimize=True)
    return buf.getvalue()


def export_format(media_type: str) -> tuple[str, str]:
    """(Pillow format, extension) of an exported copy of an image of this type."""
    return ("PNG", ".png") if media_type in LOSSLESS_SOURCES else ("JPEG", ".jpg")


def remux_without_metadata(src: Path, dest: Path, media_type: str) -> None:
    """Copy a video's picture and sound into a new file of the same kind, leaving all metadata behind.

    Nothing is re-encoded (so nothing is lost); GPS positions, device names and dates in the
    container are not copied. The display rotation travels with the stream parameters.
    """
    import av

    out_format = {"mov": "mov", "matroska": "matroska", "avi": "avi"}[media.VIDEO_TYPES[media_type]]
    if media_type == "video/mp4":
        out_format = "mp4"
    elif media_type == "video/webm":
        out_format = "webm"
    with (
        av.open(str(src), mode="r", format=media.VIDEO_TYPES[media_type]) as source,
        av.open(str(dest), mode="w", format=out_format) as target,
    ):
        mapping = {}
        for stream in source.streams:
            if stream.type in ("video", "audio"):
                out = target.add_stream_from_template(stream)
                out.metadata.clear()
                mapping[stream.index] = out
        for packet in source.demux(*[s for s in source.streams if s.index in mapping]):
            if packet.dts is None:
                continue
            packet.stream = mapping[packet.stream.index]
            target.mux(packet)
