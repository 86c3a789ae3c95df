"""`products list|import|set`: the SKU catalog with unit and packaging weights."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from desk.commands import print_json
from desk.commands.orders import exit_code, print_report
from desk.errors import ValidationFailed
from desk.names import shown
from desk.orders.parse import CellError, weight_grams


def register(sub: Any) -> None:
    p = sub.add_parser("products", help="商品资料（商家编码、单件重量、包装重量）")
    p_sub = p.add_subparsers(dest="products_command", required=True)
    lst = p_sub.add_parser("list", help="列出商品")
    lst.add_argument("--search", default="")
    lst.add_argument("--missing", action="store_true", help="只列出没有单件重量的商品")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=run_list)
    imp = p_sub.add_parser(
        "import", help="从 CSV / XLSX 导入商品资料（商家编码、名称、规格、单件重量、包装重量）"
    )
    imp.add_argument("file")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(func=run_import)
    st = p_sub.add_parser("set", help="设置一个商品的重量（例如 480g、0.48kg）")
    st.add_argument("sku", help="商家编码")
    st.add_argument("--weight", help="单件重量")
    st.add_argument("--packaging", help="默认包装重量")
    st.add_argument("--name", help="新建商品时的名称")
    st.set_defaults(func=run_set)


def _weight(text: str | None, label: str) -> int | None:
    if text is None:
        return None
    try:
        return weight_grams(text, label)
    except CellError as exc:
        raise ValidationFailed(str(exc)) from exc


def run_list(desk: Any, args: argparse.Namespace) -> int:
    items = desk.products.list(args.search, missing_only=args.missing)
    if args.json:
        print_json([asdict(p) for p in items])
        return 0
    for p in items:
        weight = f"{p.unit_weight_g} g" if p.unit_weight_g is not None else "缺重量"
        packaging = f"{p.packaging_g} g" if p.packaging_g is not None else "-"
        print(f"{shown(p.sku_code or p.key)}\t{shown(p.label)}\t{weight}\t包装 {packaging}")
    missing = sum(1 for p in items if p.unit_weight_g is None)
    print(f"共 {len(items)} 个商品，其中 {missing} 个没有单件重量")
    return 0


def run_import(desk: Any, args: argparse.Namespace) -> int:
    report = desk.products.import_file(Path(args.file))
    print_report(report, as_json=args.json)
    return exit_code(report)


def run_set(desk: Any, args: argparse.Namespace) -> int:
    unit = _weight(args.weight, "单件重量")
    packaging = _weight(args.packaging, "包装重量")
    found = [p for p in desk.products.list(args.sku) if args.sku in (p.sku_code, p.key)]
    if not found:
        created = desk.products.create(args.sku, args.name or "", unit_weight_g=unit, packaging_g=packaging)
        print(f"已新建商品 {created.sku_code}：单件 {unit or '-'} g，包装 {packaging or '-'} g")
        return 0
    changes: dict[str, Any] = {}
    if args.weight is not None:
        changes["unit_weight_g"] = unit
    if args.packaging is not None:
        changes["packaging_g"] = packaging
    if not changes:
        print("没有要修改的内容（用 --weight 或 --packaging）", file=sys.stderr)
        return 1
    updated = desk.products.update(found[0].id, **changes)
    print(
        f"已更新 {updated.label}：单件 {updated.unit_weight_g or '-'} g，包装 {updated.packaging_g or '-'} g"
    )
    return 0
