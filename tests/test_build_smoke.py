"""The self-contained build, run the way a shop runs it: no Python, no source tree, a bare environment.

Runs only when DESK_BUILT_APP names the built window program (scripts/build_smoke.sh builds one and sets
it); the command line is the same program with `cli` as its first argument. Every step goes through the
built program: if a module, a Qt plugin, the CJK font, a platform profile, a migration, pillow-heif, PyAV
or pypdfium2 were left out of the build, one of these steps fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from desk.pdf.fonts import system_candidates

BUILT = os.environ.get("DESK_BUILT_APP", "")
_CLI_EXE = Path(BUILT or "unset").with_name(Path(BUILT or "unset").name.replace("-desk", "-desk-cli", 1))
# The command line: the console program beside the window's (on Windows the window's program has no
# console to print to); `after-sales-desk cli` is checked once below where a console is always there.
CLI = [str(_CLI_EXE)] if _CLI_EXE.is_file() else [BUILT, "cli"]
# The window with a console beside it on Windows, so that the first-paint probe's line can be read.
WINDOW = [str(_CLI_EXE), "window"] if os.name == "nt" and _CLI_EXE.is_file() else [BUILT]

pytestmark = [
    pytest.mark.build,
    pytest.mark.skipif(not BUILT, reason="DESK_BUILT_APP is not set (scripts/build_smoke.sh sets it)"),
    pytest.mark.timeout(600),
]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


def bare_env(home: Path, **extra: str) -> dict[str, str]:
    """What `env -i` leaves, plus the few things a desktop session always has. PATH is an empty folder:
    a build that needed a Python (or anything else) from PATH fails here."""
    nothing = home / "empty-path"
    nothing.mkdir(exist_ok=True)
    env = {
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_RUNTIME_DIR": str(home / "runtime"),
        "PATH": str(nothing),
    }
    if os.name == "nt":  # Windows cannot start a program without these two
        env |= {
            "SYSTEMROOT": os.environ.get("SYSTEMROOT", r"C:\Windows"),
            "USERPROFILE": str(home),
            "APPDATA": str(home / "AppData" / "Roaming"),
            "LOCALAPPDATA": str(home / "AppData" / "Local"),
            "TEMP": str(home),
            "TMP": str(home),
        }
    (home / "runtime").mkdir(exist_ok=True, mode=0o700)
    return env | extra


def desk(home: Path, profile: Path, *args: str, timeout: int = 180) -> subprocess.CompletedProcess[str]:
    out = subprocess.run(
        [*CLI, "--profile", str(profile), *args],
        env=bare_env(home),
        cwd=home,  # never the source tree: nothing may be imported from a checkout
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
    )
    assert out.returncode == 0, f"{args} exited {out.returncode}:\n{out.stdout}\n{out.stderr}"
    return out


def desk_json(home: Path, profile: Path, *args: str) -> Any:
    return json.loads(desk(home, profile, *args, "--json").stdout)


@pytest.fixture(scope="module")
def demo(home: Path) -> Path:
    profile = home / "shop"
    out = desk(home, profile, "demo")
    assert "8 条售后记录" in out.stdout
    return profile


def test_nothing_from_path_is_needed(home: Path) -> None:
    env = bare_env(home)
    assert shutil.which("python3", path=env["PATH"]) is None
    assert shutil.which("python", path=env["PATH"]) is None


def test_demo_profile_lists_its_cases(home: Path, demo: Path) -> None:
    cases = desk_json(home, demo, "cases")
    assert len(cases) == 8
    assert {c["platform"] for c in cases} >= {"拼多多"}  # a platform profile was read from the build


def test_packet_pdf_embeds_the_cjk_font(home: Path, demo: Path) -> None:
    import pypdf

    case_id = str(desk_json(home, demo, "cases")[0]["id"])
    pdf = home / "申诉材料.pdf"
    desk(home, demo, "packet", case_id, "--draft", "-o", str(pdf))
    reader = pypdf.PdfReader(pdf)
    embedded: set[str] = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for ref in fonts.values():
            font = ref.get_object()
            for desc in [font.get("/FontDescriptor")] + [
                d.get_object().get("/FontDescriptor") for d in font.get("/DescendantFonts", [])
            ]:
                if desc is not None and "/FontFile2" in desc.get_object():
                    embedded.add(str(font["/BaseFont"]))
    assert embedded, "the packet embeds no TrueType font: a shop's Chinese text would not show"
    text = "".join(page.extract_text() for page in reader.pages)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in text), text[:500]
    if not [p for p in system_candidates() if p.is_file()]:
        # A machine without a Chinese font of its own (a fresh Debian, CI): only the bundled one can do it.
        assert any("MicroHei" in name for name in embedded), embedded


def test_bundled_cjk_font_is_in_the_build() -> None:
    # Machines with a Chinese font of their own never reach the bundled one in the packet test above; the
    # shops' machines that lack one must still find it in the build.
    assert list(Path(BUILT).resolve().parent.rglob("wqy-microhei.ttc"))


def test_heic_picture_and_video_import(home: Path, demo: Path) -> None:
    import av
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    src = home / "证据"
    src.mkdir()
    Image.new("RGB", (320, 240), (200, 30, 30)).save(src / "买家照片.heic", "HEIF")
    with av.open(str(src / "开箱视频.mp4"), "w") as out:
        stream = out.add_stream("libx264", rate=10)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for i in range(20):
            frame = av.VideoFrame.from_image(Image.new("RGB", (320, 240), (20, i * 10, 200)))
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    case_id = str(desk_json(home, demo, "cases")[0]["id"])
    before = len(desk_json(home, demo, "evidence", "list", case_id))
    desk(home, demo, "evidence", "add", case_id, str(src / "买家照片.heic"), str(src / "开箱视频.mp4"))
    after = desk_json(home, demo, "evidence", "list", case_id)
    assert len(after) == before + 2, after
    names = json.dumps(after, ensure_ascii=False)
    assert "买家照片" in names and "开箱视频" in names


def test_backup_restores_into_a_new_folder_and_checks_clean(home: Path, demo: Path) -> None:
    archive = home / "备份.deskbackup"
    made = desk_json(home, demo, "backup", str(archive))
    assert archive.is_file() and made["missing_blobs"] == []
    other = home / "another-pc"
    restored = desk_json(home, other, "restore", str(archive))
    assert restored["counts"] == made["counts"]
    assert len(desk_json(home, other, "cases")) == 8
    report = desk_json(home, other, "check")
    assert report["clean"] is True, report
    assert report["stats"]["blobs_checked"] == made["blobs"]


def test_check_passes_on_the_demo(home: Path, demo: Path) -> None:
    report = desk_json(home, demo, "check")
    assert report["clean"] is True, report


def test_window_paints_the_case_list(home: Path, demo: Path) -> None:
    # The bench probe prints once the list has painted with rows, then exits: the Qt platform plugin,
    # the fonts and the window all came from the build.
    out = subprocess.run(
        [*WINDOW, "--profile", str(demo)],
        env=bare_env(home, DESK_BENCH_FIRST_PAINT="1"),
        cwd=home,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    painted = [line for line in out.stdout.splitlines() if line.startswith("FIRST_PAINT")]
    assert painted, f"the window never painted (exit {out.returncode}):\n{out.stderr[-3000:]}"
    # The first paint is 今日: the queue it opens on (the demo's overdue case), read by desk/quick.py.
    listed = desk_json(home, demo, "cases")
    assert 1 <= int(painted[0].split()[-1]) < len(listed) == 8


@pytest.mark.skipif(os.name == "nt", reason="the window's program has no console on Windows")
def test_the_window_program_also_runs_the_command_line(home: Path, demo: Path) -> None:
    out = subprocess.run(
        [BUILT, "cli", "--profile", str(demo), "cases", "--json"],
        env=bare_env(home),
        cwd=home,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert len(json.loads(out.stdout)) == 8
