"""The core package stays Qt-free: importing all of desk never loads PySide6 or ui."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_desk_imports_without_qt() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        "import desk\n"
        "for m in pkgutil.walk_packages(desk.__path__, 'desk.'):\n"
        "    if '.migrations' in m.name or m.name == 'desk.__main__':\n"
        "        continue\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('PySide6', 'shiboken6', 'ui'))\n"
        "print('LOADED', len([n for n in sys.modules if n.startswith('desk')]))\n"
        "sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    loaded = int(proc.stdout.split("LOADED")[1])
    assert loaded > 15  # really walked the package


def test_no_qt_import_statement_in_desk() -> None:
    offenders = []
    for path in (REPO / "desk").rglob("*.py"):
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith(("import PySide6", "from PySide6", "import ui", "from ui")):
                offenders.append(f"{path}:{no}: {stripped}")
    assert not offenders
