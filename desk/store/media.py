"""What a file really is: type sniffed from its bytes against an allow-list, then probed safely.

Size policy (documented in docs/profile.md):
- Any evidence file: at most 200 MB (images) or 100 MB (PDF documents).
- JPEG photos up to 250 megapixels are accepted; they are verified with reduced-size (draft)
  decoding, so even a 200 MP phone photo costs little memory.
- Other image formats up to 100 megapixels, fully decoded once to prove they are intact.
- Animated GIF/PNG and multi-page TIFF: the first frame is the evidence picture; frames are
  never iterated, so a bomb hidden in a later frame cannot hurt.
- ICO/CUR, SVG, DDS, PSD and everything not listed in ALLOWED are refused before Pillow sees them.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from PIL import Image, ImageOps

log = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 200 * 1024 * 1024
MAX_PDF_BYTES = 100 * 1024 * 1024
MAX_JPEG_PIXELS = 250_000_000
MAX_OTHER_PIXELS = 100_000_000
THUMB_SIZE = 256

# Pillow refuses (DecompressionBombError) above twice this; our own limits above are stricter per
# format and are checked from the header before any pixel is decoded.
Image.MAX_IMAGE_PIXELS = MAX_JPEG_PIXELS // 2 + 1

_heif_registered = False


def _register_heif() -> None:
    global _heif_registered
    if _heif_registered:
        return
    try:
        import pillow_heif

        pillow_heif.register_heif_opener()
    except Exception:  # a missing optional codec must not stop the desk
        log.warning("pillow-heif unavailable: HEIC photos cannot be imported", exc_info=True)
    _heif_registered = True


IMAGE_TYPES: dict[str, str] = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
    "image/bmp": "BMP",
    "image/tiff": "TIFF",
    "image/heic": "HEIF",
    "image/avif": "AVIF",
}
ALLOWED = frozenset([*IMAGE_TYPES, "application/pdf"])

TYPE_LABELS = {
    "image/jpeg": "JPEG 图片",
    "image/png": "PNG 图片",
    "image/gif": "GIF 图片",
    "image/webp": "WebP 图片",
    "image/bmp": "BMP 图片",
    "image/tiff": "TIFF 图片",
    "image/heic": "HEIC/HEIF 照片",
    "image/avif": "AVIF 图片",
    "application/pdf": "PDF 文档",
}

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis"}


def sniff(head: bytes) -> str | None:
    """The media type the leading bytes prove, or None if not on the allow-list."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:2] == b"BM" and len(head) >= 26:
        return "image/bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head[4:8] == b"ftyp":
        brands = {head[8:12]} | {head[i : i + 4] for i in range(16, min(len(head), 64), 4)}
        if b"avif" in brands or b"avis" in brands:
            return "image/avif"
        if brands & _HEIF_BRANDS:
            return "image/heic"
        return None
    # PDF readers accept the header anywhere in the first KiB; so do we.
    if b"%PDF-" in head[:1024]:
        return "application/pdf"
    return None


def describe_unknown(head: bytes) -> str:
    """A plain-words guess at what a refused file is, for the error message."""
    if not head:
        return "文件是空的（0 字节）"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "这是 Office 文档（如 Word .doc），不是图片或 PDF"
    if head.startswith(b"PK\x03\x04"):
        return "这是压缩包或 Office 文档（zip），不是图片或 PDF"
    if head.startswith(b"\x00\x00\x01\x00") or head.startswith(b"\x00\x00\x02\x00"):
        return "这是图标文件（ICO/CUR），不作为证据接收"
    if head.startswith(b"DDS "):
        return "这是 DDS 贴图文件，不在支持的格式之内"
    if head.lstrip().startswith((b"<svg", b"<?xml")):
        return "这是 SVG/XML 文件，不在支持的格式之内"
    if head[4:8] == b"ftyp":
        return "这是视频或不支持的 HEIF 变体，目前只接收图片和 PDF"
    try:
        head.decode("utf-8")
        return "这是文本文件，不是图片或 PDF（扩展名可能被改过）"
    except UnicodeDecodeError:
        pass
    return "文件内容不是支持的图片（JPEG/PNG/GIF/WebP/BMP/TIFF/HEIC/AVIF）或 PDF"


@dataclass(frozen=True, slots=True)
class MediaInfo:
    """Facts read from a verified evidence file."""

    media_type: str
    width: int | None
    height: int | None
    page_count: int | None
    captured_at: datetime | None
    animated: bool = False
    thumbnail: Image.Image | None = None  # small, orientation applied, RGB


class MediaUnusable(Exception):
    """The file is not usable evidence; str() is the reason in plain words."""


def _exif_time(im: Image.Image) -> datetime | None:
    try:
        exif = im.getexif()
        sub = exif.get_ifd(0x8769)
        raw = sub.get(36867) or sub.get(36868) or exif.get(306)
        if not raw:
            return None
        text = raw.decode() if isinstance(raw, bytes) else str(raw)
        naive = datetime.strptime(text.strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
        offset = sub.get(36881)  # OffsetTimeOriginal, e.g. "+08:00"
        if offset:
            sign = -1 if str(offset).startswith("-") else 1
            hh, mm = str(offset).lstrip("+-").split(":")[:2]
            tz = timezone(sign * timedelta(hours=int(hh), minutes=int(mm)))
            return naive.replace(tzinfo=tz).astimezone(UTC)
        # EXIF times are the camera's local time; assume this PC's zone.
        return naive.astimezone().astimezone(UTC)
    except Exception:  # corrupt EXIF is common and must never reject a photo
        log.debug("unreadable EXIF date", exc_info=True)
        return None


def upright(im: Image.Image) -> Image.Image:
    """A copy turned the way the camera's EXIF says; unreadable EXIF means "as stored"."""
    try:
        return ImageOps.exif_transpose(im.copy())
    except Exception:
        log.debug("EXIF orientation unreadable", exc_info=True)
        return im.copy()


def _map_pillow_error(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, Image.DecompressionBombError):
        return "图片像素过大（文件头声称的尺寸异常巨大，疑似“解压炸弹”），为保护电脑已拒绝"
    if isinstance(exc, Image.UnidentifiedImageError):
        return "文件已损坏，无法识别为图片"
    if "truncated" in text.lower() or "Truncated" in text:
        return "图片文件不完整（被截断），可能没有下载或复制完"
    if isinstance(exc, MemoryError):
        return "图片太大，内存不足以读取"
    return f"图片数据已损坏，无法解码（{type(exc).__name__}: {text[:80]}）"


def probe_image(path: Path, media_type: str) -> MediaInfo:
    """Open, bound-check and fully verify an image; build a small thumbnail on the way."""
    if media_type in ("image/heic", "image/avif"):
        _register_heif()
    fmt = IMAGE_TYPES[media_type]
    formats = [fmt, "MPO"] if fmt == "JPEG" else ([fmt, "HEIF", "AVIF"] if fmt in ("HEIF", "AVIF") else [fmt])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path, formats=formats) as im:
                width, height = im.size
                if width <= 0 or height <= 0:
                    raise MediaUnusable("图片尺寸为 0，文件已损坏")
                limit = MAX_JPEG_PIXELS if fmt == "JPEG" else MAX_OTHER_PIXELS
                if width * height > limit:
                    raise MediaUnusable(
                        f"图片像素过大（{width}×{height}，约 {width * height / 1e6:.0f} 百万像素），"
                        f"超过上限 {limit / 1e6:.0f} 百万像素"
                    )
                if fmt == "JPEG":
                    im.draft("RGB", (THUMB_SIZE * 2, THUMB_SIZE * 2))
                # Decodes every byte of the first frame, proving the file is intact. It must come
                # before getexif(), which loads PNGs itself and would swallow a truncation error.
                im.load()
                captured = _exif_time(im)
                animated = False
                try:
                    animated = bool(getattr(im, "is_animated", False))
                except Exception:  # some corrupt multi-frame files fail only when probed
                    animated = True
                thumb = upright(im)
                if thumb.mode not in ("RGB", "L"):
                    if thumb.mode in ("RGBA", "LA", "P", "PA") or "A" in thumb.getbands():
                        rgba = thumb.convert("RGBA")
                        bg = Image.new("RGB", rgba.size, (255, 255, 255))
                        bg.paste(rgba, mask=rgba.getchannel("A"))
                        thumb = bg
                    elif thumb.mode.startswith("I;16") or thumb.mode == "I":
                        thumb = thumb.point(lambda v: v / 256).convert("L")
                    else:
                        thumb = thumb.convert("RGB")
                thumb.thumbnail((THUMB_SIZE, THUMB_SIZE), Image.Resampling.LANCZOS)
                return MediaInfo(media_type, width, height, None, captured, animated, thumb)
    except MediaUnusable:
        raise
    except Exception as exc:  # Pillow raises OSError, ValueError, TypeError, SyntaxError, ...
        log.info("image %s rejected", path, exc_info=True)
        raise MediaUnusable(_map_pillow_error(exc)) from exc


def probe_pdf(path: Path) -> MediaInfo:
    """Count pages; an encrypted PDF is kept (it is a real voucher), a broken one refused."""
    import pypdf
    from pypdf.errors import PdfReadError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = pypdf.PdfReader(str(path), strict=False)
            if reader.is_encrypted:
                try:
                    reader.decrypt("")
                    pages: int | None = len(reader.pages)
                except Exception:
                    pages = None
            else:
                pages = len(reader.pages)
    except (PdfReadError, ValueError, OSError, KeyError, TypeError, AttributeError) as exc:
        log.info("pdf %s rejected", path, exc_info=True)
        raise MediaUnusable("PDF 文件已损坏，无法读取") from exc
    except Exception as exc:
        log.info("pdf %s rejected", path, exc_info=True)
        raise MediaUnusable(f"PDF 文件无法读取（{type(exc).__name__}）") from exc
    if pages == 0:
        raise MediaUnusable("PDF 文件没有任何页面")
    return MediaInfo("application/pdf", None, None, pages, None)


def probe(path: Path, media_type: str) -> MediaInfo:
    if media_type == "application/pdf":
        return probe_pdf(path)
    return probe_image(path, media_type)
