"""Entry point of the UI: set up the QApplication (font, translations), show the main window, run."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from desk.resources import resource
from ui.crash import install as install_crash_handlers
from ui.errors import APP_TITLE
from ui.gc_guard import install as install_gc_guard
from ui.main_window import MainWindow
from ui.qt import QApplication, QFont, QFontDatabase, QIcon, QLibraryInfo, QLocale, QSize, QTranslator
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from desk.app import Desk

log = logging.getLogger(__name__)

FONT_PATH = resource("fonts", "wqy-microhei.ttc")
FONT_FAMILY = "WenQuanYi Micro Hei"


def register_font(app: QApplication, path: Path = FONT_PATH) -> str | None:
    """Register the bundled CJK font and add it as the app font's fallback family.

    A machine without any Chinese font would otherwise show every label as boxes. The system
    font stays first, so Latin text keeps the platform's look.
    """
    if not path.is_file():
        log.warning("bundled font missing: %s", path)
        return None
    font_id = QFontDatabase.addApplicationFont(str(path))
    families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
    if not families:
        log.warning("bundled font could not be loaded: %s", path)
        return None
    family = FONT_FAMILY if FONT_FAMILY in families else families[0]
    font = QFont(app.font())
    chain = [f for f in font.families() if f != family] or [font.family()]
    font.setFamilies([*chain, family])
    app.setFont(font)
    return family


def install_translations(app: QApplication) -> None:
    """Load Qt's own zh_CN strings, so standard dialogs (file, print, context menus) read Chinese."""
    directory = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for name in ("qtbase_zh_CN", "qt_zh_CN"):
        translator = QTranslator(app)
        if translator.load(name, directory):
            app.installTranslator(translator)
        else:
            log.info("Qt translation %s not found in %s", name, directory)
    QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))


ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def app_icon() -> QIcon:
    """The desk's own icon (resources/icons, drawn for this project by packaging/make_icons.py), every size
    the window manager may ask for; an icon file gone missing leaves Qt's default, never a failure."""
    icon = QIcon()
    for size in ICON_SIZES:
        path = resource("icons", f"after-sales-desk-{size}.png")
        if path.is_file():
            icon.addFile(str(path), QSize(size, size))
    return icon


def setup_application(argv: list[str] | None = None) -> QApplication:
    """Create the QApplication if there is none, and configure it for the desk."""
    existing = QApplication.instance()
    app = (
        existing
        if isinstance(existing, QApplication)
        else QApplication(argv if argv is not None else sys.argv)
    )
    app.setApplicationName("desk")
    app.setOrganizationName("AfterSalesDesk")
    app.setApplicationDisplayName(APP_TITLE)
    # Once per application: a second run() in the same process must not stack translators.
    if not app.property("desk_configured"):
        register_font(app)
        install_translations(app)
        install_gc_guard(app)
        app.setWindowIcon(app_icon())
        app.setProperty("desk_configured", True)
    return app


def run(desk: Desk, *, demo: bool) -> int:
    """Show the main window for an opened desk and run the event loop; returns the exit code."""
    app = setup_application()
    # Unexpected errors: a dialog with 复制详情 and the log; native crashes go to logs/native-crash.log.
    handler = install_crash_handlers(desk.profile.logs_dir)
    runner = TaskRunner()
    window = MainWindow(desk, runner=runner, demo=demo)
    window.show()
    from ui.tools import start_reliability_services

    start_reliability_services(window)  # hand-over target, last crash report, daily backup
    try:
        return app.exec()
    finally:
        # Let a running write (import, packet) finish rather than cutting it off mid-transaction.
        runner.shutdown(wait=True)
        handler.uninstall()


def show_startup_error(message: str) -> None:
    """The profile could not be opened (there is no window yet): say why, in the operator's words."""
    from ui.qt import QMessageBox

    setup_application()
    box = QMessageBox(QMessageBox.Icon.Critical, APP_TITLE, message)
    box.setInformativeText("详细信息已写入日志。")
    box.addButton("确定", QMessageBox.ButtonRole.AcceptRole)
    box.exec()
