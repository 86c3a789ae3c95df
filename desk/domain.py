"""Domain vocabulary and the immutable data objects the services hand to callers."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, NewType

from desk import labels

CaseId = NewType("CaseId", int)
ShopId = NewType("ShopId", int)
EvidenceId = NewType("EvidenceId", int)
PacketId = NewType("PacketId", int)


class Keyed(enum.StrEnum):
    """A vocabulary enum: the value is the key the database keeps, `str()` is what the operator reads.

    Labels live in desk.labels. A label given where a member is expected (a user's platform profile, the
    CLI) still finds its member, so the files people write keep their Chinese words.
    """

    def __str__(self) -> str:
        return labels.label(self)

    def __format__(self, spec: str) -> str:
        return format(labels.label(self), spec)

    @property
    def label(self) -> str:
        return labels.label(self)

    @classmethod
    def _missing_(cls, value: object) -> Keyed | None:
        if isinstance(value, str):
            key = labels.enum_key(cls.__name__, value)
            if key is not None and key in cls.__members__:
                return cls.__members__[key]
        return None


class Platform(Keyed):
    """Shop platforms."""

    PDD = "PDD"
    TAOBAO = "TAOBAO"
    JD = "JD"
    DOUYIN = "DOUYIN"
    KUAISHOU = "KUAISHOU"
    WECHAT = "WECHAT"
    OTHER = "OTHER"


class CaseType(Keyed):
    """The guide's five kinds of after-sales case."""

    MISSING_ITEM = "MISSING_ITEM"
    WRONG_ITEM = "WRONG_ITEM"
    QUALITY = "QUALITY"
    UNWANTED = "UNWANTED"
    MALICIOUS = "MALICIOUS"


class CaseStatus(Keyed):
    """Where a case stands in the desk's workflow."""

    OPEN = "OPEN"
    NEGOTIATING = "NEGOTIATING"
    WAITING_RETURN = "WAITING_RETURN"  # the buyer is to send the goods back (等待买家寄回)
    WAITING_COURIER = "WAITING_COURIER"  # a claim or a check is with the courier
    RESHIPPED = "RESHIPPED"
    REFUNDED = "REFUNDED"
    APPEALING = "APPEALING"
    APPEAL_SUBMITTED = "APPEAL_SUBMITTED"
    APPEAL_WON = "APPEAL_WON"
    APPEAL_LOST = "APPEAL_LOST"
    CLOSED = "CLOSED"


class Resolution(Keyed):
    """How a case was (or is to be) settled; the guide's remedies plus the platform's."""

    NONE = "NONE"
    RESHIP = "RESHIP"
    COMPENSATE = "COMPENSATE"
    EXCHANGE = "EXCHANGE"
    RETURN_REFUND = "RETURN_REFUND"
    REFUND_ONLY = "REFUND_ONLY"
    REPAIR = "REPAIR"
    REJECT = "REJECT"
    APPEAL = "APPEAL"
    COURIER_CLAIM = "COURIER_CLAIM"
    WITHDRAWN = "WITHDRAWN"


class EvidenceKind(Keyed):
    """What a piece of evidence shows; the order is the order of a packet."""

    WAREHOUSE_WEIGHT = "WAREHOUSE_WEIGHT"
    COURIER_WEIGHT = "COURIER_WEIGHT"
    REWEIGH = "REWEIGH"
    BUYER_PHOTO = "BUYER_PHOTO"
    CHAT = "CHAT"
    GOODS_WITH_LABEL = "GOODS_WITH_LABEL"
    STORE_LISTING = "STORE_LISTING"  # the shop's listings: proof it does not sell what a buyer pictured
    LOGISTICS_VOUCHER = "LOGISTICS_VOUCHER"
    FREIGHT_VOUCHER = "FREIGHT_VOUCHER"
    OTHER = "OTHER"


class WeightKind(Keyed):
    """Where a weight was read."""

    WAREHOUSE = "WAREHOUSE"
    COURIER_PICKUP = "COURIER_PICKUP"
    COURIER_LOAD = "COURIER_LOAD"
    COURIER_UNLOAD = "COURIER_UNLOAD"
    REWEIGH = "REWEIGH"


class AppealResult(Keyed):
    """The platform's decision on one appeal (appeal_outcomes.result)."""

    PENDING = "PENDING"
    WON = "WON"
    PARTIAL = "PARTIAL"  # part of the money came back: counts as a win in the statistics
    REJECTED = "REJECTED"


class ClaimStatus(Keyed):
    """Where a courier claim (快递理赔) stands (courier_claims.status)."""

    FILED = "FILED"
    PROCESSING = "PROCESSING"
    PAID = "PAID"
    PARTIAL = "PARTIAL"
    REJECTED = "REJECTED"
    WITHDRAWN = "WITHDRAWN"


class BuyerKeyKind(Keyed):
    """What a buyer key (buyer_keys.kind) was made from; phone and address only ever as keyed hashes."""

    NICK = "NICK"
    BUYER_ID = "BUYER_ID"
    PHONE = "PHONE"
    ADDRESS = "ADDRESS"


# Kinds whose picture shows a parcel's weight; their weight in grams feeds the weight check.
WEIGHT_KINDS = frozenset({EvidenceKind.WAREHOUSE_WEIGHT, EvidenceKind.COURIER_WEIGHT, EvidenceKind.REWEIGH})


class MarkShape(enum.StrEnum):
    """What an annotation draws on an evidence picture."""

    REDACT = "redact"  # a filled black rectangle: hides a phone number or an address
    BOX = "box"  # a red rectangle outline
    ARROW = "arrow"  # a red arrow from (x0, y0) to (x1, y1)
    TEXT = "text"  # a text label with its top-left corner at (x0, y0)
    DETAIL = "detail"  # a region a packet prints enlarged beside the picture; never drawn on the pixels
    # A redaction the desk proposed and the operator removed: remembered so it is not proposed again; never
    # drawn (desk/recognition/redaction.py).
    KEPT = "kept"


@dataclass(frozen=True, slots=True)
class Mark:
    """One annotation, in coordinates from 0 to 1 of the upright picture (EXIF applied, before rotation)."""

    shape: MarkShape
    x0: float
    y0: float
    x1: float
    y1: float
    text: str = ""


class EventKind(enum.StrEnum):
    """Entries of a case's timeline."""

    CREATED = "created"
    FIELD_CHANGED = "field_changed"
    EVIDENCE_ADDED = "evidence_added"
    EVIDENCE_REMOVED = "evidence_removed"
    PACKET_GENERATED = "packet_generated"
    NOTE = "note"
    TRASHED = "trashed"  # moved to the trash
    RESTORED = "restored"  # taken back out of the trash
    WIZARD = "wizard"  # a step of the guided wizard: an answer, a restart, an applied outcome
    WEIGHT_RECORDED = "weight_recorded"  # a weighing written down (kind, grams, the picture it came from)
    PLATFORM_SYNCED = "platform_synced"  # an after-sales export brought the platform's facts
    APPEAL_OUTCOME = "appeal_outcome"  # an appeal's platform decision recorded, edited or removed
    COURIER_CLAIM = "courier_claim"  # a courier claim recorded, edited, removed, or its packet made
    BUYER_RECORDED = "buyer_recorded"  # buyer keys (keyed hashes of phone, address, buyer id) set


# Fields of a case the operator may edit, with their labels (kept in desk.labels).
CASE_FIELD_LABELS = labels.CASE_FIELD_LABELS

# Money of a case: what was asked, paid out and recovered (yuan, Decimal, two places).
MONEY_FIELDS = labels.MONEY_FIELDS
# Paid out by the shop, and recovered again: their difference is what a case cost.
COST_FIELDS = ("refund_paid", "compensation_paid", "reship_cost", "freight_paid")
RECOVERED_FIELDS = ("recovered_appeal", "recovered_courier")


@dataclass(frozen=True, slots=True)
class ShopData:
    """A shop the desk serves."""

    id: ShopId
    name: str
    platform: Platform
    return_address: str = ""
    return_policy: str = ""  # 退换货须知, quoted in replies and packets
    contact: str = ""


@dataclass(frozen=True, slots=True)
class CaseDraft:
    """What the operator fills in to create or edit a case; None on edit means unchanged."""

    platform: Platform = Platform.PDD
    shop_id: ShopId | None = None
    order_no: str = ""
    after_sales_no: str = ""
    tracking_no: str = ""
    courier: str = ""
    buyer_nick: str = ""
    case_type: CaseType = CaseType.MISSING_ITEM
    status: CaseStatus = CaseStatus.OPEN
    order_amount: Decimal | None = None
    refund_amount: Decimal | None = None
    description: str = ""
    notes: str = ""
    after_sales_type: str = ""  # the platform's 退款类型 (仅退款, 退货退款, 换货, 补寄, 维修 …)
    after_sales_reason: str = ""  # the platform's 退款原因
    resolution: Resolution = Resolution.NONE
    appeal_type: str = ""  # "维权申诉 · 运费申诉": the platform profile's appeal type and sub-type
    due_at: datetime | None = None  # when the platform's countdown ends (UTC)
    refund_paid: Decimal | None = None
    compensation_paid: Decimal | None = None
    reship_cost: Decimal | None = None
    freight_paid: Decimal | None = None
    recovered_appeal: Decimal | None = None
    recovered_courier: Decimal | None = None
    reship_tracking_no: str = ""  # 补发单号: the waybill of what the shop sent again
    return_tracking_no: str = ""  # 退货运单号, when the platform's export did not bring it
    agreed_compensation: Decimal | None = None  # 协商补偿金额 agreed with the buyer (paid: compensation_paid)
    freight_insurance: bool | None = None  # 运费险 (or 退货包运费) bought; None: not known
    express_refund: bool | None = None  # the platform refunded at once (极速退款); None: not known


@dataclass(frozen=True, slots=True)
class PlatformFacts:
    """What the platform's after-sales export says about a case (labels in desk.labels.PLATFORM_FACT_LABELS).

    The platform's words (售后状态 "待商家处理") are data, not the desk's vocabulary: they are kept as given.
    """

    platform_status: str = ""  # 售后状态
    platform_order_status: str = ""  # 订单状态
    applied_at: datetime | None = None  # 售后申请时间 (UTC)
    return_tracking_no: str = ""  # 退货运单号
    return_logistics_status: str = ""  # 退货物流状态
    sku_info: str = ""
    platform_remark: str = ""  # 备注 of the export

    def items(self) -> list[tuple[str, Any]]:
        return [(name, getattr(self, name)) for name in PLATFORM_FACT_FIELDS]


PLATFORM_FACT_FIELDS = (
    "platform_status",
    "platform_order_status",
    "applied_at",
    "return_tracking_no",
    "return_logistics_status",
    "sku_info",
    "platform_remark",
)


@dataclass(frozen=True, slots=True)
class CaseData:
    """A case as stored."""

    id: CaseId
    platform: Platform
    shop_id: ShopId | None
    shop_name: str
    order_no: str
    after_sales_no: str
    tracking_no: str
    courier: str
    buyer_nick: str
    case_type: CaseType
    status: CaseStatus
    order_amount: Decimal | None
    refund_amount: Decimal | None
    description: str
    notes: str
    created_at: datetime
    updated_at: datetime
    evidence_count: int = 0
    version: int = 1  # bumps on every saved change; an edit based on an older one is refused
    after_sales_type: str = ""
    after_sales_reason: str = ""
    resolution: Resolution = Resolution.NONE
    appeal_type: str = ""
    due_at: datetime | None = None
    due_paused_at: datetime | None = None  # set while a waiting status holds the clock
    refund_paid: Decimal | None = None
    compensation_paid: Decimal | None = None
    reship_cost: Decimal | None = None
    freight_paid: Decimal | None = None
    recovered_appeal: Decimal | None = None
    recovered_courier: Decimal | None = None
    deleted_at: datetime | None = None  # in the trash since
    facts: PlatformFacts = PlatformFacts()
    reship_tracking_no: str = ""  # 补发单号
    agreed_compensation: Decimal | None = None  # 协商补偿金额: what the buyer accepted, not a cost yet
    freight_insurance: bool | None = None  # 运费险: None is 未知, not 没有
    express_refund: bool | None = None  # 极速退款: None is 未知

    @property
    def return_tracking_no(self) -> str:
        """退货运单号: a platform fact (an export brings it) that the operator may also type."""
        return self.facts.return_tracking_no

    @property
    def net_cost(self) -> Decimal:
        """Paid out minus recovered: what the case has cost the shop so far."""
        paid = sum((getattr(self, f) or Decimal(0) for f in COST_FIELDS), Decimal(0))
        back = sum((getattr(self, f) or Decimal(0) for f in RECOVERED_FIELDS), Decimal(0))
        return (paid - back).quantize(Decimal("0.01"))


@dataclass(frozen=True, slots=True)
class CaseRow:
    """The few columns the case list shows, loaded lazily per visible row."""

    id: CaseId
    platform: Platform
    shop_name: str
    order_no: str
    after_sales_no: str
    tracking_no: str
    buyer_nick: str
    case_type: CaseType
    status: CaseStatus
    refund_amount: Decimal | None
    updated_at: datetime
    created_at: datetime | None = None
    due_at: datetime | None = None
    due_paused_at: datetime | None = None
    resolution: Resolution = Resolution.NONE
    deleted_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class EvidenceData:
    """A piece of evidence attached to a case; the blob itself stays in the store."""

    id: EvidenceId
    case_id: CaseId
    kind: EvidenceKind
    sha256: str
    original_name: str
    media_type: str
    width: int | None
    height: int | None
    byte_size: int
    caption: str
    captured_at: datetime | None
    imported_at: datetime
    position: int
    page_count: int | None = None
    animated: bool = False  # an animated GIF/PNG/WebP: the first frame is the evidence picture
    duration_ms: int | None = None  # videos
    weight_grams: int | None = None  # weight evidence: the weight the picture shows
    rotation: int = 0  # 0, 90, 180 or 270 degrees clockwise, applied on top of EXIF orientation
    captured_source: str = ""  # "metadata", "stated" by the operator, or "" (unknown: not shown as taken)
    kind_confirmed: bool = True  # False while the kind is only the desk's guess
    marks: tuple[Mark, ...] = ()  # annotations and redactions, applied to exports and packets
    key_frames: tuple[int, ...] = ()  # videos: the moments (ms) the operator picked for packets

    @property
    def is_video(self) -> bool:
        return self.media_type.startswith("video/")

    @property
    def is_pdf(self) -> bool:
        return self.media_type == "application/pdf"


@dataclass(frozen=True, slots=True)
class EventData:
    """One entry of a case's timeline."""

    id: int
    case_id: CaseId
    at: datetime
    kind: EventKind
    field: str
    old: str  # stored values are keys: enum keys, ISO times, plain amounts (desk.labels.stored_value)
    new: str
    detail: str  # the operator's own words (a note); entries from older releases keep their words here
    data: Mapping[str, Any] = dataclasses.field(default_factory=dict)  # the structured payload

    def words(self, shop_names: Mapping[int, str] | None = None) -> labels.EventWords:
        """This entry in words: the same for the window, the CLI and the PDF."""
        return labels.describe_event(
            self.kind.value, self.field, self.old, self.new, self.detail, self.data, shop_names=shop_names
        )


@dataclass(frozen=True, slots=True)
class PacketData:
    """A generated appeal packet kept in the case's history."""

    id: PacketId
    case_id: CaseId
    created_at: datetime
    file_name: str
    sha256: str
    byte_size: int
    page_count: int
    kind: str = ""  # the appeal type on its cover (申诉类型), when recorded


@dataclass(frozen=True, slots=True)
class Changes:
    """What a write changed, so views refresh only what they show."""

    cases: frozenset[CaseId] = frozenset()
    evidence: frozenset[EvidenceId] = frozenset()
    shops: frozenset[ShopId] = frozenset()
    packets: frozenset[PacketId] = frozenset()
    case_list: bool = False  # rows were added or removed, not just edited

    def __or__(self, other: Changes) -> Changes:
        return Changes(
            cases=self.cases | other.cases,
            evidence=self.evidence | other.evidence,
            shops=self.shops | other.shops,
            packets=self.packets | other.packets,
            case_list=self.case_list or other.case_list,
        )


@dataclass(frozen=True, slots=True)
class ImportRejected:
    """A file that could not be imported, with the reason in plain words."""

    name: str
    reason: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What a batch import did: added, already present, rejected."""

    added: tuple[EvidenceData, ...] = ()
    duplicates: tuple[str, ...] = ()
    rejected: tuple[ImportRejected, ...] = ()
    cancelled: bool = False
    changes: Changes = field(default_factory=Changes)

    def summary(self) -> str:
        parts = [f"导入 {len(self.added)} 个"]
        if self.duplicates:
            parts.append(f"重复 {len(self.duplicates)} 个（已存在，未重复保存）")
        if self.rejected:
            parts.append(f"拒绝 {len(self.rejected)} 个")
        if self.cancelled:
            parts.append("已取消")
        return "，".join(parts)


class DueFilter(enum.StrEnum):
    """Deadline queues of the case list, and the 今日 queues of what the operator waits on or owes.

    One field for both, so a saved view keeps any of them as a plain key."""

    ANY = ""
    SOON = "soon"  # running, ends within DUE_SOON_HOURS
    OVERDUE = "overdue"  # running, already past
    HAS_DUE = "has_due"
    NO_DUE = "no_due"
    PAUSED = "paused"
    URGENT = "urgent"  # running, ends within DUE_URGENT_HOURS
    TODAY = "today"  # running, ends before the local day does
    AWAITING_PLATFORM = "awaiting_platform"  # an appeal is with the platform, no decision recorded
    TO_RESHIP = "to_reship"  # to be reshipped, no reship waybill yet


DUE_SOON_HOURS = 24
DUE_URGENT_HOURS = 4

# Sort keys of the case list (the column's field) and their labels.
SORT_KEYS: dict[str, str] = {
    "updated_at": "更新时间",
    "created_at": "新建时间",
    "due_at": "截止时间",
    "case_type": "售后类型",
    "status": "状态",
    "platform": "平台",
    "shop": "店铺",
    "order_no": "订单号",
    "after_sales_no": "售后单号",
    "tracking_no": "快递单号",
    "buyer_nick": "买家",
    "refund_amount": "退款金额",
    "resolution": "处理方式",
}


@dataclass(frozen=True, slots=True)
class CaseFilter:
    """Which cases a list shows, in which order; also what a saved view stores."""

    search: str = ""
    case_types: tuple[CaseType, ...] = ()
    statuses: tuple[CaseStatus, ...] = ()
    shop_ids: tuple[int, ...] = ()  # 0 means "no shop"
    platforms: tuple[Platform, ...] = ()
    due: DueFilter = DueFilter.ANY
    created_from: date | None = None  # local calendar days, inclusive
    created_to: date | None = None
    trash: bool = False  # the trash instead of the live cases
    sort: str = "updated_at"
    descending: bool = True

    def without_search(self) -> CaseFilter:
        return replace(self, search="")

    @property
    def is_default(self) -> bool:
        return self == CaseFilter()


# What CaseService.counts() (and desk/quick.py before the desk opens) counts, by the sidebar's queue keys.
COUNTED_QUEUES: dict[str, CaseFilter] = {
    "all": CaseFilter(),
    "soon": CaseFilter(due=DueFilter.SOON),
    "overdue": CaseFilter(due=DueFilter.OVERDUE),
    "paused": CaseFilter(due=DueFilter.PAUSED),
    "urgent": CaseFilter(due=DueFilter.URGENT),
    "today": CaseFilter(due=DueFilter.TODAY),
    "waiting_return": CaseFilter(statuses=(CaseStatus.WAITING_RETURN,)),
    "awaiting_platform": CaseFilter(due=DueFilter.AWAITING_PLATFORM),
    "to_reship": CaseFilter(due=DueFilter.TO_RESHIP),
    "trash": CaseFilter(trash=True),
}


# 今日's queues in the order the operator works through them (ui/cases/sidebar.py lists them so).
TODAY_QUEUE_KEYS = ("overdue", "urgent", "today", "waiting_return", "awaiting_platform", "to_reship")


def start_queue(counts: dict[str, int]) -> str:
    """The queue the window opens on: the first of 今日 that holds a case; when nothing is due today (or the
    desk holds no case yet) 全部售后 ("all"), so the operator never opens on an empty list while cases exist."""
    for key in TODAY_QUEUE_KEYS:
        if counts.get(key):
            return key
    return "all"


def end_of_local_day(now: datetime) -> datetime:
    """The next local midnight after `now` (the operator's 今天 ends there), in UTC."""
    day = now.astimezone().date() + timedelta(days=1)
    return datetime.combine(day, time(0)).astimezone().astimezone(UTC)


@dataclass(frozen=True, slots=True)
class SavedViewData:
    """A named filter in the sidebar."""

    id: int
    name: str
    filter: CaseFilter
    position: int = 0


@dataclass(frozen=True, slots=True)
class SearchResult:
    """Ids that match a search, or a hint why the input cannot be searched as typed."""

    ids: frozenset[CaseId] | None  # None: no search (everything matches)
    hint: str = ""
