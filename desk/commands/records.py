"""The list / add / edit / remove subcommands that `outcome` (appeals) and `claim` (courier claims) share:
one shape for a case's records, so both print, refuse and report the same way."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from desk.commands import print_json
from desk.domain import CaseId


@dataclass(frozen=True)
class CaseRecords:
    noun: str  # 申诉 / 理赔: "共 N 次申诉", "已删除申诉记录 #id"
    options: Mapping[str, str]  # argparse dest -> the service's field name
    add_options: Callable[[argparse.ArgumentParser], None]
    line: Callable[[Any], str]  # one record as a line of text
    listed: Callable[[Any, CaseId], list[Any]]  # (desk, case) -> records
    record: Callable[..., tuple[Any, Any]]  # (desk, case, **fields) -> (record, changes)
    update: Callable[..., tuple[Any, Any]]  # (desk, id, **fields) -> (record, changes)
    remove: Callable[[Any, int], Any]  # (desk, id)
    data: Callable[[Any], dict[str, Any]] = asdict

    def register(self, cmds: Any, *, helps: Mapping[str, str]) -> None:
        """Add the four subcommands under cmds; helps names each one's help text."""
        lst = cmds.add_parser("list", help=helps["list"])
        lst.add_argument("case", type=int)
        lst.add_argument("--json", action="store_true")
        lst.set_defaults(func=self.run_list)

        add = cmds.add_parser("add", help=helps["add"])
        add.add_argument("case", type=int)
        self.add_options(add)
        add.add_argument("--json", action="store_true")
        add.set_defaults(func=self.run_add)

        edit = cmds.add_parser("edit", help=helps["edit"])
        edit.add_argument("id", type=int)
        self.add_options(edit)
        edit.add_argument("--json", action="store_true")
        edit.set_defaults(func=self.run_edit)

        rm = cmds.add_parser("remove", help=helps["remove"])
        rm.add_argument("id", type=int)
        rm.set_defaults(func=self.run_remove)

    def given(self, args: argparse.Namespace) -> dict[str, Any]:
        """The options given on the command line, as the service's field names (absent ones stay as they are)."""
        return {
            field: getattr(args, arg) for arg, field in self.options.items() if getattr(args, arg) is not None
        }

    def run_list(self, desk: Any, args: argparse.Namespace) -> int:
        found = self.listed(desk, CaseId(args.case))
        if args.json:
            print_json([self.data(r) for r in found])
            return 0
        for r in found:
            print(self.line(r))
        print(f"共 {len(found)} 次{self.noun}")
        return 0

    def run_add(self, desk: Any, args: argparse.Namespace) -> int:
        r, _ = self.record(desk, CaseId(args.case), **self.given(args))
        if args.json:
            print_json(self.data(r))
        else:
            print(f"已记录：{self.line(r)}")
        return 0

    def run_edit(self, desk: Any, args: argparse.Namespace) -> int:
        r, changes = self.update(desk, args.id, **self.given(args))
        if args.json:
            print_json(self.data(r))
        else:
            print(("已修改：" if changes.cases else "没有变化：") + self.line(r))
        return 0

    def run_remove(self, desk: Any, args: argparse.Namespace) -> int:
        self.remove(desk, args.id)
        print(f"已删除{self.noun}记录 #{args.id}")
        return 0
