"""PDF voucher pages that carry a phone number go into a packet as a picture, the number blacked out.

A PDF voucher (waybill, logistics record) is merged into the packet as vector pages, so its text
stays sharp and selectable. Its text is the sender's, though, and often holds the buyer's phone
number, which a packet must never carry readable. Rewriting a PDF's text layer is fragile (fonts
with custom encodings, text split into pieces), so a page whose text, annotations or form fields
show a phone number is drawn as a picture instead: the picture has no text layer, and the digits
`mask_phones` would hide (138****8000) are painted black on it, where PDFium says they are.
"""

from __future__ import annotations

import contextlib
import ctypes
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PIL import ImageDraw

from desk.pdf.images import JPEG_QUALITY, PreparedImage
from desk.privacy import mask_phones, phone_digit_spans
from desk.store.render import encode_clean

# Vouchers are mostly small print: a little sharper than photos.
VOUCHER_DPI = 200
VOUCHER_JPEG_QUALITY = max(JPEG_QUALITY, 90)
# Part of the cache key of a drawn voucher page: bump when the drawing or masking changes.
VOUCHER_VERSION = 2  # 2: the phone masker finds glued, landline and international numbers
_PAD_PT = 1.5  # the black box reaches a little beyond the glyphs

Box = tuple[float, float, float, float]  # left, bottom, right, top in page space (points)


def _annotation_texts(page: Any) -> Iterator[str]:
    """Strings of a pypdf page's annotations (comments, form fields) that a reader can show or copy."""
    annots = page.get("/Annots")
    if annots is None:
        return
    with contextlib.suppress(Exception):
        for ref in annots.get_object():
            annot = ref.get_object()
            for key in ("/Contents", "/T", "/TU", "/V", "/RC"):
                value = annot.get(key)
                if value is not None:
                    yield str(value)


def _pypdf_flags(path: Path) -> set[int]:
    """Pages whose text (as pypdf reads it) or annotations show a phone number."""
    from pypdf import PdfReader

    flagged: set[int] = set()
    reader = PdfReader(path, strict=False)
    for index, page in enumerate(reader.pages):
        try:
            texts = [page.extract_text() or "", *_annotation_texts(page)]
        except Exception:  # a page pypdf cannot read: PDFium still decides below
            continue
        if any(mask_phones(t) != t for t in texts):
            flagged.add(index)
    return flagged


def _pdfium_boxes(doc: Any) -> dict[int, list[Box]]:
    """For each page whose text holds a phone number, the boxes of the digits to hide."""
    import pypdfium2.raw as pdfium_c

    found: dict[int, list[Box]] = {}
    for index in range(len(doc)):
        page = doc[index]
        textpage = page.get_textpage()
        try:
            count = textpage.count_chars()
            # One character per index (generated spaces and line ends included), so a match's
            # positions are character indexes and each has its box.
            text = "".join(chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i) or 0xFFFD) for i in range(count))
            spans = phone_digit_spans(text)
            if not spans:
                continue
            boxes: list[Box] = []
            for start, end in spans:
                for i in range(start, end):
                    left, bottom, right, top = textpage.get_charbox(i, loose=True)
                    if right > left and top > bottom:
                        boxes.append((left, bottom, right, top))
            found[index] = boxes
        finally:
            textpage.close()
            page.close()
    return found


def phone_pages(path: Path) -> dict[int, list[Box]]:
    """0-based pages of the PDF at `path` that show a phone number, with the boxes of its hidden digits.

    A page flagged only by its annotations or by pypdf's reading has no boxes: it is still drawn
    as a picture, so no text layer carries the number.
    """
    import pypdfium2 as pdfium

    from desk.store.media import PDFIUM_LOCK

    with PDFIUM_LOCK:
        doc = pdfium.PdfDocument(str(path))
        try:
            found = _pdfium_boxes(doc)
        finally:
            doc.close()
    for index in _pypdf_flags(path):
        found.setdefault(index, [])
    return dict(sorted(found.items()))


def _to_device(page: Any, size: tuple[int, int], x: float, y: float) -> tuple[int, int]:
    import pypdfium2.raw as pdfium_c

    dx, dy = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDF_PageToDevice(page.raw, 0, 0, size[0], size[1], 0, x, y, ctypes.byref(dx), ctypes.byref(dy))
    return dx.value, dy.value


def drawn_page(path: Path, index: int, boxes: list[Box], dpi: int = VOUCHER_DPI) -> PreparedImage:
    """Page `index` of the PDF as a JPEG at `dpi`, with `boxes` (page space) painted black."""
    import pypdfium2 as pdfium

    from desk.store.media import PDFIUM_LOCK

    with PDFIUM_LOCK:
        doc = pdfium.PdfDocument(str(path))
        try:
            page = doc[index]
            try:
                width_pt, height_pt = page.get_size()  # as shown: the page's /Rotate applied
                bitmap = page.render(scale=dpi / 72, fill_color=(255, 255, 255, 255), draw_annots=True)
                im = bitmap.to_pil().convert("RGB")
                size = im.size
                corners = [
                    [
                        _to_device(page, size, x, y)
                        for x, y in (
                            (left - _PAD_PT, bottom - _PAD_PT),
                            (right + _PAD_PT, top + _PAD_PT),
                        )
                    ]
                    for left, bottom, right, top in boxes
                ]
            finally:
                page.close()
        finally:
            doc.close()
    draw = ImageDraw.Draw(im)
    for (x0, y0), (x1, y1) in corners:
        draw.rectangle((min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)), fill=(0, 0, 0))
    return PreparedImage(
        jpeg=encode_clean(im, "JPEG", VOUCHER_JPEG_QUALITY),
        pixel_width=im.width,
        pixel_height=im.height,
        width_pt=float(width_pt),
        height_pt=float(height_pt),
    )


def pdfium_version() -> str:
    import pypdfium2 as pdfium

    return str(getattr(pdfium, "PDFIUM_INFO", "")) or "unknown"
