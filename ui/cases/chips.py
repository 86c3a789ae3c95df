"""The window's look: the case list's chips (status, deadline, repeat buyer), the type scale, the toolbar's
icons.

Colours and sizes are data in resources/styles.toml, so a colour or a size is changed in one place and checked
by a test (tests/test_ui_look.py). The delegate paints a rounded chip behind the cell's text where the model
names one (CHIP_ROLE); every other cell is drawn by Qt as before. The icons are the project's own SVGs in
resources/icons (LICENSES.md there).
"""

from __future__ import annotations

import functools
import logging
import tomllib
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from desk.resources import resource
from ui.qt import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QIcon,
    QModelIndex,
    QPainter,
    QPersistentModelIndex,
    QPixmap,
    QPointF,
    QRectF,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    Qt,
    QToolBar,
    QToolButton,
)

log = logging.getLogger(__name__)

STYLES_FILE = "styles.toml"
TYPE_ROLES = ("title", "body", "caption")
CHIP_ROLE = Qt.ItemDataRole.UserRole + 10  # the model's chip for a cell: (group, key), or None
CHIP_PAD_X = 6
CHIP_PAD_Y = 3
CHIP_RADIUS = 7.0
# The main toolbar's actions, by their text, and the icon each shows (resources/icons/toolbar-<name>.svg).
TOOLBAR_ICONS = {
    "新建售后": "new",
    "保存": "save",
    "下一条": "next",
    "生成申诉材料": "packet",
    "打印": "print",
    "上传材料包…": "upload",
}


@dataclass(frozen=True, slots=True)
class Chip:
    fill: QColor
    text: QColor


@dataclass(frozen=True, slots=True)
class Styles:
    type_scale: MappingProxyType[str, float]
    chips: MappingProxyType[tuple[str, str], Chip]

    def chip(self, group: str, key: str) -> Chip | None:
        return self.chips.get((group, key))


def parse_styles(data: dict[str, Any]) -> Styles:
    """The styles of a parsed styles.toml; a bad colour or size is an error naming where it is."""
    scale: dict[str, float] = {}
    for role in TYPE_ROLES:
        value = data.get("type", {}).get(role)
        if not isinstance(value, int | float) or not 0.5 <= value <= 3:
            raise ValueError(f"{STYLES_FILE}: [type] {role} must be a size factor between 0.5 and 3")
        scale[role] = float(value)
    chips: dict[tuple[str, str], Chip] = {}
    for group, entries in data.get("chips", {}).items():
        for key, entry in entries.items():
            colours = []
            for part in ("fill", "text"):
                colour = QColor(str(entry.get(part, "")))
                if not colour.isValid():
                    raise ValueError(f"{STYLES_FILE}: chips.{group}.{key} has no valid {part} colour")
                colours.append(colour)
            chips[(group, key)] = Chip(*colours)
    return Styles(MappingProxyType(scale), MappingProxyType(chips))


@functools.cache
def styles() -> Styles:
    """The shipped styles. A file gone missing or damaged leaves the window plain (no chips, the system
    font's sizes) rather than failing to open."""
    try:
        with resource(STYLES_FILE).open("rb") as fh:
            return parse_styles(tomllib.load(fh))
    except (OSError, ValueError, tomllib.TOMLDecodeError):
        log.exception("the window's styles could not be read; the list is shown without colours")
        return Styles(MappingProxyType(dict.fromkeys(TYPE_ROLES, 1.0)), MappingProxyType({}))


def type_font(base: QFont, role: str, *, bold: bool | None = None) -> QFont:
    """base at the size the type scale gives `role` (title / body / caption)."""
    font = QFont(base)
    factor = styles().type_scale.get(role, 1.0)
    if factor != 1.0 and font.pointSizeF() > 0:
        font.setPointSizeF(font.pointSizeF() * factor)
    if bold is not None:
        font.setBold(bold)
    return font


_CAPTION_FONTS: dict[str, QFont] = {}  # by the base font's key: a QFont is not hashable


def _caption_font(base: QFont) -> QFont:
    key = base.key()
    font = _CAPTION_FONTS.get(key)
    if font is None:
        font = _CAPTION_FONTS[key] = type_font(base, "caption")
    return font


@functools.lru_cache(maxsize=2048)
def _chip_size(text: str, font_key: str) -> tuple[float, float]:
    """A chip's width and height for its text, padding included (before the cell clips it)."""
    metrics = QFontMetrics(_CAPTION_FONTS[font_key])
    return metrics.horizontalAdvance(text) + 2 * CHIP_PAD_X, metrics.height() + 2 * CHIP_PAD_Y


@functools.lru_cache(maxsize=2048)
def _chip_pixmap(
    text: str, fill: int, ink: int, font_key: str, width: int, height: int, ratio: float
) -> QPixmap:
    """One chip, drawn once: the list shows the same few chips (statuses, 已超时 N 天, 第 N 次) on every
    screenful, and painting a cached picture costs a fraction of shaping its text again each frame."""
    font = _CAPTION_FONTS[font_key]
    pixmap = QPixmap(max(1, round(width * ratio)), max(1, round(height * ratio)))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    try:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setFont(font)
        metrics = painter.fontMetrics()
        box = QRectF(0, 0, width, height)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor.fromRgba(fill))
        radius = min(CHIP_RADIUS, height / 2)
        painter.drawRoundedRect(box, radius, radius)
        painter.setPen(QColor.fromRgba(ink))
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, width - 2 * CHIP_PAD_X)
        painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), shown)
    finally:
        painter.end()
    return pixmap


class ChipDelegate(QStyledItemDelegate):
    """Paints the cell's text on a rounded chip when the model names one for it (CHIP_ROLE)."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        name = index.data(CHIP_ROLE)
        chip = styles().chip(*name) if name else None
        text = index.data(Qt.ItemDataRole.DisplayRole) if chip is not None else ""
        if chip is None or not text:
            super().paint(painter, option, index)
            return
        # The cell's background (the row's, from the model), selection and focus as Qt draws them; then the
        # chip instead of the text. Only the background is asked of the model: the chip is the cell's text.
        opt = QStyleOptionViewItem(option)
        background = index.data(Qt.ItemDataRole.BackgroundRole)
        if background is not None:
            opt.backgroundBrush = QBrush(background)
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        _caption_font(opt.font)
        font_key = opt.font.key()
        natural_width, natural_height = _chip_size(text, font_key)
        cell = QRectF(opt.rect).adjusted(3, 2, -3, -2)
        width = int(min(cell.width(), natural_width))
        height = int(min(cell.height(), natural_height))
        if width <= 0 or height <= 0:
            return
        ratio = painter.device().devicePixelRatioF() if painter.device() is not None else 1.0
        pixmap = _chip_pixmap(text, chip.fill.rgba(), chip.text.rgba(), font_key, width, height, ratio)
        painter.drawPixmap(QPointF(cell.left(), cell.center().y() - height / 2), pixmap)


def toolbar_icon(name: str) -> QIcon:
    """One of the toolbar's icons; an empty icon (the text alone shows) if its file is missing."""
    path = resource("icons", f"toolbar-{name}.svg")
    return QIcon(str(path)) if path.is_file() else QIcon()


def apply_toolbar_icons(toolbar: QToolBar) -> None:
    """Give the toolbar's actions their icons, text beside them: the operator finds 保存 by its look, and
    the words stay for whoever does not know the pictures yet."""
    for action in toolbar.actions():
        name = TOOLBAR_ICONS.get(action.text())
        if name is not None and action.icon().isNull():
            action.setIcon(toolbar_icon(name))
    toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    size = toolbar.fontMetrics().height() + 2  # icons as tall as the text beside them
    toolbar.setIconSize(toolbar.iconSize().scaled(size, size, Qt.AspectRatioMode.IgnoreAspectRatio))
    for button in toolbar.findChildren(QToolButton):
        button.setAutoRaise(True)
