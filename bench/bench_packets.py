"""Appeal packets: 30 × 12-MP photos plus cover, text and tables, against img2pdf on the same photos.

The case is a 漏发少件 货款申诉 laid out as the packet does it now: page 1 with the claim, the warehouse and
courier weighings side by side (drawn from the same prepared pictures as the evidence section) and the
weight worked out; the other photos two to a row.

Targets:
- the full build (fresh process, empty picture cache: font set-up, every photo decoded, fitted, marked
  and re-encoded, the whole PDF written and synced) takes <= 2.0 s and <= 5x the time img2pdf needs
  for a lossless passthrough PDF of the same 30 photos (A4, 15 mm border), measured in this run;
- the packet is <= 8 MB and <= 1/12 of img2pdf's file;
- regenerating after a text edit (the 问题描述 changed) takes <= 0.5 s: the prepared pictures come from
  the cache, no photo is decoded;
- the bytes do not depend on the cache: a build from a warm cache equals one with no cache at all.

The photos are made by bench_evidence.make_photos (4000x3000, gradient + noise + edges, JPEG q90,
~3.5 MB, every 5th with EXIF Orientation 6). Each figure is the best of BENCH_PACKETS_RUNS runs, each
in a fresh process, with the photos in the page cache for both sides; img2pdf and the packet runs are
interleaved so both see the same machine. Other work on the machine (the load average is reported)
slows both sides, the ratios less than the absolute times.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TITLE = "Appeal packets (30 × 12-MP photos, cover, text and tables)"
NOTES = """
Reading the numbers: a full build needs about 2.2 s of CPU (most of it decoding the 30 photos at the
reduced size they are printed at), spread over two cores by the preparation threads; the 2.0 s holds when
both cores are free (with another process holding one core the wall time is about the CPU time), while the
ratio to img2pdf, which only copies the JPEG bytes, stays well within 5×. Photos print two to a row at
170 dpi, which a 12-MP photo gives straight from its 1/8-scale decode, so the packet has about half the pages
and a third of the bytes of the one-photo-per-half-page layout (19 pages, 1.5 MB, 2.3 s of CPU before);
page 1 shows the decisive photos again from the pictures already embedded, which costs no bytes.
Regeneration reuses the prepared pictures from the cache and decodes none.
"""
REPO = Path(__file__).resolve().parents[1]
PHOTOS = int(os.environ.get("BENCH_PACKETS_PHOTOS", "30"))
RUNS = int(os.environ.get("BENCH_PACKETS_RUNS", "3"))
FULL_TARGET_S = 2.0
SIZE_TARGET_MB = 8.0
REGEN_TARGET_S = 0.5
TIME_RATIO = 5.0
SIZE_RATIO = 12.0

Row = tuple[str, str, str, str, str]

SETUP_CHILD = """
import json, sys
from decimal import Decimal
from pathlib import Path
from desk.app import open_desk
from desk.domain import CaseDraft, CaseType, EvidenceKind
from desk.orders.model import WeightKind
folder, profile = Path(sys.argv[1]), Path(sys.argv[2])
desk = open_desk(profile)
case, _ = desk.cases.create(CaseDraft(
    order_no="261120-583920174650321", after_sales_no="9102847561203", tracking_no="YT7512049386021",
    courier="圆通速递", case_type=CaseType.MISSING_ITEM, order_amount=Decimal("189.70"),
    refund_amount=Decimal("59.90"), appeal_type="goods",
    description="买家称收到的包裹少了一件商品。仓库发货前称重 1.25 kg，快递揽收称重 1.25 kg，"
    "与订单商品重量一致；发货视频与面单合照显示两件商品均已装箱。" * 4,
))
for n in range(12):
    desk.cases.add_note(case.id, f"第 {n + 1} 次沟通：已向买家说明称重记录，买家未提供开箱视频。")
photos = sorted(folder.glob("*.jpg"))
report = desk.evidence.import_files(case.id, photos)
assert len(report.added) == len(photos), report.summary()
# A 漏发少件 货款申诉: page 1 shows the two weighings side by side and the weight worked out.
for item, kind, weight in (
    (report.added[0], EvidenceKind.WAREHOUSE_WEIGHT, WeightKind.WAREHOUSE),
    (report.added[1], EvidenceKind.COURIER_WEIGHT, WeightKind.COURIER_PICKUP),
):
    desk.evidence.update(item.id, kind=kind)
    desk.weights.add(case.id, weight, 1250, evidence_id=item.id)
desk.close()
print(json.dumps({"case": case.id}))
"""

BUILD_CHILD = """
import json, os, sys, time
from datetime import UTC, datetime
from pathlib import Path
from desk.app import open_desk
from desk.domain import CaseId
profile, case_id, out = Path(sys.argv[1]), CaseId(int(sys.argv[2])), Path(sys.argv[3])
desk = open_desk(profile)
cpu = time.process_time()
started = time.perf_counter()
full = desk.packets.build(case_id, out / "full.pdf")
full_s = time.perf_counter() - started
full_cpu = time.process_time() - cpu
cold = desk.packets.last_cache_stats
desk.cases.update(case_id, description="买家称收到的包裹少了一件商品（补充：快递员签收时包装完好）。")
started = time.perf_counter()
edited = desk.packets.build(case_id, out / "edited.pdf")
regen_s = time.perf_counter() - started
warm = desk.packets.last_cache_stats
# The same content with a warm cache and with none gives the same bytes.
from desk.pdf.cache import PreparedCache
from desk.pdf.packet import build_packet
content = desk.packets.content(case_id, generated_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
with_cache = build_packet(content, out / "cached.pdf", cache=PreparedCache(desk.profile.packet_cache_dir))
without = build_packet(content, out / "uncached.pdf")
desk.close()
print(json.dumps({
    "full_s": full_s, "full_cpu_s": full_cpu, "bytes": full.packet.byte_size, "pages": full.packet.page_count,
    "cold_misses": cold.misses, "regen_s": regen_s, "regen_hits": warm.hits, "regen_misses": warm.misses,
    "same_bytes": with_cache.sha256 == without.sha256,
}))
"""

IMG2PDF_CHILD = """
import json, os, sys, time
from pathlib import Path
import img2pdf
folder, out = Path(sys.argv[1]), Path(sys.argv[2])
photos = [str(p) for p in sorted(folder.glob("*.jpg"))]
a4 = (img2pdf.mm_to_pt(210), img2pdf.mm_to_pt(297))
border = (img2pdf.mm_to_pt(15), img2pdf.mm_to_pt(15))
layout = img2pdf.get_layout_fun(pagesize=a4, border=border, fit=img2pdf.FitMode.into)
started = time.perf_counter()
data = img2pdf.convert(photos, layout_fun=layout)
with out.open("wb") as fh:
    fh.write(data)
    fh.flush()
    os.fsync(fh.fileno())
print(json.dumps({"s": time.perf_counter() - started, "bytes": len(data)}))
"""


def _child(code: str, *args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=REPO, capture_output=True, text=True, timeout=1800
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def verdict(ok: bool) -> str:
    return "pass" if ok else "FAIL"


def run() -> list[Row]:
    sys.path.insert(0, str(REPO / "bench"))
    from bench_evidence import make_photos, warm

    work = Path(tempfile.mkdtemp(prefix="bench-packets-"))
    try:
        photos = make_photos(work / "photos", PHOTOS)
        source_mb = sum(p.stat().st_size for p in photos) / 1e6
        profile = work / "profile"
        case_id = int(_child(SETUP_CHILD, str(work / "photos"), str(profile))["case"])
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
        best: dict[str, float] | None = None
        regen = float("inf")
        anchor: dict[str, float] | None = None
        for run_no in range(RUNS):
            warm(photos)
            out = work / f"out-{run_no}"
            out.mkdir()
            ref = _child(IMG2PDF_CHILD, str(work / "photos"), str(out / "img2pdf.pdf"))
            if anchor is None or ref["s"] < anchor["s"]:
                anchor = ref
            shutil.rmtree(profile / "cache" / "packet-images", ignore_errors=True)  # a full build
            result = _child(BUILD_CHILD, str(profile), str(case_id), str(out))
            if best is None or result["full_s"] < best["full_s"]:
                best = result
            regen = min(regen, result["regen_s"])
            assert result["regen_misses"] == 0 and result["cold_misses"] == PHOTOS, result
        assert best is not None and anchor is not None
    finally:
        shutil.rmtree(work, ignore_errors=True)

    full_s, mb = best["full_s"], best["bytes"] / 1e6
    ratio_t = full_s / anchor["s"]
    ratio_size = anchor["bytes"] / best["bytes"]
    what = f"full build: {PHOTOS} × 12-MP JPEG ({source_mb / PHOTOS:.1f} MB each) + cover, text, tables"
    return [
        (
            f"{what}, {int(best['pages'])} pages, fresh process, empty cache",
            f"{full_s:.2f} s ({best['full_cpu_s']:.2f} s CPU in the process; load avg {load:.1f} at start)",
            f"≤ {FULL_TARGET_S} s and ≤ {TIME_RATIO:.0f}× img2pdf",
            f"img2pdf lossless passthrough: {anchor['s']:.2f} s → {ratio_t:.1f}×",
            verdict(full_s <= FULL_TARGET_S and ratio_t <= TIME_RATIO),
        ),
        (
            "packet file size",
            f"{mb:.1f} MB",
            f"≤ {SIZE_TARGET_MB:.0f} MB and ≤ 1/{SIZE_RATIO:.0f} of img2pdf",
            f"img2pdf: {anchor['bytes'] / 1e6:.1f} MB → 1/{ratio_size:.0f}",
            verdict(mb <= SIZE_TARGET_MB and ratio_size >= SIZE_RATIO),
        ),
        (
            "regeneration after a text edit (问题描述 changed)",
            f"{regen:.2f} s ({int(best['regen_hits'])} pictures from the cache, 0 decoded)",
            f"≤ {REGEN_TARGET_S} s",
            f"full build in this run: {full_s:.2f} s",
            verdict(regen <= REGEN_TARGET_S),
        ),
        (
            "bytes with a warm picture cache vs. no cache",
            "identical" if best["same_bytes"] else "DIFFERENT",
            "identical",
            "same content, generated_at fixed",
            verdict(bool(best["same_bytes"])),
        ),
    ]


if __name__ == "__main__":
    started = time.perf_counter()
    for row in run():
        print(" | ".join(row))
    print(f"{time.perf_counter() - started:.1f} s")
