"""The custom ReportLab pieces a packet is laid out with: outline entries, prepared pictures, the
slots PDF voucher pages are stamped into, and the canvas that finishes pages only once they are
all known. What goes on which page is decided in desk.pdf.packet."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib import colors
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


class Picture(Flowable):  # type: ignore[misc,unused-ignore]
    """A prepared picture at its placed size, centred in the frame."""

    def __init__(self, image: PreparedImage) -> None:
        super().__init__()
        self.image = image
        self.hAlign = "CENTER"

    def wrap(self, avail_w: float, avail_h: float) -> tuple[float, float]:
        return self.image.width_pt, self.image.height_pt

    def draw(self) -> None:
        self.canv.drawImage(JpegReader(self.image.jpeg), 0, 0, self.image.width_pt, self.image.height_pt)


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
