"""Shared fixtures: a fresh desk per test, headless Qt, the path to the vendored image corpus.

The suite runs in two passes (docs/architecture.md, "Tests"); scripts/quickstart.sh test runs both:

1. single-PC mode, on a SQLite file in each test's profile: every test;
2. shared-database mode, when DESK_TEST_DATABASE_URL=postgresql+psycopg://… is set
   (scripts/pg_test_server.sh starts a loopback server and prints it):
   ``pytest -m "not sqlite_only and not gui and not no_database"``.

Which tests run in the second pass follows from one rule. A test that reaches the desk through `open_desk`,
the `desk` fixture or the CLI is backend-independent, because `_shared_database` below points every desk it
opens (and every child process it starts, through the environment) at the server, and so it runs on both.
The exceptions say why in a marker:

- ``sqlite_only``: about the SQLite file itself: backup and restore archives of the .sqlite3 file, kill -9
  and disk-full durability, WAL, journal and pragmas, damage to the file, ``check``, opening a profile folder
  (the database guard), or the test opens a SQLite engine or ``sqlite3`` connection of its own;
- ``no_database``: never opens a desk or a database (pure functions, the import rules, the OCR worker): the
  second pass would only repeat it;
- ``gui``: needs a QApplication. Given automatically to every test that uses the ``qapp`` or ``qtbot`` fixture.

A new test therefore runs on PostgreSQL too unless it is marked. A module whose tests share data made once by
a module-scoped fixture (a demo profile) is marked ``database_per_module``: its schema is emptied once for the
module, not before each test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from sqlalchemy import Engine

pytest_plugins = ["tests.gui_thread_guard"]
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TZ", "UTC")
# Reading text in pictures is switched off (desk/services/recognition.py) unless a test switches it on
# (the recognition tests do): a desk test that adds a picture would otherwise start the OCR worker and wait
# seconds for it, in every CLI `evidence add`. Off is also what a machine without the engine runs.
os.environ.setdefault("DESK_RECOGNITION", "off")

REPO = Path(__file__).resolve().parents[1]
# Malformed and odd images from Pillow's test suite, vendored in the repository (tests/data/README.md):
# the suite reads nothing from outside the checkout.
CORPUS = REPO / "tests" / "data" / "pillow-images"

PG_URL = os.environ.get("DESK_TEST_DATABASE_URL", "")
_GIVEN_URL = PG_URL
# Fixtures that start a QApplication: a test using one is a window test (marker gui).
GUI_FIXTURES = {"qapp", "qtbot"}


def _run_database(url: str) -> str:
    """A database of this pytest run's own on the test server, so that two runs on one machine (two
    developers, or CI beside a developer) never drop each other's tables. Falls back on the given database
    when the server does not let its role create databases."""
    from sqlalchemy import create_engine, make_url
    from sqlalchemy.exc import SQLAlchemyError

    base = make_url(url)
    name = f"{base.database}_run{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except SQLAlchemyError:
        return url
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def _drop_run_database(url: str) -> None:
    from sqlalchemy import create_engine, make_url
    from sqlalchemy.exc import SQLAlchemyError

    run, base = make_url(url), make_url(_GIVEN_URL)
    if run.database == base.database:
        return
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            # FORCE ends connections a test left open (PostgreSQL 13 and later); an older server gets a
            # plain DROP, and a database it cannot drop yet is left for the next run of this pid to replace.
            try:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{run.database}" WITH (FORCE)')
            except SQLAlchemyError:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{run.database}"')
    except SQLAlchemyError as exc:
        print(f"test database {run.database} not dropped: {exc}")
    finally:
        admin.dispose()


def pytest_configure(config: pytest.Config) -> None:
    global PG_URL
    if PG_URL:
        # test_pg.py reads the URL from the environment.
        PG_URL = os.environ["DESK_TEST_DATABASE_URL"] = _run_database(PG_URL)


def pytest_unconfigure(config: pytest.Config) -> None:
    if PG_URL:
        _drop_run_database(PG_URL)


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if GUI_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.gui)
    if not PG_URL:
        return
    # Run by path without -m, the shared-database pass still leaves these out, and says why.
    skip = pytest.mark.skip(
        reason="about the SQLite file itself, or a window test; this run is against PostgreSQL"
    )
    for item in items:
        if "sqlite_only" in item.keywords or "gui" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def _pg_engine() -> Iterator[Engine]:
    from sqlalchemy import create_engine

    engine = create_engine(PG_URL)
    yield engine
    engine.dispose()


def _empty_schema(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")


@pytest.fixture(scope="module", autouse=True)
def _shared_database_per_module(request: pytest.FixtureRequest) -> Iterator[None]:
    """Shared-database mode, for a module marked database_per_module: its tests share data made once by a
    module-scoped fixture (a demo profile), so the server's schema is emptied once, before that fixture."""
    if not PG_URL or request.node.get_closest_marker("database_per_module") is None:
        yield
        return
    _empty_schema(request.getfixturevalue("_pg_engine"))
    folder = request.getfixturevalue("tmp_path_factory").mktemp("shared-evidence")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DESK_DATABASE_URL", PG_URL)
        mp.setenv("DESK_BLOB_DIR", str(folder))
        yield


@pytest.fixture(autouse=True)
def _shared_database(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Shared-database mode: each test gets an empty schema on the server and its own shared evidence folder,
    as each test gets its own SQLite file in single-PC mode. The folder is not in tmp_path, whose contents
    some tests check."""
    if not PG_URL or request.node.get_closest_marker("database_per_module") is not None:
        return
    _empty_schema(request.getfixturevalue("_pg_engine"))
    folder = request.getfixturevalue("tmp_path_factory").mktemp("shared-evidence")
    monkeypatch.setenv("DESK_DATABASE_URL", PG_URL)
    monkeypatch.setenv("DESK_BLOB_DIR", str(folder))


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
def collect_on_the_gui_thread() -> Iterator[None]:
    """As in the window (ui/gc_guard.py): with reads on worker threads (the suggestions strip, reading),
    a collection there could tear down a widget left in a reference cycle; collect here, on the GUI
    thread, instead. Used with ``pytest.mark.usefixtures`` by the modules that need it."""
    import gc

    was_enabled = gc.isenabled()  # off already where the application's collector runs
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        if was_enabled:
            gc.enable()


@pytest.fixture
def corpus() -> Path:
    if not (CORPUS / "MANIFEST.tsv").is_file():
        pytest.fail(f"the image corpus is missing at {CORPUS} (see tests/data/README.md)")
    return CORPUS
