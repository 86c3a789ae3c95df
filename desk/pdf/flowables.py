"""The custom ReportLab pieces a packet is laid out with: outline entries, prepared pictures, the
slots PDF voucher pages are stamped into, and the canvas that finishes pages only once they are
all known. What goes on which page is decided in desk.pdf.packet."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from desk.pdf.images import PreparedImage


class Bookmark(Flowable):  # type: ignore[misc,unused-ignore]
    """An invisible outline entry, kept on the same page as the heading after it."""

    def __init__(self, key: str, title: str, level: int) -> None:
        super().__init__()
        self.key = key
        self.title = title
        self.level = level
        self.keepWithNext = 1

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        top = self.canv.absolutePosition(0, 0)[1]
        self.canv.bookmarkPage(self.key, fit="XYZ", left=0, top=top)
        self.canv.addOutlineEntry(self.title, self.key, level=self.level)


class PacketCanvas(Canvas):  # type: ignore[misc,unused-ignore]
    """Defers finishing pages so every page can say "共 Y 页".

    Bookmarks are deferred too: the document only learns page references when a page is
    really emitted, so a bookmark made earlier would point at the first page.
    """

    def __init__(self, *args: Any, decorate: Callable[[Canvas, int, int], None], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._desk_pages: list[dict[str, Any]] = []
        self._desk_bookmarks: dict[int, list[tuple[str, dict[str, Any]]]] = {}
        self._desk_decorate = decorate

    def bookmarkPage(self, key: str, **kwargs: Any) -> None:
        self._desk_bookmarks.setdefault(self._pageNumber, []).append((key, kwargs))

    def showPage(self) -> None:
        self._desk_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        self.showOutline()  # readers open with the bookmarks panel visible
        total = len(self._desk_pages)
        bookmarks = self._desk_bookmarks
        for number, state in enumerate(self._desk_pages, start=1):
            self.__dict__.update(state)
            self._desk_decorate(self, number, total)
            for key, kwargs in bookmarks.get(self._pageNumber, []):
                Canvas.bookmarkPage(self, key, **kwargs)
            Canvas.showPage(self)
        Canvas.save(self)


@dataclass(frozen=True, slots=True)
class Slot:
    """Where one page of a PDF voucher is stamped onto the packet after layout."""

    page_number: int  # 1-based page of the packet
    x: float
    y: float
    width: float
    height: float
    source: Path
    source_page: int  # 0-based


class VoucherSlot(Flowable):  # type: ignore[misc,unused-ignore]
    """Takes the rest of the page; records where a voucher page is to be merged in."""

    def __init__(self, source: Path, source_page: int, slots: list[Slot]) -> None:
        super().__init__()
        self.source = source
        self.source_page = source_page
        self.slots = slots
        self._size = (0.0, 0.0)

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        self._size = (avail_w, avail_h - 2)
        return self._size

    def draw(self) -> None:
        x, y = self.canv.absolutePosition(0, 0)
        w, h = self._size
        self.canv.saveState()
        self.canv.setStrokeColor(colors.HexColor("#cccccc"))
        self.canv.setLineWidth(0.5)
        self.canv.rect(0, 0, w, h)
        self.canv.restoreState()
        self.slots.append(Slot(self.canv.getPageNumber(), x, y, w, h, self.source, self.source_page))


class JpegReader(ImageReader):  # type: ignore[misc,unused-ignore]
    """Prepared JPEG bytes that ReportLab embeds as they are (DCT passthrough, no re-encoding).

    ReportLab names each image XObject after a digest of its decoded pixels, which would decode
    every prepared picture once more just to name it; a digest of the JPEG bytes names it as well.
    """

    def __init__(self, jpeg: bytes) -> None:
        super().__init__(io.BytesIO(jpeg))  # reads the header only
        self._token = hashlib.sha256(jpeg).digest()

    def getRGBData(self) -> bytes:
        self._dataA = None  # no alpha channel: a JPEG has none
        return self._token


# 放大区域 are shown on the whole picture as a thin outline only (never on its pixels), numbered like
# the enlargements printed next to it.
DETAIL_BLUE = colors.HexColor("#1e6fd9")
Region = tuple[float, float, float, float]  # x0, y0, x1, y1 from 0 to 1 of the printed picture, from its top


def _outline_regions(
    canv: Any, x: float, y: float, w: float, h: float, regions: Sequence[Region], font: str
) -> None:
    """Thin numbered outlines of 放大区域 over a picture drawn at (x, y) with size (w, h)."""
    if not regions:
        return
    canv.saveState()
    canv.setStrokeColor(DETAIL_BLUE)
    canv.setFillColor(DETAIL_BLUE)
    canv.setLineWidth(0.8)
    canv.setDash(3, 2)
    for n, (x0, y0, x1, y1) in enumerate(regions, start=1):
        left, top = x + x0 * w, y + h - y0 * h
        canv.rect(left, y + h - y1 * h, (x1 - x0) * w, (y1 - y0) * h, stroke=1, fill=0)
        if len(regions) > 1:
            canv.setFont(font, 7)
            canv.drawString(left + 2, top - 8, str(n))
    canv.restoreState()


class Picture(Flowable):  # type: ignore[misc,unused-ignore]
    """A prepared picture, centred in the frame: at its placed size, or fitted into `fit` (width, height)
    when the same prepared picture is shown again elsewhere (page 1 reuses the evidence's pictures, so a
    packet embeds each picture once). `regions` are outlined thinly (a 放大区域 printed beside it).

    With `min_scale` below 1 a photo may print smaller, down to that share of its size, to fill the rest
    of a page instead of leaving it white; `after` (its caption) must still fit under it. Inside a
    keepWithNext group it answers its smallest size, so the group starts on this page when that fits,
    and then takes what the page has left.
    """

    def __init__(
        self,
        image: PreparedImage,
        *,
        fit: tuple[float, float] | None = None,
        regions: Sequence[Region] = (),
        font: str = "Helvetica",
        min_scale: float = 1.0,
        after: Sequence[Flowable] = (),
    ) -> None:
        super().__init__()
        self.image = image
        self.hAlign = "CENTER"
        self.regions = tuple(regions)
        self.font = font
        self.min_scale = min_scale
        self.after = tuple(after)
        w, h = image.width_pt, image.height_pt
        if fit is not None:
            scale = min(fit[0] / w, fit[1] / h, MAX_REUSE_SCALE)
            w, h = w * scale, h * scale
        self.size = (w, h)
        self.drawn = self.size  # as last laid out: smaller than `size` at the foot of a page

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        self.drawn = self.size
        if self.min_scale >= 1:
            return self.size
        w, h = self.size
        if avail_h >= _MEASURING:
            return w * self.min_scale, h * self.min_scale
        # What must fit under it, measured as the frame will place it (the last one's space after is not).
        below = sum(f.wrap(avail_w, avail_h)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in self.after)
        if self.after:
            below -= self.after[-1].getSpaceAfter()
        scale = min(1.0, (avail_h - below - 1) / h, avail_w / w)
        if scale >= self.min_scale:
            self.drawn = (w * scale, h * scale)
        return self.drawn

    def draw(self) -> None:
        w, h = self.drawn
        self.canv.drawImage(JpegReader(self.image.jpeg), 0, 0, w, h)
        _outline_regions(self.canv, 0, 0, w, h, self.regions, self.font)


class PhotoRow(Flowable):  # type: ignore[misc,unused-ignore]
    """Photos side by side, tops aligned, each centred in its column over its caption.

    Like Picture with `min_scale`, the row may print smaller (its photos, never its captions) to fill the
    rest of a page, and answers its smallest height inside a keepWithNext group. A cell whose picture
    could not be used holds a note instead, at its own size.
    """

    def __init__(
        self,
        cells: Sequence[tuple[Flowable, Flowable]],  # (picture or note, caption)
        column_w: float,
        *,
        min_scale: float = 1.0,
        pad: float = 10.0,
    ) -> None:
        super().__init__()
        self.cells = list(cells)
        self.column_w = column_w
        self.min_scale = min_scale
        self.pad = pad
        self.scale = 1.0

    def _measure(self) -> list[tuple[float, float, float, bool]]:
        """Per cell: picture width and height, caption height, whether the picture scales."""
        inner = self.column_w - 8
        out = []
        for picture, caption in self.cells:
            scales = isinstance(picture, Picture)
            w, h = picture.size if isinstance(picture, Picture) else picture.wrap(inner, _MEASURING)
            out.append((float(w), float(h), float(caption.wrap(inner, _MEASURING)[1]), scales))
        return out

    def _height(self, scale: float, cells: list[tuple[float, float, float, bool]]) -> float:
        return max((h * (scale if s else 1)) + 3 + cap for _w, h, cap, s in cells) + self.pad

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        cells = self._measure()
        self.scale = 1.0
        full = self._height(1.0, cells)
        if self.min_scale < 1 and avail_h >= _MEASURING:
            return avail_w, self._height(self.min_scale, cells)
        if self.min_scale >= 1 or full <= avail_h:
            return avail_w, full
        fits = [(avail_h - 1 - self.pad - 3 - cap) / h for _w, h, cap, s in cells if s and h > 0] or [1.0]
        scale = min(1.0, *fits)
        if scale >= self.min_scale and self._height(scale, cells) <= avail_h:
            self.scale = scale
            return avail_w, self._height(scale, cells)
        return avail_w, full

    def draw(self) -> None:
        cells = self._measure()
        total = self._height(self.scale, cells)
        for n, ((picture, caption), (w, h, cap, scales)) in enumerate(zip(self.cells, cells, strict=True)):
            left = n * self.column_w
            if scales:
                w, h = w * self.scale, h * self.scale
                assert isinstance(picture, Picture)
                picture.drawn = (w, h)
                picture.drawOn(self.canv, left + (self.column_w - w) / 2, total - h)
            else:
                picture.drawOn(self.canv, left + 4, total - h)
            caption.drawOn(self.canv, left + 4, total - h - 3 - cap)


# A prepared picture shown again larger than it was prepared for (page 1) stays sharp up to this factor.
MAX_REUSE_SCALE = 1.3
# Tall screenshots: the part of a page a slice may start on (a shorter rest of the page is left for the
# next item or stays white), how much consecutive slices repeat, and the strip that says 续.
MIN_SLICE_PT = 120.0
SLICE_OVERLAP_PT = 8 * mm
STRIP_PT = 13.0
_MEASURING = 1e6  # a KeepTogether measures its content with an unbounded height


class SlicedPicture(Flowable):  # type: ignore[misc,unused-ignore]
    """A tall screenshot at its legible width, shown through page-high windows onto one embedded picture.

    The layout cuts it where a page ends (split()): the first window fills the rest of the page it starts
    on, each next one a whole page, repeating the last SLICE_OVERLAP_PT of the window before so no line of
    text is lost at a cut; a continuation says 续 above it, a cut window 下页续 under it. The picture is
    embedded once and each window clips it, so slicing costs no extra bytes. `head` (the caption) is
    drawn above the first window. With `only_top` (page 1) the picture is not continued: the window shows
    its top and `more` says where the whole of it is.
    """

    def __init__(
        self,
        image: PreparedImage,
        *,
        font: str,
        number: int,
        head: Flowable | None = None,
        start: float = 0.0,
        window: float | None = None,
        regions: Sequence[Region] = (),
        only_top: bool = False,
        more: str = "",
    ) -> None:
        super().__init__()
        self.image = image
        self.font = font
        self.number = number
        self.head = head
        self.start = start
        self.window = window
        self.regions = tuple(regions)
        self.only_top = only_top
        self.more = more
        self._width = image.width_pt

    @property
    def continued(self) -> bool:
        return self.start > 0

    def _head_h(self, avail_w: float) -> float:
        if self.head is not None:
            return float(self.head.wrap(avail_w, _MEASURING)[1]) + 3
        return STRIP_PT if self.continued else 0.0

    def _foot_h(self) -> float:
        return STRIP_PT if self.window is not None else 0.0

    def _rest(self) -> float:
        return self.image.height_pt - self.start

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        self._width = avail_w
        head = self._head_h(avail_w)
        if self.window is not None:
            return avail_w, head + self.window + self._foot_h()
        if avail_h >= _MEASURING:  # inside a keepWithNext group: what must fit on this page is a start
            return avail_w, head + min(self._rest(), MIN_SLICE_PT)
        return avail_w, head + self._rest()

    def _copy(self, **changes: Any) -> SlicedPicture:
        values: dict[str, Any] = {
            "font": self.font,
            "number": self.number,
            "head": self.head,
            "start": self.start,
            "window": self.window,
            "regions": self.regions,
            "only_top": self.only_top,
            "more": self.more,
        }
        values.update(changes)
        return SlicedPicture(self.image, **values)

    def split(self, avail_w: float, avail_h: float) -> list[Flowable]:
        if self.window is not None:
            return []
        head = self._head_h(avail_w)
        rest = self._rest()
        if head + rest <= avail_h:
            return [self]
        room = avail_h - head - STRIP_PT - 1  # a point to spare: the frame must never find it too tall
        if room < min(MIN_SLICE_PT, rest):
            return []  # too little of this page left: start on the next one
        cut = self._copy(window=room)
        if self.only_top:
            return [cut]
        return [cut, self._copy(head=None, start=self.start + room - SLICE_OVERLAP_PT)]

    def draw(self) -> None:
        canv = self.canv
        img = self.image
        w = self._width
        head = self._head_h(w)
        window = self.window if self.window is not None else self._rest()
        foot = self._foot_h()
        total = head + window + foot
        x = max(0.0, (w - img.width_pt) / 2)
        grey = colors.HexColor("#555555")
        if self.head is not None:
            self.head.drawOn(canv, 0, total - head + 3)
        elif self.continued:
            canv.saveState()
            canv.setFont(self.font, 8.5)
            canv.setFillColor(grey)
            overlap = round(SLICE_OVERLAP_PT / mm)
            canv.drawString(
                x,
                total - STRIP_PT + 3,
                f"续　凭证 {self.number}（接上页；顶部约 {overlap} mm 与上页末尾重复）",
            )
            canv.restoreState()
        canv.saveState()
        clip = canv.beginPath()
        clip.rect(x, foot, img.width_pt, window)
        canv.clipPath(clip, stroke=0, fill=0)
        top = foot + window + self.start  # where the picture's top edge sits
        canv.drawImage(JpegReader(img.jpeg), x, top - img.height_pt, img.width_pt, img.height_pt)
        _outline_regions(canv, x, top - img.height_pt, img.width_pt, img.height_pt, self.regions, self.font)
        canv.restoreState()
        canv.saveState()
        canv.setStrokeColor(colors.HexColor("#bbbbbb"))
        canv.setLineWidth(0.5)
        canv.rect(x, foot, img.width_pt, window)
        if self.window is not None:
            canv.setFont(self.font, 8.5)
            canv.setFillColor(grey)
            text = self.more if self.only_top else f"凭证 {self.number} 下页续"
            canv.drawRightString(x + img.width_pt, 2, text)
        canv.restoreState()


class VoucherPicture(Flowable):  # type: ignore[misc,unused-ignore]
    """Takes the rest of the page and shows a voucher page drawn as a picture, fitted and centred."""

    def __init__(self, image: PreparedImage) -> None:
        super().__init__()
        self.image = image
        self._size = (0.0, 0.0)

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        self._size = (avail_w, avail_h - 2)
        return self._size

    def draw(self) -> None:
        w, h = self._size
        img = self.image
        scale = min(w / img.width_pt, h / img.height_pt)
        draw_w, draw_h = img.width_pt * scale, img.height_pt * scale
        self.canv.drawImage(JpegReader(img.jpeg), (w - draw_w) / 2, (h - draw_h) / 2, draw_w, draw_h)
        self.canv.saveState()
        self.canv.setStrokeColor(colors.HexColor("#cccccc"))
        self.canv.setLineWidth(0.5)
        self.canv.rect(0, 0, w, h)
        self.canv.restoreState()
