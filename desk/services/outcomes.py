"""Outcomes and money: the platform's decision on each appeal, courier claims (快递理赔) with their packet,
and what a case still lacks before it is closed.

Money has one truth. The case's 申诉追回 (recovered_appeal) and 快递赔付 (recovered_courier) stay the columns
every total reads (the case's net cost, the list, the statistics). Once a case's appeals (or claims) carry
amounts, those columns are their sum: each write here that touches an amount sets the column in the same
transaction, with a timeline entry "修改申诉追回 … （按申诉结果）". A case whose appeals carry no amount
keeps what the operator typed; closing_gaps() names a column that was edited away from its outcomes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from desk.db import models as m
from desk.db import models_orders as mo
from desk.db import models_outcomes as mx
from desk.db.types import utcnow
from desk.deadlines import normalise
from desk.domain import (
    AppealResult,
    CaseId,
    CaseStatus,
    Changes,
    ClaimStatus,
    EventKind,
    Resolution,
)
from desk.errors import NotFound, PacketFailed, ValidationFailed
from desk.labels import APPEAL_KIND_LABELS, CASE_FIELD_LABELS, appeal_kind_key, appeal_kind_label, local_time
from desk.services.cases import clean_text, parse_money
from desk.services.events import new_event

if TYPE_CHECKING:
    from desk.services.evidence import EvidenceService
    from desk.services.weights import WeightService

MAX_NOTE = 2_000
MAX_SHORT = 64
DECIDED = (AppealResult.WON, AppealResult.PARTIAL, AppealResult.REJECTED)
OPEN_CLAIMS = (ClaimStatus.FILED, ClaimStatus.PROCESSING)
PAID_CLAIMS = (ClaimStatus.PAID, ClaimStatus.PARTIAL)

APPEAL_FIELDS: dict[str, str] = {
    "appeal_kind": "申诉类型",
    "submitted_at": "提交时间",
    "decided_at": "结果时间",
    "result": "申诉结果",
    "amount_returned": "追回金额",
    "note": "备注",
}
CLAIM_FIELDS: dict[str, str] = {
    "courier": "快递公司",
    "claim_no": "理赔单号",
    "filed_at": "提交时间",
    "status": "理赔状态",
    "amount_claimed": "索赔金额",
    "amount_paid": "赔付金额",
    "paid_at": "赔付时间",
    "note": "备注",
}
_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ t]*(\d{1,2})\s*[:：时点]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2})秒?)?分?)?$"
)


@dataclass(frozen=True, slots=True)
class AppealOutcomeData:
    """One appeal of a case and the platform's decision on it."""

    id: int
    case_id: CaseId
    appeal_kind: str  # key (goods, freight, dispute_rate, a platform's own kind; "" generic)
    submitted_at: datetime | None
    decided_at: datetime | None
    result: AppealResult
    amount_returned: Decimal | None
    note: str
    created_at: datetime
    updated_at: datetime

    @property
    def kind_label(self) -> str:
        return appeal_kind_label(self.appeal_kind)

    @property
    def decided(self) -> bool:
        return self.result in DECIDED


@dataclass(frozen=True, slots=True)
class CourierClaimData:
    """A claim against the courier for a case's parcel."""

    id: int
    case_id: CaseId
    courier: str
    claim_no: str
    filed_at: datetime | None
    status: ClaimStatus
    amount_claimed: Decimal | None
    amount_paid: Decimal | None
    paid_at: datetime | None
    note: str
    created_at: datetime
    updated_at: datetime

    @property
    def name(self) -> str:
        """How the operator tells claims apart: its number, else its row."""
        return f"理赔单号 {self.claim_no}" if self.claim_no else f"理赔 #{self.id}"


@dataclass(frozen=True, slots=True)
class ClosingGap:
    """Something a case lacks before it can be closed with its books complete."""

    key: str  # stable: "appeal_pending:3", "claim_open:2", "money:refund_paid", …
    text: str


@dataclass(frozen=True, slots=True)
class ClaimPacketResult:
    """A finished courier-claim packet."""

    path: Path
    claim: CourierClaimData
    page_count: int
    sha256: str
    warnings: tuple[str, ...]
    changes: Changes


def parse_when(value: Any, label: str, *, now: datetime | None = None) -> datetime | None:
    """A past moment: an aware datetime, or "2026-12-01", "2026-12-01 14:30", "2026年12月1日" (local time).

    A date alone is that day's start. Later than a day from now is refused: outcomes are what happened.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValidationFailed(f"{label}缺少时区")
        when = value.astimezone(UTC)
    else:
        match = _DATE.match(normalise(str(value)))
        if match is None:
            raise ValidationFailed(f"{label}“{value}”无法识别，请写成 2026-12-01 或 2026-12-01 14:30")
        y, mo_, d, h, mi, sec = (int(x) if x else 0 for x in match.groups())
        try:
            local = datetime(y, mo_, d, h, mi, sec)
        except ValueError as exc:
            raise ValidationFailed(f"{label}“{value}”不是有效的日期") from exc
        when = local.astimezone().astimezone(UTC)
    if when > (now or utcnow()) + timedelta(days=1):
        raise ValidationFailed(f"{label}不能晚于现在：{local_time(when)}")
    return when


def _text(value: Any, label: str, limit: int) -> str:
    raw = clean_text(str(value or ""))
    text = " ".join(raw.split()) if limit <= MAX_SHORT else raw.strip()
    if len(text) > limit:
        raise ValidationFailed(f"{label}太长（{len(text)} 个字符，上限 {limit}）")
    return text


def _appeal_kind(text: str) -> str:
    """The key of an appeal kind given as a key, its words, or the last part of them (运费申诉 → freight); a
    platform's own kind keeps its name."""
    key = appeal_kind_key(text)
    if key and key not in APPEAL_KIND_LABELS:
        parts = [k for k, words in APPEAL_KIND_LABELS.items() if key in words.split(" · ")]
        if len(parts) == 1:
            return parts[0]
    return key


def _member(cls: Any, value: Any, label: str) -> Any:
    try:
        return cls(value)
    except ValueError as exc:
        allowed = "、".join(str(v) for v in cls)
        raise ValidationFailed(f"{label}“{value}”无效，可选：{allowed}") from exc


def appeal_data(r: mx.AppealOutcome) -> AppealOutcomeData:
    return AppealOutcomeData(
        id=r.id,
        case_id=CaseId(r.case_id),
        appeal_kind=r.appeal_kind or "",
        submitted_at=r.submitted_at,
        decided_at=r.decided_at,
        result=r.result,
        amount_returned=r.amount_returned,
        note=r.note or "",
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


def claim_data(r: mx.CourierClaim) -> CourierClaimData:
    return CourierClaimData(
        id=r.id,
        case_id=CaseId(r.case_id),
        courier=r.courier or "",
        claim_no=r.claim_no or "",
        filed_at=r.filed_at,
        status=r.status,
        amount_claimed=r.amount_claimed,
        amount_paid=r.amount_paid,
        paid_at=r.paid_at,
        note=r.note or "",
        created_at=r.created_at,
        updated_at=r.updated_at,
    )


def _sum(amounts: Sequence[Decimal | None]) -> Decimal | None:
    given = [a for a in amounts if a is not None]
    return sum(given, Decimal("0.00")) if given else None


class OutcomeService:
    """Appeal decisions and courier claims of cases; one transaction per call, (data, Changes) back."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        evidence: EvidenceService | None = None,
        weights: WeightService | None = None,
        packets_dir: Path | None = None,
        font_path: Callable[[], Path | None] = lambda: None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._evidence = evidence
        self._weights = weights
        self._packets_dir = packets_dir
        self._font_path = font_path
        self._now = clock

    # -- validation -------------------------------------------------------------------------------------

    def _appeal_values(self, values: dict[str, Any], now: datetime) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in values.items():
            label = APPEAL_FIELDS.get(key)
            if label is None:
                raise ValidationFailed(f"未知字段：{key}")
            if key == "appeal_kind":
                out[key] = _appeal_kind(_text(value, label, MAX_SHORT))
            elif key == "result":
                out[key] = _member(AppealResult, value, label)
            elif key == "amount_returned":
                out[key] = parse_money(value, label)
            elif key in ("submitted_at", "decided_at"):
                out[key] = parse_when(value, label, now=now)
            else:
                out[key] = _text(value, label, MAX_NOTE)
        return out

    @staticmethod
    def _check_appeal(r: mx.AppealOutcome, now: datetime, *, decided_given: bool) -> None:
        """The rules of one appeal row, after the values are set on it."""
        if r.result == AppealResult.PENDING:
            if decided_given and r.decided_at is not None:
                raise ValidationFailed("还在等待结果的申诉不能有结果时间：请先选择申诉结果")
            r.decided_at = None
            if r.amount_returned is not None:
                raise ValidationFailed("还在等待结果的申诉不能有追回金额：请先选择申诉结果")
        elif r.decided_at is None:
            r.decided_at = now  # decided today, unless told otherwise
        if r.result == AppealResult.REJECTED and r.amount_returned:
            raise ValidationFailed("申诉被驳回时没有追回金额：请改为“部分支持”或清空金额")
        if r.submitted_at and r.decided_at and r.submitted_at > r.decided_at:
            raise ValidationFailed(
                f"结果时间 {local_time(r.decided_at)} 早于提交时间 {local_time(r.submitted_at)}，请核对"
            )

    def _claim_values(self, values: dict[str, Any], now: datetime) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in values.items():
            label = CLAIM_FIELDS.get(key)
            if label is None:
                raise ValidationFailed(f"未知字段：{key}")
            if key == "status":
                out[key] = _member(ClaimStatus, value, label)
            elif key in ("amount_claimed", "amount_paid"):
                out[key] = parse_money(value, label)
            elif key in ("filed_at", "paid_at"):
                out[key] = parse_when(value, label, now=now)
            elif key in ("courier", "claim_no"):
                out[key] = _text(value, label, MAX_SHORT)
            else:
                out[key] = _text(value, label, MAX_NOTE)
        return out

    @staticmethod
    def _check_claim(r: mx.CourierClaim, now: datetime) -> None:
        if r.status in PAID_CLAIMS:
            if r.paid_at is None and r.amount_paid is not None:
                r.paid_at = now
        elif r.amount_paid:
            raise ValidationFailed(
                f"理赔状态为“{r.status}”时没有赔付金额：请改为“已赔付”或“部分赔付”，或清空金额"
            )
        if r.filed_at and r.paid_at and r.filed_at > r.paid_at:
            raise ValidationFailed(
                f"赔付时间 {local_time(r.paid_at)} 早于提交时间 {local_time(r.filed_at)}，请核对"
            )

    # -- appeals ----------------------------------------------------------------------------------------

    def appeals(self, case_id: CaseId) -> list[AppealOutcomeData]:
        """The case's appeals, oldest first."""
        with self._sessions() as s:
            rows = s.scalars(
                select(mx.AppealOutcome)
                .where(mx.AppealOutcome.case_id == case_id)
                .order_by(mx.AppealOutcome.id)
            )
            return [appeal_data(r) for r in rows]

    def record_appeal(
        self,
        case_id: CaseId,
        *,
        appeal_kind: str | None = None,
        result: AppealResult | str = AppealResult.PENDING,
        submitted_at: Any = None,
        decided_at: Any = None,
        amount_returned: Any = None,
        note: str = "",
    ) -> tuple[AppealOutcomeData, Changes]:
        """An appeal sent to the platform (kind: the case's own appeal type unless given), with its decision
        when there is one. Undone by remove_appeal."""
        now = self._now()
        values = self._appeal_values(
            {
                "result": result,
                "submitted_at": submitted_at,
                "decided_at": decided_at,
                "amount_returned": amount_returned,
                "note": note,
                **({"appeal_kind": appeal_kind} if appeal_kind is not None else {}),
            },
            now,
        )
        with self._sessions.begin() as s:
            c = _case(s, case_id)
            before = self._amounts(s, mx.AppealOutcome, case_id)
            r = mx.AppealOutcome(case_id=case_id, created_at=now, updated_at=now)
            r.appeal_kind = values.pop("appeal_kind", c.appeal_type or "")
            for key, value in values.items():
                setattr(r, key, value)
            self._check_appeal(r, now, decided_given=decided_at is not None)
            s.add(r)
            s.flush()
            s.add(new_event(case_id, EventKind.APPEAL_OUTCOME, at=now, data=_appeal_event("add", r)))
            self._sync(s, c, "recovered_appeal", before, self._amounts(s, mx.AppealOutcome, case_id), now)
            data = appeal_data(r)
        return data, Changes(cases=frozenset({case_id}))

    def update_appeal(self, outcome_id: int, **fields: Any) -> tuple[AppealOutcomeData, Changes]:
        """Change an appeal's fields (a decision that came in, a corrected amount)."""
        now = self._now()
        values = self._appeal_values(fields, now)

        def check(r: Any) -> None:
            self._check_appeal(r, now, decided_given="decided_at" in values)

        data, changes = self._update(_APPEALS, outcome_id, values, check, now)
        return data, changes

    def remove_appeal(self, outcome_id: int) -> Changes:
        return self._remove(_APPEALS, outcome_id)

    # -- courier claims ---------------------------------------------------------------------------------

    def claims(self, case_id: CaseId) -> list[CourierClaimData]:
        with self._sessions() as s:
            rows = s.scalars(
                select(mx.CourierClaim).where(mx.CourierClaim.case_id == case_id).order_by(mx.CourierClaim.id)
            )
            return [claim_data(r) for r in rows]

    def claim(self, claim_id: int) -> CourierClaimData:
        with self._sessions() as s:
            return claim_data(_CLAIMS.get(s, claim_id))

    def record_claim(
        self,
        case_id: CaseId,
        *,
        courier: str | None = None,
        claim_no: str = "",
        status: ClaimStatus | str = ClaimStatus.FILED,
        filed_at: Any = None,
        amount_claimed: Any = None,
        amount_paid: Any = None,
        paid_at: Any = None,
        note: str = "",
    ) -> tuple[CourierClaimData, Changes]:
        """A claim filed with the courier (courier: the case's own unless given; filed today unless told)."""
        now = self._now()
        values = self._claim_values(
            {
                "claim_no": claim_no,
                "status": status,
                "filed_at": filed_at,
                "amount_claimed": amount_claimed,
                "amount_paid": amount_paid,
                "paid_at": paid_at,
                "note": note,
                **({"courier": courier} if courier is not None else {}),
            },
            now,
        )
        with self._sessions.begin() as s:
            c = _case(s, case_id)
            before = self._amounts(s, mx.CourierClaim, case_id)
            r = mx.CourierClaim(case_id=case_id, created_at=now, updated_at=now)
            r.courier = values.pop("courier", c.courier or "")
            for key, value in values.items():
                setattr(r, key, value)
            if r.filed_at is None:
                r.filed_at = now
            self._check_claim(r, now)
            s.add(r)
            s.flush()
            s.add(new_event(case_id, EventKind.COURIER_CLAIM, at=now, data=_claim_event("add", r)))
            self._sync(s, c, "recovered_courier", before, self._amounts(s, mx.CourierClaim, case_id), now)
            data = claim_data(r)
        return data, Changes(cases=frozenset({case_id}))

    def update_claim(self, claim_id: int, **fields: Any) -> tuple[CourierClaimData, Changes]:
        now = self._now()
        values = self._claim_values(fields, now)
        data, changes = self._update(_CLAIMS, claim_id, values, lambda r: self._check_claim(r, now), now)
        return data, changes

    def remove_claim(self, claim_id: int) -> Changes:
        return self._remove(_CLAIMS, claim_id)

    # -- one path for editing and removing either kind of record ----------------------------------------

    def _update(
        self,
        kind: _Records,
        record_id: int,
        values: dict[str, Any],
        check: Callable[[Any], None],
        now: datetime,
    ) -> tuple[Any, Changes]:
        """Apply values to one record, check it, and (when anything changed) write the timeline entry with
        the previous values of the fields the entry tracks, and keep the case's recovered column its sum.
        Returns the record's data as it is after the change."""
        with self._sessions.begin() as s:
            r = kind.get(s, record_id)
            c = _case(s, CaseId(r.case_id))
            before = self._amounts(s, kind.table, c.id)
            old = {field: getattr(r, field) for field in kind.tracked}
            changed = False
            for key, value in values.items():
                if getattr(r, key) != value:
                    setattr(r, key, value)
                    changed = True
            check(r)
            if not changed:
                return kind.data(r), Changes()
            r.updated_at = now
            s.flush()
            data = kind.event_data("edit", r)
            for field, key in kind.tracked.items():
                if old[field] != getattr(r, field):
                    data[key] = old[field]
            s.add(new_event(c.id, kind.event, at=now, data=data))
            self._sync(s, c, kind.recovered, before, self._amounts(s, kind.table, c.id), now)
            out = kind.data(r)
        return out, Changes(cases=frozenset({CaseId(c.id)}))

    def _remove(self, kind: _Records, record_id: int) -> Changes:
        with self._sessions.begin() as s:
            r = kind.get(s, record_id)
            now = self._now()
            c = _case(s, CaseId(r.case_id))
            before = self._amounts(s, kind.table, c.id)
            s.add(new_event(c.id, kind.event, at=now, data=kind.event_data("remove", r)))
            s.delete(r)
            s.flush()
            self._sync(s, c, kind.recovered, before, self._amounts(s, kind.table, c.id), now)
        return Changes(cases=frozenset({CaseId(c.id)}))

    # -- money ------------------------------------------------------------------------------------------

    @staticmethod
    def _amounts(s: Session, table: Any, case_id: int) -> list[Decimal | None]:
        column = table.amount_returned if table is mx.AppealOutcome else table.amount_paid
        return list(s.scalars(select(column).where(table.case_id == case_id)))

    @staticmethod
    def _sync(
        s: Session,
        c: m.Case,
        field: str,
        before: list[Decimal | None],
        after: list[Decimal | None],
        now: datetime,
    ) -> None:
        """Set the case's recovered column to the sum of its outcomes' amounts, when they carry any."""
        if all(a is None for a in (*before, *after)):
            return  # no amount either way: what the operator typed stays
        total = _sum(after)
        old = getattr(c, field)
        if old == total:
            return
        setattr(c, field, total)
        c.updated_at = now
        reason = "appeal_outcome" if field == "recovered_appeal" else "courier_claim"
        s.add(
            new_event(
                c.id,
                EventKind.FIELD_CHANGED,
                at=now,
                field=field,
                old=old,
                new=total,
                data={"reason": reason},
            )
        )

    # -- closing ----------------------------------------------------------------------------------------

    def closing_gaps(self, case_id: CaseId) -> tuple[ClosingGap, ...]:
        """What the case lacks before 已结案: appeals without a decision, claims without a result, money not
        filled in. Empty when the books of the case are complete."""
        with self._sessions() as s:
            c = _case(s, case_id)
            appeals = [
                appeal_data(r)
                for r in s.scalars(
                    select(mx.AppealOutcome)
                    .where(mx.AppealOutcome.case_id == case_id)
                    .order_by(mx.AppealOutcome.id)
                )
            ]
            claims = [
                claim_data(r)
                for r in s.scalars(
                    select(mx.CourierClaim)
                    .where(mx.CourierClaim.case_id == case_id)
                    .order_by(mx.CourierClaim.id)
                )
            ]
            gaps: list[ClosingGap] = []
            for a in appeals:
                what = (
                    f"申诉（{a.kind_label}"
                    + (f"，{local_time(a.submitted_at)} 提交" if a.submitted_at else "")
                    + "）"
                )
                if a.result == AppealResult.PENDING:
                    gaps.append(ClosingGap(f"appeal_pending:{a.id}", f"{what}还没有平台结果"))
                elif a.result in (AppealResult.WON, AppealResult.PARTIAL) and a.amount_returned is None:
                    gaps.append(ClosingGap(f"appeal_amount:{a.id}", f"{what}{a.result}，但没有填写追回金额"))
            if not appeals and c.status in (CaseStatus.APPEALING, CaseStatus.APPEAL_SUBMITTED):
                gaps.append(ClosingGap("appeal_missing", f"状态为“{c.status}”，但还没有记录申诉及其结果"))
            for cl in claims:
                who = f"快递理赔（{cl.courier + '，' if cl.courier else ''}{cl.name}）"
                if cl.status in OPEN_CLAIMS:
                    gaps.append(ClosingGap(f"claim_open:{cl.id}", f"{who}还没有结果"))
                elif cl.status in PAID_CLAIMS and cl.amount_paid is None:
                    gaps.append(ClosingGap(f"claim_amount:{cl.id}", f"{who}{cl.status}，但没有填写赔付金额"))
            if not claims and c.resolution == Resolution.COURIER_CLAIM:
                gaps.append(ClosingGap("claim_missing", "处理方式是快递理赔，但还没有记录理赔"))
            gaps += _money_gaps(c, appeals, claims)
        return tuple(gaps)

    # -- the claim packet -------------------------------------------------------------------------------

    def claim_packet(
        self, claim_id: int, out_path: Path | None = None, *, generated_at: datetime | None = None
    ) -> ClaimPacketResult:
        """The courier-claim PDF of a claim, from the case's weight evidence (desk/pdf/claim.py); the case's
        timeline records it. Refused when the case has no evidence a courier would accept."""
        from desk.pdf.claim import CLAIM_EVIDENCE_WORDS, ClaimFacts, build_claim_packet
        from desk.pdf.fonts import resolve_fonts
        from desk.services.packets import packet_evidence

        if self._evidence is None or self._weights is None or self._packets_dir is None:
            raise PacketFailed("这个桌面没有证据库，无法生成理赔材料")
        when = generated_at or self._now()
        with self._sessions() as s:
            r = s.get(mx.CourierClaim, claim_id)
            if r is None:
                raise NotFound(f"快递理赔 #{claim_id} 不存在（可能已被删除）")
            claim = claim_data(r)
            c = _case(s, claim.case_id)
            order = (
                s.scalars(
                    select(mo.Order).where(mo.Order.order_no == c.order_no, mo.Order.platform == c.platform)
                ).first()
                if c.order_no
                else None
            )
            order_times = tuple(
                (label, local_time(at))
                for label, at in (
                    (("发货时间", order.shipped_at), ("签收时间", order.signed_at))
                    if order is not None
                    else ()
                )
                if at is not None
            )
            case_fields = (
                c.tracking_no,
                c.order_no,
                c.shop.name if c.shop is not None else "",
                c.case_type,
                c.order_amount,
                c.description,
            )
        tracking_no, order_no, shop_name, case_type, order_amount, description = case_fields
        items = [
            packet_evidence(e, self._evidence.blob_path_for(e.sha256))
            for e in self._evidence.list(claim.case_id)
        ]
        if not any(e.kind in CLAIM_EVIDENCE_WORDS for e in items):
            raise ValidationFailed(
                f"售后记录 #{claim.case_id} 还没有称重图、快递内网重量图、商品与面单合照或包裹照片，"
                "无法生成理赔材料：请先添加这些证据。"
            )
        check = self._weights.check(claim.case_id)
        facts = ClaimFacts(
            courier=claim.courier,
            tracking_no=tracking_no,
            claim_no=claim.claim_no,
            order_no=order_no,
            shop_name=shop_name,
            case_type=case_type,
            amount_claimed=f"¥{claim.amount_claimed:.2f}" if claim.amount_claimed is not None else "",
            order_amount=f"¥{order_amount:.2f}" if order_amount is not None else "",
            description=description,
            weight_sentence=check.sentence(),
            weight_table=self._weights.packet_table(claim.case_id),
            evidence=tuple(items),
            generated_at=when,
            order_times=order_times,
        )
        path = out_path or self._default_path(claim, when)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PacketFailed(f"无法创建文件夹“{path.parent}”：{exc.strerror or exc}") from exc
        built = build_claim_packet(facts, path, fonts=resolve_fonts(self._font_path()))
        try:
            with self._sessions.begin() as s:
                row = s.get(mx.CourierClaim, claim_id)
                if row is None:
                    raise NotFound(f"快递理赔 #{claim_id} 在生成期间被删除")
                data = _claim_event("packet", row)
                data.update(file=path.name, pages=built.page_count, sha256_prefix=built.sha256[:12])
                s.add(new_event(claim.case_id, EventKind.COURIER_CLAIM, at=self._now(), data=data))
        except BaseException:
            path.unlink(missing_ok=True)  # recorded whole or not at all, like an appeal packet
            raise
        return ClaimPacketResult(
            path=path,
            claim=claim,
            page_count=built.page_count,
            sha256=built.sha256,
            warnings=tuple(built.warnings),
            changes=Changes(cases=frozenset({claim.case_id})),
        )

    def _default_path(self, claim: CourierClaimData, when: datetime) -> Path:
        from desk.fileops import free_path
        from desk.names import safe_filename

        assert self._packets_dir is not None
        label = safe_filename(claim.claim_no, fallback="", max_len=60).strip("._ ") or f"claim{claim.id}"
        stamp = when.astimezone().strftime("%Y%m%d-%H%M%S")
        return free_path(self._packets_dir / f"case-{claim.case_id}", f"理赔材料-{label}-{stamp}", ".pdf")


def _case(s: Session, case_id: CaseId) -> m.Case:
    c = s.get(m.Case, case_id)
    if c is None:
        raise NotFound(f"售后记录 #{case_id} 不存在（可能已被彻底删除）")
    return c


def _appeal_event(action: str, r: mx.AppealOutcome) -> dict[str, Any]:
    return {
        "action": action,
        "id": r.id,
        "appeal_kind": r.appeal_kind or "",
        "result": r.result,
        "amount": r.amount_returned,
    }


def _claim_event(action: str, r: mx.CourierClaim) -> dict[str, Any]:
    return {
        "action": action,
        "id": r.id,
        "courier": r.courier or "",
        "claim_no": r.claim_no or "",
        "status": r.status,
        "claimed": r.amount_claimed,
        "paid": r.amount_paid,
    }


@dataclass(frozen=True, slots=True)
class _Records:
    """An appeal outcome or a courier claim, as the shared edit and remove path sees it."""

    table: Any
    missing: str  # "申诉记录 #{id} …": the message when the record is gone
    event: EventKind
    recovered: str  # the case's column that is the sum of these records' amounts
    event_data: Callable[[str, Any], dict[str, Any]]
    tracked: dict[str, str]  # field -> timeline key that keeps its previous value
    data: Callable[[Any], Any]  # the record as the immutable data the service returns

    def get(self, s: Session, record_id: int) -> Any:
        r = s.get(self.table, record_id)
        if r is None:
            raise NotFound(self.missing.format(id=record_id))
        return r


_APPEALS = _Records(
    mx.AppealOutcome,
    "申诉记录 #{id} 不存在（可能已被删除）",
    EventKind.APPEAL_OUTCOME,
    "recovered_appeal",
    _appeal_event,
    {"result": "old_result", "amount_returned": "old_amount"},
    appeal_data,
)
_CLAIMS = _Records(
    mx.CourierClaim,
    "快递理赔 #{id} 不存在（可能已被删除）",
    EventKind.COURIER_CLAIM,
    "recovered_courier",
    _claim_event,
    {"status": "old_status"},
    claim_data,
)


def _money_gaps(
    c: m.Case, appeals: Sequence[AppealOutcomeData], claims: Sequence[CourierClaimData]
) -> list[ClosingGap]:
    """Money the case's own course says was spent or recovered, but whose amount is not filled in."""
    gaps: list[ClosingGap] = []

    def missing(field: str, why: str) -> None:
        if getattr(c, field) is None:
            gaps.append(ClosingGap(f"money:{field}", f"{why}，但没有填写{CASE_FIELD_LABELS[field]}"))

    if c.status == CaseStatus.REFUNDED or c.resolution in (Resolution.RETURN_REFUND, Resolution.REFUND_ONLY):
        missing("refund_paid", "已退款" if c.status == CaseStatus.REFUNDED else f"处理方式是{c.resolution}")
    if c.status == CaseStatus.RESHIPPED or c.resolution == Resolution.RESHIP:
        missing("reship_cost", "已补发" if c.status == CaseStatus.RESHIPPED else "处理方式是补发")
    if c.resolution == Resolution.COMPENSATE:
        missing("compensation_paid", "处理方式是补差价")
    if c.resolution == Resolution.EXCHANGE:
        missing("freight_paid", "处理方式是换货（往返运费由店铺承担）")
    if c.agreed_compensation is not None and c.compensation_paid is None:
        gaps.append(
            ClosingGap(
                "money:compensation_paid",
                f"与买家协商补偿 ¥{c.agreed_compensation:.2f}，但还没有填写实际支付的补差价",
            )
        )
    for field, amounts, words in (
        ("recovered_appeal", [a.amount_returned for a in appeals], "各次申诉结果"),
        ("recovered_courier", [cl.amount_paid for cl in claims], "各次快递理赔"),
    ):
        total = _sum(amounts)
        if total is not None and getattr(c, field) != total:
            now = getattr(c, field)
            gaps.append(
                ClosingGap(
                    f"money:{field}",
                    f"{CASE_FIELD_LABELS[field]} {'¥' + format(now, '.2f') if now is not None else '未填写'}"
                    f" 与{words}合计 ¥{total:.2f} 不一致",
                )
            )
    # Several gaps may name the same field (a refund by status and by resolution): say it once.
    return list({g.key: g for g in gaps}.values())
