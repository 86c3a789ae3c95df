"""Orders, products and weights: the vocabulary and the immutable data objects the services hand out."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from desk.domain import CaseId, Changes, EvidenceId, EvidenceKind, Platform, ShopId
from desk.domain import WeightKind as WeightKind  # lives with the vocabulary: storage needs it too


class ExportKind(enum.StrEnum):
    """What a platform export file holds."""

    ORDERS = "订单导出"
    ORDER_ITEMS = "宝贝报表"  # Taobao: one row per item, order-level columns elsewhere
    AFTER_SALES = "售后导出"
    PRODUCTS = "商品资料"


# The evidence kind that usually shows each weight.
WEIGHT_EVIDENCE_KIND: dict[WeightKind, EvidenceKind] = {
    WeightKind.WAREHOUSE: EvidenceKind.WAREHOUSE_WEIGHT,
    WeightKind.COURIER_PICKUP: EvidenceKind.COURIER_WEIGHT,
    WeightKind.COURIER_LOAD: EvidenceKind.COURIER_WEIGHT,
    WeightKind.COURIER_UNLOAD: EvidenceKind.COURIER_WEIGHT,
    WeightKind.REWEIGH: EvidenceKind.REWEIGH,
}

# Weights read while the parcel left us and travelled, earliest first.
SHIPPING_KINDS: tuple[WeightKind, ...] = (
    WeightKind.WAREHOUSE,
    WeightKind.COURIER_PICKUP,
    WeightKind.COURIER_LOAD,
    WeightKind.COURIER_UNLOAD,
)


class Verdict(enum.StrEnum):
    MATCH = "重量相符"
    SHORT = "疑似少发"
    HEAVY = "重量偏重"
    TRANSIT_LOSS = "运输途中减重"
    UNCERTAIN = "差值无法对应商品"
    NO_REFERENCE = "缺少应有重量"
    NO_READINGS = "缺少称重记录"


# -- orders ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderItemData:
    line_no: int
    product_key: str
    product_name: str
    spec: str
    sku_code: str
    goods_code: str
    goods_id: str
    quantity: int
    unit_price: Decimal | None
    amount: Decimal | None
    sub_order_no: str = ""


@dataclass(frozen=True, slots=True)
class OrderRow:
    """The columns of the order list."""

    id: int
    platform: Platform
    order_no: str
    shop_name: str
    status: str
    after_sales_status: str
    goods: str  # "收纳盒 ×3" or the export's goods summary
    paid_amount: Decimal | None
    tracking_no: str
    courier: str
    ordered_at: datetime | None
    shipped_at: datetime | None


@dataclass(frozen=True, slots=True)
class OrderData:
    """An imported order with its items; buyer fields are empty unless the operator opted in."""

    id: int
    platform: Platform
    order_no: str
    shop_id: ShopId | None
    shop_name: str
    status: str
    after_sales_status: str
    goods_summary: str
    goods_total: Decimal | None
    shipping_fee: Decimal | None
    shop_discount: Decimal | None
    platform_discount: Decimal | None
    paid_amount: Decimal | None
    received_amount: Decimal | None
    ordered_at: datetime | None
    paid_at: datetime | None
    shipped_at: datetime | None
    signed_at: datetime | None
    tracking_no: str
    courier: str
    merchant_note: str
    buyer_message: str
    buyer_nick: str
    receiver_name: str
    receiver_phone: str
    receiver_address: str
    source_file: str
    imported_at: datetime
    updated_at: datetime
    items: tuple[OrderItemData, ...] = ()

    @property
    def total_quantity(self) -> int:
        return sum(i.quantity for i in self.items)

    @property
    def order_amount(self) -> Decimal | None:
        """What the buyer paid, else the goods total: the case's 订单金额."""
        return self.paid_amount if self.paid_amount is not None else self.goods_total


# -- products -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ProductData:
    id: int
    key: str
    sku_code: str
    goods_code: str
    goods_id: str
    name: str
    spec: str
    unit_weight_g: int | None
    packaging_g: int | None
    source: str  # "learned" (from orders), "import", "manual"
    updated_at: datetime

    @property
    def label(self) -> str:
        return f"{self.name}（{self.spec}）" if self.spec else self.name


# -- import ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that was not imported: its row number in the spreadsheet (header = the header's row) and why."""

    row: int
    reason: str


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """How one column of the file is used."""

    column: int
    header: str
    field: str  # canonical field name, "" = not used
    label: str  # what the field means, in words ("订单号", "（不导入：买家信息）", "（未使用）")


@dataclass(frozen=True, slots=True)
class FilePreview:
    """What the desk makes of a file before importing it."""

    path: str
    file_type: str  # "CSV" / "XLSX"
    encoding: str  # "" for XLSX
    encoding_note: str  # how it was detected
    delimiter: str
    header_row: int  # 1-based
    kind: ExportKind | None
    platform: Platform | None
    headers: tuple[str, ...]
    mapping: tuple[ColumnMapping, ...]
    rows: tuple[tuple[str, ...], ...]  # first data rows as text
    missing: tuple[str, ...]  # required fields not found (labels)
    problem: str = ""  # why it cannot be imported, in words ("" = importable)
    profile_title: str = ""  # e.g. "拼多多 订单导出"

    @property
    def importable(self) -> bool:
        return not self.problem


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """The report every import ends with."""

    path: str
    kind: ExportKind
    platform: Platform
    encoding: str
    rows: int = 0  # data rows read
    imported: int = 0  # new orders / new cases / new products
    updated: int = 0  # already known, refreshed from the file
    skipped: tuple[RowProblem, ...] = ()
    failed: tuple[RowProblem, ...] = ()
    items: int = 0  # item rows stored
    products_learned: int = 0
    cancelled: bool = False
    stopped_at_row: int | None = None  # last row committed when cancelled
    changes: Changes = field(default_factory=Changes)
    case_ids: tuple[CaseId, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def unit(self) -> str:
        return {ExportKind.AFTER_SALES: "条售后", ExportKind.PRODUCTS: "个商品"}.get(self.kind, "个订单")

    def summary(self) -> str:
        text = (
            f"共读取 {self.rows} 行：新增 {self.imported} {self.unit}，更新 {self.updated} {self.unit}，"
            f"跳过 {len(self.skipped)} 行，失败 {len(self.failed)} 行"
        )
        if self.products_learned:
            text += f"；新认识 {self.products_learned} 个商品（待填重量）"
        if self.cancelled:
            text += f"。已取消：第 {self.stopped_at_row or 0} 行及之前的内容已保存，之后的未导入"
        return text + "。"


# -- weights --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tolerance:
    """Allowed difference = precision_g + percent % of the expected weight."""

    precision_g: int = 20
    percent: Decimal = Decimal("3")
    default_packaging_g: int = 0

    def allowed(self, expected_g: int) -> int:
        return self.precision_g + int(
            (Decimal(expected_g) * self.percent / 100).quantize(Decimal(1), ROUND_HALF_UP)
        )

    def describe(self) -> str:
        return f"秤的精度 {self.precision_g} g + 应有重量的 {self.percent.normalize():f}%"


@dataclass(frozen=True, slots=True)
class WeightRecordData:
    id: int
    case_id: CaseId
    kind: WeightKind
    grams: int
    evidence_id: EvidenceId | None
    evidence_name: str
    note: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ExpectedLine:
    """One item of the order in the expected weight."""

    name: str
    sku_code: str
    quantity: int
    unit_weight_g: int | None
    packaging_g: int | None

    @property
    def subtotal_g(self) -> int | None:
        return None if self.unit_weight_g is None else self.unit_weight_g * self.quantity


@dataclass(frozen=True, slots=True)
class WeightComparison:
    """One weight compared with the reference."""

    kind: WeightKind
    grams: int
    evidence_id: EvidenceId | None
    evidence_name: str
    diff_g: int | None  # measured - reference
    within: bool | None  # None: no reference


@dataclass(frozen=True, slots=True)
class WeightCheck:
    """The weight check of a case: the numbers and the conclusion in words."""

    case_id: CaseId
    order_no: str
    order_found: bool
    lines: tuple[ExpectedLine, ...]
    packaging_g: int | None
    expected_g: int | None  # items × unit weights + packaging; None when a weight is missing
    reference_g: int | None  # what the shipped weights are compared with
    reference_label: str  # "按订单商品计算的应有重量" / "复称重量"
    tolerance: Tolerance
    allowed_g: int | None
    comparisons: tuple[WeightComparison, ...]
    verdict: Verdict
    conclusion: str  # one line, e.g. "重量相符：未发现少件"
    details: tuple[str, ...]  # the numbers behind it and anything to check
    missing_weights: tuple[str, ...] = ()

    def sentence(self) -> str:
        """The conclusion with its numbers, for {重量结论} in appeal texts ("" when there is none)."""
        if self.verdict in (Verdict.NO_READINGS, Verdict.NO_REFERENCE):
            return ""
        parts = []
        if self.reference_g is not None:
            parts.append(f"{self.reference_label} {grams_text(self.reference_g)}")
        parts += [f"{c.kind} {grams_text(c.grams)}" for c in self.comparisons if c.kind != WeightKind.REWEIGH]
        if self.allowed_g is not None:
            parts.append(f"允许误差 ±{self.allowed_g} g")
        return f"{self.conclusion}（{'，'.join(parts)}）" if parts else self.conclusion

    def table(self) -> tuple[tuple[str, str, str, str], ...]:
        """Rows for a packet's weight table: 项目, 重量, 与应有重量之差, 结论."""
        rows: list[tuple[str, str, str, str]] = []
        if self.reference_g is not None:
            rows.append((self.reference_label, grams_text(self.reference_g), "—", "参照"))
        for c in self.comparisons:
            diff = "—" if c.diff_g is None else signed_grams(c.diff_g)
            verdict = "—" if c.within is None else ("在误差内" if c.within else "超出误差")
            rows.append((str(c.kind), grams_text(c.grams), diff, verdict))
        return tuple(rows)


def grams_text(grams: int) -> str:
    """1250 → "1,250 g"."""
    return f"{grams:,} g"


def signed_grams(grams: int) -> str:
    return f"+{grams:,} g" if grams > 0 else (f"−{-grams:,} g" if grams < 0 else "0 g")
