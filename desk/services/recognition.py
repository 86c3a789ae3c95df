"""Text in evidence pictures as the operator meets it: read after an import (in the background, never
delaying it), on first use, or by the CLI; stored for search with phone numbers masked; and offered as
suggestions that are written into the case only when the operator accepts one.

One picture at a time through one recognition worker (desk/recognition/client.py), so reading never takes
both cores from the import and the window. Readings are cached per picture content and engine
(desk/recognition/cache.py): a picture read once is never read again. Without the engine nothing is read,
and the desk says once that reading is off (``off_notice``).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from desk.db import models as m
from desk.domain import CaseData, CaseId, Changes, EvidenceData, EvidenceId, WeightKind
from desk.errors import DeskError, ValidationFailed
from desk.orders.model import WeightRecordData
from desk.privacy import mask_phones
from desk.progress import Cancel, Cancelled, Progress, stop_if_cancelled
from desk.recognition.cache import ReadingCache, read_cached
from desk.recognition.client import EngineMissing, Reader, say_missing_once
from desk.recognition.engine import engine_if_on, missing_detail, missing_message, switched_off
from desk.recognition.fields import KIND_WORDS, find_fields
from desk.recognition.types import Field, Reading
from desk.services.cases import CaseService
from desk.services.evidence import EvidenceService
from desk.services.weights import WeightService

log = logging.getLogger(__name__)

# Which weight record an accepted weight becomes. 计费 (the weight the courier billed) is the courier's own
# pickup figure in every layout seen so far; the record's note says it was the billed one.
WEIGHT_KINDS = {
    "揽收": WeightKind.COURIER_PICKUP,
    "计费": WeightKind.COURIER_PICKUP,
    "上车": WeightKind.COURIER_LOAD,
    "下车": WeightKind.COURIER_UNLOAD,
}
# The case field a number fills, by kind and label.
CASE_FIELDS = {
    ("waybill", ""): "tracking_no",
    ("order", "订单"): "order_no",
    ("order", "售后单"): "after_sales_no",
}
CASE_FIELD_WORDS = {"tracking_no": "运单号", "order_no": "订单号", "after_sales_no": "售后单号"}
# The worker yields the cores to the import and the window: reading is what may wait.
READER_NICE = 10
POLL_S = 0.1  # how often a read in progress asks whether the operator cancelled


class _Reader(Protocol):
    engine: str | None

    def read_path(self, path: Path, sha256: str) -> Reading: ...

    def cancel(self) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A value found in a picture, offered to the operator. ``key`` names it for accept_suggestion;
    ``target`` is what accepting fills ("weight:<WeightKind>", a case field, or "" for a value shown for
    reference only: money and times); ``current`` is what the case holds there now, and ``differs`` says
    the picture disagrees with it. ``elsewhere`` is the one other case whose number it is (the picture was
    filed under the wrong case), with ``elsewhere_label`` naming it ("售后 #7（买家昵称）")."""

    key: str
    kind: str
    label: str
    value: str
    unit: str
    text: str
    target: str
    current: str = ""
    differs: bool = False
    elsewhere: CaseId | None = None
    elsewhere_label: str = ""

    @property
    def acceptable(self) -> bool:
        return bool(self.target)

    @property
    def words(self) -> str:
        """How the suggestion reads: 揽收重量 1.25kg, 运单号 SF1234567890123."""
        what = (
            f"{self.label}号"
            if self.kind == "order"
            else f"{self.label}{KIND_WORDS.get(self.kind, self.kind)}"
        )
        return f"{what} {self.value}{self.unit}"


@dataclass(frozen=True, slots=True)
class PictureText:
    """What one evidence picture says: its lines as read and the suggestions found in them."""

    evidence_id: EvidenceId
    case_id: CaseId
    sha256: str
    engine: str
    lines: tuple[str, ...]
    suggestions: tuple[Suggestion, ...]
    cached: bool  # served from the cache, nothing was read


@dataclass(frozen=True, slots=True)
class Accepted:
    """What accepting a suggestion did: ``applied`` when something was written; ``differs`` when the
    picture disagrees with what the case already holds (then nothing is overwritten)."""

    suggestion: Suggestion
    applied: bool
    differs: bool
    message: str
    changes: Changes


@dataclass(frozen=True, slots=True)
class ReadSummary:
    """What a run over many pictures did."""

    read: int
    cached: int
    failed: tuple[str, ...]  # one plain sentence per picture that could not be read
    cancelled: bool = False


@dataclass(frozen=True, slots=True)
class WeightSuggestion:
    """A weight read in one of a case's pictures and not yet recorded from it, as the weight tab offers it:
    the suggestion (its ``key`` for accept_suggestion, ``differs``/``current`` against the case's records
    of that kind) with the picture it came from and the record accepting it would write."""

    evidence_id: EvidenceId
    picture_name: str
    suggestion: Suggestion
    kind: WeightKind
    grams: int

    @property
    def words(self) -> str:
        """快递揽收重量 1.25 kg · 来自 快递内网截图.png: a billed weight says so (it is recorded as the
        pickup), and one that disagrees with the records of its kind names them."""
        s = self.suggestion
        billed = "（计费重量）" if s.label == "计费" else ""
        differs = f"（记录中为 {s.current}）" if s.differs else ""
        return f"{self.kind}{billed} {s.value} {s.unit}{differs} · 来自 {self.picture_name}"


def search_text(reading: Reading) -> str:
    """The text indexed for search: the lines, phone numbers masked (a number in a picture is personal
    data; the index must not hold it in clear)."""
    return "\n".join(mask_phones(line.text) for line in reading.lines)


def _grams(value: str, unit: str) -> int:
    grams = Decimal(value) * (1 if unit == "g" else 1000)
    return int(grams.to_integral_value())


# Where another case keeps a number found in a picture, by the case field the number would fill: a waybill
# may be a case's outbound, return or reship waybill. All five columns are indexed (0017).
OWNER_COLUMNS = {
    "tracking_no": ("tracking_no", "return_tracking_no", "reship_tracking_no"),
    "order_no": ("order_no",),
    "after_sales_no": ("after_sales_no",),
}
OWNER_ROWS = 20  # cases read at most for one picture's numbers (more: no single answer)


def _in_order(suggestions: Iterable[Suggestion]) -> tuple[Suggestion, ...]:
    """Each value once (a courier page says its pickup weight in the table and again in the scan history),
    and in the order the operator needs them: the offer to move a picture filed under another case first
    (its weights are that case's), then what accepting writes, then the values shown for reference."""
    seen: set[tuple[str, str, str, str]] = set()
    unique = []
    for s in suggestions:
        key = (s.kind, s.label, s.value, s.unit)
        if key not in seen:
            seen.add(key)
            unique.append(s)
    return tuple(sorted(unique, key=lambda s: (s.elsewhere is None, not s.acceptable)))


def _owned_elsewhere(
    sessions: sessionmaker[Session], case: CaseData, suggestions: Sequence[Suggestion]
) -> list[Suggestion]:
    """The suggestions, those whose differing number is another case's marked with that case: the picture
    was filed under the wrong case, and the operator is offered to move it there.

    Only when it is clear: exact numbers; cases in the trash do not count; none of the picture's numbers is
    this case's own (then it belongs here); and all the differing numbers lead to one and the same case
    (two cases holding them, whether one number or several, is no answer). One query per picture, an OR of
    index lookups (SQLite's MULTI-INDEX OR), and none when nothing differs."""
    differing = [x for x in suggestions if x.differs and x.target in OWNER_COLUMNS]
    if not differing or any(x.target in OWNER_COLUMNS and x.current and not x.differs for x in suggestions):
        return list(suggestions)
    wanted: dict[str, set[str]] = {}
    for x in differing:
        for column in OWNER_COLUMNS[x.target]:
            wanted.setdefault(column, set()).add(x.value)
    c = m.Case.__table__.c
    with sessions() as s:
        # Only the numbers in the WHERE: SQLite (no statistics) would otherwise walk the deleted_at index
        # over every live case instead of looking each number up in its own index. The trash and this case
        # are left out here; a number held by more than a few cases is no answer anyway.
        rows = s.execute(
            select(c.id, c.deleted_at, c.buyer_nick, *(c[column] for column in wanted))
            .where(or_(*(c[column].in_(sorted(values)) for column, values in wanted.items())))
            .limit(OWNER_ROWS)
        ).all()
    live = [r for r in rows if r.deleted_at is None and r.id != case.id]
    if len(live) != 1 or len(rows) == OWNER_ROWS:
        return list(suggestions)
    (row,) = live
    owner = CaseId(row.id)
    label = f"售后 #{owner}" + (f"（{row.buyer_nick}）" if row.buyer_nick else "")
    holds = {(t, getattr(row, col)) for t, cols in OWNER_COLUMNS.items() for col in cols if col in wanted}
    return [
        replace(x, elsewhere=owner, elsewhere_label=label)
        if x in differing and (x.target, x.value) in holds
        else x
        for x in suggestions
    ]


class RecognitionService:
    """Reading evidence pictures, storing their text for search, suggestions and accepting them."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        evidence: EvidenceService,
        cases: CaseService,
        weights: WeightService,
        recognized_root: Path,
        *,
        reader_factory: Callable[[], _Reader] = lambda: Reader(nice=READER_NICE),
        engine: Callable[[], str | None] = engine_if_on,
    ) -> None:
        self._sessions = sessions
        self._evidence = evidence
        self._cases = cases
        self._weights = weights
        self._cache = ReadingCache(recognized_root)
        self._reader_factory = reader_factory
        self._engine = engine
        self._reader: _Reader | None = None
        self._reading = threading.Lock()  # one picture at a time, whoever asks
        # Background reading after imports: off until the window switches it on (the CLI reads in front).
        self.background = False
        self._queue: deque[EvidenceId] = deque()
        self._wake = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stop_background = False
        self._closed = False
        self.on_read: Callable[[PictureText], None] | None = None  # told after each background reading

    # -- whether reading is on ------------------------------------------------------------------------

    def available(self) -> bool:
        return self._engine() is not None

    def off_notice(self) -> str | None:
        """The sentence saying reading is off (engine not installed), the first time only; else None."""
        if self.available() or switched_off():  # switched off on purpose: nothing to say
            return None
        message = missing_message(missing_detail())
        return message if say_missing_once(message) else None

    # -- reading ------------------------------------------------------------------------------------

    def pending(self, case_id: CaseId | None = None) -> tuple[EvidenceId, ...]:
        """Pictures (of one case, or of the whole profile) not read yet by this engine, or read but not yet
        stored for search; none when reading is off."""
        engine = self._engine()
        if engine is None:
            return ()
        stmt = select(m.Evidence.id, m.Evidence.sha256, m.Evidence.picture_text).where(
            m.Evidence.media_type.like("image/%")
        )
        if case_id is not None:
            stmt = stmt.where(m.Evidence.case_id == case_id)
        with self._sessions() as s:
            rows = s.execute(stmt.order_by(m.Evidence.case_id, m.Evidence.position, m.Evidence.id)).all()
        out = []
        for evidence_id, sha256, stored in rows:
            hit = self._cache.get(sha256, engine)
            if hit is None or (not stored and any(line.text.strip() for line in hit.lines)):
                out.append(EvidenceId(evidence_id))
        return tuple(out)

    def read(self, evidence_id: EvidenceId, cancel: Cancel | None = None) -> PictureText:
        """Read one picture (or take its cached reading), store its text for search, and return what it
        says with its suggestions. Raises EngineMissing (reading is off), Cancelled, or DeskError when the
        picture cannot be read."""
        evidence = self._evidence.get(evidence_id)
        if not evidence.media_type.startswith("image/"):
            raise ValidationFailed(
                f"证据 #{evidence.id}（{evidence.original_name}）不是图片，只能识别图片中的文字"
            )
        stop_if_cancelled(cancel)
        engine = self._engine()
        hit = self._cache.get(evidence.sha256, engine) if engine is not None else None
        if hit is not None:
            # Read before: taken without the reader's lock, so accepting or moving (writes on the
            # database worker) never waits for a picture being read in the background meanwhile.
            self._store_text(evidence.sha256, search_text(hit))
            return self._picture(evidence, hit, True)
        with self._reading:
            stop_if_cancelled(cancel)
            reader = self._ensure_reader()
            done = threading.Event()
            watcher = None
            if cancel is not None:
                watcher = threading.Thread(
                    target=self._watch, args=(reader, cancel, done), name="desk-reading-cancel", daemon=True
                )
                watcher.start()
            try:
                reading, cached = read_cached(
                    reader,  # type: ignore[arg-type]  # any object with Reader's reading methods
                    self._cache,
                    self._evidence.blob_path_for(evidence.sha256),
                    evidence.sha256,
                )
            finally:
                done.set()
                if watcher is not None:
                    watcher.join()
        self._store_text(evidence.sha256, search_text(reading))
        return self._picture(evidence, reading, cached)

    @staticmethod
    def _watch(reader: _Reader, cancel: Cancel, done: threading.Event) -> None:
        # Asked again on every poll: a cancel that came while the worker was still starting finds no
        # process to kill yet.
        while not done.wait(POLL_S):
            if cancel():
                reader.cancel()

    def _ensure_reader(self) -> _Reader:
        if self._reader is None:
            self._reader = self._reader_factory()
        return self._reader

    def _store_text(self, sha256: str, text: str) -> None:
        # Every row of this content (the same picture in two cases says the same); triggers reindex.
        with self._sessions.begin() as s:
            s.execute(
                update(m.Evidence)
                .where(m.Evidence.sha256 == sha256, m.Evidence.picture_text != text)
                .values(picture_text=text)
            )

    def read_all(
        self,
        ids: Sequence[EvidenceId],
        *,
        progress: Progress | None = None,
        cancel: Cancel | None = None,
    ) -> ReadSummary:
        """Read many pictures one by one; a picture that fails is reported and the others go on. Raises
        EngineMissing before the first picture when reading is off."""
        if ids and not self.available():
            raise EngineMissing(missing_message(missing_detail()))
        read = cached = 0
        failed: list[str] = []
        for i, evidence_id in enumerate(ids):
            if cancel is not None and cancel():
                return ReadSummary(read, cached, tuple(failed), cancelled=True)
            if progress is not None:
                progress(i, len(ids), f"#{evidence_id}")
            try:
                result = self.read(evidence_id, cancel)
            except Cancelled:
                return ReadSummary(read, cached, tuple(failed), cancelled=True)
            except EngineMissing:
                raise
            except DeskError as exc:
                failed.append(f"证据 #{evidence_id}：{exc.message}")
                continue
            if result.cached:
                cached += 1
            else:
                read += 1
        if progress is not None:
            progress(len(ids), len(ids), "")
        return ReadSummary(read, cached, tuple(failed))

    # -- suggestions --------------------------------------------------------------------------------

    def _picture(self, evidence: EvidenceData, reading: Reading, cached: bool) -> PictureText:
        case = self._cases.get(evidence.case_id)
        records = self._weights.records(evidence.case_id)
        suggestions = []
        for i, f in enumerate(find_fields(reading.lines)):
            if f.kind == "phone":
                continue  # phone numbers are for blacking out, never for filling in
            suggestions.append(self._suggestion(f"{f.kind}:{i}", f, case, records))
        return PictureText(
            evidence.id,
            evidence.case_id,
            reading.sha256,
            reading.engine,
            tuple(line.text for line in reading.lines),
            _in_order(_owned_elsewhere(self._sessions, case, suggestions)),
            cached,
        )

    @staticmethod
    def _suggestion(key: str, f: Field, case: CaseData, records: Sequence[WeightRecordData]) -> Suggestion:
        target, current, differs = "", "", False
        if f.kind == "weight" and f.label in WEIGHT_KINDS:
            kind = WEIGHT_KINDS[f.label]
            target = f"weight:{kind.value}"
            same_kind = [r for r in records if r.kind == kind]
            if same_kind:
                grams = _grams(f.value, f.unit)
                current = "、".join(f"{r.grams} 克" for r in same_kind)
                differs = all(r.grams != grams for r in same_kind)
        elif (f.kind, f.label) in CASE_FIELDS:
            target = CASE_FIELDS[(f.kind, f.label)]
            current = str(getattr(case, target))
            known = {current}
            if target == "tracking_no":  # the return's and the reship's waybills are the case's too
                known |= {case.return_tracking_no, case.reship_tracking_no}
            differs = bool(current) and f.value not in known
        return Suggestion(key, f.kind, f.label, f.value, f.unit, f.text, target, current, differs)

    def suggestions(self, evidence_id: EvidenceId, cancel: Cancel | None = None) -> tuple[Suggestion, ...]:
        return self.read(evidence_id, cancel).suggestions

    def accept_suggestion(self, evidence_id: EvidenceId, field: str | Suggestion) -> Accepted:
        """Write one accepted suggestion: a weight becomes a weight record with this picture as its source;
        a waybill or order number fills the case's field only when it is empty. A value that differs from
        what the case holds is never written over it: ``differs`` says so."""
        key = field.key if isinstance(field, Suggestion) else field
        picture = self.read(evidence_id)
        found = next((x for x in picture.suggestions if x.key == key), None)
        if found is None:
            raise ValidationFailed("这条建议已不在图片的识别结果中（图片可能已更换），请重新查看建议")
        if not found.acceptable:
            raise ValidationFailed(f"{found.words} 只供参考，不会写入售后记录；需要时请手动填写")
        case_id = picture.case_id
        if found.target.startswith("weight:"):
            kind = WeightKind(found.target.split(":", 1)[1])
            grams = _grams(found.value, found.unit)
            existing = [r for r in self._weights.records(case_id) if r.kind == kind]
            if any(r.grams == grams and r.evidence_id == evidence_id for r in existing):
                return Accepted(found, False, False, f"{kind}已记录为 {grams} 克", Changes())
            note = "图片中的计费重量" if found.label == "计费" else "由图片识别"
            record, changes = self._weights.add(case_id, kind, grams, evidence_id=evidence_id, note=note)
            message = f"已记录{kind} {record.grams} 克（来源：{record.evidence_name}）"
            if found.differs:
                message += f"；与已有的 {found.current} 不一致，请核对"
            return Accepted(found, True, found.differs, message, changes)
        target = found.target
        words = CASE_FIELD_WORDS[target]
        if found.current:
            if found.differs:
                message = (
                    f"图片中的{words} {found.value} 与售后记录中的 {found.current} 不一致，未改动，请核对"
                )
                if found.elsewhere is not None:
                    message += f"；它是{found.elsewhere_label}的{words}，图片可以移过去"
                return Accepted(found, False, True, message, Changes())
            return Accepted(found, False, False, f"售后记录中已有相同的{words}", Changes())
        fields: dict[str, Any] = {target: found.value}
        _, changes = self._cases.update(case_id, **fields)
        return Accepted(found, True, False, f"已填入{words} {found.value}", changes)

    def move_to_owner(self, evidence_id: EvidenceId, field: str | Suggestion) -> Accepted:
        """Move the picture to the case whose number the suggestion is (``elsewhere``), found again from
        the picture's reading, so a case trashed or renumbered since the strip showed it is not taken. One
        step of the undo log (EvidenceService.move_to_case), refused in plain words when there is no such
        case (any more)."""
        key = field.key if isinstance(field, Suggestion) else field
        evidence = self._evidence.get(evidence_id)
        picture = self.read(evidence_id)  # the strip's reading, from the cache
        found = next((x for x in picture.suggestions if x.key == key), None)
        if found is None:
            raise ValidationFailed("这条建议已不在图片的识别结果中（图片可能已更换），请重新查看建议")
        if found.elsewhere is None:
            raise ValidationFailed(
                f"图片中的{found.words} 不是另外某一条售后的单号（或有几条售后都用它），"
                f"无法确定图片属于哪条售后，证据 #{evidence_id} 没有移动"
            )
        changes = self._evidence.move_to_case([evidence_id], found.elsewhere)
        message = f"已把“{evidence.original_name}”移到{found.elsewhere_label}"
        return Accepted(found, True, True, message, changes)

    def weight_suggestions(self, case_id: CaseId) -> tuple[WeightSuggestion, ...]:
        """The weights found in the case's pictures, for the weight tab, in gallery order: from readings
        already cached only — the engine is never started here, so the tab can ask on every case it opens
        (a picture not read yet is read after its import or when viewed, and offered from then on). A
        weight already recorded from that picture (same kind, same grams) is left out, so the list shrinks
        as the operator accepts; so is a second one that would write the same record (揽收 and 计费 alike
        on one page). Only what accepting turns into a weight record: a scale display's number names no
        weighing, so it stays a reference in the viewer. None when reading is off."""
        engine = self._engine()
        if engine is None:
            return ()
        pictures = [e for e in self._evidence.list(case_id) if e.media_type.startswith("image/")]
        readings = [(e, r) for e in pictures if (r := self._cache.get(e.sha256, engine)) is not None]
        if not readings:
            return ()
        taken = {(r.kind, r.grams, r.evidence_id) for r in self._weights.records(case_id)}
        out = []
        for evidence, reading in readings:
            if not reading.lines:
                continue
            # The same suggestions, keys and comparisons as the viewer's strip: the key is what
            # accept_suggestion finds again.
            found = self._picture(evidence, reading, True).suggestions
            if any(x.elsewhere is not None for x in found):
                continue  # another case's picture (its waybill says so): its weights are that case's
            for s in found:
                if not s.target.startswith("weight:"):
                    continue
                kind = WeightKind(s.target.split(":", 1)[1])
                grams = _grams(s.value, s.unit)
                if (kind, grams, evidence.id) in taken:
                    continue
                taken.add((kind, grams, evidence.id))
                out.append(WeightSuggestion(evidence.id, evidence.original_name, s, kind, grams))
        return tuple(out)

    # -- background reading after an import ---------------------------------------------------------

    def imported(self, added: Sequence[EvidenceData]) -> None:
        """The import's hook: queue its pictures for reading in the background (when switched on). Returns
        at once; the import never waits for reading."""
        if not self.background or self._closed:
            return
        pictures = [e.id for e in added if e.media_type.startswith("image/")]
        if not pictures:
            return
        if not self.available():
            self.off_notice()  # logged once; the window asks off_notice() itself to show it
            return
        with self._wake:
            self._stop_background = False
            self._queue.extend(pictures)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._drain, name="desk-reading", daemon=True)
                self._thread.start()
            self._wake.notify()

    def queued(self) -> int:
        """Pictures waiting to be read in the background (not counting the one being read)."""
        with self._wake:
            return len(self._queue)

    def _drain(self) -> None:
        while True:
            with self._wake:
                if not self._queue or self._stop_background:
                    self._thread = None
                    return
                evidence_id = self._queue.popleft()
            try:
                picture = self.read(evidence_id, lambda: self._stop_background)
            except Cancelled:
                continue
            except Exception:  # a picture that fails (or was deleted meanwhile) must not stop the queue
                log.warning("reading evidence #%s in the background failed", evidence_id, exc_info=True)
                continue
            callback = self.on_read
            if callback is not None:
                try:
                    callback(picture)
                except Exception:
                    log.exception("the reading callback failed")

    def cancel_background(self) -> None:
        """Drop what is queued and stop the picture being read now."""
        with self._wake:
            self._queue.clear()
            self._stop_background = True
        # The picture being read in the background sees the flag through its cancel check within POLL_S.

    def close(self, timeout: float = 5.0) -> None:
        """Stop background reading and the worker process."""
        self._closed = True
        self.cancel_background()
        reader = self._reader
        if reader is not None:
            reader.cancel()  # a picture read in front stops too: the desk is closing
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        with self._reading:
            if self._reader is not None:
                self._reader.close()
                self._reader = None
