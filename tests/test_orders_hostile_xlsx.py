"""Hostile spreadsheets: zip bombs, declared dimensions, far cells, empty sheets, huge cells, many sheets.

The files are written by hand (a tiny zip writer below): a member can be a block repeated many times and
deflated once, so a 1.2 GB shared-strings table costs a few megabytes and a second to make. The budget
(any refused spreadsheet refused in < 5 s with < 500 MB resident memory) is measured in a child process
under a 3 GB address-space cap, each file's peak taken from the kernel's high-water mark.
"""

from __future__ import annotations

import json
import os
import re
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desk.errors import DeskError
from desk.orders.readers import FileUnreadable, open_table
from tests.timing import SLACK

REPO = Path(__file__).resolve().parents[1]
BUDGET_SECONDS = 5.0 * SLACK
BUDGET_MB = 500.0

# -- a hand-made zip ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Repeat:
    """head + block × times + tail, deflated once per distinct piece (after a full flush the deflate
    output of the same block is the same bytes, so it is repeated instead of recompressed)."""

    head: bytes
    block: bytes
    times: int
    tail: bytes


def _deflate(data: bytes | Repeat) -> tuple[bytes, int, int]:
    if isinstance(data, bytes):
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        return c.compress(data) + c.flush(), zlib.crc32(data), len(data)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(data.head) + c.flush(zlib.Z_FULL_FLUSH)
    block = c.compress(data.block) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.compress(data.tail) + c.flush()
    crc = zlib.crc32(data.head)
    for _ in range(data.times):
        crc = zlib.crc32(data.block, crc)
    crc = zlib.crc32(data.tail, crc)
    size = len(data.head) + len(data.block) * data.times + len(data.tail)
    return head + block * data.times + tail, crc, size


def zip_bytes(
    members: dict[str, bytes | Repeat],
    *,
    declared: dict[str, int] | None = None,
    compressed: dict[str, int] | None = None,
    method: int = 8,
    flags: int = 0x800,
    entries: int | None = None,
) -> bytes:
    """A zip of the members. declared and compressed override the sizes in both headers, entries the
    count in the end record: what a lying central directory says."""
    local, central, offset = [], [], 0
    for name, data in members.items():
        raw, crc, size = _deflate(data)
        size = (declared or {}).get(name, size)
        csize = (compressed or {}).get(name, len(raw))
        n = name.encode()
        head = struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, flags, method, 0, 0x21, crc, csize, size, len(n), 0
        )
        local.append(head + n + raw)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50, 20, 20, flags, method, 0, 0x21, crc, csize, size, len(n), 0, 0, 0, 0, 0, offset,
            )
            + n
        )  # fmt: skip
        offset += len(head) + len(n) + len(raw)
    directory = b"".join(central)
    count = len(central) if entries is None else entries
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, count & 0xFFFF, count & 0xFFFF, len(directory), offset, 0
    )
    return b"".join(local) + directory + end


NS = (
    'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
)
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def workbook(
    sheets: list[tuple[str, bytes | Repeat]],
    *,
    shared: bytes | Repeat | None = None,
    styles: bytes | None = None,
    extra: dict[str, bytes | Repeat] | None = None,
) -> dict[str, bytes | Repeat]:
    """The parts of a workbook as Excel writes them (openpyxl opens it too, which the tests rely on to
    show what the old reader did with the same file)."""
    types = [
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>',
        '<Default Extension="xml" ContentType="application/xml"/>',
        f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>',
    ]
    rels = []
    for i in range(1, len(sheets) + 1):
        types.append(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{CT}.worksheet+xml"/>')
        rels.append(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>')
    entries = "".join(
        f'<sheet name="{title}" sheetId="{i}" r:id="rId{i}"/>' for i, (title, _x) in enumerate(sheets, 1)
    )
    members: dict[str, bytes | Repeat] = {}
    if shared is not None:
        types.append(f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>')
        rels.append(f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>')
        members["xl/sharedStrings.xml"] = shared
    if styles is not None:
        types.append(f'<Override PartName="/xl/styles.xml" ContentType="{CT}.styles+xml"/>')
        rels.append(f'<Relationship Id="rIdY" Type="{REL}/styles" Target="styles.xml"/>')
        members["xl/styles.xml"] = styles
    members = {
        "[Content_Types].xml": (
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            + "".join(types)
            + "</Types>"
        ).encode(),
        "_rels/.rels": (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode(),
        "xl/workbook.xml": f'<?xml version="1.0"?><workbook {NS}><sheets>{entries}</sheets></workbook>'.encode(),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(rels)
            + "</Relationships>"
        ).encode(),
        **members,
    }
    for i, (_title, xml) in enumerate(sheets, 1):
        members[f"xl/worksheets/sheet{i}.xml"] = xml
    members.update(extra or {})
    return members


def column(n: int) -> str:
    name = ""
    while n:
        n, r = divmod(n - 1, 26)
        name = chr(65 + r) + name
    return name


HEADER = ["订单号", "商品", "商品数量(件)", "商家编码-SKU维度", "用户实付金额(元)"]


def row_xml(number: int, values: list[str]) -> str:
    cells = "".join(
        f'<c r="{column(i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>'
        for i, v in enumerate(values, 1)
        if v
    )
    return f'<row r="{number}">{cells}</row>'


def data_rows(start: int, count: int) -> str:
    return "".join(
        row_xml(n, [f"261120-{n:015d}", "收纳盒", "1", "SNH-L", "9.90"]) for n in range(start, start + count)
    )


def sheet(body: str, *, dimension: str = "", tail: str = "") -> bytes:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f"<worksheet {NS}>{dim}<sheetData>{row_xml(1, HEADER)}{body}{tail}</sheetData></worksheet>".encode()
    )


def big_sheet(body_head: str, block: str, times: int, tail: str, *, dimension: str = "") -> Repeat:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return Repeat(
        f"<worksheet {NS}>{dim}<sheetData>{row_xml(1, HEADER)}{body_head}".encode(),
        block.encode(),
        times,
        f"{tail}</sheetData></worksheet>".encode(),
    )


def shared_strings(string_chars: int, count_per_block: int, blocks: int, *, vary: bool = False) -> Repeat:
    """A sharedStrings.xml of count_per_block × blocks strings of string_chars characters."""
    if vary:  # a little less compressible: each string of a block differs
        block = "".join(f"<si><t>{i:08d}{'x' * (string_chars - 8)}</t></si>" for i in range(count_per_block))
    else:
        block = f"<si><t>{'x' * string_chars}</t></si>" * count_per_block
    total = count_per_block * blocks
    return Repeat(
        f'<?xml version="1.0"?><sst {NS} count="{total}" uniqueCount="{total}">'.encode(),
        block.encode(),
        blocks,
        b"</sst>",
    )


def write(path: Path, members: dict[str, bytes | Repeat], **zip_options: object) -> Path:
    path.write_bytes(zip_bytes(members, **zip_options))  # type: ignore[arg-type]
    return path


# -- the two files of the report --------------------------------------------------------------------


def strings_bomb(path: Path) -> Path:
    """~3.6 MB whose shared strings inflate to ~1.2 GB (the report's first file)."""
    return write(
        path,
        workbook([("Sheet1", sheet(data_rows(2, 3)))], shared=shared_strings(1000, 1000, 1200, vary=True)),
    )


def far_cell(path: Path) -> Path:
    """1.5 KB declaring A1:XFD1048576 with one cell out there (the report's second file)."""
    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    return write(path, workbook([("Sheet1", sheet(data_rows(2, 3), dimension="A1:XFD1048576", tail=far))]))


# -- generated bombs ---------------------------------------------------------------------------------

# name → (builder, what the import must say: a piece of the refusal, or None when it imports the data rows)
Builder = Callable[[Path], Path]
BOMBS: dict[str, tuple[Builder, str | None]] = {}


def bomb(name: str, expect: str | None) -> Callable[[Builder], Builder]:
    def register(fn: Builder) -> Builder:
        BOMBS[name] = (fn, expect)
        return fn

    return register


# Shared-string inflation: ratio, declared size, count.
for chars, per_block, blocks in ((1000, 1000, 1200), (100, 10_000, 500), (10, 50_000, 400), (30_000, 30, 40)):

    def _sst(path: Path, chars: int = chars, per_block: int = per_block, blocks: int = blocks) -> Path:
        return write(
            path, workbook([("S", sheet(data_rows(2, 2)))], shared=shared_strings(chars, per_block, blocks))
        )

    bomb(f"strings-{chars}x{per_block * blocks}", "压缩炸弹")(_sst)


@bomb("strings-declared-300MB-low-ratio", "共享字符串表")
def _sst_declared(path: Path) -> Path:
    # The central directory is what is checked: a table that says 300 MB is refused before reading.
    members = workbook([("S", sheet(data_rows(2, 2)))], shared=shared_strings(20, 50_000, 2, vary=True))
    name = "xl/sharedStrings.xml"
    return write(path, members, declared={name: 300 << 20}, compressed={name: 30 << 20})


@bomb("strings-count-past-limit", "共享字符串，超过上限")
def _sst_count(path: Path) -> Path:
    # Over five million short strings (120 MB, within the size limit), and a cell that uses the last.
    body = data_rows(2, 3) + '<row r="5"><c r="A5" t="s"><v>5000040</v></c></row>'
    strings = shared_strings(8, 100_001, 50, vary=True)
    return write(path, workbook([("S", sheet(body))], shared=strings))


@bomb("strings-millions-unused", None)
def _sst_unused(path: Path) -> Path:
    # The same table, never used by the sheet: never read.
    return write(
        path, workbook([("S", sheet(data_rows(2, 3)))], shared=shared_strings(8, 100_001, 50, vary=True))
    )


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
)


@bomb("strings-doctype-entities", "DOCTYPE")
def _sst_doctype(path: Path) -> Path:
    lol = LAUGHS + b'<sst xmlns="x"><si><t>&d;</t></si></sst>'
    body = data_rows(2, 3) + '<row r="5"><c r="A5" t="s"><v>0</v></c></row>'
    return write(path, workbook([("S", sheet(body))], shared=lol))


@bomb("strings-doctype-never-used", None)
def _sst_doctype_unused(path: Path) -> Path:
    # A table the sheet never uses is never parsed.
    lol = LAUGHS + b'<sst xmlns="x"><si><t>&d;</t></si></sst>'
    return write(path, workbook([("S", sheet(data_rows(2, 3)))], shared=lol))


@bomb("sheet-doctype-entities", "DOCTYPE")
def _sheet_doctype(path: Path) -> Path:
    cell = '<row r="2"><c r="A2" t="inlineStr"><is><t>&d;</t></is></c></row>'
    xml = LAUGHS + f"<worksheet {NS}><sheetData>{row_xml(1, HEADER)}{cell}</sheetData></worksheet>".encode()
    return write(path, workbook([("S", xml)]))


@bomb("workbook-doctype-entities", "DOCTYPE")
def _workbook_doctype(path: Path) -> Path:
    members = workbook([("S", sheet(data_rows(2, 3)))])
    entry = '<sheet name="&d;" sheetId="1" r:id="rId1"/>'
    members["xl/workbook.xml"] = LAUGHS + f"<workbook {NS}><sheets>{entry}</sheets></workbook>".encode()
    return write(path, members)


# Declared dimensions and far cells: read, quickly, with only the header's columns.
for dimension, far_ref in (
    ("A1:XFD1048576", "XFD1048576"),
    ("A1:XFD1048576", "XFD2"),
    ("A1:ZZZ999999", "A1048576"),
    ("A1:XFD99999999", "XFC1048575"),
    ("", "XFD5"),
):

    def _far(path: Path, dimension: str = dimension, far_ref: str = far_ref) -> Path:
        number = int(far_ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        far = f'<c r="{far_ref}"><v>7</v></c>'
        body, tail = data_rows(2, 3), ""
        if number == 2:  # out at the end of a data row
            body = body.replace("</row>", far + "</row>", 1)
        else:
            tail = f'<row r="{number}">{far}</row>'
        return write(path, workbook([("S", sheet(body, dimension=dimension, tail=tail))]))

    bomb(f"far-{dimension or 'no-dimension'}-{far_ref}", None)(_far)


@bomb("far-cells-every-row", None)
def _far_rows(path: Path) -> Path:
    # Every data row goes on with 2,000 cells out to XFD: only the header's columns are kept.
    block = "".join(f'<c r="{column(16384 - i)}3"><v>1</v></c>' for i in range(2000))
    body = data_rows(2, 3).replace("</row>", block + "</row>")
    return write(path, workbook([("S", sheet(body, dimension="A1:XFD1048576"))]))


# Many empty rows: present in the XML, or with styled empty cells; data after a long run is not read.
@bomb("empty-rows-1M", None)
def _empty(path: Path) -> Path:
    # Row numbers must go up: 1,000 blocks of 1,000 rows each, numbered by hand.
    rows = "".join(f'<row r="{n}" spans="1:5" s="1"/>' for n in range(10, 1_000_000, 7))
    return write(path, workbook([("S", sheet(data_rows(2, 3), tail=rows))]))


@bomb("empty-styled-cells", None)
def _empty_cells(path: Path) -> Path:
    rows = "".join(
        f'<row r="{n}">' + "".join(f'<c r="{column(i)}{n}" s="3"/>' for i in range(1, 60)) + "</row>"
        for n in range(10, 15_000)
    )
    return write(path, workbook([("S", sheet(data_rows(2, 3), tail=rows))]))


@bomb("empty-cells-far-right", None)
def _empty_far(path: Path) -> Path:
    cells = "".join(f'<c r="{column(i)}9"/>' for i in range(100, 16_384))
    rows = f'<row r="9">{cells}</row>' * 1 + "".join(
        f'<row r="{n}">' + cells.replace('9"/>', f'{n}"/>') + "</row>" for n in range(10, 80)
    )
    return write(path, workbook([("S", sheet(data_rows(2, 3), tail=rows))]))


# Huge single cells: text is streamed and cut; a tag, attribute or comment that size is refused.
def noise(chars: int, alphabet: str = "0123456789abcdef") -> str:
    """Text deflate cannot squeeze much, so the ratio check leaves it to the others."""
    table = str.maketrans("0123456789abcdef", (alphabet * 16)[:16])
    return os.urandom(chars // 2 + 1).hex()[:chars].translate(table)


@bomb("huge-inline-cell-5MB", None)
def _huge_inline(path: Path) -> Path:
    body = data_rows(2, 3) + row_xml(5, ["261120-000000000000005", noise(5_000_000), "1", "S", "1"])
    return write(path, workbook([("S", sheet(body))]))


@bomb("huge-shared-string-3MB", None)
def _huge_shared(path: Path) -> Path:
    sst = f"<sst {NS}><si><t>{noise(3_000_000)}</t></si></sst>".encode()
    body = (
        data_rows(2, 3)
        + '<row r="5"><c r="A5" t="inlineStr"><is><t>261120-000000000000005</t></is></c>'
        + '<c r="B5" t="s"><v>0</v></c></row>'
    )
    return write(path, workbook([("S", sheet(body))], shared=sst))


@bomb("huge-number-cell", None)
def _huge_number(path: Path) -> Path:
    body = data_rows(2, 3) + f'<row r="5"><c r="A5"><v>{noise(2_000_000, "0123456789")}</v></c></row>'
    return write(path, workbook([("S", sheet(body))]))


@bomb("huge-attribute", "标记或注释")
def _huge_attribute(path: Path) -> Path:
    body = data_rows(2, 3) + f'<row r="5" x="{noise(3_000_000, ">0123456789abcde")}"/>'
    return write(path, workbook([("S", sheet(body))]))


@bomb("huge-comment", "标记或注释")
def _huge_comment(path: Path) -> Path:
    body = data_rows(2, 3) + f"<!--{noise(3_000_000, '<>0123456789abcd')}-->"
    return write(path, workbook([("S", sheet(body))]))


@bomb("row-past-excel", "超过了 Excel 的上限")
def _row_past(path: Path) -> Path:
    return write(
        path,
        workbook([("S", sheet(data_rows(2, 3), tail='<row r="1048577"><c r="A1048577"><v>1</v></c></row>'))]),
    )


@bomb("rows-out-of-order", "行号顺序错乱")
def _rows_back(path: Path) -> Path:
    return write(path, workbook([("S", sheet(data_rows(2, 3) + data_rows(2, 1)))]))


@bomb("cells-past-xfd", "超出了 Excel 的范围")
def _cells_past(path: Path) -> Path:
    row = '<row r="5">' + "<c><v>1</v></c>" * 16_400 + "</row>"
    return write(path, workbook([("S", sheet(data_rows(2, 3) + row))]))


@bomb("repeated-cell-refs", "超出了 Excel 的范围")
def _cells_repeat(path: Path) -> Path:
    row = '<row r="5">' + '<c r="A5"><v>1</v></c>' * 20_000 + "</row>"
    return write(path, workbook([("S", sheet(data_rows(2, 3) + row))]))


@bomb("sheet-ratio-1000", "压缩炸弹")
def _sheet_ratio(path: Path) -> Path:
    return write(path, workbook([("S", big_sheet(data_rows(2, 3), '<row r="9"/>' * 100_000, 400, ""))]))


@bomb("sheet-declared-1.5GB", "工作表“S”解压后有")
def _sheet_declared(path: Path) -> Path:
    name = "xl/worksheets/sheet1.xml"
    return write(
        path,
        workbook([("S", sheet(data_rows(2, 3)))]),
        declared={name: 1536 << 20},
        compressed={name: 100 << 20},
    )


# Many sheets, many members.
@bomb("sheets-150", "工作表超过")
def _many_sheets(path: Path) -> Path:
    return write(path, workbook([(f"S{i}", sheet(data_rows(2, 1))) for i in range(150)]))


@bomb("sheets-60-header-on-last", None)
def _sheets_60(path: Path) -> Path:
    plain = f"<worksheet {NS}><sheetData>{row_xml(1, ['说明', '无'])}</sheetData></worksheet>".encode()
    return write(path, workbook([*((f"S{i}", plain) for i in range(59)), ("订单", sheet(data_rows(2, 3)))]))


@bomb("members-5000", "压缩包的目录有")
def _members(path: Path) -> Path:
    extra: dict[str, bytes | Repeat] = {f"xl/media/x{i}.bin": b"" for i in range(5000)}
    return write(path, workbook([("S", sheet(data_rows(2, 3)))], extra=extra))


@bomb("members-5000-end-record-says-5", "个文件")
def _members_hidden(path: Path) -> Path:
    extra: dict[str, bytes | Repeat] = {f"xl/media/x{i}.bin": b"" for i in range(5000)}
    return write(path, workbook([("S", sheet(data_rows(2, 3)))], extra=extra), entries=5)


@bomb("members-declared-65535", "压缩包的目录")
def _members_declared(path: Path) -> Path:
    # The end record claims 65,535 entries and the directory is made that big with junk names.
    extra: dict[str, bytes | Repeat] = {f"{'n' * 60}{i}": b"" for i in range(65_000)}
    return write(path, workbook([("S", sheet(data_rows(2, 3)))], extra=extra), entries=65_535)


@bomb("members-total-3GB", "解压后共有")
def _members_total(path: Path) -> Path:
    names = [f"xl/media/x{i}.bin" for i in range(3)]
    extra: dict[str, bytes | Repeat] = {name: b"x" * 100 for name in names}
    declared, compressed = {n: 1 << 30 for n in names}, {n: 200 << 20 for n in names}
    members = workbook([("S", sheet(data_rows(2, 3)))], extra=extra)
    return write(path, members, declared=declared, compressed=compressed)


@bomb("bzip2-member", "压缩方式")
def _bzip2(path: Path) -> Path:
    return write(path, workbook([("S", sheet(data_rows(2, 3)))]), method=12)


@bomb("encrypted-flag", "加密")
def _encrypted(path: Path) -> Path:
    return write(path, workbook([("S", sheet(data_rows(2, 3)))]), flags=0x801)


@bomb("lying-size-small", "损坏")
def _lying(path: Path) -> Path:
    # The directory says 100 bytes; the data inflates to far more: zipfile stops at 100 and fails the CRC.
    members = workbook([("S", big_sheet(data_rows(2, 3), "<row/>" * 10, 100_000, ""))])
    return write(path, members, declared={"xl/worksheets/sheet1.xml": 100})


BOMBS["strings-report-3.6MB-1.2GB"] = (strings_bomb, "压缩炸弹")
BOMBS["far-cell-report-1.5KB"] = (far_cell, None)


# -- the budget, in a child process ---------------------------------------------------------------

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def peak_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak():
    try:
        Path("/proc/self/clear_refs").write_text("5")  # the high-water mark restarts from here
        return True
    except OSError:
        return False


from desk.app import open_desk
from desk.errors import DeskError

desk = open_desk(Path({profile!r}))
out = []
for path in {paths!r}:
    resettable = reset_peak()
    started = time.perf_counter()
    try:
        report = desk.orders.import_file(Path(path))
        outcome = {{"imported": report.imported + report.updated,
                    "failed": [[p.row, p.reason] for p in report.failed],
                    "notes": list(report.notes)}}
    except DeskError as exc:
        outcome = {{"refused": exc.message}}
    except MemoryError:
        outcome = {{"crashed": "MemoryError"}}
    out.append({{"path": path, "seconds": time.perf_counter() - started, "peak_mb": peak_mb(),
                 "per_file": resettable, **outcome}})
desk.close()
print(json.dumps(out, ensure_ascii=False))
"""


def run_child(profile: Path, paths: list[Path]) -> list[dict[str, object]]:
    code = CHILD.format(repo=str(REPO), profile=str(profile), paths=[str(p) for p in paths])
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=900, check=False, cwd=REPO
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: list[dict[str, object]] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the budget is measured from /proc")
@pytest.mark.timeout(900)
def test_the_reported_bombs_are_within_budget_in_a_fresh_process(tmp_path: Path) -> None:
    """Each in its own process, so the peak is that file's alone."""
    strings = strings_bomb(tmp_path / "strings.xlsx")
    far = far_cell(tmp_path / "far.xlsx")
    assert 1 << 20 < strings.stat().st_size < 8 << 20 and far.stat().st_size < 3000
    (first,) = run_child(tmp_path / "p1", [strings])
    (second,) = run_child(tmp_path / "p2", [far])
    print(json.dumps([first, second], ensure_ascii=False, indent=1))
    assert "refused" in first, first
    assert "strings.xlsx" in str(first["refused"]) and "压缩炸弹" in str(first["refused"])
    assert second.get("imported") == 3, second  # the far cell is never read
    for result in (first, second):
        assert float(result["seconds"]) < BUDGET_SECONDS, result  # type: ignore[arg-type]
        assert float(result["peak_mb"]) < BUDGET_MB, result  # type: ignore[arg-type]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the budget is measured from /proc")
@pytest.mark.timeout(900)
def test_every_generated_bomb_is_refused_or_read_within_budget(tmp_path: Path) -> None:
    paths = {name: build(tmp_path / f"{name}.xlsx") for name, (build, _e) in BOMBS.items()}
    results = run_child(tmp_path / "profile", list(paths.values()))
    by_path = {str(r["path"]): r for r in results}
    problems = []
    for name, (_build, expect) in BOMBS.items():
        r = by_path[str(paths[name])]
        line = f"{name}: {float(r['seconds']):.2f} s, {float(r['peak_mb']):.0f} MB, " + (  # type: ignore[arg-type]
            f"refused: {r['refused']}" if "refused" in r else f"imported {r.get('imported')}"
        )
        print(line)
        if expect is None:
            if r.get("imported") != 3:
                problems.append(f"{line} — expected the 3 data rows imported")
        elif expect not in str(r.get("refused", "")):
            problems.append(f"{line} — expected a refusal saying {expect}")
        if float(r["seconds"]) >= BUDGET_SECONDS:  # type: ignore[arg-type]
            problems.append(f"{line} — over {BUDGET_SECONDS} s")
        if r["per_file"] and float(r["peak_mb"]) >= BUDGET_MB:  # type: ignore[arg-type]
            problems.append(f"{line} — over {BUDGET_MB} MB")
    assert not problems, "\n".join(problems)


# -- what the operator is told ------------------------------------------------------------------------


def test_refusals_name_the_file_and_the_reason_in_chinese(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _sheet_ratio(tmp_path / "售后\u202e导出.xlsx")
    with pytest.raises(DeskError) as caught:
        desk.orders.import_file(path)
    message = caught.value.message
    assert "售后\\u202e导出.xlsx" in message  # the name as it is, direction override shown
    assert "压缩比" in message and "倍" in message
    # No English fragments: only the file's and the part's names, units and Excel's own name.
    allowed = {"xlsx", "xl", "worksheets", "sheet", "xml", "KB", "MB", "Excel"}
    assert set(re.findall(r"[A-Za-z]{2,}", message)) <= allowed, message
    preview = desk.orders.inspect(path)
    assert preview.problem == message


def test_a_far_cell_and_a_huge_dimension_cost_nothing(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = far_cell(tmp_path / "far.xlsx")
    started = time.perf_counter()
    report = desk.orders.import_file(path)
    assert time.perf_counter() - started < BUDGET_SECONDS
    assert (report.rows, report.imported, report.failed, report.notes) == (3, 3, (), ())


def test_a_mostly_empty_sheet_stops_with_a_note(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    empty = "".join(f'<row r="{n}"><c r="A{n}" s="1"/></row>' for n in range(5, 20_000))
    later = data_rows(30_000, 2)
    path = write(tmp_path / "empty.xlsx", workbook([("订单", sheet(data_rows(2, 3) + empty + later))]))
    report = desk.orders.import_file(path)
    assert report.imported == 3
    assert (
        len(report.notes) == 1
        and "第 4 行之后几乎是空的" in report.notes[0]
        and "没有读取" in report.notes[0]
    )


def test_a_cell_longer_than_excel_allows_fails_its_row_only(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = _huge_inline(tmp_path / "huge.xlsx")
    report = desk.orders.import_file(path)
    assert report.imported == 3
    assert [(p.row, p.reason) for p in report.failed] == [
        (5, "这一行有一格超过 1 万个字符，不是订单数据，未导入")
    ]


def test_shared_strings_rich_text_phonetics_dates_and_prefixes_read_as_before(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """What openpyxl gave: rich runs joined, phonetic guides left out, date styles as dates, x: prefixes."""
    sst = (
        f"<sst {NS}><si><t>261120-000000000000002</t></si>"
        '<si><r><t>收纳</t></r><r><rPr><b/></rPr><t>盒</t></r><rPh sb="0" eb="1"><t>しゅうのう</t></rPh></si>'
        '<si><t xml:space="preserve"> SNH-L </t></si></sst>'
    ).encode()
    styles = (
        f'<styleSheet {NS}><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy/m/d h:mm"/></numFmts>'
        '<cellStyleXfs count="1"><xf numFmtId="0"/></cellStyleXfs>'
        '<cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164"/><xf numFmtId="14"/></cellXfs></styleSheet>'
    ).encode()
    header = ["订单号", "商品", "商品数量(件)", "商家编码-SKU维度", "用户实付金额(元)", "支付时间"]
    head = "".join(
        f'<x:c r="{column(i)}1" t="inlineStr"><x:is><x:t>{h}</x:t></x:is></x:c>'
        for i, h in enumerate(header, 1)
    )
    body = (
        '<x:row r="2"><x:c r="A2" t="s"><x:v>0</x:v></x:c><x:c r="B2" t="s"><x:v>1</x:v></x:c>'
        '<x:c r="C2"><x:v>2</x:v></x:c><x:c r="D2" t="s"><x:v>2</x:v></x:c><x:c r="E2"><x:v>89.7</x:v></x:c>'
        '<x:c r="F2" s="1"><x:v>46346.4375</x:v></x:c></x:row>'
    )
    xml = (
        '<x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<x:sheetData><x:row r="1">{head}</x:row>{body}</x:sheetData></x:worksheet>'
    ).encode()
    members = workbook([("订单", xml)], shared=sst, styles=styles)
    path = write(tmp_path / "rich.xlsx", members)
    with open_table(path) as table:
        rows = list(table.rows())
    assert rows[1] == (2, ["261120-000000000000002", "收纳盒", "2", " SNH-L ", "89.7", "2026-11-20 10:30:00"])
    report = desk.orders.import_file(path)
    assert report.imported == 1, report.failed
    order = desk.orders.find("261120-000000000000002")
    assert order.items[0].product_name == "收纳盒" and order.items[0].quantity == 2


def test_reader_matches_openpyxl_on_a_workbook_openpyxl_wrote(tmp_path: Path) -> None:
    from datetime import datetime

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "售后"
    ws.append(["标题行"])
    ws.append(["售后编号", "订单编号", "退款金额", "申请时间", "是否", "空"])
    ws.append([12345, "261120-000000000000001", 24.99, datetime(2026, 5, 28, 14, 27, 38), True, None])
    ws.append([None, None, None, None, None, None])
    ws.append([6.91792676882364e18, '="x"', -0.5, datetime(2026, 1, 1), False, "  "])
    ws["Z9"] = "远处"
    path = tmp_path / "o.xlsx"
    wb.save(path)
    with open_table(path) as table:
        got = list(table.rows())
    assert got == [
        (1, ["标题行"]),
        (2, ["售后编号", "订单编号", "退款金额", "申请时间", "是否", "空"]),
        (3, ["12345", "261120-000000000000001", "24.99", "2026-05-28 14:27:38", "是"]),
        (5, ["6.91792676882364e+18", "", "-0.5", "2026-01-01 00:00:00", "否"]),  # a formula, no cached value
        (9, [""] * 25 + ["远处"]),
    ]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_damaged_workbooks_are_read_or_refused_never_crash(tmp_path: Path, data: st.DataObject) -> None:
    """Bytes of a good workbook flipped, cut or overwritten: rows or a FileUnreadable, nothing else."""
    members = workbook([("S", sheet(data_rows(2, 5)))], shared=b'<sst xmlns="x"><si><t>a</t></si></sst>')
    good = zip_bytes(members)
    bad = bytearray(good)
    for _ in range(data.draw(st.integers(1, 6))):
        at = data.draw(st.integers(0, len(bad) - 1))
        how = data.draw(st.sampled_from(["flip", "byte", "cut", "ff"]))
        if how == "flip":
            bad[at] ^= 1 << data.draw(st.integers(0, 7))
        elif how == "byte":
            bad[at] = data.draw(st.integers(0, 255))
        elif how == "ff":
            bad[at : at + 4] = b"\xff\xff\xff\x7f"
        else:
            del bad[at:]
            if not bad:
                bad = bytearray(b"PK\x03\x04")
    path = tmp_path / "bad.xlsx"
    path.write_bytes(bytes(bad))
    started = time.perf_counter()
    try:
        with open_table(path) as table:
            for _row in table.rows():
                pass
    except FileUnreadable as exc:
        assert exc.message.startswith(("“bad.xlsx”", "无法读取")), exc.message
    assert time.perf_counter() - started < BUDGET_SECONDS


def test_limits_are_checked_from_the_directory_before_reading(tmp_path: Path) -> None:
    """A ceiling lowered below a part's declared size refuses without inflating a byte of it."""
    from desk.orders import xlsx

    path = write(
        tmp_path / "ok.xlsx", workbook([("S", sheet(data_rows(2, 3)))], shared=shared_strings(10, 10, 1))
    )
    small = xlsx.Limits(shared_bytes=100)
    with path.open("rb") as fh, pytest.raises(xlsx.Refused, match="共享字符串表"):
        xlsx.Book(fh, small)
    with path.open("rb") as fh:
        book = xlsx.Book(fh)
        assert book.strings.get(9) == "x" * 10 and len(book.strings) == 10  # read as far as asked
        book.close()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_pipe_named_xlsx_is_refused_at_once(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    fifo = tmp_path / "售后.xlsx"
    os.mkfifo(fifo)
    started = time.perf_counter()
    with pytest.raises(DeskError, match="管道"):
        desk.orders.import_file(fifo)
    assert time.perf_counter() - started < 2 * SLACK


def test_a_zip_version_python_does_not_know_is_refused_in_plain_words(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A damaged header claiming zip version 25.5 made zipfile raise NotImplementedError, which escaped."""
    import io
    import struct

    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["订单号", "商品"])
    buf = io.BytesIO()
    wb.save(buf)
    data = bytearray(buf.getvalue())
    for magic, offset in ((b"PK\x01\x02", 6), (b"PK\x03\x04", 4)):
        at = data.find(magic)
        while at >= 0:
            data[at + offset : at + offset + 2] = struct.pack("<H", 255)
            at = data.find(magic, at + 4)
    path = tmp_path / "v255.xlsx"
    path.write_bytes(bytes(data))
    with pytest.raises(DeskError, match="不是有效的 Excel"):
        desk.orders.import_file(path)
