"""What a file really is: type sniffed from its bytes against an allow-list, then probed safely.

Size policy (documented in docs/profile.md):
- Images at most 200 MB, PDF documents at most 100 MB, video clips at most 1 GB.
- JPEG photos up to 250 megapixels are accepted; they are verified with reduced-size (draft)
  decoding, which still reads every compressed byte, so even a 200 MP photo costs little memory.
- Other image formats up to 100 megapixels, fully decoded once to prove they are intact.
- Animated GIF/PNG/WebP and multi-page TIFF: the first frame is the evidence picture; frames are
  never decoded past the first, so a bomb hidden in a later frame cannot hurt.
- Videos (MP4, MOV, 3GP, MKV, WebM, AVI) up to 8K (7680×4320) and 3 hours; every packet is read
  to prove the file is complete, and only the frames shown are decoded. The demuxer is chosen from
  the sniffed type, never guessed by FFmpeg, so playlists and other file-referencing formats never open.
- PDFs must open without a password (a permissions-only password is fine).
- ICO/CUR, SVG, DDS, PSD, audio, Office documents and everything not listed in ALLOWED are refused
  before any decoder sees them.
"""

from __future__ import annotations

import ctypes
import io
import logging
import os
import sys
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TextIO, cast

import PIL
from PIL import Image, ImageFile

log = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 200 * 1024 * 1024
MAX_PDF_BYTES = 100 * 1024 * 1024
MAX_VIDEO_BYTES = 1024 * 1024 * 1024
MAX_JPEG_PIXELS = 250_000_000
MAX_OTHER_PIXELS = 100_000_000
MAX_VIDEO_PIXELS = 7680 * 4320
MAX_VIDEO_SECONDS = 3 * 3600
THUMB_SIZE = 256

# Pillow refuses (DecompressionBombError) above twice this; our own limits above are stricter per
# format and are checked from the header before any pixel is decoded.
Image.MAX_IMAGE_PIXELS = MAX_JPEG_PIXELS // 2 + 1


# -- decoder chatter -------------------------------------------------------------------------------
# A damaged or odd picture makes the decoders talk: libtiff writes its warnings and errors straight to
# the process's stderr from C ("TIFFFetchNormalTag: … custom tag …", "ZIPDecode: Decoding error …"),
# and Pillow raises Python warnings (unknown TIFF tags, corrupt EXIF, DecompressionBombWarning). On the
# command line that floods the terminal before the desk's own one-line reason, and in the window it
# says nothing to an operator. Both go to the log instead; the desk reports the outcome itself.

# Each distinct libtiff message is logged this many times per process: a hostile file can repeat one
# thousands of times.
_DECODER_REPEATS = 3
_decoder_seen: dict[bytes, int] = {}
_tiff_handlers: list[Any] = []  # the ctypes callbacks must stay alive as long as libtiff may call them
_PIL_DIR = os.path.dirname(PIL.__file__) + os.sep


def _libtiff_path() -> str | None:
    """The libtiff file Pillow's C module is linked against, as loaded in this process."""
    if sys.platform.startswith("linux"):
        try:
            with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
                for line in maps:
                    path = line.rstrip("\n").split(" ")[-1]
                    if "/libtiff" in path:
                        return path
        except OSError:
            return None
        return None
    if sys.platform == "darwin":
        for folder in (Path(_PIL_DIR) / ".dylibs", Path(_PIL_DIR).parent / "pillow.libs"):
            hits = sorted(folder.glob("libtiff*.dylib")) if folder.is_dir() else []
            if hits:
                return str(hits[0])
    # Windows builds of Pillow link libtiff statically: there is no handler to reach from here.
    return None


def _format_c(fmt: bytes, args: int | None, vsnprintf: Any) -> str:
    text = fmt
    if vsnprintf is not None and args is not None:
        buf = ctypes.create_string_buffer(512)
        if vsnprintf(buf, len(buf), fmt, args) >= 0:
            text = buf.value
    return text.decode("utf-8", "replace")


def _quiet_libtiff() -> None:
    """Route libtiff's process-wide warning and error handlers to the log (once per process)."""
    if _tiff_handlers:
        return
    path = _libtiff_path()
    if path is None:
        return
    try:
        lib = ctypes.CDLL(path)
        try:
            libc = ctypes.CDLL(None)
            vsnprintf: Any = libc.vsnprintf
            # va_list reaches a C callback as a pointer on x86-64 and arm64 alike; passed on unchanged.
            vsnprintf.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_void_p]
            vsnprintf.restype = ctypes.c_int
        except (OSError, AttributeError):
            vsnprintf = None
        handler_type = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p)

        def make(kind: str) -> Any:
            def handler(module: bytes | None, fmt: bytes | None, args: int | None) -> None:
                # An exception escaping a ctypes callback is printed to stderr: nothing may escape.
                try:
                    key = fmt or b""
                    seen = _decoder_seen.get(key, 0)
                    if seen >= _DECODER_REPEATS:
                        return
                    if len(_decoder_seen) < 1024:
                        _decoder_seen[key] = seen + 1
                    where = (module or b"").decode("utf-8", "replace")
                    log.info("libtiff %s: %s: %s", kind, where, _format_c(key, args, vsnprintf))
                except BaseException:  # see above
                    pass

            return handler_type(handler)

        warning, error = make("warning"), make("error")
        for name, callback in (("TIFFSetWarningHandler", warning), ("TIFFSetErrorHandler", error)):
            setter = getattr(lib, name)
            setter.argtypes = [handler_type]
            setter.restype = ctypes.c_void_p
            setter(callback)
        _tiff_handlers.extend((warning, error))
    except (OSError, AttributeError):
        log.debug("libtiff messages stay on stderr (handler not settable)", exc_info=True)


_showwarning_before: Callable[..., None] = warnings.showwarning


def _showwarning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """Pillow's warnings go to the log; any other warning is shown as Python would."""
    if str(filename).startswith(_PIL_DIR) or issubclass(category, Image.DecompressionBombWarning):
        log.info("%s from the picture decoder: %s", category.__name__, message)
        return
    _showwarning_before(message, category, filename, lineno, file, line)


def quiet_decoders() -> None:
    """Send the picture decoders' own messages to the log rather than the terminal (idempotent)."""
    global _showwarning_before
    _quiet_libtiff()
    if getattr(warnings.showwarning, "__name__", "") != _showwarning.__name__:
        _showwarning_before = warnings.showwarning
        warnings.showwarning = _showwarning


quiet_decoders()

_heif_registered = False
_heif_lock = threading.Lock()
# PDFium is not thread-safe: one document operation at a time in the whole process.
PDFIUM_LOCK = threading.Lock()


def preload() -> None:
    """Load Pillow's plugins for the common formats now, not inside the first import's workers.

    The first Image.open() imports them; two workers starting together would both wait for it.
    """
    Image.preinit()
    from PIL import MpoImagePlugin, TiffImagePlugin  # noqa: F401  (MPO photos; EXIF parsing)


def register_heif() -> None:
    global _heif_registered
    with _heif_lock:
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
# The FFmpeg demuxer for each video type: forced, so FFmpeg never probes for another format.
VIDEO_TYPES: dict[str, str] = {
    "video/mp4": "mov",
    "video/quicktime": "mov",
    "video/3gpp": "mov",
    "video/x-matroska": "matroska",
    "video/webm": "matroska",
    "video/x-msvideo": "avi",
}
PDF_TYPE = "application/pdf"
ALLOWED = frozenset([*IMAGE_TYPES, *VIDEO_TYPES, PDF_TYPE])

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
    "video/mp4": "MP4 视频",
    "video/quicktime": "MOV 视频",
    "video/3gpp": "3GP 视频",
    "video/x-matroska": "MKV 视频",
    "video/webm": "WebM 视频",
    "video/x-msvideo": "AVI 视频",
}

# File name extensions for exported copies and downloads, by media type.
EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "image/bmp": ".bmp",
    "image/tiff": ".tif",
    "image/heic": ".heic",
    "image/avif": ".avif",
    "application/pdf": ".pdf",
    "video/mp4": ".mp4",
    "video/quicktime": ".mov",
    "video/3gpp": ".3gp",
    "video/x-matroska": ".mkv",
    "video/webm": ".webm",
    "video/x-msvideo": ".avi",
}

_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"mif1", b"msf1", b"heim", b"heis"}
_AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "}
_QT_ATOMS = {b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}


def max_bytes(media_type: str | None) -> int:
    """The byte limit for a type; unknown types get the image limit (they are refused anyway)."""
    if media_type in VIDEO_TYPES:
        return MAX_VIDEO_BYTES
    if media_type == PDF_TYPE:
        return MAX_PDF_BYTES
    return MAX_IMAGE_BYTES


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
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "video/x-msvideo"
    if head[:2] == b"BM" and len(head) >= 26:
        return "image/bmp"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head[4:8] == b"ftyp":
        major = head[8:12]
        brands = {major} | {head[i : i + 4] for i in range(16, min(len(head), 64), 4)}
        if b"avif" in brands or b"avis" in brands:
            return "image/avif"
        if brands & _HEIF_BRANDS:
            return "image/heic"
        if major in _AUDIO_BRANDS:
            return None
        if major == b"qt  ":
            return "video/quicktime"
        if major.startswith((b"3gp", b"3g2")):
            return "video/3gpp"
        return "video/mp4"
    if head[4:8] in _QT_ATOMS and len(head) >= 16:
        return "video/quicktime"  # old QuickTime files start with an atom, not ftyp
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm" if b"webm" in head[:64] else "video/x-matroska"
    # PDF readers accept the header anywhere in the first KiB; so do we.
    if b"%PDF-" in head[:1024]:
        return PDF_TYPE
    return None


def describe_unknown(head: bytes) -> str:
    """A plain-words guess at what a refused file is, for the error message."""
    if not head:
        return "文件是空的（0 字节）"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "这是 Office 文档（如 Word .doc），不是图片、视频或 PDF"
    if head.startswith(b"PK\x03\x04"):
        return "这是压缩包或 Office 文档（zip），不是图片、视频或 PDF"
    if head.startswith(b"\x00\x00\x01\x00") or head.startswith(b"\x00\x00\x02\x00"):
        return "这是图标文件（ICO/CUR），不作为证据接收"
    if head.startswith(b"DDS "):
        return "这是 DDS 贴图文件，不在支持的格式之内"
    if head.startswith(b"8BPS"):
        return "这是 Photoshop 文件（PSD），请先另存为 JPEG 或 PNG"
    if head.lstrip().startswith((b"<svg", b"<?xml")):
        return "这是 SVG/XML 文件，不在支持的格式之内"
    if head[4:8] == b"ftyp" and head[8:12] in _AUDIO_BRANDS:
        return "这是音频文件，不是视频或图片"
    if head.startswith((b"ID3", b"fLaC", b"OggS")) or head[:2] in (b"\xff\xfb", b"\xff\xf3"):
        return "这是音频文件，不是视频或图片"
    if head.startswith((b"#EXTM3U", b"ffconcat")):
        return "这是播放列表文件，不是视频本身"
    try:
        head.decode("utf-8")
        return "这是文本文件，不是图片、视频或 PDF（扩展名可能被改过）"
    except UnicodeDecodeError:
        pass
    return "文件内容不是支持的图片（JPEG/PNG/GIF/WebP/BMP/TIFF/HEIC/AVIF）、视频（MP4/MOV 等）或 PDF"


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
    duration_ms: int | None = None


class MediaUnusable(Exception):
    """The file is not usable evidence; str() is the reason in plain words."""


Source = Path | bytes


def _open_source(source: Source) -> Path | io.BytesIO:
    return io.BytesIO(source) if isinstance(source, bytes) else source


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


_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def orientation(im: Image.Image) -> int:
    """The EXIF orientation (1-8); unreadable or odd values mean 1, "as stored"."""
    try:
        value = int(im.getexif().get(0x0112, 1))
    except Exception:
        log.debug("EXIF orientation unreadable", exc_info=True)
        return 1
    return value if value in _TRANSPOSE else 1


def apply_orientation(im: Image.Image, value: int) -> Image.Image:
    """The picture turned upright for the orientation `value` read by orientation() (itself for 1)."""
    method = _TRANSPOSE.get(value)
    return im.transpose(method) if method is not None else im


def sideways(value: int) -> bool:
    """Whether the orientation lays the stored picture on its side, so that upright its sides swap."""
    return value in (5, 6, 7, 8)


def upright_size(im: Image.Image) -> tuple[int, int]:
    """Width and height of the picture once turned upright, from its header alone."""
    width, height = im.size
    return (height, width) if sideways(orientation(im)) else (width, height)


def has_transparency(im: Image.Image) -> bool:
    """Whether some pixels are (partly) see-through: an alpha band, or a tRNS colour key.

    PNG and GIF can mark one colour (RGB, L) or palette entries (P) transparent instead of carrying an
    alpha band; Pillow keeps that in ``info["transparency"]`` and applies it only on convert("RGBA").
    """
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        return True
    return im.mode in ("RGB", "L", "P", "1") and im.info.get("transparency") is not None


def on_white(im: Image.Image) -> Image.Image:
    """The picture as RGB with every transparent pixel painted white (as a browser shows it on a page)."""
    rgba = im.convert("RGBA")  # applies a tRNS colour key as alpha 0
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(white, rgba).convert("RGB")


def to_rgb(im: Image.Image, *, keep_grey: bool = False) -> Image.Image:
    """Any Pillow mode as RGB: the one colour conversion of every picture that leaves the store.

    Transparency (an alpha band, or a tRNS colour key on RGB, L, P or 1) is painted on white; palette,
    CMYK and the rest convert as Pillow does. 16-bit grey is scaled, since a plain convert clips it at
    255 and turns the picture white; 32-bit integer and float grey (scientific TIFFs, range unknown) are
    stretched to 0..255. With keep_grey a grey picture stays one channel (L), enough for a thumbnail or
    an exported copy. An RGB picture (or L with keep_grey) is returned as it is, not copied.
    """
    mode = im.mode
    if has_transparency(im):
        return on_white(im)
    if mode == "RGB":
        return im
    if mode == "L":
        grey = im
    elif mode.startswith("I;16"):
        grey = im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    elif mode in ("I", "F"):
        low, high = cast(tuple[float, float], im.getextrema())
        span = float(high) - float(low) or 1.0
        scale = 255.0 / span
        offset = -float(low) * scale
        grey = im.convert("F").point(lambda v: v * scale + offset).convert("L")
    else:
        return im.convert("RGB")
    return grey if keep_grey else grey.convert("RGB")


def _map_pillow_error(exc: BaseException) -> str:
    text = str(exc)
    if isinstance(exc, Image.DecompressionBombError):
        return "图片像素过大（文件头声称的尺寸异常巨大，疑似“解压炸弹”），为保护电脑已拒绝"
    if isinstance(exc, Image.UnidentifiedImageError):
        return "文件已损坏，无法识别为图片"
    if "truncated" in text.lower():
        return "图片文件不完整（被截断），可能没有下载或复制完"
    if isinstance(exc, MemoryError):
        return "图片太大，内存不足以读取"
    return f"图片数据已损坏，无法解码（{type(exc).__name__}: {text[:80]}）"


# Bytes handed to a Pillow decoder per call. Pillow releases the GIL inside each call and takes it
# back between calls; with its default of 64 KiB a 12-MP JPEG makes ~50 round trips, and any other
# busy Python thread (the import's writer, the GUI) turns each into a wait: decoding in few big
# calls keeps the decoders running on every core.
DECODE_BLOCK = 16 * 1024 * 1024


def big_blocks(im: Image.Image) -> None:
    """Let Pillow decode in few big calls (see DECODE_BLOCK)."""
    if isinstance(im, ImageFile.ImageFile):
        im.decodermaxblock = DECODE_BLOCK


def image_formats(media_type: str) -> list[str]:
    fmt = IMAGE_TYPES[media_type]
    if media_type in ("image/heic", "image/avif"):
        register_heif()
    if fmt == "JPEG":
        return ["JPEG", "MPO"]
    if fmt in ("HEIF", "AVIF"):
        return [f for f in ("HEIF", "AVIF") if f in Image.OPEN or f == fmt]
    return [fmt]


def _thumbnail(im: Image.Image, turn: int) -> Image.Image:
    # In place when no conversion was needed: the caller's image is closed right after.
    thumb = to_rgb(im, keep_grey=True)
    # A draft-decoded photo is 1/8 of its size, about twice the thumbnail: halving it with a box
    # filter costs a tenth of a resample and looks the same at 256 pixels.
    factor = round(max(thumb.width, thumb.height) / THUMB_SIZE)
    if factor >= 2:
        thumb = thumb.reduce(factor)
    thumb.thumbnail((THUMB_SIZE, THUMB_SIZE), Image.Resampling.BICUBIC)
    if thumb is im:
        thumb = thumb.copy()  # detached from the file object, which the caller closes
    return apply_orientation(thumb, turn)


def probe_image(source: Source, media_type: str) -> MediaInfo:
    """Open, bound-check and fully verify an image; build a small thumbnail on the way."""
    formats = image_formats(media_type)
    fmt = IMAGE_TYPES[media_type]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(_open_source(source), formats=formats) as im:
                width, height = im.size
                if width <= 0 or height <= 0:
                    raise MediaUnusable("图片尺寸为 0，文件已损坏")
                limit = MAX_JPEG_PIXELS if fmt == "JPEG" else MAX_OTHER_PIXELS
                if width * height > limit:
                    raise MediaUnusable(
                        f"图片像素过大（{width}×{height}，约 {width * height / 1e6:.0f} 百万像素），"
                        f"超过上限 {limit / 1e6:.0f} 百万像素"
                    )
                big_blocks(im)
                if fmt == "JPEG":
                    # Decodes at 1/2..1/8 scale: every compressed byte is still read (a truncated
                    # or corrupt file fails), at a fraction of the time and memory.
                    im.draft("RGB", (THUMB_SIZE, THUMB_SIZE))
                # Decodes every byte of the first frame, proving the file is intact. It must come
                # before getexif(), which loads PNGs itself and would swallow a truncation error.
                im.load()
                captured = _exif_time(im)
                turn = orientation(im)
                animated = False
                try:
                    animated = bool(getattr(im, "is_animated", False))
                except Exception:  # some corrupt multi-frame files fail only when probed
                    animated = True
                thumb = _thumbnail(im, turn)
                pages: int | None = None
                if fmt == "TIFF":
                    # Counting pages walks the page directory only; no later page is decoded.
                    try:
                        frames = int(getattr(im, "n_frames", 1))
                        pages = frames if frames > 1 else None
                    except Exception:
                        log.debug("TIFF page count unreadable", exc_info=True)
                    animated = False
                if sideways(turn):
                    width, height = height, width
                return MediaInfo(media_type, width, height, pages, captured, animated, thumb)
    except MediaUnusable:
        raise
    except Exception as exc:  # Pillow raises OSError, ValueError, TypeError, SyntaxError, ...
        log.info("image rejected (%s)", media_type, exc_info=True)
        raise MediaUnusable(_map_pillow_error(exc)) from exc


# -- PDF --------------------------------------------------------------------------------------------


def _pdfium_reason(exc: BaseException) -> str:
    text = str(exc).lower()
    if "password" in text:
        return "PDF 设有打开密码，无法查看内容；请用密码打开后另存为无密码的 PDF 再导入"
    return "PDF 文件已损坏，无法打开"


def render_pdf_page(source: Source, page: int = 0, max_side: int = THUMB_SIZE) -> Image.Image:
    """One page of a PDF as an RGB picture fitting max_side (PDFium, one call at a time)."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        doc = pdfium.PdfDocument(source if isinstance(source, bytes) else str(source))
        try:
            p = doc[page]
            try:
                w, h = p.get_size()
                scale = max_side / max(w, h, 1)
                bitmap = p.render(scale=scale, fill_color=(255, 255, 255, 255))
                return bitmap.to_pil().convert("RGB")
            finally:
                p.close()
        finally:
            doc.close()


def probe_pdf(source: Source) -> MediaInfo:
    """Open the PDF (a permissions-only password is fine), count pages, draw the first page."""
    try:
        import pypdfium2 as pdfium
    except ImportError:  # pragma: no cover - the dependency is required; degrade to pypdf
        return _probe_pdf_pypdf(source)
    try:
        with PDFIUM_LOCK:
            doc = pdfium.PdfDocument(source if isinstance(source, bytes) else str(source))
            try:
                pages = len(doc)
            finally:
                doc.close()
    except Exception as exc:
        log.info("pdf rejected", exc_info=True)
        raise MediaUnusable(_pdfium_reason(exc)) from exc
    if pages == 0:
        raise MediaUnusable("PDF 文件没有任何页面")
    try:
        thumb: Image.Image | None = render_pdf_page(source, 0, THUMB_SIZE)
    except Exception:  # the document opened; a page PDFium cannot draw gets a placeholder
        log.warning("first PDF page could not be drawn", exc_info=True)
        thumb = None
    return MediaInfo(PDF_TYPE, None, None, pages, None, thumbnail=thumb)


def _probe_pdf_pypdf(source: Source) -> MediaInfo:  # pragma: no cover - fallback only
    import pypdf

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = pypdf.PdfReader(_open_source(source), strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise MediaUnusable(_pdfium_reason(Exception("password")))
            pages = len(reader.pages)
    except MediaUnusable:
        raise
    except Exception as exc:
        raise MediaUnusable("PDF 文件已损坏，无法读取") from exc
    if pages == 0:
        raise MediaUnusable("PDF 文件没有任何页面")
    return MediaInfo(PDF_TYPE, None, None, pages, None)


# -- video ------------------------------------------------------------------------------------------


def _video_time(metadata: dict[str, str]) -> datetime | None:
    raw = metadata.get("creation_time") or metadata.get("com.apple.quicktime.creationdate")
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    if value.year < 1995:  # 1904/1970 epochs of cameras that never set the clock
        return None
    return value.astimezone(UTC)


def _video_reason(exc: BaseException) -> str:
    import av

    if isinstance(exc, av.error.InvalidDataError):
        return "视频文件已损坏或不完整（可能没有下载或复制完）"
    if isinstance(exc, av.error.EOFError | EOFError):
        return "视频文件不完整（被截断），可能没有下载或复制完"
    if isinstance(exc, MemoryError):
        return "视频太大，内存不足以读取"
    return f"视频无法读取（{type(exc).__name__}）"


def _open_video(source: Source, media_type: str):  # type: ignore[no-untyped-def]
    import av

    fmt = VIDEO_TYPES[media_type]
    target = io.BytesIO(source) if isinstance(source, bytes) else str(source)
    return av.open(target, mode="r", format=fmt, options={"enable_drefs": "0"})


def upright_frame(frame: object) -> Image.Image:
    """A decoded video frame as an RGB picture, turned the way the file's display matrix says."""
    im: Image.Image = frame.to_image()  # type: ignore[attr-defined]
    turn = int(getattr(frame, "rotation", 0) or 0) % 360
    if turn:
        # The display matrix angle is counter-clockwise, as Pillow's rotate() is.
        im = im.rotate(turn, expand=True)
    return im


def probe_video(source: Source, media_type: str) -> MediaInfo:
    """Prove a video is complete (every packet readable), read its facts, draw its first frame."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with _open_video(source, media_type) as container:
                if not container.streams.video:
                    raise MediaUnusable("文件里没有视频画面（可能只是音频）")
                stream = container.streams.video[0]
                width = int(stream.codec_context.width or 0)
                height = int(stream.codec_context.height or 0)
                if width <= 0 or height <= 0:
                    raise MediaUnusable("视频画面尺寸为 0，文件已损坏")
                if width * height > MAX_VIDEO_PIXELS:
                    raise MediaUnusable(f"视频分辨率过大（{width}×{height}），上限为 8K（7680×4320）")
                duration_s = _duration(container, stream)
                if duration_s is not None and duration_s > MAX_VIDEO_SECONDS:
                    raise MediaUnusable(
                        f"视频太长（{duration_s / 60:.0f} 分钟），上限 {MAX_VIDEO_SECONDS // 60} 分钟"
                    )
                captured = _video_time(dict(container.metadata)) or _video_time(dict(stream.metadata))
                first = None
                for frame in container.decode(stream):
                    first = upright_frame(frame)
                    break
                if first is None:
                    raise MediaUnusable("视频里没有可以显示的画面")
                # Reading every packet (no decoding) proves the file is complete: a clip cut off
                # in the middle has fewer packets than its index promises.
                container.seek(0)
                packets = 0
                last_end = 0.0
                for packet in container.demux(stream):
                    if packet.size:
                        packets += 1
                        if packet.pts is not None and packet.time_base is not None:
                            last_end = max(last_end, float(packet.pts * packet.time_base))
                expected = int(stream.frames or 0)
                if expected and packets < expected:
                    raise MediaUnusable(
                        f"视频文件不完整（只读到 {packets}/{expected} 帧），可能没有下载或复制完"
                    )
                if packets == 0:
                    raise MediaUnusable("视频里没有可以显示的画面")
                if duration_s is None:
                    duration_s = last_end
    except MediaUnusable:
        raise
    except Exception as exc:
        log.info("video rejected (%s)", media_type, exc_info=True)
        raise MediaUnusable(_video_reason(exc)) from exc
    thumb = first.copy()
    thumb.thumbnail((THUMB_SIZE, THUMB_SIZE), Image.Resampling.LANCZOS)
    return MediaInfo(
        media_type,
        first.width,
        first.height,
        None,
        captured,
        thumbnail=thumb,
        duration_ms=round(duration_s * 1000) if duration_s is not None else None,
    )


def _duration(container: object, stream: object) -> float | None:
    value = getattr(container, "duration", None)
    if value:
        return float(value) / 1_000_000  # AV_TIME_BASE
    if getattr(stream, "duration", None) and getattr(stream, "time_base", None):
        return float(stream.duration * stream.time_base)  # type: ignore[attr-defined]
    return None


def video_frame(source: Source, media_type: str, at_ms: int) -> Image.Image:
    """The frame shown at at_ms (the last one before it, or the first), upright, as RGB."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with _open_video(source, media_type) as container:
                stream = container.streams.video[0]
                target = max(0, at_ms) / 1000
                if target > 0 and stream.time_base is not None:
                    container.seek(int(target / stream.time_base), stream=stream, backward=True)
                chosen = None
                for frame in container.decode(stream):
                    t = frame.time if frame.time is not None else 0.0
                    if chosen is not None and t > target + 1e-3:
                        break
                    chosen = frame
                    if t >= target - 1e-3:
                        break
                if chosen is None:
                    raise MediaUnusable("视频里没有可以显示的画面")
                return upright_frame(chosen)
    except MediaUnusable:
        raise
    except Exception as exc:
        log.info("video frame at %d ms failed", at_ms, exc_info=True)
        raise MediaUnusable(_video_reason(exc)) from exc


def probe(source: Source, media_type: str) -> MediaInfo:
    if media_type == PDF_TYPE:
        return probe_pdf(source)
    if media_type in VIDEO_TYPES:
        return probe_video(source, media_type)
    return probe_image(source, media_type)
