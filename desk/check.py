"""Check data (工具 ▸ 检查数据, `python -m desk check`): is every record sound and every original intact?

Modelled on Anki's Check Database and paperless-ngx's sanity checker: database integrity and foreign
keys, the schema version, every evidence row's original (present, right size, right SHA-256),
originals no row uses, leftovers of interrupted work, and the search index. Safe repairs are offered
and idempotent: running the check again after a repair finds nothing left to repair.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.orm import Session

from desk.backup.auto import blob_root
from desk.db import models as m
from desk.db.guard import backup_archives
from desk.db.migrate import current_revision, head_revision
from desk.fileops import fsync_dir
from desk.progress import Cancel, Progress
from desk.services.evidence import IMPORT_BATCH
from desk.services.undo import held_sha256s
from desk.settings import load_settings

if TYPE_CHECKING:
    from desk.app import Desk

log = logging.getLogger(__name__)

Severity = Literal["error", "warning"]

# A blob or temp file younger than this may belong to an import that is committing right now.
GRACE_SECONDS = 3600
LIST_LIMIT = 20
# Unused originals that may not be deleted go here, beside the store (see set_aside_root).
SET_ASIDE_DIR = "set-aside"
CHUNK = 4 << 20


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem, in plain words; `repair` says what the safe repair would do (None: none is safe)."""

    severity: Severity
    code: str
    message: str
    repair: str | None = None
    details: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CheckReport:
    findings: tuple[Finding, ...]
    stats: dict[str, int] = field(default_factory=dict)
    orphan_blobs: tuple[str, ...] = ()
    cancelled: bool = False

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def clean(self) -> bool:
        return not self.findings and not self.cancelled

    @property
    def repairable(self) -> list[Finding]:
        return [f for f in self.findings if f.repair]

    def text(self) -> str:
        s = self.stats
        lines = [
            f"检查了 {s.get('cases', 0)} 条售后记录、{s.get('evidence', 0)} 项证据、"
            f"{s.get('blobs_checked', 0)} 个原始文件（{s.get('bytes_checked', 0) / 1e6:.1f} MB）。"
        ]
        if self.cancelled:
            lines.append("检查被取消，结果不完整。")
        if self.clean:
            lines.append("没有发现任何问题。")
        for f in self.findings:
            mark = "错误" if f.severity == "error" else "提示"
            lines.append(f"【{mark}】{f.message}")
            lines.extend(f"    · {d}" for d in f.details[:LIST_LIMIT])
            if len(f.details) > LIST_LIMIT:
                lines.append(f"    · ……另有 {len(f.details) - LIST_LIMIT} 项")
            if f.repair:
                lines.append(f"    可自动修复：{f.repair}")
        return "\n".join(lines)


def _sha_of(path: Path, cancel: Cancel | None) -> str | None:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            if cancel is not None and cancel():
                return None
            digest.update(chunk)
    return digest.hexdigest()


def _fts_tables(conn: Connection) -> list[str]:
    if conn.dialect.name != "sqlite":
        return []
    rows = conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type='table' AND lower(sql) LIKE '%using fts5%'"
    )
    return [r[0] for r in rows]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _fts_problem(engine: Engine, table: str) -> str | None:
    """FTS5's own integrity-check, and for an external-content index a comparison with a fresh one.

    The fresh index is built inside a transaction that is rolled back, so the check writes nothing.
    (SQLite < 3.44 cannot compare an external-content index with its table by itself.)
    """
    quoted = _q(table)
    with engine.connect() as conn:
        try:
            conn.exec_driver_sql(f"INSERT INTO {quoted}({quoted}) VALUES('integrity-check')")
        except Exception as exc:  # SQLite reports a damaged index as SQLITE_CORRUPT_VTAB
            conn.rollback()
            return str(getattr(exc, "orig", exc)).strip()
        conn.rollback()
        sql = conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).scalar() or ""
        if not re.search(r"content\s*=\s*'[^']+'", sql, re.IGNORECASE):
            return None
        probe = "__desk_check_probe"
        probe_sql = re.sub(
            r"(?is)^\s*CREATE\s+VIRTUAL\s+TABLE\s+(IF\s+NOT\s+EXISTS\s+)?(\"[^\"]+\"|\S+?)\s+USING",
            f"CREATE VIRTUAL TABLE {probe} USING",
            sql,
            count=1,
        )
        try:
            conn.exec_driver_sql(probe_sql)
            conn.exec_driver_sql(f"INSERT INTO {probe}({probe}) VALUES('rebuild')")
            conn.exec_driver_sql(f"CREATE VIRTUAL TABLE {probe}_a USING fts5vocab({quoted}, 'row')")
            conn.exec_driver_sql(f"CREATE VIRTUAL TABLE {probe}_b USING fts5vocab({probe}, 'row')")
            diff = conn.exec_driver_sql(
                f"SELECT count(*) FROM (SELECT * FROM {probe}_a EXCEPT SELECT * FROM {probe}_b "
                f"UNION ALL SELECT * FROM (SELECT * FROM {probe}_b EXCEPT SELECT * FROM {probe}_a))"
            ).scalar()
        except Exception:
            log.warning("could not compare search index %s with its table", table, exc_info=True)
            return None
        finally:
            conn.rollback()
    return f"{diff} 个词条不一致" if diff else None


def check_profile(
    desk: Desk,
    *,
    verify_hashes: bool = True,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
) -> CheckReport:
    """Look at everything and report; changes nothing."""
    findings: list[Finding] = []
    stats: dict[str, int] = defaultdict(int)
    engine = desk.engine
    sqlite = engine.dialect.name == "sqlite"
    if progress is not None:
        progress(0, 1, "正在检查数据库")
    with engine.connect() as conn:
        if sqlite:
            rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check")]
            if rows != ["ok"]:
                findings.append(
                    Finding(
                        "error",
                        "db-integrity",
                        "数据库文件已损坏（完整性检查未通过）。请从最近的备份恢复（工具 ▸ 恢复…）。",
                        details=tuple(rows),
                    )
                )
            fk = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if fk:
                by_table: dict[str, int] = defaultdict(int)
                for row in fk:
                    by_table[str(row[0])] += 1
                findings.append(
                    Finding(
                        "error",
                        "db-foreign-keys",
                        f"有 {len(fk)} 条记录指向已不存在的记录（外键检查未通过）。",
                        details=tuple(f"表 {t}：{n} 条" for t, n in sorted(by_table.items())),
                    )
                )
        fts = _fts_tables(conn)
        stats["cases"] = int(
            conn.execute(select(text("count(*)")).select_from(m.Case.__table__)).scalar() or 0
        )
        evidence = conn.execute(
            select(
                m.Evidence.id,
                m.Evidence.case_id,
                m.Evidence.sha256,
                m.Evidence.byte_size,
                m.Evidence.original_name,
            )
        ).all()
        packets = conn.execute(select(m.Packet.id, m.Packet.case_id, m.Packet.file_name)).all()
    # Each index check runs on its own connection, after the reads above have let go of theirs.
    for table in fts:
        problem = _fts_problem(engine, table)
        if problem is not None:
            findings.append(
                Finding(
                    "warning",
                    "search-index",
                    f"搜索索引“{table}”与售后记录不一致，搜索结果可能不全（{problem}）。",
                    repair="重建搜索索引（不改动任何记录）",
                    details=(table,),
                )
            )
    current = current_revision(engine)
    if current != head_revision():
        findings.append(
            Finding(
                "error",
                "schema-version",
                f"数据库的架构版本（{current}）与本软件（{head_revision()}）不一致。请重新启动工作台以完成升级。",
            )
        )
    stats["evidence"] = len(evidence)

    settings = load_settings(desk.profile)
    root = blob_root(desk.profile, settings)
    by_sha: dict[str, list[tuple[int, int, int, str]]] = defaultdict(list)
    for ev_id, case_id, sha, size, name in evidence:
        by_sha[sha].append((ev_id, case_id, size, name))
    missing: list[str] = []
    damaged: list[str] = []
    total = len(by_sha)
    cancelled = False
    for i, (sha, uses) in enumerate(sorted(by_sha.items())):
        if cancel is not None and cancel():
            cancelled = True
            break
        if progress is not None and i % 20 == 0:
            progress(i, total, "正在核对证据原始文件")
        ev_id, case_id, size, name = uses[0]
        label = f"“{name}”（售后 #{case_id}，证据 #{ev_id}{'，等 ' + str(len(uses)) + ' 处' if len(uses) > 1 else ''}）"
        path = root / sha[:2] / sha[2:4] / sha
        try:
            actual = path.stat().st_size
        except FileNotFoundError:
            missing.append(label)
            continue
        except OSError as exc:
            damaged.append(f"{label}：无法读取（{exc.strerror or exc}）")
            continue
        if actual != size:
            damaged.append(f"{label}：大小不符（记录 {size} 字节，实际 {actual} 字节）")
            continue
        if verify_hashes:
            try:
                got = _sha_of(path, cancel)
            except OSError as exc:
                damaged.append(f"{label}：无法读取（{exc.strerror or exc}）")
                continue
            if got is None:
                cancelled = True
                break
            stats["bytes_checked"] += actual
            if got != sha:
                damaged.append(f"{label}：内容与校验值不符")
                continue
        stats["blobs_checked"] += 1
    if missing:
        findings.append(
            Finding(
                "error",
                "blob-missing",
                f"有 {len(missing)} 项证据的原始文件不见了。请从备份恢复（工具 ▸ 恢复…），"
                "或在对应售后中删除后重新导入。",
                details=tuple(missing),
            )
        )
    if damaged:
        findings.append(
            Finding(
                "error",
                "blob-damaged",
                f"有 {len(damaged)} 项证据的原始文件已损坏。请从备份恢复，或删除后重新导入。",
                details=tuple(damaged),
            )
        )

    # Originals no row uses: left by a crash between storing the file and saving its row, or, when there
    # are many, by a database that lost rows. Only the first may be deleted.
    stored = _stored_blobs(root)
    orphans = sorted(stored - set(by_sha) - _held_by_undo(engine))
    if orphans and not cancelled:
        size = sum(_size(root, s) for s in orphans)
        old = sum(1 for s in orphans if _old_enough(root, s))
        if looks_like_missing_data(
            cases=stats["cases"], referenced=len(by_sha), old_orphans=old, orphans=len(orphans)
        ):
            findings.append(
                Finding(
                    "error",
                    "db-missing-data",
                    f"数据库似乎缺少数据：证据文件夹里有 {len(stored)} 个原始文件，其中 {len(orphans)} 个"
                    f"（共 {size / 1e6:.1f} MB）没有被任何证据使用，数据库只用到 {len(by_sha)} 个"
                    f"（{stats['cases']} 条售后记录）。这不像是导入被中断留下的，更像是数据库文件被替换、清空"
                    f"或换成了旧的副本。这些原始文件都原样保留着。{_restore_hint(desk)}",
                    repair=(
                        f"把这些原始文件移到“{set_aside_root(root)}”中保存，不会删掉任何一个"
                        f"（{GRACE_SECONDS // 60} 分钟内的暂时不动）"
                    ),
                    details=tuple(s[:16] for s in orphans),
                )
            )
        else:
            findings.append(
                Finding(
                    "warning",
                    "blob-orphan",
                    f"有 {len(orphans)} 个原始文件没有被任何证据使用（共 {size / 1e6:.1f} MB），多半是导入被中断留下的。",
                    repair=f"删除这些文件（只删除 {GRACE_SECONDS // 60} 分钟前的，正在进行的导入不受影响）",
                    details=tuple(s[:16] for s in orphans),
                )
            )

    leftovers = _leftovers(desk)
    if leftovers:
        findings.append(
            Finding(
                "warning",
                "leftovers",
                f"有 {len(leftovers)} 个中断操作留下的临时文件。",
                repair="删除这些临时文件",
                details=tuple(str(p) for p in leftovers),
            )
        )

    gone = [
        f"售后 #{case_id}：{Path(name).name}" for _pid, case_id, name in packets if not Path(name).is_file()
    ]
    stats["packets"] = len(packets)
    if gone:
        findings.append(
            Finding(
                "warning",
                "packet-file-gone",
                f"有 {len(gone)} 份已生成的申诉材料 PDF 已被移走或删除（记录仍在；需要时可重新生成）。",
                details=tuple(gone),
            )
        )
    return CheckReport(tuple(findings), dict(stats), tuple(orphans), cancelled)


def looks_like_missing_data(*, cases: int, referenced: int, old_orphans: int, orphans: int) -> bool:
    """Do the unused originals say the database lost rows, rather than that an import was interrupted?

    An interrupted import leaves at most one batch (IMPORT_BATCH files) stored but not saved, and those
    are young. More than a batch, more unused originals than used ones, or unused originals while the
    database has no evidence at all: the database, not the store, is what is wrong, and deleting the
    "unused" originals would delete the evidence itself. Young originals alone (the last hour) never
    count, except in a database without a single case, so a crash during an import is not called a loss.
    """
    if not orphans:
        return False
    if referenced == 0:
        return old_orphans > 0 or (cases == 0 and orphans > IMPORT_BATCH)
    return old_orphans > IMPORT_BATCH or old_orphans > referenced


def set_aside_root(root: Path) -> Path:
    """Where unused originals go when they may not be deleted: beside the store, never swept, never
    replaced by a restore (which swaps the blobs folder itself)."""
    return root.parent / SET_ASIDE_DIR


def _old_enough(root: Path, sha: str) -> bool:
    try:
        return time.time() - (root / sha[:2] / sha[2:4] / sha).stat().st_mtime >= GRACE_SECONDS
    except OSError:
        return False


def _restore_hint(desk: Desk) -> str:
    folder, archives = backup_archives(desk.profile)
    where = f"备份在“{folder}”" + (f"，最新的是“{archives[0].name}”" if archives else "（那里现在没有备份）")
    # A restore keeps the originals its archive lacks in evidence/set-aside itself (docs/backup.md).
    return (
        "可以从备份恢复，备份里没有的原始文件恢复时会原样保留在 evidence/set-aside 中"
        f'（工具 ▸ 恢复…，或命令行 python -m desk --profile "{desk.profile.root}" restore 备份文件），'
        f"{where}。"
    )


def _stored_blobs(root: Path) -> set[str]:
    if not root.is_dir():
        return set()
    return {p.name for p in root.glob("??/??/*") if p.is_file() and len(p.name) == 64}


def _size(root: Path, sha: str) -> int:
    try:
        return (root / sha[:2] / sha[2:4] / sha).stat().st_size
    except OSError:
        return 0


def _tmp_dir(desk: Desk) -> Path:
    settings = load_settings(desk.profile)
    if settings.shared_blob_dir is not None:
        return settings.shared_blob_dir / "tmp"
    return desk.profile.evidence_tmp


def _leftovers(desk: Desk) -> list[Path]:
    """Temp files of interrupted imports, packets and backups that are old enough to be dead."""
    now = time.time()
    found: list[Path] = []
    candidates: list[Path] = []
    tmp = _tmp_dir(desk)
    if tmp.is_dir():
        candidates += [p for p in tmp.iterdir() if p.is_file()]
    if desk.profile.packets_dir.is_dir():
        candidates += list(desk.profile.packets_dir.rglob("*.partial"))
    folder = load_settings(desk.profile).backup.folder or desk.profile.backups_dir
    if folder.is_dir():
        candidates += list(folder.glob("*.partial"))
    for p in candidates:
        with contextlib.suppress(OSError):
            if now - p.stat().st_mtime >= GRACE_SECONDS:
                found.append(p)
    return sorted(found)


def _repair_orphans(desk: Desk, report: CheckReport) -> str:
    """Delete unused originals left by interrupted imports; if the database looks like it lost rows,
    move them aside instead. Decided again from what is there now, not from the (older) report."""
    root = blob_root(desk.profile)
    now = time.time()
    old: list[str] = []
    skipped = 0
    for sha in report.orphan_blobs:
        try:
            if now - (root / sha[:2] / sha[2:4] / sha).stat().st_mtime < GRACE_SECONDS:
                skipped += 1
                continue
        except FileNotFoundError:
            continue
        old.append(sha)
    with desk.engine.connect() as conn:
        referenced = set(conn.execute(select(m.Evidence.sha256).distinct()).scalars())
        cases = int(conn.execute(select(text("count(*)")).select_from(m.Case.__table__)).scalar() or 0)
    held = _held_by_undo(desk.engine)
    unused = _stored_blobs(root) - referenced - held
    old = [sha for sha in old if sha in unused]
    later = "（" + str(skipped) + " 个较新的暂时保留）" if skipped else ""
    if looks_like_missing_data(
        cases=cases, referenced=len(referenced), old_orphans=len(old), orphans=len(unused)
    ):
        folder, moved = _set_aside(desk, root, old)
        log.warning("database looks like it lost rows: moved %d unused originals to %s", moved, folder)
        return (
            f"数据库似乎缺少数据，所以没有删除任何原始文件：已把 {moved} 个没有被使用的原始文件移到“{folder}”{later}。"
            f"需要时，把那里的文件夹原样放回“{root}”即可。"
        )
    removed = 0
    for sha in old:
        # Ask again right before deleting: a row may have been saved since the check.
        with desk.engine.connect() as conn:
            used = conn.execute(select(m.Evidence.id).where(m.Evidence.sha256 == sha).limit(1)).first()
        if used is not None:
            continue
        path = root / sha[:2] / sha[2:4] / sha
        with contextlib.suppress(FileNotFoundError):
            path.chmod(0o644)
            path.unlink()
            removed += 1
    return f"已删除 {removed} 个没有被使用的原始文件{later}"


def _held_by_undo(engine: Engine) -> set[str]:
    """Originals of removed evidence that an undo step can still bring back: in use, not left over."""
    with Session(engine) as s:
        return held_sha256s(s)


def _set_aside(desk: Desk, root: Path, shas: list[str]) -> tuple[Path, int]:
    """Move originals out of the store, keeping their layout, into a dated folder nothing deletes."""
    folder = set_aside_root(root) / datetime.now().strftime("%Y%m%d-%H%M%S")
    touched: set[Path] = set()
    moved = 0
    for sha in shas:
        # Ask again right before moving: a row may have been saved since the check.
        with desk.engine.connect() as conn:
            used = conn.execute(select(m.Evidence.id).where(m.Evidence.sha256 == sha).limit(1)).first()
        if used is not None:
            continue
        src = root / sha[:2] / sha[2:4] / sha
        dest = folder / sha[:2] / sha[2:4] / sha
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(src, dest)
        except FileNotFoundError:
            continue
        touched.update((src.parent, dest.parent))
        moved += 1
    for d in sorted(touched):
        with contextlib.suppress(OSError):
            fsync_dir(d)
    return folder, moved


def repair_profile(desk: Desk, report: CheckReport) -> list[str]:
    """Apply the safe repairs the report offers; returns what was done, in plain words."""
    done: list[str] = []
    codes = {f.code for f in report.repairable}
    if "search-index" in codes:
        with desk.engine.begin() as conn:
            for f in report.findings:
                if f.code == "search-index":
                    for table in f.details:
                        quoted = '"' + table.replace('"', '""') + '"'
                        conn.exec_driver_sql(f"INSERT INTO {quoted}({quoted}) VALUES('rebuild')")
                        done.append(f"已重建搜索索引“{table}”")
    if codes & {"blob-orphan", "db-missing-data"}:
        done.append(_repair_orphans(desk, report))
    if "leftovers" in codes:
        removed = 0
        for p in _leftovers(desk):
            with contextlib.suppress(OSError):
                p.unlink()
                removed += 1
        done.append(f"已删除 {removed} 个临时文件")
    for line in done:
        log.info("check repair: %s", line)
    return done
