"""Qt objects in reference cycles are destroyed on the GUI thread, never on the database worker."""

from __future__ import annotations

import gc
import threading
from typing import Any

import pytest

from ui.app import setup_application
from ui.gc_guard import GuiThreadCollector
from ui.qt import QObject

pytestmark = pytest.mark.gui


def test_the_application_collects_only_on_the_gui_thread(qtbot: Any) -> None:
    app = setup_application()
    assert app.findChild(GuiThreadCollector) is not None
    assert not gc.isenabled()

    destroyed_on: list[str] = []

    class Cyclic(QObject):
        pass

    def make_cycle() -> None:
        obj = Cyclic()
        obj.setObjectName("cyclic")
        obj.self_ref = obj  # type: ignore[attr-defined]  # a cycle only the collector can free
        obj.destroyed.connect(lambda *_: destroyed_on.append(threading.current_thread().name))

    for _ in range(5):
        make_cycle()

    # A worker thread allocating heavily: with automatic collection this is where the cycle would die.
    kept: list[object] = []

    def churn() -> None:
        kept.extend([i] for i in range(200_000))

    t = threading.Thread(target=churn, name="db-worker")
    t.start()
    t.join()
    assert destroyed_on == []
    qtbot.waitUntil(lambda: len(destroyed_on) == 5, timeout=5000)
    assert set(destroyed_on) == {threading.main_thread().name}
    assert len(kept) == 200_000
