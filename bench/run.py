"""Run every benchmark (bench/bench_*.py) and write docs/benchmarks.md: `python bench/run.py`.

Each module has `TITLE: str` and `run() -> list[Row]`; a Row is (what, measured, target, anchor, verdict).
Anchors are measured in the same run, on the same machine, so ratios mean something.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.release()}, Python {platform.python_version()}, {os.cpu_count()} cores, {cpu}"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("only", nargs="*", help="module names to run (default: all)")
    p.add_argument("--out", default=str(REPO / "docs" / "benchmarks.md"))
    args = p.parse_args()
    names = sorted(m.stem for m in (REPO / "bench").glob("bench_*.py"))
    if args.only:
        names = [n for n in names if any(o in n for o in args.only)]
    sections = []
    for name in names:
        mod = importlib.import_module(name)
        started = time.perf_counter()
        print(f"== {mod.TITLE}", flush=True)
        rows = mod.run()
        for r in rows:
            print("   ", " | ".join(str(x) for x in r), flush=True)
        sections.append((mod.TITLE, name, rows, time.perf_counter() - started))
    lines = [
        "# Benchmarks",
        "",
        f"Written by `python bench/run.py` on {datetime.now().strftime('%Y-%m-%d %H:%M')}.",
        f"Machine: {machine()}.",
        "Every anchor is measured in the same run as the number it is compared with.",
        "",
    ]
    for title, name, rows, secs in sections:
        lines += [f"## {title}", "", f"`bench/{name}.py`, {secs:.1f} s.", ""]
        lines += ["| what | measured | target | anchor (same run) | verdict |", "|---|---|---|---|---|"]
        lines += ["| " + " | ".join(str(x) for x in r) + " |" for r in rows]
        lines.append("")
    Path(args.out).write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
