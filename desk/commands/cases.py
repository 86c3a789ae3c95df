"""`cases`: list, filter and search cases."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import Any

from desk.commands import output_path, print_json
from desk.deadlines import describe_due
from desk.domain import SORT_KEYS, CaseFilter, CaseStatus, CaseType, DueFilter, Platform
from desk.errors import ValidationFailed
from desk.names import shown

DUE_CHOICES = {
    "soon": DueFilter.SOON,
    "即将超时": DueFilter.SOON,
    "overdue": DueFilter.OVERDUE,
    "已超时": DueFilter.OVERDUE,
    "has": DueFilter.HAS_DUE,
    "有截止时间": DueFilter.HAS_DUE,
    "none": DueFilter.NO_DUE,
    "无截止时间": DueFilter.NO_DUE,
    "paused": DueFilter.PAUSED,
    "暂停计时": DueFilter.PAUSED,
}


def _split(values: list[str] | None) -> list[str]:
    return [v.strip() for raw in values or [] for v in raw.replace("，", ",").split(",") if v.strip()]


def register(sub: Any) -> None:
    p = sub.add_parser("cases", help="列出、筛选、搜索售后记录")
    p.add_argument(
        "--search", default="", help="搜索订单号 / 售后单号 / 快递单号 / 买家 / 问题描述 / 备注 / 证据说明"
    )
    p.add_argument(
        "--status",
        action="append",
        help="状态（可重复，或用逗号分开）：" + "、".join(str(s) for s in CaseStatus),
    )
    p.add_argument(
        "--type", action="append", help="售后类型（可重复）：" + "、".join(str(t) for t in CaseType)
    )
    p.add_argument("--shop", action="append", help="店铺名称或编号（可重复；“无”表示未指定店铺）")
    p.add_argument(
        "--platform", action="append", help="平台（可重复）：" + "、".join(str(x) for x in Platform)
    )
    p.add_argument("--due", choices=sorted(DUE_CHOICES), help="截止时间：soon/即将超时、overdue/已超时 …")
    p.add_argument("--trash", action="store_true", help="列出回收站里的售后")
    p.add_argument(
        "--sort", default="updated_at", choices=sorted(SORT_KEYS), help="排序字段（默认 updated_at）"
    )
    p.add_argument("--asc", action="store_true", help="升序（默认降序）")
    p.add_argument("--json", action="store_true")
    p.add_argument("--export", metavar="文件", help="把列出的售后导出为 .csv 或 .xlsx 文件")
    p.set_defaults(func=run)


def build_filter(desk: Any, args: argparse.Namespace) -> CaseFilter:
    def members(cls: Any, values: list[str], label: str) -> tuple[Any, ...]:
        out = []
        for v in values:
            try:
                out.append(cls(v))
            except ValueError as exc:
                allowed = "、".join(str(x) for x in cls)
                raise ValidationFailed(f"{label}“{v}”无效，可选：{allowed}") from exc
        return tuple(out)

    shops: list[int] = []
    if args.shop:
        known = desk.shops.list()
        for v in _split(args.shop):
            if v in ("无", "none", "0"):
                shops.append(0)
                continue
            match = [s.id for s in known if s.name == v or str(s.id) == v]
            if not match:
                names = "、".join(s.name for s in known) or "（还没有店铺）"
                raise ValidationFailed(f"没有名为“{v}”的店铺。现有店铺：{names}")
            shops.extend(match)
    return CaseFilter(
        search=args.search,
        statuses=members(CaseStatus, _split(args.status), "状态"),
        case_types=members(CaseType, _split(args.type), "售后类型"),
        platforms=members(Platform, _split(args.platform), "平台"),
        shop_ids=tuple(shops),
        due=DUE_CHOICES[args.due] if args.due else DueFilter.ANY,
        trash=args.trash,
        sort=args.sort,
        descending=not args.asc,
    )


def run(desk: Any, args: argparse.Namespace) -> int:
    flt = build_filter(desk, args)
    result = desk.cases.query(flt)
    if result.hint:
        print(f"提示：{result.hint}", file=sys.stderr)
    if args.export:
        from desk.services.export import export_cases

        path = export_cases(desk.cases.get_many(result.ids), output_path(args.export))
        print(f"已导出 {len(result.ids)} 条售后到“{shown(str(path))}”。")
        return 0
    rows = desk.cases.rows(result.ids)
    ordered = [rows[i] for i in result.ids if i in rows]
    if args.json:
        print_json([{**asdict(r), "due": describe_due(r.due_at, paused_at=r.due_paused_at)} for r in ordered])
        return 0
    for r in ordered:
        amount = f"¥{r.refund_amount:.2f}" if r.refund_amount is not None else "-"
        due = describe_due(r.due_at, paused_at=r.due_paused_at) or "-"
        print(
            f"#{r.id}\t{r.case_type}\t{r.status}\t{r.platform}\t{shown(r.shop_name or '-')}\t"
            f"{shown(r.order_no or '-')}\t{shown(r.after_sales_no or '-')}\t{amount}\t{due}"
        )
    print(f"共 {len(ordered)} 条")
    return 0
