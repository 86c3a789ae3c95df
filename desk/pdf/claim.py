"""The courier-claim packet (快递理赔材料): the same weight evidence as an appeal, addressed to the courier.

The guide's courier-liable branch ends here: when the parcel left the warehouse whole and at the right
weight, what went missing or broke on the way is the courier's to pay. The packet is built by the appeal
packet's own machinery (desk.pdf.packet.build_packet) from a PacketContent made here: a cover naming the
waybill, the claim number and the amount, the claim in one paragraph, the weight table, and only the
evidence a courier needs (weighings, the goods with their label, logistics vouchers, the buyer's photos of
the parcel). Chats and the platform's story stay out: they are the buyer's and the platform's business.
Every text is phone-masked here, once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from desk.domain import CaseType, EvidenceKind
from desk.pdf.content import PacketContent, PacketEvidence
from desk.pdf.fonts import FontSet
from desk.pdf.packet import PacketResult, build_packet
from desk.privacy import mask_phones

# What a courier is shown, in this order: the weights first, they decide a claim.
CLAIM_EVIDENCE: tuple[EvidenceKind, ...] = (
    EvidenceKind.WAREHOUSE_WEIGHT,
    EvidenceKind.COURIER_WEIGHT,
    EvidenceKind.REWEIGH,
    EvidenceKind.GOODS_WITH_LABEL,
    EvidenceKind.LOGISTICS_VOUCHER,
    EvidenceKind.BUYER_PHOTO,
)
CLAIM_EVIDENCE_WORDS = frozenset(str(k) for k in CLAIM_EVIDENCE)
# What the recipient found, by the kind of case.
_PROBLEM = {
    CaseType.MISSING_ITEM: "包裹内商品短少",
    CaseType.QUALITY: "商品在运输途中损坏",
    CaseType.WRONG_ITEM: "包裹内商品与发出的不符",
}
UNSET = "（未填写）"


@dataclass(frozen=True, slots=True)
class ClaimFacts:
    """What the claim packet prints, as plain data (the service gathers it)."""

    courier: str
    tracking_no: str
    claim_no: str
    order_no: str
    shop_name: str
    case_type: CaseType
    amount_claimed: str  # "¥30.00" or ""
    order_amount: str  # "¥59.90" or ""
    description: str  # the operator's words about the case
    weight_sentence: str  # the weight check in one sentence ("" when nothing can be concluded)
    weight_table: tuple[tuple[str, str, str, str], ...]
    evidence: tuple[PacketEvidence, ...]  # every evidence item of the case; those for a courier are kept
    generated_at: datetime
    order_times: tuple[tuple[str, str], ...] = ()  # (label, local time): 发货时间, 签收时间 …


def claim_statement(facts: ClaimFacts) -> str:
    """The claim in one paragraph (page 1), with the numbers that decide it."""
    courier = facts.courier or "承运快递"
    parcel = f"运单号 {facts.tracking_no} 的包裹" if facts.tracking_no else "该包裹"
    problem = _PROBLEM.get(facts.case_type, "包裹异常")
    weights = f"{facts.weight_sentence.rstrip('。')}。" if facts.weight_sentence else ""
    amount = f"，索赔金额 {facts.amount_claimed}" if facts.amount_claimed else ""
    return (
        f"我方通过{courier}寄出{parcel}，发货时已称重并留存记录。{weights}"
        f"收件人反馈{problem}，问题发生在运输途中，依据发货称重与快递内网重量记录申请理赔{amount}。"
    )


def claim_evidence(items: Sequence[PacketEvidence]) -> tuple[PacketEvidence, ...]:
    """The evidence a courier is shown, weights first, each kind in the case's own order."""
    rank = {str(k): i for i, k in enumerate(CLAIM_EVIDENCE)}
    kept = [(rank[e.kind], i, e) for i, e in enumerate(items) if e.kind in rank]
    return tuple(e for _r, _i, e in sorted(kept, key=lambda x: (x[0], x[1])))


def claim_content(facts: ClaimFacts) -> PacketContent:
    evidence = claim_evidence(facts.evidence)
    cover = (
        ("快递公司", facts.courier or UNSET),
        ("快递单号", facts.tracking_no or UNSET),
        ("理赔单号", facts.claim_no or UNSET),
        ("订单号", facts.order_no or UNSET),
        ("寄件店铺", facts.shop_name or UNSET),
        ("问题", _PROBLEM.get(facts.case_type, str(facts.case_type))),
        ("索赔金额", facts.amount_claimed or UNSET),
        ("证据数量", f"{len(evidence)} 项"),
        ("生成日期", facts.generated_at.astimezone().strftime("%Y-%m-%d")),
    )
    key_facts = [*facts.order_times]
    if facts.order_amount:
        key_facts.append(("订单金额", facts.order_amount))
    if facts.amount_claimed:
        key_facts.append(("索赔金额", facts.amount_claimed))
    return PacketContent(
        title=f"{facts.courier} 快递理赔材料" if facts.courier else "快递理赔材料",
        order_no=facts.order_no,
        cover_fields=tuple((k, mask_phones(v)) for k, v in cover),
        description=mask_phones(facts.description) or "（未填写问题描述）",
        evidence=tuple(
            PacketEvidence(
                kind=e.kind,
                blob_path=e.blob_path,
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
                time_stated=e.time_stated,
            )
            for e in evidence
        ),
        generated_at=facts.generated_at,
        key_facts=tuple((k, mask_phones(v)) for k, v in key_facts),
        weight_table=tuple(
            (mask_phones(a), mask_phones(b), mask_phones(c), mask_phones(d))
            for a, b, c, d in facts.weight_table
        ),
        claim=mask_phones(claim_statement(facts)),
    )


def build_claim_packet(facts: ClaimFacts, out_path: Path, *, fonts: FontSet | None = None) -> PacketResult:
    """The claim PDF at out_path, written atomically like an appeal packet (PacketFailed on failure)."""
    return build_packet(claim_content(facts), out_path, fonts=fonts)
