"""XLSX exports read without trusting them: sizes are checked before anything is inflated, and the sheet
is streamed with expat, reading only the columns the header has.

An .xlsx file is a zip of XML parts, and every size in it is the sender's word. So, in this order:

1. The zip's own directory (read from the end of the file, before zipfile parses a single entry): its
   size bounds how many members there can be.
2. Every member, from the central directory: how many there are, their declared uncompressed sizes
   (zipfile never inflates a member past its declared size, and fails its CRC when the data says
   otherwise, so the declared sizes bound what is read), the compression ratio and method.
3. The parts actually read — workbook, relationships, styles, shared strings, the sheet — each against
   its own ceiling.
4. While parsing: no DOCTYPE (entity expansion), no single token (tag, attribute, comment) longer than
   a megabyte (expat would buffer it whole), row numbers that only go up and stay within Excel's
   1,048,576, columns within XFD, cell text within Excel's 32,767 characters.

The declared `<dimension>` is ignored: rows are produced from the cells that are there, missing rows
cost nothing, and once the header is found only its columns are kept. A sheet that goes on for
thousands of rows (or a million cells) without a value is "mostly empty": reading stops there and the
report says so.

Why not openpyxl's read-only mode, which the importer used before: it loads the whole shared-strings
table as Python strings before the first row (a 3.6 MB file whose strings inflate to 1.2 GB took
4.6 GB), pads rows to the declared dimension (`A1:XFD1048576` made a 1.5 KB file take over ten
minutes) and parses a 100,000-row export in about 37 s where this reader takes about 9 s. Why not
python-calamine (Rust): three times as fast again, but it builds the sheet as a dense grid of the
cells' bounding box, so one cell at XFD1048576 asks for 550 GB and aborts the whole process (an
allocation failure in Rust is not an exception Python can catch); it also holds the whole sheet in
memory. docs/orders.md has the measurements.
"""

from __future__ import annotations

import posixpath
import struct
import zipfile
import zlib
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import IO, Any
from xml.parsers import expat

MiB = 1 << 20
CHUNK = 64 * 1024
EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384  # XFD


@dataclass(frozen=True)
class Limits:
    """What an import will read; a file past any of them is refused before (or as soon as) it shows."""

    members: int = 1_000  # an export has about ten
    directory_bytes: int = 4 * MiB  # the zip's central directory
    total_bytes: int = 2048 * MiB  # all members together, as declared
    part_bytes: int = 16 * MiB  # workbook, relationships, styles
    shared_bytes: int = 256 * MiB  # sharedStrings.xml: held in memory (as UTF-8, about its own size)
    shared_strings: int = 2_000_000  # a 100,000-row export uses well under a million
    sheet_bytes: int = 1024 * MiB  # streamed; a 100,000-row export with inline strings is ~220 MB
    ratio: int = 100  # Apache POI's zip-bomb threshold; real parts compress 5-20x
    ratio_from: int = 1 * MiB  # smaller members may compress as well as they like
    sheets: int = 100
    header_columns: int = 1_024  # columns read before the header's width is known
    cell_chars: int = 32_767  # Excel's own maximum for one cell
    token_bytes: int = 1 * MiB  # one tag, attribute or comment; expat buffers a token whole
    empty_rows: int = 10_000  # consecutive rows without a value: the rest of the sheet is not read
    empty_cells: int = 1_000_000  # cells without a value since the last row that had one


LIMITS = Limits()


class Refused(Exception):
    """The workbook is not read; the message is the reason in words (without the file's name)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def size_text(n: int) -> str:
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GB"
    if n >= MiB:
        return f"{n / MiB:.0f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} 字节"


def _name(text: str) -> str:
    """Names from inside the file, safe to show."""
    from desk.names import shown

    return shown(text[:80])


# -- the zip --------------------------------------------------------------------------------------


def _directory_size(fh: IO[bytes]) -> tuple[int, int]:
    """(entries, bytes) of the central directory, read from the end-of-directory record.

    zipfile reads the whole directory and builds an object per entry before anything can be checked;
    a directory of a million entries costs it seconds and hundreds of megabytes.
    """
    fh.seek(0, 2)
    size = fh.tell()
    tail_len = min(size, 22 + 65535)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        raise Refused("不是有效的 Excel（.xlsx）文件（找不到压缩包的目录），或文件已损坏")
    entries, cd_size = struct.unpack("<HI", tail[at + 10 : at + 16])
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:
        locator = tail[at - 20 : at] if at >= 20 else b""
        if locator[:4] == b"PK\x06\x07":
            (offset,) = struct.unpack("<Q", locator[8:16])
            fh.seek(offset)
            record = fh.read(56)
            if record[:4] == b"PK\x06\x06" and len(record) == 56:
                entries, cd_size = struct.unpack("<QQ", record[32:48])
    return entries, cd_size


def _check_members(zf: zipfile.ZipFile, limits: Limits) -> None:
    infos = zf.infolist()
    if len(infos) > limits.members:
        raise Refused(
            f"压缩包里有 {len(infos):,} 个文件，正常的 Excel 文件只有几十个（上限 {limits.members:,}）"
        )
    total = 0
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise Refused(f"其中“{_name(info.filename)}”使用了 Excel 不用的压缩方式")
        if info.flag_bits & 0x1:
            raise Refused("文件已加密（设有密码）。请在 Excel 或 WPS 中去掉密码后另存，再导入")
        total += info.file_size
        if info.file_size > limits.ratio_from:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.ratio:
                raise Refused(
                    f"其中“{_name(info.filename)}”的压缩比是 {ratio:,.0f} 倍（{size_text(info.compress_size)} 解压成 "
                    f"{size_text(info.file_size)}），正常的 Excel 文件不超过 {limits.ratio} 倍，像是“压缩炸弹”"
                )
    if total > limits.total_bytes:
        raise Refused(f"解压后共有 {size_text(total)}，超过上限 {size_text(limits.total_bytes)}")


# -- XML ------------------------------------------------------------------------------------------


def _no_doctype(*_args: Any) -> None:
    raise Refused("里面有 DOCTYPE 声明（可以定义会无限展开的实体），正常的 Excel 文件没有")


def _parser(namespaces: bool = False) -> Any:
    p = expat.ParserCreate(namespace_separator="|") if namespaces else expat.ParserCreate()
    p.buffer_text = True
    p.buffer_size = CHUNK
    p.StartDoctypeDeclHandler = _no_doctype
    p.EntityDeclHandler = _no_doctype
    return p


class _Feed:
    """Feeds a member to an expat parser in chunks, refusing broken XML and oversized tokens."""

    def __init__(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, parser: Any, limits: Limits) -> None:
        try:
            self.stream = zf.open(info)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError) as exc:
            raise Refused(f"“{_name(info.filename)}”无法解压，文件可能已损坏") from exc
        self.info = info
        self.parser = parser
        self.limits = limits
        self.fed = 0
        self.done = False

    def step(self) -> bool:
        """Parse the next chunk; False once the member is finished."""
        if self.done:
            return False
        try:
            chunk = self.stream.read(CHUNK)
        except zipfile.BadZipFile as exc:
            raise Refused(f"“{_name(self.info.filename)}”的压缩数据已损坏（校验失败）") from exc
        except (OSError, EOFError, ValueError, zlib.error) as exc:
            raise Refused(f"“{_name(self.info.filename)}”无法解压，文件可能已损坏") from exc
        try:
            self.parser.Parse(chunk, not chunk)
        except expat.ExpatError as exc:
            raise Refused(
                f"“{_name(self.info.filename)}”不是有效的 XML（第 {exc.lineno} 行第 {exc.offset} 列附近），文件可能已损坏"
            ) from exc
        self.fed += len(chunk)
        # expat holds an unfinished token (a tag with its attributes, a comment) whole: one that has
        # grown past the limit is not something Excel writes, and would only grow further.
        if self.fed - max(self.parser.CurrentByteIndex, 0) > self.limits.token_bytes:
            raise Refused(
                f"“{_name(self.info.filename)}”里有一个超过 {size_text(self.limits.token_bytes)} 的标记或注释，正常的 Excel 文件不会这样"
            )
        if not chunk:
            self.done = True
            self.stream.close()
            return False
        return True

    def run(self) -> None:
        while self.step():
            pass

    def close(self) -> None:
        self.stream.close()


def _local(name: str) -> str:
    return name.rpartition("|")[2].rpartition(":")[2]


def _elements(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, wanted: set[str], limits: Limits
) -> list[tuple[str, str, dict[str, str]]]:
    """(local name, parent's local name, attributes by local name) of the wanted elements of a small part."""
    found: list[tuple[str, str, dict[str, str]]] = []
    stack: list[str] = []
    p = _parser(namespaces=True)

    def start(name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local in wanted:
            found.append((local, stack[-1] if stack else "", {_local(k): v for k, v in attrs.items()}))
            if len(found) > 1_000_000:
                raise Refused(f"“{_name(info.filename)}”的内容过多")
        stack.append(local)

    def end(_name: str) -> None:
        stack.pop()

    p.StartElementHandler = start
    p.EndElementHandler = end
    _Feed(zf, info, p, limits).run()
    return found


# -- the workbook ---------------------------------------------------------------------------------

# Number formats 14-22 and 45-47 are dates and times everywhere; 27-36 and 50-58 are the date formats
# of the Chinese, Japanese and Korean builtin sets (ECMA-376 Part 1, 18.8.30).
_DATE_FORMAT_IDS = frozenset({*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)})


@dataclass(frozen=True)
class SheetRef:
    title: str
    info: zipfile.ZipInfo


class _Strings:
    """The shared-strings table, read as far as the sheet has asked for: writers number the strings in
    the order the rows first use them, so a sheet read top to bottom reads this part once, in step (in
    any other order it reads further ahead), and a table of millions of strings that the sheet never
    uses costs nothing.

    Held as one UTF-8 buffer and offsets: about the size of its text, where a list of Python strings
    costs 60+ bytes more per string.
    """

    def __init__(self, zf: zipfile.ZipFile | None, info: zipfile.ZipInfo | None, limits: Limits) -> None:
        self.blob = bytearray()
        self.ends = array("Q")
        self._most = limits.shared_strings
        self._feed: _Feed | None = None
        if zf is None or info is None:
            return
        cap, most = limits.cell_chars + 1, limits.shared_strings
        ends, blob = self.ends, self.blob
        parts: list[str] = []
        capture = False
        phonetic = length = 0
        codes = {"si": 1, "t": 2, "rPh": 3}

        def code(name: str) -> int:
            found = codes[name] = codes.get(name.rpartition(":")[2], 9)
            return found

        def start(name: str, _attrs: dict[str, str]) -> None:
            nonlocal capture, phonetic, length
            c = codes.get(name) or code(name)
            if c == 2:
                capture = not phonetic
            elif c == 1:
                parts.clear()
                length = 0
            elif c == 3:
                phonetic += 1

        def end(name: str) -> None:
            nonlocal capture, phonetic
            c = codes.get(name) or code(name)
            if c == 2:
                capture = False
            elif c == 1:
                if len(ends) >= most:
                    raise Refused(f"共享字符串超过 {most:,} 个，不像平台的导出文件")
                text = (parts[0] if len(parts) == 1 else "".join(parts))[:cap]
                blob.extend(text.encode("utf-8", "surrogatepass"))
                ends.append(len(blob))
            elif c == 3:
                phonetic -= 1

        def data(text: str) -> None:
            nonlocal length
            if capture and length < cap:
                parts.append(text)
                length += len(text)

        p = _parser()
        p.StartElementHandler = start
        p.EndElementHandler = end
        p.CharacterDataHandler = data
        self._feed = _Feed(zf, info, p, limits)

    def __len__(self) -> int:
        return len(self.ends)

    def get(self, index: int) -> str:
        """The string at index; IndexError when the table has no such string."""
        ends = self.ends
        if index >= len(ends):
            if index >= self._most:
                raise Refused(
                    f"表格引用了第 {index + 1:,} 个共享字符串，超过上限 {self._most:,} 个，不像平台的导出文件"
                )
            feed = self._feed
            while index >= len(ends) and feed is not None and feed.step():
                pass
            if index >= len(ends) or index < 0:
                raise IndexError(index)
        start = ends[index - 1] if index else 0
        return self.blob[start : ends[index]].decode("utf-8", "surrogatepass")

    def close(self) -> None:
        if self._feed is not None:
            self._feed.close()


class Book:
    """An opened workbook: its sheets, shared strings and date styles, all checked."""

    def __init__(self, fh: IO[bytes], limits: Limits = LIMITS) -> None:
        self.limits = limits
        entries, directory = _directory_size(fh)
        if directory > limits.directory_bytes or entries > limits.members:
            raise Refused(
                f"压缩包的目录有 {entries:,} 项（{size_text(directory)}），正常的 Excel 文件只有几十项（上限 {limits.members:,}）"
            )
        fh.seek(0)
        try:
            self.zip = zipfile.ZipFile(fh)
        # NotImplementedError: a damaged header claiming a zip version or feature zipfile does not know.
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            OSError,
            EOFError,
            ValueError,
            NotImplementedError,
        ) as exc:
            raise Refused("不是有效的 Excel（.xlsx）文件，或文件已损坏") from exc
        try:
            _check_members(self.zip, limits)
            self._read_structure()
        except BaseException:
            self.zip.close()
            raise

    def close(self) -> None:
        strings = getattr(self, "strings", None)
        if strings is not None:
            strings.close()
        self.zip.close()

    def _member(self, name: str, cap: int, what: str) -> zipfile.ZipInfo | None:
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            return None
        if info.file_size > cap:
            raise Refused(f"{what}解压后有 {size_text(info.file_size)}，超过上限 {size_text(cap)}")
        return info

    def _part(self, name: str) -> zipfile.ZipInfo | None:
        return self._member(name, self.limits.part_bytes, f"“{_name(name)}”")

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """Relationship id → (type's last word, target path inside the zip) of a part."""
        folder, base = posixpath.split(part)
        info = self._part(posixpath.join(folder, "_rels", base + ".rels"))
        if info is None:
            return {}
        out: dict[str, tuple[str, str]] = {}
        for _local_name, _parent, attrs in _elements(self.zip, info, {"Relationship"}, self.limits):
            if attrs.get("TargetMode") == "External":
                continue
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
            out[attrs.get("Id", "")] = (attrs.get("Type", "").rpartition("/")[2], posixpath.normpath(path))
        return out

    def _read_structure(self) -> None:
        root = self._rels("")
        workbook = next((t for kind, t in root.values() if kind == "officeDocument"), "xl/workbook.xml")
        info = self._part(workbook)
        if info is None:
            raise Refused("缺少工作簿（xl/workbook.xml），不是有效的 Excel（.xlsx）文件")
        rels = self._rels(workbook)
        self.epoch_1904 = False
        sheets: list[tuple[str, str]] = []
        for local, _parent, attrs in _elements(self.zip, info, {"sheet", "workbookPr"}, self.limits):
            if local == "workbookPr":
                self.epoch_1904 = attrs.get("date1904", "").lower() in ("1", "true")
            else:
                sheets.append((attrs.get("name", ""), attrs.get("id", "")))
        self.sheets: list[SheetRef] = []
        for title, rid in sheets:
            kind, target = rels.get(rid, ("", ""))
            if kind != "worksheet":
                continue  # chart sheets and the like hold no rows
            if len(self.sheets) >= self.limits.sheets:
                raise Refused(f"工作表超过 {self.limits.sheets} 个，不像平台的导出文件")
            sheet = self._member(target, self.limits.sheet_bytes, f"工作表“{_name(title)}”")
            if sheet is not None:
                self.sheets.append(SheetRef(title, sheet))
        if not self.sheets:
            raise Refused("里面没有工作表")
        styles = next((t for kind, t in rels.values() if kind == "styles"), "")
        self.date_styles = self._read_styles(styles)
        strings = next((t for kind, t in rels.values() if kind == "sharedStrings"), "xl/sharedStrings.xml")
        self.strings = self._read_strings(strings)

    def _read_styles(self, name: str) -> dict[str, bool]:
        """The cell styles (a cell's s="…", an index into cellXfs) that show a number as a date (False)
        or as a duration (True)."""
        from openpyxl.styles.numbers import is_date_format, is_timedelta_format

        info = self._part(name) if name else None
        if info is None:
            return {}
        codes: dict[int, str] = {}
        xfs: list[int] = []
        for local, parent, attrs in _elements(self.zip, info, {"numFmt", "xf"}, self.limits):
            try:
                fmt = int(attrs.get("numFmtId", "0") or 0)
            except ValueError:
                fmt = 0
            if local == "numFmt":
                codes[fmt] = attrs.get("formatCode", "")
            elif parent == "cellXfs":
                xfs.append(fmt)
        out: dict[str, bool] = {}
        for index, fmt in enumerate(xfs):
            code = codes.get(fmt)
            if code is not None:
                if is_timedelta_format(code):
                    out[str(index)] = True
                elif is_date_format(code):
                    out[str(index)] = False
            elif fmt in _DATE_FORMAT_IDS:
                out[str(index)] = fmt == 46
        return out

    def _read_strings(self, name: str) -> _Strings:
        info = self._member(name, self.limits.shared_bytes, "共享字符串表（xl/sharedStrings.xml）")
        return _Strings(self.zip, info, self.limits)

    def reader(self, sheet: SheetRef) -> SheetReader:
        return SheetReader(self, sheet)


# -- cell values ----------------------------------------------------------------------------------


def cell_text(value: Any) -> str:
    """A cell's value as the text a CSV export would hold."""
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


def _number(raw: str) -> float | int:
    if "." in raw or "e" in raw or "E" in raw:
        return float(raw)
    return int(raw)


def _column_numbers() -> dict[str, int]:
    out: dict[str, int] = {}
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    for n in range(1, EXCEL_COLUMNS + 1):
        name, k = "", n
        while k:
            k, r = divmod(k - 1, 26)
            name = letters[r] + name
        out[name] = n
    return out


_COLUMNS = _column_numbers()

# Element names of a worksheet (prefixed ones, "x:row", are added as they are met): row 1, c 2, v 3,
# t 5, rPh 6; anything else 9.
_TAGS = {"row": 1, "c": 2, "v": 3, "t": 5, "rPh": 6}


# -- the sheet ------------------------------------------------------------------------------------


@dataclass
class SheetReader:
    """Rows of one sheet, streamed: (row number, cell texts), only rows with a value in them.

    Before set_width() a row is as long as its last value (at most header_columns); after it, every row
    has exactly that many cells and cells to the right are never converted.
    """

    book: Book
    sheet: SheetRef
    notes: list[str] = field(default_factory=list)
    width: int = 0
    fixed: bool = False

    def __post_init__(self) -> None:
        self.width = self.book.limits.header_columns
        self._feed: _Feed | None = None

    def set_width(self, width: int) -> None:
        self.width = max(1, min(width, EXCEL_COLUMNS))
        self.fixed = True

    def position(self) -> tuple[int, int]:
        """(bytes parsed, bytes in all) of the sheet's XML."""
        feed = self._feed
        return (feed.fed if feed else 0), max(self.sheet.info.file_size, 1)

    def close(self) -> None:
        if self._feed is not None:
            self._feed.close()

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        book, limits = self.book, self.book.limits
        strings, dates, epoch_1904 = book.strings, book.date_styles, book.epoch_1904
        cap = limits.cell_chars + 1
        title = _name(self.sheet.title)
        columns = _COLUMNS
        tags = dict(_TAGS)
        out: list[tuple[int, list[str]]] = []
        # The parser's state lives in the closures below (cheaper per event than attributes): expat calls
        # them about seven times per cell.
        row_no = col = in_row = 0
        cells: list[str] = []
        pairs: list[tuple[int, str]] = []  # before the width is fixed: (column, text)
        full = False  # the current row has a value
        fixed = False  # the current row is as wide as the header (set_width() came before it)
        width = self.width  # of the current row
        kind = style = ""
        skip = capture = False
        phonetic = 0
        text: list[str] = []
        length = 0
        quiet_rows = quiet_cells = 0  # rows and cells without a value since the last row with one
        last_full = stop = 0  # the last row with a value; the row where reading stopped

        def tag(name: str) -> int:
            code = tags[name] = _TAGS.get(name.rpartition(":")[2], 9)
            return code

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal \
                row_no, \
                col, \
                in_row, \
                kind, \
                style, \
                skip, \
                capture, \
                phonetic, \
                length, \
                cells, \
                full, \
                fixed, \
                width
            code = tags.get(name) or tag(name)
            if code == 2:  # <c r="B7" t="s" s="3">
                in_row += 1
                if in_row > EXCEL_COLUMNS:
                    raise Refused(
                        f"工作表“{title}”第 {row_no:,} 行的单元格超出了 Excel 的范围（{EXCEL_COLUMNS:,} 列）"
                    )
                ref = attrs.get("r")
                if ref:
                    letters = ref.rstrip("0123456789")
                    n = columns.get(letters) or columns.get(letters.upper())
                    if n is None:
                        raise Refused(f"工作表“{title}”第 {row_no:,} 行有无效的单元格地址“{_name(ref)}”")
                    col = n
                else:
                    col += 1
                if col > width:
                    skip = True
                    if col > EXCEL_COLUMNS:
                        raise Refused(
                            f"工作表“{title}”第 {row_no:,} 行的单元格超出了 Excel 的范围（{EXCEL_COLUMNS:,} 列）"
                        )
                    return
                skip = False
                kind = attrs.get("t", "n")
                style = attrs.get("s", "")
                text.clear()
                length = 0
            elif code == 5:  # <t>: inline text (a shared string's text is in the table)
                capture = not skip and not phonetic
            elif code == 3:  # <v>
                capture = not skip
            elif code == 1:  # <row r="7">
                r = attrs.get("r")
                number = row_no + 1
                if r:
                    try:
                        number = int(r)
                    except ValueError:
                        raise Refused(f"工作表“{title}”有无效的行号“{_name(r)}”") from None
                if number > EXCEL_ROWS:
                    raise Refused(f"工作表“{title}”有第 {number:,} 行，超过了 Excel 的上限 {EXCEL_ROWS:,} 行")
                if number <= row_no:
                    raise Refused(
                        f"工作表“{title}”的第 {number:,} 行出现在第 {row_no:,} 行之后（行号顺序错乱），文件已损坏"
                    )
                row_no = number
                col = in_row = 0
                full = False
                fixed, width = self.fixed, self.width
                if fixed:
                    cells = [""] * width
                else:
                    pairs.clear()
            elif code == 6:  # <rPh>: phonetic guide, not the text
                phonetic += 1

        def data(chunk: str) -> None:
            nonlocal length
            if capture and length < cap:
                text.append(chunk)
                length += len(chunk)

        def end(name: str) -> None:
            nonlocal capture, phonetic, quiet_rows, quiet_cells, last_full, stop, full
            code = tags.get(name) or tag(name)
            if code == 2:
                capture = False
                if skip or not text:
                    quiet_cells += 1
                    return
                raw = (text[0] if len(text) == 1 else "".join(text))[:cap]
                value = raw if kind == "inlineStr" or kind == "str" else _value(raw, kind, style)
                if not value or (value.isspace()):
                    quiet_cells += 1
                    return
                full = True
                if fixed:
                    cells[col - 1] = value
                else:
                    pairs.append((col, value))
            elif code == 5 or code == 3:
                capture = False
            elif code == 1:
                if stop:
                    return
                if full:
                    if fixed:
                        out.append((row_no, cells))
                    else:
                        row = [""] * max(c for c, _v in pairs)
                        for c, v in pairs:
                            row[c - 1] = v
                        out.append((row_no, row))
                    quiet_rows = quiet_cells = 0
                    last_full = row_no
                else:
                    quiet_rows += 1
                    if quiet_rows >= limits.empty_rows or quiet_cells >= limits.empty_cells:
                        stop = row_no
            elif code == 6:
                phonetic -= 1

        def _value(raw: str, kind: str, style: str) -> str:
            if kind == "s":
                try:
                    return strings.get(int(raw))
                except (ValueError, IndexError):
                    raise Refused(
                        f"工作表“{title}”第 {row_no:,} 行引用了不存在的共享字符串（第 {_name(raw)} 个，"
                        f"表里只有 {len(strings):,} 个），文件已损坏"
                    ) from None
            if kind == "e":
                return raw
            if kind == "b":
                return "是" if raw.strip() in ("1", "true") else "否"
            if kind == "d":
                try:
                    return cell_text(datetime.fromisoformat(raw.strip().rstrip("Z")))
                except ValueError:
                    return raw
            try:
                number = _number(raw.strip())
            except ValueError:
                return raw
            duration = dates.get(style) if style else None
            if duration is not None:
                return _serial(number, duration, epoch_1904) or cell_text(number)
            return cell_text(number)

        parser = _parser()
        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = data
        feed = self._feed = _Feed(book.zip, self.sheet.info, parser, limits)
        try:
            while True:
                more = feed.step()
                if out:
                    yield from out
                    out.clear()
                if stop:
                    since = f"第 {last_full:,} 行之后" if last_full else "从第 1 行起"
                    self.notes.append(
                        f"工作表“{title}”{since}几乎是空的（连续 {quiet_rows:,} 行、{quiet_cells:,} 个单元格没有内容），"
                        f"读到第 {stop:,} 行为止，其后的部分没有读取。"
                    )
                    return
                if not more:
                    return
        finally:
            feed.close()


def _serial(number: float | int, duration: bool, epoch_1904: bool) -> str:
    """An Excel serial date as text, the way openpyxl converts it (milliseconds rounded); "" if none."""
    from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

    try:
        return cell_text(from_excel(number, MAC_EPOCH if epoch_1904 else WINDOWS_EPOCH, timedelta=duration))
    except (OverflowError, ValueError, TypeError):
        return ""
