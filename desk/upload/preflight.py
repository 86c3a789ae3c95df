"""Pre-flight of an upload kit: what will be written, measured against the platform's limits.

Nothing here decodes whole pictures: only file headers are read, so the check is quick enough to
run whenever the dialog opens. Whether a picture really fits its byte limit is known only once the
ladder ran (`desk.upload.kit`); the pre-flight says which pictures will need recompression.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from desk.pdf.content import PacketContent, PacketEvidence
from desk.privacy import mask_phones
from desk.store import media
from desk.store.render import JPEG_MAX_SIDE
from desk.upload import pages as summary_pages
from desk.upload.budget import Allowance, Budget, size_text
from desk.upload.ladder import start_size
from desk.upload.text import Trimmed, count_chars, trim_to_limit

COVER_NAME = "封面与说明"
WEIGHT_NAME = "重量对比"
TEXT_FILE = "申诉说明.txt"
MAX_NAME = 80  # characters of a file name, extension included: short paths stay safe on Windows
PLATFORM_DIALOG = "资料 ▸ 平台资料…"
CUT_SHOWN = 80  # characters of the cut text quoted in the note (the JSON has all of it)
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')
_SPACES = re.compile(r"\s+")

OK, WARN, BAD = "ok", "warn", "bad"

# A JPEG side may not exceed JPEG_MAX_SIDE pixels. A picture longer than that at the size the ladder
# starts from (a stitched chat history, a 65535×1 strip) is cut across its long side into numbered
# pieces of at most SLICE_MAX pixels, like the pages of a document: nothing is dropped, and no piece is
# scaled more than the whole picture would be. The margin below the JPEG limit absorbs the few pixels a
# decode at reduced size may differ from the size the header promises.
SLICE_MAX = JPEG_MAX_SIDE - 64
# Neighbouring pieces share this many pixels, so a line of text the cut goes through is whole in one.
SLICE_OVERLAP = 48


@dataclass(frozen=True, slots=True)
class KitInput:
    """Everything a kit is built from, as plain data (already masked).

    Attributes:
        content: the packet content (cover, weights, evidence in packet order), phone numbers masked.
        appeal_text: the 申诉说明 (the case's 问题描述), masked, untrimmed.
        budget: the platform's limits.
        required: evidence kinds this appeal needs.
        required_source: where `required` comes from, in plain words ("" when nothing is known).
        appeal: the appeal type's label, "" for the case's own.
    """

    content: PacketContent
    appeal_text: str
    budget: Budget
    required: tuple[str, ...] = ()
    required_source: str = ""
    appeal: str = ""


@dataclass(frozen=True, slots=True)
class KitEntry:
    """One picture of the kit.

    Attributes:
        number: 1-based position, also the file name's prefix.
        file_name: masked, Windows-safe, at most MAX_NAME characters.
        source: "cover", "weights", "image", "video" or "pdf".
        title: what it shows, for the operator ("仓库称重图：称重1").
        evidence: index into content.evidence, None for summary pages.
        at_ms: video frame time.
        original_bytes: size of the evidence file (None for summary pages and frames).
        original_format: "JPEG", "PNG", "视频", "PDF" …; "" for summary pages.
        pixel_size: upright size of the source picture when known from its header.
        needs_recompression: the original is larger than the per-picture limit.
        needs_conversion: the original is not a JPEG (PNG, HEIC, a video frame, a PDF page).
        problem: why the source cannot be used, "" when it can.
        piece: which piece of a picture cut into `pieces` (1-based); 0 when it is not cut.
        pieces: how many pieces the picture is cut into (1 when it is whole).
    """

    number: int
    file_name: str
    source: str
    title: str
    evidence: int | None = None
    at_ms: int | None = None
    original_bytes: int | None = None
    original_format: str = ""
    pixel_size: tuple[int, int] | None = None
    needs_recompression: bool = False
    needs_conversion: bool = False
    problem: str = ""
    piece: int = 0
    pieces: int = 1


@dataclass(frozen=True, slots=True)
class MeterRow:
    """One line of the budget meter: 图片张数 8 / 9 张 (green), 申诉说明 620 / 500 字 (orange) …"""

    key: str  # "image_count", "image_size", "formats", "text", "evidence"
    label: str
    value: str
    state: str  # OK (green), WARN (orange: handled automatically, or unverified), BAD (red)
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Preflight:
    """The pre-flight verdict; `failures` non-empty means the kit cannot be built as the case stands."""

    platform: str
    appeal: str
    budget: Budget
    entries: tuple[KitEntry, ...]
    text: Trimmed
    text_chars: int
    required: tuple[str, ...]
    missing: tuple[str, ...]
    required_source: str
    rows: tuple[MeterRow, ...]
    notes: tuple[str, ...]
    failures: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def image_count(self) -> int:
        return len(self.entries)

    @property
    def recompress(self) -> tuple[str, ...]:
        return tuple(e.file_name for e in self.entries if e.needs_recompression)

    def row(self, key: str) -> MeterRow:
        return next(r for r in self.rows if r.key == key)

    def as_json(self) -> dict[str, Any]:
        b = self.budget

        def limit(a: Allowance) -> dict[str, Any]:
            return {"value": a.value, "unit": a.unit, "verified": a.verified, "source": a.source}

        originals = [e.original_bytes for e in self.entries if e.original_bytes is not None]
        return {
            "ok": self.ok,
            "platform": self.platform,
            "appeal": self.appeal,
            "images": {"count": self.image_count, "limit": limit(b.image_count)},
            "image_size": {
                "largest_original_bytes": max(originals, default=0),
                "limit_bytes": b.image_bytes,
                "limit": limit(b.image_kb),
                "recompress": list(self.recompress),
            },
            "formats": {
                "output": list(b.formats),
                "convert": [e.file_name for e in self.entries if e.needs_conversion],
            },
            "text": {
                "chars": self.text_chars,
                "limit": limit(b.text_chars),
                "kept": self.text.kept,
                "kept_chars": len(self.text.kept),
                "cut": self.text.cut,
                "boundary": self.text.boundary,
            },
            "evidence": {
                "required": list(self.required),
                "missing": list(self.missing),
                "source": self.required_source,
            },
            "files": [
                {
                    "number": e.number,
                    "name": e.file_name,
                    "source": e.source,
                    "title": e.title,
                    "original_bytes": e.original_bytes,
                    "needs_recompression": e.needs_recompression,
                    "needs_conversion": e.needs_conversion,
                    "piece": e.piece,
                    "pieces": e.pieces,
                }
                for e in self.entries
            ],
            "meter": [
                {"key": r.key, "label": r.label, "value": r.value, "state": r.state, "detail": r.detail}
                for r in self.rows
            ],
            "notes": list(self.notes),
            "failures": list(self.failures),
        }


# -- names -----------------------------------------------------------------------------------------


def safe_part(text: str) -> str:
    """Text as part of a file name: phone numbers masked, no characters Windows refuses, one line."""
    from desk.names import without_controls

    # Control and direction characters go first (U+202E in a caption would reverse the name's end).
    # The mask's * is not allowed in Windows file names; the full-width ＊ reads the same.
    clean = _UNSAFE.sub("_", mask_phones(without_controls(text)).replace("*", "＊"))
    return _SPACES.sub(" ", clean).strip(" ._")


def file_name(number: int, width: int, *parts: str) -> str:
    """`03-仓库称重图-称重1.jpg`: numbered, masked, Windows-safe, at most MAX_NAME characters."""
    head = f"{number:0{width}d}"
    pieces = [p for p in (safe_part(x) for x in parts) if p]
    name = "-".join([head, *pieces])
    if len(name) + 4 > MAX_NAME:
        name = name[: MAX_NAME - 5].rstrip(" ._-") + "…"
    return name + ".jpg"


def _clock(ms: int) -> str:
    minutes, rest = divmod(max(0, ms) / 1000, 60)
    return f"{int(minutes):02d}分{rest:04.1f}秒"


def _label(ev: PacketEvidence) -> str:
    return ev.caption.strip() or Path(ev.original_name).stem


def _name_parts(ev: PacketEvidence, label: str) -> tuple[str, ...]:
    """Kind and label for a file name, without saying the kind twice (买家照片-买家照片-非本店)."""
    return (label,) if label.startswith(ev.kind) else (ev.kind, label)


# -- headers ---------------------------------------------------------------------------------------


def _image_header(ev: PacketEvidence) -> tuple[tuple[int, int] | None, str, str]:
    """(upright size, format, problem) from the header only."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(ev.blob_path, formats=media.image_formats(ev.media_type)) as im:
                return media.upright_size(im), str(im.format or ""), ""
    except FileNotFoundError:
        return None, "", "原件文件不见了"
    except PermissionError:
        return None, "", "没有权限读取原件文件"
    except KeyError:
        return None, "", "不支持的图片类型"
    except Exception:
        return None, "", "文件已损坏或格式无法识别"


def _pdf_pages(path: Path) -> tuple[int, str]:
    try:
        import pypdfium2 as pdfium

        with media.PDFIUM_LOCK:
            doc = pdfium.PdfDocument(str(path))
            try:
                return len(doc), ""
            finally:
                doc.close()
    except FileNotFoundError:
        return 0, "原件文件不见了"
    except Exception as exc:
        text = str(exc).lower()
        if "password" in text:
            return 0, "PDF 设有打开密码"
        if not path.exists():
            return 0, "原件文件不见了"
        return 0, "PDF 文件已损坏，无法打开"


def _fmt_name(ev: PacketEvidence, fmt: str) -> str:
    if fmt == "MPO":
        return "JPEG"
    return fmt or media.TYPE_LABELS.get(ev.media_type, ev.media_type).split(" ")[0]


# -- long pictures ---------------------------------------------------------------------------------


def pieces_needed(length: int) -> int:
    """How many pieces a side of `length` pixels is cut into so each, overlap included, fits SLICE_MAX."""
    count = 1
    while math.ceil((length + (count - 1) * SLICE_OVERLAP) / count) > SLICE_MAX:
        count += 1
    return count


def slice_count(width: int, height: int) -> int:
    """Pieces a picture of this upright size is cut into for the kit (1: it stays whole).

    Measured at the size the ladder starts from, so a large photo that is scaled to its pixel budget
    anyway is not cut for nothing.
    """
    return pieces_needed(max(start_size(max(1, width), max(1, height))))


def slice_bounds(length: int, count: int) -> list[tuple[int, int]]:
    """[start, end) of each of `count` equal pieces along a side of `length` pixels, overlapping a little."""
    if count <= 1:
        return [(0, length)]
    overlap = min(SLICE_OVERLAP, length // (2 * count))
    piece = math.ceil((length + (count - 1) * overlap) / count)
    bounds = []
    for i in range(count):
        start = min(i * (piece - overlap), max(0, length - piece))
        bounds.append((start, min(length, start + piece)))
    return bounds


def _slice_note(name: str, size: tuple[int, int], parts: int) -> str:
    w, h = size
    along = "从上到下" if h >= w else "从左到右"
    return (
        f"“{name}”有 {w}×{h} 像素，长边超过 JPEG 图片的上限 {JPEG_MAX_SIDE} 像素：上传材料包里把它{along}"
        f"切成 {parts} 张，按顺序编号（相邻两张重叠 {SLICE_OVERLAP} 像素，切口处的内容不会丢）。"
    )


# -- planning --------------------------------------------------------------------------------------


def plan(kit: KitInput) -> tuple[list[KitEntry], list[str]]:
    """The pictures of the kit in order, and notes on what is shown in part (PDF pages, video frames)."""
    content = kit.content
    limit = kit.budget.image_bytes
    raw: list[dict[str, Any]] = []
    notes: list[str] = []
    summaries = [("cover", COVER_NAME)] + ([("weights", WEIGHT_NAME)] if content.weight_table else [])
    for source, name in summaries:
        # A page longer than a JPEG may be (thousands of short lines in the 申诉说明) is cut like a long picture.
        pieces = summary_pages.pieces(source, content, kit.appeal_text, SLICE_MAX)
        if pieces == 1:
            raw.append({"source": source, "title": name, "parts": (name,)})
            continue
        notes.append(
            f"汇总页“{name}”太长：高度超过 JPEG 图片的上限 {JPEG_MAX_SIDE} 像素，"
            f"在行与行之间切成 {pieces} 张，按顺序编号。"
        )
        for piece in range(1, pieces + 1):
            raw.append(
                {
                    "source": source,
                    "title": f"{name}（第 {piece}/{pieces} 段）",
                    "parts": (name, f"第{piece}段"),
                    "piece": piece,
                    "pieces": pieces,
                }
            )
    for index, ev in enumerate(content.evidence):
        label = _label(ev)
        title = f"{ev.kind}：{label}"
        common = {"evidence": index, "original_bytes": ev.byte_size}
        if ev.media_type.startswith("video/"):
            moments = ev.key_frames or (0,)
            if not ev.key_frames:
                notes.append(f"视频“{ev.original_name}”没有选关键帧，上传材料包里用它的第一帧。")
            exists = ev.blob_path.exists()
            for at in moments:
                raw.append(
                    {
                        "source": "video",
                        "title": f"{title}（画面 {_clock(at)}）",
                        "parts": (*_name_parts(ev, label), f"画面{_clock(at)}"),
                        "evidence": index,
                        "at_ms": at,
                        "original_format": "视频",
                        "needs_conversion": True,
                        "problem": "" if exists else "原件文件不见了",
                    }
                )
        elif ev.media_type == media.PDF_TYPE:
            pages, problem = _pdf_pages(ev.blob_path)
            if pages > 1:
                notes.append(
                    f"PDF 凭证“{ev.original_name}”共 {pages} 页，上传材料包只放第 1 页；其余各页在申诉材料 PDF 里。"
                )
            raw.append(
                {
                    "source": "pdf",
                    "title": title + ("（第 1 页）" if pages > 1 else ""),
                    "parts": (*_name_parts(ev, label), "第1页" if pages > 1 else ""),
                    "original_format": "PDF",
                    "needs_conversion": True,
                    "problem": problem,
                    **common,
                }
            )
        else:
            size, fmt, problem = _image_header(ev)
            fmt = _fmt_name(ev, fmt)
            picture = {
                "source": "image",
                "title": title,
                "parts": _name_parts(ev, label),
                "original_format": fmt,
                "pixel_size": size,
                "needs_recompression": ev.byte_size is not None and ev.byte_size > limit,
                "needs_conversion": fmt != "JPEG",
                "problem": problem,
                **common,
            }
            pieces = slice_count(*size) if size is not None and not problem else 1
            if pieces == 1:
                raw.append(picture)
                continue
            assert size is not None
            notes.append(_slice_note(ev.original_name, size, pieces))
            for part in range(1, pieces + 1):
                raw.append(
                    {
                        **picture,
                        "title": f"{title}（第 {part}/{pieces} 段）",
                        "parts": (*_name_parts(ev, label), f"第{part}段"),
                        "needs_conversion": True,
                        "piece": part,
                        "pieces": pieces,
                    }
                )
    width = max(2, len(str(len(raw))))
    entries = []
    for number, item in enumerate(raw, start=1):
        parts = item.pop("parts")
        entries.append(KitEntry(number=number, file_name=file_name(number, width, *parts), **item))
    return entries, notes


def _limit_hint(a: Allowance) -> str:
    if a.verified:
        return ""
    name = f"“{a.label}”"
    if a.is_default:
        return f"上限 {a.value} {a.unit}是默认值，未核实：如后台不同，请在“{PLATFORM_DIALOG}”中设置{name}。"
    return f"上限 {a.value} {a.unit}未核实：请对照后台核对{name}。"


def count_failure(kit: KitInput, entries: list[KitEntry]) -> str:
    """The sentence for too many pictures: how many, the limit, and what to change."""
    allowed = kit.budget.image_count
    summary = sum(1 for e in entries if e.source in ("cover", "weights"))
    frames = sum(1 for e in entries if e.source == "video")
    parts = [f"{summary} 张汇总页", f"{len(entries) - summary} 张证据"]
    sentence = (
        f"图片共 {len(entries)} 张（{'、'.join(parts)}），超过{kit.budget.platform}申诉上限 {allowed.value} 张："
        "请在证据栏移除不必要的证据，或合并聊天截图（长截图可拼成一张）"
    )
    if frames > 1:
        sentence += f"；视频共导出 {frames} 个画面，可在查看窗口少选几个关键帧"
    sentence += "。"
    return sentence + _limit_hint(allowed)


def _text_rows(kit: KitInput, trimmed: Trimmed, chars: int, cover: str) -> tuple[MeterRow, list[str]]:
    a = kit.budget.text_chars
    tag = f"（{a.tag}）" if a.tag else ""
    notes: list[str] = []
    if chars == 0:
        return MeterRow(
            "text", "申诉说明", f"0 / {a.value} 字", WARN, "申诉说明为空：请在售后记录的“问题描述”里填写"
        ), notes
    if not trimmed.was_cut:
        return MeterRow("text", "申诉说明", f"{chars} / {a.value} 字", OK, a.tag_phrase), notes
    where = {"sentence": "在句末", "clause": "在分句处", "hard": "在上限处（没有合适的句末）"}[
        trimmed.boundary
    ]
    cut = trimmed.cut
    shown_cut = cut if len(cut) <= CUT_SHOWN else f"{cut[:CUT_SHOWN]}…（共 {len(cut)} 字）"
    note = (
        f"申诉说明 {chars} 字，超过{kit.budget.platform}上限 {a.value} 字{tag}：已{where}截断，保留 {len(trimmed.kept)} 字，"
        f"去掉了末尾的“{shown_cut}”。完整内容仍在 {cover} 里；也可以在“问题描述”里精简后重新生成。"
    )
    notes.append(note)
    detail = f"超出 {chars - a.value} 字，将{where}截断（保留 {len(trimmed.kept)} 字）"
    return MeterRow("text", "申诉说明", f"{chars} / {a.value} 字", WARN, detail), notes


def preflight(kit: KitInput) -> Preflight:
    """Measure the kit against the budget; never changes anything."""
    b = kit.budget
    entries, notes = plan(kit)
    failures: list[str] = []
    for e in entries:
        if e.problem and e.evidence is not None:
            ev = kit.content.evidence[e.evidence]
            fix = "请运行“工具 ▸ 检查数据”" if "不见了" in e.problem else "请在证据栏移除它或重新导入"
            failures.append(f"凭证“{ev.original_name}”无法放入上传材料包（{e.problem}）：{fix}。")
    rows: list[MeterRow] = []

    count = b.image_count
    count_tag = f"；{count.tag_phrase}" if count.tag else ""
    summary = sum(1 for e in entries if e.source in ("cover", "weights"))
    over = len(entries) > count.value
    if over:
        failures.insert(0, count_failure(kit, entries))
    rows.append(
        MeterRow(
            "image_count",
            "图片张数",
            f"{len(entries)} / {count.value} 张",
            BAD if over else OK,
            f"{summary} 张汇总页 + {len(entries) - summary} 张证据{count_tag}",
        )
    )

    size = b.image_kb
    size_tag = f"；{size.tag_phrase}" if size.tag else ""
    originals = [e.original_bytes for e in entries if e.source == "image" and e.original_bytes is not None]
    heavy = [e for e in entries if e.needs_recompression]
    largest = max(originals, default=0)
    rows.append(
        MeterRow(
            "image_size",
            "单张大小",
            f"原件最大 {size_text(largest)} / {size_text(b.image_bytes)}"
            if originals
            else f"上限 {size_text(b.image_bytes)}",
            WARN if heavy else OK,
            (f"{len(heavy)} 张需压缩" if heavy else "都不用压缩") + size_tag,
        )
    )

    convert = [e for e in entries if e.needs_conversion]
    kinds = sorted({e.original_format for e in convert})
    rows.append(
        MeterRow(
            "formats",
            "格式",
            "全部输出为 " + "/".join(b.formats),
            OK,
            f"{len(convert)} 项由 {'、'.join(kinds)} 转换" if convert else "都是 JPG",
        )
    )

    chars = count_chars(kit.appeal_text)
    trimmed = trim_to_limit(kit.appeal_text, b.text_chars.value)
    covers = [e.file_name for e in entries if e.source == "cover"]
    cover = covers[0] if len(covers) == 1 else f"{covers[0]} 至 {covers[-1]}"
    text_row, text_notes = _text_rows(kit, trimmed, chars, cover)
    rows.append(text_row)
    notes = text_notes + notes

    present = {ev.kind for ev in kit.content.evidence}
    missing = tuple(k for k in kit.required if k not in present)
    if missing:
        evidence_row = MeterRow("evidence", "缺少的证据", "、".join(missing), BAD, kit.required_source)
    elif kit.required:
        evidence_row = MeterRow(
            "evidence", "缺少的证据", "无", OK, "必需证据都有：" + "、".join(kit.required)
        )
    else:
        evidence_row = MeterRow(
            "evidence", "缺少的证据", "—", OK, kit.required_source or "这类申诉没有必需证据清单"
        )
    rows.append(evidence_row)
    if missing:
        notes.insert(
            0, f"缺少必需证据：{'、'.join(missing)}（{kit.required_source}）。仍可导出，但申诉可能被驳回。"
        )
    unverified = [a for a in (count, size, b.text_chars) if not a.verified and not (a is count and over)]
    if unverified:
        listed = "、".join(
            f"{a.label} {a.value} {a.unit}" + ("（默认值）" if a.is_default else "") for a in unverified
        )
        notes.append(f"以下上限未核实：{listed}。请对照后台，在“{PLATFORM_DIALOG}”中设置实际数值。")
    return Preflight(
        platform=b.platform,
        appeal=kit.appeal,
        budget=b,
        entries=tuple(entries),
        text=trimmed,
        text_chars=chars,
        required=kit.required,
        missing=missing,
        required_source=kit.required_source,
        rows=tuple(rows),
        notes=tuple(notes),
        failures=tuple(failures),
    )
