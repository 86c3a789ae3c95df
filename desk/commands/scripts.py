"""`scripts list`: the scripts library, optionally filled for a case."""

from __future__ import annotations

import argparse
from typing import Any

from desk.commands import print_json
from desk.domain import CaseId
from desk.playbooks.model import missing_words


def register(sub: Any) -> None:
    p = sub.add_parser("scripts", help="话术库")
    s = p.add_subparsers(dest="scripts_command", required=True)
    lst = s.add_parser("list", help="列出话术")
    lst.add_argument("--search", default="")
    lst.add_argument("--category", default="")
    lst.add_argument("--case", type=int, help="用这条售后的信息填入变量")
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=run_list)


def run_list(desk: Any, args: argparse.Namespace) -> int:
    items = desk.scripts.list(args.search, args.category)
    rows = []
    for x in items:
        text, missing = x.text, ()
        if args.case is not None:
            filled = desk.scripts.fill_for_case(x.id, CaseId(args.case))
            text, missing = filled.text, filled.missing
        rows.append(
            {
                "id": x.id,
                "category": x.category,
                "title": x.title,
                "text": text,
                "missing": list(missing),
                "builtin": x.builtin,
            }
        )
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        print(f"[{r['category']}] {r['title']}（{r['id']}）\n  {r['text']}")
        if r["missing"]:
            print(f"  {missing_words(r['missing'])}")
    print(f"共 {len(rows)} 条")
    return 0
