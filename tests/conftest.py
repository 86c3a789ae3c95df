"""Shared fixtures: a fresh desk per test, headless Qt, paths to the shared corpus."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TZ", "UTC")

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "pillow-images"


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[object]:
    from desk.app import open_desk

    d = open_desk(tmp_path / "profile")
    try:
        yield d
    finally:
        d.close()


@pytest.fixture
def corpus() -> Path:
    if not (CORPUS / "MANIFEST.tsv").is_file():
        pytest.fail(f"the shared image corpus is missing at {CORPUS}")
    return CORPUS
