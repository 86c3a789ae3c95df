"""How failures reach the operator: a DeskError's own sentence, anything else as 发生意外错误 with details."""

from __future__ import annotations

import logging
import traceback

from desk.errors import DeskError
from ui.qt import QMessageBox, QWidget

log = logging.getLogger(__name__)

APP_TITLE = "售后申诉工作台"


def error_box(parent: QWidget | None, exc: BaseException, *, action: str = "") -> QMessageBox:
    """Build (but do not show) the message box for a failure, and log it."""
    if isinstance(exc, DeskError):
        # Expected failure: the sentence is written for the operator; the traceback is for us.
        log.warning("%s: %s", action or "operation failed", exc.message, exc_info=exc)
        box = QMessageBox(QMessageBox.Icon.Warning, APP_TITLE, exc.message, parent=parent)
    else:
        log.error("unexpected error%s", f" ({action})" if action else "", exc_info=exc)
        text = f"发生意外错误（{action}）" if action else "发生意外错误"
        box = QMessageBox(QMessageBox.Icon.Critical, APP_TITLE, text, parent=parent)
        box.setInformativeText("操作没有完成。详细信息已写入日志，可复制给技术支持。")
        box.setDetailedText("".join(traceback.format_exception(exc)))
    # Our own button, so the text is Chinese even when Qt's translations are missing.
    box.addButton("确定", QMessageBox.ButtonRole.AcceptRole)
    return box


def show_error(parent: QWidget | None, exc: BaseException, *, action: str = "") -> None:
    """Tell the operator about a failure and log it; the caller's window stays usable."""
    error_box(parent, exc, action=action).exec()


def ask(parent: QWidget | None, text: str, buttons: list[str], *, informative: str = "") -> int:
    """Ask a question with Chinese button texts; returns the index of the chosen button (-1 if closed)."""
    box = QMessageBox(QMessageBox.Icon.Question, APP_TITLE, text, parent=parent)
    if informative:
        box.setInformativeText(informative)
    made = [box.addButton(label, QMessageBox.ButtonRole.ActionRole) for label in buttons]
    box.setDefaultButton(made[0])
    box.setEscapeButton(made[-1])
    box.exec()
    clicked = box.clickedButton()
    return made.index(clicked) if clicked in made else -1
