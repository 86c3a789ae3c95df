"""`import-orders`, `orders`, `order-show`, `fill-case`: platform order and after-sales exports."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from desk.commands import print_json
from desk.domain import CaseId, Platform
from desk.errors import ValidationFailed
from desk.names import shown
from desk.orders.model import ImportSummary
from desk.privacy import mask_phones


def register(sub: Any) -> None:
    p = sub.add_parser("import-orders", help="导入平台的订单导出或售后导出（CSV / XLSX），打印导入报告")
    p.add_argument("file")
    p.add_argument("--platform", choices=[str(x) for x in Platform], help="平台（默认按表头识别）")
    p.add_argument("--shop", help="这些订单所属的店铺名称")
    buyer = p.add_mutually_exclusive_group()
    buyer.add_argument(
        "--store-buyer-info", action="store_true", help="保存买家收货信息（默认按设置，初始不保存）"
    )
    buyer.add_argument("--skip-buyer-info", action="store_true", help="这次不保存买家收货信息")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run_import)

    lst = sub.add_parser("orders", help="列出已导入的订单")
    lst.add_argument("--search", default="", help="按订单号 / 快递单号 / 商品 / 商家编码搜索")
    lst.add_argument("--limit", type=int, default=200)
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=run_list)

    show = sub.add_parser("order-show", help="显示一个已导入订单的详情和商品")
    show.add_argument("order_no")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=run_show)

    fill = sub.add_parser("fill-case", help="按订单号从已导入的订单填写售后记录（平台、店铺、快递、金额）")
    fill.add_argument("case", type=int)
    fill.add_argument("--overwrite", action="store_true", help="已填写的字段也用订单里的值替换")
    fill.set_defaults(func=run_fill)


def _shop_id(desk: Any, name: str | None) -> Any:
    if not name:
        return None
    for shop in desk.shops.list():
        if shop.name == name:
            return shop.id
    raise ValidationFailed(f"没有名为“{name}”的店铺")


def print_report(report: ImportSummary, *, as_json: bool) -> None:
    if as_json:
        data = asdict(report)
        data["summary"] = report.summary()
        data.pop("changes", None)
        print_json(data)
        return
    print(f"文件：{shown(Path(report.path).name)}（{report.kind}，{report.platform}，{report.encoding}）")
    print(report.summary())
    for note in report.notes:
        print(note)
    if report.failed:
        print(f"失败的行（{len(report.failed)}）：")
        for p in report.failed:
            print(f"  第 {p.row} 行：{p.reason}")
    if report.skipped:
        print(f"跳过的行（{len(report.skipped)}）：")
        for p in report.skipped:
            print(f"  第 {p.row} 行：{p.reason}")


def exit_code(report: ImportSummary) -> int:
    return 1 if report.failed and not (report.imported or report.updated) else 0


def run_import(desk: Any, args: argparse.Namespace) -> int:
    store = True if args.store_buyer_info else (False if args.skip_buyer_info else None)
    report = desk.orders.import_file(
        Path(args.file),
        platform=Platform(args.platform) if args.platform else None,
        shop_id=_shop_id(desk, args.shop),
        store_pii=store,
    )
    print_report(report, as_json=args.json)
    return exit_code(report)


def run_list(desk: Any, args: argparse.Namespace) -> int:
    ids = desk.orders.list_ids(args.search)
    shown = ids[: max(args.limit, 0)]
    rows = desk.orders.rows(shown)
    ordered = [rows[i] for i in shown if i in rows]
    if args.json:
        print_json([asdict(r) for r in ordered])
        return 0
    for r in ordered:
        amount = f"¥{r.paid_amount:.2f}" if r.paid_amount is not None else "-"
        print(
            f"{shown(r.order_no)}\t{r.platform}\t{shown(r.status or '-')}\t{shown(r.goods or '-')}\t"
            f"{amount}\t{shown(r.tracking_no or '-')}"
        )
    more = f"（显示前 {len(ordered)} 个）" if len(ids) > len(ordered) else ""
    print(f"共 {len(ids)} 个订单{more}")
    return 0


def run_show(desk: Any, args: argparse.Namespace) -> int:
    order = desk.orders.find(args.order_no)
    if order is None:
        print(f"没有找到订单 {args.order_no}（还没有导入？）", file=sys.stderr)
        return 1
    if args.json:
        data = asdict(order)
        data["receiver_phone"] = mask_phones(order.receiver_phone)
        print_json(data)
        return 0
    print(f"订单 {order.order_no}（{order.platform}{'，' + order.shop_name if order.shop_name else ''}）")
    print(f"状态：{order.status or '-'}　售后：{order.after_sales_status or '-'}")
    print(f"快递：{order.courier or '-'} {order.tracking_no or '-'}")
    for item in order.items:
        code = f"[{item.sku_code}] " if item.sku_code else ""
        print(f"  {shown(code + item.product_name)} {shown(item.spec)} ×{item.quantity}")
    if order.receiver_name or order.receiver_phone:
        print(f"收货人：{order.receiver_name} {mask_phones(order.receiver_phone)}")
    return 0


def run_fill(desk: Any, args: argparse.Namespace) -> int:
    case, changes, order = desk.orders.fill_case(CaseId(args.case), overwrite=args.overwrite)
    if order is None:
        print(
            f"售后 #{case.id} 的订单号“{case.order_no or '（空）'}”没有对应的已导入订单，未做修改。",
            file=sys.stderr,
        )
        return 1
    print(
        f"已按订单 {order.order_no} 填写售后 #{case.id}"
        if changes.cases
        else "售后记录已与订单一致，无需修改"
    )
    return 0
