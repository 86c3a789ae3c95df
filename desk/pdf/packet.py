"""Building the appeal packet PDF from a PacketContent with ReportLab platypus: the story, that is what
goes on which page. The custom flowables are in desk.pdf.flowables, the pictures are prepared by
desk.pdf.pictures."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.doctemplate import LayoutError, _FrameBreak
from reportlab.platypus.flowables import KeepTogether

from desk.errors import PacketFailed, write_failure_reason
from desk.fileops import fsync_dir
from desk.pdf.cache import PreparedCache
from desk.pdf.content import PacketContent, PacketEvidence
from desk.pdf.flowables import (
    Bookmark,
    PacketCanvas,
    PhotoRow,
    Picture,
    SlicedPicture,
    Slot,
    VoucherPicture,
    VoucherSlot,
)
from desk.pdf.fonts import FontSet, coverage_gaps, markup_text, resolve_fonts
from desk.pdf.images import ImageUnusable, PreparedImage
from desk.pdf.pictures import IMAGE_DPI as IMAGE_DPI
from desk.pdf.pictures import (
    LEGIBLE_W,
    PREPARE_WORKERS,
    ROW_DPI,
    TALL_RATIO,
    Preparer,
    detail_regions,
    printed_region,
    printed_size,
)
from desk.pdf.vouchers import Box
from desk.pdf.wrap import CJKParagraph
from desk.progress import Cancel, Cancelled, Progress, stop_if_cancelled

# ASCII85 makes image streams 25% larger and the build ~40x slower; invariant gives identical
# bytes for identical input (fixed dates and document id), which tests and re-sends rely on.
rl_config.useA85 = 0
rl_config.invariant = 1

PDF_TITLE = "售后申诉材料"
PDF_AUTHOR = "售后申诉工作台"
PDF_CREATOR = "售后申诉工作台"

PAGE_W, PAGE_H = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 22 * mm
MARGIN_BOTTOM = 20 * mm
FRAME_PAD = 6
FRAME_W = PAGE_W - 2 * MARGIN_X
FRAME_H = PAGE_H - MARGIN_TOP - MARGIN_BOTTOM
CONTENT_W = FRAME_W - 2 * FRAME_PAD
# Two photos with their captions fit on one page.
IMAGE_BOX_W = CONTENT_W
IMAGE_BOX_H = (FRAME_H - 2 * FRAME_PAD) / 2 - 62
# Photos (landscape or portrait) share a row two by two: a portrait photo keeps its size beside another,
# and two rows of landscape photos fill a page instead of two single photos.
PER_ROW = 2
CELL_BOX_W = CONTENT_W / PER_ROW - 8
# Tall screenshots print at the legible width (desk.pdf.pictures.LEGIBLE_W) and are sliced by the layout;
# one so long that it would take more than TALL_MAX_PAGES pages prints smaller (and the operator is told).
TALL_MAX_PAGES = 20
TALL_BOX_H = TALL_MAX_PAGES * (FRAME_H - 2 * FRAME_PAD)
# A single photo (or enlargement) may print down to this share of its size to fill the rest of a page.
PHOTO_MIN_SCALE = 0.7
# A 放大区域 is printed across the page, up to this high.
DETAIL_BOX_H = IMAGE_BOX_H
# Page 1 shows the decisive pictures in these boxes, drawn from the very pictures prepared for the
# evidence section (so page 1 decodes nothing more and embeds nothing twice).
FIRST_SINGLE_H = 330.0
FIRST_PAIR_H = 250.0
TIMELINE_MAX = 40  # the packet shows the latest events; older ones are counted
HEADER_TITLE_MAX = 30  # keeps the running header on one line
HEADER_TEXT_Y = PAGE_H - 15 * mm  # bottom of the header line of text; the rule sits just below

UNKNOWN = "未知"
GAP_WARNING = "以下字符当前字体无法显示：{chars}（PDF 中以 [?] 代替，可在设置中换用字库更全的字体）"


@dataclass(frozen=True, slots=True)
class PacketResult:
    """What a finished packet build reports back."""

    path: Path
    page_count: int
    byte_size: int
    sha256: str
    warnings: tuple[str, ...]


class _NotWritten(Exception):
    """An OSError while the pages were being made (reading an evidence file, encoding a picture):
    the packet file itself was never being written, so the disk holding it is not to blame."""


@dataclass(frozen=True, slots=True)
class _Styles:
    title: ParagraphStyle
    meta: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    body: ParagraphStyle
    label: ParagraphStyle
    caption: ParagraphStyle
    note: ParagraphStyle


def _styles(font: str) -> _Styles:
    base = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    return _Styles(
        title=ParagraphStyle("title", base, fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=4),
        meta=ParagraphStyle("meta", base, fontSize=9, leading=13, alignment=TA_CENTER, textColor=colors.grey),
        h1=ParagraphStyle("h1", base, fontSize=14, leading=20, spaceBefore=14, spaceAfter=6, keepWithNext=1),
        h2=ParagraphStyle("h2", base, fontSize=12, leading=17, spaceBefore=8, spaceAfter=4, keepWithNext=1),
        body=base,
        label=ParagraphStyle("label", base, fontSize=10, leading=14, textColor=colors.HexColor("#333333")),
        caption=ParagraphStyle(
            "caption", base, fontSize=9, leading=13, spaceAfter=12, textColor=colors.HexColor("#333333")
        ),
        note=ParagraphStyle("note", base, fontSize=10, leading=15, textColor=colors.HexColor("#7a2e0e")),
    )


class _HeadingWithStart(KeepTogether):  # type: ignore[misc,unused-ignore]
    """A keepWithNext group (a heading and what follows it) that keeps the heading with the *start* of a
    long table: ReportLab's own KeepTogether moves the whole group to the next page whenever the table
    is taller than what is left, which leaves most of a page white before every long table."""

    def split(self, avail_w: float, avail_h: float) -> list[Flowable]:
        parts: list[Flowable] = super().split(avail_w, avail_h)
        if parts and isinstance(parts[0], _FrameBreak) and self._starts_here(avail_w, avail_h):
            return parts[1:]
        return parts

    def _starts_here(self, avail_w: float, avail_h: float) -> bool:
        *before, last = self._content
        if not isinstance(last, Table):
            return False
        used = sum(f.wrap(avail_w, avail_h)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in before)
        room = avail_h - used - last.getSpaceBefore()
        if room <= 0:
            return False
        pieces = last.split(avail_w, room)
        if len(pieces) < 2 or pieces[0].wrap(avail_w, room)[1] > room:
            return False
        # Two rows at least under the heading: one row alone at the foot of a page reads as a stray.
        return len(pieces[0]._cellvalues) - last.repeatRows >= 2


class _PacketDoc(BaseDocTemplate):  # type: ignore[misc,unused-ignore]
    def __init__(self, target: io.BytesIO, cancel: Cancel | None, **kwargs: Any) -> None:
        super().__init__(target, keepTogetherClass=_HeadingWithStart, **kwargs)
        self._cancel = cancel

    def afterFlowable(self, flowable: Flowable) -> None:
        stop_if_cancelled(self._cancel)


def _fmt_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else UNKNOWN


def _taken(ev: PacketEvidence, sep: str = " ") -> str:
    """拍摄时间 as the picture itself says it, or as the shop stated it (said so), else 未知 — never the
    file's modification time."""
    label = "拍摄时间（商家标注）" if ev.time_stated else "拍摄时间"
    return f"{label}{sep}{_fmt_time(ev.captured_at)}"


def _placeholder(markup: str, styles: _Styles) -> Table:
    table = Table([[CJKParagraph(markup, styles.note)]], colWidths=[CONTENT_W])
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, colors.HexColor("#b0724f"), None, (3, 2)),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#fbf3ee")),
                ("TOPPADDING", (0, 0), (-1, -1), 10),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 10),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ("RIGHTPADDING", (0, 0), (-1, -1), 10),
            ]
        )
    )
    return table


def _grid(rows: list[list[Any]], widths: list[float], *, header: bool = False) -> Table:
    table = Table(rows, colWidths=widths, splitInRow=1, repeatRows=1 if header else 0)
    style: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    style.append(("BACKGROUND", (0, 0), (-1, 0) if header else (0, -1), colors.HexColor("#f0f0f0")))
    table.setStyle(TableStyle(style))
    return table


def _size_text(size: int | None) -> str:
    if size is None:
        return UNKNOWN
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.2f} MB"


def _pdf_pages(path: Path) -> tuple[int | None, str | None]:
    """Page count of a PDF evidence file, or the reason it cannot be read."""
    from pypdf import PdfReader  # only packets with PDF evidence pay for the import

    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted:
            return None, "文件已加密（有密码保护），无法读取内容"
        return len(reader.pages), None
    except FileNotFoundError:
        return None, "找不到原件文件"
    except PermissionError:
        return None, "没有权限读取原件文件"
    except Exception:  # pypdf raises many kinds on damaged files
        return None, "文件已损坏或不是有效的 PDF"


class _StoryBuilder:
    def __init__(self, content: PacketContent, fonts: FontSet, preparer: Preparer) -> None:
        self.content = content
        self.fonts = fonts
        self.preparer = preparer
        self.styles = _styles(fonts.primary_name)
        self.warnings: list[str] = []
        self.text_seen: list[str] = []
        self._keys = 0
        self.slots: list[Slot] = []
        self._vouchers: list[tuple[int, PacketEvidence, int]] = []  # (number, item, page count)
        # The evidence section's plan, made first: page 1 needs its numbers and its prepared pictures.
        self.plan: list[tuple[str, list[int], list[_Run]]] = []
        self.number: dict[int, int] = {}  # position in content.evidence → 凭证 n, in printed order
        self._mode: dict[int, str] = {}

    def m(self, text: str, *, newlines: bool = True) -> str:
        """Escaped markup for user text; also remembers it for the coverage check."""
        self.text_seen.append(text)
        return markup_text(text, self.fonts, newlines=newlines)

    def heading(self, text: str, style: ParagraphStyle, level: int) -> list[Flowable]:
        self._keys += 1
        return [Bookmark(f"s{self._keys}", text, level), CJKParagraph(self.m(text), style)]

    def front(self) -> list[Flowable]:
        c, s = self.content, self.styles
        story: list[Flowable] = [
            CJKParagraph(self.m(c.title), s.title),
            CJKParagraph(self.m(f"订单号：{c.order_no}　　生成时间：{_fmt_time(c.generated_at)}"), s.meta),
            Spacer(1, 6),
        ]
        if c.claim:
            # The claim first, with the numbers that decide it: a reviewer knows the point in one read.
            story += self.heading("申诉要点", s.h1, 0)
            story.append(CJKParagraph(self.m(c.claim), s.body))
        story += self.decisive()
        story += self.heading("基本信息", s.h1, 0)
        rows = [
            [CJKParagraph(self.m(label), s.label), CJKParagraph(self.m(value), s.body)]
            for label, value in c.cover_fields
        ]
        if rows:
            table = Table(rows, colWidths=[32 * mm, CONTENT_W - 32 * mm], splitInRow=1)
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
                        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f0f0")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                        ("TOPPADDING", (0, 0), (-1, -1), 4),
                        ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                    ]
                )
            )
            story.append(table)
        story += self.facts()
        story += self.weights()
        story += self.heading("问题描述", s.h1, 0)
        story.append(CJKParagraph(self.m(c.description.strip() or "（未填写）"), s.body))
        story += self.timeline()
        return story

    def facts(self) -> list[Flowable]:
        facts = self.content.key_facts
        if not facts:
            return []
        return [*self.heading("关键事实", self.styles.h1, 0), self._pairs(facts)]

    def _pairs(self, facts: tuple[tuple[str, str], ...], *, span_odd: bool = False) -> Table:
        """(label, value) facts two to a row; with `span_odd`, a last fact alone takes the whole row."""
        s = self.styles
        rows: list[list[Any]] = []
        # Two facts per row keep the section short.
        for i in range(0, len(facts), 2):
            row: list[Any] = []
            for label, value in facts[i : i + 2]:
                row += [CJKParagraph(self.m(label), s.label), CJKParagraph(self.m(value), s.body)]
            rows.append(row + [""] * (4 - len(row)))
        label_w = 28 * mm
        value_w = CONTENT_W / 2 - label_w
        table = _grid(rows, [label_w, value_w, label_w, value_w])
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#f0f0f0")),
                    ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f0f0")),
                ]
            )
        )
        if span_odd and len(facts) % 2:
            table.setStyle(
                TableStyle([("SPAN", (1, -1), (3, -1)), ("BACKGROUND", (2, -1), (2, -1), colors.white)])
            )
        return table

    def weights(self) -> list[Flowable]:
        rows = self.content.weight_table
        if not rows:
            return []
        s = self.styles
        body: list[list[Any]] = [[CJKParagraph(self.m(cell), s.body) for cell in row] for row in rows]
        header = [CJKParagraph(self.m(h), s.label) for h in ("项目", "重量", "差值", "结论")]
        widths = [CONTENT_W * 0.34, CONTENT_W * 0.2, CONTENT_W * 0.18, CONTENT_W * 0.28]
        last = rows[-1]
        if last[0] == "结论":  # the conclusion spans the row
            body[-1] = [CJKParagraph(self.m(last[0]), s.label), CJKParagraph(self.m(last[1]), s.body), "", ""]
        table = _grid([header, *body], widths, header=True)
        if last[0] == "结论":
            table.setStyle(TableStyle([("SPAN", (1, -1), (-1, -1))]))
        return [*self.heading("称重对比", s.h1, 0), table]

    def timeline(self) -> list[Flowable]:
        events = self.content.timeline
        if not events:
            return []
        s = self.styles
        shown = events[-TIMELINE_MAX:]
        rows = [[CJKParagraph(self.m(at), s.label), CJKParagraph(self.m(text), s.body)] for at, text in shown]
        story: list[Flowable] = self.heading("处理经过", s.h1, 0)
        if len(events) > len(shown):
            story.append(
                CJKParagraph(self.m(f"共 {len(events)} 条记录，以下为最近 {len(shown)} 条。"), s.label)
            )
        story.append(_grid(rows, [34 * mm, CONTENT_W - 34 * mm]))
        return story

    def manifest(self) -> list[Flowable]:
        items = self.content.evidence
        if not items:
            return []
        s = self.styles
        small = ParagraphStyle("small", s.body, fontSize=7.5, leading=10)
        header = [
            CJKParagraph(self.m(h), s.label)
            for h in ("序号", "原始文件名 / SHA-256", "大小", "拍摄 / 导入时间")
        ]
        rows: list[list[Any]] = [header]
        for number, ev in enumerate(self._printed_order(), start=1):
            name = f'{self.m(ev.original_name)}<br/><font size="7">{self.m(ev.sha256, newlines=False)}</font>'
            when = f"{self.m(_taken(ev))}<br/>{self.m('导入 ' + _fmt_time(ev.imported_at))}"
            rows.append(
                [
                    CJKParagraph(str(number), small),
                    CJKParagraph(name, small),
                    CJKParagraph(self.m(_size_text(ev.byte_size)), small),
                    CJKParagraph(when, small),
                ]
            )
        widths = [12 * mm, CONTENT_W - 12 * mm - 16 * mm - 36 * mm, 16 * mm, 36 * mm]  # 序号 on one line
        note = "下表列出每项凭证原件的完整 SHA-256 校验值，可用于核对原件未被改动。"
        return [
            PageBreak(),
            *self.heading("附录：凭证原件清单", s.h1, 0),
            CJKParagraph(self.m(note), s.label),
            Spacer(1, 4),
            _grid(rows, widths, header=True),
        ]

    def voucher_pages(self) -> list[Flowable]:
        """Each readable PDF voucher page gets a page of its own, merged in after layout."""
        if not self._vouchers:
            return []
        s = self.styles
        story: list[Flowable] = [PageBreak(), *self.heading("PDF 凭证原文", s.h1, 0)]
        first = True
        for number, ev, pages in self._vouchers:
            phones = _phone_pages(ev)
            for index in range(pages):
                if not first:
                    story.append(PageBreak())
                first = False
                label = f"凭证 {number}：{ev.original_name}　第 {index + 1}/{pages} 页"
                slot: Flowable = VoucherSlot(ev.blob_path, index, self.slots)
                if phones is None or index in phones:
                    # The page's text would carry a phone number (or could not be checked): it goes
                    # in as a picture without a text layer, the number's middle digits blacked out.
                    try:
                        slot = VoucherPicture(
                            self.preparer.voucher_page(ev, index, (phones or {}).get(index, []))
                        )
                    except Exception:
                        text = (
                            f"{label}：此页无法转为图片，为保护电话号码未附上原文。原件 SHA-256 {ev.sha256}"
                        )
                        self.warnings.append(
                            f"凭证“{ev.original_name}”第 {index + 1} 页含电话号码且无法转为图片，未附原文。"
                        )
                        story.append(_placeholder(self.m(text), s))
                        continue
                    label += "（此页含电话号码，已转为图片并遮盖号码）"
                story += [CJKParagraph(self.m(label, newlines=False), s.label), slot]
        return story

    def _printed_order(self) -> list[PacketEvidence]:
        evidence = self.content.evidence
        return [evidence[i] for _, members, _ in self.plan for i in members]

    # -- the evidence section's plan -------------------------------------------------------------------

    def plan_evidence(self) -> None:
        """Group the evidence by kind, decide how each item prints and number it, then queue every picture
        so the workers never wait for the layout.

        Items arrive grouped; a stray item of an earlier kind still joins its group, and numbering follows
        the printed order so "凭证 n" is easy to find. In a group, photos that follow each other share a
        row two by two; a tall screenshot prints alone at its legible width, sliced by the layout.
        """
        groups: dict[str, list[int]] = {}
        for i, ev in enumerate(self.content.evidence):
            groups.setdefault(ev.kind, []).append(i)
        number = 0
        for kind, members in groups.items():
            runs: list[_Run] = []
            for i in members:
                size = printed_size(self.content.evidence[i])
                if size is None:  # a video, a PDF voucher, or a picture that will show as a placeholder
                    runs.append(_Run("single", [i]))
                elif size[1] >= TALL_RATIO * size[0]:
                    runs.append(_Run("tall", [i]))
                elif runs and runs[-1].mode == "row" and len(runs[-1].members) < PER_ROW:
                    runs[-1].members.append(i)
                else:
                    runs.append(_Run("row", [i]))
            for run in runs:
                if run.mode == "row" and len(run.members) == 1:
                    run.mode = "single"
                for i in run.members:
                    number += 1
                    self.number[i] = number
                    self._mode[i] = run.mode
            self.plan.append((kind, members, runs))
        for _, _, runs in self.plan:
            for run in runs:
                for i in run.members:
                    self._queue(i)

    def _queue(self, i: int) -> None:
        ev = self.content.evidence[i]
        if ev.media_type.startswith("video/"):
            for at_ms in ev.key_frames or (0,):
                self.preparer.frame(ev, at_ms, IMAGE_BOX_W, _frame_box_h(ev))
            return
        if ev.media_type == "application/pdf":
            return
        self.picture(i)
        for region in detail_regions(ev):
            self.detail(i, region)

    def picture(self, i: int) -> Future[PreparedImage]:
        """The still picture of item `i` as the evidence section prints it (page 1 shows the same one)."""
        ev = self.content.evidence[i]
        mode = self._mode.get(i, "single")
        if mode == "tall":
            return self.preparer.image(ev, LEGIBLE_W, TALL_BOX_H)
        if mode == "row":
            return self.preparer.image(ev, CELL_BOX_W, IMAGE_BOX_H, dpi=ROW_DPI)
        return self.preparer.image(ev, IMAGE_BOX_W, IMAGE_BOX_H)

    def detail(self, i: int, region: tuple[float, float, float, float]) -> Future[PreparedImage]:
        """A 放大区域 of item `i`, enlarged across the page."""
        return self.preparer.image(self.content.evidence[i], IMAGE_BOX_W, DETAIL_BOX_H, crop=region)

    def _regions(self, ev: PacketEvidence) -> list[tuple[float, float, float, float]]:
        """Where the 放大区域 are on the printed picture, to outline them there."""
        return [printed_region(r, ev.rotation) for r in detail_regions(ev)]

    def _unusable(self, ev: PacketEvidence, exc: ImageUnusable) -> str:
        self.warnings.append(f"凭证“{ev.original_name}”无法显示（{exc.reason}），已用说明框代替。")
        return f"无法显示此图片：{exc.reason}。原件 SHA-256 {ev.sha256}"

    # -- page 1: the evidence that decides the appeal --------------------------------------------------

    def decisive(self) -> list[Flowable]:
        """Under the claim: the numbers that decide it, the decisive pictures (one across the page, two
        side by side) and, for a weight appeal, the weight worked out (desk/pdf/layouts.py says which)."""
        first = self.content.first_page
        s = self.styles
        story: list[Flowable] = []
        if first.facts:
            story += [Spacer(1, 6), self._pairs(first.facts, span_odd=True)]
        shown = [i for i in first.pictures if i in self.number][:PER_ROW]
        if shown:
            story += self.heading("关键证据", s.h1, 0)
            story += self._decisive_one(shown[0]) if len(shown) == 1 else [self._decisive_pair(shown)]
        if first.arithmetic:
            rows = [
                [CJKParagraph(self.m(a), s.label), CJKParagraph(self.m(b), s.body)]
                for a, b in first.arithmetic
            ]
            table = _grid(rows, [34 * mm, CONTENT_W - 34 * mm])
            table.setStyle(
                TableStyle(
                    [
                        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f0f0")),
                        ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#eef4fc")),
                    ]
                )
            )
            story += [CJKParagraph(self.m("重量计算"), s.h2), table]
        return story

    def _first_caption(self, i: int, what: str, style: ParagraphStyle) -> Paragraph:
        ev = self.content.evidence[i]
        n = self.number[i]
        text = f"凭证 {n}：{ev.caption}" if ev.caption.strip() else f"凭证 {n}（{ev.kind}）"
        return CJKParagraph(self.m(text + what), style)

    def _decisive_image(self, i: int, box: tuple[float, float]) -> tuple[Flowable, str]:
        """Item `i`'s picture for page 1 fitted into `box`: its first 放大区域 when it has one, and what
        the caption adds about it."""
        ev = self.content.evidence[i]
        regions = detail_regions(ev)
        try:
            if regions:
                img = self.detail(i, regions[0]).result()
                return Picture(img, fit=box), f"（放大区域，整张见凭证 {self.number[i]}）"
            img = self.picture(i).result()
        except ImageUnusable as exc:
            return _placeholder(
                self.m(f"无法显示此图片：{exc.reason}。原件 SHA-256 {ev.sha256}"), self.styles
            ), ""
        more = f"（整张见凭证 {self.number[i]}）" if self._mode.get(i) == "tall" else ""
        return Picture(img, fit=box, regions=self._regions(ev), font=self.fonts.primary_name), more

    def _decisive_one(self, i: int) -> list[Flowable]:
        ev = self.content.evidence[i]
        s = self.styles
        if self._mode.get(i) == "tall" and not detail_regions(ev):
            # A long chat: its top at the legible size, through a window onto the evidence's own picture.
            try:
                img = self.picture(i).result()
            except ImageUnusable:
                pass
            else:
                n = self.number[i]
                return [
                    SlicedPicture(
                        img,
                        font=self.fonts.primary_name,
                        number=n,
                        head=self._first_caption(i, "", s.label),
                        regions=self._regions(ev),
                        only_top=True,
                        more=f"截图较长，此处为开头；完整截图见凭证 {n}",
                    )
                ]
        picture, more = self._decisive_image(i, (CONTENT_W, FIRST_SINGLE_H))
        picture.keepWithNext = 1
        return [picture, Spacer(1, 3), self._first_caption(i, more, s.caption)]

    def _decisive_pair(self, pair: list[int]) -> Table:
        small = ParagraphStyle("first-cell", self.styles.caption, fontSize=9, leading=12, spaceAfter=0)
        cells = []
        for i in pair:
            picture, more = self._decisive_image(i, (CELL_BOX_W, FIRST_PAIR_H))
            cells.append([picture, Spacer(1, 3), self._first_caption(i, more, small)])
        table = Table([cells], colWidths=[CONTENT_W / PER_ROW] * PER_ROW)
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                    ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 4),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
                ]
            )
        )
        return table

    # -- the evidence section --------------------------------------------------------------------------

    def caption(self, number: int, ev: PacketEvidence) -> Paragraph:
        first = f"凭证 {number}：{ev.caption}" if ev.caption.strip() else f"凭证 {number}"
        second = f"{_taken(ev, '：')}　导入时间：{_fmt_time(ev.imported_at)}　文件名：{ev.original_name}　SHA-256：{ev.sha256[:12]}"
        return CJKParagraph(f"{self.m(first)}<br/>{self.m(second, newlines=False)}", self.styles.caption)

    def cell(self, i: int) -> tuple[Flowable, Flowable]:
        """One photo and its caption, for a row of two."""
        ev = self.content.evidence[i]
        number = self.number[i]
        try:
            img = self.picture(i).result()
        except ImageUnusable as exc:
            picture: Flowable = CJKParagraph(self.m(self._unusable(ev, exc)), self.styles.note)
        else:
            picture = Picture(img, regions=self._regions(ev), font=self.fonts.primary_name)
        small = ParagraphStyle("cell", self.styles.caption, fontSize=8, leading=11, spaceAfter=0)
        first = f"凭证 {number}：{ev.caption}" if ev.caption.strip() else f"凭证 {number}"
        second = f"{_taken(ev, '：')}<br/>{self.m(ev.original_name, newlines=False)}"
        second += f"<br/>SHA-256：{ev.sha256[:12]}"
        return picture, CJKParagraph(f"{self.m(first)}<br/>{second}", small)

    def row(self, members: list[int]) -> PhotoRow:
        return PhotoRow([self.cell(i) for i in members], CONTENT_W / PER_ROW, min_scale=PHOTO_MIN_SCALE)

    def tall(self, i: int) -> list[Flowable]:
        """A tall screenshot at its legible width, its caption above, sliced where pages end."""
        ev = self.content.evidence[i]
        try:
            img = self.picture(i).result()
        except ImageUnusable as exc:
            return [
                _placeholder(self.m(self._unusable(ev, exc)), self.styles),
                Spacer(1, 4),
                self.caption(self.number[i], ev),
            ]
        head = self.caption(self.number[i], ev)
        size = printed_size(ev)
        if size is not None and img.width_pt < min(LEGIBLE_W, size[0]) - 1:
            self.warnings.append(
                f"凭证“{ev.original_name}”太长，按看得清的宽度要印 {TALL_MAX_PAGES} 页以上，已缩小打印，"
                "文字可能看不清：请把它裁成几张后重新导入。"
            )
        return [
            SlicedPicture(
                img, font=self.fonts.primary_name, number=self.number[i], head=head, regions=self._regions(ev)
            ),
            Spacer(1, 12),
        ]

    def details(self, i: int) -> list[Flowable]:
        """Each 放大区域 of item `i`, enlarged across the page under the picture (outlined there)."""
        ev = self.content.evidence[i]
        regions = detail_regions(ev)
        out: list[Flowable] = []
        for k, region in enumerate(regions, start=1):
            try:
                img = self.detail(i, region).result()
            except ImageUnusable:
                continue  # the picture itself already shows why it cannot be used
            which = f" {k}" if len(regions) > 1 else ""
            label = f"凭证 {self.number[i]} · 放大区域{which}（原图中蓝色虚线框处）"
            below = [Spacer(1, 3), CJKParagraph(self.m(label), self.styles.caption)]
            out += self._keep([Picture(img, min_scale=PHOTO_MIN_SCALE, after=below), *below])
        return out

    def item(self, i: int) -> list[Flowable]:
        ev = self.content.evidence[i]
        number = self.number[i]
        parts: list[Flowable]
        if ev.media_type == "application/pdf":
            pages, reason = _pdf_pages(ev.blob_path)
            if reason is None and pages:
                text = f"PDF 凭证：{ev.original_name}（{pages} 页）原文附在凭证材料之后。原件 SHA-256 {ev.sha256}"
                self._vouchers.append((number, ev, pages))
            elif reason is None:
                text = f"PDF 凭证：{ev.original_name}（0 页），原件 SHA-256 {ev.sha256}"
            else:
                text = f"PDF 凭证：{ev.original_name}，无法读取：{reason}。原件 SHA-256 {ev.sha256}"
                self.warnings.append(f"凭证“{ev.original_name}”无法读取（{reason}），已用说明框代替。")
            parts = [_placeholder(self.m(text), self.styles)]
        elif ev.media_type.startswith("video/"):
            parts = self.video_frames(ev)
        else:
            try:
                img = self.picture(i).result()
            except ImageUnusable as exc:
                parts = [_placeholder(self.m(self._unusable(ev, exc)), self.styles)]
            else:
                below = [Spacer(1, 4), self.caption(number, ev)]
                picture = Picture(
                    img,
                    regions=self._regions(ev),
                    font=self.fonts.primary_name,
                    min_scale=PHOTO_MIN_SCALE,
                    after=below,
                )
                return self._keep([picture, *below])
        parts += [Spacer(1, 4), self.caption(number, ev)]
        return self._keep(parts)

    @staticmethod
    def _keep(parts: list[Flowable]) -> list[Flowable]:
        # keepWithNext rather than KeepTogether: the doc template only chains a heading's
        # keepWithNext onto plain flowables, so a KeepTogether item could be orphaned from it.
        for part in parts[:-1]:
            part.keepWithNext = 1
        return parts

    def video_frames(self, ev: PacketEvidence) -> list[Flowable]:
        """A video clip is shown as the frames the operator picked (or its first frame)."""
        moments = ev.key_frames or (0,)
        parts: list[Flowable] = []
        box_h = _frame_box_h(ev)
        for at_ms in moments:
            try:
                img = self.preparer.frame(ev, at_ms, IMAGE_BOX_W, box_h).result()
            except ImageUnusable as exc:
                text = f"无法显示视频画面（{_clock(at_ms)}）：{exc.reason}。原件 SHA-256 {ev.sha256}"
                self.warnings.append(
                    f"视频“{ev.original_name}”的画面无法显示（{exc.reason}），已用说明框代替。"
                )
                parts.append(_placeholder(self.m(text), self.styles))
                continue
            flowable = Picture(img)
            parts.append(flowable)
            label = f"视频画面 {_clock(at_ms)}" + ("" if ev.key_frames else "（未选关键帧，显示第一帧）")
            if ev.duration_ms:
                label += f"，视频总长 {_clock(ev.duration_ms)}"
            parts.append(CJKParagraph(self.m(label), self.styles.label))
        return parts

    def evidence(self, progress: Progress | None, cancel: Cancel | None) -> list[Flowable]:
        s = self.styles
        items = self.content.evidence
        story: list[Flowable] = self.heading(f"凭证材料（共 {len(items)} 项）", s.h1, 0)
        if not items:
            story.append(CJKParagraph(self.m("（无凭证）"), s.body))
            return story
        done = 0
        for kind, members, runs in self.plan:
            story += self.heading(f"{kind}（{len(members)} 项）", s.h2, 1)
            for run in runs:
                stop_if_cancelled(cancel)
                if run.mode == "row":
                    story.append(self.row(run.members))
                elif run.mode == "tall":
                    story += self.tall(run.members[0])
                else:
                    story += self.item(run.members[0])
                for i in run.members:
                    story += self.details(i)
                for i in run.members:
                    done += 1
                    if progress is not None:
                        name = items[i].original_name
                        progress(done, len(items), f"已处理凭证 {done}/{len(items)}：{name}")
                    stop_if_cancelled(cancel)
        return story


@dataclass(slots=True)
class _Run:
    """Items of one kind printed together: a row of photos, a single item, or a tall screenshot."""

    mode: str  # "row", "single", "tall"
    members: list[int] = field(default_factory=list)  # positions in PacketContent.evidence


def _phone_pages(ev: PacketEvidence) -> dict[int, list[Box]] | None:
    """The voucher's pages that show a phone number (see desk.pdf.vouchers); None if unreadable."""
    from desk.pdf.vouchers import phone_pages

    try:
        return phone_pages(ev.blob_path)
    except Exception:  # every page then goes in as a picture, or not at all
        return None


def _frame_box_h(ev: PacketEvidence) -> float:
    """Several video frames share the photo box; two or more sit at half height each."""
    return IMAGE_BOX_H if len(ev.key_frames) <= 1 else IMAGE_BOX_H / 2 - 14


def _clock(ms: int) -> str:
    seconds = max(0, ms) / 1000
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes):02d}:{rest:04.1f}"


def _decorator(content: PacketContent, fonts: FontSet) -> Callable[[Canvas, int, int], None]:
    header_style = ParagraphStyle("header", fontName=fonts.primary_name, fontSize=8.5, leading=11)
    header = markup_text(f"订单号：{content.order_no}", fonts, newlines=False)
    short = (
        content.title
        if len(content.title) <= HEADER_TITLE_MAX
        else content.title[: HEADER_TITLE_MAX - 1] + "…"
    )
    title = markup_text(short, fonts, newlines=False)

    def decorate(canvas: Canvas, number: int, total: int) -> None:
        canvas.saveState()
        left = CJKParagraph(header, header_style)
        right = CJKParagraph(title, ParagraphStyle("hr", header_style, alignment=2))
        half = FRAME_W / 2
        for para, x in ((left, MARGIN_X), (right, MARGIN_X + half)):
            para.wrapOn(canvas, half, 40)
            para.drawOn(canvas, x, HEADER_TEXT_Y)
        canvas.setStrokeColor(colors.HexColor("#999999"))
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, HEADER_TEXT_Y - 3, PAGE_W - MARGIN_X, HEADER_TEXT_Y - 3)
        canvas.setFont(fonts.primary_name, 9)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawCentredString(PAGE_W / 2, 10 * mm, f"第 {number} 页 / 共 {total} 页")
        if content.draft:
            # Big, light and diagonal: readable as a draft at a glance, the page still readable beneath.
            canvas.setFont(fonts.primary_name, 46)
            canvas.setFillColor(colors.Color(0.85, 0.1, 0.1, alpha=0.16))
            canvas.translate(PAGE_W / 2, PAGE_H / 2)
            canvas.rotate(35)
            canvas.drawCentredString(0, 0, "草稿 · 仅供内部核对，不可提交平台")
        canvas.restoreState()

    return decorate


def _render(
    content: PacketContent,
    fonts: FontSet,
    progress: Progress | None,
    cancel: Cancel | None,
    cache: PreparedCache | None = None,
    workers: int = PREPARE_WORKERS,
) -> tuple[bytes, int, list[str]]:
    preparer = Preparer(cache, workers)
    try:
        return _render_with(content, fonts, progress, cancel, preparer)
    finally:
        preparer.close()


def _render_with(
    content: PacketContent,
    fonts: FontSet,
    progress: Progress | None,
    cancel: Cancel | None,
    preparer: Preparer,
) -> tuple[bytes, int, list[str]]:
    builder = _StoryBuilder(content, fonts, preparer)
    builder.plan_evidence()
    story = builder.front()
    story += builder.evidence(progress, cancel)
    story += builder.voucher_pages()
    story += builder.manifest()

    buf = io.BytesIO()
    doc = _PacketDoc(
        buf,
        cancel,
        pagesize=A4,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=PDF_TITLE,
        author=PDF_AUTHOR,
        creator=PDF_CREATOR,
        subject="",
        invariant=1,
        lang="zh-CN",
    )
    frame = Frame(MARGIN_X, MARGIN_BOTTOM, FRAME_W, FRAME_H, id="body")
    doc.addPageTemplates([PageTemplate(id="page", frames=[frame])])
    canvasmaker = partial(PacketCanvas, decorate=_decorator(content, fonts))
    doc.build(story, canvasmaker=canvasmaker)

    warnings = [*content.warnings, *fonts.warnings]
    gaps = coverage_gaps(
        "".join([*builder.text_seen, content.order_no, content.title]),
        fonts,
    )
    if gaps:
        warnings.append(GAP_WARNING.format(chars="、".join(sorted(gaps))))
    warnings.extend(builder.warnings)
    data = buf.getvalue()
    if builder.slots:
        data = _merge_vouchers(data, builder.slots)
    return data, doc.page, warnings


def _merge_vouchers(data: bytes, slots: list[Slot]) -> bytes:
    """Stamps each PDF voucher page, scaled to fit, into the slot the layout left for it."""
    from pypdf import PdfReader, PdfWriter, Transformation

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    readers: dict[Path, Any] = {}
    for slot in slots:
        reader = readers.get(slot.source)
        if reader is None:
            reader = readers[slot.source] = PdfReader(slot.source, strict=False)
        page = reader.pages[slot.source_page]
        box = page.cropbox
        w, h = float(box.width), float(box.height)
        rotate = int(page.get("/Rotate", 0) or 0) % 360
        if rotate:
            page.transfer_rotation_to_content()
            box = page.cropbox
            w, h = float(box.width), float(box.height)
        scale = min(slot.width / w, slot.height / h)
        dx = slot.x + (slot.width - w * scale) / 2 - float(box.left) * scale
        dy = slot.y + (slot.height - h * scale) / 2 - float(box.bottom) * scale
        target = writer.pages[slot.page_number - 1]
        target.merge_transformed_page(page, Transformation().scale(scale, scale).translate(dx, dy))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _write_message(exc: OSError) -> str:
    return write_failure_reason(exc, holder="PDF 阅读器")


def _layout_message(exc: Exception) -> str:
    if isinstance(exc, MemoryError):
        return "内存不足"
    if isinstance(exc, LayoutError):
        return "有一项内容过大，无法排入页面"
    return "排版时出现内部错误"


def build_packet(
    content: PacketContent,
    out_path: Path,
    *,
    fonts: FontSet | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    cache: PreparedCache | None = None,
    workers: int = PREPARE_WORKERS,
) -> PacketResult:
    """Build the appeal packet PDF for `content` at `out_path`, atomically.

    The file is written as ``<out_path>.partial`` next to the target, flushed to disk and then
    renamed over `out_path`, so a failed or cancelled build never leaves a half file and never
    damages an earlier packet. Unusable evidence becomes a placeholder box plus a warning.
    `progress(done, total, message)` is called after each evidence item; `cancel()` returning
    True stops the build. Every failure raises `PacketFailed` with a plain message.
    With a `cache`, prepared pictures are reused from it and kept in it (the bytes of the packet
    are the same either way); `workers` threads prepare the pictures.
    """
    partial_path = out_path.with_name(out_path.name + ".partial")
    try:
        handle = open(partial_path, "wb")  # noqa: SIM115 - closed in every branch below
    except OSError as exc:
        raise PacketFailed(f"无法保存申诉材料到“{out_path}”：{_write_message(exc)}") from exc
    try:
        with handle:
            chosen = fonts if fonts is not None else resolve_fonts()
            try:
                data, page_count, warnings = _render(content, chosen, progress, cancel, cache, workers)
            except OSError as exc:
                raise _NotWritten from exc
            stop_if_cancelled(cancel)
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial_path, out_path)
        with contextlib.suppress(OSError):
            fsync_dir(out_path.parent)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            partial_path.unlink()
        if isinstance(exc, Cancelled):
            raise PacketFailed("已取消") from None
        if isinstance(exc, _NotWritten):
            cause = exc.__cause__
            detail = getattr(cause, "strerror", None) or type(cause).__name__
            raise PacketFailed(
                f"生成申诉材料失败：读取凭证或处理图片时出错（{detail}），请重试或运行“检查数据”"
            ) from cause
        if isinstance(exc, OSError):
            raise PacketFailed(f"无法保存申诉材料到“{out_path}”：{_write_message(exc)}") from exc
        if isinstance(exc, Exception):
            raise PacketFailed(f"生成申诉材料失败：{_layout_message(exc)}") from exc
        raise
    return PacketResult(
        path=out_path,
        page_count=page_count,
        byte_size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        warnings=tuple(warnings),
    )
