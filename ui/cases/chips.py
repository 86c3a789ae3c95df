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
    QColor,
    QFont,
    QIcon,
    QModelIndex,
    QPainter,
    QPersistentModelIndex,
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
        # The cell's background, selection and focus as Qt draws them; then the chip instead of the text.
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is not None:
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        font = type_font(opt.font, "caption")
        painter.save()
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setFont(font)
            metrics = painter.fontMetrics()
            cell = QRectF(opt.rect).adjusted(3, 2, -3, -2)
            width = min(cell.width(), metrics.horizontalAdvance(text) + 2 * CHIP_PAD_X)
            height = min(cell.height(), metrics.height() + 2 * CHIP_PAD_Y)
            box = QRectF(cell.left(), cell.center().y() - height / 2, width, height)
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(chip.fill)
            radius = min(CHIP_RADIUS, height / 2)
            painter.drawRoundedRect(box, radius, radius)
            painter.setPen(chip.text)
            shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, int(box.width()) - 2 * CHIP_PAD_X)
            painter.drawText(box, int(Qt.AlignmentFlag.AlignCenter), shown)
        finally:
            painter.restore()


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
