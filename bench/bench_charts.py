"""Charts for the 统计 window: what each candidate adds to an install, how long it takes to import, and how
long it takes to draw a bar chart of 12 months × 5 series plus a pie into an 800×450 QImage offscreen.

Candidates: the window's own QPainter charts (ui/stats/chart.py, nothing to install), QtCharts (in
PySide6-Addons), pyqtgraph and matplotlib (QtAgg backend). Each is measured in a fresh child process on
QT_QPA_PLATFORM=offscreen: the import is timed after a QApplication exists (PySide6 itself is loaded for
every candidate, so only what the candidate adds counts); the drawing is the median of RUNS, each building
both charts from scratch and rendering them (QWidget.render onto a QImage).

Install size is the bytes on disk of the candidate's distributions and the ones they pull in that the desk
does not already depend on (from importlib.metadata's file lists), plus the wheel download size when the
wheels are in BENCH_CHARTS_WHEELS (`pip download --no-deps -d DIR …`).

A candidate that cannot be imported by this interpreter is measured with BENCH_CHARTS_PYTHON (another
virtualenv with `pip install PySide6-Essentials PySide6-Pdf PySide6-Addons pyqtgraph matplotlib` of the
same Qt version), or reported as not installed. The desk never installs them.
"""

from __future__ import annotations

import importlib.metadata as md
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

TITLE = "Charts: candidates for the 统计 window (install size, import, drawing)"
REPO = Path(__file__).resolve().parents[1]
RUNS = 5
SIZE = (800, 450)
TARGET_DRAW_S = 0.100  # a chart redrawn on each change of grouping must not be felt
CANDIDATES = ("qpainter", "qtcharts", "pyqtgraph", "matplotlib")
# The distribution each candidate brings, and its licence (from the project's own metadata, checked by hand).
DISTRIBUTIONS = {
    "qpainter": ((), "LGPL-3.0 (Qt, already shipped)"),
    "qtcharts": (("PySide6-Addons",), "Qt Charts: GPL-3.0 or commercial, not LGPL"),
    "pyqtgraph": (("pyqtgraph",), "MIT (numpy: BSD-3-Clause)"),
    "matplotlib": (("matplotlib",), "PSF-style Matplotlib licence (numpy etc.: BSD)"),
}
NOTES = """
QPainter is the chosen one (docs/stats.md): nothing to install, the fastest import and draw; QtCharts adds
the whole PySide6-Addons wheel for two chart kinds, under GPL-3.0 (not LGPL). Sizes count only what the desk does not already have.
"""

Row = tuple[str, str, str, str, str]

MONTHS = [f"2026-{m:02d}" for m in range(1, 13)]
SERIES = ["实退金额", "补偿金额", "补发成本", "运费", "追回"]


def _values() -> list[list[float]]:
    return [[float((m * 37 + s * 101) % 900 + 50 * s) for m in range(12)] for s in range(5)]


PIE = [("实退金额", 5200.0), ("补偿金额", 1300.0), ("补发成本", 800.0), ("运费", 400.0)]


# -- one candidate, in a child process ----------------------------------------------------------------------


def _import(name: str) -> Any:
    """Import what the candidate needs; returns a function making (bar widget, pie widget)."""
    if name == "qpainter":
        from ui.stats.chart import BarChart, PieChart, Series

        def make_qpainter() -> tuple[Any, Any]:
            bar = BarChart()
            bar.set_data("", MONTHS, [Series(n, tuple(v)) for n, v in zip(SERIES, _values(), strict=True)])
            pie = PieChart()
            pie.set_data("", PIE)
            return bar, pie

        return make_qpainter
    if name == "qtcharts":
        from PySide6 import QtCharts

        def make_qtcharts() -> tuple[Any, Any]:
            bars = QtCharts.QBarSeries()
            for n, vals in zip(SERIES, _values(), strict=True):
                s = QtCharts.QBarSet(n)
                s.append(vals)
                bars.append(s)
            chart = QtCharts.QChart()
            chart.addSeries(bars)
            axis = QtCharts.QBarCategoryAxis()
            axis.append(MONTHS)
            chart.addAxis(axis, __import__("PySide6.QtCore").QtCore.Qt.AlignmentFlag.AlignBottom)
            bars.attachAxis(axis)
            pie_series = QtCharts.QPieSeries()
            for n, v in PIE:
                pie_series.append(n, v)
            pie_chart = QtCharts.QChart()
            pie_chart.addSeries(pie_series)
            return QtCharts.QChartView(chart), QtCharts.QChartView(pie_chart)

        return make_qtcharts
    if name == "pyqtgraph":
        import pyqtgraph as pg
        from PySide6.QtWidgets import QGraphicsEllipseItem

        def make_pyqtgraph() -> tuple[Any, Any]:
            bar = pg.PlotWidget(background="w")
            for i, vals in enumerate(_values()):
                x = [m + i * 0.16 for m in range(12)]
                bar.addItem(pg.BarGraphItem(x=x, height=vals, width=0.15, brush=pg.intColor(i)))
            bar.getAxis("bottom").setTicks([list(enumerate(MONTHS))])
            bar.addLegend()
            pie = pg.PlotWidget(background="w")  # pyqtgraph has no pie: slices as ellipse items
            total, start = sum(v for _, v in PIE), 90 * 16
            for i, (_n, v) in enumerate(PIE):
                item = QGraphicsEllipseItem(-1, -1, 2, 2)
                span = -round(v / total * 5760)
                item.setStartAngle(start)
                item.setSpanAngle(span)
                item.setBrush(pg.mkBrush(pg.intColor(i)))
                pie.addItem(item)
                start += span
            return bar, pie

        return make_pyqtgraph
    if name == "matplotlib":
        import matplotlib

        matplotlib.use("QtAgg")
        from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
        from matplotlib.figure import Figure

        def make_matplotlib() -> tuple[Any, Any]:
            fig = Figure(figsize=(SIZE[0] / 100, SIZE[1] / 100), dpi=100)
            ax = fig.add_subplot()
            for i, (n, vals) in enumerate(zip(SERIES, _values(), strict=True)):
                ax.bar([m + i * 0.16 for m in range(12)], vals, width=0.15, label=n)
            ax.set_xticks(range(12), MONTHS)
            ax.legend()
            pie_fig = Figure(figsize=(SIZE[0] / 100, SIZE[1] / 100), dpi=100)
            pie_fig.add_subplot().pie([v for _, v in PIE], labels=[n for n, _ in PIE])
            return FigureCanvasQTAgg(fig), FigureCanvasQTAgg(pie_fig)

        return make_matplotlib
    raise SystemExit(f"unknown candidate {name}")


def _closure(names: tuple[str, ...], have: set[str]) -> tuple[list[str], int]:
    """The distributions `names` pull in that are not in `have`, and their bytes on disk."""
    seen: dict[str, int] = {}
    todo = list(names)
    while todo:
        name = todo.pop()
        key = re.sub(r"[-_.]+", "-", name).lower()
        if key in seen or key in have:
            continue
        try:
            dist = md.distribution(name)
        except md.PackageNotFoundError:
            continue
        seen[key] = sum((f.size or 0) for f in dist.files or ())
        for req in dist.requires or ():
            if "extra ==" in req:
                continue
            match = re.match(r"[A-Za-z0-9_.-]+", req)
            if match and (";" not in req or eval_marker(req)):
                todo.append(match.group(0))
    return sorted(seen), sum(seen.values())


def eval_marker(req: str) -> bool:
    try:
        from packaging.requirements import Requirement

        marker = Requirement(req).marker
        return marker is None or marker.evaluate()
    except ImportError:
        return True


def child(name: str, have: set[str]) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(REPO))
    from PySide6.QtCore import QSize
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication.instance() or QApplication([sys.argv[0]])
    import ui.qt  # noqa: F401 - the window has it loaded already: only what a candidate adds is timed

    started = time.perf_counter()
    make = _import(name)
    imported = time.perf_counter() - started
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        image = QImage(QSize(*SIZE), QImage.Format.Format_ARGB32_Premultiplied)
        for widget in make():
            widget.resize(*SIZE)
            image.fill(0xFFFFFFFF)
            QWidget.render(widget, image)  # QGraphicsView (QtCharts, pyqtgraph) hides this overload
            widget.deleteLater()
        app.processEvents()
        times.append(time.perf_counter() - started)
    dists, size = _closure(DISTRIBUTIONS[name][0], have)
    versions = {d: md.version(d) for d in dists}
    return {"import": imported, "draw": statistics.median(times), "dists": versions, "size": size}


# -- the comparison ------------------------------------------------------------------------------------------


def _installed() -> set[str]:
    """The distributions the desk itself brings (its dependencies, without test tools), so that what a
    candidate shares with the desk is not counted, and what it shares with a tool in this venv is."""
    try:
        names, _size = _closure(("after-sales-desk",), set())
    except md.PackageNotFoundError:
        names = []
    return set(names) or {re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower() for d in md.distributions()}


def _importable(python: str, name: str) -> bool:
    probe = {
        "qpainter": "import PySide6.QtGui",
        "qtcharts": "from PySide6 import QtCharts",
        "pyqtgraph": "import pyqtgraph",
        "matplotlib": "import matplotlib",
    }[name]
    return subprocess.run([python, "-c", probe], capture_output=True, timeout=120).returncode == 0


def _wheel_size(name: str) -> int | None:
    folder = os.environ.get("BENCH_CHARTS_WHEELS")
    dists = DISTRIBUTIONS[name][0]
    if not folder or not dists:
        return None
    wanted = re.sub(r"[-_.]+", "_", dists[0]).lower()
    found = [p for p in Path(folder).glob("*.whl") if p.name.lower().startswith(wanted + "-")]
    return found[0].stat().st_size if found else None


def measure(name: str) -> dict[str, Any] | None:
    have = _installed()
    for python in (sys.executable, os.environ.get("BENCH_CHARTS_PYTHON", "")):
        if python and _importable(python, name):
            out = subprocess.run(
                [python, __file__, "--child", name],
                input="\n".join(sorted(have)),
                capture_output=True,
                text=True,
                timeout=600,
                env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
                check=True,
            )
            result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
            result["python"] = "this venv" if python == sys.executable else "BENCH_CHARTS_PYTHON"
            return result
    return None


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def run() -> list[Row]:
    rows: list[Row] = []
    found = {name: measure(name) for name in CANDIDATES}
    anchor = found["qpainter"]
    for name in CANDIDATES:
        r = found[name]
        licence = DISTRIBUTIONS[name][1]
        if r is None:
            rows.append((f"{name}: not installed", "—", "—", "—", licence))
            continue
        wheel = _wheel_size(name)
        added = ", ".join(f"{d} {v}" for d, v in r["dists"].items()) or "nothing"
        rows.append(
            (
                f"{name}: adds {added}",
                _mb(r["size"]) + (f" on disk ({_mb(wheel)} wheel)" if wheel else " on disk"),
                "—",
                "—",
                licence,
            )
        )
        rows.append((f"{name}: import ({r['python']})", f"{r['import'] * 1000:.0f} ms", "—", "—", ""))
        ratio = f"×{r['draw'] / anchor['draw']:.1f} of qpainter" if anchor and name != "qpainter" else ""
        rows.append(
            (
                f"{name}: draw 12×5 bars + pie, {SIZE[0]}×{SIZE[1]}, median of {RUNS}",
                f"{r['draw'] * 1000:.1f} ms",
                f"≤ {TARGET_DRAW_S * 1000:.0f} ms",
                ratio,
                "ok" if r["draw"] <= TARGET_DRAW_S else "SLOW",
            )
        )
    return rows


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        have = {line.strip() for line in sys.stdin if line.strip()}
        print(json.dumps(child(sys.argv[2], have)))
    else:
        for row in run():
            print(" | ".join(row))
