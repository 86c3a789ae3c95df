"""A fresh clone runs its tests with nothing beside it: every file the tests read is in the repository.

The image corpus once came from a folder next to the checkout; a clone without that folder errored.
Here the checkout's files (what git tracks, plus new files git would add: the lead commits later) are
copied into an empty temporary folder and the tests that read the corpus run there.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TESTS = REPO / "tests"

# Built up so that this file does not match itself.
OUTSIDE_PATHS = re.compile(
    "|".join(
        [
            re.escape(".." + "/shared"),  # the folder beside the checkout
            re.escape("/" + "work/"),  # the machine the project was started on
            r"\.parent\s*/\s*[\"']" + "shared",  # the same folder, reached from the repository's path
        ]
    )
)
# The tests that read the vendored image corpus (tests/data/pillow-images).
CORPUS_TESTS = [
    "tests/test_evidence_store.py::test_corpus_outcomes",
    "tests/test_evidence_media.py::test_every_format_imports",
]


def repository_files() -> list[str]:
    """What a clone would hold once the working tree is committed: tracked files that still exist and
    new files that .gitignore does not exclude. Skips when this is not a git checkout."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout
    names = sorted({n for n in out.decode("utf-8").split("\0") if n})
    return [n for n in names if (REPO / n).is_file()]


def test_no_test_file_reaches_outside_the_repository() -> None:
    offenders = []
    for path in sorted(TESTS.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # images and other binary test data
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE_PATHS.search(line):
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert offenders == []


def test_the_corpus_is_in_the_repository() -> None:
    files = repository_files()
    corpus = [n for n in files if n.startswith("tests/data/pillow-images/")]
    manifest = (REPO / "tests" / "data" / "pillow-images" / "MANIFEST.tsv").read_text(encoding="utf-8")
    listed = {line.split("\t", 1)[0] for line in manifest.splitlines()[1:] if line.strip()}
    assert {f"tests/data/pillow-images/{name}" for name in listed} <= set(corpus)
    assert "tests/data/README.md" in files
    assert "tests/data/pillow-images/LICENSE" in files


def test_a_clean_clone_passes_with_nothing_beside_it(tmp_path: Path) -> None:
    files = repository_files()
    # tmp_path/clone is the checkout; tmp_path holds nothing else: no shared folder beside it.
    clone = tmp_path / "clone"
    for name in files:
        dest = clone / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, dest)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clone"]

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DESK_"))}
    env.pop("PYTHONPATH", None)
    env.update(QT_QPA_PLATFORM="offscreen", TZ="UTC", PYTHONDONTWRITEBYTECODE="1")

    # The clone's own packages, not the ones this run imports (the venv has an editable install of REPO).
    where = subprocess.run(
        [
            sys.executable,
            "-c",
            "import desk, ui, tests.conftest as c; print(desk.__file__, ui.__file__, c.CORPUS)",
        ],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert where.returncode == 0, where.stderr
    for found in where.stdout.split():
        assert Path(found).resolve().is_relative_to(clone.resolve()), where.stdout

    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *CORPUS_TESTS],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    report = run.stdout[-4000:] + run.stderr[-2000:]
    assert run.returncode == 0, report
    assert re.search(rf"\b{len(CORPUS_TESTS)} passed\b", run.stdout), report
