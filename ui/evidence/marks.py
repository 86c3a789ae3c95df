"""Drawing annotations and redactions with Qt, following the same rules as exports (desk.store.render)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from desk.domain import Mark, MarkShape
from desk.store.render import MARK_RED, arrow_head, mark_metrics
from ui.qt import QBrush, QColor, QFont, QLineF, QPainter, QPen, QPointF, QPolygonF, QRectF, Qt

RED = QColor(*MARK_RED)
# A 放大区域 is no drawing on the picture: on screen it is a dashed blue frame, in a packet a thin outline
# beside its enlargement, and exports leave it out.
DETAIL_BLUE = QColor("#1e6fd9")


def paint_marks(
    painter: QPainter,
    marks: Sequence[Mark],
    rect: QRectF,
    full_size: tuple[int, int],
    *,
    selected: int | None = None,
) -> None:
    """Draw marks over an upright picture shown in `rect` (painter coordinates).

    Line widths and text sizes follow the picture's full size (`full_size`), scaled to `rect`, so a
    thumbnail, the viewer and an exported copy all look alike. `selected` outlines one mark.
    """
    if not marks or rect.width() <= 0 or rect.height() <= 0:
        return
    full_w, full_h = max(1, full_size[0]), max(1, full_size[1])
    scale = rect.width() / full_w
    line, text_px = mark_metrics(full_w, full_h)
    line_w = max(1.0, line * scale)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    ordered = [(i, m) for i, m in enumerate(marks) if m.shape != MarkShape.REDACT]
    ordered += [(i, m) for i, m in enumerate(marks) if m.shape == MarkShape.REDACT]
    for index, mark in ordered:
        p0 = QPointF(rect.left() + mark.x0 * rect.width(), rect.top() + mark.y0 * rect.height())
        p1 = QPointF(rect.left() + mark.x1 * rect.width(), rect.top() + mark.y1 * rect.height())
        box = QRectF(p0, p1).normalized()
        if mark.shape == MarkShape.REDACT:
            painter.fillRect(box, QColor(0, 0, 0))
        elif mark.shape == MarkShape.BOX:
            painter.setPen(QPen(RED, line_w))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(box)
        elif mark.shape == MarkShape.ARROW:
            painter.setPen(QPen(RED, line_w, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            painter.drawLine(QLineF(p0, p1))
            head = arrow_head(p0.x(), p0.y(), p1.x(), p1.y(), line_w * 5)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(QBrush(RED))
            painter.drawPolygon(QPolygonF([QPointF(x, y) for x, y in head]))
        elif mark.shape == MarkShape.DETAIL:
            painter.setPen(QPen(DETAIL_BLUE, max(1.0, line_w / 2), Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(box)
            font = QFont(painter.font())
            font.setPixelSize(max(9, round(text_px * scale * 0.5)))
            painter.setFont(font)
            painter.setPen(DETAIL_BLUE)
            painter.drawText(QPointF(box.left() + 3, box.top() - 3), "放大区域")
        elif mark.shape == MarkShape.TEXT and mark.text.strip():
            font = QFont(painter.font())
            font.setPixelSize(max(1, round(text_px * scale)))
            painter.setFont(font)
            metrics = painter.fontMetrics()
            pad = max(1.0, text_px * scale / 6)
            width = metrics.horizontalAdvance(mark.text)
            label = QRectF(p0.x() - pad, p0.y() - pad, width + 2 * pad, metrics.height() + 2 * pad)
            painter.fillRect(label, QColor(255, 255, 255))
            painter.setPen(RED)
            painter.drawText(QPointF(p0.x(), p0.y() + metrics.ascent()), mark.text)
            box = label
        if index == selected:
            painter.setPen(QPen(QColor("#1e88e5"), max(1.0, line_w / 2), Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(box.adjusted(-3, -3, 3, 3))
    painter.restore()


def hit_test(marks: Sequence[Mark], x: float, y: float, tolerance: float) -> int | None:
    """The topmost mark at picture point (x, y) in 0..1 coordinates, or None."""
    for index in range(len(marks) - 1, -1, -1):
        m = marks[index]
        if m.shape == MarkShape.ARROW:
            if _distance_to_segment(x, y, m.x0, m.y0, m.x1, m.y1) <= tolerance:
                return index
            continue
        if m.shape == MarkShape.TEXT:
            if abs(x - m.x0) <= max(tolerance, 0.02) * 6 and -tolerance <= y - m.y0 <= 0.05:
                return index
            continue
        left, right = sorted((m.x0, m.x1))
        top, bottom = sorted((m.y0, m.y1))
        if left - tolerance <= x <= right + tolerance and top - tolerance <= y <= bottom + tolerance:
            return index
    return None


def _distance_to_segment(px: float, py: float, x0: float, y0: float, x1: float, y1: float) -> float:
    dx, dy = x1 - x0, y1 - y0
    if dx == 0 and dy == 0:
        return math.hypot(px - x0, py - y0)
    t = max(0.0, min(1.0, ((px - x0) * dx + (py - y0) * dy) / (dx * dx + dy * dy)))
    return math.hypot(px - (x0 + t * dx), py - (y0 + t * dy))
