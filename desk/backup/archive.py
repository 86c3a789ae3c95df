"""The backup archive format: a plain POSIX (ustar) tar with a manifest first, read back strictly.

Layout, in this order (see docs/backup.md):

    manifest.json                 format, versions, counts, and the size and SHA-256 of every entry
    database.sqlite3              a consistent snapshot (SQLite online backup API), journal_mode=DELETE
    blobs/ab/cd/<sha256>          every evidence original referenced by the snapshot, byte for byte

The reader here does not use tarfile's extraction at all: it parses each 512-byte header itself and
accepts only regular files whose names match the three patterns above, so links, devices, FIFOs,
sparse or long-name extensions, traversal, absolute or backslash paths, special permission bits and
duplicates are refused before a single byte is written.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import queue
import re
import tarfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple

from desk.errors import RestoreRefused
from desk.fileops import NotAFile, open_failure_reason, open_regular
from desk.names import shown
from desk.progress import Cancel, stop_if_cancelled

FORMAT_NAME = "after-sales-desk-backup"
FORMAT_VERSION = 1
SUFFIX = ".deskbackup"
MANIFEST_NAME = "manifest.json"
DATABASE_NAME = "database.sqlite3"
BLOCK = 512
# A real manifest spends about 79 bytes per evidence file: 100 000 files need 7.9 MB, and 32 MiB holds
# some 420 000. Refusing the costliest manifest of that size takes under 2 s of CPU and about 310 MB at
# peak (tests/test_restore_hostile_manifest.py measures it); a refused archive may cost at most 5 s and
# 500 MB.
MAX_MANIFEST_BYTES = 32 << 20
# A real manifest nests three deep ({"blobs": [["sha", size]]}); json recurses once per level.
MAX_MANIFEST_DEPTH = 8
# Every JSON value costs 50-70 bytes of memory once parsed, however short its text ([],[],… or 1,1,…).
# A real manifest spends 17 bytes or more of text per value ('["<64 hex>",0],' is 71 bytes for one
# list, one string, one number), so fewer than one value per MIN_BYTES_PER_VALUE bytes is demanded.
MIN_BYTES_PER_VALUE = 12
MAX_ENTRIES = 2_000_000
USTAR_MAX_SIZE = 8 * 1024**3 - 1
CHUNK = 4 << 20

BLOB_NAME_RE = re.compile(r"blobs/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})")
SHA_RE = re.compile(r"[0-9a-f]{64}")

_TYPE_NAMES = {
    b"1": "硬链接",
    b"2": "符号链接",
    b"3": "字符设备",
    b"4": "块设备",
    b"5": "文件夹",
    b"6": "FIFO 管道",
    b"7": "连续文件",
    b"x": "PAX 扩展头",
    b"g": "PAX 全局头",
    b"L": "GNU 长文件名",
    b"K": "GNU 长链接名",
    b"S": "稀疏文件",
}


def blob_entry_name(sha256: str) -> str:
    return f"blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"


class Entry(NamedTuple):
    """One file in the archive: its name, exact size and SHA-256.

    A named tuple rather than a frozen dataclass: a manifest may list 400 000 of them, and a frozen
    dataclass takes several times longer to build.
    """

    name: str
    size: int
    sha256: str


@dataclass(frozen=True, slots=True)
class Manifest:
    """What the archive holds; written first so a reader can check every entry as it arrives."""

    created_at: str
    app_version: str
    schema_revision: str
    database: Entry
    blobs: tuple[Entry, ...]
    missing_blobs: tuple[str, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total_bytes(self) -> int:
        return self.database.size + sum(b.size for b in self.blobs)

    def entries(self) -> dict[str, Entry]:
        out = {self.database.name: self.database}
        out.update((b.name, b) for b in self.blobs)
        return out

    def to_bytes(self) -> bytes:
        doc = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "created_at": self.created_at,
            "app_version": self.app_version,
            "schema_revision": self.schema_revision,
            "counts": self.counts,
            "database": {
                "name": self.database.name,
                "size": self.database.size,
                "sha256": self.database.sha256,
            },
            "blobs": [[b.sha256, b.size] for b in self.blobs],
            "missing_blobs": list(self.missing_blobs),
            "checksum": _ZERO_SUM,
        }
        body = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        # The manifest checks itself: SHA-256 of these bytes with the checksum field zeroed.
        digest = hashlib.sha256(body).hexdigest()
        return body.replace(_sum_field(_ZERO_SUM), _sum_field(digest), 1)

    @classmethod
    def from_bytes(cls, data: bytes, archive: Path, room: int | None = None) -> Manifest:
        """Parse and check a manifest; room: the bytes the archive holds after it (None: unknown)."""

        def bad(why: str) -> RestoreRefused:
            return RestoreRefused(
                f"备份文件“{shown(archive.name)}”的清单无效（{why}），无法恢复。数据文件夹没有任何改动。"
            )

        if len(data) > MAX_MANIFEST_BYTES:
            raise bad(f"大小 {len(data) / 2**20:.0f} MB，超过上限 {MAX_MANIFEST_BYTES / 2**20:.0f} MB")
        problem = manifest_shape_problem(data)
        if problem:
            raise bad(problem)
        try:
            doc = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise bad("不是有效的 JSON") from exc
        except RecursionError as exc:  # the depth scan above should make this unreachable
            raise bad("嵌套层数过多") from exc
        if not isinstance(doc, dict) or doc.get("format") != FORMAT_NAME:
            raise RestoreRefused(
                f"“{shown(archive.name)}”不是售后申诉工作台的备份文件。数据文件夹没有任何改动。"
            )
        checksum = doc.get("checksum")
        if (
            not isinstance(checksum, str)
            or not SHA_RE.fullmatch(checksum)
            or hashlib.sha256(data.replace(_sum_field(checksum), _sum_field(_ZERO_SUM), 1)).hexdigest()
            != checksum
        ):
            raise bad("校验值不符，清单已损坏")
        version = doc.get("format_version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise bad(f"格式版本“{_brief(version)}”无效，应为 1 到 {FORMAT_VERSION} 之间的整数")
        if version > FORMAT_VERSION:
            raise RestoreRefused(
                f"备份文件“{shown(archive.name)}”的格式版本（{version}）比本软件新，请先升级软件。"
                "数据文件夹没有任何改动。"
            )
        try:
            db = doc["database"]
            database = Entry(_text(db["name"]), _nonneg(db["size"]), _sha(db["sha256"]))
            if database.name != DATABASE_NAME:
                raise ValueError(f"database name {_brief(database.name)}")
            raw_blobs = doc["blobs"]
            if not isinstance(raw_blobs, list):
                raise TypeError("blobs is not a list")
            if len(raw_blobs) > MAX_ENTRIES:
                raise bad("条目过多")
            # Checked in bulk, not per entry: a manifest may list 400 000 originals.
            shas = [item[0] for item in raw_blobs if isinstance(item, list) and len(item) == 2]
            if len(shas) != len(raw_blobs):
                raise ValueError("a blob entry is not a [sha256, size] pair")
            sizes = [item[1] for item in raw_blobs]
            del raw_blobs
            _check_shas(shas)
            if not all(type(n) is int and n >= 0 for n in sizes):
                raise ValueError(
                    f"not a size: {_brief(next(n for n in sizes if type(n) is not int or n < 0))}"
                )
            missing_raw = doc.get("missing_blobs", [])
            if not isinstance(missing_raw, list):
                raise TypeError("missing_blobs is not a list")
            _check_shas(missing_raw)
            raw_counts = doc.get("counts", {})
            if not isinstance(raw_counts, dict) or len(raw_counts) > 64:
                raise ValueError("counts is not a short object")
            counts = {_text(k): _nonneg(v) for k, v in raw_counts.items()}
            revision = _text(doc["schema_revision"])
            created = _text(doc["created_at"])
            app_version = _text(doc.get("app_version", ""))
        except (KeyError, TypeError, ValueError) as exc:
            raise bad(f"字段缺失或类型不对：{shown(str(exc))[:200]}") from exc
        if len(set(shas)) != len(shas):
            raise bad("证据文件重复列出")
        # A bomb (claims more than the archive holds) is refused before 400 000 entries are built.
        if room is not None and database.size + sum(sizes) > room:
            raise RestoreRefused(
                f"备份文件“{shown(archive.name)}”比清单记载的内容小，可能被截断或被篡改，已拒绝恢复。"
                "数据文件夹没有任何改动。"
            )
        blobs = [Entry(blob_entry_name(sha), size, sha) for sha, size in zip(shas, sizes, strict=True)]
        missing = tuple(missing_raw)
        return cls(created, app_version, revision, database, tuple(blobs), missing, counts)


_ZERO_SUM = "0" * 64
_KEEP_STRUCTURE = bytes(b for b in range(256) if b not in b'[]{},"')
_OPEN_AS_SQUARE = bytes.maketrans(b"{}", b"[]")


def manifest_shape_problem(data: bytes) -> str | None:
    """Why parsing this JSON could exhaust the stack or the memory — found without parsing it.

    Only C-speed bytes operations, each at most one copy of the manifest, and nothing allocated per
    value: escaped backslashes and quotes are blanked first (pairing from the left, as JSON does), so
    the quotes left alternate outside/inside a string; the text inside strings is dropped, and what
    remains is the structure json.loads walks. An invalid escape or string makes json fail at that
    very point, so nothing it would reach is missed. The brackets are then peeled one level per pass,
    innermost first: depth costs at most MAX_MANIFEST_DEPTH passes.
    """
    if b"\\" in data:
        data = data.replace(b"\\\\", b"__").replace(b'\\"', b"__")
    allowed = (len(data) + 4096) // MIN_BYTES_PER_VALUE
    strings = data.count(b'"') // 2
    if strings > allowed:
        return _too_many(strings)
    # Between quotes: even pieces are outside strings, odd pieces inside. Reduced to structure
    # characters first, so the pieces are mostly empty or one byte (shared objects). Joined in slices:
    # bytes.join keeps an 80-byte buffer record per piece, 160 MB for two million in one go.
    parts = data.translate(None, _KEEP_STRUCTURE).split(b'"')
    step = 2 * 65536
    outside = b"".join([b"".join(parts[i : i + step : 2]) for i in range(0, len(parts), step)])
    del parts
    brackets = outside.replace(b",", b"").translate(_OPEN_AS_SQUARE)
    if 2 * brackets.count(b"[") != len(brackets):
        return "括号不成对，不是有效的 JSON"
    if b"[" * (MAX_MANIFEST_DEPTH + 1) in brackets:
        return f"嵌套超过 {MAX_MANIFEST_DEPTH} 层（真实清单只有 3 层）"  # consecutive openers: quick
    values = strings + outside.count(b",") + len(brackets) // 2
    if values > allowed:
        return _too_many(values)
    # Now at most one bracket per 6 bytes is left, so each pass is quick.
    for _ in range(MAX_MANIFEST_DEPTH):
        if not brackets:
            break
        brackets = brackets.replace(b"[]", b"")
    if b"[]" in brackets:
        return f"嵌套超过 {MAX_MANIFEST_DEPTH} 层（真实清单只有 3 层）"
    if brackets:
        return "括号不成对，不是有效的 JSON"
    return None


def _too_many(values: int) -> str:
    return f"含有约 {values} 个值，远多于同样大小的真实清单，像是为耗尽内存而构造的"


def _brief(value: Any) -> str:
    """A value from a manifest, short and safe to show."""
    if isinstance(value, (dict, list)):
        return "对象" if isinstance(value, dict) else "列表"
    return shown(repr(value)[:40])


def _sum_field(value: str) -> bytes:
    return f'"checksum":"{value}"'.encode()


def _nonneg(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"not a size: {_brief(value)}")
    return value


def _sha(value: Any) -> str:
    if not isinstance(value, str) or not SHA_RE.fullmatch(value):
        raise ValueError(f"not a SHA-256: {_brief(value)}")
    return value


_HEX_RE = re.compile(r"[0-9a-f]*")


def _check_shas(values: list[Any]) -> None:
    """Every value is a SHA-256 in lower-case hex: one regex over all of them, not one per value."""
    if not all(type(v) is str and len(v) == 64 for v in values) or not _HEX_RE.fullmatch("".join(values)):
        bad = next(v for v in values if not (isinstance(v, str) and SHA_RE.fullmatch(v)))
        raise ValueError(f"not a SHA-256: {_brief(bad)}")


def _text(value: Any) -> str:
    """A short text field (date, version, name): shown to the operator before a restore."""
    if not isinstance(value, str) or len(value) > 200:
        raise ValueError(f"not a short text: {_brief(value)}")
    return value


# -- writing ----------------------------------------------------------------------------------


def tar_header(name: str, size: int, mtime: float) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = size
    info.mtime = int(mtime)
    info.mode = 0o644
    info.type = tarfile.REGTYPE
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info.tobuf(format=tarfile.USTAR_FORMAT, encoding="utf-8", errors="strict")


def padding(size: int) -> bytes:
    return b"\0" * (-size % BLOCK)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def copy_file_into(out_fd: int, src: Path, size: int, cancel: Cancel | None = None) -> None:
    """Append exactly `size` bytes of src to out_fd, in the kernel where possible (copy_file_range)."""
    try:
        fh = open_regular(src)  # an original swapped for a pipe must not hang the backup
    except (NotAFile, IsADirectoryError) as exc:
        raise OSError(errno.EIO, f"证据文件“{shown(src.name)}”不是普通文件") from exc
    with fh:
        in_fd = fh.fileno()
        st = os.fstat(in_fd)
        if st.st_size != size:
            raise OSError(errno.EIO, f"证据文件“{shown(src.name)}”的大小在备份时发生了变化")
        remaining = size
        use_kernel = hasattr(os, "copy_file_range")
        while remaining:
            stop_if_cancelled(cancel)
            n = 0
            if use_kernel:
                try:
                    n = os.copy_file_range(in_fd, out_fd, min(remaining, 256 << 20))
                except OSError as exc:
                    if exc.errno in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM):
                        use_kernel = False
                        continue
                    raise
            else:
                data = os.read(in_fd, min(remaining, CHUNK))
                if data:
                    write_all(out_fd, data)
                n = len(data)
            if n == 0:
                raise OSError(errno.EIO, f"证据文件“{shown(src.name)}”读到一半就结束了")
            remaining -= n


class HashChecker(threading.Thread):
    """Hashes byte ranges of files just written, beside the thread that writes them.

    The writer copies with copy_file_range (in the kernel); this thread reads the copy back from the
    page cache and checks its SHA-256, so verifying costs little extra wall time on two cores.
    """

    def __init__(self) -> None:
        super().__init__(name="desk-backup-verify", daemon=True)
        self.jobs: queue.Queue[tuple[Path, int, int, str, str] | None] = queue.Queue()
        self.bad: list[str] = []
        self.error: BaseException | None = None

    def check(self, path: Path, offset: int, size: int, expected: str, name: str) -> None:
        self.jobs.put((path, offset, size, expected, name))

    def finish(self) -> None:
        """Wait for every queued check; raise what the thread hit (mismatches are in .bad)."""
        self.jobs.put(None)
        self.join()
        if self.error is not None:
            raise self.error

    def run(self) -> None:
        fds: dict[Path, int] = {}
        try:
            while (job := self.jobs.get()) is not None:
                if self.error is not None:
                    continue
                path, offset, size, expected, name = job
                try:
                    fd = fds.get(path)
                    if fd is None:
                        if len(fds) > 64:
                            for old in fds.values():
                                os.close(old)
                            fds.clear()
                        fd = fds[path] = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
                    digest = hashlib.sha256()
                    done = 0
                    while done < size:
                        chunk = os.pread(fd, min(CHUNK, size - done), offset + done)
                        if not chunk:
                            break
                        digest.update(chunk)
                        done += len(chunk)
                    if done != size or digest.hexdigest() != expected:
                        self.bad.append(name)
                except BaseException as exc:
                    self.error = exc
        finally:
            for fd in fds.values():
                os.close(fd)


# -- strict reading ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Header:
    index: int
    name: str
    size: int
    offset: int  # where the data starts in the archive


def _octal(field_: bytes) -> int:
    text = field_.rstrip(b"\0 ").lstrip(b" ")
    if not text:
        return 0
    if not all(0x30 <= c <= 0x37 for c in text):
        raise ValueError("not octal")
    return int(text, 8)


def _name_problem(name: str) -> str:
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "是绝对路径"
    if "\\" in name:
        return "含有反斜杠"
    if ".." in name.split("/"):
        return "试图跳出目标文件夹（..）"
    if "\0" in name or any(ord(c) < 32 for c in name):
        return "含有控制字符"
    return "不是本软件会写入的条目"


def check_entry_name(name: str, archive: Path) -> None:
    if name in (MANIFEST_NAME, DATABASE_NAME):
        return
    m = BLOB_NAME_RE.fullmatch(name)
    if m and m.group(3).startswith(m.group(1) + m.group(2)):
        return
    raise RestoreRefused(
        f"备份文件“{shown(archive.name)}”中的条目“{shown(name[:200])}”{_name_problem(name)}，已拒绝恢复。数据文件夹没有任何改动。"
    )


class StrictTarReader:
    """Walk a ustar archive header by header, refusing anything the desk would never write."""

    def __init__(self, fh: IO[bytes], archive: Path) -> None:
        self.fh = fh
        self.archive = archive
        self.size = os.fstat(fh.fileno()).st_size
        self.pos = 0
        self.seen: set[str] = set()
        self.count = 0

    def refuse(self, why: str) -> RestoreRefused:
        return RestoreRefused(
            f"备份文件“{shown(self.archive.name)}”{why}，已拒绝恢复。数据文件夹没有任何改动。"
        )

    def headers(self) -> Iterator[Header]:
        while True:
            raw = self._read_exact(BLOCK, at_header=True)
            if raw is None:
                raise self.refuse("不完整（在文件末尾处被截断）")
            if raw == b"\0" * BLOCK:
                # The end marker is two zero blocks; a missing second one means a cut-off file.
                if self._read_exact(BLOCK, at_header=True) != b"\0" * BLOCK:
                    raise self.refuse("不完整（结束标记缺失或被改动）")
                return
            yield self._parse(raw)

    def _read_exact(self, n: int, *, at_header: bool = False) -> bytes | None:
        data = self.fh.read(n)
        self.pos += len(data)
        if len(data) != n:
            return None if at_header else b""
        return data

    def _parse(self, raw: bytes) -> Header:
        self.count += 1
        if self.count > MAX_ENTRIES:
            raise self.refuse("条目数量过多")
        try:
            declared = _octal(raw[148:156])
        except ValueError as exc:
            raise self.refuse(f"已损坏（第 {self.count} 个条目的头部无法识别）") from exc
        computed = sum(raw[:148]) + 8 * 32 + sum(raw[156:])
        if declared != computed:
            raise self.refuse(f"已损坏（第 {self.count} 个条目的头部校验失败）")
        # POSIX ustar ("ustar\0" "00"), or the GNU spelling ("ustar  \0") other tar tools write.
        if raw[257:265] not in (b"ustar\x0000", b"ustar  \0"):
            raise self.refuse("不是本软件写出的备份格式（不是 POSIX ustar 条目）")
        try:
            name = raw[0:100].split(b"\0", 1)[0].decode("utf-8")
            prefix = raw[345:500].split(b"\0", 1)[0].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise self.refuse(f"第 {self.count} 个条目的名字不是有效的文字") from exc
        if prefix:
            name = f"{prefix}/{name}"
        typeflag = raw[156:157]
        if typeflag not in (b"0", b"\0"):
            kind = _TYPE_NAMES.get(typeflag, f"未知类型 {typeflag!r}")
            raise self.refuse(f"中的条目“{shown(name[:200])}”是{kind}，只允许普通文件")
        check_entry_name(name, self.archive)
        try:
            mode = _octal(raw[100:108])
            size = _octal(raw[124:136])
        except ValueError as exc:
            raise self.refuse(f"已损坏（条目“{shown(name)}”的大小或权限无法识别）") from exc
        if mode & 0o7000:
            raise self.refuse(f"中的条目“{shown(name)}”带有特殊权限位（setuid/setgid/sticky）")
        if mode & 0o002:
            raise self.refuse(f"中的条目“{shown(name)}”被设为任何人可写")
        if name in self.seen:
            raise self.refuse(f"中的条目“{shown(name)}”重复出现")
        self.seen.add(name)
        if self.pos + size > self.size:
            raise self.refuse(f"不完整（条目“{shown(name)}”被截断）")
        return Header(self.count, name, size, self.pos)

    def read_data(self, header: Header, sink: Callable[[bytes], None] | None, cancel: Cancel | None) -> str:
        """Stream one entry's data to sink (None = only hash it); returns its SHA-256."""
        digest = hashlib.sha256()
        remaining = header.size
        while remaining:
            stop_if_cancelled(cancel)
            chunk = self.fh.read(min(remaining, CHUNK))
            if not chunk:
                raise self.refuse(f"不完整（条目“{shown(header.name)}”被截断）")
            digest.update(chunk)
            if sink is not None:
                sink(chunk)
            remaining -= len(chunk)
        self.pos += header.size
        pad = -header.size % BLOCK
        if pad:
            rest = self.fh.read(pad)
            self.pos += len(rest)
            if len(rest) != pad:
                raise self.refuse("不完整（在文件末尾处被截断）")
            if rest.count(0) != pad:
                raise self.refuse(f"已损坏（条目“{shown(header.name)}”后的填充字节被改动）")
        return digest.hexdigest()

    def copy_data(self, header: Header, out_fd: int, cancel: Cancel | None) -> None:
        """Copy one entry's data to out_fd in the kernel (the caller checks its hash), then its padding."""
        in_fd = self.fh.fileno()
        done = 0
        use_kernel = hasattr(os, "copy_file_range")
        while done < header.size:
            stop_if_cancelled(cancel)
            want = min(header.size - done, 256 << 20)
            n = 0
            if use_kernel:
                try:
                    n = os.copy_file_range(in_fd, out_fd, want, header.offset + done)
                except OSError as exc:
                    if exc.errno in (errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM):
                        use_kernel = False
                        continue
                    raise
            else:
                data = os.pread(in_fd, min(want, CHUNK), header.offset + done)
                if data:
                    write_all(out_fd, data)
                n = len(data)
            if n == 0:
                raise self.refuse(f"不完整（条目“{shown(header.name)}”被截断）")
            done += n
        self.fh.seek(header.offset + header.size)
        self.pos = header.offset + header.size
        pad = -header.size % BLOCK
        if pad:
            rest = self.fh.read(pad)
            self.pos += len(rest)
            if len(rest) != pad:
                raise self.refuse("不完整（在文件末尾处被截断）")
            if rest.count(0) != pad:
                raise self.refuse(f"已损坏（条目“{shown(header.name)}”后的填充字节被改动）")

    def skip_data(self, header: Header) -> None:
        span = header.size + (-header.size % BLOCK)
        self.fh.seek(span, os.SEEK_CUR)
        self.pos += span

    def read_manifest(self) -> Manifest:
        first = next(iter(self.headers()), None)
        if first is None or first.name != MANIFEST_NAME:
            raise self.refuse("缺少清单（manifest.json 必须是第一个条目）")
        if first.size > MAX_MANIFEST_BYTES:
            # Refused from the header, before a byte of it is read.
            raise self.refuse(
                f"的清单有 {first.size / 2**20:.0f} MB，超过上限 {MAX_MANIFEST_BYTES / 2**20:.0f} MB"
                "（真实清单每 10 万个证据文件约 8 MB）"
            )
        buf = bytearray()
        self.read_data(first, buf.extend, None)
        data = bytes(buf)
        del buf
        manifest = Manifest.from_bytes(data, self.archive, room=self.size - self.pos)
        # An uncompressed archive holds at least every byte it lists: a manifest that claims more
        # (a "bomb", or a truncated file) is refused before anything is extracted.
        if manifest.total_bytes + self.pos > self.size:
            raise self.refuse("比清单记载的内容小，可能被截断或被篡改")
        return manifest


def open_archive(path: Path) -> IO[bytes]:
    """Open a backup archive for reading; a pipe, device or folder is refused without blocking."""
    where = shown(str(path))
    try:
        return open_regular(path)
    except FileNotFoundError as exc:
        raise RestoreRefused(f"找不到备份文件“{where}”。数据文件夹没有任何改动。") from exc
    except OSError as exc:
        raise RestoreRefused(
            f"无法读取备份文件“{where}”：{open_failure_reason(exc)}。数据文件夹没有任何改动。"
        ) from exc


def read_manifest(path: Path) -> Manifest:
    """Only the manifest: what a backup holds (counts, date, version), for showing before a restore."""
    with open_archive(path) as fh:
        head = fh.read(2)
        fh.seek(0)
        if head[:2] == b"\x1f\x8b" or head[:2] == b"BZ" or head[:2] == b"\xfd7" or head[:2] == b"PK":
            raise RestoreRefused(
                f"“{shown(path.name)}”是压缩包，不是售后申诉工作台的备份文件（备份文件不压缩）。数据文件夹没有任何改动。"
            )
        return StrictTarReader(fh, path).read_manifest()
