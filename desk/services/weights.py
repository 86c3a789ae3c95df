"""Weight records of a case and the weight check that turns them into a conclusion."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from desk.db import models as m
from desk.db import models_orders as mo
from desk.db.types import utcnow
from desk.domain import CaseId, Changes, EventKind, EvidenceId, Platform
from desk.errors import NotFound, ValidationFailed
from desk.orders import prefs
from desk.orders.model import (
    ExpectedLine,
    Tolerance,
    WeightCheck,
    WeightKind,
    WeightRecordData,
)
from desk.orders.parse import MAX_GRAMS
from desk.orders.weighing import Reading, evaluate
from desk.services.cases import clean_text
from desk.services.events import new_event

MAX_NOTE = 2_000
KEEP: object = object()  # update(): leave the evidence link as it is
# Weight evidence pictures whose weight (read off the picture by the operator) counts as a reading.
EVIDENCE_READING_KIND = {
    "仓库称重图": WeightKind.WAREHOUSE,
    "快递内网重量图": WeightKind.COURIER_PICKUP,
    "复称图": WeightKind.REWEIGH,
}


def _record(r: mo.WeightRecord, evidence_name: str) -> WeightRecordData:
    return WeightRecordData(
        id=r.id,
        case_id=CaseId(r.case_id),
        kind=r.kind,
        grams=r.grams,
        evidence_id=EvidenceId(r.evidence_id) if r.evidence_id is not None else None,
        evidence_name=evidence_name,
        note=r.note,
        created_at=r.created_at,
    )


def _check_grams(grams: int) -> int:
    if isinstance(grams, bool) or not isinstance(grams, int):
        raise ValidationFailed("重量应为整数克数")
    if grams <= 0:
        raise ValidationFailed("重量应大于 0 g")
    if grams > MAX_GRAMS:
        raise ValidationFailed(f"重量 {grams} g 过大（上限 1000 kg）")
    return grams


class WeightService:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    # -- settings ---------------------------------------------------------------------------------

    def tolerance(self) -> Tolerance:
        with self._sessions() as s:
            return prefs.tolerance(s)

    def set_tolerance(self, *, precision_g: int, percent: Decimal, default_packaging_g: int) -> Tolerance:
        checked = prefs.check_tolerance(precision_g, Decimal(percent), default_packaging_g)
        with self._sessions.begin() as s:
            prefs.put(s, prefs.PRECISION_G, str(checked.precision_g))
            prefs.put(s, prefs.PERCENT, str(checked.percent))
            prefs.put(s, prefs.DEFAULT_PACKAGING_G, str(checked.default_packaging_g))
        return checked

    # -- records ----------------------------------------------------------------------------------

    def records(self, case_id: CaseId) -> list[WeightRecordData]:
        with self._sessions() as s:
            rows = s.execute(
                select(mo.WeightRecord, m.Evidence.original_name)
                .outerjoin(m.Evidence, m.Evidence.id == mo.WeightRecord.evidence_id)
                .where(mo.WeightRecord.case_id == case_id)
                .order_by(mo.WeightRecord.id)
            ).all()
            return [_record(r, name or "") for r, name in rows]

    def _check_evidence(self, s: Session, case_id: CaseId, evidence_id: EvidenceId | None) -> str:
        if evidence_id is None:
            return ""
        e = s.get(m.Evidence, evidence_id)
        if e is None or e.case_id != case_id:
            raise ValidationFailed(f"证据 #{evidence_id} 不属于售后 #{case_id}（可能已被删除）")
        return e.original_name

    def add(
        self,
        case_id: CaseId,
        kind: WeightKind,
        grams: int,
        *,
        evidence_id: EvidenceId | None = None,
        note: str = "",
    ) -> tuple[WeightRecordData, Changes]:
        """Record a weight of the case's parcel; the case's timeline notes it."""
        kind = WeightKind(kind)
        grams = _check_grams(grams)
        note = clean_text(note).strip()[:MAX_NOTE]
        with self._sessions.begin() as s:
            if s.get(m.Case, case_id) is None:
                raise NotFound(f"售后记录 #{case_id} 不存在（可能已被删除）")
            name = self._check_evidence(s, case_id, evidence_id)
            r = mo.WeightRecord(
                case_id=case_id,
                kind=kind,
                grams=grams,
                evidence_id=evidence_id,
                note=note,
                created_at=utcnow(),
            )
            s.add(r)
            s.flush()
            self._event(s, case_id, {"action": "add", "kind": kind, "grams": grams, "evidence": name or ""})
            data = _record(r, name)
        return data, Changes(cases=frozenset({case_id}))

    def update(
        self,
        record_id: int,
        *,
        kind: WeightKind | None = None,
        grams: int | None = None,
        evidence_id: object = KEEP,
        note: str | None = None,
    ) -> tuple[WeightRecordData, Changes]:
        with self._sessions.begin() as s:
            r = s.get(mo.WeightRecord, record_id)
            if r is None:
                raise NotFound(f"重量记录 #{record_id} 不存在（可能已被删除）")
            case_id = CaseId(r.case_id)
            before = (r.kind, r.grams)
            if kind is not None:
                r.kind = WeightKind(kind)
            if grams is not None:
                r.grams = _check_grams(grams)
            if evidence_id is not KEEP:
                if evidence_id is not None and not isinstance(evidence_id, int):
                    raise ValidationFailed("证据编号无效")
                self._check_evidence(s, case_id, EvidenceId(evidence_id) if evidence_id is not None else None)
                r.evidence_id = evidence_id
            if note is not None:
                r.note = clean_text(note).strip()[:MAX_NOTE]
            s.flush()
            if (r.kind, r.grams) != before:
                was = {"old_kind": before[0], "old_grams": before[1]}
                self._event(s, case_id, {"action": "edit", **was, "kind": r.kind, "grams": r.grams})
            linked = s.get(m.Evidence, r.evidence_id) if r.evidence_id is not None else None
            data = _record(r, linked.original_name if linked is not None else "")
        return data, Changes(cases=frozenset({case_id}))

    def remove(self, record_id: int) -> Changes:
        with self._sessions.begin() as s:
            r = s.get(mo.WeightRecord, record_id)
            if r is None:
                raise NotFound(f"重量记录 #{record_id} 不存在（可能已被删除）")
            case_id = CaseId(r.case_id)
            self._event(s, case_id, {"action": "remove", "kind": r.kind, "grams": r.grams})
            s.delete(r)
        return Changes(cases=frozenset({case_id}))

    @staticmethod
    def _event(s: Session, case_id: CaseId, data: dict[str, Any]) -> None:
        # A timeline entry only: the case row itself is not touched, so an open edit of it stays valid.
        s.add(new_event(case_id, EventKind.WEIGHT_RECORDED, at=utcnow(), data=data))

    # -- the check --------------------------------------------------------------------------------

    def check(self, case_id: CaseId) -> WeightCheck:
        """Expected weight from the case's imported order, the recorded weights, and the conclusion."""
        with self._sessions() as s:
            case = s.get(m.Case, case_id)
            if case is None:
                raise NotFound(f"售后记录 #{case_id} 不存在（可能已被删除）")
            tolerance = prefs.tolerance(s)
            order = self._order(s, case.order_no, case.platform)
            lines: list[ExpectedLine] = []
            if order is not None:
                items = list(
                    s.scalars(
                        select(mo.OrderItem)
                        .where(mo.OrderItem.order_id == order.id)
                        .order_by(mo.OrderItem.line_no)
                    )
                )
                keys = {i.product_key for i in items}
                products = {p.key: p for p in s.scalars(select(mo.Product).where(mo.Product.key.in_(keys)))}
                for i in items:
                    p = products.get(i.product_key)
                    name = (
                        (p.name if p is not None and p.name else i.product_name) or i.sku_code or "未命名商品"
                    )
                    spec = (p.spec if p is not None and p.spec else i.spec) or ""
                    lines.append(
                        ExpectedLine(
                            name=f"{name}（{spec}）" if spec else name,
                            sku_code=i.sku_code,
                            quantity=i.quantity,
                            unit_weight_g=p.unit_weight_g if p is not None else None,
                            packaging_g=p.packaging_g if p is not None else None,
                        )
                    )
            readings = self._readings(s, case_id)
        return evaluate(
            case_id=case_id,
            order_no=case.order_no,
            order_found=order is not None,
            lines=lines,
            readings=readings,
            tolerance=tolerance,
        )

    @staticmethod
    def _order(s: Session, order_no: str, platform: Platform) -> mo.Order | None:
        if not order_no:
            return None
        found = list(s.scalars(select(mo.Order).where(mo.Order.order_no == order_no).order_by(mo.Order.id)))
        return next((o for o in found if o.platform == platform), found[0] if found else None)

    @staticmethod
    def _readings(s: Session, case_id: CaseId) -> list[Reading]:
        readings: list[Reading] = []
        linked: set[int] = set()
        rows = s.execute(
            select(mo.WeightRecord, m.Evidence.original_name)
            .outerjoin(m.Evidence, m.Evidence.id == mo.WeightRecord.evidence_id)
            .where(mo.WeightRecord.case_id == case_id)
            .order_by(mo.WeightRecord.id)
        ).all()
        for r, name in rows:
            readings.append(
                Reading(
                    kind=r.kind,
                    grams=r.grams,
                    evidence_id=EvidenceId(r.evidence_id) if r.evidence_id is not None else None,
                    evidence_name=name or "",
                    order=r.id,
                )
            )
            if r.evidence_id is not None:
                linked.add(r.evidence_id)
        # The evidence gallery can hold the weight a picture shows; such a picture without a weight
        # record of its own counts as a reading too (read first, records win).
        weight_col = getattr(m.Evidence, "weight_grams", None)
        if weight_col is not None:
            for eid, kind, grams, name in s.execute(
                select(m.Evidence.id, m.Evidence.kind, weight_col, m.Evidence.original_name).where(
                    m.Evidence.case_id == case_id, weight_col.is_not(None)
                )
            ):
                reading_kind = EVIDENCE_READING_KIND.get(str(kind))
                if reading_kind is None or eid in linked or not grams or grams <= 0:
                    continue
                readings.append(Reading(reading_kind, int(grams), EvidenceId(eid), name, order=-1))
        return readings

    def template_values(self, case_id: CaseId) -> dict[str, str]:
        """Values for appeal-text templates: {重量结论} (empty when there is nothing to conclude yet)."""
        return {"重量结论": self.check(case_id).sentence()}

    def packet_table(self, case_id: CaseId) -> tuple[tuple[str, str, str, str], ...]:
        """The weight table of an appeal packet (项目, 重量, 差值, 结论), with the conclusion as last row."""
        check = self.check(case_id)
        if not check.comparisons:
            return ()
        return (*check.table(), ("结论", check.conclusion, "", ""))
