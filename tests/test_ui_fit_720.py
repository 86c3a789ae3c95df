"""Every window the desk can show fits a 1280×720 laptop screen (what is left of it under the taskbar), and the
main window opens at a sensible size there and on a 1920×1080 screen.

The screen is set through ui/packet/fit.py's available_geometry, the one place windows ask how much room they
have; each window is opened as the operator opens it, and its frame and its smallest possible size are
measured."""

# ruff: noqa: F811 - the window fixtures of test_ui_flow are imported by name and used as arguments

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from desk.settings import ReminderSettings
from tests.test_ui_flow import add_case, settings  # noqa: F401 - fixtures
from ui.packet import fit
from ui.qt import QRect, QSettings, QWidget

pytestmark = pytest.mark.gui

SCREEN_720 = QRect(0, 0, 1280, 720)
SCREEN_1080 = QRect(0, 0, 1920, 1080)


@pytest.fixture
def small_screen(monkeypatch: pytest.MonkeyPatch) -> QRect:
    monkeypatch.setattr(fit, "available_geometry", lambda _widget: SCREEN_720)
    return SCREEN_720


def _pdf(tmp_path: Path) -> Path:
    from reportlab.pdfgen.canvas import Canvas

    pdf = tmp_path / "packet.pdf"
    canvas = Canvas(str(pdf))
    canvas.drawString(72, 720, "packet")
    canvas.save()
    return pdf


def _dialogs(desk: Any, runner: Any, tmp_path: Path) -> list[tuple[str, Callable[[], QWidget]]]:
    """Each top-level window the desk's menus and panels open, made as they make it."""
    from ui.cases.filter_bar import DateRangeDialog
    from ui.cases.platform_dialog import PlatformDialog
    from ui.cases.shop_dialog import ShopDialog
    from ui.cases.weight_panel import ToleranceDialog
    from ui.crash import CrashReportDialog
    from ui.evidence.viewer import EvidenceViewer
    from ui.orders.import_dialog import ImportDialog
    from ui.orders.orders_view import OrdersWindow
    from ui.outcomes.appeal_dialog import AppealDialog
    from ui.outcomes.claim_dialog import ClaimDialog
    from ui.packet.preview import PacketPreview
    from ui.packet.readiness_dialog import ReadinessDialog
    from ui.packet.story_dialog import StoryDialog
    from ui.packet.upload_kit_dialog import UploadKitDialog
    from ui.products.products_view import ProductsWindow
    from ui.reminders import ReminderSettingsDialog
    from ui.stats.window import StatsWindow
    from ui.wizard.scripts_dialog import ScriptsDialog
    from ui.wizard.wizard_dialog import WizardDialog

    case_id = add_case(desk, "240101-000000000000720", "买家")
    picture = tmp_path / "仓库称重.jpg"
    Image.new("RGB", (1600, 1200), (40, 140, 200)).save(picture, "JPEG")
    desk.evidence.import_files(case_id, [picture])
    items = desk.evidence.list(case_id)
    parent = QWidget()
    return [
        ("证据查看", lambda: EvidenceViewer(desk.evidence, runner, items, 0)),
        ("申诉材料预览", lambda: PacketPreview(_pdf(tmp_path), runner=runner)),
        ("处理向导", lambda: WizardDialog(desk, runner, case_id)),
        ("话术库", lambda: ScriptsDialog(desk, runner, case_id)),
        ("申诉结果", lambda: AppealDialog(desk.outcomes, runner, case_id)),
        ("快递理赔", lambda: ClaimDialog(desk.outcomes, runner, case_id)),
        ("统计", lambda: StatsWindow(desk, runner)),
        ("申诉前检查", lambda: ReadinessDialog(desk.packets.readiness(case_id))),
        ("上传材料包", lambda: UploadKitDialog(desk, runner, case_id)),
        ("申诉说明", lambda: StoryDialog(desk, runner, case_id)),
        (
            "提醒设置",
            lambda: ReminderSettingsDialog(
                ReminderSettings(), tray=False, save=lambda _s: None, parent=parent
            ),
        ),
        ("订单", lambda: OrdersWindow(desk, runner)),
        ("商品与重量", lambda: ProductsWindow(desk, runner)),
        ("导入订单", lambda: ImportDialog(desk, runner)),
        ("店铺", lambda: ShopDialog(desk, runner)),
        ("平台", lambda: PlatformDialog(desk.platforms, runner)),
        ("称重误差", lambda: ToleranceDialog(desk)),
        ("日期范围", lambda: DateRangeDialog(date(2026, 1, 1), date(2026, 1, 31))),
        ("崩溃记录", lambda: CrashReportDialog("report\n" * 200)),
    ]


def test_every_window_fits_a_1280_by_720_screen(
    desk: Any, runner: Any, qtbot: Any, tmp_path: Path, small_screen: QRect
) -> None:
    too_big: list[str] = []
    for name, make in _dialogs(desk, runner, tmp_path):
        window = make()
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        frame = window.frameGeometry()
        smallest = window.minimumSizeHint().expandedTo(window.minimumSize())
        if frame.width() > small_screen.width() or frame.height() > small_screen.height():
            too_big.append(f"{name} opens at {frame.width()}×{frame.height()}")
        if smallest.width() > small_screen.width() or smallest.height() > small_screen.height():
            too_big.append(f"{name} cannot be smaller than {smallest.width()}×{smallest.height()}")
        window.close()
    assert not too_big, too_big


@pytest.mark.parametrize(
    ("screen", "expected"),
    [(SCREEN_720, (1280 - fit.FRAME_WIDTH, 720 - fit.FRAME_HEIGHT)), (SCREEN_1080, (1280, 800))],
)
def test_the_main_window_opens_at_a_sensible_size(
    desk: Any,
    runner: Any,
    qtbot: Any,
    settings: QSettings,  # a fresh settings file: no size remembered
    monkeypatch: pytest.MonkeyPatch,
    screen: QRect,
    expected: tuple[int, int],
) -> None:
    """On a laptop it takes the screen (less the taskbar and its frame); on a large screen it keeps the size
    the layout was made for rather than sprawling."""
    from ui.main_window import MainWindow

    monkeypatch.setattr(fit, "available_geometry", lambda _widget: screen)
    window = MainWindow(desk, runner=runner, settings=settings)
    try:
        assert (window.width(), window.height()) == expected
        smallest = window.minimumSizeHint()
        assert smallest.width() <= 1280 - fit.FRAME_WIDTH and smallest.height() <= 720 - fit.FRAME_HEIGHT
    finally:
        window.form.revert()
        window.close()
