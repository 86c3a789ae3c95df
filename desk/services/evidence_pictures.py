"""What the operator sees and sends of evidence: cached thumbnails, viewer previews, clean copies for
sending elsewhere and named copies for the system viewer. The originals are never touched."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from pathlib import Path

from PIL import Image

from desk.domain import EvidenceData
from desk.errors import DeskError
from desk.fileops import free_path, fsync_dir
from desk.services.evidence_common import jpeg, save_thumb_bytes, storage_reason, thumb_path
from desk.store import media, render
from desk.store.blobstore import BlobStore

log = logging.getLogger(__name__)


class EvidencePictures:
    """Pictures of stored originals (EvidenceService hands its thumbnails, previews and copies here)."""

    def __init__(self, store: BlobStore, thumbnails_dir: Path) -> None:
        self._store = store
        self._thumbs = thumbnails_dir

    def thumbnail_for(self, evidence: EvidenceData) -> Path:
        """The cached thumbnail (upright, without rotation and marks), made on first use."""
        path = thumb_path(self._thumbs, evidence.sha256)
        if path.is_file():
            return path
        blob = self._store.path_for(evidence.sha256)
        thumb: Image.Image
        try:
            info = media.probe(blob, evidence.media_type)
            thumb = info.thumbnail if info.thumbnail is not None else _pdf_placeholder(info.page_count)
        except media.MediaUnusable:
            thumb = _broken_placeholder()
        save_thumb_bytes(path, jpeg(thumb))
        return path

    def preview(self, evidence: EvidenceData, *, max_side: int = 2048, at_ms: int | None = None) -> bytes:
        """The picture for the viewer: upright, fitting max_side, without marks or rotation (JPEG/PNG)."""
        blob = self._store.path_for(evidence.sha256)
        try:
            if evidence.is_video:
                im = render.render(blob, evidence.media_type, at_ms=at_ms or 0, max_side=max_side)
            else:
                im = render.load_upright(blob, evidence.media_type, max_side)
        except FileNotFoundError as exc:
            raise DeskError(f"“{evidence.original_name}”的原始文件不见了，请运行“检查数据”") from exc
        except media.MediaUnusable as exc:
            raise DeskError(f"无法显示“{evidence.original_name}”：{exc}") from exc
        except Exception as exc:
            log.warning("preview of %s failed", evidence.original_name, exc_info=True)
            raise DeskError(f"无法显示“{evidence.original_name}”：文件无法解码") from exc
        fmt = "PNG" if evidence.media_type in render.LOSSLESS_SOURCES else "JPEG"
        return render.encode_clean(im, fmt, quality=90)

    def export_copy(self, ev: EvidenceData, folder: Path) -> Path:
        """Write a copy for sending elsewhere: marks and rotation applied, no EXIF/GPS or other metadata.

        Pictures are re-encoded (PNG for screenshots, JPEG for photos); videos are re-packed
        without their metadata (GPS, device); PDFs are copied as they are. Never overwrites a file.
        """
        blob = self._store.path_for(ev.sha256)
        stem = _safe_stem(ev.original_name) or f"证据{ev.id}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if ev.is_pdf:
                ext = ".pdf"
            elif ev.is_video:
                ext = media.EXTENSIONS.get(ev.media_type, ".mp4")
            else:
                fmt, ext = render.export_format(ev.media_type)
            dest = free_path(folder, stem, ext)
            # The copy is the user's own file, created as any program creates one: 0666 less the umask
            # (usually 0644). mkstemp would leave it private (0600), and replacing keeps that mode.
            tmp = folder / f".export-{os.urandom(8).hex()}{ext}"
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666))
            try:
                if ev.is_pdf:
                    with blob.open("rb") as src, tmp.open("wb") as out:
                        while chunk := src.read(1 << 20):
                            out.write(chunk)
                elif ev.is_video:
                    render.remux_without_metadata(blob, tmp, ev.media_type)
                else:
                    im = render.render(blob, ev.media_type, marks=ev.marks, rotation=ev.rotation)
                    tmp.write_bytes(render.encode_clean(im, fmt))
                with tmp.open("rb+") as fh:
                    os.fsync(fh.fileno())
                os.replace(tmp, dest)
                with contextlib.suppress(OSError):
                    fsync_dir(folder)
            except BaseException:
                with contextlib.suppress(OSError):
                    tmp.unlink()
                raise
        except FileNotFoundError as exc:
            if not blob.exists():
                raise DeskError(f"无法导出“{ev.original_name}”：原始文件不见了，请运行“检查数据”") from exc
            raise DeskError(f"无法导出“{ev.original_name}”：保存位置不存在") from exc
        except OSError as exc:
            log.warning("export of %s failed", ev.original_name, exc_info=True)
            raise DeskError(f"无法导出“{ev.original_name}”：{storage_reason(exc)}") from exc
        except media.MediaUnusable as exc:
            raise DeskError(f"无法导出“{ev.original_name}”：{exc}") from exc
        except DeskError:
            raise
        except Exception as exc:
            log.error("export of %s failed", ev.original_name, exc_info=True)
            raise DeskError(f"无法导出“{ev.original_name}”：文件无法解码（{type(exc).__name__}）") from exc
        return dest

    def open_copy(self, ev: EvidenceData) -> Path:
        """A copy of the original under its own name (with the right extension), for the system viewer.

        Originals are stored under their SHA-256 without an extension, which no viewer can open.
        The copy lives in the cache folder (a hard link where possible: no extra space), read-only.
        """
        blob = self._store.path_for(ev.sha256)
        ext = media.EXTENSIONS.get(ev.media_type, "")
        stem = _safe_stem(ev.original_name) or f"证据{ev.id}"
        folder = self._thumbs.parent / "open" / ev.sha256[:16]
        dest = folder / f"{stem}{ext}"
        if dest.is_file():
            return dest
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".{ev.sha256[:16]}.{threading.get_ident()}.tmp"
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            try:
                os.link(blob, tmp)
            except OSError:
                with blob.open("rb") as src, tmp.open("wb") as out:
                    while chunk := src.read(1 << 20):
                        out.write(chunk)
                with contextlib.suppress(OSError):
                    os.chmod(tmp, 0o444)
            os.replace(tmp, dest)
        except FileNotFoundError as exc:
            raise DeskError(f"“{ev.original_name}”的原始文件不见了，请运行“检查数据”") from exc
        except OSError as exc:
            raise DeskError(f"无法打开“{ev.original_name}”：{storage_reason(exc)}") from exc
        return dest


def _safe_stem(name: str) -> str:
    from desk.names import safe_filename

    stem = Path(name).stem if "." in name else name
    # No control or direction characters (U+202E would make "gpj.exe" read as "exe.jpg"), no characters
    # or device names Windows refuses (CON, NUL, COM1 …), and at most 200 bytes: room for "-2" and the
    # extension within 255.
    return safe_filename(stem, fallback="", max_bytes=200)


def _pdf_placeholder(pages: int | None) -> Image.Image:
    from PIL import ImageDraw

    im = Image.new("RGB", (192, 256), (245, 245, 240))
    d = ImageDraw.Draw(im)
    d.rectangle((8, 8, 183, 247), outline=(180, 60, 60), width=3)
    d.text((70, 110), "PDF", fill=(180, 60, 60))
    if pages:
        d.text((70, 135), f"{pages} p", fill=(90, 90, 90))
    return im


def _broken_placeholder() -> Image.Image:
    from PIL import ImageDraw

    im = Image.new("RGB", (256, 192), (240, 240, 240))
    ImageDraw.Draw(im).line((0, 0, 255, 191), fill=(200, 0, 0), width=3)
    return im
