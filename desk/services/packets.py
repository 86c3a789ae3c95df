"""Appeal packets: gather a case into plain data, build the PDF, keep it in the case's history."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from desk.db import models as m
from desk.db import models_orders as mo
from desk.db.types import utcnow
from desk.domain import (
    CASE_FIELD_LABELS,
    MONEY_FIELDS,
    CaseId,
    Changes,
    EventData,
    EventKind,
    EvidenceKind,
    PacketData,
    PacketId,
)
from desk.errors import NotFound, PacketFailed, ValidationFailed
from desk.pdf.content import PacketContent, PacketEvidence
from desk.privacy import mask_phones
from desk.services import convert
from desk.store.blobstore import BlobStore

if TYPE_CHECKING:
    from desk.pdf.packet import PacketResult as BuiltPacket

log = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]
Cancel = Callable[[], bool]

KIND_ORDER = {kind: i for i, kind in enumerate(EvidenceKind)}
_UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


@dataclass(frozen=True, slots=True)
class PacketResult:
    """A finished packet: where it is, its history entry, and anything the operator should know."""

    path: Path
    packet: PacketData
    warnings: tuple[str, ...]
    changes: Changes


def local_time(dt: datetime | None) -> str:
    return dt.astimezone().strftime("%Y-%m-%d %H:%M") if dt else ""


GENERIC_APPEAL = "通用申诉"
_EVENT_LABELS = {
    EventKind.CREATED: "登记售后",
    EventKind.FIELD_CHANGED: "修改",
    EventKind.EVIDENCE_ADDED: "添加凭证",
    EventKind.EVIDENCE_REMOVED: "移除凭证",
    EventKind.PACKET_GENERATED: "生成申诉材料",
    EventKind.NOTE: "备注",
    EventKind.TRASHED: "移入回收站",
    EventKind.RESTORED: "从回收站恢复",
}


_EVIDENCE_FIELDS = {
    "evidence.caption": "凭证说明",
    "evidence.kind": "凭证类型",
    "evidence.marks": "凭证标注",
    "evidence.rotation": "凭证方向",
}


def appeal_label(kind: str | None) -> str:
    """The cover's 申诉类型 for `kind`: a key or label of APPEAL_KINDS; "" for generic/none."""
    from desk.playbooks.model import APPEAL_KINDS

    if kind is None or kind.strip() in ("", "generic", GENERIC_APPEAL):
        return ""
    key = kind.strip()
    if key in APPEAL_KINDS:
        return APPEAL_KINDS[key]
    for label in APPEAL_KINDS.values():
        if key in (label, label.split(" · ")[-1]):
            return label
    choices = "、".join(["generic", *APPEAL_KINDS, *APPEAL_KINDS.values()])
    raise ValidationFailed(f"申诉类型“{key}”不认识：可选 {choices}")


def event_text(ev: EventData) -> str:
    """One timeline line in plain Chinese (not yet masked)."""
    label = _EVENT_LABELS.get(ev.kind, str(ev.kind))
    if ev.kind == EventKind.FIELD_CHANGED:
        name = CASE_FIELD_LABELS.get(ev.field) or _EVIDENCE_FIELDS.get(ev.field, ev.field)
        return f"{label}{name}：{ev.old or '（空）'} → {ev.new or '（空）'}"
    tail = "，".join(part for part in (ev.new, ev.detail) if part)
    return f"{label}：{tail}" if tail else label


class PacketService:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        store: BlobStore,
        packets_dir: Path,
        font_path: Path | None = None,
    ) -> None:
        self._sessions = sessions
        self._store = store
        self._packets_dir = packets_dir
        self.font_path = font_path

    def content(
        self, case_id: CaseId, *, generated_at: datetime | None = None, kind: str | None = None
    ) -> PacketContent:
        """Everything the packet prints, with phone numbers masked in every text.

        `kind` picks the appeal type on the cover (see `appeal_label`); none or "generic" keeps
        the case's own appeal type.
        """
        label = appeal_label(kind)
        with self._sessions() as s:
            c = s.get(m.Case, case_id)
            if c is None:
                raise NotFound(f"售后记录 #{case_id} 不存在（可能已被删除）")
            case = convert.case(c)
            items = [
                convert.evidence(e)
                for e in s.scalars(
                    select(m.Evidence)
                    .where(m.Evidence.case_id == case_id)
                    .options(selectinload(m.Evidence.marks), selectinload(m.Evidence.frames))
                )
            ]
            order = (
                s.scalars(
                    select(mo.Order)
                    .where(mo.Order.order_no == case.order_no, mo.Order.platform == case.platform)
                    .limit(1)
                ).first()
                if case.order_no
                else None
            )
            order_times = (
                (
                    ("下单时间", order.ordered_at),
                    ("支付时间", order.paid_at),
                    ("发货时间", order.shipped_at),
                    ("确认收货时间", order.signed_at),
                )
                if order is not None
                else ()
            )
            events = [
                convert.event(ev)
                for ev in s.scalars(select(m.Event).where(m.Event.case_id == case_id).order_by(m.Event.id))
            ]
        items.sort(key=lambda e: (KIND_ORDER[e.kind], e.position, e.id))
        when = generated_at or utcnow()
        facts: list[tuple[str, str]] = [
            (label, local_time(at)) for label, at in order_times if at is not None
        ]
        facts.append(("售后登记时间", local_time(case.created_at)))
        for name in MONEY_FIELDS:
            amount = getattr(case, name)
            if amount is not None:
                facts.append((CASE_FIELD_LABELS[name], f"¥{amount:.2f}"))
        from desk.services.weights import WeightService  # a light object over the same sessions

        weight_rows = WeightService(self._sessions).packet_table(case_id)
        cover = (
            ("店铺", case.shop_name or "（未指定）"),
            ("平台", str(case.platform)),
            ("订单号", case.order_no or "（未填写）"),
            ("售后单号", case.after_sales_no or "（未填写）"),
            ("快递单号", case.tracking_no or "（未填写）"),
            ("快递公司", case.courier or "（未填写）"),
            ("售后类型", str(case.case_type)),
            ("申诉类型", label or case.appeal_type or GENERIC_APPEAL),
            ("退款金额", f"¥{case.refund_amount:.2f}" if case.refund_amount is not None else "（未填写）"),
            ("证据数量", f"{len(items)} 项"),
            ("生成日期", local_time(when)[:10]),
        )
        evidence = tuple(
            PacketEvidence(
                kind=str(e.kind),
                blob_path=self._store.path_for(e.sha256),
                media_type=e.media_type,
                original_name=mask_phones(e.original_name),
                caption=mask_phones(e.caption),
                captured_at=e.captured_at,
                sha256=e.sha256,
                marks=e.marks,
                rotation=e.rotation,
                key_frames=e.key_frames,
                duration_ms=e.duration_ms,
                byte_size=e.byte_size,
                imported_at=e.imported_at,
            )
            for e in items
        )
        return PacketContent(
            title=f"{case.platform} 售后维权申诉材料",
            order_no=case.order_no,
            cover_fields=tuple((k, mask_phones(v)) for k, v in cover),
            description=mask_phones(case.description) or "（未填写问题描述）",
            evidence=evidence,
            generated_at=when,
            key_facts=tuple((k, mask_phones(v)) for k, v in facts),
            weight_table=tuple(
                (mask_phones(a), mask_phones(b), mask_phones(c), mask_phones(d)) for a, b, c, d in weight_rows
            ),
            timeline=tuple((local_time(ev.at), mask_phones(event_text(ev))) for ev in events),
        )

    def default_path(self, case_id: CaseId, order_no: str, when: datetime) -> Path:
        label = _UNSAFE_NAME.sub("_", order_no).strip("._ ") or f"case{case_id}"
        stamp = when.astimezone().strftime("%Y%m%d-%H%M%S")
        folder = self._packets_dir / f"case-{case_id}"
        path = folder / f"申诉材料-{label}-{stamp}.pdf"
        n = 2
        while path.exists():  # two packets in the same second: keep both (older versions are kept)
            path = folder / f"申诉材料-{label}-{stamp}-{n}.pdf"
            n += 1
        return path

    def build(
        self,
        case_id: CaseId,
        out_path: Path | None = None,
        *,
        progress: Progress | None = None,
        cancel: Cancel | None = None,
        generated_at: datetime | None = None,
        kind: str | None = None,
    ) -> PacketResult:
        from desk.pdf.fonts import resolve_fonts
        from desk.pdf.packet import build_packet

        content = self.content(case_id, generated_at=generated_at, kind=kind)
        path = out_path or self.default_path(case_id, content.order_no, content.generated_at)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PacketFailed(f"无法创建文件夹“{path.parent}”：{exc.strerror or exc}") from exc
        fonts = resolve_fonts(self.font_path)
        result = build_packet(content, path, fonts=fonts, progress=progress, cancel=cancel)
        try:
            data = self._record(case_id, path, result)
        except BaseException:
            # The history row did not commit (disk full, case deleted): take the file back too,
            # so a packet is either fully recorded or absent, never half applied.
            with contextlib.suppress(OSError):
                path.unlink()
            raise
        return PacketResult(
            path=path,
            packet=data,
            warnings=tuple(result.warnings),
            changes=Changes(cases=frozenset({case_id}), packets=frozenset({PacketId(data.id)})),
        )

    def _record(self, case_id: CaseId, path: Path, result: BuiltPacket) -> PacketData:
        with self._sessions.begin() as s:
            c = s.get(m.Case, case_id)
            if c is None:
                raise NotFound(f"售后记录 #{case_id} 在生成期间被删除")
            p = m.Packet(
                case_id=case_id,
                file_name=str(path),
                sha256=result.sha256,
                byte_size=result.byte_size,
                page_count=result.page_count,
            )
            s.add(p)
            s.add(
                m.Event(
                    case_id=case_id,
                    kind=EventKind.PACKET_GENERATED,
                    field="packet",
                    new=path.name,
                    detail=f"{result.page_count} 页｜SHA-256 {result.sha256[:12]}",
                )
            )
            s.flush()
            return convert.packet(p)

    def history(self, case_id: CaseId) -> list[PacketData]:
        with self._sessions() as s:
            rows = s.scalars(select(m.Packet).where(m.Packet.case_id == case_id).order_by(m.Packet.id.desc()))
            return [convert.packet(p) for p in rows]
