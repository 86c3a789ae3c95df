"""Summary pictures of the upload kit (封面与说明, 重量对比), drawn with Pillow and the bundled CJK font.

Drawn directly rather than rasterised from the packet PDF: no PDF renderer is needed for it on any
system, each picture holds exactly one topic, and the result is the same bytes on Windows, macOS and
Linux for the same case (one font file, no system fonts).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from desk.errors import DeskError
from desk.pdf.content import PacketContent
from desk.store.render import FONT_PATH

PAGE_W = 1240  # A4 at 150 dpi: sharp on a phone, small as a file
PAGE_H = 1754
MARGIN = 90
CONTENT_W = PAGE_W - 2 * MARGIN
LABEL_W = 250
PAD = 14
INK = (34, 34, 34)
GREY = (110, 110, 110)
RULE = (150, 150, 150)
SHADE = (240, 240, 240)
ACCENT = (122, 46, 14)
SIZES = {"title": 46, "h": 33, "body": 27, "small": 22}
LINE = 1.55
# Punctuation that must not start a line; it hangs at the end of the previous one instead.
NO_LINE_START = "，。、；：！？）》」』”’,.;:!?)]}"
_TOKEN = re.compile(r"[A-Za-z0-9_\-./:@#%+*¥￥]+|\s|.", re.DOTALL)

Font = ImageFont.FreeTypeFont
# The cached FreeType fonts are shared objects: pages are drawn by one thread at a time.
_DRAW_LOCK = threading.Lock()


@lru_cache(maxsize=8)
def font(size: int) -> Font:
    try:
        return ImageFont.truetype(str(FONT_PATH), size, index=0)
    except OSError as exc:
        raise DeskError(
            f"找不到随软件附带的中文字体“{FONT_PATH.name}”，无法绘制汇总页：请重新安装软件"
        ) from exc


def wrap(text: str, f: Font, width: float) -> list[str]:
    """Lines of text fitting width; Latin words and long numbers are kept whole where they fit."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for token in _TOKEN.findall(paragraph):
            if f.getlength(line + token) <= width or (token in NO_LINE_START and line):
                line += token
                continue
            if f.getlength(token) > width:  # a token longer than a line: split it
                for ch in token:
                    if f.getlength(line + ch) > width and line:
                        lines.append(line)
                        line = ""
                    line += ch
                continue
            lines.append(line.rstrip())
            line = token.lstrip()
        lines.append(line.rstrip())
    return lines


Paint = Callable[[ImageDraw.ImageDraw], None]


class _Layout:
    """Collects drawing steps top to bottom, then paints them on a page tall enough for all of them."""

    def __init__(self) -> None:
        self.y = MARGIN
        self.ops: list[Paint] = []

    def _box(self, box: tuple[int, int, int, int], fill: tuple[int, int, int]) -> None:
        self.ops.append(lambda d: d.rectangle(box, fill=fill, outline=RULE, width=1))

    def _write(self, xy: tuple[float, float], line: str, f: Font, fill: tuple[int, int, int]) -> None:
        self.ops.append(lambda d: d.text(xy, line, font=f, fill=fill))

    def text(self, text: str, size: str, *, fill: tuple[int, int, int] = INK, center: bool = False) -> None:
        f = font(SIZES[size])
        step = round(SIZES[size] * LINE)
        for line in wrap(text, f, CONTENT_W):
            x = MARGIN + (CONTENT_W - f.getlength(line)) / 2 if center else MARGIN
            self._write((x, self.y), line, f, fill)
            self.y += step

    def gap(self, pixels: int) -> None:
        self.y += pixels

    def heading(self, text: str) -> None:
        self.gap(26)
        self.text(text, "h", fill=ACCENT)
        rule = (MARGIN, self.y, MARGIN + CONTENT_W, self.y)
        self.ops.append(lambda d: d.line(rule, fill=ACCENT, width=2))
        self.gap(14)

    def table(
        self,
        rows: Sequence[Sequence[str]],
        widths: Sequence[int],
        *,
        header: bool = False,
        shade_first_col: bool = False,
        span_last: bool = False,
    ) -> None:
        f = font(SIZES["body"])
        step = round(SIZES["body"] * LINE)
        for r, row in enumerate(rows):
            cells, cell_widths = list(row), list(widths)
            if span_last and r == len(rows) - 1:  # the conclusion row spans the table
                cells, cell_widths = [cells[0], cells[1]], [widths[0], sum(widths[1:])]
            wrapped = [wrap(c, f, w - 2 * PAD) for c, w in zip(cells, cell_widths, strict=True)]
            height = max(len(lines) for lines in wrapped) * step + 2 * PAD - 6
            top, x = self.y, MARGIN
            for c, (lines, w) in enumerate(zip(wrapped, cell_widths, strict=True)):
                shaded = (header and r == 0) or (shade_first_col and c == 0)
                box = (x, top, x + w, top + height)
                fill = SHADE if shaded else (255, 255, 255)
                self._box(box, fill)
                first = top + (step + 2 * PAD - 6 - SIZES["body"]) // 2 - 3  # the first line sits mid-row
                for i, line in enumerate(lines):
                    self._write((x + PAD, first + i * step), line, f, INK)
                x += w
            self.y += height

    def paint(self, footer: str, *, min_height: int = PAGE_H) -> Image.Image:
        height = max(min_height, self.y + MARGIN + 40)
        im = Image.new("RGB", (PAGE_W, height), (255, 255, 255))
        d = ImageDraw.Draw(im)
        for op in self.ops:
            op(d)
        f = font(SIZES["small"])
        d.text(
            ((PAGE_W - f.getlength(footer)) / 2, height - MARGIN / 2 - SIZES["small"]),
            footer,
            font=f,
            fill=GREY,
        )
        return im


def _when(value: datetime) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M")


def cover_page(content: PacketContent, appeal_text: str, *, number: int, total: int) -> Image.Image:
    """封面与说明: the cover facts, key facts and the whole 申诉说明 (never trimmed here)."""
    with _DRAW_LOCK:
        return _cover(content, appeal_text, number, total)


def weight_page(content: PacketContent, *, number: int, total: int) -> Image.Image:
    """重量对比: the weight check table as the packet prints it."""
    with _DRAW_LOCK:
        return _weights(content, number, total)


def _cover(content: PacketContent, appeal_text: str, number: int, total: int) -> Image.Image:
    page = _Layout()
    page.text(content.title, "title", center=True)
    page.text(
        f"订单号：{content.order_no or '（未填写）'}　生成时间：{_when(content.generated_at)}",
        "small",
        fill=GREY,
        center=True,
    )
    page.heading("基本信息")
    page.table(content.cover_fields, (LABEL_W, CONTENT_W - LABEL_W), shade_first_col=True)
    if content.key_facts:
        page.heading("关键事实")
        page.table(content.key_facts, (LABEL_W, CONTENT_W - LABEL_W), shade_first_col=True)
    page.heading("申诉说明")
    page.text(appeal_text.strip() or "（未填写问题描述）", "body")
    return page.paint(f"第 {number} 张 / 共 {total} 张 · 售后申诉工作台")


def _weights(content: PacketContent, number: int, total: int) -> Image.Image:
    page = _Layout()
    page.text("重量对比", "title", center=True)
    page.text(f"订单号：{content.order_no or '（未填写）'}", "small", fill=GREY, center=True)
    page.gap(20)
    rows = [("项目", "重量", "差值", "结论"), *content.weight_table]
    first = [round(CONTENT_W * share) for share in (0.34, 0.2, 0.18)]
    widths = (*first, CONTENT_W - sum(first))
    last = content.weight_table[-1] if content.weight_table else ("", "", "", "")
    page.table(rows, widths, header=True, span_last=last[0] == "结论")
    # Only as tall as the table: a platform shows the whole picture, and an empty page shrinks it.
    return page.paint(f"第 {number} 张 / 共 {total} 张 · 售后申诉工作台", min_height=0)
