"""`weight-check`, `weight-add`, `weight-settings`: prove by weight what was shipped."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from decimal import Decimal, InvalidOperation
from typing import Any

from desk.commands import print_json
from desk.domain import CaseId, EvidenceId
from desk.errors import ValidationFailed
from desk.orders.model import WeightKind, grams_text
from desk.orders.parse import CellError, weight_grams


def register(sub: Any) -> None:
    chk = sub.add_parser("weight-check", help="按订单商品与称重记录判断是否少件")
    chk.add_argument("case", type=int)
    chk.add_argument("--json", action="store_true")
    chk.set_defaults(func=run_check)

    add = sub.add_parser("weight-add", help="给售后记录添加一条重量（仓库称重、快递揽收/上车/下车、复称）")
    add.add_argument("case", type=int)
    add.add_argument("kind", choices=[str(k) for k in WeightKind])
    add.add_argument("weight", help="例如 1.25kg、1250g、2.5斤（只写数字按千克）")
    add.add_argument("--evidence", type=int, help="对应的证据编号（evidence list 中的 #）")
    add.add_argument("--note", default="")
    add.set_defaults(func=run_add)

    st = sub.add_parser("weight-settings", help="查看或修改称重的允许误差和默认包装重量")
    st.add_argument("--precision", type=int, help="秤的精度（克）")
    st.add_argument("--percent", help="允许的百分比（应有重量的 %）")
    st.add_argument("--packaging", type=int, help="商品没有包装重量时使用的默认包装重量（克）")
    st.set_defaults(func=run_settings)


def run_check(desk: Any, args: argparse.Namespace) -> int:
    check = desk.weights.check(CaseId(args.case))
    if args.json:
        data = asdict(check)
        data["sentence"] = check.sentence()
        data["table"] = [list(r) for r in check.table()]
        print_json(data)
        return 0
    print(f"售后 #{check.case_id}，订单 {check.order_no or '（未填）'}")
    print(f"结论：{check.conclusion}")
    for line in check.details:
        print(f"  {line}")
    for line in check.missing_weights:
        print(f"  缺少：{line}")
    return 0


def run_add(desk: Any, args: argparse.Namespace) -> int:
    try:
        grams = weight_grams(args.weight, "重量", default_unit="kg")
    except CellError as exc:
        raise ValidationFailed(str(exc)) from exc
    if grams is None:
        raise ValidationFailed("重量为空")
    evidence = EvidenceId(args.evidence) if args.evidence is not None else None
    record, _ = desk.weights.add(
        CaseId(args.case), WeightKind(args.kind), grams, evidence_id=evidence, note=args.note
    )
    print(
        f"已记录：{record.kind} {grams_text(record.grams)}"
        + (f"（证据“{record.evidence_name}”）" if evidence else "")
    )
    return 0


def run_settings(desk: Any, args: argparse.Namespace) -> int:
    current = desk.weights.tolerance()
    if args.precision is not None or args.percent is not None or args.packaging is not None:
        try:
            percent = Decimal(args.percent) if args.percent is not None else current.percent
        except InvalidOperation as exc:
            raise ValidationFailed(f"百分比“{args.percent}”不是数字") from exc
        current = desk.weights.set_tolerance(
            precision_g=args.precision if args.precision is not None else current.precision_g,
            percent=percent,
            default_packaging_g=args.packaging if args.packaging is not None else current.default_packaging_g,
        )
    print(f"允许误差：{current.describe()}；默认包装重量 {current.default_packaging_g} g")
    return 0
