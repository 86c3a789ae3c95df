"""The desk as a package: a wheel installed without the source tree has its fonts, profiles and playbooks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest
from pypdf import PdfReader

REPO = Path(__file__).resolve().parents[1]


def _packages_on_disk() -> set[str]:
    found = set()
    for top in ("desk", "desk_demo", "ui"):
        for init in (REPO / top).rglob("__init__.py"):
            found.add(".".join(init.parent.relative_to(REPO).parts))
    found.add("desk_resources")
    for sub in (REPO / "resources").iterdir():
        if sub.is_dir() and not sub.name.startswith((".", "__")):
            found.add(f"desk_resources.{sub.name}")
    return found


def test_the_package_list_names_every_package_in_the_tree() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    assert listed == _packages_on_disk()
    assert config["project"]["license"] == "MIT"  # an SPDX expression, not the deprecated table
    assert (REPO / "LICENSE").is_file()


def test_no_module_finds_resources_by_walking_up_from_its_own_file() -> None:
    offenders = []
    for path in [*(REPO / "desk").rglob("*.py"), *(REPO / "ui").rglob("*.py")]:
        if path.name == "resources.py" and path.parent.name == "desk":
            continue
        text = path.read_text(encoding="utf-8")
        if '"resources"' in text and "__file__" in text:
            offenders.append(str(path.relative_to(REPO)))
    assert not offenders


@pytest.mark.timeout(240)
def test_a_wheel_installed_without_the_source_tree_makes_a_demo_packet(tmp_path: Path) -> None:
    # Built from a copy: setuptools reuses build/ in the tree, which could hold files the config no longer ships.
    src = tmp_path / "src"
    shutil.copytree(
        REPO,
        src,
        ignore=shutil.ignore_patterns(
            ".venv", "build", "dist", "*.egg-info", ".git", "__pycache__", ".*_cache", "bench"
        ),
    )
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(wheels),
            str(src),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = wheels.glob("after_sales_desk-*.whl")
    target = tmp_path / "installed"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    assert not (target / "desk" / "__init__.py").samefile(REPO / "desk" / "__init__.py")

    # Run from elsewhere with the installed copy first and the venv's libraries after it. -S keeps the venv's
    # site hooks (the editable install that maps desk to this checkout) from running.
    site = sysconfig.get_paths()["purelib"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = os.pathsep.join([str(target), site, sysconfig.get_paths()["platlib"]])
    env["QT_QPA_PLATFORM"] = "offscreen"
    profile = tmp_path / "profile"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-S", "-m", "desk", "--profile", str(profile), *args],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            env=env,
            timeout=180,
        )

    where = subprocess.run(
        [
            sys.executable,
            "-S",
            "-c",
            "import desk, desk.resources as r, desk_demo; print(desk.__file__); print(r.resource_dir());"
            " print(desk_demo.__file__)",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
    )
    assert where.returncode == 0, where.stderr
    desk_file, res_dir, demo_file = where.stdout.split()
    assert Path(desk_file).is_relative_to(target) and Path(res_dir).is_relative_to(target)
    assert Path(demo_file).is_relative_to(target)
    # What the desk falls back on silently (system fonts) must not hide a wheel without its own files.
    shipped = {
        p.relative_to(REPO / "resources").as_posix() for p in (REPO / "resources").rglob("*") if p.is_file()
    }
    shipped = {s for s in shipped if "__pycache__" not in s}
    have = {p.relative_to(res_dir).as_posix() for p in Path(res_dir).rglob("*") if p.is_file()}
    assert shipped <= have, sorted(shipped - have)

    # The core names no demo command: this one comes from the wheel's desk.commands entry point.
    demo = run("demo")
    assert demo.returncode == 0, demo.stderr[-3000:]
    assert "生成演示数据" in demo.stdout
    pdf = tmp_path / "申诉材料.pdf"
    packet = run("packet", "1", "-o", str(pdf))
    assert packet.returncode == 0, packet.stderr[-3000:]
    reader = PdfReader(str(pdf))
    fonts = set()
    for page in reader.pages:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            fonts.add(str(font.get_object().get("/BaseFont")))
    assert any("WenQuanYi" in f or "wqy" in f.lower() for f in fonts), fonts
    assert "售后" in "".join(p.extract_text() for p in reader.pages)


def test_the_window_carries_the_desks_own_icon(qapp: object) -> None:
    """The taskbar and the window's title bar show the desk's icon, found through the packaged resources."""
    from ui.app import app_icon, setup_application

    app = setup_application()
    sizes = sorted(s.width() for s in app_icon().availableSizes())
    assert sizes[0] <= 16 and sizes[-1] >= 256
    assert not app.windowIcon().isNull()
