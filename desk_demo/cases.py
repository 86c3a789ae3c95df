"""Demo profile content: two shops and a case of every type, with generated evidence pictures; among them
the appeals of the guide (漏发少件 货款申诉, 运费申诉, a malicious 发错商品 with the shop's listing, a buyer-caused
质量问题 with the chat admission marked to enlarge)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from desk.domain import CaseDraft, CaseId, CaseStatus, CaseType, EvidenceKind, Mark, MarkShape, Platform
from desk_demo import images as img


@dataclass(frozen=True)
class DemoEvidence:
    name: str
    kind: EvidenceKind
    make: Callable[[], bytes]
    caption: str = ""
    marks: Callable[[], tuple[Mark, ...]] = lambda: ()  # what the operator marked on it (a 放大区域 …)


@dataclass(frozen=True)
class DemoCase:
    shop: int  # index into SHOPS
    draft: CaseDraft
    evidence: tuple[DemoEvidence, ...] = field(default_factory=tuple)


SHOPS = (("优品家居旗舰店", Platform.PDD), ("暖暖童装小店", Platform.TAOBAO))
# What the 拼多多 shop has on sale (its store listing screenshot shows these).
SHOP_GOODS = (
    ("加厚收纳盒 灰色 大号", "29.90"),
    ("棉麻收纳篮 灰色 中号", "45.00"),
    ("真空压缩袋 8 件套", "59.90"),
    ("桌面置物架 三层 白色", "129.00"),
    ("玻璃密封罐 3 只装", "59.90"),
    ("抽屉分隔板 4 片装", "35.00"),
    ("挂钩 12 只装", "9.90"),
    ("折叠台灯 暖光", "129.00"),
)
# The 质量问题 chat: the buyer owns up in the third message, which the operator marks to enlarge.
QUALITY_CHAT = [
    ("buyer", "台灯灯罩裂了，要退款"),
    ("shop", "亲，发货前我们都检查过的，方便说下是怎么裂的吗？"),
    ("buyer", "昨天孩子碰倒摔地上了，但是这质量也太差了"),
]
# The 运费申诉: the buyer sent the goods back without a reason, the shop paid the return freight.
FREIGHT_CHAT = [
    ("buyer", "不想要了，我退回去"),
    ("shop", "好的亲，退货运费我们先帮您垫付，收到货后给您退款"),
    ("buyer", "好的，已经寄出了"),
]
RETURN_TRACKING = "YT7512049377104"


def _cases() -> list[DemoCase]:
    return [
        DemoCase(
            0,
            CaseDraft(
                platform=Platform.PDD,
                order_no="261120-583920174650321",
                after_sales_no="9102847561203",
                tracking_no="YT7512049386021",
                courier="圆通速递",
                buyer_nick="小雨点",
                case_type=CaseType.MISSING_ITEM,
                appeal_type="goods",  # 维权申诉 · 货款申诉: the demo packet is ready to send
                status=CaseStatus.APPEALING,
                order_amount=Decimal("89.70"),
                refund_amount=Decimal("29.90"),
                description=(
                    "买家反馈少收到 1 个收纳盒（下单 3 个）。签收时包裹完好，本人签收。经复称同款 3 件打包重量 1.25 kg，"
                    "与仓库称重 1.25 kg、快递内网揽收重量 1.26 kg 一致，未发现少件。已与买家友好协商无果，"
                    "现提供仓库称重图、快递内网重量图和复称图，申请维权。"
                ),
                notes="买家电话 13812348000（仅内部备注）",
            ),
            (
                DemoEvidence(
                    "仓库称重-A01.jpg",
                    EvidenceKind.WAREHOUSE_WEIGHT,
                    lambda: img.scale_display_photo(1250, seed=1),
                    "发货时仓库称重 1.250 kg",
                ),
                DemoEvidence(
                    "快递内网重量截图.png",
                    EvidenceKind.COURIER_WEIGHT,
                    lambda: img.courier_system_screenshot("YT7512049386021", "圆通速递", "1.26", seed=2),
                    "揽收重量 1.26 kg",
                ),
                DemoEvidence(
                    "复称-同款三件.jpg",
                    EvidenceKind.REWEIGH,
                    lambda: img.scale_display_photo(1250, label="复称", seed=3),
                    "重新打包同款 3 件复称 1.250 kg",
                ),
                DemoEvidence(
                    "买家照片-开箱.jpg",
                    EvidenceKind.BUYER_PHOTO,
                    lambda: img.buyer_photo("开箱只有两个收纳盒", seed=4),
                    "买家发来的开箱照片",
                ),
                DemoEvidence(
                    "聊天记录-漏发.png",
                    EvidenceKind.CHAT,
                    lambda: img.chat_screenshot(
                        [
                            ("buyer", "你好，我买了3个收纳盒，只收到2个"),
                            (
                                "shop",
                                "亲亲，麻烦您拍一下收到的商品和外包装，签收时包裹有破损吗？是本人签收的吗？",
                            ),
                            ("buyer", "包裹没破，是我自己签收的"),
                            ("shop", "我们核对了仓库称重和快递揽收重量，与 3 件的重量一致哦，麻烦您再找找看"),
                        ],
                        seed=5,
                    ),
                    "与买家的沟通记录",
                ),
            ),
        ),
        DemoCase(
            0,
            CaseDraft(
                platform=Platform.PDD,
                order_no="261118-204715938260174",
                after_sales_no="9102847561388",
                tracking_no="ZT75310498263",
                courier="中通快递",
                buyer_nick="阿杰",
                case_type=CaseType.WRONG_ITEM,
                appeal_type="goods",  # 维权申诉 · 货款申诉: the demo packet is ready to send
                status=CaseStatus.NEGOTIATING,
                order_amount=Decimal("45.00"),
                refund_amount=Decimal("45.00"),
                description="买家称收到的颜色不对（下单灰色，收到米白色）。核对发货商品与面单合照，发出的是灰色。",
            ),
            (
                DemoEvidence(
                    "买家照片-颜色.jpg",
                    EvidenceKind.BUYER_PHOTO,
                    lambda: img.buyer_photo("收到米白色收纳篮", seed=6),
                ),
                DemoEvidence(
                    "发货商品与面单合照.jpg",
                    EvidenceKind.GOODS_WITH_LABEL,
                    lambda: img.goods_with_label_photo("灰色棉麻收纳篮", "ZT75310498263", seed=7),
                    "发货前拍照：灰色收纳篮与面单",
                ),
            ),
        ),
        DemoCase(
            0,
            CaseDraft(
                platform=Platform.PDD,
                order_no="261115-771029384756102",
                after_sales_no="9102847559012",
                tracking_no="SF1420593871264",
                courier="顺丰速运",
                buyer_nick="木子李",
                case_type=CaseType.QUALITY,
                appeal_type="goods",  # 维权申诉 · 货款申诉: the demo packet is ready to send
                status=CaseStatus.OPEN,
                order_amount=Decimal("129.00"),
                refund_amount=Decimal("129.00"),
                description="买家称台灯灯罩有裂痕。聊天中买家承认是自己不小心摔落导致，非商品质量问题。",
            ),
            (
                DemoEvidence(
                    "买家照片-灯罩.jpg",
                    EvidenceKind.BUYER_PHOTO,
                    lambda: img.buyer_photo("灯罩边缘有裂痕", seed=8),
                ),
                DemoEvidence(
                    "聊天截图-承认摔落.png",
                    EvidenceKind.CHAT,
                    lambda: img.chat_screenshot(QUALITY_CHAT, seed=9),
                    "买家承认摔落",
                    lambda: (Mark(MarkShape.DETAIL, *img.chat_bubble_box(QUALITY_CHAT, 2, seed=9)),),
                ),
            ),
        ),
        DemoCase(
            1,
            CaseDraft(
                platform=Platform.TAOBAO,
                order_no="3918475620193847561",
                after_sales_no="208374659102",
                tracking_no="JT3018475920361",
                courier="极兔速递",
                buyer_nick="晴天",
                case_type=CaseType.UNWANTED,
                status=CaseStatus.WAITING_RETURN,
                order_amount=Decimal("68.00"),
                refund_amount=Decimal("68.00"),
                description="买家以不想要了为由申请退货退款，未购买运费险。已协商由买家承担退货运费，商品退回后退款。",
            ),
            (
                DemoEvidence(
                    "运费凭证.png",
                    EvidenceKind.FREIGHT_VOUCHER,
                    lambda: img.freight_voucher("JT3018475920361", "12.00", seed=10),
                    "物流公司开具的运费凭证",
                ),
                DemoEvidence(
                    "聊天-退货说明.png",
                    EvidenceKind.CHAT,
                    lambda: img.chat_screenshot(
                        [
                            ("buyer", "拍错尺码了，不想要了"),
                            ("shop", "亲，衣服需未洗未穿、吊牌完好，本店拒收到付件，退货运费需要您承担哦"),
                            ("buyer", "好的"),
                        ],
                        shop_name="暖暖童装小店",
                        seed=11,
                    ),
                ),
            ),
        ),
        DemoCase(
            0,
            CaseDraft(
                platform=Platform.PDD,
                order_no="261110-390182746501928",
                after_sales_no="9102847550077",
                tracking_no="YD4301928475016",
                courier="韵达快递",
                buyer_nick="路人甲",
                case_type=CaseType.MALICIOUS,
                appeal_type="goods",  # 维权申诉 · 货款申诉: the demo packet is ready to send
                status=CaseStatus.APPEAL_SUBMITTED,
                order_amount=Decimal("59.90"),
                refund_amount=Decimal("59.90"),
                description=(
                    "买家上传的商品照片并非本店商品（本店不销售该款式）。发货商品与面单合照显示发出的商品正确。"
                    "买家售后已通过，现发起维权申诉。"
                ),
            ),
            (
                DemoEvidence(
                    "买家照片-非本店.jpg",
                    EvidenceKind.BUYER_PHOTO,
                    lambda: img.buyer_photo("一只蓝色塑料水杯", portrait=False, seed=12),
                ),
                DemoEvidence(
                    "发货合照.jpg",
                    EvidenceKind.GOODS_WITH_LABEL,
                    lambda: img.goods_with_label_photo("玻璃密封罐 3 只装", "YD4301928475016", seed=13),
                    "发货前拍照：玻璃密封罐与面单",
                ),
                DemoEvidence(
                    "店铺在售商品-搜索蓝色水杯.png",
                    EvidenceKind.STORE_LISTING,
                    lambda: img.store_listing_screenshot(SHOPS[0][0], SHOP_GOODS, "蓝色塑料水杯", seed=14),
                    "店铺在售商品：搜索“蓝色塑料水杯”无结果",
                ),
            ),
        ),
        DemoCase(
            1,
            CaseDraft(
                platform=Platform.TAOBAO,
                order_no="3918475620100012345",
                tracking_no="YT7512049300011",
                courier="圆通速递",
                buyer_nick="夏天的风",
                case_type=CaseType.MISSING_ITEM,
                status=CaseStatus.RESHIPPED,
                order_amount=Decimal("99.00"),
                refund_amount=None,
                description="核实少发 1 件袜子，已补发，补发单号 YT7512049300099。",
            ),
        ),
        DemoCase(
            0,
            CaseDraft(
                platform=Platform.PDD,
                order_no="261108-846201937465012",
                after_sales_no="9102847536620",
                tracking_no="YT7512049362208",
                courier="圆通速递",
                buyer_nick="一颗柠檬",
                case_type=CaseType.UNWANTED,
                appeal_type="freight",  # 维权申诉 · 运费申诉: the shop paid the return freight
                status=CaseStatus.APPEALING,
                order_amount=Decimal("45.00"),
                refund_amount=Decimal("45.00"),
                freight_paid=Decimal("12.00"),
                return_tracking_no=RETURN_TRACKING,
                description=(
                    "买家以不想要了为由退货退款，退货运费 12.00 元由商家先行垫付（运费凭证见附件），"
                    "商品已退回并完成退款，现申请平台补偿退货运费。"
                ),
            ),
            (
                DemoEvidence(
                    "运费凭证-退货.png",
                    EvidenceKind.FREIGHT_VOUCHER,
                    lambda: img.freight_voucher(RETURN_TRACKING, "12.00", seed=15),
                    "退货运费凭证 ¥12.00",
                ),
                DemoEvidence(
                    "聊天-垫付运费.png",
                    EvidenceKind.CHAT,
                    lambda: img.chat_screenshot(FREIGHT_CHAT, shop_name=SHOPS[0][0], seed=16),
                    "买家无理由退货，商家垫付运费",
                ),
            ),
        ),
        DemoCase(
            0,
            CaseDraft(
                platform=Platform.PDD,
                order_no="261101-120394857610293",
                after_sales_no="9102847540001",
                courier="申通快递",
                buyer_nick="大橙子",
                case_type=CaseType.QUALITY,
                status=CaseStatus.CLOSED,
                order_amount=Decimal("35.00"),
                refund_amount=Decimal("5.00"),
                description="轻微瑕疵，协商补贴 5 元，买家同意。",
            ),
        ),
    ]


def fill_demo(desk: Any) -> list[CaseId]:
    """Add the demo shops, cases and evidence to an open desk; returns the new case ids."""
    shop_ids = []
    existing = {(s.platform, s.name): s.id for s in desk.shops.list()}
    for name, platform in SHOPS:
        sid = existing.get((platform, name))
        if sid is None:
            shop, _ = desk.shops.create(name, platform)
            sid = shop.id
        shop_ids.append(sid)
    made: list[CaseId] = []
    for demo in _cases():
        draft = dataclasses.replace(demo.draft, shop_id=shop_ids[demo.shop])
        case, _ = desk.cases.create(draft)
        for ev in demo.evidence:
            report = desk.evidence.import_bytes(case.id, ev.make(), ev.name, kind=ev.kind)
            for added in report.added:
                if ev.caption:
                    desk.evidence.update(added.id, caption=ev.caption)
                if marks := ev.marks():
                    desk.evidence.set_marks(added.id, marks)
        made.append(case.id)
    from desk_demo.case_depth import add_case_depth  # deadlines, money, platform type/reason, shop details

    add_case_depth(desk, made, shop_ids)
    from desk_demo.orders import fill_demo_orders  # orders, products with weights, weight records

    fill_demo_orders(desk, made)
    return made
