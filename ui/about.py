"""帮助 ▸ 关于: the desk's version, every bundled component's version and licence, the data folder.

Versions and licences are read from each distribution's metadata when the dialog opens, never typed in
here, so a shop's support question ("which version do you run?") gets the truth of the program in front of
them. The built program carries the same metadata (packaging/desk.spec ABOUT_COMPONENTS, kept equal to
COMPONENTS by tests/test_ui_about.py).
"""

from __future__ import annotations

import platform
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from ui.context import MenuKey
from ui.errors import APP_TITLE
from ui.qt import (
    QAbstractItemView,
    QAction,
    QDesktopServices,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLibraryInfo,
    QMessageBox,
    QPushButton,
    Qt,
    QTableWidget,
    QTableWidgetItem,
    QUrl,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from ui.context import FeatureContext

DESK_DIST = "after-sales-desk"
NOT_BUNDLED = "未随附"
UNKNOWN_LICENCE = "见该组件自带的许可证文件"

# What the desk ships beside Python and Qt: distribution name and what it does for the shop.
COMPONENTS: tuple[tuple[str, str], ...] = (
    ("PySide6-Essentials", "窗口（Qt for Python）"),
    ("PySide6-Pdf", "申诉材料预览"),
    ("shiboken6", "Qt for Python 的绑定层"),
    ("SQLAlchemy", "数据库"),
    ("alembic", "数据库升级"),
    ("Mako", "数据库升级脚本模板"),
    ("MarkupSafe", "模板转义"),
    ("reportlab", "生成 PDF"),
    ("pillow", "图片"),
    ("pillow-heif", "HEIC 照片"),
    ("pypdf", "读取 PDF"),
    ("pypdfium2", "PDF 证据的页数与首页"),
    ("av", "视频证据（FFmpeg）"),
    ("psycopg", "共享数据库（PostgreSQL）"),
    ("psycopg-binary", "PostgreSQL 客户端库"),
    ("openpyxl", "读取 XLSX 表格"),
    ("et-xmlfile", "XLSX 的 XML 读写"),
    ("charset-normalizer", "识别 CSV 编码"),
    ("phonenumbers", "手机号遮挡"),
    ("platformdirs", "数据文件夹位置"),
    ("typing-extensions", "类型标注"),
)

FONT_NAME = "文泉驿微米黑（WenQuanYi Micro Hei）"
FONT_LICENCE = (
    "Apache-2.0，或 GPL-3.0 及以后版本（附字体嵌入例外）。"
    "版权 2008-2009 文泉驿项目；基于 Droid Sans Fallback，版权 2006-2008 Google。"
)


@dataclass(frozen=True, slots=True)
class Component:
    """One line of the 关于 table."""

    name: str
    version: str
    licence: str
    purpose: str


def licence_of(meta: metadata.PackageMetadata) -> str:
    """The licence a distribution declares: its SPDX expression, else a short License field, else the
    licence classifier; a long licence text is not a name, so it is not shown."""
    expression = (meta["License-Expression"] or "").strip()
    if expression:
        return expression
    text = (meta["License"] or "").strip()
    if text and "\n" not in text and len(text) <= 80:
        return text
    for classifier in meta.get_all("Classifier") or []:
        parts = [p.strip() for p in classifier.split("::")]
        if parts[0] == "License" and len(parts) > 1:
            return parts[-1]
    return text.splitlines()[0][:80] if text else UNKNOWN_LICENCE


def _dist(name: str) -> Component | None:
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return None
    return Component(name, dist.version, licence_of(dist.metadata), "")


def desk_version() -> str:
    found = _dist(DESK_DIST)
    if found is not None:
        return found.version
    from desk import __version__

    return __version__


def components() -> tuple[Component, ...]:
    """Python, Qt and each bundled distribution, with what each does; one that is missing says so."""
    rows = [
        Component("Python", platform.python_version(), "PSF-2.0", "运行环境"),
        Component("Qt", QLibraryInfo.version().toString(), "LGPL-3.0-only", "窗口、图片格式、打印"),
    ]
    for name, purpose in COMPONENTS:
        found = _dist(name)
        if found is None:
            rows.append(Component(name, NOT_BUNDLED, "", purpose))
        else:
            rows.append(Component(found.name, found.version, found.licence, purpose))
    return tuple(rows)


def open_in_file_manager(url: QUrl) -> bool:
    return bool(QDesktopServices.openUrl(url))


class AboutDialog(QDialog):
    """The desk's version, the components table, the data folder with 打开数据文件夹, the font's licence."""

    def __init__(
        self,
        data_folder: Path,
        parent: QWidget | None = None,
        *,
        open_url: Callable[[QUrl], bool] | None = None,
    ) -> None:
        super().__init__(parent)
        self.data_folder = data_folder
        self._open_url = open_url
        self.setWindowTitle(f"关于 {APP_TITLE}")
        self.resize(720, 560)
        layout = QVBoxLayout(self)

        self.version_label = QLabel(f"<b>{APP_TITLE}</b> 版本 {desk_version()}")
        layout.addWidget(self.version_label)
        layout.addWidget(QLabel("随附的组件（版本和许可证读自程序里的组件本身）："))

        rows = components()
        self.table = QTableWidget(len(rows), 4, self)
        self.table.setHorizontalHeaderLabels(["组件", "版本", "许可证", "用途"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for row, c in enumerate(rows):
            for col, text in enumerate((c.name, c.version, c.licence, c.purpose)):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.table.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)

        self.font_label = QLabel(f"界面与 PDF 的中文字体：{FONT_NAME}。许可证：{FONT_LICENCE}")
        self.font_label.setWordWrap(True)
        layout.addWidget(self.font_label)

        folder_row = QHBoxLayout()
        self.folder_label = QLabel(f"数据文件夹：{data_folder}")
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder_label.setWordWrap(True)
        folder_row.addWidget(self.folder_label, 1)
        self.open_folder_button = QPushButton("打开数据文件夹")
        self.open_folder_button.clicked.connect(self.open_data_folder)
        folder_row.addWidget(self.open_folder_button)
        layout.addLayout(folder_row)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setText("关闭")
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def open_data_folder(self) -> None:
        """Show the data folder in the system's file manager; say so plainly when that cannot be done."""
        opener = self._open_url or open_in_file_manager
        if self.data_folder.is_dir() and opener(QUrl.fromLocalFile(str(self.data_folder))):
            return
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            APP_TITLE,
            f"无法自动打开数据文件夹“{self.data_folder}”。",
            parent=self,
        )
        box.setInformativeText("请在文件管理器中手动打开这个位置（可以从上面复制路径）。")
        box.addButton("确定", QMessageBox.ButtonRole.AcceptRole)
        box.open()


@dataclass(frozen=True, slots=True)
class AboutFeature:
    """帮助 ▸ 关于's action and the dialog it opened last (None until then)."""

    about: QAction
    shown: list[AboutDialog]

    @property
    def actions(self) -> tuple[QAction, ...]:
        return (self.about,)


def install(ctx: FeatureContext) -> AboutFeature:
    """Put 关于 into the 帮助 menu."""
    shown: list[AboutDialog] = []

    def open_about() -> None:
        for old in shown:
            old.close()
        shown.clear()
        dialog = AboutDialog(ctx.desk.profile.root, ctx.parent)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        shown.append(dialog)
        dialog.finished.connect(lambda _code, d=dialog: shown.remove(d) if d in shown else None)
        dialog.open()

    feature = AboutFeature(ctx.action("关于", open_about, tip="版本、随附组件与许可证、数据文件夹"), shown)
    ctx.menu(MenuKey.HELP).addAction(feature.about)
    return feature
