"""Evidence: verified import into the blob store, metadata, thumbnails, removal."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image
from sqlalchemy import func, select
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
)
from desk.errors import EvidenceRejected, NotFound, ValidationFailed
from desk.faults import crashpoint
from desk.services import convert
from desk.services.cases import clean_text
from desk.store import media
from desk.store.blobstore import BlobStore, StagedBlob, TooLarge

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]

MAX_CAPTION = 500


def display_name(path: Path) -> str:
    # The name exactly as the file system gave it (NFC or NFD alike): it is evidence too.
    return path.name or str(path)


class EvidenceService:
    def __init__(self, sessions: sessionmaker[Session], store: BlobStore, thumbnails_dir: Path) -> None:
        self._sessions = sessions
        self._store = store
        self._thumbs = thumbnails_dir
        self._thumb_lock = threading.Lock()

    # -- reads ------------------------------------------------------------------------------
    def list(self, case_id: CaseId) -> list[EvidenceData]:
        with self._sessions() as s:
            rows = s.scalars(
                select(m.Evidence)
                .where(m.Evidence.case_id == case_id)
                .order_by(m.Evidence.position, m.Evidence.id)
            )
            return [convert.evidence(e) for e in rows]

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
        progress: Progress | None = None,
        cancel: Cancel | None = None,
    ) -> ImportReport:
        """Import each file on its own; bad files are reported and skipped, never half-stored."""
        self._require_case(case_id)
        added: list[EvidenceData] = []
        duplicates: list[str] = []
        rejected: list[ImportRejected] = []
        total = len(paths)
        cancelled = False
        for i, raw in enumerate(paths):
            if cancel is not None and cancel():
                cancelled = True
                break
            path = Path(raw)
            name = display_name(path)
            if progress is not None:
                progress(i, total, name)
            try:
                staged = self._stage_path(path, name)
                result = self._finish(case_id, staged, name, kind, self._file_time(path))
            except EvidenceRejected as exc:
                rejected.append(ImportRejected(name, exc.reason))
                continue
            if result is None:
                duplicates.append(name)
            else:
                added.append(result)
        if progress is not None and not cancelled:
            progress(total, total, "")
        return _report(case_id, added, duplicates, rejected, cancelled)

    def import_bytes(
        self, case_id: CaseId, data: bytes, name: str, *, kind: EvidenceKind | None = None
    ) -> ImportReport:
        """Import image data that came without a file (a pasted screenshot, a dragged picture)."""
        self._require_case(case_id)
        try:
            if len(data) > media.MAX_IMAGE_BYTES:
                raise EvidenceRejected(name, _too_large(len(data), media.MAX_IMAGE_BYTES))
            staged = self._store.stage_bytes(data)
            result = self._finish(case_id, staged, name, kind, None)
        except EvidenceRejected as exc:
            return _report(case_id, [], [], [ImportRejected(name, exc.reason)], False)
        if result is None:
            return _report(case_id, [], [name], [], False)
        return _report(case_id, [result], [], [], False)

    def _stage_path(self, path: Path, name: str) -> StagedBlob:
        try:
            return self._store.stage_file(path, media.MAX_IMAGE_BYTES)
        except FileNotFoundError as exc:
            raise EvidenceRejected(name, "文件不存在（可能已被移动或删除）") from exc
        except IsADirectoryError as exc:
            raise EvidenceRejected(name, "这是文件夹，不是文件") from exc
        except PermissionError as exc:
            raise EvidenceRejected(name, "没有读取权限") from exc
        except TooLarge as exc:
            raise EvidenceRejected(name, _too_large(int(exc.args[0]), media.MAX_IMAGE_BYTES)) from exc
        except OSError as exc:
            log.warning("cannot read %s", path, exc_info=True)
            if exc.errno is not None and exc.errno == 28:
                raise EvidenceRejected(name, "磁盘空间已满，未能保存") from exc
            raise EvidenceRejected(name, f"无法读取文件（{exc.strerror or exc}）") from exc

    def _finish(
        self,
        case_id: CaseId,
        staged: StagedBlob,
        name: str,
        kind: EvidenceKind | None,
        file_time: datetime | None,
    ) -> EvidenceData | None:
        """Verify a staged blob, store it, then commit its row; on any failure nothing remains."""
        created = False
        try:
            media_type = media.sniff(staged.head)
            if media_type is None:
                raise EvidenceRejected(name, media.describe_unknown(staged.head))
            if media_type == "application/pdf" and staged.size > media.MAX_PDF_BYTES:
                raise EvidenceRejected(name, _too_large(staged.size, media.MAX_PDF_BYTES))
            try:
                info = media.probe(staged.tmp_path, media_type)
            except media.MediaUnusable as exc:
                raise EvidenceRejected(name, str(exc)) from exc
            if self._in_case(case_id, staged.sha256):
                self._store.discard(staged)
                return None
            created = self._store.commit(staged)
            self._write_thumbnail(staged.sha256, info)
            return self._insert(case_id, staged, name, kind, info, file_time)
        except EvidenceRejected:
            self._store.discard(staged)
            if created:
                self._remove_blob_if_orphan(staged.sha256)
            raise
        except IntegrityError:
            # The same content was added to this case by a parallel import: a duplicate, not an error.
            self._store.discard(staged)
            return None
        except OSError as exc:
            self._store.discard(staged)
            if created:
                self._remove_blob_if_orphan(staged.sha256)
            log.error("storing %s failed", name, exc_info=True)
            if exc.errno == 28:
                reason = "磁盘空间已满，未能保存"
            elif isinstance(exc, PermissionError) or exc.errno == 30:
                reason = "证据文件夹没有写入权限（只读），未能保存"
            else:
                reason = f"保存失败（{exc.strerror or exc}）"
            raise EvidenceRejected(name, reason) from exc
        except Exception:
            self._store.discard(staged)
            if created:
                self._remove_blob_if_orphan(staged.sha256)
            raise

    def _insert(
        self,
        case_id: CaseId,
        staged: StagedBlob,
        name: str,
        kind: EvidenceKind | None,
        info: media.MediaInfo,
        file_time: datetime | None,
    ) -> EvidenceData:
        chosen = kind or suggest_kind(name, info.media_type)
        with self._sessions.begin() as s:
            case = s.get(m.Case, case_id)
            if case is None:
                raise EvidenceRejected(name, "对应的售后记录已不存在")
            last = s.scalar(select(func.max(m.Evidence.position)).where(m.Evidence.case_id == case_id))
            now = utcnow()
            ev = m.Evidence(
                case_id=case_id,
                kind=chosen,
                sha256=staged.sha256,
                original_name=clean_text(name),
                media_type=info.media_type,
                width=info.width,
                height=info.height,
                page_count=info.page_count,
                byte_size=staged.size,
                caption="",
                captured_at=info.captured_at or file_time,
                imported_at=now,
                position=(last if last is not None else -1) + 1,
            )
            s.add(ev)
            s.add(
                m.Event(
                    case_id=case_id,
                    at=now,
                    kind=EventKind.EVIDENCE_ADDED,
                    field="evidence",
                    new=clean_text(name),
                    detail=f"{chosen}｜SHA-256 {staged.sha256[:12]}",
                )
            )
            case.updated_at = now
            s.flush()
            crashpoint("evidence-before-commit")
            data = convert.evidence(ev)
        crashpoint("evidence-after-commit")
        return data

    # -- edits ------------------------------------------------------------------------------
    def update(
        self, evidence_id: EvidenceId, *, kind: EvidenceKind | None = None, caption: str | None = None
    ) -> Changes:
        with self._sessions.begin() as s:
            ev = s.get(m.Evidence, evidence_id)
            if ev is None:
                raise NotFound(f"证据 #{evidence_id} 不存在（可能已被删除）")
            now = utcnow()
            if kind is not None and EvidenceKind(kind) != ev.kind:
                s.add(
                    m.Event(
                        case_id=ev.case_id,
                        at=now,
                        kind=EventKind.FIELD_CHANGED,
                        field="evidence.kind",
                        old=str(ev.kind),
                        new=str(EvidenceKind(kind)),
                        detail=ev.original_name,
                    )
                )
                ev.kind = EvidenceKind(kind)
            if caption is not None:
                caption = clean_text(caption).strip()
                if len(caption) > MAX_CAPTION:
                    raise ValidationFailed(f"说明文字太长（上限 {MAX_CAPTION} 个字符）")
                if caption != ev.caption:
                    s.add(
                        m.Event(
                            case_id=ev.case_id,
                            at=now,
                            kind=EventKind.FIELD_CHANGED,
                            field="evidence.caption",
                            old=ev.caption,
                            new=caption,
                            detail=ev.original_name,
                        )
                    )
                    ev.caption = caption
            case_id = CaseId(ev.case_id)
        return Changes(cases=frozenset({case_id}), evidence=frozenset({evidence_id}))

    def move(self, evidence_id: EvidenceId, new_position: int) -> Changes:
        """Put an item at a new place in its case's gallery (0 = first)."""
        with self._sessions.begin() as s:
            ev = s.get(m.Evidence, evidence_id)
            if ev is None:
                raise NotFound(f"证据 #{evidence_id} 不存在")
            items = list(
                s.scalars(
                    select(m.Evidence)
                    .where(m.Evidence.case_id == ev.case_id)
                    .order_by(m.Evidence.position, m.Evidence.id)
                )
            )
            items.remove(ev)
            items.insert(max(0, min(new_position, len(items))), ev)
            for pos, item in enumerate(items):
                item.position = pos
            case_id = CaseId(ev.case_id)
        return Changes(cases=frozenset({case_id}), evidence=frozenset(EvidenceId(i.id) for i in items))

    def remove(self, evidence_id: EvidenceId) -> Changes:
        """Remove the item from its case; the blob goes only when no case uses it any more."""
        with self._sessions.begin() as s:
            ev = s.get(m.Evidence, evidence_id)
            if ev is None:
                raise NotFound(f"证据 #{evidence_id} 不存在（可能已被删除）")
            sha, case_id = ev.sha256, CaseId(ev.case_id)
            s.add(
                m.Event(
                    case_id=case_id,
                    kind=EventKind.EVIDENCE_REMOVED,
                    field="evidence",
                    old=ev.original_name,
                    detail=f"{ev.kind}｜SHA-256 {sha[:12]}",
                )
            )
            s.delete(ev)
            case = s.get(m.Case, case_id)
            if case is not None:
                case.updated_at = utcnow()
        self._remove_blob_if_orphan(sha)
        return Changes(cases=frozenset({case_id}), evidence=frozenset({evidence_id}))

    # -- thumbnails -------------------------------------------------------------------------
    def thumbnail(self, evidence_id: EvidenceId, size: int = media.THUMB_SIZE) -> Path:
        """A cached JPEG thumbnail (orientation applied); made on first use, keyed by content."""
        ev = self.get(evidence_id)
        path = self._thumb_path(ev.sha256)
        if path.is_file():
            return path
        if ev.media_type == "application/pdf":
            thumb = _pdf_placeholder(ev.page_count)
        else:
            try:
                info = media.probe(self._store.path_for(ev.sha256), ev.media_type)
            except media.MediaUnusable:
                info = None
            thumb = (
                info.thumbnail if info is not None and info.thumbnail is not None else _broken_placeholder()
            )
        self._save_thumb(path, thumb)
        return path

    def _thumb_path(self, sha256: str) -> Path:
        return self._thumbs / sha256[:2] / f"{sha256}-{media.THUMB_SIZE}.jpg"

    def _write_thumbnail(self, sha256: str, info: media.MediaInfo) -> None:
        path = self._thumb_path(sha256)
        if path.is_file():
            return
        thumb = info.thumbnail if info.thumbnail is not None else _pdf_placeholder(info.page_count)
        try:
            self._save_thumb(path, thumb)
        except OSError:
            # The cache is rebuilt on demand; failing to write it must not fail an import.
            log.warning("thumbnail cache write failed for %s", sha256, exc_info=True)

    def _save_thumb(self, path: Path, image: Image.Image) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        image.convert("RGB").save(tmp, "JPEG", quality=85)
        os.replace(tmp, path)

    # -- helpers ----------------------------------------------------------------------------
    def _require_case(self, case_id: CaseId) -> None:
        with self._sessions() as s:
            if s.get(m.Case, case_id) is None:
                raise NotFound(f"售后记录 #{case_id} 不存在（可能已被删除）")

    def _in_case(self, case_id: CaseId, sha256: str) -> bool:
        with self._sessions() as s:
            found = s.scalar(
                select(m.Evidence.id).where(m.Evidence.case_id == case_id, m.Evidence.sha256 == sha256)
            )
            return found is not None

    def _remove_blob_if_orphan(self, sha256: str) -> None:
        with self._sessions() as s:
            used = s.scalar(select(m.Evidence.id).where(m.Evidence.sha256 == sha256).limit(1))
        if used is None:
            self._store.remove(sha256)
            with contextlib.suppress(OSError):
                self._thumb_path(sha256).unlink()

    @staticmethod
    def _file_time(path: Path) -> datetime | None:
        try:
            return datetime.fromtimestamp(path.stat().st_mtime, UTC)
        except OSError:
            return None


def suggest_kind(name: str, media_type: str) -> EvidenceKind:
    """A first guess from the file name; the operator confirms or changes it."""
    lowered = name.lower()
    rules: list[tuple[tuple[str, ...], EvidenceKind]] = [
        (("复称",), EvidenceKind.REWEIGH),
        (("内网", "快递重量", "揽收"), EvidenceKind.COURIER_WEIGHT),
        (("称重", "weigh", "scale"), EvidenceKind.WAREHOUSE_WEIGHT),
        (("聊天", "chat", "截图", "screenshot", "微信图片", "qq图片"), EvidenceKind.CHAT),
        (("面单", "label", "合照"), EvidenceKind.GOODS_WITH_LABEL),
        (("运费", "freight"), EvidenceKind.FREIGHT_VOUCHER),
        (("物流", "凭证", "logistics"), EvidenceKind.LOGISTICS_VOUCHER),
        (("买家", "buyer"), EvidenceKind.BUYER_PHOTO),
    ]
    for words, kind in rules:
        if any(w in lowered for w in words):
            return kind
    if media_type == "application/pdf":
        return EvidenceKind.LOGISTICS_VOUCHER
    return EvidenceKind.OTHER


def _too_large(size: int, limit: int) -> str:
    return f"文件太大（{size / 1024 / 1024:.1f} MB），上限 {limit // 1024 // 1024} MB"


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
