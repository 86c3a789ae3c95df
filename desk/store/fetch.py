"""Pictures dragged from a web page arrive as links: fetch one (size-capped, with a timeout) or decode a data: URL."""

from __future__ import annotations

import base64
import binascii
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message

from desk.errors import DeskError
from desk.store import media

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 20
USER_AGENT = "AfterSalesDesk/0.1 (+evidence import)"
_SAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


class FetchFailed(DeskError):
    """A dragged link could not be turned into a file; the message names the link and the reason."""


def _short(url: str) -> str:
    return url if len(url) <= 80 else url[:77] + "…"


def name_from_url(url: str, content_type: str = "", disposition: str = "") -> str:
    """A file name for a downloaded picture: Content-Disposition, else the last path segment."""
    if disposition:
        msg = Message()
        msg["content-disposition"] = disposition
        filename = msg.get_filename()
        if filename:
            return _SAFE.sub("_", filename).strip() or "网页图片"
    path = urllib.parse.urlsplit(url).path
    last = urllib.parse.unquote(path.rsplit("/", 1)[-1]) if path else ""
    last = _SAFE.sub("_", last).strip()
    if last and "." in last:
        return last
    ext = {
        "image/jpeg": ".jpg",
        "image/png": ".png",
        "image/gif": ".gif",
        "image/webp": ".webp",
        "image/bmp": ".bmp",
    }.get(content_type.split(";")[0].strip().lower(), "")
    return (last or "网页图片") + ext


def decode_data_url(url: str) -> tuple[bytes, str]:
    """The bytes and a file name of a data: URL (as browsers put inline pictures on a drag)."""
    header, sep, payload = url.partition(",")
    if not sep or not header.lower().startswith("data:"):
        raise FetchFailed("拖入的图片数据格式不正确")
    mime = header[5:].split(";")[0].lower() or "text/plain"
    try:
        data = (
            base64.b64decode(payload, validate=False)
            if ";base64" in header.lower()
            else urllib.parse.unquote_to_bytes(payload)
        )
    except (binascii.Error, ValueError) as exc:
        raise FetchFailed("拖入的图片数据已损坏，无法读取") from exc
    return data, name_from_url("", mime)


def fetch(
    url: str, *, max_bytes: int = media.MAX_IMAGE_BYTES, timeout: float = TIMEOUT_SECONDS
) -> tuple[bytes, str]:
    """Download a dragged link (http/https only): (bytes, file name). Raises FetchFailed in plain words."""
    if url.lower().startswith("data:"):
        return decode_data_url(url)
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchFailed(f"不支持的链接“{_short(url)}”：只能下载 http/https 图片链接")
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "image/*,*/*;q=0.5"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchFailed(f"链接“{_short(url)}”的文件太大（{int(length) / 1024 / 1024:.1f} MB）")
            data = response.read(max_bytes + 1)
            if len(data) > max_bytes:
                raise FetchFailed(f"链接“{_short(url)}”的文件太大（超过 {max_bytes // 1024 // 1024} MB）")
            name = name_from_url(
                response.geturl() or url,
                response.headers.get("Content-Type", ""),
                response.headers.get("Content-Disposition", ""),
            )
    except FetchFailed:
        raise
    except urllib.error.HTTPError as exc:
        raise FetchFailed(f"无法下载“{_short(url)}”：网站返回错误 {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        log.info("download of %s failed", url, exc_info=True)
        raise FetchFailed(f"无法下载“{_short(url)}”：网络不通或网站没有响应") from exc
    return data, name
