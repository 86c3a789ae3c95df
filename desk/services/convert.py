"""ORM rows to immutable data objects: nothing alive leaves a session."""

from __future__ import annotations

from desk.db import models as m
from desk.domain import (
    CaseData,
    CaseId,
    EventData,
    EvidenceData,
    EvidenceId,
    Mark,
    PacketData,
    PacketId,
    PlatformFacts,
    ShopData,
    ShopId,
)
from desk.labels import event_data


def shop(s: m.Shop) -> ShopData:
    return ShopData(
        id=ShopId(s.id),
        name=s.name,
        platform=s.platform,
        return_address=s.return_address or "",
        return_policy=s.return_policy or "",
        contact=s.contact or "",
    )


def case(c: m.Case, evidence_count: int = 0) -> CaseData:
    return CaseData(
        id=CaseId(c.id),
        platform=c.platform,
        shop_id=ShopId(c.shop_id) if c.shop_id is not None else None,
        shop_name=c.shop.name if c.shop is not None else "",
        order_no=c.order_no,
        after_sales_no=c.after_sales_no,
        tracking_no=c.tracking_no,
        courier=c.courier,
        buyer_nick=c.buyer_nick,
        case_type=c.case_type,
        status=c.status,
        order_amount=c.order_amount,
        refund_amount=c.refund_amount,
        description=c.description,
        notes=c.notes,
        created_at=c.created_at,
        updated_at=c.updated_at,
        evidence_count=evidence_count,
        version=c.version,
        after_sales_type=c.after_sales_type or "",
        after_sales_reason=c.after_sales_reason or "",
        resolution=c.resolution,
        appeal_type=c.appeal_type or "",
        due_at=c.due_at,
        due_paused_at=c.due_paused_at,
        refund_paid=c.refund_paid,
        compensation_paid=c.compensation_paid,
        reship_cost=c.reship_cost,
        freight_paid=c.freight_paid,
        recovered_appeal=c.recovered_appeal,
        recovered_courier=c.recovered_courier,
        deleted_at=c.deleted_at,
        reship_tracking_no=c.reship_tracking_no or "",
        agreed_compensation=c.agreed_compensation,
        freight_insurance=c.freight_insurance,
        express_refund=c.express_refund,
        facts=PlatformFacts(
            platform_status=c.platform_status or "",
            platform_order_status=c.platform_order_status or "",
            applied_at=c.applied_at,
            return_tracking_no=c.return_tracking_no or "",
            return_logistics_status=c.return_logistics_status or "",
            sku_info=c.sku_info or "",
            platform_remark=c.platform_remark or "",
        ),
    )


def evidence(
    e: m.Evidence, *, marks: tuple[Mark, ...] | None = None, frames: tuple[int, ...] | None = None
) -> EvidenceData:
    """marks/frames may be given when the caller knows them (a new row has none: no extra query)."""
    if marks is None:
        marks = tuple(Mark(mk.shape, mk.x0, mk.y0, mk.x1, mk.y1, mk.text) for mk in e.marks)
    if frames is None:
        frames = tuple(f.at_ms for f in e.frames)
    return EvidenceData(
        id=EvidenceId(e.id),
        case_id=CaseId(e.case_id),
        kind=e.kind,
        sha256=e.sha256,
        original_name=e.original_name,
        media_type=e.media_type,
        width=e.width,
        height=e.height,
        byte_size=e.byte_size,
        caption=e.caption,
        captured_at=e.captured_at,
        captured_source=getattr(e, "captured_source", "") or "",
        imported_at=e.imported_at,
        position=e.position,
        page_count=e.page_count,
        animated=bool(e.animated),
        duration_ms=e.duration_ms,
        weight_grams=e.weight_grams,
        rotation=e.rotation or 0,
        kind_confirmed=bool(e.kind_confirmed),
        marks=marks,
        key_frames=frames,
    )


def event(ev: m.Event) -> EventData:
    return EventData(
        id=ev.id,
        case_id=CaseId(ev.case_id),
        at=ev.at,
        kind=ev.kind,
        field=ev.field,
        old=ev.old,
        new=ev.new,
        detail=ev.detail,
        data=event_data(ev.data),
    )


def packet(p: m.Packet) -> PacketData:
    return PacketData(
        id=PacketId(p.id),
        case_id=CaseId(p.case_id),
        created_at=p.created_at,
        file_name=p.file_name,
        sha256=p.sha256,
        byte_size=p.byte_size,
        page_count=p.page_count,
        kind=p.kind,
    )
