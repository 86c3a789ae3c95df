"""Python's garbage collector runs on the GUI thread only.

Qt objects must be destroyed on the thread that owns them. The collector runs wherever an allocation happens
to cross its threshold, so a window left in a reference cycle (a start-up that failed, a dialog whose slots
close over it) could be torn down on the database worker, and Qt then crashes the process. qutebrowser solves
the same problem the same way: automatic collection off, and a timer on the GUI thread that collects each
generation when its threshold is reached.
"""

from __future__ import annotations

import gc

from ui.qt import QObject, QTimer

# Often enough that each pass is short: at 1 s a young pass over a second of scrolling's objects took ~5 ms
# and a middle one ~30 ms, between two frames (bench_cases); at 200 ms they take ~1 ms and ~8 ms.
INTERVAL_MS = 200


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject, interval_ms: int = INTERVAL_MS) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.collect)
        self._timer.start()
        gc.disable()

    def collect(self) -> None:
        """The generation that is due, as the automatic collector would choose it."""
        l0, l1, l2 = gc.get_count()
        t0, t1, t2 = gc.get_threshold()
        if l0 > t0:
            generation = 2 if l2 > t2 else 1 if l1 > t1 else 0
            gc.collect(generation)


def install(app: QObject) -> GuiThreadCollector:
    """Once per application; the collector lives as long as the app."""
    existing = app.findChild(GuiThreadCollector)
    return existing if isinstance(existing, GuiThreadCollector) else GuiThreadCollector(app)
