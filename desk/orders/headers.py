"""Header alias sets per platform and export kind: columns are matched by name, never by position.

The header sets come from public code that reads real exports (docs/orders.md lists the sources):
拼多多 订单导出 (including the rename 商家编码-SKU维度 → 商家编码-规格维度) and 售后导出, 淘宝/天猫 订单报表
and 宝贝报表, 抖店 订单导出, 京东 订单导出.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from desk.domain import Platform
from desk.orders.model import ColumnMapping, ExportKind


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    label: str
    kind: str  # "text" | "money" | "int" | "time" | "weight_g" | "weight_kg"
    pii: bool = False


FIELDS: dict[str, FieldSpec] = {
    f.name: f
    for f in (
        FieldSpec("order_no", "订单号", "text"),
        FieldSpec("sub_order_no", "子订单号", "text"),
        FieldSpec("status", "订单状态", "text"),
        FieldSpec("after_sales_status", "售后状态", "text"),
        FieldSpec("product_name", "商品名称", "text"),
        FieldSpec("spec", "商品规格", "text"),
        FieldSpec("quantity", "商品数量", "int"),
        FieldSpec("unit_price", "商品单价", "money"),
        FieldSpec("line_amount", "商品总价", "money"),
        FieldSpec("goods_id", "商品ID", "text"),
        FieldSpec("style_id", "样式ID", "text"),
        FieldSpec("sku_code", "商家编码（规格）", "text"),
        FieldSpec("goods_code", "商家编码（商品）", "text"),
        FieldSpec("goods_summary", "宝贝标题", "text"),
        FieldSpec("goods_count", "宝贝总数量", "int"),
        FieldSpec("goods_total", "商品总额", "money"),
        FieldSpec("shipping_fee", "邮费", "money"),
        FieldSpec("shop_discount", "店铺优惠", "money"),
        FieldSpec("platform_discount", "平台优惠", "money"),
        FieldSpec("paid_amount", "买家实付", "money"),
        FieldSpec("received_amount", "商家实收", "money"),
        FieldSpec("ordered_at", "下单时间", "time"),
        FieldSpec("paid_at", "支付时间", "time"),
        FieldSpec("shipped_at", "发货时间", "time"),
        FieldSpec("signed_at", "确认收货时间", "time"),
        FieldSpec("tracking_no", "快递单号", "text"),
        FieldSpec("courier", "快递公司", "text"),
        FieldSpec("logistics_info", "快递信息（单号-公司）", "text"),
        FieldSpec("merchant_note", "商家备注", "text"),
        FieldSpec("buyer_message", "买家留言", "text"),
        FieldSpec("buyer_nick", "买家", "text", pii=True),
        FieldSpec("receiver_name", "收货人", "text", pii=True),
        FieldSpec("receiver_phone", "手机", "text", pii=True),
        FieldSpec("province", "省", "text", pii=True),
        FieldSpec("city", "市", "text", pii=True),
        FieldSpec("district", "区", "text", pii=True),
        FieldSpec("receiver_address", "详细地址", "text", pii=True),
        # 售后导出
        FieldSpec("after_sales_no", "售后编号", "text"),
        FieldSpec("return_tracking_no", "退货运单号", "text"),
        FieldSpec("refund_type", "退款类型", "text"),
        FieldSpec("refund_reason", "退款原因", "text"),
        FieldSpec("order_amount", "交易金额", "money"),
        FieldSpec("refund_amount", "退款金额", "money"),
        FieldSpec("applied_at", "申请时间", "time"),
        FieldSpec("return_logistics_status", "退货物流状态", "text"),
        FieldSpec("sku_info", "sku信息", "text"),
        FieldSpec("remark", "备注", "text"),
        # 商品资料
        FieldSpec("unit_weight_g", "单件重量（克）", "weight_g"),
        FieldSpec("unit_weight_kg", "单件重量（千克）", "weight_kg"),
        FieldSpec("packaging_g", "包装重量（克）", "weight_g"),
        FieldSpec("packaging_kg", "包装重量（千克）", "weight_kg"),
    )
}


def norm_header(text: str) -> str:
    """Compare headers without width, case, spaces or a BOM: "商品总价（元）" == "商品总价(元)"."""
    text = unicodedata.normalize("NFKC", text.replace("\ufeff", ""))
    return re.sub(r"\s+", "", text).strip("\"'").lower()


@dataclass(frozen=True, slots=True)
class ExportProfile:
    """One platform's export: which header means which field, and how to recognise the file."""

    key: str
    platform: Platform
    kind: ExportKind
    title: str
    aliases: dict[str, tuple[str, ...]]
    signature: tuple[str, ...]  # headers that only this export has
    required: tuple[str, ...]

    def field_of(self) -> dict[str, str]:
        """Normalised header → field."""
        out: dict[str, str] = {}
        for field, names in self.aliases.items():
            for name in names:
                out.setdefault(norm_header(name), field)
        return out


PDD_ORDERS = ExportProfile(
    key="pdd_orders",
    platform=Platform.PDD,
    kind=ExportKind.ORDERS,
    title="拼多多 订单导出",
    aliases={
        "order_no": ("订单号",),
        "product_name": ("商品",),
        "status": ("订单状态",),
        "quantity": ("商品数量(件)", "商品数量"),
        "ordered_at": ("订单成交时间", "拼单成功时间"),
        "paid_at": ("支付时间",),
        "shipped_at": ("发货时间",),
        "signed_at": ("确认收货时间",),
        "goods_id": ("商品id",),
        "spec": ("商品规格",),
        "style_id": ("样式ID",),
        "sku_code": ("商家编码-规格维度", "商家编码-SKU维度"),
        "goods_code": ("商家编码-商品维度",),
        "merchant_note": ("商家备注",),
        "buyer_message": ("买家留言",),
        "after_sales_status": ("售后状态",),
        "line_amount": ("商品总价(元)",),
        "shop_discount": ("店铺优惠折扣(元)",),
        "platform_discount": ("平台优惠折扣(元)",),
        "shipping_fee": ("邮费(元)",),
        "paid_amount": ("用户实付金额(元)",),
        "received_amount": ("商家实收金额(元)",),
        "tracking_no": ("快递单号",),
        "courier": ("快递公司",),
        "receiver_name": ("收货人",),
        "receiver_phone": ("手机",),
        "province": ("省",),
        "city": ("市",),
        "district": ("区",),
        "receiver_address": ("详细地址",),
    },
    signature=(
        "商家编码-SKU维度",
        "商家编码-规格维度",
        "商家编码-商品维度",
        "商品数量(件)",
        "用户实付金额(元)",
        "商家实收金额(元)",
        "样式ID",
        "店铺优惠折扣(元)",
        "是否抽奖或0元试用",
    ),
    required=("order_no",),
)

PDD_AFTER_SALES = ExportProfile(
    key="pdd_after_sales",
    platform=Platform.PDD,
    kind=ExportKind.AFTER_SALES,
    title="拼多多 售后导出",
    aliases={
        "after_sales_no": ("售后编号", "售后单号"),
        "order_no": ("订单编号", "订单号"),
        "tracking_no": ("发货运单号",),
        "return_tracking_no": ("退货运单号",),
        "after_sales_status": ("售后状态",),
        "refund_type": ("退款类型", "售后类型"),
        "refund_reason": ("退款原因", "售后原因"),
        "status": ("订单状态",),
        "order_amount": ("交易金额",),
        "refund_amount": ("退款金额",),
        "applied_at": ("申请时间",),
        "return_logistics_status": ("退货物流状态",),
        "buyer_nick": ("买家",),
        "goods_id": ("商品ID",),
        "sku_info": ("sku信息",),
        "remark": ("备注",),
    },
    signature=("售后编号", "退款类型", "退款原因", "退款金额", "发货运单号", "退货运单号", "退货物流状态"),
    required=("after_sales_no",),
)

TAOBAO_ORDERS = ExportProfile(
    key="taobao_orders",
    platform=Platform.TAOBAO,
    kind=ExportKind.ORDERS,
    title="淘宝/天猫 订单报表",
    aliases={
        "order_no": ("订单编号",),
        "buyer_nick": ("买家会员名",),
        "goods_total": ("买家应付货款",),
        "shipping_fee": ("买家应付邮费",),
        "paid_amount": ("买家实际支付金额", "支付金额"),
        "status": ("订单状态",),
        "buyer_message": ("买家留言",),
        "receiver_name": ("收货人姓名", "收货人"),
        "receiver_address": ("收货地址",),
        "receiver_phone": ("联系手机", "联系电话"),
        "ordered_at": ("订单创建时间",),
        "paid_at": ("订单付款时间",),
        "goods_summary": ("宝贝标题",),
        "goods_count": ("宝贝总数量",),
        "tracking_no": ("物流单号",),
        "courier": ("物流公司",),
        "merchant_note": ("订单备注",),
        "shipped_at": ("发货时间",),
        "signed_at": ("确认收货时间",),
    },
    signature=(
        "买家会员名",
        "买家应付货款",
        "买家应付邮费",
        "买家实际支付金额",
        "宝贝标题",
        "宝贝总数量",
        "物流单号",
    ),
    required=("order_no",),
)

TAOBAO_ITEMS = ExportProfile(
    key="taobao_items",
    platform=Platform.TAOBAO,
    kind=ExportKind.ORDER_ITEMS,
    title="淘宝/天猫 宝贝报表",
    aliases={
        "order_no": ("订单编号",),
        "product_name": ("标题", "宝贝标题"),
        "unit_price": ("价格",),
        "quantity": ("购买数量",),
        "goods_code": ("外部系统编号",),
        "spec": ("商品属性", "规格名称", "销售属性"),
        "status": ("订单状态",),
        "sku_code": ("商家编码",),
    },
    signature=("外部系统编号", "购买数量", "套餐信息", "商品属性", "规格名称", "标题"),
    required=("order_no", "quantity"),
)

DOUYIN_ORDERS = ExportProfile(
    key="douyin_orders",
    platform=Platform.DOUYIN,
    kind=ExportKind.ORDERS,
    title="抖店 订单导出",
    aliases={
        "order_no": ("主订单编号",),
        "sub_order_no": ("子订单编号",),
        "product_name": ("选购商品",),
        "spec": ("商品规格",),
        "quantity": ("商品数量",),
        "sku_code": ("商家编码",),
        "goods_code": ("货号",),
        "goods_id": ("商品ID",),
        "unit_price": ("商品金额",),
        "paid_amount": ("订单应付金额",),
        "shipping_fee": ("运费",),
        "receiver_name": ("收件人",),
        "receiver_phone": ("收件人手机号",),
        "province": ("省",),
        "city": ("市",),
        "district": ("区",),
        "receiver_address": ("详细地址",),
        "ordered_at": ("订单提交时间",),
        "paid_at": ("支付完成时间",),
        "signed_at": ("订单完成时间",),
        "shipped_at": ("发货时间",),
        "merchant_note": ("商家备注",),
        "buyer_message": ("买家留言",),
        "status": ("订单状态",),
        "after_sales_status": ("售后状态",),
        "platform_discount": ("平台实际承担优惠金额",),
        "shop_discount": ("商家实际承担优惠金额",),
        "logistics_info": ("快递信息",),
        "tracking_no": ("快递单号", "运单号"),
        "courier": ("快递公司", "物流公司"),
    },
    signature=(
        "主订单编号",
        "子订单编号",
        "选购商品",
        "订单应付金额",
        "订单提交时间",
        "支付完成时间",
        "平台实际承担优惠金额",
        "商家实际承担优惠金额",
        "达人实际承担优惠金额",
        "快递信息",
    ),
    required=("order_no",),
)

JD_ORDERS = ExportProfile(
    key="jd_orders",
    platform=Platform.JD,
    kind=ExportKind.ORDERS,
    title="京东 订单导出",
    aliases={
        "order_no": ("订单号",),
        "goods_id": ("商品ID",),
        "product_name": ("商品名称",),
        "quantity": ("订购数量",),
        "ordered_at": ("下单时间",),
        "unit_price": ("京东价",),
        "goods_total": ("订单金额",),
        "received_amount": ("结算金额",),
        "paid_amount": ("应付金额",),
        "status": ("订单状态",),
        "buyer_nick": ("下单帐号", "下单账号"),
        "receiver_name": ("客户姓名",),
        "receiver_address": ("客户地址",),
        "receiver_phone": ("联系电话",),
        "buyer_message": ("订单备注",),
        "merchant_note": ("商家备注",),
        "shipping_fee": ("运费金额",),
        "paid_at": ("付款确认时间",),
        "sku_code": ("货号",),
        "signed_at": ("订单完成时间",),
        "tracking_no": ("运单号", "快递单号"),
        "courier": ("承运商", "快递公司"),
        "shipped_at": ("出库时间", "发货时间"),
    },
    signature=(
        "订购数量",
        "京东价",
        "结算金额",
        "下单帐号",
        "下单账号",
        "客户姓名",
        "付款确认时间",
        "运费金额",
    ),
    required=("order_no",),
)

# Any other order list (ERP exports, a shop's own sheet): common names, platform chosen by the operator.
GENERIC_ORDERS = ExportProfile(
    key="generic_orders",
    platform=Platform.OTHER,
    kind=ExportKind.ORDERS,
    title="订单表（通用列名）",
    aliases={
        "order_no": ("订单号", "订单编号", "平台订单号", "主订单编号"),
        "sub_order_no": ("子订单号", "子订单编号"),
        "product_name": ("商品名称", "商品", "宝贝名称", "标题"),
        "spec": ("商品规格", "规格", "规格名称", "sku信息", "颜色分类"),
        "quantity": ("商品数量", "数量", "购买数量"),
        "unit_price": ("单价", "商品单价"),
        "line_amount": ("商品金额", "商品总价", "金额"),
        "sku_code": ("商家编码", "sku编码", "规格编码", "商家sku编码"),
        "goods_code": ("商品编码", "货号"),
        "goods_id": ("商品ID",),
        "status": ("订单状态", "状态"),
        "paid_amount": ("实付金额", "支付金额", "买家实付"),
        "ordered_at": ("下单时间", "创建时间"),
        "paid_at": ("付款时间", "支付时间"),
        "shipped_at": ("发货时间",),
        "signed_at": ("签收时间", "确认收货时间"),
        "tracking_no": ("快递单号", "运单号", "物流单号"),
        "courier": ("快递公司", "物流公司"),
        "merchant_note": ("商家备注", "卖家备注"),
        "buyer_message": ("买家留言", "买家备注"),
        "receiver_name": ("收货人", "收件人"),
        "receiver_phone": ("手机", "电话", "收货人手机", "联系电话"),
        "receiver_address": ("收货地址", "详细地址", "地址"),
    },
    signature=(),
    required=("order_no",),
)

PRODUCTS = ExportProfile(
    key="products",
    platform=Platform.OTHER,
    kind=ExportKind.PRODUCTS,
    title="商品资料",
    aliases={
        "sku_code": ("商家编码", "商家编码-规格维度", "商家编码-SKU维度", "sku编码", "规格编码", "编码"),
        "goods_code": ("商家编码-商品维度", "商品编码", "货号"),
        "goods_id": ("商品ID", "商品id"),
        "product_name": ("商品名称", "名称", "商品"),
        "spec": ("规格", "商品规格"),
        "unit_weight_g": ("单件重量(g)", "单件重量(克)", "重量(g)", "重量(克)", "单件重量", "重量"),
        "unit_weight_kg": ("单件重量(kg)", "单件重量(千克)", "单件重量(公斤)", "重量(kg)", "重量(千克)"),
        "packaging_g": ("包装重量(g)", "包装重量(克)", "包装重量", "默认包装重量(g)"),
        "packaging_kg": ("包装重量(kg)", "包装重量(千克)"),
    },
    signature=(
        "单件重量(g)",
        "单件重量(克)",
        "单件重量(kg)",
        "包装重量(g)",
        "包装重量(克)",
        "重量(g)",
        "重量(克)",
    ),
    required=("sku_code",),
)

PROFILES: tuple[ExportProfile, ...] = (
    PDD_AFTER_SALES,
    PDD_ORDERS,
    TAOBAO_ORDERS,
    TAOBAO_ITEMS,
    DOUYIN_ORDERS,
    JD_ORDERS,
    PRODUCTS,
)
ALL_PROFILES: tuple[ExportProfile, ...] = (*PROFILES, GENERIC_ORDERS)
PROFILE_BY_KEY = {p.key: p for p in ALL_PROFILES}


@dataclass(frozen=True, slots=True)
class HeaderMatch:
    profile: ExportProfile
    score: int
    columns: dict[str, int]  # field → column index (first column wins)
    mapping: tuple[ColumnMapping, ...]
    missing: tuple[str, ...]  # labels of required fields not found


def match_profile(profile: ExportProfile, headers: Sequence[str], *, store_pii: bool = False) -> HeaderMatch:
    fields = profile.field_of()
    normalised = [norm_header(h) for h in headers]
    columns: dict[str, int] = {}
    mapping: list[ColumnMapping] = []
    for i, (raw, norm) in enumerate(zip(headers, normalised, strict=True)):
        field = fields.get(norm, "")
        if field and field in columns:
            mapping.append(ColumnMapping(i, raw, "", f"（与第 {columns[field] + 1} 列重复，未使用）"))
            continue
        if not field:
            mapping.append(ColumnMapping(i, raw, "", "（未使用）" if raw.strip() else "（空表头）"))
            continue
        columns[field] = i
        spec = FIELDS[field]
        if spec.pii and not store_pii:
            mapping.append(ColumnMapping(i, raw, field, f"{spec.label}（买家信息：未选择保存，不导入）"))
        else:
            mapping.append(ColumnMapping(i, raw, field, spec.label))
    signature = {norm_header(s) for s in profile.signature}
    score = sum(1 for n in set(normalised) if n in signature) * 10 + len(columns)
    missing = tuple(FIELDS[f].label for f in profile.required if f not in columns)
    return HeaderMatch(profile, score, columns, tuple(mapping), missing)


def detect(headers: Sequence[str], *, store_pii: bool = False) -> HeaderMatch | None:
    """The export these headers belong to, or None when they look like no export we know."""
    best: HeaderMatch | None = None
    for profile in PROFILES:
        found = match_profile(profile, headers, store_pii=store_pii)
        if found.missing or found.score < 20:  # at least two signature columns
            continue
        if best is None or found.score > best.score:
            best = found
    if best is not None:
        return best
    generic = match_profile(GENERIC_ORDERS, headers, store_pii=store_pii)
    if not generic.missing and len(generic.columns) >= 2:
        return generic
    return None


def header_score(cells: Sequence[str]) -> int:
    """How much a row looks like a header row of some export (to find it below title rows)."""
    if not cells:
        return 0
    found = detect(cells)
    return found.score if found is not None else 0
