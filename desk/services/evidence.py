"""Evidence files and edits: listing, kinds, captions, marks, key frames, order, removal and undo.

EvidenceService is the one entry for evidence; it hands imports to evidence_import (the verified,
parallel import pipeline) and thumbnails, previews and copies to evidence_pictures.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from desk.db import models as m
from desk.db.models_orders import WeightRecord
from desk.db.types import utcnow
from desk.domain import (
    CaseId,
    Changes,
    EventKind,
    EvidenceData,
    EvidenceId,
    EvidenceKind,
    ImportReport,
    Mark,
    MarkShape,
)
from desk.errors import NotFound, ValidationFailed
from desk.progress import Cancel, Progress
from desk.recognition.redaction import remember_removed
from desk.services import convert
from desk.services import undo as undo_log
from desk.services.cases import clean_text
from desk.services.events import new_event
from desk.services.evidence_common import jpeg as _jpeg  # noqa: F401  (bench/bench_evidence.py uses it)
from desk.services.evidence_common import remove_blob_if_orphan
from desk.services.evidence_import import (
    DECODE_IN_MEMORY,
    IMPORT_BATCH,
    IMPORT_BATCH_SECONDS,
    SKIPPED_SUFFIXES,
    EvidenceImporter,
    display_name,
    expand_paths,
    import_workers,
    suggest_kind,
)
from desk.services.evidence_pictures import EvidencePictures
from desk.services.undo import UndoConflict, UndoOp
from desk.store import media, render
from desk.store.blobstore import BlobStore

# The import's names stay importable from here, where callers have always found them.
__all__ = [
    "DECODE_IN_MEMORY",
    "IMPORT_BATCH",
    "IMPORT_BATCH_SECONDS",
    "KEEP",
    "MAX_CAPTION",
    "MAX_KEY_FRAMES",
    "MAX_WEIGHT_GRAMS",
    "SKIPPED_SUFFIXES",
    "EvidenceService",
    "display_name",
    "expand_paths",
    "import_workers",
    "suggest_kind",
]

log = logging.getLogger(__name__)

MAX_CAPTION = 500
MAX_WEIGHT_GRAMS = 1_000_000  # one tonne: anything above is a typing error
MAX_KEY_FRAMES = 20


class _Keep(enum.Enum):
    KEEP = 0


KEEP = _Keep.KEEP


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
        self._importer = EvidenceImporter(
            sessions, store, thumbnails_dir, workers=workers or import_workers()
        )
        self._pictures = EvidencePictures(store, thumbnails_dir)
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

        With `folders`, a folder stands for the files inside it (see expand_paths). `kind` is the
        operator's choice for every file; without it the kind is a guess (`suggest`, else from the file
        name) that the operator confirms later. How the files are read and stored: evidence_import.
        """
        return self._importer.import_files(
            case_id, paths, kind=kind, suggest=suggest, folders=folders, progress=progress, cancel=cancel
        )

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
        return self._importer.import_bytes(case_id, data, name, kind=kind, suggest=suggest)

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
        stated_time: datetime | _Keep | None = KEEP,
    ) -> Changes:
        """Edit what the operator may edit. Choosing a kind (even the same one) confirms it."""
        with self._sessions.begin() as s:
            ev = s.get(m.Evidence, evidence_id)
            if ev is None:
                raise NotFound(f"证据 #{evidence_id} 不存在（可能已被删除）")
            now = utcnow()

            def event(field: str, old: object, new: object) -> None:
                s.add(
                    new_event(
                        ev.case_id,
                        EventKind.FIELD_CHANGED,
                        at=now,
                        field=field,
                        old=old,
                        new=new,
                        data={"evidence": ev.original_name},
                    )
                )

            if kind is not None:
                if EvidenceKind(kind) != ev.kind:
                    event("evidence.kind", ev.kind, EvidenceKind(kind))
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
                    event("evidence.weight", ev.weight_grams, grams)
                    ev.weight_grams = grams
            if rotation is not None:
                ev.rotation = rotation % 360 // 90 * 90
            if not isinstance(stated_time, _Keep):
                # The operator read the time off the picture (a screenshot's clock): shown as stated by the
                # shop. Clearing it leaves the picture's own metadata time, if it had one, to a re-import.
                if stated_time is not None and stated_time.tzinfo is None:
                    raise ValidationFailed("标注的拍摄时间缺少时区")
                if ev.captured_source == "metadata" and stated_time is not None:
                    raise ValidationFailed("这张图片自带拍摄时间，不能另外标注")
                old = ev.captured_at if ev.captured_source == "stated" else None
                if stated_time != old:
                    event("evidence.stated_time", old, stated_time)
                ev.captured_at = stated_time if stated_time is not None else None
                ev.captured_source = "stated" if stated_time is not None else ""
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
            # A proposed black box the operator deleted is remembered (as a KEPT mark), never proposed again.
            before = [Mark(MarkShape(x.shape), x.x0, x.y0, x.x1, x.y1, x.text) for x in ev.marks]
            cleaned = list(remember_removed(before, cleaned))
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
                    new_event(
                        ev.case_id,
                        EventKind.FIELD_CHANGED,
                        field="evidence.marks",
                        old=old,
                        new=new,
                        data={"evidence": ev.original_name},
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
                    new_event(
                        case_id,
                        EventKind.EVIDENCE_REMOVED,
                        field="evidence",
                        old=ev.original_name,
                        data={"kind": ev.kind, "sha256_prefix": ev.sha256[:12]},
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
            # Its old place is usually free (removing leaves a gap); only a place taken since (a reorder,
            # an import) makes room by moving what is there and after it on by one. Moving on always put
            # pictures restored together out of order (2 and 4 of 1–4 came back as 1, 2, 4, 3).
            if s.scalar(
                select(m.Evidence.id).where(
                    m.Evidence.case_id == item.case_id, m.Evidence.position == item.position
                )
            ):
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
                captured_source=item.captured_source,
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
                new_event(
                    item.case_id,
                    EventKind.EVIDENCE_ADDED,
                    field="evidence",
                    new=item.original_name,
                    data={"kind": item.kind, "sha256_prefix": item.sha256[:12], "reason": "undo_remove"},
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

    def move_to_case(self, evidence_ids: Sequence[EvidenceId], case_id: CaseId) -> Changes:
        """Move items to another case in one transaction, undoably (UndoOp.EVIDENCE_MOVE): a picture
        filed under the wrong case (its waybill is another case's). They go to the end of that case's
        gallery in the order they had; kind, caption, marks, redactions and key frames go with them, and
        the originals are not touched (the same content, only the case it belongs to changes).

        Refused, with nothing changed: a missing or trashed case, the case the items are in already, an
        unknown item, a picture that case already holds, or one that is the source of a weight recorded in
        its case (that weight would then cite another case's picture).
        """
        ids = list(dict.fromkeys(evidence_ids))
        if not ids:
            return Changes()
        now = utcnow()
        with self._sessions.begin() as s:
            target = s.get(m.Case, case_id, with_for_update=True)
            if target is None:
                raise NotFound(f"售后记录 #{case_id} 不存在（可能已被彻底删除），证据没有移动")
            if target.deleted_at is not None:
                raise ValidationFailed(f"售后记录 #{case_id} 在回收站里，不能把证据移过去；请先恢复它")
            items: list[m.Evidence] = []
            for evidence_id in ids:
                ev = s.get(m.Evidence, evidence_id, with_for_update=True)
                if ev is None:
                    raise NotFound(f"证据 #{evidence_id} 不存在（可能已被删除）")
                if ev.case_id == target.id:
                    raise ValidationFailed(f"证据 #{ev.id}（{ev.original_name}）已在售后 #{case_id} 中")
                items.append(ev)
            held = dict(
                s.execute(
                    select(m.Evidence.sha256, m.Evidence.id).where(
                        m.Evidence.case_id == target.id, m.Evidence.sha256.in_([e.sha256 for e in items])
                    )
                ).all()
            )
            moving: dict[str, int] = {}
            for ev in items:  # a case holds a picture once
                if ev.sha256 in held:
                    raise ValidationFailed(
                        f"售后 #{case_id} 已有同一张图片（证据 #{held[ev.sha256]}），"
                        f"证据 #{ev.id}（{ev.original_name}）没有移动"
                    )
                if ev.sha256 in moving:
                    raise ValidationFailed(
                        f"证据 #{moving[ev.sha256]} 和 #{ev.id} 是同一张图片，不能都移到售后 #{case_id}"
                    )
                moving[ev.sha256] = ev.id
            weighed = s.execute(
                select(WeightRecord.evidence_id, WeightRecord.kind, WeightRecord.grams)
                .where(WeightRecord.evidence_id.in_(ids))
                .order_by(WeightRecord.id)
            ).first()
            if weighed is not None:
                ev = next(e for e in items if e.id == weighed.evidence_id)
                raise ValidationFailed(
                    f"售后 #{ev.case_id} 的称重记录（{weighed.kind} {weighed.grams} 克）来自证据 #{ev.id}"
                    f"（{ev.original_name}），图片没有移动；请先删除或改掉这条称重记录"
                )
            end = s.scalar(select(func.max(m.Evidence.position)).where(m.Evidence.case_id == target.id))
            position = -1 if end is None else end
            steps: list[dict[str, Any]] = []
            sources: set[CaseId] = set()
            for ev in sorted(items, key=lambda e: (e.case_id, e.position, e.id)):
                source = ev.case
                steps.append(
                    {
                        "id": ev.id,
                        "case": ev.case_id,
                        "case_created": undo_log.encode(source.created_at),
                        "sha256": ev.sha256,
                        "position": ev.position,
                    }
                )
                s.add(_move_event(ev, EventKind.EVIDENCE_REMOVED, ev.case_id, now, to_case=target.id))
                s.add(_move_event(ev, EventKind.EVIDENCE_ADDED, target.id, now, from_case=ev.case_id))
                sources.add(CaseId(ev.case_id))
                source.updated_at = now
                position += 1
                ev.case_id = target.id
                ev.position = position
            target.updated_at = now
            undo_log.record(
                s,
                UndoOp.EVIDENCE_MOVE,
                {"to": target.id, "to_created": undo_log.encode(target.created_at), "items": steps},
            )
        return Changes(cases=frozenset({*sources, case_id}), evidence=frozenset(EvidenceId(i) for i in ids))

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
                    s.add(_kind_event(ev, ev.kind, before, now, reason="undo_kind"))
                ev.kind = before
                ev.kind_confirmed = bool(item["confirmed"])
                changed.add(EvidenceId(ev.id))
            return Changes(
                cases=frozenset(CaseId(int(i["case"])) for i in items), evidence=frozenset(changed)
            )
        if op == UndoOp.EVIDENCE_MOVE:
            return self._move_back(s, payload, items)
        raise ValueError(f"not an evidence operation: {op}")

    @staticmethod
    def _move_back(s: Session, payload: dict[str, Any], items: Sequence[dict[str, Any]]) -> Changes:
        """Undo of a move: each item back in its case, at its place there."""
        to = int(payload["to"])
        target = s.get(m.Case, to, with_for_update=True)
        if not undo_log.case_identity(target, payload, key="to_created"):
            raise UndoConflict(f"售后记录 #{to} 已被彻底删除")
        assert target is not None
        now = utcnow()
        for item in sorted(items, key=lambda i: int(i["position"])):
            ev = s.get(m.Evidence, int(item["id"]), with_for_update=True)
            if ev is None or ev.sha256 != item["sha256"]:
                raise UndoConflict(f"证据 #{item['id']} 已被删除")
            if ev.case_id != to:
                raise UndoConflict(f"证据“{ev.original_name}”之后又被移到了售后 #{ev.case_id}")
            home = int(item["case"])
            if s.scalar(
                select(m.Evidence.id).where(m.Evidence.case_id == home, m.Evidence.sha256 == ev.sha256)
            ):
                raise UndoConflict(f"售后 #{home} 之后又导入了同一张图片“{ev.original_name}”")
            # Its old place: the case keeps the gap the move left (nothing renumbers it), so only a place
            # taken since (a reorder, an import) makes room, by moving what is there and after it on by one.
            at = int(item["position"])
            if s.scalar(select(m.Evidence.id).where(m.Evidence.case_id == home, m.Evidence.position == at)):
                for other in s.scalars(
                    select(m.Evidence).where(m.Evidence.case_id == home, m.Evidence.position >= at)
                ):
                    other.position += 1
            s.add(_move_event(ev, EventKind.EVIDENCE_REMOVED, to, now, to_case=home, reason="undo_move"))
            s.add(_move_event(ev, EventKind.EVIDENCE_ADDED, home, now, from_case=to, reason="undo_move"))
            ev.case_id = home
            ev.position = at
            case = s.get(m.Case, home)
            if case is not None:  # checked by reverse(): it is there
                case.updated_at = now
            s.flush()  # the next item's places count this one
        target.updated_at = now
        return Changes(
            cases=frozenset({CaseId(to), *(CaseId(int(i["case"])) for i in items)}),
            evidence=frozenset(EvidenceId(int(i["id"])) for i in items),
        )

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
        return self._pictures.thumbnail_for(evidence)

    def preview(self, evidence: EvidenceData, *, max_side: int = 2048, at_ms: int | None = None) -> bytes:
        """The picture for the viewer: upright, fitting max_side, without marks or rotation (JPEG/PNG)."""
        return self._pictures.preview(evidence, max_side=max_side, at_ms=at_ms)

    def export_copy(self, evidence_id: EvidenceId, folder: Path) -> Path:
        """Write a copy for sending elsewhere: marks and rotation applied, no EXIF/GPS or other metadata.

        Pictures are re-encoded (PNG for screenshots, JPEG for photos); videos are re-packed
        without their metadata (GPS, device); PDFs are copied as they are. Never overwrites a file.
        """
        return self._pictures.export_copy(self.get(evidence_id), folder)

    def open_copy(self, evidence_id: EvidenceId) -> Path:
        """A copy of the original under its own name (with the right extension), for the system viewer.

        Originals are stored under their SHA-256 without an extension, which no viewer can open.
        The copy lives in the cache folder (a hard link where possible: no extra space), read-only.
        """
        return self._pictures.open_copy(self.get(evidence_id))

    # -- helpers ----------------------------------------------------------------------------
    def _remove_blob_if_orphan(self, sha256: str, *, retire: bool = False) -> None:
        remove_blob_if_orphan(self._sessions, self._store, self._thumbs, sha256, retire=retire)


def _kind_event(
    ev: m.Evidence, old: EvidenceKind, new: EvidenceKind, now: datetime, *, reason: str = ""
) -> m.Event:
    data = {"evidence": ev.original_name, **({"reason": reason} if reason else {})}
    return new_event(
        ev.case_id, EventKind.FIELD_CHANGED, at=now, field="evidence.kind", old=old, new=new, data=data
    )


def _move_event(
    ev: m.Evidence,
    kind: EventKind,
    case_id: int,
    now: datetime,
    *,
    to_case: int | None = None,
    from_case: int | None = None,
    reason: str = "",
) -> m.Event:
    """A move on one case's timeline: the picture left it (to_case) or came in (from_case); the words
    are desk.labels.describe_event's."""
    data: dict[str, Any] = {"kind": ev.kind, "sha256_prefix": ev.sha256[:12]}
    if to_case is not None:
        data["to_case"] = to_case
    if from_case is not None:
        data["from_case"] = from_case
    if reason:
        data["reason"] = reason
    name = ev.original_name
    if kind == EventKind.EVIDENCE_REMOVED:
        return new_event(case_id, kind, at=now, field="evidence", old=name, data=data)
    return new_event(case_id, kind, at=now, field="evidence", new=name, data=data)


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
    "captured_source",
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
        # Steps written before a column existed lack it: the data's default stands.
        **{key: item[key] for key in _ITEM_PLAIN if key in item},
    )


def _marks_summary(shapes: Sequence[MarkShape]) -> str:
    """Redactions and other marks, counted: "2,1" (desk.labels puts it into words)."""
    redactions = sum(1 for s in shapes if s == MarkShape.REDACT)
    return f"{redactions},{len(shapes) - redactions}"
