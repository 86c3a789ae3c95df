"""Evidence import and gallery: 12-MP photo import against vipsthumbnail, GUI pauses, 1,000-item gallery.

Targets:
- the whole import of 12-MP phone JPEGs (read + SHA-256 + sniff + verify/thumbnail + durable store + row)
  on one core is at least as fast as `vipsthumbnail` making thumbnails alone from the same files on one
  core (Debian libvips-tools, measured in this run), and reaches >= 40 photos/s on both cores;
- the GUI thread never pauses more than 100 ms while 200 such photos import;
- a gallery of 1,000 items shows its first screen of thumbnails from the disk cache in <= 300 ms, and
  the process stays <= 400 MB resident after scrolling through all of it.

The photos are generated here: 4000x3000, a smooth gradient with Gaussian noise and sharp edges,
JPEG quality 90 (~3.5 MB each, like a phone's), every 5th with EXIF Orientation 6. Each figure is the
best of BENCH_EVIDENCE_RUNS runs, with the files in the page cache for both sides. Pinning to one core
uses `taskset -c 0` (and VIPS_CONCURRENCY=1 for vips).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TITLE = "Evidence import and gallery (12-MP photos, 1,000-item gallery)"
NOTES = """
Reading the numbers: the import is CPU-bound, and decoding is the floor. Per photo, on one thread, draft
decoding at 1/8 scale (every entropy-coded byte is still decoded) takes about 41 ms of CPU on this machine;
reading, SHA-256 and the temp copy about 4 ms; the writer thread's fsync, rename and rows about 1.5 ms. The
import runs one worker per core (read, hash, copy, sniff, verify, thumbnail), which never waits for the disk:
the writer thread fsyncs each copy before renaming it into place, fsyncs new folder entries while it waits for
the next file, and inserts each batch's rows in one statement. "The workers' share alone" is that work without
placing, fsync or database: it bounds the whole import on two cores. On one core the import beats
`vipsthumbnail`, which only makes thumbnails. Pillow is told to decode each file in one call
(`decodermaxblock`): with its default 64 KiB blocks any other busy Python thread made every block wait for the
GIL and the import ran at half speed.

Why both cores stay under 40 photos/s here: the target was set from ../shared/notes/tech-findings.md §5, where
Pillow draft decoding ran at 35.6 ms (28 photos/s per core) and `vipsthumbnail` at 50.1 ms per photo. On this
machine, in this run, `vipsthumbnail` takes the time shown in the first row (about 62–66 ms) and Pillow draft
decoding about 41 ms: the CPU is 15–25 % slower, and the workers' share alone, with nothing stored, already
lands around 40 photos/s, in some runs below it (see its row; runs vary by ±5 % on this virtual machine).
"""
REPO = Path(__file__).resolve().parents[1]
PHOTOS = int(os.environ.get("BENCH_EVIDENCE_PHOTOS", "60"))
GUI_PHOTOS = int(os.environ.get("BENCH_EVIDENCE_GUI_PHOTOS", "200"))
GALLERY = int(os.environ.get("BENCH_EVIDENCE_GALLERY", "1000"))
RUNS = int(os.environ.get("BENCH_EVIDENCE_RUNS", "5"))
W, H = 4000, 3000

Row = tuple[str, str, str, str, str]


# -- inputs -------------------------------------------------------------------------------------------


def make_photos(folder: Path, count: int) -> list[Path]:
    """12-MP phone-like JPEGs: gradient + noise + edges, quality 90, every 5th EXIF-rotated."""
    from PIL import Image, ImageDraw

    folder.mkdir(parents=True, exist_ok=True)
    noise = [Image.effect_noise((W + 400, H + 300), 24) for _ in range(3)]
    base = Image.linear_gradient("L").resize((W, H))
    flipped = base.transpose(Image.Transpose.ROTATE_180)
    paths = []
    for i in range(count):
        rng = random.Random(i)
        channels = []
        for c in range(3):
            dx, dy = rng.randrange(400), rng.randrange(300)
            layer = noise[c].crop((dx, dy, dx + W, dy + H))
            channels.append(Image.blend(base if (i + c) % 2 else flipped, layer, 0.38))
        im = Image.merge("RGB", channels)
        draw = ImageDraw.Draw(im)
        for _ in range(40):
            x0, y0 = rng.randrange(W), rng.randrange(H)
            box = (x0, y0, x0 + rng.randrange(50, 800), y0 + rng.randrange(50, 600))
            draw.rectangle(
                box, outline=tuple(rng.randrange(256) for _ in range(3)), width=rng.randrange(2, 12)
            )
        exif = Image.Exif()
        if i % 5 == 4:
            exif[0x0112] = 6
        path = folder / f"IMG_{i:04d}.jpg"
        im.save(path, "JPEG", quality=90, exif=exif.tobytes())
        paths.append(path)
    return paths


def more_photos(sources: list[Path], folder: Path, count: int) -> list[Path]:
    """`count` distinct files from the generated ones: same pictures, a unique trailer after the image."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(count):
        src = sources[i % len(sources)]
        dest = folder / f"IMG_{i:04d}.jpg"
        dest.write_bytes(src.read_bytes() + f"copy-{i}".encode())
        out.append(dest)
    return out


def warm(paths: list[Path]) -> None:
    for p in paths:
        p.read_bytes()


def ensure_vips() -> str | None:
    exe = shutil.which("vipsthumbnail")
    if exe is None and os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "libvips-tools"], capture_output=True, timeout=600)
        exe = shutil.which("vipsthumbnail")
    return exe


def pinned(cmd: list[str]) -> list[str]:
    return ["taskset", "-c", "0", *cmd] if shutil.which("taskset") else cmd


# -- measurements (each in a fresh process) -----------------------------------------------------------


def vips_rate(exe: str, paths: list[Path], work: Path, run: int = 0) -> float:
    """vipsthumbnail making 256-pixel thumbnails of the photos, one process, one core."""
    out = work / f"vips-{run}"
    out.mkdir()
    env = {**os.environ, "VIPS_CONCURRENCY": "1"}
    started = time.perf_counter()
    subprocess.run(
        pinned([exe, "-s", "256", "-o", f"{out}/%s.jpg", *map(str, paths)]), check=True, env=env, timeout=600
    )
    rate = len(paths) / (time.perf_counter() - started)
    shutil.rmtree(out)
    return rate


IMPORT_CHILD = """
import json, sys, time
from pathlib import Path
from desk.app import open_desk
from desk.domain import CaseDraft, CaseType
folder, profile = Path(sys.argv[1]), Path(sys.argv[2])
paths = sorted(folder.glob("*.jpg"))
desk = open_desk(profile)
case, _ = desk.cases.create(CaseDraft(order_no="BENCH", case_type=CaseType.QUALITY))
started = time.perf_counter()
report = desk.evidence.import_files(case.id, paths)
elapsed = time.perf_counter() - started
assert len(report.added) == len(paths), report.summary()
desk.close()
print(json.dumps({"rate": len(paths) / elapsed}))
"""


def import_rate(folder: Path, work: Path, *, one_core: bool, run: int = 0) -> float:
    """The whole import (desk.evidence.import_files) of the folder into a fresh profile, in a fresh process."""
    profile = work / f"import-{'1' if one_core else '2'}-{run}"
    cmd = [sys.executable, "-c", IMPORT_CHILD, str(folder), str(profile)]
    out = subprocess.run(
        pinned(cmd) if one_core else cmd, cwd=REPO, capture_output=True, text=True, timeout=900, check=True
    )
    shutil.rmtree(profile)
    return float(json.loads(out.stdout.strip().splitlines()[-1])["rate"])


DECODE_CHILD = """
import io, json, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from PIL import Image
paths = sorted(Path(sys.argv[1]).glob("*.jpg"))
def one(p):
    im = Image.open(io.BytesIO(p.read_bytes())); im.draft("RGB", (256, 256)); im.load()
    im.thumbnail((256, 256))
Image.preinit()
started = time.perf_counter()
with ThreadPoolExecutor(2) as pool:
    list(pool.map(one, paths))
print(json.dumps({"rate": len(paths) / (time.perf_counter() - started)}))
"""

# The import workers' own share, through the desk's functions: read + SHA-256 + temp copy (not
# fsynced) + sniff + verify/thumbnail + thumbnail JPEG, on 2 threads; no placing, fsync or database.
WORKERS_CHILD = """
import json, sys, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from desk.services.evidence import DECODE_IN_MEMORY, _jpeg
from desk.store import media
from desk.store.blobstore import BlobStore
paths = sorted(Path(sys.argv[1]).glob("*.jpg"))
store = BlobStore(Path(sys.argv[2]) / "blobs", Path(sys.argv[2]) / "tmp")
media.preload()
def one(p):
    staged = store.stage_file(p, media.MAX_IMAGE_BYTES, keep_bytes=DECODE_IN_MEMORY, durable=False)
    info = media.probe(staged.data, media.sniff(staged.head))
    _jpeg(info.thumbnail)
    store.discard(staged)
started = time.perf_counter()
with ThreadPoolExecutor(2) as pool:
    list(pool.map(one, paths))
print(json.dumps({"rate": len(paths) / (time.perf_counter() - started)}))
"""


def decode_rate(folder: Path, work: Path | None = None) -> float:
    """Draft decode + thumbnail alone on 2 threads; with `work`, the import workers' whole share."""
    cmd = [sys.executable, "-c", DECODE_CHILD, str(folder)]
    if work is not None:
        cmd = [sys.executable, "-c", WORKERS_CHILD, str(folder), str(work / "workers-only")]
    out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600, check=True)
    return float(json.loads(out.stdout.strip().splitlines()[-1])["rate"])


GUI_IMPORT_CHILD = """
import itertools, json, os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from pathlib import Path
from desk.app import open_desk
from desk.domain import CaseDraft, CaseType
from ui.app import setup_application
from ui.evidence.panel import EvidencePanel
from ui.qt import QTimer
from ui.tasks import TaskRunner
folder, profile = Path(sys.argv[1]), Path(sys.argv[2])
paths = sorted(folder.glob("*.jpg"))
app = setup_application(["bench"])
desk = open_desk(profile)
case, _ = desk.cases.create(CaseDraft(order_no="BENCH", case_type=CaseType.QUALITY))
runner = TaskRunner()
panel = EvidencePanel(desk.evidence, runner)
panel.changes_made.connect(panel.apply_changes)
panel.resize(900, 600)
panel.show()
panel.set_case(case.id)
reports = []
panel.imported.connect(reports.append)
ticks = []
timer = QTimer(interval=10)
timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
def pump(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.002)
timer.start()
pump(0.3)
idle = max(b - a for a, b in itertools.pairwise(ticks))
ticks.clear()
started = time.perf_counter()
panel.import_paths(paths)
while not reports:
    app.processEvents()
    time.sleep(0.002)
elapsed = time.perf_counter() - started
deadline = time.perf_counter() + 10
while not panel.thumbnails_shown() and time.perf_counter() < deadline:
    app.processEvents()
    time.sleep(0.002)
timer.stop()
gap = max(b - a for a, b in itertools.pairwise(ticks))
assert len(reports[0].added) == len(paths), reports[0].summary()
panel.close(); runner.shutdown(); desk.close()
print(json.dumps({"gap_ms": gap * 1000, "idle_ms": idle * 1000, "rate": len(paths) / elapsed}))
"""


def gui_import(folder: Path, work: Path) -> dict[str, float]:
    profile = work / "gui-import"
    out = subprocess.run(
        [sys.executable, "-c", GUI_IMPORT_CHILD, str(folder), str(profile)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        check=True,
    )
    shutil.rmtree(profile, ignore_errors=True)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


GALLERY_FILL_CHILD = """
import io, json, random, sys
from pathlib import Path
from PIL import Image, ImageDraw
from desk.app import open_desk
from desk.domain import CaseDraft, CaseType, EvidenceKind
folder, profile, count = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
folder.mkdir(parents=True, exist_ok=True)
kinds = list(EvidenceKind)
paths = []
for i in range(count):
    rng = random.Random(i)
    im = Image.effect_noise((800, 600), 40).convert("RGB")
    d = ImageDraw.Draw(im)
    d.rectangle((rng.randrange(400), rng.randrange(300), 700, 500), fill=tuple(rng.randrange(256) for _ in range(3)))
    p = folder / f"{kinds[i % len(kinds)].value}-{i:04d}.jpg"
    im.save(p, "JPEG", quality=80)
    paths.append(p)
desk = open_desk(profile)
case, _ = desk.cases.create(CaseDraft(order_no="GALLERY", case_type=CaseType.QUALITY))
report = desk.evidence.import_files(case.id, paths)
assert len(report.added) == count, report.summary()
desk.close()
print(json.dumps({"case": case.id}))
"""

GALLERY_CHILD = """
import json, os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from pathlib import Path
def rss_mb(field="VmRSS"):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0
from desk.app import open_desk
from desk.domain import CaseId
from ui.app import setup_application
from ui.evidence.panel import EvidencePanel
from ui.evidence.thumbnails import read_scaled
from ui.qt import QAbstractItemView
from ui.tasks import TaskRunner
profile, case_id = Path(sys.argv[1]), CaseId(int(sys.argv[2]))
app = setup_application(["bench"])
desk = open_desk(profile)
runner = TaskRunner()
panel = EvidencePanel(desk.evidence, runner)
panel.resize(900, 600)
panel.show()
for _ in range(20):
    app.processEvents()
baseline = rss_mb()
started = time.perf_counter()
panel.set_case(case_id)
while not (panel.model.items() and panel.thumbnails_shown()):
    app.processEvents()
    time.sleep(0.001)
first = time.perf_counter() - started
visible = panel.visible_items()
assert visible and all(panel.thumbnails.has(e) for e in visible)
# The anchor: decoding the same cached thumbnails one after another, nothing else.
started = time.perf_counter()
for e in visible:
    read_scaled(desk.evidence.thumbnail_for(e), 150)
raw = time.perf_counter() - started
# Scroll through everything, letting each screen fill in.
bar = panel.view.verticalScrollBar()
step = max(1, panel.view.viewport().height())
value = 0
while True:
    bar.setValue(value)
    deadline = time.perf_counter() + 5
    while not panel.thumbnails_shown() and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.001)
    if value >= bar.maximum():
        break
    value += step
rss = rss_mb()
peak = rss_mb("VmHWM")
count = len(panel.model.items())
panel.close(); runner.shutdown(); desk.close()
print(json.dumps({"first_ms": first * 1000, "raw_ms": raw * 1000, "visible": len(visible), "count": count,
                  "rss_mb": rss, "peak_mb": peak, "baseline_mb": baseline}))
"""


def gallery(work: Path) -> dict[str, float]:
    profile = work / "gallery"
    made = subprocess.run(
        [sys.executable, "-c", GALLERY_FILL_CHILD, str(work / "gallery-src"), str(profile), str(GALLERY)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1800,
        check=True,
    )
    case_id = json.loads(made.stdout.strip().splitlines()[-1])["case"]
    best: dict[str, float] | None = None
    for _ in range(RUNS):
        out = subprocess.run(
            [sys.executable, "-c", GALLERY_CHILD, str(profile), str(case_id)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=900,
            check=True,
        )
        result = json.loads(out.stdout.strip().splitlines()[-1])
        if best is None or result["first_ms"] < best["first_ms"]:
            best = result
    assert best is not None
    return best


# -- the report ---------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "pass" if ok else "FAIL"


def run() -> list[Row]:
    rows: list[Row] = []
    work = Path(tempfile.mkdtemp(prefix="bench-evidence-"))
    try:
        photos = make_photos(work / "photos", PHOTOS)
        size_mb = sum(p.stat().st_size for p in photos) / len(photos) / 1e6
        warm(photos)
        exe = ensure_vips()
        # Interleaved, best of RUNS each: anchor and import see the same machine (other load comes and goes).
        vips: float | None = 0.0 if exe else None
        one = two = decode = ceiling = 0.0
        twos: list[float] = []
        for run in range(RUNS):
            if exe:
                vips = max(vips or 0.0, vips_rate(exe, photos, work, run))
            one = max(one, import_rate(work / "photos", work, one_core=True, run=run))
            twos.append(import_rate(work / "photos", work, one_core=False, run=run))
            two = max(twos)
            decode = max(decode, decode_rate(work / "photos"))
            ceiling = max(ceiling, decode_rate(work / "photos", work))
        what = f"import {PHOTOS} × 12-MP JPEG (~{size_mb:.1f} MB), one core"
        if vips is None:
            rows.append(
                (what, f"{one:.1f} photos/s", "≥ vipsthumbnail (1 core)", "vipsthumbnail missing", "skipped")
            )
        else:
            rows.append(
                (
                    what,
                    f"{one:.1f} photos/s",
                    "≥ vipsthumbnail, 1 core",
                    f"`vipsthumbnail -s 256`, 1 core: {vips:.1f} photos/s",
                    verdict(one >= vips),
                )
            )
        rows.append(
            (
                f"import {PHOTOS} × 12-MP JPEG, both cores (runs: "
                + ", ".join(f"{r:.1f}" for r in twos)
                + f"; mean {sum(twos) / len(twos):.1f})",
                f"{two:.1f} photos/s",
                "≥ 40 photos/s",
                f"Pillow draft decode + thumbnail alone, 2 threads: {decode:.1f} photos/s",
                verdict(two >= 40),
            )
        )
        rows.append(
            (
                "↳ the workers' share alone, 2 threads (read + SHA-256 + temp copy + sniff + verify"
                " + thumbnail; no fsync, placing or database)",
                f"{ceiling:.1f} photos/s",
                "—",
                f"the whole import reaches {100 * two / ceiling:.0f} % of it",
                "info",
            )
        )
        more = more_photos(photos, work / "gui-photos", GUI_PHOTOS)
        warm(more)
        gui = gui_import(work / "gui-photos", work)
        rows.append(
            (
                f"longest GUI-thread pause while {GUI_PHOTOS} photos import (offscreen)",
                f"{gui['gap_ms']:.0f} ms (import {gui['rate']:.1f} photos/s)",
                "≤ 100 ms",
                f"10 ms timer, idle: longest gap {gui['idle_ms']:.0f} ms",
                verdict(gui["gap_ms"] <= 100),
            )
        )
        for p in more:
            p.unlink()
        shown = gallery(work)
        rows.append(
            (
                f"gallery of {int(shown['count'])} items: first screen ({int(shown['visible'])} thumbnails, disk cache)",
                f"{shown['first_ms']:.0f} ms",
                "≤ 300 ms",
                f"decoding those {int(shown['visible'])} cached thumbnails alone: {shown['raw_ms']:.0f} ms",
                verdict(shown["first_ms"] <= 300),
            )
        )
        rows.append(
            (
                f"resident memory after scrolling all {int(shown['count'])} items",
                f"{shown['rss_mb']:.0f} MB (peak {shown['peak_mb']:.0f} MB)",
                "≤ 400 MB",
                f"same process before the gallery: {shown['baseline_mb']:.0f} MB",
                verdict(shown["peak_mb"] <= 400),
            )
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


if __name__ == "__main__":
    for row in run():
        print(" | ".join(row))
