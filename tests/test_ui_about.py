"""帮助 ▸ 关于, clicked as an operator does: the version, each component's version and licence, the data
folder with a button that opens it, the CJK font's licence; and the build keeps the metadata it reads."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

import ui.about as about
from ui.about import COMPONENTS, AboutDialog, components
from ui.main_window import MainWindow
from ui.qt import QApplication, QMenu, QMessageBox, QSettings, Qt, QUrl

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def window(qtbot: Any, desk: Any, runner: Any, tmp_path: Path) -> Iterator[MainWindow]:
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    w = MainWindow(desk, runner=runner, settings=settings)
    w.show()
    qtbot.waitExposed(w)
    yield w
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, AboutDialog | QMessageBox) and widget.isVisible():
            widget.close()
    w.form.revert()
    w.close()


def click_menu_entry(qtbot: Any, window: MainWindow, menu_title: str, entry: str) -> None:
    """Click the menu's title on the menu bar, then the entry in the menu that drops down."""
    bar = window.menuBar()
    (title,) = [a for a in bar.actions() if a.text() == menu_title]
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.actionGeometry(title).center())
    menu = title.menu()
    assert isinstance(menu, QMenu)
    qtbot.waitUntil(menu.isVisible, timeout=5000)
    (action,) = [a for a in menu.actions() if a.text() == entry]
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(action).center())


def shown_about(qtbot: Any) -> AboutDialog:
    def visible() -> list[AboutDialog]:
        return [w for w in QApplication.topLevelWidgets() if isinstance(w, AboutDialog) and w.isVisible()]

    qtbot.waitUntil(lambda: bool(visible()), timeout=5000)
    return visible()[0]


def table_rows(dialog: AboutDialog) -> dict[str, tuple[str, str]]:
    t = dialog.table
    return {
        t.item(r, 0).text().lower(): (t.item(r, 1).text(), t.item(r, 2).text()) for r in range(t.rowCount())
    }


@pytest.mark.gui
def test_help_about_shows_versions_licences_folder_and_font(
    window: MainWindow, qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened: list[QUrl] = []
    monkeypatch.setattr(about, "open_in_file_manager", lambda url: opened.append(url) or True)

    click_menu_entry(qtbot, window, "帮助", "关于")
    dialog = shown_about(qtbot)

    assert metadata.version("after-sales-desk") in dialog.version_label.text()
    rows = table_rows(dialog)
    assert rows["sqlalchemy"] == (metadata.version("SQLAlchemy"), "MIT")
    assert rows["pillow"][0] == metadata.version("pillow")
    assert rows["reportlab"] == (metadata.version("reportlab"), "BSD License")  # from its classifier
    assert rows["pyside6-essentials"][1] == "LGPL-3.0-only OR GPL-2.0-only OR GPL-3.0-only"
    assert rows["python"][0].count(".") == 2
    assert rows["qt"][0].startswith("6.")
    assert not [name for name, (version, _) in rows.items() if version == about.NOT_BUNDLED]
    assert "文泉驿微米黑" in dialog.font_label.text() and "Apache-2.0" in dialog.font_label.text()

    root = window.opened_desk.profile.root
    assert str(root) in dialog.folder_label.text()
    qtbot.mouseClick(dialog.open_folder_button, Qt.MouseButton.LeftButton)
    assert [Path(u.toLocalFile()) for u in opened] == [root]


@pytest.mark.gui
def test_a_folder_that_cannot_be_opened_says_so(qtbot: Any, tmp_path: Path) -> None:
    dialog = AboutDialog(tmp_path, open_url=lambda _url: False)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.mouseClick(dialog.open_folder_button, Qt.MouseButton.LeftButton)
    boxes = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    assert boxes and "无法自动打开数据文件夹" in boxes[0].text() and str(tmp_path) in boxes[0].text()
    for box in boxes:
        box.close()


@pytest.mark.gui
def test_a_component_the_program_lacks_is_shown_as_missing(
    monkeypatch: pytest.MonkeyPatch, qapp: Any
) -> None:
    monkeypatch.setattr(about, "COMPONENTS", (*COMPONENTS, ("no-such-library-here", "测试")))
    rows = {c.name: c for c in components()}
    assert rows["no-such-library-here"].version == about.NOT_BUNDLED
    assert rows["SQLAlchemy"].version == metadata.version("SQLAlchemy")


def test_the_build_keeps_the_metadata_the_dialog_reads() -> None:
    """The built program shows the same table only if PyInstaller copies each component's metadata."""
    tree = ast.parse((REPO / "packaging" / "desk.spec").read_text(encoding="utf-8"))
    (listed,) = [
        ast.literal_eval(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "ABOUT_COMPONENTS" for t in node.targets)
    ]
    assert listed == [name for name, _ in COMPONENTS]
