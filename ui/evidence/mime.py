"""What a drop or a paste carries: local files, encoded picture bytes, a raw picture, or links to fetch.

Chat apps (WeChat, QQ) and screenshot tools put picture data on the clipboard; browsers drag a link
(and sometimes the picture); file managers drag file URLs. Reading these is cheap and happens on the
GUI thread; encoding a raw picture or downloading a link happens later on a worker.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ui.qt import QImage, QMimeData, QPixmap

# Encoded picture formats offered by clipboards and drags, best first; bytes are kept exactly.
RAW_FORMATS = (
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
    "image/x-png",
    "PNG",
    "JFIF",
)
REMOTE_SCHEMES = ("http", "https", "data")
_IMG_SRC = re.compile(r"<img\b[^>]*?\bsrc\s*=\s*(['\"])(.*?)\1", re.IGNORECASE | re.DOTALL)


@dataclass
class Payload:
    """What to import from one drop or paste; exactly one of the lists is filled."""

    paths: list[Path] = field(default_factory=list)
    blobs: list[tuple[bytes, str]] = field(default_factory=list)  # (encoded picture, name)
    images: list[QImage] = field(default_factory=list)  # raw pictures, encoded to PNG on a worker
    urls: list[str] = field(default_factory=list)  # http(s) links and data: URLs

    def __bool__(self) -> bool:
        return bool(self.paths or self.blobs or self.images or self.urls)


def stamp_name(prefix: str, ext: str = "") -> str:
    """A readable name for data that came without one, e.g. 粘贴的截图-20261127-142501.png."""
    return f"{prefix}-{datetime.now().strftime('%Y%m%d-%H%M%S')}{ext}"


def _ext_for(fmt: str) -> str:
    return {
        "image/jpeg": ".jpg",
        "JFIF": ".jpg",
        "image/gif": ".gif",
        "image/webp": ".webp",
        "image/bmp": ".bmp",
    }.get(fmt, ".png")


def _remote_urls(mime: QMimeData) -> list[str]:
    urls = [u.toString() for u in mime.urls() if u.scheme().lower() in REMOTE_SCHEMES]
    if not urls and mime.hasHtml():
        urls = [html.unescape(m.group(2)) for m in _IMG_SRC.finditer(mime.html())]
        urls = [u for u in urls if u.split(":", 1)[0].lower() in REMOTE_SCHEMES]
    if not urls and mime.hasText():
        text = mime.text().strip()
        if re.fullmatch(r"(?i)(https?://\S+|data:image/[^,]+,\S+)", text):
            urls = [text]
    return urls


def accepts(mime: QMimeData) -> bool:
    """Whether a drag could carry something importable (checked on every drag move: cheap)."""
    if mime.hasUrls() and any(u.isLocalFile() or u.scheme().lower() in REMOTE_SCHEMES for u in mime.urls()):
        return True
    if mime.hasImage() or any(mime.hasFormat(f) for f in RAW_FORMATS):
        return True
    return bool(mime.hasHtml() and _IMG_SRC.search(mime.html()))


def payload(mime: QMimeData, *, prefix: str) -> Payload:
    """Take what the mime data offers, preferring what keeps the original bytes.

    Local files first (a chat window dragging a picture also offers the cached original file),
    then encoded picture bytes, then a raw picture, then links. `prefix` names data without a name.
    """
    if mime.hasUrls():
        local = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]
        if local:
            return Payload(paths=local)
    for fmt in RAW_FORMATS:
        if mime.hasFormat(fmt):
            data = bytes(mime.data(fmt).data())
            if data:
                return Payload(blobs=[(data, stamp_name(prefix, _ext_for(fmt)))])
    if mime.hasImage():
        image = mime.imageData()
        if isinstance(image, QPixmap):
            image = image.toImage()
        if isinstance(image, QImage) and not image.isNull():
            return Payload(images=[image.copy()])
    return Payload(urls=_remote_urls(mime))
