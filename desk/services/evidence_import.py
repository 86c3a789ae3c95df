"""Evidence import: files read once by a pool of workers (hashed, copied to the store's temp folder,
sniffed, proved to decode, thumbnailed), then placed and recorded a few per transaction by the calling
thread, each row only after its original is durably in the store. A bad file is reported, never half-stored."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from desk.db import models as m
from desk.db.types import utcnow
from desk.domain import CaseId, Changes, EventKind, EvidenceData, EvidenceKind, ImportRejected, ImportReport
from desk.errors import DeskError, EvidenceRejected, NotFound
from desk.faults import crashpoint
from desk.progress import Cancel, Progress
from desk.services import convert
from desk.services.cases import clean_text
from desk.services.events import payload
from desk.services.evidence_common import (
    jpeg,
    remove_blob_if_orphan,
    save_thumb_bytes,
    storage_reason,
    thumb_path,
)
from desk.store import media
from desk.store.blobstore import BlobStore, StagedBlob, TooLarge

log = logging.getLogger(__name__)


# Rows per database transaction during a batch import (each transaction is one fsync of the log).
IMPORT_BATCH = 16
# ...or fewer, so that no acknowledged file waits long for its commit.
IMPORT_BATCH_SECONDS = 0.5
# Files up to this size are decoded from the bytes read while hashing (the source is read once).
DECODE_IN_MEMORY = 48 * 1024 * 1024
# Folder import leaves out what phones and PCs put beside pictures.
SKIPPED_SUFFIXES = frozenset({".aae", ".xmp", ".thm", ".ini", ".db", ".lnk", ".ds_store"})


def display_name(path: Path) -> str:
    # The name exactly as the file system gave it (NFC or NFD alike): it is evidence too.
    return path.name or str(path)


def import_workers() -> int:
    """Decode workers: one per usable core (they never wait for the disk; the writer thread does)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cores = os.cpu_count() or 2
    return max(1, cores)


@dataclass(frozen=True, slots=True)
class _Job:
    name: str
    path: Path | None = None
    data: bytes | None = None


@dataclass(frozen=True, slots=True)
class _Prepared:
    """A verified file in the temp folder, ready to be placed and recorded."""

    name: str
    staged: StagedBlob
    info: media.MediaInfo
    thumb_jpeg: bytes | None


_Outcome = tuple[list[EvidenceData], list[str], list[ImportRejected]]


@dataclass(slots=True)
class _Batch:
    """Files placed in the store whose rows are not committed yet."""

    items: list[tuple[_Prepared, bool]]  # (file, blob newly created by this import)
    dirs: set[Path]  # folders with entries not yet fsynced
    started: float


class EvidenceImporter:
    """Imports files and pasted data into a case's gallery (EvidenceService hands its imports here)."""

    def __init__(
        self, sessions: sessionmaker[Session], store: BlobStore, thumbnails_dir: Path, *, workers: int
    ) -> None:
        self._sessions = sessions
        self._store = store
        self._thumbs = thumbnails_dir
        self._workers = workers
        # Told what an import stored, once it is over (recognition queues the pictures to read).
        self.after_store: Callable[[Sequence[EvidenceData]], None] | None = None

    def import_files(
        self,
        case_id: CaseId,
        paths: Sequence[Path],
        *,
        kind: EvidenceKind | None = None,
        suggest: EvidenceKind | None = None,
        folders: bool = False,
        progress: Progress | None = None,
        cancel: Cancel | None = None,
    ) -> ImportReport:
        """Import files; bad files are reported and skipped, never half-stored.

        With `folders`, a folder stands for the files inside it (see expand_paths); otherwise it
        is refused like any other non-file.

        `kind` is the operator's choice for every file; without it the kind is a guess (`suggest`,
        else from the file name) that the operator confirms later. Files are read, hashed, verified
        and thumbnailed by a pool of workers; the rows are written by this thread, a few per
        transaction, each only after its original is durably in the store.
        """
        self._require_case(case_id)
        files = expand_paths([Path(p) for p in paths]) if folders else [Path(p) for p in paths]
        jobs = [_Job(display_name(p), path=p) for p in files]
        return self._run(case_id, jobs, kind, suggest, progress, cancel)

    def import_bytes(
        self,
        case_id: CaseId,
        data: bytes,
        name: str,
        *,
        kind: EvidenceKind | None = None,
        suggest: EvidenceKind | None = None,
    ) -> ImportReport:
        """Import data that came without a file (a pasted screenshot, a picture dragged from a browser)."""
        self._require_case(case_id)
        return self._run(case_id, [_Job(name, data=data)], kind, suggest, None, None)

    def _run(
        self,
        case_id: CaseId,
        jobs: Sequence[_Job],
        kind: EvidenceKind | None,
        suggest: EvidenceKind | None,
        progress: Progress | None,
        cancel: Cancel | None,
    ) -> ImportReport:
        added: list[EvidenceData] = []
        duplicates: list[str] = []
        rejected: list[ImportRejected] = []
        total = len(jobs)
        cancelled = False
        known = self._case_shas(case_id)
        batch = _Batch([], set(), time.monotonic())

        def flush() -> None:
            if batch.items:
                done, dup, bad = self._commit_batch(case_id, batch, kind, suggest)
                added.extend(done)
                duplicates.extend(dup)
                rejected.extend(bad)
            batch.items, batch.dirs, batch.started = [], set(), time.monotonic()

        try:
            window = self._workers * 2 + 2
            workers = min(self._workers, max(1, total))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="desk-import") as pool:
                pending: deque[Future[_Prepared | ImportRejected]] = deque()
                next_job = 0

                def fill() -> None:
                    nonlocal next_job
                    while next_job < total and len(pending) < window:
                        pending.append(pool.submit(self._prepare, jobs[next_job]))
                        next_job += 1

                try:
                    for i, job in enumerate(jobs):
                        if cancel is not None and cancel():
                            cancelled = True
                            break
                        fill()
                        if progress is not None:
                            progress(i, total, job.name)
                        if batch.dirs and not pending[0].done():
                            # Idle until the next file is ready: make the placed files' folder entries
                            # durable now, so the commit at the end has less left to wait for.
                            self._sync_dirs(batch)
                        outcome = pending.popleft().result()
                        fill()
                        if isinstance(outcome, ImportRejected):
                            rejected.append(outcome)
                            continue
                        sha = outcome.staged.sha256
                        if sha in known:
                            self._store.discard(outcome.staged)
                            duplicates.append(outcome.name)
                            continue
                        try:
                            # Durable before it is placed, so a blob in the store is always complete
                            # (content another case already stored is dropped by place(): no sync).
                            # Here and not in the workers: a worker waiting for the disk leaves a core idle.
                            if not self._store.exists(sha):
                                self._store.sync_staged(outcome.staged)
                            created, dirs = self._store.place(outcome.staged)
                        except OSError as exc:
                            self._store.discard(outcome.staged)
                            log.error("placing %s failed", outcome.name, exc_info=True)
                            rejected.append(ImportRejected(outcome.name, storage_reason(exc)))
                            continue
                        known.add(sha)
                        batch.items.append((outcome, created))
                        batch.dirs.update(dirs)
                        if (
                            len(batch.items) >= IMPORT_BATCH
                            or time.monotonic() - batch.started > IMPORT_BATCH_SECONDS
                        ):
                            flush()
                    flush()
                finally:
                    # Cancelled, or an unexpected error: whatever the workers still prepare is dropped.
                    for future in pending:
                        future.cancel()
                    for future in pending:
                        if future.cancelled():
                            continue
                        with contextlib.suppress(Exception):
                            late = future.result()
                            if isinstance(late, _Prepared):
                                self._store.discard(late.staged)
                    if batch.items:  # an exception escaped before the last flush
                        for prepared, created in batch.items:
                            if created:
                                self._remove_blob_if_orphan(prepared.staged.sha256)
        finally:
            # What the import committed (also when cancelled or failed) is handed on once it is over:
            # reading it alongside took the import's cores (bench_ocr: the import at 81 % of its speed).
            if added and self.after_store is not None:
                try:
                    self.after_store(tuple(added))
                except Exception:  # what follows an import never fails the import
                    log.exception("the after-import hook failed")
        if progress is not None and not cancelled:
            progress(total, total, "")
        return _report(case_id, added, duplicates, rejected, cancelled)

    def _prepare(self, job: _Job) -> _Prepared | ImportRejected:
        """Worker: read once (hashing and copying to the temp folder), sniff, verify, thumbnail."""
        staged: StagedBlob | None = None
        try:
            staged = self._stage(job)
            media_type = media.sniff(staged.head)
            if media_type is None:
                raise EvidenceRejected(job.name, media.describe_unknown(staged.head))
            limit = media.max_bytes(media_type)
            if staged.size > limit:
                raise EvidenceRejected(job.name, _too_large(staged.size, limit))
            source: Path | bytes = staged.data if staged.data is not None else staged.tmp_path
            try:
                info = media.probe(source, media_type)
            except media.MediaUnusable as exc:
                raise EvidenceRejected(job.name, str(exc)) from exc
            thumb = jpeg(info.thumbnail) if info.thumbnail is not None else None
            # The bytes served their purpose; do not hold them while the file waits for its commit.
            return _Prepared(job.name, replace(staged, data=None), info, thumb)
        except EvidenceRejected as exc:
            if staged is not None:
                self._store.discard(staged)
            return ImportRejected(job.name, exc.reason)
        except Exception as exc:
            if staged is not None:
                self._store.discard(staged)
            log.exception("importing %s failed unexpectedly", job.name)
            return ImportRejected(job.name, f"导入时出现内部错误（{type(exc).__name__}），详情已写入日志")

    def _stage(self, job: _Job) -> StagedBlob:
        if job.data is not None:
            if len(job.data) > media.MAX_VIDEO_BYTES:
                raise EvidenceRejected(job.name, _too_large(len(job.data), media.MAX_VIDEO_BYTES))
            try:
                return self._store.stage_bytes(job.data, durable=False)
            except OSError as exc:
                log.warning("cannot stage %s", job.name, exc_info=True)
                raise EvidenceRejected(job.name, storage_reason(exc)) from exc
        assert job.path is not None
        try:
            return self._store.stage_file(
                job.path,
                lambda head: media.max_bytes(media.sniff(head)),
                keep_bytes=DECODE_IN_MEMORY,
                durable=False,  # synced by the writer thread before it is placed (see _run)
            )
        except FileNotFoundError as exc:
            raise EvidenceRejected(job.name, "文件不存在（可能已被移动或删除）") from exc
        except IsADirectoryError as exc:
            raise EvidenceRejected(job.name, "这是文件夹，不是文件") from exc
        except PermissionError as exc:
            raise EvidenceRejected(job.name, "没有读取权限") from exc
        except TooLarge as exc:
            size = int(exc.args[0])
            limit = int(exc.args[1]) if len(exc.args) > 1 else media.MAX_IMAGE_BYTES
            raise EvidenceRejected(job.name, _too_large(size, limit)) from exc
        except OSError as exc:
            log.warning("cannot read %s", job.path, exc_info=True)
            if exc.errno is not None and exc.errno == 28:
                raise EvidenceRejected(job.name, "磁盘空间已满，未能保存") from exc
            if str(exc) == "not a regular file":
                raise EvidenceRejected(job.name, "这不是普通文件（可能是管道或设备），无法导入") from exc
            raise EvidenceRejected(job.name, f"无法读取文件（{exc.strerror or exc}）") from exc

    def _sync_dirs(self, batch: _Batch) -> None:
        """fsync the folders that got new entries since the last sync (an error is left to the commit)."""
        try:
            self._store.sync_dirs(batch.dirs)
        except OSError:
            log.warning("syncing the evidence folders failed; retried before the commit", exc_info=True)
            return
        batch.dirs = set()

    def _commit_batch(
        self,
        case_id: CaseId,
        batch: _Batch,
        kind: EvidenceKind | None,
        suggest: EvidenceKind | None,
    ) -> _Outcome:
        """Make the placed originals durable (one fsync per folder), then record them in one transaction."""
        items = batch.items
        try:
            self._store.sync_dirs(batch.dirs)
        except OSError as exc:
            log.error("syncing the evidence folders failed", exc_info=True)
            for prepared, created in items:
                if created:
                    self._remove_blob_if_orphan(prepared.staged.sha256)
            reason = storage_reason(exc)
            return [], [], [ImportRejected(p.name, reason) for p, _ in items]
        try:
            rows = self._insert(case_id, [p for p, _ in items], kind, suggest)
        except Exception as exc:
            if len(items) == 1:
                return self._insert_failed(case_id, items[0], exc)
            # One file spoiled the transaction (or the disk filled up): record them one by one.
            log.warning("batch insert failed; retrying file by file", exc_info=True)
            outcome: _Outcome = ([], [], [])
            for item in items:
                try:
                    outcome[0].extend(self._insert(case_id, [item[0]], kind, suggest))
                except Exception as one_exc:
                    _, d, b = self._insert_failed(case_id, item, one_exc)
                    outcome[1].extend(d)
                    outcome[2].extend(b)
            self._write_thumbnails([p for p, _ in items])
            return outcome
        self._write_thumbnails([p for p, _ in items])
        return [*rows], [], []

    def _insert_failed(self, case_id: CaseId, item: tuple[_Prepared, bool], exc: Exception) -> _Outcome:
        prepared, created = item
        if created:
            self._remove_blob_if_orphan(prepared.staged.sha256)
        if isinstance(exc, IntegrityError):
            # The same content was added to this case by a parallel import: a duplicate, not an error.
            return [], [prepared.name], []
        if isinstance(exc, EvidenceRejected):
            return [], [], [ImportRejected(prepared.name, exc.reason)]
        if isinstance(exc, DeskError):
            return [], [], [ImportRejected(prepared.name, exc.message)]
        if isinstance(exc, OSError):
            log.error("storing %s failed", prepared.name, exc_info=exc)
            return [], [], [ImportRejected(prepared.name, storage_reason(exc))]
        log.error("recording %s failed", prepared.name, exc_info=exc)
        return [], [], [ImportRejected(prepared.name, _db_reason(exc))]

    def _insert(
        self,
        case_id: CaseId,
        items: Sequence[_Prepared],
        kind: EvidenceKind | None,
        suggest: EvidenceKind | None,
    ) -> Sequence[EvidenceData]:
        with self._sessions.begin() as s:
            case = s.get(m.Case, case_id)
            if case is None:
                raise EvidenceRejected(items[0].name, "对应的售后记录已不存在")
            last = s.scalar(select(func.max(m.Evidence.position)).where(m.Evidence.case_id == case_id))
            position = (last if last is not None else -1) + 1
            now = utcnow()
            # Plain parameter rows, inserted in one statement each for evidence and timeline: an
            # ORM object per file cost the writer thread more than the rest of its work together.
            rows: list[dict[str, Any]] = []
            events: list[dict[str, Any]] = []
            for offset, prepared in enumerate(items):
                chosen = kind or suggest or suggest_kind(prepared.name, prepared.info.media_type)
                info = prepared.info
                name = clean_text(prepared.name)
                rows.append(
                    {
                        "case_id": case_id,
                        "kind": chosen,
                        "kind_confirmed": kind is not None,
                        "sha256": prepared.staged.sha256,
                        "original_name": name,
                        "media_type": info.media_type,
                        "width": info.width,
                        "height": info.height,
                        "page_count": info.page_count,
                        "byte_size": prepared.staged.size,
                        "caption": "",
                        # Only the picture's own metadata says when it was taken; a file's modification
                        # time says when it was copied, and a warehouse photo must not look taken late.
                        "captured_at": info.captured_at,
                        "captured_source": "metadata" if info.captured_at is not None else "",
                        "imported_at": now,
                        "position": position + offset,
                        "animated": info.animated,
                        "duration_ms": info.duration_ms,
                        "weight_grams": None,
                        "rotation": 0,
                    }
                )
                events.append(
                    {
                        "case_id": case_id,
                        "at": now,
                        "kind": EventKind.EVIDENCE_ADDED,
                        "field": "evidence",
                        "new": name,
                        "detail": "",
                        "old": "",
                        "data": payload(
                            {"kind": EvidenceKind(chosen), "sha256_prefix": prepared.staged.sha256[:12]}
                        ),
                    }
                )
            ids = s.scalars(
                insert(m.Evidence).returning(m.Evidence.id, sort_by_parameter_order=True), rows
            ).all()
            s.execute(insert(m.Event), events)
            case.updated_at = now
            s.flush()
            crashpoint("evidence-before-commit")
            data = [_new_evidence(ev_id, row) for ev_id, row in zip(ids, rows, strict=True)]
        crashpoint("evidence-after-commit")
        return data

    def _write_thumbnails(self, items: Iterable[_Prepared]) -> None:
        for prepared in items:
            if prepared.thumb_jpeg is None:
                continue
            path = thumb_path(self._thumbs, prepared.staged.sha256)
            if path.is_file():
                continue
            try:
                save_thumb_bytes(path, prepared.thumb_jpeg)
            except OSError:
                # The cache is rebuilt on demand; failing to write it must not fail an import.
                log.warning("thumbnail cache write failed for %s", prepared.name, exc_info=True)

    # -- helpers ----------------------------------------------------------------------------
    def _require_case(self, case_id: CaseId) -> None:
        with self._sessions() as s:
            if s.get(m.Case, case_id) is None:
                raise NotFound(f"售后记录 #{case_id} 不存在（可能已被删除）")

    def _case_shas(self, case_id: CaseId) -> set[str]:
        with self._sessions() as s:
            return set(s.scalars(select(m.Evidence.sha256).where(m.Evidence.case_id == case_id)))

    def _remove_blob_if_orphan(self, sha256: str) -> None:
        remove_blob_if_orphan(self._sessions, self._store, self._thumbs, sha256)


def expand_paths(paths: Sequence[Path]) -> list[Path]:
    """Folders stand for the files inside them (sub-folders too), in name order; the rest as given.

    Hidden files and the side files phones and PCs leave beside pictures (.AAE, .XMP, Thumbs.db,
    desktop.ini) are left out; symbolic links to folders are not followed, so a loop cannot hang.
    """
    out: list[Path] = []
    for path in paths:
        if not path.is_dir() or path.is_symlink():
            out.append(path)
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.startswith(".") or Path(name).suffix.lower() in SKIPPED_SUFFIXES:
                    continue
                out.append(Path(root) / name)
    return out


def suggest_kind(name: str, media_type: str) -> EvidenceKind:
    """A first guess from the file name; the operator confirms or changes it."""
    lowered = name.lower()
    rules: list[tuple[tuple[str, ...], EvidenceKind]] = [
        (("复称",), EvidenceKind.REWEIGH),
        (("内网", "快递重量", "揽收"), EvidenceKind.COURIER_WEIGHT),
        (("称重", "weigh", "scale"), EvidenceKind.WAREHOUSE_WEIGHT),
        # Before 截图: "店铺在售商品截图" is the proof the shop does not sell an item, not a chat.
        (("在售", "商品列表", "店铺商品", "listing"), EvidenceKind.STORE_LISTING),
        (("聊天", "chat", "截图", "screenshot", "微信图片", "qq图片", "wechat"), EvidenceKind.CHAT),
        (("面单", "label", "合照"), EvidenceKind.GOODS_WITH_LABEL),
        (("运费", "freight"), EvidenceKind.FREIGHT_VOUCHER),
        (("物流", "凭证", "logistics"), EvidenceKind.LOGISTICS_VOUCHER),
        (("买家", "buyer"), EvidenceKind.BUYER_PHOTO),
    ]
    for words, kind in rules:
        if any(w in lowered for w in words):
            return kind
    if media_type == media.PDF_TYPE:
        return EvidenceKind.LOGISTICS_VOUCHER
    return EvidenceKind.OTHER


def _new_evidence(evidence_id: int, row: dict[str, Any]) -> EvidenceData:
    """The data of a row just inserted from `row` (no marks or key frames yet)."""
    # convert.evidence reads attributes; the inserted values are exactly what a fresh row holds.
    return convert.evidence(cast(m.Evidence, SimpleNamespace(id=evidence_id, **row)), marks=(), frames=())


def _too_large(size: int, limit: int) -> str:
    return f"文件太大（{size / 1024 / 1024:.1f} MB），上限 {limit // 1024 // 1024} MB"


def _db_reason(exc: BaseException | None) -> str:
    text = str(getattr(exc, "orig", None) or exc or "").lower()
    if "full" in text or "no space" in text:
        return "磁盘空间已满，未能保存"
    if "locked" in text or "busy" in text:
        return "数据库正被其他程序占用，未能保存，请稍后再试"
    if "readonly" in text or "read-only" in text:
        return "数据库是只读的，未能保存"
    return f"保存记录失败（{type(exc).__name__}），详情已写入日志"


def _report(
    case_id: CaseId,
    added: list[EvidenceData],
    duplicates: list[str],
    rejected: list[ImportRejected],
    cancelled: bool,
) -> ImportReport:
    changes = Changes(
        cases=frozenset({case_id}) if added else frozenset(),
        evidence=frozenset(e.id for e in added),
    )
    return ImportReport(tuple(added), tuple(duplicates), tuple(rejected), cancelled, changes)
