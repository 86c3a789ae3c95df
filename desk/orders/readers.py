"""Reading export files row by row: CSV with its encoding detected (never assumed), XLSX checked and
streamed (desk/orders/xlsx.py).

Nothing is loaded whole: CSV is decoded and split as it streams from disk (quoted newlines included), a
cell or line too long to be data costs its row, not the file; XLSX sizes are checked before anything is
inflated. Files are opened with open_regular: a pipe or device is refused instead of blocking forever.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any

from desk.errors import DeskError
from desk.fileops import open_failure_reason, open_regular
from desk.names import shown
from desk.orders import xlsx

log = logging.getLogger(__name__)

SAMPLE_BYTES = 256 * 1024
HEADER_SEARCH_ROWS = 15  # title lines some exports put above the header
# The longest CSV field (and physical line) read, in characters. A row of an export is a few hundred
# characters and the importer refuses any cell over 10,000; past this the csv module stops with an error,
# which costs that row only (see _CsvLines).
FIELD_LIMIT = 1 << 20
csv.field_size_limit(FIELD_LIMIT)

# Detector answers that mean "Chinese, GB family": GB18030 decodes every one of them.
GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936", "hz", "euc_cn", "ms936"}
# Other East Asian code pages a short GBK sample is mistaken for; a mainland export is not in them.
CJK_LOOKALIKES = {
    "big5", "big5hkscs", "cp950", "cp949", "euc_kr", "johab", "euc_jp", "shift_jis", "cp932", "iso2022_kr",
    "iso2022_jp", "euc_jis_2004", "shift_jis_2004", "shift_jisx0213", "euc_jisx0213",
}  # fmt: skip


class FileUnreadable(DeskError):
    """The file itself cannot be read as an export (not its rows)."""


class BrokenRow(list[str]):
    """A row the reader could not split into cells (yielded in its place, empty): why, in words."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason


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


@dataclass
class Table:
    """An open export: its rows as lists of text, each with its number as a spreadsheet shows it (from 1)."""

    path: Path
    file_type: str  # "CSV" / "XLSX"
    encoding: Encoding | None
    delimiter: str
    sheet: str
    _rows: Iterator[tuple[int, list[str]]]
    _position: Callable[[], tuple[int, int]]
    _close: Callable[[], None]
    _set_width: Callable[[int], None] = lambda _n: None
    notes: list[str] = field(default_factory=list)  # what the report should say about reading the file

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells); an XLSX yields only rows with a value, a CSV every record (BrokenRow
        for one that could not be split)."""
        return self._rows

    def limit_columns(self, width: int) -> None:
        """Read only the header's columns from here on (XLSX; a CSV row is split whole anyway)."""
        self._set_width(width)

    def position(self) -> tuple[int, int]:
        """(done, total) bytes of the file (CSV) or of the sheet's XML (XLSX)."""
        return self._position()

    def close(self) -> None:
        self._close()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _sniff_kind(path: Path, head: bytes) -> str:
    name = shown(path.name)
    if head.startswith(b"PK\x03\x04"):
        return "XLSX"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileUnreadable(
            f"“{name}”是旧版 Excel（.xls）文件或加密的 Excel 文件，无法直接读取。"
            "请在 Excel 或 WPS 中打开（有密码的先去掉密码）后“另存为” .xlsx 或 CSV，再导入。"
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
        fh = open_regular(path)
    except OSError as exc:
        raise FileUnreadable(f"无法读取“{shown(path.name)}”：{open_failure_reason(exc)}。") from exc
    try:
        head = fh.read(SAMPLE_BYTES)
        complete = len(head) < SAMPLE_BYTES
        size = os.fstat(fh.fileno()).st_size
        kind = _sniff_kind(path, head)
        if kind == "XLSX":
            return _open_xlsx(path, fh, score)
        fh.seek(0)
        return _open_csv(path, fh, head, complete, size, score)
    except OSError as exc:
        fh.close()
        raise FileUnreadable(f"无法读取“{shown(path.name)}”：{exc.strerror or '读取出错'}。") from exc
    except BaseException:
        fh.close()
        raise


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


class _CsvLines:
    """The physical lines of a CSV for csv.reader, never one longer than FIELD_LIMIT characters, with
    the count of quote characters in the record being read (to find where a failed record ends)."""

    def __init__(self, text: io.TextIOWrapper) -> None:
        self._readline = text.readline
        self.quotes = 0

    def __iter__(self) -> Iterator[str]:
        readline = self._readline
        while True:
            line = readline(FIELD_LIMIT)
            if not line:
                return
            if len(line) == FIELD_LIMIT and line[-1] not in "\r\n":
                # A line this long is no export row; skip to its end without holding it.
                quotes = line.count('"')
                while True:
                    more = readline(FIELD_LIMIT)
                    quotes += more.count('"')
                    if len(more) < FIELD_LIMIT or more[-1] in "\r\n":
                        break
                self.quotes += quotes
                # In its place, a line longer than any field may be: csv.reader fails the record it is
                # in, whatever its state.
                yield "x" * (FIELD_LIMIT + 1)
                continue
            self.quotes += line.count('"')
            yield line

    def skip_record(self) -> None:
        """After csv.reader failed mid-record: skip the lines up to the record's end. An odd number of
        quotes so far means a quoted field is still open; it closes on the line that makes it even."""
        if self.quotes % 2:
            for _line in self:
                if not self.quotes % 2:
                    break
        self.quotes = 0


def _open_csv(
    path: Path,
    fh: IO[bytes],
    head: bytes,
    complete: bool,
    size: int,
    score: Callable[[Sequence[str]], int] | None,
) -> Table:
    name = shown(path.name)
    encoding = detect_encoding(head, complete=complete, score=_text_score(score))
    try:
        first = _cut_to_line(head, complete).decode(encoding.codec, errors="replace")
    except LookupError as exc:
        raise FileUnreadable(f"“{name}”的编码 {encoding.codec} 无法识别。") from exc
    lines = first.lstrip("\ufeff").splitlines()
    header_line = lines[0] if lines else ""
    if score is not None:
        candidates = [ln for ln in lines[:HEADER_SEARCH_ROWS] if ln.strip()]
        if candidates:
            header_line = max(
                candidates, key=lambda ln: score(next(csv.reader([ln], delimiter=_delimiter(ln)), []))
            )
    delimiter = _delimiter(header_line)
    counter = _CountingReader(fh)  # type: ignore[arg-type]
    # Bytes the codec cannot decode become U+FFFD; the importer refuses such rows by number.
    text = io.TextIOWrapper(
        io.BufferedReader(counter, 1 << 16), encoding=encoding.codec, errors="replace", newline=""
    )
    source = _CsvLines(text)
    reader = csv.reader(source, delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[str]]]:
        number = 0
        while True:
            number += 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                if "field larger than field limit" not in str(exc):
                    log.info("csv error in %s at record %d: %s", path, number, exc)
                    raise FileUnreadable(
                        f"“{name}”在第 {number} 行无法按 CSV 读取（格式错误），可能不是 CSV 文件或已损坏"
                    ) from exc
                source.skip_record()
                yield (
                    number,
                    BrokenRow(
                        f"这一行有一格超过 {FIELD_LIMIT:,} 个字符，不是订单数据（多半是引号没有闭合，或文件里混进了别的内容），未导入"
                    ),
                )
                continue
            source.quotes = 0
            if number == 1 and cells:
                cells[0] = cells[0].lstrip("\ufeff")
            yield number, cells

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


def _open_xlsx(path: Path, fh: IO[bytes], score: Callable[[Sequence[str]], int] | None) -> Table:
    name = shown(path.name)

    def refused(exc: xlsx.Refused, where: str = "") -> FileUnreadable:
        return FileUnreadable(f"“{name}”{where}不能导入：{exc.reason}。")

    try:
        book = xlsx.Book(fh)
    except xlsx.Refused as exc:
        raise refused(exc) from exc
    try:
        chosen = book.sheets[0]
        if score is not None and len(book.sheets) > 1:
            best = -1
            for sheet in book.sheets:
                reader = book.reader(sheet)
                try:
                    head = list(islice(reader.rows(), HEADER_SEARCH_ROWS))
                finally:
                    reader.close()
                points = max((score(cells) for _n, cells in head), default=0)
                if points > best:
                    best, chosen = points, sheet
    except xlsx.Refused as exc:
        book.close()
        raise refused(exc) from exc
    except BaseException:
        book.close()
        raise
    reader = book.reader(chosen)
    last = 0

    def rows() -> Iterator[tuple[int, list[str]]]:
        nonlocal last
        try:
            for number, cells in reader.rows():
                last = number
                yield number, cells
        except xlsx.Refused as exc:
            raise refused(exc, f"在第 {last} 行之后" if last else "") from exc

    def close() -> None:
        reader.close()
        book.close()
        fh.close()

    return Table(
        path=path,
        file_type="XLSX",
        encoding=None,
        delimiter="",
        sheet=chosen.title,
        _rows=rows(),
        _position=reader.position,
        _close=close,
        _set_width=reader.set_width,
        notes=reader.notes,
    )
