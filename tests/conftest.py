"""Shared fixtures: a fresh desk per test, headless Qt, the path to the vendored image corpus."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TZ", "UTC")

REPO = Path(__file__).resolve().parents[1]
# Malformed and odd images from Pillow's test suite, vendored in the repository (tests/data/README.md):
# the suite reads nothing from outside the checkout.
CORPUS = REPO / "tests" / "data" / "pillow-images"


# Shared-database mode: DESK_TEST_DATABASE_URL=postgresql+psycopg://… reruns the core suite on PostgreSQL
# (scripts/pg_test_server.sh starts one). Each test gets an empty schema and its own evidence folder.
PG_URL = os.environ.get("DESK_TEST_DATABASE_URL", "")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not PG_URL:
        return
    skip = pytest.mark.skip(reason="about the SQLite file itself; this run is against PostgreSQL")
    for item in items:
        if "sqlite_only" in item.keywords or "gui" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _shared_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not PG_URL:
        return
    from sqlalchemy import create_engine

    engine = create_engine(PG_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    monkeypatch.setenv("DESK_DATABASE_URL", PG_URL)
    monkeypatch.setenv("DESK_BLOB_DIR", str(tmp_path / "shared-evidence"))


@pytest.fixture(autouse=True)
def _collect_on_the_main_thread() -> Iterator[None]:
    # The window disables automatic collection and collects from a GUI-thread timer (ui/gc_guard.py). A test
    # does not always spin the event loop long enough for that timer, so the cycles a test left behind
    # (windows among them) are collected here, on the main thread, never later on a worker.
    yield
    import gc

    if not gc.isenabled():
        gc.collect()


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[object]:
    from desk.app import open_desk

    d = open_desk(tmp_path / "profile")
    try:
        yield d
    finally:
        d.close()


@pytest.fixture
def runner(qapp: object, desk: object) -> Iterator[object]:
    """The UI's background-task runner. It depends on desk so that it is shut down (running writes
    finished) before the desk closes."""
    from ui.tasks import TaskRunner

    r = TaskRunner()
    yield r
    r.shutdown(wait=True)


@pytest.fixture
def corpus() -> Path:
    if not (CORPUS / "MANIFEST.tsv").is_file():
        pytest.fail(f"the image corpus is missing at {CORPUS} (see tests/data/README.md)")
    return CORPUS
