"""Issue 7: the packet preview — page thumbnails, page count, zoom, print with a page range and copies,
open the folder, and the case's older packet versions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from PIL import Image

import ui.packet.preview as preview_module
from desk.domain import CaseDraft
from ui.packet.preview import PacketPreview
from ui.qt import QApplication, QDialog, QImage, QPdfDocument, QPrintDialog, QPrinter, QUrl
from ui.tasks import TaskRunner

pytestmark = pytest.mark.gui

WAIT_MS = 20_000
ORDER_NO = "261120-583920174650321"


@pytest.fixture
def case_id(desk: Any, tmp_path: Path) -> int:
    """A case whose packet has several pages: five photos, two to a page."""
    case, _ = desk.cases.create(CaseDraft(order_no=ORDER_NO, description="买家称少发一件。"))
    paths = []
    for n in range(5):
        path = tmp_path / f"photo{n}.png"
        Image.new("RGB", (800, 600), (40 * n, 120, 200 - 30 * n)).save(path)
        paths.append(path)
    desk.evidence.import_files(case.id, paths)
    return int(case.id)


@pytest.fixture
def make_preview(qtbot: Any, desk: Any, runner: TaskRunner) -> Iterator[Any]:
    made: list[PacketPreview] = []

    def make(path: Path, case: int, warnings: tuple[str, ...] = ()) -> PacketPreview:
        dialog = PacketPreview(
            path, runner=runner, warnings=warnings, history=lambda: desk.packets.history(case)
        )
        qtbot.addWidget(dialog)
        dialog.resize(1000, 800)
        dialog.show()
        qtbot.waitExposed(dialog)
        made.append(dialog)
        return dialog

    yield make
    for dialog in made:
        dialog.close()


def _pages(path: Path) -> int:
    doc = QPdfDocument()
    doc.load(str(path))
    count = doc.pageCount()
    doc.close()
    return count


def _icon_image(dialog: PacketPreview, row: int) -> QImage:
    item = dialog.thumbs.item(row)
    return item.icon().pixmap(dialog.thumbs.iconSize()).toImage()


def test_preview_shows_page_count_and_a_thumbnail_per_page(
    make_preview: Any, desk: Any, case_id: int, qtbot: Any
) -> None:
    result = desk.packets.build(case_id)
    dialog = make_preview(result.path, case_id, ("凭证“x.jpg”无法显示",))
    pages = _pages(result.path)
    assert pages >= 3
    assert dialog.info_label.text().startswith(f"共 {pages} 页")
    assert dialog.thumbs.count() == pages
    qtbot.waitUntil(lambda: dialog.thumbnails_ready == pages, timeout=WAIT_MS)
    # Each thumbnail is a picture of its page: white paper with dark text, not the grey placeholder.
    for row in range(pages):
        image = _icon_image(dialog, row)
        colors = {
            image.pixelColor(x, y).name()
            for x in range(0, image.width(), 3)
            for y in range(0, image.height(), 3)
        }
        assert "#ffffff" in colors and len(colors) > 10, row  # the placeholder is one flat grey
    assert dialog.warning_label.isVisible() and "x.jpg" in dialog.warning_label.text()

    # Choosing a thumbnail shows that page; zooming keeps it in view.
    dialog.thumbs.setCurrentRow(2)
    qtbot.waitUntil(lambda: dialog.current_page() == 2, timeout=WAIT_MS)
    assert "第 3 页" in dialog.info_label.text()
    dialog.zoom_in()
    assert dialog.zoom_label.text().endswith("%")
    qtbot.waitUntil(lambda: dialog.current_page() == 2, timeout=WAIT_MS)
    dialog.fit_page()
    assert dialog.zoom_label.text() == "缩放：整页"


class _ChosenPrintDialog(QPrintDialog):
    """The print dialog as the operator leaves it: pages 2–3, two copies, printed to a PDF file."""

    seen: ClassVar[dict[str, int]] = {}
    target = Path()
    print_range = QPrinter.PrintRange.PageRange
    span = (2, 3)
    copies = 2

    def exec(self) -> int:  # type: ignore[override]
        type(self).seen = {"min": self.minPage(), "max": self.maxPage()}
        printer = self.printer()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(self.target))
        printer.setPrintRange(self.print_range)
        printer.setFromTo(*self.span)
        printer.setCopyCount(self.copies)
        return int(QDialog.DialogCode.Accepted.value)


def test_print_dialog_page_range_and_copies(
    make_preview: Any, desk: Any, case_id: int, qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = desk.packets.build(case_id)
    dialog = make_preview(result.path, case_id)
    pages = _pages(result.path)
    printed = tmp_path / "printed.pdf"
    _ChosenPrintDialog.target = printed
    monkeypatch.setattr(preview_module, "QPrintDialog", _ChosenPrintDialog)
    messages: list[str] = []
    dialog.status_message.connect(messages.append)

    dialog.print_button.click()
    qtbot.waitUntil(lambda: dialog.print_button.isEnabled() and printed.is_file(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: bool(messages), timeout=WAIT_MS)
    assert _ChosenPrintDialog.seen == {"min": 1, "max": pages}  # the dialog offers the packet's pages
    assert _pages(printed) == 4  # pages 2 and 3, two copies
    assert messages[-1] == "已发送打印：4 页"

    # The current page only, once.
    dialog.go_to_page(1)
    monkeypatch.setattr(_ChosenPrintDialog, "print_range", QPrinter.PrintRange.CurrentPage)
    monkeypatch.setattr(_ChosenPrintDialog, "copies", 1)
    again = tmp_path / "current.pdf"
    _ChosenPrintDialog.target = again
    dialog.print_packet()
    qtbot.waitUntil(lambda: dialog.print_button.isEnabled() and again.is_file(), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: messages[-1] == "已发送打印：1 页", timeout=WAIT_MS)
    assert _pages(again) == 1


def test_print_plan_orders_collated_and_uncollated_copies(qapp: QApplication) -> None:
    printer = QPrinter()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)  # cannot make copies itself
    printer.setPrintRange(QPrinter.PrintRange.PageRange)
    printer.setFromTo(2, 3)
    printer.setCopyCount(2)
    printer.setCollateCopies(True)
    assert preview_module.print_plan(printer, 5) == [1, 2, 1, 2]
    printer.setCollateCopies(False)
    assert preview_module.print_plan(printer, 5) == [1, 1, 2, 2]
    printer.setFromTo(4, 9)  # beyond the end: up to the last page
    printer.setCopyCount(1)
    assert preview_module.print_plan(printer, 5) == [3, 4]
    printer.setPrintRange(QPrinter.PrintRange.AllPages)
    assert preview_module.print_plan(printer, 3) == [0, 1, 2]


def test_open_folder_asks_the_system_for_the_packet_folder(
    make_preview: Any, desk: Any, case_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = desk.packets.build(case_id)
    dialog = make_preview(result.path, case_id)
    opened: list[QUrl] = []

    class _Services:
        @staticmethod
        def openUrl(url: QUrl) -> bool:
            opened.append(url)
            return True

    monkeypatch.setattr(preview_module, "QDesktopServices", _Services)
    dialog.folder_button.click()
    assert [Path(u.toLocalFile()) for u in opened] == [result.path.parent]


def test_history_lists_every_version_and_opens_an_older_one(
    make_preview: Any, desk: Any, case_id: int, qtbot: Any, tmp_path: Path
) -> None:
    first = desk.packets.build(case_id)
    desk.cases.update(case_id, description="第二版：补充说明。")
    second = desk.packets.build(case_id, kind="freight")
    dialog = make_preview(second.path, case_id)
    qtbot.waitUntil(lambda: dialog.history_list.count() == 2, timeout=WAIT_MS)
    newest, older = (dialog.history_list.item(i).text() for i in range(2))
    assert "（最新）" in newest and "维权申诉 · 运费申诉" in newest
    assert second.packet.sha256[:12] in newest and first.packet.sha256[:12] in older
    assert f"{second.packet.page_count} 页" in newest
    assert dialog.history_list.item(0).font().bold()  # the version on screen
    assert not dialog.version_label.isVisible()

    dialog.side.setCurrentIndex(1)
    dialog.history_list.setCurrentRow(1)
    dialog.open_version_button.click()
    assert dialog.path == first.path
    assert dialog.version_label.isVisible() and first.path.name in dialog.version_label.text()
    assert dialog.history_list.item(1).font().bold()
    pages = _pages(first.path)
    qtbot.waitUntil(lambda: dialog.thumbnails_ready == pages, timeout=WAIT_MS)

    # 另存为 copies the version on screen.
    copy = tmp_path / "older-copy.pdf"
    dialog.save_copy_to(copy)
    qtbot.waitUntil(
        lambda: copy.is_file() and copy.stat().st_size == first.path.stat().st_size, timeout=WAIT_MS
    )
    assert copy.read_bytes() == first.path.read_bytes()


def test_a_missing_older_file_is_shown_and_not_opened(
    make_preview: Any, desk: Any, case_id: int, qtbot: Any
) -> None:
    first = desk.packets.build(case_id)
    second = desk.packets.build(case_id)
    first.path.unlink()
    dialog = make_preview(second.path, case_id)
    qtbot.waitUntil(lambda: dialog.history_list.count() == 2, timeout=WAIT_MS)
    assert "文件已不在原处" in dialog.history_list.item(1).text()
    dialog.open_version(first.path)
    assert dialog.path == second.path
