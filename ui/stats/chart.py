"""Charts of the 统计 window, drawn with QPainter: grouped horizontal bars and a pie.

Qt's own painter, not a charting library: docs/stats.md has the measurements (install size, import and
drawing time against QtCharts, pyqtgraph and matplotlib) and why. Bars run horizontally because the
groupings are words (shop names, products, reasons) that need a line of their own to be read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ui.qt import QColor, QFontMetrics, QPainter, QPaintEvent, QPen, QRectF, QSize, Qt, QWidget

# Colour-blind-safe and distinct in greyscale print (Okabe–Ito order).
PALETTE: tuple[str, ...] = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")
AXIS = QColor("#888888")
TEXT = QColor("#333333")
EMPTY_TEXT = "没有数据"


@dataclass(frozen=True, slots=True)
class Series:
    """One row of values over the categories, with its name for the legend."""

    name: str
    values: tuple[float, ...]


def _colour(i: int) -> QColor:
    return QColor(PALETTE[i % len(PALETTE)])


def _plain(value: float) -> str:
    return f"{value:,.2f}"


class _Chart(QWidget):
    """What both charts share: a title, a size, painting through draw(painter, area) so that the same code
    paints the widget, a QImage for a screenshot, and the benchmark."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = ""
        self.setMinimumSize(240, 160)

    def sizeHint(self) -> QSize:
        return QSize(480, 360)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        try:
            self.draw(painter, QRectF(self.rect()))
        finally:
            painter.end()

    def draw(self, painter: QPainter, area: QRectF) -> None:
        raise NotImplementedError

    def _background(self, painter: QPainter, area: QRectF) -> tuple[QFontMetrics, int, float]:
        """White background and the title; returns the font metrics, the line height and the top of
        what comes below the title."""
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.fillRect(area, QColor("white"))
        fm = QFontMetrics(painter.font())
        line = fm.height()
        top = area.top() + 6
        painter.setPen(TEXT)
        if self.title:
            painter.drawText(QRectF(area.left() + 8, top, area.width() - 16, line), self.title)
            top += line + 4
        return fm, line, top


class BarChart(_Chart):
    """Categories as rows, one bar per series in each; negative values grow left of the zero line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.categories: tuple[str, ...] = ()
        self.series: tuple[Series, ...] = ()
        self.value_text: Callable[[float], str] = _plain

    def set_data(
        self,
        title: str,
        categories: Sequence[str],
        series: Sequence[Series],
        value_text: Callable[[float], str] = _plain,
    ) -> None:
        self.title = title
        self.categories = tuple(categories)
        self.series = tuple(series)
        self.value_text = value_text
        self.update()

    def draw(self, painter: QPainter, area: QRectF) -> None:
        """Paint into area (a widget, or a QImage for a screenshot or the benchmark)."""
        fm, line, top = self._background(painter, area)
        if len(self.series) > 1:  # a legend, wrapped over as many lines as needed
            x = area.left() + 8
            for i, s in enumerate(self.series):
                w = line + 4 + fm.horizontalAdvance(s.name) + 14
                if x + w > area.right() - 8 and x > area.left() + 8:
                    x, top = area.left() + 8, top + line + 2
                painter.fillRect(QRectF(x, top + 3, line - 6, line - 6), _colour(i))
                painter.drawText(QRectF(x + line, top, w, line), s.name)
                x += w
            top += line + 4
        values = [v for s in self.series for v in s.values]
        if not self.categories or not values:
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, EMPTY_TEXT)
            return
        low, high = min(0.0, *values), max(0.0, *values)
        span = (high - low) or 1.0
        label_w = min(area.width() * 0.32, max(fm.horizontalAdvance(c) for c in self.categories) + 12)
        value_w = max(fm.horizontalAdvance(self.value_text(v)) for v in (low, high)) + 8
        plot = QRectF(
            area.left() + label_w, top, area.width() - label_w - 8, area.bottom() - top - 6
        ).adjusted(value_w if low < 0 else 0, 0, -value_w, 0)
        # Rows no thicker than a few lines of text: two shops make two bars, not two walls.
        row_h = min(plot.height() / len(self.categories), line * (1.2 * len(self.series) + 1.5))
        bar_h = max(1.0, row_h * 0.8 / len(self.series))
        zero = plot.left() + (0 - low) / span * plot.width()
        for r, category in enumerate(self.categories):
            y = plot.top() + r * row_h
            painter.setPen(TEXT)
            text = fm.elidedText(category, Qt.TextElideMode.ElideRight, int(label_w - 12))
            painter.drawText(
                QRectF(area.left() + 4, y, label_w - 8, row_h),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                text,
            )
            for i, s in enumerate(self.series):
                value = s.values[r] if r < len(s.values) else 0.0
                x = plot.left() + (value - low) / span * plot.width()
                bar = QRectF(min(x, zero), y + row_h * 0.1 + i * bar_h, abs(x - zero), bar_h)
                painter.fillRect(bar, _colour(i))
                if len(self.series) == 1 and bar_h >= line * 0.8:  # room to say the value
                    painter.setPen(TEXT)
                    where = (
                        QRectF(bar.right() + 4, bar.top(), value_w, bar_h)
                        if value >= 0
                        else QRectF(bar.left() - value_w - 4, bar.top(), value_w, bar_h)
                    )
                    align = Qt.AlignmentFlag.AlignLeft if value >= 0 else Qt.AlignmentFlag.AlignRight
                    painter.drawText(where, align | Qt.AlignmentFlag.AlignVCenter, self.value_text(value))
        painter.setPen(QPen(AXIS, 1))
        bottom = plot.top() + row_h * len(self.categories)
        painter.drawLine(int(zero), int(plot.top()), int(zero), int(bottom))


class PieChart(_Chart):
    """Shares of a whole: one slice per positive value, a legend with the percentages beside it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.slices: tuple[tuple[str, float], ...] = ()

    def set_data(self, title: str, slices: Sequence[tuple[str, float]]) -> None:
        self.title = title
        self.slices = tuple((name, value) for name, value in slices if value > 0)
        self.update()

    def draw(self, painter: QPainter, area: QRectF) -> None:
        fm, line, top = self._background(painter, area)
        total = sum(v for _n, v in self.slices)
        if total <= 0:
            painter.drawText(area, Qt.AlignmentFlag.AlignCenter, EMPTY_TEXT)
            return
        legend_w = min(
            area.width() * 0.45, max(fm.horizontalAdvance(f"{n} 100.0%") for n, _ in self.slices) + line + 16
        )
        side = max(10.0, min(area.width() - legend_w - 24, area.bottom() - top - 8))
        pie = QRectF(area.left() + 8, top, side, side)
        start = 90 * 16  # from twelve o'clock, clockwise
        painter.setPen(QPen(QColor("white"), 1))
        for i, (_name, value) in enumerate(self.slices):
            span = -round(value / total * 360 * 16)
            painter.setBrush(_colour(i))
            painter.drawPie(pie, start, span)
            start += span
        x = pie.right() + 16
        painter.setPen(TEXT)
        for i, (name, value) in enumerate(self.slices):
            y = top + i * (line + 4)
            if y + line > area.bottom():
                break
            painter.fillRect(QRectF(x, y + 3, line - 6, line - 6), _colour(i))
            share = f"{name} {value / total * 100:.1f}%"
            painter.drawText(QRectF(x + line, y, legend_w, line), share)
