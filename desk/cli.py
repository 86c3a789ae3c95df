"""Command line: `python -m desk --profile DIR <command>` — the same services the window uses."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any

from desk.domain import CaseId, EvidenceKind
from desk.errors import DeskError
from desk.profile import resolve_profile

log = logging.getLogger(__name__)


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        return [_jsonable(v) for v in value]
    return value


def _print_json(value: Any) -> None:
    json.dump(_jsonable(value), sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m desk", description="售后申诉工作台（命令行）")
    p.add_argument("--profile", help="数据文件夹（默认：环境变量 DESK_HOME，否则系统用户数据目录）")
    p.add_argument("--verbose", action="store_true", help="日志写得更详细")
    sub = p.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="在数据文件夹里生成演示数据（两个店铺、每种售后类型的案例和证据）")
    demo.add_argument("--force", action="store_true", help="文件夹里已有案例时也继续添加")

    cases = sub.add_parser("cases", help="列出售后记录")
    cases.add_argument("--search", default="", help="按订单号 / 售后单号 / 快递单号 / 买家搜索")
    cases.add_argument("--json", action="store_true")

    ev = sub.add_parser("evidence", help="证据")
    ev_sub = ev.add_subparsers(dest="evidence_command", required=True)
    add = ev_sub.add_parser("add", help="给售后记录添加证据文件")
    add.add_argument("case", type=int)
    add.add_argument("files", nargs="+")
    add.add_argument("--kind", choices=[k.value for k in EvidenceKind], help="证据类别（默认按文件名推测）")
    add.add_argument("--json", action="store_true")
    lst = ev_sub.add_parser("list", help="列出售后记录的证据")
    lst.add_argument("case", type=int)
    lst.add_argument("--json", action="store_true")

    packet = sub.add_parser("packet", help="生成申诉材料 PDF")
    packet.add_argument("case", type=int)
    packet.add_argument("-o", "--output", help="输出 PDF 路径（默认存入数据文件夹的 packets/）")
    packet.add_argument("--json", action="store_true")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    profile = resolve_profile(args.profile)
    from desk.app import open_desk
    from desk.logs import setup_logging

    try:
        profile.ensure()
        setup_logging(profile.logs_dir, verbose=args.verbose)
        desk = open_desk(profile)
    except DeskError as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"错误：无法使用数据文件夹“{profile.root}”：{exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        return _run(desk, args)
    except DeskError as exc:
        log.info("command failed: %s", exc.message, exc_info=True)
        print(f"错误：{exc.message}", file=sys.stderr)
        return 1
    finally:
        desk.close()


def _run(desk: Any, args: argparse.Namespace) -> int:
    if args.command == "demo":
        from desk.demo import fill_demo

        if desk.cases.list_ids() and not args.force:
            print(f"“{desk.profile.root}”里已有售后记录，未添加演示数据（加 --force 仍然添加）。")
            return 0
        made = fill_demo(desk)
        print(f"已在“{desk.profile.root}”生成演示数据：{len(made)} 条售后记录。")
        return 0
    if args.command == "cases":
        ids = desk.cases.list_ids(args.search)
        rows = desk.cases.rows(ids)
        ordered = [rows[i] for i in ids if i in rows]
        if args.json:
            _print_json([asdict(r) for r in ordered])
        else:
            for r in ordered:
                amount = f"¥{r.refund_amount:.2f}" if r.refund_amount is not None else "-"
                print(
                    f"#{r.id}\t{r.case_type}\t{r.status}\t{r.platform}\t{r.shop_name or '-'}\t"
                    f"{r.order_no or '-'}\t{r.after_sales_no or '-'}\t{amount}"
                )
            print(f"共 {len(ordered)} 条")
        return 0
    if args.command == "evidence":
        case_id = CaseId(args.case)
        if args.evidence_command == "add":
            kind = EvidenceKind(args.kind) if args.kind else None
            report = desk.evidence.import_files(case_id, [Path(f) for f in args.files], kind=kind)
            if args.json:
                _print_json(
                    {
                        "added": [asdict(e) for e in report.added],
                        "duplicates": list(report.duplicates),
                        "rejected": [asdict(r) for r in report.rejected],
                    }
                )
            else:
                for e in report.added:
                    print(f"已导入：{e.original_name}（{e.kind}，#{e.id}，SHA-256 {e.sha256[:12]}）")
                for name in report.duplicates:
                    print(f"已存在：{name}（内容相同，未重复保存）")
                for r in report.rejected:
                    print(f"未导入：{r.name}——{r.reason}", file=sys.stderr)
                print(report.summary())
            return 1 if report.rejected and not report.added and not report.duplicates else 0
        items = desk.evidence.list(case_id)
        desk.cases.get(case_id)
        if args.json:
            _print_json([asdict(e) for e in items])
        else:
            for e in items:
                size = f"{e.width}×{e.height}" if e.width else f"{e.page_count or '?'} 页"
                print(f"#{e.id}\t{e.kind}\t{e.original_name}\t{size}\t{e.sha256[:12]}\t{e.caption}")
        return 0
    if args.command == "packet":
        out = Path(args.output).expanduser().resolve() if args.output else None
        result = desk.packets.build(CaseId(args.case), out)
        if args.json:
            _print_json(
                {"path": result.path, "packet": asdict(result.packet), "warnings": list(result.warnings)}
            )
        else:
            for w in result.warnings:
                print(f"注意：{w}", file=sys.stderr)
            print(
                f"已生成：{result.path}（{result.packet.page_count} 页，{result.packet.byte_size / 1024:.0f} KB）"
            )
        return 0
    raise AssertionError(args.command)


if __name__ == "__main__":
    sys.exit(main())
