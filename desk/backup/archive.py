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
import stat
import tarfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from desk.errors import RestoreRefused

FORMAT_NAME = "after-sales-desk-backup"
FORMAT_VERSION = 1
SUFFIX = ".deskbackup"
MANIFEST_NAME = "manifest.json"
DATABASE_NAME = "database.sqlite3"
BLOCK = 512
MAX_MANIFEST_BYTES = 64 << 20
MAX_ENTRIES = 2_000_000
USTAR_MAX_SIZE = 8 * 1024**3 - 1
CHUNK = 4 << 20

BLOB_NAME_RE = re.compile(r"blobs/([0-9a-f]{2})/([0-9a-f]{2})/([0-9a-f]{64})")
SHA_RE = re.compile(r"[0-9a-f]{64}")

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]

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


@dataclass(frozen=True, slots=True)
class Entry:
    """One file in the archive: its name, exact size and SHA-256."""

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
    def from_bytes(cls, data: bytes, archive: Path) -> Manifest:
        def bad(why: str) -> RestoreRefused:
            return RestoreRefused(
                f"备份文件“{archive.name}”的清单无效（{why}），无法恢复。数据文件夹没有任何改动。"
            )

        try:
            doc = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise bad("不是有效的 JSON") from exc
        if not isinstance(doc, dict) or doc.get("format") != FORMAT_NAME:
            raise RestoreRefused(f"“{archive.name}”不是售后申诉工作台的备份文件。数据文件夹没有任何改动。")
        checksum = doc.get("checksum")
        if (
            not isinstance(checksum, str)
            or not SHA_RE.fullmatch(checksum)
            or hashlib.sha256(data.replace(_sum_field(checksum), _sum_field(_ZERO_SUM), 1)).hexdigest()
            != checksum
        ):
            raise bad("校验值不符，清单已损坏")
        version = doc.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
            raise RestoreRefused(
                f"备份文件“{archive.name}”的格式版本（{version}）比本软件新，请先升级软件。数据文件夹没有任何改动。"
            )
        try:
            db = doc["database"]
            database = Entry(str(db["name"]), _nonneg(db["size"]), _sha(db["sha256"]))
            if database.name != DATABASE_NAME:
                raise ValueError("database name")
            blobs = []
            for item in doc["blobs"]:
                sha, size = item
                blobs.append(Entry(blob_entry_name(_sha(sha)), _nonneg(size), sha))
            missing = tuple(_sha(s) for s in doc.get("missing_blobs", []))
            counts = {str(k): _nonneg(v) for k, v in dict(doc.get("counts", {})).items()}
            revision = str(doc["schema_revision"])
            created = str(doc["created_at"])
            app_version = str(doc.get("app_version", ""))
        except (KeyError, TypeError, ValueError) as exc:
            raise bad(f"字段缺失或类型不对：{exc}") from exc
        if len(blobs) > MAX_ENTRIES:
            raise bad("条目过多")
        if len({b.name for b in blobs}) != len(blobs):
            raise bad("证据文件重复列出")
        return cls(created, app_version, revision, database, tuple(blobs), missing, counts)


_ZERO_SUM = "0" * 64


def _sum_field(value: str) -> bytes:
    return f'"checksum":"{value}"'.encode()


def _nonneg(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"not a size: {value!r}")
    return value


def _sha(value: Any) -> str:
    if not isinstance(value, str) or not SHA_RE.fullmatch(value):
        raise ValueError(f"not a SHA-256: {value!r}")
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
    with open(src, "rb") as fh:
        in_fd = fh.fileno()
        st = os.fstat(in_fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size != size:
            raise OSError(errno.EIO, f"证据文件“{src.name}”的大小在备份时发生了变化")
        remaining = size
        use_kernel = hasattr(os, "copy_file_range")
        while remaining:
            if cancel is not None and cancel():
                raise _Cancelled
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
                raise OSError(errno.EIO, f"证据文件“{src.name}”读到一半就结束了")
            remaining -= n


class _Cancelled(Exception):
    pass


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


Cancelled = _Cancelled


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
        f"备份文件“{archive.name}”中的条目“{name[:200]}”{_name_problem(name)}，已拒绝恢复。数据文件夹没有任何改动。"
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
        return RestoreRefused(f"备份文件“{self.archive.name}”{why}，已拒绝恢复。数据文件夹没有任何改动。")

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
            raise self.refuse(f"中的条目“{name[:200]}”是{kind}，只允许普通文件")
        check_entry_name(name, self.archive)
        try:
            mode = _octal(raw[100:108])
            size = _octal(raw[124:136])
        except ValueError as exc:
            raise self.refuse(f"已损坏（条目“{name}”的大小或权限无法识别）") from exc
        if mode & 0o7000:
            raise self.refuse(f"中的条目“{name}”带有特殊权限位（setuid/setgid/sticky）")
        if mode & 0o002:
            raise self.refuse(f"中的条目“{name}”被设为任何人可写")
        if name in self.seen:
            raise self.refuse(f"中的条目“{name}”重复出现")
        self.seen.add(name)
        if self.pos + size > self.size:
            raise self.refuse(f"不完整（条目“{name}”被截断）")
        return Header(self.count, name, size, self.pos)

    def read_data(self, header: Header, sink: Callable[[bytes], None] | None, cancel: Cancel | None) -> str:
        """Stream one entry's data to sink (None = only hash it); returns its SHA-256."""
        digest = hashlib.sha256()
        remaining = header.size
        while remaining:
            if cancel is not None and cancel():
                raise _Cancelled
            chunk = self.fh.read(min(remaining, CHUNK))
            if not chunk:
                raise self.refuse(f"不完整（条目“{header.name}”被截断）")
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
                raise self.refuse(f"已损坏（条目“{header.name}”后的填充字节被改动）")
        return digest.hexdigest()

    def copy_data(self, header: Header, out_fd: int, cancel: Cancel | None) -> None:
        """Copy one entry's data to out_fd in the kernel (the caller checks its hash), then its padding."""
        in_fd = self.fh.fileno()
        done = 0
        use_kernel = hasattr(os, "copy_file_range")
        while done < header.size:
            if cancel is not None and cancel():
                raise _Cancelled
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
                raise self.refuse(f"不完整（条目“{header.name}”被截断）")
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
                raise self.refuse(f"已损坏（条目“{header.name}”后的填充字节被改动）")

    def skip_data(self, header: Header) -> None:
        span = header.size + (-header.size % BLOCK)
        self.fh.seek(span, os.SEEK_CUR)
        self.pos += span

    def read_manifest(self) -> Manifest:
        first = next(iter(self.headers()), None)
        if first is None or first.name != MANIFEST_NAME:
            raise self.refuse("缺少清单（manifest.json 必须是第一个条目）")
        if first.size > MAX_MANIFEST_BYTES:
            raise self.refuse("的清单大得不合常理")
        buf = bytearray()
        self.read_data(first, buf.extend, None)
        manifest = Manifest.from_bytes(bytes(buf), self.archive)
        # An uncompressed archive holds at least every byte it lists: a manifest that claims more
        # (a "bomb", or a truncated file) is refused before anything is extracted.
        if manifest.total_bytes + self.pos > self.size:
            raise self.refuse("比清单记载的内容小，可能被截断或被篡改")
        return manifest


def open_archive(path: Path) -> IO[bytes]:
    try:
        fh = open(path, "rb")  # noqa: SIM115 - the caller closes it
    except FileNotFoundError as exc:
        raise RestoreRefused(f"找不到备份文件“{path}”。") from exc
    except IsADirectoryError as exc:
        raise RestoreRefused(f"“{path}”是文件夹，不是备份文件。") from exc
    except OSError as exc:
        raise RestoreRefused(f"无法读取备份文件“{path}”：{exc.strerror or exc}") from exc
    st = os.fstat(fh.fileno())
    if not stat.S_ISREG(st.st_mode):
        fh.close()
        raise RestoreRefused(f"“{path}”不是普通文件，不能作为备份文件。")
    return fh


def read_manifest(path: Path) -> Manifest:
    """Only the manifest: what a backup holds (counts, date, version), for showing before a restore."""
    with open_archive(path) as fh:
        head = fh.read(2)
        fh.seek(0)
        if head[:2] == b"\x1f\x8b" or head[:2] == b"BZ" or head[:2] == b"\xfd7" or head[:2] == b"PK":
            raise RestoreRefused(
                f"“{path.name}”是压缩包，不是售后申诉工作台的备份文件（备份文件不压缩）。数据文件夹没有任何改动。"
            )
        return StrictTarReader(fh, path).read_manifest()
