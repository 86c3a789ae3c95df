"""`evidence read ID [--json]`: the text of one evidence picture, with boxes and confidence, and the values
found in it (phone numbers with the boxes proposed for blacking out, weights, waybills, orders, money,
times), and the suggestions the window offers for it (a differing number that is another case's names that
case: `evidence move`). Read by the recognition worker once per picture content; later runs read the
profile's cache.

`evidence read --all [--case N]`: every picture not read yet (pictures imported before reading existed),
one at a time, with progress on stderr; what they say becomes searchable. `evidence add` reads what it
added the same way unless told --no-read."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from desk.commands import print_json
from desk.domain import CaseId, EvidenceId
from desk.errors import DeskError
from desk.names import shown
from desk.recognition.cache import ReadingCache, read_cached
from desk.recognition.client import EngineMissing, Reader
from desk.recognition.fields import KIND_WORDS, find_fields, propose_redactions


def register_read(ev_sub: Any) -> None:
    read = ev_sub.add_parser("read", help="识别证据图片中的文字，找出电话号码、重量、运单号等（离线）")
    read.add_argument("evidence", type=int, nargs="?", help="证据编号（evidence list 中的 #）")
    read.add_argument("--all", action="store_true", help="识别所有尚未识别的图片（可用 --case 限定一条售后）")
    read.add_argument("--case", type=int, help="与 --all 一起用：只识别这条售后的图片")
    read.add_argument("--json", action="store_true")
    read.set_defaults(func=run_read)


def _stderr_progress(done: int, total: int, what: str) -> None:
    if total and what:
        print(f"识别中 {done + 1}/{total} {what}", file=sys.stderr, flush=True)


def read_pictures(desk: Any, ids: Sequence[EvidenceId], *, as_json: bool, progress: bool = True) -> int:
    """Read the given pictures (with progress on stderr unless told not) and say what was done; 1 when
    reading is off."""
    if not ids:
        if as_json:
            print_json({"read": 0, "cached": 0, "failed": []})
        else:
            print("没有待识别的图片")
        return 0
    try:
        summary = desk.recognition.read_all(ids, progress=_stderr_progress if progress else None)
    except EngineMissing as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 1
    if as_json:
        print_json({"read": summary.read, "cached": summary.cached, "failed": list(summary.failed)})
    else:
        for line in summary.failed:
            print(f"未能识别：{line}", file=sys.stderr)
        print(
            f"已识别 {summary.read} 张图片" + (f"，{summary.cached} 张此前已识别" if summary.cached else "")
        )
    return 1 if summary.failed and not (summary.read or summary.cached) else 0


def run_read(desk: Any, args: argparse.Namespace) -> int:
    if args.all:
        case_id = CaseId(args.case) if args.case is not None else None
        if case_id is not None:
            desk.cases.get(case_id)
        return read_pictures(desk, desk.recognition.pending(case_id), as_json=args.json)
    if args.evidence is None:
        raise DeskError("请给出证据编号（evidence list 中的 #），或用 --all 识别所有尚未识别的图片")
    evidence = desk.evidence.get(EvidenceId(args.evidence))
    if not evidence.media_type.startswith("image/"):
        raise DeskError(f"证据 #{evidence.id}（{evidence.original_name}）不是图片，只能识别图片中的文字")
    try:
        with Reader() as reader:
            reading, cached = read_cached(
                reader, ReadingCache(desk.profile.root), desk.evidence.blob_path(evidence.id), evidence.sha256
            )
    except EngineMissing as exc:
        print(f"错误：{exc.message}", file=sys.stderr)
        return 1
    fields = find_fields(reading.lines)
    redactions = propose_redactions(reading.lines)
    # What the window offers for this picture, from the reading just cached: compared with the case, and
    # a differing number that is another case's names that case ("elsewhere").
    suggestions = desk.recognition.read(evidence.id).suggestions
    if args.json:
        print_json(
            {
                "evidence": evidence.id,
                "sha256": reading.sha256,
                "engine": reading.engine,
                "cached": cached,
                "width": reading.width,
                "height": reading.height,
                "lines": [asdict(line) for line in reading.lines],
                "fields": [asdict(f) for f in fields],
                "redactions": [asdict(r) for r in redactions],
                "suggestions": [asdict(s) for s in suggestions],
            }
        )
        return 0
    for line in reading.lines:
        print(f"{shown(line.text)}    （{line.confidence:.0%}）")
    for f in fields:
        what = f"{f.label}号" if f.kind == "order" else f"{f.label}{KIND_WORDS.get(f.kind, f.kind)}"
        print(f"找到{what}：{shown(f.value)}{f.unit}")
    if redactions:
        print(f"建议遮盖 {len(redactions)} 处电话号码")
    owned = [s for s in suggestions if s.elsewhere is not None]  # all name the same case
    if owned:
        said = "、".join(shown(s.words) for s in owned)
        print(
            f"{said} 是{shown(owned[0].elsewhere_label)}的单号，这张图片可能放错了售后："
            f"python -m desk evidence move {evidence.id} --case {owned[0].elsewhere}"
        )
    return 0
