"""A refused picture is refused within the budget: under 5 s of CPU and 500 MB resident, by the real CLI.

Hostile pictures are small files that claim to be enormous (decompression bombs, absurd dimensions, endless
frames). Each import runs in its own process, so its CPU time and peak memory are its own.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from desk.app import open_desk
from desk.domain import CaseDraft, CaseType, Platform
from tests.timing import SLACK

REPO = Path(__file__).resolve().parents[1]
CPU_BUDGET_S = 5.0 * SLACK
RSS_BUDGET_MB = 500
# One profile, made once, for every picture: on PostgreSQL one schema for the module.
pytestmark = pytest.mark.database_per_module


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def png_bomb(side: int) -> bytes:
    """A PNG of side×side grey pixels, all zero: a few hundred KB that inflate to side² bytes."""
    raw = zlib.compressobj(9)
    row = b"\0" * (side + 1)
    body = b"".join(raw.compress(row) for _ in range(side)) + raw.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", body)
        + _png_chunk(b"IEND", b"")
    )


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header is rewritten to claim width×height."""
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(buf, "JPEG")
    data = bytearray(buf.getvalue())
    i = data.index(b"\xff\xc0")
    data[i + 5 : i + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def gif_claiming(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("P", (8, 8)).save(buf, "GIF")
    data = bytearray(buf.getvalue())
    data[6:10] = struct.pack("<HH", width, height)
    return bytes(data)


def tiff_claiming(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (8, 8)).save(buf, "TIFF")
    data = bytearray(buf.getvalue())
    # Rewrite ImageWidth (256) and ImageLength (257) entries of the first IFD.
    ifd = struct.unpack("<I", data[4:8])[0]
    count = struct.unpack("<H", data[ifd : ifd + 2])[0]
    for k in range(count):
        at = ifd + 2 + 12 * k
        (tag,) = struct.unpack("<H", data[at : at + 2])
        if tag in (256, 257):
            value = width if tag == 256 else height
            data[at + 2 : at + 4] = struct.pack("<H", 4)  # LONG
            data[at + 8 : at + 12] = struct.pack("<I", value)
    return bytes(data)


HOSTILE = {
    "png-bomb-30000.png": lambda: png_bomb(30_000),
    "jpeg-65535x65535.jpg": lambda: jpeg_claiming(65_535, 65_535),
    "gif-65535x65535.gif": lambda: gif_claiming(65_535, 65_535),
    "tiff-1e6x1e6.tif": lambda: tiff_claiming(1_000_000, 1_000_000),
}


@pytest.fixture(scope="module")
def profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("budget") / "p"
    d = open_desk(root)
    try:
        d.cases.create(
            CaseDraft(platform=Platform.PDD, order_no="261120-583920174650321", case_type=CaseType.QUALITY)
        )
    finally:
        d.close()
    return root


def stored(profile: Path) -> set[Path]:
    """The profile's evidence folder and, in shared-database mode, the shared one."""
    shared = os.environ.get("DESK_BLOB_DIR")
    roots = [profile / "evidence", *([Path(shared)] if shared else [])]
    return {p for root in roots for p in root.rglob("*")}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_picture_is_refused_within_budget(profile: Path, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(HOSTILE[name]())
    before = stored(profile)
    # A wrapper process runs the CLI once, so RUSAGE_CHILDREN is exactly that one import's CPU and peak memory.
    wrapper = (
        "import json, resource, subprocess, sys\n"
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(json.dumps([p.returncode, p.stdout, p.stderr, r.ru_utime + r.ru_stime, r.ru_maxrss]))\n"
    )
    cli = [sys.executable, "-m", "desk", "--profile", str(profile), "evidence", "add", "1", str(path)]
    done = subprocess.run(
        [sys.executable, "-c", wrapper, *cli], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    code, out, err, cpu, rss_kb = json.loads(done.stdout)
    assert code != 0, out + err
    assert name in out + err, out + err  # the message names the file
    assert "Traceback" not in err
    rss_mb = rss_kb / 1024
    print(f"{name}: refused in {cpu:.2f} s CPU, {rss_mb:.0f} MB peak")  # shown with -s, for the notes
    assert cpu < CPU_BUDGET_S, f"{name}: {cpu:.2f} s of CPU"
    assert rss_mb < RSS_BUDGET_MB, f"{name}: {rss_mb:.0f} MB resident"
    assert stored(profile) - before == set()  # nothing half-stored
