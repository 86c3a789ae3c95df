"""Evidence: verified, parallel import into the blob store; metadata, marks, key frames; export; removal."""

from __future__ import annotations

import contextlib
import enum
import io
import logging
import os
import re
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from PIL import Image
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from desk.db import models as m
from desk.db.types import utcnow
from desk.domain import (
    CaseId,
    Changes,
    EventKind,
    EvidenceData,
    EvidenceId,
    EvidenceKind,
    ImportRejected,
    ImportReport,
    Mark,
    MarkShape,
)
from desk.errors import DeskError, EvidenceRejected, NotFound, ValidationFailed
from desk.faults import crashpoint
from desk.fileops import free_path, fsync_dir
from desk.services import convert
from desk.services import undo as undo_log
from desk.services.cases import clean_text
from desk.services.undo import UndoConflict, UndoOp
from desk.store import media, render
from desk.store.blobstore import BlobStore, StagedBlob, TooLarge

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]

MAX_CAPTION = 500
MAX_WEIGHT_GRAMS = 1_000_000  # one tonne: anything above is a typing error
MAX_KEY_FRAMES = 20
# Rows per database transaction during a batch import (each transaction is one fsync of the log).
IMPORT_BATCH = 16
# ...or fewer, so that no acknowledged file waits long for its commit.
IMPORT_BATCH_SECONDS = 0.5
# Files up to this size are decoded from the bytes read while hashing (the source is read once).
DECODE_IN_MEMORY = 48 * 1024 * 1024
# Folder import leaves out what phones and PCs put beside pictures.
SKIPPED_SUFFIXES = frozenset({".aae", ".xmp", ".thm", ".ini", ".db", ".lnk", ".ds_store"})
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


class _Keep(enum.Enum):
    KEEP = 0


KEEP = _Keep.KEEP


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
    file_time: datetime | None


_Outcome = tuple[list[EvidenceData], list[str], list[ImportRejected]]


@dataclass(slots=True)
class _Batch:
    """Files placed in the store whose rows are not committed yet."""

    items: list[tuple[_Prepared, bool]]  # (file, blob newly created by this import)
    dirs: set[Path]  # folders with entries not yet fsynced
    started: float


class EvidenceService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        store: BlobStore,
        thumbnails_dir: Path,
        *,
        workers: int | None = None,
    ) -> None:
        self._sessions = sessions
        self._store = store
        self._thumbs = thumbnails_dir
        self._workers = workers or import_workers()
        self._thumb_lock = threading.Lock()
        media.preload()

    # -- reads ------------------------------------------------------------------------------
    def list(self, case_id: CaseId) -> list[EvidenceData]:
        """A case's evidence in gallery order, with marks and key frames: three plain queries.

        Core rows rather than ORM objects: a 1,000-item gallery opens in a fraction of the time.
        """
        ev, mk, fr = m.Evidence.__table__, m.EvidenceMark.__table__, m.EvidenceFrame.__table__
        with self._sessions() as s:
            rows = s.execute(select(ev).where(ev.c.case_id == case_id).order_by(ev.c.position, ev.c.id)).all()
            marks: dict[int, list[Mark]] = {}
            for r in s.execute(
                select(mk)
                .join(ev, ev.c.id == mk.c.evidence_id)
                .where(ev.c.case_id == case_id)
                .order_by(mk.c.evidence_id, mk.c.position, mk.c.id)
            ):
                marks.setdefault(r.evidence_id, []).append(Mark(r.shape, r.x0, r.y0, r.x1, r.y1, r.text))
            frames: dict[int, list[int]] = {}
            for r in s.execute(
                select(fr.c.evidence_id, fr.c.at_ms)
                .join(ev, ev.c.id == fr.c.evidence_id)
                .where(ev.c.case_id == case_id)
                .order_by(fr.c.evidence_id, fr.c.at_ms)
            ):
                frames.setdefault(r.evidence_id, []).append(r.at_ms)
        # A Row reads like the ORM object (same column names), which is all convert needs.
        return [
            convert.evidence(
                cast(m.Evidence, r), marks=tuple(marks.get(r.id, ())), frames=tuple(frames.get(r.id, ()))
            )
            for r in rows
        ]

    def get(self, evidence_id: EvidenceId) -> EvidenceData:
        with self._sessions() as s:
            e = s.get(m.Evidence, evidence_id)
            if e is None:
                raise NotFound(f"证据 #{evidence_id} 不存在（可能已被删除）")
            return convert.evidence(e)

    def blob_path(self, evidence_id: EvidenceId) -> Path:
        return self._store.path_for(self.get(evidence_id).sha256)

    def blob_path_for(self, sha256: str) -> Path:
        return self._store.path_for(sha256)

    # -- import -----------------------------------------------------------------------------
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
                        rejected.append(ImportRejected(outcome.name, _storage_reason(exc)))
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
            thumb = _jpeg(info.thumbnail) if info.thumbnail is not None else None
            file_time = _file_time(job.path) if job.path is not None else None
            # The bytes served their purpose; do not hold them while the file waits for its commit.
            return _Prepared(job.name, replace(staged, data=None), info, thumb, file_time)
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
                raise EvidenceRejected(job.name, _storage_reason(exc)) from exc
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
            reason = _storage_reason(exc)
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
            return [], [], [ImportRejected(prepared.name, _storage_reason(exc))]
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
                        "captured_at": info.captured_at or prepared.file_time,
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
                        "detail": f"{chosen}｜SHA-256 {prepared.staged.sha256[:12]}",
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
            path = self._thumb_path(prepared.staged.sha256)
            if path.is_file():
                continue
            try:
                self._save_thumb_bytes(path, prepared.thumb_jpeg)
            except OSError:
                # The cache is rebuilt on demand; failing to write it must not fail an import.
                log.warning("thumbnail cache write failed for %s", prepared.name, exc_info=True)

    # -- edits ------------------------------------------------------------------------------
    def update(
        self,
        evidence_id: EvidenceId,
        *,
        kind: EvidenceKind | None = None,
        caption: str | None = None,
        weight_grams: int | _Keep | None = KEEP,
        rotation: int | None = None,
        confirm_kind: bool = False,
    ) -> Changes:
        """Edit what the operator may edit. Choosing a kind (even the same one) confirms it."""
        with self._sessions.begin() as s:
            ev = s.get(m.Evidence, evidence_id)
            if ev is None:
                raise NotFound(f"证据 #{evidence_id} 不存在（可能已被删除）")
            now = utcnow()

            def event(field: str, old: str, new: str) -> None:
                s.add(
                    m.Event(
                        case_id=ev.case_id,
                        at=now,
                        kind=EventKind.FIELD_CHANGED,
                        field=field,
                        old=old,
                        new=new,
                        detail=ev.original_name,
                    )
                )

            if kind is not None:
                if EvidenceKind(kind) != ev.kind:
                    event("evidence.kind", str(ev.kind), str(EvidenceKind(kind)))
                    ev.kind = EvidenceKind(kind)
                ev.kind_confirmed = True
            if confirm_kind:
                ev.kind_confirmed = True
            if caption is not None:
                caption = clean_text(caption).strip()
                if len(caption) > MAX_CAPTION:
                    raise ValidationFailed(f"说明文字太长（上限 {MAX_CAPTION} 个字符）")
                if caption != ev.caption:
                    event("evidence.caption", ev.caption, caption)
                    ev.caption = caption
            if not isinstance(weight_grams, _Keep):
                grams = weight_grams
                if grams is not None and not (0 < grams <= MAX_WEIGHT_GRAMS):
                    raise ValidationFailed(
                        f"重量 {grams} 克不合理（应在 1 克到 {MAX_WEIGHT_GRAMS // 1000} 千克之间）"
                    )
                if grams != ev.weight_grams:
                    event("evidence.weight", _grams(ev.weight_grams), _grams(grams))
                    ev.weight_grams = grams
            if rotation is not None:
                ev.rotation = rotation % 360 // 90 * 90
            case_id = CaseId(ev.case_id)
        return Changes(cases=frozenset({case_id}), evidence=frozenset({evidence_id}))

    def rotate(self, evidence_id: EvidenceId, quarter_turns: int = 1) -> Changes:
        """Turn the picture clockwise by 90° steps; the original stays as it is."""
        current = self.get(evidence_id).rotation
        return self.update(evidence_id, rotation=current + 90 * quarter_turns)

    def set_marks(self, evidence_id: EvidenceId, marks: Sequence[Mark]) -> Changes:
        """Replace the annotations and redactions of a picture (the original file is never touched)."""
        if len(marks) > render.MAX_MARKS:
            raise ValidationFailed(f"标注太多（上限 {render.MAX_MARKS} 个）")
        cleaned = [render.clamp_mark(mk) for mk in marks]
        with self._sessions.begin() as s:
            ev = s.get(m.Evidence, evidence_id)
            if ev is None:
                raise NotFound(f"证据 #{evidence_id} 不存在（可能已被删除）")
            if ev.media_type == media.PDF_TYPE or ev.media_type in media.VIDEO_TYPES:
                raise ValidationFailed("只能在图片上标注或遮挡")
            old = _marks_summary([MarkShape(x.shape) for x in ev.marks])
            ev.marks.clear()
            s.flush()
            for pos, mk in enumerate(cleaned):
                ev.marks.append(
                    m.EvidenceMark(
                        position=pos, shape=mk.shape, x0=mk.x0, y0=mk.y0, x1=mk.x1, y1=mk.y1, text=mk.text
                    )
                )
            new = _marks_summary([mk.shape for mk in cleaned])
            if old != new:
                s.add(
                    m.Event(
                        case_id=ev.case_id,
                        kind=EventKind.FIELD_CHANGED,
                        field="evidence.marks",
                        old=old,
                        new=new,
                        detail=ev.original_name,
                    )
                )
            case_id = CaseId(ev.case_id)
        return Changes(cases=frozenset({case_id}), evidence=frozenset({evidence_id}))

    def set_key_frames(self, evidence_id: EvidenceId, at_ms: Iterable[int]) -> Changes:
        """The moments of a video that packets show, in milliseconds from the start."""
        with self._sessions.begin() as s:
            ev = s.get(m.Evidence, evidence_id)
            if ev is None:
                raise NotFound(f"证据 #{evidence_id} 不存在（可能已被删除）")
            if ev.media_type not in media.VIDEO_TYPES:
                raise ValidationFailed("只有视频可以选关键帧")
            end = ev.duration_ms if ev.duration_ms is not None else None
            moments = sorted({max(0, int(t)) for t in at_ms})
            if end is not None:
                moments = [min(t, max(0, end - 1)) for t in moments]
                moments = sorted(set(moments))
            if len(moments) > MAX_KEY_FRAMES:
                raise ValidationFailed(f"关键帧太多（上限 {MAX_KEY_FRAMES} 个）")
            ev.frames.clear()
            s.flush()
            for t in moments:
                ev.frames.append(m.EvidenceFrame(at_ms=t))
            case_id = CaseId(ev.case_id)
        return Changes(cases=frozenset({case_id}), evidence=frozenset({evidence_id}))

    def move(self, evidence_id: EvidenceId, new_position: int) -> Changes:
        """Put an item at a new place in its case's gallery (0 = first)."""
        return self.move_many([evidence_id], new_position)

    def move_many(self, evidence_ids: Sequence[EvidenceId], new_position: int) -> Changes:
        """Put items (in the given order) at a place of their case's gallery, counted without them."""
        if not evidence_ids:
            return Changes()
        with self._sessions.begin() as s:
            first = s.get(m.Evidence, evidence_ids[0])
            if first is None:
                raise NotFound(f"证据 #{evidence_ids[0]} 不存在")
            items = list(
                s.scalars(
                    select(m.Evidence)
                    .where(m.Evidence.case_id == first.case_id)
                    .order_by(m.Evidence.position, m.Evidence.id)
                )
            )
            by_id = {e.id: e for e in items}
            moving = [by_id[i] for i in evidence_ids if i in by_id]
            if len(moving) != len(set(evidence_ids)):
                raise NotFound("要移动的证据不在同一条售后记录中，或已被删除")
            rest = [e for e in items if e not in moving]
            at = max(0, min(new_position, len(rest)))
            ordered = rest[:at] + moving + rest[at:]
            for pos, item in enumerate(ordered):
                item.position = pos
            case_id = CaseId(first.case_id)
        return Changes(cases=frozenset({case_id}), evidence=frozenset(EvidenceId(i.id) for i in items))

    # -- removal, kinds and undo -----------------------------------------------------------
    def remove(self, evidence_id: EvidenceId) -> Changes:
        """Remove the item from its case for good (not undoable); the blob goes when nothing uses it."""
        changes, removed, _freed = self._remove([evidence_id], undoable=False)
        self.purge([e.sha256 for e in removed])
        return changes

    def remove_many(self, evidence_ids: Sequence[EvidenceId]) -> tuple[Changes, tuple[EvidenceData, ...]]:
        """Remove items in one transaction, undoably (UndoOp.EVIDENCE_REMOVE): their originals stay
        until the step leaves the undo log."""
        changes, removed, freed = self._remove(evidence_ids, undoable=True)
        self.purge(freed)
        return changes, removed

    def _remove(
        self, evidence_ids: Sequence[EvidenceId], *, undoable: bool
    ) -> tuple[Changes, tuple[EvidenceData, ...], Sequence[str]]:
        removed: list[EvidenceData] = []
        steps: list[dict[str, Any]] = []
        cases: set[CaseId] = set()
        freed: list[str] = []
        with self._sessions.begin() as s:
            for evidence_id in evidence_ids:
                ev = s.get(m.Evidence, evidence_id)
                if ev is None:
                    raise NotFound(f"证据 #{evidence_id} 不存在（可能已被删除）")
                data = convert.evidence(ev)
                removed.append(data)
                steps.append(_encode_item(data, ev.case.created_at))
                case_id = CaseId(ev.case_id)
                cases.add(case_id)
                s.add(
                    m.Event(
                        case_id=case_id,
                        kind=EventKind.EVIDENCE_REMOVED,
                        field="evidence",
                        old=ev.original_name,
                        detail=f"{ev.kind}｜SHA-256 {ev.sha256[:12]}",
                    )
                )
                s.delete(ev)
            for case_id in cases:
                case = s.get(m.Case, case_id)
                if case is not None:
                    case.updated_at = utcnow()
            if undoable and steps:
                freed = undo_log.record(s, UndoOp.EVIDENCE_REMOVE, {"items": steps}, release=True)
        changes = Changes(cases=frozenset(cases), evidence=frozenset(e.id for e in removed))
        return changes, tuple(removed), freed

    def restore(self, items: Sequence[EvidenceData]) -> tuple[Changes, tuple[EvidenceData, ...]]:
        """Bring removed items back at their places, with kind, caption, marks and key frames.

        (Ctrl+Z and `undo` go through UndoService, which does the same from the undo log.)
        """
        for item in items:
            if not self._store.exists(item.sha256):
                raise NotFound(f"“{item.original_name}”的原始文件已被清除，无法撤销删除")
        with self._sessions.begin() as s:
            for item in items:
                if s.get(m.Case, item.case_id) is None:
                    raise NotFound(f"售后记录 #{item.case_id} 已不存在，无法撤销删除")
            restored = self._restore_rows(s, items)
            data = tuple(convert.evidence(ev) for ev in restored)
        return Changes(cases=frozenset(e.case_id for e in data), evidence=frozenset(e.id for e in data)), data

    def _restore_rows(self, s: Session, items: Sequence[EvidenceData]) -> Sequence[m.Evidence]:
        """Insert removed items again at their places (the cases exist; checked by the caller)."""
        restored: list[m.Evidence] = []
        for item in sorted(items, key=lambda e: e.position):
            case = s.get(m.Case, item.case_id)
            assert case is not None
            if s.scalar(
                select(m.Evidence.id).where(
                    m.Evidence.case_id == item.case_id, m.Evidence.sha256 == item.sha256
                )
            ):
                continue  # imported again meanwhile: nothing to bring back
            for other in s.scalars(
                select(m.Evidence).where(
                    m.Evidence.case_id == item.case_id, m.Evidence.position >= item.position
                )
            ):
                other.position += 1
            ev = m.Evidence(
                case_id=item.case_id,
                kind=item.kind,
                kind_confirmed=item.kind_confirmed,
                sha256=item.sha256,
                original_name=item.original_name,
                media_type=item.media_type,
                width=item.width,
                height=item.height,
                page_count=item.page_count,
                byte_size=item.byte_size,
                caption=item.caption,
                captured_at=item.captured_at,
                imported_at=item.imported_at,
                position=item.position,
                animated=item.animated,
                duration_ms=item.duration_ms,
                weight_grams=item.weight_grams,
                rotation=item.rotation,
            )
            ev.marks = [
                m.EvidenceMark(
                    position=i, shape=mk.shape, x0=mk.x0, y0=mk.y0, x1=mk.x1, y1=mk.y1, text=mk.text
                )
                for i, mk in enumerate(item.marks)
            ]
            ev.frames = [m.EvidenceFrame(at_ms=t) for t in item.key_frames]
            s.add(ev)
            s.add(
                m.Event(
                    case_id=item.case_id,
                    kind=EventKind.EVIDENCE_ADDED,
                    field="evidence",
                    new=item.original_name,
                    detail=f"撤销删除｜{item.kind}｜SHA-256 {item.sha256[:12]}",
                )
            )
            case.updated_at = utcnow()
            restored.append(ev)
        s.flush()
        return restored

    def set_kind(self, evidence_ids: Sequence[EvidenceId], kind: EvidenceKind) -> Changes:
        """File items under a kind in one transaction; choosing a kind (even the same one) confirms it.

        Undoable (UndoOp.EVIDENCE_KIND) when it changed the kind of at least one item.
        """
        kind = EvidenceKind(kind)
        now = utcnow()
        cases: set[CaseId] = set()
        steps: list[dict[str, Any]] = []
        moved = False
        with self._sessions.begin() as s:
            for evidence_id in evidence_ids:
                ev = s.get(m.Evidence, evidence_id)
                if ev is None:
                    raise NotFound(f"证据 #{evidence_id} 不存在（可能已被删除）")
                if (ev.kind, ev.kind_confirmed) != (kind, True):
                    steps.append(
                        {
                            "id": ev.id,
                            "case": ev.case_id,
                            "case_created": undo_log.encode(ev.case.created_at),
                            "sha256": ev.sha256,
                            "kind": ev.kind.name,
                            "confirmed": ev.kind_confirmed,
                        }
                    )
                if ev.kind != kind:
                    moved = True
                    s.add(_kind_event(ev, ev.kind, kind, now))
                    ev.kind = kind
                ev.kind_confirmed = True
                cases.add(CaseId(ev.case_id))
            if moved:
                undo_log.record(s, UndoOp.EVIDENCE_KIND, {"kind": kind.name, "items": steps})
        return Changes(cases=frozenset(cases), evidence=frozenset(EvidenceId(i) for i in evidence_ids))

    def reverse(self, s: Session, op: UndoOp, payload: dict[str, Any]) -> Changes:
        """Take back a step of the undo log inside the caller's transaction (UndoService.undo()).

        An item changed or deleted since the step, or a case deleted for good, raises UndoConflict;
        the caller's transaction then rolls back whatever was done so far.
        """
        items: list[dict[str, Any]] = list(payload.get("items", ()))
        for item in items:
            case = s.get(m.Case, int(item["case"]), with_for_update=True)
            if not undo_log.case_identity(case, item, key="case_created"):
                raise UndoConflict(f"售后记录 #{item['case']} 已被彻底删除")
        if op == UndoOp.EVIDENCE_REMOVE:
            removed = [_decode_item(item) for item in items]
            for data in removed:
                if not self._store.exists(data.sha256):
                    raise UndoConflict(f"“{data.original_name}”的原始文件已被清除")
            restored = self._restore_rows(s, removed)
            ids = frozenset(EvidenceId(ev.id) for ev in restored)
            return Changes(cases=frozenset(CaseId(e.case_id) for e in removed), evidence=ids)
        if op == UndoOp.EVIDENCE_KIND:
            now = utcnow()
            after = EvidenceKind[payload["kind"]]
            changed: set[EvidenceId] = set()
            for item in items:
                ev = s.scalars(
                    select(m.Evidence)
                    .where(m.Evidence.case_id == int(item["case"]), m.Evidence.sha256 == item["sha256"])
                    .with_for_update()
                ).first()
                if ev is None:
                    raise UndoConflict(f"证据 #{item['id']} 已被删除")
                if ev.kind != after:
                    raise UndoConflict(f"证据“{ev.original_name}”的类型之后又被改过")
                before = EvidenceKind[item["kind"]]
                if before != ev.kind:
                    s.add(_kind_event(ev, ev.kind, before, now, detail="撤销修改类型"))
                ev.kind = before
                ev.kind_confirmed = bool(item["confirmed"])
                changed.add(EvidenceId(ev.id))
            return Changes(
                cases=frozenset(CaseId(int(i["case"])) for i in items), evidence=frozenset(changed)
            )
        raise ValueError(f"not an evidence operation: {op}")

    def purge(self, sha256s: Iterable[str]) -> None:
        """Delete originals that no case uses any more and no undo step holds."""
        wanted = set(sha256s)
        if not wanted:
            return
        with self._sessions() as s:
            wanted -= undo_log.held_sha256s(s)
        for sha in wanted:
            self._remove_blob_if_orphan(sha, retire=True)

    # -- pictures ---------------------------------------------------------------------------
    def thumbnail(self, evidence_id: EvidenceId, size: int = media.THUMB_SIZE) -> Path:
        """A cached JPEG thumbnail (orientation applied); made on first use, keyed by content."""
        return self.thumbnail_for(self.get(evidence_id))

    def thumbnail_for(self, evidence: EvidenceData) -> Path:
        """The cached thumbnail of an item the caller already holds (no database query on a cache hit).

        The thumbnail is upright but without the operator's rotation and marks, which the viewer
        and gallery draw on top; it is keyed by the content's SHA-256 alone.
        """
        path = self._thumb_path(evidence.sha256)
        if path.is_file():
            return path
        blob = self._store.path_for(evidence.sha256)
        thumb: Image.Image
        try:
            info = media.probe(blob, evidence.media_type)
            thumb = info.thumbnail if info.thumbnail is not None else _pdf_placeholder(info.page_count)
        except media.MediaUnusable:
            thumb = _broken_placeholder()
        self._save_thumb_bytes(path, _jpeg(thumb))
        return path

    def preview(self, evidence: EvidenceData, *, max_side: int = 2048, at_ms: int | None = None) -> bytes:
        """The picture for the viewer: upright, fitting max_side, without marks or rotation (JPEG/PNG)."""
        blob = self._store.path_for(evidence.sha256)
        try:
            if evidence.is_video:
                im = render.render(blob, evidence.media_type, at_ms=at_ms or 0, max_side=max_side)
            else:
                im = render.load_upright(blob, evidence.media_type, max_side)
        except FileNotFoundError as exc:
            raise DeskError(f"“{evidence.original_name}”的原始文件不见了，请运行“检查数据”") from exc
        except media.MediaUnusable as exc:
            raise DeskError(f"无法显示“{evidence.original_name}”：{exc}") from exc
        except Exception as exc:
            log.warning("preview of %s failed", evidence.original_name, exc_info=True)
            raise DeskError(f"无法显示“{evidence.original_name}”：文件无法解码") from exc
        fmt = "PNG" if evidence.media_type in render.LOSSLESS_SOURCES else "JPEG"
        return render.encode_clean(im, fmt, quality=90)

    def export_copy(self, evidence_id: EvidenceId, folder: Path) -> Path:
        """Write a copy for sending elsewhere: marks and rotation applied, no EXIF/GPS or other metadata.

        Pictures are re-encoded (PNG for screenshots, JPEG for photos); videos are re-packed
        without their metadata (GPS, device); PDFs are copied as they are. Never overwrites a file.
        """
        ev = self.get(evidence_id)
        blob = self._store.path_for(ev.sha256)
        stem = _safe_stem(ev.original_name) or f"证据{ev.id}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            if ev.is_pdf:
                ext = ".pdf"
            elif ev.is_video:
                ext = media.EXTENSIONS.get(ev.media_type, ".mp4")
            else:
                fmt, ext = render.export_format(ev.media_type)
            dest = free_path(folder, stem, ext)
            # The copy is the user's own file, created as any program creates one: 0666 less the umask
            # (usually 0644). mkstemp would leave it private (0600), and replacing keeps that mode.
            tmp = folder / f".export-{os.urandom(8).hex()}{ext}"
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666))
            try:
                if ev.is_pdf:
                    with blob.open("rb") as src, tmp.open("wb") as out:
                        while chunk := src.read(1 << 20):
                            out.write(chunk)
                elif ev.is_video:
                    render.remux_without_metadata(blob, tmp, ev.media_type)
                else:
                    im = render.render(blob, ev.media_type, marks=ev.marks, rotation=ev.rotation)
                    tmp.write_bytes(render.encode_clean(im, fmt))
                with tmp.open("rb+") as fh:
                    os.fsync(fh.fileno())
                os.replace(tmp, dest)
                with contextlib.suppress(OSError):
                    fsync_dir(folder)
            except BaseException:
                with contextlib.suppress(OSError):
                    tmp.unlink()
                raise
        except FileNotFoundError as exc:
            if not blob.exists():
                raise DeskError(f"无法导出“{ev.original_name}”：原始文件不见了，请运行“检查数据”") from exc
            raise DeskError(f"无法导出“{ev.original_name}”：保存位置不存在") from exc
        except OSError as exc:
            log.warning("export of %s failed", ev.original_name, exc_info=True)
            raise DeskError(f"无法导出“{ev.original_name}”：{_storage_reason(exc)}") from exc
        except media.MediaUnusable as exc:
            raise DeskError(f"无法导出“{ev.original_name}”：{exc}") from exc
        except DeskError:
            raise
        except Exception as exc:
            log.error("export of %s failed", ev.original_name, exc_info=True)
            raise DeskError(f"无法导出“{ev.original_name}”：文件无法解码（{type(exc).__name__}）") from exc
        return dest

    def open_copy(self, evidence_id: EvidenceId) -> Path:
        """A copy of the original under its own name (with the right extension), for the system viewer.

        Originals are stored under their SHA-256 without an extension, which no viewer can open.
        The copy lives in the cache folder (a hard link where possible: no extra space), read-only.
        """
        ev = self.get(evidence_id)
        blob = self._store.path_for(ev.sha256)
        ext = media.EXTENSIONS.get(ev.media_type, "")
        stem = _safe_stem(ev.original_name) or f"证据{ev.id}"
        folder = self._thumbs.parent / "open" / ev.sha256[:16]
        dest = folder / f"{stem}{ext}"
        if dest.is_file():
            return dest
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".{ev.sha256[:16]}.{threading.get_ident()}.tmp"
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            try:
                os.link(blob, tmp)
            except OSError:
                with blob.open("rb") as src, tmp.open("wb") as out:
                    while chunk := src.read(1 << 20):
                        out.write(chunk)
                with contextlib.suppress(OSError):
                    os.chmod(tmp, 0o444)
            os.replace(tmp, dest)
        except FileNotFoundError as exc:
            raise DeskError(f"“{ev.original_name}”的原始文件不见了，请运行“检查数据”") from exc
        except OSError as exc:
            raise DeskError(f"无法打开“{ev.original_name}”：{_storage_reason(exc)}") from exc
        return dest

    def _thumb_path(self, sha256: str) -> Path:
        return self._thumbs / sha256[:2] / f"{sha256}-{media.THUMB_SIZE}.jpg"

    def _save_thumb_bytes(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)

    # -- helpers ----------------------------------------------------------------------------
    def _require_case(self, case_id: CaseId) -> None:
        with self._sessions() as s:
            if s.get(m.Case, case_id) is None:
                raise NotFound(f"售后记录 #{case_id} 不存在（可能已被删除）")

    def _case_shas(self, case_id: CaseId) -> set[str]:
        with self._sessions() as s:
            return set(s.scalars(select(m.Evidence.sha256).where(m.Evidence.case_id == case_id)))

    def _remove_blob_if_orphan(self, sha256: str, *, retire: bool = False) -> None:
        """retire: a committed row named the blob, so a running backup may still want it (see BlobStore.remove)."""
        with self._sessions() as s:
            used = s.scalar(select(m.Evidence.id).where(m.Evidence.sha256 == sha256).limit(1))
        if used is None:
            if retire:
                self._store.remove(sha256)
            else:
                self._store.delete_now(sha256)
            with contextlib.suppress(OSError):
                self._thumb_path(sha256).unlink()
            shutil.rmtree(self._thumbs.parent / "open" / sha256[:16], ignore_errors=True)


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


def _file_time(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except (OSError, ValueError, OverflowError):
        return None


def _jpeg(im: Image.Image) -> bytes:
    """A thumbnail for the cache: pixels only, no optimisation pass (it is rebuilt if lost)."""
    buf = io.BytesIO()
    (im if im.mode in ("RGB", "L") else im.convert("RGB")).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def _new_evidence(evidence_id: int, row: dict[str, Any]) -> EvidenceData:
    """The data of a row just inserted from `row` (no marks or key frames yet)."""
    # convert.evidence reads attributes; the inserted values are exactly what a fresh row holds.
    return convert.evidence(cast(m.Evidence, SimpleNamespace(id=evidence_id, **row)), marks=(), frames=())


def _kind_event(
    ev: m.Evidence, old: EvidenceKind, new: EvidenceKind, now: datetime, *, detail: str = ""
) -> m.Event:
    return m.Event(
        case_id=ev.case_id,
        at=now,
        kind=EventKind.FIELD_CHANGED,
        field="evidence.kind",
        old=str(old),
        new=str(new),
        detail=f"{detail}｜{ev.original_name}" if detail else ev.original_name,
    )


_ITEM_TIMES = ("captured_at", "imported_at")
_ITEM_PLAIN = (
    "sha256",
    "original_name",
    "media_type",
    "width",
    "height",
    "byte_size",
    "caption",
    "position",
    "page_count",
    "animated",
    "duration_ms",
    "weight_grams",
    "rotation",
    "kind_confirmed",
)


def _encode_item(e: EvidenceData, case_created: datetime) -> dict[str, Any]:
    """A removed item as an undo payload entry: every column, its marks and key frames."""
    out: dict[str, Any] = {"id": e.id, "case": e.case_id, "case_created": undo_log.encode(case_created)}
    out["kind"] = e.kind.name
    out.update({key: getattr(e, key) for key in _ITEM_PLAIN})
    out.update({key: undo_log.encode(getattr(e, key)) for key in _ITEM_TIMES})
    out["marks"] = [[mk.shape.name, mk.x0, mk.y0, mk.x1, mk.y1, mk.text] for mk in e.marks]
    out["key_frames"] = list(e.key_frames)
    return out


def _decode_item(item: dict[str, Any]) -> EvidenceData:
    imported_at = undo_log.decode_time(item["imported_at"])
    assert imported_at is not None
    return EvidenceData(
        id=EvidenceId(int(item["id"])),
        case_id=CaseId(int(item["case"])),
        kind=EvidenceKind[item["kind"]],
        captured_at=undo_log.decode_time(item.get("captured_at")),
        imported_at=imported_at,
        marks=tuple(
            Mark(MarkShape[shape], x0, y0, x1, y1, text) for shape, x0, y0, x1, y1, text in item["marks"]
        ),
        key_frames=tuple(int(t) for t in item["key_frames"]),
        **{key: item[key] for key in _ITEM_PLAIN},
    )


def _too_large(size: int, limit: int) -> str:
    return f"文件太大（{size / 1024 / 1024:.1f} MB），上限 {limit // 1024 // 1024} MB"


def _storage_reason(exc: BaseException) -> str:
    errno = getattr(exc, "errno", None)
    if errno == 28:
        return "磁盘空间已满，未能保存"
    if isinstance(exc, PermissionError) or errno == 30:
        return "证据文件夹没有写入权限（只读），未能保存"
    return f"保存失败（{getattr(exc, 'strerror', None) or exc}）"


def _db_reason(exc: BaseException | None) -> str:
    text = str(getattr(exc, "orig", None) or exc or "").lower()
    if "full" in text or "no space" in text:
        return "磁盘空间已满，未能保存"
    if "locked" in text or "busy" in text:
        return "数据库正被其他程序占用，未能保存，请稍后再试"
    if "readonly" in text or "read-only" in text:
        return "数据库是只读的，未能保存"
    return f"保存记录失败（{type(exc).__name__}），详情已写入日志"


def _grams(value: int | None) -> str:
    return "" if value is None else f"{value} 克"


def _marks_summary(shapes: Sequence[MarkShape]) -> str:
    redactions = sum(1 for s in shapes if s == MarkShape.REDACT)
    others = len(shapes) - redactions
    parts = []
    if redactions:
        parts.append(f"遮挡 {redactions} 处")
    if others:
        parts.append(f"标注 {others} 处")
    return "，".join(parts) or "无"


def _safe_stem(name: str) -> str:
    from desk.names import safe_filename

    stem = Path(name).stem if "." in name else name
    # No control or direction characters (U+202E would make "gpj.exe" read as "exe.jpg"), no characters
    # or device names Windows refuses (CON, NUL, COM1 …), and at most 200 bytes: room for "-2" and the
    # extension within 255.
    return safe_filename(stem, fallback="", max_bytes=200)


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


def _pdf_placeholder(pages: int | None) -> Image.Image:
    from PIL import ImageDraw

    im = Image.new("RGB", (192, 256), (245, 245, 240))
    d = ImageDraw.Draw(im)
    d.rectangle((8, 8, 183, 247), outline=(180, 60, 60), width=3)
    d.text((70, 110), "PDF", fill=(180, 60, 60))
    if pages:
        d.text((70, 135), f"{pages} p", fill=(90, 90, 90))
    return im


def _broken_placeholder() -> Image.Image:
    from PIL import ImageDraw

    im = Image.new("RGB", (256, 192), (240, 240, 240))
    ImageDraw.Draw(im).line((0, 0, 255, 191), fill=(200, 0, 0), width=3)
    return im
