"""`python -m desk demo`: fill the profile with demo shops, cases and evidence.

Not one of desk/commands: the core's CLI finds this module through the `desk.commands` entry point
(pyproject.toml), as it would any command shipped beside the desk."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="在数据文件夹里生成演示数据（两个店铺、每种售后类型的案例和证据）")
    p.add_argument("--force", action="store_true", help="文件夹里已有案例时也继续添加")
    p.set_defaults(func=run)


def run(desk: Any, args: argparse.Namespace) -> int:
    from desk.names import shown
    from desk_demo.cases import fill_demo

    if desk.cases.list_ids() and not args.force:
        print(f"“{shown(str(desk.profile.root))}”里已有售后记录，未添加演示数据（加 --force 仍然添加）。")
        return 0
    made = fill_demo(desk)
    print(f"已在“{shown(str(desk.profile.root))}”生成演示数据：{len(made)} 条售后记录。")
    return 0
