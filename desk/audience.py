"""Two audiences, one rule: what the platform may see of a case, decided here and nowhere else.

The desk keeps everything that happened to a case (field edits, wizard walks, packet generations, the
operator's notes). A platform reviewer reads a different story: the business events of the after-sale —
the order and its shipping, the buyer's request, the weighing, reshipping, refund or return, refusal or
agreement, the appeal — each at the time it really happened. `platform_story` builds that story from the
structured timeline, the platform's facts and the order's times. It is an allow-list: an event kind or a
field that is not named below never reaches a packet, an upload kit or any of their layers.

Internal material is never a source: `notes`, `detail` of notes, wizard steps, packet generations, evidence
edits, trash moves. The operator may hide an entry or reword it for the platform (`PlatformOverride`); the
record itself is not touched.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from desk import labels
from desk.domain import CaseData, CaseStatus, EventData, EventKind, Resolution

# Statuses a reviewer should hear about, as a sentence of what the shop did or what happened.
STATUS_SENTENCES: dict[CaseStatus, str] = {
    CaseStatus.NEGOTIATING: "商家与买家协商处理方案",
    CaseStatus.WAITING_RETURN: "商家同意退货，等待买家寄回商品",
    CaseStatus.WAITING_COURIER: "商家向快递公司核实包裹情况",
    CaseStatus.RESHIPPED: "商家已为买家补发",
    CaseStatus.REFUNDED: "商家已退款",
    CaseStatus.APPEALING: "商家准备申诉材料",
    CaseStatus.APPEAL_SUBMITTED: "商家向平台提交申诉",
}
RESOLUTION_SENTENCES: dict[Resolution, str] = {
    Resolution.RESHIP: "处理方案：补发",
    Resolution.COMPENSATE: "处理方案：补差价",
    Resolution.EXCHANGE: "处理方案：换货",
    Resolution.RETURN_REFUND: "处理方案：退货退款",
    Resolution.REFUND_ONLY: "处理方案：仅退款",
    Resolution.REPAIR: "处理方案：维修",
    Resolution.REJECT: "商家拒绝该售后申请",
    Resolution.COURIER_CLAIM: "商家向快递公司发起理赔",
    Resolution.WITHDRAWN: "买家撤销了售后申请",
}
# Order times, in the order they happen.
ORDER_TIME_SENTENCES = (
    ("ordered_at", "买家下单"),
    ("paid_at", "买家付款"),
    ("shipped_at", "商家发货"),
    ("signed_at", "买家签收"),
)
# The only event kinds a platform story reads (everything else is internal by construction).
PLATFORM_EVENT_KINDS = frozenset({EventKind.FIELD_CHANGED, EventKind.WEIGHT_RECORDED})
PLATFORM_FIELDS = frozenset({"status", "resolution", "tracking_no"})


@dataclass(frozen=True, slots=True)
class PlatformEntry:
    """One line of the 处理经过 a platform reads; `key` is stable, so the operator's choices stick to it."""

    key: str
    at: datetime
    text: str
    hidden: bool = False
    edited: bool = False  # the operator reworded it for the platform


@dataclass(frozen=True, slots=True)
class PlatformOverride:
    """What the operator decided for one entry of the platform's story (never the record itself)."""

    key: str
    hidden: bool = False
    text: str = ""  # "" keeps the desk's words


def platform_story(
    case: CaseData,
    events: Iterable[EventData],
    order_times: Mapping[str, datetime | None] | None = None,
    overrides: Sequence[PlatformOverride] = (),
) -> list[PlatformEntry]:
    """The business events of a case, oldest first, with the operator's hides and rewordings applied
    (hidden ones are kept in the list, marked, so the editor can show them)."""
    out: list[PlatformEntry] = []
    for name, sentence in ORDER_TIME_SENTENCES:
        when = (order_times or {}).get(name)
        if when is not None:
            out.append(PlatformEntry(f"order.{name}", when, sentence))
    if case.facts.applied_at is not None:
        said = "，".join(x for x in (case.after_sales_type, case.after_sales_reason) if x)
        out.append(
            PlatformEntry(
                "platform.applied_at",
                case.facts.applied_at,
                f"买家申请售后（{said}）" if said else "买家申请售后",
            )
        )
    for ev in events:
        entry = _from_event(ev)
        if entry is not None:
            out.append(entry)
    if case.facts.return_tracking_no:
        # The export gives no time for the return: it sits with the latest import of the platform's facts.
        when = max((e.at for e in out), default=case.updated_at)
        status = f"（{case.facts.return_logistics_status}）" if case.facts.return_logistics_status else ""
        out.append(
            PlatformEntry(
                "platform.return", when, f"买家退货，退货运单号 {case.facts.return_tracking_no}{status}"
            )
        )
    out.sort(key=lambda e: e.at)
    by_key = {o.key: o for o in overrides}
    return [_apply(e, by_key.get(e.key)) for e in out]


def visible(entries: Iterable[PlatformEntry]) -> list[PlatformEntry]:
    return [e for e in entries if not e.hidden]


def _apply(entry: PlatformEntry, override: PlatformOverride | None) -> PlatformEntry:
    if override is None:
        return entry
    text = override.text.strip() or entry.text
    return PlatformEntry(entry.key, entry.at, text, override.hidden, bool(override.text.strip()))


def _from_event(ev: EventData) -> PlatformEntry | None:
    if ev.kind not in PLATFORM_EVENT_KINDS:
        return None
    key = f"event.{ev.id}"
    if ev.kind == EventKind.WEIGHT_RECORDED:
        if ev.data.get("action", "add") != "add":
            return None  # corrections of the desk's own records are not events of the after-sale
        kind = labels.enum_label("WeightKind", str(ev.data.get("kind", "")))
        return PlatformEntry(key, ev.at, f"{kind}：{labels.grams_words(ev.data.get('grams'))}")
    if ev.field not in PLATFORM_FIELDS or ev.data.get("reason") in ("undo_bulk",):
        return None
    if ev.field == "status":
        try:
            sentence = STATUS_SENTENCES.get(CaseStatus(ev.new))
        except ValueError:
            sentence = None
        return PlatformEntry(key, ev.at, sentence) if sentence else None
    if ev.field == "resolution":
        try:
            sentence = RESOLUTION_SENTENCES.get(Resolution(ev.new))
        except ValueError:
            sentence = None
        return PlatformEntry(key, ev.at, sentence) if sentence else None
    if ev.field == "tracking_no" and ev.new and ev.old:
        return PlatformEntry(key, ev.at, f"快递单号更正为 {ev.new}")
    return None
