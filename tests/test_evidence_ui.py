"""The evidence gallery and viewer as an operator uses them: paste, drop, group, open, redact, export, undo."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageDraw

from desk.domain import CaseDraft, CaseId, CaseType, EvidenceKind, Mark, MarkShape, Platform
from tests import ui_wait
from tests.ui_wait import reload_evidence
from ui.evidence.gallery import HEADER_ROLE, GalleryModel
from ui.evidence.panel import EvidencePanel, parse_weight
from ui.main_window import MainWindow
from ui.qt import (
    QApplication,
    QDragEnterEvent,
    QDropEvent,
    QImage,
    QLineEdit,
    QMessageBox,
    QMimeData,
    QPoint,
    QPointF,
    QSettings,
    Qt,
    QUrl,
)
from ui.tasks import TaskRunner

pytestmark = pytest.mark.gui

WAIT_MS = 20_000
RED = (220, 20, 20)


@pytest.fixture(autouse=True)
def no_modal_dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> int:
        raise AssertionError("unexpected modal dialog")

    monkeypatch.setattr(QMessageBox, "exec", refuse)
    monkeypatch.setattr("ui.evidence.panel.ask", refuse)


@pytest.fixture
def window(qtbot: Any, desk: Any, runner: TaskRunner, tmp_path: Path) -> Iterator[MainWindow]:
    settings = QSettings(str(tmp_path / "ui.ini"), QSettings.Format.IniFormat)
    w = MainWindow(desk, runner=runner, settings=settings)
    w.resize(1280, 900)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.form.revert()
    w.close()


class Host:
    """The panel on its own, wired as the main window wires it (changes refresh it, notes are kept)."""

    def __init__(self, panel: EvidencePanel) -> None:
        self.panel = panel
        self.messages: list[str] = []
        panel.changes_made.connect(panel.apply_changes)
        panel.status_message.connect(self.messages.append)

    @property
    def last_message(self) -> str:
        return self.messages[-1] if self.messages else ""


@pytest.fixture
def host(qtbot: Any, desk: Any, runner: TaskRunner) -> Iterator[Host]:
    panel = EvidencePanel(desk.evidence, runner)
    panel.resize(900, 600)
    panel.show()
    qtbot.waitExposed(panel)
    yield Host(panel)
    panel.shutdown()
    panel.close()


def open_host_case(host: Host, desk: Any) -> CaseId:
    case, _ = desk.cases.create(
        CaseDraft(platform=Platform.PDD, order_no="240101-123456789012345", case_type=CaseType.MISSING_ITEM)
    )
    host.panel.set_case(case.id)
    return case.id


def open_case(window: MainWindow, desk: Any, qtbot: Any) -> CaseId:
    case, _ = desk.cases.create(
        CaseDraft(platform=Platform.PDD, order_no="240101-123456789012345", case_type=CaseType.MISSING_ITEM)
    )
    ui_wait.open_case(qtbot, window, case.id)
    assert window.panel.case_id == case.id
    return case.id


def banded(size: tuple[int, int] = (160, 120)) -> Image.Image:
    im = Image.new("RGB", size, (255, 255, 255))
    ImageDraw.Draw(im).rectangle((0, 0, size[0] - 1, size[1] // 6), fill=RED)
    return im


def png_bytes(im: Image.Image) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def wait_items(panel: EvidencePanel, qtbot: Any, count: int) -> None:
    qtbot.waitUntil(lambda: len(panel.model.items()) == count and panel.thumbnails_shown(), timeout=WAIT_MS)


def send_drop(widget: Any, mime: QMimeData) -> tuple[bool, bool]:
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    enter = QDragEnterEvent(QPointF(30, 30), *args)
    QApplication.sendEvent(widget, enter)
    drop = QDropEvent(QPointF(30, 30), *args)
    if enter.isAccepted():
        QApplication.sendEvent(widget, drop)
    return enter.isAccepted(), drop.isAccepted()


def pixel(pixmap_or_image: Any, x: int, y: int) -> tuple[int, int, int]:
    image = pixmap_or_image.toImage() if hasattr(pixmap_or_image, "toImage") else pixmap_or_image
    c = image.pixelColor(x, y)
    return c.red(), c.green(), c.blue()


def near(p: tuple[int, int, int], color: tuple[int, int, int], tolerance: int = 50) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(p, color, strict=True))


# -- ways in ------------------------------------------------------------------------------------------


def test_ctrl_v_pastes_a_screenshot_as_chat_evidence(window: MainWindow, desk: Any, qtbot: Any) -> None:
    case_id = open_case(window, desk, qtbot)
    screenshot = QImage(360, 640, QImage.Format.Format_RGB32)
    screenshot.fill(Qt.GlobalColor.white)
    # What WeChat/QQ/system screenshot tools put on the clipboard: picture data, no file. (setImage,
    # not setMimeData: a QMimeData owned by both Python and the clipboard crashes the exit.)
    QApplication.clipboard().setImage(screenshot)
    window.panel.view.setFocus()
    qtbot.keyClick(window.panel.view, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    wait_items(window.panel, qtbot, 1)
    (item,) = desk.evidence.list(case_id)
    assert item.kind == EvidenceKind.CHAT and not item.kind_confirmed
    assert item.original_name.startswith("粘贴的截图-") and item.original_name.endswith(".png")
    assert (item.width, item.height) == (360, 640)
    # The new item comes up selected, with 确认类型 offered.
    assert [e.id for e in window.panel.selected()] == [item.id]
    assert window.panel.confirm_button.isVisibleTo(window.panel)
    window.panel.confirm_kind()
    qtbot.waitUntil(lambda: desk.evidence.get(item.id).kind_confirmed, timeout=WAIT_MS)


def test_ctrl_z_in_the_gallery_brings_a_deleted_item_back(window: MainWindow, desk: Any, qtbot: Any) -> None:
    """The real keys, through the window's 撤销 action (a window-wide shortcut), not panel.undo()."""
    case_id = open_case(window, desk, qtbot)
    keep = desk.evidence.import_bytes(case_id, png_bytes(banded((60, 40))), "留下.png").added[0]
    gone = desk.evidence.import_bytes(case_id, png_bytes(banded((70, 40))), "删掉.png").added[0]
    panel = window.panel
    reload_evidence(qtbot, panel)
    wait_items(panel, qtbot, 2)
    window.activateWindow()
    panel.view.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is panel.view, timeout=WAIT_MS)
    panel.select_ids([gone.id])
    qtbot.keyClick(panel.view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: [e.id for e in panel.model.items()] == [keep.id], timeout=WAIT_MS)
    assert [e.id for e in desk.evidence.list(case_id)] == [keep.id]

    focused = QApplication.focusWidget()
    assert focused is not None and panel.isAncestorOf(focused)  # the gallery, not the case list
    qtbot.keyClick(focused, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(desk.evidence.list(case_id)) == 2, timeout=WAIT_MS)
    assert sorted(e.original_name for e in desk.evidence.list(case_id)) == ["删掉.png", "留下.png"]
    qtbot.waitUntil(lambda: {e.id for e in panel.model.items()} == {keep.id, gone.id}, timeout=WAIT_MS)


def test_ctrl_v_in_a_text_field_pastes_text(window: MainWindow, desk: Any, qtbot: Any) -> None:
    case_id = open_case(window, desk, qtbot)
    QApplication.clipboard().setText("圆通")
    field = window.form.fields["courier"]
    assert isinstance(field, QLineEdit)
    field.setFocus()
    qtbot.keyClick(field, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert field.text() == "圆通"
    qtbot.wait(200)
    assert desk.evidence.list(case_id) == []


def test_paste_keeps_encoded_bytes_exactly(host: Host, desk: Any, qtbot: Any) -> None:
    case_id = open_host_case(host, desk)
    data = png_bytes(banded())
    mime = QMimeData()
    mime.setData("image/png", data)
    assert host.panel.paste_mime(mime)
    wait_items(host.panel, qtbot, 1)
    (item,) = desk.evidence.list(case_id)
    assert desk.evidence.blob_path(item.id).read_bytes() == data


def test_paste_with_nothing_usable_says_so(host: Host, desk: Any) -> None:
    open_host_case(host, desk)
    mime = QMimeData()
    mime.setText("只是一段文字")
    assert not host.panel.paste_mime(mime)
    assert host.last_message == "剪贴板里没有图片或文件"


def test_drop_files_and_a_folder(host: Host, desk: Any, qtbot: Any, tmp_path: Path) -> None:
    case_id = open_host_case(host, desk)
    banded().save(tmp_path / "仓库称重.jpg", "JPEG")
    folder = tmp_path / "买家发来的"
    folder.mkdir()
    banded((90, 60)).save(folder / "a.png")
    banded((60, 90)).save(folder / "b.webp")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "仓库称重.jpg")), QUrl.fromLocalFile(str(folder))])
    assert send_drop(host.panel.view.viewport(), mime) == (True, True)
    wait_items(host.panel, qtbot, 3)
    assert sorted(e.original_name for e in desk.evidence.list(case_id)) == ["a.png", "b.webp", "仓库称重.jpg"]


def test_drop_picture_data_from_a_chat_window(host: Host, desk: Any, qtbot: Any) -> None:
    case_id = open_host_case(host, desk)
    image = QImage(200, 100, QImage.Format.Format_RGB32)
    image.fill(Qt.GlobalColor.blue)
    mime = QMimeData()
    mime.setImageData(image)
    assert send_drop(host.panel, mime) == (True, True)
    wait_items(host.panel, qtbot, 1)
    (item,) = desk.evidence.list(case_id)
    assert item.original_name.startswith("拖入的图片-") and item.kind == EvidenceKind.CHAT


def test_rejections_are_summarised_in_one_message(
    host: Host, desk: Any, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_host_case(host, desk)
    boxes: list[tuple[str, str]] = []
    monkeypatch.setattr(
        QMessageBox, "exec", lambda box: boxes.append((box.text(), box.informativeText())) or 0
    )
    good = tmp_path / "good.png"
    banded().save(good)
    empty = tmp_path / "空文件.jpg"
    empty.write_bytes(b"")
    text = tmp_path / "说明.jpg"
    text.write_text("不是图片", encoding="utf-8")
    host.panel.import_paths([good, empty, text, good])
    qtbot.waitUntil(lambda: bool(boxes), timeout=WAIT_MS)
    summary, details = boxes[0]
    assert summary == "导入 1 个，重复 1 个（已存在，未重复保存），拒绝 2 个"
    assert "空文件.jpg：文件是空的（0 字节）" in details
    assert "说明.jpg：这是文本文件" in details


# -- the gallery --------------------------------------------------------------------------------------


def test_gallery_groups_by_kind_in_packet_order(desk: Any, tmp_path: Path) -> None:
    case, _ = desk.cases.create(CaseDraft(order_no="1", case_type=CaseType.QUALITY))
    for i, (name, kind) in enumerate(
        [
            ("c.png", EvidenceKind.CHAT),
            ("w.png", EvidenceKind.WAREHOUSE_WEIGHT),
            ("c2.png", EvidenceKind.CHAT),
        ]
    ):
        desk.evidence.import_bytes(case.id, png_bytes(banded((40 + i, 30))), name, kind=kind)
    model = GalleryModel()
    model.set_items(desk.evidence.list(case.id))
    assert [e.original_name for e in model.items()] == ["w.png", "c.png", "c2.png"]
    labels = [model.index(r).data(HEADER_ROLE) for r in range(model.rowCount())]
    assert [(h.kind, h.count) if h else None for h in labels] == [
        (EvidenceKind.WAREHOUSE_WEIGHT, 1),
        (EvidenceKind.CHAT, 2),
        None,
    ]


def test_thumbnail_honours_orientation_rotation_and_redaction(
    host: Host, desk: Any, qtbot: Any, tmp_path: Path
) -> None:
    case_id = open_host_case(host, desk)
    exif = Image.Exif()
    exif[0x0112] = 6
    banded().transpose(Image.Transpose.ROTATE_90).save(tmp_path / "o6.jpg", "JPEG", exif=exif.tobytes())
    desk.evidence.import_files(case_id, [tmp_path / "o6.jpg"])
    panel = host.panel
    reload_evidence(qtbot, panel)
    wait_items(panel, qtbot, 1)
    (item,) = panel.model.items()
    pixmap = panel.thumbnails.pixmap(item)
    assert pixmap is not None
    image = pixmap.toImage()
    assert image.width() > image.height()  # upright: landscape, as taken
    assert near(pixel(image, image.width() // 2, 3), RED)
    # A redaction shows in the gallery as well.
    desk.evidence.set_marks(item.id, [Mark(MarkShape.REDACT, 0.2, 0.5, 0.8, 0.9)])
    reload_evidence(qtbot, panel)
    (item,) = panel.model.items()
    qtbot.waitUntil(lambda: panel.thumbnails.has(item), timeout=WAIT_MS)
    redacted = panel.thumbnails.pixmap(item)
    assert redacted is not None
    img = redacted.toImage()
    assert max(pixel(img, img.width() // 2, int(img.height() * 0.7))) < 30


def test_reorder_by_drag_and_remove_with_undo(host: Host, desk: Any, qtbot: Any) -> None:
    case_id = open_host_case(host, desk)
    ids = []
    for i in range(3):
        report = desk.evidence.import_bytes(
            case_id, png_bytes(banded((50 + i, 40))), f"{i}.png", kind=EvidenceKind.BUYER_PHOTO
        )
        ids.append(report.added[0].id)
    panel = host.panel
    reload_evidence(qtbot, panel)
    # Drag card 2 before card 0.
    panel.view.move_requested.emit([ids[2]], ids[0], EvidenceKind.BUYER_PHOTO.value)
    qtbot.waitUntil(
        lambda: [e.id for e in desk.evidence.list(case_id)] == [ids[2], ids[0], ids[1]], timeout=WAIT_MS
    )
    qtbot.waitUntil(lambda: [e.id for e in panel.model.items()] == [ids[2], ids[0], ids[1]], timeout=WAIT_MS)
    # Dropping into another group changes the kind too.
    panel.view.move_requested.emit([ids[1]], 0, EvidenceKind.CHAT.value)
    qtbot.waitUntil(lambda: host.last_message == "已移到“聊天截图”", timeout=WAIT_MS)
    assert desk.evidence.get(ids[1]).kind == EvidenceKind.CHAT
    # Its own group, last (the gallery re-reads off the GUI thread after the message: wait for it).
    qtbot.waitUntil(lambda: [e.kind for e in panel.model.items()][-1] == EvidenceKind.CHAT, timeout=WAIT_MS)

    panel.select_ids([ids[0], ids[2]])
    qtbot.keyClick(panel.view, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: "Ctrl+Z 撤销" in host.last_message, timeout=WAIT_MS)
    assert [e.id for e in desk.evidence.list(case_id)] == [ids[1]]
    # The gallery re-reads its items off the GUI thread after the status message: wait for it.
    qtbot.waitUntil(lambda: [e.id for e in panel.model.items()] == [ids[1]], timeout=WAIT_MS)
    # The removal is a step of the desk's undo log (the window's 撤销 takes it back; here the core).
    from desk.services.undo import UndoService

    result = UndoService.for_desk(desk).undo()
    assert result.message == "已撤销删除证据（2 个证据）"
    host.panel.changes_made.emit(result.changes)
    qtbot.waitUntil(lambda: len(panel.model.items()) == 3, timeout=WAIT_MS)
    assert sorted(e.original_name for e in desk.evidence.list(case_id)) == ["0.png", "1.png", "2.png"]


def test_context_menu_offers_every_action(host: Host, desk: Any, qtbot: Any, tmp_path: Path) -> None:
    case_id = open_host_case(host, desk)
    (item,) = desk.evidence.import_bytes(case_id, png_bytes(banded()), "截图.png").added
    panel = host.panel
    reload_evidence(qtbot, panel)
    panel.select_ids([item.id])
    menu = panel.context_menu()
    texts = [a.text() for a in menu.actions() if a.text()]
    assert texts[:3] == ["查看…", "类型", "确认类型"]
    for wanted in ("编辑说明", "用系统程序打开", "在文件夹中显示", "导出副本…", "向右转", "删除"):
        assert wanted in texts
    panel.export_selected(tmp_path / "导出")
    qtbot.waitUntil(lambda: (tmp_path / "导出" / "截图.png").is_file(), timeout=WAIT_MS)
    # The copy for the system viewer has the real name and extension; the original stays as it is.
    copy = desk.evidence.open_copy(item.id)
    assert copy.name == "截图.png" and copy.read_bytes() == desk.evidence.blob_path(item.id).read_bytes()


def test_weight_field_for_weight_evidence(host: Host, desk: Any, qtbot: Any) -> None:
    case_id = open_host_case(host, desk)
    (item,) = desk.evidence.import_bytes(
        case_id, png_bytes(banded()), "称重.png", kind=EvidenceKind.WAREHOUSE_WEIGHT
    ).added
    panel = host.panel
    reload_evidence(qtbot, panel)
    panel.select_ids([item.id])
    assert panel.weight_edit.isVisibleTo(panel)
    panel.weight_edit.setText("1.25kg")
    panel.weight_edit.editingFinished.emit()
    qtbot.waitUntil(lambda: desk.evidence.get(item.id).weight_grams == 1250, timeout=WAIT_MS)
    assert [parse_weight(t) for t in ("1250", "1250g", "1.25", "1.25 公斤", "")] == [
        1250,
        1250,
        1250,
        1250,
        None,
    ]
    with pytest.raises(ValueError, match="不是重量"):
        parse_weight("很重")


# -- the viewer ---------------------------------------------------------------------------------------


def test_viewer_keys_rotate_redact_and_export(host: Host, desk: Any, qtbot: Any, tmp_path: Path) -> None:
    case_id = open_host_case(host, desk)
    for name, width in (("a.png", 400), ("b.png", 401)):
        desk.evidence.import_bytes(case_id, png_bytes(banded((width, 300))), name, kind=EvidenceKind.CHAT)
    panel = host.panel
    reload_evidence(qtbot, panel)
    first, second = panel.model.items()
    panel.select_ids([first.id])
    qtbot.keyClick(panel.view, Qt.Key.Key_Return)
    viewer = panel.viewer
    assert viewer is not None
    qtbot.waitExposed(viewer)
    qtbot.waitUntil(lambda: viewer.loaded, timeout=WAIT_MS)
    assert viewer.current is not None and viewer.current.id == first.id
    canvas = viewer.canvas

    # Next and back with the arrow keys.
    qtbot.keyClick(canvas, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: viewer.loaded and viewer.current.id == second.id, timeout=WAIT_MS)
    qtbot.keyClick(canvas, Qt.Key.Key_Left)
    qtbot.waitUntil(lambda: viewer.loaded and viewer.current.id == first.id, timeout=WAIT_MS)

    # Zoom in and back to fit.
    fit = canvas.scale()
    qtbot.keyClick(canvas, Qt.Key.Key_Plus)
    assert canvas.scale() > fit
    qtbot.keyClick(canvas, Qt.Key.Key_F)
    assert canvas.scale() == pytest.approx(fit)

    # B, then drag a black box over the middle of the picture.
    qtbot.keyClick(canvas, Qt.Key.Key_B)
    assert canvas.tool == "redact"
    transform = canvas.transform()
    start = transform.map(QPointF(100, 150)).toPoint()
    end = transform.map(QPointF(300, 250)).toPoint()
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas, pos=QPoint((start.x() + end.x()) // 2, (start.y() + end.y()) // 2))
    qtbot.mouseMove(canvas, pos=end)
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=end)
    qtbot.waitUntil(lambda: len(desk.evidence.get(first.id).marks) == 1, timeout=WAIT_MS)
    (mark,) = desk.evidence.get(first.id).marks
    assert mark.shape == MarkShape.REDACT
    assert (mark.x0, mark.y0, mark.x1, mark.y1) == pytest.approx((0.25, 0.5, 0.75, 0.833), abs=0.02)
    shot = canvas.grab().toImage()
    centre = transform.map(QPointF(200, 200)).toPoint()
    assert max(pixel(shot, centre.x(), centre.y())) < 20

    # A text label (the dialog is answered for us), then Ctrl+Z takes it back.
    canvas.ask_text = lambda: "手机号已遮挡"
    qtbot.keyClick(canvas, Qt.Key.Key_T)
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=transform.map(QPointF(20, 80)).toPoint())
    qtbot.waitUntil(lambda: len(desk.evidence.get(first.id).marks) == 2, timeout=WAIT_MS)
    qtbot.keyClick(canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(desk.evidence.get(first.id).marks) == 1, timeout=WAIT_MS)

    # R turns the picture a quarter clockwise, for good.
    qtbot.keyClick(canvas, Qt.Key.Key_R)
    qtbot.waitUntil(lambda: desk.evidence.get(first.id).rotation == 90, timeout=WAIT_MS)

    # The export carries the redaction and the turn; the original is untouched.
    viewer.export_copy(tmp_path / "out")
    out = tmp_path / "out" / "a.png"
    qtbot.waitUntil(out.is_file, timeout=WAIT_MS)
    exported = Image.open(out).convert("RGB")
    assert exported.size == (300, 400)
    assert max(exported.getpixel((100, 200))) <= 10  # under the (turned) black box
    assert near(exported.getpixel((295, 200)), RED)  # the top band is now on the right
    assert desk.evidence.blob_path(first.id).read_bytes() == png_bytes(banded((400, 300)))

    qtbot.keyClick(canvas, Qt.Key.Key_Escape)
    assert not viewer.isVisible()


def test_viewer_picks_video_key_frames(host: Host, desk: Any, qtbot: Any, tmp_path: Path) -> None:
    from tests.test_evidence_media import mp4

    case_id = open_host_case(host, desk)
    desk.evidence.import_files(case_id, [mp4(tmp_path / "开箱.mp4", frames=30)])
    panel = host.panel
    reload_evidence(qtbot, panel)
    viewer = panel.open_viewer()
    assert viewer is not None
    qtbot.waitUntil(lambda: viewer.loaded, timeout=WAIT_MS)
    assert viewer.video_box.isVisibleTo(viewer)
    assert not viewer.tool_actions["redact"].isEnabled()
    viewer.slider.setValue(1500)
    viewer.add_key_frame()
    viewer.slider.setValue(2500)
    viewer.add_key_frame()
    item_id = viewer.items[0].id
    qtbot.waitUntil(lambda: desk.evidence.get(item_id).key_frames == (1500, 2500), timeout=WAIT_MS)
    assert "关键帧：0:01.5、0:02.5" in viewer.frames_label.text()
    viewer.remove_key_frame()  # the one nearest the slider
    qtbot.waitUntil(lambda: desk.evidence.get(item_id).key_frames == (1500,), timeout=WAIT_MS)
    viewer.close()


def test_big_folder_asks_first(
    host: Host, desk: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    case_id = open_host_case(host, desk)
    folder = tmp_path / "整个相册"
    folder.mkdir()
    for i in range(305):
        (folder / f"{i}.txt").write_bytes(b"x")
    asked: list[str] = []
    monkeypatch.setattr("ui.evidence.panel.ask", lambda _parent, text, *_a, **_k: asked.append(text) or 1)
    host.panel.import_folder(folder)
    assert asked == ["文件夹里有超过 300 个文件，全部导入吗？"]
    assert not host.panel._importing and desk.evidence.list(case_id) == []
