"""Run every benchmark (bench/bench_*.py) and write docs/benchmarks.md: `python bench/run.py`.

Each module has `TITLE: str` and `run() -> list[Row]`; a Row is (what, measured, target, anchor, verdict).
Anchors are measured in the same run, on the same machine, so ratios mean something.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import re
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

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
        sections.append((mod.TITLE, name, rows, time.perf_counter() - started, getattr(mod, "NOTES", "")))
    out = Path(args.out)
    text = merge(out.read_text(encoding="utf-8") if out.is_file() else "", sections, args.only)
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}")
    return 0


HEADER = [
    "# Benchmarks",
    "",
    "Written by `python bench/run.py [module …]`; each section names the run it comes from, and running",
    "some modules replaces only their sections.",
    "Every anchor is measured in the same run as the number it is compared with.",
    "",
]


def section_module(block: str) -> str | None:
    """The bench module a section was written by: the first `bench/NAME.py` it mentions."""
    match = re.search(r"`bench/(bench_\w+)\.py`", block)
    return match.group(1) if match else None


def merge(existing: str, sections: list[tuple[str, str, list[Any], float, str]], only: list[str]) -> str:
    """Keep the sections of modules not run now (in their place); replace or append the others."""
    blocks = re.split(r"(?m)^(?=## )", existing)
    kept: list[tuple[str | None, str]] = [(section_module(b), b.rstrip() + "\n") for b in blocks[1:]]
    when = datetime.now().strftime("%Y-%m-%d %H:%M")
    command = "python bench/run.py" + (" " + " ".join(only) if only else "")
    fresh: dict[str, str] = {}
    for title, name, rows, secs, notes in sections:
        lines = [
            f"## {title}",
            "",
            f"`bench/{name}.py`, {secs:.1f} s; run on {when} (`{command}`) on {machine()}.",
            "",
        ]
        lines += ["| what | measured | target | anchor (same run) | verdict |", "|---|---|---|---|---|"]
        lines += ["| " + " | ".join(str(x).replace("|", "\\|") for x in r) + " |" for r in rows]
        if notes:  # how to read the numbers: kept with the module, so a rerun does not lose it
            lines += ["", notes.strip()]
        fresh[name] = "\n".join(lines) + "\n"
    out: list[str] = []
    for module, block in kept:
        if module in fresh:
            out.append(fresh.pop(module))
        elif module is not None or block.strip():
            out.append(block)
    out.extend(fresh.values())
    header = [*HEADER[:-1], f"Machine: {machine()}.", ""]
    return "\n".join(header) + "\n" + "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
