"""Cases: create, edit (status workflow, deadlines, money) with a timeline of every change, list, filter
and search, trash, bulk changes."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, case, delete, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from desk import workflow
from desk.db import models as m
from desk.db import models_outcomes as mx
from desk.db.types import utcnow
from desk.deadlines import parse_due
from desk.domain import (
    CASE_FIELD_LABELS,
    COUNTED_QUEUES,
    DUE_SOON_HOURS,
    DUE_URGENT_HOURS,
    MONEY_FIELDS,
    SORT_KEYS,
    AppealResult,
    CaseData,
    CaseDraft,
    CaseFilter,
    CaseId,
    CaseRow,
    CaseStatus,
    CaseType,
    Changes,
    DueFilter,
    EventData,
    EventKind,
    Platform,
    PlatformFacts,
    Resolution,
    SearchResult,
    ShopId,
    end_of_local_day,
)
from desk.errors import EditConflict, NotFound, ValidationFailed
from desk.labels import FLAG_CHOICES, FLAG_FIELDS, appeal_kind_key, flag_value, stored_value, value_text
from desk.services import convert
from desk.services import search as case_search
from desk.services import undo as undo_log
from desk.services.events import new_event
from desk.services.undo import UndoConflict, UndoOp

log = logging.getLogger(__name__)

PDD_ORDER_RE = re.compile(r"^\d{6}-\d{15}$")
MAX_TEXT = 20_000
MAX_SHORT = 64
SHORT_FIELDS = (
    "order_no",
    "after_sales_no",
    "tracking_no",
    "courier",
    "reship_tracking_no",
    "return_tracking_no",
)
# Other single-line fields and their length limits (the columns' sizes).
LINE_LIMITS = {"buyer_nick": 128, "after_sales_type": 32, "after_sales_reason": 64, "appeal_type": 64}
ENUM_FIELDS: dict[str, Any] = {
    "platform": Platform,
    "case_type": CaseType,
    "status": CaseStatus,
    "resolution": Resolution,
}
# Statuses without a running deadline: nothing is left to answer on the platform.
NO_DEADLINE = (CaseStatus.CLOSED, CaseStatus.APPEAL_WON)
MINUS_SIGNS = str.maketrans({"−": "-", "－": "-", "–": "-"})
# A deadline further off than this is more likely a typo (a year, a month) than the platform's clock.
DUE_PAST_WARN = timedelta(days=30)
DUE_AHEAD_WARN = timedelta(days=60)


def display_value(field: str, value: Any) -> str:
    """How a field's value reads in messages (the same words as the timeline)."""
    return value_text(field, stored_value(value))


def clean_text(value: str) -> str:
    # NUL and lone surrogates cannot be stored or printed; they never come from a real keyboard.
    value = value.replace("\x00", "")
    return value.encode("utf-8", "replace").decode("utf-8")


def parse_money(value: Any, label: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        text = str(value).strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
        # A minus typed on a Chinese keyboard or pasted from a document is still a minus: refused
        # below as negative, never read as some other number.
        text = text.translate(MINUS_SIGNS)
        amount = Decimal(text)
    except (InvalidOperation, ValueError) as exc:
        raise ValidationFailed(f"{label}“{value}”不是有效的金额") from exc
    if not amount.is_finite():
        raise ValidationFailed(f"{label}“{value}”不是有效的金额")
    if amount < 0:
        raise ValidationFailed(f"{label}不能为负数：{value}")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed(f"{label}最多两位小数：{value}")
    if amount >= Decimal("100000000"):
        raise ValidationFailed(f"{label}过大：{value}")
    return amount.quantize(Decimal("0.01"))


def like_pattern(text: str) -> str:
    return case_search.like_pattern(text)


def _enum(cls: Any, value: Any, label: str) -> Any:
    try:
        return cls(value)
    except ValueError as exc:
        allowed = "、".join(str(v) for v in cls)
        raise ValidationFailed(f"{label}“{value}”无效，可选：{allowed}") from exc


@dataclass(frozen=True, slots=True)
class BulkResult:
    """What a bulk change did: the cases changed, and each refused case with the reason."""

    changed: tuple[CaseId, ...]
    refused: tuple[tuple[CaseId, str], ...]
    changes: Changes

    def summary(self) -> str:
        text = f"已修改 {len(self.changed)} 条售后"
        if self.refused:
            text += f"，{len(self.refused)} 条未修改"
        return text


@dataclass(frozen=True, slots=True)
class QueryResult:
    ids: list[CaseId]
    hint: str = ""


class CaseService:
    """One unit of work per call; returns data objects and what changed."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        pauses_clock: Callable[[Platform], bool] | None = None,
        packets_dir: Path | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._pauses_clock = pauses_clock or (lambda _platform: True)
        self._packets_dir = packets_dir
        self._now = clock

    # -- validation -------------------------------------------------------------------------
    def _normalise(self, values: dict[str, Any], *, now: datetime | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in values.items():
            if key not in CASE_FIELD_LABELS:
                raise ValidationFailed(f"未知字段：{key}")
            label = CASE_FIELD_LABELS[key]
            if key in ENUM_FIELDS:
                out[key] = _enum(ENUM_FIELDS[key], value, label)
            elif key in MONEY_FIELDS:
                out[key] = parse_money(value, label)
            elif key == "shop_id":
                try:
                    out[key] = None if value in (None, "", 0, "0") else ShopId(int(value))
                except (TypeError, ValueError) as exc:
                    raise ValidationFailed(f"{label}“{value}”无效") from exc
            elif key == "due_at":
                out[key] = self._due(value, now)
            elif key in FLAG_FIELDS:
                try:
                    out[key] = flag_value(value)
                except ValueError as exc:
                    allowed = "、".join(words for words, _ in FLAG_CHOICES)
                    raise ValidationFailed(f"{label}“{value}”无效，可选：{allowed}") from exc
            else:
                raw = clean_text(str(value or ""))
                if key in SHORT_FIELDS or key in LINE_LIMITS:
                    text = " ".join(raw.split())  # one line: no tabs or line breaks
                    limit = LINE_LIMITS.get(key, MAX_SHORT)
                else:
                    text, limit = raw, MAX_TEXT
                if len(text) > limit:
                    raise ValidationFailed(f"{label}太长（{len(text)} 个字符，上限 {limit}）")
                out[key] = appeal_kind_key(text) if key == "appeal_type" else text
        return out

    def normalise_field(self, key: str, value: Any) -> Any:
        """One field as a save would store it, or ValidationFailed saying why (the CLI's early checks)."""
        return self._normalise({key: value})[key]

    def _due(self, value: Any, now: datetime | None) -> datetime | None:
        if value is None or value == "":
            return None
        if isinstance(value, datetime):
            if value.tzinfo is None:
                raise ValidationFailed("截止时间缺少时区")
            return value.astimezone(UTC)
        return parse_due(str(value), now=now or self._now())

    def warnings(self, draft: CaseDraft) -> list[str]:
        """Things that look wrong but may be right: the operator is warned, not blocked."""
        notes: list[str] = []
        if (
            draft.platform == Platform.PDD
            and draft.order_no
            and not PDD_ORDER_RE.match(draft.order_no.strip())
        ):
            notes.append(
                f"拼多多订单号通常形如 240101-123456789012345（6 位日期-15 位数字），请核对：{draft.order_no}"
            )
        due = draft.due_at
        if due is not None and due.tzinfo is not None:
            now = self._now()
            if due < now - DUE_PAST_WARN:
                notes.append(
                    f"截止时间 {due.astimezone():%Y-%m-%d %H:%M} 已过去 {(now - due).days} 天，"
                    "请核对年份和月份（仍可保存）"
                )
            elif due > now + DUE_AHEAD_WARN:
                notes.append(
                    f"截止时间 {due.astimezone():%Y-%m-%d %H:%M} 在 {(due - now).days} 天之后，"
                    "平台的处理时限通常不会这么长，请核对（仍可保存）"
                )
        if not draft.order_no and not draft.after_sales_no:
            notes.append("还没有填写订单号或售后单号，申诉材料里将缺少这一项")
        if (
            draft.refund_amount is not None
            and draft.order_amount is not None
            and draft.refund_amount > draft.order_amount
        ):
            notes.append("退款金额大于订单金额，请核对")
        if (
            draft.refund_paid is not None
            and draft.order_amount is not None
            and draft.refund_paid > draft.order_amount
        ):
            notes.append("实退金额大于订单金额，请核对")
        return notes

    # -- reads ------------------------------------------------------------------------------
    def get(self, case_id: CaseId) -> CaseData:
        with self._sessions() as s:
            c = s.get(m.Case, case_id)
            if c is None:
                raise NotFound(f"售后记录 #{case_id} 不存在（可能已被彻底删除）")
            return convert.case(c, self._evidence_count(s, case_id))

    def get_many(self, ids: Sequence[CaseId]) -> list[CaseData]:
        """Cases in the order given (missing ones left out), e.g. for an export."""
        out: dict[int, CaseData] = {}
        with self._sessions() as s:
            counts = dict(
                s.execute(
                    select(m.Evidence.case_id, func.count())
                    .where(m.Evidence.case_id.in_(list(ids)))
                    .group_by(m.Evidence.case_id)
                ).all()
            )
            for chunk in _chunks(list(ids), 500):
                for c in s.scalars(select(m.Case).where(m.Case.id.in_(chunk))):
                    out[c.id] = convert.case(c, int(counts.get(c.id, 0)))
        return [out[i] for i in ids if i in out]

    @staticmethod
    def _evidence_count(s: Session, case_id: int) -> int:
        return int(
            s.scalar(select(func.count()).select_from(m.Evidence).where(m.Evidence.case_id == case_id)) or 0
        )

    def search(self, text: str) -> SearchResult:
        """The ids of the cases (live or trashed) whose text contains every term typed."""
        query = case_search.parse(text)
        if query.hint:
            return SearchResult(ids=frozenset(), hint=query.hint)
        if not query.terms:
            return SearchResult(ids=None)
        with self._sessions() as s:
            conn = s.connection()
            if conn.dialect.name == "sqlite":
                cursor = conn.connection.cursor()
                try:
                    found = case_search.sqlite_matching_ids(cursor, query)
                finally:
                    cursor.close()
            else:
                stmt = case_search.matching_ids_select(query, conn.dialect.name)
                found = {int(i) for i in conn.execute(stmt).scalars()}
            return SearchResult(ids=cast(frozenset[CaseId], frozenset(found)))

    def query(self, flt: CaseFilter | str = "", *, now: datetime | None = None) -> QueryResult:
        """Ids of the cases a list shows, in its order; with a hint when the search cannot be run."""
        if isinstance(flt, str):
            flt = CaseFilter(search=flt)
        parsed = case_search.parse(flt.search)
        if parsed.hint:
            return QueryResult([], parsed.hint)
        now = now or self._now()
        with self._sessions() as s:
            conn = s.connection()
            stmt: Any = select(m.Case.id)
            stmt = stmt.where(*self._conditions(flt, now))
            stmt = case_search.restrict(stmt, parsed, conn.dialect.name)
            if flt.sort == "shop":
                stmt = stmt.outerjoin(m.Shop, m.Shop.id == m.Case.shop_id)
            stmt = stmt.order_by(*self._order(flt))
            return QueryResult(cast(list[CaseId], _fetch_ids(conn.execute(stmt))))

    def list_ids(self, search: CaseFilter | str = "") -> list[CaseId]:
        """Ids of a list (a filter, or just a search over the live cases), newest updated first by default."""
        return self.query(search).ids

    @staticmethod
    def _conditions(flt: CaseFilter, now: datetime) -> list[ColumnElement[bool]]:
        """The filter as conditions, the most selective and cheapest first: counts() evaluates them for
        every row in one pass, and SQLite stops at the first that fails."""
        c = m.Case
        out = CaseService._due_conditions(flt.due, now)
        if flt.case_types:
            out.append(c.case_type.in_(flt.case_types))
        if flt.statuses:
            out.append(c.status.in_(flt.statuses))
        if flt.platforms:
            out.append(c.platform.in_(flt.platforms))
        if flt.shop_ids:
            shops = [i for i in flt.shop_ids if i]
            parts: list[ColumnElement[bool]] = [c.shop_id.in_(shops)] if shops else []
            if 0 in flt.shop_ids:
                parts.append(c.shop_id.is_(None))
            out.append(or_(*parts))
        tz = datetime.now().astimezone().tzinfo
        if flt.created_from is not None:
            out.append(c.created_at >= datetime.combine(flt.created_from, time(0), tz).astimezone(UTC))
        if flt.created_to is not None:
            end = datetime.combine(flt.created_to + timedelta(days=1), time(0), tz).astimezone(UTC)
            out.append(c.created_at < end)
        out.append(c.deleted_at.is_not(None) if flt.trash else c.deleted_at.is_(None))
        return out

    @staticmethod
    def _due_conditions(due: DueFilter, now: datetime) -> list[ColumnElement[bool]]:
        c = m.Case
        running = [c.due_paused_at.is_(None), c.status.not_in(NO_DEADLINE)]  # after a due_at range
        if due == DueFilter.SOON:
            return [c.due_at < now + timedelta(hours=DUE_SOON_HOURS), c.due_at >= now, *running]
        if due == DueFilter.URGENT:
            return [c.due_at < now + timedelta(hours=DUE_URGENT_HOURS), c.due_at >= now, *running]
        if due == DueFilter.TODAY:
            return [c.due_at < end_of_local_day(now), c.due_at >= now, *running]
        if due == DueFilter.OVERDUE:
            return [c.due_at < now, *running]
        if due == DueFilter.HAS_DUE:
            return [c.due_at.is_not(None)]
        if due == DueFilter.NO_DUE:
            return [c.due_at.is_(None)]
        if due == DueFilter.PAUSED:
            return [c.due_paused_at.is_not(None), c.due_at.is_not(None)]
        if due == DueFilter.AWAITING_PLATFORM:
            # Sent and not decided: the status says so, or an appeal recorded with 等待结果 (a second appeal
            # after a lost one may be recorded before the status moves). A finished case waits for nothing.
            pending = select(mx.AppealOutcome.case_id).where(mx.AppealOutcome.result == AppealResult.PENDING)
            return [
                or_(
                    c.status == CaseStatus.APPEAL_SUBMITTED,
                    and_(c.status.not_in(NO_DEADLINE), c.id.in_(pending)),
                )
            ]
        if due == DueFilter.TO_RESHIP:
            return [
                c.resolution == Resolution.RESHIP,
                c.reship_tracking_no == "",
                c.status.not_in(workflow.FINISHED_STATUSES),
            ]
        return []

    @staticmethod
    def _order(flt: CaseFilter) -> list[Any]:
        c = m.Case
        key = flt.sort if flt.sort in SORT_KEYS else "updated_at"
        column: Any
        if key == "shop":
            column = func.coalesce(m.Shop.name, "")
        elif key in ("status", "case_type", "platform", "resolution"):
            members = list(ENUM_FIELDS[key])
            column = case(
                {v.value: i for i, v in enumerate(members)}, value=getattr(c, key), else_=len(members)
            )
        else:
            column = getattr(c, key)
        first = column.desc() if flt.descending else column.asc()
        tie = c.id.desc() if flt.descending else c.id.asc()
        if key == "due_at":
            return [c.due_at.is_(None), first, tie]  # cases without a deadline last, either way
        return [first, tie]

    def rows(self, ids: Sequence[CaseId]) -> dict[CaseId, CaseRow]:
        """The list's columns for the given ids (one query; what the list model asks per screenful)."""
        if not ids:
            return {}
        c = m.Case
        stmt = (
            select(
                c.id,
                c.platform,
                func.coalesce(m.Shop.name, ""),
                c.order_no,
                c.after_sales_no,
                c.tracking_no,
                c.buyer_nick,
                c.case_type,
                c.status,
                c.refund_amount,
                c.updated_at,
                c.created_at,
                c.due_at,
                c.due_paused_at,
                c.resolution,
                c.deleted_at,
            )
            .outerjoin(m.Shop, m.Shop.id == c.shop_id)
            .where(c.id.in_(list(ids)))
        )
        with self._sessions() as s:
            return {CaseId(r[0]): CaseRow(CaseId(r[0]), *r[1:]) for r in s.connection().execute(stmt)}

    def timeline(self, case_id: CaseId) -> list[EventData]:
        with self._sessions() as s:
            events = s.scalars(select(m.Event).where(m.Event.case_id == case_id).order_by(m.Event.id))
            return [convert.event(e) for e in events]

    def counts(self, *, now: datetime | None = None) -> dict[str, int]:
        """How many cases each queue of the sidebar holds (live cases; the trash separately), keyed like
        COUNTED_QUEUES. One pass over the cases for all of them (~90 ms for 100,000)."""
        now = now or self._now()
        c = m.Case
        columns = [
            func.count(case((and_(*self._conditions(flt, now)), 1))) for flt in COUNTED_QUEUES.values()
        ]
        with self._sessions() as s:
            row = s.connection().execute(select(*columns).select_from(c)).one()
        return {name: int(n or 0) for name, n in zip(COUNTED_QUEUES, row, strict=True)}

    # -- writes -----------------------------------------------------------------------------
    def create(self, draft: CaseDraft) -> tuple[CaseData, Changes]:
        now = self._now()
        values = self._normalise(asdict(draft), now=now)
        with self._sessions.begin() as s:
            if values["shop_id"] is not None and s.get(m.Shop, values["shop_id"]) is None:
                raise ValidationFailed("所选店铺不存在（可能已被删除）")
            c = m.Case(**values, created_at=now, updated_at=now)
            if (
                c.due_at is not None
                and c.status in workflow.WAITING_STATUSES
                and self._pauses_clock(c.platform)
            ):
                c.due_paused_at = now
            s.add(c)
            s.flush()
            s.add(new_event(c.id, EventKind.CREATED, at=now, data={"case_type": c.case_type}))
            s.flush()
            data = convert.case(c)
        return data, Changes(cases=frozenset({data.id}), case_list=True)

    def update(
        self, case_id: CaseId, *, expected_version: int | None = None, **changes: Any
    ) -> tuple[CaseData, Changes]:
        """Apply the given fields in one transaction; each real change becomes a timeline entry.

        With expected_version (the CaseData.version the editor loaded), a save on top of someone
        else's newer save is refused with EditConflict instead of silently overwriting it. A status
        change must be allowed by the workflow (desk.workflow), or nothing is saved.
        """
        now = self._now()
        values = self._normalise(changes, now=now)
        with self._sessions.begin() as s:
            c = s.get(m.Case, case_id, with_for_update=expected_version is not None)
            if c is None:
                raise NotFound(f"售后记录 #{case_id} 不存在（可能已被彻底删除）")
            if expected_version is not None and c.version != expected_version:
                raise EditConflict(
                    f"售后记录 #{case_id} 已被他人（或另一个窗口）修改过，为避免覆盖对方的修改，本次未保存。"
                    "请重新载入后再修改。"
                )
            changed = self._apply(s, c, values, now)
            s.flush()
            data = convert.case(c, self._evidence_count(s, case_id))
        return data, Changes(cases=frozenset({data.id}) if changed else frozenset())

    def _apply(self, s: Session, c: m.Case, values: dict[str, Any], now: datetime) -> bool:
        """Set fields on a loaded case, with workflow checks, clock pausing and timeline entries."""
        if "shop_id" in values and values["shop_id"] is not None and s.get(m.Shop, values["shop_id"]) is None:
            raise ValidationFailed("所选店铺不存在（可能已被删除）")
        old_status = c.status
        if "status" in values:
            workflow.check_transition(old_status, values["status"])
        changed = False

        def record(key: str, old: Any, new: Any, data: dict[str, Any] | None = None) -> None:
            s.add(self._field_event(s, c.id, now, key, old, new, data))

        for key, new in values.items():
            old = getattr(c, key)
            if old == new:
                continue
            changed = True
            setattr(c, key, new)
            reopened = key == "status" and workflow.is_reopen(old, new)
            record(key, old, new, {"reason": "reopen"} if reopened else None)
            if key == "due_at" and c.due_paused_at is not None:
                c.due_paused_at = now if new is not None else None  # a new deadline is held from now
        if changed:
            self._clock_follows_status(c, old_status, now, record, due_set="due_at" in values)
            c.updated_at = now
        return changed

    def _clock_follows_status(
        self, c: m.Case, old_status: CaseStatus, now: datetime, record: Callable[..., None], *, due_set: bool
    ) -> None:
        """Entering a waiting status holds the deadline clock (so does a deadline set while waiting);
        leaving it moves the deadline on by the wait."""
        waiting_now = c.status in workflow.WAITING_STATUSES
        waiting_before = old_status in workflow.WAITING_STATUSES
        starts = not waiting_before or due_set
        if waiting_now and starts and c.due_at is not None and c.due_paused_at is None:
            if self._pauses_clock(c.platform):
                c.due_paused_at = now
                record("due_paused_at", None, now, {"reason": "clock_paused", "status": c.status})
        elif not waiting_now and c.due_paused_at is not None:
            held = now - c.due_paused_at
            paused_at = c.due_paused_at
            c.due_paused_at = None
            if c.due_at is not None:
                old_due = c.due_at
                c.due_at = c.due_at + held
                record(
                    "due_at",
                    old_due,
                    c.due_at,
                    {"reason": "clock_resumed", "held_seconds": int(held.total_seconds())},
                )
            record("due_paused_at", paused_at, None, {"reason": "clock_resumed"})

    def sync_platform(self, case_id: CaseId, facts: PlatformFacts) -> Changes:
        """Keep the platform's facts of a case as its latest export says them; one timeline entry names
        what changed (nothing is written when nothing did)."""
        values = {
            name: (
                value
                if name == "applied_at"
                else " ".join(clean_text(str(value or "")).split())[: _FACT_LIMITS.get(name, 64)]
            )
            for name, value in facts.items()
        }
        if facts.applied_at is not None and facts.applied_at.tzinfo is None:
            raise ValidationFailed("售后申请时间缺少时区")
        with self._sessions.begin() as s:
            c = s.get(m.Case, case_id)
            if c is None:
                raise NotFound(f"售后记录 #{case_id} 不存在（可能已被彻底删除）")
            # An export without a 退货运单号 leaves the one the operator typed (the buyer said it first).
            changed = {k: v for k, v in values.items() if getattr(c, k) != v and (v or k not in _TYPED_FACTS)}
            if not changed:
                return Changes()
            now = self._now()
            for key, value in changed.items():
                setattr(c, key, value)
            c.updated_at = now
            s.add(new_event(c.id, EventKind.PLATFORM_SYNCED, at=now, data={"facts": changed}))
        return Changes(cases=frozenset({case_id}))

    def add_note(self, case_id: CaseId, text: str) -> Changes:
        text = clean_text(text).strip()
        if not text:
            raise ValidationFailed("备注内容为空")
        with self._sessions.begin() as s:
            c = s.get(m.Case, case_id)
            if c is None:
                raise NotFound(f"售后记录 #{case_id} 不存在")
            s.add(m.Event(case_id=case_id, kind=EventKind.NOTE, detail=text[:MAX_TEXT]))
            # A note is not an edit of the case's fields: move it up the list without bumping its version,
            # so an edit open in the form at the same time still saves (a Core UPDATE skips the counter).
            s.execute(update(m.Case).where(m.Case.id == case_id).values(updated_at=self._now()))
        return Changes(cases=frozenset({case_id}))

    def bulk_update(self, ids: Sequence[CaseId], **changes: Any) -> BulkResult:
        """Set the same fields on many cases in one transaction; a case the workflow refuses is skipped
        (with its reason), every other one changes completely. Undoable (UndoOp.CASES_BULK)."""
        now = self._now()
        values = self._normalise(changes, now=now)
        # The columns a change may move: the fields set, and the deadline the workflow moves with a status.
        tracked = tuple(dict.fromkeys([*values, *_CLOCK_FIELDS]))
        done: list[CaseId] = []
        refused: list[tuple[CaseId, str]] = []
        steps: list[dict[str, Any]] = []
        with self._sessions.begin() as s:
            for case_id in ids:
                c = s.get(m.Case, case_id)
                if c is None or c.deleted_at is not None:
                    refused.append((case_id, "不存在或已在回收站"))
                    continue
                before = {key: getattr(c, key) for key in tracked}
                try:
                    with s.begin_nested():
                        if self._apply(s, c, values, now):
                            done.append(case_id)
                            after = {key: getattr(c, key) for key in tracked}
                            moved = [key for key in tracked if after[key] != before[key]]
                            steps.append(
                                {
                                    "id": c.id,
                                    "created": undo_log.encode(c.created_at),
                                    "before": {key: undo_log.encode(before[key]) for key in moved},
                                    "after": {key: undo_log.encode(after[key]) for key in moved},
                                }
                            )
                except ValidationFailed as exc:
                    refused.append((case_id, exc.message))
            if steps:
                undo_log.record(s, UndoOp.CASES_BULK, {"fields": list(values), "cases": steps})
        return BulkResult(tuple(done), tuple(refused), Changes(cases=frozenset(done), case_list=bool(done)))

    # -- trash ------------------------------------------------------------------------------
    def trash(self, ids: Iterable[CaseId]) -> Changes:
        """Move cases to the trash (restorable; nothing is deleted)."""
        return self._set_trashed(ids, trashed=True)

    def restore(self, ids: Iterable[CaseId]) -> Changes:
        """Take cases out of the trash."""
        return self._set_trashed(ids, trashed=False)

    def _set_trashed(self, ids: Iterable[CaseId], *, trashed: bool) -> Changes:
        """Move cases into or out of the trash in one transaction, recording the step for undo."""
        now = self._now()
        done: set[CaseId] = set()
        steps: list[dict[str, Any]] = []
        with self._sessions.begin() as s:
            for case_id in ids:
                c = s.get(m.Case, case_id)
                if c is None:
                    raise NotFound(f"售后记录 #{case_id} 不存在（可能已被彻底删除）")
                if (c.deleted_at is not None) == trashed:
                    continue
                # The trash time, as it is now (restore) or as it becomes (trash): undo puts it back.
                steps.append(
                    {
                        "id": c.id,
                        "created": undo_log.encode(c.created_at),
                        "deleted_at": undo_log.encode(now if trashed else c.deleted_at),
                    }
                )
                self._move_trash(s, c, now if trashed else None, now)
                done.add(CaseId(case_id))
            if steps:
                undo_log.record(s, UndoOp.CASES_TRASH if trashed else UndoOp.CASES_RESTORE, {"cases": steps})
        return Changes(cases=frozenset(done), case_list=bool(done))

    @staticmethod
    def _move_trash(
        s: Session, c: m.Case, deleted_at: datetime | None, now: datetime, reason: str = ""
    ) -> None:
        c.deleted_at = deleted_at
        c.updated_at = now
        kind = EventKind.TRASHED if deleted_at is not None else EventKind.RESTORED
        s.add(new_event(c.id, kind, at=now, data={"reason": reason} if reason else None))

    # -- undo -------------------------------------------------------------------------------
    def reverse(self, s: Session, op: UndoOp, payload: dict[str, Any]) -> Changes:
        """Take back a step of the undo log inside the caller's transaction (UndoService.undo()).

        Undo restores the state before the step exactly (the workflow's rules are for moving on, not
        back). A case changed after the step raises UndoConflict; the caller's transaction then rolls
        back whatever this call wrote before it, so a step is taken back whole or not at all.
        """
        now = self._now()
        items: list[dict[str, Any]] = list(payload.get("cases", ()))
        done: set[CaseId] = set()
        for item in items:
            case_id = CaseId(int(item["id"]))
            c = s.get(m.Case, case_id, with_for_update=True)
            if not undo_log.case_identity(c, item):
                raise UndoConflict(f"售后记录 #{case_id} 已被彻底删除")
            assert c is not None
            if op == UndoOp.CASES_TRASH:
                if c.deleted_at is None:
                    raise UndoConflict(f"售后记录 #{case_id} 已经不在回收站里了")
                self._move_trash(s, c, None, now, "undo_trash")
            elif op == UndoOp.CASES_RESTORE:
                if c.deleted_at is not None:
                    raise UndoConflict(f"售后记录 #{case_id} 已经又在回收站里了")
                when = undo_log.decode_time(item.get("deleted_at")) or now
                self._move_trash(s, c, when, now, "undo_restore")
            elif op == UndoOp.CASES_BULK:
                self._revert_fields(s, c, item, now)
            else:
                raise ValueError(f"not a case operation: {op}")
            done.add(case_id)
        return Changes(cases=frozenset(done), case_list=bool(done))

    def _revert_fields(self, s: Session, c: m.Case, item: dict[str, Any], now: datetime) -> None:
        """Put back the columns a bulk change set, if each still holds what the change left there."""
        before: dict[str, Any] = item.get("before", {})
        after: dict[str, Any] = item.get("after", {})
        for key, value in after.items():
            if undo_log.encode(getattr(c, key)) != value:
                label = CASE_FIELD_LABELS.get(key, "截止时间")
                raise UndoConflict(f"售后记录 #{c.id} 的{label}之后又被修改过")
        restored = {key: _decode_case_value(key, raw) for key, raw in before.items()}
        shop = restored.get("shop_id")
        if shop is not None and s.get(m.Shop, shop) is None:
            raise UndoConflict(f"售后记录 #{c.id} 原来的店铺已被删除")
        for key, value in restored.items():
            old = getattr(c, key)
            setattr(c, key, value)
            if key in CASE_FIELD_LABELS:  # the paused-clock column is not a field of its own on the timeline
                s.add(self._field_event(s, c.id, now, key, old, value, {"reason": "undo_bulk"}))
        c.updated_at = now

    def purge(self, ids: Iterable[CaseId]) -> tuple[Changes, list[str]]:
        """Delete trashed cases for good, with their evidence rows, timeline and packets.

        Returns the evidence originals (SHA-256) the cases used (and that undo steps about them held),
        for EvidenceService.purge() to remove those nothing else uses. Cases not in the trash are
        refused: deleting is always two steps.
        """
        wanted = [CaseId(i) for i in ids]
        with self._sessions.begin() as s:
            rows = s.execute(select(m.Case.id, m.Case.deleted_at).where(m.Case.id.in_(wanted))).all()
            live = [r[0] for r in rows if r[1] is None]
            if live:
                raise ValidationFailed(
                    f"售后记录 #{live[0]} 不在回收站里：请先删除（移入回收站），再从回收站彻底删除。"
                )
            found = [CaseId(r[0]) for r in rows]
            shas = list(s.scalars(select(m.Evidence.sha256).where(m.Evidence.case_id.in_(found)).distinct()))
            if found:
                s.execute(delete(m.Case).where(m.Case.id.in_(found), m.Case.deleted_at.is_not(None)))
                # Steps that touched them can never be taken back; their removed evidence goes too.
                shas += undo_log.forget_cases(s, found)
        if self._packets_dir is not None:
            for case_id in found:
                shutil.rmtree(self._packets_dir / f"case-{case_id}", ignore_errors=True)
        return Changes(cases=frozenset(found), case_list=bool(found)), shas

    @staticmethod
    def _shop_label(s: Session, shop_id: Any) -> str:
        if shop_id is None:
            return ""
        shop = s.get(m.Shop, shop_id)
        return shop.name if shop is not None else f"#{shop_id}"

    @classmethod
    def _field_event(
        cls,
        s: Session,
        case_id: int,
        now: datetime,
        key: str,
        old: Any,
        new: Any,
        data: dict[str, Any] | None,
    ) -> m.Event:
        """A field change on the timeline: keys in old/new; a shop's name rides along, since shops can go."""
        payload = dict(data or {})
        if key == "shop_id":
            payload.update(old_name=cls._shop_label(s, old), new_name=cls._shop_label(s, new))
        return new_event(case_id, EventKind.FIELD_CHANGED, at=now, field=key, old=old, new=new, data=payload)


# The platform's short texts (售后状态, 运单号 …) fit their VARCHAR(64); sku信息 and 备注 are longer.
_FACT_LIMITS = {"sku_info": 2000, "platform_remark": 2000}
# Platform facts the operator may type too (case fields as well): an empty export cell never clears them.
_TYPED_FACTS = frozenset({"return_tracking_no"})

# Columns the workflow moves along with a status (see _clock_follows_status).
_CLOCK_FIELDS = ("due_at", "due_paused_at")
_TIME_FIELDS = frozenset({"due_at", "due_paused_at", "deleted_at", "created_at", "updated_at"})


def _decode_case_value(key: str, raw: Any) -> Any:
    """A column value from an undo payload (undo_log.encode() wrote it)."""
    if raw is None:
        return None
    if key in ENUM_FIELDS:
        return ENUM_FIELDS[key][raw]
    if key in MONEY_FIELDS:
        return Decimal(raw)
    if key in _TIME_FIELDS:
        return undo_log.decode_time(raw)
    if key == "shop_id":
        return ShopId(int(raw))
    return raw


def _fetch_ids(result: Any) -> list[int]:
    """The first column of every row, read straight from the DB-API cursor.

    For a list of 100,000 ids SQLAlchemy's Row objects cost four times the query itself (140 ms against
    35 ms); an id needs no type processing, so the driver's tuples are used as they are.
    """
    try:
        rows = result.cursor.fetchall()
    except AttributeError:  # a buffered result: the rows were read already
        return list(result.scalars())
    finally:
        result.close()
    return [row[0] for row in rows]


def _chunks(items: list[Any], size: int) -> Iterable[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
