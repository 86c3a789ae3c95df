"""ORM rows to immutable data objects: nothing alive leaves a session."""

from __future__ import annotations

from desk.db import models as m
from desk.domain import (
    CaseData,
    CaseId,
    CaseRow,
    EventData,
    EvidenceData,
    EvidenceId,
    PacketData,
    PacketId,
    ShopData,
    ShopId,
)


def shop(s: m.Shop) -> ShopData:
    return ShopData(id=ShopId(s.id), name=s.name, platform=s.platform)


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
    )


def case_row(c: m.Case, shop_name: str) -> CaseRow:
    return CaseRow(
        id=CaseId(c.id),
        platform=c.platform,
        shop_name=shop_name,
        order_no=c.order_no,
        after_sales_no=c.after_sales_no,
        tracking_no=c.tracking_no,
        buyer_nick=c.buyer_nick,
        case_type=c.case_type,
        status=c.status,
        refund_amount=c.refund_amount,
        updated_at=c.updated_at,
    )


def evidence(e: m.Evidence) -> EvidenceData:
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
        imported_at=e.imported_at,
        position=e.position,
        page_count=e.page_count,
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
    )
