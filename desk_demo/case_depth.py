"""Demo depth: shop details, deadlines (one due soon, one overdue, one held by a waiting
status), the platform's type and reason, settlements and money, and a saved view. The plan follows the
order of desk_demo.cases._cases(), one entry per case."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from desk.db.types import utcnow
from desk.domain import CaseFilter, CaseId, CaseStatus, Platform

SHOP_DETAILS = (
    {
        "return_address": "浙江省杭州市余杭区仓前街道良睦路 1399 号 优品仓 王仓管 0571-88880000",
        "return_policy": "商品及包装完好、配件齐全可退换；请在包裹内写上订单号；拒收到付件。",
        "contact": "客服电话 0571-88880001",
    },
    {
        "return_address": "广东省广州市番禺区南村镇兴业大道 88 号 暖暖童装 李姐 020-66660000",
        "return_policy": "吊牌完好、未洗未穿，签收后 7 天内可退换；退货运费由买家承担（有运费险的除外）。",
        "contact": "旺旺：暖暖童装小店",
    },
)


def add_case_depth(desk: Any, case_ids: list[CaseId], shop_ids: list[Any]) -> None:
    now = utcnow()
    for shop_id, details in zip(shop_ids, SHOP_DETAILS, strict=False):
        desk.shops.update(shop_id, **details)
    plan: list[dict[str, Any]] = [
        {
            "due_at": now + timedelta(hours=5, minutes=20),
            "after_sales_type": "仅退款",
            "after_sales_reason": "少件",
            "appeal_type": "维权申诉 · 货款申诉",
            "resolution": "申诉",
            "refund_paid": "29.90",
        },
        {
            "due_at": now - timedelta(hours=2),
            "after_sales_type": "退货退款",
            "after_sales_reason": "商品描述不符",
            "resolution": "换货",
        },
        {
            "due_at": now + timedelta(days=2, hours=3),
            "after_sales_type": "仅退款",
            "after_sales_reason": "质量问题",
        },
        {
            "due_at": now + timedelta(hours=20),
            "after_sales_type": "退货退款",
            "after_sales_reason": "七天无理由退换货",
        },
        {
            "after_sales_type": "仅退款",
            "after_sales_reason": "疑似假货",
            "appeal_type": "维权申诉 · 货款申诉",
            "resolution": "申诉",
            "refund_paid": "59.90",
        },
        {"resolution": "补发", "reship_cost": "8.50", "freight_paid": "6.00"},
        {"after_sales_type": "退货退款", "after_sales_reason": "七天无理由退换货", "resolution": "申诉"},
        {"resolution": "补差价", "compensation_paid": "5.00", "after_sales_type": "仅退款"},
    ]
    for case_id, values in zip(case_ids, plan, strict=False):
        desk.cases.update(case_id, **values)
    desk.views.save(
        "拼多多待跟进",
        CaseFilter(
            platforms=(Platform.PDD,),
            statuses=(CaseStatus.OPEN, CaseStatus.NEGOTIATING, CaseStatus.APPEALING),
        ),
    )
