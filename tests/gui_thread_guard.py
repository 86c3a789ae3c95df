"""Every test runs with the GUI-thread check on (desk/db/thread_guard.py, docs/architecture.md).

The window's code must reach the database only through the task runner (ui/tasks.py). Each test runs
with DESK_DEBUG_THREADS=1, so once a main window is shown (ui/tasks.py:guard_gui_thread), the main thread,
which is its GUI thread, may not open a database session from code of the `ui` package; a test's own
set-up and assertions (not the window) still read the database directly. A session the window's code
opens there fails the test, even when the code that met WrongThread caught it (a paint that must not
fail, a callback error shown as a message box). Child processes a test starts inherit the variable, so a
window they show checks itself.

Registered in tests/conftest.py's pytest_plugins.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator

import pytest

from desk.db import thread_guard

_FOUND = pytest.StashKey[list[thread_guard.WrongThread]]()


def _verdict(found: list[thread_guard.WrongThread]) -> str:
    first = "\n".join(f"- {exc}" for exc in found[:3])
    more = f"\n(and {len(found) - 3} more)" if len(found) > 3 else ""
    return f"the window called the database on the GUI thread {len(found)} time(s):\n{first}{more}"


@pytest.fixture(autouse=True)
def _gui_thread_guard(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("DESK_DEBUG_THREADS", "1")
    found: list[thread_guard.WrongThread] = []
    request.node.stash[_FOUND] = found
    thread_guard.report_to(found.append)
    try:
        yield
    finally:
        thread_guard.report_to(None)
        thread_guard.allow()
    # Set-up and the test itself are judged by the hook below; what is left came from tearing down.
    if found:
        pytest.fail(_verdict(found), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    result = yield
    found = item.stash.get(_FOUND, None)
    if found:
        verdict = _verdict(found)
        found.clear()
        pytest.fail(verdict, pytrace=False)
    return result


@pytest.fixture
def gui_thread_violations(request: pytest.FixtureRequest) -> list[thread_guard.WrongThread]:
    """What the check found so far in this test; a test that provokes it on purpose empties it."""
    return request.node.stash[_FOUND]
