"""Page 1 of the appeal packet for the five appeals of the guide, from a fresh demo profile, as PNGs in
docs/screenshots/ (packet-first-<kind>.png, poppler's pdftoppm at 80 dpi).

    .venv/bin/python scripts/packet_first_pages.py [--out docs/screenshots] [--keep PROFILE_FOLDER]

Look at them after a layout change: Chinese as Chinese, nothing clipped, the claim and its decisive
evidence on the page.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

# (file name part, case type of the demo case, appeal kind of the packet or "" for the case's own)
KINDS = (
    ("missing-item", "MISSING_ITEM", "goods"),
    ("freight", "UNWANTED", "freight"),
    ("malicious-wrong-item", "MALICIOUS", "goods"),
    ("quality", "QUALITY", "goods"),
    ("generic", "UNWANTED", ""),
)
GENERATED_AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # fixed: the pictures change only with the layout


def demo_case(desk: Any, case_type: str, appeal: str) -> Any:
    """The demo case of this type whose appeal kind is `appeal` ("" : none, the generic packet)."""
    for case_id in desk.cases.list_ids():
        case = desk.cases.get(case_id)
        if case.case_type.name == case_type and case.appeal_type == appeal and case.order_no:
            return case
    raise SystemExit(f"the demo has no {case_type} case with appeal kind {appeal or 'generic'!r}")


def first_pages(desk: Any, out: Path, work: Path) -> list[Path]:
    written = []
    for name, case_type, appeal in KINDS:
        case = demo_case(desk, case_type, appeal)
        pdf = work / f"{name}.pdf"
        desk.packets.build(case.id, pdf, generated_at=GENERATED_AT)
        prefix = out / f"packet-first-{name}"
        cmd = ["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(prefix)]
        subprocess.run(cmd, check=True, capture_output=True)
        written.append(prefix.with_suffix(".png"))
    return written


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default=str(REPO / "docs" / "screenshots"))
    p.add_argument("--keep", help="make the demo profile in this folder and keep it (and the PDFs)")
    args = p.parse_args()
    if shutil.which("pdftoppm") is None:
        print("pdftoppm (poppler-utils) is needed to render the pages", file=sys.stderr)
        return 1
    from desk.app import open_desk
    from desk_demo.cases import fill_demo

    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="desk-first-pages-"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    desk = open_desk(work / "profile")
    try:
        if not desk.cases.list_ids():
            fill_demo(desk)
        for path in first_pages(desk, out, work):
            print(path)
    finally:
        desk.close()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
