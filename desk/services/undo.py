"""The undo log (Anki's model, kept in the database so the CLI and a restarted window share it).

Every reversible operation records, in its own transaction, how to take it back: an operation key and
a JSON payload with the ids it touched and their values before (and after) it — keys and data, never
display text. UndoService.undo() takes back the newest step of this operator in one transaction and
returns what changed, like any other write; a step whose records were changed since is refused as a
whole (UndoConflict), nothing is half undone.

Operation keys (UndoOp) and their payloads; enums are stored by member name, times as ISO 8601 UTC,
money as decimal strings:

    cases.trash      {"cases": [{"id", "created", "deleted_at"}]}
                     undo: the cases leave the trash again (each must still be in it)
    cases.restore    {"cases": [{"id", "created", "deleted_at"}]}
                     undo: back into the trash, with the time they were trashed (each must be live)
    cases.bulk       {"fields": [...], "cases": [{"id", "created", "before": {...}, "after": {...}}]}
                     undo: every changed column back to "before" (each must still hold "after");
                     deadline columns the workflow moved along with a status are part of it
    evidence.remove  {"items": [{"id", "case", "case_created", "sha256", "kind", …, "marks", "key_frames"}]}
                     undo: the items come back at their places (the originals are kept until the
                     step is dropped: EvidenceService.purge() leaves blobs a step still holds)
    evidence.kind    {"kind", "items": [{"id", "case", "case_created", "sha256", "kind", "confirmed"}]}
                     undo: each item's kind and confirmation as before (each must still be "kind")
    evidence.move    {"to", "to_created", "items": [{"id", "case", "case_created", "sha256", "position"}]}
                     undo: each item goes back to its case ("case") at its place there (each must still
                     be in case "to")

"created" is the case's creation time: ids can be reused after a case is purged, the pair cannot.
"""

from __future__ import annotations

import enum
import functools
import getpass
import hashlib
import json
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session, sessionmaker

from desk.db.models_undo import UndoEntry
from desk.db.types import utcnow
from desk.domain import CASE_FIELD_LABELS, CaseId, Changes
from desk.errors import DeskError, EditConflict

if TYPE_CHECKING:
    from desk.services.cases import CaseService
    from desk.services.evidence import EvidenceService

# Steps an operator can take back; older ones are dropped as new ones are recorded.
DEPTH = 30
# Set to tell operators apart who share one computer account (e.g. a terminal server).
ACTOR_ENV = "DESK_UNDO_ACTOR"


class UndoOp(enum.StrEnum):
    """Operation keys stored in the log (never change a value: old rows name them)."""

    CASES_TRASH = "cases.trash"
    CASES_RESTORE = "cases.restore"
    CASES_BULK = "cases.bulk"
    EVIDENCE_REMOVE = "evidence.remove"
    EVIDENCE_KIND = "evidence.kind"
    EVIDENCE_MOVE = "evidence.move"


CASE_OPS = frozenset({UndoOp.CASES_TRASH, UndoOp.CASES_RESTORE, UndoOp.CASES_BULK})
EVIDENCE_OPS = frozenset({UndoOp.EVIDENCE_REMOVE, UndoOp.EVIDENCE_KIND, UndoOp.EVIDENCE_MOVE})

# The one place that turns operation keys into words.
_LABELS: dict[UndoOp, str] = {
    UndoOp.CASES_TRASH: "移到回收站",
    UndoOp.CASES_RESTORE: "从回收站恢复",
    UndoOp.CASES_BULK: "批量修改",
    UndoOp.EVIDENCE_REMOVE: "删除证据",
    UndoOp.EVIDENCE_KIND: "修改证据类型",
    UndoOp.EVIDENCE_MOVE: "移动证据",
}
_UNITS: dict[UndoOp, str] = {
    UndoOp.CASES_TRASH: "条售后",
    UndoOp.CASES_RESTORE: "条售后",
    UndoOp.CASES_BULK: "条售后",
    UndoOp.EVIDENCE_REMOVE: "个证据",
    UndoOp.EVIDENCE_KIND: "个证据",
    UndoOp.EVIDENCE_MOVE: "个证据",
}


class NothingToUndo(DeskError):
    """The log holds no step of this operator."""


class UndoMoved(DeskError):
    """The newest step is not the one the caller showed (another window or the CLI undid or did one)."""


class UndoConflict(EditConflict):
    """The records a step touched were changed after it; nothing was undone."""


@dataclass(frozen=True, slots=True)
class UndoStep:
    """A step in the log, as callers show it."""

    id: int
    op: UndoOp
    at: datetime
    count: int  # cases or evidence items it touched
    fields: tuple[str, ...] = ()  # cases.bulk: the fields it set
    case_ids: tuple[CaseId, ...] = ()

    @property
    def label(self) -> str:
        """What the step did, in words: 移到回收站, 删除证据, 批量修改状态 …"""
        label = _LABELS[self.op]
        if self.op == UndoOp.CASES_BULK and self.fields:
            label += "、".join(CASE_FIELD_LABELS.get(f, f) for f in self.fields)
        return label

    @property
    def amount(self) -> str:
        return f"{self.count} {_UNITS[self.op]}"


@dataclass(frozen=True, slots=True)
class UndoResult:
    """What undo() did: the step taken back, what changed, and the step that is now newest."""

    step: UndoStep
    changes: Changes
    next: UndoStep | None

    @property
    def message(self) -> str:
        return f"已撤销{self.step.label}（{self.step.amount}）"


# -- the log, used by the services inside their own transaction ---------------------------------------


@functools.cache
def _machine_actor() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no user name in the environment nor the password database
        user = ""
    # Hashed: the log says whose step it is without storing the account or computer name.
    return hashlib.sha256(f"{user}@{socket.gethostname()}".encode("utf-8", "replace")).hexdigest()[:16]


def current_actor() -> str:
    """Whose steps this process records and undoes: this computer's user (or DESK_UNDO_ACTOR)."""
    override = os.environ.get(ACTOR_ENV, "").strip()
    return override[:64] if override else _machine_actor()


def encode(value: Any) -> Any:
    """A column value as JSON: enums by member name, times ISO 8601, money as text."""
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def decode_time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def record(
    s: Session, op: UndoOp, payload: dict[str, Any], *, actor: str | None = None, release: bool = False
) -> list[str]:
    """Add a step to the log (in the caller's transaction) and drop this operator's steps beyond DEPTH.

    A dropped evidence.remove step frees its originals, which only a caller that can delete blobs may
    do: with release=False those steps stay (beyond DEPTH) until one does. Returns the SHA-256 of the
    originals freed, for EvidenceService.purge() once the transaction has committed.
    """
    who = actor or current_actor()
    s.add(
        UndoEntry(
            actor=who, op=op.value, payload=json.dumps(payload, ensure_ascii=False), created_at=utcnow()
        )
    )
    s.flush()
    stale = s.execute(
        select(UndoEntry.id, UndoEntry.op, UndoEntry.payload)
        .where(UndoEntry.actor == who)
        .order_by(UndoEntry.id.desc())
        .offset(DEPTH)
    ).all()
    dropped = [row for row in stale if release or row.op != UndoOp.EVIDENCE_REMOVE]
    if dropped:
        s.execute(delete(UndoEntry).where(UndoEntry.id.in_([row.id for row in dropped])))
    return [sha for row in dropped for sha in _held(row.op, row.payload)]


def held_sha256s(s: Session) -> set[str]:
    """Originals that steps of any operator still hold (removed evidence that can come back)."""
    rows = s.execute(select(UndoEntry.op, UndoEntry.payload).where(UndoEntry.op == UndoOp.EVIDENCE_REMOVE))
    return {sha for row in rows for sha in _held(row.op, row.payload)}


def forget_cases(s: Session, case_ids: Iterable[int]) -> list[str]:
    """Drop every step (of any operator) that touched one of these cases: they were deleted for good.

    Returns the SHA-256 of the originals the dropped steps held.
    """
    gone = {int(i) for i in case_ids}
    if not gone:
        return []
    dropped: list[int] = []
    freed: list[str] = []
    for row in s.execute(select(UndoEntry.id, UndoEntry.op, UndoEntry.payload)):
        if gone & _cases_of(row.op, _load(row.payload)):
            dropped.append(row.id)
            freed.extend(_held(row.op, row.payload))
    if dropped:
        s.execute(delete(UndoEntry).where(UndoEntry.id.in_(dropped)))
    return freed


def _load(payload: str) -> dict[str, Any]:
    try:
        data = json.loads(payload)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _held(op: str, payload: str) -> list[str]:
    if op != UndoOp.EVIDENCE_REMOVE:
        return []
    return [str(item["sha256"]) for item in _load(payload).get("items", ()) if item.get("sha256")]


def _cases_of(op: str, data: dict[str, Any]) -> set[int]:
    if op in EVIDENCE_OPS:
        # A move touched the case the pictures went to as well: purging either one ends the step.
        target = {int(data["to"])} if op == UndoOp.EVIDENCE_MOVE and "to" in data else set()
        return {int(item["case"]) for item in data.get("items", ())} | target
    return {int(item["id"]) for item in data.get("cases", ())}


def _step(entry: UndoEntry) -> UndoStep:
    op = UndoOp(entry.op)
    data = _load(entry.payload)
    items = data.get("items" if op in EVIDENCE_OPS else "cases", ())
    cases = sorted(_cases_of(op, data))
    return UndoStep(
        id=entry.id,
        op=op,
        at=entry.created_at,
        count=len(items),
        fields=tuple(data.get("fields", ())),
        case_ids=tuple(CaseId(i) for i in cases),
    )


# -- the service ------------------------------------------------------------------------------------


class OpenedDesk(Protocol):
    """What for_desk() needs of desk.app.Desk (services do not import the facade above them)."""

    engine: Engine
    cases: CaseService
    evidence: EvidenceService


class UndoService:
    """Show and take back this operator's newest steps; one unit of work per call."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        cases: CaseService,
        evidence: EvidenceService,
        actor: str | None = None,
    ) -> None:
        self._sessions = sessions
        self._cases = cases
        self._evidence = evidence
        self._actor = actor

    @classmethod
    def for_desk(cls, desk: OpenedDesk, *, actor: str | None = None) -> UndoService:
        from desk.db.engine import make_sessionmaker

        return cls(make_sessionmaker(desk.engine), cases=desk.cases, evidence=desk.evidence, actor=actor)

    @property
    def actor(self) -> str:
        return self._actor or current_actor()

    def _newest(self, s: Session, *, lock: bool = False) -> UndoEntry | None:
        stmt = (
            select(UndoEntry)
            .where(UndoEntry.actor == self.actor, UndoEntry.op.in_([op.value for op in UndoOp]))
            .order_by(UndoEntry.id.desc())
            .limit(1)
        )
        if lock:
            stmt = stmt.with_for_update()
        return s.scalars(stmt).first()

    def status(self) -> UndoStep | None:
        """The step undo() would take back now, or None."""
        with self._sessions() as s:
            entry = self._newest(s)
            return _step(entry) if entry is not None else None

    def steps(self, limit: int = DEPTH) -> list[UndoStep]:
        """This operator's steps, newest first (at most DEPTH: older ones wait to be dropped)."""
        limit = min(limit, DEPTH)
        with self._sessions() as s:
            entries = s.scalars(
                select(UndoEntry)
                .where(UndoEntry.actor == self.actor, UndoEntry.op.in_([op.value for op in UndoOp]))
                .order_by(UndoEntry.id.desc())
                .limit(limit)
            )
            return [_step(e) for e in entries]

    def undo(self, *, expected: int | None = None) -> UndoResult:
        """Take back the newest step in one transaction.

        expected: the id of the step the caller showed (UndoStep.id); if another window or the CLI
        has done or undone something since, UndoMoved is raised and nothing changes. A step whose
        records were changed after it raises UndoConflict: nothing changes, and the step is dropped
        from the log (it can never be taken back), so the next undo goes on to the one before.
        """
        step: UndoStep | None = None
        try:
            with self._sessions.begin() as s:
                entry = self._newest(s, lock=True)
                if entry is None:
                    raise NothingToUndo("没有可以撤销的操作")
                step = _step(entry)
                if expected is not None and entry.id != expected:
                    raise UndoMoved(
                        f"要撤销的操作已变化（现在最近的一步是“{step.label}”），请确认后再撤销一次。"
                    )
                payload = _load(entry.payload)
                if step.op in CASE_OPS:
                    changes = self._cases.reverse(s, step.op, payload)
                else:
                    changes = self._evidence.reverse(s, step.op, payload)
                s.delete(entry)
        except UndoConflict as exc:
            assert step is not None
            self._drop(step.id)
            raise UndoConflict(
                f"无法撤销“{step.label}”：{exc.message}。为了不覆盖之后的修改，没有做任何改动；"
                "这一步已从撤销记录中移除。"
            ) from exc
        return UndoResult(step, changes, self.status())

    def clear(self) -> int:
        """Forget every step of this operator (nothing can be taken back afterwards); returns how many.

        Originals that only these steps held are deleted.
        """
        with self._sessions.begin() as s:
            rows = s.execute(
                select(UndoEntry.id, UndoEntry.op, UndoEntry.payload).where(UndoEntry.actor == self.actor)
            ).all()
            s.execute(delete(UndoEntry).where(UndoEntry.id.in_([row.id for row in rows])))
        self._evidence.purge([sha for row in rows for sha in _held(row.op, row.payload)])
        return len(rows)

    def _drop(self, entry_id: int) -> None:
        with self._sessions.begin() as s:
            entry = s.get(UndoEntry, entry_id)
            freed = _held(entry.op, entry.payload) if entry is not None else []
            if entry is not None:
                s.delete(entry)
        self._evidence.purge(freed)


def case_identity(c: Any, item: dict[str, Any], *, key: str = "created") -> bool:
    """The case row is the one the step touched (same id and creation time)."""
    return c is not None and encode(c.created_at) == item.get(key)
