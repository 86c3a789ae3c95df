"""Cases: create, edit with a timeline of every change, list and search."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, fields
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker

from desk.db import models as m
from desk.db.types import utcnow
from desk.domain import (
    CASE_FIELD_LABELS,
    CaseData,
    CaseDraft,
    CaseId,
    CaseRow,
    CaseStatus,
    CaseType,
    Changes,
    EventData,
    EventKind,
    Platform,
    ShopId,
)
from desk.errors import EditConflict, NotFound, ValidationFailed
from desk.services import convert

PDD_ORDER_RE = re.compile(r"^\d{6}-\d{15}$")
MAX_TEXT = 20_000
MAX_SHORT = 64
SHORT_FIELDS = ("order_no", "after_sales_no", "tracking_no", "courier")


def display_value(field: str, value: Any) -> str:
    """How a field's value reads in the timeline and in messages."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def clean_text(value: str) -> str:
    # NUL and lone surrogates cannot be stored or printed; they never come from a real keyboard.
    value = value.replace("\x00", "")
    return value.encode("utf-8", "replace").decode("utf-8")


def parse_money(value: Any, label: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        text = str(value).strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "")
        amount = Decimal(text)
    except (InvalidOperation, ValueError) as exc:
        raise ValidationFailed(f"{label}“{value}”不是有效的金额") from exc
    if not amount.is_finite() or amount < 0:
        raise ValidationFailed(f"{label}不能为负数或无效值：{value}")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed(f"{label}最多两位小数：{value}")
    if amount >= Decimal("100000000"):
        raise ValidationFailed(f"{label}过大：{value}")
    return amount.quantize(Decimal("0.01"))


def like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class CaseService:
    """One unit of work per call; returns data objects and what changed."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    # -- validation -------------------------------------------------------------------------
    def _normalise(self, values: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in values.items():
            if key not in CASE_FIELD_LABELS:
                raise ValidationFailed(f"未知字段：{key}")
            label = CASE_FIELD_LABELS[key]
            if key == "platform":
                out[key] = _enum(Platform, value, label)
            elif key == "case_type":
                out[key] = _enum(CaseType, value, label)
            elif key == "status":
                out[key] = _enum(CaseStatus, value, label)
            elif key in ("order_amount", "refund_amount"):
                out[key] = parse_money(value, label)
            elif key == "shop_id":
                out[key] = None if value in (None, "", 0) else ShopId(int(value))
            else:
                text = (
                    clean_text(str(value or "")).strip()
                    if key in SHORT_FIELDS
                    else clean_text(str(value or ""))
                )
                limit = MAX_SHORT if key in SHORT_FIELDS else MAX_TEXT
                if len(text) > limit:
                    raise ValidationFailed(f"{label}太长（{len(text)} 个字符，上限 {limit}）")
                out[key] = text
        return out

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
        if not draft.order_no and not draft.after_sales_no:
            notes.append("还没有填写订单号或售后单号，申诉材料里将缺少这一项")
        if (
            draft.refund_amount is not None
            and draft.order_amount is not None
            and draft.refund_amount > draft.order_amount
        ):
            notes.append("退款金额大于订单金额，请核对")
        return notes

    # -- reads ------------------------------------------------------------------------------
    def get(self, case_id: CaseId) -> CaseData:
        with self._sessions() as s:
            c = s.get(m.Case, case_id)
            if c is None:
                raise NotFound(f"售后记录 #{case_id} 不存在（可能已被删除）")
            count = s.scalar(
                select(func.count()).select_from(m.Evidence).where(m.Evidence.case_id == case_id)
            )
            return convert.case(c, int(count or 0))

    def list_ids(self, search: str = "") -> list[CaseId]:
        """Ids newest-updated first; the search is literal (no wildcards, no syntax)."""
        query = select(m.Case.id).order_by(m.Case.updated_at.desc(), m.Case.id.desc())
        text = clean_text(search).strip()
        if text:
            pattern = like_pattern(text)
            query = query.where(
                or_(
                    *(
                        col.like(pattern, escape="\\")
                        for col in (
                            m.Case.order_no,
                            m.Case.after_sales_no,
                            m.Case.tracking_no,
                            m.Case.buyer_nick,
                        )
                    )
                )
            )
        with self._sessions() as s:
            return [CaseId(i) for i in s.scalars(query)]

    def rows(self, ids: Sequence[CaseId]) -> dict[CaseId, CaseRow]:
        if not ids:
            return {}
        with self._sessions() as s:
            query = (
                select(m.Case, m.Shop.name)
                .outerjoin(m.Shop, m.Shop.id == m.Case.shop_id)
                .where(m.Case.id.in_(list(ids)))
            )
            return {CaseId(c.id): convert.case_row(c, name or "") for c, name in s.execute(query)}

    def timeline(self, case_id: CaseId) -> list[EventData]:
        with self._sessions() as s:
            events = s.scalars(select(m.Event).where(m.Event.case_id == case_id).order_by(m.Event.id))
            return [convert.event(e) for e in events]

    # -- writes -----------------------------------------------------------------------------
    def create(self, draft: CaseDraft) -> tuple[CaseData, Changes]:
        values = self._normalise(asdict(draft))
        with self._sessions.begin() as s:
            if values["shop_id"] is not None and s.get(m.Shop, values["shop_id"]) is None:
                raise ValidationFailed("所选店铺不存在")
            now = utcnow()
            c = m.Case(**values, created_at=now, updated_at=now)
            s.add(c)
            s.flush()
            s.add(m.Event(case_id=c.id, at=now, kind=EventKind.CREATED, detail=f"新建售后：{c.case_type}"))
            s.flush()
            data = convert.case(c)
        return data, Changes(cases=frozenset({data.id}), case_list=True)

    def update(
        self, case_id: CaseId, *, expected_version: int | None = None, **changes: Any
    ) -> tuple[CaseData, Changes]:
        """Apply the given fields in one transaction; each real change becomes a timeline entry.

        With expected_version (the CaseData.version the editor loaded), a save on top of someone
        else's newer save is refused with EditConflict instead of silently overwriting it.
        """
        values = self._normalise(changes)
        with self._sessions.begin() as s:
            c = s.get(m.Case, case_id, with_for_update=expected_version is not None)
            if c is None:
                raise NotFound(f"售后记录 #{case_id} 不存在（可能已被删除）")
            if expected_version is not None and c.version != expected_version:
                raise EditConflict(
                    f"售后记录 #{case_id} 已被他人（或另一个窗口）修改过，为避免覆盖对方的修改，本次未保存。"
                    "请重新载入后再修改。"
                )
            if (
                "shop_id" in values
                and values["shop_id"] is not None
                and s.get(m.Shop, values["shop_id"]) is None
            ):
                raise ValidationFailed("所选店铺不存在")
            now = utcnow()
            changed = False
            for key, new in values.items():
                old = getattr(c, key)
                if old == new:
                    continue
                changed = True
                setattr(c, key, new)
                s.add(
                    m.Event(
                        case_id=c.id,
                        at=now,
                        kind=EventKind.FIELD_CHANGED,
                        field=key,
                        old=self._shop_label(s, old) if key == "shop_id" else display_value(key, old),
                        new=self._shop_label(s, new) if key == "shop_id" else display_value(key, new),
                    )
                )
            if changed:
                c.updated_at = now
            s.flush()
            count = s.scalar(
                select(func.count()).select_from(m.Evidence).where(m.Evidence.case_id == case_id)
            )
            data = convert.case(c, int(count or 0))
        return data, Changes(cases=frozenset({data.id}) if changed else frozenset())

    def add_note(self, case_id: CaseId, text: str) -> Changes:
        text = clean_text(text).strip()
        if not text:
            raise ValidationFailed("备注内容为空")
        with self._sessions.begin() as s:
            c = s.get(m.Case, case_id)
            if c is None:
                raise NotFound(f"售后记录 #{case_id} 不存在")
            s.add(m.Event(case_id=case_id, kind=EventKind.NOTE, detail=text[:MAX_TEXT]))
            c.updated_at = utcnow()
        return Changes(cases=frozenset({case_id}))

    @staticmethod
    def _shop_label(s: Session, shop_id: Any) -> str:
        if shop_id is None:
            return ""
        shop = s.get(m.Shop, shop_id)
        return shop.name if shop is not None else f"#{shop_id}"


def _enum(cls: Any, value: Any, label: str) -> Any:
    try:
        return cls(value)
    except ValueError as exc:
        allowed = "、".join(v.value for v in cls)
        raise ValidationFailed(f"{label}“{value}”无效，可选：{allowed}") from exc


def draft_fields() -> tuple[str, ...]:
    return tuple(f.name for f in fields(CaseDraft))
