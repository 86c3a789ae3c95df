"""Importing a 100,000-row 拼多多 订单导出 (GBK CSV), against a plain csv.reader pass over the same file.

Targets: the import in <= 10 s with resident memory <= 300 MB (rows are streamed, the file is
never loaded whole); re-importing the same file (every order an update) in <= 10 s. Each import runs in
a fresh child process, so its peak RSS (getrusage ru_maxrss) is the import's own, interpreter, SQLAlchemy
and all; the time is measured around import_file() only (wall clock; the process's CPU time beside it
shows what a busy machine adds). The anchor decodes the same GBK file and splits
it with csv.reader, doing nothing with the rows: the floor of any importer written in Python.
"""

from __future__ import annotations

import csv
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

TITLE = "Order import (100,000-row 拼多多 订单导出, GBK)"
ROWS = int(os.environ.get("BENCH_ORDER_ROWS", "100000"))
REPO = Path(__file__).resolve().parents[1]
TIME_TARGET_S = 10.0
RSS_TARGET_MB = 300.0

CHILD = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {repo!r})


def peak_kb():
    # VmHWM belongs to this process's own memory map; ru_maxrss would carry the parent's peak over exec.
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


from desk.app import open_desk
desk = open_desk(Path({profile!r}))
before = peak_kb()
started, cpu = time.perf_counter(), time.process_time()
report = desk.orders.import_file(Path({path!r}))
elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
desk.close()
print(json.dumps({{"seconds": elapsed, "cpu": cpu, "rss_kb": peak_kb(), "rss_before_kb": before,
                  "imported": report.imported, "updated": report.updated, "failed": len(report.failed),
                  "rows": report.rows, "items": report.items}}))
"""


def make_export(path: Path, rows: int, seed: int = 5) -> int:
    """A realistic export: ~10 % of orders have two item rows, some quoted addresses span two lines,
    amounts carry thousands separators, buyer columns are filled (and not stored by default)."""
    from desk_demo.orders import PDD_HEADER

    rng = random.Random(seed)
    skus = [(f"SKU-{n:04d}", f"商品{n}号 收纳系列", f"规格{n % 7}") for n in range(800)]
    start = datetime(2026, 10, 28, 8, 0, 0)
    written = 0
    order = 0
    with path.open("w", encoding="gbk", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(PDD_HEADER)
        while written < rows:
            order += 1
            paid = start + timedelta(seconds=rng.randint(0, 30 * 86400))
            shipped = paid + timedelta(seconds=rng.randint(3600, 2 * 86400))
            signed = shipped + timedelta(seconds=rng.randint(86400, 4 * 86400))
            order_no = f"{paid:%y%m%d}-{order:015d}"
            lines = 2 if rng.random() < 0.1 else 1
            for _ in range(min(lines, rows - written)):
                sku, name, spec = rng.choice(skus)
                qty = rng.randint(1, 5)
                price = rng.randint(990, 129900) / 100 * qty
                address = (
                    "文三路 88 号\n3 单元 502 室" if rng.random() < 0.02 else "文三路 88 号 3 单元 502 室"
                )
                w.writerow(
                    [
                        name,
                        order_no,
                        "已收货",
                        qty,
                        "否",
                        f"{paid:%Y-%m-%d %H:%M:%S}",
                        f"{paid + timedelta(seconds=5):%Y-%m-%d %H:%M:%S}",
                        f"{paid + timedelta(minutes=1):%Y-%m-%d %H:%M:%S}",
                        f"{paid + timedelta(hours=48):%Y-%m-%d %H:%M:%S}",
                        f"{shipped:%Y-%m-%d %H:%M:%S}",
                        f"{signed:%Y-%m-%d %H:%M:%S}",
                        f"41{order % 100000:06d}",
                        spec,
                        f"{order % 9000 + 1000}",
                        sku,
                        sku[:7],
                        "",
                        "",
                        "无售后或售后取消",
                        f"{price:,.2f}",
                        "0",
                        "0",
                        "0",
                        f"{price:,.2f}",
                        f"{price * 0.994:,.2f}",
                        f"YT{order:013d}",
                        "圆通速递",
                        "王**",
                        "13812348000",
                        "浙江省",
                        "杭州市",
                        "西湖区",
                        address,
                        "否",
                    ]
                )
                written += 1
    return order


def _anchor(path: Path) -> float:
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        with path.open(encoding="gb18030", newline="") as fh:
            for _row in csv.reader(fh):
                pass
        best = min(best, time.perf_counter() - started)
    return best


def _child(profile: Path, path: Path) -> dict[str, float]:
    code = CHILD.format(repo=str(REPO), profile=str(profile), path=str(path))
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"import child failed: {done.stderr[-2000:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _verdict(ok: bool) -> str:
    return "pass" if ok else "FAIL"


def run() -> list[tuple[str, str, str, str, str]]:
    with tempfile.TemporaryDirectory(prefix="desk-bench-orders-") as tmp:
        root = Path(tmp)
        path = root / "orders_export.csv"
        orders = make_export(path, ROWS)
        size_mb = path.stat().st_size / 1024 / 1024
        anchor = _anchor(path)
        first = _child(root / "profile", path)
        again = _child(root / "profile", path)
    assert first["failed"] == 0 and first["imported"] == orders, first
    assert again["updated"] == orders and again["imported"] == 0, again
    rss1, rss2 = first["rss_kb"] / 1024, again["rss_kb"] / 1024
    base = first["rss_before_kb"] / 1024
    anchor_text = f"csv.reader over the same file: {anchor:.2f} s"
    return [
        (
            f"import {ROWS:,} rows ({orders:,} orders, {int(first['items']):,} items, {size_mb:.0f} MB GBK)",
            f"{first['seconds']:.2f} s (CPU {first['cpu']:.2f} s)",
            f"≤ {TIME_TARGET_S:.0f} s",
            f"{anchor_text} (×{first['seconds'] / anchor:.1f})",
            _verdict(first["seconds"] <= TIME_TARGET_S),
        ),
        (
            "peak resident memory of the importing process",
            f"{rss1:.0f} MB (before the import: {base:.0f} MB)",
            f"≤ {RSS_TARGET_MB:.0f} MB",
            f"file size {size_mb:.0f} MB",
            _verdict(rss1 <= RSS_TARGET_MB),
        ),
        (
            f"re-import of the same file ({orders:,} updates)",
            f"{again['seconds']:.2f} s (CPU {again['cpu']:.2f} s), peak {rss2:.0f} MB",
            f"≤ {TIME_TARGET_S:.0f} s",
            f"{anchor_text} (×{again['seconds'] / anchor:.1f})",
            _verdict(again["seconds"] <= TIME_TARGET_S and rss2 <= RSS_TARGET_MB),
        ),
    ]
