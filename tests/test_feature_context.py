"""Features join the window through a typed context (ui/context.py), never by poking at the window.

Parsed with ast, every module of ui/ but ui/main_window.py: none sets an attribute on a MainWindow (or
setattr()s one), and none finds a menu by its title text or reaches for the menu bar. Then, on a live
window: each feature's install(ctx) returned its actions, and they sit in the menus their keys name.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ui.context import MENU_TITLES, MenuKey

REPO = Path(__file__).resolve().parents[1]
UI = REPO / "ui"
OWNER = UI / "main_window.py"
# Names that hold the main window by convention, whatever their annotation says.
WINDOW_NAMES = frozenset({"window", "main_window", "mw", "win"})
TITLES = frozenset(MENU_TITLES.values())


def ui_modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(UI.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _mentions_main_window(annotation: ast.expr | None) -> bool:
    if annotation is None:
        return False
    return "MainWindow" in ast.unparse(annotation)


class WindowWrites(ast.NodeVisitor):
    """Attribute writes whose object is a MainWindow: names annotated or built as one, the usual names
    for it, QWidget.window() results, and attributes of self that were given one."""

    def __init__(self, tree: ast.Module) -> None:
        self.names = set(WINDOW_NAMES)
        self.self_attrs: set[str] = set()
        self.classes = {"MainWindow"}
        self.found: list[tuple[int, str]] = []
        self._learn(tree)

    def _learn(self, tree: ast.Module) -> None:
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name == "MainWindow":
                        self.classes.add(alias.asname or alias.name)
        for _ in range(2):  # a name given from another window-holding name, in any order
            for node in ast.walk(tree):
                if isinstance(node, ast.arg) and _mentions_main_window(node.annotation):
                    self.names.add(node.arg)
                elif isinstance(node, ast.AnnAssign) and _mentions_main_window(node.annotation):
                    self._bind(node.target)
                elif isinstance(node, ast.Assign) and self.is_window(node.value):
                    for target in node.targets:
                        self._bind(target)
                elif isinstance(node, ast.NamedExpr) and self.is_window(node.value):
                    self._bind(node.target)

    def _bind(self, target: ast.expr) -> None:
        if isinstance(target, ast.Name):
            self.names.add(target.id)
        elif (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == "self"
        ):
            self.self_attrs.add(target.attr)

    def is_window(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name):
            return node.id in self.names
        if isinstance(node, ast.Attribute):
            return (
                isinstance(node.value, ast.Name) and node.value.id == "self" and node.attr in self.self_attrs
            )
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in self.classes:
                return True
            return isinstance(func, ast.Attribute) and func.attr == "window" and not node.args
        return False

    def _check_target(self, target: ast.expr, line: int) -> None:
        if isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self._check_target(element, line)
        elif isinstance(target, ast.Attribute) and self.is_window(target.value):
            self.found.append((line, f"{ast.unparse(target)} = …"))
        elif isinstance(target, ast.Subscript):
            inner = target.value
            if isinstance(inner, ast.Attribute) and inner.attr == "__dict__" and self.is_window(inner.value):
                self.found.append((line, f"{ast.unparse(target)} = …"))
            if (
                isinstance(inner, ast.Call)
                and isinstance(inner.func, ast.Name)
                and inner.func.id == "vars"
                and inner.args
                and self.is_window(inner.args[0])
            ):
                self.found.append((line, f"{ast.unparse(target)} = …"))

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._check_target(target, node.lineno)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._check_target(node.target, node.lineno)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_target(node.target, node.lineno)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if name in ("setattr", "__setattr__") and node.args and self.is_window(node.args[0]):
            self.found.append((node.lineno, ast.unparse(node)))
        self.generic_visit(node)


def window_writes(tree: ast.Module) -> list[tuple[int, str]]:
    visitor = WindowWrites(tree)
    visitor.visit(tree)
    return visitor.found


def menu_lookups(tree: ast.Module) -> list[tuple[int, str]]:
    """Menus found by their title (a title compared, or passed to addMenu/findChild), or the menu bar."""
    found: list[tuple[int, str]] = []

    def is_title(node: ast.expr) -> bool:
        return isinstance(node, ast.Constant) and node.value in TITLES

    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(is_title(n) for n in [node.left, *node.comparators]):
            found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Call):
            func = node.func
            attr = func.attr if isinstance(func, ast.Attribute) else ""
            if attr == "menuBar" or (
                attr in ("addMenu", "findChild", "findChildren", "get")
                and any(is_title(a) for a in node.args)
            ):
                found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Dict | ast.Set | ast.List | ast.Tuple):
            elements = node.keys if isinstance(node, ast.Dict) else node.elts
            if any(e is not None and is_title(e) for e in elements):
                found.append((node.lineno, "a collection of menu titles"))
    return found


# -- the detectors find what they look for -------------------------------------------------------------

PLANTED = textwrap.dedent(
    """
    from ui.main_window import MainWindow as Window

    def install(window):
        window.wizard_action = 1

    def install_typed(host: "MainWindow"):
        host.appeal_menu = None

    def install_setattr(w: MainWindow):
        setattr(w, "open_wizard", None)

    def install_dict(mw):
        mw.__dict__["x"] = 1
        vars(mw)["y"] = 2

    def install_tuple(window):
        window.a, other = 1, 2

    def reopen():
        new = Window(None)
        new._close_confirmed = True

    class Dialog:
        def __init__(self, window):
            self.window_ = window

        def go(self):
            self.window_.backup_action = None
            self.window().restore_action = None
            target = self.window()
            target.check_action = None
    """
)
CLEAN = textwrap.dedent(
    """
    def install(ctx):
        ctx.menu(MenuKey.TOOLS).addAction(action)
        panel.window_title = "x"
        self._window = window
        return Feature(action=action)
    """
)


def test_the_window_write_detector_finds_every_planted_write() -> None:
    found = window_writes(ast.parse(PLANTED))
    assert [line for line, _ in found] == [5, 8, 11, 14, 15, 18, 22, 29, 30, 32], found
    assert window_writes(ast.parse(CLEAN)) == []


def test_the_menu_lookup_detector_finds_titles_and_the_menu_bar() -> None:
    planted = textwrap.dedent(
        """
        appeal = next(a.menu() for a in window.menuBar().actions() if a.text() == "申诉")
        menus = {a.text(): a.menu() for a in bar.actions()}
        tools = menus.get("工具")
        found = bar.findChild(QMenu, "订单")
        titles = ("售后", "资料")
        """
    )
    found = menu_lookups(ast.parse(planted))
    assert sorted({line for line, _ in found}) == [2, 4, 5, 6], found
    assert menu_lookups(ast.parse("status == '申诉中'\nctx.menu(MenuKey.APPEAL)")) == []


# -- the rules ----------------------------------------------------------------------------------------


def test_only_the_window_sets_attributes_on_itself() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{line}: {what}"
        for path, tree in ui_modules()
        if path != OWNER
        for line, what in window_writes(tree)
    ]
    assert not offenders, "\n".join(offenders)


def test_no_menu_is_found_by_its_title() -> None:
    offenders = [
        f"{path.relative_to(REPO)}:{line}: {what}"
        for path, tree in ui_modules()
        if path not in (OWNER, UI / "context.py")
        for line, what in menu_lookups(tree)
    ]
    assert not offenders, "\n".join(offenders)
    # The window itself builds its menus from MENU_TITLES, by key: no title is spelled out there either.
    owner = ast.parse(OWNER.read_text(encoding="utf-8"))
    spelled = [n.lineno for n in ast.walk(owner) if isinstance(n, ast.Constant) and n.value in TITLES]
    assert not spelled, spelled


def test_no_attribute_typing_escapes_in_ui() -> None:
    text = "\n".join(path.read_text(encoding="utf-8") for path, _ in ui_modules())
    assert "type: ignore[attr-defined]" not in text
    assert "appeal_menu" not in text


# -- on a live window ---------------------------------------------------------------------------------


@pytest.fixture
def window(qtbot: Any, desk: Any, runner: Any, tmp_path: Path) -> Iterator[Any]:
    from ui.main_window import MainWindow
    from ui.qt import QSettings

    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    w = MainWindow(desk, runner=runner, settings=settings)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.form.revert()
    w.close()


@pytest.mark.gui
def test_each_feature_returns_its_actions_and_they_sit_in_their_menus(window: Any) -> None:
    from ui.qt import QMenu

    def deep(menu: QMenu) -> list[Any]:
        out = []
        for action in menu.actions():
            out.append(action)
            if action.menu() is not None:
                out.extend(deep(action.menu()))
        return out

    in_menu = {key: deep(window.menus[key]) for key in MenuKey}
    features = window.features
    where = {
        "wizard": [MenuKey.APPEAL],
        "upload_kit": [MenuKey.APPEAL],
        "tools": [MenuKey.TOOLS],
        "orders": [MenuKey.ORDERS],
        "cases": [MenuKey.CASES, MenuKey.DATA],
    }
    for name, keys in where.items():
        actions = getattr(features, name).actions
        assert actions, name
        for action in actions:
            assert any(action in in_menu[key] for key in keys), (name, action.text())
    assert len(features.actions) == len(set(features.actions))
    # The menu bar, in its order, from the keys; 申诉 holds the window's own entries between the features'.
    assert [a.text() for a in window.menuBar().actions()] == [MENU_TITLES[k] for k in MenuKey]
    appeal = [a.text() for a in window.menus[MenuKey.APPEAL].actions()]
    assert appeal == [
        "处理向导…",
        "话术库…",
        "",
        "记录申诉结果…",
        "快递理赔…",
        "",
        "生成申诉材料",
        "打印",
        "上传材料包…",
        "平台看到的处理经过…",
    ]
    assert window.feature_context.menu(MenuKey.TOOLS) is window.menus[MenuKey.TOOLS]


@pytest.mark.gui
def test_a_feature_can_add_a_toolbar_action(window: Any) -> None:
    ctx = window.feature_context
    action = ctx.action("试一下", lambda: None)
    ctx.add_toolbar_action(action)
    assert action in window.toolbar.actions()


@pytest.mark.gui
def test_the_context_follows_the_current_case(window: Any, desk: Any, qtbot: Any) -> None:
    from desk.domain import CaseDraft
    from tests.ui_wait import open_case

    case, _ = desk.cases.create(CaseDraft(order_no="261120-000000000000001"))
    seen: list[object] = []
    ctx = window.feature_context
    ctx.case_changed.connect(seen.append)
    open_case(qtbot, window, case.id)
    assert ctx.current_case() == case.id and seen[-1] == case.id


def test_the_window_and_the_context_load_no_database_layer() -> None:
    """The list paints before the desk opens (ui/startup.py): undo and the features come with the desk."""
    import subprocess
    import sys

    code = (
        "import sys, ui.main_window, ui.context\n"
        "sys.exit(1 if {'sqlalchemy', 'desk.services.undo'} & set(sys.modules) else 0)\n"
    )
    env = {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
