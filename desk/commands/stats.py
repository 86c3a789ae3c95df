"""`stats`: 统计 — cases and their money by month, shop, platform, case type, reason, product and courier;
appeal win rates by appeal kind and evidence mix; --json, or an XLSX workbook."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from desk.commands import output_path, print_json
from desk.errors import ValidationFailed
from desk.labels import STATS_DIMENSION_LABELS
from desk.names import shown
from desk.services.stats import DIMENSIONS, StatsReport, Totals, WinRate, dimension_key, measure_columns


def register(sub: Any) -> None:
    p = sub.add_parser("stats", help="统计：售后件数、退款与补偿支出、申诉和理赔追回、净支出，申诉成功率")
    dims = "、".join(f"{k}（{w}）" for k, w in STATS_DIMENSION_LABELS.items())
    p.add_argument("--by", action="append", metavar="维度", help=f"只看这些维度（可重复）：{dims}；默认全部")
    p.add_argument("--since", metavar="日期", help="从这一天登记的售后起，例如 2026-01-01")
    p.add_argument("--until", metavar="日期", help="到这一天登记的售后止（含这一天）")
    p.add_argument("--json", action="store_true")
    p.add_argument("--xlsx", metavar="文件", help="把统计导出为 .xlsx 文件")
    p.set_defaults(func=run)


def _day(text: str | None, label: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValidationFailed(f"{label}“{text}”无法识别，请写成 2026-01-31") from exc


def _money(totals: Totals) -> str:
    data = totals.as_dict()
    parts = [
        f"{words} {data[key]}" if key == "cases" else f"{words} ¥{data[key]:.2f}"
        for key, words in measure_columns()
    ]
    return "，".join(parts)


def _rate(w: WinRate) -> str:
    return (
        f"已出结果 {w.decided}（成功 {w.won}，部分支持 {w.partial}，驳回 {w.rejected}），"
        f"等待结果 {w.pending}，成功率 {w.rate_text()}"
    )


def run(desk: Any, args: argparse.Namespace) -> int:
    by = [dimension_key(v) for raw in args.by or [] for v in raw.replace("，", ",").split(",") if v.strip()]
    report: StatsReport = desk.stats.report(
        by=by or DIMENSIONS, since=_day(args.since, "开始日期"), until=_day(args.until, "结束日期")
    )
    if args.xlsx:
        from desk.services.stats import export_xlsx

        path = export_xlsx(report, output_path(args.xlsx))
        print(f"已导出统计到“{shown(str(path))}”。")
        return 0
    if args.json:
        print_json(report.as_dict())
        return 0
    print(f"合计：{_money(report.totals)}")
    for dim, rows in report.groups:
        print(f"\n按{STATS_DIMENSION_LABELS[dim]}：")
        for g in rows:
            print(f"  {shown(g.label)}\t{_money(g.totals)}")
    print(f"\n申诉（部分支持算成功）：{_rate(report.appeals)}")
    for w in report.by_appeal_kind:
        print(f"  {shown(w.label)}\t{_rate(w)}")
    print("\n按证据：")
    for e in report.by_evidence:
        print(f"  {e.present.label}\t{_rate(e.present)}")
        print(f"  {e.absent.label}\t{_rate(e.absent)}")
    return 0
