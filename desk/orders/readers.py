"""Reading export files row by row: CSV with its encoding detected (never assumed), XLSX via openpyxl.

Nothing is loaded whole: CSV is decoded and split as it streams from disk (quoted newlines included),
XLSX is read in openpyxl's read-only mode.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from desk.errors import DeskError

log = logging.getLogger(__name__)

SAMPLE_BYTES = 256 * 1024
HEADER_SEARCH_ROWS = 15  # title lines some exports put above the header
csv.field_size_limit(16 * 1024 * 1024)

# Detector answers that mean "Chinese, GB family": GB18030 decodes every one of them.
GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936", "hz", "euc_cn", "ms936"}
# Other East Asian code pages a short GBK sample is mistaken for; a mainland export is not in them.
CJK_LOOKALIKES = {
    "big5", "big5hkscs", "cp950", "cp949", "euc_kr", "johab", "euc_jp", "shift_jis", "cp932", "iso2022_kr",
    "iso2022_jp", "euc_jis_2004", "shift_jis_2004", "shift_jisx0213", "euc_jisx0213",
}  # fmt: skip


class FileUnreadable(DeskError):
    """The file itself cannot be read as an export (not its rows)."""


@dataclass(frozen=True, slots=True)
class Encoding:
    codec: str  # Python codec name used to decode
    label: str  # what the operator reads, e.g. "GB18030（兼容 GBK）"
    note: str  # how it was found


def _display(codec: str) -> str:
    return {
        "utf-8-sig": "UTF-8（带 BOM）",
        "utf-8": "UTF-8",
        "gb18030": "GB18030（兼容 GBK / GB2312）",
        "utf-16": "UTF-16",
        "big5": "Big5（繁体）",
    }.get(codec, codec.upper())


def _cut_to_line(sample: bytes, complete: bool) -> bytes:
    """A sample that ends inside a character would fool any detector: cut it after its last newline."""
    if complete:
        return sample
    cut = sample.rfind(b"\n")
    return sample[: cut + 1] if cut > 0 else sample


def detect_encoding(
    sample: bytes, *, complete: bool = False, score: Callable[[str], int] | None = None
) -> Encoding:
    """The encoding of a CSV sample: BOM, then strict UTF-8, then charset-normalizer.

    A GB-family answer (GB2312 / GBK / GB18030) is decoded as GB18030, which reads all of them. When
    the detector names something else, GB18030 is tried too and the one whose header looks like an
    export wins (score), because a short Chinese sample is sometimes taken for Big5 or a Korean code page.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return Encoding("utf-8-sig", _display("utf-8-sig"), "文件开头有 UTF-8 BOM")
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Encoding("utf-16", _display("utf-16"), "文件开头有 UTF-16 BOM")
    body = _cut_to_line(sample, complete)
    try:
        body.decode("utf-8")
        return Encoding("utf-8", _display("utf-8"), "内容是有效的 UTF-8")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(body).best()
    detected = (best.encoding if best is not None else "") or ""
    if detected.lower() in GB_FAMILY:
        return Encoding("gb18030", _display("gb18030"), f"charset-normalizer 检测为 {detected}")
    try:
        body.decode("gb18030")
        gb_decodes = True
    except UnicodeDecodeError:
        gb_decodes = False
    if gb_decodes and score is not None and detected:
        try:
            detected_points = score(body.decode(detected))
        except (UnicodeDecodeError, LookupError):
            detected_points = -1
        if score(body.decode("gb18030")) >= detected_points:
            # A short Chinese sample is sometimes taken for Big5 or a Korean code page; exports from the
            # mainland are GBK: GB18030 wins unless the detector's answer reads the header better.
            return Encoding(
                "gb18030", _display("gb18030"), f"charset-normalizer 猜测为 {detected}，按内容判定为 GB18030"
            )
    elif gb_decodes and (not detected or detected.lower() in CJK_LOOKALIKES):
        return Encoding(
            "gb18030",
            _display("gb18030"),
            f"charset-normalizer 猜测为 {detected or '未知'}，按内容判定为 GB18030",
        )
    if detected:
        return Encoding(detected, _display(detected), f"charset-normalizer 检测为 {detected}")
    return Encoding("gb18030", _display("gb18030"), "无法确定，按国内导出文件最常见的 GB18030 读取")


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


class _CountingReader(io.RawIOBase):
    """Counts bytes read, for progress, without holding them."""

    def __init__(self, raw: io.BufferedReader) -> None:
        self._raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)
        self.count += n or 0
        return n or 0

    def close(self) -> None:
        self._raw.close()
        super().close()


def cell_text(value: Any) -> str:
    """An XLSX cell as the text a CSV export would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value) if abs(value) >= 1e15 else f"{value:.10g}"
    return str(value)


@dataclass
class Table:
    """An open export: its rows as lists of text, numbered as a spreadsheet numbers them (from 1)."""

    path: Path
    file_type: str  # "CSV" / "XLSX"
    encoding: Encoding | None
    delimiter: str
    sheet: str
    _rows: Iterator[list[str]]
    _position: Callable[[], tuple[int, int]]
    _close: Callable[[], None]

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        yield from enumerate(self._rows, start=1)

    def position(self) -> tuple[int, int]:
        """(done, total) in units of the file (bytes for CSV, rows for XLSX)."""
        return self._position()

    def close(self) -> None:
        self._close()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _sniff_kind(path: Path, head: bytes) -> str:
    name = path.name
    if head.startswith(b"PK\x03\x04"):
        return "XLSX"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileUnreadable(
            f"“{name}”是旧版 Excel（.xls）文件，无法直接读取。请在 Excel 或 WPS 中打开后“另存为” .xlsx 或 CSV，再导入。"
        )
    lowered = head[:2048].lower()
    if b"<html" in lowered or b"<table" in lowered:
        raise FileUnreadable(
            f"“{name}”其实是网页（HTML）格式的表格。请在 Excel 或 WPS 中打开后“另存为” .xlsx 或 CSV，再导入。"
        )
    if not head.strip():
        raise FileUnreadable(f"“{name}”是空文件。")
    if b"\x00" in head[:4096] and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise FileUnreadable(f"“{name}”不是文本表格（CSV）或 Excel（.xlsx）文件。")
    return "CSV"


def open_table(path: Path, *, score: Callable[[Sequence[str]], int] | None = None) -> Table:
    """Open a CSV or XLSX export for streaming; score (a header row → points) picks the sheet/encoding."""
    try:
        with path.open("rb") as fh:
            head = fh.read(SAMPLE_BYTES)
            complete = len(head) < SAMPLE_BYTES
        size = path.stat().st_size
    except OSError as exc:
        raise FileUnreadable(f"无法读取“{path.name}”：{exc.strerror or exc}") from exc
    kind = _sniff_kind(path, head)
    if kind == "XLSX":
        return _open_xlsx(path, score)
    return _open_csv(path, head, complete, size, score)


def _text_score(score: Callable[[Sequence[str]], int] | None) -> Callable[[str], int] | None:
    if score is None:
        return None

    def by_text(text: str) -> int:
        lines = text.splitlines()[:HEADER_SEARCH_ROWS]
        best = 0
        for line in lines:
            cells = next(csv.reader([line], delimiter=_delimiter(line)), [])
            best = max(best, score(cells))
        return best

    return by_text


def _open_csv(
    path: Path, head: bytes, complete: bool, size: int, score: Callable[[Sequence[str]], int] | None
) -> Table:
    encoding = detect_encoding(head, complete=complete, score=_text_score(score))
    try:
        first = _cut_to_line(head, complete).decode(encoding.codec, errors="replace")
    except LookupError as exc:
        raise FileUnreadable(f"“{path.name}”的编码 {encoding.codec} 无法识别。") from exc
    lines = first.lstrip("\ufeff").splitlines()
    header_line = lines[0] if lines else ""
    if score is not None:
        candidates = [ln for ln in lines[:HEADER_SEARCH_ROWS] if ln.strip()]
        if candidates:
            header_line = max(
                candidates, key=lambda ln: score(next(csv.reader([ln], delimiter=_delimiter(ln)), []))
            )
    delimiter = _delimiter(header_line)
    raw = path.open("rb")
    counter = _CountingReader(raw)
    # Bytes the codec cannot decode become U+FFFD; the importer refuses such rows by number.
    text = io.TextIOWrapper(
        io.BufferedReader(counter, 1 << 16), encoding=encoding.codec, errors="replace", newline=""
    )
    reader = csv.reader(text, delimiter=delimiter)

    def rows() -> Iterator[list[str]]:
        first_row = True
        try:
            for cells in reader:
                if first_row and cells:
                    cells[0] = cells[0].lstrip("\ufeff")
                first_row = False
                yield cells
        except csv.Error as exc:
            raise FileUnreadable(f"“{path.name}”在第 {reader.line_num} 行之后无法按 CSV 读取：{exc}") from exc

    return Table(
        path=path,
        file_type="CSV",
        encoding=encoding,
        delimiter=delimiter,
        sheet="",
        _rows=rows(),
        _position=lambda: (counter.count, size),
        _close=text.close,
    )


def _open_xlsx(path: Path, score: Callable[[Sequence[str]], int] | None) -> Table:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        log.info("openpyxl cannot open %s", path, exc_info=True)
        raise FileUnreadable(f"“{path.name}”不是有效的 Excel（.xlsx）文件，或文件已损坏：{exc}") from exc
    try:
        sheets = list(wb.worksheets)
        if not sheets:
            raise FileUnreadable(f"“{path.name}”里没有工作表。")
        chosen = sheets[0]
        if score is not None and len(sheets) > 1:
            best = -1
            for ws in sheets:
                points = max(
                    (
                        score([cell_text(v) for v in row])
                        for row in ws.iter_rows(max_row=HEADER_SEARCH_ROWS, values_only=True)
                    ),
                    default=0,
                )
                if points > best:
                    best, chosen = points, ws
    except FileUnreadable:
        wb.close()
        raise
    except Exception as exc:
        wb.close()
        raise FileUnreadable(f"“{path.name}”无法读取：{exc}") from exc
    total = chosen.max_row or 0
    done = 0

    def rows() -> Iterator[list[str]]:
        nonlocal done
        try:
            for values in chosen.iter_rows(min_row=1, values_only=True):
                done += 1
                yield [cell_text(v) for v in values]
        except Exception as exc:
            raise FileUnreadable(f"“{path.name}”在第 {done} 行附近无法读取：{exc}") from exc

    return Table(
        path=path,
        file_type="XLSX",
        encoding=None,
        delimiter="",
        sheet=chosen.title,
        _rows=rows(),
        _position=lambda: (done, max(total, done)),
        _close=wb.close,
    )
