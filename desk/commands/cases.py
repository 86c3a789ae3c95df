"""`cases`: list and search cases."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from desk.commands import print_json


def register(sub: Any) -> None:
    p = sub.add_parser("cases", help="列出售后记录")
    p.add_argument("--search", default="", help="按订单号 / 售后单号 / 快递单号 / 买家搜索")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(desk: Any, args: argparse.Namespace) -> int:
    ids = desk.cases.list_ids(args.search)
    rows = desk.cases.rows(ids)
    ordered = [rows[i] for i in ids if i in rows]
    if args.json:
        print_json([asdict(r) for r in ordered])
        return 0
    for r in ordered:
        amount = f"¥{r.refund_amount:.2f}" if r.refund_amount is not None else "-"
        print(
            f"#{r.id}\t{r.case_type}\t{r.status}\t{r.platform}\t{r.shop_name or '-'}\t"
            f"{r.order_no or '-'}\t{r.after_sales_no or '-'}\t{amount}"
        )
    print(f"共 {len(ordered)} 条")
    return 0
