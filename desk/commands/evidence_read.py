"""`evidence read ID [--json]`: the text of one evidence picture, with boxes and confidence, and the values
found in it (phone numbers with the boxes proposed for blacking out, weights, waybills, orders, money,
times). Read by the recognition worker once per picture content; later runs read the profile's cache."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from typing import Any

from desk.commands import print_json
from desk.domain import EvidenceId
from desk.errors import DeskError
from desk.names import shown
from desk.recognition.cache import ReadingCache, read_cached
from desk.recognition.client import EngineMissing, Reader
from desk.recognition.fields import KIND_WORDS, find_fields, propose_redactions


def register_read(ev_sub: Any) -> None:
    read = ev_sub.add_parser("read", help="识别证据图片中的文字，找出电话号码、重量、运单号等（离线）")
    read.add_argument("evidence", type=int, help="证据编号（evidence list 中的 #）")
    read.add_argument("--json", action="store_true")
    read.set_defaults(func=run_read)


def run_read(desk: Any, args: argparse.Namespace) -> int:
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
    return 0
