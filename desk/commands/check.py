"""`check [--repair]`: check the database and every evidence original; report in plain words."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import Any

from desk.commands import print_json
from desk.commands.backup import progress_printer


def register(sub: Any) -> None:
    p = sub.add_parser("check", help="检查数据：数据库完整性、每个证据原始文件、多余文件、搜索索引")
    p.add_argument("--repair", action="store_true", help="执行可以安全自动完成的修复")
    p.add_argument("--quick", action="store_true", help="不逐个计算证据文件的校验值（更快）")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)


def run(desk: Any, args: argparse.Namespace) -> int:
    from desk.check import check_profile, repair_profile

    show = sys.stderr.isatty() and not args.json
    report = check_profile(desk, verify_hashes=not args.quick, progress=progress_printer(show))
    if show:
        print(file=sys.stderr)
    repaired: list[str] = []
    if args.repair and report.repairable:
        repaired = repair_profile(desk, report)
        report = check_profile(desk, verify_hashes=False)
    if args.json:
        print_json(
            {
                "clean": report.clean,
                "errors": [asdict(f) for f in report.errors],
                "warnings": [asdict(f) for f in report.warnings],
                "stats": report.stats,
                "repaired": repaired,
            }
        )
    else:
        for line in repaired:
            print(f"已修复：{line}")
        print(report.text())
    return 1 if report.errors else 0
