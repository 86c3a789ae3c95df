"""The 上传材料包 dialog: the budget meter in colour, the 申诉说明 copy button, exports in the background."""

# The window fixtures are shared with test_ui_flow by import; pytest injects them by name.
# ruff: noqa: F401, F811

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from desk.domain import CaseDraft, CaseType, EvidenceKind, Platform
from tests.test_ui_flow import WAIT_MS, make_window, no_modal_dialogs, settings
from tests.test_upload_kit import noisy_photo
from ui.packet.upload_kit_dialog import COLOURS, UploadKitDialog
from ui.qt import QApplication, QDesktopServices, Qt, QUrl
from ui.tasks import TaskRunner

pytestmark = pytest.mark.gui

PHONE = "13812345678"
ORDER_NO = "261120-583920174650321"


def make_case(desk: Any, tmp_path: Path, *, description: str = "", ready: bool = False) -> Any:
    """A 漏发少件 case of 拼多多 with a weighing photo; ready: also what the 申诉前检查 asks of a
    货款申诉 (its kind, the refund claimed, the courier's weight)."""
    case, _ = desk.cases.create(
        CaseDraft(
            platform=Platform.PDD,
            order_no=ORDER_NO,
            case_type=CaseType.MISSING_ITEM,
            description=description or f"买家（电话 {PHONE}）称少发一件。经复称重量一致，未发现少件。",
            appeal_type="goods" if ready else "",
            refund_amount=Decimal("29.90") if ready else None,
        )
    )
    photo = tmp_path / "称重.jpg"
    Image.new("RGB", (800, 600), (40, 140, 200)).save(photo, quality=90)
    desk.evidence.import_files(case.id, [photo], kind=EvidenceKind.WAREHOUSE_WEIGHT)
    if ready:
        courier = tmp_path / "揽收.jpg"
        Image.new("RGB", (800, 600), (200, 140, 40)).save(courier, quality=90)
        desk.evidence.import_files(case.id, [courier], kind=EvidenceKind.COURIER_WEIGHT)
    return case


def open_dialog(qtbot: Any, desk: Any, runner: TaskRunner, case_id: int) -> UploadKitDialog:
    dialog = UploadKitDialog(desk, runner, case_id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.check is not None, timeout=WAIT_MS)
    return dialog


def meter(dialog: UploadKitDialog, key: str) -> tuple[str, str, str]:
    """(value text, detail text, colour of the value) of one meter row."""
    _dot, value, detail = dialog.meter[key]
    colour = next(c for c in COLOURS.values() if c in value.styleSheet())
    return value.text(), detail.text(), colour


def test_meter_rows_and_copy_puts_the_text_on_the_clipboard(
    qtbot: Any, desk: Any, runner: TaskRunner, tmp_path: Path
) -> None:
    case = make_case(desk, tmp_path)
    desk.platforms.set_setting("pdd", "image_count", value=9, verified=True, source="后台")
    dialog = open_dialog(qtbot, desk, runner, case.id)

    assert ORDER_NO in dialog.header.text() and "拼多多" in dialog.header.text()
    assert meter(dialog, "image_count") == ("2 / 9 张", "1 张汇总页 + 1 张证据", COLOURS["ok"])
    value, detail, colour = meter(dialog, "image_size")
    assert value.endswith("/ 1 MB") and "上限是未核实的默认值" in detail and colour == COLOURS["ok"]
    value, _, colour = meter(dialog, "text")
    assert value.endswith("/ 500 字") and colour == COLOURS["ok"]
    value, _, colour = meter(dialog, "evidence")
    assert value == "快递内网重量图" and colour == COLOURS["bad"]  # red, yet the kit may still be exported
    assert dialog.folder_button.isEnabled() and dialog.zip_button.isEnabled()
    assert [dialog.files.item(i).text() for i in range(dialog.files.count())] == [
        "01-封面与说明.jpg",
        "02-仓库称重图-称重.jpg",
    ]

    text = dialog.text.toPlainText()
    assert "138****5678" in text and PHONE not in text
    QApplication.clipboard().clear()
    with qtbot.waitSignal(dialog.status_message, timeout=WAIT_MS) as said:
        dialog.copy_button.click()
    assert QApplication.clipboard().text() == text
    assert said.args == [f"已复制申诉说明（{len(text)} 字）"]
    assert dialog.copy_button.text() == "已复制"


def test_too_many_pictures_turns_red_and_blocks_export(
    qtbot: Any, desk: Any, runner: TaskRunner, tmp_path: Path
) -> None:
    case = make_case(desk, tmp_path)
    desk.platforms.set_setting("pdd", "image_count", value=1, verified=True, source="后台")
    dialog = open_dialog(qtbot, desk, runner, case.id)
    value, _, colour = meter(dialog, "image_count")
    assert value == "2 / 1 张" and colour == COLOURS["bad"]
    assert dialog.failure_label.isVisible()
    assert "超过拼多多申诉上限 1 张：请在证据栏移除不必要的证据" in dialog.failure_label.text()
    assert not dialog.folder_button.isEnabled() and not dialog.zip_button.isEnabled()


def test_long_text_is_orange_and_the_cut_is_named(
    qtbot: Any, desk: Any, runner: TaskRunner, tmp_path: Path
) -> None:
    first, second = "买家称少发一件，经复称重量一致。", "快递揽收重量也一致，未发现少件，恳请平台支持商家。"
    case = make_case(desk, tmp_path, description=first + second)
    desk.platforms.set_setting("pdd", "text_chars", value=20, verified=True, source="后台")
    dialog = open_dialog(qtbot, desk, runner, case.id)
    value, detail, colour = meter(dialog, "text")
    assert value == f"{len(first + second)} / 20 字" and colour == COLOURS["warn"] and "截断" in detail
    assert dialog.text.toPlainText() == first
    assert dialog.notes_label.isVisible() and second in dialog.notes_label.text()


def test_export_folder_in_the_background_then_open_it(
    qtbot: Any, desk: Any, runner: TaskRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = make_case(desk, tmp_path, ready=True)
    dialog = open_dialog(qtbot, desk, runner, case.id)
    assert not dialog.open_button.isVisible()
    target = tmp_path / "kit"
    dialog.export_to(folder=target)
    qtbot.waitUntil(lambda: dialog.result_label.isVisible(), timeout=WAIT_MS)
    assert sorted(p.name for p in target.iterdir()) == [
        "01-封面与说明.jpg",
        "02-仓库称重图-称重.jpg",
        "03-快递内网重量图-揽收.jpg",
        "申诉说明.txt",
    ]
    assert str(target) in dialog.result_label.text()
    assert meter(dialog, "image_size")[0].startswith("最大 ")
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    assert dialog.open_button.isVisible()
    dialog.open_button.click()
    assert [Path(u.toLocalFile()) for u in opened] == [target]


def test_export_zip_and_a_picture_too_big_is_explained_in_the_dialog(
    qtbot: Any, desk: Any, runner: TaskRunner, tmp_path: Path
) -> None:
    case = make_case(desk, tmp_path, ready=True)
    dialog = open_dialog(qtbot, desk, runner, case.id)
    dialog.export_to(zip_path=tmp_path / "kit.zip")
    qtbot.waitUntil(lambda: dialog.result_label.isVisible(), timeout=WAIT_MS)
    assert (tmp_path / "kit.zip").is_file()

    desk.evidence.import_files(
        case.id, [noisy_photo(tmp_path / "复称.jpg", 5, (2000, 1500))], kind=EvidenceKind.REWEIGH
    )
    desk.platforms.set_setting("pdd", "image_kb", value=60, verified=True, source="后台")
    dialog.refresh()
    qtbot.waitUntil(lambda: dialog.check is not None and dialog.check.image_count == 4, timeout=WAIT_MS)
    dialog.export_to(folder=tmp_path / "kit2")
    qtbot.waitUntil(lambda: dialog.failure_label.isVisible(), timeout=WAIT_MS)
    assert (
        "04-复称图-复称.jpg" in dialog.failure_label.text()
        and "请裁剪这张图片" in dialog.failure_label.text()
    )
    qtbot.waitUntil(lambda: dialog.folder_button.isEnabled(), timeout=WAIT_MS)
    assert not (tmp_path / "kit2").exists()


def test_a_kit_that_fails_the_check_is_not_made_and_the_checklist_leads_to_the_fix(
    qtbot: Any, desk: Any, runner: TaskRunner, tmp_path: Path
) -> None:
    """No appeal kind, no refund claimed, no courier weight: the kit is refused with the checklist,
    nothing is written, and 去处理 on a problem hands its place to the window."""
    case = make_case(desk, tmp_path, ready=False)
    dialog = open_dialog(qtbot, desk, runner, case.id)
    target = tmp_path / "kit"
    dialog.export_to(folder=target)
    qtbot.waitUntil(
        lambda: dialog.readiness_dialog is not None and dialog.readiness_dialog.isVisible(), timeout=WAIT_MS
    )
    check = dialog.readiness_dialog
    assert check is not None
    rows = [check.items.item(i).text() for i in range(check.items.count())]
    assert rows[0].startswith("✗ ") and any("申诉类型" in r for r in rows if r.startswith("✗"))
    assert check.draft_button is None  # a kit only goes to the platform: no draft of it
    assert not target.exists()
    asked: list[str] = []
    dialog.fix_requested.connect(asked.append)
    qtbot.mouseClick(check.fix_button, Qt.MouseButton.LeftButton)
    assert asked == ["field:appeal_type"]


def test_appeal_menu_opens_the_dialog_for_the_current_case(
    qtbot: Any, desk: Any, make_window: Any, tmp_path: Path
) -> None:
    case = make_case(desk, tmp_path)
    window = make_window()
    appeal_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "申诉")
    assert "上传材料包…" in [a.text() for a in appeal_menu.actions()]
    window.select_case(case.id)
    qtbot.waitUntil(lambda: window.form.case_id == case.id, timeout=WAIT_MS)
    window.features.upload_kit.upload_kit.trigger()
    qtbot.waitUntil(lambda: any(d.isVisible() for d in window.findChildren(UploadKitDialog)), timeout=WAIT_MS)
    dialog = next(d for d in window.findChildren(UploadKitDialog) if d.isVisible())
    qtbot.waitUntil(lambda: dialog.check is not None, timeout=WAIT_MS)
    assert dialog.case_id == case.id and meter(dialog, "image_count")[0] == "2 / 9 张"
    dialog.close()
