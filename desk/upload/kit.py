"""Building an upload kit: numbered clean JPEGs, the trimmed 申诉说明.txt, and a ZIP of them.

The kit is written into a hidden staging folder next to the destination and renamed into place only
when every picture fitted, so a failure or a cancel leaves nothing behind and an existing folder is
never touched. The ZIP is written as ``<name>.partial`` and renamed over the target at the end.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PIL import Image

from desk.errors import DeskError, PacketFailed, write_failure_reason
from desk.fileops import fsync_dir
from desk.progress import Cancel, Cancelled, Progress, stop_if_cancelled
from desk.store import media, render
from desk.store.render import JPEG_MAX_SIDE
from desk.upload import pages
from desk.upload.budget import size_text
from desk.upload.ladder import MAX_PIXELS, MIN_SIDE, QUALITIES, Fitted, fit_jpeg
from desk.upload.preflight import (
    SLICE_MAX,
    TEXT_FILE,
    KitEntry,
    KitInput,
    Preflight,
    preflight,
    safe_part,
    slice_bounds,
)

log = logging.getLogger(__name__)


PDF_PAGE_SIDE = 2000  # a voucher page's long side in pixels before the ladder
_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a ZIP can hold


class UploadKitFailed(PacketFailed):
    """The kit cannot be built; `failures` are plain sentences saying what to change."""

    def __init__(self, failures: Sequence[str]) -> None:
        items = tuple(failures)
        if len(items) == 1:
            message = f"无法生成上传材料包：{items[0]}"
        else:
            message = "无法生成上传材料包：\n" + "\n".join(f"{i}. {f}" for i, f in enumerate(items, 1))
        super().__init__(message)
        self.failures = items


@dataclass(frozen=True, slots=True)
class KitFile:
    """One written picture."""

    name: str
    title: str
    byte_size: int
    width: int
    height: int
    quality: int
    scaled: bool  # pixels were reduced to fit the byte limit
    original_bytes: int | None


@dataclass(frozen=True, slots=True)
class UploadKitResult:
    """A finished kit: where it is, what is in it, and what the operator should know."""

    folder: Path | None
    zip_path: Path | None
    files: tuple[KitFile, ...]
    text: str  # the 申诉说明 as written to TEXT_FILE (trimmed)
    notes: tuple[str, ...]
    preflight: Preflight

    @property
    def largest(self) -> int:
        return max((f.byte_size for f in self.files), default=0)

    def summary(self) -> str:
        """A few lines for the CLI and the status bar."""
        b = self.preflight.budget
        where = " 和 ".join(str(p) for p in (self.folder, self.zip_path) if p is not None)
        lines = [
            f"已生成上传材料包：{where}",
            f"图片 {len(self.files)} / {b.image_count.value} 张，单张最大 {size_text(self.largest)} / "
            f"{size_text(b.image_bytes)}，申诉说明 {len(self.text)} / {b.text_chars.value} 字",
        ]
        for f in self.files:
            how = f"质量 {f.quality}" + ("，已缩小" if f.scaled else "")
            lines.append(f"  {f.name}  {f.width}×{f.height}  {size_text(f.byte_size)}（{how}）")
        lines.append(f"  {TEXT_FILE}")
        lines += [f"注意：{n}" for n in self.notes]
        return "\n".join(lines)


def _open_reason(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "原件文件不见了"
    if isinstance(exc, PermissionError):
        return "没有权限读取原件文件"
    if isinstance(exc, Image.DecompressionBombError):
        return "图片像素过多"
    if isinstance(exc, MemoryError):
        return "图片太大，内存不足"
    if isinstance(exc, media.MediaUnusable):
        return str(exc)
    return "文件已损坏或无法解码"


def _render_max_side(entry: KitEntry) -> int | None:
    """Decode big photos at reduced size (they would be scaled to MAX_PIXELS anyway)."""
    if entry.pixel_size is None:
        return None
    w, h = entry.pixel_size
    if w * h <= MAX_PIXELS:
        return None
    return math.ceil(max(w, h) * math.sqrt(MAX_PIXELS / (w * h))) + 1


def _picture(kit: KitInput, entry: KitEntry, total: int, last: dict[int, Image.Image]) -> Image.Image:
    """The entry's picture: upright, the operator's marks (black boxes, arrows, labels) drawn, turned.

    A picture cut into pieces is rendered once (kept in `last` for its following pieces), then cropped.
    """
    where = {"number": entry.number, "total": total, "piece": entry.piece, "max_height": SLICE_MAX}
    if entry.source == "cover":
        return pages.cover_page(kit.content, kit.appeal_text, **where)
    if entry.source == "weights":
        return pages.weight_page(kit.content, **where)
    assert entry.evidence is not None
    if entry.pieces > 1:
        whole = last.get(entry.evidence)
        if whole is None:
            last.clear()  # only one long picture is held at a time
            whole = last[entry.evidence] = _whole_picture(kit, entry)
        return _cut(whole, entry.piece, entry.pieces)
    return _whole_picture(kit, entry)


def _cut(whole: Image.Image, piece: int, pieces: int) -> Image.Image:
    """Piece `piece` of `pieces` across the long side (the pre-flight's slice_bounds)."""
    tall = whole.height >= whole.width
    start, end = slice_bounds(whole.height if tall else whole.width, pieces)[piece - 1]
    box = (0, start, whole.width, end) if tall else (start, 0, end, whole.height)
    return whole.crop(box)


def _whole_picture(kit: KitInput, entry: KitEntry) -> Image.Image:
    assert entry.evidence is not None
    ev = kit.content.evidence[entry.evidence]
    if entry.source == "video":
        return render.render(
            ev.blob_path, ev.media_type, marks=ev.marks, rotation=ev.rotation, at_ms=entry.at_ms or 0
        )
    if entry.source == "pdf":
        return render.render(
            ev.blob_path, ev.media_type, marks=ev.marks, rotation=ev.rotation, max_side=PDF_PAGE_SIDE
        )
    return render.render(
        ev.blob_path, ev.media_type, marks=ev.marks, rotation=ev.rotation, max_side=_render_max_side(entry)
    )


def _too_big(kit: KitInput, entry: KitEntry, fitted: Fitted) -> str:
    """What to say when no rung of the ladder fits: the file, how small it got, and what to change."""
    last = fitted.steps[-1]
    b = kit.budget
    short = min(last.width, last.height)
    if short < MIN_SIDE:
        floor = f"短边只有 {short} 像素，不再缩小"
    else:
        floor = f"再缩小短边就低于 {MIN_SIDE} 像素，文字会看不清"
    head = (
        f"“{entry.file_name}”压缩到质量 {QUALITIES[-1]}、{last.width}×{last.height} 像素仍有 "
        f"{size_text(last.byte_size)}，超过{b.platform}单张上限 {size_text(b.image_bytes)}（{floor}）："
    )
    if entry.source in ("cover", "weights"):
        fix = "这是汇总页，上限小到连文字页都放不下，请核对单张大小上限" + (
            "（或缩短问题描述）" if entry.source == "cover" else ""
        )
    else:
        fix = "请裁剪这张图片或把长截图分成几张后重新导入"
    if not b.image_kb.verified:
        fix += f"；{b.image_kb.tag_phrase}，如后台允许更大，请在“资料 ▸ 平台资料…”中设置“{b.image_kb.label}”"
    return head + fix + "。"


def _unencodable(entry: KitEntry, picture: Image.Image, exc: BaseException | None) -> str:
    """What to say when a picture cannot be written as a JPEG at all (never blamed on the disk)."""
    w, h = picture.size
    if exc is None or max(w, h) > JPEG_MAX_SIDE:
        why = f"有 {w}×{h} 像素，超过 JPEG 图片单边 {JPEG_MAX_SIDE} 像素的上限"
    elif isinstance(exc, MemoryError):
        why = f"有 {w}×{h} 像素，内存不足以压缩"
    else:
        why = f"无法压缩为 JPEG（{type(exc).__name__}）"
    return f"“{entry.file_name}”{why}：请裁剪这张图片或把它分成几张后重新导入。"


def text_file_bytes(text: str) -> bytes:
    """UTF-8 with a BOM and CRLF line ends: Windows Notepad opens it right, so does everything else."""
    return "\ufeff".encode() + text.replace("\n", "\r\n").encode("utf-8")


def _write(path: Path, data: bytes) -> None:
    with open(path, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _zip_time(kit: KitInput) -> tuple[int, int, int, int, int, int]:
    t = kit.content.generated_at.astimezone()
    stamp = (t.year, t.month, t.day, t.hour, t.minute, t.second - t.second % 2)
    return max(stamp, _EPOCH)


def write_zip(
    staging: Path, names: Sequence[str], target: Path, when: tuple[int, int, int, int, int, int]
) -> None:
    """The ZIP of `names` in `staging`, in that order, with fixed times (same input, same bytes)."""
    with zipfile.ZipFile(target, "w") as zf:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=when)
            info.external_attr = 0o644 << 16
            # JPEGs are compressed already; deflating them only costs time.
            info.compress_type = zipfile.ZIP_STORED if name.endswith(".jpg") else zipfile.ZIP_DEFLATED
            zf.writestr(info, (staging / name).read_bytes())
    with open(target, "rb+") as fh:
        os.fsync(fh.fileno())


def _check_destination(folder: Path | None, zip_path: Path | None) -> None:
    if folder is None and zip_path is None:
        raise ValueError("a folder or a zip path is needed")
    if folder is not None and folder.exists():
        if not folder.is_dir():
            raise UploadKitFailed([f"“{folder}”已是一个文件：请换一个文件夹名"])
        if any(folder.iterdir()):
            raise UploadKitFailed(
                [f"文件夹“{folder}”已存在且不是空的：上传材料包不会覆盖已有文件，请选一个新的文件夹名"]
            )
    for target in (folder, zip_path):
        if target is not None and not target.parent.is_dir():
            raise UploadKitFailed([f"保存位置“{target.parent}”不存在"])
    if zip_path is not None and zip_path.is_dir():
        raise UploadKitFailed([f"“{zip_path}”是一个文件夹：请换一个 ZIP 文件名"])


def build_upload_kit(
    kit: KitInput,
    *,
    folder: Path | None = None,
    zip_path: Path | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> UploadKitResult:
    """Write the kit as `folder` (which must not exist or be empty) and/or as the ZIP `zip_path`.

    Runs the pre-flight first; any hard failure (too many pictures, an unreadable original, a
    picture no rung of the ladder fits) raises `UploadKitFailed` listing every problem, and nothing
    is written. Evidence is never dropped or cropped to make the kit fit.
    """
    check = preflight(kit)
    if check.failures:
        raise UploadKitFailed(check.failures)
    _check_destination(folder, zip_path)
    anchor = folder if folder is not None else zip_path
    assert anchor is not None
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{anchor.stem[:40]}.", suffix=".partial", dir=anchor.parent))
    except OSError as exc:
        raise UploadKitFailed([f"无法在“{anchor.parent}”中写入：{write_failure_reason(exc)}"]) from exc
    with contextlib.suppress(OSError):
        os.chmod(staging, 0o755)  # mkdtemp makes it private; the kit is an ordinary folder
    zip_partial = zip_path.with_name(zip_path.name + ".partial") if zip_path is not None else None
    total = len(check.entries)
    files: list[KitFile] = []
    failures: list[str] = []
    long_picture: dict[int, Image.Image] = {}
    try:
        for done, entry in enumerate(check.entries):
            stop_if_cancelled(cancel)
            if progress is not None:
                progress(done, total + 1, f"正在处理第 {done + 1}/{total} 张：{entry.title}")
            try:
                picture = _picture(kit, entry, total, long_picture)
            except DeskError:
                raise
            except Exception as exc:  # Pillow, PDFium and PyAV raise many kinds on damaged files
                name = (
                    kit.content.evidence[entry.evidence].original_name
                    if entry.evidence is not None
                    else entry.title
                )
                failures.append(f"凭证“{name}”无法读取（{_open_reason(exc)}）：请在证据栏移除它或重新导入。")
                continue
            if max(picture.size) > JPEG_MAX_SIDE:  # libjpeg would refuse it (and print to the terminal)
                failures.append(_unencodable(entry, picture, None))
                continue
            try:
                fitted = fit_jpeg(picture, kit.budget.image_bytes)
            except Exception as exc:  # in memory only: an encoder failure, never a disk one
                log.warning("encoding %s failed", entry.file_name, exc_info=True)
                failures.append(_unencodable(entry, picture, exc))
                continue
            if fitted.jpeg is None or fitted.chosen is None:
                failures.append(_too_big(kit, entry, fitted))
                continue
            _write(staging / entry.file_name, fitted.jpeg)
            files.append(
                KitFile(
                    name=entry.file_name,
                    title=entry.title,
                    byte_size=len(fitted.jpeg),
                    width=fitted.chosen.width,
                    height=fitted.chosen.height,
                    quality=fitted.chosen.quality,
                    scaled=fitted.scaled,
                    original_bytes=entry.original_bytes,
                )
            )
        if failures:
            raise UploadKitFailed(failures)
        stop_if_cancelled(cancel)
        if progress is not None:
            progress(total, total + 1, "正在写入申诉说明和压缩包…")
        _write(staging / TEXT_FILE, text_file_bytes(check.text.kept))
        names = [f.name for f in files] + [TEXT_FILE]
        if zip_path is not None and zip_partial is not None:
            write_zip(staging, names, zip_partial, _zip_time(kit))
            os.replace(zip_partial, zip_path)
        if folder is not None:
            if folder.exists():
                folder.rmdir()  # empty (checked above); Windows cannot rename over a folder
            os.rename(staging, folder)
        else:
            shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            fsync_dir(anchor.parent)
        if progress is not None:
            progress(total + 1, total + 1, "完成")
    except BaseException as exc:
        shutil.rmtree(staging, ignore_errors=True)
        if zip_partial is not None:
            with contextlib.suppress(OSError):
                zip_partial.unlink()
        if isinstance(exc, Cancelled):
            raise PacketFailed("已取消") from None
        if isinstance(exc, OSError):
            raise UploadKitFailed([f"无法保存到“{anchor}”：{write_failure_reason(exc)}"]) from exc
        raise
    notes = list(check.notes)
    shrunk = [f for f in files if f.scaled]
    if shrunk:
        notes.append(
            f"{len(shrunk)} 张图片在质量降到 {QUALITIES[-1]} 后仍超出，已缩小像素：{'、'.join(f.name for f in shrunk)}。"
        )
    return UploadKitResult(
        folder=folder,
        zip_path=zip_path,
        files=tuple(files),
        text=check.text.kept,
        notes=tuple(notes),
        preflight=check,
    )


def default_kit_name(order_no: str, case_id: int, when: datetime) -> str:
    """`上传材料-261120-583920174650321-20261127`: the folder (or ZIP) name the desk suggests."""
    label = safe_part(order_no) or f"售后{case_id}"
    return f"上传材料-{label}-{when.astimezone().strftime('%Y%m%d')}"
