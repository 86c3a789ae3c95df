"""`case new|show|set|note|delete|restore`: one case, with the same validation and timeline as the window."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from desk.commands import print_json
from desk.deadlines import describe_due
from desk.domain import CASE_FIELD_LABELS, CaseDraft, CaseId
from desk.errors import ValidationFailed
from desk.labels import PLATFORM_FACT_LABELS, appeal_kind_label, platform_time
from desk.services.cases import display_value

# Chinese labels work as field names too: `case set 3 状态=协商中 截止时间="剩余 23 小时"`.
FIELD_BY_LABEL = {label: key for key, label in CASE_FIELD_LABELS.items()}
# The fields a new case is usually started with, as options of `case new`.
NEW_OPTIONS = {
    "--order-no": "order_no",
    "--type": "case_type",
    "--platform": "platform",
    "--shop": "shop_id",
    "--after-sales-no": "after_sales_no",
    "--tracking-no": "tracking_no",
    "--courier": "courier",
    "--buyer": "buyer_nick",
    "--due": "due_at",
    "--refund": "refund_amount",
    "--description": "description",
}


def register(sub: Any) -> None:
    p = sub.add_parser("case", help="查看或修改一条售后记录")
    case_sub = p.add_subparsers(dest="case_command", required=True)
    new = case_sub.add_parser(
        "new",
        help="新建售后（与窗口相同的检查）：case new --order-no 订单号 --type 漏发少件 [字段=值 …]；"
        "订单已导入时自动填入平台、店铺、快递单号、快递公司、金额",
    )
    for flag, field in NEW_OPTIONS.items():
        new.add_argument(flag, dest=field, metavar=CASE_FIELD_LABELS[field], help=CASE_FIELD_LABELS[field])
    new.add_argument("assignments", nargs="*", metavar="字段=值", help="其他字段，如 退款金额=29.90")
    new.add_argument("--no-order", action="store_true", help="不按导入的订单填写")
    new.add_argument("--json", action="store_true")
    new.set_defaults(func=run_new)
    show = case_sub.add_parser("show", help="显示售后记录与时间线")
    show.add_argument("id", type=int)
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=run_show)
    setp = case_sub.add_parser(
        "set",
        help="修改字段：case set ID 字段=值 …（字段可用英文名或中文名，如 status=协商中、截止时间=剩余1天2小时）",
    )
    setp.add_argument("id", type=int)
    setp.add_argument("assignments", nargs="+", metavar="字段=值")
    setp.add_argument("--json", action="store_true")
    setp.set_defaults(func=run_set)
    note = case_sub.add_parser("note", help="在时间线上添加备注")
    note.add_argument("id", type=int)
    note.add_argument("text")
    note.set_defaults(func=run_note)
    trash = case_sub.add_parser("delete", help="移入回收站（可恢复）")
    trash.add_argument("ids", type=int, nargs="+")
    trash.set_defaults(func=run_trash)
    restore = case_sub.add_parser("restore", help="从回收站恢复")
    restore.add_argument("ids", type=int, nargs="+")
    restore.set_defaults(func=run_restore)


def parse_assignments(items: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValidationFailed(f"“{item}”应写成 字段=值，例如 status=协商中")
        field = key if key in CASE_FIELD_LABELS else FIELD_BY_LABEL.get(key)
        if field is None:
            names = "、".join(f"{k}（{v}）" for k, v in CASE_FIELD_LABELS.items())
            raise ValidationFailed(f"没有名为“{key}”的字段。可以修改的字段：{names}")
        out[field] = value
    return out


def _case_json(desk: Any, case_id: CaseId) -> dict[str, Any]:
    case = desk.cases.get(case_id)
    data = asdict(case)
    data["net_cost"] = case.net_cost
    data["due"] = describe_due(case.due_at, paused_at=case.due_paused_at)
    shops = {int(s.id): s.name for s in desk.shops.list()}
    data["timeline"] = [
        {**asdict(e), "data": dict(e.data), "text": e.words(shops).line()}
        for e in desk.cases.timeline(case_id)
    ]
    return data


def _shop_id(desk: Any, value: str) -> str:
    """A shop given by name or number, as `cases --shop` takes it."""
    for shop in desk.shops.list():
        if value in (shop.name, str(shop.id)):
            return str(shop.id)
    names = "、".join(s.name for s in desk.shops.list()) or "（还没有店铺）"
    raise ValidationFailed(f"没有名为“{value}”的店铺。已有的店铺：{names}")


def run_new(desk: Any, args: argparse.Namespace) -> int:
    """Create a case through the same service call and validation as the window's 新建售后."""
    values: dict[str, Any] = {
        field: getattr(args, field) for field in NEW_OPTIONS.values() if getattr(args, field) is not None
    }
    values.update(parse_assignments(args.assignments))
    if values.get("shop_id"):
        values["shop_id"] = _shop_id(desk, str(values["shop_id"]))
    filled: list[str] = []
    order_no = str(values.get("order_no") or "").strip()
    if order_no and not args.no_order:
        platform = (
            desk.cases.normalise_field("platform", values["platform"]) if "platform" in values else None
        )
        order = desk.orders.find(order_no, platform)
        if order is not None:
            for key, value in desk.orders.case_values(order).items():
                if values.get(key) in (None, ""):
                    values[key] = value
                    filled.append(CASE_FIELD_LABELS[key])
    case, _changes = desk.cases.create(CaseDraft(**values))
    if args.json:
        print_json(_case_json(desk, case.id))
        return 0
    print(
        f"已新建售后 #{case.id}（{case.case_type} · {case.order_no or case.after_sales_no or '未填订单号'}）"
    )
    if filled:
        print(f"已按导入的订单填写：{'、'.join(filled)}")
    for warning in desk.cases.warnings(CaseDraft(**{k: getattr(case, k) for k in CASE_FIELD_LABELS})):
        print(f"⚠ {warning}")
    return 0


def run_show(desk: Any, args: argparse.Namespace) -> int:
    case_id = CaseId(args.id)
    if args.json:
        print_json(_case_json(desk, case_id))
        return 0
    case = desk.cases.get(case_id)
    print(f"售后 #{case.id}{'（在回收站）' if case.deleted_at else ''}")
    for key, label in CASE_FIELD_LABELS.items():
        value = case.shop_name if key == "shop_id" else getattr(case, key)
        if key == "appeal_type" and value:
            value = appeal_kind_label(value)
        if key == "due_at":
            value = describe_due(case.due_at, paused_at=case.due_paused_at)
        if isinstance(value, bool):  # 运费险, 极速退款: 有 / 没有 (未知 is left out like any empty field)
            value = display_value(key, value)
        if value in (None, ""):
            continue
        print(f"  {label}：{value:.2f}" if hasattr(value, "quantize") else f"  {label}：{value}")
    print(f"  净支出：{case.net_cost:.2f}")
    facts = [(PLATFORM_FACT_LABELS[k], v) for k, v in case.facts.items() if v]
    if facts:
        print("平台售后信息：")
        for label, value in facts:
            print(f"  {label}：{platform_time(value) if hasattr(value, 'astimezone') else value}")
    print("时间线：")
    shops = {int(s.id): s.name for s in desk.shops.list()}
    for e in desk.cases.timeline(case_id):
        words = e.words(shops)
        print(f"  {e.at.astimezone():%Y-%m-%d %H:%M}  {words.title}  {words.text}".rstrip())
    return 0


def run_set(desk: Any, args: argparse.Namespace) -> int:
    case_id = CaseId(args.id)
    before = desk.cases.get(case_id)
    values = parse_assignments(args.assignments)
    case, changes = desk.cases.update(case_id, expected_version=before.version, **values)
    if args.json:
        print_json(_case_json(desk, case_id))
        return 0
    if not changes.cases:
        print("没有变化。")
        return 0
    for key in values:
        old, new = getattr(before, key), getattr(case, key)
        if old != new:
            print(
                f"{CASE_FIELD_LABELS[key]}：{display_value(key, old) or '（空）'} → {display_value(key, new) or '（空）'}"
            )
    return 0


def run_note(desk: Any, args: argparse.Namespace) -> int:
    desk.cases.add_note(CaseId(args.id), args.text)
    print("已添加备注。")
    return 0


def run_trash(desk: Any, args: argparse.Namespace) -> int:
    changes = desk.cases.trash([CaseId(i) for i in args.ids])
    print(f"已移入回收站：{len(changes.cases)} 条。")
    return 0


def run_restore(desk: Any, args: argparse.Namespace) -> int:
    changes = desk.cases.restore([CaseId(i) for i in args.ids])
    print(f"已恢复：{len(changes.cases)} 条。")
    return 0
