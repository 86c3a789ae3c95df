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


# Each part of the core and the layer it lives on; a module may import only from its own layer or below.
# Imports inside functions count too: a circle hidden in a function is still a circle.
LAYERS: dict[str, int] = {
    # 0 — vocabulary and helpers every layer may use
    "errors": 0,
    "domain": 0,
    "names": 0,
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
    # 4 — services: one unit of work per user action
    "services": 4,
    # 5 — opening a profile and the ways in (the Desk, the CLI, checks, demo data)
    "opening": 5,
    "app": 5,
    "check": 5,
    "quick": 5,
    "cli": 5,
    "commands": 5,
    "__main__": 5,
    "demo": 5,
    "demo_bulk": 5,
    "demo_cases": 5,
    "demo_images": 5,
}


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
