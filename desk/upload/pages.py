"""Summary pictures of the upload kit (封面与说明, 重量对比), drawn with Pillow and the bundled CJK font.

Drawn directly rather than rasterised from the packet PDF: no PDF renderer is needed for it on any
system, each picture holds exactly one topic, and the result is the same bytes on Windows, macOS and
Linux for the same case (one font file, no system fonts).
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from desk import names
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
    # str.splitlines() knows every line break (\r, U+001C–U+001E, U+0085, U+2028/9), which FreeType's layout
    # refuses to measure; other control characters have no glyph and are dropped.
    for raw in text.splitlines() or [""]:
        paragraph = names.without_controls(raw)
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


# A drawing step: the page's y coordinate `top` is the first row of the picture drawn on.
Paint = Callable[[ImageDraw.ImageDraw, int], None]
# A step with the rows of the page it touches, so a piece of a long page draws only its own steps.
Step = tuple[int, int, Paint]
# Below the last line of a piece that is not the last: room for the footer, as at the end of a page.
FOOT = MARGIN


class _Layout:
    """Collects drawing steps top to bottom, then paints them on a page tall enough for all of them.

    A page taller than a picture may be (a JPEG side is at most 65,500 pixels; a 申诉说明 of thousands of
    short lines gets there) is painted as several pieces, each cut between two lines of text.
    """

    def __init__(self) -> None:
        self.y = MARGIN
        self.ops: list[Step] = []
        self.breaks: list[int] = []  # y coordinates between lines and table rows, where a cut may go

    def _box(self, box: tuple[int, int, int, int], fill: tuple[int, int, int]) -> None:
        x0, y0, x1, y1 = box
        self.ops.append(
            (
                y0,
                y1,
                lambda d, top: d.rectangle((x0, y0 - top, x1, y1 - top), fill=fill, outline=RULE, width=1),
            )
        )

    def _write(self, xy: tuple[float, float], line: str, f: Font, fill: tuple[int, int, int]) -> None:
        x, y = xy
        bottom = math.ceil(y + f.size * LINE)
        self.ops.append((math.floor(y), bottom, lambda d, top: d.text((x, y - top), line, font=f, fill=fill)))

    def text(self, text: str, size: str, *, fill: tuple[int, int, int] = INK, center: bool = False) -> None:
        f = font(SIZES[size])
        step = round(SIZES[size] * LINE)
        for line in wrap(text, f, CONTENT_W):
            x = MARGIN + (CONTENT_W - f.getlength(line)) / 2 if center else MARGIN
            self._write((x, self.y), line, f, fill)
            self.y += step
            self.breaks.append(self.y)

    def gap(self, pixels: int) -> None:
        self.y += pixels

    def heading(self, text: str) -> None:
        self.gap(26)
        self.text(text, "h", fill=ACCENT)
        y = self.y
        self.ops.append(
            (
                y - 1,
                y + 1,
                lambda d, top: d.line((MARGIN, y - top, MARGIN + CONTENT_W, y - top), fill=ACCENT, width=2),
            )
        )
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
            self.breaks.append(self.y)

    def height(self, min_height: int) -> int:
        return max(min_height, self.y + MARGIN + 40)

    def bands(self, min_height: int, max_height: int | None) -> list[tuple[int, int]]:
        """[top, bottom) of the page for each picture, so that no picture is taller than max_height.

        Every piece after the first gets a top margin, every piece before the last room for its footer;
        cuts go between lines of text or table rows (straight through only a single taller row).
        """
        height = self.height(min_height)
        if max_height is None or height <= max_height:
            return [(0, height)]
        room = max_height - MARGIN - FOOT
        bands: list[tuple[int, int]] = []
        top = 0
        while height - top + (MARGIN if bands else 0) > max_height:
            limit = top + room
            cut = max((b for b in self.breaks if top + MARGIN < b <= limit), default=limit)
            bands.append((top, cut))
            top = cut
        bands.append((top, height))
        return bands

    def paint(
        self, footer: str, *, min_height: int = PAGE_H, piece: int = 0, max_height: int | None = None
    ) -> Image.Image:
        """The whole page (piece 0), or piece `piece` (1-based) of `bands(min_height, max_height)`."""
        bands = self.bands(min_height, max_height) if piece else [(0, self.height(min_height))]
        top, bottom = bands[piece - 1] if piece else bands[0]
        head = MARGIN if piece > 1 else 0
        foot = FOOT if 0 < piece < len(bands) else 0
        height = head + (bottom - top) + foot
        im = Image.new("RGB", (PAGE_W, height), (255, 255, 255))
        d = ImageDraw.Draw(im)
        origin = top - head
        for first, last, op in self.ops:
            if last >= origin and first <= origin + height:
                op(d, origin)
        # Text that runs on into the next piece is shown there: wipe what this piece would show of it.
        if foot:
            d.rectangle((0, head + bottom - top, PAGE_W, height), fill=(255, 255, 255))
        if head:
            d.rectangle((0, 0, PAGE_W, head - 1), fill=(255, 255, 255))
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


FOOTER = "第 {number} 张 / 共 {total} 张 · 售后申诉工作台"
WEIGHT_MIN_HEIGHT = (
    0  # only as tall as the table: a platform shows the whole picture, an empty page shrinks it
)


def cover_page(
    content: PacketContent,
    appeal_text: str,
    *,
    number: int,
    total: int,
    piece: int = 0,
    max_height: int | None = None,
) -> Image.Image:
    """封面与说明: the cover facts, key facts and the whole 申诉说明 (never trimmed here).

    With `piece` (1-based), only that piece of the page cut to at most `max_height` pixels (see pieces()).
    """
    with _DRAW_LOCK:
        page = _layout("cover", content, appeal_text)
        return page.paint(FOOTER.format(number=number, total=total), piece=piece, max_height=max_height)


def weight_page(
    content: PacketContent, *, number: int, total: int, piece: int = 0, max_height: int | None = None
) -> Image.Image:
    """重量对比: the weight check table as the packet prints it (a piece of it, as for cover_page)."""
    with _DRAW_LOCK:
        page = _layout("weights", content, "")
        return page.paint(
            FOOTER.format(number=number, total=total),
            min_height=WEIGHT_MIN_HEIGHT,
            piece=piece,
            max_height=max_height,
        )


def pieces(source: str, content: PacketContent, appeal_text: str, max_height: int) -> int:
    """How many pictures the summary page `source` ("cover" or "weights") is cut into; paints nothing."""
    with _DRAW_LOCK:
        if source == "cover":
            if _cover_surely_fits(content, appeal_text, max_height):
                return 1
            return len(_layout("cover", content, appeal_text).bands(PAGE_H, max_height))
        return len(_layout("weights", content, "").bands(WEIGHT_MIN_HEIGHT, max_height))


def _cover_surely_fits(content: PacketContent, appeal_text: str, max_height: int) -> bool:
    """An upper bound of the cover's height is below max_height (the usual case), found without wrapping.

    Wrapping the 申诉说明 measures every line as it grows (about a second for 20,000 characters); the
    pre-flight runs whenever the dialog opens. Each wrapped line but a paragraph's last is filled to at
    least the width of the line less the next word, so two lines always hold a line's width of text.
    """
    f = font(SIZES["body"])
    widths: dict[str, float] = {}
    total = 0.0
    for char in appeal_text:
        w = widths.get(char)
        if w is None:
            try:
                w = 0.0 if char == "\n" else f.getlength(char)
            except Exception:  # a control character the layout engine refuses: count it as wide
                w = 2.0 * SIZES["body"]
            widths[char] = w
        total += w
    paragraphs = appeal_text.count("\n") + 1
    lines = paragraphs + 2 * math.ceil(total * 1.1 / CONTENT_W)  # 10 % for kerning and rounding
    fixed = _cover(content, "").height(PAGE_H)  # facts and headings: a few rows, quick
    return fixed + lines * round(SIZES["body"] * LINE) <= max_height


# The page laid out last, for the next piece of the same page: a long page is painted piece by piece.
_last_layout: tuple[str, PacketContent, str, _Layout] | None = None


def _layout(source: str, content: PacketContent, appeal_text: str) -> _Layout:
    global _last_layout
    last = _last_layout
    if last is not None and last[0] == source and last[1] is content and last[2] == appeal_text:
        return last[3]
    page = _cover(content, appeal_text) if source == "cover" else _weights(content)
    _last_layout = (source, content, appeal_text, page)
    return page


def _cover(content: PacketContent, appeal_text: str) -> _Layout:
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
    return page


def _weights(content: PacketContent) -> _Layout:
    page = _Layout()
    page.text("重量对比", "title", center=True)
    page.text(f"订单号：{content.order_no or '（未填写）'}", "small", fill=GREY, center=True)
    page.gap(20)
    rows = [("项目", "重量", "差值", "结论"), *content.weight_table]
    first = [round(CONTENT_W * share) for share in (0.34, 0.2, 0.18)]
    widths = (*first, CONTENT_W - sum(first))
    last = content.weight_table[-1] if content.weight_table else ("", "", "", "")
    page.table(rows, widths, header=True, span_last=last[0] == "结论")
    return page
