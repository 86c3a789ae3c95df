"""The core package stays Qt-free: importing all of desk never loads PySide6 or ui; nor the demo, which sits
beside the core (desk_demo) and which neither desk nor ui may need."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.no_database

REPO = Path(__file__).resolve().parents[1]


def test_desk_imports_without_qt() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        "import desk\n"
        "for m in pkgutil.walk_packages(desk.__path__, 'desk.'):\n"
        "    if '.migrations' in m.name or m.name == 'desk.__main__':\n"
        "        continue\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n.split('.')[0] in ('PySide6', 'shiboken6', 'ui', 'desk_demo'))\n"
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


# Each part of the core and the layer it lives on; a module may import only from its own layer or below.
# Imports inside functions count too: a circle hidden in a function is still a circle.
LAYERS: dict[str, int] = {
    # 0 — vocabulary and helpers every layer may use
    "errors": 0,
    "domain": 0,
    "names": 0,
    "labels": 0,
    "fileops": 0,
    "faults": 0,
    "resources": 0,
    "logs": 0,
    "profile": 0,
    "lock": 0,
    "settings": 0,
    "deadlines": 0,
    "privacy": 0,
    "workflow": 0,
    "audience": 0,
    "progress": 0,
    "reminders": 0,
    "quick_sql": 0,  # generated SQL text, no imports
    # 1 — storage: the database and the evidence store
    "db": 1,
    "store": 1,
    # 2 — backup and restore of what storage holds
    "backup": 2,
    # 3 — features: what the desk knows about orders, platforms, playbooks, packets and upload kits
    "orders": 3,
    "platforms": 3,
    "playbooks": 3,
    "pdf": 3,
    "upload": 3,
    "recognition": 3,
    # 4 — services: one unit of work per user action
    "services": 4,
    # 5 — opening a profile and the ways in (the Desk, the CLI, checks)
    "opening": 5,
    "app": 5,
    "check": 5,
    "quick": 5,
    "quick_sql_gen": 5,
    "cli": 5,
    "commands": 5,
    "__main__": 5,
}
# Above the core, outside it: the demo may use any part of desk (and nothing of ui); desk and ui never
# import it. main.py brings it in for --demo, the CLI finds its command through an entry point.
DEMO_PACKAGE = "desk_demo"
DEMO_LAYER = max(LAYERS.values()) + 1


def _part(module: str) -> str:
    return module.split(".")[1] if module.count(".") else module


def _imports_of(path: Path) -> list[tuple[int, str]]:
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "desk":
                found += [(node.lineno, f"desk.{a.name}") for a in node.names]
            elif node.module.startswith("desk."):
                found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("desk.")]
    return found


def test_every_part_of_the_core_has_a_layer() -> None:
    parts = {
        p.stem if p.is_file() else p.name
        for p in (REPO / "desk").iterdir()
        if p.suffix == ".py" or (p / "__init__.py").exists()
    }
    parts.discard("__init__")
    assert parts <= set(LAYERS), sorted(parts - set(LAYERS))


def test_imports_only_point_down() -> None:
    offenders = []
    for path in (REPO / "desk").rglob("*.py"):
        rel = path.relative_to(REPO / "desk")
        if rel.parts[0] == "db" and "migrations" in rel.parts:
            continue  # migrations are frozen history; they may call the schema helpers of their time
        src = rel.parts[0].removesuffix(".py")
        if src == "__init__":
            continue
        for line, target in _imports_of(path):
            dst = target.split(".")[1]
            if dst not in LAYERS:
                continue
            if dst != src and LAYERS[dst] > LAYERS[src]:
                offenders.append(
                    f"desk/{rel}:{line}: {src} (layer {LAYERS[src]}) imports {target} (layer {LAYERS[dst]})"
                )
    assert not offenders, "\n".join(offenders)


def test_features_never_import_services_and_storage_never_imports_features() -> None:
    # The two rules the layer numbers above encode, said once more in words for whoever breaks them.
    features = {k for k, v in LAYERS.items() if v == 3}
    storage = {k for k, v in LAYERS.items() if v in (1, 2)}
    bad = []
    for path in (REPO / "desk").rglob("*.py"):
        rel = path.relative_to(REPO / "desk")
        if "migrations" in rel.parts:
            continue
        src = rel.parts[0].removesuffix(".py")
        for line, target in _imports_of(path):
            dst = target.split(".")[1]
            if (src in features and dst == "services") or (src in storage and dst in features):
                bad.append(f"desk/{rel}:{line} imports {target}")
    assert not bad, "\n".join(bad)


def _every_import_of(path: Path) -> list[tuple[int, str]]:
    """Every module a file imports, at the top or inside a function; and every string that names one of
    the demo's modules (importlib.import_module("desk_demo…") is an import too)."""
    import ast

    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and node.value.split(".")[0] == DEMO_PACKAGE
        ):
            found.append((node.lineno, node.value))
    return found


def test_neither_the_core_nor_the_ui_imports_the_demo() -> None:
    offenders = []
    for top in ("desk", "ui"):
        for path in (REPO / top).rglob("*.py"):
            for line, target in _every_import_of(path):
                if target.split(".")[0] == DEMO_PACKAGE:
                    offenders.append(f"{path.relative_to(REPO)}:{line}: {target}")
    assert not offenders, "the core and the UI must work without the demo:\n" + "\n".join(offenders)


def test_the_demo_uses_the_core_and_never_the_ui() -> None:
    used_core = False
    offenders = []
    for path in (REPO / DEMO_PACKAGE).rglob("*.py"):
        for line, target in _every_import_of(path):
            top = target.split(".")[0]
            used_core = used_core or top == "desk"
            if top in ("ui", "PySide6", "shiboken6"):
                offenders.append(f"{path.relative_to(REPO)}:{line}: {target}")
    assert used_core  # really read the package
    assert not offenders, f"{DEMO_PACKAGE} (layer {DEMO_LAYER}) is above the core only:\n" + "\n".join(
        offenders
    )


def test_the_window_reads_on_the_gui_thread_only_while_the_desk_opens() -> None:
    """Every read of the running window goes through its task runner (ui/tasks.py); the one exception is
    opening the desk, which builds the window on a profile already opened (MainWindow). The behaviour is
    checked by tests/test_ui_reads_off_gui_thread.py; this keeps a new exception from slipping in."""
    import ast

    uses = []
    for path in sorted((REPO / "ui").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for node in ast.walk(function):
                called = node.func if isinstance(node, ast.Call) else None
                name = getattr(called, "id", None) or getattr(called, "attr", None)
                if name in ("read_on_gui_thread", "allowed"):
                    uses.append(f"{path.relative_to(REPO).as_posix()}:{function.name}")
    # Nested functions are walked twice (as themselves and inside their parent): each place counts once.
    assert sorted(set(uses)) == [
        "ui/main_window.py:__init__",
        "ui/main_window.py:attach_desk",
        "ui/tasks.py:read_on_gui_thread",  # where it is made
    ], uses


def test_the_window_code_loads_without_sqlalchemy_or_reportlab() -> None:
    """The window paints first and opens the database on a thread meanwhile (ui/startup.py); importing
    SQLAlchemy or ReportLab with the window's modules put about 250 ms before the first paint."""
    code = (
        "import sys\n"
        "import ui.startup\n"
        "print('HEAVY', sorted(n for n in ('sqlalchemy', 'reportlab', 'alembic') if n in sys.modules))\n"
    )
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr
    assert "HEAVY []" in out.stdout, out.stdout
